package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/postgis/pgtest"
)

// --read-only serves a GeoPackage without writing a byte to it, and turns writes away.
func TestServeReadOnly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ro.gpkg")
	if err := createSeeded(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	url, stop := startServe(t, "--db", db, "--read-only")
	for _, target := range []string{"collections/incidents/items?limit=5", "tiles/incidents/5/15/14.mvt", "readyz"} {
		res, err := http.Get(url + target)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", target, res.StatusCode)
		}
	}
	res, err := http.Post(url+"collections/incidents/items", "application/geo+json", strings.NewReader(`{"type":"Feature","geometry":null,"properties":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to a read-only server: %d, want 405", res.StatusCode)
	}
	stop()
	after, err := os.ReadFile(db)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("the read-only server changed the file (%v)", err)
	}
	for _, side := range []string{"-wal", "-journal"} {
		if fi, err := os.Stat(db + side); err == nil && fi.Size() > 0 {
			t.Errorf("%s%s holds %d bytes", db, side, fi.Size())
		}
	}

	missing := filepath.Join(t.TempDir(), "missing.gpkg")
	if _, _, err := harmattan("serve", "--db", missing, "--read-only", "--addr", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "missing.gpkg") {
		t.Errorf("--read-only on a missing database: %v, want an error naming it", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("--read-only created the database")
	}
	if _, _, err := harmattan("serve", "--db", db, "--read-only", "--token-file", "tokens"); err == nil || !strings.Contains(err.Error(), "contradict") {
		t.Errorf("--read-only with --token-file: %v", err)
	}
}

// On PostGIS, --read-only makes every transaction read-only.
func TestServeReadOnlyPostGIS(t *testing.T) {
	pg := pgtest.DB(t)
	if _, errOut, err := harmattan("migrate", "--to", pg); err != nil {
		t.Fatalf("%v %s", err, errOut)
	}
	s, err := openStore(context.Background(), pg, dbOptions{readOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.Count(context.Background(), "incidents", data.Query{}); err != nil || n != 38 {
		t.Fatalf("count %d, %v", n, err)
	}
	if _, err := s.Import(context.Background(), data.ImportSpec{Layer: "incidents"}, func() (*data.Record, error) { return nil, io.EOF }); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("an import through a read-only store: %v", err)
	}
}
