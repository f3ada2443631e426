package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/harmattan/harmattan/data"
)

// Writes follow OGC API – Features Part 4 (Create, Replace, Update, Delete): POST a Feature or
// a FeatureCollection to /items, PUT, PATCH or DELETE /items/{featureId}, each one
// transaction, behind a bearer token (auth.go), with If-Match against the feature's ETag.

// createItems serves POST /collections/{id}/items: 201 with a Location for one feature; for a
// collection, 201 with the new ids.
func (s *server) createItems(c echo.Context) error {
	coll, ed, err := s.writable(c)
	if err != nil {
		return err
	}
	body, err := s.readBody(c, typeGeoJSON, typeJSON)
	if err != nil {
		return err
	}
	var doc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return badRequest("the body is not JSON: %v", err)
	}
	var records []*data.Record
	switch doc.Type {
	case "Feature":
		r, err := record(body, "the feature", false)
		if err != nil {
			return err
		}
		records = append(records, r)
	case "FeatureCollection":
		if len(doc.Features) == 0 {
			return badRequest("the FeatureCollection has no features")
		}
		for i, raw := range doc.Features {
			r, err := record(raw, fmt.Sprintf("feature %d", i+1), false)
			if err != nil {
				return err
			}
			records = append(records, r)
		}
	default:
		return badRequest("the body must be a GeoJSON Feature or FeatureCollection, not %q", doc.Type)
	}
	ctx := c.Request().Context()
	ids, err := ed.Insert(ctx, coll.ID, records)
	if err != nil {
		return err
	}
	var bounds []orb.Bound
	for _, r := range records {
		if r.Geometry != nil {
			bounds = append(bounds, r.Geometry.Bound())
		}
	}
	s.changed(coll.ID, bounds...)
	s.metrics.written.WithLabelValues(coll.ID, "insert").Add(float64(len(ids)))
	if doc.Type == "FeatureCollection" {
		return c.JSON(http.StatusCreated, map[string]any{"numberCreated": len(ids), "ids": ids})
	}
	c.Response().Header().Set(echo.HeaderLocation, href(c, itemPath(coll.ID, ids[0]), nil))
	return s.writeFeature(c, coll, ids[0], http.StatusCreated)
}

// replaceItem serves PUT (replace) and PATCH (update) of /collections/{id}/items/{featureId}.
func (s *server) replaceItem(c echo.Context) error {
	coll, ed, err := s.writable(c)
	if err != nil {
		return err
	}
	id, err := featureID(c, coll)
	if err != nil {
		return err
	}
	patch := c.Request().Method == http.MethodPatch
	types := []string{typeGeoJSON, typeJSON}
	if patch {
		types = append(types, "application/merge-patch+json")
	}
	body, err := s.readBody(c, types...)
	if err != nil {
		return err
	}
	r, err := record(body, "the feature", patch)
	if err != nil {
		return err
	}
	before, after, err := ed.Update(c.Request().Context(), coll.ID, id, r, patch, ifMatch(c, coll))
	if err != nil {
		return err
	}
	s.changed(coll.ID, before, after)
	op := "replace"
	if patch {
		op = "patch"
	}
	s.metrics.written.WithLabelValues(coll.ID, op).Inc()
	return s.writeFeature(c, coll, id, http.StatusOK)
}

// deleteItem serves DELETE /collections/{id}/items/{featureId}: 204.
func (s *server) deleteItem(c echo.Context) error {
	coll, ed, err := s.writable(c)
	if err != nil {
		return err
	}
	id, err := featureID(c, coll)
	if err != nil {
		return err
	}
	b, err := ed.Delete(c.Request().Context(), coll.ID, id, ifMatch(c, coll))
	if err != nil {
		return err
	}
	s.changed(coll.ID, b)
	s.metrics.written.WithLabelValues(coll.ID, "delete").Inc()
	return c.NoContent(http.StatusNoContent)
}

// writable resolves the collection and checks that this client may write to it.
func (s *server) writable(c echo.Context) (data.Collection, data.Editor, error) {
	coll, err := s.store.Collection(c.Request().Context(), c.Param("id"))
	if err != nil {
		return coll, nil, err
	}
	if err := s.authorize(c, coll.ID); err != nil {
		return coll, nil, err
	}
	ed, ok := s.store.(data.Editor)
	if !ok {
		c.Response().Header().Set("Allow", "GET, HEAD")
		return coll, nil, &apiError{http.StatusMethodNotAllowed, "MethodNotAllowed", "this store cannot be written to"}
	}
	return coll, ed, nil
}

func featureID(c echo.Context, coll data.Collection) (int64, error) {
	id, err := strconv.ParseInt(c.Param("featureId"), 10, 64)
	if err != nil || id < 1 {
		return 0, notFound("collection %q has no feature %q", coll.ID, c.Param("featureId"))
	}
	return id, nil
}

