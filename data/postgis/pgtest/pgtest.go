// Package pgtest gives tests a PostGIS database of their own. The server is named by
// HARMATTAN_TEST_POSTGRES (a URL of a role that may create databases); without it the tests
// that need PostGIS are skipped, except under CI, where they fail instead.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the variable holding the server's URL.
const Env = "HARMATTAN_TEST_POSTGRES"

// URL returns the server's URL, or skips t when there is none (fails it under CI).
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run the PostGIS tests (.ci/run starts a server)", Env)
		}
		t.Skipf("%s is not set; skipping the PostGIS tests", Env)
	}
	return u
}

// DB creates an empty database with PostGIS for t, dropped when t ends, and returns its URL.
func DB(t testing.TB) string {
	t.Helper()
	admin := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connecting to %s: %v", Env, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("harmattan_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("dropping %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	db, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, "CREATE EXTENSION postgis"); err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatal(err)
	}
	return u.String()
}
