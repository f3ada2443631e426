package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
)

// An import writes the R-tree index once at the end instead of one entry per feature: SQLite
// inserts into an R-tree at about 12 µs an entry, more than everything else an import does for
// a point. Few changes into a large index are inserted as usual; otherwise the whole index is
// packed anew (Sort-Tile-Recursive bulk loading) and written straight into the R-tree's shadow
// tables, in SQLite's own node format (sqlite/ext/rtree/rtree.c). Tests check the result with
// SQLite's rtreecheck().

// rtreeEntry is one feature's box as SQLite's R-tree stores it: float32, rounded outwards. An
// import holds one per feature it writes (24 bytes, and no pointers for the collector to scan).
type rtreeEntry struct {
	id                     int64
	minx, maxx, miny, maxy float32 // minx NaN: the feature lost its geometry; remove its entry
}

// goneEntry marks feature id as having no geometry any more.
func goneEntry(id int64) rtreeEntry {
	nan := float32(math.NaN())
	return rtreeEntry{id: id, minx: nan}
}

func (e rtreeEntry) gone() bool { return e.minx != e.minx }

func newRtreeEntry(id int64, b orb.Bound) rtreeEntry {
	return rtreeEntry{id: id, minx: roundDown(b.Min[0]), maxx: roundUp(b.Max[0]), miny: roundDown(b.Min[1]), maxy: roundUp(b.Max[1])}
}

// roundDown and roundUp convert to float32 as rtree.c's rtreeValueDown and rtreeValueUp do,
// so that the stored box always contains the real one.
func roundDown(d float64) float32 {
	f := float32(d)
	if float64(f) > d {
		if d < 0 {
			f = float32(d * (1 + 1.0/8388608))
		} else {
			f = float32(d * (1 - 1.0/8388608))
		}
	}
	return f
}

func roundUp(d float64) float32 {
	f := float32(d)
	if float64(f) < d {
		if d < 0 {
			f = float32(d * (1 - 1.0/8388608))
		} else {
			f = float32(d * (1 + 1.0/8388608))
		}
	}
	return f
}

// rtreeMaxCells is RTREE_MAXCELLS: the most cells a node holds, whatever the page size.
const rtreeMaxCells = 51

// rtreeCellBytes is the size of a 2-dimensional cell: an int64 id and four float32.
const rtreeCellBytes = 8 + 4*4

// writeRtree brings the R-tree rtree up to date with entries (in the order they were written:
// a later entry for an id replaces an earlier one), or with replaceAll makes entries its only
// content.
func writeRtree(ctx context.Context, tx *sql.Tx, rtree string, entries []rtreeEntry, replaceAll bool) error {
	if len(entries) == 0 && !replaceAll {
		return nil
	}
	var existing int64
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(rtree+"_rowid")).Scan(&existing); err != nil {
		return err
	}
	if !replaceAll && int64(len(entries)) < existing/8 {
		return insertRtree(ctx, tx, rtree, entries)
	}
	return rebuildRtree(ctx, tx, rtree, entries, replaceAll)
}

