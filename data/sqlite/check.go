package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"golang.org/x/sync/errgroup"

	"github.com/harmattan/harmattan/geo"
)

// Finding is one thing Check found wrong.
type Finding struct {
	Table      string // the table it is about; "" for the file as a whole
	Feature    int64  // the feature's id, when HasFeature
	HasFeature bool
	Problem    string
}

// String formats f as "table feature N: problem", "table: problem" or "problem".
func (f Finding) String() string {
	switch {
	case f.Table == "":
		return f.Problem
	case f.HasFeature:
		return fmt.Sprintf("%s feature %d: %s", f.Table, f.Feature, f.Problem)
	}
	return f.Table + ": " + f.Problem
}

// Report is the outcome of Check.
type Report struct {
	// Findings lists what is wrong: the file's own problems first, then each table's in order
	// of name, at most maxListed of each kind (geometries, R-tree) per table.
	Findings []Finding
	// Unlisted counts the findings left out of Findings beyond that limit.
	Unlisted int
	Tables   int   // feature tables read
	Features int64 // rows of them read
}

// OK reports whether nothing was found wrong.
func (r Report) OK() bool { return len(r.Findings) == 0 && r.Unlisted == 0 }

// Problems counts the findings, listed or not.
func (r Report) Problems() int { return len(r.Findings) + r.Unlisted }

// maxListed is how many findings of one kind Check lists per table: past it, a broken table
// would bury the others.
const maxListed = 100

