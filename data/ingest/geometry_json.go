package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/paulmach/orb"
)

// decodeGeometry decodes a GeoJSON geometry's (valid) JSON text. null, and a geometry whose
// "coordinates" array is empty, give a nil geometry (RFC 7946 §3.1 lets readers take empty
// geometries as null). Positions need at least two numbers; a third (altitude) and more are
// dropped. A missing "coordinates" member, or anything but numbers where a position belongs,
// is an error (orb's own decoder would read [] or [null] as the point 0,0).
func decodeGeometry(raw json.RawMessage) (orb.Geometry, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, errors.New("the geometry is not a JSON object")
	}
	var g struct {
		Type        string            `json:"type"`
		Coordinates json.RawMessage   `json:"coordinates"`
		Geometries  []json.RawMessage `json:"geometries"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("invalid geometry: %w", err)
	}
	if g.Type == "GeometryCollection" {
		var c orb.Collection
		for i, m := range g.Geometries {
			sub, err := decodeGeometry(m)
			if err != nil {
				return nil, fmt.Errorf("geometry %d of the collection: %w", i+1, err)
			}
			if sub != nil {
				c = append(c, sub)
			}
		}
		if len(c) == 0 {
			return nil, nil
		}
		return c, nil
	}
	d := nesting(g.Type)
	if d < 0 {
		if g.Type == "" {
			return nil, errors.New(`the geometry has no "type"`)
		}
		return nil, fmt.Errorf("unknown geometry type %q", g.Type)
	}
	coords := bytes.TrimSpace(g.Coordinates)
	if len(coords) == 0 || string(coords) == "null" {
		return nil, fmt.Errorf("the %s has no coordinates", g.Type)
	}
	p := coordParser{b: coords}
	if p.empty() {
		return nil, nil
	}
	var (
		out orb.Geometry
		err error
	)
	switch d {
	case 0:
		out, err = p.position()
	case 1:
		var pts []orb.Point
		pts, err = p.positions()
		if g.Type == "MultiPoint" {
			out = orb.MultiPoint(pts)
		} else {
			out = orb.LineString(pts)
		}
	case 2:
		var rings [][]orb.Point
		rings, err = p.lists()
		if g.Type == "Polygon" {
			poly := make(orb.Polygon, len(rings))
			for i, r := range rings {
				poly[i] = orb.Ring(r)
			}
			out = poly
		} else {
			mls := make(orb.MultiLineString, len(rings))
			for i, r := range rings {
				mls[i] = orb.LineString(r)
			}
			out = mls
		}
	case 3:
		mp := orb.MultiPolygon{}
		err = p.array(func() error {
			rings, err := p.lists()
			poly := make(orb.Polygon, len(rings))
			for i, r := range rings {
				poly[i] = orb.Ring(r)
			}
			mp = append(mp, poly)
			return err
		})
		out = mp
	}
	if err != nil {
		return nil, fmt.Errorf("%s coordinates: %w", g.Type, err)
	}
	return out, nil
}

// nesting returns how deep positions are nested in the coordinates of a geometry type, -1
// for an unknown type.
func nesting(geojsonType string) int {
	switch geojsonType {
	case "Point":
		return 0
	case "MultiPoint", "LineString":
		return 1
	case "MultiLineString", "Polygon":
		return 2
	case "MultiPolygon":
		return 3
	}
	return -1
}

// coordParser reads nested arrays of numbers from valid JSON text.
type coordParser struct {
	b []byte
	i int
}

// empty tells whether the text is the empty array [].
func (p *coordParser) empty() bool {
	if len(p.b) == 0 || p.b[0] != '[' {
		return false
	}
	return skipSpace(p.b, 1) < len(p.b) && p.b[skipSpace(p.b, 1)] == ']'
}

var errNotArray = errors.New("expected an array")

// array calls elem for each element of the array at the cursor.
func (p *coordParser) array(elem func() error) error {
	p.i = skipSpace(p.b, p.i)
	if p.i >= len(p.b) || p.b[p.i] != '[' {
		return errNotArray
	}
	p.i = skipSpace(p.b, p.i+1)
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		p.i = skipSpace(p.b, p.i)
		if p.i >= len(p.b) {
			return errNotArray
		}
		c := p.b[p.i]
		p.i++
		if c == ']' {
			return nil
		}
		if c != ',' {
			return errNotArray
		}
	}
}

// position reads [x, y, ...].
func (p *coordParser) position() (orb.Point, error) {
	var pt orb.Point
	n := 0
	err := p.array(func() error {
		p.i = skipSpace(p.b, p.i)
		start := p.i
		p.i = skipValue(p.b, p.i)
		f, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
		if err != nil {
			v := string(p.b[start:p.i])
			if len(v) > 40 {
				v = v[:40] + "…"
			}
			return fmt.Errorf("%s is not a number", v)
		}
		if n < 2 {
			pt[n] = f
		}
		n++
		return nil
	})
	if err == errNotArray {
		return pt, errors.New("a position must be an array of numbers")
	}
	if err == nil && n < 2 {
		err = fmt.Errorf("a position has %d number(s); it needs longitude and latitude", n)
	}
	return pt, err
}

// positions reads [[x, y], ...].
func (p *coordParser) positions() ([]orb.Point, error) {
	var pts []orb.Point
	err := p.array(func() error {
		pt, err := p.position()
		pts = append(pts, pt)
		return err
	})
	return pts, err
}

// lists reads [[[x, y], ...], ...].
func (p *coordParser) lists() ([][]orb.Point, error) {
	var out [][]orb.Point
	err := p.array(func() error {
		pts, err := p.positions()
		out = append(out, pts)
		return err
	})
	return out, err
}
