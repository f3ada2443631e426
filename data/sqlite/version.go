package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Version returns a token that changes when the database file or its write-ahead log changes
// (size or modification time), whoever wrote to it. It implements data.Versioned. When the
// token changed and so did the file's schema (another program added a table or a column), it
// first reads the catalog again, so that new layers are served.
func (s *Store) Version(ctx context.Context) (string, error) {
	v := fileVersion(s.path)
	if v == *s.seen.Load() {
		return v, ctx.Err()
	}
	var schema int64
	if err := s.db.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&schema); err != nil {
		return "", err
	}
	if schema != s.cat.Load().schema {
		if err := s.loadCatalog(ctx, s.opts); err != nil {
			s.opts.Logger.Warn("the file's schema changed but its catalog cannot be read; serving the old one", "error", err)
		}
	}
	s.seen.Store(&v)
	return v, nil
}

// fileVersion is the signature of the file's data: the write-ahead log's size and time when
// there is one, as every write goes there first and it changes only with writes, not when a
// checkpoint copies pages into the main file (which would look like a write nobody logged and
// drop every cached tile); the main file's otherwise.
func fileVersion(path string) string {
	for _, p := range []string{path + "-wal", path} {
		if fi, err := os.Stat(p); err == nil {
			return fmt.Sprintf("%s %d.%d", filepath.Ext(p), fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return ""
}
