package ingest_test

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/ingest"
)

// ogr2ogr runs GDAL's ogr2ogr. Without it the test is skipped, except in CI (CI set), where
// its absence is a failure.
func ogr2ogr(t *testing.T, args ...string) {
	t.Helper()
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ogr2ogr is required in CI but not installed (apt-get install gdal-bin)")
		}
		t.Skip("ogr2ogr not installed (apt-get install gdal-bin); skipping")
	}
	out, err := exec.Command("ogr2ogr", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
	}
}

// gdalGeoPackage writes testdata/towns.geojson into a GeoPackage with GDAL, as the table
// towns, and again in Web Mercator as towns_3857.
func gdalGeoPackage(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "out.gpkg")
	ogr2ogr(t, "-f", "GPKG", path, "testdata/towns.geojson", "-nln", "towns")
	ogr2ogr(t, "-update", path, "testdata/towns.geojson", "-nln", "towns_3857", "-t_srs", "EPSG:3857")
	return path
}

func TestGeoPackage(t *testing.T) {
	path := gdalGeoPackage(t)

	tables, err := ingest.Tables(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tables, []string{"towns", "towns_3857"}) {
		t.Fatalf("Tables = %v, want towns, towns_3857", tables)
	}

	sch, rs := readAll(t, path, ingest.Options{Tables: []string{"towns"}})
	want := []data.Field{
		{Name: "name", Type: data.Text},
		{Name: "population", Type: data.Integer},
		{Name: "area", Type: data.Real},
		{Name: "capital", Type: data.Boolean},
		{Name: "surveyed", Type: data.Date},
		{Name: "updated", Type: data.DateTime},
	}
	if !slices.Equal(sch.Fields, want) {
		t.Errorf("fields:\n got %v\nwant %v", sch.Fields, want)
	}
	if sch.GeometryType != "POINT" || sch.TemporalField != "surveyed" {
		t.Errorf("geometry type, temporal field = %q, %q; want POINT, surveyed", sch.GeometryType, sch.TemporalField)
	}
	recs := records(t, rs)
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3", len(recs))
	}
	cases := []struct {
		name  string
		rec   *data.Record
		where string
		point orb.Point
		props map[string]any
	}{
		{"first", recs[0], "out.gpkg: table towns feature 1", orb.Point{-8.0029, 12.6392}, map[string]any{
			"name": "Bamako", "population": int64(2713000), "area": 245.0, "capital": true,
			"surveyed": "2024-03-05", "updated": "2024-03-05T10:00:00Z",
		}},
		{"nulls", recs[1], "out.gpkg: table towns feature 2", orb.Point{-6.2157, 13.4317}, map[string]any{
			"name": "Ségou", "capital": false, "surveyed": nil,
		}},
		{"more nulls", recs[2], "out.gpkg: table towns feature 3", orb.Point{2.4014, 15.9182}, map[string]any{
			"population": nil, "updated": nil, "area": 12.25,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.rec.Where != tc.where || tc.rec.Geometry != tc.point {
				t.Errorf("where, geometry = %q, %v; want %q, %v", tc.rec.Where, tc.rec.Geometry, tc.where, tc.point)
			}
			for k, want := range tc.props {
				if got, ok := tc.rec.Property(k); !ok || got != want {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
		})
	}

	t.Run("reprojected to WGS84", func(t *testing.T) {
		_, rs := readAll(t, path, ingest.Options{Tables: []string{"towns_3857"}})
		recs := records(t, rs)
		p, ok := recs[0].Geometry.(orb.Point)
		if !ok || math.Abs(p[0]+8.0029) > 1e-6 || math.Abs(p[1]-12.6392) > 1e-6 {
			t.Errorf("geometry = %v, want about (-8.0029, 12.6392)", recs[0].Geometry)
		}
	})

	t.Run("progress counts features", func(t *testing.T) {
		src, err := ingest.Open(path, ingest.Options{Tables: []string{"towns"}})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		if _, err := src.Next(); err != nil {
			t.Fatal(err)
		}
		if done, total := src.Progress(); done != 1 || total != 3 {
			t.Errorf("Progress = %d, %d; want 1, 3", done, total)
		}
	})

	errCases := []struct {
		name   string
		tables []string
		text   string
	}{
		{"several tables, none chosen", nil, `2 feature tables ("towns", "towns_3857"); choose one`},
		{"unknown table", []string{"roads"}, `no feature table "roads"`},
		{"two tables", []string{"towns", "towns_3857"}, "a source reads one table"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ingest.Open(path, ingest.Options{Tables: tc.tables})
			if err == nil || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("Open error = %v, want one containing %q", err, tc.text)
			}
		})
	}
}

func TestGeoPackageSingleTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "one.gpkg")
	ogr2ogr(t, "-f", "GPKG", path, "testdata/towns.geojson", "-nln", "towns")
	_, rs := readAll(t, path, ingest.Options{})
	if recs := records(t, rs); len(recs) != 3 {
		t.Errorf("got %d records, want 3", len(recs))
	}
}

func TestNotAGeoPackage(t *testing.T) {
	if _, err := ingest.Tables("testdata/points.csv"); err == nil {
		t.Error("Tables of a CSV file: no error")
	}
	if _, err := ingest.Open("testdata/points.csv", ingest.Options{Format: "gpkg"}); err == nil {
		t.Error("Open of a CSV file as a GeoPackage: no error")
	}
}
