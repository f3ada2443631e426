package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// rawFeature is a GeoJSON Feature with its geometry and properties still as JSON text.
// Geometry is nil when the member is missing and "null" when it is null. The input's "id" is
// not kept: Harmattan assigns ids.
type rawFeature struct {
	Type       string          `json:"type"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// decodeFeatureHead parses one feature's JSON text as far as the schema needs.
func decodeFeatureHead(text []byte) (*rawFeature, error) {
	var f rawFeature
	if err := json.Unmarshal(text, &f); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field == "" {
			return nil, fmt.Errorf("not a GeoJSON Feature: a JSON %s", ute.Value)
		}
		return nil, fmt.Errorf("not a GeoJSON Feature: %w", err)
	}
	if f.Type != "Feature" {
		if f.Type == "" {
			return nil, errors.New(`not a GeoJSON Feature: it has no "type"`)
		}
		return nil, fmt.Errorf("not a GeoJSON Feature: its type is %q", f.Type)
	}
	return &f, nil
}

// featureRecord turns a decoded feature into a record: geometry decoded and validated,
// properties converted to the types in ty. Every error is an *Error at where.
func featureRecord(f *rawFeature, where string, ty *typing) (*data.Record, error) {
	if len(f.Geometry) == 0 {
		return nil, &Error{Where: where, Err: errors.New(`the feature has no "geometry" member (use "geometry": null for none)`)}
	}
	g, err := decodeGeometry(f.Geometry)
	if err == nil && g != nil {
		err = checkGeometry(g)
	}
	if err != nil {
		return nil, &Error{Where: where, Field: "geometry", Err: err}
	}
	rec := &data.Record{Geometry: g, Where: where}
	err = walkProperties(f.Properties, func(n int) {
		if len(ty.byName) > 0 { // the number of fields bounds the number of properties better
			n = min(n, len(ty.byName))
		}
		rec.Properties = make(map[string]any, n)
	}, func(key string, v any) error {
		t, known := ty.lookup(key)
		out, err := convertValue(v, t, known, false)
		if err != nil {
			return &Error{Where: where, Field: key, Err: err}
		}
		rec.Properties[key] = out
		return nil
	})
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return nil, &Error{Where: where, Field: "properties", Err: err}
		}
		if e.Where == "" { // a value walkProperties could not decode
			e.Where = where
		}
		return nil, e
	}
	if rec.Properties == nil {
		rec.Properties = map[string]any{}
	}
	return rec, nil
}

// geometryTypeOf returns the GeoJSON geometry type named in a geometry's JSON text ("" for
// null or an unreadable geometry), without decoding its coordinates.
func geometryTypeOf(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '{' {
		return ""
	}
	var head struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &head) != nil {
		return ""
	}
	return head.Type
}

// schemaTypeName maps a GeoJSON geometry type to the schema's name ("Point" → "POINT"),
// "GEOMETRY" for a collection or an unknown type.
func schemaTypeName(geojsonType string) string {
	switch geojsonType {
	case "Point":
		return "POINT"
	case "LineString":
		return "LINESTRING"
	case "Polygon":
		return "POLYGON"
	case "MultiPoint":
		return "MULTIPOINT"
	case "MultiLineString":
		return "MULTILINESTRING"
	case "MultiPolygon":
		return "MULTIPOLYGON"
	}
	return "GEOMETRY"
}

// geometryTypes accumulates the geometry type of a layer: the single type seen, or GEOMETRY.
type geometryTypes struct{ name string }

func (g *geometryTypes) add(name string) {
	switch {
	case name == "":
	case g.name == "":
		g.name = name
	case g.name != name:
		g.name = "GEOMETRY"
	}
}

func (g *geometryTypes) result() string {
	if g.name == "" {
		return "GEOMETRY"
	}
	return g.name
}

// addGeometry records the type of a decoded geometry.
func (g *geometryTypes) addGeometry(geom orb.Geometry) {
	if geom != nil {
		g.add(schemaTypeName(geom.GeoJSONType()))
	}
}

// walkProperties calls fn for each member of the JSON object raw, in order, with its value
// decoded: nil, string, bool, jsonNumber or jsonText. start is called first with an upper
// bound of the number of members. raw must be valid JSON (the decoder checked it); null or a
// missing member means no properties. String values must be valid UTF-8.
func walkProperties(raw []byte, start func(n int), fn func(key string, v any) error) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '{' {
		return errors.New("properties is not a JSON object")
	}
	if start != nil {
		start(bytes.Count(raw, []byte{':'}))
	}
	i := skipSpace(raw, 1)
	for i < len(raw) && raw[i] != '}' {
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		end := skipString(raw, i)
		key, err := unquote(raw[i:end])
		if err != nil {
			return err
		}
		i = skipSpace(raw, end)
		i = skipSpace(raw, i+1) // ':'
		end = skipValue(raw, i)
		v, err := jsonValue(raw[i:end])
		if err != nil {
			return &Error{Field: key, Err: err}
		}
		if err := fn(key, v); err != nil {
			return err
		}
		i = skipSpace(raw, end)
	}
	return nil
}

// jsonValue decodes one JSON value's text.
func jsonValue(v []byte) (any, error) {
	switch v[0] {
	case '"':
		return unquote(v)
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'n':
		return nil, nil
	case '{', '[':
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			return nil, err
		}
		if !utf8.Valid(b.Bytes()) {
			return nil, errors.New(utf8Hint)
		}
		return jsonText(b.String()), nil
	}
	return jsonNumber(v), nil
}

// unquote decodes a JSON string literal, refusing invalid UTF-8 (which encoding/json would
// silently replace).
func unquote(q []byte) (string, error) {
	if !utf8.Valid(q) {
		return "", errors.New(utf8Hint)
	}
	if bytes.IndexByte(q, '\\') < 0 && len(q) >= 2 {
		return string(q[1 : len(q)-1]), nil
	}
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return "", err
	}
	return s, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the JSON string starting at b[i].
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the (valid) JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipString(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}
