package geo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestGPKGRoundTrip(t *testing.T) {
	square := orb.Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}
	hole := orb.Ring{{2, 2}, {2, 3}, {3, 3}, {2, 2}}
	cases := []struct {
		name string
		g    orb.Geometry
		want orb.Geometry // nil means g
		env  orb.Bound
	}{
		{"point", orb.Point{1.5, -2.25}, nil, orb.Bound{Min: orb.Point{1.5, -2.25}, Max: orb.Point{1.5, -2.25}}},
		{"linestring", orb.LineString{{0, 0}, {1, 2}, {-3, 4}}, nil, orb.Bound{Min: orb.Point{-3, 0}, Max: orb.Point{1, 4}}},
		{"polygon", orb.Polygon{square, hole}, nil, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{10, 10}}},
		{"multipoint", orb.MultiPoint{{1, 2}, {-1, -2}}, nil, orb.Bound{Min: orb.Point{-1, -2}, Max: orb.Point{1, 2}}},
		{"multilinestring", orb.MultiLineString{{{0, 0}, {1, 1}}, {{5, 5}, {6, 7}}}, nil, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{6, 7}}},
		{"multipolygon", orb.MultiPolygon{{square}, {{{20, 20}, {21, 20}, {21, 21}, {20, 20}}}}, nil, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{21, 21}}},
		{"collection", orb.Collection{orb.Point{-5, 1}, orb.LineString{{0, 0}, {1, 1}}, orb.Collection{orb.Polygon{square}}}, nil, orb.Bound{Min: orb.Point{-5, 0}, Max: orb.Point{10, 10}}},
		{"ring as polygon", square, orb.Polygon{square}, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{10, 10}}},
		{"bound as polygon", orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{3, 4}}, orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{3, 4}}.ToPolygon(), orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{3, 4}}},
		{"multipoint with empty point", orb.MultiPoint{{math.NaN(), math.NaN()}, {1, 2}}, orb.MultiPoint{{1, 2}}, orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{1, 2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := EncodeGPKG(c.g, 4326)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b[:4], []byte{'G', 'P', 0, 0x03}) {
				t.Fatalf("header starts % x, want 47 50 00 03", b[:4])
			}
			g, h, err := DecodeGPKG(b)
			if err != nil {
				t.Fatal(err)
			}
			want := c.want
			if want == nil {
				want = c.g
			}
			if !orb.Equal(g, want) {
				t.Fatalf("got %#v, want %#v", g, want)
			}
			if h.SRSID != 4326 || h.Empty || !h.HasEnvelope || h.Envelope != c.env || h.Size != 40 {
				t.Fatalf("header %+v, want srs 4326, envelope %v, size 40", h, c.env)
			}
			// The envelope is stored minx,maxx,miny,maxy.
			var stored [4]float64
			for i := range stored {
				stored[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8+8*i:]))
			}
			if stored != [4]float64{c.env.Min[0], c.env.Max[0], c.env.Min[1], c.env.Max[1]} {
				t.Fatalf("stored envelope %v, want %v in GeoPackage order", stored, c.env)
			}
		})
	}
}

func TestEncodeGPKGEmpty(t *testing.T) {
	nan := math.Float64frombits(nanBits) // the usual NaN of POINT EMPTY, not math.NaN()
	cases := []struct {
		name string
		g    orb.Geometry
		wkb  []byte
	}{
		{"nil", nil, (&wb{}).geom(7).u32(0).b},
		{"point", orb.Point{nan, nan}, (&wb{}).geom(1).f(nan, nan).b},
		{"linestring", orb.LineString{}, (&wb{}).geom(2).u32(0).b},
		{"nil linestring", orb.LineString(nil), (&wb{}).geom(2).u32(0).b},
		{"polygon", orb.Polygon{}, (&wb{}).geom(3).u32(0).b},
		{"polygon of empty ring", orb.Polygon{{}}, (&wb{}).geom(3).u32(1).u32(0).b},
		{"multipoint", orb.MultiPoint{}, (&wb{}).geom(4).u32(0).b},
		{"multilinestring", orb.MultiLineString{}, (&wb{}).geom(5).u32(0).b},
		{"multipolygon", orb.MultiPolygon{}, (&wb{}).geom(6).u32(0).b},
		{"collection", orb.Collection{}, (&wb{}).geom(7).u32(0).b},
		{"collection of empties", orb.Collection{orb.LineString{}}, (&wb{}).geom(7).u32(1).geom(2).u32(0).b},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := EncodeGPKG(c.g, 3857)
			if err != nil {
				t.Fatal(err)
			}
			want := append(gpkgHeader(false, 0x10, 3857), c.wkb...)
			if !bytes.Equal(b, want) {
				t.Fatalf("got  % x\nwant % x", b, want)
			}
			g, h, err := DecodeGPKG(b)
			if err != nil || g != nil || !h.Empty || h.HasEnvelope || h.SRSID != 3857 {
				t.Fatalf("DecodeGPKG = %v, %+v, %v; want nil, empty header, no error", g, h, err)
			}
		})
	}
}

