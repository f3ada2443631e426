package geo

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// wb builds WKB (and GeoPackage) bytes by hand in one byte order.
type wb struct {
	be bool
	b  []byte
}

func (w *wb) order() binary.AppendByteOrder {
	if w.be {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// geom appends a byte-order byte and a type code.
func (w *wb) geom(typ uint32) *wb {
	if w.be {
		w.b = append(w.b, 0)
	} else {
		w.b = append(w.b, 1)
	}
	return w.u32(typ)
}

func (w *wb) u32(v uint32) *wb { w.b = w.order().AppendUint32(w.b, v); return w }

func (w *wb) f(vs ...float64) *wb {
	for _, v := range vs {
		w.b = w.order().AppendUint64(w.b, math.Float64bits(v))
	}
	return w
}

// gpkgHeader returns a GeoPackage header in the given byte order; the byte
// order bit of flags is set from be.
func gpkgHeader(be bool, flags byte, srs int32, env ...float64) []byte {
	w := &wb{be: be}
	if !be {
		flags |= 1
	}
	w.b = append(w.b, 'G', 'P', 0, flags)
	w.u32(uint32(srs))
	w.f(env...)
	return w.b
}

func TestDecodeWKBDimensions(t *testing.T) {
	ls := orb.LineString{{1, 2}, {3, 4}}
	cases := []struct {
		name  string
		typ   uint32 // LineString type code
		extra int    // ordinates beyond XY
	}{
		{"XY", 2, 0},
		{"ISO Z", 1002, 1},
		{"ISO M", 2002, 1},
		{"ISO ZM", 3002, 2},
		{"EWKB Z", 0x80000002, 1},
		{"EWKB M", 0x40000002, 1},
		{"EWKB ZM", 0xC0000002, 2},
	}
	for _, c := range cases {
		for _, be := range []bool{false, true} {
			name := c.name + "/little"
			if be {
				name = c.name + "/big"
			}
			t.Run(name, func(t *testing.T) {
				w := &wb{be: be}
				w.geom(c.typ).u32(2)
				for i, p := range ls {
					w.f(p[0], p[1])
					for j := 0; j < c.extra; j++ {
						w.f(float64(100*i + j)) // Z and M, dropped
					}
				}
				w.b = append(w.b, 0xAA) // trailing byte, not read
				g, n, err := decodeWKB(w.b)
				if err != nil {
					t.Fatal(err)
				}
				if n != len(w.b)-1 {
					t.Fatalf("read %d bytes, want %d", n, len(w.b)-1)
				}
				if !orb.Equal(g, ls) {
					t.Fatalf("got %v, want %v", g, ls)
				}
			})
		}
	}
}

func TestDecodeWKBTypes(t *testing.T) {
	// A point in XYZM inside a collection, an EWKB point with an SRID, and
	// members in the other byte order.
	w := &wb{}
	w.geom(3007).u32(3)
	w.geom(3001).f(1, 2, 3, 4)
	w.geom(0x20000001).u32(4326).f(5, 6)
	big := &wb{be: true}
	big.geom(1004).u32(2)
	big.geom(1001).f(7, 8, 9)
	big.geom(1001).f(math.NaN(), math.NaN(), math.NaN()) // empty point, dropped
	w.b = append(w.b, big.b...)
	g, _, err := decodeWKB(w.b)
	if err != nil {
		t.Fatal(err)
	}
	want := orb.Collection{orb.Point{1, 2}, orb.Point{5, 6}, orb.MultiPoint{{7, 8}}}
	if !orb.Equal(g, want) {
		t.Fatalf("got %#v, want %#v", g, want)
	}
}

func TestDecodeWKBEmpties(t *testing.T) {
	cases := []struct {
		name string
		w    *wb
		want orb.Geometry
	}{
		{"point empty", (&wb{}).geom(1).f(math.NaN(), math.NaN()), nil},
		{"point Z empty", (&wb{}).geom(1001).f(math.NaN(), math.NaN(), math.NaN()), nil},
		{"line string empty", (&wb{}).geom(2).u32(0), orb.LineString{}},
		{"polygon empty", (&wb{}).geom(3).u32(0), orb.Polygon{}},
		{"polygon with empty ring", (&wb{}).geom(3).u32(1).u32(0), orb.Polygon{orb.Ring{}}},
		{"multipoint of empty points", (&wb{}).geom(4).u32(1).geom(1).f(math.NaN(), math.NaN()), orb.MultiPoint{}},
		{"collection empty", (&wb{}).geom(7).u32(0), orb.Collection{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, _, err := decodeWKB(c.w.b)
			if err != nil {
				t.Fatal(err)
			}
			if !orb.Equal(g, c.want) {
				t.Fatalf("got %#v, want %#v", g, c.want)
			}
			if ls, ok := g.(orb.LineString); ok && ls == nil {
				t.Fatal("empty LineString is nil; it would encode as JSON null")
			}
		})
	}
}

func TestDecodeWKBErrors(t *testing.T) {
	nest := &wb{}
	for i := 0; i < maxWKBDepth+1; i++ {
		nest.geom(7).u32(1)
	}
	nest.geom(1).f(1, 2)
	okNest := &wb{}
	for i := 0; i < maxWKBDepth; i++ {
		okNest.geom(7).u32(1)
	}
	okNest.geom(1).f(1, 2)
	if _, _, err := decodeWKB(okNest.b); err != nil {
		t.Fatalf("collections nested %d deep: %v", maxWKBDepth, err)
	}

	cases := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"empty", nil, "truncated"},
		{"bad byte order", []byte{2, 1, 0, 0, 0}, "byte order 2"},
		{"short header", []byte{1, 1, 0}, "truncated"},
		{"point truncated", (&wb{}).geom(1).f(1).b, "truncated"},
		{"point Z truncated", (&wb{}).geom(1001).f(1, 2).b, "truncated"},
		{"unknown type", (&wb{}).geom(8).b, "type 8"},
		{"type zero", (&wb{}).geom(0).b, "type 0"},
		{"ISO 4000", (&wb{}).geom(4001).b, "type 4001"},
		{"TIN", (&wb{}).geom(16).b, "type 16"},
		{"mixed flags", (&wb{}).geom(0x80000000 | 1001).b, "mixes"},
		{"missing srid", (&wb{}).geom(0x20000001).b, "SRID"},
		{"missing count", (&wb{}).geom(2).b, "count"},
		{"huge count", (&wb{}).geom(2).u32(0xFFFFFFFF).f(1, 2).b, "4294967295 coordinates"},
		{"count overflowing 32 bits", (&wb{}).geom(2).u32(0x10000001).f(1, 2).b, "coordinates"},
		{"huge ring count", (&wb{}).geom(3).u32(0x7FFFFFFF).b, "rings"},
		{"huge collection", (&wb{}).geom(7).u32(0x7FFFFFFF).b, "geometries"},
		{"huge multipoint", (&wb{}).geom(4).u32(1000).b, "points"},
		{"ring truncated", (&wb{}).geom(3).u32(1).u32(3).f(0, 0, 1, 1).b, "coordinates"},
		{"multipoint holding a line", (&wb{}).geom(4).u32(1).geom(2).u32(1).f(1, 2).b, "MultiPoint holds a LineString"},
		{"multilinestring holding a point", (&wb{}).geom(5).u32(1).geom(1).f(1, 2).b, "MultiLineString holds a Point"},
		{"multipolygon holding a line", (&wb{}).geom(6).u32(1).geom(2).u32(0).b, "MultiPolygon holds a LineString"},
		{"too deep", nest.b, "nested"},
		{"NaN x", (&wb{}).geom(1).f(math.NaN(), 1).b, "non-finite"},
		{"Inf y", (&wb{}).geom(1).f(1, math.Inf(1)).b, "non-finite"},
		{"NaN in line", (&wb{}).geom(2).u32(2).f(1, 2, math.NaN(), math.NaN()).b, "non-finite"},
		{"Inf in line big endian", (&wb{be: true}).geom(2).u32(1).f(math.Inf(-1), 2).b, "non-finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, _, err := decodeWKB(c.b)
			if err == nil {
				t.Fatalf("decoded %v, want an error", g)
			}
			if !errors.Is(err, ErrGPKG) || !strings.HasPrefix(err.Error(), "geo: ") || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %q, want one wrapping ErrGPKG containing %q", err, c.msg)
			}
		})
	}
}

func TestDecodeWKBSharesNoCapacity(t *testing.T) {
	w := (&wb{}).geom(5).u32(2)
	w.geom(2).u32(2).f(0, 0, 1, 1)
	w.geom(2).u32(2).f(2, 2, 3, 3)
	g, _, err := decodeWKB(w.b)
	if err != nil {
		t.Fatal(err)
	}
	mls := g.(orb.MultiLineString)
	mls[0] = append(mls[0], orb.Point{9, 9})
	if mls[1][0] != (orb.Point{2, 2}) {
		t.Fatalf("appending to one line string changed the next: %v", mls)
	}
}
