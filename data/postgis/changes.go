package postgis

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// Every write through Harmattan (imports and edits, by any replica or command) adds rows to
// changesTable in its transaction and sends a NOTIFY on channel when it commits. Each replica
// listens: a notification changes its Version, and its tile cache then reads the new rows of
// the log and drops just the tiles they touch. A notification with the payload "schema" also
// makes it read the catalog again (a new layer, new extents); one with an empty payload, which
// anyone may send (NOTIFY harmattan_changes), empties its tile cache.
const (
	channel      = "harmattan_changes"
	changesTable = "public.harmattan_changes"
	// changesKept bounds the log: older rows are deleted, and a replica that fell further behind
	// empties its whole tile cache instead.
	changesKept = 10000
	// changesLock serialises the writers' appends to the log (pg_advisory_xact_lock), so that
	// sequence numbers commit in order and a reader never skips one still in flight.
	changesLock = 0x6861726d // "harm"
)

// logChange records in tx that table t changed within bounds (nil: anywhere) and announces it
// for when tx commits; schema also has every replica read the catalog again. It takes the log's
// lock, so it comes last in a transaction.
func logChange(ctx context.Context, tx pgx.Tx, t *table, bounds []orb.Bound, schema bool) error {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", changesLock); err != nil {
		return err
	}
	if err := ensureMeta(ctx, tx); err != nil {
		return err
	}
	var seq int64
	ins := "INSERT INTO " + changesTable + " (table_schema, table_name, min_x, min_y, max_x, max_y) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq"
	if len(bounds) == 0 {
		if err := tx.QueryRow(ctx, ins, t.schema, t.name, nil, nil, nil, nil).Scan(&seq); err != nil {
			return err
		}
	}
	for _, b := range bounds {
		if err := tx.QueryRow(ctx, ins, t.schema, t.name, b.Min[0], b.Min[1], b.Max[0], b.Max[1]).Scan(&seq); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, "DELETE FROM "+changesTable+" WHERE seq <= $1", seq-changesKept); err != nil {
		return err
	}
	payload := strconv.FormatInt(seq, 10)
	if schema {
		payload = "schema"
	}
	_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", channel, payload)
	return err
}

// ensureMeta creates Harmattan's own tables when they are missing. The caller holds the log's
// lock, so that two first writers do not race.
func ensureMeta(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+changesTable+` (
			seq bigserial PRIMARY KEY, table_schema text NOT NULL, table_name text NOT NULL,
			min_x float8, min_y float8, max_x float8, max_y float8,
			changed_at timestamptz NOT NULL DEFAULT now());
		CREATE TABLE IF NOT EXISTS public.`+layersTable+` (
			table_schema text NOT NULL, table_name text NOT NULL, title text, description text,
			PRIMARY KEY (table_schema, table_name))`)
	return err
}

// Changes returns the writes logged after seq and the last seq (data.ChangeLog). Writes to
// tables that are not served are left out. When rows after seq were already deleted from the
// log, it returns a single Change with no Layer, which means: anything may have changed.
func (s *Store) Changes(ctx context.Context, after int64) ([]data.Change, int64, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", changesTable).Scan(&exists); err != nil || !exists {
		return nil, after, err
	}
	var first, last *int64
	if err := s.pool.QueryRow(ctx, "SELECT min(seq), max(seq) FROM "+changesTable).Scan(&first, &last); err != nil {
		return nil, after, err
	}
	if last == nil || *last <= after {
		return nil, after, nil
	}
	if *first > after+1 && after > 0 {
		return []data.Change{{Seq: *last}}, *last, nil
	}
	rows, err := s.pool.Query(ctx, "SELECT seq, table_schema, table_name, min_x, min_y, max_x, max_y FROM "+changesTable+" WHERE seq > $1 ORDER BY seq", after)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	cat := s.cat.Load()
	var out []data.Change
	for rows.Next() {
		var c data.Change
		var schema, name string
		var minx, miny, maxx, maxy *float64
		if err := rows.Scan(&c.Seq, &schema, &name, &minx, &miny, &maxx, &maxy); err != nil {
			return nil, after, err
		}
		after = c.Seq
		t, ok := cat.byTable(schema, name)
		if !ok {
			continue
		}
		c.Layer = t.coll.ID
		if minx != nil {
			c.Bounds = []orb.Bound{{Min: orb.Point{*minx, *miny}, Max: orb.Point{*maxx, *maxy}}}
		}
		out = append(out, c)
	}
	return out, after, rows.Err()
}

// Version returns a token that changes with every notification on the channel, and whenever
// the listener had to reconnect (it may have missed some). It implements data.Versioned; after
// a "schema" notification it first reads the catalog again.
func (s *Store) Version(ctx context.Context) (string, error) {
	n, schema := s.listen.count(), s.listen.schema.Load()
	if schema != s.schemaSeen.Load() {
		if err := s.loadCatalog(ctx); err != nil {
			s.opts.Logger.Warn("the database's tables changed but its catalog cannot be read; serving the old one", "error", err)
		} else {
			s.schemaSeen.Store(schema)
		}
	}
	return strconv.FormatUint(n, 10), ctx.Err()
}

// listener holds one connection of its own on LISTEN harmattan_changes, reconnecting when it
// is lost.
type listener struct {
	n, schema atomic.Uint64
	cancel    context.CancelFunc
	done      chan struct{}
}

// startListener connects and listens before it returns, so that no change after Open goes
// unnoticed; later it reconnects by itself whenever the connection is lost.
func startListener(ctx context.Context, cfg *pgx.ConnConfig, log *slog.Logger) (*listener, error) {
	conn, err := listen(ctx, cfg)
	if err != nil {
		return nil, err
	}
	bg, cancel := context.WithCancel(context.Background())
	l := &listener{cancel: cancel, done: make(chan struct{})}
	go l.run(bg, conn, cfg, log)
	return l, nil
}

func listen(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

func (l *listener) count() uint64 { return l.n.Load() }

func (l *listener) stop() {
	l.cancel()
	<-l.done
}

// run waits for notifications on conn, and on a new connection whenever it is lost.
func (l *listener) run(ctx context.Context, conn *pgx.Conn, cfg *pgx.ConnConfig, log *slog.Logger) {
	defer close(l.done)
	wait := 100 * time.Millisecond
	for {
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("lost the change listener's connection; reconnecting", "error", err)
				}
				break
			}
			l.bump(n.Payload == "schema")
		}
		conn.Close(context.Background())
		for {
			if ctx.Err() != nil {
				return
			}
			var err error
			if conn, err = listen(ctx, cfg); err == nil {
				break
			}
			if ctx.Err() == nil {
				log.Warn("cannot listen for changes; retrying", "in", wait, "error", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			wait = min(2*wait, 5*time.Second)
		}
		wait = 100 * time.Millisecond
		l.bump(true) // changes made while no one listened are in the log; so may new tables be
	}
}

func (l *listener) bump(schema bool) {
	if schema {
		l.schema.Add(1)
	}
	l.n.Add(1)
}
