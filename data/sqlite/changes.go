package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

var _ data.ChangeLog = (*Store)(nil)

// changesTable records every write Harmattan makes to the file (imports and edits, by any
// process), so that each server serving the file drops just the cached tiles a write touched.
// It is an ordinary table outside the GeoPackage catalog; GDAL and QGIS leave it alone.
const changesTable = "harmattan_changes"

// changesKept bounds the log: older entries are dropped, and a server that fell further
// behind empties its whole tile cache instead.
const changesKept = 10000

// logChange records a write to table within bounds.
func logChange(ctx context.Context, tx *sql.Tx, table string, bounds *orb.Bound) error {
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+changesTable+` (
		seq INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT NOT NULL,
		min_x REAL, min_y REAL, max_x REAL, max_y REAL,
		changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO `+changesTable+` (table_name, min_x, min_y, max_x, max_y) VALUES (?, ?, ?, ?, ?)`,
		table, bounds.Min[0], bounds.Min[1], bounds.Max[0], bounds.Max[1])
	if err != nil {
		return err
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM `+changesTable+` WHERE seq <= ?`, seq-changesKept)
	return err
}

// Changes returns the writes recorded after seq and the last seq. Writes to tables that are
// not served are left out. When entries after seq were already dropped from the log, it
// returns a single Change with no Layer, which means: anything may have changed.
func (s *Store) Changes(ctx context.Context, after int64) ([]data.Change, int64, error) {
	var n int
	if err := s.meta.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", changesTable).Scan(&n); err != nil || n == 0 {
		return nil, after, err
	}
	var first, last sql.NullInt64
	if err := s.meta.QueryRowContext(ctx, "SELECT min(seq), max(seq) FROM "+changesTable).Scan(&first, &last); err != nil {
		return nil, after, err
	}
	if !last.Valid || last.Int64 <= after {
		return nil, after, nil
	}
	if first.Int64 > after+1 && after > 0 {
		return []data.Change{{Seq: last.Int64}}, last.Int64, nil
	}
	rows, err := s.meta.QueryContext(ctx, "SELECT seq, table_name, min_x, min_y, max_x, max_y FROM "+changesTable+" WHERE seq > ? ORDER BY seq", after)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	cat := s.cat.Load()
	var out []data.Change
	for rows.Next() {
		var c data.Change
		var table string
		var minx, miny, maxx, maxy sql.NullFloat64
		if err := rows.Scan(&c.Seq, &table, &minx, &miny, &maxx, &maxy); err != nil {
			return nil, after, err
		}
		after = c.Seq
		// A table the catalog does not hold yet (an import just made it) still counts as a
		// change: its layer is named as the catalog will name it.
		c.Layer = data.CollectionID(table)
		if t, ok := cat.byTable(table); ok {
			c.Layer = t.coll.ID
		}
		if minx.Valid {
			c.Bounds = []orb.Bound{{Min: orb.Point{minx.Float64, miny.Float64}, Max: orb.Point{maxx.Float64, maxy.Float64}}}
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, after, fmt.Errorf("%s: %w", changesTable, err)
	}
	return out, after, nil
}
