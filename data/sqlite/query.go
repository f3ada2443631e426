package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

// where is a filter clause under construction: conditions ANDed together, values bound.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// filters builds the conditions of q other than the bbox: time, property equality, and the
// keyset condition on key (the SQL expression of the feature id). The table is aliased t.
func (tb *table) filters(q data.Query, w *where, key string) error {
	if tf := tb.coll.TemporalField; tf != "" && !q.Time.IsZero() {
		f, _ := tb.coll.Field(tf)
		c := "t." + quote(tf)
		var parts []string
		var args []any
		if f.Type == data.Date {
			start, end := q.Time.Dates()
			if start != "" {
				parts, args = append(parts, "substr("+c+", 1, 10) >= ?"), append(args, start)
			}
			if end != "" {
				parts, args = append(parts, "substr("+c+", 1, 10) <= ?"), append(args, end)
			}
		} else {
			if !q.Time.Start.IsZero() {
				parts, args = append(parts, "julianday("+c+") >= julianday(?)"), append(args, sqlTime(q.Time.Start))
			}
			if !q.Time.End.IsZero() {
				parts, args = append(parts, "julianday("+c+") <= julianday(?)"), append(args, sqlTime(q.Time.End))
			}
		}
		if len(parts) > 0 {
			w.add("("+c+" IS NULL OR ("+strings.Join(parts, " AND ")+"))", args...)
		}
	}
	for _, flt := range q.Filters {
		f, ok := tb.coll.Field(flt.Field)
		if !ok {
			return fmt.Errorf("%w: collection %q has no property %q", data.ErrInvalidQuery, tb.coll.ID, flt.Field)
		}
		c := "t." + quote(f.Name)
		switch f.Type {
		case data.Date:
			w.add("substr("+c+", 1, 10) = ?", flt.Value)
		case data.DateTime:
			w.add("julianday("+c+") = julianday(?)", flt.Value)
		default:
			w.add(c+" = ?", flt.Value)
		}
	}
	if q.After > 0 {
		w.add(key+" > ?", q.After)
	}
	return nil
}

func sqlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// bbox adds the bounding-box condition on the R-tree alias r, or on the geometry blob's
// envelope when the table has no R-tree. Boxes crossing the antimeridian (Min.X > Max.X)
// match features on either side.
func (tb *table) bbox(b orb.Bound, w *where) {
	minx, miny, maxx, maxy := "r.minx", "r.miny", "r.maxx", "r.maxy"
	if tb.rtree == "" {
		g := "t." + quote(tb.geom)
		minx, miny, maxx, maxy = "ST_MinX("+g+")", "ST_MinY("+g+")", "ST_MaxX("+g+")", "ST_MaxY("+g+")"
	}
	if tb.fromWGS84 != nil {
		lo, hi := tb.fromWGS84(b.Min), tb.fromWGS84(b.Max)
		b = orb.Bound{Min: lo, Max: hi}
	}
	if b.Min[0] <= b.Max[0] {
		w.add(maxx+" >= ? AND "+minx+" <= ?", b.Min[0], b.Max[0])
	} else {
		w.add("("+maxx+" >= ? OR "+minx+" <= ?)", b.Min[0], b.Max[0])
	}
	w.add(maxy+" >= ? AND "+miny+" <= ?", b.Min[1], b.Max[1])
}

// Features streams the matching features in ascending id order.
func (s *Store) Features(ctx context.Context, id string, q data.Query, fn func(*data.Feature) error) error {
	tb, err := s.table(id)
	if err != nil {
		return err
	}
	fields, err := tb.coll.Selected(q.Properties)
	if err != nil {
		return err
	}
	sqlText, args, err := s.featuresSQL(ctx, tb, fields, q)
	if err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanFeatures(rows, tb, fields, fn)
}

