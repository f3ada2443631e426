package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
	"github.com/harmattan/harmattan/web"
)

// export runs `harmattan export`: one layer, optionally filtered by bbox and datetime, as
// GeoJSON, GeoJSONL or CSV (streamed) or as a new GeoPackage.
func export(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "GeoPackage file or postgres:// URL to read (required)")
	layer := fs.String("layer", "", "layer (collection id) to write (required)")
	format := fs.String("format", "", "geojson, geojsonl, csv or gpkg (default: from -o's extension, else geojson)")
	bbox := fs.String("bbox", "", "only features within minLon,minLat,maxLon,maxLat")
	datetime := fs.String("datetime", "", "only features in this instant or interval (as on /items)")
	out := fs.String("o", "", "output file (default: standard output; required for gpkg)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: harmattan export --db FILE|URL --layer NAME [--format F] [--bbox B] [--datetime D] [-o FILE]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *db == "" || *layer == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("export: --db and --layer are required, and no other arguments are taken")
	}
	if *format == "" {
		*format = "geojson"
		if ext := strings.TrimPrefix(filepath.Ext(*out), "."); ext != "" {
			*format = map[string]string{"json": "geojson", "jsonl": "geojsonl", "geojsons": "geojsonl", "ndjson": "geojsonl"}[ext]
			if *format == "" {
				*format = ext
			}
		}
	}
	var q data.Query
	if *bbox != "" {
		b, err := geo.ParseBBox(*bbox)
		if err != nil {
			return fmt.Errorf("export: --bbox: %w", err)
		}
		q.BBox = &b
	}
	if *datetime != "" {
		iv, err := geo.ParseInterval(*datetime)
		if err != nil {
			return fmt.Errorf("export: --datetime: %w", err)
		}
		q.Time = iv
	}
	store, err := openStore(ctx, *db, dbOptions{logger: slog.New(slog.NewTextHandler(stderr, nil))})
	if err != nil {
		return err
	}
	defer store.Close()
	coll, err := store.Collection(ctx, *layer)
	if err != nil {
		return fmt.Errorf("export: %s: %w", dbName(*db), err)
	}
	if *format == "gpkg" {
		if *out == "" {
			return errors.New("export: --format gpkg needs -o FILE")
		}
		return exportGPKG(ctx, store, coll, q, *out)
	}
	if _, ok := web.ExportFormats[*format]; !ok {
		return fmt.Errorf("export: unknown format %q (geojson, geojsonl, csv or gpkg)", *format)
	}
	if *out == "" {
		return web.Export(ctx, store, coll, q, *format, stdout)
	}
	return writeFileAtomically(*out, func(w io.Writer) error { return web.Export(ctx, store, coll, q, *format, w) })
}

// exportGPKG writes the layer into a new GeoPackage at path, with the same schema.
func exportGPKG(ctx context.Context, store data.Store, coll data.Collection, q data.Query, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("export: %s already exists", path)
	}
	return withWritableStore(ctx, path, func(dst writableStore) error {
		records := make(chan *data.Record, 256)
		errc := make(chan error, 1)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			defer close(records)
			errc <- store.Features(ctx, coll.ID, q, func(f *data.Feature) error {
				r := &data.Record{Geometry: f.Geometry, Properties: make(map[string]any, len(coll.Fields)), Where: fmt.Sprintf("feature %d", f.ID)}
				for i, fld := range coll.Fields {
					r.Properties[fld.Name] = f.Properties[i]
				}
				select {
				case records <- r:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		}()
		next := func() (*data.Record, error) {
			if r, ok := <-records; ok {
				return r, nil
			}
			if err := <-errc; err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		_, err := dst.Import(ctx, data.ImportSpec{Layer: coll.ID, Title: coll.Title, Fields: coll.Fields,
			GeometryType: geometryTypeName(coll.GeometryType), TemporalField: coll.TemporalField}, next)
		return err
	})
}

// geometryTypeName maps a collection's GeoJSON-style geometry type to the GeoPackage name.
func geometryTypeName(t string) string {
	if t == "Geometry" {
		return "GEOMETRY"
	}
	return strings.ToUpper(t)
}

// writeFileAtomically writes path through a temporary file renamed into place on success, so a
// failed export leaves no partial file.
func writeFileAtomically(path string, fn func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fn(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
