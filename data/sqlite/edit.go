package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/mattn/go-sqlite3"
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

var _ data.Editor = (*Store)(nil)

// editable returns the table of collection coll if features can be written to it: stored in
// EPSG:4326 (others are served reprojected, and written back they would lose precision).
func (s *Store) editable(coll string) (*table, error) {
	tb, err := s.table(coll)
	if err != nil {
		return nil, err
	}
	if tb.toWGS84 != nil {
		return nil, fmt.Errorf("%w: collection %s is not stored in EPSG:4326 and cannot be edited", data.ErrSchema, coll)
	}
	return tb, nil
}

// Insert adds features in one transaction (data.Editor). The R-tree triggers keep the index
// current.
func (s *Store) Insert(ctx context.Context, coll string, rs []*data.Record) ([]int64, error) {
	tb, err := s.editable(coll)
	if err != nil {
		return nil, err
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ids := make([]int64, 0, len(rs))
	for _, r := range rs {
		cols, args, err := tb.row(r, false)
		if err != nil {
			return nil, err
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
		res, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", quote(tb.name), strings.Join(cols, ", "), marks), args...)
		if err != nil {
			return nil, err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
		if b := data.Bounds(r.Geometry); b != nil {
			if err := logChange(ctx, tx, tb.name, b); err != nil {
				return nil, err
			}
		}
	}
	return ids, tx.Commit()
}

// Update replaces or patches a feature (data.Editor).
func (s *Store) Update(ctx context.Context, coll string, id int64, r *data.Record, patch bool, check func(*data.Feature) error) (before, after orb.Bound, err error) {
	tb, err := s.editable(coll)
	if err != nil {
		return before, after, err
	}
	cols, args, err := tb.row(r, patch)
	if err != nil {
		return before, after, err
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return before, after, err
	}
	defer tx.Rollback()
	old, err := tb.current(ctx, tx, id, check)
	if err != nil {
		return before, after, err
	}
	if len(cols) > 0 {
		sets := strings.Join(cols, " = ?, ") + " = ?"
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s WHERE %s = ?", quote(tb.name), sets, quote(tb.pk)), append(args, id)...); err != nil {
			return before, after, err
		}
	}
	g := r.Geometry
	if g == nil && patch {
		g = old.Geometry
	}
	b, a := data.Bounds(old.Geometry), data.Bounds(g)
	for _, c := range []*orb.Bound{b, a} {
		if c == nil {
			continue
		}
		if err := logChange(ctx, tx, tb.name, c); err != nil {
			return before, after, err
		}
	}
	if b != nil {
		before = *b
	}
	if a != nil {
		after = *a
	}
	return before, after, tx.Commit()
}

// Delete removes a feature (data.Editor).
func (s *Store) Delete(ctx context.Context, coll string, id int64, check func(*data.Feature) error) (orb.Bound, error) {
	tb, err := s.editable(coll)
	if err != nil {
		return orb.Bound{}, err
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return orb.Bound{}, err
	}
	defer tx.Rollback()
	old, err := tb.current(ctx, tx, id, check)
	if err != nil {
		return orb.Bound{}, err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s = ?", quote(tb.name), quote(tb.pk)), id); err != nil {
		return orb.Bound{}, err
	}
	var out orb.Bound
	if b := data.Bounds(old.Geometry); b != nil {
		if err := logChange(ctx, tx, tb.name, b); err != nil {
			return orb.Bound{}, err
		}
		out = *b
	}
	return out, tx.Commit()
}

// current reads feature id inside tx and lets check refuse the change.
func (tb *table) current(ctx context.Context, tx *sql.Tx, id int64, check func(*data.Feature) error) (*data.Feature, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+tb.selectList(tb.coll.Fields)+" FROM "+quote(tb.name)+" AS t WHERE t."+quote(tb.pk)+" = ?", id)
	if err != nil {
		return nil, err
	}
	var old *data.Feature
	err = scanFeatures(rows, tb, tb.coll.Fields, func(f *data.Feature) error {
		old = &data.Feature{ID: f.ID, Geometry: f.Geometry, Properties: append([]any(nil), f.Properties...)}
		return nil
	})
	rows.Close()
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, fmt.Errorf("feature %d of collection %q: %w", id, tb.coll.ID, data.ErrNotFound)
	}
	if check != nil {
		if err := check(old); err != nil {
			return nil, err
		}
	}
	return old, nil
}

// row returns the columns and values that write r: the geometry (unless a patch has none)
// and, for a patch, the properties r has, else every property (missing ones NULL).
func (tb *table) row(r *data.Record, patch bool) ([]string, []any, error) {
	var cols []string
	var args []any
	declared := data.GeometryTypeName(tb.coll.GeometryType)
	if r.Geometry != nil || !patch {
		g, err := data.FitGeometry(r.Geometry, declared)
		if err != nil {
			return nil, nil, &data.RecordError{Where: r.Where, Field: "geometry", Err: err}
		}
		var blob []byte
		if g != nil {
			if blob, err = geo.EncodeGPKG(g, 4326); err != nil {
				return nil, nil, &data.RecordError{Where: r.Where, Field: "geometry", Err: err}
			}
		}
		cols, args = append(cols, quote(tb.geom)), append(args, blob)
	}
	var unknown string
	r.Each(func(name string, _ any) {
		if _, ok := tb.coll.Field(name); !ok && unknown == "" {
			unknown = name
		}
	})
	if unknown != "" {
		return nil, nil, &data.RecordError{Where: r.Where, Field: unknown, Err: fmt.Errorf("%w: collection %s has no such property", data.ErrSchema, tb.coll.ID)}
	}
	for _, f := range tb.coll.Fields {
		v, given := r.Property(f.Name)
		if patch && !given {
			continue
		}
		sv, err := storedValue(f, v)
		if err != nil {
			return nil, nil, &data.RecordError{Where: r.Where, Field: f.Name, Err: err}
		}
		cols, args = append(cols, quote(f.Name)), append(args, sv)
	}
	return cols, args, nil
}

// beginWrite starts a write transaction (BEGIN IMMEDIATE: see openDB), waiting up to the
// busy timeout for another writer to finish; past it, the error wraps data.ErrBusy.
func (s *Store) beginWrite(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
		return nil, fmt.Errorf("%w (%v)", data.ErrBusy, err)
	}
	return tx, err
}
