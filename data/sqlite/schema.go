package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/harmattan/harmattan/data"
)

// GeoPackage 1.3 identification (OGC 12-128r15, requirements 2 and 2a).
const (
	applicationID = 0x47504B47 // "GPKG"
	userVersion   = 10300
)

// wgs84WKT is the EPSG:4326 definition GeoPackage requires in gpkg_spatial_ref_sys.
const wgs84WKT = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]`

// coreSchema creates the mandatory GeoPackage tables and SRS rows.
var coreSchema = []string{
	fmt.Sprintf("PRAGMA application_id = %d", applicationID),
	fmt.Sprintf("PRAGMA user_version = %d", userVersion),
	`CREATE TABLE gpkg_spatial_ref_sys (
		srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
		organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`,
	`INSERT INTO gpkg_spatial_ref_sys VALUES
		('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
		('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
		('WGS 84 geodetic', 4326, 'EPSG', 4326, '` + wgs84WKT + `', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')`,
	`CREATE TABLE gpkg_contents (
		table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
		description TEXT DEFAULT '',
		last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
		min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
		CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
	`CREATE TABLE gpkg_geometry_columns (
		table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
		srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
		CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
		CONSTRAINT uk_gc_table_name UNIQUE (table_name),
		CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
		CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`,
	`CREATE TABLE gpkg_extensions (
		table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
		definition TEXT NOT NULL, scope TEXT NOT NULL,
		CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))`,
}

// createFeatureTable creates a feature table with a "fid" key and a "geom" column, registers
// it in gpkg_contents and gpkg_geometry_columns, and adds its R-tree index with the standard
// triggers (GeoPackage extension gpkg_rtree_index).
func createFeatureTable(ctx context.Context, tx *sql.Tx, l data.Layer) error {
	cols := []string{`"fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL`, `"geom" ` + strings.ToUpper(l.GeometryType)}
	for _, f := range l.Fields {
		cols = append(cols, quote(f.Name)+" "+f.Type.String())
	}
	stmts := []string{
		fmt.Sprintf("CREATE TABLE %s (%s)", quote(l.Name), strings.Join(cols, ", ")),
	}
	stmts = append(stmts, rtreeSchema(l.Name, "geom", "fid")...)
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("create table %s: %w", l.Name, err)
		}
	}
	title := l.Title
	if title == "" { // identifiers are unique, and a layer is known by its name
		title = l.Name
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
		VALUES (?, 'features', ?, ?, 4326)`, l.Name, title, l.Description); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, 4326, 0, 0)`,
		l.Name, strings.ToUpper(l.GeometryType)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index',
		'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')`, l.Name)
	return err
}

// rtreeSchema returns the statements that create the R-tree of table t's geometry column c
// (key column i) and the six triggers of GeoPackage 1.3 Annex F.3 that keep it current.
func rtreeSchema(t, c, i string) []string {
	r := quote("rtree_" + t + "_" + c)
	trig := func(suffix string) string { return quote("rtree_" + t + "_" + c + "_" + suffix) }
	T, C, I := quote(t), quote(c), quote(i)
	insert := fmt.Sprintf("INSERT OR REPLACE INTO %s VALUES (NEW.%s, ST_MinX(NEW.%s), ST_MaxX(NEW.%s), ST_MinY(NEW.%s), ST_MaxY(NEW.%s));", r, I, C, C, C, C)
	return []string{
		fmt.Sprintf("CREATE VIRTUAL TABLE %s USING rtree(id, minx, maxx, miny, maxy)", r),
		fmt.Sprintf("CREATE TRIGGER %s AFTER INSERT ON %s WHEN (NEW.%s NOT NULL AND NOT ST_IsEmpty(NEW.%s)) BEGIN %s END",
			trig("insert"), T, C, C, insert),
		fmt.Sprintf("CREATE TRIGGER %s AFTER UPDATE OF %s ON %s WHEN OLD.%s = NEW.%s AND (NEW.%s NOTNULL AND NOT ST_IsEmpty(NEW.%s)) BEGIN %s END",
			trig("update1"), C, T, I, I, C, C, insert),
		fmt.Sprintf("CREATE TRIGGER %s AFTER UPDATE OF %s ON %s WHEN OLD.%s = NEW.%s AND (NEW.%s ISNULL OR ST_IsEmpty(NEW.%s)) BEGIN DELETE FROM %s WHERE id = OLD.%s; END",
			trig("update2"), C, T, I, I, C, C, r, I),
		fmt.Sprintf("CREATE TRIGGER %s AFTER UPDATE ON %s WHEN OLD.%s != NEW.%s AND (NEW.%s NOTNULL AND NOT ST_IsEmpty(NEW.%s)) BEGIN DELETE FROM %s WHERE id = OLD.%s; %s END",
			trig("update3"), T, I, I, C, C, r, I, insert),
		fmt.Sprintf("CREATE TRIGGER %s AFTER UPDATE ON %s WHEN OLD.%s != NEW.%s AND (NEW.%s ISNULL OR ST_IsEmpty(NEW.%s)) BEGIN DELETE FROM %s WHERE id IN (OLD.%s, NEW.%s); END",
			trig("update4"), T, I, I, C, C, r, I, I),
		fmt.Sprintf("CREATE TRIGGER %s AFTER DELETE ON %s WHEN OLD.%s NOT NULL BEGIN DELETE FROM %s WHERE id = OLD.%s; END",
			trig("delete"), T, C, r, I),
	}
}

// quote returns name as an SQL identifier. Identifiers only ever come from the catalog or
// from the schema of a layer being created, never from a request.
func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
