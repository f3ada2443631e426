// Package ingest reads the input files of `harmattan import` (ACLED and other CSV, GeoJSON,
// newline-delimited GeoJSON and GeoJSON text sequences, GeoPackage) as a stream of
// data.Record, with a schema inferred from the data. It reads files in bounded memory: the
// schema is inferred in one streaming pass and the records are read in a second one.
//
// Problems with one record are returned as *Error and reading goes on with the next record;
// any other error means the file cannot be read further.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/harmattan/harmattan/data"
)

// Options configure Open.
type Options struct {
	// Format is "" (from the file extension), "acled", "csv", "geojson", "geojsonl" or
	// "gpkg". A .csv file is ACLED when its header has the columns event_id_cnty,
	// event_date, latitude and longitude, generic CSV otherwise; .geojson and .json are
	// GeoJSON; .geojsonl, .geojsons, .ndjson and .jsonl are newline-delimited GeoJSON or
	// RFC 8142 GeoJSON text sequences; .gpkg is GeoPackage.
	Format string
	// Lon and Lat name the longitude and latitude columns of a generic CSV file. By default
	// they are the first of lon, lng, longitude, x and of lat, latitude, y present in the
	// header (compared without regard to case).
	Lon, Lat string
	// WKT names a column of WKT geometries of a generic CSV file, instead of Lon and Lat.
	// By default a column named wkt is used when there are no longitude and latitude columns.
	WKT string
	// Encoding of CSV and GeoJSON text: "" or "utf-8" (a byte order mark is dropped; invalid
	// UTF-8 is an *Error naming the line and field), or "latin-1" (ISO-8859-1, converted to
	// UTF-8).
	Encoding string
	// Tables names the GeoPackage feature table to read, by collection id as Tables returns
	// them. At most one: when the file has several tables, one must be named.
	Tables []string
}

// Schema is the layer schema of an input: its fields in file order (column order for CSV,
// order of first appearance for GeoJSON), its geometry type ("POINT", "LINESTRING",
// "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", or "GEOMETRY" when mixed or
// unknown), its temporal field ("" for none) and the key property that upserts match on ("" for
// none; event_id_cnty for ACLED).
type Schema struct {
	Fields        []data.Field
	GeometryType  string
	TemporalField string
	Key           string
}

// Source is one opened input file. Its methods are not safe for concurrent use, except
// Progress, which may be called from any goroutine.
type Source struct {
	f       format
	schema  *Schema      // inferred, nil until Schema ran
	forced  []data.Field // the fields given to UseSchema
	useOwn  bool         // UseSchema was called
	started bool         // Next was called
	done    error        // sticky: io.EOF or a fatal error
	types   typing
}

// format is one input format: it infers a schema in one pass over the input and reads
// records in another.
type format interface {
	// scan reads the whole input once and returns the schema inferred from it. Problems
	// with single records are left for next to report.
	scan(ctx context.Context) (Schema, error)
	// start prepares next to read from the first record.
	start() error
	// next returns the next record with values converted to the types in ty, an *Error for
	// a bad record, io.EOF at the end, or another error when reading cannot go on.
	next(ty *typing) (*data.Record, error)
	progress() (done, total int64)
	close() error
}

// typing holds the field types that records are converted to. A property without a type
// keeps the type of its value in the input (a CSV value stays a string).
type typing struct {
	byName  map[string]data.FieldType
	version int // changes when byName does, so readers can recompute what they cache
}

// lookup returns the type of property name and whether it has one.
func (t *typing) lookup(name string) (data.FieldType, bool) {
	ft, ok := t.byName[name]
	return ft, ok
}

// Open opens the input file at path. It reads what it needs to know the input's layout (a
// CSV header, a GeoPackage's tables) and returns an error for a file that cannot be read
// that way, a format that cannot be told from the extension, or options that do not fit
// the file (unknown columns, an ambiguous table). A GeoPackage is opened with data/sqlite,
// which checks it and opens it read-write in WAL mode.
func Open(path string, opts Options) (*Source, error) {
	enc, err := parseEncoding(opts.Encoding)
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(opts.Format)
	if name == "" {
		if name, err = formatOf(path); err != nil {
			return nil, err
		}
	}
	var f format
	switch name {
	case "acled", "csv", "csv-auto":
		f, err = openCSV(path, opts, enc, name)
	case "geojson":
		f, err = openGeoJSON(path, enc)
	case "geojsonl":
		f, err = openGeoJSONSeq(path, enc)
	case "gpkg":
		f, err = openGPKG(path, opts)
	default:
		return nil, fmt.Errorf("unknown format %q (want acled, csv, geojson, geojsonl or gpkg)", opts.Format)
	}
	if err != nil {
		return nil, err
	}
	return &Source{f: f}, nil
}

