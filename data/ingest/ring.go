package ingest

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
)

// bruteForceMax is the number of segments up to which a ring is tested pair by pair.
const bruteForceMax = 32

// selfIntersection tells whether the closed ring r crosses or touches itself, and where: two
// segments that are not neighbours meet, or two neighbours overlap (a spike going back on
// itself). Repeated consecutive points are ignored. A ring with fewer than 3 distinct points
// is reported with a NaN point.
//
// Small rings are tested pair by pair. Larger ones first by spanSweep, which is quickest
// for the rings met in practice (about a millisecond for 5,000 points) but degrades towards
// n² when long segments overlap along both axes; when it has made 16 tests per segment it
// gives up for a Shamos–Hoey sweep line, O(n log n) comparisons plus the upkeep of the
// segments the line crosses (a few milliseconds even for a star of thousands of spikes).
func selfIntersection(r orb.Ring) (orb.Point, bool) {
	pts := make([]orb.Point, 0, len(r))
	for i, p := range r {
		if i == 0 || p != pts[len(pts)-1] {
			pts = append(pts, p)
		}
	}
	n := len(pts) - 1 // segments: pts[i] → pts[i+1]; pts[n] == pts[0]
	if n < 3 {
		return orb.Point{math.NaN(), math.NaN()}, true
	}
	if n <= bruteForceMax {
		return bruteForce(pts, n)
	}
	if at, ok, done := spanSweep(pts, n, spanBudget*n); done {
		return at, ok
	}
	return sweep(pts, n)
}

// spanBudget bounds the pair tests spanSweep may make per segment before it gives up.
const spanBudget = 16

// spanSweep sorts the segments by where they start along the axis on which they overlap
// least and tests each against the following ones whose extent along that axis overlaps its
// own (first by their extent along the other axis). It is quicker than the sweep line for
// the rings met in practice, but tests nearly every pair when long segments overlap along
// both axes; done is false when it gave up after budget pair tests.
func spanSweep(pts []orb.Point, n, budget int) (at orb.Point, ok, done bool) {
	axis := sweepAxis(pts)
	other := 1 - axis
	type span struct {
		lo, hi   float64 // along axis
		olo, ohi float64 // along the other axis
		i        int
	}
	spans := make([]span, n)
	for i := 0; i < n; i++ {
		a, b := pts[i], pts[i+1]
		spans[i] = span{
			lo: min(a[axis], b[axis]), hi: max(a[axis], b[axis]),
			olo: min(a[other], b[other]), ohi: max(a[other], b[other]),
			i: i,
		}
	}
	slices.SortFunc(spans, func(x, y span) int {
		switch {
		case x.lo < y.lo:
			return -1
		case x.lo > y.lo:
			return 1
		}
		return 0
	})
	for k := range spans {
		s := &spans[k]
		for m := k + 1; m < n && spans[m].lo <= s.hi; m++ {
			if budget--; budget < 0 {
				return orb.Point{}, false, false
			}
			t := &spans[m]
			if t.ohi < s.olo || t.olo > s.ohi {
				continue
			}
			i, j := s.i, t.i
			if i > j {
				i, j = j, i
			}
			if at, ok := segmentsMeet(pts, n, i, j); ok {
				return at, true, true
			}
		}
	}
	return orb.Point{}, false, true
}

// sweepAxis returns the axis (0 for x, 1 for y) along which the segments of pts overlap
// least: the one where the sum of the segments' extents is smallest relative to the ring's.
func sweepAxis(pts []orb.Point) int {
	var sum [2]float64
	lo, hi := pts[0], pts[0]
	for i := 1; i < len(pts); i++ {
		for a := 0; a < 2; a++ {
			sum[a] += math.Abs(pts[i][a] - pts[i-1][a])
			lo[a], hi[a] = min(lo[a], pts[i][a]), max(hi[a], pts[i][a])
		}
	}
	w, h := hi[0]-lo[0], hi[1]-lo[1]
	switch {
	case w == 0:
		return 1
	case h == 0:
		return 0
	case sum[1]*w < sum[0]*h: // sum[1]/h < sum[0]/w
		return 1
	}
	return 0
}

// bruteForce tests every pair of segments.
func bruteForce(pts []orb.Point, n int) (orb.Point, bool) {
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if at, ok := segmentsMeet(pts, n, i, j); ok {
				return at, true
			}
		}
	}
	return orb.Point{}, false
}

