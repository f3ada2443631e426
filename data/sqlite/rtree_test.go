package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// rtreeCheck runs SQLite's own consistency check of an R-tree.
func rtreeCheck(t *testing.T, path, rtree string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("SELECT rtreecheck(?)", rtree).Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("rtreecheck(%s): %s", rtree, res)
	}
}

// scattered returns n records at random points (some in the same place), keys k0..k(n-1).
func scattered(n int, seed uint64) []*data.Record {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]*data.Record, n)
	for i := range out {
		p := orb.Point{rng.Float64()*40 - 20, rng.Float64()*30 - 5}
		if i%50 == 0 {
			p = orb.Point{1, 1}
		}
		out[i] = &data.Record{Geometry: p, Properties: map[string]any{"key": fmt.Sprintf("k%d", i)}, Where: fmt.Sprint(i)}
	}
	return out
}

// TestRtreeWrites imports in every way that writes the R-tree (bulk packing, one entry at a
// time, replacing, moving, removing geometries) and checks the index with rtreecheck and
// against a scan of every feature.
func TestRtreeWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rtree.gpkg")
	if err := Create(context.Background(), path, nil); err != nil {
		t.Fatal(err)
	}
	s, _ := openStore(t, path, Options{})
	ctx := context.Background()
	spec := data.ImportSpec{Layer: "pts", GeometryType: "POINT", Fields: []data.Field{{Name: "key", Type: data.Text}}}
	moved := scattered(300, 9)
	for i, r := range moved {
		r.Properties["key"] = fmt.Sprintf("k%d", i*10)
	}
	moved[7].Geometry = nil // loses its geometry
	steps := []struct {
		name    string
		mode    data.ImportMode
		records []*data.Record
	}{
		{"bulk into a new layer", data.Append, scattered(20000, 1)},
		{"a few into a large index", data.Append, scattered(40, 2)},
		{"upsert moving some", data.Upsert, moved},
		{"replace", data.Replace, scattered(5000, 4)},
		{"tiny replace", data.Replace, scattered(3, 5)},
		{"bulk append after", data.Append, scattered(3000, 6)},
	}
	for _, st := range steps {
		spec.Mode, spec.Key = st.mode, "key"
		if _, err := s.Import(ctx, spec, feed(st.records, 0)); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		rtreeCheck(t, path, "rtree_pts_geom")
		// Every box query must find exactly what a scan finds.
		all := collect(t, s, "pts", data.Query{})
		for q := range 20 {
			rng := rand.New(rand.NewPCG(uint64(q), 11))
			x, y := rng.Float64()*40-20, rng.Float64()*30-5
			box := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + rng.Float64()*10, y + rng.Float64()*10}}
			if q == 0 {
				box = orb.Bound{Min: orb.Point{0.5, 0.5}, Max: orb.Point{1.5, 1.5}} // the shared point
			}
			want := 0
			for _, f := range all {
				if f.Geometry != nil && box.Contains(f.Geometry.(orb.Point)) {
					want++
				}
			}
			if got := len(collect(t, s, "pts", data.Query{BBox: &box})); got != want {
				t.Fatalf("%s: box %v: the index finds %d features, a scan %d", st.name, box, got, want)
			}
		}
	}
	// The index still takes ordinary writes after a bulk load.
	if _, err := s.Insert(ctx, "pts", []*data.Record{{Geometry: orb.Point{2, 2}}}); err != nil {
		t.Fatal(err)
	}
	first := collect(t, s, "pts", data.Query{Limit: 1})[0].ID.(int64)
	if _, err := s.Delete(ctx, "pts", first, nil); err != nil {
		t.Fatal(err)
	}
	rtreeCheck(t, path, "rtree_pts_geom")
}

func TestRoundOutwards(t *testing.T) {
	for _, d := range []float64{0.1, -0.1, 14.123456789, -4.987654321, 179.99999999, -89.9999999, 0, 1e-30} {
		if lo, hi := roundDown(d), roundUp(d); float64(lo) > d || float64(hi) < d {
			t.Errorf("%v rounds to [%v, %v]", d, lo, hi)
		}
	}
}
