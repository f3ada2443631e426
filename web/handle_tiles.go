package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/tiles"
)

// tileRequest is a parsed tile request: which tile of which layers, in which format, with
// which filters.
type tileRequest struct {
	tile   maptile.Tile
	format tiles.Format
	scale  int
	colls  []data.Collection
	query  data.Query // Time, Filters and Properties; the bbox comes from the tile
}

// tileParams are the parameters every tile route takes besides property filters.
var tileParams = []string{"datetime", "properties"}

// xyzTile serves /tiles/{a}/{b}/{c}[/{d}]: three segments are z/x/y.ext of the composite
// tile (?layers=, all collections by default); four are layer/z/x/y.ext of one collection,
// or of a tileset file when layer names one.
func (s *server) xyzTile(c echo.Context) error {
	segs := []string{c.Param("a"), c.Param("b"), c.Param("c"), c.Param("d")}
	composite := segs[3] == ""
	if ts, ok := s.opts.Tilesets[segs[0]]; ok && !composite {
		return s.tilesetTile(c, segs[0], ts)
	}
	var names []string
	extra := []string{}
	if composite {
		segs = segs[:3]
		extra = append(extra, "layers")
		if v := c.QueryParam("layers"); v != "" {
			names = strings.Split(v, ",")
		}
	} else {
		names, segs = []string{segs[0]}, segs[1:]
	}
	t, f, scale, err := tiles.ParseZXY(segs[0], segs[1], segs[2])
	if err != nil {
		return badRequest("%v", err)
	}
	if composite && f == tiles.PNG {
		return badRequest("PNG tiles are drawn one layer at a time: use /tiles/{layer}/{z}/{x}/{y}.png")
	}
	return s.serveTile(c, names, t, f, scale, func() (tileRequest, error) {
		colls, err := s.tileCollections(c.Request().Context(), names)
		if err != nil {
			return tileRequest{}, err
		}
		return s.parseTile(c, colls, extra...)
	})
}

// ogcTile serves /collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}:
// the same bytes as the XYZ route (MVT unless f=png or the client accepts only PNG).
func (s *server) ogcTile(c echo.Context) error {
	if c.Param("tms") != "WebMercatorQuad" {
		return notFound("no tile matrix set %q; only WebMercatorQuad", c.Param("tms"))
	}
	t, err := tiles.ParseTileMatrix(c.Param("tileMatrix"), c.Param("tileRow"), c.Param("tileCol"))
	if err != nil {
		return badRequest("%v", err)
	}
	f := tiles.MVT
	switch c.QueryParam("f") {
	case "", "mvt":
		if !strings.Contains(c.Request().Header.Get("Accept"), "vnd.mapbox-vector-tile") &&
			strings.Contains(c.Request().Header.Get("Accept"), "image/png") {
			f = tiles.PNG
		}
	case "png":
		f = tiles.PNG
	default:
		return badRequest("f must be mvt or png")
	}
	names := []string{c.Param("id")}
	return s.serveTile(c, names, t, f, 1, func() (tileRequest, error) {
		colls, err := s.tileCollections(c.Request().Context(), names)
		if err != nil {
			return tileRequest{}, err
		}
		return s.parseTile(c, colls, "f")
	})
}

// tileCollections resolves layer names (all collections when names is empty); an unknown
// one is a 404.
func (s *server) tileCollections(ctx context.Context, names []string) ([]data.Collection, error) {
	if len(names) == 0 {
		return s.store.Collections(ctx)
	}
	if len(names) > s.opts.MaxTileLayers {
		return nil, badRequest("at most %d layers in one tile", s.opts.MaxTileLayers)
	}
	seen := map[string]bool{}
	var out []data.Collection
	for _, n := range names {
		n = strings.TrimSpace(n)
		if seen[n] {
			continue
		}
		seen[n] = true
		coll, err := s.store.Collection(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, coll)
	}
	return out, nil
}

// parseTile checks a tile request's parameters: datetime, properties, equality filters on
// any property of the layers (applied to the layers that have it), and extra names.
func (s *server) parseTile(c echo.Context, colls []data.Collection, extra ...string) (tileRequest, error) {
	fields := map[string]data.Field{}
	for _, coll := range colls {
		for _, f := range coll.Fields {
			fields[f.Name] = f
		}
	}
	params, err := queryParams(c, func(n string) bool {
		_, isField := fields[n]
		return only(append(tileParams, extra...)...)(n) || isField
	})
	if err != nil {
		return tileRequest{}, err
	}
	r := tileRequest{colls: colls}
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	field := func(n string) (data.Field, bool) { f, ok := fields[n]; return f, ok }
	if err := parseFilters(params, field, names, only(append(tileParams, extra...)...), &r.query); err != nil {
		return r, err
	}
	return r, nil
}

