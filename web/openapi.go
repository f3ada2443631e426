package web

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/tiles"
)

// obj is a JSON object of the OpenAPI document.
type obj = map[string]any

// api serves the OpenAPI 3.0 description of every route and parameter, built from the live
// catalog so each collection's items path lists its own property filters.
func (s *server) api(c echo.Context) error {
	if _, err := formatOnly(c); err != nil { // f=xml is a 400, as on every route that takes f
		return err
	}
	colls, err := s.store.Collections(c.Request().Context())
	if err != nil {
		return err
	}
	paths := obj{
		"/": get("Landing page", "Links to the API definition, the conformance classes and the collections; HTML (the map) when asked for.",
			[]any{ref("f")}, jsonOrHTML("The landing page")),
		"/conformance": get("Conformance classes", "The OGC conformance classes this server implements.",
			[]any{ref("f")}, jsonOrHTML("The conformance declaration")),
		"/api": get("API definition", "This document.", []any{ref("f")},
			obj{"200": obj{"description": "The OpenAPI 3.0 document", "content": obj{typeOpenAPI: obj{}}}}),
		"/collections": get("Collections", "Every feature collection with its extent and links.",
			[]any{ref("f")}, jsonOrHTML("The collections")),
		"/collections/{collectionId}": get("One collection", "A collection's metadata.",
			[]any{ref("collectionId"), ref("f")}, jsonOrHTML("The collection")),
		"/collections/{collectionId}/items": get("Features of a collection",
			"GeoJSON FeatureCollection; filter with bbox, datetime and property equality (see each collection's own path).",
			append([]any{ref("collectionId")}, itemsParameterRefs()...), geoJSONOrHTML("The features")),
		"/collections/{collectionId}/items/{featureId}": get("One feature", "A GeoJSON Feature.",
			[]any{ref("collectionId"), ref("featureId"), ref("f")}, geoJSONOrHTML("The feature")),
	}
	tileParams := []any{ref("datetime"), ref("properties")}
	tileResponses := func(d string) obj {
		return obj{
			"200": obj{"description": d, "content": obj{typeMVT: obj{}, "image/png": obj{}}},
			"204": obj{"description": "The tile has no features"},
			"304": obj{"description": "Not modified (If-None-Match matched the ETag)"},
		}
	}
	zxy := []any{
		obj{"name": "z", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 0, "maximum": tiles.MaxZoom}},
		obj{"name": "x", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 0}},
		obj{"name": "y", "in": "path", "required": true, "description": "row plus extension: .mvt or .pbf (vector), .png or @2x.png (raster)", "schema": obj{"type": "string"}},
	}
	layersParam := obj{"name": "layers", "in": "query", "required": false, "style": "form", "explode": false,
		"description": "Collections to put in the tile (default all)", "schema": obj{"type": "array", "items": obj{"type": "string"}}}
	paths["/tiles/{collectionId}/{z}/{x}/{y}"] = get("XYZ tile of one collection",
		"Mapbox Vector Tile (gzip when accepted) or PNG; filters as on items, plus equality filters on the collection's properties. "+
			"The name may also be a tile file given with --tileset, served as stored (its format's extension, no parameters)"+tilesetNames(s.opts.Tilesets)+".",
		append(append([]any{ref("collectionId")}, zxy...), tileParams...), tileResponses("The tile"))
	paths["/tiles/{z}/{x}/{y}"] = get("XYZ vector tile of several collections", "One MVT layer per collection.",
		append(append([]any{layersParam}, zxy...), tileParams...), tileResponses("The tile"))
	paths["/tiles/{collectionId}.json"] = get("TileJSON 3.0.0 of a collection or of a --tileset file", "", []any{ref("collectionId")},
		obj{"200": obj{"description": "TileJSON", "content": obj{typeJSON: obj{}}}})
	paths["/tiles.json"] = get("TileJSON 3.0.0 of several collections", "", []any{layersParam},
		obj{"200": obj{"description": "TileJSON", "content": obj{typeJSON: obj{}}}})
	paths["/embed"] = get("Map for an iframe",
		"The map without panels: the given collections (default all), fitted to bbox or else to the data, filtered by datetime, with its sources and a link to the full map.",
		[]any{layersParam, ref("bbox"), ref("datetime")}, obj{"200": obj{"description": "The map page", "content": obj{typeHTML: obj{}}}})
	paths["/styles/{name}.json"] = get("MapLibre GL style",
		"Style version 8 drawing one collection, or every collection for \"all\", from the vector tiles (its source is the TileJSON); no glyphs or sprite needed.",
		[]any{obj{"name": "name", "in": "path", "required": true, "description": "Collection id or all", "schema": obj{"type": "string"}}},
		obj{"200": obj{"description": "The style", "content": obj{typeJSON: obj{}}}})
	paths["/tileMatrixSets"] = get("Tile matrix sets", "", []any{ref("f")}, jsonOrHTML("The tile matrix sets"))
	paths["/tileMatrixSets/{tileMatrixSetId}"] = get("A tile matrix set", "Only WebMercatorQuad.",
		[]any{obj{"name": "tileMatrixSetId", "in": "path", "required": true, "schema": obj{"type": "string", "enum": []string{"WebMercatorQuad"}}}, ref("f")},
		jsonOrHTML("The tile matrix set"))
	paths["/collections/{collectionId}/tiles"] = get("Tilesets of a collection", "", []any{ref("collectionId"), ref("f")}, jsonOrHTML("The tilesets"))
	paths["/collections/{collectionId}/tiles/{tileMatrixSetId}"] = get("Tileset metadata", "",
		[]any{ref("collectionId"), obj{"name": "tileMatrixSetId", "in": "path", "required": true, "schema": obj{"type": "string"}}, ref("f")},
		jsonOrHTML("The tileset"))
	paths["/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"] = get("OGC API – Tiles tile",
		"Same bytes as the XYZ route; note the z/y/x order. f=png for raster.",
		append([]any{ref("collectionId"),
			obj{"name": "tileMatrixSetId", "in": "path", "required": true, "schema": obj{"type": "string"}},
			obj{"name": "tileMatrix", "in": "path", "required": true, "schema": obj{"type": "integer"}},
			obj{"name": "tileRow", "in": "path", "required": true, "schema": obj{"type": "integer"}},
			obj{"name": "tileCol", "in": "path", "required": true, "schema": obj{"type": "integer"}},
			obj{"name": "f", "in": "query", "required": false, "schema": obj{"type": "string", "enum": []string{"mvt", "png"}}},
		}, tileParams...), tileResponses("The tile"))
	paths["/collections/{collectionId}/download"] = get("The whole collection as one file",
		"GeoJSON, newline-delimited GeoJSON or CSV (lon/lat or WKT columns), streamed.",
		[]any{ref("collectionId"), obj{"name": "f", "in": "query", "required": false,
			"schema": obj{"type": "string", "enum": []string{"geojson", "geojsonl", "csv"}, "default": "geojson"}}},
		obj{"200": obj{"description": "The collection", "content": obj{typeGeoJSON: obj{}, ExportFormats["geojsonl"].MediaType: obj{}, "text/csv": obj{}}}})
	if len(s.opts.Tokens) > 0 {
		s.writeOperations(paths)
	}
	for _, coll := range colls {
		params := itemsParameterRefs()
		for _, f := range coll.Fields {
			if only(itemsParams...)(f.Name) {
				continue
			}
			params = append(params, obj{"name": f.Name, "in": "query", "required": false, "style": "form", "explode": false,
				"description": "Only features whose " + f.Name + " equals this value (" + f.Type.String() + ").",
				"schema":      fieldSchema(f)})
		}
		paths["/collections/"+coll.ID+"/items"] = get(coll.Title+" features", coll.Description, params, geoJSONOrHTML("The features of "+coll.Title))
	}
	doc := obj{
		"openapi": "3.0.3",
		"info": obj{
			"title": "Harmattan", "version": "1.0.0",
			"description": "OGC API – Features for conflict-monitoring map layers.",
			"license":     obj{"name": "Data: see each feature's source"},
		},
		"servers": []any{obj{"url": baseURL(c)}},
		"paths":   paths,
		"components": obj{
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer"}},
			"parameters":      s.parameters(),
			"schemas": obj{
				"exception": obj{"type": "object", "required": []string{"code"},
					"properties": obj{"code": obj{"type": "string"}, "description": obj{"type": "string"}}},
			},
		},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, typeOpenAPI, b)
}

