package ingest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"

	"github.com/harmattan/harmattan/data"
)

// csvFormat reads a CSV file with a header row: ACLED exports, and generic files whose
// geometry is in longitude and latitude columns or in a WKT column.
type csvFormat struct {
	textFile
	acled  bool
	header []string
	// Column indexes of the geometry: lon and lat, or wkt; -1 when unused.
	lon, lat, wkt int

	r       *csv.Reader // the current pass
	plan    []csvColumn // how next converts each column
	names   []string    // the properties of every record: the columns not skipped
	version int         // of the typing plan was built for
	buf     []byte
}

// csvColumn says how next converts one column.
type csvColumn struct {
	name  string
	typ   data.FieldType
	known bool // typ applies; otherwise the value stays a string
	skip  bool // the WKT column: the geometry, not a property
}

// openCSV reads the header of the CSV file at path. mode is "acled", "csv" or "csv-auto"
// (ACLED when the header has ACLED's columns).
func openCSV(path string, opts Options, enc encoding, mode string) (_ *csvFormat, err error) {
	c := &csvFormat{lon: -1, lat: -1, wkt: -1}
	if err := c.open(path, enc); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	if err := c.begin(); err != nil {
		return nil, err
	}
	hasACLED := true
	// The columns that make a CSV file an ACLED export:
	for _, col := range []string{"event_id_cnty", "event_date", "latitude", "longitude"} {
		if indexOf(c.header, col) < 0 {
			hasACLED = false
			if mode == "acled" {
				return nil, fmt.Errorf("%s: not an ACLED file: the header has no column %q", c.name, col)
			}
		}
	}
	c.acled = mode == "acled" || mode == "csv-auto" && hasACLED
	if c.acled {
		c.lon, c.lat = indexOf(c.header, "longitude"), indexOf(c.header, "latitude")
		return c, nil
	}
	if err := c.geometryColumns(opts); err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	return c, nil
}

// geometryColumns finds the columns that hold a generic CSV file's geometry.
func (c *csvFormat) geometryColumns(opts Options) error {
	find := func(name string) (int, error) {
		i := lookupColumn(c.header, name)
		if i < 0 {
			return -1, fmt.Errorf("no column %q in the header (%s)", name, joinNames(c.header))
		}
		return i, nil
	}
	var err error
	switch {
	case opts.WKT != "":
		if opts.Lon != "" || opts.Lat != "" {
			return errors.New("give either a WKT column or longitude and latitude columns, not both")
		}
		c.wkt, err = find(opts.WKT)
		return err
	case opts.Lon != "" || opts.Lat != "":
		if opts.Lon == "" || opts.Lat == "" {
			return errors.New("give both the longitude and the latitude column")
		}
		if c.lon, err = find(opts.Lon); err != nil {
			return err
		}
		c.lat, err = find(opts.Lat)
		return err
	}
	c.lon = firstColumn(c.header, "lon", "lng", "longitude", "x")
	c.lat = firstColumn(c.header, "lat", "latitude", "y")
	if c.lon >= 0 && c.lat >= 0 {
		return nil
	}
	c.lon, c.lat = -1, -1
	if c.wkt = firstColumn(c.header, "wkt"); c.wkt >= 0 {
		return nil
	}
	return fmt.Errorf("no geometry columns: found no lon/lat (or longitude/latitude, x/y) or wkt column among %s; name them with --lon and --lat or --wkt", joinNames(c.header))
}

// begin starts a pass over the file: it reads the header row (the first time, it keeps and
// checks it) and leaves c.r at the first record.
func (c *csvFormat) begin() error {
	text, err := c.rewind()
	if err != nil {
		return err
	}
	r := csv.NewReader(text)
	r.ReuseRecord = true
	head, err := r.Read()
	switch {
	case err == io.EOF:
		return fmt.Errorf("%s: the file is empty; a CSV file needs a header row", c.name)
	case err != nil:
		return fmt.Errorf("%s: reading the header row: %w", c.name, err)
	}
	c.r = r
	if c.header != nil {
		return nil
	}
	c.header = make([]string, len(head))
	seen := make(map[string]int, len(head))
	for i, h := range head {
		if !utf8.ValidString(h) {
			return fmt.Errorf("%s:1: column %d: the header has %s", c.name, i+1, utf8Hint)
		}
		if h == "" {
			h = "field_" + strconv.Itoa(i+1)
		}
		if j, dup := seen[h]; dup {
			return fmt.Errorf("%s:1: columns %d and %d are both named %q", c.name, j+1, i+1, h)
		}
		seen[h] = i
		c.header[i] = h
	}
	return nil
}

