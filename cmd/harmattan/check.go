package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/harmattan/harmattan/data/postgis"
	"github.com/harmattan/harmattan/data/sqlite"
)

// checkCmd runs `harmattan check`: it validates a GeoPackage without changing it and prints
// each finding on a line of its own, then a summary. Findings make it fail with an error
// naming the file and their count.
func checkCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "GeoPackage file to check (required); it is opened read-only and never changed")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: harmattan check --db FILE

Checks a GeoPackage and reports what is wrong, one line each ("table feature N: problem"):
SQLite integrity, the GeoPackage catalog and SRSs, every geometry (decodes, type, srs_id,
lon/lat range, closed rings) and every R-tree against its table. Exits non-zero if anything is.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *db == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("check: --db is required, and no other arguments are taken")
	}
	if postgis.IsURL(*db) {
		return fmt.Errorf("check: %s: only GeoPackage files are checked", dbName(*db))
	}
	rep, err := sqlite.Check(ctx, *db)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	for _, f := range rep.Findings {
		fmt.Fprintln(stdout, f)
	}
	if rep.Unlisted > 0 {
		fmt.Fprintf(stdout, "... and %d more not listed (at most 100 of a kind per table are)\n", rep.Unlisted)
	}
	summary := fmt.Sprintf("%s: %d feature tables, %d features checked: ", *db, rep.Tables, rep.Features)
	if rep.OK() {
		fmt.Fprintln(stdout, summary+"no problems found")
		return nil
	}
	fmt.Fprintln(stdout, summary+problems(rep.Problems()))
	return fmt.Errorf("check: %s: %s", *db, problems(rep.Problems()))
}

// problems is "1 problem" or "n problems".
func problems(n int) string {
	if n == 1 {
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", n)
}
