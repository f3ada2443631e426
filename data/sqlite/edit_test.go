package sqlite

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

func TestEdits(t *testing.T) {
	s, _ := emptyFile(t)
	ctx := context.Background()
	if _, err := s.Import(ctx, data.ImportSpec{Layer: "events", GeometryType: "POINT", Fields: eventFields}, feed(events(10, 0), 0)); err != nil {
		t.Fatal(err)
	}
	ids, err := s.Insert(ctx, "events", []*data.Record{{Geometry: orb.Point{5, 5}, Properties: map[string]any{"key": "new", "deaths": int64(3)}}})
	if err != nil || len(ids) != 1 || ids[0] != 11 {
		t.Fatalf("insert: %v %v", ids, err)
	}
	id := ids[0]
	// Patch changes only what it names; the geometry stays.
	before, after, err := s.Update(ctx, "events", id, &data.Record{Properties: map[string]any{"deaths": int64(4), "score": nil}}, true, nil)
	if err != nil || before != after || before.Min != (orb.Point{5, 5}) {
		t.Fatalf("patch: %v %v %v", before, after, err)
	}
	f, _ := s.Feature(ctx, "events", id)
	if f.Properties[0] != "new" || f.Properties[2] != int64(4) || f.Geometry != (orb.Point{5, 5}) {
		t.Fatalf("after the patch: %+v", f)
	}
	// Replace: properties not given become NULL, the geometry moves, the R-tree follows.
	before, after, err = s.Update(ctx, "events", id, &data.Record{Geometry: orb.Point{7, 8}, Properties: map[string]any{"key": "moved"}}, false, nil)
	if err != nil || before.Min != (orb.Point{5, 5}) || after.Min != (orb.Point{7, 8}) {
		t.Fatalf("replace: %v %v %v", before, after, err)
	}
	f, _ = s.Feature(ctx, "events", id)
	if f.Properties[0] != "moved" || f.Properties[2] != nil {
		t.Fatalf("after the replace: %+v", f)
	}
	box := orb.Bound{Min: orb.Point{6.9, 7.9}, Max: orb.Point{7.1, 8.1}}
	if got := collect(t, s, "events", data.Query{BBox: &box}); len(got) != 1 {
		t.Fatalf("the moved feature is not indexed at its new place: %v", got)
	}
	// A check that refuses leaves the feature alone.
	refused := errors.New("etag mismatch")
	if _, _, err := s.Update(ctx, "events", id, &data.Record{Properties: map[string]any{"key": "x"}}, true,
		func(old *data.Feature) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("refused update: %v", err)
	}
	if _, err := s.Delete(ctx, "events", id, func(*data.Feature) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("refused delete: %v", err)
	}
	if f, _ = s.Feature(ctx, "events", id); f.Properties[0] != "moved" {
		t.Fatalf("a refused change went through: %+v", f)
	}
	// Bad input.
	for name, tc := range map[string]struct {
		err  error
		want string
	}{
		"unknown property": {func() error {
			_, err := s.Insert(ctx, "events", []*data.Record{{Properties: map[string]any{"nope": 1.0}}})
			return err
		}(), "field nope"},
		"wrong type": {func() error {
			_, err := s.Insert(ctx, "events", []*data.Record{{Properties: map[string]any{"deaths": "x"}}})
			return err
		}(), "field deaths"},
		"wrong geometry": {func() error {
			_, err := s.Insert(ctx, "events", []*data.Record{{Geometry: orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}})
			return err
		}(), "a Polygon does not fit a POINT layer"},
	} {
		if tc.err == nil || !errors.Is(tc.err, data.ErrSchema) || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: %v, want a data.ErrSchema naming %q", name, tc.err, tc.want)
		}
	}
	if _, err := s.Delete(ctx, "events", 999, nil); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("delete of a missing feature: %v", err)
	}
	b, err := s.Delete(ctx, "events", id, nil)
	if err != nil || b.Min != (orb.Point{7, 8}) {
		t.Fatalf("delete: %v %v", b, err)
	}
	if _, err := s.Feature(ctx, "events", id); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("deleted feature still there: %v", err)
	}
	changes, _, err := s.Changes(ctx, 0)
	if err != nil || len(changes) != 1+1+2+2+1 { // import, insert, patch (old+new), replace (old+new), delete
		t.Fatalf("%d changes logged, %v: %+v", len(changes), err, changes)
	}
}

// Concurrent writers all land; readers meanwhile never fail.
func TestConcurrentEdits(t *testing.T) {
	s, _ := emptyFile(t)
	ctx := context.Background()
	if _, err := s.Import(ctx, data.ImportSpec{Layer: "events", GeometryType: "POINT", Fields: eventFields}, feed(events(10, 0), 0)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 10 {
				if _, err := s.Insert(ctx, "events", []*data.Record{{Geometry: orb.Point{float64(w), float64(i)}, Properties: map[string]any{"deaths": int64(w)}}}); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 10 {
				if _, err := s.Count(ctx, "events", data.Query{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := s.Count(ctx, "events", data.Query{}); n != 90 {
		t.Fatalf("%d features, want 90", n)
	}
}
