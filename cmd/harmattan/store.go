package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/sqlite"
)

// writableStore is what import and generate write through.
type writableStore interface {
	data.Store
	data.Importer
}

// withWritableStore opens the GeoPackage at path for fn. When there is no such file it is
// built by fn under a temporary name and renamed into place only when fn succeeds, so a failed
// or killed command leaves nothing behind.
func withWritableStore(ctx context.Context, path string, fn func(writableStore) error) error {
	opts := sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return sqlite.Build(ctx, path, opts, func(s *sqlite.Store) error { return fn(s) })
	}
	s, err := sqlite.Open(ctx, path, opts)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}
