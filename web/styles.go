package web

import (
	"fmt"
	"image/color"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/tiles"
)

// styleBackground is the background of MapLibre styles: the light neutral land colour of the
// web map's outline base map (app.js, countries other than Mali).
const styleBackground = "#F3EFE6"

// style serves /styles/{name}.json: a MapLibre GL style (version 8) that draws one collection,
// or every collection for "all", from our vector tiles with the web map's colours (the same
// tiles.DefaultStyle the PNG tiles use). Its one source, "harmattan", points at our TileJSON.
// It has no symbol layers, so it needs neither glyphs nor sprite. The echo v4 router cannot
// split "{name}.json", so the parameter arrives whole and a name without ".json" is a 404.
func (s *server) style(c echo.Context) error {
	name, ok := strings.CutSuffix(c.Param("name"), ".json")
	if !ok || name == "" {
		return notFound("no style %q: styles are at /styles/{collectionId}.json and /styles/all.json", c.Param("name"))
	}
	if _, err := queryParams(c, only()); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var (
		colls    []data.Collection
		tileJSON string
	)
	if name == "all" {
		var err error
		if colls, err = s.store.Collections(ctx); err != nil {
			return err
		}
		ids := make([]string, len(colls))
		for i, coll := range colls {
			ids[i] = coll.ID
		}
		var q url.Values
		if len(ids) > 0 {
			q = url.Values{"layers": {strings.Join(ids, ",")}}
		}
		tileJSON = href(c, "/tiles.json", q)
	} else {
		coll, err := s.store.Collection(ctx, name)
		if err != nil {
			return err
		}
		colls = []data.Collection{coll}
		tileJSON = href(c, "/tiles/"+url.PathEscape(coll.ID)+".json", nil)
	}
	return c.JSON(http.StatusOK, s.mapLibreStyle(name, colls, tileJSON))
}

// mapLibreStyle builds the style document of colls, drawn from the vector source at tileJSON.
// Area collections are drawn first, then lines, then mixed collections, then points: the
// clustered (dense) point collections before the others, so sparse markers stay on top.
func (s *server) mapLibreStyle(name string, colls []data.Collection, tileJSON string) map[string]any {
	ordered := append([]data.Collection(nil), colls...)
	rank := func(coll data.Collection) int {
		switch geometryDimension(coll.GeometryType) {
		case 2:
			return 0
		case 1:
			return 1
		case -1:
			return 2
		}
		if _, clustered := s.opts.ClusterBelow[coll.ID]; clustered {
			return 3
		}
		return 4
	}
	sort.SliceStable(ordered, func(i, j int) bool { return rank(ordered[i]) < rank(ordered[j]) })

	layers := []any{map[string]any{"id": "background", "type": "background",
		"paint": map[string]any{"background-color": styleBackground}}}
	var (
		ids, titles []string
		bound       orb.Bound
	)
	for i, coll := range colls {
		ids = append(ids, coll.ID)
		titles = append(titles, coll.Title)
		if i == 0 {
			bound = coll.Extent
		} else {
			bound = bound.Union(coll.Extent)
		}
	}
	for _, coll := range ordered {
		layers = append(layers, s.styleLayers(coll)...)
	}
	title := "Harmattan: " + strings.Join(titles, ", ")
	if name == "all" {
		title = "Harmattan: all collections"
	}
	doc := map[string]any{
		"version":  8,
		"name":     title,
		"metadata": map[string]any{"harmattan:collections": nonNil(ids)},
		"sources": map[string]any{"harmattan": map[string]any{
			"type": "vector", "url": tileJSON,
		}},
		"layers": layers,
	}
	if !bound.IsZero() {
		b := clampBound(bound)
		center := b.Center()
		doc["center"] = []float64{round6(center[0]), round6(center[1])}
		doc["zoom"] = max(fitZoom(b)-1, 0) // MapLibre zooms count 512 px tiles, TileJSON's 256 px ones
	}
	return doc
}

