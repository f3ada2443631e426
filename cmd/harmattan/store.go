package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/postgis"
	"github.com/harmattan/harmattan/data/sqlite"
)

// writableStore is what import, generate and migrate write through.
type writableStore interface {
	data.Store
	data.Importer
}

// dbOptions are the settings of either backend that commands pass on.
type dbOptions struct {
	timeFields map[string]string
	logger     *slog.Logger
	pool       int           // PostGIS: most connections (0: pgx's default)
	timeout    time.Duration // PostGIS: statement timeout (0: the store's default)
	// readOnly opens the database so that nothing can write to it: a GeoPackage read-only, a
	// PostGIS session with read-only transactions.
	readOnly bool
}

// openStore opens db for reading and writing: a PostgreSQL URL (postgres://...) or a
// GeoPackage file.
func openStore(ctx context.Context, db string, o dbOptions) (writableStore, error) {
	if o.logger == nil {
		o.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if postgis.IsURL(db) {
		return postgis.Open(ctx, db, postgis.Options{TimeFields: o.timeFields, Logger: o.logger, PoolSize: o.pool,
			StatementTimeout: o.timeout, ReadOnly: o.readOnly})
	}
	return sqlite.Open(ctx, db, sqlite.Options{TimeFields: o.timeFields, Logger: o.logger, ReadOnly: o.readOnly})
}

// withWritableStore opens db for fn: a PostgreSQL URL, or a GeoPackage file. When there is no
// such file it is built by fn under a temporary name and renamed into place only when fn
// succeeds, so a failed or killed command leaves nothing behind.
func withWritableStore(ctx context.Context, db string, fn func(writableStore) error) error {
	if !postgis.IsURL(db) {
		if _, err := os.Stat(db); errors.Is(err, os.ErrNotExist) {
			opts := sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			return sqlite.Build(ctx, db, opts, func(s *sqlite.Store) error { return fn(s) })
		}
	}
	s, err := openStore(ctx, db, dbOptions{})
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

// dbName is db as messages show it: a URL without its password.
func dbName(db string) string { return postgis.Redact(db) }
