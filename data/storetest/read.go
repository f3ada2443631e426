package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// testRead runs the read tests on one store holding the seed dataset and the suite's layers.
func testRead(t *testing.T, open Opener) {
	layers := readLayers(t)
	s := open(t, readLayers(t))
	t.Run("Collections", func(t *testing.T) { testCollections(t, s, layers) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, s) })
	t.Run("Features", func(t *testing.T) { testFeatures(t, s, layers) })
	t.Run("Feature", func(t *testing.T) { testFeature(t, s, layers) })
	t.Run("Properties", func(t *testing.T) { testProperties(t, s, layers) })
	t.Run("Stop", func(t *testing.T) { testStop(t, s, layers[0]) })
	t.Run("Paging", func(t *testing.T) { testPaging(t, s, layers) })
	t.Run("BBox", func(t *testing.T) { testBBox(t, s, layers) })
	t.Run("Datetime", func(t *testing.T) { testDatetime(t, s, layers) })
	t.Run("Filters", func(t *testing.T) { testFilters(t, s, layers) })
	t.Run("Combined", func(t *testing.T) { testCombined(t, s, layers) })
	t.Run("NilGeometry", func(t *testing.T) { testNilGeometry(t, s, looseLayer()) })
}

func testNotFound(t *testing.T, s Backend) {
	nop := func(*data.Feature) error { return nil }
	_, errColl := s.Collection(bg, "no_such_layer")
	_, errFeature := s.Feature(bg, "no_such_layer", 1)
	_, errCount := s.Count(bg, "no_such_layer", data.Query{})
	_, errMissing := s.Feature(bg, "events", 11) // events' ids are 10, 17, 24, ...
	for name, err := range map[string]error{
		"Collection": errColl, "Feature": errFeature, "Count": errCount, "missing feature": errMissing,
		"Features": s.Features(bg, "no_such_layer", data.Query{}, nop),
	} {
		if !errors.Is(err, data.ErrNotFound) {
			t.Errorf("%s: %v, want an error wrapping data.ErrNotFound", name, err)
		}
	}
}

// testFeatures reads every layer whole: ids ascending and as written, geometries equal to the
// input (points exactly, polygons ring by ring), values converted to their field's type.
func testFeatures(t *testing.T, s Backend, layers []data.Layer) {
	for _, l := range layers {
		got := read(t, s, l.Name, data.Query{})
		for i := 1; i < len(got); i++ {
			if got[i].ID <= got[i-1].ID {
				t.Errorf("%s: id %d after %d", l.Name, got[i].ID, got[i-1].ID)
			}
		}
		sameFeatures(t, l.Name, l.Fields, want(l, data.Query{}), got)
	}
}

// testFeature reads every feature by id and compares it with the streamed one.
func testFeature(t *testing.T, s Backend, layers []data.Layer) {
	for _, l := range layers {
		for _, f := range read(t, s, l.Name, data.Query{}) {
			one, err := s.Feature(bg, l.Name, f.ID)
			if err != nil {
				t.Fatalf("%s: Feature(%d): %v", l.Name, f.ID, err)
			}
			if fmt.Sprintf("%d %v %#v", one.ID, one.Geometry, one.Properties) != fmt.Sprintf("%d %v %#v", f.ID, f.Geometry, f.Properties) {
				t.Errorf("%s: Feature(%d) = %v %v, streamed %v %v", l.Name, f.ID, one.Geometry, one.Properties, f.Geometry, f.Properties)
			}
		}
	}
}

// testProperties selects fields in other orders, and unknown ones.
func testProperties(t *testing.T, s Backend, layers []data.Layer) {
	for _, l := range layers {
		var names []string
		for _, f := range slices.Backward(l.Fields) {
			names = append(names, f.Name)
		}
		for _, sel := range [][]string{names, names[:1], {names[len(names)-1], names[0]}, {}} {
			var fields []data.Field
			for _, n := range sel {
				f, _ := (data.Collection{Fields: l.Fields}).Field(n)
				fields = append(fields, f)
			}
			q := data.Query{Properties: sel}
			sameFeatures(t, fmt.Sprintf("%s, %s", l.Name, describe(q)), fields, want(l, q), read(t, s, l.Name, q))
		}
	}
	nop := func(*data.Feature) error { return nil }
	for name, q := range map[string]data.Query{
		"unknown property":      {Properties: []string{"name", "no_such_field"}},
		"filter on unknown one": {Filters: []data.Filter{{Field: "no_such_field", Value: "x"}}},
	} {
		if err := s.Features(bg, "events", q, nop); !errors.Is(err, data.ErrInvalidQuery) {
			t.Errorf("%s: Features: %v, want an error wrapping data.ErrInvalidQuery", name, err)
		}
	}
	_, err := s.Count(bg, "events", data.Query{Filters: []data.Filter{{Field: "no_such_field", Value: "x"}}})
	if !errors.Is(err, data.ErrInvalidQuery) {
		t.Errorf("Count with a filter on an unknown property: %v, want an error wrapping data.ErrInvalidQuery", err)
	}
}

// testStop checks that Features stops at fn's first error and returns it.
func testStop(t *testing.T, s Backend, l data.Layer) {
	stop := errors.New("enough")
	calls := 0
	err := s.Features(bg, l.Name, data.Query{}, func(*data.Feature) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("Features returned %v after %d calls; want fn's error after 3", err, calls)
	}
}

// testNilGeometry checks that features without a geometry are served with a nil Geometry,
// and that bbox queries leave them out while other filters keep them.
func testNilGeometry(t *testing.T, s Backend, l data.Layer) {
	var none []int64
	for _, f := range l.Features {
		if f.Geometry == nil {
			none = append(none, featureID(f))
		}
	}
	if len(none) == 0 {
		t.Fatal("the layer has no feature without a geometry")
	}
	for _, id := range none {
		f, err := s.Feature(bg, l.Name, id)
		if err != nil || f.Geometry != nil {
			t.Errorf("Feature(%s, %d) = %v, %v; want a nil geometry", l.Name, id, f, err)
		}
	}
	streamed := map[int64]bool{}
	for _, f := range read(t, s, l.Name, data.Query{}) {
		if f.Geometry == nil {
			streamed[f.ID] = true
		}
	}
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	boxed := map[int64]bool{}
	for _, f := range read(t, s, l.Name, data.Query{BBox: &world}) {
		boxed[f.ID] = true
	}
	n, err := s.Count(bg, l.Name, data.Query{BBox: &world})
	if err != nil || n != int64(len(l.Features)-len(none)) {
		t.Errorf("Count of the world box = %d, %v; want %d", n, err, len(l.Features)-len(none))
	}
	for _, id := range none {
		if !streamed[id] || boxed[id] {
			t.Errorf("feature %d without a geometry: streamed with nil geometry %v, in the world box %v", id, streamed[id], boxed[id])
		}
	}
}

func find(layers []data.Layer, name string) data.Layer {
	for _, l := range layers {
		if l.Name == name {
			return l
		}
	}
	panic("storetest: no layer " + name)
}
