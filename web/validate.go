package web

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data/ingest"
)

// validGeometry checks a written geometry as imports check theirs: finite coordinates within
// WGS84's range, closed rings of four points or more that do not cross themselves.
func validGeometry(g orb.Geometry) error { return ingest.CheckGeometry(g) }

// coordinateDepth is how deeply each GeoJSON geometry type nests arrays around its positions.
var coordinateDepth = map[string]int{
	"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3,
}

// checkGeoJSON checks the shape of a GeoJSON geometry object before orb decodes it, because
// orb's decoder fills in what is missing: it reads the position [1] as [1,0], [] and a null
// position as [0,0], and [null,14] as [0,14]. Every position must be an array of two or more
// numbers (RFC 7946 §3.1.1), nested as deeply as the type says; a GeometryCollection's members
// are checked the same way.
func checkGeoJSON(raw json.RawMessage) error {
	var g struct {
		Type        string            `json:"type"`
		Coordinates json.RawMessage   `json:"coordinates"`
		Geometries  []json.RawMessage `json:"geometries"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return errors.New("not a GeoJSON geometry object")
	}
	if g.Type == "GeometryCollection" {
		for i, m := range g.Geometries {
			if err := checkGeoJSON(m); err != nil {
				return fmt.Errorf("member %d: %w", i+1, err)
			}
		}
		return nil
	}
	depth, ok := coordinateDepth[g.Type]
	if !ok {
		return fmt.Errorf("unknown geometry type %q", g.Type)
	}
	return checkCoordinates(g.Coordinates, depth)
}

// checkCoordinates checks that raw is a position (depth 0) or an array of depth-1 coordinates.
func checkCoordinates(raw json.RawMessage, depth int) error {
	if len(raw) == 0 || string(raw) == "null" {
		return errors.New("coordinates are missing")
	}
	if depth == 0 {
		var pos []*float64
		if err := json.Unmarshal(raw, &pos); err != nil {
			return errors.New("a position must be an array of numbers")
		}
		if len(pos) < 2 {
			return fmt.Errorf("a position needs longitude and latitude, not %d numbers", len(pos))
		}
		for _, v := range pos {
			if v == nil {
				return errors.New("a position holds null")
			}
		}
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return errors.New("coordinates are not nested as the geometry type needs")
	}
	for _, it := range items {
		if err := checkCoordinates(it, depth-1); err != nil {
			return err
		}
	}
	return nil
}
