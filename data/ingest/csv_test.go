package ingest_test

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/ingest"
)

func TestCSVLonLat(t *testing.T) {
	sch, rs := readAll(t, "testdata/points.csv", ingest.Options{})
	want := []data.Field{
		{Name: "name", Type: data.Text},
		{Name: "lon", Type: data.Real},
		{Name: "lat", Type: data.Real},
		{Name: "population", Type: data.Integer},
		{Name: "founded", Type: data.Date},
		{Name: "active", Type: data.Boolean},
		{Name: "updated", Type: data.DateTime},
		{Name: "code", Type: data.Text}, // leading zeros keep it text
	}
	if !slices.Equal(sch.Fields, want) {
		t.Errorf("fields:\n got %v\nwant %v", sch.Fields, want)
	}
	if sch.GeometryType != "POINT" || sch.TemporalField != "founded" || sch.Key != "" {
		t.Errorf("geometry type, temporal field, key = %q, %q, %q", sch.GeometryType, sch.TemporalField, sch.Key)
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
		{"first", recs[0], "points.csv:2", orb.Point{-6.2157, 13.4317}, map[string]any{
			"name": "Ségou", "lon": -6.2157, "lat": 13.4317, "population": int64(130690), "founded": "1880-01-01",
			"active": true, "updated": "2024-03-05T10:00:00Z", "code": "007",
		}},
		{"offset date-time to UTC, empty date", recs[1], "points.csv:3", orb.Point{-0.04, 16.2666}, map[string]any{
			"founded": nil, "active": false, "updated": "2024-03-05T10:30:00Z",
		}},
		{"empty integer and date-time", recs[2], "points.csv:4", orb.Point{1.4078, 18.4411}, map[string]any{
			"population": nil, "updated": nil, "code": "100",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.rec.Where != tc.where || tc.rec.Geometry != tc.point {
				t.Errorf("where, geometry = %q, %v; want %q, %v", tc.rec.Where, tc.rec.Geometry, tc.where, tc.point)
			}
			for k, want := range tc.props {
				if got := prop(tc.rec, k); got != want {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
		})
	}
}

func TestCSVWKT(t *testing.T) {
	sch, rs := readAll(t, "testdata/shapes_wkt.csv", ingest.Options{})
	if got := fieldNames(sch); !slices.Equal(got, []string{"id", "kind"}) {
		t.Errorf("fields = %v, want id, kind (the WKT column is the geometry)", got)
	}
	if sch.GeometryType != "GEOMETRY" {
		t.Errorf("GeometryType = %q, want GEOMETRY (polygons and a line)", sch.GeometryType)
	}
	if len(rs) != 5 {
		t.Fatalf("got %d results, want 5", len(rs))
	}
	if g, ok := rs[0].rec.Geometry.(orb.Polygon); !ok || len(g[0]) != 5 {
		t.Errorf("record 1 geometry = %#v, want a polygon of 5 points", rs[0].rec.Geometry)
	}
	if _, ok := rs[1].rec.Geometry.(orb.LineString); !ok {
		t.Errorf("record 2 geometry = %#v, want a line string", rs[1].rec.Geometry)
	}
	errCases := []struct {
		name, where, text string
	}{
		{"bowtie", "shapes_wkt.csv:4", "intersects itself"},
		{"invalid WKT", "shapes_wkt.csv:5", "is not valid WKT"},
		{"longitude out of range", "shapes_wkt.csv:6", "longitude 200 is outside [-180, 180]"},
	}
	for i, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			e := rs[2+i].err
			if e == nil {
				t.Fatalf("got a record, want an error")
			}
			if e.Where != tc.where || e.Field != "wkt" || !strings.Contains(e.Error(), tc.text) {
				t.Errorf("error = %q (where %q, field %q); want where %q, field wkt, text %q", e, e.Where, e.Field, tc.where, tc.text)
			}
		})
	}
}

func TestCSVOptions(t *testing.T) {
	csvText := "id,place,long_deg,lat_deg,shape\n1,A,1,2,POINT(1 2)\n"
	cases := []struct {
		name    string
		opts    ingest.Options
		wantErr string
		want    orb.Geometry
	}{
		{"no geometry columns found", ingest.Options{}, "no geometry columns", nil},
		{"named lon and lat", ingest.Options{Lon: "long_deg", Lat: "lat_deg"}, "", orb.Point{1, 2}},
		{"names in another case", ingest.Options{Lon: "LONG_DEG", Lat: "Lat_Deg"}, "", orb.Point{1, 2}},
		{"named WKT column", ingest.Options{WKT: "shape"}, "", orb.Point{1, 2}},
		{"only lon", ingest.Options{Lon: "long_deg"}, "both the longitude and the latitude", nil},
		{"unknown column", ingest.Options{Lon: "long_deg", Lat: "nope"}, `no column "nope"`, nil},
		{"WKT and lon/lat", ingest.Options{WKT: "shape", Lon: "long_deg", Lat: "lat_deg"}, "not both", nil},
		{"unknown encoding", ingest.Options{Encoding: "ebcdic"}, "unknown encoding", nil},
		{"unknown format", ingest.Options{Format: "shp"}, "unknown format", nil},
	}
	path := writeFile(t, "places.csv", []byte(csvText))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, err := ingest.Open(path, tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			recs := records(t, drain(t, src))
			if len(recs) != 1 || recs[0].Geometry != tc.want {
				t.Fatalf("records = %v, want one with geometry %v", recs, tc.want)
			}
		})
	}
}

