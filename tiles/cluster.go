package tiles

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// ClusterOptions tunes Cluster.
type ClusterOptions struct {
	// Cell is the grid cell size in units of the 4096 extent; 0 or less means 256 (16 px of a
	// 256 px tile). Cells are aligned on the tile's corner, so with a divisor of 4096 a cell is
	// the same in the neighbouring tiles and clusters in the buffer match theirs.
	Cell int
	// Sum names numeric properties summed into each cluster (e.g. "fatalities").
	Sum []string
}

// DefaultClusterCell is the cell size of Cluster when ClusterOptions.Cell is 0.
const DefaultClusterCell = 256

// Cluster merges the Point features of fc that fall into the same grid cell of tile t into one
// Point at their mean position (mean longitude and latitude) with properties point_count (int64)
// and the sums of opts.Sum, and no id. A sum is an int64 when every value summed is a Go integer,
// a float64 when one is a float; nil and non-numeric values are ignored, and a cell with no
// numeric value for a name has no such property. A cell with a single point keeps that feature as
// it is (same id, geometry and properties, in a copy of the Feature with its own Properties map)
// plus point_count 1.
//
// Cells cover the whole world, so points in the buffer around the tile are clustered too. For
// clusters that match across tile edges, fetch the points with QueryBound(t, opts.Cell): the
// cells around the tile are then whole, and EncodeMVT clips the clusters to its smaller buffer.
// Points
// with a NaN coordinate or beyond the Web Mercator limit (±85.0511°), and all non-point features
// (MultiPoint included, and features with a nil geometry), pass through unchanged: the same
// *geojson.Feature. Output order is deterministic: clusters by cell, row by row from the top
// left, then the features passed through in input order. It returns a new collection; fc is not
// modified. A nil fc gives an empty collection, and nil entries of fc.Features are dropped.
func Cluster(t maptile.Tile, fc *geojson.FeatureCollection, opts ClusterOptions) *geojson.FeatureCollection {
	if fc == nil {
		return geojson.NewFeatureCollection()
	}
	return cluster(t, featureSource{fc, opts.Sum}, opts)
}

// ClusterPoints clusters a selection of Points as Cluster clusters the same features given as
// GeoJSON (in id order, with the selection's properties), with the same result.
func ClusterPoints(t maptile.Tile, s *PointSelection, opts ClusterOptions) *geojson.FeatureCollection {
	src := selectionSource{s: s}
	for _, name := range opts.Sum {
		col := s.set.Column(name)
		if col >= 0 && !slices.Contains(s.cols, col) {
			col = -1 // not selected: the GeoJSON features would not have it
		}
		src.sum = append(src.sum, col)
	}
	return cluster(t, src, opts)
}

// clusterSource is what cluster reads: features by index, each a clusterable point or not.
type clusterSource interface {
	len() int
	// point returns feature i's position, or false if it is not a point to cluster (passed
	// through) or nil (dropped).
	point(i int) (p orb.Point, ok, drop bool)
	// number returns feature i's value of the j-th summed property.
	number(i, j int) (n num, isInt, ok bool)
	// feature returns feature i as GeoJSON: it is not copied, so callers must not modify it.
	feature(i int) *geojson.Feature
}

type featureSource struct {
	fc  *geojson.FeatureCollection
	sum []string
}

func (s featureSource) len() int { return len(s.fc.Features) }

func (s featureSource) point(i int) (orb.Point, bool, bool) {
	f := s.fc.Features[i]
	if f == nil {
		return orb.Point{}, false, true
	}
	p, ok := f.Geometry.(orb.Point)
	return p, ok && inBandFinite(p), false
}

func (s featureSource) number(i, j int) (num, bool, bool) {
	v, ok := s.fc.Features[i].Properties[s.sum[j]]
	if !ok || v == nil {
		return num{}, false, false
	}
	return number(v)
}

func (s featureSource) feature(i int) *geojson.Feature { return s.fc.Features[i] }

type selectionSource struct {
	s   *PointSelection
	sum []int // column of each summed property, or -1
}

func (s selectionSource) len() int { return s.s.Len() }

func (s selectionSource) point(i int) (orb.Point, bool, bool) {
	p := s.s.point(i)
	return p, inBandFinite(p), false
}

func (s selectionSource) number(i, j int) (num, bool, bool) {
	if s.sum[j] < 0 {
		return num{}, false, false
	}
	return s.s.number(i, s.sum[j])
}

func (s selectionSource) feature(i int) *geojson.Feature {
	f := geojson.NewFeature(s.s.point(i))
	set, pos := s.s.set, s.s.pos[i]
	f.ID = set.ids[pos]
	for _, col := range s.s.cols {
		if code := set.cols[col].codes[pos]; code != 0 {
			f.Properties[set.cols[col].name] = set.cols[col].dict[code].any()
		}
	}
	return f
}

