package ingest

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// checkGeometry reports the first reason g is not a valid WGS84 geometry: a coordinate that
// is not finite or is outside lon [-180, 180], lat [-90, 90]; a line string with fewer than
// two points; a polygon without rings, or a ring with fewer than four points, not closed or
// crossing or touching itself. Rings of a polygon are not tested against each other. A nil
// geometry is valid.
func checkGeometry(g orb.Geometry) error {
	switch g := g.(type) {
	case nil:
		return nil
	case orb.Point:
		return checkPoint(g)
	case orb.MultiPoint:
		for _, p := range g {
			if err := checkPoint(p); err != nil {
				return err
			}
		}
	case orb.LineString:
		return checkLine(g)
	case orb.MultiLineString:
		for i, l := range g {
			if err := checkLine(l); err != nil {
				return fmt.Errorf("line %d: %w", i+1, err)
			}
		}
	case orb.Polygon:
		return checkPolygon(g)
	case orb.MultiPolygon:
		for i, p := range g {
			if err := checkPolygon(p); err != nil {
				return fmt.Errorf("polygon %d: %w", i+1, err)
			}
		}
	case orb.Collection:
		for i, m := range g {
			if err := checkGeometry(m); err != nil {
				return fmt.Errorf("geometry %d of the collection: %w", i+1, err)
			}
		}
	case orb.Ring:
		return checkRing(g)
	case orb.Bound:
		return checkGeometry(g.ToPolygon())
	default:
		return fmt.Errorf("unsupported geometry type %T", g)
	}
	return nil
}

// checkPoint reports a coordinate that is not finite or is outside WGS84's range.
func checkPoint(p orb.Point) error {
	if err := checkCoord(p[0], 180); err != nil {
		return fmt.Errorf("longitude %w", err)
	}
	if err := checkCoord(p[1], 90); err != nil {
		return fmt.Errorf("latitude %w", err)
	}
	return nil
}

// checkCoord reports v when it is NaN, infinite or outside [-limit, limit].
func checkCoord(v, limit float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("%v is not a finite number", v)
	case v < -limit || v > limit:
		return fmt.Errorf("%s is outside [-%v, %v]", strconv.FormatFloat(v, 'g', -1, 64), limit, limit)
	}
	return nil
}

func checkLine(l orb.LineString) error {
	for _, p := range l {
		if err := checkPoint(p); err != nil {
			return err
		}
	}
	if len(l) < 2 {
		return fmt.Errorf("a line string needs at least 2 points, this one has %d", len(l))
	}
	return nil
}

func checkPolygon(p orb.Polygon) error {
	if len(p) == 0 {
		return errors.New("the polygon has no rings")
	}
	for i, r := range p {
		if err := checkRing(r); err != nil {
			if len(p) == 1 {
				return fmt.Errorf("ring: %w", err)
			}
			return fmt.Errorf("ring %d: %w", i+1, err)
		}
	}
	return nil
}

func checkRing(r orb.Ring) error {
	for _, p := range r {
		if err := checkPoint(p); err != nil {
			return err
		}
	}
	switch {
	case len(r) < 4:
		return fmt.Errorf("a ring needs at least 4 points, this one has %d", len(r))
	case r[0] != r[len(r)-1]:
		return errors.New("the ring is not closed (its first and last points differ)")
	}
	if at, ok := selfIntersection(r); ok {
		if math.IsNaN(at[0]) {
			return errors.New("the ring has fewer than 3 distinct points")
		}
		return fmt.Errorf("the ring intersects itself near (%s, %s)",
			strconv.FormatFloat(at[0], 'g', 8, 64), strconv.FormatFloat(at[1], 'g', 8, 64))
	}
	return nil
}
