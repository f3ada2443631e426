package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/harmattan/harmattan/data"
)

// Conformance classes of OGC API – Features Part 1 that we implement.
var conformsTo = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

const (
	crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	// relTilesetFile links the landing page to the TileJSON of each --tileset file.
	relTilesetFile = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-map"
	trs            = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
)

func (s *server) landing(c echo.Context) error {
	f, err := formatOnly(c)
	if err != nil {
		return err
	}
	if f == "html" {
		return s.mapPage(c)
	}
	links := append(selfLinks(c, "/", nil, f, typeJSON, "This document"),
		link{Href: href(c, "/api", nil), Rel: "service-desc", Type: typeOpenAPI, Title: "The API definition (OpenAPI 3.0)"},
		link{Href: href(c, "/conformance", nil), Rel: "conformance", Type: typeJSON, Title: "Conformance classes"},
		link{Href: href(c, "/collections", nil), Rel: "data", Type: typeJSON, Title: "The feature collections"},
	)
	// The --tileset files, so that the map can offer raster ones as base layers.
	names := make([]string, 0, len(s.opts.Tilesets))
	for n := range s.opts.Tilesets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		links = append(links, link{Href: href(c, "/tiles/"+url.PathEscape(n)+".json", nil), Rel: relTilesetFile,
			Type: typeJSON, Title: n})
	}
	return c.JSON(http.StatusOK, map[string]any{
		"title":       "Harmattan",
		"description": "Conflict-monitoring map layers (incidents, bases, regions) as OGC API – Features, GeoJSON and a web map.",
		"links":       links,
	})
}

func (s *server) conformance(c echo.Context) error {
	if _, err := formatOnly(c); err != nil { // f=xml is a 400, as on every route that takes f
		return err
	}
	classes := append(append([]string(nil), conformsTo...), tilesConformance...)
	if len(s.opts.Tokens) > 0 {
		classes = append(classes, "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
			"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update", "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features")
	}
	return c.JSON(http.StatusOK, map[string]any{"conformsTo": classes})
}

// collectionDoc is a collection as /collections describes it.
type collectionDoc struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	ItemType    string         `json:"itemType"`
	CRS         []string       `json:"crs"`
	Extent      map[string]any `json:"extent,omitempty"`
	Links       []link         `json:"links"`
}

func (s *server) collectionDoc(c echo.Context, coll data.Collection, format string, self bool) collectionDoc {
	p := collectionPath(coll.ID)
	var links []link
	if self {
		links = selfLinks(c, p, nil, format, typeJSON, coll.Title)
	} else {
		links = []link{{Href: href(c, p, nil), Rel: "self", Type: typeJSON, Title: coll.Title}}
	}
	links = append(links,
		link{Href: href(c, p+"/items", nil), Rel: "items", Type: typeGeoJSON, Title: itemsTitle(coll.Title) + " as GeoJSON"},
		link{Href: href(c, p+"/items", with(nil, "f", "html")), Rel: "items", Type: typeHTML, Title: itemsTitle(coll.Title) + " as HTML"},
		link{Href: href(c, p+"/tiles", nil), Rel: relTilesets, Type: typeJSON, Title: coll.Title + " as vector and raster tiles"},
		link{Href: href(c, "/tiles/"+url.PathEscape(coll.ID)+".json", nil), Rel: "describedby", Type: typeJSON, Title: "TileJSON of " + coll.Title},
	)
	for _, f := range []string{"geojson", "csv", "geojsonl"} {
		links = append(links, link{Href: href(c, p+"/download", with(nil, "f", f)), Rel: "enclosure",
			Type: ExportFormats[f].MediaType, Title: "All of " + coll.Title + " as one " + strings.ToUpper(f) + " file"})
	}
	doc := collectionDoc{ID: coll.ID, Title: coll.Title, Description: coll.Description, ItemType: "feature", CRS: []string{crs84}, Links: links}
	extent := map[string]any{}
	if b := coll.Extent; !b.IsZero() || b.Min != b.Max {
		extent["spatial"] = map[string]any{"bbox": [][]float64{{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}, "crs": crs84}
	}
	if coll.TemporalField != "" && coll.Interval[0] != "" {
		extent["temporal"] = map[string]any{
			"interval": [][]string{{instant(coll.Interval[0], false), instant(coll.Interval[1], true)}},
			"trs":      trs,
		}
	}
	if len(extent) > 0 {
		doc.Extent = extent
	}
	return doc
}

// instant turns a DATE value into the RFC 3339 date-time the temporal extent needs (the start
// or the end of that day); DATETIME values are already RFC 3339.
func instant(v string, end bool) string {
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return v
	}
	if end {
		d = d.Add(24*time.Hour - time.Second)
	}
	return d.Format(time.RFC3339)
}

func (s *server) collections(c echo.Context) error {
	f, err := formatOnly(c)
	if err != nil {
		return err
	}
	colls, err := s.store.Collections(c.Request().Context())
	if err != nil {
		return err
	}
	docs := make([]collectionDoc, 0, len(colls))
	for _, coll := range colls {
		docs = append(docs, s.collectionDoc(c, coll, f, false))
	}
	links := selfLinks(c, "/collections", nil, f, typeJSON, "The feature collections")
	if f == "html" {
		return s.html(c, "collections", map[string]any{"Title": "Collections", "Collections": docs, "Links": links})
	}
	return c.JSON(http.StatusOK, map[string]any{"links": links, "collections": docs})
}

