package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TestPointCopyPatchedByWrites writes through the API (insert, move, change, delete, a batch)
// and after each write requires that the in-memory copy is current at once, without reading the
// whole layer again, and that its tiles have the bytes of tiles built from the store.
func TestPointCopyPatchedByWrites(t *testing.T) {
	store, _ := pointsStore(t, 3000)
	tokens := testTokens(t, adminToken+"\n")
	var logs syncLog
	s := newServer(store, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), TileCacheBytes: -1,
		Tokens: tokens, ClusterBelow: map[string]int{"events": 6}})
	fromStore := newServer(store, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TileCacheBytes: -1,
		PointsBytes: -1, ClusterBelow: map[string]int{"events": 6}})
	awaitPoints(t, s, "events")
	ctx := context.Background()
	coll, err := store.Collection(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	auth := []string{"Authorization", "Bearer " + adminToken}
	feature := func(p orb.Point, kind string, deaths int) string {
		return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%g,%g]},"properties":{"day":"2024-03-01","kind":%q,"deaths":%d,"note":"written by the test"}}`, p[0], p[1], kind, deaths)
	}
	compare := func(step string, around ...orb.Point) {
		t.Helper()
		if s.points.get(ctx, coll) == nil {
			t.Fatalf("%s: no current copy right after the write", step)
		}
		for _, p := range around {
			for _, z := range []maptile.Zoom{0, 3, 5, 7, 9, 12} {
				tile := maptile.At(p, z)
				for _, q := range []string{".mvt", ".mvt?kind=Battles", ".mvt?datetime=2024-01-01/..", ".png"} {
					target := fmt.Sprintf("/tiles/events/%d/%d/%d%s", z, tile.X, tile.Y, q)
					a, b := do(t, s.handler, http.MethodGet, target), do(t, fromStore.handler, http.MethodGet, target)
					if a.Code != b.Code || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) {
						t.Fatalf("%s: %s from the copy %d (%d bytes), from the store %d (%d bytes)", step, target, a.Code, a.Body.Len(), b.Code, b.Body.Len())
					}
				}
			}
		}
	}

	here, there := orb.Point{-3.99, 14.49}, orb.Point{0.05, 16.27}
	rec := send(t, s.handler, http.MethodPost, "/collections/events/items", feature(here, "Battles", 4), auth...)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	path := strings.TrimPrefix(rec.Header().Get("Location"), "http://example.com")
	compare("insert", here)

	if rec := send(t, s.handler, http.MethodPut, path, feature(there, "Protests", 1), auth...); rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	compare("move", here, there)

	if rec := send(t, s.handler, http.MethodPatch, path, `{"properties":{"kind":"A kind no copy has seen"}}`, auth...); rec.Code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", rec.Code, rec.Body)
	}
	compare("change", there)

	if rec := send(t, s.handler, http.MethodDelete, path, "", auth...); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", rec.Code, rec.Body)
	}
	compare("delete", there)

	var batch []string
	for i := range 50 {
		batch = append(batch, feature(orb.Point{-3.2 + float64(i)*0.01, 16.7}, "Riots", i))
	}
	rec = send(t, s.handler, http.MethodPost, "/collections/events/items",
		`{"type":"FeatureCollection","features":[`+strings.Join(batch, ",")+`]}`, auth...)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST of a collection: %d %s", rec.Code, rec.Body)
	}
	compare("batch", orb.Point{-3.0, 16.7})

	if n := strings.Count(logs.String(), "point layer held in memory"); n != 1 {
		t.Errorf("the whole layer was read %d times; the writes should have been patched in:\n%s", n, logs.String())
	}
}

// syncLog is a log buffer that the server's goroutines and the test may share.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
