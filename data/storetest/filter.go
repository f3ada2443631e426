package storetest

import (
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

// check compares what the store answers for q on layer l with the brute-force answer: the
// features, and Count, which must ignore Limit, Offset and After. It returns how many
// features match q's filters.
func check(t *testing.T, s Backend, l data.Layer, q data.Query) int {
	t.Helper()
	what := l.Name + " " + describe(q)
	sameFeatures(t, what, l.Fields, want(l, q), read(t, s, l.Name, q))
	all := q
	all.Limit, all.Offset, all.After = 0, 0, 0
	w := want(l, all)
	n, err := s.Count(bg, l.Name, q)
	if err != nil || n != int64(len(w)) {
		t.Errorf("%s: Count = %d, %v; want %d", what, n, err, len(w))
	}
	paged := all
	paged.Limit, paged.Offset = 1, 1
	if len(w) > 0 {
		paged.After = featureID(w[0])
	}
	if n, err := s.Count(bg, l.Name, paged); err != nil || n != int64(len(w)) {
		t.Errorf("%s: Count with limit, offset and after = %d, %v; want %d", what, n, err, len(w))
	}
	// With MaxCount, the features of the bbox (of the layer, without one) bound the work.
	inBox := int64(len(want(l, data.Query{BBox: q.BBox})))
	for _, most := range []int64{1, int64(len(w)), inBox - 1, inBox, inBox + 1} {
		if most < 1 {
			continue
		}
		capped := all
		capped.MaxCount = most
		expect := int64(len(w))
		if inBox > most {
			expect = -1
		}
		if n, err := s.Count(bg, l.Name, capped); err != nil || n != expect {
			t.Errorf("%s: Count with MaxCount %d (%d in the bbox) = %d, %v; want %d", what, most, inBox, n, err, expect)
		}
	}
	return len(w)
}

func testBBox(t *testing.T, s Backend, layers []data.Layer) {
	boxes := []orb.Bound{
		{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}},
		{Min: orb.Point{-5.1234, 12.3456}, Max: orb.Point{1.2345, 17.8765}},
		{Min: orb.Point{10.0101, -60.0202}, Max: orb.Point{50.0303, 0.0404}},
		{Min: orb.Point{-30.5, -80.5}, Max: orb.Point{-29.5, -79.5}},
		// Across the antimeridian: from 179.1234° east to 180°, and from -180° to -179.2345°.
		{Min: orb.Point{179.1234, -89.5}, Max: orb.Point{-179.2345, 89.5}},
		{Min: orb.Point{178.5032, 5.4321}, Max: orb.Point{-178.6789, 15.9876}},
		{Min: orb.Point{170.0123, -50.5}, Max: orb.Point{-170.0321, 0.5}},
	}
	for _, l := range layers { // a small box around a feature of each layer
		if f := l.Features[len(l.Features)/2]; f.Geometry != nil {
			boxes = append(boxes, f.Geometry.Bound().Pad(0.0123))
		}
	}
	for _, box := range boxes {
		box := box
		some := 0
		for _, l := range layers {
			unambiguous(t, l, box)
			if n := check(t, s, l, data.Query{BBox: &box}); n > 0 && n < len(l.Features) {
				some++
			}
		}
		if some == 0 && box.Min[0] > box.Max[0] {
			t.Errorf("box %v across the antimeridian selects nothing or everything of every layer", box)
		}
	}
}

// unambiguous fails t when an edge of box lies so close to an edge of a feature's bounds that
// a store keeping bounds in single precision may rightly answer otherwise than the oracle.
func unambiguous(t *testing.T, l data.Layer, box orb.Bound) {
	t.Helper()
	const margin = 1e-4
	for _, f := range l.Features {
		if f.Geometry == nil {
			continue
		}
		b := f.Geometry.Bound()
		for _, e := range []float64{box.Min[0], box.Max[0]} {
			if math.Abs(e-b.Min[0]) < margin || math.Abs(e-b.Max[0]) < margin {
				t.Fatalf("test box %v: x edge %v touches feature %v of %s; choose another box", box, e, f.ID, l.Name)
			}
		}
		for _, e := range []float64{box.Min[1], box.Max[1]} {
			if math.Abs(e-b.Min[1]) < margin || math.Abs(e-b.Max[1]) < margin {
				t.Fatalf("test box %v: y edge %v touches feature %v of %s; choose another box", box, e, f.ID, l.Name)
			}
		}
	}
}

