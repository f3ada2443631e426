package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

func TestCreateWritesValidGeoPackage(t *testing.T) {
	path := seededFile(t)
	db := openDB(path, "ro", 0)
	defer db.Close()
	var integrity string
	var appID, version int64
	for q, dst := range map[string]any{"PRAGMA integrity_check": &integrity, "PRAGMA application_id": &appID, "PRAGMA user_version": &version} {
		if err := db.QueryRow(q).Scan(dst); err != nil {
			t.Fatal(q, err)
		}
	}
	if integrity != "ok" || appID != applicationID || version != userVersion {
		t.Errorf("integrity %q, application_id %#x, user_version %d", integrity, appID, version)
	}
	for _, l := range []string{"incidents", "bases", "regions"} {
		var rows, indexed, ext int
		var minx sql.NullFloat64
		if err := db.QueryRow(`SELECT (SELECT count(*) FROM "`+l+`"), (SELECT count(*) FROM "rtree_`+l+`_geom"),
			(SELECT count(*) FROM gpkg_extensions WHERE table_name = ? AND extension_name = 'gpkg_rtree_index'),
			(SELECT min_x FROM gpkg_contents WHERE table_name = ?)`, l, l).Scan(&rows, &indexed, &ext, &minx); err != nil {
			t.Fatal(err)
		}
		if rows == 0 || rows != indexed || ext != 1 || !minx.Valid {
			t.Errorf("%s: %d rows, %d in the R-tree, %d extension rows, contents bounds %v", l, rows, indexed, ext, minx)
		}
	}
	var triggers int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_incidents_geom_%'`).Scan(&triggers); err != nil || triggers != 6 {
		t.Errorf("incidents has %d R-tree triggers, want 6 (%v)", triggers, err)
	}
}

func TestGDALOpensCreatedFile(t *testing.T) {
	requireTool(t, "ogrinfo")
	path := seededFile(t)
	out, err := exec.Command("ogrinfo", "-ro", "-so", path, "incidents").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	s, _ := openStore(t, path, Options{})
	n, err := s.Count(context.Background(), "incidents", data.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Geometry: Point", "Feature Count: " + itoa(n), "event_date: Date", "fatalities: Integer"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ogrinfo output lacks %q:\n%s", want, out)
		}
	}
}

func TestWritesKeepRTreeCurrent(t *testing.T) {
	s, _ := openStore(t, seededFile(t), Options{})
	ctx := context.Background()
	blob, err := geo.EncodeGPKG(orb.Point{3.5, 11.5}, 4326)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO incidents (geom, event_type) VALUES (?, 'Protests')`, blob)
	if err != nil {
		t.Fatal(err) // fails when the ST_* functions the triggers call are missing
	}
	id, _ := res.LastInsertId()
	box := orb.Bound{Min: orb.Point{3.4, 11.4}, Max: orb.Point{3.6, 11.6}}
	got := collect(t, s, "incidents", data.Query{BBox: &box})
	if len(got) != 1 || got[0].ID != id {
		t.Fatalf("bbox around the new point returned %v, want feature %d", got, id)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM incidents WHERE fid = ?`, id); err != nil {
		t.Fatal(err)
	}
	var left int
	s.db.QueryRow(`SELECT count(*) FROM rtree_incidents_geom WHERE id = ?`, id).Scan(&left)
	if left != 0 {
		t.Error("the delete trigger left the R-tree entry")
	}
}

func TestOpenRefusesWhatIsNotAGeoPackage(t *testing.T) {
	dir := t.TempDir()
	good := seededFile(t)
	goodBytes, _ := os.ReadFile(good)
	plainDB := filepath.Join(dir, "plain.sqlite")
	db := openDB(plainDB, "rwc", 0)
	if _, err := db.Exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	corrupt := append([]byte(nil), goodBytes...)
	for i := 4096; i < len(corrupt) && i < 4096*6; i++ { // smash pages after the header
		corrupt[i] = 0xA5
	}
	cases := map[string]struct {
		content []byte
		file    string
		want    string
	}{
		"text file":         {content: []byte("id,name\n1,Moura\n"), want: "not an SQLite database"},
		"empty file":        {content: []byte{}, want: "not an SQLite database"},
		"sqlite, no gpkg":   {file: plainDB, want: "gpkg_spatial_ref_sys is missing"},
		"truncated gpkg":    {content: goodBytes[:len(goodBytes)/2], want: "not a GeoPackage"},
		"corrupt pages":     {content: corrupt, want: "not a GeoPackage"},
		"mbtiles app id":    {content: withAppID(goodBytes, 0x4d504258), want: "application_id"},
		"missing file path": {file: filepath.Join(dir, "nope.gpkg"), want: "no such file"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := tc.file
			if path == "" {
				path = filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".gpkg")
				if err := os.WriteFile(path, tc.content, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			before := digest(path)
			s, err := Open(context.Background(), path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("opened it")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q should name the file and say %q", err, tc.want)
			}
			if digest(path) != before {
				t.Error("the refused file was modified")
			}
			if _, err := os.Stat(path + "-wal"); err == nil {
				t.Error("refusing the file left a -wal file beside it")
			}
		})
	}
}

