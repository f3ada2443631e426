package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/harmattan/harmattan/data/postgis/pgtest"
)

// The commands work the same on PostGIS as on a GeoPackage: the same imports, generated data
// and migrated layers export to the same bytes from either.
func TestCommandsOnPostGIS(t *testing.T) {
	pg := pgtest.DB(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "seed.gpkg")
	if err := createSeeded(context.Background(), file); err != nil {
		t.Fatal(err)
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, errOut, err := harmattan(args...)
		if err != nil {
			t.Fatalf("harmattan %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out
	}
	same := func(what string, args ...string) {
		t.Helper()
		a := mustRun(append([]string{"export", "--db", file}, args...)...)
		b := mustRun(append([]string{"export", "--db", pg}, args...)...)
		if a != b || len(a) < 100 {
			t.Fatalf("%s: the GeoPackage and PostGIS export differently:\n%.1500s\n---\n%.1500s", what, a, b)
		}
	}

	// The built-in dataset, copied in by migrate, ids and all.
	if out := mustRun("migrate", "--to", pg); !strings.Contains(out, "copied layer incidents: 38 features") {
		t.Fatalf("migrate: %s", out)
	}
	for _, layer := range []string{"incidents", "bases", "regions"} {
		same("built-in "+layer, "--layer", layer)
	}
	same("filtered", "--layer", "incidents", "--bbox", "-5,13,-2,17", "--datetime", "2019-01-01/..", "--format", "csv")
	if _, _, err := harmattan("migrate", "--to", pg); err == nil || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("migrate over existing layers: %v", err)
	}

	// ACLED imports upsert by event_id_cnty on both.
	for _, db := range []string{file, pg} {
		mustRun("import", "--db", db, "--layer", "acled", acledSample)
		if out := mustRun("import", "--db", db, "--layer", "acled", acledSample); !strings.Contains(out, " 0 inserted") {
			t.Fatalf("second import into %s: %s", db, out)
		}
	}
	same("ACLED", "--layer", "acled")

	// A failed import leaves PostGIS as it was.
	before := rowCounts(t, pg)
	bad := filepath.Join(dir, "bad.geojson")
	writeString(t, bad, `{"type":"FeatureCollection","features":[`+
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"event_id_cnty":"MLI1","fatalities":1}},`+
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[-4,14]},"properties":{"event_id_cnty":"MLI2","fatalities":"many"}}]}`)
	if _, _, err := harmattan("import", "--db", pg, "--layer", "acled", bad); err == nil || !strings.Contains(err.Error(), "fatalities") {
		t.Fatalf("a bad value was imported, or the error does not name the field: %v", err)
	}
	if after := rowCounts(t, pg); after != before {
		t.Fatalf("a failed import changed the database: %s, then %s", before, after)
	}

	// Synthetic data: the same seed gives the same rows.
	for _, db := range []string{file, pg} {
		mustRun("generate", "--db", db, "--layer", "synthetic", "--count", "3000", "--seed", "7")
	}
	same("generated", "--layer", "synthetic", "--format", "csv")

	// And back: PostGIS into a new GeoPackage.
	back := filepath.Join(dir, "back.gpkg")
	mustRun("migrate", "--from", pg, "--to", back, "--layers", "incidents,synthetic")
	for _, layer := range []string{"incidents", "synthetic"} {
		a := mustRun("export", "--db", file, "--layer", layer)
		if b := mustRun("export", "--db", back, "--layer", layer); a != b {
			t.Fatalf("%s migrated back differs", layer)
		}
	}
}

// rowCounts is what a failed import must leave unchanged: the tables and their row counts.
func rowCounts(t *testing.T, url string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var state []string
	for _, name := range names {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{name}.Sanitize()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		state = append(state, fmt.Sprintf("%s %d", name, n))
	}
	return strings.Join(state, "; ")
}

// serve --db postgres://... answers from PostGIS.
func TestServePostGIS(t *testing.T) {
	pg := pgtest.DB(t)
	if _, errOut, err := harmattan("migrate", "--to", pg); err != nil {
		t.Fatalf("%v %s", err, errOut)
	}
	url, stop := startServe(t, "--db", pg, "--db-pool", "3")
	res, err := http.Get(url + "collections/incidents/items?limit=1&event_type=Battles")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"Battles"`) {
		t.Errorf("%d %.300s", res.StatusCode, body)
	}
	if logs := stop(); !strings.Contains(logs, ":***@") || strings.Contains(logs, pg) {
		t.Errorf("the logs do not hide the database password:\n%s", logs)
	}
}

func writeString(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
