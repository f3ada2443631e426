package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/seed"
)

const (
	adminToken = "admin-token-0123456789"
	basesToken = "bases-only-token-98765"
)

// editServer serves a fresh seeded database that two tokens may write to.
func editServer(t *testing.T) *server {
	t.Helper()
	s, _ := editServerAt(t)
	return s
}

// editServerAt is editServer that also returns what opens its database.
func editServerAt(t *testing.T) (*server, string) {
	t.Helper()
	tokens := testTokens(t, "# test tokens\n"+adminToken+"\n"+basesToken+" bases\n")
	layers, err := seed.Layers()
	if err != nil {
		t.Fatal(err)
	}
	return layersServerAt(t, layers, Options{Tokens: tokens, MaxBodyBytes: 1 << 16})
}

// testTokens reads a token file of the given lines.
func testTokens(t testing.TB, lines string) []Token {
	t.Helper()
	tokenFile := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(tokenFile, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	tokens, err := ReadTokens(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

// send makes a request with a body; header pairs are name, value.
func send(t *testing.T, h http.Handler, method, target, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/geo+json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func incident(lon, lat float64, eventType string) string {
	return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%g,%g]},
		"properties":{"event_date":"2024-05-01","event_type":%q,"fatalities":2,
		"source":"Test","source_url":"https://example.org/test"}}`, lon, lat, eventType)
}

func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int, contains string) {
	t.Helper()
	if rec.Code != status || !strings.Contains(rec.Body.String(), `"code"`) || !strings.Contains(rec.Body.String(), contains) {
		t.Fatalf("status %d, body %s; want %d with a JSON error mentioning %q", rec.Code, rec.Body, status, contains)
	}
}

func TestWritesNeedTokens(t *testing.T) {
	readOnly := seededServer(t, Options{})
	rec := send(t, readOnly, http.MethodPost, "/collections/incidents/items", incident(-4, 14, "Battles"), "Authorization", "Bearer "+adminToken)
	wantError(t, rec, http.StatusMethodNotAllowed, "read-only")
	if rec.Header().Get("Allow") != "GET, HEAD" {
		t.Fatalf("Allow: %q", rec.Header().Get("Allow"))
	}

	s := editServer(t)
	for name, tc := range map[string]struct {
		header []string
		status int
	}{
		"no Authorization":     {nil, http.StatusUnauthorized},
		"not a bearer":         {[]string{"Authorization", "Basic " + adminToken}, http.StatusUnauthorized},
		"wrong token":          {[]string{"Authorization", "Bearer wrong-token-0123456789"}, http.StatusUnauthorized},
		"token of a prefix":    {[]string{"Authorization", "Bearer " + adminToken[:10]}, http.StatusUnauthorized},
		"outside its scope":    {[]string{"Authorization", "Bearer " + basesToken}, http.StatusForbidden},
		"a token that may":     {[]string{"Authorization", "Bearer " + adminToken}, http.StatusCreated},
		"scheme in lower case": {[]string{"Authorization", "bearer " + adminToken}, http.StatusCreated},
		"no token after it":    {[]string{"Authorization", "Bearer"}, http.StatusUnauthorized},
	} {
		rec := send(t, s.handler, http.MethodPost, "/collections/incidents/items", incident(-4, 14, "Battles"), tc.header...)
		if rec.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", name, rec.Code, rec.Body, tc.status)
		}
		if tc.status == http.StatusUnauthorized && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: no WWW-Authenticate challenge", name)
		}
	}
	rec = send(t, s.handler, http.MethodPost, "/collections/bases/items",
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[-3,16]},"properties":{"name":"Test base","source":"Test","source_url":"https://example.org"}}`,
		"Authorization", "Bearer "+basesToken)
	if rec.Code != http.StatusCreated {
		t.Fatalf("scoped token in scope: %d %s", rec.Code, rec.Body)
	}
	// Reads stay open.
	if rec := do(t, s.handler, http.MethodGet, "/collections/incidents/items?limit=1"); rec.Code != http.StatusOK {
		t.Fatalf("read: %d", rec.Code)
	}
	// The API description and the conformance classes say so when writes are on, only then.
	for _, tc := range []struct {
		h    http.Handler
		want bool
	}{{s.handler, true}, {readOnly, false}} {
		api := do(t, tc.h, http.MethodGet, "/api").Body.String()
		conf := do(t, tc.h, http.MethodGet, "/conformance").Body.String()
		if strings.Contains(api, `"post"`) != tc.want || strings.Contains(conf, "ogcapi-features-4") != tc.want {
			t.Errorf("writes on: %v, but /api has post %v and /conformance Part 4 %v", tc.want, strings.Contains(api, `"post"`), strings.Contains(conf, "ogcapi-features-4"))
		}
	}
}

