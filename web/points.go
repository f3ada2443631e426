package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/tiles"
)

// pointLayers keeps in-memory copies (tiles.Points) of the store's point collections, so that
// their tiles are built without reading thousands of rows from the database for each one. A
// copy serves a tile only when it holds every write made before the tile was asked for; tiles
// have the same bytes either way.
//
// After writes the store logged with their bounds (data.ChangeLog), the copy is patched: the
// features within those bounds are read again and swapped in, which takes milliseconds, and
// tile requests wait for the patch rather than read the store. Anything else (a write the log
// does not bound, a store without a log, a new schema) reads the whole layer again in the
// background, and tiles come from the store meanwhile.
type pointLayers struct {
	store    data.Store
	versions data.Versioned // nil: the store cannot say when its data changes, so no copies
	changes  data.ChangeLog // nil: every change reads the whole layer again
	budget   int64          // bytes for all copies together
	log      *slog.Logger
	tickets  atomic.Uint64 // orders version reads: a copy read after a request's read is current for it

	mu     sync.Mutex
	layers map[string]*pointLayer
}

type pointLayer struct {
	version string
	ticket  uint64        // taken just after version was read, before the data was
	seq     int64         // the change log's last entry when the data was read
	points  *tiles.Points // nil while the first copy is read, or if the layer cannot be copied
	fields  []data.Field
	// building is closed when the copy being made is ready; nil when none is. patching tells
	// a patch (wait for it) from a whole read (do not).
	building chan struct{}
	patching bool
	stale    bool      // a write the log does not bound: points is behind until the whole read ends
	next     time.Time // earliest start of the next whole read: reading takes at most a third of the time
}

func newPointLayers(store data.Store, budget int64, log *slog.Logger) *pointLayers {
	pl := &pointLayers{store: store, budget: budget, log: log, layers: map[string]*pointLayer{}}
	if v, ok := store.(data.Versioned); ok && budget > 0 {
		pl.versions = v
	}
	pl.changes, _ = store.(data.ChangeLog)
	return pl
}

// version reads the store's version and takes a ticket after it.
func (pl *pointLayers) version(ctx context.Context) (string, uint64, error) {
	v, err := pl.versions.Version(ctx)
	return v, pl.tickets.Add(1), err
}

// get returns a copy of coll that holds every write made before the call, or nil when tiles
// must come from the store (see current).
func (pl *pointLayers) get(ctx context.Context, coll data.Collection) *tiles.Points {
	if p, fresh := pl.current(ctx, coll); fresh {
		return p
	}
	return nil
}

