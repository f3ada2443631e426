package postgis

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// Every write through Harmattan (imports and edits, by any replica or command) adds rows to
// changesTable in its transaction and sends a NOTIFY on channel when it commits, with the last
// seq it logged as payload ("schema:<seq>" when the catalog must be read again: a new layer,
// new extents). Each replica's Version is the last seq it knows of: the listener learns it at
// once, and a poll of the log at most once a second learns it too, which is all a replica on a
// hot standby has (a standby cannot LISTEN; its log arrives with the data it describes). Its
// tile cache then reads the new rows of the log and drops just the tiles they touch. A
// notification with any other payload, such as the bare NOTIFY harmattan_changes that programs
// writing to the tables without Harmattan should send, empties the tile caches.
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
func logChange(ctx context.Context, tx pgx.Tx, t *table, bounds []orb.Bound, schema bool, logged *int64) error {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", changesLock); err != nil {
		return err
	}
	if err := ensureMeta(ctx, tx); err != nil {
		return err
	}
	var seq int64
	ins := "INSERT INTO " + changesTable + " (table_schema, table_name, schema, min_x, min_y, max_x, max_y) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq"
	if len(bounds) == 0 {
		if err := tx.QueryRow(ctx, ins, t.schema, t.name, schema, nil, nil, nil, nil).Scan(&seq); err != nil {
			return err
		}
	}
	for _, b := range bounds {
		if err := tx.QueryRow(ctx, ins, t.schema, t.name, schema, b.Min[0], b.Min[1], b.Max[0], b.Max[1]).Scan(&seq); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, "DELETE FROM "+changesTable+" WHERE seq <= $1", seq-changesKept); err != nil {
		return err
	}
	*logged = seq
	payload := strconv.FormatInt(seq, 10)
	if schema {
		payload = "schema:" + payload
	}
	_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", channel, payload)
	return err
}

// ensureMeta creates Harmattan's own tables when they are missing. The caller holds the log's
// lock, so that two first writers do not race.
func ensureMeta(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+changesTable+` (
			seq bigserial PRIMARY KEY, table_schema text NOT NULL, table_name text NOT NULL,
			schema bool NOT NULL DEFAULT false, min_x float8, min_y float8, max_x float8, max_y float8,
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
		// A table the catalog does not hold yet (an import just made it) still counts as a
		// change: its layer is named as the catalog will name it.
		c.Layer = data.CollectionID(name)
		if schema != "public" {
			c.Layer = data.CollectionID(schema + "_" + name)
		}
		if t, ok := cat.byTable(schema, name); ok {
			c.Layer = t.coll.ID
		}
		if minx != nil {
			c.Bounds = []orb.Bound{{Min: orb.Point{*minx, *miny}, Max: orb.Point{*maxx, *maxy}}}
		}
		out = append(out, c)
	}
	return out, after, rows.Err()
}

// Version returns the last change seq this store knows of and the number of bare
// notifications heard (data.Versioned). When the catalog must be read again, it is first.
func (s *Store) Version(ctx context.Context) (string, error) {
	if err := s.poll(ctx); err != nil {
		return "", err
	}
	// One request reads the catalog again; the others meanwhile go on with the one they have.
	if schema := s.listen.schema.Load(); schema != s.schemaSeen.Load() && s.reloading.TryLock() {
		if schema != s.schemaSeen.Load() {
			if err := s.loadCatalog(ctx); err != nil {
				s.opts.Logger.Warn("the database's tables changed but its catalog cannot be read; serving the old one", "error", err)
			} else {
				s.schemaSeen.Store(schema)
			}
		}
		s.reloading.Unlock()
	}
	return s.listen.version(), ctx.Err()
}

// pollEvery is how often Version reads the log's last seq itself.
const pollEvery = time.Second

// poll reads the log's last seq, and whether a change since the last known one needs the
// catalog read again, at most once per pollEvery; callers meanwhile go on without waiting.
func (s *Store) poll(ctx context.Context) error {
	if !s.pollMu.TryLock() {
		return nil
	}
	defer s.pollMu.Unlock()
	if time.Since(s.polled) < pollEvery {
		return nil
	}
	s.polled = time.Now()
	var exists bool
	if err := s.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", changesTable).Scan(&exists); err != nil || !exists {
		return err
	}
	var last *int64
	var schema bool
	err := s.pool.QueryRow(ctx, "SELECT max(seq), coalesce(bool_or(schema) FILTER (WHERE seq > $1), false) FROM "+changesTable,
		s.listen.seq.Load()).Scan(&last, &schema)
	if err != nil {
		return err
	}
	if last != nil && s.listen.advance(*last) && schema {
		s.listen.schema.Add(1)
	}
	return nil
}

// listener holds one connection of its own on LISTEN harmattan_changes, reconnecting when it
// is lost, and keeps what the store knows of changes.
type listener struct {
	seq      atomic.Int64  // the last change seq known
	bare     atomic.Uint64 // notifications without a seq: writes by other programs
	schema   atomic.Uint64 // changes that need the catalog read again
	cancel   context.CancelFunc
	done     chan struct{}
	disabled bool // a hot standby cannot LISTEN: the poll alone keeps the store current
}

func (l *listener) version() string {
	return strconv.FormatInt(l.seq.Load(), 10) + "." + strconv.FormatUint(l.bare.Load(), 10)
}

// advance records seq as known and reports whether it is newer than what was.
func (l *listener) advance(seq int64) bool {
	for {
		old := l.seq.Load()
		if seq <= old {
			return false
		}
		if l.seq.CompareAndSwap(old, seq) {
			return true
		}
	}
}

// wrote counts a write of this store, committed with the log's seq unless err, as known at
// once: its version moves before the notification comes back (which then changes nothing).
func (s *Store) wrote(seq int64, err error) {
	s.counts.writes.Add(1)
	if err == nil && seq > 0 {
		s.listen.advance(seq)
	}
}

// heard handles one notification's payload.
func (l *listener) heard(payload string) {
	p, schema := strings.CutPrefix(payload, "schema:")
	seq, err := strconv.ParseInt(p, 10, 64)
	if err != nil {
		l.bare.Add(1)
		return
	}
	if l.advance(seq) && schema {
		l.schema.Add(1)
	}
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

func (l *listener) stop() {
	if !l.disabled {
		l.cancel()
		<-l.done
	}
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
			l.heard(n.Payload)
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
		l.schema.Add(1) // tables may have come while no one listened; the poll finds the rest
	}
}
