package ingest_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/ingest"
)

func TestGeoJSONSchema(t *testing.T) {
	sch, _ := readAll(t, "testdata/mixed.geojson", ingest.Options{})
	want := []data.Field{
		{Name: "name", Type: data.Text},
		{Name: "population", Type: data.Integer},
		{Name: "density", Type: data.Real},
		{Name: "capital", Type: data.Boolean},
		{Name: "founded", Type: data.Date},
		{Name: "updated", Type: data.DateTime},
		{Name: "id", Type: data.Integer},
		{Name: "tags", Type: data.Text},
	}
	if !slices.Equal(sch.Fields, want) {
		t.Errorf("fields:\n got %v\nwant %v", sch.Fields, want)
	}
	if sch.GeometryType != "GEOMETRY" || sch.TemporalField != "founded" || sch.Key != "" {
		t.Errorf("geometry type, temporal field, key = %q, %q, %q; want GEOMETRY, founded, none",
			sch.GeometryType, sch.TemporalField, sch.Key)
	}
}

func TestGeoJSONRecords(t *testing.T) {
	_, rs := readAll(t, "testdata/mixed.geojson", ingest.Options{})
	if len(rs) != 8 {
		t.Fatalf("got %d results, want 8", len(rs))
	}
	cases := []struct {
		name     string
		feature  int
		geometry orb.Geometry
		props    map[string]any
	}{
		{"point with typed properties", 1, orb.Point{-8.0029, 12.6392}, map[string]any{
			"name": "Bamako", "population": int64(2713000), "density": 10000.0, "capital": true,
			"founded": "2024-01-15", "updated": "2024-03-05T10:00:00Z", "id": int64(7),
		}},
		{"polygon, null, nested object, date as date-time", 2, nil, map[string]any{
			"population": nil, "density": 12.5, "tags": `{"kind":"synthetic","levels":[1,2]}`,
			"updated": "2024-03-06T00:00:00Z",
		}},
		{"altitude dropped, offset to UTC", 3, orb.Point{-3.0074, 16.7735}, map[string]any{
			"capital": false, "updated": "2024-03-07T07:15:00Z",
		}},
		{"null geometry", 6, nil, map[string]any{"name": "Ménaka (no geometry)", "population": int64(20702)}},
		{"polygon with a hole", 7, nil, map[string]any{"density": 3.0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rs[tc.feature-1]
			if r.err != nil {
				t.Fatalf("error %v", r.err)
			}
			if want := fmt.Sprintf("mixed.geojson: feature %d", tc.feature); r.rec.Where != want {
				t.Errorf("Where = %q, want %q", r.rec.Where, want)
			}
			if tc.geometry != nil && r.rec.Geometry != tc.geometry {
				t.Errorf("geometry = %v, want %v", r.rec.Geometry, tc.geometry)
			}
			for k, want := range tc.props {
				if got, ok := r.rec.Property(k); !ok || got != want {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
		})
	}
	if g := rs[5].rec.Geometry; g != nil {
		t.Errorf("feature 6 geometry = %v, want nil", g)
	}
	if p, ok := rs[6].rec.Geometry.(orb.Polygon); !ok || len(p) != 2 {
		t.Errorf("feature 7 geometry = %#v, want a polygon with a hole", rs[6].rec.Geometry)
	}
	if _, ok := rs[1].rec.Geometry.(orb.Polygon); !ok {
		t.Errorf("feature 2 geometry = %#v, want a polygon", rs[1].rec.Geometry)
	}

	errCases := []struct {
		name    string
		feature int
		field   string
		text    string
	}{
		{"bowtie", 4, "geometry", "the ring intersects itself near (0.5, 0.5)"},
		{"latitude out of range", 5, "geometry", "latitude 95 is outside [-90, 90]"},
		{"no geometry member", 8, "", `no "geometry" member`},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			e := rs[tc.feature-1].err
			if e == nil {
				t.Fatalf("got a record, want an error")
			}
			where := fmt.Sprintf("mixed.geojson: feature %d", tc.feature)
			if e.Where != where || e.Field != tc.field || !strings.Contains(e.Error(), tc.text) {
				t.Errorf("error = %q (where %q, field %q); want where %q, field %q, text %q", e, e.Where, e.Field, where, tc.field, tc.text)
			}
		})
	}
}