func cluster(t maptile.Tile, src clusterSource, opts ClusterOptions) *geojson.FeatureCollection {
	out := geojson.NewFeatureCollection()
	size := float64(opts.Cell)
	if opts.Cell <= 0 {
		size = DefaultClusterCell
	}
	proj := newProjector(t)
	rows := newRowFinder(proj, size)

	type cell struct {
		cx, cy   int64
		first    int // index of the first point in src
		n        int64
		lon, lat float64
	}
	type sum struct {
		i     int64
		f     float64
		float bool
		any   bool
	}
	var (
		cells []cell
		sums  []sum                      // len(opts.Sum) per cell
		index = make(map[uint64]int32)   // cells with 32-bit indexes
		far   = make(map[[2]int64]int32) // the others (far from the tile, tiny cells)
		other []*geojson.Feature
	)
	for i := range src.len() {
		p, ok, drop := src.point(i)
		if drop {
			continue
		}
		if !ok {
			other = append(other, src.feature(i))
			continue
		}
		cx := int64(math.Floor(((p[0]/360+0.5)*proj.scale - proj.ox) / size))
		cy := rows.row(p[1])
		var ci int32
		if cx == int64(int32(cx)) && cy == int64(int32(cy)) {
			key := uint64(uint32(cx))<<32 | uint64(uint32(cy))
			if ci, ok = index[key]; !ok {
				index[key] = int32(len(cells))
			}
		} else {
			key := [2]int64{cx, cy}
			if ci, ok = far[key]; !ok {
				far[key] = int32(len(cells))
			}
		}
		if !ok {
			ci = int32(len(cells))
			cells = append(cells, cell{cx: cx, cy: cy, first: i})
			for range opts.Sum {
				sums = append(sums, sum{})
			}
		}
		c := &cells[ci]
		c.n++
		c.lon += p[0]
		c.lat += p[1]
		if len(opts.Sum) == 0 {
			continue
		}
		cs := sums[int(ci)*len(opts.Sum):][:len(opts.Sum)]
		for j := range opts.Sum {
			n, isInt, ok := src.number(i, j)
			if !ok {
				continue
			}
			a := &cs[j]
			switch {
			case isInt && !a.float:
				a.i += n.i
			case isInt:
				a.f += float64(n.i)
			default:
				if !a.float {
					a.float, a.f = true, float64(a.i)
				}
				a.f += n.f
			}
			a.any = true
		}
	}

	order := make([]int32, len(cells))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ca, cb := &cells[a], &cells[b]
		if c := cmp.Compare(ca.cy, cb.cy); c != 0 {
			return c
		}
		return cmp.Compare(ca.cx, cb.cx)
	})

	out.Features = make([]*geojson.Feature, 0, len(cells)+len(other))
	for _, ci := range order {
		c := &cells[ci]
		if c.n == 1 {
			orig := src.feature(c.first)
			nf := *orig
			nf.Properties = make(geojson.Properties, len(orig.Properties)+1)
			for k, v := range orig.Properties {
				nf.Properties[k] = v
			}
			nf.Properties["point_count"] = int64(1)
			out.Features = append(out.Features, &nf)
			continue
		}
		props := make(geojson.Properties, 1+len(opts.Sum))
		props["point_count"] = c.n
		for j, name := range opts.Sum {
			a := sums[int(ci)*len(opts.Sum)+j]
			switch {
			case !a.any:
			case a.float:
				props[name] = a.f
			default:
				props[name] = a.i
			}
		}
		nf := geojson.NewFeature(orb.Point{c.lon / float64(c.n), c.lat / float64(c.n)})
		nf.Properties = props
		out.Features = append(out.Features, nf)
	}
	out.Features = append(out.Features, other...)
	return out
}

type num struct {
	i int64
	f float64
}

// number returns v as an integer (isInt) or a float, or false if v is not a Go number.
func number(v any) (n num, isInt, ok bool) {
	switch v := v.(type) {
	case int64:
		return num{i: v}, true, true
	case float64:
		return num{f: v}, false, true
	case int:
		return num{i: int64(v)}, true, true
	case int32:
		return num{i: int64(v)}, true, true
	case int16:
		return num{i: int64(v)}, true, true
	case int8:
		return num{i: int64(v)}, true, true
	case uint32:
		return num{i: int64(v)}, true, true
	case uint16:
		return num{i: int64(v)}, true, true
	case uint8:
		return num{i: int64(v)}, true, true
	case uint64:
		if v <= math.MaxInt64 {
			return num{i: int64(v)}, true, true
		}
		return num{f: float64(v)}, false, true
	case uint:
		if uint64(v) <= math.MaxInt64 {
			return num{i: int64(v)}, true, true
		}
		return num{f: float64(v)}, false, true
	case float32:
		return num{f: float64(v)}, false, true
	}
	return num{}, false, false
}

// rowFinder finds the grid row of a latitude without a logarithm: by binary search among the
// latitudes of the row edges from one tile above the tile to one tile below, by projection
// elsewhere.
type rowFinder struct {
	proj  projector
	size  float64
	first int64     // row of edges[0]
	edges []float64 // latitude of the top edge of rows first, first+1, ...: decreasing
}

func newRowFinder(p projector, size float64) rowFinder {
	f := rowFinder{proj: p, size: size}
	lo, hi := math.Floor(-extent/size), math.Ceil(2*extent/size)
	if hi-lo > 1024 {
		return f // cells too small for a table
	}
	f.first = int64(lo)
	for r := lo; r <= hi; r++ {
		fy := (p.oy + r*size) / p.scale
		f.edges = append(f.edges, math.Atan(math.Sinh(math.Pi*(1-2*fy)))*180/math.Pi)
	}
	return f
}

// row returns floor(y/size) for the tile y of latitude lat, which is within ±maxLat.
func (f *rowFinder) row(lat float64) int64 {
	e := f.edges
	if len(e) < 2 || lat > e[0] || lat <= e[len(e)-1] {
		_, y := f.proj.project(orb.Point{0, lat})
		return int64(math.Floor(y / f.size))
	}
	// The last edge at or above lat: rows are [edge r+1, edge r) going down, lat == edge r in r.
	i, j := 0, len(e)-1 // e[i] >= lat > e[j]
	for j-i > 1 {
		m := int(uint(i+j) >> 1)
		if e[m] >= lat {
			i = m
		} else {
			j = m
		}
	}
	return f.first + int64(i)
}
