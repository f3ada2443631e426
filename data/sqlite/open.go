// Package sqlite is the default Store: a GeoPackage 1.x file (an SQLite database) read through
// mattn/go-sqlite3, with bbox queries answered by the GeoPackage R-tree index.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/harmattan/harmattan/data"
)

var _ data.Store = (*Store)(nil)

// ErrNotGeoPackage is wrapped by Open's error for a file that is not a usable GeoPackage.
var ErrNotGeoPackage = errors.New("not a GeoPackage")

// Options tune Open.
type Options struct {
	// TimeFields overrides the temporal property per collection id (default: the first DATE
	// or DATETIME column of the table).
	TimeFields map[string]string
	// Logger receives one line per table that is skipped and why. Nil means slog.Default().
	Logger *slog.Logger
	// ReadOnly opens the file without ever writing to it, not even to switch it to WAL mode:
	// for reading someone else's file, such as an import's source.
	ReadOnly bool
	// BusyTimeout is how long a write waits for another process's write to finish before it
	// fails with data.ErrBusy (default DefaultBusyTimeout).
	BusyTimeout time.Duration
}

// Store serves every feature table of one GeoPackage file as a collection.
type Store struct {
	db   *sql.DB
	meta *sql.DB // two connections of its own for the catalog, versions and the change log,
	// so that they never wait behind a pool full of long reads
	path   string
	opts   Options
	cat    atomic.Pointer[catalog]
	seen   atomic.Pointer[seen] // the last Version seen
	watch  watcher
	looks  singleflight.Group // Version's looks at the schema, by file version
	counts *countCache
	totals totals // table sizes for choosing a plan, a little old at times
}

// Open validates the GeoPackage at path without writing to it, then opens it for serving (in
// WAL mode) and reads its catalog. A file that is missing, is not an SQLite database, lacks
// the GeoPackage core tables or fails SQLite's quick_check is refused with an error wrapping
// ErrNotGeoPackage (or the os error), and is left untouched.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := check(ctx, path); err != nil {
		return nil, err
	}
	mode := "rw"
	if opts.ReadOnly {
		mode = "ro"
	}
	return open(ctx, path, opts, mode)
}

func open(ctx context.Context, path string, opts Options, mode string) (*Store, error) {
	db := openDB(path, mode, opts.BusyTimeout)
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	meta := openDB(path, mode, opts.BusyTimeout)
	meta.SetMaxOpenConns(3)
	meta.SetMaxIdleConns(3)
	s := &Store{db: db, meta: meta, path: path, opts: opts, counts: &countCache{}}
	sig := fileVersion(path)
	token, err := s.dataVersion(ctx)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.seen.Store(&seen{sig: sig, token: token})
	if err := s.loadCatalog(ctx, opts); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// check refuses anything but a sound GeoPackage, opening the file read-only.
func check(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 100)
	if _, err := io.ReadFull(f, head); err != nil || string(head[:16]) != "SQLite format 3\x00" {
		return fmt.Errorf("%s: %w: it is not an SQLite database file", path, ErrNotGeoPackage)
	}
	switch id := binary.BigEndian.Uint32(head[68:72]); id {
	case applicationID, 0x47503130, 0x47503131, 0: // "GPKG", "GP10", "GP11", unset
	default:
		return fmt.Errorf("%s: %w: its SQLite application_id is 0x%08x, not GPKG", path, ErrNotGeoPackage, id)
	}
	db, closeDB := openReadOnly(path)
	defer closeDB()
	var result string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&result); err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrNotGeoPackage, err)
	}
	if result != "ok" {
		return fmt.Errorf("%s: %w: the database is corrupt (quick_check: %s)", path, ErrNotGeoPackage, result)
	}
	for _, t := range []string{"gpkg_spatial_ref_sys", "gpkg_contents", "gpkg_geometry_columns"} {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type IN ('table','view') AND name = ?", t).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w: %v", path, ErrNotGeoPackage, err)
		}
		if n == 0 {
			return fmt.Errorf("%s: %w: table %s is missing", path, ErrNotGeoPackage, t)
		}
	}
	return nil
}

// Collections lists the served collections ordered by id.
func (s *Store) Collections(ctx context.Context) ([]data.Collection, error) {
	cat := s.cat.Load()
	out := make([]data.Collection, 0, len(cat.ids))
	for _, id := range cat.ids {
		out = append(out, cat.tables[id].coll)
	}
	return out, ctx.Err()
}

// Collection returns one collection's metadata or an error wrapping data.ErrNotFound.
func (s *Store) Collection(ctx context.Context, id string) (data.Collection, error) {
	t, err := s.table(id)
	if err != nil {
		return data.Collection{}, err
	}
	return t.coll, ctx.Err()
}

func (s *Store) table(id string) (*table, error) {
	t, ok := s.cat.Load().tables[id]
	if !ok {
		return nil, fmt.Errorf("collection %q: %w", id, data.ErrNotFound)
	}
	return t, nil
}

// Ping checks that the file can be read (data.Pinger).
func (s *Store) Ping(ctx context.Context) error {
	var n int
	return s.meta.QueryRowContext(ctx, "SELECT count(*) FROM gpkg_contents").Scan(&n)
}

// Close closes the database.
func (s *Store) Close() error {
	s.closeWatch()
	return errors.Join(s.meta.Close(), s.db.Close())
}

func sortedKeys(m map[string]*table) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Path returns the file the store serves.
func (s *Store) Path() string { return s.path }
