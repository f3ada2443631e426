package postgis

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// table is one served table: its collection metadata and the SQL names behind it. Every
// identifier used in SQL comes from here, read from the database's own catalog.
type table struct {
	coll   data.Collection
	schema string
	name   string
	geom   string // geometry column
	pk     string // integer primary key column
	srid   int
	cols   map[string]column // by field name
	serial bool              // the key has a sequence or identity that numbers new rows
}

// column is a property column's PostgreSQL type: its name (int4, varchar) and its full SQL
// form (character varying(20)), which casts use.
type column struct{ typ, format string }

// ident returns the table's quoted, schema-qualified name.
func (t *table) ident() string { return pgx.Identifier{t.schema, t.name}.Sanitize() }

// geomWGS84 is the SQL expression of the geometry in EPSG:4326 (table alias t).
func (t *table) geomWGS84() string {
	g := "t." + quote(t.geom)
	if t.srid == 4326 || t.srid == 0 {
		return g
	}
	return "ST_Transform(" + g + ", 4326)"
}

// catalog is the served tables at one moment. It is replaced as a whole, never changed, so
// that readers need no lock.
type catalog struct {
	tables map[string]*table // by collection id
	ids    []string          // sorted collection ids
}

func (c *catalog) byTable(schema, name string) (*table, bool) {
	for _, t := range c.tables {
		if t.schema == schema && t.name == name {
			return t, true
		}
	}
	return nil, false
}

// layersTable holds what PostgreSQL has no place for: a layer's title and description, as
// gpkg_contents does in a GeoPackage. Harmattan writes it when it creates a table; tables made
// by others get their name as title and their table comment as description.
const layersTable = "harmattan_layers"