func TestFeatureLifecycle(t *testing.T) {
	s := editServer(t)
	auth := []string{"Authorization", "Bearer " + adminToken}
	rec := send(t, s.handler, http.MethodPost, "/collections/incidents/items", incident(-4.1, 14.2, "Battles"), auth...)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	loc := rec.Header().Get("Location")
	path := strings.TrimPrefix(loc, "http://example.com")
	if !strings.HasPrefix(path, "/collections/incidents/items/") {
		t.Fatalf("Location %q", loc)
	}
	get := do(t, s.handler, http.MethodGet, path)
	etag := get.Header().Get("ETag")
	if get.Code != http.StatusOK || etag == "" || etag != rec.Header().Get("ETag") || !strings.Contains(get.Body.String(), `"Battles"`) {
		t.Fatalf("GET %s: %d, ETag %q (POST gave %q)", path, get.Code, etag, rec.Header().Get("ETag"))
	}

	// A stale If-Match loses nothing.
	rec = send(t, s.handler, http.MethodPut, path, incident(-4.1, 14.2, "Protests"), append(auth, "If-Match", `"stale"`)...)
	wantError(t, rec, http.StatusPreconditionFailed, "changed since")
	if !strings.Contains(do(t, s.handler, http.MethodGet, path).Body.String(), `"Battles"`) {
		t.Fatal("a PUT with a stale If-Match changed the feature")
	}
	rec = send(t, s.handler, http.MethodPut, path, incident(-4.2, 14.3, "Protests"), append(auth, "If-Match", etag)...)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"Protests"`) || rec.Header().Get("ETag") == etag {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	etag = rec.Header().Get("ETag")

	// PATCH changes one property and keeps the rest.
	req := httptest.NewRequest(http.MethodPatch, path, strings.NewReader(`{"properties":{"fatalities":7}}`))
	req.Header.Set("Content-Type", "application/merge-patch+json")
	req.Header.Set("Authorization", "Bearer "+adminToken)
	patched := httptest.NewRecorder()
	s.handler.ServeHTTP(patched, req)
	if patched.Code != http.StatusOK || !strings.Contains(patched.Body.String(), `"fatalities":7`) || !strings.Contains(patched.Body.String(), `"Protests"`) {
		t.Fatalf("PATCH: %d %s", patched.Code, patched.Body)
	}
	rec = send(t, s.handler, http.MethodDelete, path, "", append(auth, "If-Match", etag)...)
	wantError(t, rec, http.StatusPreconditionFailed, "changed since") // the PATCH changed it
	rec = send(t, s.handler, http.MethodDelete, path, "", append(auth, "If-Match", patched.Header().Get("ETag"))...)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", rec.Code, rec.Body)
	}
	wantError(t, do(t, s.handler, http.MethodGet, path), http.StatusNotFound, "")
	wantError(t, send(t, s.handler, http.MethodDelete, path, "", auth...), http.StatusNotFound, "")
}

func TestBadWrites(t *testing.T) {
	s := editServer(t)
	auth := []string{"Authorization", "Bearer " + adminToken}
	before := getJSON(t, s.handler, "/collections/incidents/items?limit=1", http.StatusOK)["numberMatched"]
	big := `{"type":"Feature","geometry":null,"properties":{"notes":"` + strings.Repeat("x", 1<<17) + `"}}`
	for name, tc := range map[string]struct {
		body, ctype string
		status      int
		contains    string
	}{
		"not JSON":                {`{"type":`, "", 400, "not JSON"},
		"not a feature":           {`{"type":"Point","coordinates":[1,2]}`, "", 400, "Feature or FeatureCollection"},
		"wrong media type":        {incident(1, 2, "Battles"), "text/plain", 415, "application/geo+json"},
		"too large":               {big, "", 413, "larger than"},
		"unknown property":        {`{"type":"Feature","geometry":null,"properties":{"colour":"red"}}`, "", 400, "colour"},
		"wrong property type":     {`{"type":"Feature","geometry":null,"properties":{"fatalities":"many"}}`, "", 400, "fatalities"},
		"object property":         {`{"type":"Feature","geometry":null,"properties":{"notes":{"a":1}}}`, "", 400, "notes"},
		"bad date":                {`{"type":"Feature","geometry":null,"properties":{"event_date":"yesterday"}}`, "", 400, "event_date"},
		"geometry type":           {`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},"properties":{}}`, "", 400, "LineString"},
		"latitude out of range":   {`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,95]},"properties":{}}`, "", 400, "latitude"},
		"no geometry member":      {`{"type":"Feature","properties":{}}`, "", 400, "geometry"},
		"one bad in a collection": {`{"type":"FeatureCollection","features":[` + incident(-4, 14, "Battles") + `,{"type":"Feature","geometry":null,"properties":{"fatalities":"x"}}]}`, "", 400, "fatalities"},
	} {
		header := append([]string{}, auth...)
		if tc.ctype != "" {
			header = append(header, "Content-Type", tc.ctype)
		}
		wantError(t, send(t, s.handler, http.MethodPost, "/collections/incidents/items", tc.body, header...), tc.status, tc.contains)
		t.Log(name)
	}
	rec := send(t, s.handler, http.MethodPost, "/collections/regions/items",
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[2,2],[2,0],[0,2],[0,0]]]},"properties":{}}`, auth...)
	wantError(t, rec, http.StatusBadRequest, "intersect")
	if after := getJSON(t, s.handler, "/collections/incidents/items?limit=1", http.StatusOK)["numberMatched"]; after != before {
		t.Fatalf("bad writes changed the layer: %v features, then %v", before, after)
	}
}

