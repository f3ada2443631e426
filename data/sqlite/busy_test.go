package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// TestWriteBusy holds the write lock from another connection, as an import does while it
// commits: a write waits the busy timeout and then fails with data.ErrBusy, and succeeds once
// the lock is gone.
func TestWriteBusy(t *testing.T) {
	path := seededFile(t)
	s, _ := openStore(t, path, Options{BusyTimeout: 200 * time.Millisecond})
	ctx := context.Background()
	other := openDB(path, "rw", 0)
	defer other.Close()
	lock, err := other.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	r := []*data.Record{{Geometry: orb.Point{-3, 15}, Properties: map[string]any{}}}
	if _, err := s.Insert(ctx, "bases", r); !errors.Is(err, data.ErrBusy) {
		t.Fatalf("Insert while another connection writes: %v, want data.ErrBusy", err)
	}
	if _, err := s.Delete(ctx, "bases", 1, nil); !errors.Is(err, data.ErrBusy) {
		t.Fatalf("Delete while another connection writes: %v, want data.ErrBusy", err)
	}
	lock.Rollback()
	if _, err := s.Insert(ctx, "bases", r); err != nil {
		t.Fatalf("Insert once the lock is gone: %v", err)
	}
}
