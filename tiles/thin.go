package tiles

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// DefaultMaxFeatures is the per-tile feature cap servers use unless told otherwise: the
// limit tippecanoe puts on a tile, which keeps a vector tile a few MB at most.
const DefaultMaxFeatures = 200_000

// thinCell is the side of Thin's grid cells in units of the 4096 extent (16 px of a 256 px
// tile): a 64×64 grid over the tile, plus a ring of cells for the buffer.
const thinCell = 64

// Thinned reports a layer of a tile that Thin cut down: Kept of its Total features remain.
type Thinned struct {
	Layer       string
	Kept, Total int
}

// Thin cuts the layers of tile t to at most limit features in all, taking them from where the
// tile is densest: the tile is divided into a grid, every cell keeps up to the same quota of
// features, and the quota is the largest that fits limit (cells under it lose nothing). Within
// a cell the features kept are those whose id hashes lowest, so a feature kept at one zoom is
// kept at the next and the same feature is kept by every tile whose buffer holds it. A
// non-point feature counts in the cell of its bound's centre. Layers keep their order, and
// features their order within a layer. It changes layers in place and reports the layers
// it cut; limit <= 0 or a tile within limit changes nothing.
func Thin(t maptile.Tile, layers []Layer, limit int) []Thinned {
	total := 0
	for _, l := range layers {
		total += layerLen(l)
	}
	if limit <= 0 || total <= limit {
		return nil
	}
	type item struct {
		layer, index int
		rank         uint64
	}
	const side = extent/thinCell + 2 // a ring of cells around the tile takes the buffer
	cells := make([][]item, side*side)
	proj := newProjector(t)
	for li, l := range layers {
		for i := range layerLen(l) {
			p, id := layerPoint(l, i)
			x, y := math.NaN(), math.NaN()
			if inBandFinite(p) {
				x, y = proj.project(p)
			}
			c := cellIndex(x, side)*side + cellIndex(y, side)
			cells[c] = append(cells[c], item{li, i, rank(id, i)})
		}
	}
	quota, extra := thinQuota(cells, limit)
	keep := make([][]bool, len(layers))
	for li, l := range layers {
		keep[li] = make([]bool, layerLen(l))
	}
	for _, cell := range cells {
		n := min(len(cell), quota)
		if len(cell) > quota && extra > 0 {
			n, extra = n+1, extra-1
		}
		if n < len(cell) {
			slices.SortFunc(cell, func(a, b item) int { return cmp.Compare(a.rank, b.rank) })
		}
		for _, it := range cell[:n] {
			keep[it.layer][it.index] = true
		}
	}
	var out []Thinned
	for li := range layers {
		if kept := thinLayer(&layers[li], keep[li]); kept < len(keep[li]) {
			out = append(out, Thinned{Layer: layers[li].Name, Kept: kept, Total: len(keep[li])})
		}
	}
	return out
}

// thinQuota returns the largest per-cell quota whose total fits limit, and how many cells over
// it may keep one more feature so that exactly limit are kept.
func thinQuota[T any](cells [][]T, limit int) (quota, extra int) {
	kept := func(q int) int {
		n := 0
		for _, c := range cells {
			n += min(len(c), q)
		}
		return n
	}
	lo, hi := 0, 0
	for _, c := range cells {
		hi = max(hi, len(c))
	}
	for lo < hi { // largest q in [0, hi] with kept(q) <= limit
		q := (lo + hi + 1) / 2
		if kept(q) <= limit {
			lo = q
		} else {
			hi = q - 1
		}
	}
	return lo, limit - kept(lo)
}

// cellIndex is the grid column (or row) of a tile coordinate: the tile's cells are 1..side-2,
// and everything outside it (the buffer, or a position that cannot be projected) goes to the
// ring cells 0 and side-1.
func cellIndex(v float64, side int) int {
	switch {
	case v >= 0 && v < extent:
		return 1 + int(v)/thinCell
	case v >= extent:
		return side - 1
	}
	return 0
}

func layerLen(l Layer) int {
	switch {
	case l.Points != nil:
		return l.Points.Len()
	case l.Features != nil:
		return len(l.Features.Features)
	}
	return 0
}

// layerPoint returns where feature i of l counts for thinning, and its id (nil if none).
func layerPoint(l Layer, i int) (orb.Point, any) {
	if l.Points != nil {
		return l.Points.point(i), l.Points.set.ids[l.Points.pos[i]]
	}
	f := l.Features.Features[i]
	if f == nil || f.Geometry == nil {
		return orb.Point{math.NaN(), math.NaN()}, nil
	}
	if p, ok := f.Geometry.(orb.Point); ok {
		return p, f.ID
	}
	return f.Geometry.Bound().Center(), f.ID
}

// rank orders features within a cell: a hash of the id (so the choice does not favour old or
// new ids), or of the position for features without a numeric id.
func rank(id any, i int) uint64 {
	var v uint64
	switch id := id.(type) {
	case int64:
		v = uint64(id)
	case float64:
		v = math.Float64bits(id)
	default:
		v = uint64(i) | 1<<63
	}
	// splitmix64's finalizer
	v ^= v >> 30
	v *= 0xbf58476d1ce4e5b9
	v ^= v >> 27
	v *= 0x94d049bb133111eb
	v ^= v >> 31
	return v
}

// thinLayer keeps the features of l marked in keep, in their order, and returns how many.
func thinLayer(l *Layer, keep []bool) int {
	n := 0
	for _, k := range keep {
		if k {
			n++
		}
	}
	if n == len(keep) {
		return n
	}
	if l.Points != nil {
		s := *l.Points
		s.pos = make([]int32, 0, n)
		for i, pos := range l.Points.pos {
			if keep[i] {
				s.pos = append(s.pos, pos)
			}
		}
		l.Points = &s
		return n
	}
	fc := geojson.NewFeatureCollection()
	fc.Features = make([]*geojson.Feature, 0, n)
	for i, f := range l.Features.Features {
		if keep[i] {
			fc.Append(f)
		}
	}
	l.Features = fc
	return n
}
