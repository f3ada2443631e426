package geo

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// WKB geometry type codes (the 2D ones; ISO adds 1000 for Z, 2000 for M and
// 3000 for ZM).
const (
	wkbPoint              = 1
	wkbLineString         = 2
	wkbPolygon            = 3
	wkbMultiPoint         = 4
	wkbMultiLineString    = 5
	wkbMultiPolygon       = 6
	wkbGeometryCollection = 7
)

// Extended (PostGIS EWKB) flags in the type code.
const (
	ewkbZ    = 0x80000000
	ewkbM    = 0x40000000
	ewkbSRID = 0x20000000
)

// maxWKBDepth bounds the nesting of geometry collections, so that a small
// hostile blob cannot recurse deeply.
const maxWKBDepth = 32

var wkbTypeNames = [...]string{"", "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection"}

// wkbReader decodes WKB from a byte slice without per-coordinate allocation:
// all line strings and rings of one geometry share one backing array whose
// size is bounded by the input length.
type wkbReader struct {
	b   []byte
	pos int
	pts []orb.Point // shared backing store for line strings and rings
}

// decodeWKB decodes one WKB geometry (OGC/ISO WKB in XY, XYZ, XYM or XYZM,
// and the extended form with 0x80000000/0x40000000/0x20000000 flags), either
// byte order, dropping Z and M. It returns the geometry and the number of
// bytes read; bytes after the geometry are not looked at.
//
// Empty geometries decode to their empty orb value (a LineString of length 0
// and so on), except empty points (POINT with NaN coordinates), which decode
// to a nil geometry at the top level and are left out of MultiPoints and
// GeometryCollections. Any other NaN or infinite X or Y is an error.
// All errors wrap ErrGPKG.
func decodeWKB(b []byte) (orb.Geometry, int, error) {
	r := wkbReader{b: b}
	g, err := r.geometry(0)
	if err != nil {
		return nil, 0, err
	}
	return g, r.pos, nil
}

func (r *wkbReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: WKB at byte %d: %s", ErrGPKG, r.pos, fmt.Sprintf(format, args...))
}

func (r *wkbReader) remaining() int { return len(r.b) - r.pos }

// header reads the byte order and type code of a geometry.
func (r *wkbReader) header() (le bool, typ uint32, dims int, err error) {
	if r.remaining() < 5 {
		return false, 0, 0, r.errorf("truncated: geometry header needs 5 bytes, %d left", r.remaining())
	}
	switch r.b[r.pos] {
	case 0:
	case 1:
		le = true
	default:
		return false, 0, 0, r.errorf("invalid byte order %d (want 0 or 1)", r.b[r.pos])
	}
	r.pos++
	t := r.uint32(le)
	hasZ := t&ewkbZ != 0
	hasM := t&ewkbM != 0
	if t&ewkbSRID != 0 {
		if r.remaining() < 4 {
			return false, 0, 0, r.errorf("truncated: missing SRID")
		}
		r.pos += 4
	}
	base := t &^ (ewkbZ | ewkbM | ewkbSRID)
	iso, typ := base/1000, base%1000
	if iso > 3 || typ < wkbPoint || typ > wkbGeometryCollection {
		return false, 0, 0, r.errorf("geometry type %d is not supported (only Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon and GeometryCollection, in XY, XYZ, XYM or XYZM)", t)
	}
	if iso != 0 {
		if hasZ || hasM {
			return false, 0, 0, r.errorf("geometry type %#x mixes ISO and extended dimension flags", t)
		}
		hasZ = iso == 1 || iso == 3
		hasM = iso == 2 || iso == 3
	}
	dims = 2
	if hasZ {
		dims++
	}
	if hasM {
		dims++
	}
	return le, typ, dims, nil
}

// uint32 reads 4 bytes; the caller has checked they are there.
func (r *wkbReader) uint32(le bool) uint32 {
	var v uint32
	if le {
		v = binary.LittleEndian.Uint32(r.b[r.pos:])
	} else {
		v = binary.BigEndian.Uint32(r.b[r.pos:])
	}
	r.pos += 4
	return v
}

// count reads an element count and checks that count elements of at least
// minSize bytes each fit in what is left, so that a hostile count can never
// make us allocate more than the input justifies.
func (r *wkbReader) count(le bool, what string, minSize int) (int, error) {
	if r.remaining() < 4 {
		return 0, r.errorf("truncated: missing %s count", what)
	}
	n := r.uint32(le)
	if uint64(n)*uint64(minSize) > uint64(r.remaining()) {
		return 0, r.errorf("%d %s need at least %d bytes, only %d left", n, what, uint64(n)*uint64(minSize), r.remaining())
	}
	return int(n), nil
}

func (r *wkbReader) geometry(depth int) (orb.Geometry, error) {
	le, typ, dims, err := r.header()
	if err != nil {
		return nil, err
	}
	return r.body(le, typ, dims, depth)
}

