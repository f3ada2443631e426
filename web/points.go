package web

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/tiles"
)

// pointLayers keeps in-memory copies (tiles.Points) of the store's point collections, so that
// their tiles are built without reading thousands of rows from the database for each one. A
// copy is used only while the store's data version is the one it was read at; otherwise tiles
// come from the store, which is always right, and a fresh copy is read in the background.
// Tiles have the same bytes either way.
type pointLayers struct {
	store    data.Store
	versions data.Versioned // nil: the store cannot say when its data changes, so no copies
	budget   int64          // bytes for all copies together
	log      *slog.Logger

	mu     sync.Mutex
	layers map[string]*pointLayer
}

type pointLayer struct {
	version  string
	points   *tiles.Points // nil while the first copy is read, or if the layer cannot be copied
	fields   []data.Field
	building bool
	next     time.Time // earliest start of the next copy: copying takes at most a third of the time
}

func newPointLayers(store data.Store, budget int64, log *slog.Logger) *pointLayers {
	pl := &pointLayers{store: store, budget: budget, log: log, layers: map[string]*pointLayer{}}
	if v, ok := store.(data.Versioned); ok && budget > 0 {
		pl.versions = v
	}
	return pl
}

// get returns the current copy of coll, or nil when tiles must come from the store. It starts
// reading a copy when there is none for the current version.
func (pl *pointLayers) get(ctx context.Context, coll data.Collection) *tiles.Points {
	if pl.versions == nil || coll.GeometryType != "Point" {
		return nil
	}
	version, err := pl.versions.Version(ctx)
	if err != nil {
		return nil
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	l := pl.layers[coll.ID]
	if l == nil {
		l = &pointLayer{}
		pl.layers[coll.ID] = l
	}
	if l.version == version && l.points != nil && slices.Equal(l.fields, coll.Fields) {
		return l.points
	}
	if l.version != version && !l.building && !time.Now().Before(l.next) {
		l.building = true
		// The copy outlives this request, but keeps its context's values.
		go pl.build(context.WithoutCancel(ctx), coll, l, pl.used(coll.ID))
	}
	return nil
}

// used returns the bytes held by the copies of other layers than id. The caller holds mu.
func (pl *pointLayers) used(id string) int64 {
	var n int64
	for other, l := range pl.layers {
		if other != id && l.points != nil {
			n += l.points.Bytes()
		}
	}
	return n
}

var errNotPoints = errors.New("not every feature is a point")

func (pl *pointLayers) build(ctx context.Context, coll data.Collection, l *pointLayer, used int64) {
	start := time.Now()
	version, err := pl.versions.Version(ctx)
	var p *tiles.Points
	var dropped []string
	if err == nil {
		p, dropped, err = pl.read(ctx, coll, pl.budget-used)
	}
	took := time.Since(start)
	pl.mu.Lock()
	defer pl.mu.Unlock()
	l.building, l.next = false, time.Now().Add(2*took)
	l.version, l.points, l.fields = version, p, coll.Fields
	if err != nil {
		pl.log.Warn("tiles of this point layer come from the database", "layer", coll.ID, "reason", err)
		return
	}
	pl.log.Info("point layer held in memory for tiles", "layer", coll.ID, "features", p.Len(),
		"MiB", p.Bytes()>>20, "seconds", took.Seconds(), "left_out", dropped)
}

// read copies every feature of coll, failing when one is not a point. When the copy would take
// more than budget bytes, it leaves out the properties that take the most (long free text,
// typically) until it fits; tiles that ask for those come from the store.
func (pl *pointLayers) read(ctx context.Context, coll data.Collection, budget int64) (*tiles.Points, []string, error) {
	names := make([]string, len(coll.Fields))
	for i, f := range coll.Fields {
		names[i] = f.Name
	}
	b := tiles.NewPointsBuilder(names)
	var dropped []string
	fit := func() error {
		for b.Bytes() > budget {
			name, ok := b.DropLargest()
			if !ok {
				return errors.New("the points alone need more memory than --tile-points-mb sets aside")
			}
			dropped = append(dropped, name)
		}
		return nil
	}
	err := pl.store.Features(ctx, coll.ID, data.Query{}, func(f *data.Feature) error {
		if f.Geometry == nil {
			return nil // tiles skip these too
		}
		p, ok := f.Geometry.(orb.Point)
		if !ok {
			return errNotPoints
		}
		b.Add(f.ID, p, f.Properties)
		if b.Len()%4096 == 0 {
			return fit()
		}
		return nil
	})
	if err == nil {
		err = fit()
	}
	if err != nil {
		return nil, nil, err
	}
	return b.Build(), dropped, nil
}

// pointFilters turns the tile request's filters that apply to coll into filters on its copy,
// or returns false when one cannot be decided in memory exactly as the store decides it.
func pointFilters(p *tiles.Points, coll data.Collection, q data.Query) ([]tiles.PointFilter, bool) {
	var out []tiles.PointFilter
	sure := true
	if tf := coll.TemporalField; tf != "" && !q.Time.IsZero() {
		f, _ := coll.Field(tf)
		col := p.Column(tf)
		if col < 0 {
			return nil, false
		}
		out = append(out, p.Filter(col, true, func(v any) bool {
			in, ok := f.InInterval(v, q.Time)
			sure = sure && ok
			return in
		}))
	}
	for _, flt := range q.Filters {
		f, ok := coll.Field(flt.Field)
		if !ok {
			continue // the filter is for another layer of a composite tile
		}
		col := p.Column(f.Name)
		if col < 0 {
			return nil, false
		}
		out = append(out, p.Filter(col, false, func(v any) bool {
			eq, ok := f.Equal(v, flt.Value)
			sure = sure && ok
			return eq
		}))
	}
	return out, sure
}
