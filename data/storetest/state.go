package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// dump writes down everything a store serves: every collection's metadata, count and
// features, and the change log's last seq. A failed write must leave it the same.
func dump(t *testing.T, s Backend) string {
	t.Helper()
	_, log := versioned(t, s)
	colls, err := s.Collections(bg)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range colls {
		n, err := s.Count(bg, c.ID, data.Query{})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "collection %+v\ncount %d\n", c, n)
		for _, f := range read(t, s, c.ID, data.Query{}) {
			fmt.Fprintf(&b, "%d %v %v\n", f.ID, f.Geometry, f.Properties)
		}
	}
	_, last, err := log.Changes(bg, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "last change %d\n", last)
	return b.String()
}

// unchanged fails t when the store's dump differs from before, showing the first difference.
func unchanged(t *testing.T, s Backend, before string) {
	t.Helper()
	after := dump(t, s)
	if after == before {
		return
	}
	a, b := strings.Split(before, "\n"), strings.Split(after, "\n")
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			t.Errorf("the store changed; at line %d:\nbefore %s\nafter  %s", i+1, x, y)
			return
		}
	}
}

// holds checks that collection l.Name holds exactly l's fields and features, that Feature
// returns each of them, and that Count agrees.
func holds(t *testing.T, s Backend, l data.Layer) {
	t.Helper()
	c, err := s.Collection(bg, l.Name)
	if err != nil {
		t.Fatalf("Collection(%s): %v", l.Name, err)
	}
	if fmt.Sprint(c.Fields) != fmt.Sprint(l.Fields) {
		t.Errorf("%s: fields %v, want %v", l.Name, c.Fields, l.Fields)
	}
	w := sorted(l.Features)
	sameFeatures(t, l.Name, l.Fields, w, read(t, s, l.Name, data.Query{}))
	for _, f := range w {
		got, err := s.Feature(bg, l.Name, featureID(f))
		if err != nil {
			t.Errorf("%s: Feature(%d): %v", l.Name, featureID(f), err)
			continue
		}
		if d := diff(l.Fields, f, got); d != "" {
			t.Errorf("%s: Feature(%d): %s", l.Name, featureID(f), d)
		}
	}
	if n, err := s.Count(bg, l.Name, data.Query{}); err != nil || n != int64(len(w)) {
		t.Errorf("%s: Count = %d, %v; want %d", l.Name, n, err, len(w))
	}
}

// counter counts some queries on l now, filling any cache of counts, and returns a check that
// counts them again at once against l as it is after a write: a store's counts follow its own
// writes without delay.
func counter(t *testing.T, s Backend, l data.Layer) func(after data.Layer) {
	t.Helper()
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	queries := []data.Query{{}, {BBox: &world}}
	for _, q := range queries {
		if n, err := s.Count(bg, l.Name, q); err != nil || n != int64(len(want(l, q))) {
			t.Fatalf("%s: Count(%s) = %d, %v before the write; want %d", l.Name, describe(q), n, err, len(want(l, q)))
		}
	}
	return func(after data.Layer) {
		t.Helper()
		for _, q := range queries {
			if n, err := s.Count(bg, after.Name, q); err != nil || n != int64(len(want(after, q))) {
				t.Errorf("%s: Count(%s) = %d, %v right after the write; want %d", after.Name, describe(q), n, err, len(want(after, q)))
			}
		}
	}
}
