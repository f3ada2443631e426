/* Harmattan's look, shared by the full map (app.js) and the embed page (embed.js): colours per
 * event type and operator, incident, base and region styles, popups, and the small DOM helpers
 * they use. Everything that comes from the data goes into the page as text, never as HTML.
 * Exposed as window.HarmattanMap.
 */
(function () {
  'use strict';

  // How both maps load data: pages of PAGE_LIMIT features (at most MAX_PAGES); collections
  // with more than TILE_THRESHOLD features are drawn as server tiles instead, EMPTY_TILE
  // standing in where the server has nothing (204), and a click on them asks the server for
  // up to PICK_LIMIT features within PICK_HALF screen pixels (twice that for fingers).
  var LOADING = {
    CENTER: [17, -4],
    ZOOM: 5,
    PAGE_LIMIT: 10000,
    MAX_PAGES: 1000,
    TILE_THRESHOLD: 5000,
    EMPTY_TILE: 'static/empty.png',
    PICK_HALF: window.matchMedia('(pointer: coarse)').matches ? 8 : 4,
    PICK_LIMIT: 5
  };

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

  // ---------------------------------------------------------------------
  // Small DOM helpers (data goes in as text nodes, never as HTML)
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

  // Property names in popups are cut to MAX_KEY characters (the whole name is their title).
  var MAX_KEY = 24;

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
      var name = humanize(key);
      // A long name would not wrap (th is nowrap) and squeeze the values into a sliver.
      var th = el('th', null, name.length > MAX_KEY ? name.slice(0, MAX_KEY - 1) + '…' : name);
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


  // Preferred order of the known collections; others follow in server order.
  var KNOWN_ORDER = ['incidents', 'bases', 'regions'];

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

  // The offline outline: Mali light, its neighbours a little darker.
  function countryStyle(feature) {
    var isMali = feature && feature.properties && feature.properties.name === 'Mali';
    return {
      color: isMali ? '#6F675B' : '#A49C8E',
      weight: isMali ? 1.6 : 0.9,
      fillColor: isMali ? '#FFFCF5' : '#F3EFE6',
      fillOpacity: 1
    };
  }

  // sortFeatures puts big incident circles first, so that small ones stay clickable on top,
  // and marks bases that share a place.
  function sortFeatures(id, features) {
    if (id === 'bases') {
      markColocated(features);
      return features;
    }
    if (id !== 'incidents') return features;
    return features.slice().sort(function (a, b) {
      var fa = Number(a && a.properties && a.properties.fatalities) || 0;
      var fb = Number(b && b.properties && b.properties.fatalities) || 0;
      return fb - fa;
    });
  }

  // sourceNames returns the outlets named in a feature's free-text source ("RFI 2012-02-13
  // (…); abc.net.au 2012-02-14" → RFI, abc.net.au), by a rough rule: the words before the first
  // date, bracket or punctuation of each ";"-separated part.
  function sourceNames(value) {
    if (typeof value !== 'string') return [];
    return value.split(';').map(function (part) {
      var m = /^[^0-9(\[\/'"“‘:,]+/.exec(part.trim());
      var name = m ? m[0].replace(/\s+(via|and|on|in|from|-|–)?\s*$/i, '').trim() : '';
      return name.length > 40 ? name.slice(0, 39) + '…' : name;
    }).filter(function (name) { return name.length > 1; });
  }

  // countSources adds the outlets of features to counts (name → features citing it).
  function countSources(features, counts) {
    features.forEach(function (f) {
      var seen = {};
      sourceNames(((f && f.properties) || {}).source).forEach(function (name) {
        if (seen[name]) return;
        seen[name] = true;
        counts[name] = (counts[name] || 0) + 1;
      });
    });
    return counts;
  }

  // sourcesText names the most cited outlets: { text: "Sources: A, B, C and 4 more", all }.
  function sourcesText(counts, max) {
    var names = Object.keys(counts).sort(function (a, b) {
      return counts[b] - counts[a] || (a < b ? -1 : a > b ? 1 : 0);
    });
    if (!names.length) return { text: '', all: '' };
    var text = 'Sources: ' + names.slice(0, max).join(', ');
    if (names.length > max) text += ' and ' + (names.length - max) + ' more';
    return { text: text, all: names.join('; ') };
  }

  // geoJSONLayer makes the Leaflet layer of collection id: incidents as styled circles, bases
  // as operator squares, regions and anything else as shapes, on renderer (a canvas) in the
  // panes both maps create, with onEachFeature(kind) binding popups. Regions and other shapes
  // go to the back once drawn: back(layer, kind) is told about them.
  function geoJSONLayer(id, renderer, onEachFeature, back) {
    function circle(pane) {
      return function (feature, latlng) { return L.circleMarker(latlng, { pane: pane, renderer: renderer }); };
    }
    if (id === 'incidents') {
      return L.geoJSON(null, {
        pane: 'incidents',
        renderer: renderer,
        pointToLayer: circle('incidents'),
        style: function (feature) { return incidentStyle((feature && feature.properties) || {}); },
        onEachFeature: onEachFeature('incidents')
      });
    }
    if (id === 'bases') {
      return L.geoJSON(null, {
        pointToLayer: function (feature, latlng) {
          var props = (feature && feature.properties) || {};
          return L.marker(latlng, { icon: baseIcon(props, feature), keyboard: true, alt: featureTitle(props, 'bases'), riseOnHover: true });
        },
        style: genericStyle,
        onEachFeature: onEachFeature('bases')
      });
    }
    var kind = id === 'regions' ? 'regions' : 'generic';
    var layer = L.geoJSON(null, {
      pane: kind,
      renderer: renderer,
      style: kind === 'regions' ? regionStyle : genericStyle,
      pointToLayer: circle(kind),
      onEachFeature: onEachFeature(kind)
    });
    back(layer, kind);
    return layer;
  }

  window.HarmattanMap = {
    geoJSONLayer: geoJSONLayer,
    LOADING: LOADING,
    sourceNames: sourceNames, countSources: countSources, sourcesText: sourcesText,
    KNOWN_ORDER: KNOWN_ORDER, orderCollections: orderCollections, countryStyle: countryStyle,
    sortFeatures: sortFeatures,
    EVENT_TYPES: EVENT_TYPES, OTHER_EVENT_COLOR: OTHER_EVENT_COLOR, OPERATORS: OPERATORS,
    OTHER_OPERATOR: OTHER_OPERATOR, PRECISION_TEXT: PRECISION_TEXT, REGION_COLOR: REGION_COLOR,
    GENERIC_COLOR: GENERIC_COLOR,
    el: el, append: append, escapeHTML: escapeHTML, safeHref: safeHref, link: link,
    formatCount: formatCount, isBlank: isBlank, humanize: humanize,
    eventColor: eventColor, fatalityRadius: fatalityRadius, precisionOf: precisionOf,
    incidentStyle: incidentStyle, operatorOf: operatorOf, markColocated: markColocated,
    baseIcon: baseIcon, regionStyle: regionStyle, genericStyle: genericStyle,
    featureTitle: featureTitle, featureDate: featureDate, formatValue: formatValue,
    formatFatalities: formatFatalities, buildPopup: buildPopup
  };
})();