// Check validates the GeoPackage at path without changing it: not a byte, not its
// modification time, and no -wal or -shm file is left behind that was not there before. A
// file that Open refuses (missing, not SQLite, without the core tables, failing quick_check,
// which covers the R-trees' shadow tables too) is an error wrapping ErrNotGeoPackage or the os
// error, with SQLite's first complaint. Anything else wrong is a Finding:
//
//   - the file: PRAGMA integrity_check (which also compares indexes with their tables, and
//     runs rtreecheck() on every R-tree); application_id GPKG (or GP10/GP11 of GeoPackage
//     1.0/1.1) and then a user_version of 10200 or more; the srs_id rows -1, 0 and 4326 that
//     every GeoPackage has;
//   - the catalog: every "features" row of gpkg_contents has its table or view and a
//     gpkg_geometry_columns row and the other way round, the geometry column exists, its
//     geometry_type_name is a GeoPackage one, and both srs_ids exist and agree;
//   - each geometry: it decodes (geo.DecodeGPKG: no NaN or infinite coordinate), its type is
//     the declared one, a subtype, or the single form of a declared Multi* type (which readers
//     accept); the srs_id in its header is the column's; its header envelope contains it; in
//     EPSG:4326 and CRS84 it is within -180..180, -90..90; line strings do not have 1 point;
//     polygon rings are closed and have at least 4 points;
//   - each R-tree rtree_<table>_<column>: an entry for every row with a geometry and none
//     for the others (NULL, empty, or no such row), each containing its geometry's bounds (to
//     within float32 rounding: SQLite stores boxes as float32 rounded outwards).
//
// It reads each table once in key order, a row at a time, alongside its R-tree in id order
// (sorted by SQLite, which spills to temporary files for a large index), so memory does not
// grow with the table. Feature views are checked too, by row number when they have no key.
func Check(ctx context.Context, path string) (Report, error) {
	if err := check(ctx, path); err != nil {
		return Report{}, err
	}
	db, closeDB := openReadOnly(path)
	defer closeDB()
	rep, err := checkDB(ctx, db)
	if err != nil {
		return Report{}, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

// openReadOnly opens path in mode "ro". Reading a WAL-mode file creates -wal and -shm files
// even so: the returned close function removes them again when they were not there before and
// the -wal holds nothing.
func openReadOnly(path string) (*sql.DB, func()) {
	var created []string
	for _, side := range []string{path + "-wal", path + "-shm"} {
		if _, err := os.Stat(side); errors.Is(err, os.ErrNotExist) {
			created = append(created, side)
		}
	}
	db := openDB(path, "ro", 0)
	return db, func() {
		db.Close()
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
			return
		}
		for _, side := range created {
			os.Remove(side)
		}
	}
}

// checkDB does Check's work on an open database. SQLite's integrity_check runs on a connection
// of its own while the tables are read, in one read transaction so that a file being written
// to is seen as of one moment.
func checkDB(ctx context.Context, db *sql.DB) (Report, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Report{}, err
	}
	defer tx.Rollback()
	c := &checker{db: tx}
	if err := c.identity(ctx); err != nil {
		return Report{}, err
	}
	cols, err := c.catalog(ctx)
	if err != nil {
		return Report{}, err
	}
	var own findings
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return integrity(gctx, db, &own) })
	g.Go(func() error {
		for _, col := range cols {
			if err := c.features(gctx, col); err != nil {
				return fmt.Errorf("table %s: %w", col.table, err)
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return Report{}, err
	}
	list := append(c.list, own.list...)
	slices.SortStableFunc(list, func(a, b Finding) int { return strings.Compare(a.Table, b.Table) })
	return Report{Findings: list, Unlisted: c.unlisted + own.unlisted, Tables: len(cols), Features: c.rows}, nil
}

// findings collects findings, listing at most maxListed of each kind per table.
type findings struct {
	list     []Finding
	listed   map[[2]string]int
	unlisted int
}

// Kinds of finding, each listed up to maxListed times per table.
const (
	kindFile     = "file"
	kindCatalog  = "catalog"
	kindGeometry = "geometry"
	kindRtree    = "rtree"
	kindSQLite   = "sqlite" // integrity_check
)

func (fs *findings) add(kind string, f Finding) {
	k := [2]string{f.Table, kind}
	if fs.listed == nil {
		fs.listed = map[[2]string]int{}
	}
	if fs.listed[k] >= maxListed {
		fs.unlisted++
		return
	}
	fs.listed[k]++
	fs.list = append(fs.list, f)
}

func (fs *findings) addf(kind, table, format string, args ...any) {
	fs.add(kind, Finding{Table: table, Problem: fmt.Sprintf(format, args...)})
}

// integrity runs SQLite's integrity_check. Since SQLite 3.44 (go-sqlite3 bundles a later
// one) that includes rtreecheck() of every R-tree.
func integrity(ctx context.Context, db *sql.DB, fs *findings) error {
	return each(ctx, db, "PRAGMA integrity_check", func(rows *sql.Rows) error {
		var line string
		err := rows.Scan(&line)
		if err == nil && line != "ok" {
			fs.addf(kindSQLite, "", "integrity_check: %s", line)
		}
		return err
	})
}

// checker reads the file's catalog and tables in one read transaction.
type checker struct {
	findings
	db            *sql.Tx
	rows          int64 // feature rows read
	hasExtensions bool  // the optional gpkg_extensions table exists
}

// identity checks the GeoPackage identification and the required spatial reference systems.
func (c *checker) identity(ctx context.Context) error {
	var appID, version int64
	if err := c.db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return err
	}
	if err := c.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	switch uint32(appID) {
	case applicationID:
		if version < 10200 {
			c.addf(kindFile, "", "user_version is %d; a GeoPackage with application_id GPKG has 10200 or more", version)
		}
	case 0x47503130, 0x47503131: // GeoPackage 1.0 and 1.1
	default:
		c.addf(kindFile, "", "application_id is 0x%08x, not 0x%08x (GPKG)", uint32(appID), applicationID)
	}
	for _, id := range []int64{-1, 0, 4326} {
		n, err := c.count(ctx, "gpkg_spatial_ref_sys WHERE srs_id = ?", id)
		if err != nil {
			return err
		}
		if n == 0 {
			c.addf(kindCatalog, "gpkg_spatial_ref_sys", "no row for srs_id %d, which every GeoPackage has", id)
		}
	}
	n, err := c.count(ctx, "sqlite_master WHERE type = 'table' AND name = 'gpkg_extensions'")
	c.hasExtensions = n > 0
	return err
}

// geomColumn is a geometry column to check, as gpkg_geometry_columns declares it.
type geomColumn struct {
	table, name, declared string
	srsID                 int64
	lonLat                bool   // EPSG:4326 or CRS84
	key                   string // the INTEGER PRIMARY KEY, else "rowid", or "" for a view with neither
	rtree                 string // its R-tree, "" if none (or nothing to match its ids with)
}

// catalog checks gpkg_contents against gpkg_geometry_columns, gpkg_spatial_ref_sys and the
// tables, and returns the geometry columns whose features can be read, ordered by table.
func (c *checker) catalog(ctx context.Context) ([]geomColumn, error) {
	lonLat := map[int64]bool{} // every srs_id, true for EPSG:4326 and CRS84
	if err := each(ctx, c.db, "SELECT srs_id, upper(organization), organization_coordsys_id FROM gpkg_spatial_ref_sys", func(rows *sql.Rows) error {
		var id int64
		var org sql.NullString
		var code sql.NullInt64
		err := rows.Scan(&id, &org, &code)
		lonLat[id] = org.String == "EPSG" && code.Int64 == 4326 || org.String == "OGC" && code.Int64 == 84
		return err
	}); err != nil {
		return nil, err
	}
	var cols []geomColumn
	if err := each(ctx, c.db, `SELECT c.table_name, c.srs_id, g.column_name, g.geometry_type_name, g.srs_id,
		1, g.table_name IS NOT NULL
		FROM gpkg_contents c LEFT JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
		WHERE lower(c.data_type) = 'features'
		UNION ALL
		SELECT g.table_name, NULL, g.column_name, g.geometry_type_name, g.srs_id, 0, 1
		FROM gpkg_geometry_columns g WHERE g.table_name NOT IN (SELECT table_name FROM gpkg_contents)
		ORDER BY 1, 3`, func(rows *sql.Rows) error {
		var table string
		var contentsSRS, colSRS *int64
		var name, declared *string
		var inContents, inColumns bool
		if err := rows.Scan(&table, &contentsSRS, &name, &declared, &colSRS, &inContents, &inColumns); err != nil {
			return err
		}
		switch {
		case !inContents:
			c.addf(kindCatalog, table, "in gpkg_geometry_columns but not in gpkg_contents")
		case !inColumns:
			c.addf(kindCatalog, table, "a features table in gpkg_contents without a gpkg_geometry_columns row")
			return nil
		}
		if contentsSRS != nil {
			if _, ok := lonLat[*contentsSRS]; !ok {
				c.addf(kindCatalog, table, "gpkg_contents srs_id %d is not in gpkg_spatial_ref_sys", *contentsSRS)
			}
			if colSRS != nil && *contentsSRS != *colSRS {
				c.addf(kindCatalog, table, "gpkg_contents srs_id %d differs from gpkg_geometry_columns srs_id %d", *contentsSRS, *colSRS)
			}
		}
		col := geomColumn{table: table, name: deref(name), declared: strings.ToUpper(deref(declared))}
		if colSRS != nil {
			col.srsID = *colSRS
			var ok bool
			if col.lonLat, ok = lonLat[col.srsID]; !ok {
				c.addf(kindCatalog, table, "gpkg_geometry_columns srs_id %d is not in gpkg_spatial_ref_sys", col.srsID)
			}
		}
		if _, ok := accepted[col.declared]; !ok {
			c.addf(kindCatalog, table, "geometry_type_name %q is not a GeoPackage geometry type", deref(declared))
		}
		cols = append(cols, col)
		return nil
	}); err != nil {
		return nil, err
	}
	readable := cols[:0]
	for _, col := range cols {
		ok, err := c.resolve(ctx, &col)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", col.table, err)
		}
		if ok {
			readable = append(readable, col)
		}
	}
	return readable, nil
}