// formatOf names the format of path from its extension; "csv-auto" is CSV that is ACLED when
// its header says so.
func formatOf(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv":
		return "csv-auto", nil
	case ".geojson", ".json":
		return "geojson", nil
	case ".geojsonl", ".geojsons", ".ndjson", ".jsonl", ".geojsonseq":
		return "geojsonl", nil
	case ".gpkg":
		return "gpkg", nil
	default:
		return "", fmt.Errorf("%s: cannot tell the format from the extension %q; give one (acled, csv, geojson, geojsonl, gpkg)", filepath.Base(path), ext)
	}
}

// Schema scans the whole input once, in bounded memory, and returns the inferred schema.
// A field is INTEGER when every non-empty value is an integer that fits int64 (without
// leading zeros, which would be lost), REAL when every one is a number, BOOLEAN for
// true/false, DATE for YYYY-MM-DD (and in ACLED files "05 March 2024"), DATETIME for RFC 3339
// date-times (mixed with dates), TEXT otherwise and for fields with no values. In CSV the
// empty string is NULL; a JSON string is never a number. Longitude and latitude columns
// are REAL. In ACLED files event_date is the DATE temporal field and event_id_cnty the
// key; elsewhere the temporal field is the first DATE or DATETIME field. A GeoPackage's
// schema is its table's.
//
// Bad records are left for Next to report; a file broken beyond one record is an error.
// Schema may be called again (it returns the same schema) but not once Next has been called.
func (s *Source) Schema(ctx context.Context) (Schema, error) {
	if s.started {
		return Schema{}, errors.New("ingest: Schema called after Next")
	}
	if s.schema == nil {
		sch, err := s.f.scan(ctx)
		if err != nil {
			return Schema{}, err
		}
		s.schema = &sch
		s.retype()
	}
	out := *s.schema
	out.Fields = append([]data.Field(nil), s.schema.Fields...)
	return out, nil
}

// UseSchema makes Next convert the values of the fields of sch to sch's types instead of
// the inferred ones: an integer fits REAL, a date fits DATETIME (as midnight UTC), and a value
// that does not convert is an *Error naming the field. Properties that sch lacks are still
// returned (with their inferred type, or as they are in the input when Schema was not
// called); the store decides whether they are allowed. Only the field types of sch are used.
// Called before the first Next, it also spares Next the schema pass.
func (s *Source) UseSchema(sch Schema) {
	s.useOwn = true
	s.forced = append([]data.Field(nil), sch.Fields...)
	s.retype()
}

// retype rebuilds the conversion types: the inferred schema's, overridden by UseSchema's.
func (s *Source) retype() {
	s.types.version++
	s.types.byName = map[string]data.FieldType{}
	if s.schema != nil {
		for _, f := range s.schema.Fields {
			s.types.byName[f.Name] = f.Type
		}
	}
	for _, f := range s.forced {
		s.types.byName[f.Name] = f.Type
	}
}

// Next returns the next record, or io.EOF after the last one. Values have the schema's
// types: int64, float64, bool, string (DATE as YYYY-MM-DD, DATETIME as RFC 3339 in UTC), nil
// for NULL and empty CSV values. Record.Where is "file.csv:LINE" (the physical line the
// record starts on), "file.geojson: feature N" (from 1), "file.geojsonl:LINE" or
// "file.gpkg: table T feature ID". A bad record gives an *Error and the next call goes on
// with the following record; any other error is fatal and every later call returns it.
// A CSV or GeoPackage record has a property for every column; a GeoJSON record has those of
// its feature. Next runs Schema first when neither Schema nor UseSchema was called.
func (s *Source) Next() (*data.Record, error) {
	if s.done != nil {
		return nil, s.done
	}
	if !s.started {
		if s.schema == nil && !s.useOwn {
			if _, err := s.Schema(context.Background()); err != nil {
				s.done = err
				return nil, err
			}
		}
		s.started = true
		if err := s.f.start(); err != nil {
			s.done = err
			return nil, err
		}
	}
	rec, err := s.f.next(&s.types)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			s.done = err
		}
		return nil, err
	}
	return rec, nil
}

// Progress returns how far the current pass (Schema's, then Next's) is: bytes read and the
// file's size, or for a GeoPackage features read and their number. It may be called from
// any goroutine.
func (s *Source) Progress() (done, total int64) { return s.f.progress() }

// Close releases the file. Next returns an error after it.
func (s *Source) Close() error {
	if s.done == nil || s.done == io.EOF {
		s.done = errors.New("ingest: source is closed")
	}
	return s.f.close()
}

// fileSize returns the size of the open file f.
func fileSize(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if fi.IsDir() {
		return 0, fmt.Errorf("%s is a directory", f.Name())
	}
	return fi.Size(), nil
}
