package ingest

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestSelfIntersection(t *testing.T) {
	cases := []struct {
		name string
		ring orb.Ring
		want bool
	}{
		{"square", orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, false},
		{"triangle", orb.Ring{{0, 0}, {1, 0}, {0, 1}, {0, 0}}, false},
		{"bowtie", orb.Ring{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}, true},
		{"repeated point", orb.Ring{{0, 0}, {1, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, false},
		{"spike back along an edge", orb.Ring{{0, 0}, {2, 0}, {1, 0}, {1, 1}, {0, 0}}, true},
		{"straight through the closing point", orb.Ring{{1, 0}, {2, 0}, {2, 1}, {0, 0}, {1, 0}}, false},
		{"closing spike", orb.Ring{{0, 0}, {2, 0}, {2, 1}, {0, 1}, {0, -1}, {0, 0}}, true},
		{"touches itself at a vertex", orb.Ring{{0, 0}, {2, 0}, {1, 1}, {2, 2}, {0, 2}, {1, 1}, {0, 0}}, true},
		{"vertex on another edge", orb.Ring{{0, 0}, {2, 0}, {2, 2}, {1, 0}, {0, 2}, {0, 0}}, true},
		{"collapsed", orb.Ring{{0, 0}, {1, 0}, {0, 0}, {0, 0}}, true},
		{"large circle", circle(5000, 0), false},
		{"large circle with a crossing", circle(5000, 2500), true},
		{"large comb", comb(1000, 100), false},
		{"comb with long teeth", comb(1000, 2000), false},
		{"comb with long teeth along x", flip(comb(1000, 2000)), false},
		{"star", star(2500), false},
		{"star with a spike across", mirrored(star(2500), 1001), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := selfIntersection(tc.ring); got != tc.want {
				t.Errorf("selfIntersection = %v, want %v", got, tc.want)
			}
		})
	}
}

// circle returns a closed ring of n points on a circle; with swap > 0 two consecutive
// points at swap are exchanged, which makes the ring cross itself there.
func circle(n, swap int) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		r = append(r, orb.Point{math.Cos(a), math.Sin(a)})
	}
	if swap > 0 {
		r[swap], r[swap+1] = r[swap+1], r[swap]
	}
	return append(r, r[0])
}

// comb returns a ring with n narrow teeth of the given length along y. With length > n,
// y is the longer axis and every tooth spans the same stretch of it: the worst case for the
// sweep, which then tests about (2n)² pairs by their extent along x.
func comb(n int, length float64) orb.Ring {
	var r orb.Ring
	for i := 0; i < n; i++ {
		x := float64(i)
		r = append(r, orb.Point{x, 0}, orb.Point{x, length}, orb.Point{x + 0.5, length}, orb.Point{x + 0.5, 1})
	}
	r = append(r, orb.Point{float64(n), 1}, orb.Point{float64(n), -1}, orb.Point{0, -1}, orb.Point{0, 0})
	return r
}

// star returns a ring of n long, narrow spikes around a tiny centre: thousands of long
// segments that overlap along both axes.
func star(n int) orb.Ring {
	var r orb.Ring
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		b := 2 * math.Pi * (float64(i) + 0.5) / float64(n)
		r = append(r, orb.Point{0.01 * math.Cos(a), 0.01 * math.Sin(a)}, orb.Point{math.Cos(b), math.Sin(b)})
	}
	return append(r, r[0])
}

