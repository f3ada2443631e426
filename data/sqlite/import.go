package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

var _ data.Importer = (*Store)(nil)

// importCacheKiB is the page cache of an import's connection (the others have cacheKiB).
const importCacheKiB = 16 << 10

// Import writes records into the feature table spec.Layer, creating it (EPSG:4326, "fid" key,
// "geom" column, R-tree) when the file has no such table. It implements data.Importer: one
// transaction, so that an error, a cancelled ctx or a killed process leaves the file as it
// was. The R-tree triggers are set aside during the import and the index is written directly,
// then the triggers are put back, all inside the transaction. After the commit the catalog is
// read again, so the layer is served at once.
func (s *Store) Import(ctx context.Context, spec data.ImportSpec, next func() (*data.Record, error)) (data.ImportResult, error) {
	res, err := s.importTx(ctx, spec, next)
	if err != nil {
		return res, err
	}
	if err := s.loadCatalog(ctx, s.opts); err != nil {
		return res, fmt.Errorf("imported, but the catalog cannot be read again: %w", err)
	}
	return res, nil
}

// importTx does the import's transaction on a connection of its own.
func (s *Store) importTx(ctx context.Context, spec data.ImportSpec, next func() (*data.Record, error)) (data.ImportResult, error) {
	var res data.ImportResult
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	// A bulk write touches pages all over the table, its indexes and the R-tree: a cache of
	// importCacheKiB keeps them in memory instead of spilling to the WAL again and again.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", importCacheKiB)); err != nil {
		return res, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = -%d", cacheKiB))
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()

	w, err := openTarget(ctx, tx, spec)
	if err != nil {
		return res, err
	}
	if err := w.prepare(ctx, tx, spec); err != nil {
		return res, err
	}
	if spec.Mode == data.Replace {
		if err := w.empty(ctx, tx, &res); err != nil {
			return res, err
		}
	}
	// go-sqlite3 starts a goroutine per statement to watch a cancellable context; per record
	// that costs more than the insert. The loop checks ctx itself, and the transaction is
	// still rolled back when ctx ends.
	rowCtx := context.WithoutCancel(ctx)
	for {
		r, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if err := w.write(rowCtx, r, &res); err != nil {
			var bad *data.RecordError
			if !errors.As(err, &bad) {
				return res, err
			}
			if spec.OnInvalid == nil {
				return res, err
			}
			if err := spec.OnInvalid(r, err); err != nil {
				return res, err
			}
			res.Skipped++
		}
	}
	if err := w.finish(ctx, tx, res); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

// target is the table an import writes to, with its prepared statements.
type target struct {
	name, geom, pk, rtree string
	geomType              string       // declared GeoPackage type, upper case
	fields                []data.Field // the columns written, in statement order
	key                   int          // index in fields of the upsert key, or -1
	triggers              []string     // the R-tree triggers' SQL, put back by finish
	nextID                int64
	insert, update        *sql.Stmt
	find, rtreeGet        *sql.Stmt
	upsert                *sql.Stmt // INSERT ... ON CONFLICT(key) DO NOTHING, when the key is unique
	args                  []any
	entries               []rtreeEntry // R-tree entries to write at the end
	emptied               bool         // Replace emptied the layer: the R-tree starts empty
	touched               bool         // res.Bounds holds something
	names                 []string     // the Names of the last record written
	colOf                 []int        // the column of each of names, or -1
}

// openTarget finds the table spec.Layer in the file, or creates it from spec's schema, and
// checks that spec's fields fit it.
func openTarget(ctx context.Context, tx *sql.Tx, spec data.ImportSpec) (*target, error) {
	if spec.Layer == "" {
		return nil, errors.New("import: no layer name")
	}
	w := &target{name: spec.Layer, key: -1}
	var srs int64
	err := tx.QueryRowContext(ctx, `SELECT g.column_name, upper(g.geometry_type_name), g.srs_id
		FROM gpkg_geometry_columns g JOIN gpkg_contents c ON c.table_name = g.table_name
		WHERE g.table_name = ? AND lower(c.data_type) = 'features'`, spec.Layer).Scan(&w.geom, &w.geomType, &srs)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		l := data.Layer{Name: spec.Layer, Title: spec.Title, Description: spec.Description, GeometryType: spec.GeometryType, Fields: spec.Fields,
			TemporalField: spec.TemporalField}
		if l.GeometryType == "" {
			l.GeometryType = "GEOMETRY"
		}
		if err := checkTemporal(l); err != nil {
			return nil, err
		}
		if err := createFeatureTable(ctx, tx, l); err != nil {
			return nil, err
		}
		w.geom, w.geomType, srs = "geom", strings.ToUpper(l.GeometryType), 4326
	case err != nil:
		return nil, err
	}
	if srs != 4326 {
		return nil, fmt.Errorf("%w: layer %s is stored in SRS %d; Harmattan imports into EPSG:4326 layers only", data.ErrSchema, spec.Layer, srs)
	}
	cols, err := columns(ctx, tx, spec.Layer, w.geom)
	if err != nil {
		return nil, err
	}
	w.pk = "fid"
	for _, c := range cols {
		if c.pk {
			w.pk = c.Name
		}
	}
	for _, f := range spec.Fields {
		var have *column
		for i := range cols {
			if !cols[i].pk && strings.EqualFold(cols[i].Name, f.Name) {
				have = &cols[i]
			}
		}
		switch {
		case have == nil:
			return nil, fmt.Errorf("%w: field %s is not in layer %s", data.ErrSchema, f.Name, spec.Layer)
		case !fits(f.Type, have.Type):
			return nil, fmt.Errorf("%w: field %s is %s in the data but %s in layer %s", data.ErrSchema, f.Name, f.Type, have.Type, spec.Layer)
		}
		w.fields = append(w.fields, have.Field)
		if spec.Mode == data.Upsert && strings.EqualFold(f.Name, spec.Key) {
			w.key = len(w.fields) - 1
		}
	}
	if spec.Mode == data.Upsert && w.key < 0 {
		return nil, fmt.Errorf("%w: upsert key %q is not a field of the data", data.ErrSchema, spec.Key)
	}
	var n int
	rtree := "rtree_" + spec.Layer + "_" + w.geom
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", rtree).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		w.rtree = rtree
	}
	return w, nil
}

