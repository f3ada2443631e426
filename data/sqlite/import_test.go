package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// eventFields is the schema of the test imports.
var eventFields = []data.Field{{Name: "key", Type: data.Text}, {Name: "day", Type: data.Date},
	{Name: "deaths", Type: data.Integer}, {Name: "score", Type: data.Real}, {Name: "ok", Type: data.Boolean}}

// events returns n records at distinct positions; key k<i>, deaths i%7.
func events(n int, lon float64) []*data.Record {
	var out []*data.Record
	for i := range n {
		out = append(out, &data.Record{
			Geometry: orb.Point{lon + float64(i)*0.01, 14 + float64(i%10)*0.01},
			Properties: map[string]any{"key": fmt.Sprintf("k%d", i), "day": fmt.Sprintf("2024-01-%02d", 1+i%28),
				"deaths": int64(i % 7), "score": float64(i) / 2, "ok": i%2 == 0},
			Where: fmt.Sprintf("test record %d", i+1),
		})
	}
	return out
}

// feed returns a next function over records, then io.EOF (or failAt's error after that many).
func feed(records []*data.Record, failAt int) func() (*data.Record, error) {
	i := 0
	return func() (*data.Record, error) {
		if failAt > 0 && i == failAt {
			return nil, errors.New("the file ends here")
		}
		if i == len(records) {
			return nil, io.EOF
		}
		i++
		return records[i-1], nil
	}
}

// emptyFile creates a GeoPackage without layers and opens it.
func emptyFile(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "import.gpkg")
	if err := Create(context.Background(), path, nil); err != nil {
		t.Fatal(err)
	}
	s, _ := openStore(t, path, Options{})
	return s, path
}

// fileState summarises what a failed import must leave unchanged.
func fileState(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check, tables string
	var changes int
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("SELECT group_concat(name || ':' || type, ',') FROM (SELECT name, type FROM sqlite_master ORDER BY name)").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	db.QueryRow("SELECT count(*) FROM harmattan_changes").Scan(&changes)
	var rows int
	db.QueryRow("SELECT count(*) FROM events").Scan(&rows)
	return fmt.Sprintf("integrity %s; rows %d; changes %d; schema %s", check, rows, changes, tables)
}

