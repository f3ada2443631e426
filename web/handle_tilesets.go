package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/tiles"
)

// tilesetKind is how a tileset format appears in URLs and responses.
type tilesetKind struct {
	exts        []string
	contentType string
}

// tilesetFormats maps a tileset's format to the URL extensions it answers to (the first is
// the one TileJSON uses) and its media type.
var tilesetFormats = map[string]tilesetKind{
	"pbf":  {[]string{"mvt", "pbf"}, typeMVT},
	"png":  {[]string{"png"}, "image/png"},
	"jpg":  {[]string{"jpg", "jpeg"}, "image/jpeg"},
	"webp": {[]string{"webp"}, "image/webp"},
}

// tilesetFormat looks up the tileset's format; one we do not know is a server error.
func tilesetFormat(name string, info data.TilesetInfo) (tilesetKind, error) {
	f, ok := tilesetFormats[info.Format]
	if !ok {
		return f, fmt.Errorf("tileset %q: unknown format %q", name, info.Format)
	}
	return f, nil
}

// tilesetTile serves /tiles/{name}/{z}/{x}/{y}.{ext} from a tileset file: the stored bytes,
// with the ETag, 304, Cache-Control and gzip negotiation of our own tiles. A missing tile is
// a 204; tilesets take no query parameters. Tiles are not put in the tile cache: they are
// stored already.
func (s *server) tilesetTile(c echo.Context, name string, ts data.Tileset) error {
	if _, err := queryParams(c, only()); err != nil {
		return err
	}
	info := ts.Info()
	format, err := tilesetFormat(name, info)
	if err != nil {
		return err
	}
	y, ext, ok := strings.Cut(c.Param("d"), ".")
	if !ok {
		return badRequest("tiles: %s has no extension (want .%s)", short(c.Param("d")), format.exts[0])
	}
	if !contains(format.exts, ext) {
		return badRequest("tileset %q holds %s tiles: use .%s, not %s", name, info.Format, format.exts[0], short("."+ext))
	}
	t, err := tiles.ParseTileMatrix(c.Param("b"), y, c.Param("c"))
	if err != nil {
		return badRequest("%v", err)
	}
	body, err := ts.Tile(c.Request().Context(), uint8(t.Z), t.X, t.Y)
	if err != nil {
		return err
	}
	etag := tiles.ETag(body)
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(s.opts.TileMaxAge))
	h.Set("Vary", "Accept-Encoding")
	h.Set("ETag", etag)
	if match := c.Request().Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
		return c.NoContent(http.StatusNotModified)
	}
	if len(body) == 0 {
		return c.NoContent(http.StatusNoContent)
	}
	// Judge compression by the bytes, not Info().Gzip: MBTiles files mix both in the wild.
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		if acceptsGzip(c.Request()) {
			h.Set("Content-Encoding", "gzip")
			return c.Blob(http.StatusOK, format.contentType, body)
		}
		raw, err := gunzip(body)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, format.contentType, raw)
	}
	return c.Blob(http.StatusOK, format.contentType, body)
}

// tilesetJSON serves the TileJSON 3.0.0 of a tileset file, with an absolute tiles URL and the
// file's own metadata.
func (s *server) tilesetJSON(c echo.Context, name string, ts data.Tileset) error {
	if _, err := queryParams(c, only()); err != nil {
		return err
	}
	info := ts.Info()
	format, err := tilesetFormat(name, info)
	if err != nil {
		return err
	}
	title := info.Name
	if title == "" {
		title = name
	}
	doc := map[string]any{
		"tilejson": "3.0.0",
		"name":     title,
		"scheme":   "xyz",
		"tiles":    []string{baseURL(c) + "/tiles/" + url.PathEscape(name) + "/{z}/{x}/{y}." + format.exts[0]},
		"minzoom":  info.MinZoom,
		"maxzoom":  info.MaxZoom,
		"format":   info.Format,
	}
	if info.Description != "" {
		doc["description"] = info.Description
	}
	if info.Attribution != "" {
		doc["attribution"] = html.EscapeString(info.Attribution)
	}
	if info.VectorLayers != nil {
		doc["vector_layers"] = info.VectorLayers
	}
	if b := info.Bounds; !b.IsZero() {
		doc["bounds"] = []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	}
	switch {
	case info.Center != (orb.Point{}):
		doc["center"] = []float64{info.Center[0], info.Center[1], float64(info.CenterZoom)}
	case !info.Bounds.IsZero():
		center := info.Bounds.Center()
		doc["center"] = []float64{center[0], center[1], float64(info.MinZoom)}
	}
	return c.JSON(http.StatusOK, doc)
}

// short quotes client input for an error message, cut to 32 bytes.
func short(s string) string {
	if len(s) > 32 {
		return strconv.Quote(s[:32]) + "…"
	}
	return strconv.Quote(s)
}
