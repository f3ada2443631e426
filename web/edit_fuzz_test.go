package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harmattan/harmattan/data/seed"
)

// editSeeds are GeoJSON bodies for the write API: valid ones, and ones that are hostile to the
// decoder, the geometry checks or the store (NaN, infinities, huge numbers, SQL, unicode, deep
// nesting, wrong types).
var editSeeds = []string{
	incident(-4, 14, "Battles"),
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[-3,16]},"properties":{"name":"Base","source":"Test","source_url":"https://example.org"}}`,
	`{"type":"FeatureCollection","features":[` + incident(-4, 14, "Battles") + `,` + incident(-3.5, 13, "Riots") + `]}`,
	`{"type":"Feature","geometry":null,"properties":{"event_type":"Protests"}}`,
	`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[-4,14],[-3,14],[-3,15],[-4,14]]]},"properties":{"name":"Zone","kind":"test","approximate":true}}`,
	`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[-4,14],[-3,14],[-3,15],[-4,14]]],[[[0,0],[1,0],[1,1],[0,0]]]]},"properties":{}}`,
	`{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]},"properties":{}}`,
	`{"properties":{"fatalities":3}}`,
	`{"type":"Feature","properties":{"fatalities":null}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[1e309,0]},"properties":{}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[NaN,Infinity]},"properties":{}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":["1","2"]},"properties":{}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[181,91]},"properties":{}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[]},"properties":{}}`,
	`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0]]},"properties":{}}`,
	`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]},"properties":{}}`,
	`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[]]},"properties":{}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"fatalities":1e309}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"fatalities":99999999999999999999999}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"fatalities":-9223372036854775808,"geo_precision":1.5}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"event_date":"2024-02-30","fatalities":"2"}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"event_date":"0000-01-01","event_end_date":"99999-01-01"}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"event_type":"x'); DROP TABLE incidents; --","\"; DELETE FROM gpkg_contents; --":1}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"fid":7,"id":"x","geom":"POINT(0 0)"}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"location":"Ségou \u0000 \ud800 ☃ 👩‍👩‍👧","":"empty name"}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"approximate":"true","confidence":[1,{"a":[]}]}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"a":{"b":{"c":{"d":{"e":{}}}}}}}`,
	`{"type":"Feature","geometry":` + strings.Repeat(`{"type":"GeometryCollection","geometries":[`, 50) + strings.Repeat(`]}`, 50) + `,"properties":{}}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	`{"type":"FeatureCollection","features":[]}`,
	`{"type":"FeatureCollection","features":[{"type":"Feature"},null,1]}`,
	`{"type":"FeatureCollection","features":null}`,
	`{"type":"Topology"}`, `null`, `[]`, `""`, ``, `{`, `{"type":"Feature"}{"type":"Feature"}`,
}

// FuzzEditBody sends arbitrary bodies to the write API (POST /items, PUT and PATCH /items/1 of
// each seeded collection) through the real router with a token that may write everywhere:
// every answer must be a 2xx with a JSON body or a 4xx JSON exception, never a 5xx.
func FuzzEditBody(f *testing.F) {
	for i, body := range editSeeds {
		f.Add(uint8(i), body)
		if i < 6 { // the valid ones, by every method to every collection
			for op := range uint8(12) {
				f.Add(op, body)
			}
		}
	}
	var logs bytes.Buffer
	s := fuzzEditServer(f, &logs)
	colls := []string{"incidents", "bases", "regions"}
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		logs.Reset()
		coll := colls[int(op>>2)%len(colls)]
		method, target, ctype := http.MethodPost, "/collections/"+coll+"/items", typeGeoJSON
		switch op & 3 {
		case 1:
			method, target = http.MethodPut, target+"/1"
		case 2:
			method, target, ctype = http.MethodPatch, target+"/1", "application/merge-patch+json"
		case 3:
			method, target, ctype = http.MethodPatch, target+"/1", typeJSON
		}
		rec := sendAs(s.handler, method, target, ctype, body)
		switch {
		case rec.Code >= 200 && rec.Code < 300:
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s %s: %d with invalid JSON: %s", method, target, rec.Code, rec.Body)
			}
			if method == http.MethodPost {
				undoCreate(t, s.handler, coll, rec)
			}
		case rec.Code >= 400 && rec.Code < 500:
			var e exception
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" || e.Description == "" {
				t.Fatalf("%s %s: %d without a JSON exception: %s", method, target, rec.Code, rec.Body)
			}
		default:
			t.Fatalf("%s %s with %q: status %d: %s\nlog: %s", method, target, body, rec.Code, rec.Body, logs.String())
		}
	})
}

// FuzzRecord checks record, the decoder of written features: it returns a 400 or a record whose
// properties are all scalars and whose geometry passes the checks imports make.
func FuzzRecord(f *testing.F) {
	for _, body := range editSeeds {
		f.Add([]byte(body), false)
		f.Add([]byte(body), true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, patch bool) {
		r, err := record(raw, "the feature", patch)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || ae.Description == "" {
				t.Fatalf("record(%q): error %#v is not a 400", raw, err)
			}
			return
		}
		if r.Properties == nil || r.Names != nil {
			t.Fatalf("record(%q) = %#v: want Properties, not Names", raw, r)
		}
		for k, v := range r.Properties {
			switch v.(type) {
			case nil, string, float64, bool:
			default:
				t.Fatalf("record(%q): property %q = %#v (%T) is not a scalar", raw, k, v, v)
			}
		}
		if r.Geometry != nil {
			if err := validGeometry(r.Geometry); err != nil {
				t.Fatalf("record(%q): geometry %v fails the checks: %v", raw, r.Geometry, err)
			}
		} else if !patch && !hasMember(raw, "geometry") {
			t.Fatalf("record(%q): a feature without a geometry member was accepted", raw)
		}
	})
}

// hasMember reports whether the JSON object raw has a member that encoding/json matches to
// name: one spelled name in any letter case.
func hasMember(raw []byte, name string) bool {
	var members map[string]json.RawMessage
	if json.Unmarshal(raw, &members) != nil {
		return false
	}
	for k := range members {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// fuzzEditServer is editServer for fuzz targets: a fresh seeded database that adminToken may
// write to, whose logs go to logs.
func fuzzEditServer(t testing.TB, logs io.Writer) *server {
	t.Helper()
	tokens := testTokens(t, adminToken+"\n")
	layers, err := seed.Layers()
	if err != nil {
		t.Fatal(err)
	}
	store := openLayers(t, layers)
	return newServer(store.Store, Options{Tokens: tokens, MaxBodyBytes: 1 << 16,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
}

// sendAs sends body with the admin token and the given content type.
func sendAs(h http.Handler, method, target, ctype, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// undoCreate deletes the features a POST created, so that the database stays the size of the
// seed however long the fuzzer runs.
func undoCreate(t *testing.T, h http.Handler, coll string, rec *httptest.ResponseRecorder) {
	t.Helper()
	var ids []int64
	var created struct {
		ID  json.Number `json:"id"`
		IDs []int64     `json:"ids"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
		t.Fatalf("POST answer %s: %v", rec.Body, err)
	}
	ids = created.IDs
	if created.ID != "" {
		id, err := created.ID.Int64()
		if err != nil {
			t.Fatalf("POST answer %s: id: %v", rec.Body, err)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		t.Fatalf("POST answer %s has no ids", rec.Body)
	}
	for _, id := range ids {
		target := itemPath(coll, id)
		if del := sendAs(h, http.MethodDelete, target, typeJSON, ""); del.Code != http.StatusNoContent {
			t.Fatalf("DELETE %s: %d %s", target, del.Code, del.Body)
		}
	}
}
