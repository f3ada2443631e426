package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// TestMain lets a test run this binary as the harmattan command (HARMATTAN_MAIN=1), so that a
// process can be killed in the middle of an import, or stopped by a signal, without building
// the command first.
func TestMain(m *testing.M) {
	if os.Getenv("HARMATTAN_MAIN") == "1" {
		main() // with its signal handling and exit status
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// harmattan runs the command in process and returns its output and error.
func harmattan(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut, noEnv)
	return out.String(), errOut.String(), err
}

// dbState is what a failed import must leave unchanged: integrity, tables and row counts.
func dbState(t *testing.T, path string) string {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return "no file"
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	state := "integrity " + check
	for _, n := range names {
		var c int
		db.QueryRow(`SELECT count(*) FROM "` + strings.ReplaceAll(n, `"`, `""`) + `"`).Scan(&c)
		state += fmt.Sprintf("; %s %d", n, c)
	}
	return state
}

const acledSample = "../../data/ingest/testdata/acled_sample.csv"

func TestImportACLED(t *testing.T) {
	db := filepath.Join(t.TempDir(), "events.gpkg")
	out, _, err := harmattan("import", "--db", db, "--layer", "acled", acledSample)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, " 0 updated") || strings.Contains(out, " 0 inserted") {
		t.Fatalf("first import: %s", out)
	}
	// ACLED files upsert by event_id_cnty: the same file again updates every row.
	out, _, err = harmattan("import", "--db", db, "--layer", "acled", acledSample)
	if err != nil || !strings.Contains(out, " 0 inserted") || strings.Contains(out, " 0 updated") {
		t.Fatalf("second import: %s %v", out, err)
	}
	geojson, _, err := harmattan("export", "--db", db, "--layer", "acled")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"event_date":"2024-03-05"`, "Ségou", `"fatalities":null`} {
		if !strings.Contains(geojson, want) {
			t.Errorf("export lacks %s:\n%.2000s", want, geojson)
		}
	}
}

func TestImportFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "events.gpkg")
	if _, _, err := harmattan("import", "--db", db, "--layer", "acled", acledSample); err != nil {
		t.Fatal(err)
	}
	before := dbState(t, db)

	whole := `{"type":"FeatureCollection","features":[` +
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"event_id_cnty":"X1"}},` +
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4.1,14.1]},"properties":{"event_id_cnty":"X2"}}]}`
	truncated := filepath.Join(dir, "truncated.geojson")
	os.WriteFile(truncated, []byte(whole[:len(whole)-40]), 0o644)
	badCSV := filepath.Join(dir, "bad.csv")
	os.WriteFile(badCSV, []byte("name,lon,lat\nfine,-4,14\nbroken,-4,95\n"), 0o644)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"truncated GeoJSON":     {[]string{"--layer", "acled", truncated}, "truncated.geojson"},
		"latitude out of range": {[]string{"--layer", "points", badCSV}, "bad.csv:3: field"},
		"schema mismatch":       {[]string{"--layer", "acled", badCSV}, "field name is not in layer acled"},
		"missing file":          {[]string{"--layer", "acled", filepath.Join(dir, "nope.csv")}, "nope.csv"},
		"two modes":             {[]string{"--layer", "acled", "--replace", "--upsert", acledSample}, "at most one"},
	} {
		_, _, err := harmattan(append([]string{"import", "--db", db}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", name, err, tc.want)
		}
		if after := dbState(t, db); after != before {
			t.Errorf("%s changed the database:\n%s\n%s", name, before, after)
		}
	}
	// A failed import into a new file leaves no file.
	fresh := filepath.Join(dir, "fresh.gpkg")
	if _, _, err := harmattan("import", "--db", fresh, "--layer", "points", badCSV); err == nil {
		t.Fatal("bad CSV imported")
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Fatalf("a failed import left %s behind", fresh)
	}
	// --skip-invalid reports and counts the bad record and imports the rest.
	out, errOut, err := harmattan("import", "--db", db, "--layer", "points", "--skip-invalid", badCSV)
	if err != nil || !strings.Contains(out, "1 inserted") || !strings.Contains(out, "1 skipped") || !strings.Contains(errOut, "bad.csv:3") {
		t.Fatalf("skip-invalid: %v\n%s\n%s", err, out, errOut)
	}
}

// A GeoPackage written by GDAL imports, each table into the layer of its name.
func TestImportGDALGeoPackage(t *testing.T) {
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ogr2ogr is required in CI")
		}
		t.Skip("ogr2ogr not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "in.geojson")
	os.WriteFile(src, []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"name":"Mopti","pop":120786},"geometry":{"type":"Point","coordinates":[-4.19,14.49]}},
		{"type":"Feature","properties":{"name":"Gao","pop":86633},"geometry":{"type":"Point","coordinates":[-0.04,16.27]}}]}`), 0o644)
	gpkg := filepath.Join(dir, "gdal.gpkg")
	if out, err := exec.Command("ogr2ogr", "-f", "GPKG", "-nln", "towns", gpkg, src).CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "out.gpkg")
	before, _ := os.ReadFile(gpkg)
	if out, _, err := harmattan("import", "--db", db, gpkg); err != nil || !strings.Contains(out, "layer towns: 2 inserted") {
		t.Fatalf("%v %s", err, out)
	}
	if after, _ := os.ReadFile(gpkg); !bytes.Equal(before, after) {
		t.Fatal("importing from a GeoPackage changed it")
	}
	csv, _, err := harmattan("export", "--db", db, "--layer", "towns", "--format", "csv")
	if err != nil || !strings.Contains(csv, "Mopti,120786,-4.19,14.49") {
		t.Fatalf("%v\n%s", err, csv)
	}
}

