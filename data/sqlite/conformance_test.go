package sqlite_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/sqlite"
	"github.com/harmattan/harmattan/data/storetest"
)

// TestConformance runs the store conformance suite on GeoPackage files made by Create.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, layers []data.Layer) storetest.Backend {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "conformance.gpkg")
		if err := sqlite.Create(ctx, path, layers); err != nil {
			t.Fatal(err)
		}
		s, err := sqlite.Open(ctx, path, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