// column is a column of a feature table.
type column struct {
	data.Field
	pk bool
}

func columns(ctx context.Context, tx *sql.Tx, table, geom string) ([]column, error) {
	rows, err := tx.QueryContext(ctx, "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var name, decl string
		var pk int
		if err := rows.Scan(&name, &decl, &pk); err != nil {
			return nil, err
		}
		if strings.EqualFold(name, geom) {
			continue
		}
		out = append(out, column{Field: data.Field{Name: name, Type: data.TypeOf(decl)}, pk: pk == 1 && strings.EqualFold(decl, "INTEGER")})
	}
	return out, rows.Err()
}

// fits reports whether values of type from can be stored in a column of type to.
func fits(from, to data.FieldType) bool {
	return from == to || from == data.Integer && to == data.Real || from == data.Date && to == data.DateTime
}

// prepare sets the R-tree triggers aside and prepares the statements.
func (w *target) prepare(ctx context.Context, tx *sql.Tx, spec data.ImportSpec) error {
	if w.rtree != "" {
		rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?`, w.name)
		if err != nil {
			return err
		}
		var names []string
		for rows.Next() {
			var name, sqlText string
			if err := rows.Scan(&name, &sqlText); err != nil {
				rows.Close()
				return err
			}
			if strings.HasPrefix(name, w.rtree+"_") {
				names = append(names, name)
				w.triggers = append(w.triggers, sqlText)
			}
		}
		rows.Close()
		for _, n := range names {
			if _, err := tx.ExecContext(ctx, "DROP TRIGGER "+quote(n)); err != nil {
				return err
			}
		}
	}
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max("+quote(w.pk)+"), 0) + 1 FROM "+quote(w.name)).Scan(&w.nextID); err != nil {
		return err
	}
	cols, marks, sets := quote(w.pk)+", "+quote(w.geom), "?, ?", quote(w.geom)+" = ?"
	for _, f := range w.fields {
		cols += ", " + quote(f.Name)
		marks += ", ?"
		sets += ", " + quote(f.Name) + " = ?"
	}
	p := preparer{ctx: ctx, tx: tx}
	prep := p.prepare
	w.insert = prep(fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", quote(w.name), cols, marks))
	if w.rtree != "" {
		w.rtreeGet = prep("SELECT minx, maxx, miny, maxy FROM " + quote(w.rtree) + " WHERE id = ?")
	}
	if w.key >= 0 {
		k := w.fields[w.key].Name
		// With a unique index on the key, SQLite finds the row to update while it inserts;
		// keys that repeat in the layer already need a lookup per record instead.
		find := "SELECT %s FROM %s WHERE %s = ?"
		if _, e := tx.ExecContext(ctx, fmt.Sprintf("CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s)",
			quote(w.name+"_"+k+"_unique"), quote(w.name), quote(k))); e == nil {
			w.upsert = prep(fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO NOTHING",
				quote(w.name), cols, marks, quote(k)))
		} else {
			if _, e := tx.ExecContext(ctx, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
				quote(w.name+"_"+k+"_key"), quote(w.name), quote(k))); e != nil {
				return e
			}
			find += " ORDER BY 1 LIMIT 1" // the first of the features with that key
		}
		w.find = prep(fmt.Sprintf(find, quote(w.pk), quote(w.name), quote(k)))
		w.update = prep(fmt.Sprintf("UPDATE %s SET %s WHERE %s = ?", quote(w.name), sets, quote(w.pk)))
	}
	w.args = make([]any, 2+len(w.fields))
	return p.err
}

// empty deletes every feature (Replace), adding the layer's old extent to res.Bounds.
func (w *target) empty(ctx context.Context, tx *sql.Tx, res *data.ImportResult) error {
	if w.rtree != "" {
		var minx, miny, maxx, maxy sql.NullFloat64
		if err := tx.QueryRowContext(ctx, "SELECT min(minx), min(miny), max(maxx), max(maxy) FROM "+quote(w.rtree)).Scan(&minx, &miny, &maxx, &maxy); err != nil {
			return err
		}
		if minx.Valid {
			w.extend(res, orb.Bound{Min: orb.Point{minx.Float64, miny.Float64}, Max: orb.Point{maxx.Float64, maxy.Float64}})
		}
		w.emptied = true // finish writes the R-tree from scratch
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM "+quote(w.name))
	return err
}

// write inserts r, or with an upsert key updates the feature with r's key.
func (w *target) write(ctx context.Context, r *data.Record, res *data.ImportResult) error {
	g, err := data.FitGeometry(r.Geometry, w.geomType)
	if err != nil {
		return &data.RecordError{Where: r.Where, Field: "geometry", Err: err}
	}
	var blob []byte
	if g != nil {
		if blob, err = geo.EncodeGPKG(g, 4326); err != nil {
			return &data.RecordError{Where: r.Where, Field: "geometry", Err: err}
		}
	}
	w.args[1] = blob
	if err := w.values(r); err != nil {
		return err
	}
	if w.upsert != nil { // the key is unique: try the insert, and update only on a conflict
		id := w.newID(r)
		w.args[0] = id
		done, err := w.upsert.ExecContext(ctx, w.args...)
		if err != nil {
			return fmt.Errorf("%s: %w", r.Where, err)
		}
		n, err := done.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			w.nextID = max(w.nextID, id+1)
			res.Inserted++
			return w.index(id, g, res)
		}
	}
	id := int64(0)
	if w.key >= 0 && w.args[2+w.key] != nil {
		switch err := w.find.QueryRowContext(ctx, w.args[2+w.key]).Scan(&id); {
		case errors.Is(err, sql.ErrNoRows):
			id = 0
		case err != nil:
			return err
		}
	}
	if id != 0 {
		if err := w.oldBounds(ctx, id, res); err != nil {
			return err
		}
		upd := append(w.args[1:len(w.args):len(w.args)], id)
		if _, err := w.update.ExecContext(ctx, upd...); err != nil {
			return fmt.Errorf("%s: %w", r.Where, err)
		}
		res.Updated++
	} else {
		id = w.newID(r)
		w.nextID = max(w.nextID, id+1)
		w.args[0] = id
		if _, err := w.insert.ExecContext(ctx, w.args...); err != nil {
			return fmt.Errorf("%s: %w", r.Where, err)
		}
		res.Inserted++
	}
	return w.index(id, g, res)
}

// newID returns the id a new feature from r gets: r's own, or the next free one.
func (w *target) newID(r *data.Record) int64 {
	if r.ID > 0 {
		return r.ID
	}
	return w.nextID
}

// values converts r's properties into w.args, one per field (nil for those r lacks).
func (w *target) values(r *data.Record) error {
	if r.Names == nil {
		present := 0
		for i, f := range w.fields {
			v, ok := r.Properties[f.Name]
			if ok {
				present++
			}
			sv, err := storedValue(f, v)
			if err != nil {
				return &data.RecordError{Where: r.Where, Field: f.Name, Err: err}
			}
			w.args[2+i] = sv
		}
		if present == len(r.Properties) {
			return nil
		}
		for name := range r.Properties { // a property the layer does not have
			if w.column(name) < 0 {
				return &data.RecordError{Where: r.Where, Field: name, Err: fmt.Errorf("%w: not in layer %s", data.ErrSchema, w.name)}
			}
		}
		return nil
	}
	// Records that share their Names: match names to columns once.
	if len(r.Names) != len(w.names) || len(r.Names) > 0 && &r.Names[0] != &w.names[0] {
		w.names, w.colOf = r.Names, w.colOf[:0]
		for _, n := range r.Names {
			w.colOf = append(w.colOf, w.column(n))
		}
	}
	clear(w.args[2:])
	for i, v := range r.Values {
		j := w.colOf[i]
		if j < 0 {
			return &data.RecordError{Where: r.Where, Field: r.Names[i], Err: fmt.Errorf("%w: not in layer %s", data.ErrSchema, w.name)}
		}
		sv, err := storedValue(w.fields[j], v)
		if err != nil {
			return &data.RecordError{Where: r.Where, Field: w.fields[j].Name, Err: err}
		}
		w.args[2+j] = sv
	}
	return nil
}

// column returns the index in w.fields of the field called name, or -1.
func (w *target) column(name string) int {
	for i, f := range w.fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// oldBounds adds the indexed bounds of feature id to res.Bounds.
func (w *target) oldBounds(ctx context.Context, id int64, res *data.ImportResult) error {
	if w.rtree == "" {
		return nil
	}
	var minx, maxx, miny, maxy float64
	switch err := w.rtreeGet.QueryRowContext(ctx, id).Scan(&minx, &maxx, &miny, &maxy); {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	w.extend(res, orb.Bound{Min: orb.Point{minx, miny}, Max: orb.Point{maxx, maxy}})
	return nil
}

// index notes feature id's bounds for the R-tree, which finish writes.
func (w *target) index(id int64, g orb.Geometry, res *data.ImportResult) error {
	bp := data.Bounds(g)
	if bp == nil {
		if w.rtree != "" {
			w.entries = append(w.entries, goneEntry(id))
		}
		return nil
	}
	b := *bp
	w.extend(res, b)
	if w.rtree != "" {
		w.entries = append(w.entries, newRtreeEntry(id, b))
	}
	return nil
}

// finish writes the R-tree, puts the triggers back, updates the layer's extent and records the
// change.
func (w *target) finish(ctx context.Context, tx *sql.Tx, res data.ImportResult) error {
	if w.rtree != "" {
		if err := writeRtree(ctx, tx, w.rtree, w.entries, w.emptied); err != nil {
			return err
		}
	}
	for _, t := range w.triggers {
		if _, err := tx.ExecContext(ctx, t); err != nil {
			return err
		}
	}
	if w.rtree != "" {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE gpkg_contents SET
			min_x = (SELECT min(minx) FROM %[1]s), min_y = (SELECT min(miny) FROM %[1]s),
			max_x = (SELECT max(maxx) FROM %[1]s), max_y = (SELECT max(maxy) FROM %[1]s),
			last_change = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now') WHERE table_name = ?`, quote(w.rtree)), w.name); err != nil {
			return err
		}
	}
	if !w.touched {
		return nil
	}
	return logChange(ctx, tx, w.name, &res.Bounds)
}

// extend grows res.Bounds to cover b.
func (w *target) extend(res *data.ImportResult, b orb.Bound) {
	if !w.touched {
		res.Bounds, w.touched = b, true
		return
	}
	res.Bounds = res.Bounds.Union(b)
}

// storedValue converts a record's value to what a column of field f stores: int64, float64,
// string, a 0/1 integer for BOOLEAN, DATE as YYYY-MM-DD and DATETIME as
// YYYY-MM-DDTHH:MM:SS.sssZ (UTC), as GDAL writes them.
func storedValue(f data.Field, v any) (any, error) {
	v, err := f.Value(v)
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1), err
		}
		return int64(0), err
	case time.Time:
		return x.Format("2006-01-02T15:04:05.000Z"), err
	}
	return v, err
}