// Exports read back in give the same data: GeoJSON, GeoJSONL, CSV and GeoPackage.
func TestExportRoundTrips(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "events.gpkg")
	if _, _, err := harmattan("import", "--db", db, "--layer", "acled", acledSample); err != nil {
		t.Fatal(err)
	}
	original, _, err := harmattan("export", "--db", db, "--layer", "acled", "--format", "geojson")
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"geojson", "geojsonl", "csv", "gpkg"} {
		file := filepath.Join(dir, "out."+format)
		if _, _, err := harmattan("export", "--db", db, "--layer", "acled", "-o", file); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		again := filepath.Join(dir, "again-"+format+".gpkg")
		if format == "gpkg" {
			again = file
		} else if _, _, err := harmattan("import", "--db", again, "--layer", "acled", file); err != nil {
			t.Fatalf("%s: import: %v", format, err)
		}
		back, _, err := harmattan("export", "--db", again, "--layer", "acled")
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if back != original {
			t.Errorf("%s: import(export(x)) != x:\n%.1500s\n---\n%.1500s", format, original, back)
		}
	}
	// Filters.
	some, _, err := harmattan("export", "--db", db, "--layer", "acled", "--format", "geojsonl", "--datetime", "2024-03-01/2024-03-31")
	if err != nil || strings.Count(some, "\n") == 0 || strings.Count(some, "\n") >= strings.Count(original, `"Feature"`) {
		t.Fatalf("datetime filter: %v, %d lines", err, strings.Count(some, "\n"))
	}
	if _, _, err := harmattan("export", "--db", db, "--layer", "acled", "--bbox", "1,2,3"); err == nil {
		t.Fatal("a bad bbox was accepted")
	}
	if _, _, err := harmattan("export", "--db", db, "--layer", "nope"); err == nil {
		t.Fatal("an unknown layer was accepted")
	}
}

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.gpkg"), filepath.Join(dir, "b.gpkg")
	for _, db := range []string{a, b} {
		if out, _, err := harmattan("generate", "--db", db, "--count", "2000", "--seed", "7"); err != nil || !strings.Contains(out, "2000 synthetic") {
			t.Fatalf("%v %s", err, out)
		}
	}
	ea, _, _ := harmattan("export", "--db", a, "--layer", "incidents", "--format", "csv")
	eb, _, _ := harmattan("export", "--db", b, "--layer", "incidents", "--format", "csv")
	if ea != eb || strings.Count(ea, "\n") != 2001 || strings.Count(ea, ",true\n") != 2000 {
		t.Fatalf("generate is not deterministic or not marked synthetic (%d lines)", strings.Count(ea, "\n"))
	}
	if _, _, err := harmattan("generate", "--db", a, "--count", "10"); err == nil || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("generate over an existing layer: %v", err)
	}
}

// A process killed in the middle of a large import leaves the database as it was.
func TestImportKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large file")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "events.gpkg")
	if _, _, err := harmattan("import", "--db", db, "--layer", "acled", acledSample); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.geojsonl")
	f, _ := os.Create(big)
	w := bufio.NewWriter(f)
	for i := range 400000 {
		fmt.Fprintf(w, `{"type":"Feature","geometry":{"type":"Point","coordinates":[%.4f,%.4f]},"properties":{"n":%d,"label":"synthetic row %d"}}`+"\n",
			-4+float64(i%1000)/1000, 14+float64(i/1000)/1000, i, i)
	}
	w.Flush()
	f.Close()
	before := dbState(t, db)
	// Kill it while it writes: once the write-ahead log holds 1, 4 and 8 MB of the transaction.
	for round, walSize := range []int64{1 << 20, 4 << 20, 8 << 20} {
		cmd := exec.Command(os.Args[0], "import", "--db", db, "--layer", "big", big)
		cmd.Env = append(os.Environ(), "HARMATTAN_MAIN=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			if fi, err := os.Stat(db + "-wal"); err == nil && fi.Size() >= walSize {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("round %d: the WAL never reached %d bytes", round, walSize)
			}
			time.Sleep(5 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		if err := cmd.Wait(); err == nil {
			t.Fatalf("round %d: the import finished before it was killed; make the file larger", round)
		}
		if after := dbState(t, db); after != before {
			t.Fatalf("round %d: a killed import changed the database:\n%s\n%s\n%s", round, before, after, stderr.String())
		}
	}

	// Into a new file: it is built under a temporary name, so a killed import leaves no file.
	fresh := filepath.Join(dir, "fresh.gpkg")
	cmd := exec.Command(os.Args[0], "import", "--db", fresh, "--layer", "big", big)
	cmd.Env = append(os.Environ(), "HARMATTAN_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		building, _ := filepath.Glob(filepath.Join(dir, ".fresh.gpkg.*.building"))
		if len(building) == 1 {
			if fi, err := os.Stat(building[0]); err == nil && fi.Size() >= 8<<20 {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the new file never reached 8 MB")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	if err := cmd.Wait(); err == nil {
		t.Fatal("the import into a new file finished before it was killed")
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Fatalf("a killed import into a new file left %s: %v", fresh, err)
	}
}
