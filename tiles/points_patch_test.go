package tiles

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// patchFields are the properties of the layers the Patch tests build: a few strings, numbers
// of several kinds (mixed in one column), bools, and long, nearly unique labels.
var patchFields = []string{"kind", "n", "x", "ok", "big", "label"}

// patchModel is a layer as features, by id: what a Points should hold.
type patchModel map[int64]PatchPoint

// randomPatchPoint returns a point with random properties; fresh asks for values unlikely to
// be in the layer yet.
func randomPatchPoint(rng *rand.Rand, id int64, fresh bool) PatchPoint {
	var lon float64
	switch rng.IntN(4) {
	case 0: // shared longitudes
		lon = float64(rng.IntN(40))*0.5 - 10
	default:
		lon = rng.NormFloat64()*20 + 10
	}
	lat := rng.NormFloat64()*30 + 15 // some beyond the Mercator band
	if rng.IntN(10) == 0 {
		lat = float64(rng.IntN(20)) - 10
	}
	props := []any{
		[]string{"a", "b", "c"}[rng.IntN(3)],
		int64(rng.IntN(10)),
		float64(rng.IntN(8)) / 2,
		rng.IntN(2) == 0,
		uint64(rng.IntN(3)) << 40,
		"label " + strconv.Itoa(rng.IntN(5000)) + strings.Repeat(".", 30),
	}
	switch rng.IntN(8) { // other Go types for the same values
	case 0:
		props[1] = rng.IntN(10) // int, encoded as int64
	case 1:
		props[1] = strconv.Itoa(rng.IntN(10)) // a string among the numbers
	case 2:
		props[2] = float32(rng.IntN(8)) / 2
	}
	if fresh {
		switch rng.IntN(5) {
		case 0:
			props[0] = "k" + strconv.Itoa(rng.IntN(1000))
		case 1:
			props[1] = int64(rng.IntN(1000) + 100)
		case 2:
			props[2] = rng.Float64()
		case 3:
			props[4] = rng.Uint64()
		default:
			props[5] = "new label " + strconv.Itoa(rng.IntN(1e6))
		}
	}
	for range rng.IntN(3) {
		if rng.IntN(3) == 0 {
			props[rng.IntN(len(props))] = nil
		}
	}
	if rng.IntN(50) == 0 {
		props[rng.IntN(len(props))] = func() {} // cannot be encoded: no value
	}
	if rng.IntN(40) == 0 {
		props = props[:rng.IntN(len(props))] // missing trailing values are nil
	}
	return PatchPoint{ID: id, Point: orb.Point{lon, lat}, Props: props}
}

// newPatchModel returns n random points with ids 4 apart, some negative.
func newPatchModel(rng *rand.Rand, n int) patchModel {
	m := patchModel{}
	for i := range n {
		id := int64(i-n/10) * 4
		m[id] = randomPatchPoint(rng, id, false)
	}
	return m
}

// ids returns the model's ids in ascending order.
func (m patchModel) ids() []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// build returns the model's points as a Points built from scratch, with as many columns
// dropped (largest first).
func (m patchModel) build(drop int) *Points {
	b := NewPointsBuilder(patchFields)
	for _, id := range m.ids() {
		b.Add(id, m[id].Point, m[id].Props)
	}
	for range drop {
		b.DropLargest()
	}
	return b.Build()
}

// patch returns the model after Patch(gone, add), following Patch's documentation.
func (m patchModel) patch(gone []orb.Bound, add []PatchPoint) patchModel {
	const margin = 1e-9
	out := patchModel{}
	for id, f := range m {
		in := false
		for _, b := range gone {
			p := f.Point
			if p[0] >= b.Min[0]-margin && p[0] <= b.Max[0]+margin && p[1] >= b.Min[1]-margin && p[1] <= b.Max[1]+margin {
				in = true
			}
		}
		if !in {
			out[id] = f
		}
	}
	for _, f := range add {
		out[f.ID] = f
	}
	return out
}

