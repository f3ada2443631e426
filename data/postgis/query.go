package postgis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/harmattan/harmattan/data"
)

// where is a filter clause under construction: conditions ANDed together, values bound as
// $1, $2, ...
type where struct {
	conds []string
	args  []any
}

// arg binds v and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// filter adds q's conditions: bbox (through the GiST index), time, property equality and the
// keyset position. The table is aliased t.
func (t *table) filter(q data.Query, w *where) error {
	if q.BBox != nil {
		t.bbox(*q.BBox, w)
	}
	if tf := t.coll.TemporalField; tf != "" && !q.Time.IsZero() {
		f, _ := t.coll.Field(tf)
		c := "t." + quote(tf)
		var parts []string
		if f.Type == data.Date {
			start, end := q.Time.Dates()
			if start != "" {
				parts = append(parts, c+" >= "+w.arg(start)+"::text::date")
			}
			if end != "" {
				parts = append(parts, c+" <= "+w.arg(end)+"::text::date")
			}
		} else {
			if !q.Time.Start.IsZero() {
				parts = append(parts, c+" >= "+w.arg(q.Time.Start.UTC())+"::timestamptz")
			}
			if !q.Time.End.IsZero() {
				parts = append(parts, c+" <= "+w.arg(q.Time.End.UTC())+"::timestamptz")
			}
		}
		if len(parts) > 0 {
			w.conds = append(w.conds, "("+c+" IS NULL OR ("+strings.Join(parts, " AND ")+"))")
		}
	}
	for _, flt := range q.Filters {
		f, ok := t.coll.Field(flt.Field)
		if !ok {
			return fmt.Errorf("%w: collection %q has no property %q", data.ErrInvalidQuery, t.coll.ID, flt.Field)
		}
		c := "t." + quote(f.Name)
		var cond string
		switch f.Type {
		case data.Integer:
			cond = c + " = " + w.arg(flt.Value) + "::int8"
		case data.Real:
			cond = c + " = " + w.arg(flt.Value) + "::float8"
		case data.Boolean:
			cond = c + " = " + w.arg(flt.Value) + "::bool"
		case data.Date:
			cond = c + " = " + w.arg(flt.Value) + "::text::date"
		case data.DateTime:
			cond = c + " = " + w.arg(flt.Value) + "::text::timestamptz"
		default:
			if !t.cols[f.Name].isText() {
				c += "::text"
			}
			cond = c + " = " + w.arg(flt.Value) + "::text"
		}
		w.conds = append(w.conds, cond)
	}
	if q.After > 0 {
		w.conds = append(w.conds, "t."+quote(t.pk)+" > "+w.arg(q.After))
	}
	return nil
}

// bbox adds the bounding-box condition. A box crossing the antimeridian (Min.X > Max.X) is
// split in two.
func (t *table) bbox(b orb.Bound, w *where) {
	if b.Min[0] <= b.Max[0] {
		w.conds = append(w.conds, "t."+quote(t.geom)+" && "+t.envelope(b, w))
		return
	}
	east := orb.Bound{Min: b.Min, Max: orb.Point{180, b.Max[1]}}
	west := orb.Bound{Min: orb.Point{-180, b.Min[1]}, Max: b.Max}
	g := "t." + quote(t.geom)
	w.conds = append(w.conds, "("+g+" && "+t.envelope(east, w)+" OR "+g+" && "+t.envelope(west, w)+")")
}

// envelope returns the SQL of b in the table's SRID. In another SRID the box's edges are
// first cut into 1° pieces, so that its transformed bounds follow curved edges; latitudes are
// kept where Web Mercator is defined.
func (t *table) envelope(b orb.Bound, w *where) string {
	if t.srid == 4326 || t.srid == 0 {
		return fmt.Sprintf("ST_MakeEnvelope(%s, %s, %s, %s, 4326)", w.arg(b.Min[0]), w.arg(b.Min[1]), w.arg(b.Max[0]), w.arg(b.Max[1]))
	}
	const maxLat = 85.0511287798
	lo, hi := max(b.Min[1], -maxLat), min(b.Max[1], maxLat)
	lo = min(lo, hi)
	return fmt.Sprintf("ST_Transform(ST_Segmentize(ST_MakeEnvelope(%s, %s, %s, %s, 4326), 1), %d)",
		w.arg(b.Min[0]), w.arg(lo), w.arg(b.Max[0]), w.arg(hi), t.srid)
}