func TestEncodeGPKGErrors(t *testing.T) {
	cases := []struct {
		name string
		g    orb.Geometry
		msg  string
	}{
		{"NaN x", orb.Point{math.NaN(), 1}, "non-finite"},
		{"Inf in line", orb.LineString{{0, 0}, {math.Inf(1), 0}}, "non-finite"},
		{"NaN in ring", orb.Polygon{{{0, 0}, {math.NaN(), math.NaN()}}}, "non-finite"},
		{"nil in collection", orb.Collection{nil}, "nil geometry"},
		{"foreign type", fakeGeometry{}, "geometry type"},
		{"foreign type in collection", orb.Collection{fakeGeometry{}}, "geometry type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := EncodeGPKG(c.g, 0)
			if err == nil {
				t.Fatalf("encoded % x, want an error", b)
			}
			if !strings.HasPrefix(err.Error(), "geo: ") || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %q, want it to contain %q", err, c.msg)
			}
		})
	}
}

type fakeGeometry struct{ orb.Point }

func TestParseGPKGHeader(t *testing.T) {
	cases := []struct {
		name    string
		be      bool
		flags   byte
		env     []float64
		wantEnv orb.Bound
	}{
		{"no envelope little", false, 0, nil, orb.Bound{}},
		{"no envelope big", true, 0, nil, orb.Bound{}},
		{"xy little", false, 1 << 1, []float64{1, 2, 3, 4}, orb.Bound{Min: orb.Point{1, 3}, Max: orb.Point{2, 4}}},
		{"xy big", true, 1 << 1, []float64{1, 2, 3, 4}, orb.Bound{Min: orb.Point{1, 3}, Max: orb.Point{2, 4}}},
		{"xyz", false, 2 << 1, []float64{1, 2, 3, 4, 5, 6}, orb.Bound{Min: orb.Point{1, 3}, Max: orb.Point{2, 4}}},
		{"xym big", true, 3 << 1, []float64{1, 2, 3, 4, 5, 6}, orb.Bound{Min: orb.Point{1, 3}, Max: orb.Point{2, 4}}},
		{"xyzm", false, 4 << 1, []float64{1, 2, 3, 4, 5, 6, 7, 8}, orb.Bound{Min: orb.Point{1, 3}, Max: orb.Point{2, 4}}},
		{"empty flag", false, 0x10, nil, orb.Bound{}},
		{"reserved bits ignored", false, 0xC0, nil, orb.Bound{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := gpkgHeader(c.be, c.flags, -2, c.env...)
			w := &wb{be: !c.be} // WKB in the other byte order than the header
			w.geom(1).f(7, 8)
			b := append(hdr, w.b...)
			h, err := ParseGPKGHeader(b)
			if err != nil {
				t.Fatal(err)
			}
			want := Header{SRSID: -2, Empty: c.flags&0x10 != 0, Envelope: c.wantEnv, HasEnvelope: len(c.env) > 0, Size: 8 + 8*len(c.env)}
			if h != want {
				t.Fatalf("got %+v, want %+v", h, want)
			}
			g, h2, err := DecodeGPKG(b)
			if err != nil || h2 != h {
				t.Fatalf("DecodeGPKG: %+v, %v", h2, err)
			}
			if h.Empty {
				if g != nil {
					t.Fatalf("empty flag: got %v, want nil", g)
				}
			} else if !orb.Equal(g, orb.Point{7, 8}) {
				t.Fatalf("got %v, want POINT(7 8)", g)
			}
		})
	}
}

