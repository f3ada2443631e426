package data

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Collection describes one served layer.
type Collection struct {
	ID          string
	Title       string
	Description string
	// GeometryType is the declared GeoJSON-style geometry type: "Point", "LineString",
	// "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon" or "Geometry" (mixed).
	GeometryType string
	Fields       []Field
	// TemporalField is the name of the property that datetime filters use ("" if none).
	TemporalField string
	// Extent is the WGS84 bounding box of all features (the zero Bound when empty).
	Extent orb.Bound
	// Interval is the [first, last] value of TemporalField as formatted strings ("" if unknown).
	Interval [2]string
}

// Field returns the field named name.
func (c Collection) Field(name string) (Field, bool) {
	for _, f := range c.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// SetTemporal makes the DATE or DATETIME property name the one datetime filters use (an
// operator's choice, overriding the default of the first such property).
func (c *Collection) SetTemporal(name string) error {
	f, ok := c.Field(name)
	if !ok {
		return fmt.Errorf("collection %s has no property %q to use as its time", c.ID, name)
	}
	if f.Type != Date && f.Type != DateTime {
		return fmt.Errorf("property %q of collection %s is %s, not DATE or DATETIME", name, c.ID, f.Type)
	}
	c.TemporalField = name
	return nil
}

// Field is one non-geometry property of a collection.
type Field struct {
	Name string
	Type FieldType
}

// FieldType is the type of a property, as GeoPackage declares it.
type FieldType int

// The field types Harmattan understands. Anything else is served as Text.
const (
	Text FieldType = iota
	Integer
	Real
	Boolean
	Date
	DateTime
)

// String returns the GeoPackage name of the type (TEXT, INTEGER, ...).
func (t FieldType) String() string {
	switch t {
	case Integer:
		return "INTEGER"
	case Real:
		return "REAL"
	case Boolean:
		return "BOOLEAN"
	case Date:
		return "DATE"
	case DateTime:
		return "DATETIME"
	}
	return "TEXT"
}

// JSONType returns the JSON Schema type of the field's values.
func (t FieldType) JSONType() string {
	switch t {
	case Integer:
		return "integer"
	case Real:
		return "number"
	case Boolean:
		return "boolean"
	}
	return "string"
}

// TypeOf maps a declared SQL column type (as in GeoPackage, GDAL and SQLite affinity rules)
// to a FieldType. Unknown and BLOB types map to Text.
func TypeOf(decl string) FieldType {
	d := strings.ToUpper(strings.TrimSpace(decl))
	if i := strings.IndexByte(d, '('); i >= 0 { // TEXT(20)
		d = strings.TrimSpace(d[:i])
	}
	switch d {
	case "BOOLEAN", "BOOL":
		return Boolean
	case "DATE":
		return Date
	case "DATETIME", "TIMESTAMP":
		return DateTime
	case "INTEGER", "INT", "TINYINT", "SMALLINT", "MEDIUMINT", "BIGINT":
		return Integer
	case "REAL", "FLOAT", "DOUBLE", "NUMERIC", "DOUBLE PRECISION":
		return Real
	}
	return Text
}

// Parse converts a client-supplied string into a value of this type, for an equality filter.
// The error wraps ErrInvalidQuery.
func (t FieldType) Parse(s string) (any, error) {
	switch t {
	case Integer:
		v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, invalidf("%q is not an integer", s)
		}
		return v, nil
	case Real:
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v != v || v > 1e308 || v < -1e308 {
			return nil, invalidf("%q is not a finite number", s)
		}
		return v, nil
	case Boolean:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, invalidf("%q is not a boolean (true or false)", s)
	case Date:
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, invalidf("%q is not a date (YYYY-MM-DD)", s)
		}
		return d.Format(time.DateOnly), nil
	case DateTime:
		d, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, invalidf("%q is not an RFC 3339 date-time", s)
		}
		return d.UTC().Format(time.RFC3339Nano), nil
	}
	return s, nil
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidQuery, fmt.Sprintf(format, args...))
}

var notIDChar = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// CollectionID makes a URL-safe collection id from a table name: no dots (QGIS splits on
// them), no spaces or slashes.
func CollectionID(table string) string {
	id := strings.Trim(notIDChar.ReplaceAllString(table, "_"), "_")
	if id == "" {
		id = "layer"
	}
	return id
}

// UniqueID returns id, or id_2, id_3, ... the first that taken does not report.
func UniqueID(id string, taken func(string) bool) string {
	out := id
	for i := 2; taken(out); i++ {
		out = fmt.Sprintf("%s_%d", id, i)
	}
	return out
}
