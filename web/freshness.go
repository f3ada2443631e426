package web

import (
	"context"
	"sync"
	"time"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/tiles"
)

// freshness empties the tile cache when the store's data changed behind the server's back
// (another program wrote to the file), looking at most once a second.
type freshness struct {
	versions data.Versioned // nil: the store cannot tell
	cache    *tiles.Cache

	mu      sync.Mutex
	version string
	checked time.Time
	gen     uint64 // how many times the cache was emptied
}

func newFreshness(store data.Store, cache *tiles.Cache) *freshness {
	v, _ := store.(data.Versioned)
	return &freshness{versions: v, cache: cache}
}

// generation returns the cache's generation, first emptying the cache if the data changed. A
// tile built from data read during one generation may only be cached in the same generation:
// otherwise it could hold data older than the change that emptied the cache.
func (f *freshness) generation(ctx context.Context) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.versions == nil || time.Since(f.checked) < time.Second {
		return f.gen
	}
	f.checked = time.Now()
	v, err := f.versions.Version(ctx)
	if err != nil || v == f.version {
		return f.gen
	}
	if f.version != "" {
		f.cache.Clear()
		f.gen++
	}
	f.version = v
	return f.gen
}

// current reports whether gen is still the cache's generation.
func (f *freshness) current(gen uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gen == gen
}
