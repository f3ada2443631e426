package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/seed"
)

// seededServer serves a fresh GeoPackage made from the built-in dataset.
func seededServer(t testing.TB, opts Options) http.Handler {
	t.Helper()
	layers, err := seed.Layers()
	if err != nil {
		t.Fatal(err)
	}
	return layersServer(t, layers, opts).handler
}

// layersServer serves a fresh database of the backend under test holding layers; logs are
// discarded.
func layersServer(t testing.TB, layers []data.Layer, opts Options) *server {
	t.Helper()
	s, _ := layersServerAt(t, layers, opts)
	return s
}

// layersServerAt is layersServer that also returns what opens its database.
func layersServerAt(t testing.TB, layers []data.Layer, opts Options) (*server, string) {
	t.Helper()
	store := openLayers(t, layers)
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return newServer(store.Store, opts), store.dsn
}

// do sends a request through the router; header pairs are name, value.
func do(t testing.TB, h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// getJSON GETs target, checks the status and decodes the body into a generic value.
func getJSON(t testing.TB, h http.Handler, target string, status int) map[string]any {
	t.Helper()
	rec := do(t, h, http.MethodGet, target)
	if rec.Code != status {
		t.Fatalf("GET %s: status %d, want %d; body %s", target, rec.Code, status, rec.Body)
	}
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("GET %s: %v in %s", target, err, rec.Body)
	}
	return v
}

// linkHref returns the href of the first link with rel (and type, if given).
func linkHref(v map[string]any, rel, typ string) string {
	links, _ := v["links"].([]any)
	for _, l := range links {
		m := l.(map[string]any)
		if m["rel"] == rel && (typ == "" || m["type"] == typ) {
			return m["href"].(string)
		}
	}
	return ""
}

// requireTool skips the test when the command is missing, except in CI, where .ci/run
// installs it and its absence is a failure.
func requireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI but not installed (apt-get install gdal-bin)", name)
		}
		t.Skipf("%s not installed (apt-get install gdal-bin); skipping", name)
	}
}