func withAppID(b []byte, id uint32) []byte {
	out := append([]byte(nil), b...)
	out[68], out[69], out[70], out[71] = byte(id>>24), byte(id>>16), byte(id>>8), byte(id)
	return out
}

func digest(path string) [32]byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return [32]byte{}
	}
	return sha256.Sum256(b)
}

func TestCreateLeavesNothingOnFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.gpkg")
	bad := []data.Layer{{Name: "x", Fields: []data.Field{{Name: "n", Type: data.Integer}},
		Features: collectFeatures(map[string]any{"n": "not a number"})}}
	err := Create(context.Background(), path, bad)
	if err == nil || !strings.Contains(err.Error(), "field n") || !strings.Contains(err.Error(), "feature 0") {
		t.Fatalf("error %v should name the feature and field", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 0 {
		t.Errorf("failed create left %d files", len(entries))
	}
}

func TestBBoxQueriesUseRTree(t *testing.T) {
	s, _ := openStore(t, seededFile(t), Options{})
	ctx := context.Background()
	tb, _ := s.table("incidents")
	small := orb.Bound{Min: orb.Point{-4.7, 14.2}, Max: orb.Point{-4.5, 14.4}}
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	explain := func(t *testing.T, sqlText string, args []any) string {
		rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+sqlText, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			plan = append(plan, detail)
		}
		return strings.Join(plan, "\n")
	}
	cases := map[string]struct {
		q        data.Query
		pagePlan string // what the page query must do
	}{
		"few matches: ids from the R-tree":   {q: data.Query{BBox: &small, Limit: 10}, pagePlan: "VIRTUAL TABLE INDEX"},
		"most match: rows by id after walk":  {q: data.Query{BBox: &world, Limit: 2}, pagePlan: "USING INTEGER PRIMARY KEY"},
		"with time filter and keyset paging": {q: data.Query{BBox: &small, Limit: 2, After: 3, Time: mustInterval(t, "2019-01-01/..")}, pagePlan: "VIRTUAL TABLE INDEX"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sqlText, args, err := tb.countSQL(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if plan := explain(t, sqlText, args); !strings.Contains(plan, "VIRTUAL TABLE INDEX") {
				t.Errorf("count does not use the R-tree:\n%s", plan)
			}
			sqlText, args, err = s.featuresSQL(ctx, tb, tb.coll.Fields, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if plan := explain(t, sqlText, args); !strings.Contains(plan, tc.pagePlan) || strings.Contains(plan, "SCAN t") {
				t.Errorf("page plan lacks %q or scans the table:\n%s", tc.pagePlan, plan)
			}
		})
	}
}

func TestQueries(t *testing.T) {
	s, _ := openStore(t, seededFile(t), Options{})
	ctx := context.Background()
	all := collect(t, s, "incidents", data.Query{})
	moura := orb.Bound{Min: orb.Point{-4.7, 14.2}, Max: orb.Point{-4.5, 14.4}}
	cases := map[string]struct {
		q    data.Query
		want func(f map[string]any, g orb.Geometry) bool
	}{
		"bbox": {q: data.Query{BBox: &moura}, want: func(p map[string]any, g orb.Geometry) bool {
			return moura.Contains(g.(orb.Point))
		}},
		"date interval keeps March 2022": {q: data.Query{Time: mustInterval(t, "2022-03-01/2022-03-31")}, want: func(p map[string]any, _ orb.Geometry) bool {
			d, _ := p["event_date"].(string)
			return d >= "2022-03-01" && d <= "2022-03-31"
		}},
		"open start": {q: data.Query{Time: mustInterval(t, "../2012-12-31")}, want: func(p map[string]any, _ orb.Geometry) bool {
			return p["event_date"].(string) <= "2012-12-31"
		}},
		"equality filter": {q: data.Query{Filters: []data.Filter{{Field: "event_type", Value: "Battles"}}}, want: func(p map[string]any, _ orb.Geometry) bool {
			return p["event_type"] == "Battles"
		}},
		"integer filter": {q: data.Query{Filters: []data.Filter{{Field: "geo_precision", Value: int64(2)}}}, want: func(p map[string]any, _ orb.Geometry) bool {
			return p["geo_precision"] == int64(2)
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := collect(t, s, "incidents", tc.q)
			want := 0
			for _, f := range all {
				if tc.want(f.Properties, f.Geometry) {
					want++
				}
			}
			if len(got) != want || want == 0 {
				t.Fatalf("got %d features, want %d (of %d)", len(got), want, len(all))
			}
			for _, f := range got {
				if !tc.want(f.Properties, f.Geometry) {
					t.Errorf("feature %v does not match", f.ID)
				}
			}
			n, err := s.Count(ctx, "incidents", tc.q)
			if err != nil || n != int64(want) {
				t.Errorf("Count = %d, %v; want %d", n, err, want)
			}
		})
	}
	t.Run("Moura is in March 2022", func(t *testing.T) {
		got := collect(t, s, "incidents", data.Query{BBox: &moura, Time: mustInterval(t, "2022-03-27")})
		if len(got) != 1 || got[0].Properties["fatalities"] != int64(500) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("paging by offset and keyset agree", func(t *testing.T) {
		var byOffset, byKey []any
		after := int64(0)
		for off := 0; off < len(all); off += 7 {
			for _, f := range collect(t, s, "incidents", data.Query{Limit: 7, Offset: off}) {
				byOffset = append(byOffset, f.ID)
			}
			page := collect(t, s, "incidents", data.Query{Limit: 7, After: after})
			for _, f := range page {
				byKey = append(byKey, f.ID)
			}
			after = page[len(page)-1].ID.(int64)
		}
		if len(byOffset) != len(all) || len(byKey) != len(all) {
			t.Fatalf("offset paging saw %d, keyset %d, want %d", len(byOffset), len(byKey), len(all))
		}
		for i := range all {
			if byOffset[i] != all[i].ID || byKey[i] != all[i].ID {
				t.Fatalf("page order differs at %d", i)
			}
		}
	})
	t.Run("walking pages like no bbox, by offset and keyset", func(t *testing.T) {
		world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
		tb, _ := s.table("incidents")
		var byOffset, byKey []any
		after := int64(0)
		for off := 0; off < len(all); off += 5 {
			page, err := s.walk(ctx, tb, data.Query{BBox: &world, Limit: 5, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			byOffset = append(byOffset, page...)
			page, err = s.walk(ctx, tb, data.Query{BBox: &world, Limit: 5, After: after})
			if err != nil {
				t.Fatal(err)
			}
			byKey = append(byKey, page...)
			after = page[len(page)-1].(int64)
		}
		if len(byOffset) != len(all) || len(byKey) != len(all) {
			t.Fatalf("offset walk %d, keyset walk %d, want %d", len(byOffset), len(byKey), len(all))
		}
		for i := range all {
			if byOffset[i] != all[i].ID || byKey[i] != all[i].ID {
				t.Fatalf("order differs at %d", i)
			}
		}
		moura := orb.Bound{Min: orb.Point{-4.7, 14.2}, Max: orb.Point{-4.5, 14.4}}
		if ids, _ := s.walk(ctx, tb, data.Query{BBox: &moura, Limit: 100}); len(ids) != 1 {
			t.Errorf("walk with a small bbox kept %v", ids)
		}
	})
	t.Run("properties subset", func(t *testing.T) {
		got := collect(t, s, "incidents", data.Query{Properties: []string{"fatalities", "location"}, Limit: 1})
		if len(got[0].Properties) != 2 || got[0].Properties["location"] == nil {
			t.Errorf("got %v", got[0].Properties)
		}
	})
	t.Run("unknown property", func(t *testing.T) {
		err := s.Features(ctx, "incidents", data.Query{Properties: []string{"nope"}}, func(*data.Feature) error { return nil })
		if !errors.Is(err, data.ErrInvalidQuery) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		if _, err := s.Feature(ctx, "incidents", 99999); !errors.Is(err, data.ErrNotFound) {
			t.Errorf("feature: %v", err)
		}
		if _, err := s.Collection(ctx, "nope"); !errors.Is(err, data.ErrNotFound) {
			t.Errorf("collection: %v", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := s.Features(cctx, "incidents", data.Query{}, func(*data.Feature) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestCollectionMetadata(t *testing.T) {
	s, _ := openStore(t, seededFile(t), Options{})
	c, err := s.Collection(context.Background(), "incidents")
	if err != nil {
		t.Fatal(err)
	}
	if c.TemporalField != "event_date" || c.Interval[0] > c.Interval[1] || len(c.Interval[0]) != 10 {
		t.Errorf("temporal %q %v", c.TemporalField, c.Interval)
	}
	if c.Extent.Min[0] < -12.5 || c.Extent.Max[0] > 4.5 || c.Extent.IsEmpty() {
		t.Errorf("extent %v", c.Extent)
	}
	regions, _ := s.Collection(context.Background(), "regions")
	if regions.TemporalField != "" || regions.GeometryType != "Polygon" {
		t.Errorf("regions: %+v", regions)
	}
	b, _ := s.Collection(context.Background(), "bases")
	if b.TemporalField != "opened" {
		t.Errorf("bases temporal field %q, want the first DATE column", b.TemporalField)
	}
	s2, _ := openStore(t, seededFile(t), Options{TimeFields: map[string]string{"bases": "closed"}})
	b, _ = s2.Collection(context.Background(), "bases")
	if b.TemporalField != "closed" {
		t.Errorf("override ignored: %q", b.TemporalField)
	}
	if _, err := Open(context.Background(), seededFile(t), Options{TimeFields: map[string]string{"bases": "name"}}); err == nil {
		t.Error("a TEXT time field was accepted")
	}
}

func mustInterval(t testing.TB, s string) geo.Interval {
	t.Helper()
	i, err := geo.ParseInterval(s)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func collectFeatures(props ...map[string]any) []*geojson.Feature {
	var out []*geojson.Feature
	for _, p := range props {
		f := geojson.NewFeature(orb.Point{0, 0})
		f.Properties = p
		out = append(out, f)
	}
	return out
}
