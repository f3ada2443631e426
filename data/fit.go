package data

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/geo"
)

// GeometryTypeName returns the GeoPackage (and PostGIS) name of a GeoJSON geometry type: POINT,
// LINESTRING, ..., or GEOMETRY for anything else (mixed).
func GeometryTypeName(geojsonType string) string {
	switch geojsonType {
	case orb.Point{}.GeoJSONType():
		return "POINT"
	case orb.LineString{}.GeoJSONType():
		return "LINESTRING"
	case orb.Polygon{}.GeoJSONType():
		return "POLYGON"
	case orb.MultiPoint{}.GeoJSONType():
		return "MULTIPOINT"
	case orb.MultiLineString{}.GeoJSONType():
		return "MULTILINESTRING"
	case orb.MultiPolygon{}.GeoJSONType():
		return "MULTIPOLYGON"
	}
	return "GEOMETRY"
}

// GeoJSONTypeName maps a GeoPackage or PostGIS geometry type name to the GeoJSON one ("Geometry" for
// GEOMETRY, GEOMETRYCOLLECTION and curve types).
func GeoJSONTypeName(gpkg string) string {
	switch strings.ToUpper(gpkg) {
	case "POINT":
		return "Point"
	case "LINESTRING":
		return "LineString"
	case "POLYGON":
		return "Polygon"
	case "MULTIPOINT":
		return "MultiPoint"
	case "MULTILINESTRING":
		return "MultiLineString"
	case "MULTIPOLYGON":
		return "MultiPolygon"
	}
	return "Geometry"
}

// LayerGeometryType returns the geometry type name shared by all of l's features, or GEOMETRY
// when they differ or there are none.
func LayerGeometryType(l Layer) string {
	t := ""
	for _, f := range l.Features {
		if f.Geometry == nil {
			continue
		}
		g := f.Geometry.GeoJSONType()
		if t != "" && t != g {
			return "GEOMETRY"
		}
		t = g
	}
	if t == "" {
		return "GEOMETRY"
	}
	return GeometryTypeName(t)
}

// FitGeometry checks g against a layer's declared geometry type name, turning a single geometry
// into the multi type a layer declares. The error wraps ErrSchema.
func FitGeometry(g orb.Geometry, declared string) (orb.Geometry, error) {
	if g == nil || declared == "GEOMETRY" || declared == "GEOMETRYCOLLECTION" && g.GeoJSONType() == "GeometryCollection" {
		return g, nil
	}
	switch v := g.(type) {
	case orb.Point:
		if declared == "MULTIPOINT" {
			return orb.MultiPoint{v}, nil
		}
	case orb.LineString:
		if declared == "MULTILINESTRING" {
			return orb.MultiLineString{v}, nil
		}
	case orb.Polygon:
		if declared == "MULTIPOLYGON" {
			return orb.MultiPolygon{v}, nil
		}
	}
	if GeometryTypeName(g.GeoJSONType()) != declared {
		return nil, fmt.Errorf("%w: a %s does not fit a %s layer", ErrSchema, g.GeoJSONType(), declared)
	}
	return g, nil
}

// Bounds returns g's bounds, or nil for no geometry or an empty one.
func Bounds(g orb.Geometry) *orb.Bound {
	if g == nil || isEmpty(g) {
		return nil
	}
	b := g.Bound()
	return &b
}

func isEmpty(g orb.Geometry) bool {
	switch v := g.(type) {
	case orb.MultiPoint:
		return len(v) == 0
	case orb.LineString:
		return len(v) == 0
	case orb.MultiLineString:
		return len(v) == 0
	case orb.Polygon:
		return len(v) == 0
	case orb.MultiPolygon:
		return len(v) == 0
	case orb.Collection:
		return len(v) == 0
	}
	return false
}

// FeatureID returns a GeoJSON feature id usable as a stored key (a positive integral number).
func FeatureID(id any) (int64, bool) {
	switch v := id.(type) {
	case float64:
		if v >= 1 && v == math.Trunc(v) && v < 1<<53 {
			return int64(v), true
		}
	case int64:
		return v, v >= 1
	case int:
		return int64(v), v >= 1
	}
	return 0, false
}

// Value checks a record's value against field f and returns it in the field's Go type: int64,
// float64, bool, string, a "YYYY-MM-DD" string for DATE and a UTC time.Time for DATETIME (an
// RFC 3339 string or a date). Integral float64 values (as JSON gives them) fit INTEGER fields
// and int64 values REAL ones. nil stays nil. The error wraps ErrSchema.
func (f Field) Value(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() error { return fmt.Errorf("%w: %v (%T) is not a valid %s value", ErrSchema, v, v, f.Type) }
	switch f.Type {
	case Integer:
		switch n := v.(type) {
		case int64:
			return n, nil
		case float64:
			if n == float64(int64(n)) && n > -1<<53 && n < 1<<53 {
				return int64(n), nil
			}
		}
	case Real:
		switch n := v.(type) {
		case int64:
			return float64(n), nil
		case float64:
			return n, nil
		}
	case Boolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case Date:
		if s, ok := v.(string); ok && geo.IsDate(s) {
			return s, nil
		}
	case DateTime:
		s, ok := v.(string)
		if !ok {
			break
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, s); err != nil {
				break
			}
		}
		return t.UTC(), nil
	default:
		if s, ok := v.(string); ok {
			return s, nil
		}
	}
	return nil, bad()
}