func (c *csvFormat) scan(ctx context.Context) (Schema, error) {
	if err := c.begin(); err != nil {
		return Schema{}, err
	}
	cols := make([]column, len(c.header))
	for i := range cols {
		cols[i] = newColumn()
	}
	var geoms geometryTypes
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return Schema{}, ctx.Err()
		}
		rec, err := c.r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if c.recordError(err, rec) != nil {
				continue // next reports it
			}
			return Schema{}, c.fatal(err)
		}
		for i, v := range rec {
			if i != c.lon && i != c.lat && i != c.wkt {
				cols[i].observeText(v, c.acled)
			}
		}
		if c.wkt >= 0 {
			geoms.add(wktType(rec[c.wkt]))
		}
	}
	var sch Schema
	for i, name := range c.header {
		t := cols[i].typ()
		switch {
		case i == c.wkt:
			continue
		case i == c.lon || i == c.lat:
			t = data.Real
		case c.acled && name == "event_date" && t != data.DateTime:
			t = data.Date // values that are not dates are errors, not a TEXT time
		}
		sch.Fields = append(sch.Fields, data.Field{Name: name, Type: t})
		if sch.TemporalField == "" && (t == data.Date || t == data.DateTime) {
			sch.TemporalField = name
		}
	}
	sch.GeometryType = geoms.result()
	if c.lon >= 0 {
		sch.GeometryType = "POINT"
	}
	if c.acled {
		sch.TemporalField, sch.Key = "event_date", "event_id_cnty"
	}
	return sch, nil
}

// recordError returns the *Error for a CSV error confined to one record (a wrong number of
// fields, a stray quote within a line), nil for one that breaks the file's structure.
func (c *csvFormat) recordError(err error, rec []string) *Error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return nil
	}
	where := c.where(pe.StartLine)
	switch {
	case pe.Err == csv.ErrFieldCount:
		return &Error{Where: where, Err: fmt.Errorf("the row has %d fields, the header has %d", len(rec), len(c.header))}
	case pe.Err == csv.ErrBareQuote || pe.Err == csv.ErrQuote && pe.Line == pe.StartLine:
		return &Error{Where: where, Err: fmt.Errorf("line %d, column %d: %w", pe.Line, pe.Column, pe.Err)}
	}
	return nil
}

// fatal wraps an error that stops the reading of the file.
func (c *csvFormat) fatal(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) && pe.Err == csv.ErrQuote {
		return fmt.Errorf("%s: the quoted field that starts on line %d is not closed properly (line %d, column %d); the CSV structure is broken from there: %w",
			c.name, pe.StartLine, pe.Line, pe.Column, err)
	}
	return fmt.Errorf("%s: %w", c.name, err)
}

// where returns "name:line".
func (c *csvFormat) where(line int) string {
	c.buf = append(c.buf[:0], c.name...)
	c.buf = append(c.buf, ':')
	c.buf = strconv.AppendInt(c.buf, int64(line), 10)
	return string(c.buf)
}

func (c *csvFormat) start() error {
	c.plan = nil
	return c.begin()
}

// replan decides how each column converts under ty.
func (c *csvFormat) replan(ty *typing) {
	c.plan = make([]csvColumn, len(c.header))
	for i, name := range c.header {
		p := csvColumn{name: name, skip: i == c.wkt}
		p.typ, p.known = ty.lookup(name)
		if !p.known && (i == c.lon || i == c.lat) {
			p.typ, p.known = data.Real, true
		}
		c.plan[i] = p
	}
	c.names = c.names[:0:0] // a new slice: records already returned keep theirs
	for _, p := range c.plan {
		if !p.skip {
			c.names = append(c.names, p.name)
		}
	}
	c.version = ty.version
}