// randomPatch returns a patch like those the server makes after writes: some areas are read
// again (their points come back, some changed, some gone) and points are moved, updated,
// deleted and inserted elsewhere.
func (m patchModel) randomPatch(rng *rand.Rand) ([]orb.Bound, []PatchPoint) {
	ids := m.ids()
	var gone []orb.Bound
	var add []PatchPoint
	taken := map[int64]bool{}
	put := func(f PatchPoint) {
		if !taken[f.ID] {
			taken[f.ID] = true
			add = append(add, f)
		}
	}
	for range rng.IntN(4) {
		c := m[ids[rng.IntN(len(ids))]].Point
		if rng.IntN(3) == 0 {
			c[0] = float64(rng.IntN(40))*0.5 - 10 // on shared longitudes
		}
		w, h := rng.Float64()*3, rng.Float64()*3
		if rng.IntN(4) == 0 {
			w, h = 0, 0 // a single position, as for the point itself
		}
		b := orb.Bound{Min: orb.Point{c[0] - w, c[1] - h}, Max: orb.Point{c[0] + w, c[1] + h}}
		gone = append(gone, b)
		// The points within are read again: most unchanged, some changed or deleted.
		for _, f := range m {
			if !b.Contains(f.Point) {
				continue
			}
			switch rng.IntN(10) {
			case 0: // deleted
			case 1: // updated
				put(randomPatchPoint(rng, f.ID, rng.IntN(2) == 0))
			default:
				put(f)
			}
		}
	}
	for range rng.IntN(8) {
		id := ids[rng.IntN(len(ids))]
		switch rng.IntN(4) {
		case 0: // an update elsewhere (possibly moved far)
			put(randomPatchPoint(rng, id, rng.IntN(2) == 0))
		case 1: // a deleted point: its position is read again
			p := m[id].Point
			gone = append(gone, orb.Bound{Min: p, Max: p})
		case 2: // inserted in the middle
			if _, ok := m[id+1]; !ok {
				put(randomPatchPoint(rng, id+1, rng.IntN(2) == 0))
			}
		default: // inserted at the end
			last := ids[len(ids)-1]
			put(randomPatchPoint(rng, last+1+int64(rng.IntN(3)), rng.IntN(2) == 0))
		}
	}
	rng.Shuffle(len(add), func(i, j int) { add[i], add[j] = add[j], add[i] })
	return gone, add
}

// patchTiles returns tiles at several zooms around some of the model's points and the
// patched areas.
func patchTiles(rng *rand.Rand, m patchModel, gone []orb.Bound) []maptile.Tile {
	var centers []orb.Point
	ids := m.ids()
	for range 3 {
		centers = append(centers, m[ids[rng.IntN(len(ids))]].Point)
	}
	for _, b := range gone {
		centers = append(centers, b.Center())
	}
	var out []maptile.Tile
	for _, c := range centers {
		c[1] = max(-85, min(85, c[1]))
		for _, z := range []maptile.Zoom{0, 4, 8, 12} {
			t := maptile.At(c, z)
			out = append(out, t)
			if n := (maptile.Tile{X: t.X + 1, Y: t.Y, Z: z}); n.Valid() {
				out = append(out, n)
			}
		}
	}
	return out
}

