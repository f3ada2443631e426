package ingest

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

// csvFuzzOptions are the ways FuzzCSV opens its file; the fuzzer picks one.
var csvFuzzOptions = []Options{
	{},                          // by extension: ACLED when the header says so, else generic
	{Format: "csv"},             // generic: lon/lat or wkt columns found by name
	{Format: "acled"},           // refused without ACLED's columns
	{Format: "csv", WKT: "wkt"}, // a named WKT column
	{Format: "csv", Lon: "X", Lat: "y"},
	{Format: "csv", Encoding: "latin-1"},
}

// FuzzCSV feeds arbitrary CSV text through the import path (Open, Schema, Next) with each way
// of finding the geometry. Reading may fail, never panic; every record has a valid geometry and
// values of its schema's types: the inferred schema, then a schema that forces other types on
// the same fields.
func FuzzCSV(f *testing.F) {
	acled, err := os.ReadFile("testdata/acled_sample.csv")
	if err != nil {
		f.Fatal(err)
	}
	for i, s := range []string{
		"name,lon,lat,population,founded,active,updated,code\nSégou,-6.2157,13.4317,130690,1880-01-01,true,2024-03-05T10:00:00Z,007\nGao,-0.04,16.2666,86633,,false,2024-03-05T11:30:00+01:00,012\n",
		"id,kind,wkt\n1,zone,\"POLYGON((-4 14,-3 14,-3 15,-4 15,-4 14))\"\n2,road,\"LINESTRING(-4 14,-3 15)\"\n3,bowtie,\"POLYGON((0 0,1 1,1 0,0 1,0 0))\"\n4,broken,\"POLYGON((0 0, 1\"\n5,far,\"POINT(200 10)\"\n",
		string(acled),
		"x,y,n\n1,2,3\n1e309,0,1\nNaN,Inf,2\n-180,90,9223372036854775808\n0x1p-2,1_0,-0\n",
		"lat,lon,v\n91,0,1\n0,181,2\n,,\n\"1\",\"2\",\"3\"\n1,2\n1,2,3,4\n",
		"wkt,a\n\"GEOMETRYCOLLECTION(POINT(1 2),GEOMETRYCOLLECTION(LINESTRING(0 0,1 1)))\",1\nMULTIPOLYGON EMPTY,2\nPOINT(NaN 1),3\nPOINT(1e400 0),4\n",
		"\ufefflon,lat,when\n1,2,2024-02-29\n1,2,2023-02-29\n1,2,05 March 2024\n1,2,2024-03-05T25:00:00Z\n",
		"lon,lat,lon\n1,2,3\n",
		"lon,LON,lat\n1,2,3\n",
		",,\n1,2,3\n",
		"lon,lat,\"multi\nline\"\n1,2,\"a\"\"b\"\n1,2,\"unclosed\n",
		"lon,lat,s\n1,2,'); DROP TABLE features; --\n1,2,\xff\xfe\n1,2,☃\x00\n",
		"event_id_cnty,event_date,latitude,longitude,fatalities\nX1,2024-13-01,1,2,3\nX1,yesterday,1,2,-1\nX2,01 Smarch 2024,1,2,1e3\n",
		"lon,lat,n\n" + strings.Repeat("1,2,3\n", 50) + "1,2,x\n",
		"lon,lat,true\n1,2,TRUE\n1,2,false\n1,2,1\n",
		"", "\n", "lon", "lon,lat\n", "a\"b,c\n1,2\n",
	} {
		f.Add(uint8(i), s)
	}
	path := filepath.Join(f.TempDir(), "fuzz.csv")
	f.Fuzz(func(t *testing.T, mode uint8, text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		opts := csvFuzzOptions[int(mode)%len(csvFuzzOptions)]
		sch, ok := checkCSV(t, path, opts, nil)
		if !ok {
			return
		}
		// Again, converting to other types than the inferred ones.
		forced := Schema{Fields: make([]data.Field, len(sch.Fields))}
		for i, fd := range sch.Fields {
			forced.Fields[i] = data.Field{Name: fd.Name, Type: data.FieldType((int(fd.Type) + int(mode/8) + i) % 6)}
		}
		checkCSV(t, path, opts, &forced)
	})
}

// checkCSV opens path and reads it to the end, with schema use when not nil, else the inferred
// one, and fails t if a record is not what that schema says. ok is false when Open or Schema
// failed, as they may.
func checkCSV(t *testing.T, path string, opts Options, use *Schema) (sch Schema, ok bool) {
	src, err := Open(path, opts)
	if err != nil {
		return sch, false
	}
	defer src.Close()
	if use != nil {
		src.UseSchema(*use)
		sch = *use
	} else if sch, err = src.Schema(context.Background()); err != nil {
		return sch, false
	}
	types := map[string]data.FieldType{}
	for _, fd := range sch.Fields {
		if _, dup := types[fd.Name]; dup {
			t.Fatalf("schema %v has field %q twice", sch.Fields, fd.Name)
		}
		types[fd.Name] = fd.Type
	}
	if use == nil && sch.GeometryType == "" {
		t.Fatalf("schema %v has no geometry type", sch)
	}
	lines := 1 + strings.Count(readFile(t, path), "\n")
	for n := 0; ; n++ {
		if n > lines {
			t.Fatal("Next returns more records than the file has lines")
		}
		rec, err := src.Next()
		if err == io.EOF {
			return sch, true
		}
		var e *Error
		if errors.As(err, &e) {
			if e.Where == "" || e.Err == nil {
				t.Fatalf("record error without a place or a cause: %#v", e)
			}
			continue
		}
		if err != nil {
			return sch, true // fatal: the file is broken from here
		}
		if len(rec.Names) != len(rec.Values) || rec.Where == "" {
			t.Fatalf("record %#v: %d names, %d values, where %q", rec, len(rec.Names), len(rec.Values), rec.Where)
		}
		if rec.Geometry == nil {
			t.Fatalf("%s: a record without a geometry", rec.Where)
		}
		if err := checkGeometry(rec.Geometry); err != nil {
			t.Fatalf("%s: geometry %v: %v", rec.Where, rec.Geometry, err)
		}
		if got := schemaTypeName(rec.Geometry.GeoJSONType()); use == nil && sch.GeometryType != "GEOMETRY" && got != sch.GeometryType {
			t.Fatalf("%s: %s %v in a layer of %s", rec.Where, got, rec.Geometry, sch.GeometryType)
		}
		for i, name := range rec.Names {
			typ, typed := types[name]
			if !typed {
				t.Fatalf("%s: property %q is not in the schema %v", rec.Where, name, sch.Fields)
			}
			if v := rec.Values[i]; !ofType(v, typ) {
				t.Fatalf("%s: %s = %#v (%T) is not a %v", rec.Where, name, v, v, typ)
			}
		}
	}
}

// ofType reports whether v is a value of type typ as Next returns it (nil is NULL).
func ofType(v any, typ data.FieldType) bool {
	switch v := v.(type) {
	case nil:
		return true
	case int64:
		return typ == data.Integer
	case float64:
		return typ == data.Real
	case bool:
		return typ == data.Boolean
	case string:
		switch typ {
		case data.Text:
			return true
		case data.Date:
			return geo.IsDate(v)
		case data.DateTime:
			return isDateTime(v)
		}
	}
	return false
}

func readFile(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
