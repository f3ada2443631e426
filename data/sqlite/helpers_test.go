package sqlite

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb/geojson"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/seed"
)

// requireTool skips the test when the command is missing, except in CI, where .ci/run
// installs it and its absence is a failure.
func requireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI but not installed (apt-get install gdal-bin)", name)
		}
		t.Skipf("%s not installed (apt-get install gdal-bin); skipping", name)
	}
}

// seededFile creates a GeoPackage from the built-in dataset in a temporary directory.
func seededFile(t testing.TB) string {
	t.Helper()
	layers, err := seed.Layers()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "seed.gpkg")
	if err := Create(context.Background(), path, layers); err != nil {
		t.Fatal(err)
	}
	return path
}

// openStore opens path, failing the test on error; logs go to the returned buffer.
func openStore(t testing.TB, path string, opts Options) (*Store, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	s, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, &logs
}

// collect returns the features of q as GeoJSON-like values for comparison.
func collect(t testing.TB, s *Store, id string, q data.Query) []*geojson.Feature {
	t.Helper()
	coll, err := s.Collection(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	fields, err := coll.Selected(q.Properties)
	if err != nil {
		t.Fatal(err)
	}
	var out []*geojson.Feature
	err = s.Features(context.Background(), id, q, func(f *data.Feature) error {
		g := geojson.NewFeature(f.Geometry)
		g.ID = f.ID
		for i, fld := range fields {
			g.Properties[fld.Name] = f.Properties[i]
		}
		out = append(out, g)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// ogr2ogr runs GDAL's ogr2ogr with args, failing the test on error.
func ogr2ogr(t testing.TB, args ...string) {
	t.Helper()
	requireTool(t, "ogr2ogr")
	out, err := exec.Command("ogr2ogr", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
	}
}
