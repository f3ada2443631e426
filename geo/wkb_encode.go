package geo

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// nanBits is the quiet NaN used for the coordinates of POINT EMPTY.
const nanBits = 0x7ff8000000000000

// wkbLen returns the length of the 2D WKB encoding of g, and an error for a
// geometry type outside orb's.
func wkbLen(g orb.Geometry) (int, error) {
	switch g := g.(type) {
	case nil:
		return 9, nil // GEOMETRYCOLLECTION EMPTY
	case orb.Point:
		return 21, nil
	case orb.MultiPoint:
		return 9 + 21*len(g), nil
	case orb.LineString:
		return 9 + 16*len(g), nil
	case orb.Ring:
		return 13 + 16*len(g), nil
	case orb.Bound:
		return 13 + 16*5, nil
	case orb.Polygon:
		n := 9
		for _, r := range g {
			n += 4 + 16*len(r)
		}
		return n, nil
	case orb.MultiLineString:
		n := 9
		for _, ls := range g {
			n += 9 + 16*len(ls)
		}
		return n, nil
	case orb.MultiPolygon:
		n := 9
		for _, p := range g {
			m, _ := wkbLen(p)
			n += m
		}
		return n, nil
	case orb.Collection:
		n := 9
		for _, c := range g {
			if c == nil {
				return 0, fmt.Errorf("geo: cannot encode a nil geometry inside a collection")
			}
			m, err := wkbLen(c)
			if err != nil {
				return 0, err
			}
			n += m
		}
		return n, nil
	}
	return 0, fmt.Errorf("geo: cannot encode geometry type %T as WKB", g)
}

// appendWKB appends the little-endian 2D WKB of g to dst. A nil g is written
// as GEOMETRYCOLLECTION EMPTY, a Ring and a Bound as a Polygon, a Point whose
// X and Y are both NaN as POINT EMPTY. Any other NaN or infinite coordinate
// is an error.
func appendWKB(dst []byte, g orb.Geometry) ([]byte, error) {
	switch g := g.(type) {
	case nil:
		return appendTypeCount(dst, wkbGeometryCollection, 0), nil
	case orb.Point:
		if math.IsNaN(g[0]) && math.IsNaN(g[1]) {
			dst = appendType(dst, wkbPoint)
			dst = binary.LittleEndian.AppendUint64(dst, nanBits)
			return binary.LittleEndian.AppendUint64(dst, nanBits), nil
		}
		return appendCoords(appendType(dst, wkbPoint), g)
	case orb.MultiPoint:
		dst = appendTypeCount(dst, wkbMultiPoint, len(g))
		var err error
		for _, p := range g {
			if dst, err = appendWKB(dst, p); err != nil {
				return nil, err
			}
		}
		return dst, nil
	case orb.LineString:
		return appendPoints(appendTypeCount(dst, wkbLineString, len(g)), g)
	case orb.Ring:
		return appendPoints(appendCount(appendTypeCount(dst, wkbPolygon, 1), len(g)), g)
	case orb.Bound:
		return appendWKB(dst, g.ToPolygon())
	case orb.Polygon:
		dst = appendTypeCount(dst, wkbPolygon, len(g))
		var err error
		for _, r := range g {
			if dst, err = appendPoints(appendCount(dst, len(r)), r); err != nil {
				return nil, err
			}
		}
		return dst, nil
	case orb.MultiLineString:
		dst = appendTypeCount(dst, wkbMultiLineString, len(g))
		var err error
		for _, ls := range g {
			if dst, err = appendWKB(dst, ls); err != nil {
				return nil, err
			}
		}
		return dst, nil
	case orb.MultiPolygon:
		dst = appendTypeCount(dst, wkbMultiPolygon, len(g))
		var err error
		for _, p := range g {
			if dst, err = appendWKB(dst, p); err != nil {
				return nil, err
			}
		}
		return dst, nil
	case orb.Collection:
		dst = appendTypeCount(dst, wkbGeometryCollection, len(g))
		var err error
		for _, c := range g {
			if c == nil {
				return nil, fmt.Errorf("geo: cannot encode a nil geometry inside a collection")
			}
			if dst, err = appendWKB(dst, c); err != nil {
				return nil, err
			}
		}
		return dst, nil
	}
	return nil, fmt.Errorf("geo: cannot encode geometry type %T as WKB", g)
}

func appendType(dst []byte, typ uint32) []byte {
	return binary.LittleEndian.AppendUint32(append(dst, 1), typ)
}

// appendTypeCount appends a geometry header and an element count.
func appendTypeCount(dst []byte, typ uint32, n int) []byte {
	return appendCount(appendType(dst, typ), n)
}

func appendCount(dst []byte, n int) []byte {
	return binary.LittleEndian.AppendUint32(dst, uint32(n))
}

func appendCoords(dst []byte, p orb.Point) ([]byte, error) {
	if !finite(p[0]) || !finite(p[1]) {
		return nil, fmt.Errorf("geo: cannot encode non-finite coordinate (%g %g)", p[0], p[1])
	}
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(p[0]))
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(p[1])), nil
}

func appendPoints(dst []byte, ps []orb.Point) ([]byte, error) {
	var acc float64 // stays 0 while every value is finite (see wkbReader.points)
	for _, p := range ps {
		acc += (p[0] - p[0]) + (p[1] - p[1])
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(p[0]))
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(p[1]))
	}
	if acc != 0 {
		for _, p := range ps {
			if _, err := appendCoords(nil, p); err != nil {
				return nil, err
			}
		}
	}
	return dst, nil
}

// envelope returns the bounds of every coordinate of g except empty points,
// and false when g has no such coordinate.
func envelope(g orb.Geometry) (orb.Bound, bool) {
	var e extent
	e.add(g)
	return e.b, e.ok
}

type extent struct {
	b  orb.Bound
	ok bool
}

func (e *extent) point(p orb.Point) {
	if p[0] != p[0] && p[1] != p[1] { // both NaN: an empty point
		return
	}
	if !e.ok {
		e.b, e.ok = orb.Bound{Min: p, Max: p}, true
		return
	}
	e.b.Min[0] = min(e.b.Min[0], p[0])
	e.b.Min[1] = min(e.b.Min[1], p[1])
	e.b.Max[0] = max(e.b.Max[0], p[0])
	e.b.Max[1] = max(e.b.Max[1], p[1])
}

// points is point for each of ps, with the loop kept in one function.
func (e *extent) points(ps []orb.Point) {
	for _, p := range ps {
		e.point(p)
	}
}

func (e *extent) add(g orb.Geometry) {
	switch g := g.(type) {
	case orb.Point:
		e.point(g)
	case orb.MultiPoint:
		e.points(g)
	case orb.LineString:
		e.points(g)
	case orb.Ring:
		e.points(g)
	case orb.Bound:
		e.point(g.Min)
		e.point(g.Max)
	case orb.Polygon:
		for _, r := range g {
			e.points(r)
		}
	case orb.MultiLineString:
		for _, ls := range g {
			e.points(ls)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			e.add(p)
		}
	case orb.Collection:
		for _, c := range g {
			e.add(c)
		}
	}
}
