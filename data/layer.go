package data

import "github.com/paulmach/orb/geojson"

// Layer is a collection to write into a Store backend: its name, metadata, schema and
// features. Property values are as decoded from GeoJSON (float64, string, bool, nil) and are
// converted to each field's type by the backend.
type Layer struct {
	Name, Title, Description string
	// TemporalField is the DATE/DATETIME property that datetime filters use ("" for none).
	TemporalField string
	// GeometryType is the GeoPackage geometry type name (POINT, POLYGON, ..., GEOMETRY);
	// "" means: derive it from the features.
	GeometryType string
	Fields       []Field
	Features     []*geojson.Feature
}
