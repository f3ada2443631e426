package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/postgis"
	"github.com/harmattan/harmattan/data/postgis/pgtest"
	"github.com/harmattan/harmattan/data/sqlite"
)

// The HTTP tests run against the GeoPackage store, and against PostGIS when
// HARMATTAN_TEST_STORE=postgis (with HARMATTAN_TEST_POSTGRES naming the server): `make test`
// runs them both ways.
const backendEnv = "HARMATTAN_TEST_STORE"

func onPostGIS() bool { return os.Getenv(backendEnv) == "postgis" }

// testStore is a store made for one test and what else opens it: the GeoPackage's path or the
// database's URL.
type testStore struct {
	data.Store
	dsn string
}

// openLayers writes layers into a new database of the backend under test and opens it.
func openLayers(t testing.TB, layers []data.Layer) testStore {
	t.Helper()
	ctx := context.Background()
	var dsn string
	if onPostGIS() {
		dsn = postgisWith(t, layers)
	} else {
		dsn = filepath.Join(t.TempDir(), "layers.gpkg")
		if err := sqlite.Create(ctx, dsn, layers); err != nil {
			t.Fatal(err)
		}
	}
	return reopen(t, dsn)
}

// postgisWith writes layers into a new PostGIS database and returns its URL.
func postgisWith(t testing.TB, layers []data.Layer) string {
	t.Helper()
	dsn := pgtest.DB(t)
	s, err := postgis.Open(context.Background(), dsn, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, l := range layers {
		if _, err := data.ImportLayer(context.Background(), s, l); err != nil {
			t.Fatal(err)
		}
	}
	return dsn
}

// reopen opens another store on the same database, as another process or replica would.
func reopen(t testing.TB, dsn string) testStore {
	t.Helper()
	var (
		s   data.Store
		err error
	)
	if postgis.IsURL(dsn) {
		s, err = postgis.Open(context.Background(), dsn, postgis.Options{})
	} else {
		s, err = sqlite.Open(context.Background(), dsn, sqlite.Options{})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return testStore{s, dsn}
}

// writeBehind changes the database with a program other than Harmattan, which logs nothing:
// GDAL's ogrinfo on a GeoPackage (as an analyst's QGIS would), or SQL on PostGIS followed by
// the bare NOTIFY that such a program is asked to send.
func writeBehind(t testing.TB, dsn, sql string) {
	t.Helper()
	if !postgis.IsURL(dsn) {
		requireTool(t, "ogrinfo")
		if out, err := exec.Command("ogrinfo", dsn, "-sql", sql).CombinedOutput(); err != nil {
			t.Fatalf("ogrinfo: %v\n%s", err, out)
		}
		return
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "NOTIFY harmattan_changes"); err != nil {
		t.Fatal(err)
	}
	// The notification reaches the server's listener a moment later, where a GeoPackage's
	// change shows at once; tests read right after this returns.
	time.Sleep(200 * time.Millisecond)
}
