package postgis

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harmattan/harmattan/data"
)

// Count returns the number of features matching q's filters. Counts are cached for a few
// seconds, and only while no change is known, because paging clients (QGIS pages with
// limit=1000 and reads numberMatched on every page) would otherwise recount the same matches on
// every page.
func (s *Store) Count(ctx context.Context, id string, q data.Query) (int64, error) {
	t, err := s.table(id)
	if err != nil {
		return 0, err
	}
	q.After, q.Limit, q.Offset, q.Properties = 0, 0, 0, nil
	key := fmt.Sprintf("%s|%v|%v|%v|%v", id, q.BBox, q.Time.Start, q.Time.End, q.Filters)
	version := s.listen.version() + "/" + strconv.FormatUint(s.counts.writes.Load(), 10)
	if n, ok := s.counts.get(key, version); ok {
		return n, nil
	}
	var w where
	if err := t.filter(q, &w); err != nil {
		return 0, err
	}
	var n int64
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM "+t.ident()+" AS t"+w.String(), w.args...).Scan(&n); err != nil {
		return 0, readError(err)
	}
	s.counts.put(key, version, n)
	return n, nil
}

// countCache maps a filter to its count, for countTTL and one change-log version.
type countCache struct {
	mu      sync.Mutex
	version string
	m       map[string]countEntry
	// writes counts the store's own writes, which the version includes: a store's counts
	// follow its writes at once, not only when their notification arrives.
	writes atomic.Uint64
}

type countEntry struct {
	n  int64
	at time.Time
}

const (
	countCacheMax = 4096
	// countTTL bounds how stale a count may be after a write that announced nothing (by a
	// program other than Harmattan).
	countTTL = 10 * time.Second
)

func (c *countCache) get(key, version string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		c.version, c.m = version, nil
		return 0, false
	}
	e, ok := c.m[key]
	if !ok || time.Since(e.at) > countTTL {
		return 0, false
	}
	return e.n, true
}

func (c *countCache) put(key, version string, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		return
	}
	if c.m == nil || len(c.m) >= countCacheMax {
		c.m = map[string]countEntry{}
	}
	c.m[key] = countEntry{n, time.Now()}
}