func (s *server) parameters() obj {
	return obj{
		"collectionId": obj{"name": "collectionId", "in": "path", "required": true, "description": "Collection id", "schema": obj{"type": "string"}},
		"featureId":    obj{"name": "featureId", "in": "path", "required": true, "description": "Feature id", "schema": obj{"type": "integer"}},
		"f": obj{"name": "f", "in": "query", "required": false, "description": "Response format (default from the Accept header, else JSON).",
			"schema": obj{"type": "string", "enum": []string{"json", "html"}}},
		"limit": obj{"name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
			"description": "Page size. Values above the maximum are clamped to it.",
			"schema":      obj{"type": "integer", "minimum": 1, "maximum": s.opts.MaxLimit, "default": s.opts.DefaultLimit}},
		"offset": obj{"name": "offset", "in": "query", "required": false, "description": "Number of matching features to skip.",
			"schema": obj{"type": "integer", "minimum": 0, "default": 0}},
		"cursor": obj{"name": "cursor", "in": "query", "required": false,
			"description": "Opaque paging token from a next link (cheaper than offset on deep pages).", "schema": obj{"type": "string"}},
		"bbox": obj{"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
			"description": "minLon,minLat,maxLon,maxLat (or 6 numbers with heights) in CRS84; minLon > maxLon crosses the antimeridian.",
			"schema":      obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}},
		"datetime": obj{"name": "datetime", "in": "query", "required": false, "style": "form", "explode": false,
			"description": "RFC 3339 instant or date, or an interval start/end with '..' or empty for an open end. Features without a time are always included.",
			"schema":      obj{"type": "string"}},
		"properties": obj{"name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
			"description": "Comma-separated properties to return (default all).",
			"schema":      obj{"type": "array", "items": obj{"type": "string"}}},
	}
}