// patchEncode returns, for each tile, the tiles built from p: all points, filtered points
// with some properties, and clusters.
func patchEncode(t *testing.T, p *Points, tiles []maptile.Tile) [][]byte {
	t.Helper()
	var out [][]byte
	for _, tile := range tiles {
		var filters []PointFilter
		if col := p.Column("kind"); col >= 0 {
			filters = append(filters, p.Filter(col, true, func(v any) bool {
				s, _ := v.(string)
				return s == "a" || strings.HasPrefix(s, "k")
			}))
		}
		if col := p.Column("n"); col >= 0 {
			filters = append(filters, p.Filter(col, false, func(v any) bool {
				n, ok := v.(int64)
				return !ok || n > 3
			}))
		}
		sum := ClusterOptions{Sum: []string{"n", "x", "big"}}
		for _, l := range [][]Layer{
			{{Name: "all", Points: p.Select(tile, 64, nil, nil)}},
			{{Name: "some", Points: p.Select(tile, 16, filters, []string{"n", "kind", "label", "nothing"})}},
			{{Name: "clusters", Features: ClusterPoints(tile, p.Select(tile, 256, nil, nil), sum)}},
			{{Name: "filtered clusters", Features: ClusterPoints(tile, p.Select(tile, 256, filters, []string{"x"}), sum)}},
		} {
			b, err := EncodeMVT(tile, l, MVTOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

// comparePatched fails unless got holds what want (built from scratch) does and builds the
// same tiles.
func comparePatched(t *testing.T, got, want *Points, tiles []maptile.Tile) {
	t.Helper()
	if got.Len() != want.Len() {
		t.Fatalf("Len %d, want %d", got.Len(), want.Len())
	}
	if !slices.Equal(got.ids, want.ids) || !slices.Equal(got.lon, want.lon) || !slices.Equal(got.lat, want.lat) {
		t.Fatal("ids or positions differ")
	}
	if !slices.Equal(got.byLon, want.byLon) {
		t.Fatal("byLon differs from Build's")
	}
	if got.Holds(nil) != want.Holds(nil) {
		t.Fatalf("Holds(nil) = %v, want %v", got.Holds(nil), want.Holds(nil))
	}
	for i, c := range want.cols {
		g := got.cols[i]
		if got.Column(c.name) != want.Column(c.name) || got.Holds([]string{c.name}) != want.Holds([]string{c.name}) {
			t.Fatalf("column %s: Column or Holds differs", c.name)
		}
		if g.dropped != c.dropped || g.dropped && (g.codes != nil || g.dict != nil) {
			t.Fatalf("column %s: dropped %v, want %v", c.name, g.dropped, c.dropped)
		}
		if c.dropped {
			continue
		}
		seen := map[value]bool{}
		for _, v := range g.dict[1:] {
			if seen[v] {
				t.Fatalf("column %s: %v twice in the dictionary", c.name, v.any())
			}
			seen[v] = true
		}
		for pos := range c.codes {
			if gv, wv := g.dict[g.codes[pos]], c.dict[c.codes[pos]]; gv != wv || (g.codes[pos] == 0) != (c.codes[pos] == 0) {
				t.Fatalf("column %s, id %d: %v, want %v", c.name, want.ids[pos], gv.any(), wv.any())
			}
		}
	}
	if gb, wb := got.Bytes(), want.Bytes(); gb < wb-patchAbs(wb)/4 || gb > wb+patchAbs(wb)/2 {
		t.Fatalf("Bytes %d, want about %d", gb, wb)
	}
	gt, wt := patchEncode(t, got, tiles), patchEncode(t, want, tiles)
	for i := range wt {
		if !bytes.Equal(gt[i], wt[i]) {
			t.Fatalf("tile %v (%d): %d bytes, want %d", tiles[i/4], i%4, len(gt[i]), len(wt[i]))
		}
	}
}

func patchAbs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func TestPatchRandom(t *testing.T) {
	for _, tc := range []struct {
		name string
		seed uint64
		n    int
		drop int
	}{
		{"small", 1, 300, 0},
		{"larger", 2, 2000, 0},
		{"dropped column", 3, 1000, 1},
		{"two dropped columns", 4, 1000, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(tc.seed, 9))
			model := newPatchModel(rng, tc.n)
			p := model.build(tc.drop)
			first, firstTiles := p, patchTiles(rng, model, nil)
			firstEnc := patchEncode(t, first, firstTiles)
			prev := model.build(tc.drop)
			for step := range 25 {
				gone, add := model.randomPatch(rng)
				if step%10 == 9 { // a write far outside, to nothing
					gone, add = []orb.Bound{{Min: orb.Point{170, -89}, Max: orb.Point{171, -88}}}, nil
				}
				next := p.Patch(gone, add)
				nextModel := model.patch(gone, add)
				tiles := patchTiles(rng, nextModel, gone)
				want := nextModel.build(tc.drop)
				if step == 0 && tc.drop > 0 && want.Holds(nil) {
					t.Fatal("no column dropped")
				}
				comparePatched(t, next, want, tiles)
				if step%4 == 0 {
					comparePatched(t, p, prev, tiles) // p is unchanged
				}
				p, model, prev = next, nextModel, want
			}
			if got := patchEncode(t, first, firstTiles); !slices.EqualFunc(got, firstEnc, bytes.Equal) {
				t.Fatal("the first Points builds other tiles after patching")
			}
		})
	}
}

// TestPatchDictionary checks the dictionaries: shared while no value is new, rebuilt without
// the values no point holds when one is.
func TestPatchDictionary(t *testing.T) {
	b := NewPointsBuilder([]string{"kind"})
	for i, k := range []string{"a", "b", "a", "c", "b"} {
		b.Add(int64(i), orb.Point{float64(i), 0}, []any{k})
	}
	p := b.Build()
	kinds := func(p *Points) []string {
		var out []string
		for _, v := range p.cols[0].dict[1:] {
			out = append(out, v.s)
		}
		return out
	}

	q := p.Patch([]orb.Bound{{Min: orb.Point{3, 0}, Max: orb.Point{3, 0}}}, []PatchPoint{{ID: 9, Props: []any{"a"}}})
	if &q.cols[0].dict[0] != &p.cols[0].dict[0] {
		t.Error("dictionary copied, though no value is new")
	}
	if got := kinds(q); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("dictionary %q, want the old one (c not in use any more)", got)
	}
	r := q.Patch(nil, []PatchPoint{{ID: 10, Props: []any{"d"}}, {ID: 11, Props: []any{"d"}}, {ID: 12, Props: []any{"e"}}})
	if got := kinds(r); !slices.Equal(got, []string{"a", "b", "d", "e"}) {
		t.Errorf("dictionary %q, want a b d e", got)
	}
	if got := kinds(q); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("patched Points' dictionary changed to %q", got)
	}
	want := []string{"a", "b", "a", "b", "a", "d", "d", "e"}
	for pos, code := range r.cols[0].codes {
		if got := r.cols[0].dict[code].s; got != want[pos] {
			t.Errorf("point %d (id %d) is %q, want %q", pos, r.ids[pos], got, want[pos])
		}
	}
}