// A write shows at once in items and tiles: the tiles it touches are rebuilt (new ETag), the
// others stay cached.
func TestWritesReachTiles(t *testing.T) {
	s := editServer(t)
	at := orb.Point{-4.5, 14.1}
	near := "/tiles/incidents/" + tileOf(at, 10) + ".mvt"
	far := "/tiles/incidents/" + tileOf(orb.Point{-0.0447, 16.2717}, 10) + ".mvt"
	nearBefore := do(t, s.handler, http.MethodGet, near)
	farBefore := do(t, s.handler, http.MethodGet, far)
	if farBefore.Code != http.StatusOK {
		t.Fatalf("far tile: %d", farBefore.Code)
	}
	rec := send(t, s.handler, http.MethodPost, "/collections/incidents/items", incident(at[0], at[1], "Battles"), "Authorization", "Bearer "+adminToken)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	hits := s.tileCache.Stats().Hits
	nearAfter := do(t, s.handler, http.MethodGet, near)
	if nearAfter.Code != http.StatusOK || nearAfter.Header().Get("ETag") == nearBefore.Header().Get("ETag") {
		t.Fatalf("the tile under the new feature did not change: %d, ETag %q", nearAfter.Code, nearAfter.Header().Get("ETag"))
	}
	if s.tileCache.Stats().Hits != hits {
		t.Fatal("the tile under the new feature came from the cache")
	}
	farAfter := do(t, s.handler, http.MethodGet, far)
	if farAfter.Header().Get("ETag") != farBefore.Header().Get("ETag") || s.tileCache.Stats().Hits != hits+1 {
		t.Fatal("a tile far from the write was dropped from the cache")
	}
	loc := strings.TrimPrefix(rec.Header().Get("Location"), "http://example.com")
	if got := do(t, s.handler, http.MethodGet, loc); got.Code != http.StatusOK {
		t.Fatalf("the new feature is not served: %d", got.Code)
	}
}

