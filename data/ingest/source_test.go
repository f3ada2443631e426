package ingest_test

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/ingest"
)

func TestUseSchema(t *testing.T) {
	forced := ingest.Schema{Fields: []data.Field{
		{Name: "population", Type: data.Real},
		{Name: "founded", Type: data.DateTime},
		{Name: "code", Type: data.Integer},
		{Name: "active", Type: data.Text},
	}}
	cases := []struct {
		name       string
		withSchema bool // Schema is called before UseSchema
		want       map[string]any
	}{
		{"after Schema", true, map[string]any{
			"population": 130690.0, "founded": "1880-01-01T00:00:00Z", "code": int64(7), "active": "true",
			"updated": "2024-03-05T10:00:00Z", // not forced: its inferred type
		}},
		{"without Schema", false, map[string]any{
			"population": 130690.0, "founded": "1880-01-01T00:00:00Z", "code": int64(7), "active": "true",
			"updated": "2024-03-05T10:00:00Z", // not forced, not inferred: the text as it is
			"lon":     -6.2157,                // coordinates are numbers all the same
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, err := ingest.Open("testdata/points.csv", ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if tc.withSchema {
				if _, err := src.Schema(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			src.UseSchema(forced)
			recs := records(t, drain(t, src))
			for k, want := range tc.want {
				if got := prop(recs[0], k); got != want {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
		})
	}
}

func TestUseSchemaMismatch(t *testing.T) {
	cases := []struct {
		name   string
		path   string
		field  data.Field
		where  string
		text   string
		values int // records that convert
	}{
		{"text into INTEGER", "testdata/points.csv", data.Field{Name: "name", Type: data.Integer}, "points.csv:2", `"Ségou" is not an integer`, 0},
		{"date-time into DATE", "testdata/points.csv", data.Field{Name: "updated", Type: data.Date}, "points.csv:2", "is not a date", 1},
		{"real into INTEGER", "testdata/mixed.geojson", data.Field{Name: "density", Type: data.Integer}, "mixed.geojson: feature 2", "the number 12.5 is not an integer", 0},
		{"boolean into DATE", "testdata/mixed.geojson", data.Field{Name: "capital", Type: data.Date}, "mixed.geojson: feature 1", "true is not a date", 0},
		{"object into REAL", "testdata/mixed.geojson", data.Field{Name: "tags", Type: data.Real}, "mixed.geojson: feature 2", "a JSON object or array is not a number", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, err := ingest.Open(tc.path, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			src.UseSchema(ingest.Schema{Fields: []data.Field{tc.field}})
			for _, r := range drain(t, src) {
				if r.err == nil || r.err.Field != tc.field.Name {
					continue
				}
				if r.err.Where != tc.where || !strings.Contains(r.err.Error(), tc.text) || !errors.Is(r.err, data.ErrSchema) {
					t.Errorf("error = %q (where %q); want where %q, text %q, wrapping data.ErrSchema", r.err, r.err.Where, tc.where, tc.text)
				}
				return
			}
			t.Errorf("no error for field %s", tc.field.Name)
		})
	}
}

func TestSourceLifecycle(t *testing.T) {
	t.Run("Next without Schema infers the types", func(t *testing.T) {
		src, err := ingest.Open("testdata/points.csv", ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		rec, err := src.Next()
		if err != nil {
			t.Fatal(err)
		}
		if prop(rec, "population") != int64(130690) {
			t.Errorf("population = %#v, want int64 130690", prop(rec, "population"))
		}
		if _, err := src.Schema(t.Context()); err == nil {
			t.Error("Schema after Next: no error")
		}
	})
	t.Run("Schema twice", func(t *testing.T) {
		src, err := ingest.Open("testdata/points.csv", ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		a, err := src.Schema(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		a.Fields[0].Name = "changed by the caller"
		b, err := src.Schema(t.Context())
		if err != nil || b.Fields[0].Name != "name" {
			t.Errorf("second Schema = %v, %v; want the same schema, unaffected by the caller", b.Fields, err)
		}
	})
	t.Run("progress reaches the size", func(t *testing.T) {
		src, err := ingest.Open("testdata/acled_sample.csv", ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		drain(t, src)
		fi, _ := os.Stat("testdata/acled_sample.csv")
		if done, total := src.Progress(); done != fi.Size() || total != fi.Size() {
			t.Errorf("Progress = %d, %d; want %d, %d", done, total, fi.Size(), fi.Size())
		}
	})
	t.Run("EOF stays EOF, Close ends", func(t *testing.T) {
		src, err := ingest.Open("testdata/bom.csv", ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		drain(t, src)
		if _, err := src.Next(); err != io.EOF {
			t.Errorf("Next after the end = %v, want io.EOF", err)
		}
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := src.Next(); err == nil || err == io.EOF {
			t.Errorf("Next after Close = %v, want an error", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		for _, name := range []string{"nope.csv", "nope.geojson", "nope.geojsonl", "nope.gpkg"} {
			if _, err := ingest.Open("testdata/"+name, ingest.Options{}); err == nil {
				t.Errorf("Open(%s): no error", name)
			}
		}
	})
	t.Run("unknown extension", func(t *testing.T) {
		if _, err := ingest.Open("testdata/x.shp", ingest.Options{}); err == nil || !strings.Contains(err.Error(), "cannot tell the format") {
			t.Errorf("Open(x.shp) error = %v", err)
		}
	})
}

func TestErrorMessage(t *testing.T) {
	cases := []struct {
		name string
		err  *ingest.Error
		want string
	}{
		{"with field", &ingest.Error{Where: "events.csv:12", Field: "latitude", Err: errors.New(`"abc" is not a number`)},
			`events.csv:12: field latitude: "abc" is not a number`},
		{"without field", &ingest.Error{Where: "roads.geojson: feature 7", Err: errors.New("not a GeoJSON Feature")},
			"roads.geojson: feature 7: not a GeoJSON Feature"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}