func itemPath(coll string, id int64) string {
	return collectionPath(coll) + "/items/" + strconv.FormatInt(id, 10)
}

// readBody reads a request body of at most MaxBodyBytes whose media type is one of types.
func (s *server) readBody(c echo.Context, types ...string) ([]byte, error) {
	req := c.Request()
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	ok := false
	for _, t := range types {
		ok = ok || err == nil && mt == t
	}
	if !ok {
		return nil, &apiError{http.StatusUnsupportedMediaType, "UnsupportedMediaType",
			fmt.Sprintf("send the body as %s", types[0])}
	}
	// Bodies are read as sent: a compressed one would be taken for bad JSON, or worse, a
	// body that claims a coding it does not have would be written (RFC 9110 §15.5.16).
	if ce := strings.TrimSpace(req.Header.Get(echo.HeaderContentEncoding)); ce != "" && !strings.EqualFold(ce, "identity") {
		c.Response().Header().Set(echo.HeaderAcceptEncoding, "identity")
		return nil, &apiError{http.StatusUnsupportedMediaType, "UnsupportedMediaType",
			fmt.Sprintf("send the body uncompressed: Content-Encoding %q is not supported", ce)}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, s.opts.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, &apiError{http.StatusRequestEntityTooLarge, "PayloadTooLarge",
			fmt.Sprintf("the body is larger than %d bytes", s.opts.MaxBodyBytes)}
	}
	return body, err
}

// record decodes a GeoJSON feature into a record to write. For a patch, the geometry and
// every property are optional.
func record(raw []byte, where string, patch bool) (*data.Record, error) {
	var f struct {
		Type       string          `json:"type"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, badRequest("%s is not a GeoJSON feature: %v", where, err)
	}
	if f.Type != "Feature" && !(patch && f.Type == "") {
		return nil, badRequest("%s must be a GeoJSON Feature", where)
	}
	r := &data.Record{Properties: f.Properties, Where: where}
	if r.Properties == nil {
		r.Properties = map[string]any{}
	}
	for k, v := range r.Properties {
		if k == "" {
			return nil, badRequest("%s: a property has an empty name", where)
		}
		switch v := v.(type) {
		case map[string]any, []any:
			return nil, badRequest("%s: property %s: objects and arrays cannot be stored", where, k)
		case string:
			// PostgreSQL cannot store a NUL; refuse it on every backend alike.
			if strings.IndexByte(v, 0) >= 0 {
				return nil, badRequest("%s: property %s: text cannot hold a NUL character", where, k)
			}
		}
	}
	if len(f.Geometry) > 0 && string(f.Geometry) != "null" {
		if err := checkGeoJSON(f.Geometry); err != nil {
			return nil, badRequest("%s: geometry: %v", where, err)
		}
		g, err := geojson.UnmarshalGeometry(f.Geometry)
		if err != nil {
			return nil, badRequest("%s: geometry: %v", where, err)
		}
		if err := validGeometry(g.Geometry()); err != nil {
			return nil, badRequest("%s: geometry: %v", where, err)
		}
		r.Geometry = g.Geometry()
	} else if f.Geometry == nil && !patch {
		return nil, badRequest("%s has no geometry member (use \"geometry\": null for none)", where)
	}
	return r, nil
}

// ifMatch returns the check that enforces the request's If-Match header, or nil without one.
func ifMatch(c echo.Context, coll data.Collection) func(*data.Feature) error {
	want := c.Request().Header.Get("If-Match")
	if want == "" {
		return nil
	}
	return func(old *data.Feature) error {
		tag := featureETag(old, coll.Fields)
		for _, t := range splitTags(want) {
			if t == "*" || t == tag {
				return nil
			}
		}
		return &apiError{http.StatusPreconditionFailed, "PreconditionFailed",
			"the feature changed since you read it (its ETag is now " + tag + ")"}
	}
}

// changed drops the cached tiles of coll that a write touched (bounds: old and new positions).
func (s *server) changed(coll string, bounds ...orb.Bound) {
	s.fresh.invalidate(coll, bounds)
}

// writeFeature answers with feature id as stored, with its ETag.
func (s *server) writeFeature(c echo.Context, coll data.Collection, id int64, status int) error {
	feat, err := s.reads.Feature(c.Request().Context(), coll.ID, id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", featureETag(feat, coll.Fields))
	j := newJSONWriter(c.Response())
	c.Response().Header().Set(echo.HeaderContentType, typeGeoJSON)
	c.Response().WriteHeader(status)
	j.feature(feat, coll.Fields)
	return j.flush()
}