// featuresSQL builds the SELECT for q: bbox through the R-tree, the other filters, key order,
// LIMIT and OFFSET, with every value bound.
func (s *Store) featuresSQL(ctx context.Context, tb *table, fields []data.Field, q data.Query) (string, []any, error) {
	var w where
	if q.BBox != nil {
		tb.bbox(*q.BBox, &w)
	}
	key := "t." + quote(tb.pk)
	rtreeFirst := false
	if q.BBox != nil && tb.rtree != "" {
		var err error
		if rtreeFirst, err = s.rtreeFirst(ctx, tb, q); err != nil {
			return "", nil, err
		}
		if rtreeFirst {
			key = "r.id"
		}
	}
	if err := tb.filters(q, &w, key); err != nil {
		return "", nil, err
	}
	limit, args := "", w.args
	if q.Limit > 0 || q.Offset > 0 {
		n := int64(q.Limit)
		if q.Limit <= 0 {
			n = -1
		}
		limit = " LIMIT ? OFFSET ?"
		args = append(args, n, q.Offset)
	}
	selectFrom := "SELECT " + tb.selectList(fields) + " FROM " + quote(tb.name) + " AS t"
	order := " ORDER BY t." + quote(tb.pk)
	switch {
	case rtreeFirst:
		// Sort only the matching ids from the R-tree, then read just the page's rows.
		inner := "SELECT r.id FROM " + quote(tb.rtree) + " AS r"
		if !q.Time.IsZero() || len(q.Filters) > 0 {
			inner += " CROSS JOIN " + quote(tb.name) + " AS t ON t." + quote(tb.pk) + " = r.id"
		}
		inner += w.String() + " ORDER BY r.id" + limit
		return selectFrom + " WHERE t." + quote(tb.pk) + " IN (" + inner + ")" + order, args, nil
	case q.BBox != nil && tb.rtree != "":
		// Most rows match: walk the table in id order, testing each geometry's envelope
		// in Go (cheaper than an R-tree probe per row), then read just the page's rows.
		ids, err := s.walk(ctx, tb, q)
		if err != nil {
			return "", nil, err
		}
		if len(ids) == 0 {
			ids = append(ids, -1) // no row has this id: an empty page
		}
		marks := strings.Repeat("?,", len(ids))
		return selectFrom + " WHERE t." + quote(tb.pk) + " IN (" + marks[:len(marks)-1] + ")" + order, ids, nil
	}
	return selectFrom + w.String() + order + limit, args, nil
}

// rtreeFirst tells whether a bbox query on an R-tree-indexed table should start from the
// R-tree (read every match, sort their ids, keep a page) rather than walk the table in id
// order until the page is full. Walking reads about total/matched rows per returned feature,
// each some ten times dearer than an R-tree entry (measured on the reference workload), and
// is only for bounded pages: the R-tree wins while 8·page·total >= matched². So matches are
// counted only up to that bound (more features in the bbox: walk), and the table's total
// may be some seconds old: counting a large bbox or table on every page after every write is
// what held up pages under load.
func (s *Store) rtreeFirst(ctx context.Context, tb *table, q data.Query) (bool, error) {
	if q.Limit <= 0 || q.Limit > maxWalk {
		return true, nil
	}
	total, err := s.totals.get(ctx, s, tb)
	if err != nil {
		return false, err
	}
	want := int64(q.Offset + q.Limit)
	most := max(1, int64(math.Sqrt(float64(8*want*total))))
	if q.MaxCount > 0 && q.MaxCount < most {
		most = q.MaxCount // the page's own count, which is then asked once for both
	}
	q.MaxCount = most
	matched, err := s.Count(ctx, tb.coll.ID, q)
	if err != nil || matched < 0 {
		return false, err
	}
	return matched == 0 || 8*want*total >= matched*matched, nil
}

// maxWalk bounds the page a walk may return: its ids are bound as SQL variables, of which
// SQLite allows 32766.
const maxWalk = 20000