func TestCSVDefaultColumns(t *testing.T) {
	cases := []struct {
		name   string
		header string
		row    string
		want   orb.Point
	}{
		{"lon lat", "lat,lon", "2,1", orb.Point{1, 2}},
		{"lng", "LNG,LAT", "1,2", orb.Point{1, 2}},
		{"longitude latitude", "Latitude,Longitude", "2,1", orb.Point{1, 2}},
		{"x y", "x,y", "1,2", orb.Point{1, 2}},
		{"lon preferred over x", "x,y,lon,lat", "9,9,1,2", orb.Point{1, 2}},
		{"wkt", "name,WKT", "a,POINT(1 2)", orb.Point{1, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "p.csv", []byte(tc.header+"\n"+tc.row+"\n"))
			_, rs := readAll(t, path, ingest.Options{})
			recs := records(t, rs)
			if len(recs) != 1 || recs[0].Geometry != tc.want {
				t.Fatalf("records = %v, want one at %v", recs, tc.want)
			}
		})
	}
}

func TestCSVBOM(t *testing.T) {
	sch, rs := readAll(t, "testdata/bom.csv", ingest.Options{})
	if names := fieldNames(sch); names[0] != "name" {
		t.Errorf("first field = %q, want name (without the byte order mark)", names[0])
	}
	recs := records(t, rs)
	if len(recs) != 1 || recs[0].Geometry != (orb.Point{1.5, 2.5}) || prop(recs[0], "name") != "A" {
		t.Errorf("records = %v", recs)
	}
}

func TestCSVLatin1(t *testing.T) {
	// "Ségou", "Ménaka" and "Tombouctou – Goundam" in ISO-8859-1 (é is the byte 0xE9).
	latin1 := []byte("name,note,lon,lat\nS\xe9gou,caf\xe9 cr\xe8me,-6.2157,13.4317\nM\xe9naka,\xc0 l'est,2.4014,15.9182\n")
	path := writeFile(t, "places_latin1.csv", latin1)

	t.Run("read as latin-1", func(t *testing.T) {
		_, rs := readAll(t, path, ingest.Options{Encoding: "latin-1"})
		recs := records(t, rs)
		want := []map[string]any{
			{"name": "Ségou", "note": "café crème"},
			{"name": "Ménaka", "note": "À l'est"},
		}
		if len(recs) != len(want) {
			t.Fatalf("got %d records, want %d", len(recs), len(want))
		}
		for i, w := range want {
			for k, v := range w {
				if got := prop(recs[i], k); got != v {
					t.Errorf("record %d: %s = %q, want %q", i+1, k, got, v)
				}
			}
		}
	})
	t.Run("read as UTF-8", func(t *testing.T) {
		_, rs := readAll(t, path, ingest.Options{})
		if len(rs) != 2 {
			t.Fatalf("got %d results, want 2", len(rs))
		}
		for i, r := range rs {
			wantWhere := []string{"places_latin1.csv:2", "places_latin1.csv:3"}[i]
			if r.err == nil {
				t.Fatalf("record %d: got a record, want an invalid UTF-8 error", i+1)
			}
			if r.err.Where != wantWhere || r.err.Field != "name" || !strings.Contains(r.err.Error(), "--encoding latin-1") {
				t.Errorf("error = %q (where %q, field %q); want where %q, field name, a hint at --encoding latin-1",
					r.err, r.err.Where, r.err.Field, wantWhere)
			}
		}
	})
}