func TestGeoJSONTruncated(t *testing.T) {
	full, err := os.ReadFile("testdata/mixed.geojson")
	if err != nil {
		t.Fatal(err)
	}
	at := func(marker string, delta int) int {
		i := bytes.Index(full, []byte(marker))
		if i < 0 {
			t.Fatalf("marker %q not in the file", marker)
		}
		return i + delta
	}
	cases := []struct {
		name     string
		cut      int
		text     string
		complete int // features read before the error
	}{
		{"in the middle of feature 3", at(`"Tombouctou"`, 4), "ends in feature 3: it is truncated", 2},
		{"after the comma that promises feature 3", at(`{"type": "Feature", "geometry": {"type": "Point", "coordinates": [-3.0074`, 0), "ends in feature 3: it is truncated", 2},
		{"between features 2 and 3", at(`},`+"\n"+`    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-3.0074`, 1), "ends after feature 2: it is truncated", 2},
		{"after the features array", at("\n  ]\n}", 4), "ends after feature 8: it is truncated", 8},
		{"in the header", 20, "truncated", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "cut.geojson", full[:tc.cut])
			src, err := ingest.Open(path, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if _, err := src.Schema(t.Context()); err == nil || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("Schema error = %v, want one containing %q", err, tc.text)
			}

			// Read the records without the schema pass: those before the cut come out,
			// then a fatal error, every time.
			src2, err := ingest.Open(path, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src2.Close()
			src2.UseSchema(ingest.Schema{})
			n := 0
			for {
				_, err := src2.Next()
				var e *ingest.Error
				if err == nil || errors.As(err, &e) {
					n++
					continue
				}
				if err == io.EOF {
					t.Fatalf("io.EOF after %d features: a truncated file must not look complete", n)
				}
				if !strings.Contains(err.Error(), tc.text) {
					t.Fatalf("error = %v, want one containing %q", err, tc.text)
				}
				if _, again := src2.Next(); again == nil || again.Error() != err.Error() {
					t.Fatalf("Next after a fatal error = %v, want the same error", again)
				}
				break
			}
			if n != tc.complete {
				t.Errorf("%d features before the error, want %d", n, tc.complete)
			}
		})
	}
}

func TestGeoJSONDocuments(t *testing.T) {
	cases := []struct {
		name    string
		doc     string
		wantErr string // fatal error at Schema
		records int
		geom    string
	}{
		{"bare feature", `{"type":"Feature","properties":{"a":1},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}`, "", 1, "LINESTRING"},
		{"features before type", `{"features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":null}],"type":"FeatureCollection"}`, "", 1, "POLYGON"},
		{"empty collection", `{"type":"FeatureCollection","features":[]}`, "", 0, "GEOMETRY"},
		{"byte order mark", "\ufeff" + `{"type":"FeatureCollection","features":[]}`, "", 0, "GEOMETRY"},
		{"a geometry", `{"type":"Point","coordinates":[1,2]}`, "a GeoJSON Point, not a FeatureCollection", 0, ""},
		{"an array", `[1,2]`, "not a GeoJSON object", 0, ""},
		{"no features", `{"type":"FeatureCollection"}`, `no "features" array`, 0, ""},
		{"malformed", `{"type":"FeatureCollection","features":[{"type":"Feature" "geometry":null}]}`, "malformed JSON in feature 1", 0, ""},
		{"trailing data", `{"type":"FeatureCollection","features":[]} {}`, "unexpected data after the end", 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "doc.geojson", []byte(tc.doc))
			src, err := ingest.Open(path, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			sch, err := src.Schema(t.Context())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Schema error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sch.GeometryType != tc.geom {
				t.Errorf("GeometryType = %q, want %q", sch.GeometryType, tc.geom)
			}
			if recs := records(t, drain(t, src)); len(recs) != tc.records {
				t.Errorf("got %d records, want %d", len(recs), tc.records)
			}
		})
	}
}

