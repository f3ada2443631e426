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

  var L0 = window.HarmattanMap.LOADING;
  var CENTER = L0.CENTER, ZOOM = L0.ZOOM, PAGE_LIMIT = L0.PAGE_LIMIT, MAX_PAGES = L0.MAX_PAGES,
    TILE_THRESHOLD = L0.TILE_THRESHOLD, EMPTY_TILE = L0.EMPTY_TILE, PICK_HALF = L0.PICK_HALF,
    PICK_LIMIT = L0.PICK_LIMIT;

  // The shared look (mapstyle.js).
  var M = window.HarmattanMap;
  var KNOWN_ORDER = M.KNOWN_ORDER, orderCollections = M.orderCollections, sortFeatures = M.sortFeatures;
  var EVENT_TYPES = M.EVENT_TYPES, OTHER_EVENT_COLOR = M.OTHER_EVENT_COLOR, OPERATORS = M.OPERATORS;
  var el = M.el, append = M.append, escapeHTML = M.escapeHTML, link = M.link, formatCount = M.formatCount;
  var featureTitle = M.featureTitle,
    buildPopup = M.buildPopup, fatalityRadius = M.fatalityRadius, featureDate = M.featureDate;


  var narrow = window.matchMedia('(max-width: 640px)').matches;

  // ---------------------------------------------------------------------
  // Map and base layers
  // ---------------------------------------------------------------------

  // The state a link carries (view, layers, time, filters): see state.js.
  var initial = window.HarmattanState.parse(location.hash);

  var map = L.map('map', {
    center: initial.center || CENTER,
    zoom: typeof initial.zoom === 'number' ? initial.zoom : ZOOM,
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
  map.attributionControl.addAttribution('Harmattan');

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
  makePane('clusters', 650); // incident clusters, above the base markers (600)

  var outlineAttribution = 'Outline: <a href="https://www.naturalearthdata.com/" target="_blank" rel="noopener noreferrer">Natural Earth</a> via world-atlas';

  var countries = L.geoJSON(null, {
    pane: 'outline',
    interactive: false,
    style: M.countryStyle
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

  // Incidents downloaded as GeoJSON are clustered below zoom 8, as the server clusters
  // them in tiles: a bubble with the number of incidents and, on hover, their fatalities.
  function makeCluster() {
    return L.markerClusterGroup({
      clusterPane: 'clusters',
      disableClusteringAtZoom: 8,
      maxClusterRadius: 36,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: false,
      iconCreateFunction: function (cluster) {
        var n = cluster.getChildCount();
        var dead = 0;
        cluster.getAllChildMarkers().forEach(function (m) {
          var f = Number(m.feature && m.feature.properties && m.feature.properties.fatalities);
          if (isFinite(f)) dead += f;
        });
        var size = n < 10 ? 'small' : n < 50 ? 'medium' : 'large';
        // Numbers only: safe to write as HTML.
        var label = formatCount(n) + ' incidents, ' + formatCount(dead) + ' fatalities; click to zoom in';
        return L.divIcon({
          html: '<div title="' + label + '" role="img" aria-label="' + label + '"><span>' + formatCount(n) + '</span></div>',
          className: 'marker-cluster marker-cluster-' + size + ' hm-cluster',
          iconSize: L.point(40, 40)
        });
      }
    });
  }

  function makeLayer(id) {
    return M.geoJSONLayer(id, vectorRenderer, bindInteractions, function (layer, kind) { vectorLayers[kind].push(layer); });
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

  function tileTemplate(id, query) {
    return 'tiles/' + encodeURIComponent(id) + '/{z}/{x}/{y}{r}.png' + (query ? '?' + query : '');
  }

  // makeTileLayer draws a collection as raster tiles with the filters in query (datetime,
  // event_type), which the server applies as it does to items.
  function makeTileLayer(collection, query) {
    var id = String(collection.id);
    // {r} is "@2x" on high-density screens: the server then draws 512 px tiles.
    var layer = L.tileLayer(tileTemplate(id, query), {
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

  function loadAllItems(firstURL, signal) {
    var features = [];
    var numberMatched = null;
    var seen = {};
    function page(url, n) {
      seen[url] = true;
      return fetchJSON(url, 'application/geo+json, application/json;q=0.9', signal).then(function (fc) {
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
    append(types, legendRow(el('span', 'sw sw-cluster'), 'Several incidents (zoom in; below zoom 8)'));
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
  // Time, filters and the URL
  // ---------------------------------------------------------------------

  // The filters every layer follows. from/to are dates (YYYY-MM-DD, "" for open); type is
  // an event_type, applied by the server to the collections that have one; actor is matched
  // here, as a case-insensitive part of the actors, actor1 or actor2 property.
  var filters = { from: initial.from || '', to: initial.to || '', type: initial.type || '', actor: initial.actor || '' };

  // filterQuery is the query string that applies the filters to a collection's items or tiles.
  function filterQuery(entry) {
    var q = new URLSearchParams();
    var dt = window.HarmattanState.datetime(filters.from, filters.to);
    if (dt && entry.temporal) q.set('datetime', dt);
    if (filters.type && entry.hasType) q.set('event_type', filters.type);
    return q.toString();
  }

  function actorMatches(props) {
    if (!filters.actor) return true;
    var text = [props.actors, props.actor1, props.actor2, props.assoc_actor_1, props.assoc_actor_2]
      .filter(function (v) { return typeof v === 'string'; }).join(' ').toLowerCase();
    return text.indexOf(filters.actor.toLowerCase()) >= 0;
  }

  // loadGeoJSON (re)loads a collection's features with the current filters; a newer load
  // cancels an older one still running.
  function loadGeoJSON(entry) {
    var id = String(entry.collection.id);
    if (entry.abort) entry.abort.abort();
    var abort = new AbortController();
    entry.abort = abort;
    var url = itemsURL(entry.collection);
    url.searchParams.set('limit', String(PAGE_LIMIT));
    new URLSearchParams(filterQuery(entry)).forEach(function (v, k) { url.searchParams.set(k, v); });
    return loadAllItems(url.href, abort.signal).then(function (res) {
      if (abort.signal.aborted) return 0;
      entry.abort = null;
      var features = res.features;
      if (!entry.hasType && features.some(function (f) { return f && f.properties && 'event_type' in f.properties; })) {
        entry.hasType = true; // found out now: the type filter applies to it from the next load
        if (filters.type) return loadGeoJSON(entry);
      }
      if (entry.hasType) features = features.filter(function (f) { return actorMatches((f && f.properties) || {}); });
      entry.layer.clearLayers();
      entry.layer.addData({ type: 'FeatureCollection', features: sortFeatures(id, features) });
      if (entry.cluster) {
        entry.cluster.clearLayers();
        entry.cluster.addLayers(entry.layer.getLayers());
      }
      restack();
      var n = features.length;
      var text = featureCount(n);
      if (res.numberMatched !== null && res.numberMatched > res.features.length) {
        text = formatCount(n) + ' of ' + formatCount(res.numberMatched) + ' features';
      }
      entry.row.count.textContent = text;
      updateCount();
      updateSources();
      return n;
    }).catch(function (err) {
      if (err && err.name === 'AbortError') return 0;
      throw err;
    });
  }

  // applyFilters reloads every layer after a change of the filters (a little later, so that
  // dragging a slider does not send a request per pixel).
  var applyTimer = null;
  function applyFilters() {
    clearTimeout(applyTimer);
    applyTimer = setTimeout(function () {
      Object.keys(registry).forEach(function (id) {
        var entry = registry[id];
        if (!entry.layer) return;
        if (entry.tiled) {
          entry.layer.setUrl(tileTemplate(id, filterQuery(entry)));
        } else {
          loadGeoJSON(entry).catch(function (err) { setStatus('Could not load ' + id + ': ' + err.message, true); });
        }
      });
      writeHash();
      document.dispatchEvent(new Event('harmattan:filters'));
    }, 120);
  }

  // updateSources names the outlets cited by the features drawn, most cited first, in the
  // attribution (escaped: Leaflet writes attributions as HTML).
  var sourcesShown = null;
  function updateSources() {
    var counts = {};
    Object.keys(registry).forEach(function (id) {
      var entry = registry[id];
      if (entry.layer && !entry.tiled && map.hasLayer(entry.slot)) {
        M.countSources(entry.layer.getLayers().map(function (l) { return l.feature; }), counts);
      }
    });
    var s = M.sourcesText(counts, 3);
    var html = s.text ? '<span title="' + escapeHTML(s.all) + '">' + escapeHTML(s.text) + '</span>' : '';
    if (html === sourcesShown) return;
    if (sourcesShown) map.attributionControl.removeAttribution(sourcesShown);
    if (html) map.attributionControl.addAttribution(html);
    sourcesShown = html;
  }
  map.on('overlayadd overlayremove', function () { updateSources(); });

  // count is the number of features of collection id drawn on the map now (null for a layer
  // drawn as tiles, whose features the browser does not have).
  function count(id) {
    var entry = registry[id];
    if (!entry || !entry.layer || !map.hasLayer(entry.slot)) return 0;
    if (entry.tiled) return null;
    return (entry.cluster || entry.layer).getLayers().length;
  }

  var time = {}; // the time control's elements and months, once built

  // updateCount shows how many incidents are drawn and their fatalities.
  function updateCount() {
    if (!time.count) return;
    var entry = registry.incidents;
    var n = count('incidents') || 0;
    var dead = 0;
    if (entry && entry.layer && !entry.tiled && map.hasLayer(entry.slot)) {
      entry.layer.eachLayer(function (l) {
        var f = Number(l.feature && l.feature.properties && l.feature.properties.fatalities);
        if (isFinite(f)) dead += f;
      });
    }
    time.count.setAttribute('data-count', String(n));
    time.count.setAttribute('data-fatalities', String(dead));
    time.count.textContent = formatCount(n) + (n === 1 ? ' incident' : ' incidents') + ' · ' +
      formatCount(dead) + (dead === 1 ? ' fatality' : ' fatalities');
  }

  // months returns "YYYY-MM" for every month of the collections' temporal extents.
  function monthsOf(collections) {
    var lo = null;
    var hi = null;
    collections.forEach(function (c) {
      var iv = c.extent && c.extent.temporal && c.extent.temporal.interval && c.extent.temporal.interval[0];
      if (!iv) return;
      if (iv[0] && (!lo || iv[0] < lo)) lo = iv[0];
      if (iv[1] && (!hi || iv[1] > hi)) hi = iv[1];
    });
    if (!lo || !hi) return [];
    var out = [];
    var y = Number(lo.slice(0, 4));
    var m = Number(lo.slice(5, 7));
    var end = hi.slice(0, 7);
    for (var guard = 0; guard < 2400; guard++) {
      var ym = y + '-' + (m < 10 ? '0' : '') + m;
      out.push(ym);
      if (ym >= end) break;
      m++;
      if (m > 12) { m = 1; y++; }
    }
    return out;
  }

  function lastDay(ym) {
    var d = new Date(Date.UTC(Number(ym.slice(0, 4)), Number(ym.slice(5, 7)), 0));
    return ym + '-' + String(d.getUTCDate()).padStart(2, '0');
  }

  function monthIndex(date, fallback) {
    if (!date) return fallback;
    var i = time.months.indexOf(date.slice(0, 7));
    return i >= 0 ? i : fallback;
  }

  // readSliders turns the sliders into filters.from/to: none at the full extent.
  function readSliders() {
    var a = Number(time.from.value);
    var b = Number(time.to.value);
    if (a > b) { // the thumbs crossed: keep the one being moved
      if (document.activeElement === time.to) { a = b; time.from.value = String(a); } else { b = a; time.to.value = String(b); }
    }
    var full = a === 0 && b === time.months.length - 1;
    filters.from = full ? '' : time.months[a] + '-01';
    filters.to = full ? '' : lastDay(time.months[b]);
    showInterval(a, b);
  }

  function showInterval(a, b) {
    time.fromLabel.textContent = time.months[a];
    time.toLabel.textContent = time.months[b];
    time.root.setAttribute('data-from', time.months[a] + '-01');
    time.root.setAttribute('data-to', lastDay(time.months[b]));
    time.from.setAttribute('aria-valuetext', time.months[a]);
    time.to.setAttribute('aria-valuetext', time.months[b]);
    var span = Math.max(1, time.months.length - 1);
    time.from.parentNode.style.setProperty('--a', (100 * a / span) + '%');
    time.from.parentNode.style.setProperty('--b', (100 * b / span) + '%');
  }

  // play steps the interval forward a month at a time (a one-month window when the whole
  // extent is selected), and stops at the end.
  function togglePlay() {
    if (time.timer) {
      clearInterval(time.timer);
      time.timer = null;
      time.play.textContent = '▶ Play';
      time.play.setAttribute('aria-pressed', 'false');
      return;
    }
    var last = time.months.length - 1;
    if (Number(time.to.value) >= last) {
      time.to.value = String(Number(time.to.value) - Number(time.from.value));
      time.from.value = '0';
    }
    time.play.textContent = '❚❚ Pause';
    time.play.setAttribute('aria-pressed', 'true');
    function step() {
      var a = Number(time.from.value);
      var b = Number(time.to.value);
      if (b >= last) { togglePlay(); return; }
      time.from.value = String(a + 1);
      time.to.value = String(b + 1);
      readSliders();
      applyFilters();
    }
    step();
    time.timer = setInterval(step, 1200);
  }

  function labelled(text, control) {
    var label = el('label', 'hm-field');
    append(label, el('span', 'hm-field-name', text), control);
    return label;
  }

  // Bottom right on wide screens (the legend fills the left), with the rest on narrow ones.
  var TimeControl = L.Control.extend({
    options: { position: narrow ? 'bottomleft' : 'bottomright' },
    onAdd: function () {
      var root = el('section', 'hm-time');
      root.id = 'hm-time';
      root.setAttribute('aria-label', 'Time and filters');
      var n = time.months.length;
      function range(id, value, name) {
        var input = el('input', 'hm-range');
        input.type = 'range';
        input.id = id;
        input.min = '0';
        input.max = String(n - 1);
        input.step = '1';
        input.value = String(value);
        input.setAttribute('aria-label', name);
        input.addEventListener('input', function () { readSliders(); applyFilters(); });
        return input;
      }
      time.root = root;
      time.from = range('hm-from', monthIndex(filters.from, 0), 'From month');
      time.to = range('hm-to', monthIndex(filters.to, n - 1), 'To month');
      time.fromLabel = el('output', 'hm-month');
      time.fromLabel.id = 'hm-from-label';
      time.toLabel = el('output', 'hm-month');
      time.toLabel.id = 'hm-to-label';
      time.play = el('button', 'hm-play', '▶ Play');
      time.play.type = 'button';
      time.play.id = 'hm-play';
      time.play.setAttribute('aria-pressed', 'false');
      time.play.title = 'Step through the months';
      time.play.addEventListener('click', togglePlay);
      var head = el('div', 'hm-time-head');
      append(head, time.fromLabel, el('span', 'hm-dash', '–'), time.toLabel, time.play);
      var sliders = el('div', 'hm-sliders');
      append(sliders, time.from, time.to);

      var type = el('select', 'hm-select');
      type.id = 'hm-type';
      append(type, el('option', null, 'All event types'));
      type.options[0].value = '';
      EVENT_TYPES.forEach(function (t) {
        var o = el('option', null, t.name);
        o.value = t.name;
        append(type, o);
      });
      type.value = filters.type;
      type.addEventListener('change', function () { filters.type = type.value; applyFilters(); });
      var actor = el('input', 'hm-input');
      actor.type = 'search';
      actor.id = 'hm-actor';
      actor.placeholder = 'e.g. FAMa, JNIM';
      actor.value = filters.actor;
      actor.addEventListener('input', function () { filters.actor = actor.value.trim(); applyFilters(); });
      var filterRow = el('div', 'hm-filters');
      append(filterRow, labelled('Event type', type), labelled('Actor', actor));

      time.count = el('p', 'hm-count');
      time.count.id = 'hm-count';
      time.count.setAttribute('role', 'status');
      time.count.setAttribute('aria-live', 'polite');
      append(root, head, sliders, filterRow, time.count);
      L.DomEvent.disableClickPropagation(root);
      L.DomEvent.disableScrollPropagation(root);
      return root;
    }
  });

  function buildTimeControl(collections) {
    time.months = monthsOf(collections);
    if (time.months.length === 0) return;
    new TimeControl().addTo(map);
    showInterval(Number(time.from.value), Number(time.to.value));
    if (!initial.from && !initial.to) readSliders();
    updateCount();
  }

  // The hash follows the map: view, visible layers, time and filters.
  var hashReady = false;
  function writeHash() {
    if (!hashReady) return;
    var c = map.getCenter();
    var hash = window.HarmattanState.format({
      zoom: map.getZoom(), center: [c.lat, c.lng],
      layers: Object.keys(registry).filter(function (id) { return map.hasLayer(registry[id].slot); }),
      from: filters.from, to: filters.to, type: filters.type, actor: filters.actor
    });
    history.replaceState(null, '', location.pathname + location.search + hash);
  }
  map.on('moveend overlayadd overlayremove', function () {
    writeHash();
    updateCount();
  });

  // For tests and for share.js: the map, what is drawn, and the filters.
  window.harmattan = {
    map: map,
    count: count,
    filters: function () { return { from: filters.from, to: filters.to, type: filters.type, actor: filters.actor }; },
    visibleLayers: function () {
      return Object.keys(registry).filter(function (id) { return map.hasLayer(registry[id].slot); });
    },
    collection: function (id) { return registry[id] && registry[id].collection; },
    datetime: function () { return window.HarmattanState.datetime(filters.from, filters.to); },
    // query is the query string that applies the filters to collection id's items or tiles.
    query: function (id) { return registry[id] ? filterQuery(registry[id]) : ''; }
  };

  // ---------------------------------------------------------------------
  // Controls and start-up
  // ---------------------------------------------------------------------

  var layersControl = L.control.layers(
    { 'Outline (offline)': outlineBase, 'OpenStreetMap': osmBase },
    {},
    { collapsed: narrow, position: 'topright' }
  ).addTo(map);
  if (!narrow) new DataControl().addTo(map);


  function featureCount(n) {
    if (n === null) return 'uncounted';
    return formatCount(n) + (n === 1 ? ' feature' : ' features');
  }

  // How many features a collection has, from one tiny page (null if the
  // server does not say: it counts up to its --max-count only).
  function countItems(collection) {
    var url = itemsURL(collection);
    url.searchParams.set('limit', '1');
    return fetchJSON(url.href, 'application/geo+json, application/json;q=0.9').then(function (fc) {
      return fc && typeof fc.numberMatched === 'number' ? fc.numberMatched : null;
    });
  }

  // Every collection on the map: { collection, slot (its overlay), layer (GeoJSON or
  // tiles), tiled, temporal, hasType, row (its data-panel row), abort }.
  var registry = {};

  function loadCollection(collection) {
    var id = String(collection.id);
    // The overlay entry exists at once (keeping the order of the list); the
    // GeoJSON or tile layer goes into it once we know the size.
    var slot = L.layerGroup();
    if (!initial.layers || initial.layers.indexOf(id) >= 0) slot.addTo(map);
    layersControl.addOverlay(slot, escapeHTML(collection.title || id));
    if (KNOWN_ORDER.indexOf(id) < 0 && panel.otherSection) panel.otherSection.classList.remove('hidden');
    var entry = registry[id] = {
      collection: collection, slot: slot, layer: null, tiled: false,
      temporal: !!(collection.extent && collection.extent.temporal),
      hasType: id === 'incidents', abort: null,
      row: addDataRow(collection, itemsURL(collection))
    };
    return countItems(collection).then(function (total) {
      // null: the server would not count them all (--max-count), so there are many.
      if (total !== null && total <= TILE_THRESHOLD) {
        entry.layer = makeLayer(id);
        entry.cluster = id === 'incidents' ? makeCluster() : null;
        slot.addLayer(entry.cluster || entry.layer);
        return loadGeoJSON(entry);
      }
      entry.tiled = true;
      entry.layer = makeTileLayer(collection, filterQuery(entry));
      slot.addLayer(entry.layer);
      entry.row.count.textContent = featureCount(total);
      entry.row.note.textContent = total === null ?
        'Shown as tiles: too many features to count or download. Click the map for details.' :
        'Shown as tiles: ' + featureCount(total) + ' (too many to download). Click the map for details.';
      entry.row.note.hidden = false;
      return total;
    }).catch(function (err) {
      entry.row.count.textContent = 'failed';
      entry.row.count.classList.add('error');
      throw err;
    });
  }

  // Raster --tileset files (an offline basemap, say) become base layers.
  var RASTER = /\.(png|jpe?g|webp)(\?|$)/i;
  fetchJSON(new URL('./', document.baseURI).href, 'application/json').then(function (doc) {
    var links = (doc && Array.isArray(doc.links)) ? doc.links : [];
    links.filter(function (l) { return l && l.rel === 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-map'; })
      .forEach(function (l) {
        fetchJSON(l.href, 'application/json').then(function (tj) {
          var url = tj && Array.isArray(tj.tiles) && tj.tiles[0];
          if (!url || !RASTER.test(url)) return; // vector tilesets need a style: not a base layer here
          var base = L.tileLayer(url, {
            minZoom: typeof tj.minzoom === 'number' ? tj.minzoom : 0,
            maxNativeZoom: typeof tj.maxzoom === 'number' ? tj.maxzoom : 18,
            maxZoom: 18,
            errorTileUrl: EMPTY_TILE,
            attribution: tj.attribution || escapeHTML(tj.name || l.title || 'basemap') // TileJSON attribution comes escaped
          });
          layersControl.addBaseLayer(base, escapeHTML(tj.name || l.title || 'Basemap'));
        }).catch(function () { /* a tileset that cannot be described is left out */ });
      });
  }).catch(function () { /* the landing page is optional for the map */ });

  fetchJSON(new URL('collections', document.baseURI).href, 'application/json')
    .then(function (doc) {
      var list = (doc && Array.isArray(doc.collections)) ? doc.collections : [];
      list = list.filter(function (c) { return c && (typeof c.id === 'string' || typeof c.id === 'number'); });
      if (list.length === 0) {
        setStatus('The server lists no collections.', true);
        return;
      }
      return Promise.allSettled(orderCollections(list).map(loadCollection)).then(function (results) {
        buildTimeControl(list);
        hashReady = true;
        writeHash();
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
