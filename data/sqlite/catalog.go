package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

// table is one served feature table: its collection metadata and the SQL names behind it.
// Every identifier used in SQL comes from here, read from the file's own catalog.
type table struct {
	coll      data.Collection
	name      string // SQL table name
	geom      string // geometry column
	pk        string // integer key column, or "rowid"
	rtree     string // R-tree table name, "" when the table has none
	toWGS84   orb.Projection
	fromWGS84 orb.Projection
}

// loadCatalog reads gpkg_contents and gpkg_geometry_columns and builds one collection per
// feature table. Tables in an unsupported CRS are skipped with a log line that says why.
func (s *Store) loadCatalog(ctx context.Context, opts Options) error {
	var schema int64
	if err := s.meta.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&schema); err != nil {
		return err
	}
	rows, err := s.meta.QueryContext(ctx, `SELECT c.table_name, coalesce(c.identifier, ''),
		coalesce(c.description, ''), g.column_name, g.geometry_type_name, g.srs_id,
		coalesce(r.organization, ''), coalesce(r.organization_coordsys_id, -1)
		FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
		LEFT JOIN gpkg_spatial_ref_sys r ON r.srs_id = g.srs_id
		WHERE lower(c.data_type) = 'features' ORDER BY c.table_name`)
	if err != nil {
		return err
	}
	var tables []*table
	for rows.Next() {
		var t table
		var title, desc, gtype, org string
		var srsID, code int64
		if err := rows.Scan(&t.name, &title, &desc, &t.geom, &gtype, &srsID, &org, &code); err != nil {
			rows.Close()
			return err
		}
		toWGS84, err := geo.ToWGS84(org, code)
		if err != nil {
			opts.Logger.Warn("skipping table: its coordinate reference system is not supported",
				"table", t.name, "srs_id", srsID, "crs", fmt.Sprintf("%s:%d", org, code), "reason", err.Error())
			continue
		}
		t.toWGS84, t.fromWGS84 = toWGS84, geo.FromWGS84(org, code)
		if title == "" {
			title = t.name
		}
		t.coll = data.Collection{Title: title, Description: desc, GeometryType: data.GeoJSONTypeName(gtype)}
		tables = append(tables, &t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	cat := &catalog{tables: map[string]*table{}, schema: schema}
	for _, t := range tables {
		if err := s.describe(ctx, t); err != nil {
			opts.Logger.Warn("skipping table", "table", t.name, "reason", err.Error())
			continue
		}
		t.coll.ID = data.UniqueID(data.CollectionID(t.name), func(id string) bool { return cat.tables[id] != nil })
		if f, ok := opts.TimeFields[t.coll.ID]; ok {
			if err := t.coll.SetTemporal(f); err != nil {
				return err
			}
		}
		if err := s.loadExtent(ctx, t); err != nil {
			return fmt.Errorf("table %s: %w", t.name, err)
		}
		cat.tables[t.coll.ID] = t
	}
	for id := range opts.TimeFields {
		if _, ok := cat.tables[id]; !ok {
			return fmt.Errorf("time field given for unknown collection %q", id)
		}
	}
	cat.ids = sortedKeys(cat.tables)
	s.cat.Store(cat)
	return nil
}

// catalog is the served tables at one schema version of the file. It is replaced as a whole,
// never changed, so that readers need no lock.
type catalog struct {
	tables map[string]*table // by collection id
	ids    []string          // sorted collection ids
	schema int64             // PRAGMA schema_version it was read at
}

// byTable returns the table whose SQL name is name.
func (c *catalog) byTable(name string) (*table, bool) {
	for _, t := range c.tables {
		if t.name == name {
			return t, true
		}
	}
	return nil, false
}

// describe reads the table's columns, key and R-tree.
func (s *Store) describe(ctx context.Context, t *table) error {
	rows, err := s.meta.QueryContext(ctx, "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid", t.name)
	if err != nil {
		return err
	}
	defer rows.Close()
	t.pk = "rowid"
	found := false
	for rows.Next() {
		var name, decl string
		var pk int
		if err := rows.Scan(&name, &decl, &pk); err != nil {
			return err
		}
		switch {
		case strings.EqualFold(name, t.geom):
			found = true
		case pk == 1 && strings.EqualFold(decl, "INTEGER"):
			t.pk = name
		default:
			f := data.Field{Name: name, Type: data.TypeOf(decl)}
			t.coll.Fields = append(t.coll.Fields, f)
			if t.coll.TemporalField == "" && (f.Type == data.Date || f.Type == data.DateTime) {
				t.coll.TemporalField = name
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("geometry column %q is not in the table", t.geom)
	}
	if t.pk == "rowid" { // no INTEGER PRIMARY KEY: views have no rowid to page by
		if _, err := s.meta.ExecContext(ctx, "SELECT rowid FROM "+quote(t.name)+" LIMIT 0"); err != nil {
			return fmt.Errorf("it has no integer primary key to identify features by: %v", err)
		}
	}
	rtree := "rtree_" + t.name + "_" + t.geom
	var n int
	if err := s.meta.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", rtree).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		t.rtree = rtree
	}
	return nil
}

// loadExtent computes the WGS84 bounding box (from the R-tree when there is one) and the
// temporal interval of the table.
func (s *Store) loadExtent(ctx context.Context, t *table) error {
	var q string
	if t.rtree != "" {
		q = fmt.Sprintf("SELECT min(minx), min(miny), max(maxx), max(maxy) FROM %s", quote(t.rtree))
	} else {
		g := quote(t.geom)
		q = fmt.Sprintf("SELECT min(ST_MinX(%[1]s)), min(ST_MinY(%[1]s)), max(ST_MaxX(%[1]s)), max(ST_MaxY(%[1]s)) FROM %[2]s", g, quote(t.name))
	}
	var minx, miny, maxx, maxy *float64
	if err := s.meta.QueryRowContext(ctx, q).Scan(&minx, &miny, &maxx, &maxy); err != nil {
		return err
	}
	if minx != nil {
		b := orb.Bound{Min: orb.Point{*minx, *miny}, Max: orb.Point{*maxx, *maxy}}
		if t.toWGS84 != nil {
			b = orb.MultiPoint{t.toWGS84(b.Min), t.toWGS84(b.Max)}.Bound()
		}
		t.coll.Extent = b
	}
	if t.coll.TemporalField == "" {
		return nil
	}
	f, _ := t.coll.Field(t.coll.TemporalField)
	c := quote(t.coll.TemporalField)
	var lo, hi *string
	if err := s.meta.QueryRowContext(ctx, fmt.Sprintf("SELECT min(CAST(%[1]s AS TEXT)), max(CAST(%[1]s AS TEXT)) FROM %[2]s WHERE %[1]s IS NOT NULL", c, quote(t.name))).Scan(&lo, &hi); err != nil {
		return err
	}
	if lo != nil {
		t.coll.Interval = [2]string{formatTime(f.Type, *lo), formatTime(f.Type, *hi)}
	}
	return nil
}
