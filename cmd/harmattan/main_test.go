package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, io.Discard, noEnv); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), "harmattan serve") {
			t.Errorf("%v: %s", args, out.String())
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"serve", "--help"}, &out, io.Discard, noEnv); !errors.Is(err, flag.ErrHelp) {
		t.Fatal(err)
	}
	for _, f := range []string{"-addr", "-db", "-default-limit", "-max-limit", "-time-field", "-memory-limit", "-tileset", "HARMATTAN_ADDR", "HARMATTAN_DB"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("serve --help does not describe %s:\n%s", f, out.String())
		}
	}
	if err := run(context.Background(), []string{"frobnicate"}, io.Discard, io.Discard, noEnv); err == nil {
		t.Error("unknown command accepted")
	}
	if err := run(context.Background(), nil, io.Discard, io.Discard, noEnv); err == nil {
		t.Error("no command accepted")
	}
}

func TestServeFlagsFromEnv(t *testing.T) {
	env := map[string]string{"HARMATTAN_ADDR": "127.0.0.1:9999", "HARMATTAN_DB": "/data/x.gpkg"}
	cfg, err := parseServe(nil, io.Discard, func(k string) string { return env[k] })
	if err != nil || cfg.addr != "127.0.0.1:9999" || cfg.db != "/data/x.gpkg" {
		t.Errorf("%+v %v", cfg, err)
	}
	cfg, err = parseServe([]string{"--db", "y.gpkg"}, io.Discard, func(k string) string { return env[k] })
	if err != nil || cfg.db != "y.gpkg" {
		t.Errorf("the flag should win over the env: %+v %v", cfg, err)
	}
	for _, bad := range [][]string{{"--max-limit", "0"}, {"--memory-limit", "-1"}, {"--time-field", "incidents"}, {"extra"}, {"--nope"},
		{"--tileset", "base"}, {"--tileset", "base=map.tif"}, {"--tileset", "a/b=map.mbtiles"}, {"--tileset", "base.json=map.mbtiles"},
		{"--tileset", "base=a.mbtiles", "--tileset", "base=b.pmtiles"}} {
		if _, err := parseServe(bad, io.Discard, noEnv); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestServeTilesetFlag(t *testing.T) {
	cfg, err := parseServe([]string{"--tileset", "base=/maps/mali.MBTiles", "--tileset", "roads-v2=r.pmtiles"}, io.Discard, noEnv)
	if err != nil || len(cfg.tilesets) != 2 || cfg.tilesets["base"] != "/maps/mali.MBTiles" || cfg.tilesets["roads-v2"] != "r.pmtiles" {
		t.Errorf("%+v %v", cfg.tilesets, err)
	}
}

func TestServeRefusesTilesets(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "seed.gpkg")
	missing := filepath.Join(dir, "missing.mbtiles")
	for _, c := range []struct{ tileset, want string }{
		{"incidents=" + missing, `"incidents" is already a collection id`},
		{"base=" + missing, missing},
	} {
		err := run(context.Background(), []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--tileset", c.tileset}, io.Discard, io.Discard, noEnv)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--tileset %s: err = %v, want %q", c.tileset, err, c.want)
		}
	}
}

func TestServeRefusesBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.gpkg")
	os.WriteFile(path, []byte("not a database"), 0o644)
	err := run(context.Background(), []string{"serve", "--db", path, "--addr", "127.0.0.1:0"}, io.Discard, io.Discard, noEnv)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a GeoPackage") {
		t.Errorf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "not a database" {
		t.Error("the refused file was changed")
	}
}

// TestServeCreatesSeedAndAnswers runs the real command: it creates the database from the
// built-in dataset, serves it, and shuts down cleanly when its context ends.
func TestServeCreatesSeedAndAnswers(t *testing.T) {
	db := filepath.Join(t.TempDir(), "new.gpkg")
	url, stop := startServe(t, "--db", db)
	res, err := http.Get(url + "collections/incidents/items?limit=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"numberMatched"`) {
		t.Errorf("%d %.200s", res.StatusCode, body)
	}
	stop()
	if _, err := os.Stat(db); err != nil {
		t.Errorf("database not created: %v", err)
	}
}

// startServe runs `harmattan serve` with args on a free port until stop, which requires a
// clean shutdown; it returns the server's URL and its logs.
func startServe(t *testing.T, args ...string) (url string, stop func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), io.Discard, logs, noEnv)
	}()
	for i := 0; i < 200 && url == ""; i++ {
		time.Sleep(50 * time.Millisecond)
		if m := regexp.MustCompile(`url=(http://\S+)`).FindStringSubmatch(logs.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("server did not start: %s %v", logs.String(), <-done)
	}
	return url, func() string {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("shutdown: %v", err)
		}
		return logs.String()
	}
}

// syncBuffer is a bytes.Buffer safe for the server's logger and the test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