func testDatetime(t *testing.T, s Backend, layers []data.Layer) {
	exprs := []string{
		"2024-01-20T00:00:00Z/2024-02-10T12:00:00Z",
		"../2024-01-15T06:30:00Z",
		"2024-02-01T00:00:00+01:00/..",
		"2024-01-05",
		"2023-07-01/2023-08-15",
		"2012-01-01/2013-06-30",
		"../2014-12-31",
		"2019-01-01/..",
		"2022-03-27",
		"2020-05-05/2020-05-05",
	}
	// Intervals ending exactly on a value, and an instant equal to one: both ends are included.
	events := find(layers, "events")
	for _, i := range []int{4, 6, 11} {
		v, _ := events.Features[i].Properties["at"].(string)
		exprs = append(exprs, v, "../"+v, v+"/..")
	}
	nontrivial := 0
	for _, e := range exprs {
		iv := parseInterval(t, e)
		for _, l := range layers {
			if l.TemporalField == "" {
				continue
			}
			n := check(t, s, l, data.Query{Time: iv})
			nulls := len(want(l, data.Query{Time: geo.Interval{Start: farFuture, End: farFuture}}))
			if n > nulls && n < len(l.Features) {
				nontrivial++
			}
		}
	}
	if nontrivial < len(exprs) {
		t.Errorf("only %d interval queries select some but not all of a layer's dated features", nontrivial)
	}
}

// testFilters tests equality on every field of every layer, with values taken from the layer
// (as a client would type them) and values that no feature has.
func testFilters(t *testing.T, s Backend, layers []data.Layer) {
	for _, l := range layers {
		for _, f := range l.Fields {
			var texts []string
			seen := map[string]bool{}
			for _, feat := range l.Features {
				v := feat.Properties[f.Name]
				if v == nil || seen[text(f.Type, v)] || len(texts) == 3 {
					continue
				}
				seen[text(f.Type, v)] = true
				texts = append(texts, text(f.Type, v))
			}
			switch f.Type {
			case data.Text:
				texts = append(texts, "no feature has this value")
			case data.Integer:
				texts = append(texts, "987654321")
			case data.Real:
				texts = append(texts, "-0.123456789")
			case data.Date:
				texts = append(texts, "1901-02-03")
			case data.DateTime:
				texts = append(texts, "1901-02-03T04:05:06Z")
			}
			for _, x := range texts {
				v, err := f.Type.Parse(x)
				if err != nil {
					t.Fatalf("%s.%s: %v", l.Name, f.Name, err)
				}
				check(t, s, l, data.Query{Filters: []data.Filter{{Field: f.Name, Value: v}}})
			}
		}
	}
}

// testCombined mixes bbox, time and property filters, all of which must hold.
func testCombined(t *testing.T, s Backend, layers []data.Layer) {
	events, incidents := find(layers, "events"), find(layers, "incidents")
	dateline := orb.Bound{Min: orb.Point{179.1234, -89.5}, Max: orb.Point{-179.2345, 89.5}}
	mali := orb.Bound{Min: orb.Point{-5.1234, 12.3456}, Max: orb.Point{1.2345, 17.8765}}
	kind := incidents.Features[0].Properties["event_type"]
	cases := []struct {
		l data.Layer
		q data.Query
	}{
		{events, data.Query{BBox: &dateline, Time: parseInterval(t, "2024-01-10T00:00:00Z/2024-02-20T00:00:00Z"),
			Filters: []data.Filter{{Field: "ok", Value: true}}}},
		{events, data.Query{BBox: &dateline, Filters: []data.Filter{{Field: "count", Value: int64(1)}, {Field: "score", Value: 0.1}}}},
		{events, data.Query{Time: parseInterval(t, "../2024-02-01"), Filters: []data.Filter{{Field: "day", Value: "2023-06-21"}}}},
		{incidents, data.Query{BBox: &mali, Time: parseInterval(t, "2012-01-01/2016-12-31"),
			Filters: []data.Filter{{Field: "event_type", Value: kind}}}},
	}
	for _, tc := range cases {
		check(t, s, tc.l, tc.q)
		paged := tc.q
		paged.Limit = 2
		check(t, s, tc.l, paged)
	}
}

// farFuture is a time no feature has: an interval on it selects the features without a time.
var farFuture = time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)

func parseInterval(t *testing.T, s string) geo.Interval {
	t.Helper()
	iv, err := geo.ParseInterval(s)
	if err != nil {
		t.Fatal(err)
	}
	return iv
}