// insertRtree adds or replaces entries one at a time, as the triggers would have.
func insertRtree(ctx context.Context, tx *sql.Tx, rtree string, entries []rtreeEntry) error {
	p := preparer{ctx: ctx, tx: tx}
	put := p.prepare("INSERT OR REPLACE INTO " + quote(rtree) + " (id, minx, maxx, miny, maxy) VALUES (?, ?, ?, ?, ?)")
	del := p.prepare("DELETE FROM " + quote(rtree) + " WHERE id = ?")
	if p.err != nil {
		return p.err
	}
	var err error
	for _, e := range entries {
		if e.gone() {
			_, err = del.ExecContext(ctx, e.id)
		} else {
			_, err = put.ExecContext(ctx, e.id, e.minx, e.maxx, e.miny, e.maxy)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// rebuildRtree packs the index's current entries (none with replaceAll), replaced by entries,
// into a new tree.
func rebuildRtree(ctx context.Context, tx *sql.Tx, rtree string, entries []rtreeEntry, replaceAll bool) error {
	var nodeSize int
	if err := tx.QueryRowContext(ctx, "SELECT length(data) FROM "+quote(rtree+"_node")+" WHERE nodeno = 1").Scan(&nodeSize); err != nil {
		return fmt.Errorf("%s: %w", rtree, err)
	}
	maxCells := min((nodeSize-4)/rtreeCellBytes, rtreeMaxCells)
	if maxCells < 4 {
		return fmt.Errorf("%s: nodes of %d bytes are too small", rtree, nodeSize)
	}
	var all []rtreeEntry
	if !replaceAll {
		var err error
		if all, err = currentRtree(ctx, tx, rtree); err != nil {
			return err
		}
	}
	// Later entries win: sort by id keeping the written order, then keep each id's last.
	all = append(all, entries...)
	slices.SortStableFunc(all, func(a, b rtreeEntry) int { return cmp.Compare(a.id, b.id) })
	kept := all[:0]
	for i, e := range all {
		if i+1 < len(all) && all[i+1].id == e.id {
			continue
		}
		if !e.gone() {
			kept = append(kept, e)
		}
	}
	for _, t := range []string{"_node", "_rowid", "_parent"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+quote(rtree+t)); err != nil {
			return err
		}
	}
	w, err := newNodeWriter(ctx, tx, rtree, nodeSize)
	if err != nil {
		return err
	}
	return w.pack(ctx, kept, maxCells)
}

// currentRtree reads every entry of the index.
func currentRtree(ctx context.Context, tx *sql.Tx, rtree string) ([]rtreeEntry, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, minx, maxx, miny, maxy FROM "+quote(rtree))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rtreeEntry
	for rows.Next() {
		var e rtreeEntry
		var minx, maxx, miny, maxy float64 // exactly the stored float32 values
		if err := rows.Scan(&e.id, &minx, &maxx, &miny, &maxy); err != nil {
			return nil, err
		}
		e.minx, e.maxx, e.miny, e.maxy = float32(minx), float32(maxx), float32(miny), float32(maxy)
		out = append(out, e)
	}
	return out, rows.Err()
}

// nodeWriter writes packed nodes into an R-tree's shadow tables.
type nodeWriter struct {
	size                int
	node, rowid, parent *sql.Stmt
	next                int64 // the next free node number (1 is the root)
	blob, ids           []byte
	leafOf              [][2]int64 // id, leaf node number
}

func newNodeWriter(ctx context.Context, tx *sql.Tx, rtree string, size int) (*nodeWriter, error) {
	w := &nodeWriter{size: size, next: 2, blob: make([]byte, size)}
	p := preparer{ctx: ctx, tx: tx}
	prep := p.prepare
	w.node = prep("INSERT INTO " + quote(rtree+"_node") + " (nodeno, data) VALUES (?, ?)")
	// One statement per node, its cells' ids passed as a JSON array: a statement per cell
	// would cost more than the rest of the packing.
	w.rowid = prep("INSERT INTO " + quote(rtree+"_rowid") + " (rowid, nodeno) SELECT value ->> 0, value ->> 1 FROM json_each(?)")
	w.parent = prep("INSERT INTO " + quote(rtree+"_parent") + " (nodeno, parentnode) SELECT value, ? FROM json_each(?)")
	return w, p.err
}

// pack writes entries as the leaves of a Sort-Tile-Recursive tree and the levels above them,
// the root last as node 1.
func (w *nodeWriter) pack(ctx context.Context, entries []rtreeEntry, maxCells int) error {
	if len(entries) <= maxCells {
		if err := w.write(ctx, 1, 0, entries, true); err != nil {
			return err
		}
		return w.flushRowids(ctx)
	}
	level, depth := entries, 0
	for {
		groups := strGroups(level, maxCells)
		if len(groups) == 1 {
			if err := w.write(ctx, 1, depth, groups[0], depth == 0); err != nil {
				return err
			}
			return w.flushRowids(ctx)
		}
		var parents []rtreeEntry
		for _, g := range groups {
			no := w.next
			w.next++
			if err := w.write(ctx, no, depth, g, depth == 0); err != nil {
				return err
			}
			parents = append(parents, bounds(no, g))
		}
		level, depth = parents, depth+1
	}
}

// write stores one node: its cells, and for a leaf the rowid map, for an inner node its
// children's parent links.
func (w *nodeWriter) write(ctx context.Context, nodeno int64, depth int, cells []rtreeEntry, leaf bool) error {
	b := w.blob
	clear(b)
	if nodeno == 1 {
		binary.BigEndian.PutUint16(b[0:], uint16(depth))
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(cells)))
	for i, c := range cells {
		o := 4 + i*rtreeCellBytes
		binary.BigEndian.PutUint64(b[o:], uint64(c.id))
		binary.BigEndian.PutUint32(b[o+8:], math.Float32bits(c.minx))
		binary.BigEndian.PutUint32(b[o+12:], math.Float32bits(c.maxx))
		binary.BigEndian.PutUint32(b[o+16:], math.Float32bits(c.miny))
		binary.BigEndian.PutUint32(b[o+20:], math.Float32bits(c.maxy))
	}
	if _, err := w.node.ExecContext(ctx, nodeno, b); err != nil {
		return err
	}
	if len(cells) == 0 {
		return nil
	}
	ids := append(w.ids[:0], '[')
	for i, c := range cells {
		if i > 0 {
			ids = append(ids, ',')
		}
		ids = strconv.AppendInt(ids, c.id, 10)
	}
	w.ids = append(ids, ']')
	if leaf { // written in id order once all leaves are out: see flushRowids
		for _, c := range cells {
			w.leafOf = append(w.leafOf, [2]int64{c.id, nodeno})
		}
		return nil
	}
	_, err := w.parent.ExecContext(ctx, nodeno, string(w.ids))
	return err
}

// flushRowids writes the leaf of every entry into the _rowid table in ascending id order, so
// that its B-tree is appended to rather than split at random, in batches passed as JSON.
func (w *nodeWriter) flushRowids(ctx context.Context) error {
	slices.SortFunc(w.leafOf, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
	const batch = 1024
	for i := 0; i < len(w.leafOf); i += batch {
		b := append(w.ids[:0], '[')
		for j, p := range w.leafOf[i:min(i+batch, len(w.leafOf))] {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = strconv.AppendInt(b, p[0], 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, p[1], 10)
			b = append(b, ']')
		}
		w.ids = append(b, ']')
		if _, err := w.rowid.ExecContext(ctx, string(w.ids)); err != nil {
			return err
		}
	}
	return nil
}

// strGroups cuts entries into groups of at most maxCells by Sort-Tile-Recursive: vertical
// slices by centre x, each cut into runs by centre y. It reorders entries.
func strGroups(entries []rtreeEntry, maxCells int) [][]rtreeEntry {
	nodes := (len(entries) + maxCells - 1) / maxCells
	slices.SortFunc(entries, func(a, b rtreeEntry) int { return cmp.Compare(a.minx+a.maxx, b.minx+b.maxx) })
	perSlice := int(math.Ceil(math.Sqrt(float64(nodes)))) * maxCells
	var out [][]rtreeEntry
	for s := 0; s < len(entries); s += perSlice {
		slice := entries[s:min(s+perSlice, len(entries))]
		slices.SortFunc(slice, func(a, b rtreeEntry) int { return cmp.Compare(a.miny+a.maxy, b.miny+b.maxy) })
		for g := 0; g < len(slice); g += maxCells {
			out = append(out, slice[g:min(g+maxCells, len(slice))])
		}
	}
	return out
}

// bounds returns the entry of node no in its parent: the box around cells.
func bounds(no int64, cells []rtreeEntry) rtreeEntry {
	e := cells[0]
	e.id = no
	for _, c := range cells[1:] {
		e.minx, e.maxx = min(e.minx, c.minx), max(e.maxx, c.maxx)
		e.miny, e.maxy = min(e.miny, c.miny), max(e.maxy, c.maxy)
	}
	return e
}