func TestImportNewLayer(t *testing.T) {
	s, path := emptyFile(t)
	ctx := context.Background()
	spec := data.ImportSpec{Layer: "events", GeometryType: "POINT", Fields: eventFields, TemporalField: "day"}
	res, err := s.Import(ctx, spec, feed(events(500, -4), 0))
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 500 || res.Updated != 0 || res.Bounds.Min[0] != -4 || res.Bounds.Max[1] != 14.09 {
		t.Fatalf("result %+v", res)
	}
	coll, err := s.Collection(ctx, "events") // served at once
	if err != nil {
		t.Fatal(err)
	}
	if coll.TemporalField != "day" || coll.Extent.Min[0] != -4 {
		t.Fatalf("collection %+v", coll)
	}
	box := orb.Bound{Min: orb.Point{-3.955, 13.9}, Max: orb.Point{-3.935, 14.2}} // records 5..6
	got := collect(t, s, "events", data.Query{BBox: &box})
	if len(got) != 2 || got[0].Properties["key"] != "k5" || got[0].Properties["ok"] != false || got[0].Properties["day"] != "2024-01-06" {
		t.Fatalf("bbox query: %v", got)
	}
	changes, last, err := s.Changes(ctx, 0)
	if err != nil || len(changes) != 1 || changes[0].Layer != "events" || last != changes[0].Seq {
		t.Fatalf("changes %+v, %d, %v", changes, last, err)
	}
	// The R-tree triggers are back: a later plain insert is indexed.
	if _, err := s.Insert(ctx, "events", []*data.Record{{Geometry: orb.Point{10, 10}, Properties: map[string]any{"key": "later"}}}); err != nil {
		t.Fatal(err)
	}
	far := orb.Bound{Min: orb.Point{9, 9}, Max: orb.Point{11, 11}}
	if got := collect(t, s, "events", data.Query{BBox: &far}); len(got) != 1 {
		t.Fatalf("a feature inserted after the import is not indexed: %v", got)
	}
	// GDAL reads the result.
	requireTool(t, "ogrinfo")
	out, err := exec.Command("ogrinfo", "-so", "-al", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Feature Count: 501") {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
}

func TestImportModes(t *testing.T) {
	s, _ := emptyFile(t)
	ctx := context.Background()
	spec := data.ImportSpec{Layer: "events", GeometryType: "POINT", Fields: eventFields}
	if _, err := s.Import(ctx, spec, feed(events(100, -4), 0)); err != nil {
		t.Fatal(err)
	}
	// Upsert: 50 known keys move 10° east, 50 new ones arrive.
	moved := events(150, 6)[50:]
	spec.Mode, spec.Key = data.Upsert, "key"
	res, err := s.Import(ctx, spec, feed(moved, 0))
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 50 || res.Updated != 50 || res.Bounds.Min[0] > -3.5 || res.Bounds.Max[0] < 7 {
		t.Fatalf("upsert result %+v (bounds must cover the old and new positions)", res)
	}
	if n, _ := s.Count(ctx, "events", data.Query{}); n != 150 {
		t.Fatalf("%d features after the upsert, want 150", n)
	}
	old := orb.Bound{Min: orb.Point{-3.5, 13}, Max: orb.Point{-2, 15}} // keys 50..99 were here
	if got := collect(t, s, "events", data.Query{BBox: &old}); len(got) != 0 {
		t.Fatalf("%d features still indexed at their old positions", len(got))
	}
	// Replace.
	spec.Mode = data.Replace
	res, err = s.Import(ctx, spec, feed(events(10, 20), 0))
	if err != nil || res.Inserted != 10 {
		t.Fatalf("replace: %+v %v", res, err)
	}
	if n, _ := s.Count(ctx, "events", data.Query{}); n != 10 {
		t.Fatalf("%d features after replace, want 10", n)
	}
	everything := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	if got := collect(t, s, "events", data.Query{BBox: &everything}); len(got) != 10 {
		t.Fatalf("R-tree holds %d features after replace, want 10", len(got))
	}
}

func TestImportAllOrNothing(t *testing.T) {
	s, path := emptyFile(t)
	ctx := context.Background()
	spec := data.ImportSpec{Layer: "events", GeometryType: "POINT", Fields: eventFields}
	if _, err := s.Import(ctx, spec, feed(events(100, -4), 0)); err != nil {
		t.Fatal(err)
	}
	before := fileState(t, path)
	bad := events(300, 0)
	bad[150].Properties["deaths"] = "many"
	for name, tc := range map[string]struct {
		spec data.ImportSpec
		next func() (*data.Record, error)
		want string
	}{
		"source fails midway":         {spec, feed(events(300, 0), 200), "the file ends here"},
		"bad value":                   {spec, feed(bad, 0), "test record 151: field deaths"},
		"replace empties, then fails": {data.ImportSpec{Layer: "events", Mode: data.Replace, Fields: eventFields}, feed(events(300, 0), 250), "the file ends here"},
		"field not in layer":          {data.ImportSpec{Layer: "events", Fields: append(eventFields, data.Field{Name: "extra", Type: data.Text})}, feed(nil, 0), "field extra is not in layer events"},
		"field of another type":       {data.ImportSpec{Layer: "events", Fields: []data.Field{{Name: "deaths", Type: data.Text}}}, feed(nil, 0), "field deaths is TEXT in the data but INTEGER"},
		"geometry of another type":    {spec, feed([]*data.Record{{Geometry: orb.LineString{{0, 0}, {1, 1}}, Where: "line 2"}}, 0), "line 2: field geometry"},
	} {
		_, err := s.Import(ctx, tc.spec, tc.next)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
		}
		if after := fileState(t, path); after != before {
			t.Errorf("%s: the file changed:\nbefore %s\nafter  %s", name, before, after)
		}
	}
	// With OnInvalid, the bad record is skipped and counted.
	var skipped []string
	spec.OnInvalid = func(r *data.Record, err error) error { skipped = append(skipped, err.Error()); return nil }
	res, err := s.Import(ctx, spec, feed(bad, 0))
	if err != nil || res.Inserted != 299 || res.Skipped != 1 || len(skipped) != 1 || !strings.Contains(skipped[0], "field deaths") {
		t.Fatalf("skip-invalid: %+v, %v, %v", res, err, skipped)
	}
}

// A layer written by GDAL keeps GDAL's own R-tree triggers through an import.
func TestImportIntoGDALLayer(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "in.geojson")
	must(t, os.WriteFile(src, []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"key":"a","deaths":1},"geometry":{"type":"Point","coordinates":[1,2]}}]}`), 0o644))
	path := filepath.Join(dir, "gdal.gpkg")
	ogr2ogr(t, "-f", "GPKG", "-nln", "events", path, src)
	triggers := func() string {
		db, _ := sql.Open("sqlite3", "file:"+path+"?mode=ro")
		defer db.Close()
		var s string
		db.QueryRow("SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name)").Scan(&s)
		return s
	}
	before := triggers()
	s, _ := openStore(t, path, Options{})
	spec := data.ImportSpec{Layer: "events", Fields: []data.Field{{Name: "key", Type: data.Text}, {Name: "deaths", Type: data.Integer}}}
	res, err := s.Import(context.Background(), spec, feed([]*data.Record{{Geometry: orb.Point{3, 4}, Properties: map[string]any{"key": "b", "deaths": int64(2)}}}, 0))
	if err != nil || res.Inserted != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if after := triggers(); after != before || before == "" {
		t.Fatalf("triggers changed:\n%s\n%s", before, after)
	}
	out, err := exec.Command("ogrinfo", "-al", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Feature Count: 2") || !strings.Contains(string(out), "POINT (3 4)") {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
