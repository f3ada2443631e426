package postgis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"

	"github.com/harmattan/harmattan/data"
)

// Count returns the number of features matching q's filters, or -1 when q.MaxCount is set and
// more features than that lie in q's bbox (data.Store). Counts are cached until a change
// is known, because paging clients (QGIS pages with limit=1000 and reads numberMatched on every
// page) would otherwise recount the same matches on every page; and requests that ask for the
// same count at the same time share one query, as a count of a large bbox scans much of the
// table.
func (s *Store) Count(ctx context.Context, id string, q data.Query) (int64, error) {
	t, err := s.table(id)
	if err != nil {
		return 0, err
	}
	most := q.MaxCount
	q.After, q.Limit, q.Offset, q.Properties, q.MaxCount = 0, 0, 0, nil, 0
	var w where
	if err := t.filter(q, &w); err != nil {
		return 0, err
	}
	sqlText := "SELECT count(*), 0 FROM " + t.ident() + " AS t" + w.String()
	if most > 0 {
		// Read at most most+1 features of the bbox (of the table, without one), then count
		// those that pass the other filters: the bbox bounds the work, whatever they are.
		var box, rest where
		if q.BBox != nil {
			t.bbox(*q.BBox, &box)
		}
		rest.args = box.args // numbered parameters: one list for both
		others := q
		others.BBox = nil
		if err := t.filter(others, &rest); err != nil {
			return 0, err
		}
		matches := "count(*)"
		if len(rest.conds) > 0 {
			matches = "count(*) FILTER (WHERE " + strings.Join(rest.conds, " AND ") + ")"
		}
		limit := rest.arg(most + 1)
		box.args = nil
		sqlText = "SELECT " + matches + ", count(*) FROM (SELECT * FROM " + t.ident() + " AS t" + box.String() + " LIMIT " + limit + ") AS t"
		w.args = rest.args
	}
	key := fmt.Sprintf("%s|%v|%v|%v|%v|%d", id, q.BBox, q.Time.Start, q.Time.End, q.Filters, most)
	version := s.listen.version() + "/" + strconv.FormatUint(s.counts.writes.Load(), 10)
	if n, ok := s.counts.get(key, version); ok {
		return n, nil
	}
	// The query outlives a request that goes away while others wait for it; the statement
	// timeout still bounds it.
	shared := context.WithoutCancel(ctx)
	ch := s.counts.flight.DoChan(version+"|"+key, func() (any, error) {
		var n, read int64
		if err := s.pool.QueryRow(shared, sqlText, w.args...).Scan(&n, &read); err != nil {
			return int64(0), readError(err)
		}
		if most > 0 && read > most {
			n = -1 // more than most in the bbox: not counted
		}
		s.counts.put(key, version, n)
		return n, nil
	})
	select {
	case r := <-ch:
		return r.Val.(int64), r.Err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// countCache maps a filter to its count, for one version of the data: the change log's and the
// store's own writes, which it follows at once rather than when their notification arrives.
type countCache struct {
	mu      sync.Mutex
	version string
	m       map[string]int64
	writes  atomic.Uint64
	flight  singleflight.Group
}

const countCacheMax = 4096

func (c *countCache) get(key, version string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		c.version, c.m = version, nil
		return 0, false
	}
	n, ok := c.m[key]
	return n, ok
}

func (c *countCache) put(key, version string, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		return
	}
	if c.m == nil || len(c.m) >= countCacheMax {
		c.m = map[string]int64{}
	}
	c.m[key] = n
}
