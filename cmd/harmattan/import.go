package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/ingest"
)

// importCmd runs `harmattan import`: one or more files into one layer, in one transaction.
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "GeoPackage file (created when missing) or postgres:// URL to import into (required)")
	layer := fs.String("layer", "", "layer to import into, created from the data's schema when new (default: the GeoPackage table's name, for a .gpkg source)")
	replace := fs.Bool("replace", false, "empty the layer first")
	appendMode := fs.Bool("append", false, "add the records (the default, except for ACLED files)")
	upsert := fs.Bool("upsert", false, "update the features whose --key matches, add the others (the default for ACLED files, by event_id_cnty)")
	key := fs.String("key", "", "property that --upsert matches on (ACLED: event_id_cnty)")
	format := fs.String("format", "", "acled, csv, geojson, geojsonl or gpkg (default: from the file)")
	lon := fs.String("lon", "", "CSV: longitude column (default: lon, lng, longitude or x)")
	lat := fs.String("lat", "", "CSV: latitude column (default: lat, latitude or y)")
	wkt := fs.String("wkt", "", "CSV: column of WKT geometries, instead of --lon/--lat (default: a column named wkt)")
	encoding := fs.String("encoding", "utf-8", "text encoding of CSV and GeoJSON sources: utf-8 or latin-1")
	table := fs.String("table", "", "GeoPackage source: the feature table to read (default: every one, each into the layer of its name)")
	skipInvalid := fs.Bool("skip-invalid", false, "skip records that are wrong (each is reported) instead of stopping with nothing imported")
	title := fs.String("title", "", "title of a new layer")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: harmattan import --db FILE --layer NAME [--replace|--append|--upsert] [flags] SOURCE...

Load ACLED CSV exports, CSV with coordinates or WKT, GeoJSON, newline-delimited GeoJSON or
GeoPackage tables into a layer. Either every record lands or none does; a bad record stops the
import with its file, line and field (unless --skip-invalid).

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	sources := fs.Args()
	modes := 0
	for _, m := range []bool{*replace, *appendMode, *upsert} {
		if m {
			modes++
		}
	}
	switch {
	case *db == "" || len(sources) == 0:
		fs.Usage()
		return errors.New("import: --db and at least one SOURCE are required")
	case modes > 1:
		return errors.New("import: give at most one of --replace, --append and --upsert")
	}
	opts := ingest.Options{Format: *format, Lon: *lon, Lat: *lat, WKT: *wkt, Encoding: *encoding}
	if *table != "" {
		opts.Tables = []string{*table}
	}
	// A GeoPackage source without --table and --layer: every table into a layer of its name.
	if len(sources) == 1 && *table == "" && *layer == "" && isGPKG(sources[0], *format) {
		tables, err := ingest.Tables(sources[0])
		if err != nil {
			return err
		}
		for _, t := range tables {
			o := opts
			o.Tables = []string{t}
			job := importJob{db: *db, layer: t, sources: sources, opts: o, replace: *replace, upsert: *upsert,
				key: *key, skipInvalid: *skipInvalid, title: *title}
			if err := job.run(ctx, stdout, stderr); err != nil {
				return err
			}
		}
		return nil
	}
	if *layer == "" {
		return errors.New("import: --layer is required")
	}
	job := importJob{db: *db, layer: *layer, sources: sources, opts: opts, replace: *replace, upsert: *upsert,
		appendOnly: *appendMode, key: *key, skipInvalid: *skipInvalid, title: *title}
	return job.run(ctx, stdout, stderr)
}

func isGPKG(path, format string) bool {
	return format == "gpkg" || format == "" && strings.EqualFold(filepath.Ext(path), ".gpkg")
}

// importJob is one import: sources into one layer, in one transaction.
type importJob struct {
	db, layer, key, title       string
	sources                     []string
	opts                        ingest.Options
	replace, upsert, appendOnly bool
	skipInvalid                 bool
}

