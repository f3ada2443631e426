package web

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/harmattan/harmattan/data/seed"
)

// metricValue returns the value of /metrics' sample line that starts with prefix (name and
// labels), or "-1" when there is none.
func metricValue(t *testing.T, h http.Handler, prefix string) string {
	t.Helper()
	rec := do(t, h, http.MethodGet, "/metrics")
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, prefix+" ") {
			return strings.TrimPrefix(line, prefix+" ")
		}
	}
	return "-1"
}

func TestMetrics(t *testing.T) {
	h := seededServer(t, Options{})
	do(t, h, http.MethodGet, "/collections/incidents/items?limit=2")
	do(t, h, http.MethodGet, "/collections/incidents/items?limit=3")
	do(t, h, http.MethodGet, "/collections/nope/items")
	tile := "/tiles/regions/5/15/14.mvt"
	do(t, h, http.MethodGet, tile)
	do(t, h, http.MethodGet, tile)
	for prefix, want := range map[string]string{
		`harmattan_http_requests_total{method="GET",route="/collections/:id/items",status="200"}`:                 "2",
		`harmattan_http_requests_total{method="GET",route="/collections/:id/items",status="404"}`:                 "1",
		`harmattan_http_requests_total{method="GET",route="/tiles/:a/:b/:c/:d",status="200"}`:                     "2",
		`harmattan_http_request_duration_seconds_count{method="GET",route="/collections/:id/items",status="200"}`: "2",
		`harmattan_tile_cache_hits_total`:                             "1",
		`harmattan_tile_cache_misses_total`:                           "1",
		`harmattan_store_query_duration_seconds_count{op="features"}`: "3", // two pages and one tile
		`harmattan_store_query_duration_seconds_count{op="count"}`:    "2",
	} {
		if got := metricValue(t, h, prefix); got != want {
			t.Errorf("%s = %s, want %s", prefix, got, want)
		}
	}
	if got := metricValue(t, h, "harmattan_tile_cache_bytes"); got == "-1" || got == "0" {
		t.Errorf("harmattan_tile_cache_bytes = %s", got)
	}
}

func TestWritesAreCounted(t *testing.T) {
	s := editServer(t)
	rec := send(t, s.handler, http.MethodPost, "/collections/incidents/items", incident(-4.1, 14.2, "Battles"), "Authorization", "Bearer "+adminToken)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	loc := strings.TrimPrefix(rec.Header().Get("Location"), "http://example.com")
	send(t, s.handler, http.MethodDelete, loc, "", "Authorization", "Bearer "+adminToken)
	for prefix, want := range map[string]string{
		`harmattan_features_written_total{collection="incidents",op="insert"}`: "1",
		`harmattan_features_written_total{collection="incidents",op="delete"}`: "1",
	} {
		if got := metricValue(t, s.handler, prefix); got != want {
			t.Errorf("%s = %s, want %s", prefix, got, want)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	layers, err := seed.Layers()
	if err != nil {
		t.Fatal(err)
	}
	s := layersServer(t, layers, Options{})
	if got := getJSON(t, s.handler, "/healthz", http.StatusOK); got["status"] != "ok" {
		t.Errorf("/healthz: %v", got)
	}
	if got := getJSON(t, s.handler, "/readyz", http.StatusOK); got["status"] != "ready" {
		t.Errorf("/readyz: %v", got)
	}
	s.store.Close() // the database goes away
	if got := getJSON(t, s.handler, "/readyz", http.StatusServiceUnavailable); got["code"] != "NotReady" {
		t.Errorf("/readyz without a database: %v", got)
	}
	if got := getJSON(t, s.handler, "/healthz", http.StatusOK); got["status"] != "ok" {
		t.Errorf("/healthz without a database: %v", got)
	}
}

// Every request gets an id, echoed in X-Request-Id and in its log line; a client's sane id is
// kept, others replaced. Tokens never reach the log.
func TestRequestIDsAndLogs(t *testing.T) {
	var logs bytes.Buffer
	layers, err := seed.Layers()
	if err != nil {
		t.Fatal(err)
	}
	store := openLayers(t, layers)
	s := newServer(store.Store, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	hexID := regexp.MustCompile(`^[0-9a-f]{24}$`)
	for _, tc := range []struct{ sent, want string }{
		{"", ""},
		{"abc-123_X.y", "abc-123_X.y"},
		{"bad\tid", ""},
		{strings.Repeat("a", 129), ""},
		{"<script>", ""},
	} {
		rec := do(t, s.handler, http.MethodGet, "/collections?f=json", "X-Request-Id", tc.sent, "Authorization", "Bearer secret-token-in-header")
		got := rec.Header().Get("X-Request-Id")
		if tc.want != "" && got != tc.want || tc.want == "" && !hexID.MatchString(got) {
			t.Errorf("sent %q: X-Request-Id %q", tc.sent, got)
		}
	}
	if strings.Contains(logs.String(), "secret-token") {
		t.Error("a bearer token reached the log")
	}
	var line map[string]any
	first := strings.SplitN(logs.String(), "\n", 2)[0]
	if err := json.Unmarshal([]byte(first), &line); err != nil {
		t.Fatalf("log line %q: %v", first, err)
	}
	if line["msg"] != "request" || line["route"] != "/collections" || line["status"] != float64(200) || !hexID.MatchString(line["id"].(string)) {
		t.Errorf("log line %v", line)
	}
}

// A request out of time answers 503 with a JSON error, its context having reached the store.
func TestRequestTimeout(t *testing.T) {
	h := seededServer(t, Options{RequestTimeout: time.Nanosecond})
	rec := do(t, h, http.MethodGet, "/collections/incidents/items?limit=5")
	wantError(t, rec, http.StatusServiceUnavailable, "took too long")
	if rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", rec.Header().Get("Content-Type"))
	}
}

func TestLongURLs(t *testing.T) {
	h := seededServer(t, Options{})
	wantError(t, do(t, h, http.MethodGet, "/collections/incidents/items?event_type="+strings.Repeat("a", 8<<10)), http.StatusRequestURITooLong, "longer than")
	if rec := do(t, h, http.MethodGet, "/collections/incidents/items?event_type="+strings.Repeat("a", 7000)); rec.Code != http.StatusOK {
		t.Errorf("a 7 kB URL: %d", rec.Code)
	}
	short := seededServer(t, Options{MaxURLBytes: 2000})
	wantError(t, do(t, short, http.MethodGet, "/collections/incidents/items?event_type="+strings.Repeat("a", 2000)), http.StatusRequestURITooLong, "longer than 2000 bytes")
	if rec := do(t, short, http.MethodGet, "/collections/incidents/items?event_type="+strings.Repeat("a", 1900)); rec.Code != http.StatusOK {
		t.Errorf("a 1.9 kB URL under a 2000-byte cap: %d", rec.Code)
	}
}
