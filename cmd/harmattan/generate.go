package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/synthetic"
)

// generate runs `harmattan generate`: synthetic ACLED-like incidents for benchmarks and load
// tests, every one marked synthetic=true, written to a layer of their own.
func generate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "GeoPackage file (created when missing) or postgres:// URL to write to (required)")
	layer := fs.String("layer", synthetic.IncidentsLayer, "layer to create (only incidents-like layers are generated)")
	count := fs.Int("count", 100000, "number of incidents")
	seed := fs.Uint64("seed", 1, "random seed: the same seed and count give the same data")
	replace := fs.Bool("replace", false, "replace the layer if it exists (it is never mixed with other data)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: harmattan generate --db FILE|URL [--layer incidents] [--count N] [--seed S] [--replace]\n\n"+
			"Write synthetic incidents clustered around Malian towns, for benchmarks. They are marked\n"+
			"synthetic=true and go into their own layer, never into the curated one.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *db == "" || fs.NArg() > 0 || *count < 1 {
		fs.Usage()
		return errors.New("generate: --db is required, --count must be at least 1, and no other arguments are taken")
	}
	fields, geomType, temporal, _ := synthetic.IncidentsSchema()
	return withWritableStore(ctx, *db, func(s writableStore) error {
		if _, err := s.Collection(ctx, *layer); err == nil && !*replace {
			return fmt.Errorf("%s: layer %s exists; give --replace to overwrite it with synthetic data", dbName(*db), *layer)
		}
		start := time.Now()
		res, err := s.Import(ctx, data.ImportSpec{Layer: *layer, Mode: data.Replace, Fields: fields,
			GeometryType: geomType, TemporalField: temporal, Title: "Synthetic incidents (benchmark data)"},
			synthetic.Incidents(*seed, *count))
		if err != nil {
			return err
		}
		took := time.Since(start)
		fmt.Fprintf(stdout, "generated %d synthetic incidents into %s layer %s in %.1f s (%.0f/s)\n",
			res.Inserted, dbName(*db), *layer, took.Seconds(), float64(res.Inserted)/took.Seconds())
		return nil
	})
}
