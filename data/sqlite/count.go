package sqlite

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/harmattan/harmattan/data"
)

// Count returns the number of features matching q's filters, or -1 when q.MaxCount is set and
// more features than that lie in q's bbox (data.Store). Counts are cached per filter until the
// database file changes, because paging clients (QGIS pages with limit=1000 and reads
// numberMatched on every page) would otherwise recount the same matches on every page.
func (s *Store) Count(ctx context.Context, id string, q data.Query) (int64, error) {
	tb, err := s.table(id)
	if err != nil {
		return 0, err
	}
	q.After, q.Limit, q.Offset, q.Properties = 0, 0, 0, nil
	key := fmt.Sprintf("%s|%v|%v|%v|%v|%d", id, q.BBox, q.Time.Start, q.Time.End, q.Filters, q.MaxCount)
	version, err := s.Version(ctx)
	if err != nil {
		return 0, err
	}
	if n, ok := s.counts.get(version, key); ok {
		return n, nil
	}
	sqlText, args, err := tb.countSQL(q)
	if err != nil {
		return 0, err
	}
	var n, read int64
	if q.MaxCount > 0 {
		err = s.db.QueryRowContext(ctx, sqlText, args...).Scan(&read, &n)
		if read > q.MaxCount {
			n = -1
		}
	} else {
		err = s.db.QueryRowContext(ctx, sqlText, args...).Scan(&n)
	}
	if err != nil {
		return 0, err
	}
	s.counts.put(version, key, n)
	return n, nil
}

// countSQL counts q's matches: from the R-tree alone for a bbox, joined to the table when
// other filters need its columns. With q.MaxCount it reads at most MaxCount+1 features of the
// bbox (of the table, without one) and gives how many it read and how many of those match.
func (tb *table) countSQL(q data.Query) (string, []any, error) {
	q.After = 0 // a count ignores the page position
	var box, rest where
	filtered := !q.Time.IsZero() || len(q.Filters) > 0
	from := quote(tb.name) + " AS t"
	if q.BBox != nil {
		if tb.rtree != "" {
			from = quote(tb.rtree) + " AS r"
			if filtered {
				from += " CROSS JOIN " + quote(tb.name) + " AS t ON t." + quote(tb.pk) + " = r.id"
			}
		}
		tb.bbox(*q.BBox, &box)
	}
	if err := tb.filters(q, &rest, ""); err != nil {
		return "", nil, err
	}
	if q.MaxCount <= 0 {
		all := where{conds: append(box.conds, rest.conds...), args: append(box.args, rest.args...)}
		return "SELECT count(*) FROM " + from + all.String(), all.args, nil
	}
	// The features of the bbox first, as many as the cap allows; then the other filters.
	matches := "count(*)"
	if filtered {
		matches = "coalesce(sum(CASE WHEN " + strings.Join(rest.conds, " AND ") + " THEN 1 ELSE 0 END), 0)"
	}
	args := append(append(rest.args, box.args...), q.MaxCount+1)
	if q.BBox != nil && tb.rtree != "" {
		inner := "SELECT r.id FROM " + quote(tb.rtree) + " AS r" + box.String() + " LIMIT ?"
		join := ""
		if filtered {
			join = " CROSS JOIN " + quote(tb.name) + " AS t ON t." + quote(tb.pk) + " = c.id"
		}
		return "SELECT count(*), " + matches + " FROM (" + inner + ") AS c" + join, args, nil
	}
	return "SELECT count(*), " + matches + " FROM (SELECT * FROM " + quote(tb.name) + " AS t" + box.String() + " LIMIT ?) AS t", args, nil
}

// countCache maps a filter to its count, for one version of the data (any commit by anyone
// empties it), holding at most countCacheMax counts.
type countCache struct {
	mu      sync.Mutex
	version string
	m       map[string]int64
}

const countCacheMax = 4096

func (c *countCache) get(version, key string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		c.version, c.m = version, nil
		return 0, false
	}
	n, ok := c.m[key]
	return n, ok
}

func (c *countCache) put(version, key string, n int64) {
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

// totals keeps each table's feature count for rtreeFirst's choice, which needs only its size:
// counted again when older than totalsAge, not after every write.
type totals struct {
	mu sync.Mutex
	m  map[string]total
}

type total struct {
	n  int64
	at time.Time
}

const totalsAge = 10 * time.Second

func (c *totals) get(ctx context.Context, s *Store, tb *table) (int64, error) {
	c.mu.Lock()
	t, ok := c.m[tb.name]
	c.mu.Unlock()
	if ok && time.Since(t.at) < totalsAge {
		return t.n, nil
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(tb.name)).Scan(&n); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]total{}
	}
	c.m[tb.name] = total{n, time.Now()}
	return n, nil
}
