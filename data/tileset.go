package data

import (
	"context"
	"encoding/json"

	"github.com/paulmach/orb"
)

// Tileset is a read-only source of pre-rendered tiles (an MBTiles or PMTiles file), served as
// stored. Implementations are safe for concurrent use.
type Tileset interface {
	// Tile returns the stored bytes of tile z/x/y (XYZ scheme, y from the top), exactly as
	// stored: gzip-compressed when Info().Gzip says so. It returns (nil, nil) when the tileset
	// has no such tile, including addresses outside the tile pyramid.
	Tile(ctx context.Context, z uint8, x, y uint32) ([]byte, error)
	// Info describes the tileset; it is read once when the tileset is opened.
	Info() TilesetInfo
	Close() error
}

// TilesetInfo is a tileset's metadata, as TileJSON needs it.
type TilesetInfo struct {
	// Format is the tile format: "pbf" (Mapbox Vector Tile), "png", "jpg" or "webp".
	Format string
	// Gzip reports that the stored tile bytes are gzip-compressed (vector tiles usually are).
	Gzip bool
	// MinZoom and MaxZoom are the zoom levels the tileset covers.
	MinZoom, MaxZoom int
	// Bounds is the covered area in WGS84 lon/lat; the zero Bound means unknown.
	Bounds orb.Bound
	// Center and CenterZoom are the suggested initial view; the zero Point means unknown.
	Center     orb.Point
	CenterZoom int
	// Name, Description and Attribution are free text from the file's metadata (Attribution
	// may hold HTML; escape it before use).
	Name, Description, Attribution string
	// VectorLayers is the TileJSON vector_layers array of a vector tileset, nil if none.
	VectorLayers json.RawMessage
}
