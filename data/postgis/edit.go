package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// row returns the columns and value expressions that write r, with their values bound in w:
// the geometry (unless a patch has none) and, for a patch, the properties r has, else every
// property (missing ones NULL).
func (t *table) row(r *data.Record, patch bool, w *where) ([]string, []string, error) {
	var cols, exprs []string
	if r.Geometry != nil || !patch {
		b, err := t.geometryWKB(r.Geometry)
		if err != nil {
			return nil, nil, &data.RecordError{Where: r.Where, Field: "geometry", Err: err}
		}
		cols, exprs = append(cols, quote(t.geom)), append(exprs, t.geomFromWKB(w.arg(b)+"::bytea"))
	}
	var unknown string
	r.Each(func(name string, _ any) {
		if _, ok := t.coll.Field(name); !ok && unknown == "" {
			unknown = name
		}
	})
	if unknown != "" {
		return nil, nil, &data.RecordError{Where: r.Where, Field: unknown, Err: fmt.Errorf("%w: collection %s has no such property", data.ErrSchema, t.coll.ID)}
	}
	for _, f := range t.coll.Fields {
		v, given := r.Property(f.Name)
		if patch && !given {
			continue
		}
		pv, cast, err := t.param(f, v)
		if err != nil {
			return nil, nil, &data.RecordError{Where: r.Where, Field: f.Name, Err: err}
		}
		cols, exprs = append(cols, quote(f.Name)), append(exprs, w.arg(pv)+"::"+cast)
	}
	return cols, exprs, nil
}

// Insert adds features in one transaction (data.Editor).
func (s *Store) Insert(ctx context.Context, coll string, rs []*data.Record) ([]int64, error) {
	t, err := s.table(coll)
	if err != nil {
		return nil, err
	}
	if !t.serial {
		return nil, fmt.Errorf("%w: the key %s of collection %s has no sequence to number new features", data.ErrSchema, t.pk, coll)
	}
	ids := make([]int64, 0, len(rs))
	var bounds []orb.Bound
	var seq int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, r := range rs {
			var w where
			cols, exprs, err := t.row(r, false, &w)
			if err != nil {
				return err
			}
			var id int64
			err = tx.QueryRow(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) RETURNING %s::int8",
				t.ident(), strings.Join(cols, ", "), strings.Join(exprs, ", "), quote(t.pk)), w.args...).Scan(&id)
			if err != nil {
				return dbError(r.Where, err)
			}
			ids = append(ids, id)
			if b := data.Bounds(r.Geometry); b != nil {
				bounds = append(bounds, *b)
			}
		}
		return logChange(ctx, tx, t, union(bounds), false, &seq)
	})
	s.wrote(seq, err)
	return ids, err
}

// Update replaces or patches a feature (data.Editor).
func (s *Store) Update(ctx context.Context, coll string, id int64, r *data.Record, patch bool, check func(*data.Feature) error) (before, after orb.Bound, err error) {
	t, err := s.table(coll)
	if err != nil {
		return before, after, err
	}
	var w where
	cols, exprs, err := t.row(r, patch, &w)
	if err != nil {
		return before, after, err
	}
	var seq int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		old, err := t.current(ctx, tx, id, check)
		if err != nil {
			return err
		}
		if len(cols) > 0 {
			sets := make([]string, len(cols))
			for i := range cols {
				sets[i] = cols[i] + " = " + exprs[i]
			}
			_, err := tx.Exec(ctx, fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s", t.ident(), strings.Join(sets, ", "), quote(t.pk), w.arg(id)), w.args...)
			if err != nil {
				return dbError(r.Where, err)
			}
		}
		g := r.Geometry
		if g == nil && patch {
			g = old.Geometry
		}
		var bounds []orb.Bound
		if b := data.Bounds(old.Geometry); b != nil {
			before = *b
			bounds = append(bounds, *b)
		}
		if a := data.Bounds(g); a != nil {
			after = *a
			bounds = append(bounds, *a)
		}
		return logChange(ctx, tx, t, bounds, false, &seq)
	})
	s.wrote(seq, err)
	return before, after, err
}

// Delete removes a feature (data.Editor).
func (s *Store) Delete(ctx context.Context, coll string, id int64, check func(*data.Feature) error) (orb.Bound, error) {
	t, err := s.table(coll)
	if err != nil {
		return orb.Bound{}, err
	}
	var out orb.Bound
	var seq int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		old, err := t.current(ctx, tx, id, check)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM "+t.ident()+" WHERE "+quote(t.pk)+" = $1", id); err != nil {
			return err
		}
		var bounds []orb.Bound
		if b := data.Bounds(old.Geometry); b != nil {
			out = *b
			bounds = append(bounds, *b)
		}
		return logChange(ctx, tx, t, bounds, false, &seq)
	})
	s.wrote(seq, err)
	return out, err
}

// current reads feature id inside tx, locking its row, and lets check refuse the change.
func (t *table) current(ctx context.Context, tx pgx.Tx, id int64, check func(*data.Feature) error) (*data.Feature, error) {
	old, err := t.feature(ctx, tx, id, " FOR UPDATE")
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(old); err != nil {
			return nil, err
		}
	}
	return old, nil
}

// union returns one bound covering bs (nil for none): a batch of inserts is logged as one
// change.
func union(bs []orb.Bound) []orb.Bound {
	if len(bs) == 0 {
		return nil
	}
	u := bs[0]
	for _, b := range bs[1:] {
		u = u.Union(b)
	}
	return []orb.Bound{u}
}
