package sqlite

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// gdalFile writes a GeoPackage with GDAL's ogr2ogr: a LineString layer with DATE, DATETIME,
// INTEGER, REAL, BOOLEAN and TEXT columns and NULLs, a MultiPolygon layer with a NULL
// geometry, the roads again in Web Mercator, in UTM (unsupported), under a dotted name and
// without a spatial index.
func gdalFile(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "gdal.gpkg")
	roads, zones := filepath.Join("testdata", "roads.geojson"), filepath.Join("testdata", "zones.geojson")
	ogr2ogr(t, "-f", "GPKG", path, roads, "-nln", "roads")
	ogr2ogr(t, "-update", path, zones, "-nln", "zones", "-nlt", "PROMOTE_TO_MULTI")
	ogr2ogr(t, "-update", path, roads, "-nln", "roads_mercator", "-t_srs", "EPSG:3857")
	ogr2ogr(t, "-update", path, roads, "-nln", "roads_utm", "-t_srs", "EPSG:32630")
	ogr2ogr(t, "-update", path, roads, "-nln", "my.roads")
	ogr2ogr(t, "-update", path, roads, "-nln", "noindex", "-lco", "SPATIAL_INDEX=NO")
	// a feature view without an integer key, as a user might register by hand
	db := openDB(path, "rw", 0)
	defer db.Close()
	for _, stmt := range []string{
		`CREATE VIEW roads_view AS SELECT name, geom FROM roads`,
		`INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('roads_view', 'features', 'roads_view', 4326)`,
		`INSERT INTO gpkg_geometry_columns VALUES ('roads_view', 'geom', 'LINESTRING', 4326, 0, 0)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestGDALWrittenFile(t *testing.T) {
	path := gdalFile(t)
	s, logs := openStore(t, path, Options{})
	ctx := context.Background()
	colls, err := s.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range colls {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, ","); got != "my_roads,noindex,roads,roads_mercator,zones" {
		t.Errorf("collections %s", got)
	}
	if !strings.Contains(logs.String(), "roads_utm") || !strings.Contains(logs.String(), "not supported") {
		t.Errorf("skipping roads_utm was not logged with its reason:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "roads_view") || !strings.Contains(logs.String(), "no integer primary key") {
		t.Errorf("skipping roads_view was not logged with its reason:\n%s", logs)
	}

	roads, _ := s.Collection(ctx, "roads")
	wantTypes := map[string]data.FieldType{"name": data.Text, "opened": data.Date, "surveyed": data.DateTime,
		"lanes": data.Integer, "length_km": data.Real, "paved": data.Boolean, "note": data.Text}
	for name, typ := range wantTypes {
		if f, ok := roads.Field(name); !ok || f.Type != typ {
			t.Errorf("field %s: %v %v, want %v", name, f.Type, ok, typ)
		}
	}
	if roads.GeometryType != "LineString" || roads.TemporalField != "opened" {
		t.Errorf("roads: geometry %s, time %s", roads.GeometryType, roads.TemporalField)
	}

	got := collect(t, s, "roads", data.Query{})
	if len(got) != 3 {
		t.Fatalf("%d roads", len(got))
	}
	first, second := got[0].Properties, got[1].Properties
	for k, want := range map[string]any{"opened": "1985-06-01", "surveyed": "2021-03-04T10:30:00Z", "lanes": int64(2),
		"length_km": 1120.5, "paved": true, "note": "Mopti–Gao"} {
		if first[k] != want {
			t.Errorf("first road %s = %#v, want %#v", k, first[k], want)
		}
	}
	for k, want := range map[string]any{"opened": nil, "length_km": nil, "paved": false, "note": nil} {
		if second[k] != want {
			t.Errorf("second road %s = %#v, want %#v", k, second[k], want)
		}
	}
	if got[2].Properties["note"] != "Accents: Ségou, Ménaka, Tombouctou" {
		t.Errorf("UTF-8 text: %q", got[2].Properties["note"])
	}

	moura := orb.Bound{Min: orb.Point{-4.7, 14.2}, Max: orb.Point{-4.5, 14.4}}
	for _, id := range []string{"roads", "roads_mercator", "noindex", "my_roads"} {
		t.Run("bbox "+id, func(t *testing.T) {
			hits := collect(t, s, id, data.Query{BBox: &moura})
			if len(hits) != 1 || hits[0].Properties["name"] != "Piste de Moura" {
				t.Fatalf("got %v", hits)
			}
			ls := hits[0].Geometry.(orb.LineString)
			if math.Abs(ls[0][0]+4.6) > 1e-6 || math.Abs(ls[0][1]-14.33) > 1e-6 {
				t.Errorf("coordinates %v, want WGS84 (-4.6, 14.33)", ls[0])
			}
		})
	}

	t.Run("datetime on a DATE column keeps NULLs", func(t *testing.T) {
		hits := collect(t, s, "roads", data.Query{Time: mustInterval(t, "2000-01-01/..")})
		if len(hits) != 2 || hits[0].Properties["opened"] != nil || hits[1].Properties["opened"] != "2001-01-15" {
			t.Errorf("got %v", hits)
		}
	})
	t.Run("datetime on a DATETIME column", func(t *testing.T) {
		s2, _ := openStore(t, path, Options{TimeFields: map[string]string{"roads": "surveyed"}})
		hits := collect(t, s2, "roads", data.Query{Time: mustInterval(t, "2022-03-31")})
		if len(hits) != 2 || hits[0].Properties["name"] != "Piste de Moura" || hits[1].Properties["surveyed"] != nil {
			t.Errorf("got %v", hits)
		}
	})
	t.Run("multipolygons and a NULL geometry", func(t *testing.T) {
		zones := collect(t, s, "zones", data.Query{})
		if len(zones) != 3 {
			t.Fatalf("%d zones", len(zones))
		}
		if mp, ok := zones[0].Geometry.(orb.MultiPolygon); !ok || len(mp) != 2 {
			t.Errorf("first zone %T %v", zones[0].Geometry, zones[0].Geometry)
		}
		if mp, ok := zones[1].Geometry.(orb.MultiPolygon); !ok || len(mp[0]) != 2 {
			t.Errorf("zone with hole: %v", zones[1].Geometry)
		}
		if zones[2].Geometry != nil {
			t.Errorf("NULL geometry came back as %v", zones[2].Geometry)
		}
		box := orb.Bound{Min: orb.Point{1.5, 17.5}, Max: orb.Point{1.6, 17.6}}
		if hits := collect(t, s, "zones", data.Query{BBox: &box}); len(hits) != 1 {
			t.Errorf("bbox on the second part of a multipolygon: %d hits", len(hits))
		}
	})
}
