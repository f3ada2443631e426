/* Harmattan embedded map: the map of app.js without panels, for an <iframe>.
 *
 * /embed?layers=a,b&bbox=minLon,minLat,maxLon,maxLat&datetime=... (the server
 * has checked the parameters). Plain script, no bundler. Everything that comes
 * from the data is put into the page with textContent / DOM nodes, never as
 * HTML. Every URL is relative to document.baseURI (the site root, set by the
 * server's <base href>), so the page works under any path prefix.
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------------
  // Configuration (the look is mapstyle.js's)
  // ---------------------------------------------------------------------

  var L0 = window.HarmattanMap.LOADING;
  var CENTER = L0.CENTER, ZOOM = L0.ZOOM, PAGE_LIMIT = L0.PAGE_LIMIT, MAX_PAGES = L0.MAX_PAGES,
    TILE_THRESHOLD = L0.TILE_THRESHOLD, EMPTY_TILE = L0.EMPTY_TILE, PICK_HALF = L0.PICK_HALF,
    PICK_LIMIT = L0.PICK_LIMIT;
  // Sources named in the attribution before "and N more".
  var MAX_SOURCES = 3;
  // Features sampled for the sources of a collection drawn as tiles.
  var SOURCE_SAMPLE = 200;

  // The look shared with the full map (mapstyle.js).
  var M = window.HarmattanMap;
  var orderCollections = M.orderCollections, sortFeatures = M.sortFeatures;
  var el = M.el, append = M.append, link = M.link, safeHref = M.safeHref, isBlank = M.isBlank;
  var featureTitle = M.featureTitle, featureDate = M.featureDate;


  var params = new URLSearchParams(location.search);
  var wanted = (params.get('layers') || '').split(',')
    .map(function (s) { return s.trim(); })
    .filter(function (s) { return s !== ''; });
  var datetime = params.get('datetime') || '';
  var bbox = parseBBox(params.get('bbox'));

  // ---------------------------------------------------------------------
  // Small helpers (data goes in as text nodes only)
  // ---------------------------------------------------------------------

  function resolve(path) {
    return new URL(path, document.baseURI);
  }

  // bbox as [[south, west], [north, east]] for Leaflet, or null. Six numbers
  // carry heights (minLon,minLat,minZ,maxLon,maxLat,maxZ); minLon > maxLon
  // crosses the antimeridian.
  function parseBBox(s) {
    if (!s) return null;
    var v = s.split(',').map(Number);
    if (v.length === 6) v = [v[0], v[1], v[3], v[4]];
    if (v.length !== 4 || v.some(function (n) { return !isFinite(n); })) return null;
    var east = v[2] < v[0] ? v[2] + 360 : v[2];
    return L.latLngBounds([v[1], v[0]], [v[3], east]);
  }

  // The dates of the datetime interval: { from, to }, each YYYY-MM-DD or ''.
  function intervalDates(dt) {
    function day(s) {
      var m = /^(\d{4}-\d{2}-\d{2})/.exec(s || '');
      return m ? m[1] : '';
    }
    if (!dt) return { from: '', to: '' };
    var parts = dt.split('/');
    if (parts.length === 1) return { from: day(parts[0]), to: day(parts[0]) };
    return { from: day(parts[0]), to: day(parts[1]) };
  }

  // ---------------------------------------------------------------------
  // Map, outline base map and the two small controls
  // ---------------------------------------------------------------------

  var map = L.map('map', {
    center: CENTER,
    zoom: ZOOM,
    minZoom: 2,
    maxZoom: 18,
    zoomSnap: 0.5,
    worldCopyJump: true,
    attributionControl: false
  });
  if (bbox) map.fitBounds(bbox, { animate: false });

  function makePane(name, zIndex) {
    var pane = map.createPane(name);
    pane.style.zIndex = String(zIndex);
    return pane;
  }
  makePane('outline', 250);
  makePane('regions', 410);
  makePane('generic', 420);
  makePane('vectors', 425);
  makePane('incidents', 430);

  var countries = L.geoJSON(null, {
    pane: 'outline',
    interactive: false,
    style: M.countryStyle
  }).addTo(map);
  map.getContainer().classList.add('basemap-outline');

  // Attribution: the data's sources, Harmattan, the outline and Leaflet.
  var sourceCounts = {};
  var attribution = {};
  var AttributionControl = L.Control.extend({
    options: { position: 'bottomright' },
    onAdd: function () {
      var root = el('div', 'leaflet-control-attribution hm-embed-attribution');
      attribution.sources = el('span', 'hm-embed-sources');
      // The map's own credits, as text (the page links to no other site);
      // hidden in very small frames (embed.css).
      var credits = el('span', 'hm-embed-credits', ' · Outline: Natural Earth · Leaflet');
      append(root, attribution.sources, link('./', 'Harmattan', 'hm-embed-home'), credits);
      L.DomEvent.disableClickPropagation(root);
      return root;
    }
  });
  new AttributionControl().addTo(map);

  // A source value such as "RFI 2012-02-13 (Malian army …); abc.net.au" names
  // several outlets: keep each one's name, before any date, note or path.
  function countSources(features) { M.countSources(features, sourceCounts); }

  function showSources() {
    var s = M.sourcesText(sourceCounts, MAX_SOURCES);
    attribution.sources.textContent = s.text ? s.text + ' · ' : '';
    attribution.sources.title = s.all;
  }

  // The link back to the full map, with this view in its hash:
  // #map=Z/LAT/LON&layers=a,b&from=YYYY-MM-DD&to=YYYY-MM-DD.
  var fullMap = { layers: wanted.slice() };
  var FullMapControl = L.Control.extend({
    options: { position: 'topright' },
    onAdd: function () {
      fullMap.link = link('./', 'Open full map', 'hm-embed-full');
      fullMap.link.title = 'Open this map with its legend and data in a new tab';
      L.DomEvent.disableClickPropagation(fullMap.link);
      updateFullMapLink();
      return fullMap.link;
    }
  });

  function updateFullMapLink() {
    if (!fullMap.link) return;
    var c = map.getCenter().wrap();
    var z = Math.round(map.getZoom());
    var digits = Math.max(2, Math.min(6, Math.ceil(Math.log(1 << Math.max(z, 0)) / Math.LN10) + 2));
    var hash = 'map=' + z + '/' + c.lat.toFixed(digits) + '/' + c.lng.toFixed(digits);
    if (fullMap.layers.length) {
      hash += '&layers=' + fullMap.layers.map(encodeURIComponent).join(',');
    }
    var d = intervalDates(datetime);
    if (d.from) hash += '&from=' + d.from;
    if (d.to) hash += '&to=' + d.to;
    fullMap.link.href = resolve('./').href + '#' + hash;
  }
  new FullMapControl().addTo(map);
  map.on('moveend', updateFullMapLink);

  var status = null;
  function showError(text) {
    if (!status) {
      status = el('p', 'hm-embed-status');
      status.setAttribute('role', 'status');
      append(map.getContainer(), status);
    }
    status.textContent = text;
  }

  // ---------------------------------------------------------------------
  // Popups: title, date, a few facts and the source link
  // ---------------------------------------------------------------------

  function featureFacts(props) {
    var facts = [];
    if (!isBlank(props.event_type)) facts.push(String(props.event_type));
    if (!isBlank(props.fatalities)) facts.push(props.fatalities + (Number(props.fatalities) === 1 ? ' fatality' : ' fatalities'));
    if (!isBlank(props.operator)) facts.push(String(props.operator));
    return facts.join(' · ');
  }

  function buildPopup(feature, kind) {
    var props = (feature && feature.properties) || {};
    var root = el('div', 'hm-popup');
    var head = el('div', 'hm-popup-head');
    append(head, el('div', 'hm-popup-title', featureTitle(props, kind)));
    var date = featureDate(props, kind);
    if (date) append(head, el('div', 'hm-popup-date', date));
    append(root, head);
    var facts = featureFacts(props);
    if (facts) append(root, el('div', 'hm-embed-facts', facts));
    var href = safeHref(props.source_url);
    if (href || !isBlank(props.source)) {
      var foot = el('div', 'hm-popup-source');
      if (href) {
        var a = link(href, 'Source', 'hm-source-link');
        a.title = href;
        append(foot, a);
        if (!isBlank(props.source)) append(foot, el('span', 'hm-source-host', ' · ' + props.source));
      } else {
        append(foot, el('span', 'hm-source-host', 'Source: ' + props.source));
      }
      append(root, foot);
    }
    return root;
  }

  function popupOptions() {
    var w = Math.max(160, Math.min(300, window.innerWidth - 80));
    // Clear of the zoom buttons (top left) and the full map link (top right).
    return {
      maxWidth: w,
      minWidth: Math.min(180, w),
      maxHeight: Math.max(120, Math.min(320, window.innerHeight - 110)),
      autoPanPaddingTopLeft: [52, 50],
      autoPanPaddingBottomRight: [10, 30],
      className: 'hm-popup-wrap'
    };
  }

  // ---------------------------------------------------------------------
  // Layers
  // ---------------------------------------------------------------------

  // One canvas for every shape but the bases (as in app.js): the topmost
  // shape under the pointer gets the click. Regions are moved to the back once
  // everything is drawn.
  var vectorRenderer = L.canvas({ pane: 'vectors', padding: 0.3, tolerance: 2 });
  var backLayers = [];

  function bindPopup(kind) {
    return function (feature, layer) {
      layer.bindPopup(function () { return buildPopup(feature, kind); }, popupOptions());
      if (!(layer instanceof L.Marker)) {
        // A shape must not hide the dots of tiled layers: ask them first and
        // open the shape's own popup only if nothing is there.
        layer.off('click', layer._openPopup);
        layer.on('click', function (e) {
          if (!tiled.length) layer.openPopup(e.latlng);
          else pickAt(e, function () { layer.openPopup(e.latlng); });
        });
      }
      layer.on('click', function (e) {
        if (e.originalEvent) e.originalEvent.hmFeatureClick = true;
      });
    };
  }

  function makeLayer(id) {
    return M.geoJSONLayer(id, vectorRenderer, bindPopup, function (layer) { backLayers.push(layer); });
  }



  function restack() {
    backLayers.slice().reverse().forEach(function (gj) {
      gj.getLayers().reverse().forEach(function (l) {
        if (l.bringToBack) l.bringToBack();
      });
    });
  }

  // ---------------------------------------------------------------------
  // Fetching
  // ---------------------------------------------------------------------

  function fetchJSON(url, signal) {
    return fetch(url, {
      headers: { Accept: 'application/geo+json, application/json;q=0.9' },
      credentials: 'same-origin',
      signal: signal
    }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status + ' for ' + url);
      return r.json();
    });
  }

  function itemsURL(id, limit) {
    var url = resolve('collections/' + encodeURIComponent(id) + '/items');
    url.searchParams.set('limit', String(limit));
    if (datetime) url.searchParams.set('datetime', datetime);
    return url;
  }

  function nextLink(links) {
    if (!Array.isArray(links)) return null;
    var next = links.filter(function (l) { return l && l.rel === 'next' && typeof l.href === 'string'; });
    for (var i = 0; i < next.length; i++) {
      if (next[i].type === 'application/geo+json') return next[i];
    }
    return next[0] || null;
  }

  // Every page of the collection, following next links. A next link is
  // absolute (built from the Host the server saw); behind a proxy that maps
  // paths, only its query is kept, on our own items URL.
  function loadAllItems(id) {
    var first = itemsURL(id, PAGE_LIMIT);
    var features = [];
    var seen = {};
    function page(url, n) {
      seen[url] = true;
      return fetchJSON(url).then(function (fc) {
        if (!fc || !Array.isArray(fc.features)) throw new Error('not a GeoJSON FeatureCollection: ' + url);
        Array.prototype.push.apply(features, fc.features);
        var next = nextLink(fc.links);
        if (next && n < MAX_PAGES) {
          var nextURL = new URL(first.href);
          nextURL.search = new URL(next.href, url).search;
          if (!seen[nextURL.href]) return page(nextURL.href, n + 1);
        }
        return features;
      });
    }
    return page(first.href, 1);
  }

  // How many features match (numberMatched of a one-feature page), or null.
  function countItems(id) {
    return fetchJSON(itemsURL(id, 1).href).then(function (fc) {
      return fc && typeof fc.numberMatched === 'number' ? fc.numberMatched : null;
    });
  }

  function extentBounds(collection) {
    var bb = collection && collection.extent && collection.extent.spatial && collection.extent.spatial.bbox;
    var b = Array.isArray(bb) && Array.isArray(bb[0]) ? bb[0] : null;
    if (!b || b.length < 4) return null;
    var v = b.length >= 6 ? [b[0], b[1], b[3], b[4]] : b;
    if (v.some(function (n) { return typeof n !== 'number' || !isFinite(n); })) return null;
    return L.latLngBounds([v[1], v[0]], [v[3], v[2] < v[0] ? v[2] + 360 : v[2]]);
  }

  // Draws one collection as GeoJSON, or, when it is big, returns a tile layer
  // to add once the map is fitted.
  function loadCollection(collection) {
    var id = String(collection.id);
    return countItems(id).then(function (total) {
      // null: more than the server would count (--max-count), so tiles.
      if (total !== null && total <= TILE_THRESHOLD) {
        return loadAllItems(id).then(function (features) {
          countSources(features);
          var layer = makeLayer(id);
          layer.addData({ type: 'FeatureCollection', features: sortFeatures(id, features) });
          layer.addTo(map);
          var b = features.length ? layer.getBounds() : null;
          return { id: id, bounds: b && b.isValid() ? b : null };
        });
      }
      var sample = fetchJSON(itemsURL(id, SOURCE_SAMPLE).href).then(function (fc) {
        countSources((fc && Array.isArray(fc.features)) ? fc.features : []);
      });
      return sample.then(function () {
        return { id: id, bounds: extentBounds(collection), tiles: makeTileLayer(id) };
      });
    });
  }

  var tiled = [];

  function makeTileLayer(id) {
    var url = 'tiles/' + encodeURIComponent(id) + '/{z}/{x}/{y}{r}.png';
    if (datetime) url += '?datetime=' + encodeURIComponent(datetime);
    var layer = L.tileLayer(url, {
      pane: id === 'incidents' || id === 'regions' ? id : 'generic',
      minZoom: 0,
      maxZoom: 18,
      maxNativeZoom: 18,
      errorTileUrl: EMPTY_TILE
    });
    tiled.push({ id: id, layer: layer });
    return layer;
  }

  function addTiles(layer) {
    return new Promise(function (done) {
      layer.once('load', function () { done(); });
      layer.addTo(map);
    });
  }

  // A click on a tiled layer asks the server what lies under the pointer.
  var pick = { seq: 0 };
  map.on('click', function (e) {
    var oe = e.originalEvent;
    if (tiled.length && !(oe && oe.hmFeatureClick)) pickAt(e, null);
  });

  // Opens a popup for the first feature of a tiled layer near the click, or
  // calls onEmpty.
  function pickAt(e, onEmpty) {
    var seq = ++pick.seq;
    var p = e.containerPoint;
    var a = map.containerPointToLatLng([p.x - PICK_HALF, p.y + PICK_HALF]);
    var b = map.containerPointToLatLng([p.x + PICK_HALF, p.y - PICK_HALF]);
    var c = e.latlng.wrap();
    var dLng = Math.abs(b.lng - a.lng) / 2;
    var box = [Math.max(-180, c.lng - dLng), Math.max(-90, Math.min(a.lat, b.lat)),
      Math.min(180, c.lng + dLng), Math.min(90, Math.max(a.lat, b.lat))]
      .map(function (v) { return v.toFixed(6); }).join(',');
    Promise.all(tiled.map(function (t) {
      var url = itemsURL(t.id, PICK_LIMIT);
      url.searchParams.set('bbox', box);
      return fetchJSON(url.href).then(function (fc) {
        return ((fc && fc.features) || []).map(function (f) { return { feature: f, kind: t.id }; });
      });
    })).then(function (lists) {
      if (seq !== pick.seq) return;
      var hits = [].concat.apply([], lists);
      if (!hits.length) {
        if (onEmpty) onEmpty();
        return;
      }
      L.popup(popupOptions()).setLatLng(e.latlng).setContent(buildPopup(hits[0].feature, hits[0].kind)).openOn(map);
    }).catch(function () {
      if (seq === pick.seq && onEmpty) onEmpty();
    });
  }

  // ---------------------------------------------------------------------
  // Start-up
  // ---------------------------------------------------------------------


  function done(state) {
    document.documentElement.setAttribute('data-loaded', state);
  }

  var outline = fetch(resolve('static/vendor/countries.geojson').href)
    .then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    })
    .then(function (fc) { countries.addData(fc); })
    .catch(function () { /* the data still shows without the outline */ });

  var collections = fetchJSON(resolve('collections').href).then(function (doc) {
    var list = (doc && Array.isArray(doc.collections)) ? doc.collections : [];
    list = list.filter(function (c) { return c && typeof c.id === 'string'; });
    if (wanted.length) {
      list = wanted.map(function (id) {
        for (var i = 0; i < list.length; i++) {
          if (list[i].id === id) return list[i];
        }
        throw new Error('no collection ' + id);
      });
    } else {
      list = orderCollections(list);
      fullMap.layers = list.map(function (c) { return c.id; });
      updateFullMapLink();
    }
    return Promise.all(list.map(loadCollection));
  });

  Promise.all([collections, outline]).then(function (all) {
    var results = all[0];
    restack();
    showSources();
    if (!bbox) {
      var bounds = null;
      results.forEach(function (r) {
        if (!r.bounds) return;
        bounds = bounds ? bounds.extend(r.bounds) : L.latLngBounds(r.bounds.getSouthWest(), r.bounds.getNorthEast());
      });
      if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], maxZoom: 12, animate: false });
    }
    updateFullMapLink();
    return Promise.all(results.filter(function (r) { return r.tiles; }).map(function (r) { return addTiles(r.tiles); }));
  }).then(function () {
    done('true');
  }).catch(function (err) {
    showError('The map could not be loaded (' + (err && err.message ? err.message : 'error') + ').');
    done('error');
  });
})();
