// Command harmattan serves conflict-monitoring map layers from a GeoPackage as OGC API –
// Features, GeoJSON and a Leaflet web map.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `harmattan serves conflict-monitoring map layers (OGC API – Features, GeoJSON, a web map).

Usage:
  harmattan serve [flags]      run the HTTP server (see: harmattan serve --help)
  harmattan import [flags] SOURCE...
                               load ACLED CSV, CSV, GeoJSON, GeoJSONL or GeoPackage data into a layer
  harmattan export [flags]     write a layer as GeoJSON, GeoJSONL, CSV or GeoPackage
  harmattan generate [flags]   write synthetic incidents for benchmarks
  harmattan migrate [flags]    copy layers between a GeoPackage and PostGIS
  harmattan check --db FILE    report what is wrong in a GeoPackage, without changing it
  harmattan --help             show this help

Each command takes --help.

--db takes a GeoPackage file or a PostGIS database URL (postgres://user:password@host/db).
With no --db file present, serve creates it from the curated Mali dataset built into the binary;
migrate --to URL copies that dataset into PostGIS.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "harmattan:", err)
		os.Exit(1)
	}
}

// run executes the command line args; it is main without the process around it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return flag.ErrHelp
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	switch args[0] {
	case "serve":
		cfg, err := parseServe(args[1:], stdout, getenv)
		if err != nil {
			return err
		}
		if cfg.logFormat == "json" {
			logger = slog.New(slog.NewJSONHandler(stderr, nil))
		}
		return serve(ctx, cfg, logger)
	case "import":
		return importCmd(ctx, args[1:], stdout, stderr)
	case "export":
		return export(ctx, args[1:], stdout, stderr)
	case "generate":
		return generate(ctx, args[1:], stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr)
	case "check":
		return checkCmd(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