// TestSweepMatchesBruteForce compares both sweeps with the pair-by-pair test on random rings:
// simple polygons (random points sorted by angle) on a coarse grid, which gives collinear
// points and shared coordinates, and copies with two vertices swapped or one moved onto
// another, which mostly makes them cross or touch themselves.
func TestSweepMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	crossing := 0
	for iter := 0; iter < 3000; iter++ {
		n := 34 + rng.IntN(60)
		if iter%20 == 0 {
			n = 200 + rng.IntN(300)
		}
		grid := float64(int(math.Sqrt(float64(n))) + 2 + rng.IntN(40)) // room for n points
		type polar struct {
			a float64
			p orb.Point
		}
		var ps []polar
		seen := map[orb.Point]bool{}
		for len(ps) < n {
			p := orb.Point{math.Round(rng.Float64()*grid) - grid/2, math.Round(rng.Float64()*grid) - grid/2}
			if seen[p] || p == (orb.Point{}) {
				continue
			}
			seen[p] = true
			ps = append(ps, polar{math.Atan2(p[1], p[0]), p})
		}
		slices.SortFunc(ps, func(x, y polar) int { return cmp.Compare(x.a, y.a) })
		pts := make([]orb.Point, 0, n+1)
		for _, x := range ps {
			pts = append(pts, x.p)
		}
		switch iter % 3 {
		case 1:
			i, j := rng.IntN(n), rng.IntN(n)
			pts[i], pts[j] = pts[j], pts[i]
		case 2:
			pts[rng.IntN(n)] = pts[rng.IntN(n)]
		}
		pts = append(pts, pts[0])
		dedup := pts[:1]
		for _, p := range pts[1:] {
			if p != dedup[len(dedup)-1] {
				dedup = append(dedup, p)
			}
		}
		m := len(dedup) - 1
		if m < 3 {
			continue
		}
		_, want := bruteForce(dedup, m)
		if _, got := sweep(dedup, m); got != want {
			t.Fatalf("ring %v: sweep says %v, brute force %v", dedup, got, want)
		}
		if _, got, _ := spanSweep(dedup, m, m*m); got != want {
			t.Fatalf("ring %v: spanSweep says %v, brute force %v", dedup, got, want)
		}
		if want {
			crossing++
		}
	}
	if crossing < 500 || crossing > 2500 {
		t.Errorf("%d of 3000 random rings meet themselves; the test should cover both kinds", crossing)
	}
}

// mirrored returns r with point i moved to the other side of the origin.
func mirrored(r orb.Ring, i int) orb.Ring {
	r = slices.Clone(r)
	r[i] = orb.Point{-r[i][0], -r[i][1]}
	return r
}

// flip swaps the x and y of every point.
func flip(r orb.Ring) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[i] = orb.Point{p[1], p[0]}
	}
	return out
}

func TestCheckGeometry(t *testing.T) {
	cases := []struct {
		name string
		g    orb.Geometry
		want string // "" for valid
	}{
		{"nil", nil, ""},
		{"point", orb.Point{-180, 90}, ""},
		{"lon out", orb.Point{180.5, 0}, "longitude 180.5 is outside [-180, 180]"},
		{"NaN lat", orb.Point{0, math.NaN()}, "latitude NaN is not a finite number"},
		{"multipolygon ring", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, {{{0, 0}, {1, 0}, {0, 0}}}}, "polygon 2: ring: a ring needs at least 4 points"},
		{"hole", orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {0, 0}}, {{1, 1}, {2, 1}, {1, 2}}}, "ring 2: a ring needs at least 4 points"},
		{"empty polygon", orb.Polygon{}, "no rings"},
		{"collection", orb.Collection{orb.Point{0, 0}, orb.LineString{{0, 0}}}, "geometry 2 of the collection: a line string needs at least 2 points"},
		{"multiline", orb.MultiLineString{{{0, 0}, {1, 1}}, {{0, 0}, {0, 91}}}, "line 2: latitude 91 is outside"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkGeometry(tc.g)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestSpanSweepGivesUp checks that the star, which defeats spanSweep, is left to the sweep
// line within the budget.
func TestSpanSweepGivesUp(t *testing.T) {
	r := star(2500)
	if _, _, done := spanSweep(r, len(r)-1, spanBudget*(len(r)-1)); done {
		t.Error("spanSweep finished the star within its budget; the test no longer covers the fallback")
	}
	if _, _, done := spanSweep(circle(5000, 0), 5000, spanBudget*5000); !done {
		t.Error("spanSweep gave up on a circle")
	}
}

func BenchmarkSelfIntersection(b *testing.B) {
	for _, bc := range []struct {
		name string
		ring orb.Ring
	}{{"circle 5000", circle(5000, 0)}, {"comb 4000", comb(1000, 2000)}, {"star 5000", star(2500)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				selfIntersection(bc.ring)
			}
		})
	}
}
