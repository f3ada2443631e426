package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/geo"
)

// checkCommand runs `harmattan check --db path` as a process of its own (see TestMain) and
// returns its output and exit code, failing the test if the file changed in any way: bytes,
// modification time, or side files left behind.
func checkCommand(t *testing.T, path string) (stdout string, code int) {
	t.Helper()
	before, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	cmd := exec.Command(os.Args[0], "check", "--db", path)
	cmd.Env = append(os.Environ(), "HARMATTAN_MAIN=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	fi2, _ := os.Stat(path)
	if !bytes.Equal(before, after) || fi == nil || !fi.ModTime().Equal(fi2.ModTime()) {
		t.Errorf("check changed %s", path)
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + side); err == nil {
			t.Errorf("check left %s%s behind", path, side)
		}
	}
	return out.String() + errOut.String(), code
}

func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "seed.gpkg")
	if err := createSeeded(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	out, code := checkCommand(t, path)
	if code != 0 || !strings.Contains(out, path+": 3 feature tables, 70 features checked: no problems found") {
		t.Fatalf("clean file: exit %d\n%s", code, out)
	}

	// Two defects, written as another program would, without the R-tree triggers' functions:
	// feature 1's R-tree entry is gone and feature 2 is at latitude 95.
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := geo.EncodeGPKG(orb.Point{-3, 95}, 4326)
	var stmts []string
	for _, trigger := range []string{"insert", "update1", "update2", "update3", "update4", "delete"} {
		stmts = append(stmts, "DROP TRIGGER rtree_incidents_geom_"+trigger)
	}
	for _, stmt := range append(stmts,
		"DELETE FROM rtree_incidents_geom WHERE id = 1",
		"UPDATE incidents SET geom = ? WHERE fid = 2",
		"UPDATE rtree_incidents_geom SET minx = -3, maxx = -3, miny = 95, maxy = 95 WHERE id = 2",
	) {
		var args []any
		if strings.Contains(stmt, "?") {
			args = append(args, blob)
		}
		if _, err := db.Exec(stmt, args...); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db.Close()
	out, code = checkCommand(t, path)
	for _, want := range []string{
		"\nincidents feature 1: missing from the R-tree rtree_incidents_geom\n",
		"\nincidents feature 2: latitude 95 is outside -90..90\n",
		path + ": 3 feature tables, 70 features checked: 2 problems\n",
		"harmattan: check: " + path + ": 2 problems\n",
	} {
		if code == 0 || !strings.Contains("\n"+out, want) {
			t.Fatalf("damaged file: exit %d, want non-zero and %q in\n%s", code, want, out)
		}
	}

	notes := filepath.Join(dir, "notes.gpkg")
	os.WriteFile(notes, []byte("not a database"), 0o644)
	out, code = checkCommand(t, notes)
	if code == 0 || !strings.Contains(out, "harmattan: check: "+notes+": not a GeoPackage") {
		t.Errorf("not a GeoPackage: exit %d\n%s", code, out)
	}
}

func TestCheckCommandFlags(t *testing.T) {
	var errOut bytes.Buffer
	if err := run(context.Background(), []string{"check", "--help"}, io.Discard, &errOut, noEnv); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
	if !strings.Contains(errOut.String(), "harmattan check --db FILE") || !strings.Contains(errOut.String(), "-db") {
		t.Errorf("--help says:\n%s", errOut.String())
	}
	for _, args := range [][]string{{"check"}, {"check", "--db", "a.gpkg", "extra"}, {"check", "--db", "postgres://u@h/db"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard, noEnv); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if _, err := os.Stat("a.gpkg"); err == nil {
		t.Error("a refused check created a.gpkg")
	}
}
