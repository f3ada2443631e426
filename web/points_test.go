package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/harmattan/harmattan/data"
)

// pointsStore writes n synthetic points around a few centres, with every field type and some
// NULLs, into a new database of the backend under test and opens it.
func pointsStore(t *testing.T, n int) (data.Store, string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	centres := []orb.Point{{-3.99, 14.49}, {-3.0, 16.77}, {0.05, 16.27}, {-4.2, 14.35}}
	types := []string{"Battles", "Explosions/Remote violence", "Violence against civilians", "Protests"}
	l := data.Layer{Name: "events", GeometryType: "POINT", TemporalField: "day", Fields: []data.Field{
		{Name: "day", Type: data.Date}, {Name: "kind", Type: data.Text}, {Name: "deaths", Type: data.Integer},
		{Name: "score", Type: data.Real}, {Name: "confirmed", Type: data.Boolean}, {Name: "note", Type: data.Text},
	}}
	for i := range n {
		c := centres[rng.IntN(len(centres))]
		p := orb.Point{c[0] + rng.NormFloat64()*0.3, c[1] + rng.NormFloat64()*0.3}
		f := geojson.NewFeature(p)
		f.Properties["day"] = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(700)).Format(time.DateOnly)
		f.Properties["kind"] = types[rng.IntN(len(types))]
		f.Properties["deaths"] = float64(rng.IntN(6))
		f.Properties["score"] = float64(rng.IntN(100)) / 4
		f.Properties["confirmed"] = rng.IntN(2) == 0
		f.Properties["note"] = fmt.Sprintf("synthetic event %d", i)
		if i%17 == 0 { // some NULLs in every column
			for _, k := range []string{"day", "kind", "deaths", "score", "confirmed"} {
				if rng.IntN(2) == 0 {
					f.Properties[k] = nil
				}
			}
		}
		l.Features = append(l.Features, f)
	}
	s := openLayers(t, []data.Layer{l})
	return s.Store, s.dsn
}

// awaitPoints waits until the server holds a current in-memory copy of collection id.
func awaitPoints(t testing.TB, s *server, id string) {
	t.Helper()
	ctx := context.Background()
	coll, err := s.store.Collection(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.points.get(ctx, coll) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no in-memory copy of %s after 30 s", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPointTilesMatchStore builds the same tiles from the in-memory copy and from the store and
// requires the same status, ETag and bytes, for every zoom, with filters and property choices,
// clustered and not, MVT and PNG.
func TestPointTilesMatchStore(t *testing.T) {
	store, _ := pointsStore(t, 6000)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	fromStore := newServer(store, Options{Logger: quiet, TileCacheBytes: -1, PointsBytes: -1,
		ClusterBelow: map[string]int{"events": 7}})
	inMemory := newServer(store, Options{Logger: quiet, TileCacheBytes: -1, ClusterBelow: map[string]int{"events": 7}})
	awaitPoints(t, inMemory, "events")

	queries := []string{"", "?properties=kind,deaths", "?properties=", "?datetime=2023-06-01/2024-01-31",
		"?datetime=../2023-03-01", "?datetime=2024-02-10", "?kind=Battles", "?deaths=3&confirmed=true",
		"?score=12.5&properties=score,day", "?day=2023-05-05", "?kind=Protests&datetime=2023-09-01/..", "?kind=nothing"}
	compared, nonEmpty := 0, 0
	for z := maptile.Zoom(0); z <= 14; z++ {
		for _, centre := range []orb.Point{{-3.99, 14.49}, {-3.0, 16.77}, {0.05, 16.27}} {
			c := maptile.At(centre, z)
			for dx := -1; dx <= 1; dx++ {
				for dy := -1; dy <= 1; dy++ {
					x, y := int(c.X)+dx, int(c.Y)+dy
					if x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
						continue
					}
					for qi, q := range queries {
						ext := ".mvt"
						if qi%4 == 3 && z >= 5 {
							ext = ".png"
						}
						target := fmt.Sprintf("/tiles/events/%d/%d/%d%s%s", z, x, y, ext, q)
						a := do(t, fromStore.handler, http.MethodGet, target)
						b := do(t, inMemory.handler, http.MethodGet, target)
						if a.Code != b.Code || a.Header().Get("ETag") != b.Header().Get("ETag") || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) {
							t.Fatalf("%s: store gave %d %s (%d bytes), memory %d %s (%d bytes)", target,
								a.Code, a.Header().Get("ETag"), a.Body.Len(), b.Code, b.Header().Get("ETag"), b.Body.Len())
						}
						compared++
						if a.Code == http.StatusOK {
							nonEmpty++
						}
					}
				}
			}
		}
	}
	if nonEmpty < compared/3 {
		t.Fatalf("only %d of %d tiles had features: the comparison proves little", nonEmpty, compared)
	}
	t.Logf("%d tiles compared, %d with features", compared, nonEmpty)
}

