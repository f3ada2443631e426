package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/harmattan/harmattan/data"
)

func testEdit(t *testing.T, open Opener) {
	t.Run("Insert", func(t *testing.T) { testInsert(t, open) })
	t.Run("UpdateReplace", func(t *testing.T) { testUpdateReplace(t, open) })
	t.Run("UpdatePatch", func(t *testing.T) { testUpdatePatch(t, open) })
	t.Run("Check", func(t *testing.T) { testCheck(t, open) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, open) })
	t.Run("NotFound", func(t *testing.T) { testEditNotFound(t, open) })
	t.Run("Invalid", func(t *testing.T) { testEditInvalid(t, open) })
}

// testInsert inserts features, one of them carrying the id of an existing feature (which
// Insert ignores), and reads them back.
func testInsert(t *testing.T, open Opener) {
	s, events := withEvents(t, open)
	counted := counter(t, s, events)
	old := wantIDs(events.Features)
	records := eventRecords(3, 88.8, "inserted")
	records[1].ID = old[0]
	records[2].Properties = map[string]any{"day": "2030-01-02", "score": 0.25} // the others NULL
	ids, err := s.Insert(bg, "events", records)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 {
		t.Fatalf("Insert returned %d ids for 3 features", len(ids))
	}
	counted(plus(events, records))
	for i, id := range ids {
		if slices.Contains(old, id) || slices.Contains(ids[:i], id) {
			t.Errorf("Insert gave id %d, which was taken (ids %v, taken %v)", id, ids, old)
		}
		events.Features = append(events.Features, feature(records[i], id))
	}
	holds(t, s, events)
}

// testUpdateReplace replaces features: properties not given become NULL, and a record without
// a geometry leaves the feature without one.
func testUpdateReplace(t *testing.T, open Opener) {
	s, events := withEvents(t, open)
	counted := counter(t, s, events)
	for _, tc := range []struct {
		f *geojson.Feature
		r *data.Record
	}{
		{events.Features[5], &data.Record{Geometry: orb.Point{-33.25, 44.125}, Properties: map[string]any{"name": "renamed", "count": int64(9)}}},
		{events.Features[6], &data.Record{Properties: map[string]any{"name": "nowhere", "day": "2031-12-31"}}},
		{events.Features[7], &data.Record{Geometry: orb.Point{1.5, 2.5}}},
	} {
		id := featureID(tc.f)
		before, after, err := s.Update(bg, "events", id, tc.r, false, nil)
		if err != nil {
			t.Fatalf("Update(%d): %v", id, err)
		}
		if want := bound(tc.r.Geometry); before != tc.f.Geometry.Bound() || after != want {
			t.Errorf("Update(%d) bounds %v, %v; want %v, %v", id, before, after, tc.f.Geometry.Bound(), want)
		}
		replace(&events, feature(tc.r, id))
	}
	counted(events)
	holds(t, s, events)
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	check(t, s, events, data.Query{BBox: &world})
	moved := orb.Bound{Min: orb.Point{-33.5, 44}, Max: orb.Point{-33, 44.5}}
	check(t, s, events, data.Query{BBox: &moved})
}

// testUpdatePatch changes only the properties given (nil clearing one), and the geometry when
// given.
func testUpdatePatch(t *testing.T, open Opener) {
	s, events := withEvents(t, open)
	patches := []struct {
		f *geojson.Feature
		r *data.Record
	}{
		{events.Features[8], &data.Record{Properties: map[string]any{"count": int64(42), "score": nil, "at": "2024-06-01T10:00:00-03:00"}}},
		{events.Features[9], &data.Record{Geometry: orb.Point{-99.75, -12.5}}},
		{events.Features[10], &data.Record{Geometry: orb.Point{99.75, 12.5}, Properties: map[string]any{"ok": false}}},
	}
	for _, p := range patches {
		id := featureID(p.f)
		before, after, err := s.Update(bg, "events", id, p.r, true, nil)
		if err != nil {
			t.Fatalf("Update(%d, patch): %v", id, err)
		}
		f := &geojson.Feature{Type: "Feature", ID: id, Geometry: p.f.Geometry, Properties: p.f.Properties.Clone()}
		if p.r.Geometry != nil {
			f.Geometry = p.r.Geometry
		}
		p.r.Each(func(name string, v any) { f.Properties[name] = v })
		if before != p.f.Geometry.Bound() || after != f.Geometry.Bound() {
			t.Errorf("Update(%d, patch) bounds %v, %v; want %v, %v", id, before, after, p.f.Geometry.Bound(), f.Geometry.Bound())
		}
		replace(&events, f)
	}
	holds(t, s, events)
}

