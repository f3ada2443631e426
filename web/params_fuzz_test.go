package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzItemsQuery sends arbitrary query strings to /items through the real router: every
// answer must be a 200 GeoJSON collection or a 400 JSON exception, never a 5xx.
func FuzzItemsQuery(f *testing.F) {
	for _, seed := range []string{
		"limit=10", "bbox=-5,13,-3,15&datetime=2022-01-01/..", "event_type=Battles&limit=1",
		"cursor=10-5", "offset=3&limit=2", "properties=fatalities", "bbox=1,2,3", "datetime=../..",
		"fatalities=5", "f=html", "limit=1;x", "bbox=NaN,0,1,1", "datetime=2022-02-30", "%zz",
	} {
		f.Add(seed)
	}
	h := seededServer(f, Options{MaxLimit: 50})
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest(http.MethodGet, "/collections/incidents/items", nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			if rec.Header().Get("Content-Type") == typeGeoJSON && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("?%s: invalid JSON", query)
			}
		case http.StatusBadRequest:
			var e exception
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" {
				t.Fatalf("?%s: 400 without a JSON exception: %s", query, rec.Body)
			}
		default:
			t.Fatalf("?%s: status %d: %s", query, rec.Code, rec.Body)
		}
	})
}

// tileFuzzTargets are tile routes of the seeded data (z5 holds central Mali), one per way a
// tile's query is parsed: OGC (f allowed), XYZ of one layer, composite (layers allowed), PNG.
var tileFuzzTargets = []string{
	"/collections/incidents/tiles/WebMercatorQuad/5/14/15",
	"/tiles/incidents/5/15/14.mvt",
	"/tiles/5/15/14.mvt",
	"/tiles/bases/5/15/14.png",
	"/collections/regions/tiles/WebMercatorQuad/0/0/0",
	"/tiles/0/0/0.pbf",
}

// FuzzTileQuery sends arbitrary query strings (datetime, properties, property filters, layers,
// f) to the tile routes through the real router: every answer must be a tile (200), no tile
// (204) or a 4xx JSON exception, never a 5xx.
func FuzzTileQuery(f *testing.F) {
	for i, seed := range []string{
		"", "event_type=Battles", "fatalities=5", "datetime=2022-01-01/..", "properties=fatalities,event_type",
		"layers=incidents,bases", "layers=bases&name=x", "f=png", "f=mvt&datetime=2023-05-01", "approximate=true",
		"geo_precision=1&location=Gao", "opened=2020-01-01", "fatalities=NaN", "fatalities=1e309",
		"fatalities=99999999999999999999", "fatalities=-0x10", "approximate=maybe", "opened=2022-02-30",
		"event_type=x'%20OR%201=1--", "event_type=%E2%98%83%00", "layers=incidents,incidents,nope", "layers=,",
		"datetime=../..&datetime=..", "properties=", "properties=nope", "bbox=1,2,3,4", "limit=1", "%zz", "a;b",
		"layers=" + strings.Repeat("incidents,", 20),
	} {
		f.Add(uint8(i), seed)
	}
	h := seededServer(f, Options{})
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		target := tileFuzzTargets[int(route)%len(tileFuzzTargets)]
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusOK || rec.Code == http.StatusNoContent:
		case rec.Code >= 400 && rec.Code < 500:
			var e exception
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" {
				t.Fatalf("%s?%s: %d without a JSON exception: %s", target, query, rec.Code, rec.Body)
			}
		default:
			t.Fatalf("%s?%s: status %d: %s", target, query, rec.Code, rec.Body)
		}
	})
}
