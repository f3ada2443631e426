package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/geo"
)

// connector opens go-sqlite3 connections with the GeoPackage SQL functions registered, without
// registering a driver name in database/sql's global registry.
type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// openDB opens path with the given mode: SQLite's URI modes "ro", "rw" and "rwc" (the
// writable ones in WAL mode), or "private", for a file no other process sees yet (see Build):
// its rollback journal is kept in memory and nothing is synced.
func openDB(path, mode string, busy time.Duration) *sql.DB {
	q := url.Values{}
	q.Set("mode", mode)
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	q.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	switch mode {
	case "ro":
	case "private":
		q.Set("mode", "rw")
		q.Set("_journal_mode", "MEMORY")
		q.Set("_synchronous", "OFF")
		q.Set("_txlock", "immediate")
	default:
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "NORMAL")
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Opaque: url.PathEscape(path), RawQuery: q.Encode()}
	drv := &sqlite3.SQLiteDriver{ConnectHook: registerGPKGFuncs}
	return sql.OpenDB(connector{dsn: u.String(), drv: drv})
}

// DefaultBusyTimeout is how long a write waits for another to finish (an import holds the
// database while it commits) before it fails with data.ErrBusy: well within a request's
// deadline.
const DefaultBusyTimeout = 30 * time.Second

// cacheKiB is the page cache of each connection.
const cacheKiB = 8000

// registerGPKGFuncs adds the SQL functions that the GeoPackage R-tree triggers call
// (ST_IsEmpty, ST_MinX, ST_MaxX, ST_MinY, ST_MaxY), as GDAL and QGIS do, so that writes to a
// feature table keep its R-tree index current.
func registerGPKGFuncs(c *sqlite3.SQLiteConn) error {
	if _, err := c.Exec(fmt.Sprintf("PRAGMA cache_size=-%d", cacheKiB), nil); err != nil {
		return err
	}
	funcs := map[string]func(orb.Bound) float64{
		"ST_MinX": func(b orb.Bound) float64 { return b.Min[0] },
		"ST_MaxX": func(b orb.Bound) float64 { return b.Max[0] },
		"ST_MinY": func(b orb.Bound) float64 { return b.Min[1] },
		"ST_MaxY": func(b orb.Bound) float64 { return b.Max[1] },
	}
	for name, f := range funcs {
		f := f
		impl := func(blob []byte) any {
			b, ok := envelope(blob)
			if !ok {
				return nil
			}
			return f(b)
		}
		if err := c.RegisterFunc(name, impl, true); err != nil {
			return err
		}
	}
	return c.RegisterFunc("ST_IsEmpty", func(blob []byte) any {
		if blob == nil {
			return nil
		}
		_, ok := envelope(blob)
		return !ok
	}, true)
}

// envelope returns the bounding box of a GeoPackage geometry blob, from its header when it
// has one, else by decoding it. ok is false for empty or undecodable geometries.
func envelope(blob []byte) (orb.Bound, bool) {
	h, err := geo.ParseGPKGHeader(blob)
	if err != nil || h.Empty {
		return orb.Bound{}, false
	}
	if h.HasEnvelope {
		return h.Envelope, true
	}
	g, _, err := geo.DecodeGPKG(blob)
	if err != nil || g == nil {
		return orb.Bound{}, false
	}
	return g.Bound(), true
}