func (s *server) collection(c echo.Context) error {
	f, err := formatOnly(c)
	if err != nil {
		return err
	}
	coll, err := s.store.Collection(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	doc := s.collectionDoc(c, coll, f, true)
	if f == "html" {
		return s.html(c, "collection", map[string]any{"Title": coll.Title, "Collection": doc, "Fields": coll.Fields})
	}
	return c.JSON(http.StatusOK, doc)
}

// errPageFull stops the feature stream once a page has been filled.
var errPageFull = errors.New("page full")

func (s *server) items(c echo.Context) error {
	ctx := c.Request().Context()
	coll, err := s.store.Collection(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	r, err := s.parseItems(c, coll)
	if err != nil {
		return err
	}
	fields, err := coll.Selected(r.query.Properties)
	if err != nil {
		return err
	}
	select {
	case s.pages <- struct{}{}:
		defer func() { <-s.pages }()
	case <-ctx.Done():
		return ctx.Err()
	}
	r.query.MaxCount = max(s.opts.MaxCount, 0)
	matched, err := s.reads.Count(ctx, coll.ID, r.query) // -1: too many to count, left out
	if err != nil {
		return err
	}
	switch r.format {
	case "html":
		return s.itemsHTML(c, coll, r, fields, matched)
	case "csv":
		return s.itemsCSV(c, coll, r)
	}

	// Stream: the header goes out with the first feature (or at the end), so that an error
	// before any feature still gets a proper error response.
	res := c.Response()
	j := newJSONWriter(res)
	started := false
	start := func() {
		res.Header().Set(echo.HeaderContentType, typeGeoJSON)
		res.WriteHeader(http.StatusOK)
		j.raw(`{"type":"FeatureCollection","features":[`)
		started = true
	}
	n, more, lastID := 0, false, int64(0)
	q := r.query
	q.Limit = r.limit + 1 // one more than the page tells whether there is a next page
	err = s.reads.Features(ctx, coll.ID, q, func(f *data.Feature) error {
		if n == r.limit {
			more = true
			return errPageFull
		}
		if !started {
			start()
		} else {
			j.raw(",")
		}
		j.feature(f, fields)
		n, lastID = n+1, f.ID
		return j.flushIfFull()
	})
	if err != nil && !errors.Is(err, errPageFull) {
		return err
	}
	if !started {
		start()
	}
	j.raw(`]`)
	if matched >= 0 {
		j.raw(`,"numberMatched":`)
		j.buf = strconv.AppendInt(j.buf, matched, 10)
	}
	j.raw(`,"numberReturned":`)
	j.buf = strconv.AppendInt(j.buf, int64(n), 10)
	j.raw(`,"timeStamp":`)
	j.buf = appendString(j.buf, time.Now().UTC().Format(time.RFC3339))
	j.raw(`,"links":`)
	j.links(itemsLinks(c, coll, r, more, lastID))
	j.raw("}")
	return j.flush()
}

// itemsLinks returns self, alternate, next (keyset cursor, when there are more matches) and
// prev (offset-based, when this page is not the first) links for an items page.
func itemsLinks(c echo.Context, coll data.Collection, r itemsRequest, more bool, lastID int64) []link {
	p := collectionPath(coll.ID) + "/items"
	links := selfLinks(c, p, r.params, r.format, typeGeoJSON, itemsTitle(coll.Title))
	typ := typeGeoJSON
	if r.format == "html" {
		typ = typeHTML
	}
	limit := strconv.Itoa(r.limit)
	if more {
		next := with(r.params, "offset", "", "limit", limit, "cursor", cursor(r.offset+r.limit, lastID))
		links = append(links, link{Href: href(c, p, next), Rel: "next", Type: typ, Title: "Next page"})
	}
	if r.offset > 0 {
		prev := with(r.params, "cursor", "", "limit", limit, "offset", strconv.Itoa(max(0, r.offset-r.limit)))
		if r.offset-r.limit <= 0 {
			prev.Del("offset")
		}
		links = append(links, link{Href: href(c, p, prev), Rel: "prev", Type: typ, Title: "Previous page"})
	}
	return append(links, link{Href: href(c, collectionPath(coll.ID), nil), Rel: "collection", Type: typeJSON, Title: coll.Title})
}

func (s *server) item(c echo.Context) error {
	f, err := formatOnly(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	coll, err := s.store.Collection(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	fid, err := featureID(c, coll)
	if err != nil {
		return err
	}
	feat, err := s.reads.Feature(ctx, coll.ID, fid)
	if err != nil {
		return err
	}
	p := itemPath(coll.ID, fid)
	c.Response().Header().Set("ETag", featureETag(feat, coll.Fields))
	links := append(selfLinks(c, p, nil, f, typeGeoJSON, "This feature"),
		link{Href: href(c, collectionPath(coll.ID), nil), Rel: "collection", Type: typeJSON, Title: coll.Title})
	if f == "html" {
		return s.html(c, "item", map[string]any{"Title": coll.Title + " " + strconv.FormatInt(fid, 10),
			"Collection": coll, "Rows": rows([]*data.Feature{feat}), "Links": links})
	}
	j := newJSONWriter(c.Response())
	c.Response().Header().Set(echo.HeaderContentType, typeGeoJSON)
	c.Response().WriteHeader(http.StatusOK)
	j.feature(feat, coll.Fields)
	j.buf = j.buf[:len(j.buf)-1] // reopen the feature object to add its links
	j.raw(`,"links":`)
	j.links(links)
	j.raw("}")
	return j.flush()
}
