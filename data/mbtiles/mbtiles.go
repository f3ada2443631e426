// Package mbtiles reads MBTiles 1.3 files (SQLite databases of pre-rendered tiles) as
// data.Tilesets. Files are opened read-only and never modified.
package mbtiles

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/mattn/go-sqlite3"
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// ErrNotMBTiles is wrapped by Open's error for a file that is not a usable MBTiles file.
var ErrNotMBTiles = errors.New("not an MBTiles file")

// Store is an open MBTiles file. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	tile *sql.Stmt
	info data.TilesetInfo
}

var _ data.Tileset = (*Store)(nil)

// connector opens read-only go-sqlite3 connections without registering a driver name in
// database/sql's global registry.
type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// Open opens the MBTiles file at path read-only and reads its metadata. A file that is missing,
// is not an SQLite database or has no tiles table or view is refused with an error naming the
// file (wrapping ErrNotMBTiles when the file is there but unusable). The format comes from the
// metadata, or else from the first tile's bytes; zoom levels missing from the metadata are
// taken from the tiles.
func Open(ctx context.Context, path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err // names the file
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", "5000")
	u := url.URL{Scheme: "file", Opaque: url.PathEscape(path), RawQuery: q.Encode()}
	db := sql.OpenDB(connector{dsn: u.String(), drv: &sqlite3.SQLiteDriver{}})
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	s := &Store{db: db}
	if err := s.load(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("mbtiles %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) load(ctx context.Context) error {
	has := func(name string) (bool, error) {
		var n int
		err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type IN ('table','view') AND name = ?", name).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("%w: %v", ErrNotMBTiles, err)
		}
		return n > 0, nil
	}
	ok, err := has("tiles")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: no tiles table or view", ErrNotMBTiles)
	}
	meta := map[string]string{}
	if ok, err := has("metadata"); err != nil {
		return err
	} else if ok {
		rows, err := s.db.QueryContext(ctx, "SELECT name, value FROM metadata")
		if err != nil {
			return fmt.Errorf("%w: reading metadata: %v", ErrNotMBTiles, err)
		}
		for rows.Next() {
			var k, v sql.NullString
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return fmt.Errorf("%w: reading metadata: %v", ErrNotMBTiles, err)
			}
			meta[k.String] = v.String
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("%w: reading metadata: %v", ErrNotMBTiles, err)
		}
	}
	if s.tile, err = s.db.PrepareContext(ctx,
		"SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?"); err != nil {
		return fmt.Errorf("%w: the tiles table lacks zoom_level, tile_column, tile_row or tile_data: %v", ErrNotMBTiles, err)
	}
	return s.readInfo(ctx, meta)
}

// readInfo fills s.info from the metadata and, where it is silent, from the tiles.
func (s *Store) readInfo(ctx context.Context, meta map[string]string) error {
	info := data.TilesetInfo{Name: meta["name"], Description: meta["description"], Attribution: meta["attribution"]}
	var sample []byte
	if err := s.db.QueryRowContext(ctx, "SELECT tile_data FROM tiles LIMIT 1").Scan(&sample); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: reading a tile: %v", ErrNotMBTiles, err)
	}
	switch f := strings.ToLower(strings.TrimSpace(meta["format"])); f {
	case "pbf", "mvt", "png", "jpg", "jpeg", "webp":
		info.Format = map[string]string{"mvt": "pbf", "jpeg": "jpg"}[f]
		if info.Format == "" {
			info.Format = f
		}
	case "":
		if info.Format = sniff(sample); info.Format == "" {
			return fmt.Errorf("%w: no format in the metadata and none recognised from the tiles", ErrNotMBTiles)
		}
	default:
		return fmt.Errorf("%w: format %q is not served (want pbf, png, jpg or webp)", ErrNotMBTiles, f)
	}
	info.Gzip = info.Format == "pbf" && isGzip(sample)

	info.MinZoom, info.MaxZoom = -1, -1
	if v, err := strconv.Atoi(strings.TrimSpace(meta["minzoom"])); err == nil {
		info.MinZoom = v
	}
	if v, err := strconv.Atoi(strings.TrimSpace(meta["maxzoom"])); err == nil {
		info.MaxZoom = v
	}
	if info.MinZoom < 0 || info.MaxZoom < 0 {
		var lo, hi sql.NullInt64
		if err := s.db.QueryRowContext(ctx, "SELECT min(zoom_level), max(zoom_level) FROM tiles").Scan(&lo, &hi); err != nil {
			return fmt.Errorf("%w: reading zoom levels: %v", ErrNotMBTiles, err)
		}
		if info.MinZoom < 0 {
			info.MinZoom = int(lo.Int64)
		}
		if info.MaxZoom < 0 {
			info.MaxZoom = int(hi.Int64)
		}
	}
	if v := numbers(meta["bounds"], 4); v != nil && v[0] <= v[2] && v[1] <= v[3] {
		info.Bounds = orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
	}
	if v := numbers(meta["center"], 3); v != nil {
		info.Center, info.CenterZoom = orb.Point{v[0], v[1]}, int(v[2])
	} else if v := numbers(meta["center"], 2); v != nil {
		info.Center, info.CenterZoom = orb.Point{v[0], v[1]}, info.MinZoom
	}
	if j := meta["json"]; j != "" {
		var doc struct {
			VectorLayers json.RawMessage `json:"vector_layers"`
		}
		if err := json.Unmarshal([]byte(j), &doc); err != nil {
			return fmt.Errorf("%w: metadata json is not a JSON object: %v", ErrNotMBTiles, err)
		}
		if len(doc.VectorLayers) > 0 && string(doc.VectorLayers) != "null" {
			info.VectorLayers = doc.VectorLayers
		}
	}
	s.info = info
	return nil
}

// Tile returns the stored bytes of XYZ tile z/x/y (MBTiles rows count from the bottom, so the
// row read is 2^z-1-y), or (nil, nil) when there is none, its tile_data is NULL, or the address
// is outside the pyramid.
func (s *Store) Tile(ctx context.Context, z uint8, x, y uint32) ([]byte, error) {
	if z > 30 || uint64(x) >= 1<<z || uint64(y) >= 1<<z {
		return nil, nil
	}
	row := uint64(1)<<z - 1 - uint64(y)
	var b []byte
	err := s.tile.QueryRowContext(ctx, int(z), int64(x), int64(row)).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mbtiles: tile %d/%d/%d: %w", z, x, y, err)
	}
	return b, nil // a NULL tile_data is nil too: absent
}

// Info returns the metadata read by Open.
func (s *Store) Info() data.TilesetInfo { return s.info }

// Close closes the database.
func (s *Store) Close() error {
	s.tile.Close()
	return s.db.Close()
}

// numbers parses exactly n comma-separated numbers, or returns nil.
func numbers(s string, n int) []float64 {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil
	}
	out := make([]float64, n)
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil
		}
		out[i] = v
	}
	return out
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// sniff recognises a tile's format from its first bytes; "" when it cannot tell.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return "jpg"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "webp"
	case isGzip(b):
		return "pbf"
	}
	return ""
}
