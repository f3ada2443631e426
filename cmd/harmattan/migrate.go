package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/seed"
)

// migrate runs `harmattan migrate`: it copies layers from one database to another (a
// GeoPackage file or a PostGIS URL, either way), keeping feature ids, schemas, titles and
// descriptions. Each layer is one transaction in the destination.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "GeoPackage file or postgres:// URL to copy from (default: the built-in Mali dataset)")
	to := fs.String("to", "", "GeoPackage file (created when missing) or postgres:// URL to copy to (required)")
	layers := fs.String("layers", "", "comma-separated collection ids to copy (default: all)")
	replace := fs.Bool("replace", false, "replace layers that exist in the destination (default: refuse)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: harmattan migrate [--from FILE|URL] --to FILE|URL [--layers a,b] [--replace]\n\n"+
			"Copy layers between a GeoPackage and PostGIS (or two of either), keeping feature ids.\n"+
			"Geometries arrive in EPSG:4326.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("migrate: --to is required, and no other arguments are taken")
	}
	var want map[string]bool
	if *layers != "" {
		want = map[string]bool{}
		for _, id := range strings.Split(*layers, ",") {
			want[strings.TrimSpace(id)] = true
		}
	}
	return withWritableStore(ctx, *to, func(dst writableStore) error {
		copyLayer := func(id string, write func() (data.ImportResult, error)) error {
			if _, err := dst.Collection(ctx, id); err == nil && !*replace {
				return fmt.Errorf("migrate: %s already has layer %s; give --replace to overwrite it", dbName(*to), id)
			}
			start := time.Now()
			res, err := write()
			if err != nil {
				return fmt.Errorf("migrate: layer %s: %w (nothing of it was written)", id, err)
			}
			fmt.Fprintf(stdout, "copied layer %s: %d features in %.1f s\n", id, res.Inserted, time.Since(start).Seconds())
			return nil
		}
		if *from == "" {
			return migrateSeed(ctx, dst, want, *replace, copyLayer)
		}
		src, err := openStore(ctx, *from, dbOptions{logger: slog.New(slog.NewTextHandler(stderr, nil))})
		if err != nil {
			return err
		}
		defer src.Close()
		colls, err := src.Collections(ctx)
		if err != nil {
			return err
		}
		for id := range want {
			if _, err := src.Collection(ctx, id); err != nil {
				return fmt.Errorf("migrate: %s: %w", dbName(*from), err)
			}
		}
		for _, c := range colls {
			if want != nil && !want[c.ID] {
				continue
			}
			if err := copyLayer(c.ID, func() (data.ImportResult, error) { return copyCollection(ctx, src, dst, c, *replace) }); err != nil {
				return err
			}
		}
		return nil
	})
}

// migrateSeed writes the built-in dataset's layers.
func migrateSeed(ctx context.Context, dst writableStore, want map[string]bool, replace bool, copyLayer func(string, func() (data.ImportResult, error)) error) error {
	layers, err := seed.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		if want != nil && !want[l.Name] {
			continue
		}
		if err := copyLayer(l.Name, func() (data.ImportResult, error) {
			if replace {
				return data.ImportLayerMode(ctx, dst, l, data.Replace)
			}
			return data.ImportLayer(ctx, dst, l)
		}); err != nil {
			return err
		}
	}
	return nil
}

// copyCollection streams collection c of src into dst as one import.
func copyCollection(ctx context.Context, src data.Store, dst data.Importer, c data.Collection, replace bool) (data.ImportResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	records := make(chan *data.Record, 256)
	readErr := make(chan error, 1)
	go func() {
		defer close(records)
		readErr <- src.Features(ctx, c.ID, data.Query{}, func(f *data.Feature) error {
			r := &data.Record{ID: f.ID, Geometry: f.Geometry, Properties: make(map[string]any, len(c.Fields)),
				Where: fmt.Sprintf("%s feature %d", c.ID, f.ID)}
			for i, fl := range c.Fields {
				r.Properties[fl.Name] = f.Properties[i]
			}
			select {
			case records <- r:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	mode := data.Append
	if replace {
		mode = data.Replace
	}
	spec := data.ImportSpec{Layer: c.ID, Mode: mode, Fields: c.Fields, GeometryType: data.GeometryTypeName(c.GeometryType),
		TemporalField: c.TemporalField, Title: c.Title, Description: c.Description}
	res, err := dst.Import(ctx, spec, func() (*data.Record, error) {
		if r, ok := <-records; ok {
			return r, nil
		}
		if err := <-readErr; err != nil {
			return nil, err
		}
		return nil, io.EOF
	})
	cancel()
	for range records { // let the reader finish
	}
	return res, err
}
