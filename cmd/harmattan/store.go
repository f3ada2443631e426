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

// withWritableStore opens the GeoPackage at path for fn, creating an empty one when it does
// not exist; if fn fails, a file created here is removed again, so a failed command leaves
// nothing behind.
func withWritableStore(ctx context.Context, path string, fn func(writableStore) error) (err error) {
	created := false
	if _, statErr := os.Stat(path); errors.Is(statErr, os.ErrNotExist) {
		if err := sqlite.Create(ctx, path, nil); err != nil {
			return err
		}
		created = true
	}
	defer func() {
		if err != nil && created {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}
	}()
	s, err := sqlite.Open(ctx, path, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}