// TestPointTilesFollowWrites changes the database behind the server's back, with a program that
// logs nothing: tiles show the change once the layer is read again, and none from before is
// kept meanwhile.
func TestPointTilesFollowWrites(t *testing.T) {
	store, path := pointsStore(t, 500)
	s := newServer(store, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TileCacheBytes: -1})
	awaitPoints(t, s, "events")
	target := "/tiles/events/0/0/0.mvt?kind=Battles"
	before := decodeTile(t, s.handler, target)

	protests := getJSON(t, s.handler, "/collections/events/items?kind=Protests&limit=1", http.StatusOK)["numberMatched"].(float64)
	if protests == 0 {
		t.Fatal("no protests to change")
	}
	writeBehind(t, path, "UPDATE events SET kind = 'Battles' WHERE kind = 'Protests'")
	want := len(before[0].Features) + int(protests)
	// A write the log does not bound has the whole layer read again. Meanwhile tiles may come
	// from the copy as it was, but then nobody may keep them; once the copy is read, they show
	// the write.
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec := do(t, s.handler, http.MethodGet, target, "Accept-Encoding", "gzip")
		after, err := mvt.UnmarshalGzipped(rec.Body.Bytes())
		if err != nil || len(after) != 1 {
			t.Fatalf("GET %s: %d, %v", target, rec.Code, err)
		}
		if len(after[0].Features) == want {
			break
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-cache" || len(after[0].Features) != len(before[0].Features) {
			t.Fatalf("after the update: %d features (Cache-Control %q), want %d, or the old %d not to be cached",
				len(after[0].Features), cc, want, len(before[0].Features))
		}
		if time.Now().After(deadline) {
			t.Fatalf("the update did not show within 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	awaitPoints(t, s, "events") // a copy of the new version
	again := decodeTile(t, s.handler, target)
	if len(again[0].Features) != want {
		t.Fatalf("from the new copy: %d features, want %d", len(again[0].Features), want)
	}
}

// TestPointLayerBudget: a copy that would not fit its budget leaves out its largest column (the
// unique notes), and tiles that need it come from the store; with too little memory even for the
// points there is no copy. The tiles are the same either way.
func TestPointLayerBudget(t *testing.T) {
	store, _ := pointsStore(t, 20000)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	fromStore := newServer(store, Options{Logger: quiet, PointsBytes: -1})
	ctx := context.Background()
	coll, err := store.Collection(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		budget int64
		copied bool
	}{{3 << 19, true}, {100 << 10, false}} {
		s := newServer(store, Options{Logger: quiet, PointsBytes: tc.budget})
		s.points.get(ctx, coll)
		deadline := time.Now().Add(30 * time.Second)
		for {
			s.points.mu.Lock()
			l := s.points.layers["events"]
			done := l != nil && l.building == nil && l.version != ""
			s.points.mu.Unlock()
			if done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the copy did not finish")
			}
			time.Sleep(10 * time.Millisecond)
		}
		p := s.points.get(ctx, coll)
		if (p != nil) != tc.copied {
			t.Fatalf("budget %d: copy %v, want %v", tc.budget, p != nil, tc.copied)
		}
		if p != nil {
			if p.Bytes() > tc.budget || p.Holds(nil) || !p.Holds([]string{"kind", "day", "deaths"}) || p.Column("note") >= 0 {
				t.Fatalf("budget %d: copy of %d bytes, holds all %v, holds kind/day/deaths %v, note column %d",
					tc.budget, p.Bytes(), p.Holds(nil), p.Holds([]string{"kind", "day", "deaths"}), p.Column("note"))
			}
		}
		for _, target := range []string{"/tiles/events/5/15/14.mvt", "/tiles/events/5/15/14.mvt?properties=kind,deaths",
			"/tiles/events/5/15/14.mvt?properties=note", "/tiles/events/5/15/14.mvt?note=synthetic%20event%207"} {
			a, b := do(t, fromStore.handler, http.MethodGet, target), do(t, s.handler, http.MethodGet, target)
			if a.Code != http.StatusOK || b.Code != a.Code || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) {
				t.Fatalf("budget %d, %s: store %d (%d bytes), this server %d (%d bytes)", tc.budget, target, a.Code, a.Body.Len(), b.Code, b.Body.Len())
			}
		}
	}
}

// TestTileCacheFollowsExternalWrites: when another program changes the file, cached tiles go
// (within a second) and the next answer has the new data and a new ETag.
func TestTileCacheFollowsExternalWrites(t *testing.T) {
	store, path := pointsStore(t, 300)
	s := newServer(store, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), PointsBytes: -1})
	target := "/tiles/events/0/0/0.mvt?kind=Battles"
	first := do(t, s.handler, http.MethodGet, target)
	if first.Code != http.StatusOK || s.tileCache.Stats().Entries != 1 {
		t.Fatalf("first answer %d, %d cached tiles", first.Code, s.tileCache.Stats().Entries)
	}
	writeBehind(t, path, "UPDATE events SET kind = 'Battles'")
	time.Sleep(1100 * time.Millisecond) // the server looks at the file at most once a second
	second := do(t, s.handler, http.MethodGet, target)
	if second.Header().Get("ETag") == first.Header().Get("ETag") {
		t.Fatal("same ETag after the data changed")
	}
	if got := len(decodeTile(t, s.handler, target)[0].Features); got != 300 {
		t.Fatalf("%d battles after the update, want all 300", got)
	}
}
