/* Harmattan map state in the URL hash, so that a link reopens the same map:
 *
 *   #map=Z/LAT/LON&layers=incidents,bases&from=YYYY-MM-DD&to=YYYY-MM-DD&type=Battles&actor=FAMa
 *
 * Pure functions on window.HarmattanState; app.js and embed.js read and write it.
 */
(function () {
  'use strict';

  var DATE = /^\d{4}-\d{2}-\d{2}$/;

  // parse returns the state in a hash ("#..." or ""), leaving out what is missing or malformed.
  function parse(hash) {
    var out = {};
    var params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
    var view = (params.get('map') || '').split('/').map(Number);
    if (view.length === 3 && view.every(isFinite) && Math.abs(view[1]) <= 90) {
      out.zoom = view[0];
      out.center = [view[1], view[2]];
    }
    if (params.has('layers')) {
      out.layers = params.get('layers').split(',').filter(function (s) { return s !== ''; });
    }
    ['from', 'to'].forEach(function (k) {
      var v = params.get(k);
      if (v && DATE.test(v)) out[k] = v;
    });
    if (params.get('type')) out.type = params.get('type');
    if (params.get('actor')) out.actor = params.get('actor');
    return out;
  }

  // format writes a state as a hash; center is rounded to 5 decimals (about a metre).
  function format(s) {
    var parts = [];
    if (s.center && typeof s.zoom === 'number') {
      parts.push('map=' + [+s.zoom.toFixed(2), +s.center[0].toFixed(5), +s.center[1].toFixed(5)].join('/'));
    }
    if (s.layers) parts.push('layers=' + s.layers.map(encodeURIComponent).join(','));
    if (s.from) parts.push('from=' + s.from);
    if (s.to) parts.push('to=' + s.to);
    if (s.type) parts.push('type=' + encodeURIComponent(s.type));
    if (s.actor) parts.push('actor=' + encodeURIComponent(s.actor));
    return parts.length ? '#' + parts.join('&') : '';
  }

  // datetime is the OGC API datetime parameter for an interval ("" for none).
  function datetime(from, to) {
    if (!from && !to) return '';
    return (from || '..') + '/' + (to || '..');
  }

  window.HarmattanState = { parse: parse, format: format, datetime: datetime };
})();
