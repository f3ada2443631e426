package web

import (
	"context"
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data/seed"
)

// Two replicas on one PostGIS database, each with its own store, tile cache and in-memory
// point copies, as behind a load balancer: they answer with the same ETags for the same data,
// and a write through A drops B's stale tiles (B learns of it through LISTEN/NOTIFY).
func TestReplicasShareWrites(t *testing.T) {
	layers, err := seed.Layers()
	if err != nil {
		t.Fatal(err)
	}
	dsn := postgisWith(t, layers)
	ctx := context.Background()
	tokens := []Token{{hash: sha256.Sum256([]byte(adminToken))}}
	replica := func() *server {
		s := reopen(t, dsn)
		return newServer(s.Store, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Tokens: tokens, MaxBodyBytes: 1 << 16})
	}
	a, b := replica(), replica()
	at := orb.Point{-4.5, 14.1}
	tile := "/tiles/incidents/" + tileOf(at, 10) + ".mvt"
	far := "/tiles/incidents/" + tileOf(orb.Point{-0.0447, 16.2717}, 10) + ".mvt"
	awaitPoints(t, a, "incidents")
	awaitPoints(t, b, "incidents")
	for _, target := range []string{tile, far, "/tiles/5/15/14.mvt", "/tiles/regions/6/31/29.png", "/collections/incidents/items/3"} {
		ra, rb := do(t, a.handler, http.MethodGet, target), do(t, b.handler, http.MethodGet, target)
		if ra.Code != rb.Code || ra.Header().Get("ETag") == "" || ra.Header().Get("ETag") != rb.Header().Get("ETag") {
			t.Fatalf("%s: A %d ETag %q, B %d ETag %q", target, ra.Code, ra.Header().Get("ETag"), rb.Code, rb.Header().Get("ETag"))
		}
	}
	before := do(t, b.handler, http.MethodGet, tile)
	hits := b.tileCache.Stats().Hits
	if again := do(t, b.handler, http.MethodGet, tile); again.Header().Get("ETag") != before.Header().Get("ETag") || b.tileCache.Stats().Hits != hits+1 {
		t.Fatal("B does not cache the tile")
	}
	if before.Code != http.StatusNoContent {
		t.Fatalf("the tile to write into: %d, want 204 (empty)", before.Code)
	}

	rec := send(t, a.handler, http.MethodPost, "/collections/incidents/items", incident(at[0], at[1], "Battles"), "Authorization", "Bearer "+adminToken)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST through A: %d %s", rec.Code, rec.Body)
	}
	// B hears of the write within a second or so; wait for it rather than assume a time.
	deadline := time.Now().Add(10 * time.Second)
	var after string
	for {
		after = do(t, b.handler, http.MethodGet, tile).Header().Get("ETag")
		if after != before.Header().Get("ETag") || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if after == before.Header().Get("ETag") {
		t.Fatal("B still serves the tile from before the write through A")
	}
	if got := len(decodeTile(t, b.handler, tile)[0].Features); got != 1 {
		t.Fatalf("B's tile has %d features after the write, want 1", got)
	}
	if ea := do(t, a.handler, http.MethodGet, tile).Header().Get("ETag"); ea != after {
		t.Fatalf("after the write A's ETag %q, B's %q", ea, after)
	}
	hits = b.tileCache.Stats().Hits
	do(t, b.handler, http.MethodGet, far)
	if b.tileCache.Stats().Hits != hits+1 {
		t.Fatal("B dropped a tile far from the write")
	}
	loc := strings.TrimPrefix(rec.Header().Get("Location"), "http://example.com")
	ra, rb := do(t, a.handler, http.MethodGet, loc), do(t, b.handler, http.MethodGet, loc)
	if rb.Code != http.StatusOK || ra.Header().Get("ETag") != rb.Header().Get("ETag") {
		t.Fatalf("the new feature: B %d, ETags A %q B %q", rb.Code, ra.Header().Get("ETag"), rb.Header().Get("ETag"))
	}

	// Without their listeners (a lost connection; a hot standby has none) the replicas still
	// learn of writes, from the change log.
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var killed int
	if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN harmattan_changes'`).Scan(&killed); err != nil || killed != 2 {
		t.Fatalf("terminated %d listeners, want 2 (%v)", killed, err)
	}
	before = do(t, b.handler, http.MethodGet, tile)
	rec = send(t, a.handler, http.MethodDelete, loc, "", "Authorization", "Bearer "+adminToken)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE through A: %d %s", rec.Code, rec.Body)
	}
	deadline = time.Now().Add(10 * time.Second)
	for do(t, b.handler, http.MethodGet, tile).Code != http.StatusNoContent && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := do(t, b.handler, http.MethodGet, tile); got.Code != http.StatusNoContent {
		t.Fatalf("B still serves the deleted feature's tile: %d", got.Code)
	}
}
