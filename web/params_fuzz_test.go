package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
