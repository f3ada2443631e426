package web

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/tiles"
)

// freshness keeps the tile cache true to the data. Writes through this server drop the tiles
// they touch at once (invalidate). Writes by other processes (imports, other replicas, QGIS)
// are noticed within a second: when the store's version changes, the changes it logged are
// read and just their tiles dropped, and when the store logged nothing (a program that does not
// log, like QGIS or ogr2ogr) the whole cache is emptied.
type freshness struct {
	versions data.Versioned // nil: the store cannot tell
	changes  data.ChangeLog // nil: every outside change empties the cache
	cache    *tiles.Cache
	buffer   int // the largest buffer tiles are built with, in 4096ths of a tile
	log      *slog.Logger

	mu       sync.Mutex
	version  string
	seq      int64 // the last change read from the log
	checked  time.Time
	checking bool   // a request is looking at the store's version
	gen      uint64 // bumped whenever tiles are dropped
}

func newFreshness(store data.Store, cache *tiles.Cache, buffer int, log *slog.Logger) *freshness {
	f := &freshness{cache: cache, buffer: buffer, log: log}
	f.versions, _ = store.(data.Versioned)
	f.changes, _ = store.(data.ChangeLog)
	return f
}

// generation returns the cache's generation, first dropping what changed if the data did. A
// tile built from data read during one generation may only be cached in the same generation:
// otherwise it could hold data older than the change that dropped its predecessor.
//
// One request at a time looks (at most once a second), without holding up the others: they
// go on with the current generation, which the look bumps after dropping what changed, so a
// tile they build from older data is either dropped or never cached.
func (f *freshness) generation(ctx context.Context) uint64 {
	f.mu.Lock()
	if f.versions == nil || f.checking || time.Since(f.checked) < time.Second {
		defer f.mu.Unlock()
		return f.gen
	}
	f.checking, f.checked = true, time.Now()
	known, seq := f.version, f.seq
	f.mu.Unlock()

	var changes []data.Change
	var err error
	last := seq
	v := ""
	if f.changes != nil {
		changes, last, v, err = sinceLog(ctx, f.changes, f.versions.Version, known, seq)
	} else {
		v, err = f.versions.Version(ctx)
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	f.checking = false
	if v == "" || v == known || (err != nil && ctx.Err() != nil) {
		return f.gen // no change, or no answer: the next request looks again
	}
	first := known == ""
	f.version, f.seq = v, last
	switch {
	case first:
		return f.gen // the cache is empty, and the log only says where to start
	case err != nil:
		f.log.Warn("reading the change log; emptying the tile cache", "err", err)
		f.cache.Clear()
	case f.changes == nil || len(changes) == 0:
		f.cache.Clear() // changed by a program that does not log
	}
	for _, c := range changes {
		f.drop(c.Layer, c.Bounds)
	}
	f.gen++
	return f.gen
}

// sinceLog reads the change log from seq and the store's version in the order that makes them
// agree: the log before the version, and again after it when the version moved from known,
// keeping the position from before. So every logged write the version includes is among the
// changes (some are seen again next time, which is harmless), and a version that moved with
// nothing logged was a write by a program that logs nothing. A version can also move as a
// write begins (SQLite restarts its write-ahead log then): a data.WriteWaiter's write in
// progress is waited out, and both are read again. It returns the changes, the position to
// read from next time, and the version ("" if it could not be read, with the error).
func sinceLog(ctx context.Context, log data.ChangeLog, version func(context.Context) (string, error), known string, seq int64) ([]data.Change, int64, string, error) {
	changes, last, err := log.Changes(ctx, seq)
	v, verr := version(ctx)
	if verr != nil {
		return nil, seq, "", verr
	}
	if err != nil || v == known {
		return changes, last, v, err
	}
	later, _, err := log.Changes(ctx, last)
	if err != nil {
		return changes, last, v, err
	}
	changes = append(changes, later...)
	if w, ok := log.(data.WriteWaiter); ok && len(changes) == 0 && known != "" && w.WaitWrites(ctx) == nil {
		if v, err = version(ctx); err != nil {
			return nil, seq, "", err
		}
		changes, _, err = log.Changes(ctx, last)
	}
	return changes, last, v, err
}

// invalidate drops the tiles of layer that a write through this server touched.
func (f *freshness) invalidate(layer string, bounds []orb.Bound) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.drop(layer, bounds)
	f.gen++
}

// drop removes cached tiles; the caller holds mu.
func (f *freshness) drop(layer string, bounds []orb.Bound) {
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	switch {
	case layer == "":
		f.cache.Clear()
	case len(bounds) == 0:
		f.cache.Invalidate(layer, f.buffer, world)
	default:
		f.cache.Invalidate(layer, f.buffer, bounds...)
	}
}

// put caches a tile built during generation gen, unless tiles were dropped since: checking and
// putting under one lock, so that no drop falls between them.
func (f *freshness) put(gen uint64, key tiles.Key, e tiles.Entry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gen == gen {
		f.cache.Put(key, e)
	}
}