func TestDecodeGPKGZM(t *testing.T) {
	// A 3D polygon as GDAL writes it: envelope xyz, ISO 1003 WKB.
	hdr := gpkgHeader(false, 2<<1, 4326, 0, 1, 0, 1, 5, 5)
	w := (&wb{}).geom(1003).u32(1).u32(4).f(0, 0, 5, 1, 0, 5, 0, 1, 5, 0, 0, 5)
	g, h, err := DecodeGPKG(append(hdr, w.b...))
	if err != nil {
		t.Fatal(err)
	}
	want := orb.Polygon{{{0, 0}, {1, 0}, {0, 1}, {0, 0}}}
	if !orb.Equal(g, want) || h.Size != 56 {
		t.Fatalf("got %v, %+v; want %v", g, h, want)
	}
	// XYM multilinestring, big endian, with EWKB flags.
	hdr = gpkgHeader(true, 3<<1, 4326, 0, 2, 0, 2, 0, 9)
	w = (&wb{be: true}).geom(0x40000005).u32(1).geom(0x40000002).u32(2).f(0, 0, 9, 2, 2, 9)
	g, _, err = DecodeGPKG(append(hdr, w.b...))
	if err != nil {
		t.Fatal(err)
	}
	if want := (orb.MultiLineString{{{0, 0}, {2, 2}}}); !orb.Equal(g, want) {
		t.Fatalf("got %v, want %v", g, want)
	}
}

func TestDecodeGPKGEmptyWKB(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name string
		wkb  []byte
	}{
		{"point NaN", (&wb{}).geom(1).f(nan, nan).b},
		{"point ZM NaN big endian", (&wb{be: true}).geom(3001).f(nan, nan, nan, nan).b},
		{"linestring empty", (&wb{}).geom(2).u32(0).b},
		{"polygon of empty rings", (&wb{}).geom(3).u32(2).u32(0).u32(0).b},
		{"multipolygon of empty polygon", (&wb{}).geom(6).u32(1).geom(3).u32(0).b},
		{"collection of empty point", (&wb{}).geom(7).u32(1).geom(1).f(nan, nan).b},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// No empty flag in the header: the emptiness is found in the WKB.
			g, h, err := DecodeGPKG(append(gpkgHeader(false, 0, 4326), c.wkb...))
			if err != nil || g != nil || !h.Empty {
				t.Fatalf("got %v, %+v, %v; want nil, Empty, no error", g, h, err)
			}
		})
	}
}

func TestDecodeGPKGErrors(t *testing.T) {
	point := (&wb{}).geom(1).f(1, 2).b
	good := append(gpkgHeader(false, 1<<1, 4326, 1, 1, 2, 2), point...)
	cases := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"nil", nil, "0 bytes"},
		{"short", []byte("GP\x00\x01"), "4 bytes"},
		{"magic", append([]byte("XP\x00\x01\x00\x00\x00\x00"), point...), "magic"},
		{"version", append([]byte("GP\x01\x01\x00\x00\x00\x00"), point...), "version 1"},
		{"extended", append(gpkgHeader(false, 0x20, 4326), point...), "ExtendedGeoPackageBinary"},
		{"envelope indicator 5", append(gpkgHeader(false, 5<<1, 4326), point...), "indicator 5"},
		{"envelope indicator 6", append(gpkgHeader(false, 6<<1, 4326), point...), "indicator 6"},
		{"envelope indicator 7", append(gpkgHeader(false, 7<<1, 4326), point...), "indicator 7"},
		{"truncated envelope", good[:30], "needs 40 bytes"},
		{"truncated wkb", good[:len(good)-3], "truncated"},
		{"header only", good[:40], "truncated"},
		{"bad wkb", append(gpkgHeader(false, 0, 4326), 7, 7, 7, 7, 7, 7), "byte order"},
		{"curve", append(gpkgHeader(false, 0, 4326), (&wb{}).geom(8).u32(0).b...), "type 8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, _, err := DecodeGPKG(c.b)
			if err == nil {
				t.Fatalf("decoded %v, want an error", g)
			}
			if !errors.Is(err, ErrGPKG) || !strings.HasPrefix(err.Error(), "geo: invalid GeoPackage geometry: ") || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %q, want one wrapping ErrGPKG containing %q", err, c.msg)
			}
		})
	}
	if _, _, err := DecodeGPKG(good); err != nil {
		t.Fatalf("the untruncated blob: %v", err)
	}
}

