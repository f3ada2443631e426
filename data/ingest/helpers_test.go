package ingest_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/ingest"
)

// result is one outcome of Next: a record or a record error.
type result struct {
	rec *data.Record
	err *ingest.Error
}

// readAll opens path, reads the schema and every record, and fails the test on a fatal error.
func readAll(t testing.TB, path string, opts ingest.Options) (ingest.Schema, []result) {
	t.Helper()
	src, err := ingest.Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	defer src.Close()
	sch, err := src.Schema(context.Background())
	if err != nil {
		t.Fatalf("Schema: %v", err)
	}
	return sch, drain(t, src)
}

// drain reads src to the end; a fatal error fails the test.
func drain(t testing.TB, src *ingest.Source) []result {
	t.Helper()
	var out []result
	for i := 0; ; i++ {
		if i > 100000 {
			t.Fatal("Next does not end")
		}
		rec, err := src.Next()
		if err == io.EOF {
			return out
		}
		var e *ingest.Error
		switch {
		case errors.As(err, &e):
			out = append(out, result{err: e})
		case err != nil:
			t.Fatalf("Next: fatal error: %v", err)
		default:
			out = append(out, result{rec: rec})
		}
	}
}

// records returns the records of rs, failing the test on any record error.
func records(t testing.TB, rs []result) []*data.Record {
	t.Helper()
	var out []*data.Record
	for _, r := range rs {
		if r.err != nil {
			t.Fatalf("unexpected record error: %v", r.err)
		}
		out = append(out, r.rec)
	}
	return out
}

// writeFile writes content to name in a temporary directory and returns its path.
func writeFile(t testing.TB, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fieldTypes returns the schema's fields as name → type.
func fieldTypes(sch ingest.Schema) map[string]data.FieldType {
	m := map[string]data.FieldType{}
	for _, f := range sch.Fields {
		m[f.Name] = f.Type
	}
	return m
}

// fieldNames returns the schema's field names in order.
func fieldNames(sch ingest.Schema) []string {
	var names []string
	for _, f := range sch.Fields {
		names = append(names, f.Name)
	}
	return names
}

// prop returns a record's property (nil when it has none).
func prop(r *data.Record, name string) any {
	v, _ := r.Property(name)
	return v
}
