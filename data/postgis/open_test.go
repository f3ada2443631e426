package postgis

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/harmattan/harmattan/data/postgis/pgtest"
)

// Every pooled connection has the statement timeout, runs in UTC, and is at most PoolSize.
func TestConnectionSettings(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	s, err := Open(ctx, url, Options{PoolSize: 3, StatementTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.pool.Config().MaxConns; got != 3 {
		t.Errorf("pool of %d connections, want 3", got)
	}
	var tz string
	if err := s.pool.QueryRow(ctx, "SHOW timezone").Scan(&tz); err != nil || tz != "UTC" {
		t.Errorf("timezone %q, %v", tz, err)
	}
	_, err = s.pool.Exec(ctx, "SELECT pg_sleep(2)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Errorf("a 2 s query under a 200 ms timeout: %v, want SQLSTATE 57014", err)
	}
	if err := readError(err); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the timeout is not a deadline to callers: %v", err)
	}
	// A request that goes away cancels its query.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := s.pool.Exec(short, "SELECT pg_sleep(0.15)"); !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err) {
		t.Errorf("a query past its context's deadline: %v", err)
	}
}

// Open refuses a database without PostGIS, naming it without its password.
func TestOpenWithoutPostGIS(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, "DROP EXTENSION postgis CASCADE"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(ctx, url, Options{})
	if err == nil || !strings.Contains(err.Error(), "CREATE EXTENSION postgis") || strings.Contains(err.Error(), "harmattan_test@") && !strings.Contains(err.Error(), "***") {
		t.Fatalf("Open without PostGIS: %v", err)
	}
	if got := Redact("postgres://u:secret@h/db"); got != "postgres://u:***@h/db" || Redact("postgres://u@h/db") != "postgres://u@h/db" {
		t.Errorf("Redact: %s", got)
	}
}
