/* Harmattan map: a Leaflet front end for the server's OGC API – Features.
 *
 * Plain script, no bundler. Everything that comes from the data is put into
 * the page with textContent / DOM nodes, never as HTML.
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------------
  // Configuration
  // ---------------------------------------------------------------------

  var CENTER = [17, -4];
  var ZOOM = 5;
  var PAGE_LIMIT = 10000;
  var MAX_PAGES = 1000;
  // Collections with more features than this are not downloaded: the server
  // draws them as raster tiles and a click asks it what is under the pointer.
  var TILE_THRESHOLD = 5000;
  // Shown where the server has nothing to draw (it answers 204 No Content).
  var EMPTY_TILE = 'static/empty.png';
  // Half the side, in screen pixels, of the box a click on a tiled layer
  // looks in (about 8 px; twice that for fingers).
  var PICK_HALF = window.matchMedia('(pointer: coarse)').matches ? 8 : 4;
  var PICK_LIMIT = 5;

  // Okabe–Ito colour-blind-safe palette, one fixed colour per ACLED event type.
  var EVENT_TYPES = [
    { name: 'Battles', color: '#D55E00' },
    { name: 'Violence against civilians', color: '#CC79A7' },
    { name: 'Explosions/Remote violence', color: '#E69F00' },
    { name: 'Riots', color: '#0072B2' },
    { name: 'Protests', color: '#56B4E9' },
    { name: 'Strategic developments', color: '#009E73' }
  ];
  var OTHER_EVENT_COLOR = '#7A7A7A';

  // Base operators: colour lives in style.css (class), the letter is drawn in the square.
  var OPERATORS = [
    { name: 'MINUSMA', cls: 'op-minusma', letter: 'U' },
    { name: 'Barkhane', cls: 'op-barkhane', letter: 'B' },
    { name: 'Wagner Group (reported)', cls: 'op-wagner', letter: 'W' }
  ];
  var OTHER_OPERATOR = { name: 'Other', cls: 'op-other', letter: '' };

  var PRECISION_TEXT = {
    1: 'exact place',
    2: 'near the place',
    3: 'region only'
  };

  var REGION_COLOR = '#2F5D80';
  var GENERIC_COLOR = '#5B4636';

  // Preferred order of the known collections; others follow in server order.
  var KNOWN_ORDER = ['incidents', 'bases', 'regions'];

  var narrow = window.matchMedia('(max-width: 640px)').matches;

  // ---------------------------------------------------------------------
  // Small DOM helpers (text only, never innerHTML with data)
  // ---------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function append(parent) {
    for (var i = 1; i < arguments.length; i++) {
      if (arguments[i]) parent.appendChild(arguments[i]);
    }
    return parent;
  }

  // Only for strings that Leaflet insists on treating as HTML (layer names).
  function escapeHTML(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function safeHref(url) {
    if (typeof url !== 'string') return null;
    var trimmed = url.trim();
    if (!/^https?:\/\//i.test(trimmed)) return null;
    try {
      return new URL(trimmed).href;
    } catch (e) {
      return null;
    }
  }

  function link(href, text, className) {
    var a = el('a', className, text);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  function formatCount(n) {
    return Number(n).toLocaleString('en-US');
  }

  function isBlank(v) {
    return v === null || v === undefined || v === '';
  }

  function humanize(key) {
    var s = String(key).replace(/_/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  // ---------------------------------------------------------------------
  // Map and base layers
  // ---------------------------------------------------------------------

  var map = L.map('map', {
    center: CENTER,
    zoom: ZOOM,
    minZoom: 3,
    maxZoom: 18,
    zoomSnap: 0.5,
    worldCopyJump: true,
    attributionControl: false
  });
  // Bottom corners stack upwards in the order controls are added. On narrow
  // screens everything at the bottom goes into one corner so nothing overlaps.
  L.control.attribution({ position: narrow ? 'bottomleft' : 'bottomright' }).addTo(map);
  L.control.scale({ imperial: false, position: narrow ? 'bottomleft' : 'bottomright' }).addTo(map);
  map.attributionControl.addAttribution('Harmattan · data: see each feature’s source');

  function makePane(name, zIndex) {
    var pane = map.createPane(name);
    pane.style.zIndex = String(zIndex);
    return pane;
  }
  makePane('outline', 250);
  makePane('outlineLabels', 260).style.pointerEvents = 'none';
  makePane('regions', 410);
  makePane('generic', 420);
  // The canvas that draws every GeoJSON layer but the bases (see
  // vectorRenderer): under tiled incidents, over other tiled layers.
  makePane('vectors', 425);
  makePane('incidents', 430);
  makePane('highlight', 440).style.pointerEvents = 'none';

  var outlineAttribution = 'Outline: <a href="https://www.naturalearthdata.com/" target="_blank" rel="noopener noreferrer">Natural Earth</a> via world-atlas';

  var countries = L.geoJSON(null, {
    pane: 'outline',
    interactive: false,
    style: function (feature) {
      var isMali = feature && feature.properties && feature.properties.name === 'Mali';
      return {
        color: isMali ? '#6F675B' : '#A49C8E',
        weight: isMali ? 1.6 : 0.9,
        fillColor: isMali ? '#FFFCF5' : '#F3EFE6',
        fillOpacity: 1
      };
    }
  });
  var countryLabels = L.layerGroup();
  var outlineBase = L.layerGroup([countries, countryLabels], { attribution: outlineAttribution });

  var osmBase = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
    maxZoom: 19,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener noreferrer">OpenStreetMap</a> contributors'
  });

  // Offline the tiles just fail; say so once instead of leaving a grey map unexplained.
  var osmFailed = false;
  osmBase.on('tileerror', function () {
    if (osmFailed) return;
    osmFailed = true;
    setStatus('OpenStreetMap tiles could not be loaded (offline?). "Outline (offline)" works without internet.', true);
  });
  osmBase.on('tileload', function () {
    if (!osmFailed) return;
    osmFailed = false;
    setStatus('');
  });

  outlineBase.addTo(map);
  map.getContainer().classList.add('basemap-outline');
  map.on('baselayerchange', function (e) {
    map.getContainer().classList.toggle('basemap-outline', e.layer === outlineBase);
  });

  function labelPoint(geometry) {
    // Centre of the bounding box of the largest polygon part.
    var polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    var best = null;
    var bestArea = -1;
    polys.forEach(function (rings) {
      var b = L.latLngBounds(rings[0].map(function (p) { return [p[1], p[0]]; }));
      var area = (b.getEast() - b.getWest()) * (b.getNorth() - b.getSouth());
      if (area > bestArea) { bestArea = area; best = b; }
    });
    return best ? best.getCenter() : null;
  }

  // Label positions tuned by hand where the bounding-box centre looks wrong.
  var LABEL_OVERRIDES = {
    'Mali': [19.6, -1.4],
    'Algeria': [25.5, 2.0],
    'Niger': [19.5, 10.5],
    'Mauritania': [21.0, -10.5],
    'Libya': [25.0, 13.5],
    'Chad': [17.0, 18.5],
    'Nigeria': [9.8, 8.0],
    'Burkina Faso': [12.6, -1.5],
    'Senegal': [14.6, -14.6],
    'Guinea': [10.6, -11.3],
    "Côte d'Ivoire": [7.6, -5.6],
    'Ghana': [7.8, -1.2],
    'Morocco': [31.8, -6.6],
    'W. Sahara': [24.5, -13.2]
  };
  var SMALL_COUNTRIES = { 'Gambia': 1, 'Guinea-Bissau': 1, 'Togo': 1, 'Benin': 1, 'Eq. Guinea': 1, 'Sierra Leone': 1, 'Liberia': 1 };

  function addCountryLabels(fc) {
    fc.features.forEach(function (f) {
      var name = f.properties && f.properties.name;
      if (!name || !f.geometry) return;
      var at = LABEL_OVERRIDES[name] ? L.latLng(LABEL_OVERRIDES[name]) : labelPoint(f.geometry);
      if (!at) return;
      var span = el('span', 'country-label' + (SMALL_COUNTRIES[name] ? ' country-label-small' : '') + (name === 'Mali' ? ' country-label-main' : ''), name);
      L.marker(at, {
        pane: 'outlineLabels',
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: 'country-label-icon', html: span, iconSize: null })
      }).addTo(countryLabels);
    });
    updateLabelVisibility();
  }

  function updateLabelVisibility() {
    var c = map.getContainer();
    var z = map.getZoom();
    c.classList.toggle('labels-hidden', z < 4);
    c.classList.toggle('labels-small-hidden', z < 6);
  }
  map.on('zoomend', updateLabelVisibility);

  fetch('static/vendor/countries.geojson')
    .then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    })
    .then(function (fc) {
      countries.addData(fc);
      addCountryLabels(fc);
    })
    .catch(function (err) {
      setStatus('Country outline could not be loaded (' + err.message + ').', true);
    });

  // ---------------------------------------------------------------------
  // Styles for the known collections
  // ---------------------------------------------------------------------

  function eventColor(type) {
    for (var i = 0; i < EVENT_TYPES.length; i++) {
      if (EVENT_TYPES[i].name === type) return EVENT_TYPES[i].color;
    }
    return OTHER_EVENT_COLOR;
  }

  function fatalityRadius(f) {
    var n = Number(f);
    if (!isFinite(n) || n <= 0) return 3.5;
    return Math.min(3.5 + 1.25 * Math.sqrt(n), 30);
  }

  function precisionOf(props) {
    var p = Number(props && props.geo_precision);
    return p === 2 || p === 3 ? p : 1;
  }

  // Precision 1: solid fill, dark outline. 2: dashed, light fill. 3: dashed, hollow.
  function incidentStyle(props) {
    var color = eventColor(props.event_type);
    var prec = precisionOf(props);
    var style = {
      radius: fatalityRadius(props.fatalities),
      color: '#222222',
      weight: 1,
      opacity: 0.9,
      fillColor: color,
      fillOpacity: 0.85,
      dashArray: null
    };
    if (prec === 2) {
      style.color = color;
      style.weight = 2;
      style.opacity = 1;
      style.fillOpacity = 0.35;
      style.dashArray = '4 3';
    } else if (prec === 3) {
      style.color = color;
      style.weight = 2;
      style.opacity = 1;
      style.fillOpacity = 0;
      style.dashArray = '2 3';
    }
    return style;
  }

  function operatorOf(name) {
    for (var i = 0; i < OPERATORS.length; i++) {
      if (OPERATORS[i].name === name) return OPERATORS[i];
    }
    return OTHER_OPERATOR;
  }

  // Several operators often used the same camp (same coordinates): such
  // markers are placed side by side instead of hiding each other.
  var BASE_SIZE = 18;
  var BASE_GAP = 3;
  var colocated = new Map();

  function markColocated(features) {
    var groups = {};
    features.forEach(function (f) {
      var c = f && f.geometry && f.geometry.type === 'Point' && f.geometry.coordinates;
      if (!c) return;
      var key = Number(c[0]).toFixed(4) + ',' + Number(c[1]).toFixed(4);
      (groups[key] = groups[key] || []).push(f);
    });
    Object.keys(groups).forEach(function (key) {
      var g = groups[key];
      g.forEach(function (f, i) { colocated.set(f, { i: i, n: g.length }); });
    });
  }

  function baseIcon(props, feature) {
    var op = operatorOf(props.operator);
    var pos = colocated.get(feature) || { i: 0, n: 1 };
    var dx = (pos.i - (pos.n - 1) / 2) * (BASE_SIZE + BASE_GAP);
    var half = BASE_SIZE / 2;
    var prec = precisionOf(props);
    var cls = 'base-icon ' + op.cls + (prec > 1 ? ' base-imprecise' : '') +
      (isBlank(props.closed) ? '' : ' base-closed');
    var inner = el('span', 'base-icon-inner', op.letter);
    return L.divIcon({
      className: cls,
      html: inner,
      iconSize: [BASE_SIZE, BASE_SIZE],
      iconAnchor: [half - dx, half],
      popupAnchor: [dx, -half],
      tooltipAnchor: [dx, -half]
    });
  }

  function regionStyle(feature) {
    var p = (feature && feature.properties) || {};
    var approx = p.approximate === true || p.approximate === 'true' || p.approximate === 1;
    return {
      color: REGION_COLOR,
      weight: 2,
      opacity: 0.9,
      fillColor: REGION_COLOR,
      fillOpacity: 0.05,
      dashArray: approx ? '8 6' : null
    };
  }

  function genericStyle() {
    return { color: GENERIC_COLOR, weight: 2, opacity: 0.9, fillColor: GENERIC_COLOR, fillOpacity: 0.15, radius: 5 };
  }

  // ---------------------------------------------------------------------
  // Popups and tooltips
  // ---------------------------------------------------------------------

  var DATE_KEYS = ['event_date', 'date', 'start_date', 'opened', 'time', 'datetime', 'timestamp'];

  function featureTitle(props, kind) {
    var name = props.name || props.location || props.title || props.id || (kind ? humanize(kind) : 'Feature');
    if (kind === 'incidents' && props.name && props.location && props.name !== props.location) {
      name = props.location;
    }
    return String(name);
  }

  function featureDate(props, kind) {
    if (kind === 'incidents' || !isBlank(props.event_date)) {
      var start = props.event_date;
      var end = props.event_end_date;
      if (isBlank(start)) return '';
      return !isBlank(end) && String(end) !== String(start) ? start + ' – ' + end : String(start);
    }
    if (kind === 'bases' || (!isBlank(props.opened) && props.operator !== undefined)) {
      var parts = [];
      if (!isBlank(props.opened)) parts.push(String(props.opened));
      if (!isBlank(props.closed)) parts.push(String(props.closed));
      if (parts.length === 2) return parts[0] + ' – ' + parts[1];
      if (parts.length === 1) return !isBlank(props.opened) ? 'since ' + parts[0] : 'until ' + parts[0];
      return isBlank(props.date_note) ? '' : String(props.date_note);
    }
    for (var i = 0; i < DATE_KEYS.length; i++) {
      if (!isBlank(props[DATE_KEYS[i]])) return String(props[DATE_KEYS[i]]);
    }
    return '';
  }

  function formatValue(v) {
    if (v === null || v === undefined || v === '') return null;
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (typeof v === 'object') {
      try { return JSON.stringify(v); } catch (e) { return String(v); }
    }
    return String(v);
  }

  function formatFatalities(props) {
    var best = props.fatalities;
    var low = props.fatalities_low;
    var high = props.fatalities_high;
    var text = isBlank(best) ? 'unknown' : String(best);
    if (!isBlank(low) || !isBlank(high)) {
      text += ' (' + (isBlank(low) ? '?' : low) + '–' + (isBlank(high) ? '?' : high) + ')';
    }
    return text;
  }

  function buildPopup(feature, kind) {
    var props = (feature && feature.properties) || {};
    var root = el('div', 'hm-popup');
    var head = el('div', 'hm-popup-head');
    append(head, el('div', 'hm-popup-title', featureTitle(props, kind)));
    var date = featureDate(props, kind);
    if (date) append(head, el('div', 'hm-popup-date', date));
    append(root, head);

    var table = el('table', 'hm-props');
    var tbody = el('tbody');
    var hasFatalityRange = Object.prototype.hasOwnProperty.call(props, 'fatalities') &&
      (!isBlank(props.fatalities_low) || !isBlank(props.fatalities_high));
    var sourceHref = safeHref(props.source_url);

    Object.keys(props).forEach(function (key) {
      var value = props[key];
      if (hasFatalityRange && (key === 'fatalities_low' || key === 'fatalities_high')) return;
      if (key === 'source_url' && sourceHref) return; // shown as the Source link below
      var tr = el('tr');
      var th = el('th', null, humanize(key));
      th.scope = 'row';
      th.title = key;
      var td = el('td');
      var text;
      if (key === 'fatalities') {
        text = hasFatalityRange ? formatFatalities(props) : formatValue(value);
        if (hasFatalityRange) th.textContent = 'Fatalities (low–high)';
      } else if (key === 'geo_precision' && PRECISION_TEXT[Number(value)]) {
        text = value + ' — ' + PRECISION_TEXT[Number(value)];
      } else {
        text = formatValue(value);
      }
      if (text === null) {
        td.className = 'hm-empty';
        td.textContent = '—';
      } else {
        td.textContent = text;
      }
      append(tr, th, td);
      append(tbody, tr);
    });
    if (feature && feature.id !== undefined && feature.id !== null && !Object.prototype.hasOwnProperty.call(props, 'id')) {
      var idRow = el('tr');
      var idTh = el('th', null, 'Feature id');
      idTh.scope = 'row';
      append(idRow, idTh, el('td', 'hm-muted', feature.id));
      tbody.insertBefore(idRow, tbody.firstChild);
    }
    append(table, tbody);
    append(root, table);

    if (sourceHref) {
      var foot = el('div', 'hm-popup-source');
      var a = link(sourceHref, 'Source', 'hm-source-link');
      a.title = sourceHref;
      var host = '';
      try { host = new URL(sourceHref).hostname; } catch (e) { host = ''; }
      append(foot, a);
      if (host) append(foot, el('span', 'hm-source-host', ' · ' + host));
      append(root, foot);
    }
    return root;
  }

  function popupOptions() {
    var w = Math.max(200, Math.min(360, window.innerWidth - 70));
    return {
      maxWidth: w,
      minWidth: Math.min(240, w),
      maxHeight: Math.max(200, Math.min(420, window.innerHeight - 180)),
      autoPanPaddingTopLeft: narrow ? [10, 96] : [56, 16],
      autoPanPaddingBottomRight: [16, 16],
      className: 'hm-popup-wrap'
    };
  }

  function tooltipText(feature, kind) {
    var props = (feature && feature.properties) || {};
    var date = featureDate(props, kind);
    var text = featureTitle(props, kind);
    if (kind === 'incidents' && props.event_type) text += ' · ' + props.event_type;
    if (kind === 'bases' && props.operator) text += ' · ' + props.operator;
    if (date) text += ' · ' + date;
    return text;
  }

  function bindInteractions(kind) {
    return function (feature, layer) {
      layer.bindPopup(function () { return buildPopup(feature, kind); }, popupOptions());
      if (!(layer instanceof L.Marker)) {
        // A shape under a tiled layer (a region under tiled incidents) must
        // not hide the dots drawn above it: ask the tiled layers first and
        // open the shape's own popup only if nothing is there.
        layer.off('click', layer._openPopup);
        layer.on('click', function (e) {
          var above = visibleTiled(paneZ(layer.options.pane));
          if (!above.length) {
            layer.openPopup(e.latlng);
          } else {
            pickAt(e, above, function () { layer.openPopup(e.latlng); },
              { feature: feature, kind: kind, latlng: null, d: Infinity });
          }
        });
      }
      // The map's own click handler (for tiled layers) leaves this click alone.
      layer.on('click', function (e) {
        if (e.originalEvent) e.originalEvent.hmFeatureClick = true;
      });
      if (!narrow) {
        layer.bindTooltip(function () { return el('span', null, tooltipText(feature, kind)); }, {
          sticky: kind === 'regions' || kind === 'generic',
          direction: 'top',
          opacity: 0.95,
          className: 'hm-tooltip'
        });
      }
    };
  }

  // ---------------------------------------------------------------------
  // Layers for collections
  // ---------------------------------------------------------------------

  // One canvas for incidents, regions and other collections. A canvas takes
  // every click over its whole area, so shapes in a separate renderer under
  // it could never be clicked; in one canvas the topmost shape under the
  // pointer wins. Draw order (regions, then others, then incidents) is kept
  // by restack(). The pane option of these layers only says which legend
  // group they belong to (see visibleTiled).
  var vectorRenderer = L.canvas({ pane: 'vectors', padding: 0.3, tolerance: 2 });
  var vectorLayers = { regions: [], generic: [] };

  function restack() {
    ['generic', 'regions'].forEach(function (group) {
      vectorLayers[group].slice().reverse().forEach(function (gj) {
        if (!map.hasLayer(gj)) return;
        gj.getLayers().reverse().forEach(function (l) {
          if (l.bringToBack) l.bringToBack();
        });
      });
    });
  }
  map.on('overlayadd', restack);

  function makeLayer(id) {
    if (id === 'incidents') {
      return L.geoJSON(null, {
        pane: 'incidents',
        renderer: vectorRenderer,
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { pane: 'incidents', renderer: vectorRenderer });
        },
        style: function (feature) { return incidentStyle((feature && feature.properties) || {}); },
        onEachFeature: bindInteractions('incidents')
      });
    }
    if (id === 'bases') {
      return L.geoJSON(null, {
        pointToLayer: function (feature, latlng) {
          var props = (feature && feature.properties) || {};
          return L.marker(latlng, {
            icon: baseIcon(props, feature),
            keyboard: true,
            alt: featureTitle(props, 'bases'),
            riseOnHover: true
          });
        },
        style: genericStyle,
        onEachFeature: bindInteractions('bases')
      });
    }
    if (id === 'regions') {
      var regions = L.geoJSON(null, {
        pane: 'regions',
        renderer: vectorRenderer,
        style: regionStyle,
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { pane: 'regions', renderer: vectorRenderer });
        },
        onEachFeature: bindInteractions('regions')
      });
      vectorLayers.regions.push(regions);
      return regions;
    }
    var generic = L.geoJSON(null, {
      pane: 'generic',
      renderer: vectorRenderer,
      style: genericStyle,
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { pane: 'generic', renderer: vectorRenderer });
      },
      onEachFeature: bindInteractions('generic')
    });
    vectorLayers.generic.push(generic);
    return generic;
  }

  function sortFeatures(id, features) {
    if (id === 'bases') {
      markColocated(features);
      return features;
    }
    if (id !== 'incidents') return features;
    // Big circles first so that small ones stay clickable on top of them.
    return features.slice().sort(function (a, b) {
      var fa = Number(a && a.properties && a.properties.fatalities) || 0;
      var fb = Number(b && b.properties && b.properties.fatalities) || 0;
      return fb - fa;
    });
  }

  // ---------------------------------------------------------------------
  // Big collections: raster tiles drawn by the server
  // ---------------------------------------------------------------------

  // Absolute URLs for people to copy (Leaflet itself uses relative ones).
  // Built by hand: URL() would percent-encode the {z}/{x}/{y} placeholders.
  var SITE_BASE = location.origin + location.pathname.replace(/[^/]*$/, '');

  function tileURLs(id) {
    var base = SITE_BASE + 'tiles/' + encodeURIComponent(id);
    return {
      mvt: base + '/{z}/{x}/{y}.mvt',
      png: base + '/{z}/{x}/{y}.png',
      tilejson: base + '.json'
    };
  }

  function paneFor(id) {
    return id === 'incidents' || id === 'regions' ? id : 'generic';
  }

  var tiledLayers = []; // { id, layer, collection }, see makeTileLayer

  function makeTileLayer(collection) {
    var id = String(collection.id);
    // {r} is "@2x" on high-density screens: the server then draws 512 px tiles.
    var layer = L.tileLayer('tiles/' + encodeURIComponent(id) + '/{z}/{x}/{y}{r}.png', {
      pane: paneFor(id),
      tileSize: 256,
      minZoom: 0,
      maxZoom: 18,
      maxNativeZoom: 18,
      errorTileUrl: EMPTY_TILE,
      className: 'hm-data-tiles',
      attribution: escapeHTML(collection.title || id) + ': tiles by Harmattan'
    });
    tiledLayers.push({ id: id, layer: layer, collection: collection });
    return layer;
  }

  function paneZ(name) {
    var pane = map.getPane(name || 'overlayPane');
    return Number(pane && pane.style.zIndex) || 400;
  }

  // The tiled layers on the map drawn above zIndex, topmost first.
  function visibleTiled(zIndex) {
    return tiledLayers.filter(function (t) {
      return map.hasLayer(t.layer) && paneZ(t.layer.options.pane) > zIndex;
    }).sort(function (a, b) {
      return paneZ(b.layer.options.pane) - paneZ(a.layer.options.pane);
    });
  }

  // The features under a click, nearest first, from every visible tiled layer
  // (topmost layer first).
  var pick = { seq: 0, abort: null };

  function pickBBox(e) {
    var p = e.containerPoint;
    var a = map.containerPointToLatLng([p.x - PICK_HALF, p.y + PICK_HALF]);
    var b = map.containerPointToLatLng([p.x + PICK_HALF, p.y - PICK_HALF]);
    var centre = e.latlng.wrap();
    var dLng = Math.abs(b.lng - a.lng) / 2;
    var clampLat = function (v) { return Math.max(-90, Math.min(90, v)); };
    return [
      Math.max(-180, centre.lng - dLng),
      clampLat(Math.min(a.lat, b.lat)),
      Math.min(180, centre.lng + dLng),
      clampLat(Math.max(a.lat, b.lat))
    ].map(function (v) { return v.toFixed(6); }).join(',');
  }

  function featurePoint(feature) {
    var g = feature && feature.geometry;
    if (!g || g.type !== 'Point' || !Array.isArray(g.coordinates)) return null;
    var lng = Number(g.coordinates[0]);
    var lat = Number(g.coordinates[1]);
    return isFinite(lng) && isFinite(lat) ? L.latLng(lat, lng) : null;
  }

  // Point features keep the longitude copy of the world that was clicked.
  function nearCopy(ll, ref) {
    return L.latLng(ll.lat, ll.lng + 360 * Math.round((ref.lng - ll.lng) / 360));
  }

  function onMapClick(e) {
    var oe = e.originalEvent;
    if (oe && (oe.hmFeatureClick || oe._stopped)) return;
    var visible = visibleTiled(-Infinity);
    if (visible.length) pickAt(e, visible, null);
  }
  map.on('click', onMapClick);

  // Asks each layer what lies in a small box around the click; opens a popup
  // for what it finds (then the clicked shape, if any, as the last page),
  // else calls onEmpty.
  function pickAt(e, visible, onEmpty, shape) {
    if (pick.abort) pick.abort.abort();
    var ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    pick.abort = ctrl;
    var seq = ++pick.seq;
    var bbox = pickBBox(e);
    var clickPoint = e.containerPoint;
    var clickLatLng = e.latlng;
    map.getContainer().classList.add('hm-picking');

    Promise.all(visible.map(function (t) {
      var url = itemsURL(t.collection);
      url.searchParams.set('bbox', bbox);
      url.searchParams.set('limit', String(PICK_LIMIT));
      return fetchJSON(url.href, 'application/geo+json, application/json;q=0.9', ctrl && ctrl.signal)
        .then(function (fc) {
          var features = (fc && Array.isArray(fc.features)) ? fc.features : [];
          var hits = features.map(function (f) {
            var ll = featurePoint(f);
            if (ll) ll = nearCopy(ll, clickLatLng);
            var d = ll ? clickPoint.distanceTo(map.latLngToContainerPoint(ll)) : Infinity;
            return { feature: f, kind: t.id, latlng: ll, d: d };
          });
          hits.sort(function (a, b) { return a.d - b.d; });
          var more = typeof fc.numberMatched === 'number' && fc.numberMatched > features.length;
          return { hits: hits, more: more };
        });
    })).then(function (results) {
      if (seq !== pick.seq) return;
      var hits = [];
      var more = false;
      results.forEach(function (r) {
        Array.prototype.push.apply(hits, r.hits);
        more = more || r.more;
      });
      if (hits.length) {
        if (shape) hits.push(shape);
        openPickPopup(hits, more, clickLatLng);
      } else if (onEmpty) {
        onEmpty();
      }
    }).catch(function (err) {
      if (seq !== pick.seq || (err && err.name === 'AbortError')) return;
      setStatus('Could not look up the features here (' + err.message + ').', true);
      if (onEmpty) onEmpty();
    }).then(function () {
      if (seq === pick.seq) map.getContainer().classList.remove('hm-picking');
    });
  }

  // A ring (points) or an outline (other shapes) around the feature in the popup.
  function highlightLayer(hit) {
    var props = (hit.feature && hit.feature.properties) || {};
    if (hit.latlng) {
      var r = hit.kind === 'incidents' ? fatalityRadius(props.fatalities) : hit.kind === 'bases' ? 9 : 5;
      return L.circleMarker(hit.latlng, {
        pane: 'highlight', interactive: false, radius: r + 4,
        color: '#111111', weight: 2.5, opacity: 0.95, fill: false
      });
    }
    if (hit.feature && hit.feature.geometry) {
      return L.geoJSON(hit.feature, {
        pane: 'highlight', interactive: false,
        style: function () { return { color: '#111111', weight: 3, opacity: 0.9, fill: false }; }
      });
    }
    return null;
  }

  function openPickPopup(hits, more, clickLatLng) {
    var popup = L.popup(popupOptions());
    var index = 0;
    var highlight = null;

    function showHighlight(hit) {
      if (highlight) map.removeLayer(highlight);
      highlight = highlightLayer(hit);
      if (highlight && map.hasLayer(popup)) highlight.addTo(map);
    }

    function render(focusClass) {
      var hit = hits[index];
      var root = el('div', 'hm-pick');
      append(root, buildPopup(hit.feature, hit.kind));
      if (hits.length > 1 || more) {
        var nav = el('div', 'hm-pick-nav');
        var prev = el('button', 'hm-pick-prev', '‹ Previous');
        var next = el('button', 'hm-pick-next', 'Next ›');
        prev.type = next.type = 'button';
        prev.disabled = index === 0;
        next.disabled = index === hits.length - 1;
        var where = el('span', 'hm-pick-count',
          (index + 1) + ' of ' + hits.length + (more ? '+' : '') + ' here');
        if (more) where.title = 'More features are here than shown: zoom in to tell them apart.';
        // The buttons are replaced by the new page: once detached, Leaflet
        // would take their click for a click on the map.
        prev.addEventListener('click', function (ev) { L.DomEvent.stopPropagation(ev); go(index - 1, 'hm-pick-prev'); });
        next.addEventListener('click', function (ev) { L.DomEvent.stopPropagation(ev); go(index + 1, 'hm-pick-next'); });
        append(nav, prev, where, next);
        append(root, nav);
      }
      popup.setLatLng(hit.latlng || clickLatLng);
      popup.setContent(root);
      showHighlight(hit);
      if (focusClass) {
        var b = root.querySelector('.' + focusClass);
        if (b && !b.disabled) b.focus();
        else if (b) (root.querySelector('button:not([disabled])') || root).focus();
      }
    }

    function go(i, focusClass) {
      if (i < 0 || i >= hits.length) return;
      index = i;
      render(focusClass);
    }

    popup.on('add', function () { if (highlight) highlight.addTo(map); });
    popup.on('remove', function () { if (highlight) map.removeLayer(highlight); });
    render();
    popup.openOn(map);
  }

  // ---------------------------------------------------------------------
  // Fetching (OGC API – Features)
  // ---------------------------------------------------------------------

  function fetchJSON(url, accept, signal) {
    return fetch(url, { headers: { Accept: accept }, credentials: 'same-origin', signal: signal }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status + ' for ' + url);
      return r.json();
    });
  }

  function findLink(links, rel, preferType) {
    if (!Array.isArray(links)) return null;
    var matches = links.filter(function (l) { return l && l.rel === rel && typeof l.href === 'string'; });
    if (preferType) {
      for (var i = 0; i < matches.length; i++) {
        if (matches[i].type === preferType) return matches[i];
      }
    }
    return matches[0] || null;
  }

  function itemsURL(collection) {
    var l = findLink(collection.links, 'items', 'application/geo+json');
    var base = l ? l.href : 'collections/' + encodeURIComponent(collection.id) + '/items';
    return new URL(base, document.baseURI);
  }

  function loadAllItems(firstURL) {
    var features = [];
    var numberMatched = null;
    var seen = {};
    function page(url, n) {
      seen[url] = true;
      return fetchJSON(url, 'application/geo+json, application/json;q=0.9').then(function (fc) {
        if (!fc || !Array.isArray(fc.features)) throw new Error('not a GeoJSON FeatureCollection: ' + url);
        if (numberMatched === null && typeof fc.numberMatched === 'number') numberMatched = fc.numberMatched;
        Array.prototype.push.apply(features, fc.features);
        var next = findLink(fc.links, 'next', 'application/geo+json');
        if (next && n < MAX_PAGES) {
          var nextURL = new URL(next.href, url).href;
          if (!seen[nextURL]) return page(nextURL, n + 1);
        }
        return { features: features, numberMatched: numberMatched };
      });
    }
    return page(firstURL, 1);
  }

  // ---------------------------------------------------------------------
  // Panel: legend + data links
  // ---------------------------------------------------------------------

  var panel = {};

  function swatchCircle(color, extraClass) {
    var s = el('span', 'sw sw-circle' + (extraClass ? ' ' + extraClass : ''));
    s.style.setProperty('--c', color);
    return s;
  }

  function legendRow(swatch, text) {
    var li = el('li', 'legend-row');
    append(li, swatch, el('span', 'legend-text', text));
    return li;
  }

  function buildLegend() {
    var wrap = el('div', 'legend');

    var incidents = el('section', 'legend-section');
    append(incidents, el('h3', null, 'Incidents (event type)'));
    var types = el('ul', 'legend-list');
    EVENT_TYPES.forEach(function (t) { append(types, legendRow(swatchCircle(t.color), t.name)); });
    append(types, legendRow(swatchCircle(OTHER_EVENT_COLOR), 'Other / unknown'));
    append(incidents, types);

    append(incidents, el('h4', null, 'Location precision'));
    var prec = el('ul', 'legend-list');
    append(prec, legendRow(swatchCircle('#7A7A7A', 'sw-p1'), 'Exact place (solid)'));
    append(prec, legendRow(swatchCircle('#7A7A7A', 'sw-p2'), 'Near the place (dashed, light)'));
    append(prec, legendRow(swatchCircle('#7A7A7A', 'sw-p3'), 'Region only (dashed, hollow)'));
    append(incidents, prec);

    append(incidents, el('h4', null, 'Fatalities (circle size)'));
    var sizes = el('div', 'legend-sizes');
    [0, 10, 100].forEach(function (n) {
      var item = el('span', 'legend-size');
      var d = 2 * fatalityRadius(n);
      var c = el('span', 'sw-size');
      c.style.width = d + 'px';
      c.style.height = d + 'px';
      append(item, c, el('span', 'legend-text', n === 0 ? '0 / ?' : String(n)));
      append(sizes, item);
    });
    append(incidents, sizes);
    append(wrap, incidents);

    var bases = el('section', 'legend-section');
    append(bases, el('h3', null, 'Bases (operator)'));
    var ops = el('ul', 'legend-list');
    OPERATORS.forEach(function (op) {
      var sw = el('span', 'sw base-icon ' + op.cls);
      append(sw, el('span', 'base-icon-inner', op.letter));
      append(ops, legendRow(sw, op.name));
    });
    var swImprecise = el('span', 'sw base-icon op-other base-imprecise');
    append(swImprecise, el('span', 'base-icon-inner', ''));
    append(ops, legendRow(swImprecise, 'Dashed: approximate location'));
    append(bases, ops);
    append(wrap, bases);

    var regions = el('section', 'legend-section');
    append(regions, el('h3', null, 'Regions'));
    var regs = el('ul', 'legend-list');
    append(regs, legendRow(el('span', 'sw sw-region'), 'Boundary'));
    append(regs, legendRow(el('span', 'sw sw-region sw-region-approx'), 'Approximate boundary (dashed)'));
    append(regions, regs);
    append(wrap, regions);

    panel.otherSection = el('section', 'legend-section hidden');
    append(panel.otherSection, el('h3', null, 'Other collections'));
    var other = el('ul', 'legend-list');
    append(other, legendRow(el('span', 'sw sw-generic'), 'Points, lines and areas'));
    append(panel.otherSection, other);
    append(wrap, panel.otherSection);

    return wrap;
  }

  var PanelControl = L.Control.extend({
    options: { position: 'bottomleft' },
    onAdd: function () {
      var root = el('section', 'hm-panel');
      root.setAttribute('aria-label', 'Legend and data');
      var head = el('div', 'hm-panel-head');
      var title = el('h2', 'hm-title', 'Harmattan');
      var toggle = el('button', 'hm-toggle');
      toggle.type = 'button';
      toggle.id = 'hm-panel-toggle';
      toggle.setAttribute('aria-controls', 'hm-panel-body');
      var body = el('div', 'hm-panel-body');
      body.id = 'hm-panel-body';

      function setOpen(open) {
        root.classList.toggle('collapsed', !open);
        toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
        toggle.textContent = open ? 'Hide legend' : 'Legend & data';
        body.hidden = !open;
      }
      toggle.addEventListener('click', function () {
        setOpen(root.classList.contains('collapsed'));
      });
      append(head, title, toggle);

      panel.status = el('p', 'hm-status', 'Loading collections…');
      panel.status.setAttribute('role', 'status');

      append(body, panel.status, buildLegend());
      // On narrow screens the data list lives in this collapsible panel.
      if (narrow) append(body, buildDataSection());
      append(root, head, body);
      setOpen(!narrow);

      L.DomEvent.disableClickPropagation(root);
      L.DomEvent.disableScrollPropagation(root);
      return root;
    }
  });
  new PanelControl().addTo(map);

  function buildDataSection() {
    var data = el('section', 'legend-section data-section');
    append(data, el('h3', null, 'Data (GeoJSON, tiles)'));
    panel.dataList = el('ul', 'data-list');
    append(data, panel.dataList);
    return data;
  }

  // On wide screens the data list is its own box under the layers control.
  var DataControl = L.Control.extend({
    options: { position: 'topright' },
    onAdd: function () {
      var root = el('section', 'hm-data');
      root.setAttribute('aria-label', 'GeoJSON and tile URLs of each layer');
      append(root, buildDataSection());
      L.DomEvent.disableClickPropagation(root);
      L.DomEvent.disableScrollPropagation(root);
      return root;
    }
  });

  function setStatus(text, isError) {
    if (!panel.status) return;
    panel.status.textContent = text || '';
    panel.status.hidden = !text;
    panel.status.classList.toggle('error', !!isError);
  }

  function flash(button, text) {
    button.textContent = text;
    clearTimeout(button.hmTimer);
    button.hmTimer = setTimeout(function () { button.textContent = 'Copy'; }, 1600);
  }

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  // Clipboard API where allowed (HTTPS, localhost), else copy the selection.
  function copyFrom(code, button) {
    var text = code.textContent;
    function fallback() {
      selectText(code);
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      flash(button, ok ? 'Copied' : 'Press Ctrl+C');
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { flash(button, 'Copied'); }, fallback);
    } else {
      fallback();
    }
  }

  function urlRow(label, url, what) {
    var row = el('div', 'url-row');
    var dt = el('dt', null, label);
    var dd = el('dd');
    var code = el('code', 'url-code', url);
    code.tabIndex = 0;
    code.title = 'Click to select';
    code.addEventListener('click', function () { selectText(code); });
    var button = el('button', 'url-copy', 'Copy');
    button.type = 'button';
    button.setAttribute('aria-label', 'Copy ' + what);
    button.addEventListener('click', function () { copyFrom(code, button); });
    append(dd, code, button);
    append(row, dt, dd);
    return row;
  }

  function addDataRow(collection, url) {
    var name = String(collection.title || collection.id);
    var li = el('li', 'data-row');
    var head = el('div', 'data-head');
    var count = el('span', 'data-count', 'loading…');
    append(head, el('span', 'data-title', name), count);
    var note = el('p', 'data-note');
    note.hidden = true;
    var a = link(url.href, url.href, 'data-link');
    a.title = 'GeoJSON of ' + name;

    var urls = tileURLs(collection.id);
    var more = el('details', 'data-more');
    var summary = el('summary', null, 'Tile URLs (XYZ, TileJSON)');
    var list = el('dl', 'url-list');
    append(list,
      urlRow('Vector tiles (MVT)', urls.mvt, 'vector tile URL of ' + name),
      urlRow('Raster tiles (PNG; @2x.png for 512 px)', urls.png, 'raster tile URL of ' + name),
      urlRow('TileJSON', urls.tilejson, 'TileJSON URL of ' + name));
    append(more, summary, list);

    append(li, head, note, a, more);
    append(panel.dataList, li);
    return { count: count, note: note };
  }

  // ---------------------------------------------------------------------
  // Controls and start-up
  // ---------------------------------------------------------------------

  var layersControl = L.control.layers(
    { 'Outline (offline)': outlineBase, 'OpenStreetMap': osmBase },
    {},
    { collapsed: narrow, position: 'topright' }
  ).addTo(map);
  if (!narrow) new DataControl().addTo(map);

  function orderCollections(list) {
    return list
      .map(function (c, i) { return { c: c, i: i }; })
      .sort(function (a, b) {
        var ka = KNOWN_ORDER.indexOf(a.c.id);
        var kb = KNOWN_ORDER.indexOf(b.c.id);
        ka = ka < 0 ? KNOWN_ORDER.length + a.i : ka;
        kb = kb < 0 ? KNOWN_ORDER.length + b.i : kb;
        return ka - kb;
      })
      .map(function (x) { return x.c; });
  }

  function featureCount(n) {
    return formatCount(n) + (n === 1 ? ' feature' : ' features');
  }

  // How many features a collection has, from one tiny page (null if the
  // server does not say).
  function countItems(collection) {
    var url = itemsURL(collection);
    url.searchParams.set('limit', '1');
    return fetchJSON(url.href, 'application/geo+json, application/json;q=0.9').then(function (fc) {
      return fc && typeof fc.numberMatched === 'number' ? fc.numberMatched : null;
    });
  }

  function loadGeoJSON(collection, slot, row) {
    var id = String(collection.id);
    var layer = makeLayer(id);
    slot.addLayer(layer);
    var url = itemsURL(collection);
    url.searchParams.set('limit', String(PAGE_LIMIT));
    return loadAllItems(url.href).then(function (res) {
      layer.addData({ type: 'FeatureCollection', features: sortFeatures(id, res.features) });
      restack();
      var n = res.features.length;
      var text = featureCount(n);
      if (res.numberMatched !== null && res.numberMatched > n) {
        text = formatCount(n) + ' of ' + formatCount(res.numberMatched) + ' features';
      }
      row.count.textContent = text;
      return n;
    });
  }

  function loadCollection(collection) {
    var id = String(collection.id);
    // The overlay entry exists at once (keeping the order of the list); the
    // GeoJSON or tile layer goes into it once we know the size.
    var slot = L.layerGroup().addTo(map);
    layersControl.addOverlay(slot, escapeHTML(collection.title || id));
    if (KNOWN_ORDER.indexOf(id) < 0 && panel.otherSection) panel.otherSection.classList.remove('hidden');
    var row = addDataRow(collection, itemsURL(collection));
    return countItems(collection).then(function (total) {
      if (total === null || total <= TILE_THRESHOLD) return loadGeoJSON(collection, slot, row);
      slot.addLayer(makeTileLayer(collection));
      row.count.textContent = featureCount(total);
      row.note.textContent = 'Shown as tiles: ' + featureCount(total) +
        ' (too many to download). Click the map for details.';
      row.note.hidden = false;
      return total;
    }).catch(function (err) {
      row.count.textContent = 'failed';
      row.count.classList.add('error');
      throw err;
    });
  }

  fetchJSON(new URL('collections', document.baseURI).href, 'application/json')
    .then(function (doc) {
      var list = (doc && Array.isArray(doc.collections)) ? doc.collections : [];
      list = list.filter(function (c) { return c && (typeof c.id === 'string' || typeof c.id === 'number'); });
      if (list.length === 0) {
        setStatus('The server lists no collections.', true);
        return;
      }
      return Promise.allSettled(orderCollections(list).map(loadCollection)).then(function (results) {
        var failed = results.filter(function (r) { return r.status === 'rejected'; });
        if (failed.length) {
          setStatus('Could not load ' + failed.length + ' collection(s): ' + failed[0].reason.message, true);
        } else {
          setStatus('');
        }
        document.documentElement.setAttribute('data-loaded', 'true');
      });
    })
    .catch(function (err) {
      setStatus('Could not load the list of collections (' + err.message + ').', true);
      document.documentElement.setAttribute('data-loaded', 'error');
    });
})();
