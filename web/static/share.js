/* Harmattan "Use these layers" panel: copy-ready snippets for the current view, layers and
 * filters — an iframe of /embed, Leaflet with GeoJSON or XYZ tiles, a MapLibre style URL,
 * OpenLayers with vector tiles, and the QGIS connection strings. Each Leaflet snippet is a
 * complete fragment that loads Leaflet from this server, so it works pasted into an empty page.
 *
 * Reads window.harmattan (app.js). Data goes into the page as text, never as HTML.
 */
(function () {
  'use strict';

  var hm = window.harmattan;
  if (!hm) return;
  var map = hm.map;
  var site = location.origin + location.pathname.replace(/[^/]*$/, '');

  function el(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function fixed(v) { return +v.toFixed(4); }

  // state is what the snippets show: the visible layers (all if none), the view and the filters.
  function state() {
    var layers = hm.visibleLayers();
    var b = map.getBounds();
    return {
      layers: layers,
      bbox: [fixed(b.getWest()), fixed(b.getSouth()), fixed(b.getEast()), fixed(b.getNorth())],
      datetime: hm.datetime()
    };
  }

  function query(params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) { if (params[k]) q.set(k, params[k]); });
    var s = q.toString();
    return s ? '?' + s : '';
  }

  // The query a collection's items and tiles take for the current filters.
  function filterQuery(id) {
    var q = hm.query(id);
    return q ? '?' + q : '';
  }

  function tileTemplate(id, s, ext) {
    return site + 'tiles/' + encodeURIComponent(id) + '/{z}/{x}/{y}.' + ext + filterQuery(id);
  }

  function js(v) { return JSON.stringify(v); }

  // attr escapes text for an HTML attribute value in double quotes.
  function attr(v) {
    return String(v).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function head(s) {
    var b = s.bbox;
    return '<link rel="stylesheet" href="' + site + 'static/vendor/leaflet/leaflet.css">\n' +
      '<div id="harmattan-map" style="height:450px"></div>\n' +
      '<script src="' + site + 'static/vendor/leaflet/leaflet.js"></script>\n' +
      '<script>\n' +
      'var map = L.map("harmattan-map").fitBounds([[' + b[1] + ', ' + b[0] + '], [' + b[3] + ', ' + b[2] + ']]);\n';
  }

  var SNIPPETS = [
    { key: 'iframe', title: 'Embed (iframe)', build: function (s) {
      var src = site + 'embed' + query({ layers: s.layers.join(','), bbox: s.bbox.join(','), datetime: s.datetime });
      // src needs no escaping: the query is percent-encoded, and so is any " or < in a path.
      return '<iframe src="' + src + '" width="100%" height="450" style="border:0" loading="lazy" ' +
        'title="' + attr('Harmattan map: ' + s.layers.join(', ')) + '"></iframe>';
    } },
    { key: 'leaflet-geojson', title: 'Leaflet, GeoJSON', build: function (s) {
      var out = head(s);
      s.layers.forEach(function (id) {
        var url = site + 'collections/' + encodeURIComponent(id) + '/items' +
          (filterQuery(id) ? filterQuery(id) + '&' : '?') + 'limit=10000';
        out += 'fetch(' + js(url) + ').then(function (r) { return r.json(); }).then(function (data) {\n' +
          '  L.geoJSON(data, { pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 5 }); } })\n' +
          '    .bindPopup(function (l) { return document.createTextNode(String(l.feature.properties.source || "")); }).addTo(map);\n' +
          '});\n';
      });
      return out + 'map.attributionControl.addAttribution(' + js('<a href="' + site + '">Harmattan</a>') + ');\n</script>';
    } },
    { key: 'leaflet-xyz', title: 'Leaflet, XYZ tiles', build: function (s) {
      var out = head(s);
      s.layers.forEach(function (id) {
        out += 'L.tileLayer(' + js(tileTemplate(id, s, 'png')) + ', { attribution: ' + js('<a href="' + site + '">Harmattan</a>') + ' }).addTo(map);\n';
      });
      return out + '</script>';
    } },
    { key: 'maplibre', title: 'MapLibre GL (style URL)', build: function (s) {
      var name = s.layers.length === 1 ? s.layers[0] : 'all';
      return '// with MapLibre GL JS on your page:\n' +
        'new maplibregl.Map({ container: "map", style: ' + js(site + 'styles/' + encodeURIComponent(name) + '.json') + ',\n' +
        '  bounds: [' + s.bbox.join(', ') + '] });';
    } },
    { key: 'openlayers', title: 'OpenLayers (vector tiles)', build: function (s) {
      var url = site + 'tiles/{z}/{x}/{y}.mvt' + query({ layers: s.layers.join(','), datetime: s.datetime });
      return '// with OpenLayers (ol) on your page:\n' +
        'new ol.Map({ target: "map", layers: [\n' +
        '  new ol.layer.VectorTile({ source: new ol.source.VectorTile({\n' +
        '    format: new ol.format.MVT(), url: ' + js(url) + ' }) })\n' +
        '], view: new ol.View({ center: ol.proj.fromLonLat([' + fixed((s.bbox[0] + s.bbox[2]) / 2) + ', ' +
        fixed((s.bbox[1] + s.bbox[3]) / 2) + ']), zoom: ' + map.getZoom() + ' }) });';
    } },
    { key: 'qgis-features', title: 'QGIS: OGC API – Features connection URL', build: function () {
      return site.replace(/\/$/, '');
    } },
    { key: 'qgis-xyz', title: 'QGIS: XYZ tiles connection URL', build: function (s) {
      return tileTemplate(s.layers[0] || 'incidents', s, 'png');
    } }
  ];

  var panel = null;
  var areas = {};

  function refresh() {
    if (!panel || panel.hidden) return;
    var s = state();
    SNIPPETS.forEach(function (sn) { areas[sn.key].value = sn.build(s); });
  }

  function copy(area, button) {
    area.select();
    var done = function () { button.textContent = 'Copied'; setTimeout(function () { button.textContent = 'Copy'; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(area.value).then(done, function () { document.execCommand('copy'); done(); });
    } else {
      document.execCommand('copy');
      done();
    }
  }

  function buildPanel() {
    panel = el('section', 'hm-share-panel');
    panel.id = 'hm-share-panel';
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', 'Use these layers');
    panel.hidden = true;
    var top = el('div', 'hm-share-head');
    var close = el('button', 'hm-share-close', 'Close');
    close.type = 'button';
    close.addEventListener('click', function () { toggle(false); });
    top.appendChild(el('h2', null, 'Use these layers'));
    top.appendChild(close);
    panel.appendChild(top);
    panel.appendChild(el('p', 'hm-share-note',
      'For the layers, view and filters on the map now. Paste a snippet into your page or tool.'));
    SNIPPETS.forEach(function (sn) {
      var box = el('div', 'hm-snippet');
      var label = el('label', null, sn.title);
      var area = el('textarea', 'hm-snippet-code');
      area.readOnly = true;
      area.spellcheck = false;
      area.rows = sn.key.indexOf('qgis') === 0 ? 1 : 5;
      area.setAttribute('data-snippet', sn.key);
      area.id = 'hm-snippet-' + sn.key;
      label.htmlFor = area.id;
      var button = el('button', 'hm-snippet-copy', 'Copy');
      button.type = 'button';
      button.addEventListener('click', function () { copy(area, button); });
      box.appendChild(label);
      box.appendChild(area);
      box.appendChild(button);
      panel.appendChild(box);
      areas[sn.key] = area;
    });
    panel.addEventListener('keydown', function (e) { if (e.key === 'Escape') toggle(false); });
    L.DomEvent.disableClickPropagation(panel);
    L.DomEvent.disableScrollPropagation(panel);
    map.getContainer().appendChild(panel);
  }

  var opener = null;

  function toggle(open) {
    panel.hidden = !open;
    opener.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) {
      refresh();
      areas.iframe.focus();
    } else {
      opener.focus();
    }
  }

  var ShareControl = L.Control.extend({
    options: { position: 'topleft' },
    onAdd: function () {
      var wrap = el('div', 'leaflet-bar hm-share');
      opener = el('button', 'hm-share-button', 'Use these layers');
      opener.type = 'button';
      opener.id = 'hm-share';
      opener.setAttribute('aria-controls', 'hm-share-panel');
      opener.setAttribute('aria-expanded', 'false');
      opener.addEventListener('click', function () { toggle(panel.hidden); });
      wrap.appendChild(opener);
      L.DomEvent.disableClickPropagation(wrap);
      return wrap;
    }
  });

  buildPanel();
  new ShareControl().addTo(map);
  map.on('moveend overlayadd overlayremove', refresh);
  document.addEventListener('harmattan:filters', refresh);
})();
