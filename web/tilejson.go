package web

import (
	"context"
	"errors"
	"html"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/tiles"
)

// Tile conformance classes of OGC API – Tiles Part 1.
var tilesConformance = []string{
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/png",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/datetime",
}

const (
	wmqURI      = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
	epsg3857    = "http://www.opengis.net/def/crs/EPSG/0/3857"
	relTilesets = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
	relScheme   = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
	typeMVT     = "application/vnd.mapbox-vector-tile"
)

// tileJSON serves TileJSON 3.0.0 for /tiles.json (?layers=, all by default) and
// /tiles/{layer}.json (or a tileset file's, when layer names one). The tile URLs are absolute and carry the request's filters.
func (s *server) tileJSON(c echo.Context) error {
	ctx := c.Request().Context()
	var names []string
	composite := c.Param("a") == ""
	if composite {
		if v := c.QueryParam("layers"); v != "" {
			names = strings.Split(v, ",")
		}
	} else {
		name, ok := strings.CutSuffix(c.Param("a"), ".json")
		if !ok {
			return notFound("no such tile resource %q: tiles are at /tiles/{layer}/{z}/{x}/{y}.mvt", c.Param("a"))
		}
		if ts, ok := s.opts.Tilesets[name]; ok {
			return s.tilesetJSON(c, name, ts)
		}
		names = []string{name}
	}
	colls, err := s.tileCollections(ctx, names)
	if err != nil {
		return err
	}
	extra := []string{}
	if composite {
		extra = append(extra, "layers")
	}
	r, err := s.parseTile(c, colls, extra...)
	if err != nil {
		return err
	}
	query := url.Values{}
	for k, v := range c.QueryParams() {
		query[k] = v
	}
	path := "/tiles/" + url.PathEscape(colls[0].ID) + "/{z}/{x}/{y}.mvt"
	if composite {
		path = "/tiles/{z}/{x}/{y}.mvt"
	}
	tmpl := baseURL(c) + path
	if len(query) > 0 {
		tmpl += "?" + query.Encode()
	}
	var (
		bound   orb.Bound
		layers  []any
		attrib  []string
		dataURL []string
		titles  []string
	)
	for i, coll := range colls {
		if i == 0 {
			bound = coll.Extent
		} else {
			bound = bound.Union(coll.Extent)
		}
		fields := map[string]string{}
		for _, f := range coll.Fields {
			if r.query.Properties == nil || contains(r.query.Properties, f.Name) {
				fields[f.Name] = fieldDescription(f)
			}
		}
		if below, ok := s.opts.ClusterBelow[coll.ID]; ok {
			fields["point_count"] = "Number: features merged into this point (clusters below zoom " + strconv.Itoa(below) + ")"
		}
		layer := map[string]any{"id": coll.ID, "fields": fields, "minzoom": 0, "maxzoom": tiles.MaxZoom}
		if coll.Description != "" {
			layer["description"] = coll.Description
		}
		layers = append(layers, layer)
		a, err := s.attribution(ctx, coll)
		if err != nil {
			return err
		}
		attrib = append(attrib, a)
		dataURL = append(dataURL, href(c, collectionPath(coll.ID)+"/items", nil))
		titles = append(titles, coll.Title)
	}
	doc := map[string]any{
		"tilejson":      "3.0.0",
		"name":          strings.Join(titles, ", "),
		"version":       "1.0.0",
		"scheme":        "xyz",
		"tiles":         []string{tmpl},
		"minzoom":       0,
		"maxzoom":       tiles.MaxZoom,
		"vector_layers": layers,
		"attribution":   strings.Join(attrib, " · "),
		"data":          dataURL,
	}
	if !bound.IsZero() {
		b := clampBound(bound)
		doc["bounds"] = []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
		center := b.Center()
		doc["center"] = []float64{center[0], center[1], float64(fitZoom(b))}
	}
	return c.JSON(http.StatusOK, doc)
}

// attribution names where a collection's data comes from: the hosts of its source_url
// values (or its source values), as escaped text, from a bounded sample of features.
func (s *server) attribution(ctx context.Context, coll data.Collection) (string, error) {
	// Reading the sources takes up to 2000 rows: keep the text while the data stays the same.
	version := ""
	if v, ok := s.store.(data.Versioned); ok {
		if version, _ = v.Version(ctx); version != "" {
			if text, ok := s.attributions.get(coll, version); ok {
				return text, nil
			}
		}
	}
	text, err := s.readAttribution(ctx, coll)
	if err == nil && version != "" {
		s.attributions.put(coll, version, text)
	}
	return text, err
}