func TestPatchRepeatedID(t *testing.T) {
	model := newPatchModel(rand.New(rand.NewPCG(5, 5)), 100)
	p := model.build(0)
	add := []PatchPoint{
		{ID: 1, Point: orb.Point{1, 1}, Props: []any{"first"}},
		{ID: 1, Point: orb.Point{2, 2}, Props: []any{"last"}},
	}
	q := p.Patch(nil, add)
	if q.Len() != p.Len()+1 {
		t.Fatalf("Len %d, want %d", q.Len(), p.Len()+1)
	}
	comparePatched(t, q, model.patch(nil, add[1:]).build(0), []maptile.Tile{{}})
}

func TestPatchEmpty(t *testing.T) {
	p := NewPointsBuilder(patchFields).Build()
	add := []PatchPoint{{ID: 5, Point: orb.Point{1, 2}, Props: []any{"a", int64(1)}}, {ID: 3, Point: orb.Point{1, 2}}}
	q := p.Patch([]orb.Bound{{Max: orb.Point{1, 1}}}, add)
	comparePatched(t, q, patchModel{}.patch(nil, add).build(0), []maptile.Tile{{}})
	if r := q.Patch([]orb.Bound{{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}}, nil); r.Len() != 0 {
		t.Fatalf("%d points left after removing the world", r.Len())
	}
}

// TestPatchConcurrent patches one Points twice at once, with new values for the same columns,
// while tiles are built from it (run with -race).
func TestPatchConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	model := newPatchModel(rng, 5000)
	p := model.build(0)
	tiles := patchTiles(rng, model, nil)
	want := patchEncodeSome(p, tiles)
	type patch struct {
		gone []orb.Bound
		add  []PatchPoint
	}
	var patches []patch
	for i := range 4 {
		var add []PatchPoint
		for j := range 20 {
			add = append(add, randomPatchPoint(rng, int64(1e6+100*i+j), true))
		}
		gone, more := model.randomPatch(rng)
		patches = append(patches, patch{gone, append(add, more...)})
	}
	results := make([]*Points, len(patches))
	var wg sync.WaitGroup
	for i, pt := range patches {
		wg.Go(func() { results[i] = p.Patch(pt.gone, pt.add) })
	}
	var readErr error
	var mu sync.Mutex
	wg.Go(func() {
		for range 3 {
			got := patchEncodeSome(p, tiles)
			if !slices.EqualFunc(got, want, bytes.Equal) {
				mu.Lock()
				readErr = fmt.Errorf("tiles changed while patching")
				mu.Unlock()
			}
		}
	})
	wg.Wait()
	if readErr != nil {
		t.Fatal(readErr)
	}
	for i, pt := range patches {
		m := model.patch(pt.gone, pt.add)
		comparePatched(t, results[i], m.build(0), patchTiles(rng, m, pt.gone))
	}
}

