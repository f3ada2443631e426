package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"

	"github.com/harmattan/harmattan/data"
)

// ExportFormats are the formats a whole layer can be written in, by Export and at
// /collections/{id}/download?f=...: GeoJSON, newline-delimited GeoJSON and CSV.
var ExportFormats = map[string]struct{ MediaType, Ext string }{
	"geojson":  {typeGeoJSON, "geojson"},
	"geojsonl": {"application/geo+json-seq", "geojsonl"},
	"csv":      {"text/csv; charset=utf-8", "csv"},
}

// Export streams the features of coll that match q to w in format (a key of ExportFormats),
// one feature in memory at a time. CSV has one column per property (values as in GeoJSON:
// dates as YYYY-MM-DD or RFC 3339, booleans as true/false, NULL as an empty field) and the
// geometry: for a point layer, longitude and latitude columns (none if the layer has properties
// of those names, which are taken to hold the position, as ACLED's do); otherwise a wkt column.
func Export(ctx context.Context, store data.Store, coll data.Collection, q data.Query, format string, w io.Writer) error {
	fields, err := coll.Selected(q.Properties)
	if err != nil {
		return err
	}
	enc, err := newEncoder(format, coll, fields, w)
	if err != nil {
		return err
	}
	err = store.Features(ctx, coll.ID, q, func(f *data.Feature) error { return enc.feature(f) })
	if err != nil {
		return err
	}
	return enc.end()
}

// featureEncoder writes a stream of features in one format.
type featureEncoder interface {
	feature(f *data.Feature) error
	end() error
}

func newEncoder(format string, coll data.Collection, fields []data.Field, w io.Writer) (featureEncoder, error) {
	switch format {
	case "geojson":
		return &geojsonEncoder{j: newJSONWriter(w), fields: fields}, nil
	case "geojsonl":
		return &geojsonEncoder{j: newJSONWriter(w), fields: fields, lines: true}, nil
	case "csv":
		return newCSVEncoder(coll, fields, w)
	}
	return nil, badRequest("unknown export format %q (geojson, geojsonl or csv)", format)
}

type geojsonEncoder struct {
	j      *jsonWriter
	fields []data.Field
	lines  bool
	n      int
}

func (e *geojsonEncoder) feature(f *data.Feature) error {
	switch {
	case e.lines:
	case e.n == 0:
		e.j.raw(`{"type":"FeatureCollection","features":[` + "\n")
	default:
		e.j.raw(",\n")
	}
	e.j.feature(f, e.fields)
	if e.lines {
		e.j.raw("\n")
	}
	e.n++
	return e.j.flushIfFull()
}

func (e *geojsonEncoder) end() error {
	if !e.lines {
		if e.n == 0 {
			e.j.raw(`{"type":"FeatureCollection","features":[`)
		}
		e.j.raw("\n]}\n")
	}
	return e.j.flush()
}

type csvEncoder struct {
	w      *csv.Writer
	fields []data.Field
	lonLat bool // longitude, latitude columns
	wkt    bool // a wkt column
	row    []string
}

func newCSVEncoder(coll data.Collection, fields []data.Field, w io.Writer) (*csvEncoder, error) {
	e := &csvEncoder{w: csv.NewWriter(w), fields: fields}
	header := make([]string, 0, len(fields)+2)
	for _, f := range fields {
		header = append(header, f.Name)
	}
	_, hasLon := coll.Field("longitude")
	_, hasLat := coll.Field("latitude")
	switch {
	case coll.GeometryType != "Point":
		e.wkt = true
		header = append(header, "wkt")
	case !hasLon || !hasLat:
		e.lonLat = true
		header = append(header, "longitude", "latitude")
	}
	e.row = make([]string, len(header))
	return e, e.w.Write(header)
}

func (e *csvEncoder) feature(f *data.Feature) error {
	for i := range e.fields {
		e.row[i] = csvValue(f.Properties[i])
	}
	n := len(e.fields)
	switch {
	case e.wkt:
		e.row[n] = ""
		if f.Geometry != nil {
			e.row[n] = wkt.MarshalString(f.Geometry)
		}
	case e.lonLat:
		e.row[n], e.row[n+1] = "", ""
		if p, ok := f.Geometry.(orb.Point); ok {
			e.row[n] = strconv.FormatFloat(p[0], 'f', -1, 64)
			e.row[n+1] = strconv.FormatFloat(p[1], 'f', -1, 64)
		}
	}
	return e.w.Write(e.row)
}

func (e *csvEncoder) end() error {
	e.w.Flush()
	return e.w.Error()
}

func csvValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}
