package sqlite

import (
	"context"
	"fmt"
	"sync"

	"github.com/harmattan/harmattan/data"
)

// Count returns the number of features matching q's filters. Counts are cached per filter
// until the database file changes, because paging clients (QGIS pages with limit=1000 and
// reads numberMatched on every page) would otherwise recount the same matches on every page.
func (s *Store) Count(ctx context.Context, id string, q data.Query) (int64, error) {
	tb, err := s.table(id)
	if err != nil {
		return 0, err
	}
	q.After, q.Limit, q.Offset, q.Properties = 0, 0, 0, nil
	key := fmt.Sprintf("%s|%v|%v|%v|%v|%d", id, q.BBox, q.Time.Start, q.Time.End, q.Filters, q.MaxCount)
	if n, ok := s.counts.get(key); ok {
		return n, nil
	}
	sqlText, args, err := tb.countSQL(q)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, sqlText, args...).Scan(&n); err != nil {
		return 0, err
	}
	s.counts.put(key, n)
	return n, nil
}

// countSQL counts q's matches: from the R-tree alone for a bbox, joined to the table when
// other filters need its columns.
func (tb *table) countSQL(q data.Query) (string, []any, error) {
	q.After = 0 // a count ignores the page position
	var w where
	from := quote(tb.name) + " AS t"
	if q.BBox != nil {
		if tb.rtree != "" {
			from = quote(tb.rtree) + " AS r"
			if !q.Time.IsZero() || len(q.Filters) > 0 {
				from += " CROSS JOIN " + quote(tb.name) + " AS t ON t." + quote(tb.pk) + " = r.id"
			}
		}
		tb.bbox(*q.BBox, &w)
	}
	if err := tb.filters(q, &w, ""); err != nil {
		return "", nil, err
	}
	if q.MaxCount > 0 { // stop there: the count of a large bbox is the costly part of a page
		return "SELECT count(*) FROM (SELECT 1 FROM " + from + w.String() + " LIMIT ?)", append(w.args, q.MaxCount), nil
	}
	return "SELECT count(*) FROM " + from + w.String(), w.args, nil
}

// countCache maps a filter to its count. It empties itself whenever the database file or its
// write-ahead log changes size or modification time (any writer, in any process), and when it
// holds too many entries.
type countCache struct {
	path string
	mu   sync.Mutex
	sig  string
	m    map[string]int64
}

const countCacheMax = 4096

func newCountCache(path string) *countCache {
	return &countCache{path: path, m: map[string]int64{}}
}

func (c *countCache) get(key string) (int64, bool) {
	sig := fileVersion(c.path)
	c.mu.Lock()
	defer c.mu.Unlock()
	if sig != c.sig {
		c.sig, c.m = sig, map[string]int64{}
		return 0, false
	}
	n, ok := c.m[key]
	return n, ok
}

func (c *countCache) put(key string, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= countCacheMax {
		c.m = map[string]int64{}
	}
	c.m[key] = n
}
