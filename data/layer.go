package data

import (
	"context"
	"fmt"
	"io"

	"github.com/paulmach/orb/geojson"
)

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

// ImportLayer writes l into a store as a new layer (Append), keeping its features' ids.
func ImportLayer(ctx context.Context, imp Importer, l Layer) (ImportResult, error) {
	return ImportLayerMode(ctx, imp, l, Append)
}

// ImportLayerMode writes l into a store with the given mode, keeping its features' ids.
func ImportLayerMode(ctx context.Context, imp Importer, l Layer, mode ImportMode) (ImportResult, error) {
	gtype := l.GeometryType
	if gtype == "" {
		gtype = LayerGeometryType(l)
	}
	spec := ImportSpec{Layer: l.Name, Mode: mode, Fields: l.Fields, GeometryType: gtype,
		TemporalField: l.TemporalField, Title: l.Title, Description: l.Description}
	i := 0
	return imp.Import(ctx, spec, func() (*Record, error) {
		if i == len(l.Features) {
			return nil, io.EOF
		}
		f := l.Features[i]
		i++
		id, _ := FeatureID(f.ID)
		return &Record{Geometry: f.Geometry, Properties: f.Properties, ID: id, Where: fmt.Sprintf("layer %s, feature %d", l.Name, i)}, nil
	})
}
