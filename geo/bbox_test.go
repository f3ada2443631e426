package geo

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseBBox(t *testing.T) {
	b := func(minx, miny, maxx, maxy float64) orb.Bound {
		return orb.Bound{Min: orb.Point{minx, miny}, Max: orb.Point{maxx, maxy}}
	}
	good := []struct {
		name string
		in   string
		want orb.Bound
	}{
		{"four", "1,2,3,4", b(1, 2, 3, 4)},
		{"negative decimals", "-10.5,-20.25,10.5,20.25", b(-10.5, -20.25, 10.5, 20.25)},
		{"spaces", " 1 , 2,\t3 ,4 ", b(1, 2, 3, 4)},
		{"exponent", "1e1,-2E-1,1.5e+1,2e0", b(10, -0.2, 15, 2)},
		{"plus sign and bare dot", "+1,.5,5.,4", b(1, 0.5, 5, 4)},
		{"six ignores z", "1,2,-100,3,4,200", b(1, 2, 3, 4)},
		{"six equal z", "1,2,5,3,4,5", b(1, 2, 3, 4)},
		{"world", "-180,-90,180,90", b(-180, -90, 180, 90)},
		{"degenerate point", "7,8,7,8", b(7, 8, 7, 8)},
		{"antimeridian kept as is", "170,-10,-170,10", b(170, -10, -170, 10)},
		{"negative zero", "-0,-0,0,0", b(0, 0, 0, 0)},
		{"leading zeros", "007,0.0,08,09", b(7, 0, 8, 9)},
	}
	for _, c := range good {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseBBox(c.in)
			if err != nil {
				t.Fatalf("ParseBBox(%q): %v", c.in, err)
			}
			if got != c.want {
				t.Fatalf("ParseBBox(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}

	bad := []struct {
		name, in, msg string
	}{
		{"empty", "", "got 1"},
		{"three", "1,2,3", "got 3"},
		{"five", "1,2,3,4,5", "got 5"},
		{"seven", "1,2,3,4,5,6,7", "got 7"},
		{"empty value", "1,,3,4", "value 2"},
		{"word", "1,2,x,4", "value 3"},
		{"NaN", "NaN,2,3,4", "not a decimal"},
		{"Inf", "1,2,Inf,4", "not a decimal"},
		{"infinity", "1,2,3,-infinity", "not a decimal"},
		{"hex", "0x1,2,3,4", "not a decimal"},
		{"hex float", "0x1p-2,2,3,4", "not a decimal"},
		{"underscore", "1_0,2,3,4", "not a decimal"},
		{"inner space", "1 0,2,3,4", "not a decimal"},
		{"lone sign", "-,2,3,4", "not a decimal"},
		{"lone dot", ".,2,3,4", "not a decimal"},
		{"bad exponent", "1e,2,3,4", "not a decimal"},
		{"double sign", "--1,2,3,4", "not a decimal"},
		{"overflow", "1e999,2,3,4", "out of range"},
		{"lon too small", "-180.1,0,1,1", "longitude -180.1"},
		{"lon too big", "0,0,181,1", "longitude 181"},
		{"lat too small", "0,-91,1,1", "latitude -91"},
		{"lat too big", "0,0,1,90.5", "latitude 90.5"},
		{"miny above maxy", "0,10,1,5", "minimum latitude 10"},
		{"minz above maxz", "0,0,10,1,1,5", "minimum z 10"},
		{"six with bad lat", "0,-100,0,1,1,0", "latitude -100"},
		{"six with nan z", "0,0,NaN,1,1,0", "value 3"},
		{"semicolons", "1;2;3;4", "got 1"},
	}
	for _, c := range bad {
		t.Run("error/"+c.name, func(t *testing.T) {
			got, err := ParseBBox(c.in)
			if err == nil {
				t.Fatalf("ParseBBox(%q) = %v, want an error", c.in, got)
			}
			if !strings.HasPrefix(err.Error(), "geo: ") || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("ParseBBox(%q) error %q, want it to start with \"geo: \" and contain %q", c.in, err, c.msg)
			}
		})
	}
}

func TestParseBBoxLongInputErrorIsShort(t *testing.T) {
	_, err := ParseBBox(strings.Repeat("9", 10000) + "x,1,2,3")
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("got %v, want a short error", err)
	}
}

func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{
		"1,2,3,4", "-180,-90,180,90", "170,-10,-170,10", "1,2,0,3,4,0", " 1 , 2 , 3 , 4 ",
		"1e1,2E-1,3,4", "", "1,2,3", "NaN,1,2,3", "0x1,2,3,4", "1,2,3,4,5,6,7", "0,10,1,5", "1e999,0,0,0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBBox(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "geo: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		for _, v := range [...]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("ParseBBox(%q) = %v has a non-finite value", s, b)
			}
		}
		if b.Min[0] < -180 || b.Max[0] > 180 || b.Max[0] < -180 || b.Min[0] > 180 ||
			b.Min[1] < -90 || b.Max[1] > 90 || b.Min[1] > b.Max[1] {
			t.Fatalf("ParseBBox(%q) = %v is out of range", s, b)
		}
	})
}

func BenchmarkParseBBox(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseBBox("-10.123456,40.5,12.75,52.000001"); err != nil {
			b.Fatal(err)
		}
	}
}
