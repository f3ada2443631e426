package ingest

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/sqlite"
)

// gpkgBatch is how many features a GeoPackage source reads per query.
const gpkgBatch = 1000

// Tables returns the feature tables of the GeoPackage at path that can be imported, by
// collection id (the table name made URL-safe, as the server names its collections), in
// order. An error means the file is not a readable GeoPackage.
func Tables(path string) ([]string, error) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path, sqlite.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return tableIDs(ctx, st)
}

func tableIDs(ctx context.Context, st *sqlite.Store) ([]string, error) {
	colls, err := st.Collections(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(colls))
	for i, c := range colls {
		ids[i] = c.ID
	}
	return ids, nil
}

// gpkgFormat reads one feature table of a GeoPackage through data/sqlite, in pages of
// gpkgBatch features in id order. Geometries come in WGS84.
type gpkgFormat struct {
	name  string
	store *sqlite.Store
	coll  data.Collection
	total atomic.Int64
	done  atomic.Int64

	batch []gpkgFeature
	pos   int   // of the next feature in batch
	after int64 // the last id read
	eof   bool
}

// gpkgFeature is one feature read, with its values still as stored.
type gpkgFeature struct {
	id     int64
	geom   orb.Geometry
	values []any
}

// openGPKG opens the GeoPackage at path and picks its table: the one in opts.Tables, or the
// only one.
func openGPKG(path string, opts Options) (_ *gpkgFormat, err error) {
	// Open takes no context; opening only reads the catalog.
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path, sqlite.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	name := filepath.Base(path)
	ids, err := tableIDs(ctx, st)
	if err != nil {
		return nil, err
	}
	var id string
	switch {
	case len(opts.Tables) > 1:
		return nil, fmt.Errorf("%s: a source reads one table; %d were named (import each table as its own layer)", name, len(opts.Tables))
	case len(opts.Tables) == 1:
		id = opts.Tables[0]
		if !contains(ids, id) {
			return nil, fmt.Errorf("%s: no feature table %q; it has %s", name, id, listOrNone(ids))
		}
	case len(ids) == 1:
		id = ids[0]
	case len(ids) == 0:
		return nil, fmt.Errorf("%s: the GeoPackage has no feature table that can be read", name)
	default:
		return nil, fmt.Errorf("%s: the GeoPackage has %d feature tables (%s); choose one", name, len(ids), joinNames(ids))
	}
	coll, err := st.Collection(ctx, id)
	if err != nil {
		return nil, err
	}
	return &gpkgFormat{name: name, store: st, coll: coll}, nil
}

func (g *gpkgFormat) scan(ctx context.Context) (Schema, error) {
	sch := Schema{
		Fields:        append([]data.Field(nil), g.coll.Fields...),
		GeometryType:  schemaTypeName(g.coll.GeometryType),
		TemporalField: g.coll.TemporalField,
	}
	return sch, ctx.Err()
}

func (g *gpkgFormat) start() error {
	n, err := g.store.Count(context.Background(), g.coll.ID, data.Query{})
	if err != nil {
		return fmt.Errorf("%s: table %s: %w", g.name, g.coll.ID, err)
	}
	g.total.Store(n)
	g.done.Store(0)
	g.batch, g.pos, g.after, g.eof = nil, 0, 0, false
	return nil
}

// fill reads the next page of features.
func (g *gpkgFormat) fill() error {
	g.batch, g.pos = g.batch[:0], 0
	err := g.store.Features(context.Background(), g.coll.ID, data.Query{After: g.after, Limit: gpkgBatch}, func(f *data.Feature) error {
		g.batch = append(g.batch, gpkgFeature{id: f.ID, geom: f.Geometry, values: append([]any(nil), f.Properties...)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: table %s: %w", g.name, g.coll.ID, err)
	}
	if len(g.batch) < gpkgBatch {
		g.eof = true
	}
	if len(g.batch) > 0 {
		g.after = g.batch[len(g.batch)-1].id
	}
	return nil
}

func (g *gpkgFormat) next(ty *typing) (*data.Record, error) {
	if g.pos == len(g.batch) {
		if g.eof {
			return nil, io.EOF
		}
		if err := g.fill(); err != nil {
			return nil, err
		}
		if len(g.batch) == 0 {
			return nil, io.EOF
		}
	}
	f := g.batch[g.pos]
	g.pos++
	g.done.Add(1)
	where := g.name + ": table " + g.coll.ID + " feature " + strconv.FormatInt(f.id, 10)
	if err := checkGeometry(f.geom); err != nil {
		return nil, &Error{Where: where, Field: "geometry", Err: err}
	}
	props := make(map[string]any, len(f.values))
	for i, fld := range g.coll.Fields {
		t, known := ty.lookup(fld.Name)
		v, err := convertValue(f.values[i], t, known, false)
		if err != nil {
			return nil, &Error{Where: where, Field: fld.Name, Err: err}
		}
		props[fld.Name] = v
	}
	return &data.Record{Geometry: f.geom, Properties: props, Where: where}, nil
}

func (g *gpkgFormat) progress() (int64, int64) { return g.done.Load(), g.total.Load() }

func (g *gpkgFormat) close() error { return g.store.Close() }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func listOrNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return joinNames(ids)
}