// loadCatalog reads geometry_columns and builds one collection per table with a geometry
// column and an integer primary key. Tables that cannot be served are skipped with a log
// line that says why.
func (s *Store) loadCatalog(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	var haveLayers bool
	if err := s.pool.QueryRow(ctx, "SELECT to_regclass('public."+layersTable+"') IS NOT NULL").Scan(&haveLayers); err != nil {
		return err
	}
	meta := "'', coalesce(obj_description(c.oid, 'pg_class'), '')"
	join := ""
	if haveLayers {
		meta = "coalesce(l.title, ''), coalesce(l.description, obj_description(c.oid, 'pg_class'), '')"
		join = " LEFT JOIN public." + layersTable + " l ON l.table_schema = g.f_table_schema AND l.table_name = g.f_table_name"
	}
	rows, err := s.pool.Query(ctx, `SELECT g.f_table_schema::text, g.f_table_name::text, g.f_geometry_column::text, g.srid, g.type,
		c.oid::int8, `+meta+`
		FROM geometry_columns g
		JOIN pg_namespace n ON n.nspname = g.f_table_schema
		JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = g.f_table_name
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = g.f_geometry_column`+join+`
		WHERE g.f_table_schema NOT IN ('pg_catalog', 'information_schema', 'topology', 'tiger')
		ORDER BY g.f_table_schema, g.f_table_name, a.attnum`)
	if err != nil {
		return err
	}
	type found struct {
		t   *table
		oid int64
	}
	var tables []found
	seen := map[string]bool{}
	for rows.Next() {
		var t table
		var gtype, title, desc string
		var oid int64
		if err := rows.Scan(&t.schema, &t.name, &t.geom, &t.srid, &gtype, &oid, &title, &desc); err != nil {
			rows.Close()
			return err
		}
		key := t.schema + "." + t.name
		if seen[key] {
			s.opts.Logger.Warn("serving only the first geometry column of a table", "table", key, "skipped", t.geom)
			continue
		}
		seen[key] = true
		if title == "" {
			title = t.name
		}
		t.coll = data.Collection{Title: title, Description: desc, GeometryType: data.GeoJSONTypeName(gtype)}
		tables = append(tables, found{&t, oid})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	cat := &catalog{tables: map[string]*table{}}
	for _, f := range tables {
		t := f.t
		if err := s.describe(ctx, t, f.oid); err != nil {
			s.opts.Logger.Warn("skipping table", "table", t.schema+"."+t.name, "reason", err.Error())
			continue
		}
		id := data.CollectionID(t.name)
		if t.schema != "public" {
			id = data.CollectionID(t.schema + "_" + t.name)
		}
		t.coll.ID = data.UniqueID(id, func(id string) bool { return cat.tables[id] != nil })
		if name, ok := s.opts.TimeFields[t.coll.ID]; ok {
			if err := t.coll.SetTemporal(name); err != nil {
				return err
			}
		}
		if err := s.loadExtent(ctx, t); err != nil {
			return fmt.Errorf("table %s.%s: %w", t.schema, t.name, err)
		}
		cat.tables[t.coll.ID] = t
	}
	for id := range s.opts.TimeFields {
		if _, ok := cat.tables[id]; !ok {
			return fmt.Errorf("time field given for unknown collection %q", id)
		}
	}
	for id := range cat.tables {
		cat.ids = append(cat.ids, id)
	}
	sort.Strings(cat.ids)
	s.cat.Store(cat)
	return nil
}

// describe reads the table's columns and integer primary key.
func (s *Store) describe(ctx context.Context, t *table, oid int64) error {
	rows, err := s.pool.Query(ctx, `SELECT a.attname::text, ty.typname::text, format_type(a.atttypid, a.atttypmod),
		coalesce((SELECT i.indisprimary AND i.indnatts = 1 FROM pg_index i
			WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY(i.indkey)), false),
		a.attidentity <> '' OR pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) IS NOT NULL
		FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
		JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, oid)
	if err != nil {
		return err
	}
	defer rows.Close()
	t.cols = map[string]column{}
	for rows.Next() {
		var name, typ, format string
		var pk, serial bool
		if err := rows.Scan(&name, &typ, &format, &pk, &serial); err != nil {
			return err
		}
		switch {
		case name == t.geom:
		case pk && (typ == "int2" || typ == "int4" || typ == "int8"):
			t.pk, t.serial = name, serial
		case typ == "geometry" || typ == "geography" || typ == "bytea" || typ == "raster":
			// not a property
		default:
			f := data.Field{Name: name, Type: fieldType(typ)}
			t.coll.Fields = append(t.coll.Fields, f)
			t.cols[name] = column{typ, format}
			if t.coll.TemporalField == "" && (f.Type == data.Date || f.Type == data.DateTime) {
				t.coll.TemporalField = name
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if t.pk == "" {
		return fmt.Errorf("it has no integer primary key to identify features by")
	}
	return nil
}

// fieldType maps a PostgreSQL type name to a field type; other types are served as text.
func fieldType(typ string) data.FieldType {
	switch typ {
	case "int2", "int4", "int8":
		return data.Integer
	case "float4", "float8", "numeric":
		return data.Real
	case "bool":
		return data.Boolean
	case "date":
		return data.Date
	case "timestamp", "timestamptz":
		return data.DateTime
	}
	return data.Text
}

// loadExtent computes the WGS84 bounding box and the temporal interval of the table.
func (s *Store) loadExtent(ctx context.Context, t *table) error {
	box := "ST_Extent(t." + quote(t.geom) + ")::geometry"
	if t.srid != 4326 && t.srid != 0 {
		box = fmt.Sprintf("ST_Transform(ST_SetSRID(%s, %d), 4326)", box, t.srid)
	}
	var minx, miny, maxx, maxy *float64
	err := s.pool.QueryRow(ctx, "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT "+box+" AS b FROM "+t.ident()+" AS t) e").
		Scan(&minx, &miny, &maxx, &maxy)
	if err != nil {
		return err
	}
	if minx != nil {
		t.coll.Extent = orb.Bound{Min: orb.Point{*minx, *miny}, Max: orb.Point{*maxx, *maxy}}
	}
	if t.coll.TemporalField == "" {
		return nil
	}
	f, _ := t.coll.Field(t.coll.TemporalField)
	c := quote(t.coll.TemporalField)
	var lo, hi *time.Time
	if err := s.pool.QueryRow(ctx, fmt.Sprintf("SELECT min(%[1]s), max(%[1]s) FROM %[2]s", c, t.ident())).Scan(&lo, &hi); err != nil {
		return err
	}
	if lo != nil {
		t.coll.Interval = [2]string{formatTime(f.Type, *lo), formatTime(f.Type, *hi)}
	}
	return nil
}

func quote(name string) string { return pgx.Identifier{name}.Sanitize() }

// isText tells whether the column holds text, which compares with a text value as it is.
func (c column) isText() bool { return c.typ == "text" || c.typ == "varchar" || c.typ == "bpchar" }
