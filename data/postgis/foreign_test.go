package postgis

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/postgis/pgtest"
)

// Tables made by others (psql, ogr2ogr, QGIS): any SRID, any schema, timestamps and odd
// column types are served; tables without an integer key are skipped; writes are transformed
// into the table's SRID.
func TestTablesMadeByOthers(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `
		CREATE SCHEMA ops;
		CREATE TABLE ops.camps (id serial PRIMARY KEY, name varchar(40), code uuid, seen timestamptz,
			strength int2, area numeric, shape geometry(Point, 3857), other geometry(Point, 4326));
		INSERT INTO ops.camps (name, code, seen, strength, area, shape) VALUES
			('Timbuktu', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2023-08-13 08:30:00+00', 120, 2.5,
				ST_Transform(ST_SetSRID(ST_MakePoint(-3.0074, 16.7735), 4326), 3857)),
			('Fiji', NULL, NULL, NULL, NULL, ST_Transform(ST_SetSRID(ST_MakePoint(179.5, -17.7), 4326), 3857)),
			('Nowhere', NULL, '2020-01-01 00:00:00+00', 1, NULL, NULL);
		CREATE INDEX ON ops.camps USING GIST (shape);
		CREATE TABLE public.keyless (name text, geom geometry(Point, 4326));
		INSERT INTO public.keyless VALUES ('x', ST_SetSRID(ST_MakePoint(1, 2), 4326));`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	colls, err := s.Collections(ctx)
	if err != nil || len(colls) != 1 {
		t.Fatalf("collections %+v, %v: want only ops_camps (keyless has no key)", colls, err)
	}
	c := colls[0]
	if c.ID != "ops_camps" || c.GeometryType != "Point" || c.TemporalField != "seen" {
		t.Fatalf("collection %+v", c)
	}
	want := map[string]data.FieldType{"name": data.Text, "code": data.Text, "seen": data.DateTime, "strength": data.Integer, "area": data.Real}
	if len(c.Fields) != len(want) {
		t.Fatalf("fields %+v, want %v (the second geometry column is not a property)", c.Fields, want)
	}
	for _, f := range c.Fields {
		if want[f.Name] != f.Type {
			t.Errorf("field %s is %s, want %s", f.Name, f.Type, want[f.Name])
		}
	}
	if c.Extent.Min[0] > -3.0074 || c.Extent.Max[0] < 179.5 || c.Interval != [2]string{"2020-01-01T00:00:00Z", "2023-08-13T08:30:00Z"} {
		t.Errorf("extent %v, interval %v", c.Extent, c.Interval)
	}

	f, err := s.Feature(ctx, "ops_camps", 1)
	if err != nil {
		t.Fatal(err)
	}
	p := f.Geometry.(orb.Point)
	if math.Abs(p[0]+3.0074) > 1e-9 || math.Abs(p[1]-16.7735) > 1e-9 {
		t.Errorf("Timbuktu back in lon/lat: %v", p)
	}
	if f.Properties[1] != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" || f.Properties[2] != "2023-08-13T08:30:00Z" ||
		f.Properties[3] != int64(120) || f.Properties[4] != 2.5 {
		t.Errorf("properties %#v", f.Properties)
	}

	ids := func(q data.Query) []int64 {
		t.Helper()
		var out []int64
		if err := s.Features(ctx, "ops_camps", q, func(f *data.Feature) error { out = append(out, f.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	mali := orb.Bound{Min: orb.Point{-5, 15}, Max: orb.Point{0, 18}}
	pacific := orb.Bound{Min: orb.Point{179, -20}, Max: orb.Point{-179, -15}} // across the antimeridian
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	for _, tc := range []struct {
		q    data.Query
		want []int64
	}{
		{data.Query{BBox: &mali}, []int64{1}},
		{data.Query{BBox: &pacific}, []int64{2}},
		{data.Query{BBox: &world}, []int64{1, 2}},
		{data.Query{Filters: []data.Filter{{Field: "code", Value: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}}}, []int64{1}},
		{data.Query{Filters: []data.Filter{{Field: "strength", Value: int64(120)}, {Field: "area", Value: 2.5}}}, []int64{1}},
	} {
		if got := ids(tc.q); !equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.q, got, tc.want)
		}
	}

	// Written in lon/lat, stored in Web Mercator, read back in lon/lat.
	got, err := s.Insert(ctx, "ops_camps", []*data.Record{{Geometry: orb.Point{-4.1986, 14.4843},
		Properties: map[string]any{"name": "Mopti", "code": "b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12", "strength": int64(7)}}})
	if err != nil {
		t.Fatal(err)
	}
	var x, y, wx, wy float64
	if err := conn.QueryRow(ctx, `SELECT ST_X(shape), ST_Y(shape), ST_X(w), ST_Y(w) FROM ops.camps,
		ST_Transform(ST_SetSRID(ST_MakePoint(-4.1986, 14.4843), 4326), 3857) w WHERE id = $1`, got[0]).Scan(&x, &y, &wx, &wy); err != nil {
		t.Fatal(err)
	}
	if math.Abs(x-wx) > 1e-6 || math.Abs(y-wy) > 1e-6 {
		t.Errorf("stored at %v %v, want %v %v (Web Mercator)", x, y, wx, wy)
	}
	if f, err := s.Feature(ctx, "ops_camps", got[0]); err != nil || math.Abs(f.Geometry.(orb.Point)[0]+4.1986) > 1e-9 {
		t.Errorf("read back %v, %v", f, err)
	}
	// A value out of its column's range is the client's error, not the server's.
	_, err = s.Insert(ctx, "ops_camps", []*data.Record{{Geometry: orb.Point{0, 0}, Properties: map[string]any{"strength": int64(1 << 20)}}})
	if !errors.Is(err, data.ErrSchema) {
		t.Errorf("strength 2^20 in an int2 column: %v, want ErrSchema", err)
	}
	_, err = s.Insert(ctx, "ops_camps", []*data.Record{{Geometry: orb.Point{0, 0}, Properties: map[string]any{"code": "not a uuid"}}})
	if !errors.Is(err, data.ErrSchema) {
		t.Errorf("a bad uuid: %v, want ErrSchema", err)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
