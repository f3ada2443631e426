package storetest

import (
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/harmattan/harmattan/data"
)

// read returns copies of the features of collection id that q selects.
func read(t *testing.T, s data.Store, id string, q data.Query) []*data.Feature {
	t.Helper()
	var out []*data.Feature
	err := s.Features(bg, id, q, func(f *data.Feature) error {
		out = append(out, &data.Feature{ID: f.ID, Geometry: orb.Clone(f.Geometry), Properties: append([]any(nil), f.Properties...)})
		return nil
	})
	if err != nil {
		t.Fatalf("Features(%s, %s): %v", id, describe(q), err)
	}
	return out
}

// diff describes how got differs from the written feature w, for the fields selected, or
// returns "".
func diff(fields []data.Field, w *geojson.Feature, got *data.Feature) string {
	if id := featureID(w); got.ID != id {
		return fmt.Sprintf("id %d, want %d", got.ID, id)
	}
	if err := sameGeometry(w.Geometry, got.Geometry); err != nil {
		return fmt.Sprintf("feature %d: geometry: %v", got.ID, err)
	}
	if len(got.Properties) != len(fields) {
		return fmt.Sprintf("feature %d: %d properties, want %d (%v)", got.ID, len(got.Properties), len(fields), got.Properties)
	}
	for i, f := range fields {
		wv, gv := norm(f.Type, w.Properties[f.Name]), norm(f.Type, got.Properties[i])
		if !same(wv, gv) {
			return fmt.Sprintf("feature %d: %s (%s) = %#v, want %#v", got.ID, f.Name, f.Type, got.Properties[i], w.Properties[f.Name])
		}
	}
	return ""
}

// sameFeatures checks that got are exactly the features of w, in order, with fields' values.
func sameFeatures(t *testing.T, what string, fields []data.Field, w []*geojson.Feature, got []*data.Feature) {
	t.Helper()
	if len(got) != len(w) {
		t.Errorf("%s: %d features %v, want %d %v", what, len(got), gotIDs(got), len(w), wantIDs(w))
		return
	}
	for i := range w {
		if d := diff(fields, w[i], got[i]); d != "" {
			t.Errorf("%s: feature #%d: %s", what, i, d)
			return
		}
	}
}

// sameGeometry reports how got differs from w: the type, the number of parts, rings or
// points, or the first coordinate that is not exactly the same.
func sameGeometry(w, got orb.Geometry) error {
	switch {
	case w == nil && got == nil:
		return nil
	case w == nil || got == nil:
		return fmt.Errorf("%v, want %v", got, w)
	case w.GeoJSONType() != got.GeoJSONType():
		return fmt.Errorf("a %s, want a %s", got.GeoJSONType(), w.GeoJSONType())
	}
	switch w := w.(type) {
	case orb.Point:
		if got.(orb.Point) != w {
			return fmt.Errorf("%v, want %v", got, w)
		}
	case orb.MultiPoint:
		return samePoints(w, got.(orb.MultiPoint))
	case orb.LineString:
		return samePoints(w, got.(orb.LineString))
	case orb.MultiLineString:
		g := got.(orb.MultiLineString)
		if len(g) != len(w) {
			return fmt.Errorf("%d lines, want %d", len(g), len(w))
		}
		for i := range w {
			if err := samePoints(w[i], g[i]); err != nil {
				return fmt.Errorf("line %d: %w", i, err)
			}
		}
	case orb.Polygon:
		return sameRings(w, got.(orb.Polygon))
	case orb.MultiPolygon:
		g := got.(orb.MultiPolygon)
		if len(g) != len(w) {
			return fmt.Errorf("%d polygons, want %d", len(g), len(w))
		}
		for i := range w {
			if err := sameRings(w[i], g[i]); err != nil {
				return fmt.Errorf("polygon %d: %w", i, err)
			}
		}
	default:
		if !orb.Equal(w, got) {
			return fmt.Errorf("%v, want %v", got, w)
		}
	}
	return nil
}

func sameRings(w, got orb.Polygon) error {
	if len(got) != len(w) {
		return fmt.Errorf("%d rings, want %d", len(got), len(w))
	}
	for i := range w {
		if err := samePoints(w[i], got[i]); err != nil {
			return fmt.Errorf("ring %d: %w", i, err)
		}
	}
	return nil
}

func samePoints[P ~[]orb.Point](w, got P) error {
	if len(got) != len(w) {
		return fmt.Errorf("%d points, want %d", len(got), len(w))
	}
	for i := range w {
		if got[i] != w[i] {
			return fmt.Errorf("point %d is %v, want %v", i, got[i], w[i])
		}
	}
	return nil
}

func gotIDs(fs []*data.Feature) []int64 {
	out := make([]int64, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func wantIDs(fs []*geojson.Feature) []int64 {
	out := make([]int64, len(fs))
	for i, f := range fs {
		out[i] = featureID(f)
	}
	return out
}

// describe formats q for messages.
func describe(q data.Query) string {
	s := ""
	if q.BBox != nil {
		s += fmt.Sprintf(" bbox=%v,%v", q.BBox.Min, q.BBox.Max)
	}
	if !q.Time.IsZero() {
		s += " datetime=" + q.Time.String()
	}
	for _, f := range q.Filters {
		s += fmt.Sprintf(" %s=%v", f.Field, f.Value)
	}
	if q.Properties != nil {
		s += fmt.Sprintf(" properties=%v", q.Properties)
	}
	if q.Limit != 0 || q.Offset != 0 || q.After != 0 {
		s += fmt.Sprintf(" limit=%d offset=%d after=%d", q.Limit, q.Offset, q.After)
	}
	if s == "" {
		return "all"
	}
	return s[1:]
}