// current returns a copy of coll that holds every write made before the call (fresh), or, while
// the whole layer is read again after a write the log does not bound, the copy from before it
// (not fresh: its tiles are not to be cached), or nil when tiles must come from the store. It
// starts a patch or a whole read when the copy is behind, and waits for a patch (as long as ctx
// allows) but not for a whole read.
func (pl *pointLayers) current(ctx context.Context, coll data.Collection) (*tiles.Points, bool) {
	if pl.versions == nil || coll.GeometryType != "Point" {
		return nil, false
	}
	version, ticket, err := pl.version(ctx)
	if err != nil {
		return nil, false
	}
	for range 3 { // a patch under way may have begun before our read: then wait for the next
		pl.mu.Lock()
		l := pl.layers[coll.ID]
		if l == nil {
			l = &pointLayer{}
			pl.layers[coll.ID] = l
		}
		sameFields := slices.Equal(l.fields, coll.Fields)
		if l.points != nil && sameFields && (l.version == version || l.ticket > ticket) {
			pl.mu.Unlock()
			return l.points, true
		}
		if l.building == nil {
			patching := l.points != nil && pl.changes != nil && sameFields
			// A whole read is not tried again for a version it failed at, nor too often.
			if !patching && (l.version == version || time.Now().Before(l.next)) {
				pl.mu.Unlock()
				return nil, false
			}
			l.building, l.patching = make(chan struct{}), patching
			// The copy outlives this request, but keeps its context's values.
			go pl.build(context.WithoutCancel(ctx), coll, l, pl.used(coll.ID))
		}
		done, patching, stale := l.building, l.patching, l.stale && l.points != nil && sameFields
		p := l.points
		pl.mu.Unlock()
		if !patching {
			if stale {
				return p, false
			}
			return nil, false
		}
		select {
		case <-done:
		case <-ctx.Done():
			return nil, false
		}
	}
	return nil, false
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

// errWholeRead is why a patch gives way to reading the whole layer.
var errWholeRead = errors.New("the changes cannot be patched in")

// build patches l's copy if it is patching, falling back to reading the whole layer, and
// publishes the result.
//
// A copy is labelled with the store's version read before its data, and with the change log's
// position read before that version: so the next patch, reading the log from there, sees
// every logged write the version moved for (some again, which is harmless), and a version that
// moved with nothing in the log can only be a write that logs nothing.
func (pl *pointLayers) build(ctx context.Context, coll data.Collection, l *pointLayer, used int64) {
	start := time.Now()
	pl.mu.Lock()
	old, oldVersion, oldSeq, patching := l.points, l.version, l.seq, l.patching
	pl.mu.Unlock()
	var (
		p       *tiles.Points
		seq     = oldSeq
		version string
		ticket  uint64
		dropped []string
		err     error
		whole   = !patching
	)
	if patching {
		p, seq, version, ticket, err = pl.patch(ctx, coll, old, oldVersion, oldSeq)
		if errors.Is(err, errWholeRead) {
			pl.log.Info("reading a point layer again", "layer", coll.ID, "reason", err)
			whole, err, seq = true, nil, oldSeq
			// Those waiting for a patch take the copy as it is, behind (their tiles are not
			// cached), rather than wait for this or read the store.
			pl.mu.Lock()
			close(l.building)
			l.building, l.patching, l.stale = make(chan struct{}), false, true
			pl.mu.Unlock()
		}
	}
	if err == nil && whole {
		if pl.changes != nil {
			_, seq, err = pl.changes.Changes(ctx, oldSeq)
		}
		if err == nil {
			version, ticket, err = pl.version(ctx)
		}
		if err == nil {
			p, dropped, err = pl.read(ctx, coll, pl.budget-used)
		}
	}
	took := time.Since(start)
	pl.mu.Lock()
	defer pl.mu.Unlock()
	close(l.building)
	l.building, l.stale = nil, false
	if whole {
		l.next = time.Now().Add(2 * took)
	}
	if err != nil {
		l.version, l.ticket, l.points = version, ticket, nil
		pl.log.Warn("tiles of this point layer come from the database", "layer", coll.ID, "reason", err)
		return
	}
	l.version, l.ticket, l.seq, l.points, l.fields = version, ticket, seq, p, coll.Fields
	if whole {
		pl.log.Info("point layer held in memory for tiles", "layer", coll.ID, "features", p.Len(),
			"MiB", p.Bytes()>>20, "seconds", took.Seconds(), "left_out", dropped)
	}
}

// patch brings old (labelled with the change log at seq) up to date by reading again the
// features within the bounds of coll's changes since (read with sinceLog, so that the data
// covers every logged write the version includes), and returns it with its label. It returns
// errWholeRead when a change is not bounded: one of a program that logs nothing (the version
// moved from known, the log did not), or of a whole layer.
func (pl *pointLayers) patch(ctx context.Context, coll data.Collection, old *tiles.Points, known string, seq int64) (*tiles.Points, int64, string, uint64, error) {
	var ticket uint64
	withTicket := func(ctx context.Context) (string, error) {
		v, t, err := pl.version(ctx)
		ticket = t
		return v, err
	}
	changes, last, version, err := sinceLog(ctx, pl.changes, withTicket, known, seq)
	if err != nil {
		return nil, 0, "", 0, err
	}
	if len(changes) == 0 {
		return nil, 0, "", 0, fmt.Errorf("%w: the data changed, the log did not (a program that logs nothing wrote)", errWholeRead)
	}
	var gone []orb.Bound
	for _, c := range changes {
		switch {
		case c.Layer == "" || c.Layer == coll.ID && len(c.Bounds) == 0:
			return nil, 0, "", 0, fmt.Errorf("%w: change %d is not bounded", errWholeRead, c.Seq)
		case c.Layer == coll.ID:
			gone = append(gone, c.Bounds...)
		}
	}
	if len(gone) == 0 {
		return old, last, version, ticket, nil // other layers changed
	}
	if len(gone) > maxPatchBounds {
		return nil, 0, "", 0, fmt.Errorf("%w: %d areas changed", errWholeRead, len(gone))
	}
	seen := map[int64]bool{}
	var add []tiles.PatchPoint
	for _, b := range gone {
		// Patch drops points up to 1e-9° outside b (as Select keeps them): read a little more.
		wide := b.Pad(2e-9)
		err := pl.store.Features(ctx, coll.ID, data.Query{BBox: &wide}, func(f *data.Feature) error {
			if f.Geometry == nil || seen[f.ID] {
				return nil
			}
			p, ok := f.Geometry.(orb.Point)
			if !ok {
				return errNotPoints
			}
			seen[f.ID] = true
			add = append(add, tiles.PatchPoint{ID: f.ID, Point: p, Props: slices.Clone(f.Properties)})
			return nil
		})
		if err != nil {
			return nil, 0, "", 0, err
		}
	}
	return old.Patch(gone, add), last, version, ticket, nil
}

// maxPatchBounds is the most changed areas a patch reads again; more, and reading the whole
// layer is as quick.
const maxPatchBounds = 2048

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
