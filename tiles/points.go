package tiles

import (
	"math"
	"math/bits"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// Points is an in-memory, read-only copy of a point layer, laid out for tile building: ids,
// positions and dictionary-encoded properties in columns, and an index by longitude. Tiles built
// from it (EncodeMVT with Layer.Points, ClusterPoints) have the same bytes as tiles built from
// the same features as GeoJSON, at a fraction of the cost of reading them from a database.
//
// Build one with a PointsBuilder. A Points is safe for concurrent use.
type Points struct {
	ids      []int64
	lon, lat []float64
	byLon    []int32 // positions ordered by longitude
	cols     []column
	bytes    int64
}

// column is one property: each point's code into dict, where code 0 is nil. A dropped column
// holds nothing.
type column struct {
	name    string
	dict    []value // dict[0] stands for nil
	codes   []uint32
	bytes   int64 // of dict
	dropped bool
}

// any returns the value as the Go value a store gives: string, int64, float64, bool (or
// uint64).
func (v value) any() any {
	switch v.kind {
	case kindString:
		return v.s
	case kindSint:
		return int64(v.bits)
	case kindDouble:
		return math.Float64frombits(v.bits)
	case kindUint:
		return v.bits
	}
	return v.bits == 1
}

// PointsBuilder collects the points of a Points.
type PointsBuilder struct {
	p     Points
	index []map[value]uint32 // per column: value to code
}

// NewPointsBuilder starts a Points whose features have the given properties, in this order.
func NewPointsBuilder(fields []string) *PointsBuilder {
	b := &PointsBuilder{}
	for _, f := range fields {
		b.p.cols = append(b.p.cols, column{name: f, dict: []value{{}}})
		b.index = append(b.index, map[value]uint32{})
	}
	return b
}

// Add appends a feature: its id, position (WGS84) and property values, one per field (nil,
// string, int64, float64 or bool; other types are kept as EncodeMVT would write them). Ids must
// be added in ascending order, as the tiles built from a Points list features in that order.
func (b *PointsBuilder) Add(id int64, p orb.Point, props []any) {
	b.p.ids = append(b.p.ids, id)
	b.p.lon = append(b.p.lon, p[0])
	b.p.lat = append(b.p.lat, p[1])
	for i := range b.p.cols {
		c := &b.p.cols[i]
		if c.dropped {
			continue
		}
		var code uint32
		if i < len(props) && props[i] != nil {
			if v, ok := toValue(props[i]); ok {
				var seen bool
				if code, seen = b.index[i][v]; !seen {
					code = uint32(len(c.dict))
					c.dict = append(c.dict, v)
					b.index[i][v] = code
					c.bytes += int64(len(v.s)) + dictEntryBytes
				}
			}
		}
		c.codes = append(c.codes, code)
	}
}

// dictEntryBytes estimates the memory of a dictionary entry besides its string: the value and
// the builder's index entry.
const dictEntryBytes = 32 + 48

// Len returns how many points were added so far.
func (b *PointsBuilder) Len() int { return len(b.p.ids) }

// Bytes estimates the memory the Points will hold.
func (b *PointsBuilder) Bytes() int64 {
	n := int64(len(b.p.ids)) * (8 + 8 + 8 + 4) // id, lon, lat, byLon
	for _, c := range b.p.cols {
		if !c.dropped {
			n += c.bytes + 4*int64(len(c.codes))
		}
	}
	return n
}

// DropLargest drops the column that takes the most memory, so that the copy fits a budget; tiles
// that need it must be built from elsewhere (see Holds). It returns the column's name, or
// false when every column is dropped already.
func (b *PointsBuilder) DropLargest() (string, bool) {
	best := -1
	for i, c := range b.p.cols {
		if !c.dropped && (best < 0 || c.bytes > b.p.cols[best].bytes) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	c := &b.p.cols[best]
	c.dropped, c.dict, c.codes, c.bytes = true, nil, nil, 0
	b.index[best] = nil
	return c.name, true
}

// Build returns the Points. The builder must not be used afterwards.
func (b *PointsBuilder) Build() *Points {
	p := &b.p
	p.byLon = make([]int32, len(p.ids))
	for i := range p.byLon {
		p.byLon[i] = int32(i)
	}
	sort.SliceStable(p.byLon, func(i, j int) bool { return p.lon[p.byLon[i]] < p.lon[p.byLon[j]] })
	p.bytes = b.Bytes()
	for i := range p.cols {
		p.bytes -= int64(len(p.cols[i].dict)) * 48 // the builder's index goes
	}
	b.index = nil
	return p
}

// Len returns the number of points.
func (p *Points) Len() int { return len(p.ids) }

// Bytes estimates the memory p holds.
func (p *Points) Bytes() int64 { return p.bytes }

// Column returns the index of the named property, or -1 if it has none or it was dropped.
func (p *Points) Column(name string) int {
	for i, c := range p.cols {
		if c.name == name && !c.dropped {
			return i
		}
	}
	return -1
}

// Holds reports whether p has every named property (nil: all its properties), that is, whether
// a tile with those properties can be built from p.
func (p *Points) Holds(names []string) bool {
	for _, c := range p.cols {
		if c.dropped && (names == nil || slices.Contains(names, c.name)) {
			return false
		}
	}
	return true
}

// PointFilter keeps the points whose value in one column passes a test; make one with Filter.
type PointFilter struct {
	col  int
	keep []bool // by code
}

// Filter returns a filter keeping the points whose value of column col passes keep, which is
// called once for each distinct non-nil value (as given to Add), and those without a value when
// keepNil is true.
func (p *Points) Filter(col int, keepNil bool, keep func(v any) bool) PointFilter {
	d := p.cols[col].dict
	f := PointFilter{col: col, keep: make([]bool, len(d))}
	f.keep[0] = keepNil
	for i := 1; i < len(d); i++ {
		f.keep[i] = keep(d[i].any())
	}
	return f
}

// PointSelection is the points of a Points within a box that pass some filters, in id order,
// with the properties chosen to go with them.
type PointSelection struct {
	set  *Points
	pos  []int32 // positions in set, ascending (id order)
	cols []int   // columns in property name order
}

// Len returns the number of selected points.
func (s *PointSelection) Len() int { return len(s.pos) }

// Select returns the points within QueryBound(t, buffer) (closed, with a margin of 1e-9° for
// rounding) that pass every filter, with the properties named by props (nil: all of them; an
// unknown name is ignored).
func (p *Points) Select(t maptile.Tile, buffer int, filters []PointFilter, props []string) *PointSelection {
	box := QueryBound(t, buffer)
	const margin = 1e-9
	minLon, maxLon := box.Min[0]-margin, box.Max[0]+margin
	minLat, maxLat := box.Min[1]-margin, box.Max[1]+margin
	lo := sort.Search(len(p.byLon), func(i int) bool { return p.lon[p.byLon[i]] >= minLon })
	hi := lo + sort.Search(len(p.byLon)-lo, func(i int) bool { return p.lon[p.byLon[lo+i]] > maxLon })

	// Mark candidates in a bitmap of positions, then read it in position (id) order.
	words := make([]uint64, (len(p.ids)+63)/64)
	n := 0
	for _, pos := range p.byLon[lo:hi] {
		if lat := p.lat[pos]; lat < minLat || lat > maxLat || !p.keeps(pos, filters) {
			continue
		}
		words[pos>>6] |= 1 << (pos & 63)
		n++
	}
	s := &PointSelection{set: p, pos: make([]int32, 0, n)}
	for w, word := range words {
		for word != 0 {
			s.pos = append(s.pos, int32(w<<6+bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
	for i, c := range p.cols {
		if !c.dropped && (props == nil || slices.Contains(props, c.name)) {
			s.cols = append(s.cols, i)
		}
	}
	slices.SortFunc(s.cols, func(a, b int) int {
		switch na, nb := p.cols[a].name, p.cols[b].name; {
		case na < nb:
			return -1
		case na > nb:
			return 1
		}
		return 0
	})
	return s
}

func (p *Points) keeps(pos int32, filters []PointFilter) bool {
	for _, f := range filters {
		if !f.keep[p.cols[f.col].codes[pos]] {
			return false
		}
	}
	return true
}

// FeatureCollection returns the selection as GeoJSON features (for the PNG renderer).
func (s *PointSelection) FeatureCollection() *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	src := selectionSource{s: s}
	for i := range s.pos {
		fc.Append(src.feature(i))
	}
	return fc
}

// point returns the position of the i-th selected point.
func (s *PointSelection) point(i int) orb.Point {
	pos := s.pos[i]
	return orb.Point{s.set.lon[pos], s.set.lat[pos]}
}

// number returns the selected point's value of column col as a number, like Cluster's number.
func (s *PointSelection) number(i, col int) (num, bool, bool) {
	c := &s.set.cols[col]
	code := c.codes[s.pos[i]]
	if code == 0 {
		return num{}, false, false
	}
	return number(c.dict[code].any())
}

// inBandFinite reports whether a point can be projected.
func inBandFinite(p orb.Point) bool {
	return inBand(p[1]) && !math.IsNaN(p[0]) && !math.IsInf(p[0], 0)
}