// patchEncodeSome is patchEncode for another goroutine than the test's: it returns nil on
// error.
func patchEncodeSome(p *Points, tiles []maptile.Tile) [][]byte {
	var out [][]byte
	for _, tile := range tiles {
		b, err := EncodeMVT(tile, []Layer{{Name: "all", Points: p.Select(tile, 64, nil, nil)}}, MVTOptions{})
		if err != nil {
			return nil
		}
		sum := ClusterOptions{Sum: []string{"n", "x", "big"}}
		c, err := EncodeMVT(tile, []Layer{{Name: "c", Features: ClusterPoints(tile, p.Select(tile, 256, nil, nil), sum)}}, MVTOptions{})
		if err != nil {
			return nil
		}
		out = append(out, b, c)
	}
	return out
}

// addPatchBenchPoints adds n points like a layer of incidents to b: a kind, two numbers, a bool and
// a region (one of 50) or, with unique, a label of its own.
func addPatchBenchPoints(b *PointsBuilder, n int, unique bool) {
	rng := rand.New(rand.NewPCG(3, 4))
	kinds := []any{"battle", "protest", "riot", "explosion", "violence against civilians", nil}
	var nums, xs, regions []any
	for i := range 16 {
		nums = append(nums, int64(i))
		xs = append(xs, float64(i)/4)
	}
	for i := range 50 {
		regions = append(regions, "region "+strconv.Itoa(i))
	}
	oks := []any{true, false}
	props := make([]any, 5)
	for i := range n {
		props[0], props[1], props[2], props[3] = kinds[rng.IntN(len(kinds))], nums[rng.IntN(16)], xs[rng.IntN(16)], oks[rng.IntN(2)]
		if unique {
			props[4] = "incident " + strconv.Itoa(i)
		} else {
			props[4] = regions[rng.IntN(50)]
		}
		b.Add(int64(i)*2, orb.Point{rng.Float64()*60 - 20, rng.Float64()*70 - 35}, props)
	}
}

var patchBenchFields = []string{"kind", "n", "x", "ok", "label"}

const patchBenchLayer = 1_000_000

// BenchmarkPatch patches a layer of 1,000,000 points after one write: a small area is read
// again and a point inserted.
func BenchmarkPatch(b *testing.B) {
	for _, unique := range []bool{false, true} {
		b.Run(map[bool]string{false: "few values", true: "unique labels"}[unique], func(b *testing.B) {
			pb := NewPointsBuilder(patchBenchFields)
			addPatchBenchPoints(pb, patchBenchLayer, unique)
			p := pb.Build()
			gone := []orb.Bound{{Min: orb.Point{10, 10}, Max: orb.Point{10.01, 10.01}}}
			add := []PatchPoint{{ID: patchBenchLayer + 1, Point: orb.Point{10.005, 10.005},
				Props: []any{"riot", int64(3), 0.5, true, "incident " + strconv.Itoa(patchBenchLayer+1)}}}
			if !unique {
				add[0].Props[4] = "region 7"
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if q := p.Patch(gone, add); q.Len() < patchBenchLayer-100 {
					b.Fatal(q.Len())
				}
			}
		})
	}
}

// BenchmarkPatchBuild builds BenchmarkPatch's layer from scratch, as a whole read does (without
// the reading).
func BenchmarkPatchBuild(b *testing.B) {
	for _, unique := range []bool{false, true} {
		b.Run(map[bool]string{false: "few values", true: "unique labels"}[unique], func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				pb := NewPointsBuilder(patchBenchFields)
				addPatchBenchPoints(pb, patchBenchLayer, unique)
				if pb.Build().Len() != patchBenchLayer {
					b.Fatal("wrong length")
				}
			}
		})
	}
}

// TestPatchMargin checks that gone has Select's margin: a point 0.5e-9° outside a bound is
// removed, one 2e-9° outside is not.
func TestPatchMargin(t *testing.T) {
	b := NewPointsBuilder(nil)
	b.Add(1, orb.Point{1 + 0.5e-9, 0}, nil)
	b.Add(2, orb.Point{1 + 2e-9, 0}, nil)
	b.Add(3, orb.Point{0.5, -0.5e-9}, nil)
	b.Add(4, orb.Point{0.5, 1 + 2e-9}, nil)
	q := b.Build().Patch([]orb.Bound{{Max: orb.Point{1, 1}}}, nil)
	if !slices.Equal(q.ids, []int64{2, 4}) {
		t.Fatalf("ids %v left, want [2 4]", q.ids)
	}
}
