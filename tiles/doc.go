// Package tiles turns features into map tiles: tile addresses, Mapbox Vector Tiles, raster PNG
// tiles, point clustering, and an in-memory tile cache whose entries can be dropped by area.
// It knows nothing of where features come from: callers pass orb GeoJSON collections in WGS84,
// or point layers copied into Points.
package tiles

import (
	"github.com/paulmach/orb/geojson"
)

// Layer is one named layer of a tile: its features in WGS84 lon/lat, either as GeoJSON or, for
// a point layer held in memory, as a selection of Points (which wins when both are set).
type Layer struct {
	Name     string
	Features *geojson.FeatureCollection
	Points   *PointSelection
}

// Format is a tile encoding.
type Format int

// The tile formats served.
const (
	MVT Format = iota // Mapbox Vector Tile 2.1 (protobuf)
	PNG               // raster, 256 px (512 px at scale 2)
)

// ContentType returns the media type of the format.
func (f Format) ContentType() string {
	if f == PNG {
		return "image/png"
	}
	return "application/vnd.mapbox-vector-tile"
}

// String returns the file extension of the format without the dot ("mvt" or "png").
func (f Format) String() string {
	if f == PNG {
		return "png"
	}
	return "mvt"
}

// MaxZoom is the deepest zoom level served.
const MaxZoom = 24