func tileOf(p orb.Point, z maptile.Zoom) string {
	t := maptile.At(p, z)
	return fmt.Sprintf("%d/%d/%d", t.Z, t.X, t.Y)
}

// Concurrent writers all land, and reads meanwhile all succeed.
func TestConcurrentWrites(t *testing.T) {
	s := editServer(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	for w := range 6 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 10 {
				req := httptest.NewRequest(http.MethodPost, "/collections/incidents/items",
					bytes.NewBufferString(incident(-4+float64(w)/10, 14+float64(i)/10, "Riots")))
				req.Header.Set("Content-Type", "application/geo+json")
				req.Header.Set("Authorization", "Bearer "+adminToken)
				rec := httptest.NewRecorder()
				s.handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					fail("POST: %d %s", rec.Code, rec.Body)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 10 {
				for _, target := range []string{"/collections/incidents/items?event_type=Riots", "/tiles/incidents/6/31/29.mvt"} {
					rec := httptest.NewRecorder()
					s.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
					if rec.Code != http.StatusOK && rec.Code != http.StatusNoContent {
						fail("GET %s: %d %s", target, rec.Code, rec.Body)
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d failures, first: %s", len(failures), failures[0])
	}
	if n := getJSON(t, s.handler, "/collections/incidents/items?event_type=Riots&limit=1", http.StatusOK)["numberMatched"]; n != float64(60) {
		t.Fatalf("%v riots, want the 60 written", n)
	}
}

// An import by another process (here, another Store on the same file) drops, within a second,
// just the cached tiles that its bounding box covers.
func TestImportsDropTheirTiles(t *testing.T) {
	s, dsn := editServerAt(t)
	near := "/tiles/incidents/" + tileOf(orb.Point{-4.6, 14.3278}, 10) + ".mvt"
	far := "/tiles/incidents/" + tileOf(orb.Point{-0.0447, 16.2717}, 10) + ".mvt"
	if do(t, s.handler, http.MethodGet, far).Code != http.StatusOK || do(t, s.handler, http.MethodGet, near).Code != http.StatusOK {
		t.Fatal("tiles to cache are empty")
	}
	other := reopen(t, dsn).Store.(data.Importer)
	coll, _ := s.store.Collection(context.Background(), "incidents")
	r := &data.Record{Geometry: orb.Point{-4.61, 14.33}, Properties: map[string]any{"event_type": "Battles",
		"source": "Test", "source_url": "https://example.org"}, Where: "test"}
	done := false
	if _, err := other.Import(context.Background(), data.ImportSpec{Layer: "incidents", Fields: coll.Fields},
		func() (*data.Record, error) {
			if done {
				return nil, io.EOF
			}
			done = true
			return r, nil
		}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the server looks at the file at most once a second
	hits := s.tileCache.Stats().Hits
	do(t, s.handler, http.MethodGet, far)
	if s.tileCache.Stats().Hits != hits+1 {
		t.Fatal("a tile away from the import was dropped")
	}
	do(t, s.handler, http.MethodGet, near)
	if s.tileCache.Stats().Hits != hits+1 {
		t.Fatal("the tile under the imported feature was served from the cache")
	}
}
