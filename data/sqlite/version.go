package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Version returns a token that changes when a write is committed to the database, by any
// connection of any process (SQLite's data_version, read on a connection of its own that never
// writes). It implements data.Versioned. The token is looked up only when the file or its
// write-ahead log changed (size or time), and a write still in progress (an import filling the
// log) leaves it as it is. When it changed and so did the file's schema (another program added
// a table or a column), the catalog is read again first, so that new layers are served. Callers
// that find the file changed at once share one look (reading a catalog scans each table for
// its extent), rather than each taking a connection for it.
func (s *Store) Version(ctx context.Context) (string, error) {
	sig := fileVersion(s.path)
	if seen := s.seen.Load(); sig == seen.sig {
		return seen.token, ctx.Err()
	}
	// The look outlives a caller that goes away while others wait for it.
	ch := s.looks.DoChan(sig, func() (any, error) {
		shared := context.WithoutCancel(ctx)
		token, err := s.dataVersion(shared)
		if err != nil {
			return "", err
		}
		if token != s.seen.Load().token {
			var schema int64
			if err := s.meta.QueryRowContext(shared, "PRAGMA schema_version").Scan(&schema); err != nil {
				return "", err
			}
			if schema != s.cat.Load().schema {
				if err := s.loadCatalog(shared, s.opts); err != nil {
					s.opts.Logger.Warn("the file's schema changed but its catalog cannot be read; serving the old one", "error", err)
				}
			}
		}
		s.seen.Store(&seen{sig: sig, token: token})
		return token, nil
	})
	select {
	case r := <-ch:
		return r.Val.(string), r.Err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// seen is the file signature Version last looked at and the token it found.
type seen struct{ sig, token string }

// watcher holds the connection that reads data_version: the pragma tells about commits made by
// other connections since its last reading on the same one, so it must stay the same.
type watcher struct {
	mu    sync.Mutex
	conn  *sql.Conn
	epoch int // bumped when the connection is replaced, so its counts start a new token
}

// dataVersion returns the token of the last commit the watching connection has seen.
func (s *Store) dataVersion(ctx context.Context) (string, error) {
	w := &s.watch
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn == nil {
		c, err := s.meta.Conn(ctx)
		if err != nil {
			return "", err
		}
		w.conn, w.epoch = c, w.epoch+1
	}
	var v int64
	if err := w.conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		w.conn.Close()
		w.conn = nil
		return "", err
	}
	return strconv.Itoa(w.epoch) + "." + strconv.FormatInt(v, 10), nil
}

// closeWatch returns the watching connection to its pool, before the pool closes.
func (s *Store) closeWatch() {
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	if s.watch.conn != nil {
		s.watch.conn.Close()
		s.watch.conn = nil
	}
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

// WaitWrites returns once no write is in progress (data.WriteWaiter): it takes the write lock
// for a moment, waiting as a writer would. A write that begins restarts the write-ahead log,
// which moves the version before the write commits, with nothing in the change log yet.
func (s *Store) WaitWrites(ctx context.Context) error {
	tx, err := s.meta.BeginTx(ctx, nil) // BEGIN IMMEDIATE
	if err != nil {
		return err
	}
	return tx.Rollback()
}
