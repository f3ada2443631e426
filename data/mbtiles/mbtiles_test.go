package mbtiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattn/go-sqlite3"
	"github.com/paulmach/orb"
)

// tile is one row of a test file, addressed in XYZ (the writer flips the row).
type tile struct {
	z       int
	x, y    int
	content []byte
}

// writeMBTiles creates an MBTiles file at path with the given metadata and tiles.
func writeMBTiles(t testing.TB, path string, meta map[string]string, ts []tile) {
	t.Helper()
	db := sql.OpenDB(connector{dsn: "file:" + path + "?mode=rwc", drv: &sqliteDriver})
	defer db.Close()
	stmts := []string{
		"CREATE TABLE metadata (name TEXT, value TEXT)",
		"CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)",
		"CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)",
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range meta {
		if _, err := db.Exec("INSERT INTO metadata VALUES (?, ?)", k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, tl := range ts {
		row := 1<<tl.z - 1 - tl.y
		if _, err := db.Exec("INSERT INTO tiles VALUES (?, ?, ?, ?)", tl.z, tl.x, row, tl.content); err != nil {
			t.Fatal(err)
		}
	}
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var pngBytes = []byte("\x89PNG\r\n\x1a\nnot really a png")

func TestOpenVector(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.mbtiles")
	body := gz(t, []byte("\x1a\x05layer"))
	writeMBTiles(t, path, map[string]string{
		"name": "Roads", "format": "pbf", "bounds": "-5.5,10.1,4.3,25.0", "center": "-2,17,5",
		"minzoom": "0", "maxzoom": "14", "attribution": "© <a>OSM</a>", "description": "test roads",
		"json": `{"vector_layers":[{"id":"roads","fields":{"kind":"String"}}]}`,
	}, []tile{{z: 3, x: 3, y: 1, content: body}, {z: 0, x: 0, y: 0, content: body}})
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info := s.Info()
	if info.Format != "pbf" || !info.Gzip || info.MinZoom != 0 || info.MaxZoom != 14 || info.Name != "Roads" ||
		info.Description != "test roads" || info.Attribution != "© <a>OSM</a>" || info.CenterZoom != 5 ||
		info.Bounds != (orb.Bound{Min: orb.Point{-5.5, 10.1}, Max: orb.Point{4.3, 25}}) || info.Center != (orb.Point{-2, 17}) {
		t.Errorf("info = %+v", info)
	}
	if string(info.VectorLayers) != `[{"id":"roads","fields":{"kind":"String"}}]` {
		t.Errorf("vector_layers = %s", info.VectorLayers)
	}
	cases := []struct {
		name    string
		z       uint8
		x, y    uint32
		present bool
	}{
		{"stored, row flipped", 3, 3, 1, true},
		{"the unflipped row is absent", 3, 3, 6, false},
		{"root", 0, 0, 0, true},
		{"missing", 5, 1, 1, false},
		{"outside the pyramid", 2, 4, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := s.Tile(context.Background(), c.z, c.x, c.y)
			if err != nil {
				t.Fatal(err)
			}
			if c.present != (b != nil) || (c.present && !bytes.Equal(b, body)) {
				t.Errorf("got %q", b)
			}
		})
	}
}

func TestOpenRasterWithoutMetadata(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.mbtiles")
	writeMBTiles(t, path, nil, []tile{{z: 2, x: 1, y: 1, content: pngBytes}, {z: 4, x: 0, y: 0, content: pngBytes}})
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info := s.Info()
	if info.Format != "png" || info.Gzip || info.MinZoom != 2 || info.MaxZoom != 4 || !info.Bounds.IsZero() || info.VectorLayers != nil {
		t.Errorf("info = %+v", info)
	}
	if b, err := s.Tile(context.Background(), 2, 1, 1); err != nil || !bytes.Equal(b, pngBytes) {
		t.Errorf("%q %v", b, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	noTiles := filepath.Join(dir, "notiles.mbtiles")
	db := sql.OpenDB(connector{dsn: "file:" + noTiles + "?mode=rwc", drv: &sqliteDriver})
	if _, err := db.Exec("CREATE TABLE metadata (name TEXT, value TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	text := filepath.Join(dir, "text.mbtiles")
	os.WriteFile(text, []byte(strings.Repeat("not a database ", 100)), 0o644)
	badFormat := filepath.Join(dir, "pdf.mbtiles")
	writeMBTiles(t, badFormat, map[string]string{"format": "pdf"}, nil)
	for _, c := range []struct {
		path, want string
		sentinel   bool
	}{
		{noTiles, "no tiles table", true},
		{text, "not an MBTiles file", true},
		{badFormat, `format "pdf"`, true},
		{filepath.Join(dir, "missing.mbtiles"), "no such file", false},
	} {
		_, err := Open(context.Background(), c.path)
		if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) ||
			(c.sentinel && !errors.Is(err, ErrNotMBTiles)) {
			t.Errorf("%s: err = %v", c.path, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.mbtiles")); err == nil {
		t.Error("Open created a missing file")
	}
}

var sqliteDriver sqlite3.SQLiteDriver