func itemsParameterRefs() []any {
	out := []any{}
	for _, p := range []string{"bbox", "datetime", "limit", "offset", "cursor", "properties", "f"} {
		out = append(out, ref(p))
	}
	return out
}

func ref(param string) obj { return obj{"$ref": "#/components/parameters/" + param} }

func fieldSchema(f data.Field) obj {
	s := obj{"type": f.Type.JSONType()}
	switch f.Type {
	case data.Date:
		s["format"] = "date"
	case data.DateTime:
		s["format"] = "date-time"
	}
	return s
}

func get(summary, description string, params []any, responses obj) obj {
	responses["400"] = errorResponse("Invalid or unknown parameter")
	responses["404"] = errorResponse("No such collection or feature")
	return obj{"get": obj{"summary": summary, "description": description, "parameters": params, "responses": responses}}
}

func errorResponse(d string) obj {
	return obj{"description": d, "content": obj{typeJSON: obj{"schema": obj{"$ref": "#/components/schemas/exception"}}}}
}

func jsonOrHTML(d string) obj {
	return obj{"200": obj{"description": d, "content": obj{typeJSON: obj{}, typeHTML: obj{}}}}
}

func geoJSONOrHTML(d string) obj {
	return obj{"200": obj{"description": d, "content": obj{typeGeoJSON: obj{}, typeHTML: obj{}}}}
}

// tilesetNames lists the --tileset names for the API description (": a, b"), or "".
func tilesetNames(ts map[string]data.Tileset) string {
	if len(ts) == 0 {
		return ""
	}
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	sort.Strings(names)
	return ": " + strings.Join(names, ", ")
}

// writeOperations adds OGC API – Features Part 4 create, replace, update and delete to paths.
func (s *server) writeOperations(paths obj) {
	body := func(d string, types ...string) obj {
		content := obj{}
		for _, t := range types {
			content[t] = obj{}
		}
		return obj{"required": true, "description": d, "content": content}
	}
	ifMatch := obj{"name": "If-Match", "in": "header", "required": false,
		"description": "The feature's ETag as read: the write fails with 412 if it changed since", "schema": obj{"type": "string"}}
	errs := func(r obj) obj {
		r["400"] = errorResponse("The body does not fit the collection (property, type or geometry)")
		r["401"] = errorResponse("No valid bearer token")
		r["403"] = errorResponse("The token may not write to this collection")
		r["404"] = errorResponse("No such collection or feature")
		r["413"] = errorResponse("The body is too large")
		r["415"] = errorResponse("The body is not GeoJSON")
		return r
	}
	security := []any{obj{"bearer": []string{}}}
	items := paths["/collections/{collectionId}/items"].(obj)
	items["post"] = obj{"summary": "Add features", "security": security, "parameters": []any{ref("collectionId")},
		"requestBody": body("A GeoJSON Feature or FeatureCollection, all written or none", typeGeoJSON, typeJSON),
		"responses":   errs(obj{"201": obj{"description": "Created; Location names a single new feature, a collection answers its ids"}})}
	item := paths["/collections/{collectionId}/items/{featureId}"].(obj)
	params := []any{ref("collectionId"), ref("featureId"), ifMatch}
	item["put"] = obj{"summary": "Replace a feature", "security": security, "parameters": params,
		"requestBody": body("A GeoJSON Feature; properties it lacks become null", typeGeoJSON, typeJSON),
		"responses":   errs(obj{"200": obj{"description": "The feature as stored, with its new ETag"}, "412": errorResponse("If-Match did not match")})}
	item["patch"] = obj{"summary": "Update some properties or the geometry of a feature", "security": security, "parameters": params,
		"requestBody": body("A partial feature: the properties to change (null clears one) and optionally a geometry", "application/merge-patch+json", typeGeoJSON, typeJSON),
		"responses":   errs(obj{"200": obj{"description": "The feature as stored, with its new ETag"}, "412": errorResponse("If-Match did not match")})}
	item["delete"] = obj{"summary": "Delete a feature", "security": security, "parameters": params,
		"responses": errs(obj{"204": obj{"description": "Deleted"}, "412": errorResponse("If-Match did not match")})}
}
