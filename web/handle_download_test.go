package web

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestItemsCSV(t *testing.T) {
	h := seededServer(t, Options{})
	rec := do(t, h, http.MethodGet, "/collections/incidents/items?f=csv&limit=5&properties=event_date,fatalities")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %s", rec.Code, rec.Header())
	}
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || strings.Join(rows[0], ",") != "event_date,fatalities,longitude,latitude" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	if link := rec.Header().Get("Link"); !strings.Contains(link, `rel="next"`) || !strings.Contains(link, "f=csv") {
		t.Fatalf("Link %q", link)
	}
	// Regions are polygons: WKT.
	rec = do(t, h, http.MethodGet, "/collections/regions/items?f=csv&limit=1")
	if !strings.Contains(rec.Body.String(), "POLYGON") || !strings.Contains(strings.SplitN(rec.Body.String(), "\n", 2)[0], "wkt") {
		t.Fatalf("regions as CSV: %.300s", rec.Body)
	}
	wantError(t, do(t, h, http.MethodGet, "/collections/incidents?f=csv"), http.StatusBadRequest, "f must be")
}

func TestDownload(t *testing.T) {
	h := seededServer(t, Options{})
	all := getJSON(t, h, "/collections/incidents/items?limit=1", http.StatusOK)["numberMatched"].(float64)
	for _, tc := range []struct{ f, ctype string }{{"geojson", "application/geo+json"}, {"geojsonl", "application/geo+json-seq"}, {"csv", "text/csv"}} {
		rec := do(t, h, http.MethodGet, "/collections/incidents/download?f="+tc.f)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.ctype) ||
			!strings.Contains(rec.Header().Get("Content-Disposition"), `filename="incidents.`+tc.f+`"`) {
			t.Fatalf("%s: %d %v", tc.f, rec.Code, rec.Header())
		}
		var n int
		switch tc.f {
		case "geojson":
			var fc struct{ Features []json.RawMessage }
			if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
				t.Fatal(err)
			}
			n = len(fc.Features)
		case "geojsonl":
			n = strings.Count(rec.Body.String(), "\n")
		case "csv":
			rows, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			n = len(rows) - 1
		}
		if float64(n) != all {
			t.Errorf("%s: %d features, want all %v", tc.f, n, all)
		}
	}
	coll := do(t, h, http.MethodGet, "/collections/incidents").Body.String()
	if strings.Count(coll, `"rel":"enclosure"`) != 3 {
		t.Fatalf("collection links: %s", coll)
	}
	wantError(t, do(t, h, http.MethodGet, "/collections/incidents/download?f=xml"), http.StatusBadRequest, "f must be")
	wantError(t, do(t, h, http.MethodGet, "/collections/nope/download"), http.StatusNotFound, "")
}
