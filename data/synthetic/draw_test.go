package synthetic

import (
	"math"
	"testing"
)

func TestBelow(t *testing.T) {
	cases := []struct {
		name string
		n    uint64
	}{
		{"one", 1},
		{"small", 7},
		{"not a power of two", 1000},
		{"huge", math.MaxUint64 - 5},
	}
	s := newSource(3)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 10_000 {
				if v := s.below(c.n); v >= c.n {
					t.Fatalf("below(%d) = %d", c.n, v)
				}
			}
		})
	}
}

func TestNormal(t *testing.T) {
	cases := []struct {
		name  string
		sigma int64
	}{
		{"0.1°", 100_000},
		{"0.3°", 300_000},
	}
	s := newSource(5)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const n = 200_000
			sigma3 := int64(math.Round(float64(c.sigma) * math.Sqrt(3)))
			var sum, sq float64
			for range n {
				v := s.normal(sigma3)
				if math.Abs(float64(v)) > 3.47*float64(c.sigma) {
					t.Fatalf("offset %d beyond 3.47 sigma", v)
				}
				sum += float64(v)
				sq += float64(v) * float64(v)
			}
			mean := sum / n
			sd := math.Sqrt(sq/n - mean*mean)
			if math.Abs(mean) > 0.01*float64(c.sigma) || math.Abs(sd/float64(c.sigma)-1) > 0.01 {
				t.Errorf("mean %.0f, sd %.0f; want 0, %d", mean, sd, c.sigma)
			}
		})
	}
}

func TestPick(t *testing.T) {
	cum := cumulate([]uint64{1, 0, 3})
	s := newSource(9)
	var got [3]int
	for range 40_000 {
		got[s.pick(cum)]++
	}
	if got[1] != 0 || got[0] < 9000 || got[0] > 11000 {
		t.Errorf("picks %v, want about 10000, 0, 30000", got)
	}
}
