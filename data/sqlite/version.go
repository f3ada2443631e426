package sqlite

import (
	"context"
	"fmt"
	"os"
)

// Version returns a token that changes when the database file or its write-ahead log changes
// (size or modification time), whoever wrote to it. It implements data.Versioned.
func (s *Store) Version(ctx context.Context) (string, error) {
	return fileVersion(s.path), ctx.Err()
}

func fileVersion(path string) string {
	sig := ""
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			sig += fmt.Sprintf("%d.%d;", fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return sig
}
