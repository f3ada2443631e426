package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/tiles"
)

// pmTileset serves a PMTiles archive on disk as a data.Tileset.
type pmTileset struct {
	f    *os.File
	p    *tiles.PMTiles
	info data.TilesetInfo
}

var _ data.Tileset = (*pmTileset)(nil)

// OpenPMTiles opens the PMTiles v3 archive at path as a tileset, reading its header, root
// directory and metadata (name, description, attribution, vector_layers). An archive that is
// malformed, holds tiles other than MVT, PNG, JPEG or WebP, or compresses them with anything
// but gzip is refused with an error naming the file. The file stays open until Close.
func OpenPMTiles(path string) (data.Tileset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	ts, err := newPMTileset(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("pmtiles %s: %w", path, err)
	}
	return ts, nil
}

func newPMTileset(f *os.File) (*pmTileset, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	p, err := tiles.OpenPMTiles(f, fi.Size())
	if err != nil {
		return nil, err
	}
	h := p.Header()
	info := data.TilesetInfo{MinZoom: int(h.MinZoom), MaxZoom: int(h.MaxZoom), Bounds: h.Bounds,
		Center: h.Center, CenterZoom: int(h.CenterZoom)}
	switch h.TileType {
	case tiles.PMTilesTypeMVT:
		info.Format = "pbf"
	case tiles.PMTilesTypePNG:
		info.Format = "png"
	case tiles.PMTilesTypeJPEG:
		info.Format = "jpg"
	case tiles.PMTilesTypeWebP:
		info.Format = "webp"
	default:
		return nil, fmt.Errorf("%w: tile type %d is not served (want MVT, PNG, JPEG or WebP)", tiles.ErrPMTilesUnsupported, h.TileType)
	}
	switch h.TileCompression {
	case tiles.PMTilesCompressionGzip:
		info.Gzip = true
	case tiles.PMTilesCompressionNone, tiles.PMTilesCompressionUnknown:
	default:
		return nil, fmt.Errorf("%w: tiles compressed with something other than gzip (compression %d)", tiles.ErrPMTilesUnsupported, h.TileCompression)
	}
	meta, err := p.Metadata()
	if err != nil {
		return nil, err
	}
	var m struct {
		Name         any             `json:"name"`
		Description  any             `json:"description"`
		Attribution  any             `json:"attribution"`
		VectorLayers json.RawMessage `json:"vector_layers"`
	}
	if err := json.Unmarshal(meta, &m); err != nil {
		return nil, fmt.Errorf("%w: metadata is not a JSON object: %v", tiles.ErrPMTilesInvalid, err)
	}
	info.Name, info.Description, info.Attribution = text(m.Name), text(m.Description), text(m.Attribution)
	if len(m.VectorLayers) > 0 && string(m.VectorLayers) != "null" {
		info.VectorLayers = m.VectorLayers
	}
	return &pmTileset{f: f, p: p, info: info}, nil
}

// text keeps a metadata value that is a string; anything else is dropped.
func text(v any) string {
	s, _ := v.(string)
	return s
}

func (t *pmTileset) Tile(ctx context.Context, z uint8, x, y uint32) ([]byte, error) {
	b, err := t.p.Tile(ctx, z, x, y)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("pmtiles %s: %w", t.f.Name(), err)
	}
	return b, err
}

func (t *pmTileset) Info() data.TilesetInfo { return t.info }

func (t *pmTileset) Close() error { return t.f.Close() }