// walk returns the ids of the page q asks for, reading only ids and geometries in id order
// and testing envelopes in Go. The bbox is tested here; the other filters in SQL.
func (s *Store) walk(ctx context.Context, tb *table, q data.Query) ([]any, error) {
	var w where
	if err := tb.filters(q, &w, "t."+quote(tb.pk)); err != nil {
		return nil, err
	}
	box := *q.BBox
	if tb.fromWGS84 != nil {
		box = orb.Bound{Min: tb.fromWGS84(box.Min), Max: tb.fromWGS84(box.Max)}
	}
	rows, err := s.db.QueryContext(ctx, "SELECT t."+quote(tb.pk)+", t."+quote(tb.geom)+" FROM "+quote(tb.name)+" AS t"+
		w.String()+" ORDER BY t."+quote(tb.pk), w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		id   int64
		blob sql.RawBytes
		ids  []any
	)
	skip := q.Offset
	for (q.Limit <= 0 || len(ids) < q.Limit) && rows.Next() {
		if err := rows.Scan(&id, &blob); err != nil {
			return nil, err
		}
		env, ok := envelope(blob)
		if !ok || !intersects(env, box) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// intersects tells whether env meets box; a box with Min.X > Max.X crosses the antimeridian.
func intersects(env, box orb.Bound) bool {
	if env.Max[1] < box.Min[1] || env.Min[1] > box.Max[1] {
		return false
	}
	if box.Min[0] <= box.Max[0] {
		return env.Max[0] >= box.Min[0] && env.Min[0] <= box.Max[0]
	}
	return env.Max[0] >= box.Min[0] || env.Min[0] <= box.Max[0]
}

// Feature returns one feature by id.
func (s *Store) Feature(ctx context.Context, id string, featureID int64) (*data.Feature, error) {
	tb, err := s.table(id)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+tb.selectList(tb.coll.Fields)+" FROM "+quote(tb.name)+
		" AS t WHERE t."+quote(tb.pk)+" = ?", featureID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out *data.Feature
	err = scanFeatures(rows, tb, tb.coll.Fields, func(f *data.Feature) error {
		out = &data.Feature{ID: f.ID, Geometry: f.Geometry, Properties: append([]any(nil), f.Properties...)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("feature %d of collection %q: %w", featureID, id, data.ErrNotFound)
	}
	return out, nil
}

// selectList returns the columns for fields: key, geometry, then the fields, with DATE and
// DATETIME columns read as text (go-sqlite3 would turn an unparseable date into a zero time).
func (tb *table) selectList(fields []data.Field) string {
	var b strings.Builder
	b.WriteString("t." + quote(tb.pk) + ", t." + quote(tb.geom))
	for _, f := range fields {
		c := "t." + quote(f.Name)
		if f.Type == data.Date || f.Type == data.DateTime {
			c = "CAST(" + c + " AS TEXT)"
		}
		b.WriteString(", " + c)
	}
	return b.String()
}

func scanFeatures(rows *sql.Rows, tb *table, fields []data.Field, fn func(*data.Feature) error) error {
	var (
		feat data.Feature
		blob sql.RawBytes
		vals = make([]any, len(fields))
		dest = make([]any, 2+len(fields))
	)
	dest[0], dest[1] = &feat.ID, &blob
	for i := range vals {
		dest[2+i] = &vals[i]
	}
	feat.Properties = make([]any, len(fields))
	for rows.Next() {
		err := rows.Scan(dest...)
		if err != nil {
			return err
		}
		var g orb.Geometry
		if len(blob) > 0 { // NULL geometry stays nil
			if g, _, err = geo.DecodeGPKG(blob); err != nil {
				return fmt.Errorf("table %s, feature %d: %w", tb.name, feat.ID, err)
			}
		}
		if g != nil && tb.toWGS84 != nil {
			g = geo.Reproject(g, tb.toWGS84)
		}
		feat.Geometry = g
		for i, f := range fields {
			feat.Properties[i] = value(f.Type, vals[i])
		}
		if err := fn(&feat); err != nil {
			return err
		}
	}
	return rows.Err()
}
