package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

// checkUnchanged runs Check on path and fails the test if it changed the file in any way: its
// bytes, its modification time, or a -wal or -shm file that was not there before.
func checkUnchanged(t *testing.T, path string) (Report, error) {
	t.Helper()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	sides := func() string {
		var s []string
		for _, side := range []string{"-wal", "-shm", "-journal"} {
			if _, err := os.Stat(path + side); err == nil {
				s = append(s, side)
			}
		}
		return strings.Join(s, " ")
	}
	sidesBefore := sides()
	rep, err := Check(context.Background(), path)
	after, _ := os.ReadFile(path)
	fi2, _ := os.Stat(path)
	if !bytes.Equal(before, after) || !fi.ModTime().Equal(fi2.ModTime()) {
		t.Errorf("Check changed %s", path)
	}
	if s := sides(); s != sidesBefore {
		t.Errorf("Check left side files %q behind (before: %q)", s, sidesBefore)
	}
	return rep, err
}

// writeSQL changes the GeoPackage at path through plain go-sqlite3, as another program would:
// without the ST_ functions the R-tree triggers call, so tests that write geometries drop the
// triggers first.
func writeSQL(t *testing.T, path string, fn func(db *sql.DB)) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	fn(db)
}

// mustExec runs stmt with args, failing the test on error.
func mustExec(t *testing.T, db *sql.DB, stmt string, args ...any) {
	t.Helper()
	if _, err := db.Exec(stmt, args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// dropTriggers removes the R-tree triggers of table's geom column.
func dropTriggers(t *testing.T, db *sql.DB, table string) {
	t.Helper()
	for _, s := range []string{"insert", "update1", "update2", "update3", "update4", "delete"} {
		mustExec(t, db, fmt.Sprintf("DROP TRIGGER rtree_%s_geom_%s", table, s))
	}
}

// firstFeature returns the smallest fid of table and its decoded geometry.
func firstFeature(t *testing.T, db *sql.DB, table string) (int64, orb.Geometry) {
	t.Helper()
	var fid int64
	var blob []byte
	if err := db.QueryRow(fmt.Sprintf("SELECT fid, geom FROM %s ORDER BY fid LIMIT 1", table)).Scan(&fid, &blob); err != nil {
		t.Fatal(err)
	}
	g, _, err := geo.DecodeGPKG(blob)
	if err != nil {
		t.Fatal(err)
	}
	return fid, g
}

// gpkgBlob encodes g with srs_id, failing the test on error.
func gpkgBlob(t *testing.T, g orb.Geometry, srsID int32) []byte {
	t.Helper()
	b, err := geo.EncodeGPKG(g, srsID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeFile writes a file named name in dir and returns its path.
func writeFile(t *testing.T, dir, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// copyOf copies the file at path to a new temporary file.
func copyOf(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.gpkg")
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestCheckCleanFile(t *testing.T) {
	rep, err := checkUnchanged(t, seededFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Tables != 3 || rep.Features != 70 {
		t.Errorf("report %+v, want no findings in 3 tables of 70 features", rep)
	}
}

// An import's bulk-packed R-tree (written straight into the shadow tables) checks clean.
func TestCheckImportedFile(t *testing.T) {
	s, path := emptyFile(t)
	spec := data.ImportSpec{Layer: "pts", GeometryType: "POINT", Fields: []data.Field{{Name: "key", Type: data.Text}}}
	if _, err := s.Import(context.Background(), spec, feed(scattered(20000, 1), 0)); err != nil {
		t.Fatal(err)
	}
	rep, err := checkUnchanged(t, path)
	if err != nil || !rep.OK() || rep.Features != 20000 {
		t.Errorf("report %+v, err %v", rep, err)
	}
}

func TestCheckGDALFile(t *testing.T) {
	rep, err := checkUnchanged(t, gdalFile(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		t.Error(f)
	}
	if rep.Tables != 7 {
		t.Errorf("%d tables checked, want 7 (roads, zones, roads_mercator, roads_utm, my.roads, noindex, roads_view)", rep.Tables)
	}
}

// andMore ends a list of findings that may go on.
const andMore = "..."

// TestCheckFindsDefects damages copies of a clean file, one defect each, and checks that
// exactly the expected findings come back ("%d" stands for the feature the damage returns).
func TestCheckFindsDefects(t *testing.T) {
	clean := seededFile(t)
	cases := []struct {
		name   string
		damage func(t *testing.T, db *sql.DB) int64
		want   []string // ending in andMore when the same defect may be reported again
	}{
		{"R-tree entry deleted", func(t *testing.T, db *sql.DB) int64 {
			fid, _ := firstFeature(t, db, "incidents")
			mustExec(t, db, "DELETE FROM rtree_incidents_geom WHERE id = ?", fid)
			return fid
		}, []string{"incidents feature %d: missing from the R-tree rtree_incidents_geom"}},
		{"geometry moved without its R-tree entry", func(t *testing.T, db *sql.DB) int64 {
			dropTriggers(t, db, "incidents")
			fid, _ := firstFeature(t, db, "incidents")
			mustExec(t, db, "UPDATE incidents SET geom = ? WHERE fid = ?", gpkgBlob(t, orb.Point{30, 40}, 4326), fid)
			return fid
		}, []string{"incidents feature %d: its R-tree entry ["}},
		{"R-tree entry for a deleted row", func(t *testing.T, db *sql.DB) int64 {
			dropTriggers(t, db, "incidents")
			fid, _ := firstFeature(t, db, "incidents")
			mustExec(t, db, "DELETE FROM incidents WHERE fid = ?", fid)
			return fid
		}, []string{"incidents feature %d: the R-tree rtree_incidents_geom has an entry for it, but the table has no such row"}},
		{"R-tree entry for a NULL geometry", func(t *testing.T, db *sql.DB) int64 {
			dropTriggers(t, db, "bases")
			fid, _ := firstFeature(t, db, "bases")
			mustExec(t, db, "UPDATE bases SET geom = NULL WHERE fid = ?", fid)
			return fid
		}, []string{"bases feature %d: the R-tree rtree_bases_geom has an entry for it, but its geometry is NULL or empty"}},
		{"garbage after a valid header", func(t *testing.T, db *sql.DB) int64 {
			dropTriggers(t, db, "incidents")
			fid, _ := firstFeature(t, db, "incidents")
			mustExec(t, db, "UPDATE incidents SET geom = ? WHERE fid = ?", []byte("GP\x00\x01\xe6\x10\x00\x00garbage"), fid)
			return fid
		}, []string{"incidents feature %d: the geometry does not decode: WKB"}},
		{"not a geometry blob", func(t *testing.T, db *sql.DB) int64 {
			dropTriggers(t, db, "incidents")
			fid, _ := firstFeature(t, db, "incidents")
			mustExec(t, db, "UPDATE incidents SET geom = ? WHERE fid = ?", []byte("POINT(1 2)"), fid)
			return fid
		}, []string{`incidents feature %d: the geometry does not decode: missing "GP" magic`}},
		{"wrong srs_id in a header", func(t *testing.T, db *sql.DB) int64 {
			dropTriggers(t, db, "incidents")
			fid, g := firstFeature(t, db, "incidents")
			mustExec(t, db, "UPDATE incidents SET geom = ? WHERE fid = ?", gpkgBlob(t, g, 3857), fid)
			return fid
		}, []string{"incidents feature %d: the geometry's header has srs_id 3857, the column's is 4326"}},
		{"header envelope that misses the geometry", func(t *testing.T, db *sql.DB) int64 {
			dropTriggers(t, db, "regions")
			fid, g := firstFeature(t, db, "regions")
			b := gpkgBlob(t, g, 4326)
			binary.LittleEndian.PutUint64(b[8:], math.Float64bits(g.Bound().Min[0]+0.5)) // minx
			mustExec(t, db, "UPDATE regions SET geom = ? WHERE fid = ?", b, fid)
			return fid
		}, []string{"regions feature %d: the envelope in its header ["}},
		{"a line in a point column", func(t *testing.T, db *sql.DB) int64 {
			dropTriggers(t, db, "bases")
			fid, g := firstFeature(t, db, "bases")
			p := g.(orb.Point)
			mustExec(t, db, "UPDATE bases SET geom = ? WHERE fid = ?", gpkgBlob(t, orb.LineString{p, p}, 4326), fid)
			return fid
		}, []string{"bases feature %d: a LineString in a POINT column"}},
		{"unclosed ring", func(t *testing.T, db *sql.DB) int64 {
			dropTriggers(t, db, "regions")
			fid, g := firstFeature(t, db, "regions")
			p := g.(orb.Polygon)
			p[0] = p[0][:len(p[0])-1]
			mustExec(t, db, "UPDATE regions SET geom = ? WHERE fid = ?", gpkgBlob(t, p, 4326), fid)
			return fid
		}, []string{"regions feature %d: ring 1 is not closed"}},
		{"ring of 3 points", func(t *testing.T, db *sql.DB) int64 {
			dropTriggers(t, db, "regions")
			fid, g := firstFeature(t, db, "regions")
			r := g.(orb.Polygon)[0]
			mustExec(t, db, "UPDATE regions SET geom = ? WHERE fid = ?", gpkgBlob(t, orb.Polygon{{r[0], r[1], r[0]}}, 4326), fid)
			return fid
		}, []string{"regions feature %d: ring 1 has 3 points; a closed ring needs at least 4"}},
		{"latitude 95", func(t *testing.T, db *sql.DB) int64 {
			dropTriggers(t, db, "incidents")
			fid, g := firstFeature(t, db, "incidents")
			mustExec(t, db, "UPDATE incidents SET geom = ? WHERE fid = ?", gpkgBlob(t, orb.Point{g.(orb.Point)[0], 95}, 4326), fid)
			mustExec(t, db, "UPDATE rtree_incidents_geom SET miny = 95, maxy = 95 WHERE id = ?", fid)
			return fid
		}, []string{"incidents feature %d: latitude 95 is outside -90..90"}},
		{"gpkg_contents row for a missing table", func(t *testing.T, db *sql.DB) int64 {
			mustExec(t, db, "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('ghost', 'features', 'ghost', 4326)")
			mustExec(t, db, "INSERT INTO gpkg_geometry_columns VALUES ('ghost', 'geom', 'POINT', 4326, 0, 0)")
			return 0
		}, []string{"ghost: registered as a features table, but there is no such table or view"}},
		{"features table without gpkg_geometry_columns", func(t *testing.T, db *sql.DB) int64 {
			mustExec(t, db, "DELETE FROM gpkg_geometry_columns WHERE table_name = 'bases'")
			return 0
		}, []string{"bases: a features table in gpkg_contents without a gpkg_geometry_columns row"}},
		{"geometry column that is not in the table", func(t *testing.T, db *sql.DB) int64 {
			mustExec(t, db, "UPDATE gpkg_geometry_columns SET column_name = 'shape' WHERE table_name = 'bases'")
			return 0
		}, []string{`bases: geometry column "shape" is not in the table`}},
		{"unknown srs_id in gpkg_contents", func(t *testing.T, db *sql.DB) int64 {
			mustExec(t, db, "UPDATE gpkg_contents SET srs_id = 999 WHERE table_name = 'bases'")
			return 0
		}, []string{"bases: gpkg_contents srs_id 999 is not in gpkg_spatial_ref_sys",
			"bases: gpkg_contents srs_id 999 differs from gpkg_geometry_columns srs_id 4326"}},
		{"a required SRS missing", func(t *testing.T, db *sql.DB) int64 {
			mustExec(t, db, "DELETE FROM gpkg_spatial_ref_sys WHERE srs_id = -1")
			return 0
		}, []string{"gpkg_spatial_ref_sys: no row for srs_id -1"}},
		{"application_id unset", func(t *testing.T, db *sql.DB) int64 {
			mustExec(t, db, "PRAGMA application_id = 0")
			return 0
		}, []string{"application_id is 0x00000000, not 0x47504b47 (GPKG)"}},
		{"index out of step with its table (integrity_check)", func(t *testing.T, db *sql.DB) int64 {
			// quick_check, which Open runs, does not compare indexes with their tables.
			mustExec(t, db, "CREATE INDEX bases_name ON bases (name)")
			mustExec(t, db, "PRAGMA writable_schema = ON")
			mustExec(t, db, "UPDATE sqlite_master SET sql = 'CREATE INDEX bases_name ON bases (status)' WHERE name = 'bases_name'")
			return 0
		}, []string{"integrity_check: row 1 missing from index bases_name", andMore}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := copyOf(t, clean)
			var fid int64
			writeSQL(t, path, func(db *sql.DB) { fid = c.damage(t, db) })
			rep, err := checkUnchanged(t, path)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				got = append(got, f.String())
			}
			want, more := c.want, c.want[len(c.want)-1] == andMore
			if more {
				want = want[:len(want)-1]
			}
			ok := len(got) >= len(want) && rep.Problems() == len(got)
			for i, w := range want {
				if strings.Contains(w, "%d") {
					w = fmt.Sprintf(w, fid)
				}
				if ok && !strings.HasPrefix(got[i], w) {
					ok = false
				}
			}
			if !ok || len(got) != len(want) && !more {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// Past maxListed findings of a kind in a table, the rest are counted, not listed.
func TestCheckListsAtMost100OfAKind(t *testing.T) {
	path := copyOf(t, seededFile(t))
	writeSQL(t, path, func(db *sql.DB) {
		dropTriggers(t, db, "bases")
		for range 150 { // out of range, and not in the R-tree
			mustExec(t, db, "INSERT INTO bases (geom) VALUES (?)", gpkgBlob(t, orb.Point{200, 10}, 4326))
		}
	})
	rep, err := checkUnchanged(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 200 || rep.Unlisted != 100 || rep.Problems() != 300 {
		t.Errorf("%d listed, %d unlisted; want 200 and 100", len(rep.Findings), rep.Unlisted)
	}
}

func TestCheckRefusesWhatOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	clean, err := os.ReadFile(seededFile(t))
	if err != nil {
		t.Fatal(err)
	}
	damagedRtree := copyOf(t, seededFile(t))
	writeSQL(t, damagedRtree, func(db *sql.DB) {
		mustExec(t, db, "DELETE FROM rtree_bases_geom_rowid WHERE rowid = (SELECT min(rowid) FROM rtree_bases_geom_rowid)")
	})
	for _, c := range []struct{ name, path, want string }{
		{"not SQLite", writeFile(t, dir, "notes.gpkg", []byte("not a database")), "not an SQLite database"},
		{"truncated", writeFile(t, dir, "truncated.gpkg", clean[:len(clean)/2]), "malformed"},
		{"empty", writeFile(t, dir, "empty.gpkg", nil), "not an SQLite database"},
		{"R-tree shadow table damaged", damagedRtree, "rtree_bases_geom"}, // quick_check runs rtreecheck
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := checkUnchanged(t, c.path)
			if !errors.Is(err, ErrNotGeoPackage) || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want ErrNotGeoPackage naming the file and %q", err, c.want)
			}
		})
	}
	if _, err := Check(context.Background(), filepath.Join(dir, "missing.gpkg")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// A file being served (in WAL mode, its -wal and -shm open) is checked without disturbing
// them.
func TestCheckFileInUse(t *testing.T) {
	path := seededFile(t)
	s, _ := openStore(t, path, Options{})
	if _, err := s.Insert(context.Background(), "bases", []*data.Record{{Geometry: orb.Point{-3, 13}}}); err != nil {
		t.Fatal(err)
	}
	rep, err := Check(context.Background(), path)
	if err != nil || !rep.OK() || rep.Features != 71 {
		t.Errorf("report %+v, err %v", rep, err)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + side); err != nil {
			t.Errorf("the store's %s file: %v", side, err)
		}
	}
}

func TestFitsDeclared(t *testing.T) {
	p := orb.Point{1, 2}
	poly := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}
	for _, c := range []struct {
		g        orb.Geometry
		declared string
		want     bool
	}{
		{p, "POINT", true},
		{p, "MULTIPOINT", true}, // readers take a single geometry in its Multi* column
		{orb.MultiPoint{p}, "POINT", false},
		{p, "LINESTRING", false},
		{poly, "GEOMETRY", true},
		{poly, "SURFACE", true},
		{poly, "MULTISURFACE", true},
		{orb.MultiPolygon{poly}, "GEOMETRYCOLLECTION", true}, // a subtype
		{poly, "GEOMETRYCOLLECTION", false},
		{orb.Collection{p}, "MULTIPOINT", false},
		{orb.LineString{p, p}, "COMPOUNDCURVE", false},
		{p, "NONSENSE", true}, // reported once for the column instead
	} {
		if got := fitsDeclared(c.g, c.declared); got != c.want {
			t.Errorf("a %s in a %s column: %v, want %v", c.g.GeoJSONType(), c.declared, got, c.want)
		}
	}
}