// testCheck has check see the feature as it is, and refuse: nothing changes.
func testCheck(t *testing.T, open Opener) {
	s, events := withEvents(t, open)
	f := events.Features[12]
	id := featureID(f)
	refused := errors.New("etag mismatch")
	calls := 0
	check := func(old *data.Feature) error {
		calls++
		if d := diff(events.Fields, f, old); d != "" {
			t.Errorf("check got another feature: %s", d)
		}
		return refused
	}
	before := dump(t, s)
	if _, _, err := s.Update(bg, "events", id, &data.Record{Properties: map[string]any{"name": "x"}}, true, check); !errors.Is(err, refused) {
		t.Errorf("Update with a refusing check: %v", err)
	}
	if _, _, err := s.Update(bg, "events", id, &data.Record{Geometry: orb.Point{1, 1}}, false, check); !errors.Is(err, refused) {
		t.Errorf("Update (replace) with a refusing check: %v", err)
	}
	if _, err := s.Delete(bg, "events", id, check); !errors.Is(err, refused) {
		t.Errorf("Delete with a refusing check: %v", err)
	}
	if calls != 3 {
		t.Errorf("check called %d times, want 3", calls)
	}
	unchanged(t, s, before)
	if _, err := s.Delete(bg, "events", id, func(*data.Feature) error { return nil }); err != nil {
		t.Errorf("Delete with an accepting check: %v", err)
	}
	remove(&events, id)
	holds(t, s, events)
}

func testDelete(t *testing.T, open Opener) {
	s, events := withEvents(t, open)
	counted := counter(t, s, events)
	for _, i := range []int{0, 17, 39} {
		f := events.Features[i]
		id := featureID(f)
		b, err := s.Delete(bg, "events", id, nil)
		if err != nil || b != f.Geometry.Bound() {
			t.Errorf("Delete(%d) = %v, %v; want %v", id, b, err, f.Geometry.Bound())
		}
		if _, err := s.Feature(bg, "events", id); !errors.Is(err, data.ErrNotFound) {
			t.Errorf("Feature(%d) after Delete: %v; want data.ErrNotFound", id, err)
		}
	}
	for _, i := range []int{39, 17, 0} {
		remove(&events, featureID(events.Features[i]))
	}
	counted(events)
	holds(t, s, events)
	box := orb.Bound{Min: orb.Point{179.25, -60}, Max: orb.Point{179.75, -50}} // where feature 0 was
	check(t, s, events, data.Query{BBox: &box})
}

func testEditNotFound(t *testing.T, open Opener) {
	s, _ := withEvents(t, open)
	before := dump(t, s)
	r := &data.Record{Geometry: orb.Point{1, 2}, Properties: map[string]any{"name": "x"}}
	_, _, errUpdate := s.Update(bg, "events", 11, r, false, nil)
	_, _, errPatch := s.Update(bg, "events", 11, r, true, nil)
	_, errDelete := s.Delete(bg, "events", 11, nil)
	_, errInsertColl := s.Insert(bg, "no_such_layer", []*data.Record{r})
	_, _, errUpdateColl := s.Update(bg, "no_such_layer", 10, r, false, nil)
	_, errDeleteColl := s.Delete(bg, "no_such_layer", 10, nil)
	for name, err := range map[string]error{"Update": errUpdate, "Update (patch)": errPatch, "Delete": errDelete,
		"Insert into a missing collection": errInsertColl, "Update in a missing collection": errUpdateColl,
		"Delete in a missing collection": errDeleteColl} {
		if !errors.Is(err, data.ErrNotFound) {
			t.Errorf("%s: %v, want an error wrapping data.ErrNotFound", name, err)
		}
	}
	unchanged(t, s, before)
}

// testEditInvalid writes values and geometries that do not fit: an ErrSchema naming the field,
// and no change (Insert is all or none).
func testEditInvalid(t *testing.T, open Opener) {
	s, events := withEvents(t, open)
	before := dump(t, s)
	id := featureID(events.Features[3])
	good := func() *data.Record { return eventRecords(1, 7.7, "good")[0] }
	bad := map[string]*data.Record{
		"count":    {Geometry: orb.Point{1, 1}, Properties: map[string]any{"count": "many"}},
		"ok":       {Geometry: orb.Point{1, 1}, Properties: map[string]any{"ok": "yes"}},
		"at":       {Geometry: orb.Point{1, 1}, Properties: map[string]any{"at": "tomorrow"}},
		"colour":   {Geometry: orb.Point{1, 1}, Properties: map[string]any{"colour": "red"}},
		"geometry": {Geometry: orb.LineString{{1, 1}, {2, 2}}, Properties: map[string]any{"name": "line"}},
	}
	for field, r := range bad {
		_, errInsert := s.Insert(bg, "events", []*data.Record{good(), r})
		_, _, errReplace := s.Update(bg, "events", id, r, false, nil)
		_, _, errPatch := s.Update(bg, "events", id, r, true, nil)
		for name, err := range map[string]error{"Insert": errInsert, "Update": errReplace, "Update (patch)": errPatch} {
			if !errors.Is(err, data.ErrSchema) || !strings.Contains(err.Error(), field) {
				t.Errorf("%s with a bad %s: %v; want an error wrapping data.ErrSchema naming %q", name, field, err, field)
			}
		}
	}
	unchanged(t, s, before)
}

// bound returns g's bounds, the zero Bound for no geometry.
func bound(g orb.Geometry) orb.Bound {
	if g == nil {
		return orb.Bound{}
	}
	return g.Bound()
}