// serveTile answers from the cache or builds the tile, with ETag, 304, Cache-Control and
// gzip for MVT; a tile without features is a 204. The cache is consulted before the request
// is parsed: its key holds the raw query, and only tiles of valid requests are ever stored.
func (s *server) serveTile(c echo.Context, names []string, t maptile.Tile, f tiles.Format, scale int, parse func() (tileRequest, error)) error {
	ctx := c.Request().Context()
	if len(names) == 0 {
		colls, err := s.store.Collections(ctx)
		if err != nil {
			return err
		}
		for _, coll := range colls {
			names = append(names, coll.ID)
		}
	}
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	key := tiles.Key{Layers: strings.Join(sortedCopy(names), ","), Z: uint32(t.Z), X: t.X, Y: t.Y,
		Format: f, Scale: scale, Filter: c.Request().URL.RawQuery}
	gen := s.fresh.generation(ctx)
	entry, ok := s.tileCache.Get(key)
	if !ok {
		r, err := parse()
		if err != nil {
			return err
		}
		r.tile, r.format, r.scale = t, f, scale
		// Building a tile holds all its features in memory: admit a few builds at a time
		// (in arrival order) so memory stays bounded however many clients ask at once.
		select {
		case s.tileBuilds <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		entry, err = s.buildTile(ctx, r)
		<-s.tileBuilds
		if err != nil {
			return err
		}
		if !entry.Behind {
			s.fresh.put(gen, key, entry)
		}
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(s.opts.TileMaxAge))
	if entry.Behind { // a CDN must not keep it either
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("Vary", "Accept-Encoding")
	h.Set("ETag", entry.ETag)
	if entry.Thinned != "" {
		h.Set(headerThinned, entry.Thinned)
	}
	if match := c.Request().Header.Get("If-None-Match"); match != "" && etagMatches(match, entry.ETag) {
		return c.NoContent(http.StatusNotModified)
	}
	if entry.Empty {
		return c.NoContent(http.StatusNoContent)
	}
	if f == tiles.MVT {
		if acceptsGzip(c.Request()) {
			h.Set("Content-Encoding", "gzip")
			return c.Blob(http.StatusOK, f.ContentType(), entry.Body)
		}
		raw, err := gunzip(entry.Body)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, f.ContentType(), raw)
	}
	return c.Blob(http.StatusOK, f.ContentType(), entry.Body)
}

// buildTile fetches each layer's features in the buffered tile bound and encodes them. MVT
// bodies are stored gzipped; the ETag is taken from the encoded tile before compression.
func (s *server) buildTile(ctx context.Context, r tileRequest) (tiles.Entry, error) {
	var layers []tiles.Layer
	behind := false
	for _, coll := range r.colls {
		// Clustering keeps vector tiles small; a raster tile draws every point anyway.
		below, ok := s.opts.ClusterBelow[coll.ID]
		cluster := ok && r.format == tiles.MVT && int(r.tile.Z) < below
		buffer := s.opts.TileBuffer
		if cluster { // whole grid cells around the tile, so neighbours' clusters agree at the seam
			buffer = max(buffer, tiles.DefaultClusterCell)
		}
		q := layerQuery(coll, r.query)
		if r.format == tiles.PNG {
			// A raster tile draws only what its style reads: no need of other (long) properties,
			// which an in-memory copy may have left out.
			q.Properties = layerQuery(coll, data.Query{Properties: tiles.DefaultStyle(coll.ID, coll.GeometryType).Properties()}).Properties
		}
		opts := tiles.ClusterOptions{Sum: numericFields(coll)}
		if pts, fresh := s.points.current(ctx, coll); pts != nil && pts.Holds(q.Properties) {
			behind = behind || !fresh
			if filters, ok := pointFilters(pts, coll, q); ok {
				sel := pts.Select(r.tile, buffer, filters, q.Properties)
				l := tiles.Layer{Name: coll.ID, Points: sel}
				if cluster {
					l = tiles.Layer{Name: coll.ID, Features: tiles.ClusterPoints(r.tile, sel, opts)}
				}
				layers = append(layers, l)
				continue
			}
		}
		fc, err := s.tileFeatures(ctx, coll, q, tiles.QueryBound(r.tile, buffer))
		if err != nil {
			return tiles.Entry{}, err
		}
		if cluster {
			fc = tiles.Cluster(r.tile, fc, opts)
		}
		layers = append(layers, tiles.Layer{Name: coll.ID, Features: fc})
	}
	thinned := thinnedHeader(tiles.Thin(r.tile, layers, s.opts.MaxTileFeatures))
	var body []byte
	var err error
	if r.format == tiles.PNG {
		// one layer: xyzTile refuses composite PNG, the OGC route has one collection
		fc := layers[0].Features
		if layers[0].Points != nil { // the renderer draws GeoJSON
			fc = layers[0].Points.FeatureCollection()
		}
		body, err = tiles.RenderPNG(r.tile, fc, tiles.DefaultStyle(layers[0].Name, r.colls[0].GeometryType), r.scale)
	} else {
		body, err = tiles.EncodeMVT(r.tile, layers, tiles.MVTOptions{Buffer: s.opts.TileBuffer})
	}
	if err != nil || body == nil {
		return tiles.Entry{Empty: true, ETag: tiles.ETag(nil), Behind: behind}, err
	}
	entry := tiles.Entry{Body: body, ETag: tiles.ETag(body), Thinned: thinned, Behind: behind}
	if r.format == tiles.MVT {
		if entry.Body, err = tiles.Gzip(body); err != nil {
			return tiles.Entry{}, err
		}
	}
	return entry, nil
}

// layerQuery is the part of a tile request's query that applies to coll: the time, the
// filters on its properties, and the properties it has of those asked for (nil: all).
func layerQuery(coll data.Collection, rq data.Query) data.Query {
	q := data.Query{Time: rq.Time}
	for _, f := range rq.Filters {
		if _, ok := coll.Field(f.Field); ok {
			q.Filters = append(q.Filters, f)
		}
	}
	if rq.Properties != nil {
		q.Properties = []string{}
		for _, p := range rq.Properties {
			if _, ok := coll.Field(p); ok {
				q.Properties = append(q.Properties, p)
			}
		}
	}
	return q
}

// tileFeatures reads one layer's features within box from the store.
func (s *server) tileFeatures(ctx context.Context, coll data.Collection, q data.Query, box orb.Bound) (*geojson.FeatureCollection, error) {
	q.BBox = &box
	fields, err := coll.Selected(q.Properties)
	if err != nil {
		return nil, err
	}
	fc := geojson.NewFeatureCollection()
	err = s.reads.Features(ctx, coll.ID, q, func(f *data.Feature) error {
		if f.Geometry == nil {
			return nil
		}
		g := geojson.NewFeature(f.Geometry)
		g.ID = f.ID
		for i, fld := range fields {
			if v := f.Properties[i]; v != nil {
				g.Properties[fld.Name] = v
			}
		}
		fc.Append(g)
		return nil
	})
	return fc, err
}

// numericFields are the INTEGER and REAL properties a cluster sums.
func numericFields(coll data.Collection) []string {
	var out []string
	for _, f := range coll.Fields {
		if f.Type == data.Integer || f.Type == data.Real {
			out = append(out, f.Name)
		}
	}
	return out
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// etagMatches implements If-None-Match: "*" or any listed tag (weak comparison).
func etagMatches(header, etag string) bool {
	for _, t := range splitTags(header) {
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// splitTags returns the entity tags of an If-Match or If-None-Match header, without W/.
func splitTags(header string) []string {
	var out []string
	for _, t := range strings.Split(header, ",") {
		out = append(out, strings.TrimPrefix(strings.TrimSpace(t), "W/"))
	}
	return out
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// headerThinned names the layers of a tile cut by the per-tile feature cap, with what each
// kept of how many: "incidents=200000/721511".
const headerThinned = "Harmattan-Thinned"

func thinnedHeader(cut []tiles.Thinned) string {
	parts := make([]string, len(cut))
	for i, c := range cut {
		parts[i] = c.Layer + "=" + strconv.Itoa(c.Kept) + "/" + strconv.Itoa(c.Total)
	}
	return strings.Join(parts, ", ")
}
