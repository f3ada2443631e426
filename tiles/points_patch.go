package tiles

import (
	"cmp"
	"math/bits"
	"slices"
	"sort"

	"github.com/paulmach/orb"
)

// PatchPoint is a point Patch adds: its id, position (WGS84) and property values, one per
// field of the Points in their order (as PointsBuilder.Add takes them; values of dropped
// columns are ignored).
type PatchPoint struct {
	ID    int64
	Point orb.Point
	Props []any
}

// Patch returns a new Points holding p's points but those whose position lies within one of
// gone (closed bounds, with the same 1e-9° margin as Select; plain lon/lat boxes, a bound with
// Min above Max holds nothing) and those whose id is one of add's, plus add's points. add may
// come in any order (Patch sorts a copy); its ids must be distinct (if one repeats, the last
// point with it wins). p is not changed and stays safe to use, also while Patch runs.
//
// The result is as if built by a PointsBuilder from the resulting points in id order with the
// same columns dropped: same Len, Column, Holds and Select results, and tiles with the same
// bytes. Only its dictionaries may differ: a column's values keep their codes unless an added
// value is new to the column, and then the values no point holds any more are left out; until
// then Filter may still call keep with them, and Bytes counts them.
//
// It takes time in proportion to p.Len() (array copies, no per-point lookups) plus the points
// within gone and, for a column that gets a new value, the size of its dictionary.
func (p *Points) Patch(gone []orb.Bound, add []PatchPoint) *Points {
	add = sortedByID(add)
	removed := p.removals(gone, add)
	if len(removed) == 0 && len(add) == 0 {
		q := *p // share everything: neither is ever modified
		return &q
	}
	pl := p.plan(removed, add)
	m := len(p.ids) - len(removed) + len(add)

	q := &Points{
		ids:  make([]int64, m),
		lon:  make([]float64, m),
		lat:  make([]float64, m),
		cols: make([]column, len(p.cols)),
	}
	for _, s := range pl.runs {
		copy(q.ids[s.to:s.to+s.n], p.ids[s.from:])
		copy(q.lon[s.to:s.to+s.n], p.lon[s.from:])
		copy(q.lat[s.to:s.to+s.n], p.lat[s.from:])
	}
	for j, a := range add {
		pos := pl.addPos[j]
		q.ids[pos], q.lon[pos], q.lat[pos] = a.ID, a.Point[0], a.Point[1]
	}
	for i := range p.cols {
		q.cols[i] = p.cols[i].patch(i, pl, add, m)
	}
	q.byLon = p.patchByLon(pl, add, m)

	q.bytes = int64(m) * (8 + 8 + 8 + 4) // as Build estimates it
	for _, c := range q.cols {
		if !c.dropped {
			q.bytes += c.bytes + 4*int64(m) - int64(len(c.dict))*48
		}
	}
	return q
}

