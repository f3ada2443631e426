// Package postgis is the Store for PostgreSQL with PostGIS: every table with a geometry column
// is a collection, in any SRID (reprojected to EPSG:4326 by PostGIS), read through a pgx
// connection pool with GiST-indexed bbox queries. Writes are recorded in a change log table and
// announced with NOTIFY, so that every replica serving the database drops its stale tiles.
package postgis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/harmattan/harmattan/data"
)

var (
	_ data.Store     = (*Store)(nil)
	_ data.Versioned = (*Store)(nil)
	_ data.ChangeLog = (*Store)(nil)
	_ data.Importer  = (*Store)(nil)
	_ data.Editor    = (*Store)(nil)
	_ data.Pinger    = (*Store)(nil)
)

// Options tune Open.
type Options struct {
	// TimeFields overrides the temporal property per collection id (default: the first date
	// or timestamp column of the table).
	TimeFields map[string]string
	// Logger receives a line per table that is skipped and why, and the listener's troubles.
	// Nil means slog.Default().
	Logger *slog.Logger
	// PoolSize is the most connections the store opens (0: pgx's default, 4 or the CPU count).
	// The change listener holds one more.
	PoolSize int
	// StatementTimeout ends any query that runs longer (0: 30 s). Imports have none.
	StatementTimeout time.Duration
	// ReadOnly makes every transaction read-only: the store cannot write.
	ReadOnly bool
}

// Store serves the geometry tables of one PostgreSQL database.
type Store struct {
	pool   *pgxpool.Pool
	opts   Options
	cat    atomic.Pointer[catalog]
	counts countCache
	listen *listener
	// schemaSeen is the listener's schema count the catalog was last read at.
	schemaSeen atomic.Uint64
	loadMu     sync.Mutex // one catalog load at a time
	reloading  sync.Mutex // held by the one Version call that reads a changed catalog
	pollMu     sync.Mutex // one poll of the change log at a time
	polled     time.Time  // when it was last polled, under pollMu
}

// IsURL tells whether db names a PostgreSQL database (postgres:// or postgresql://) rather
// than a file.
func IsURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Open connects to the database at url, checks that PostGIS is installed, reads the catalog
// and starts listening for changes. Every connection runs in UTC with the statement timeout.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.StatementTimeout <= 0 {
		opts.StatementTimeout = 30 * time.Second
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	if opts.PoolSize > 0 {
		cfg.MaxConns = int32(opts.PoolSize)
	}
	rt := cfg.ConnConfig.RuntimeParams
	rt["timezone"] = "UTC"
	rt["statement_timeout"] = fmt.Sprint(opts.StatementTimeout.Milliseconds())
	if rt["application_name"] == "" {
		rt["application_name"] = "harmattan"
	}
	// pgx prepares each statement once per connection. After five runs PostgreSQL would plan it
	// once for any values, and a generic plan cannot tell a town's bbox from a country's: it
	// chose a GiST scan of every match and a sort for both, 40 times slower on the reference
	// workload than the plans made for the actual values.
	if opts.ReadOnly {
		rt["default_transaction_read_only"] = "on"
	}
	if rt["plan_cache_mode"] == "" {
		rt["plan_cache_mode"] = "force_custom_plan"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Store{pool: pool, opts: opts}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%s: %w", Redact(url), err)
	}
	var version string
	err = pool.QueryRow(ctx, "SELECT extversion FROM pg_extension WHERE extname = 'postgis'").Scan(&version)
	if errors.Is(err, pgx.ErrNoRows) {
		pool.Close()
		return nil, fmt.Errorf("%s: PostGIS is not installed in this database (CREATE EXTENSION postgis)", Redact(url))
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	var standby bool
	if err := pool.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&standby); err != nil {
		pool.Close()
		return nil, err
	}
	if standby {
		opts.Logger.Info("the database is a hot standby: changes are learnt from the replicated change log, polled every second")
		s.listen = &listener{disabled: true}
	} else if s.listen, err = startListener(ctx, cfg.ConnConfig.Copy(), opts.Logger); err != nil {
		pool.Close()
		return nil, fmt.Errorf("listening for changes: %w", err)
	}
	if err := s.loadCatalog(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Ping checks that the database answers (data.Pinger).
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Close stops the listener and closes every connection.
func (s *Store) Close() error {
	s.listen.stop()
	s.pool.Close()
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

// Redact hides the password of a database URL, for messages.
func Redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	at := strings.LastIndexByte(rest, '@')
	if !ok || at < 0 {
		return url
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return url
	}
	return scheme + "://" + user + ":***@" + rest[at+1:]
}
