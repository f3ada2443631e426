package storetest

import (
	"fmt"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// testPaging reads queries page by page, by Limit and Offset and by Limit and After, and
// compares the pages with one full read.
func testPaging(t *testing.T, s Backend, layers []data.Layer) {
	events, incidents := find(layers, "events"), find(layers, "incidents")
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	dateline := orb.Bound{Min: orb.Point{179.1234, -89.5}, Max: orb.Point{-179.2345, 89.5}}
	small := orb.Bound{Min: orb.Point{-4.7, 14.2}, Max: orb.Point{1.3, 17.2}}
	cases := []struct {
		l data.Layer
		q data.Query
	}{
		{events, data.Query{}},
		{events, data.Query{BBox: &dateline}},
		{events, data.Query{Time: parseInterval(t, "2024-01-20T00:00:00Z/2024-02-20T00:00:00Z")}},
		{events, data.Query{Filters: []data.Filter{{Field: "ok", Value: true}}}},
		{incidents, data.Query{BBox: &world}},
		{incidents, data.Query{BBox: &small}},
		{incidents, data.Query{Time: parseInterval(t, "2015-01-01/..")}},
	}
	for _, tc := range cases {
		if tc.q.BBox != nil {
			unambiguous(t, tc.l, *tc.q.BBox)
		}
		all := want(tc.l, tc.q)
		sameFeatures(t, tc.l.Name+" "+describe(tc.q), tc.l.Fields, all, read(t, s, tc.l.Name, tc.q))
		for _, n := range []int{1, 3, 7, len(all) + 1} {
			var byOffset, byKey []*data.Feature
			after := int64(0)
			for page := 0; page <= len(all)/n; page++ {
				q := tc.q
				q.Limit, q.Offset = n, page*n
				byOffset = append(byOffset, read(t, s, tc.l.Name, q)...)
				q.Offset, q.After = 0, after
				got := read(t, s, tc.l.Name, q)
				byKey = append(byKey, got...)
				if len(got) > 0 {
					after = got[len(got)-1].ID
				}
			}
			what := fmt.Sprintf("%s %s in pages of %d", tc.l.Name, describe(tc.q), n)
			sameFeatures(t, what+" by offset", tc.l.Fields, all, byOffset)
			sameFeatures(t, what+" by after", tc.l.Fields, all, byKey)
		}
		for _, q := range []data.Query{{Offset: 5}, {Offset: len(all)}, {Offset: 2, Limit: 3}, {After: 30, Offset: 1, Limit: 4}} {
			q.BBox, q.Time, q.Filters = tc.q.BBox, tc.q.Time, tc.q.Filters
			sameFeatures(t, tc.l.Name+" "+describe(q), tc.l.Fields, want(tc.l, q), read(t, s, tc.l.Name, q))
		}
	}
}