func TestCSVInvalidRecordRecovery(t *testing.T) {
	src, err := ingest.Open("testdata/bad_latitude.csv", ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rec, err := src.Next()
	if err != nil || rec.Where != "bad_latitude.csv:2" {
		t.Fatalf("first Next = %v, %v; want the record of line 2", rec, err)
	}
	_, err = src.Next()
	var e *ingest.Error
	if !errors.As(err, &e) {
		t.Fatalf("second Next error = %v, want an *ingest.Error", err)
	}
	if want := `bad_latitude.csv:3: field lat: "abc" is not a number`; e.Error() != want {
		t.Errorf("error = %q, want %q", e, want)
	}
	if !errors.Is(err, data.ErrSchema) {
		t.Errorf("a value that is not a number should wrap data.ErrSchema")
	}
	rec, err = src.Next()
	if err != nil || rec.Where != "bad_latitude.csv:4" || prop(rec, "name") != "third" {
		t.Fatalf("third Next = %v, %v; want the record of line 4", rec, err)
	}
	if _, err := src.Next(); err != io.EOF {
		t.Fatalf("fourth Next error = %v, want io.EOF", err)
	}
}

func TestCSVRecordErrors(t *testing.T) {
	cases := []struct {
		name      string
		row       string
		where     string
		field     string
		text      string
		recovered bool // the following row is still read
	}{
		{"latitude out of range", "a,1,95", "t.csv:2", "lat", "latitude 95 is outside [-90, 90]", true},
		{"longitude out of range", "a,-181,5", "t.csv:2", "lon", "longitude -181 is outside [-180, 180]", true},
		{"NaN", "a,NaN,5", "t.csv:2", "lon", "NaN is not a finite number", true},
		{"infinite", "a,1,-Inf", "t.csv:2", "lat", "-Inf is not a finite number", true},
		{"missing latitude", "a,1,", "t.csv:2", "lat", "the latitude is missing", true},
		{"too few fields", "a,1", "t.csv:2", "", "the row has 2 fields, the header has 3", true},
		{"too many fields", "a,1,2,3", "t.csv:2", "", "the row has 4 fields, the header has 3", true},
		{"bare quote", `a"b,1,2`, "t.csv:2", "", `bare " in non-quoted-field`, true},
		{"quoted field spanning lines", "\"a\nb\",1,95", "t.csv:2", "lat", "outside", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "t.csv", []byte("name,lon,lat\n"+tc.row+"\nnext,3,4\n"))
			_, rs := readAll(t, path, ingest.Options{})
			if len(rs) == 0 || rs[0].err == nil {
				t.Fatalf("results = %v, want an error first", rs)
			}
			e := rs[0].err
			if e.Where != tc.where || e.Field != tc.field || !strings.Contains(e.Error(), tc.text) {
				t.Errorf("error = %q (where %q, field %q); want where %q, field %q, text %q", e, e.Where, e.Field, tc.where, tc.field, tc.text)
			}
			if tc.recovered && (len(rs) != 2 || rs[1].rec == nil || prop(rs[1].rec, "name") != "next") {
				t.Errorf("results after the error = %v, want the next row", rs[1:])
			}
		})
	}
}

func TestCSVFatalErrors(t *testing.T) {
	cases := []struct {
		name, content, text string
		atOpen              bool
	}{
		{"empty file", "", "needs a header row", true},
		{"duplicate header", "a,lon,lat,a\n", `both named "a"`, true},
		{"quote never closed", "name,lon,lat\n\"a,1,2\nb,3,4\nc,5,6\n", "not closed properly", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "f.csv", []byte(tc.content))
			src, err := ingest.Open(path, ingest.Options{})
			if tc.atOpen {
				if err == nil || !strings.Contains(err.Error(), tc.text) {
					t.Fatalf("Open error = %v, want one containing %q", err, tc.text)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			_, err = src.Schema(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("Schema error = %v, want one containing %q", err, tc.text)
			}
			var e *ingest.Error
			for i := 0; i < 2; i++ { // Next keeps failing the same way
				_, err := src.Next()
				if err == nil || errors.As(err, &e) || !strings.Contains(err.Error(), tc.text) {
					t.Fatalf("Next error = %v, want a fatal one containing %q", err, tc.text)
				}
			}
		})
	}
}

func TestCSVEmptyHeaderName(t *testing.T) {
	path := writeFile(t, "idx.csv", []byte(",lon,lat\n0,1,2\n"))
	sch, _ := readAll(t, path, ingest.Options{})
	if got := fieldNames(sch); !slices.Equal(got, []string{"field_1", "lon", "lat"}) {
		t.Errorf("fields = %v, want the unnamed column called field_1", got)
	}
}

func TestCSVLineEndings(t *testing.T) {
	cases := []struct {
		name, content string
	}{
		{"CRLF", "name,lon,lat\r\na,1,2\r\n\r\nb,3,4\r\n"},
		{"no final newline", "name,lon,lat\na,1,2\n\nb,3,4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := readAll(t, writeFile(t, "e.csv", []byte(tc.content)), ingest.Options{})
			recs := records(t, rs)
			if len(recs) != 2 || recs[0].Where != "e.csv:2" || recs[1].Where != "e.csv:4" || prop(recs[1], "name") != "b" {
				t.Fatalf("records = %v, want a on line 2 and b on line 4 (after a blank line)", recs)
			}
		})
	}
}