func FuzzDecodeGPKG(f *testing.F) {
	nan := math.NaN()
	seeds := [][]byte{
		nil,
		[]byte("GP"),
		append(gpkgHeader(false, 0, 4326), (&wb{}).geom(1).f(1, 2).b...),
		append(gpkgHeader(true, 1<<1, 4326, 0, 1, 0, 1), (&wb{be: true}).geom(2).u32(2).f(0, 0, 1, 1).b...),
		append(gpkgHeader(false, 2<<1, 4326, 0, 1, 0, 1, 0, 1), (&wb{}).geom(1003).u32(1).u32(4).f(0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0).b...),
		append(gpkgHeader(false, 4<<1, 4326, 0, 1, 0, 1, 0, 1, 0, 1), (&wb{}).geom(0xC0000004).u32(1).geom(0xC0000001).f(1, 2, 3, 4).b...),
		append(gpkgHeader(false, 0x10, 4326), (&wb{}).geom(1).f(nan, nan).b...),
		append(gpkgHeader(false, 0, 4326), (&wb{}).geom(7).u32(2).geom(1).f(nan, nan).geom(2002).u32(1).f(1, 2, 3).b...),
		append(gpkgHeader(false, 0x20, 4326), 1),
		append(gpkgHeader(false, 0, 4326), (&wb{}).geom(2).u32(0xFFFFFFFF).b...),
	}
	for _, g := range []orb.Geometry{
		orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}, {{0.1, 0.1}, {0.2, 0.1}, {0.1, 0.1}}},
		orb.MultiPoint{{1, 2}, {3, 4}},
		orb.MultiLineString{{{1, 2}, {3, 4}}, {}},
		orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}},
		orb.Collection{orb.Point{1, 2}, orb.Collection{orb.LineString{{1, 1}, {2, 2}}}},
	} {
		b, err := EncodeGPKG(g, 3857)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, h, err := DecodeGPKG(b)
		if err != nil {
			if !errors.Is(err, ErrGPKG) {
				t.Fatalf("error %v does not wrap ErrGPKG", err)
			}
			return
		}
		if g == nil {
			if !h.Empty {
				t.Fatalf("nil geometry without Empty: %+v", h)
			}
			return
		}
		if h.Empty {
			t.Fatalf("geometry %v with Empty header", g)
		}
		if h2, err := ParseGPKGHeader(b); err != nil || h2.SRSID != h.SRSID || h2.Size != h.Size {
			t.Fatalf("ParseGPKGHeader = %+v, %v; DecodeGPKG gave %+v", h2, err, h)
		}
		enc, err := EncodeGPKG(g, h.SRSID)
		if err != nil {
			t.Fatalf("EncodeGPKG(%v): %v", g, err)
		}
		g2, h2, err := DecodeGPKG(enc)
		if err != nil {
			t.Fatalf("decoding the re-encoded %v: %v", g, err)
		}
		if !orb.Equal(g, g2) {
			t.Fatalf("round trip changed %#v into %#v", g, g2)
		}
		pts := allPoints(nil, g)
		want := orb.Bound{Min: pts[0], Max: pts[0]}
		for _, p := range pts {
			want.Min = orb.Point{min(want.Min[0], p[0]), min(want.Min[1], p[1])}
			want.Max = orb.Point{max(want.Max[0], p[0]), max(want.Max[1], p[1])}
		}
		if h2.SRSID != h.SRSID || h2.Empty || !h2.HasEnvelope || h2.Envelope != want {
			t.Fatalf("re-encoded header %+v, want srs %d and envelope %v", h2, h.SRSID, want)
		}
	})
}

// allPoints appends every coordinate of g to dst.
func allPoints(dst []orb.Point, g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return append(dst, g)
	case orb.MultiPoint:
		return append(dst, g...)
	case orb.LineString:
		return append(dst, g...)
	case orb.Polygon:
		for _, r := range g {
			dst = append(dst, r...)
		}
	case orb.MultiLineString:
		for _, ls := range g {
			dst = append(dst, ls...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			dst = allPoints(dst, p)
		}
	case orb.Collection:
		for _, c := range g {
			dst = allPoints(dst, c)
		}
	}
	return dst
}

func benchPolygon(n int) orb.Polygon {
	r := make(orb.Ring, n)
	for i := range r[:n-1] {
		a := 2 * math.Pi * float64(i) / float64(n-1)
		r[i] = orb.Point{10 + math.Cos(a), 50 + math.Sin(a)}
	}
	r[n-1] = r[0]
	return orb.Polygon{r}
}

func BenchmarkDecodeGPKGPoint(b *testing.B) {
	blob, err := EncodeGPKG(orb.Point{10.5, 50.25}, 4326)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(blob)))
	for b.Loop() {
		if _, _, err := DecodeGPKG(blob); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeGPKGPolygon(b *testing.B) {
	blob, err := EncodeGPKG(benchPolygon(500), 4326)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(blob)))
	for b.Loop() {
		if _, _, err := DecodeGPKG(blob); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeGPKGPolygon(b *testing.B) {
	p := benchPolygon(500)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeGPKG(p, 4326); err != nil {
			b.Fatal(err)
		}
	}
}