// selectList returns the columns of a feature: key, WKB geometry in EPSG:4326, then the
// fields, cast to the few types that scanning expects.
func (t *table) selectList(fields []data.Field) string {
	var b strings.Builder
	b.WriteString("t." + quote(t.pk) + "::int8, ST_AsBinary(" + t.geomWGS84() + ")")
	for _, f := range fields {
		c := "t." + quote(f.Name)
		switch f.Type {
		case data.Integer:
			c += "::int8"
		case data.Real:
			c += "::float8"
		case data.Text:
			c += "::text"
		}
		b.WriteString(", " + c)
	}
	return b.String()
}

// Features streams the matching features in ascending id order.
func (s *Store) Features(ctx context.Context, id string, q data.Query, fn func(*data.Feature) error) error {
	t, err := s.table(id)
	if err != nil {
		return err
	}
	fields, err := t.coll.Selected(q.Properties)
	if err != nil {
		return err
	}
	var w where
	if err := t.filter(q, &w); err != nil {
		return err
	}
	sqlText := "SELECT " + t.selectList(fields) + " FROM " + t.ident() + " AS t" + w.String() + " ORDER BY t." + quote(t.pk)
	if q.Limit > 0 {
		sqlText += " LIMIT " + w.arg(int64(q.Limit))
	}
	if q.Offset > 0 {
		sqlText += " OFFSET " + w.arg(int64(q.Offset))
	}
	rows, err := s.pool.Query(ctx, sqlText, w.args...)
	if err != nil {
		return readError(err)
	}
	defer rows.Close()
	return readError(scanFeatures(rows, t, fields, fn))
}

// Feature returns one feature by id.
func (s *Store) Feature(ctx context.Context, id string, featureID int64) (*data.Feature, error) {
	t, err := s.table(id)
	if err != nil {
		return nil, err
	}
	f, err := t.feature(ctx, s.pool, featureID, "")
	return f, readError(err)
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// feature reads feature id with all its properties; suffix ends the statement (FOR UPDATE).
func (t *table) feature(ctx context.Context, db querier, id int64, suffix string) (*data.Feature, error) {
	rows, err := db.Query(ctx, "SELECT "+t.selectList(t.coll.Fields)+" FROM "+t.ident()+" AS t WHERE t."+quote(t.pk)+" = $1"+suffix, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out *data.Feature
	err = scanFeatures(rows, t, t.coll.Fields, func(f *data.Feature) error {
		out = &data.Feature{ID: f.ID, Geometry: f.Geometry, Properties: append([]any(nil), f.Properties...)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("feature %d of collection %q: %w", id, t.coll.ID, data.ErrNotFound)
	}
	return out, nil
}

func scanFeatures(rows pgx.Rows, t *table, fields []data.Field, fn func(*data.Feature) error) error {
	feat := data.Feature{Properties: make([]any, len(fields))}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		feat.ID, _ = vals[0].(int64)
		feat.Geometry = nil
		if b, ok := vals[1].([]byte); ok {
			if feat.Geometry, err = wkb.Unmarshal(b); err != nil {
				return fmt.Errorf("table %s, feature %d: %w", t.name, feat.ID, err)
			}
		}
		for i, f := range fields {
			feat.Properties[i] = value(f.Type, vals[2+i])
		}
		if err := fn(&feat); err != nil {
			return err
		}
	}
	return rows.Err()
}

// value normalises a scanned value to what data.Feature promises.
func value(t data.FieldType, v any) any {
	switch x := v.(type) {
	case time.Time:
		return formatTime(t, x)
	case nil, string, int64, float64, bool:
		return v
	}
	return fmt.Sprint(v)
}

// formatTime formats a date as YYYY-MM-DD and a timestamp as RFC 3339 in UTC.
func formatTime(t data.FieldType, v time.Time) string {
	if t == data.Date {
		return v.Format(time.DateOnly)
	}
	return v.UTC().Format(time.RFC3339Nano)
}