// attributions caches each collection's attribution for one version of the data.
type attributions struct {
	mu      sync.Mutex
	version string
	text    map[string]string // by collection id and title
}

func (a *attributions) get(coll data.Collection, version string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.version != version {
		return "", false
	}
	t, ok := a.text[coll.ID+"\x00"+coll.Title]
	return t, ok
}

func (a *attributions) put(coll data.Collection, version, text string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.version != version {
		a.version, a.text = version, map[string]string{}
	}
	a.text[coll.ID+"\x00"+coll.Title] = text
}

// readAttribution names the sources of the first features of coll.
func (s *server) readAttribution(ctx context.Context, coll data.Collection) (string, error) {
	field := ""
	for _, name := range []string{"source_url", "source"} {
		if _, ok := coll.Field(name); ok {
			field = name
			break
		}
	}
	if field == "" {
		return html.EscapeString("Harmattan: " + coll.Title), nil
	}
	seen := map[string]bool{}
	var names []string
	errEnough := errors.New("enough")
	err := s.reads.Features(ctx, coll.ID, data.Query{Properties: []string{field}, Limit: 2000}, func(f *data.Feature) error {
		v, _ := f.Properties[0].(string)
		if field == "source_url" {
			if u, err := url.Parse(v); err == nil && u.Host != "" {
				v = strings.TrimPrefix(u.Host, "www.")
			} else {
				v = ""
			}
		}
		if v != "" && !seen[v] {
			seen[v] = true
			names = append(names, v)
		}
		if len(names) > 8 {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return "", err
	}
	sort.Strings(names)
	text := coll.Title + ": sources "
	if len(names) == 0 {
		text = coll.Title
	} else if len(names) > 8 {
		text += strings.Join(names[:8], ", ") + " and more (each feature's source_url)"
	} else {
		text += strings.Join(names, ", ")
	}
	return html.EscapeString(text), nil
}

func fieldDescription(f data.Field) string {
	switch f.Type {
	case data.Integer, data.Real:
		return "Number"
	case data.Boolean:
		return "Boolean"
	case data.Date:
		return "String: date YYYY-MM-DD"
	case data.DateTime:
		return "String: date-time (RFC 3339)"
	}
	return "String"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// clampBound keeps a bound within Web Mercator's latitude range.
func clampBound(b orb.Bound) orb.Bound {
	const maxLat = 85.0511287798066
	b.Min[1], b.Max[1] = math.Max(b.Min[1], -maxLat), math.Min(b.Max[1], maxLat)
	return b
}

// fitZoom is the deepest zoom at which b fits in about four 256 px tiles.
func fitZoom(b orb.Bound) int {
	span := math.Max(b.Max[0]-b.Min[0], (b.Max[1]-b.Min[1])*1.5)
	for z := tiles.MaxZoom; z > 0; z-- {
		if span*float64(int(1)<<z)/360 <= 4 {
			return min(z, 18)
		}
	}
	return 0
}

// tileMatrixSets lists the one tile matrix set we serve.
func (s *server) tileMatrixSets(c echo.Context) error {
	if _, err := formatOnly(c); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"tileMatrixSets": []any{map[string]any{
		"id": "WebMercatorQuad", "title": "Google Maps Compatible for the World", "uri": wmqURI,
		"links": []link{{Href: href(c, "/tileMatrixSets/WebMercatorQuad", nil), Rel: "self", Type: typeJSON, Title: "WebMercatorQuad"}},
	}}})
}

// tileMatrixSet is the OGC Two Dimensional Tile Matrix Set definition of WebMercatorQuad.
func (s *server) tileMatrixSet(c echo.Context) error {
	if _, err := formatOnly(c); err != nil {
		return err
	}
	if c.Param("tms") != "WebMercatorQuad" {
		return notFound("no tile matrix set %q; only WebMercatorQuad", c.Param("tms"))
	}
	const origin, cell0, scale0 = 20037508.3427892, 156543.03392804097, 559082264.0287178
	var matrices []any
	for z := 0; z <= tiles.MaxZoom; z++ {
		n := 1 << z
		matrices = append(matrices, map[string]any{
			"id": strconv.Itoa(z), "scaleDenominator": scale0 / float64(n), "cellSize": cell0 / float64(n),
			"cornerOfOrigin": "topLeft", "pointOfOrigin": []float64{-origin, origin},
			"tileWidth": 256, "tileHeight": 256, "matrixWidth": n, "matrixHeight": n,
		})
	}
	return c.JSON(http.StatusOK, map[string]any{
		"id": "WebMercatorQuad", "title": "Google Maps Compatible for the World", "uri": wmqURI,
		"crs": epsg3857, "orderedAxes": []string{"X", "Y"}, "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
		"tileMatrices": matrices,
	})
}

// collectionTilesets lists a collection's tilesets (one: WebMercatorQuad, vector and PNG).
func (s *server) collectionTilesets(c echo.Context) error {
	if _, err := formatOnly(c); err != nil {
		return err
	}
	coll, err := s.store.Collection(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	p := collectionPath(coll.ID) + "/tiles"
	return c.JSON(http.StatusOK, map[string]any{
		"links": []link{
			{Href: href(c, p, nil), Rel: "self", Type: typeJSON, Title: "Tilesets of " + coll.Title},
			{Href: href(c, collectionPath(coll.ID), nil), Rel: "collection", Type: typeJSON, Title: coll.Title},
		},
		"tilesets": []any{s.tileset(c, coll, false)},
	})
}

// collectionTileset is the metadata of a collection's WebMercatorQuad tileset.
func (s *server) collectionTileset(c echo.Context) error {
	if _, err := formatOnly(c); err != nil {
		return err
	}
	coll, err := s.store.Collection(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if c.Param("tms") != "WebMercatorQuad" {
		return notFound("no tile matrix set %q; only WebMercatorQuad", c.Param("tms"))
	}
	return c.JSON(http.StatusOK, s.tileset(c, coll, true))
}

func (s *server) tileset(c echo.Context, coll data.Collection, full bool) map[string]any {
	p := collectionPath(coll.ID) + "/tiles/WebMercatorQuad"
	links := []link{
		{Href: href(c, p, nil), Rel: "self", Type: typeJSON, Title: coll.Title + " tiles (WebMercatorQuad)"},
		{Href: href(c, "/tileMatrixSets/WebMercatorQuad", nil), Rel: relScheme, Type: typeJSON, Title: "WebMercatorQuad"},
		{Href: baseURL(c) + p + "/{tileMatrix}/{tileRow}/{tileCol}", Rel: "item", Type: typeMVT, Title: "Vector tiles"},
		{Href: baseURL(c) + p + "/{tileMatrix}/{tileRow}/{tileCol}?f=png", Rel: "item", Type: "image/png", Title: "Raster tiles"},
		{Href: href(c, "/tiles/"+url.PathEscape(coll.ID)+".json", nil), Rel: "describedby", Type: typeJSON, Title: "TileJSON"},
	}
	ts := map[string]any{
		"title": coll.Title, "dataType": "vector", "crs": epsg3857, "tileMatrixSetURI": wmqURI, "links": links,
	}
	if full {
		props := map[string]any{}
		for _, f := range coll.Fields {
			props[f.Name] = fieldSchema(f)
		}
		ts["layers"] = []any{map[string]any{"id": coll.ID, "title": coll.Title, "dataType": "vector",
			"geometryDimension": geometryDimension(coll.GeometryType), "minTileMatrix": "0", "maxTileMatrix": strconv.Itoa(tiles.MaxZoom),
			"propertiesSchema": map[string]any{"type": "object", "properties": props}}}
		if b := coll.Extent; !b.IsZero() {
			ts["boundingBox"] = map[string]any{"lowerLeft": []float64{b.Min[0], b.Min[1]}, "upperRight": []float64{b.Max[0], b.Max[1]}, "crs": crs84}
		}
	}
	return ts
}

func geometryDimension(t string) int {
	switch strings.TrimPrefix(t, "Multi") {
	case "Point":
		return 0
	case "LineString":
		return 1
	case "Polygon":
		return 2
	}
	return -1
}
