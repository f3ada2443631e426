package tiles

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// mercY is the Web Mercator y of latitude lat as a fraction of the world, 0 at the top.
func mercY(lat float64) float64 {
	s := math.Sin(lat * math.Pi / 180)
	return 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
}

// randomTiles returns n deterministic tiles of zoom z, the four corners of the grid first.
func randomTiles(z maptile.Zoom, n int) []maptile.Tile {
	max := uint32(1)<<z - 1
	ts := []maptile.Tile{maptile.New(0, 0, z), maptile.New(max, 0, z), maptile.New(0, max, z), maptile.New(max, max, z)}
	rng := rand.New(rand.NewPCG(uint64(z), 42))
	for len(ts) < n {
		ts = append(ts, maptile.New(uint32(rng.Uint64N(uint64(max)+1)), uint32(rng.Uint64N(uint64(max)+1)), z))
	}
	return ts
}

// TestTileMath checks the tile arithmetic the server relies on at every zoom 0..22.
func TestTileMath(t *testing.T) {
	for z := maptile.Zoom(0); z <= 22; z++ {
		t.Run(fmt.Sprintf("z%d", z), func(t *testing.T) {
			n := uint32(1) << z
			for _, tile := range randomTiles(z, 300) {
				b := tile.Bound()
				if got := maptile.At(b.Center(), z); got != tile {
					t.Fatalf("At(center of %v) = %v", tile, got)
				}
				if tile.X+1 < n {
					right := maptile.New(tile.X+1, tile.Y, z).Bound()
					if b.Max[0] != right.Min[0] || b.Min[1] != right.Min[1] || b.Max[1] != right.Max[1] {
						t.Fatalf("%v and its right neighbour do not share an edge: %v %v", tile, b, right)
					}
				}
				if tile.Y+1 < n {
					below := maptile.New(tile.X, tile.Y+1, z).Bound()
					if b.Min[1] != below.Max[1] || b.Min[0] != below.Min[0] || b.Max[0] != below.Max[0] {
						t.Fatalf("%v and its lower neighbour do not share an edge: %v %v", tile, b, below)
					}
				}
				for _, buffer := range []int{0, 1, 64, 256} {
					q := QueryBound(tile, buffer)
					if !q.Contains(b.Min) || !q.Contains(b.Max) {
						t.Fatalf("QueryBound(%v, %d) = %v does not contain %v", tile, buffer, q, b)
					}
					frac := float64(buffer) / 4096
					// Longitude is linear: each side grows by frac of the tile width.
					w := b.Max[0] - b.Min[0]
					for _, d := range []float64{b.Min[0] - q.Min[0], q.Max[0] - b.Max[0]} {
						if math.Abs(d-frac*w) > 1e-9*w+1e-12 {
							t.Fatalf("QueryBound(%v, %d): a side grew by %g°, want %g°", tile, buffer, d, frac*w)
						}
					}
					// Latitude grows by frac of the tile height in Mercator, except at the world's edge.
					// Degrees near the poles carry ~1e-15 of the world in y, hence the absolute slack.
					h := 1 / float64(n)
					top := mercY(b.Max[1]) - mercY(q.Max[1])
					bottom := mercY(q.Min[1]) - mercY(b.Min[1])
					wantTop, wantBottom := frac*h, frac*h
					if tile.Y == 0 {
						wantTop = 0
					}
					if tile.Y == n-1 {
						wantBottom = 0
					}
					if math.Abs(top-wantTop) > 1e-13 || math.Abs(bottom-wantBottom) > 1e-13 {
						t.Fatalf("QueryBound(%v, %d): grew by %g and %g of the world in y, want %g and %g",
							tile, buffer, top, bottom, wantTop, wantBottom)
					}
				}
			}
		})
	}
}

func TestQueryBound(t *testing.T) {
	world := maptile.New(0, 0, 0)
	cases := []struct {
		name   string
		tile   maptile.Tile
		buffer int
		want   orb.Bound
	}{
		{name: "no buffer is the tile", tile: world, buffer: 0, want: world.Bound()},
		{name: "negative buffer counts as none", tile: world, buffer: -5, want: world.Bound()},
		{name: "world grows past the antimeridian, not the poles", tile: world, buffer: 64,
			want: orb.Bound{Min: orb.Point{-180 - 360.0/64, -85.0511287798066}, Max: orb.Point{180 + 360.0/64, 85.0511287798066}}},
		{name: "default buffer", tile: maptile.New(1, 1, 1), buffer: DefaultBuffer,
			want: maptile.New(1, 1, 1).Bound(1.0 / 64)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := QueryBound(tc.tile, tc.buffer)
			for i, g := range []float64{got.Min[0], got.Min[1], got.Max[0], got.Max[1]} {
				w := []float64{tc.want.Min[0], tc.want.Min[1], tc.want.Max[0], tc.want.Max[1]}[i]
				if math.Abs(g-w) > 1e-9 {
					t.Fatalf("QueryBound(%v, %d) = %v, want %v", tc.tile, tc.buffer, got, tc.want)
				}
			}
		})
	}
}