// body reads the part of a geometry after its header.
func (r *wkbReader) body(le bool, typ uint32, dims, depth int) (orb.Geometry, error) {
	switch typ {
	case wkbPoint:
		p, empty, err := r.point(le, dims)
		if err != nil || empty {
			return nil, err
		}
		return p, nil
	case wkbLineString:
		ls, err := r.points(le, dims)
		if err != nil {
			return nil, err
		}
		return orb.LineString(ls), nil
	case wkbPolygon:
		p, err := r.polygon(le, dims)
		if err != nil {
			return nil, err
		}
		return p, nil
	case wkbMultiPoint:
		n, err := r.count(le, "points", 5+16)
		if err != nil {
			return nil, err
		}
		mp := make(orb.MultiPoint, 0, n)
		for i := 0; i < n; i++ {
			le, dims, err := r.member(wkbPoint)
			if err != nil {
				return nil, err
			}
			p, empty, err := r.point(le, dims)
			if err != nil {
				return nil, err
			}
			if !empty {
				mp = append(mp, p)
			}
		}
		return mp, nil
	case wkbMultiLineString:
		n, err := r.count(le, "line strings", 5+4)
		if err != nil {
			return nil, err
		}
		mls := make(orb.MultiLineString, n)
		for i := range mls {
			le, dims, err := r.member(wkbLineString)
			if err != nil {
				return nil, err
			}
			if mls[i], err = r.points(le, dims); err != nil {
				return nil, err
			}
		}
		return mls, nil
	case wkbMultiPolygon:
		n, err := r.count(le, "polygons", 5+4)
		if err != nil {
			return nil, err
		}
		mp := make(orb.MultiPolygon, n)
		for i := range mp {
			le, dims, err := r.member(wkbPolygon)
			if err != nil {
				return nil, err
			}
			if mp[i], err = r.polygon(le, dims); err != nil {
				return nil, err
			}
		}
		return mp, nil
	default: // wkbGeometryCollection; header() admits nothing else
		if depth >= maxWKBDepth {
			return nil, r.errorf("geometry collections nested more than %d deep", maxWKBDepth)
		}
		n, err := r.count(le, "geometries", 5+4)
		if err != nil {
			return nil, err
		}
		c := make(orb.Collection, 0, n)
		for i := 0; i < n; i++ {
			g, err := r.geometry(depth + 1)
			if err != nil {
				return nil, err
			}
			if g != nil { // an empty point
				c = append(c, g)
			}
		}
		return c, nil
	}
}

// member reads the header of an element of a multi geometry and checks its type.
func (r *wkbReader) member(want uint32) (le bool, dims int, err error) {
	le, typ, dims, err := r.header()
	if err != nil {
		return false, 0, err
	}
	if typ != want {
		return false, 0, r.errorf("a Multi%s holds a %s", wkbTypeNames[want], wkbTypeNames[typ])
	}
	return le, dims, nil
}

// point reads one coordinate; empty reports POINT EMPTY (X and Y both NaN).
func (r *wkbReader) point(le bool, dims int) (p orb.Point, empty bool, err error) {
	if r.remaining() < 8*dims {
		return p, false, r.errorf("truncated: point needs %d bytes, %d left", 8*dims, r.remaining())
	}
	b := r.b[r.pos:]
	if le {
		p = orb.Point{
			math.Float64frombits(binary.LittleEndian.Uint64(b)),
			math.Float64frombits(binary.LittleEndian.Uint64(b[8:])),
		}
	} else {
		p = orb.Point{
			math.Float64frombits(binary.BigEndian.Uint64(b)),
			math.Float64frombits(binary.BigEndian.Uint64(b[8:])),
		}
	}
	if math.IsNaN(p[0]) && math.IsNaN(p[1]) {
		r.pos += 8 * dims
		return orb.Point{}, true, nil
	}
	if !finite(p[0]) || !finite(p[1]) {
		return p, false, r.errorf("non-finite coordinate (%g %g)", p[0], p[1])
	}
	r.pos += 8 * dims
	return p, false, nil
}

// points reads a count and that many coordinates (a LineString or a ring).
// The result is never nil.
func (r *wkbReader) points(le bool, dims int) ([]orb.Point, error) {
	size := 8 * dims
	n, err := r.count(le, "coordinates", size)
	if err != nil {
		return nil, err
	}
	ps := r.alloc(n, size)
	b := r.b[r.pos : r.pos+n*size]
	// acc stays 0 while every value is finite: x-x is NaN for NaN and ±Inf,
	// and NaN sticks. This keeps the loop free of branches.
	var acc float64
	if le {
		for i := range ps {
			c := b[i*size : i*size+16]
			x := math.Float64frombits(binary.LittleEndian.Uint64(c[0:8]))
			y := math.Float64frombits(binary.LittleEndian.Uint64(c[8:16]))
			acc += (x - x) + (y - y)
			ps[i] = orb.Point{x, y}
		}
	} else {
		for i := range ps {
			c := b[i*size : i*size+16]
			x := math.Float64frombits(binary.BigEndian.Uint64(c[0:8]))
			y := math.Float64frombits(binary.BigEndian.Uint64(c[8:16]))
			acc += (x - x) + (y - y)
			ps[i] = orb.Point{x, y}
		}
	}
	if acc != 0 {
		for _, p := range ps {
			if !finite(p[0]) || !finite(p[1]) {
				return nil, r.errorf("non-finite coordinate (%g %g)", p[0], p[1])
			}
		}
	}
	r.pos += n * size
	return ps, nil
}

func (r *wkbReader) polygon(le bool, dims int) (orb.Polygon, error) {
	n, err := r.count(le, "rings", 4)
	if err != nil {
		return nil, err
	}
	p := make(orb.Polygon, n)
	for i := range p {
		ring, err := r.points(le, dims)
		if err != nil {
			return nil, err
		}
		p[i] = ring
	}
	return p, nil
}

// alloc returns a slice of n points carved from the shared backing array,
// which is created on first use, sized for every coordinate the rest of the
// input could hold at size bytes each. The slice's capacity is capped so
// appending to it never overwrites a neighbour.
func (r *wkbReader) alloc(n, size int) []orb.Point {
	if r.pts == nil {
		r.pts = make([]orb.Point, 0, max(n, r.remaining()/size))
	} else if cap(r.pts)-len(r.pts) < n {
		// Only reachable with mixed dimensions; not worth a new arena.
		return make([]orb.Point, n)
	}
	l := len(r.pts)
	r.pts = r.pts[:l+n]
	return r.pts[l : l+n : l+n]
}

func finite(f float64) bool { return f-f == 0 }