// styleLayers are the MapLibre layers of one collection, by geometry type: fill and outline
// for areas, line for lines, circle for points (plus a cluster circle below the zoom where
// the tiles cluster), all three with geometry filters for mixed collections.
func (s *server) styleLayers(coll data.Collection) []any {
	st := tiles.DefaultStyle(coll.ID, coll.GeometryType)
	dim := geometryDimension(coll.GeometryType)
	var out []any
	layer := func(suffix, typ string, filter []any, paint map[string]any) map[string]any {
		l := map[string]any{"id": coll.ID + suffix, "type": typ, "source": "harmattan", "source-layer": coll.ID, "paint": paint}
		if filter != nil {
			l["filter"] = filter
		}
		out = append(out, l)
		return l
	}
	geomIs := func(types ...string) []any {
		if dim != -1 {
			return nil
		}
		return []any{"match", []any{"geometry-type"}, types, true, false}
	}
	if dim == 2 || dim == -1 {
		if st.Fill.A > 0 {
			layer("-fill", "fill", geomIs("Polygon", "MultiPolygon"),
				map[string]any{"fill-color": hexColor(st.Fill), "fill-opacity": alpha(st.Fill)})
		}
	}
	if dim >= 1 || dim == -1 {
		line := map[string]any{"line-color": hexColor(st.Stroke), "line-opacity": alpha(st.Stroke), "line-width": st.StrokeWidth}
		notPoint := geomIs("LineString", "MultiLineString", "Polygon", "MultiPolygon")
		suffix := "-outline"
		if dim == 1 {
			suffix = "-line"
		}
		if _, ok := coll.Field(st.DashBy); st.DashBy != "" && ok {
			dashed := truthy(st.DashBy)
			layer(suffix, "line", allOf(notPoint, []any{"!", dashed}), line)
			dashedPaint := map[string]any{"line-dasharray": []float64{4, 3}}
			for k, v := range line {
				dashedPaint[k] = v
			}
			layer(suffix+"-"+st.DashBy, "line", allOf(notPoint, dashed), dashedPaint)
		} else {
			layer(suffix, "line", notPoint, line)
		}
	}
	if dim == 0 || dim == -1 {
		points := geomIs("Point", "MultiPoint")
		below, clustered := s.opts.ClusterBelow[coll.ID]
		isCluster := []any{">", []any{"coalesce", []any{"get", "point_count"}, 1}, 1}
		if clustered {
			layer("-clusters", "circle", allOf(points, isCluster), map[string]any{
				"circle-color":        hexColor(st.Fill),
				"circle-opacity":      alpha(st.Fill),
				"circle-stroke-color": "#FFFFFF",
				"circle-stroke-width": 1.5,
				"circle-radius": []any{"interpolate", []any{"linear"}, []any{"get", "point_count"},
					2, 8, 10, 12, 100, 18, 1000, 26},
			})["maxzoom"] = below
			points = allOf(points, []any{"!", isCluster})
		}
		layer("-points", "circle", points, map[string]any{
			"circle-color":          colorBy(st),
			"circle-opacity":        alpha(st.Fill),
			"circle-stroke-color":   hexColor(st.Stroke),
			"circle-stroke-opacity": alpha(st.Stroke),
			"circle-stroke-width":   st.StrokeWidth,
			"circle-radius":         radiusBy(st),
		})
	}
	return out
}

// colorBy is the circle colour: a match on the style's category property, or its one fill.
// The categories are sorted so the document is the same on every request.
func colorBy(st tiles.Style) any {
	if st.ColorBy == "" || len(st.Colors) == 0 {
		return hexColor(st.Fill)
	}
	keys := make([]string, 0, len(st.Colors))
	for k := range st.Colors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	expr := []any{"match", []any{"get", st.ColorBy}}
	for _, k := range keys {
		expr = append(expr, k, hexColor(st.Colors[k]))
	}
	return append(expr, hexColor(st.Fill))
}

// radiusBy is the circle radius: Radius + 1.25·√value capped at 30 px (tiles.Style.SizeBy),
// as linear steps between squares, or the fixed Radius.
func radiusBy(st tiles.Style) any {
	if st.SizeBy == "" {
		return st.Radius
	}
	const factor, maxRadius = 1.25, 30.0
	if st.Radius >= maxRadius {
		return st.Radius
	}
	top := math.Pow((maxRadius-st.Radius)/factor, 2)
	expr := []any{"interpolate", []any{"linear"}, []any{"coalesce", []any{"get", st.SizeBy}, 0}}
	for _, n := range []float64{0, 1, 4, 16, 64, 256} {
		if n < top {
			expr = append(expr, n, math.Round((st.Radius+factor*math.Sqrt(n))*100)/100)
		}
	}
	return append(expr, math.Round(top*100)/100, maxRadius)
}

// truthy is a filter for a boolean property as tiles.Style.DashBy reads it: true, 1, "true" or "1".
func truthy(name string) []any {
	get := []any{"get", name}
	return []any{"any", []any{"==", get, true}, []any{"==", get, 1}, []any{"==", get, "true"}, []any{"==", get, "1"}}
}

// allOf joins filters with "all"; nil filters are left out (nil when none is left).
func allOf(filters ...[]any) []any {
	var set []any
	for _, f := range filters {
		if f != nil {
			set = append(set, f)
		}
	}
	switch len(set) {
	case 0:
		return nil
	case 1:
		return set[0].([]any)
	}
	return append([]any{"all"}, set...)
}

func hexColor(c color.NRGBA) string { return fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B) }

func alpha(c color.NRGBA) float64 { return math.Round(float64(c.A)/255*100) / 100 }

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