// count returns the count of rows "FROM" from (with args).
func (c *checker) count(ctx context.Context, from string, args ...any) (int, error) {
	var n int
	err := c.db.QueryRowContext(ctx, "SELECT count(*) FROM "+from, args...).Scan(&n)
	return n, err
}

// queryer is an *sql.DB or an *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// each runs query and calls fn for each row.
func each(ctx context.Context, db queryer, query string, fn func(*sql.Rows) error, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// accepted maps each GeoPackage geometry type name to the types of orb geometry its column may
// hold (as GeoPackage names): itself, its subtypes, and for a Multi* type its single form. An
// empty list accepts any.
var accepted = map[string][]string{
	"GEOMETRY":           nil,
	"POINT":              {"POINT"},
	"LINESTRING":         {"LINESTRING"},
	"POLYGON":            {"POLYGON"},
	"MULTIPOINT":         {"MULTIPOINT", "POINT"},
	"MULTILINESTRING":    {"MULTILINESTRING", "LINESTRING"},
	"MULTIPOLYGON":       {"MULTIPOLYGON", "POLYGON"},
	"GEOMETRYCOLLECTION": {"GEOMETRYCOLLECTION", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON"},
	"CURVE":              {"LINESTRING"},
	"SURFACE":            {"POLYGON"},
	"MULTICURVE":         {"MULTILINESTRING", "LINESTRING"},
	"MULTISURFACE":       {"MULTIPOLYGON", "POLYGON"},
	// Curves are not decoded (geo.DecodeGPKG refuses them), so their columns hold nothing
	// that could be of their type.
	"CIRCULARSTRING": {"CIRCULARSTRING"},
	"COMPOUNDCURVE":  {"COMPOUNDCURVE"},
	"CURVEPOLYGON":   {"CURVEPOLYGON"},
}

// fitsDeclared reports whether a geometry g may be stored in a column declared as declared (an
// unknown declared type accepts anything: the catalog finding said so once).
func fitsDeclared(g orb.Geometry, declared string) bool {
	types, ok := accepted[declared]
	if !ok || types == nil {
		return true
	}
	name := strings.ToUpper(g.GeoJSONType())
	for _, t := range types {
		if t == name {
			return true
		}
	}
	return false
}

// resolve finds col's table, key and R-tree. ok is false, with a finding, when the table or
// its geometry column is missing.
func (c *checker) resolve(ctx context.Context, col *geomColumn) (ok bool, err error) {
	if n, err := c.count(ctx, "sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE", col.table); err != nil || n == 0 {
		if err == nil {
			c.addf(kindCatalog, col.table, "registered as a features table, but there is no such table or view")
		}
		return false, err
	}
	hasGeom := false
	err = each(ctx, c.db, "SELECT name, type, pk FROM pragma_table_info(?)", func(rows *sql.Rows) error {
		var name, decl string
		var pk int
		if err := rows.Scan(&name, &decl, &pk); err != nil {
			return err
		}
		if strings.EqualFold(name, col.name) {
			hasGeom = true
		} else if pk == 1 && strings.EqualFold(decl, "INTEGER") {
			col.key = name
		}
		return nil
	}, col.table)
	if err != nil {
		return false, err
	}
	if !hasGeom {
		c.addf(kindCatalog, col.table, "geometry column %q is not in the table", col.name)
		return false, nil
	}
	if col.key == "" {
		if _, err := c.db.ExecContext(ctx, "SELECT rowid FROM "+quote(col.table)+" LIMIT 0"); err == nil {
			col.key = "rowid"
		}
	}
	rtree := "rtree_" + col.table + "_" + col.name
	n, err := c.count(ctx, "sqlite_master WHERE type = 'table' AND name = ?", rtree)
	if err != nil {
		return false, err
	}
	if n > 0 && col.key != "" {
		col.rtree = rtree
	}
	if n == 0 && c.hasExtensions {
		if n, err = c.count(ctx, "gpkg_extensions WHERE table_name = ? AND column_name = ? AND extension_name = 'gpkg_rtree_index'", col.table, col.name); err != nil {
			return false, err
		}
		if n > 0 {
			c.addf(kindRtree, col.table, "gpkg_extensions lists the R-tree %s, but there is no such table", rtree)
		}
	}
	return true, nil
}

// features reads every row of col's table in the order of its key and checks its geometry.
// When the table has an R-tree, it reads that in id order alongside and checks that each row
// has the right entry and that no entry lacks a row.
func (c *checker) features(ctx context.Context, col geomColumn) error {
	rtree := col.rtree
	q := fmt.Sprintf("SELECT NULL, %s FROM %s", quote(col.name), quote(col.table))
	if col.key != "" {
		q = fmt.Sprintf("SELECT %s, %s FROM %s ORDER BY 1", quote(col.key), quote(col.name), quote(col.table))
	}
	rows, err := c.db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	var idx *rtreeCursor
	if rtree != "" {
		if idx, err = c.openRtree(ctx, rtree); err != nil {
			return err
		}
		defer idx.rows.Close()
	}
	orphans := func(below int64, all bool) {
		for idx.ok && (all || idx.id < below) {
			f := feature{c: c, table: col.table, id: idx.id, hasID: true}
			f.problem(kindRtree, "the R-tree %s has an entry for it, but the table has no such row", rtree)
			idx.next()
		}
	}
	var row int64
	for rows.Next() {
		row++
		var id sql.NullInt64
		var value any
		if err := rows.Scan(&id, &value); err != nil {
			return err
		}
		c.rows++
		f := feature{c: c, table: col.table, id: id.Int64, hasID: id.Valid, row: row}
		var entry orb.Bound
		indexed := false
		if idx != nil {
			orphans(id.Int64, false)
			if idx.ok && idx.id == id.Int64 {
				entry, indexed = idx.box, true
				idx.next()
			}
		}
		b, hasBound, ok := c.geometry(col, value, &f)
		if idx == nil || !ok {
			continue
		}
		switch {
		case !indexed && hasBound:
			f.problem(kindRtree, "missing from the R-tree %s", rtree)
		case indexed && !hasBound:
			f.problem(kindRtree, "the R-tree %s has an entry for it, but its geometry is NULL or empty", rtree)
		case indexed && !holds(entry, b):
			f.problem(kindRtree, "its R-tree entry %s does not contain its geometry's bounds %s", formatBound(entry, 32), formatBound(b, 64))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if idx == nil {
		return nil
	}
	orphans(0, true)
	return idx.err
}

// rtreeCursor reads an R-tree's entries in id order: SQLite sorts them, spilling to temporary
// files for a large index rather than holding it all in memory.
type rtreeCursor struct {
	rows *sql.Rows
	ok   bool // id and box hold the current entry
	id   int64
	box  orb.Bound
	err  error
}

func (c *checker) openRtree(ctx context.Context, rtree string) (*rtreeCursor, error) {
	rows, err := c.db.QueryContext(ctx, "SELECT id, minx, maxx, miny, maxy FROM "+quote(rtree)+" ORDER BY id")
	if err != nil {
		return nil, err
	}
	r := &rtreeCursor{rows: rows}
	r.next()
	return r, nil
}

func (r *rtreeCursor) next() {
	if r.ok = r.err == nil && r.rows.Next(); !r.ok {
		if r.err == nil {
			r.err = r.rows.Err()
		}
		return
	}
	b := &r.box
	if r.err = r.rows.Scan(&r.id, &b.Min[0], &b.Max[0], &b.Min[1], &b.Max[1]); r.err != nil {
		r.ok = false
	}
}

// holds reports whether the R-tree entry e contains b, to within float32 rounding: SQLite
// rounds outwards, but not every writer did.
func holds(e, b orb.Bound) bool {
	return float32(e.Min[0]) <= roundUp(b.Min[0]) && float32(e.Max[0]) >= roundDown(b.Max[0]) &&
		float32(e.Min[1]) <= roundUp(b.Min[1]) && float32(e.Max[1]) >= roundDown(b.Max[1])
}

// feature is the row being checked, for its findings.
type feature struct {
	c     *checker
	table string
	id    int64
	hasID bool
	row   int64 // its row number, in findings when it has no id
}

func (f *feature) problem(kind, format string, args ...any) {
	p := fmt.Sprintf(format, args...)
	if !f.hasID {
		p = fmt.Sprintf("row %d: %s", f.row, p)
	}
	f.c.add(kind, Finding{Table: f.table, Feature: f.id, HasFeature: f.hasID, Problem: p})
}

// geometry checks one value of a geometry column, noting each thing wrong on f. It
// returns the geometry's bounds (hasBound false for NULL or empty) and ok false when the value
// could not be decoded, so that its R-tree entry cannot be judged.
func (c *checker) geometry(col geomColumn, value any, f *feature) (b orb.Bound, hasBound, ok bool) {
	problem := func(format string, args ...any) { f.problem(kindGeometry, format, args...) }
	if value == nil {
		return b, false, true
	}
	blob, isBlob := value.([]byte)
	if !isBlob {
		problem("the geometry is a %T value, not a GeoPackage geometry blob", value)
		return b, false, false
	}
	g, h, err := geo.DecodeGPKG(blob)
	if err != nil {
		problem("the geometry does not decode: %s", strings.TrimPrefix(err.Error(), geo.ErrGPKG.Error()+": "))
		return b, false, false
	}
	if int64(h.SRSID) != col.srsID {
		problem("the geometry's header has srs_id %d, the column's is %d", h.SRSID, col.srsID)
	}
	if g == nil {
		return b, false, true
	}
	if !fitsDeclared(g, col.declared) {
		problem("a %s in a %s column", g.GeoJSONType(), col.declared)
	}
	b = g.Bound()
	if h.HasEnvelope && !(h.Envelope.Min[0] <= b.Min[0] && h.Envelope.Max[0] >= b.Max[0] &&
		h.Envelope.Min[1] <= b.Min[1] && h.Envelope.Max[1] >= b.Max[1]) {
		problem("the envelope in its header %s does not contain the geometry's bounds %s", formatBound(h.Envelope, 64), formatBound(b, 64))
	}
	if col.lonLat {
		if x := farther(b.Min[0], b.Max[0]); math.Abs(x) > 180 {
			problem("longitude %g is outside -180..180", x)
		}
		if y := farther(b.Min[1], b.Max[1]); math.Abs(y) > 90 {
			problem("latitude %g is outside -90..90", y)
		}
	}
	shape(g, "", problem)
	return b, true, true
}

// farther returns whichever of lo and hi is farther from 0.
func farther(lo, hi float64) float64 {
	if math.Abs(lo) > math.Abs(hi) {
		return lo
	}
	return hi
}

// shape checks the point counts of g's line strings and rings and that its rings are closed;
// where names the part within a multi geometry or collection.
func shape(g orb.Geometry, where string, problem func(format string, args ...any)) {
	switch g := g.(type) {
	case orb.LineString:
		if len(g) == 1 {
			problem("line string%s has 1 point", where)
		}
	case orb.MultiLineString:
		for i, ls := range g {
			shape(ls, fmt.Sprintf(" %d%s", i+1, where), problem)
		}
	case orb.Polygon:
		for i, r := range g {
			switch {
			case len(r) == 0:
			case r[0] != r[len(r)-1]:
				problem("ring %d%s is not closed: it ends at %v, not at its first point %v", i+1, where, r[len(r)-1], r[0])
			case len(r) < 4:
				problem("ring %d%s has %d points; a closed ring needs at least 4", i+1, where, len(r))
			}
		}
	case orb.MultiPolygon:
		for i, p := range g {
			shape(p, fmt.Sprintf(" of polygon %d%s", i+1, where), problem)
		}
	case orb.Collection:
		for i, m := range g {
			shape(m, fmt.Sprintf(" of member %d%s", i+1, where), problem)
		}
	}
}

// formatBound writes b as [minx, miny, maxx, maxy], its numbers as float32s for bits 32 (an
// R-tree's) or float64s.
func formatBound(b orb.Bound, bits int) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, bits) }
	return "[" + f(b.Min[0]) + ", " + f(b.Min[1]) + ", " + f(b.Max[0]) + ", " + f(b.Max[1]) + "]"
}