func TestGeoJSONFeatureErrors(t *testing.T) {
	cases := []struct {
		name, feature, field, text string
	}{
		{"not a feature", `{"type":"Point","coordinates":[1,2]}`, "", `its type is "Point"`},
		{"a number", `5`, "", "not a GeoJSON Feature"},
		{"unknown geometry type", `{"type":"Feature","geometry":{"type":"Circle","coordinates":[1,2]},"properties":{}}`, "geometry", `unknown geometry type "Circle"`},
		{"no coordinates", `{"type":"Feature","geometry":{"type":"Point"},"properties":{}}`, "geometry", "has no coordinates"},
		{"one number", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1]},"properties":{}}`, "geometry", "it needs longitude and latitude"},
		{"open ring", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]},"properties":{}}`, "geometry", "not closed"},
		{"short ring", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]},"properties":{}}`, "geometry", "at least 4 points"},
		{"short line", `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0]]},"properties":{}}`, "geometry", "at least 2 points"},
		{"properties not an object", `{"type":"Feature","geometry":null,"properties":[1]}`, "properties", "not a JSON object"},
		{"invalid UTF-8", "{\"type\":\"Feature\",\"geometry\":null,\"properties\":{\"name\":\"S\xe9gou\"}}", "name", "invalid UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{"type":"FeatureCollection","features":[` + tc.feature + `,{"type":"Feature","geometry":null,"properties":{"ok":true}}]}`
			path := writeFile(t, "f.geojson", []byte(doc))
			_, rs := readAll(t, path, ingest.Options{})
			if len(rs) != 2 || rs[0].err == nil || rs[1].rec == nil {
				t.Fatalf("results = %v, want an error then a record", rs)
			}
			e := rs[0].err
			if e.Where != "f.geojson: feature 1" || e.Field != tc.field || !strings.Contains(e.Error(), tc.text) {
				t.Errorf("error = %q (field %q); want where f.geojson: feature 1, field %q, text %q", e, e.Field, tc.field, tc.text)
			}
		})
	}
}

func TestGeoJSONSeq(t *testing.T) {
	t.Run("newline-delimited", func(t *testing.T) {
		sch, rs := readAll(t, "testdata/places.geojsonl", ingest.Options{})
		if want := []data.Field{{Name: "name", Type: data.Text}, {Name: "rank", Type: data.Real}}; !slices.Equal(sch.Fields, want) {
			t.Errorf("fields = %v, want %v", sch.Fields, want)
		}
		if sch.GeometryType != "POINT" {
			t.Errorf("GeometryType = %q, want POINT", sch.GeometryType)
		}
		if len(rs) != 4 {
			t.Fatalf("got %d results, want 4", len(rs))
		}
		wantWhere := []string{"places.geojsonl:1", "places.geojsonl:3", "places.geojsonl:4", "places.geojsonl:5"}
		for i, r := range rs {
			where := ""
			if r.err != nil {
				where = r.err.Where
			} else {
				where = r.rec.Where
			}
			if where != wantWhere[i] {
				t.Errorf("result %d: where %q, want %q", i+1, where, wantWhere[i])
			}
		}
		if rs[2].err == nil || rs[2].err.Field != "geometry" || !strings.Contains(rs[2].err.Error(), `"north" is not a number`) {
			t.Errorf("line 4: %v, want an error about the coordinate", rs[2].err)
		}
		if got := prop(rs[0].rec, "rank"); got != 1.0 {
			t.Errorf("rank = %#v, want 1.0 (the field is REAL)", got)
		}
	})
	t.Run("RFC 8142 text sequence", func(t *testing.T) {
		sch, rs := readAll(t, "testdata/places.geojsons", ingest.Options{})
		if sch.GeometryType != "POINT" {
			t.Errorf("GeometryType = %q, want POINT", sch.GeometryType)
		}
		recs := records(t, rs)
		want := []struct {
			where, name string
		}{{"places.geojsons:1", "Bamako"}, {"places.geojsons:2", "Gao"}, {"places.geojsons:7", "Ménaka"}}
		if len(recs) != len(want) {
			t.Fatalf("got %d records, want %d", len(recs), len(want))
		}
		for i, w := range want {
			if recs[i].Where != w.where || prop(recs[i], "name") != w.name {
				t.Errorf("record %d = %q %v, want %q %q", i+1, recs[i].Where, recs[i].Properties, w.where, w.name)
			}
		}
	})
	t.Run("line longer than 64 KB", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{"type":"Feature","properties":{"name":"long"},"geometry":{"type":"LineString","coordinates":[`)
		for i := 0; i < 10000; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "[%.6f,%.6f]", -10+float64(i)*0.001, 12+float64(i%7)*0.001)
		}
		b.WriteString("]}}\n")
		b.WriteString(`{"type":"Feature","properties":{"name":"short"},"geometry":null}` + "\n")
		if b.Len() < 100<<10 {
			t.Fatalf("test line is only %d bytes", b.Len())
		}
		path := writeFile(t, "long.ndjson", []byte(b.String()))
		_, rs := readAll(t, path, ingest.Options{})
		recs := records(t, rs)
		if len(recs) != 2 || len(recs[0].Geometry.(orb.LineString)) != 10000 || recs[1].Where != "long.ndjson:2" {
			t.Fatalf("records = %d, want the long line and the short one", len(recs))
		}
	})
}