func (j importJob) run(ctx context.Context, stdout, stderr io.Writer) error {
	var srcs []*ingest.Source
	defer func() {
		for _, s := range srcs {
			s.Close()
		}
	}()
	for _, path := range j.sources {
		s, err := ingest.Open(path, j.opts)
		if err != nil {
			return err
		}
		srcs = append(srcs, s)
	}
	// The schema of the first source; the others are read as having it.
	sch, err := srcs[0].Schema(ctx)
	if err != nil {
		return err
	}
	for _, s := range srcs[1:] {
		s.UseSchema(sch)
	}
	spec := data.ImportSpec{Layer: j.layer, Fields: sch.Fields, GeometryType: sch.GeometryType,
		TemporalField: sch.TemporalField, Title: j.title, Key: j.key}
	switch {
	case j.replace:
		spec.Mode = data.Replace
	case j.upsert || !j.appendOnly && sch.Key != "":
		spec.Mode = data.Upsert
		if spec.Key == "" {
			spec.Key = sch.Key
		}
		if spec.Key == "" {
			return errors.New("import: --upsert needs --key")
		}
	}
	prog := newProgress(stderr, srcs)
	var skipped atomic.Int64
	report := func(err error) error {
		if !j.skipInvalid {
			return err
		}
		skipped.Add(1)
		prog.note("skipped " + err.Error())
		return nil
	}
	if j.skipInvalid {
		spec.OnInvalid = func(r *data.Record, err error) error { return report(err) }
	}
	read := func(i int) (*data.Record, error) { // the next good record of source i
		for {
			r, err := srcs[i].Next()
			var bad *ingest.Error
			if errors.As(err, &bad) {
				if err := report(err); err != nil {
					return nil, err
				}
				continue
			}
			return r, err
		}
	}
	next, stopReading := prefetch(ctx, func() (*data.Record, error) {
		for len(srcs) > 0 {
			r, err := read(0)
			if err == io.EOF {
				srcs[0].Close()
				srcs = srcs[1:]
				continue
			}
			if err == nil {
				prog.records.Add(1)
			}
			return r, err
		}
		return nil, io.EOF
	})
	defer stopReading()
	// The heap holds little but garbage while records stream through: collect less often,
	// within a memory bound.
	defer debug.SetGCPercent(debug.SetGCPercent(300))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(128 << 20))
	start := time.Now()
	stop := prog.start()
	var res data.ImportResult
	err = withWritableStore(ctx, j.db, func(s writableStore) error {
		var err error
		res, err = s.Import(ctx, spec, next)
		return err
	})
	stop()
	if err != nil {
		return fmt.Errorf("import into %s layer %s failed, nothing was imported: %w", dbName(j.db), j.layer, err)
	}
	took := time.Since(start)
	n := res.Inserted + res.Updated
	fmt.Fprintf(stdout, "imported into %s layer %s: %d inserted, %d updated, %d skipped in %.1f s (%.0f records/s)\n",
		dbName(j.db), j.layer, res.Inserted, res.Updated, skipped.Load(), took.Seconds(), float64(n)/max(took.Seconds(), 1e-9))
	return nil
}

// progress reports an import's progress on stderr: a bar redrawn in place on a terminal,
// a plain line every few seconds otherwise, and skipped records as they come.
type progress struct {
	w        io.Writer
	tty      bool
	srcs     []*ingest.Source
	records  atomic.Int64
	notes    chan string
	begun    time.Time
	interval time.Duration
}

func newProgress(w io.Writer, srcs []*ingest.Source) *progress {
	p := &progress{w: w, srcs: srcs, notes: make(chan string, 64), interval: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.interval = true, 200*time.Millisecond
		}
	}
	return p
}

// note reports a skipped record (or anything else worth a line of its own).
func (p *progress) note(s string) { p.notes <- s }

// start begins reporting; the function it returns stops it and ends the line.
func (p *progress) start() func() {
	p.begun = time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(p.interval)
		defer tick.Stop()
		for {
			select {
			case s := <-p.notes:
				if p.tty {
					fmt.Fprint(p.w, "\r\033[K")
				}
				fmt.Fprintln(p.w, s)
			case <-tick.C:
				p.draw()
			case <-done:
				for {
					select {
					case s := <-p.notes:
						fmt.Fprintln(p.w, s)
					default:
						if p.tty {
							p.draw()
							fmt.Fprintln(p.w)
						}
						return
					}
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

func (p *progress) draw() {
	var done, total int64
	for _, s := range p.srcs {
		d, t := s.Progress()
		done, total = done+d, total+t
	}
	n := p.records.Load()
	secs := time.Since(p.begun).Seconds()
	rate := float64(n) / max(secs, 1e-9)
	line := fmt.Sprintf("%d records, %.0f/s", n, rate)
	if total > 0 {
		frac := min(float64(done)/float64(total), 1)
		eta := ""
		if frac > 0.01 {
			eta = fmt.Sprintf(", ETA %s", (time.Duration(secs*(1-frac)/frac) * time.Second).Truncate(time.Second))
		}
		line = fmt.Sprintf("%s %3.0f%% %s%s", bar(frac, 30), frac*100, line, eta)
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K"+line)
		return
	}
	fmt.Fprintln(p.w, "import: "+line)
}

func bar(frac float64, width int) string {
	n := int(frac * float64(width))
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

// prefetch reads records from read in a goroutine of its own, in batches, so that parsing the
// input and writing the database use two cores. The returned next yields them in order; stop
// ends the reading early.
func prefetch(ctx context.Context, read func() (*data.Record, error)) (next func() (*data.Record, error), stop func()) {
	type batch struct {
		records []*data.Record
		err     error
	}
	const size = 512
	ch := make(chan batch, 8)
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer close(ch)
		for {
			b := batch{records: make([]*data.Record, 0, size)}
			for len(b.records) < size {
				r, err := read()
				if err != nil {
					b.err = err
					break
				}
				b.records = append(b.records, r)
			}
			select {
			case ch <- b:
			case <-ctx.Done():
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	var cur batch
	var err error
	next = func() (*data.Record, error) {
		for len(cur.records) == 0 {
			if err != nil {
				return nil, err
			}
			b, ok := <-ch
			if !ok {
				return nil, io.EOF
			}
			cur, err = b, b.err
		}
		r := cur.records[0]
		cur.records = cur.records[1:]
		return r, nil
	}
	return next, func() {
		cancel()
		for range ch { // let the reader finish before its sources are closed
		}
	}
}
