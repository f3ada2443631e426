// Package storetest is the conformance suite every Store backend runs: reads, filters, paging,
// imports, edits and the change log, each checked against answers computed in Go from the
// layers the backend was given (a brute-force filter over their features), never against
// answers written into the tests.
//
// A backend's test calls Run with a function that opens a fresh store holding given layers:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, layers []data.Layer) storetest.Backend { ... })
//	}
package storetest

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/harmattan/harmattan/data"
)

// Backend is what the suite tests: a Store that also takes imports and edits. Run requires it
// to be a data.Versioned and a data.ChangeLog as well.
type Backend interface {
	data.Store
	data.Importer
	data.Editor
}

// Opener returns a fresh store holding exactly layers (no other collection), their features
// keeping their ids, and closes it when t ends. layers may be empty. A layer's TemporalField,
// when set, is its first DATE or DATETIME field.
type Opener func(t *testing.T, layers []data.Layer) Backend

// Run runs the whole suite against the stores open returns. Each test that writes opens a
// store of its own; the read tests share one.
func Run(t *testing.T, open Opener) {
	t.Run("Read", func(t *testing.T) { testRead(t, open) })
	t.Run("Import", func(t *testing.T) { testImport(t, open) })
	t.Run("Edit", func(t *testing.T) { testEdit(t, open) })
	t.Run("Changes", func(t *testing.T) { testChanges(t, open) })
}

// versioned returns s as the change-tracking store the suite requires it to be.
func versioned(t *testing.T, s Backend) (data.Versioned, data.ChangeLog) {
	t.Helper()
	v, ok := s.(data.Versioned)
	if !ok {
		t.Fatalf("%T does not implement data.Versioned", s)
	}
	c, ok := s.(data.ChangeLog)
	if !ok {
		t.Fatalf("%T does not implement data.ChangeLog", s)
	}
	return v, c
}

// feed returns a next function for Import over records, then io.EOF.
func feed(records []*data.Record) func() (*data.Record, error) {
	i := 0
	return func() (*data.Record, error) {
		if i == len(records) {
			return nil, io.EOF
		}
		i++
		return records[i-1], nil
	}
}

// failing returns a next function that gives the first n records, then err.
func failing(records []*data.Record, n int, err error) func() (*data.Record, error) {
	next := feed(records[:n])
	return func() (*data.Record, error) {
		r, e := next()
		if errors.Is(e, io.EOF) {
			return nil, err
		}
		return r, e
	}
}

var bg = context.Background()