// sortedByID returns a copy of add sorted by id, with only the last of points sharing an id.
func sortedByID(add []PatchPoint) []PatchPoint {
	s := slices.Clone(add)
	slices.SortStableFunc(s, func(a, b PatchPoint) int { return cmp.Compare(a.ID, b.ID) })
	out := s[:0]
	for i := range s {
		if i+1 < len(s) && s[i+1].ID == s[i].ID {
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// removals returns the positions, ascending, of the points within gone or with the id of one
// of add (sorted by id).
func (p *Points) removals(gone []orb.Bound, add []PatchPoint) []int32 {
	words := make([]uint64, (len(p.ids)+63)/64)
	n := 0
	mark := func(pos int32) {
		w, bit := &words[pos>>6], uint64(1)<<(pos&63)
		if *w&bit == 0 {
			*w |= bit
			n++
		}
	}
	const margin = 1e-9 // as in Select
	for _, b := range gone {
		minLon, maxLon := b.Min[0]-margin, b.Max[0]+margin
		minLat, maxLat := b.Min[1]-margin, b.Max[1]+margin
		lo := sort.Search(len(p.byLon), func(i int) bool { return p.lon[p.byLon[i]] >= minLon })
		hi := lo + sort.Search(len(p.byLon)-lo, func(i int) bool { return p.lon[p.byLon[lo+i]] > maxLon })
		for _, pos := range p.byLon[lo:hi] {
			if lat := p.lat[pos]; lat >= minLat && lat <= maxLat {
				mark(pos)
			}
		}
	}
	for _, a := range add {
		if i, found := slices.BinarySearch(p.ids, a.ID); found {
			mark(int32(i))
		}
	}
	out := make([]int32, 0, n)
	for w, word := range words {
		for word != 0 {
			out = append(out, int32(w<<6+bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
	return out
}

// patchPlan says where p's points and the added ones go in the patched Points.
type patchPlan struct {
	runs   []keptRun // the kept points
	remap  []int32   // new position of each old one, -1 if removed
	ins    []int     // for each added point, the old position it goes before (p.Len() for the end)
	addPos []int32   // new position of each added point
}

// keptRun is a run of n kept points, from old position from to new position to.
type keptRun struct{ from, to, n int }

// plan merges the kept points and add (sorted by id, none sharing an id with a kept point) in
// id order.
func (p *Points) plan(removed []int32, add []PatchPoint) patchPlan {
	n := len(p.ids)
	pl := patchPlan{
		runs:   make([]keptRun, 0, len(removed)+len(add)+1),
		remap:  make([]int32, n),
		ins:    make([]int, len(add)),
		addPos: make([]int32, len(add)),
	}
	for j, a := range add {
		pl.ins[j], _ = slices.BinarySearch(p.ids, a.ID)
	}
	i, o, r, j := 0, 0, 0, 0 // old position, new position, next removed, next added
	for {
		stop := n
		if r < len(removed) {
			stop = int(removed[r])
		}
		if j < len(add) && pl.ins[j] < stop {
			stop = pl.ins[j]
		}
		if stop > i {
			pl.runs = append(pl.runs, keptRun{from: i, to: o, n: stop - i})
			for k := i; k < stop; k++ {
				pl.remap[k] = int32(o + k - i)
			}
			o += stop - i
			i = stop
		}
		switch {
		case j < len(add) && pl.ins[j] == i:
			pl.addPos[j] = int32(o)
			o++
			j++
		case r < len(removed) && int(removed[r]) == i:
			pl.remap[i] = -1
			i++
			r++
		default: // i == n, and every point is placed
			return pl
		}
	}
}

// patch returns column c (the i-th) of the patched Points, of m points.
func (c *column) patch(i int, pl patchPlan, add []PatchPoint, m int) column {
	nc := column{name: c.name, dropped: c.dropped}
	if c.dropped {
		return nc
	}
	codes := make([]uint32, m)
	for _, s := range pl.runs {
		copy(codes[s.to:s.to+s.n], c.codes[s.from:])
	}
	nc.dict, nc.bytes, nc.codes = c.dict, c.bytes, codes
	if len(add) == 0 {
		return nc
	}

	// The distinct values added, and which of them the dictionary has.
	var (
		vals  []value                   // distinct values added
		which = make([]int32, len(add)) // index in vals of each added point's value, -1 for nil
		index = map[value]int32{}
	)
	for j, a := range add {
		which[j] = -1
		if i >= len(a.Props) || a.Props[i] == nil {
			continue
		}
		v, ok := toValue(a.Props[i])
		if !ok {
			continue
		}
		k, seen := index[v]
		if !seen {
			k = int32(len(vals))
			vals = append(vals, v)
			index[v] = k
		}
		which[j] = k
	}
	found := make([]uint32, len(vals)) // code of each value, 0 if new
	missing := len(vals)
	if len(vals) <= 4 { // a few values: compare, rather than hash every entry of a big dictionary
		for k, v := range vals {
			if code := slices.Index(c.dict[1:], v); code >= 0 {
				found[k] = uint32(code + 1)
				missing--
			}
		}
	} else {
		for code := 1; code < len(c.dict) && missing > 0; code++ {
			if k, ok := index[c.dict[code]]; ok {
				found[k] = uint32(code)
				missing--
			}
		}
	}
	if missing > 0 {
		nc.dict, nc.bytes = c.grow(codes, vals, found)
	}
	for j, k := range which {
		if k >= 0 {
			codes[pl.addPos[j]] = found[k]
		}
	}
	return nc
}

// grow returns a dictionary with the values of c's that codes and found use, and the values
// of vals not found, with its size in bytes. It recodes codes and found (to the new
// dictionary) in place.
func (c *column) grow(codes []uint32, vals []value, found []uint32) ([]value, int64) {
	used := make([]bool, len(c.dict))
	for _, code := range codes {
		used[code] = true
	}
	for _, code := range found {
		used[code] = true
	}
	live := 0
	for _, u := range used[1:] {
		if u {
			live++
		}
	}
	dict := make([]value, 1, 1+live+len(vals))
	if live == len(c.dict)-1 { // every value is still in use: keep the codes
		dict = append(dict[:0], c.dict...)
	} else {
		recode := make([]uint32, len(c.dict))
		for code, u := range used {
			if u && code > 0 {
				recode[code] = uint32(len(dict))
				dict = append(dict, c.dict[code])
			}
		}
		for k, code := range codes {
			codes[k] = recode[code]
		}
		for k, code := range found {
			found[k] = recode[code]
		}
	}
	for k, v := range vals {
		if found[k] == 0 {
			found[k] = uint32(len(dict))
			dict = append(dict, v)
		}
	}
	var size int64
	for _, v := range dict[1:] {
		size += int64(len(v.s)) + dictEntryBytes
	}
	return dict, size
}

// patchByLon returns the patched Points' index by longitude: p's, without the removed points
// and with the added ones merged in, ordered like Build's (by longitude, then position).
func (p *Points) patchByLon(pl patchPlan, add []PatchPoint, m int) []int32 {
	order := make([]int, len(add))
	for j := range order {
		order[j] = j
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(add[a].Point[0], add[b].Point[0]); c != 0 {
			return c
		}
		return cmp.Compare(pl.addPos[a], pl.addPos[b])
	})
	byLon := make([]int32, m)
	w, from := 0, 0
	for _, j := range order {
		// The kept points before it: smaller longitude, or the same and a smaller id.
		lon, ins := add[j].Point[0], pl.ins[j]
		to := from + sort.Search(len(p.byLon)-from, func(k int) bool {
			pos := p.byLon[from+k]
			c := cmp.Compare(p.lon[pos], lon)
			return c > 0 || c == 0 && int(pos) >= ins
		})
		w += remapInto(byLon[w:], p.byLon[from:to], pl.remap)
		byLon[w] = pl.addPos[j]
		w++
		from = to
	}
	remapInto(byLon[w:], p.byLon[from:], pl.remap)
	return byLon
}

// remapInto writes the new positions of the kept points of old to dst and returns how many
// there are.
func remapInto(dst, old []int32, remap []int32) int {
	w := 0
	for _, pos := range old {
		if r := remap[pos]; r >= 0 {
			dst[w] = r
			w++
		}
	}
	return w
}
