package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TestTileFeatureCap builds a tile with more points than the cap: the tile keeps exactly the cap,
// says so in Harmattan-Thinned, and is the same whether built from the in-memory copy or the
// store; a tile under the cap is whole and says nothing.
func TestTileFeatureCap(t *testing.T) {
	store, _ := pointsStore(t, 6000)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	unclustered := map[string]int{"events": 0}
	whole := newServer(store, Options{Logger: quiet, TileCacheBytes: -1, ClusterBelow: unclustered, MaxTileFeatures: -1})
	inMemory := newServer(store, Options{Logger: quiet, ClusterBelow: unclustered, MaxTileFeatures: 500})
	fromStore := newServer(store, Options{Logger: quiet, PointsBytes: -1, ClusterBelow: unclustered, MaxTileFeatures: 500})
	awaitPoints(t, inMemory, "events")
	awaitPoints(t, whole, "events")

	dense := tilePath("events", orb.Point{-3.99, 14.49}, 8, "mvt")
	total := 0
	for _, l := range decodeTile(t, whole.handler, dense) {
		total += len(l.Features)
	}
	if total <= 500 {
		t.Fatalf("%s holds %d features: too few to test a cap of 500", dense, total)
	}

	a := do(t, inMemory.handler, http.MethodGet, dense, "Accept-Encoding", "gzip", "Origin", "https://example.org")
	b := do(t, fromStore.handler, http.MethodGet, dense, "Accept-Encoding", "gzip")
	want := fmt.Sprintf("events=500/%d", total)
	for name, rec := range map[string]*http.Response{"memory": a.Result(), "store": b.Result()} {
		if got := rec.Header.Get("Harmattan-Thinned"); got != want {
			t.Errorf("%s: Harmattan-Thinned %q, want %q", name, got, want)
		}
	}
	if a.Header().Get("ETag") != b.Header().Get("ETag") {
		t.Errorf("the thinned tile differs between memory (%s) and store (%s)", a.Header().Get("ETag"), b.Header().Get("ETag"))
	}
	if exp := a.Header().Get("Access-Control-Expose-Headers"); !strings.Contains(exp, "Harmattan-Thinned") {
		t.Errorf("browsers on other origins cannot read the header: Expose-Headers %q", exp)
	}
	kept := 0
	for _, l := range decodeTile(t, inMemory.handler, dense) {
		kept += len(l.Features)
	}
	if kept != 500 {
		t.Errorf("the thinned tile holds %d features, want 500", kept)
	}
	// From the cache, and with a 304, the header still comes.
	again := do(t, inMemory.handler, http.MethodGet, dense, "If-None-Match", a.Header().Get("ETag"))
	if again.Code != http.StatusNotModified || again.Header().Get("Harmattan-Thinned") != want {
		t.Errorf("revalidation: %d, Harmattan-Thinned %q", again.Code, again.Header().Get("Harmattan-Thinned"))
	}

	png := do(t, inMemory.handler, http.MethodGet, strings.TrimSuffix(dense, "mvt")+"png")
	if png.Code != http.StatusOK || png.Header().Get("Harmattan-Thinned") != want {
		t.Errorf("PNG: %d, Harmattan-Thinned %q", png.Code, png.Header().Get("Harmattan-Thinned"))
	}

	// A tile on the edge of the scatter holds fewer than the cap: nothing is cut.
	sparse := ""
	for x := 0; x < 1<<10 && sparse == ""; x++ {
		c := maptile.At(orb.Point{-3.99, 14.49}, 10)
		target := fmt.Sprintf("/tiles/events/10/%d/%d.mvt", int(c.X)+x, c.Y)
		rec := do(t, whole.handler, http.MethodGet, target)
		if rec.Code == http.StatusOK && len(decodeTile(t, whole.handler, target)[0].Features) < 500 {
			sparse = target
		}
	}
	rec := do(t, inMemory.handler, http.MethodGet, sparse)
	if rec.Code != http.StatusOK || rec.Header().Get("Harmattan-Thinned") != "" {
		t.Errorf("%s under the cap: %d, Harmattan-Thinned %q", sparse, rec.Code, rec.Header().Get("Harmattan-Thinned"))
	}
}