// sweep runs a Shamos–Hoey sweep from left to right (points ordered by x, then y, which
// handles vertical segments). The segments the sweep line crosses are kept ordered from
// bottom to top, and each is tested against its neighbours when it enters and when the
// segment between two others leaves. While no two segments cross the order stays valid,
// so the leftmost meeting of two segments is found. At a point where segments end and
// others start, the ending ones leave first: neighbours in the ring, which share the point,
// are then never in the order together; vertices passed twice are found by counting.
func sweep(pts []orb.Point, n int) (orb.Point, bool) {
	// An event is a segment's left end (it enters the sweep) or right end (it leaves).
	// key orders the events at one point: leaving before entering, then by segment.
	type event struct {
		p   orb.Point
		key uint32 // 1<<31 for entering, | segment
	}
	const enters = 1 << 31
	left := make([]orb.Point, n)
	right := make([]orb.Point, n)
	events := make([]event, 0, 2*n)
	for i := 0; i < n; i++ {
		a, b := pts[i], pts[i+1]
		if pointCmp(b, a) < 0 {
			a, b = b, a
		}
		left[i], right[i] = a, b
		events = append(events, event{a, enters | uint32(i)}, event{b, uint32(i)})
	}
	slices.SortFunc(events, func(x, y event) int {
		if c := pointCmp(x.p, y.p); c != 0 {
			return c
		}
		return cmp.Compare(x.key, y.key)
	})
	// A point where more than two segments end is a vertex the ring passes twice: it
	// touches itself there. (The sweep would miss it when one pass's segments end at the
	// point and the other's start there, as the ending ones leave first.)
	for i := 2; i < len(events); i++ {
		if events[i].p == events[i-2].p {
			return events[i].p, true
		}
	}
	meet := func(i, j int) (orb.Point, bool) {
		if i > j {
			i, j = j, i
		}
		return segmentsMeet(pts, n, i, j)
	}
	var status []int // segments crossing the sweep line, bottom to top
	for _, e := range events {
		s := int(e.key &^ enters)
		if e.key&enters == 0 {
			k := slices.Index(status, s)
			status = slices.Delete(status, k, k+1)
			if k > 0 && k < len(status) {
				if at, ok := meet(status[k-1], status[k]); ok {
					return at, true
				}
			}
			continue
		}
		p, q := left[s], right[s]
		// The first segment that s lies below: p below its line, or on it and heading below.
		k := sort.Search(len(status), func(m int) bool {
			t := status[m]
			if o := orient(left[t], right[t], p); o != 0 {
				return o < 0
			}
			return orient(left[t], right[t], q) < 0
		})
		status = slices.Insert(status, k, s)
		if k > 0 {
			if at, ok := meet(status[k-1], s); ok {
				return at, true
			}
		}
		if k+1 < len(status) {
			if at, ok := meet(s, status[k+1]); ok {
				return at, true
			}
		}
	}
	return orb.Point{}, false
}

// pointCmp orders points by x, then y. Coordinates are never NaN here (checkRing tests them
// first).
func pointCmp(a, b orb.Point) int {
	switch {
	case a[0] < b[0]:
		return -1
	case a[0] > b[0]:
		return 1
	case a[1] < b[1]:
		return -1
	case a[1] > b[1]:
		return 1
	}
	return 0
}

// segmentsMeet tests segments i < j of the closed point list pts (n segments). Neighbours
// share a point and only count when they fold back over each other.
func segmentsMeet(pts []orb.Point, n, i, j int) (orb.Point, bool) {
	a, b := pts[i], pts[i+1]
	c, d := pts[j], pts[j+1]
	switch {
	case j == i+1: // a→b→d
		return b, orient(a, b, d) == 0 && dot(b, a, d) > 0
	case i == 0 && j == n-1: // c→a→b
		return a, orient(c, a, b) == 0 && dot(a, c, b) > 0
	}
	o1, o2 := orient(a, b, c), orient(a, b, d)
	o3, o4 := orient(c, d, a), orient(c, d, b)
	if o1*o2 < 0 && o3*o4 < 0 {
		return crossing(a, b, c, d), true
	}
	switch {
	case o1 == 0 && onSegment(a, b, c):
		return c, true
	case o2 == 0 && onSegment(a, b, d):
		return d, true
	case o3 == 0 && onSegment(c, d, a):
		return a, true
	case o4 == 0 && onSegment(c, d, b):
		return b, true
	}
	return orb.Point{}, false
}

// orient returns the sign of the turn a→b→c: 1 left, -1 right, 0 collinear.
func orient(a, b, c orb.Point) float64 {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// dot tells whether, seen from p, a and c lie in the same direction (positive).
func dot(p, a, c orb.Point) float64 {
	return (a[0]-p[0])*(c[0]-p[0]) + (a[1]-p[1])*(c[1]-p[1])
}

// onSegment tells whether p, collinear with a and b, lies between them.
func onSegment(a, b, p orb.Point) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) &&
		min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// crossing returns where segments ab and cd, known to cross, meet.
func crossing(a, b, c, d orb.Point) orb.Point {
	den := (b[0]-a[0])*(d[1]-c[1]) - (b[1]-a[1])*(d[0]-c[0])
	if den == 0 {
		return a
	}
	t := ((c[0]-a[0])*(d[1]-c[1]) - (c[1]-a[1])*(d[0]-c[0])) / den
	return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
}
