package postgis_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/postgis"
	"github.com/harmattan/harmattan/data/postgis/pgtest"
	"github.com/harmattan/harmattan/data/storetest"
)

// TestConformance runs the store conformance suite on databases of its own (see pgtest), each
// filled through data.ImportLayer.
func TestConformance(t *testing.T) {
	pgtest.URL(t) // skip once, not in every test of the suite
	storetest.Run(t, func(t *testing.T, layers []data.Layer) storetest.Backend {
		ctx := context.Background()
		s, err := postgis.Open(ctx, pgtest.DB(t), postgis.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		for _, l := range layers {
			if _, err := data.ImportLayer(ctx, s, l); err != nil {
				t.Fatalf("layer %s: %v", l.Name, err)
			}
		}
		return s
	})
}