func (c *csvFormat) next(ty *typing) (*data.Record, error) {
	if c.plan == nil || c.version != ty.version {
		c.replan(ty)
	}
	rec, err := c.r.Read()
	if err != nil {
		if err == io.EOF {
			return nil, err
		}
		if e := c.recordError(err, rec); e != nil {
			return nil, e
		}
		return nil, c.fatal(err)
	}
	line, _ := c.r.FieldPos(0)
	where := c.where(line)
	var (
		geom     orb.Geometry
		lon, lat float64
	)
	switch {
	case c.lon >= 0:
		if lon, err = c.coord(rec, c.lon, 180, "longitude", where); err != nil {
			return nil, err
		}
		if lat, err = c.coord(rec, c.lat, 90, "latitude", where); err != nil {
			return nil, err
		}
		geom = orb.Point{lon, lat}
	case c.wkt >= 0:
		if geom, err = c.wktGeometry(rec[c.wkt], where); err != nil {
			return nil, err
		}
	}
	// Values in a slice beside the shared names: a map per record would cost more than
	// parsing it.
	vals := make([]any, 0, len(c.names))
	for i, v := range rec {
		p := &c.plan[i]
		switch {
		case p.skip:
			continue
		case c.enc == utf8Enc && !utf8.ValidString(v):
			l, _ := c.r.FieldPos(i)
			return nil, &Error{Where: c.where(l), Field: p.name, Err: errors.New(utf8Hint)}
		case v == "":
			vals = append(vals, nil)
		case !p.known || p.typ == data.Text:
			vals = append(vals, v)
		case i == c.lon && p.typ == data.Real:
			vals = append(vals, lon)
		case i == c.lat && p.typ == data.Real:
			vals = append(vals, lat)
		default:
			val, err := convertText(v, p.typ, c.acled)
			if err != nil {
				return nil, &Error{Where: where, Field: p.name, Err: err}
			}
			vals = append(vals, val)
		}
	}
	return &data.Record{Geometry: geom, Names: c.names, Values: vals, Where: where}, nil
}

// coord parses and checks the coordinate in column i.
func (c *csvFormat) coord(rec []string, i int, limit float64, what, where string) (float64, error) {
	v := rec[i]
	if v == "" {
		return 0, &Error{Where: where, Field: c.header[i], Err: fmt.Errorf("the %s is missing", what)}
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, &Error{Where: where, Field: c.header[i], Err: notA(v, "a number")}
	}
	if err := checkCoord(f, limit); err != nil {
		return 0, &Error{Where: where, Field: c.header[i], Err: fmt.Errorf("%s %w", what, err)}
	}
	return f, nil
}

// wktGeometry parses and checks a WKT value.
func (c *csvFormat) wktGeometry(v, where string) (orb.Geometry, error) {
	field := c.header[c.wkt]
	if v == "" {
		return nil, &Error{Where: where, Field: field, Err: errors.New("the geometry is missing")}
	}
	g, err := wkt.Unmarshal(v)
	if err != nil {
		return nil, &Error{Where: where, Field: field, Err: fmt.Errorf("%s is not valid WKT: %w", quoteValue(v), err)}
	}
	if err := checkGeometry(g); err != nil {
		return nil, &Error{Where: where, Field: field, Err: err}
	}
	return g, nil
}

// wktType returns the schema geometry type named by a WKT value's leading keyword, "" when
// there is none.
func wktType(s string) string {
	s = strings.TrimLeft(s, " \t\r\n")
	end := 0
	for end < len(s) && (s[end] >= 'A' && s[end] <= 'Z' || s[end] >= 'a' && s[end] <= 'z') {
		end++
	}
	switch kw := strings.ToUpper(s[:end]); kw {
	case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON":
		return kw
	case "GEOMETRYCOLLECTION":
		return "GEOMETRY"
	}
	return ""
}

// indexOf returns the index of the column named exactly name, -1 if none.
func indexOf(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	return -1
}

// lookupColumn returns the column named name, or else the only one named so in another
// letter case; -1 if none.
func lookupColumn(header []string, name string) int {
	if i := indexOf(header, name); i >= 0 {
		return i
	}
	found := -1
	for i, h := range header {
		if strings.EqualFold(h, name) {
			if found >= 0 {
				return -1
			}
			found = i
		}
	}
	return found
}

// firstColumn returns the column whose name matches the earliest of candidates, in any
// letter case; -1 if none.
func firstColumn(header []string, candidates ...string) int {
	for _, c := range candidates {
		for i, h := range header {
			if strings.EqualFold(h, c) {
				return i
			}
		}
	}
	return -1
}
