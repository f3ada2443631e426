package tiles

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"
)

var update = flag.Bool("update", false, "rewrite golden files")

// A strict MVT 2.1 decoder, independent of the encoder: it rejects anything the specification
// forbids that the encoder could get wrong (bad commands, zero-length LineTo, open rings, a first
// ring that is not exterior, unknown value types, duplicate layer names).

type tpoint struct{ X, Y int64 }

type dfeature struct {
	ID    uint64
	HasID bool
	Type  int // 1 point, 2 line, 3 polygon
	Props map[string]any
	// Parts: for points, one part with every point; for lines, one part per line; for polygons,
	// one part per ring, open (the closing point is implied), in the order written.
	Parts [][]tpoint
}

type dlayer struct {
	Name     string
	Version  uint64
	Extent   uint64
	Keys     []string
	Values   []any
	Features []dfeature
}

type pbReader struct {
	b []byte
}

func (r *pbReader) varint() (uint64, error) {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		return 0, errors.New("bad varint")
	}
	r.b = r.b[n:]
	return v, nil
}

// next returns the next field; for wire type 2 the payload, for 0 the value, for 1 the 8 bytes.
func (r *pbReader) next() (field int, wire int, v uint64, payload []byte, err error) {
	key, err := r.varint()
	if err != nil {
		return 0, 0, 0, nil, err
	}
	field, wire = int(key>>3), int(key&7)
	switch wire {
	case 0:
		v, err = r.varint()
	case 1:
		if len(r.b) < 8 {
			return 0, 0, 0, nil, errors.New("short fixed64")
		}
		payload, r.b = r.b[:8], r.b[8:]
	case 2:
		var n uint64
		n, err = r.varint()
		if err == nil && n > uint64(len(r.b)) {
			err = errors.New("length past the end")
		}
		if err == nil {
			payload, r.b = r.b[:n], r.b[n:]
		}
	default:
		err = fmt.Errorf("unexpected wire type %d", wire)
	}
	return field, wire, v, payload, err
}

func packed(b []byte) ([]uint32, error) {
	var out []uint32
	r := pbReader{b}
	for len(r.b) > 0 {
		v, err := r.varint()
		if err != nil {
			return nil, err
		}
		if v > math.MaxUint32 {
			return nil, errors.New("packed value over 32 bits")
		}
		out = append(out, uint32(v))
	}
	return out, nil
}

func decodeMVT(b []byte) ([]dlayer, error) {
	var layers []dlayer
	r := pbReader{b}
	for len(r.b) > 0 {
		field, wire, _, payload, err := r.next()
		if err != nil {
			return nil, err
		}
		if field != 3 || wire != 2 {
			return nil, fmt.Errorf("tile: unexpected field %d", field)
		}
		l, err := decodeLayer(payload)
		if err != nil {
			return nil, err
		}
		for _, o := range layers {
			if o.Name == l.Name {
				return nil, fmt.Errorf("two layers named %q", l.Name)
			}
		}
		layers = append(layers, l)
	}
	return layers, nil
}

func decodeLayer(b []byte) (dlayer, error) {
	l := dlayer{Version: 1, Extent: 4096}
	var raw []struct {
		id    *uint64
		tags  []uint32
		typ   int
		geom  []uint32
		tagOK bool
	}
	r := pbReader{b}
	for len(r.b) > 0 {
		field, _, v, payload, err := r.next()
		if err != nil {
			return l, err
		}
		switch field {
		case 1:
			l.Name = string(payload)
		case 2:
			f := pbReader{payload}
			var rf struct {
				id    *uint64
				tags  []uint32
				typ   int
				geom  []uint32
				tagOK bool
			}
			for len(f.b) > 0 {
				ff, _, fv, fp, err := f.next()
				if err != nil {
					return l, err
				}
				switch ff {
				case 1:
					id := fv
					rf.id = &id
				case 2:
					if rf.tags, err = packed(fp); err != nil {
						return l, err
					}
				case 3:
					rf.typ = int(fv)
				case 4:
					if rf.geom, err = packed(fp); err != nil {
						return l, err
					}
				default:
					return l, fmt.Errorf("feature: unexpected field %d", ff)
				}
			}
			raw = append(raw, rf)
		case 3:
			l.Keys = append(l.Keys, string(payload))
		case 4:
			val, err := decodeValue(payload)
			if err != nil {
				return l, err
			}
			l.Values = append(l.Values, val)
		case 5:
			l.Extent = v
		case 15:
			l.Version = v
		default:
			return l, fmt.Errorf("layer: unexpected field %d", field)
		}
	}
	if l.Name == "" {
		return l, errors.New("layer without a name")
	}
	for i, rf := range raw {
		f := dfeature{Type: rf.typ, Props: map[string]any{}}
		if rf.id != nil {
			f.ID, f.HasID = *rf.id, true
		}
		if len(rf.tags)%2 != 0 {
			return l, fmt.Errorf("feature %d: odd tag count", i)
		}
		for j := 0; j < len(rf.tags); j += 2 {
			k, v := rf.tags[j], rf.tags[j+1]
			if int(k) >= len(l.Keys) || int(v) >= len(l.Values) {
				return l, fmt.Errorf("feature %d: tag out of range", i)
			}
			if _, dup := f.Props[l.Keys[k]]; dup {
				return l, fmt.Errorf("feature %d: key %q twice", i, l.Keys[k])
			}
			f.Props[l.Keys[k]] = l.Values[v]
		}
		parts, err := decodeGeometry(rf.typ, rf.geom)
		if err != nil {
			return l, fmt.Errorf("feature %d: %v", i, err)
		}
		f.Parts = parts
		l.Features = append(l.Features, f)
	}
	return l, nil
}

func decodeValue(b []byte) (any, error) {
	r := pbReader{b}
	field, _, v, payload, err := r.next()
	if err != nil {
		return nil, err
	}
	if len(r.b) != 0 {
		return nil, errors.New("value with more than one field")
	}
	switch field {
	case 1:
		return string(payload), nil
	case 3:
		return math.Float64frombits(binary.LittleEndian.Uint64(payload)), nil
	case 5:
		return v, nil // uint64
	case 6:
		return int64(v>>1) ^ -int64(v&1), nil // sint64
	case 7:
		return v != 0, nil
	}
	return nil, fmt.Errorf("value type %d not written by the encoder", field)
}

func unzig(v uint32) int64 { return int64(int32(v>>1) ^ -int32(v&1)) }

func decodeGeometry(typ int, g []uint32) ([][]tpoint, error) {
	var parts [][]tpoint
	var x, y int64
	i := 0
	read := func(n int, zeroOK bool) ([]tpoint, error) {
		if i+2*n > len(g) {
			return nil, errors.New("geometry ends inside a command")
		}
		var pts []tpoint
		for k := 0; k < n; k++ {
			dx, dy := unzig(g[i]), unzig(g[i+1])
			i += 2
			if !zeroOK && dx == 0 && dy == 0 {
				return nil, errors.New("LineTo of length 0")
			}
			x, y = x+dx, y+dy
			pts = append(pts, tpoint{x, y})
		}
		return pts, nil
	}
	cmd := func() (id, count int, err error) {
		if i >= len(g) {
			return 0, 0, io.EOF
		}
		c := g[i]
		i++
		return int(c & 7), int(c >> 3), nil
	}
	for i < len(g) {
		id, count, _ := cmd()
		if id != 1 || count < 1 {
			return nil, fmt.Errorf("want MoveTo, got command %d count %d", id, count)
		}
		switch typ {
		case 1:
			if len(parts) > 0 {
				return nil, errors.New("points: more than one MoveTo")
			}
			pts, err := read(count, true)
			if err != nil {
				return nil, err
			}
			parts = append(parts, pts)
		case 2, 3:
			if count != 1 {
				return nil, fmt.Errorf("MoveTo count %d, want 1", count)
			}
			start, err := read(1, true)
			if err != nil {
				return nil, err
			}
			id, count, err := cmd()
			if err != nil || id != 2 || count < 1 {
				return nil, fmt.Errorf("want LineTo after MoveTo, got %d count %d", id, count)
			}
			rest, err := read(count, false)
			if err != nil {
				return nil, err
			}
			part := append(start, rest...)
			if typ == 3 {
				if id, count, err := cmd(); err != nil || id != 7 || count != 1 {
					return nil, errors.New("ring without ClosePath")
				}
				if len(part) < 3 {
					return nil, fmt.Errorf("ring of %d points", len(part))
				}
				if part[0] == part[len(part)-1] {
					return nil, errors.New("ring repeats its first point before ClosePath")
				}
			}
			parts = append(parts, part)
		default:
			return nil, fmt.Errorf("geometry type %d", typ)
		}
	}
	if len(parts) == 0 {
		return nil, errors.New("empty geometry")
	}
	if typ == 3 && ringArea2(parts[0]) <= 0 {
		return nil, errors.New("first ring is not an exterior ring")
	}
	return parts, nil
}

// ringArea2 is twice the surveyor's-formula area of an open ring: positive for an MVT exterior
// ring (clockwise with y down), negative for an interior ring.
func ringArea2(r []tpoint) int64 {
	var s int64
	prev := r[len(r)-1]
	for _, p := range r {
		s += prev.X*p.Y - p.X*prev.Y
		prev = p
	}
	return s
}

func mustDecode(t testing.TB, b []byte) []dlayer {
	t.Helper()
	layers, err := decodeMVT(b)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	for _, l := range layers {
		if l.Version != 2 || l.Extent != 4096 {
			t.Fatalf("layer %q: version %d extent %d, want 2 and 4096", l.Name, l.Version, l.Extent)
		}
	}
	return layers
}

// polygons splits the rings of a polygon feature into polygons: an exterior ring and its holes.
func polygons(f dfeature) [][][]tpoint {
	var out [][][]tpoint
	for _, r := range f.Parts {
		if ringArea2(r) > 0 {
			out = append(out, [][]tpoint{r})
		} else {
			out[len(out)-1] = append(out[len(out)-1], r)
		}
	}
	return out
}

func orientI(a, b, c tpoint) int64 {
	return (b.X-a.X)*(c.Y-a.Y) - (b.Y-a.Y)*(c.X-a.X)
}

// polygonProblem returns what is wrong with a decoded polygon (exterior then holes), or "":
// fewer than 3 points, zero area, wrong winding, or two edges that properly cross.
func polygonProblem(rings [][]tpoint) string {
	for i, r := range rings {
		if len(r) < 3 {
			return fmt.Sprintf("ring %d has %d points", i, len(r))
		}
		a := ringArea2(r)
		if a == 0 {
			return fmt.Sprintf("ring %d has no area", i)
		}
		if (i == 0) != (a > 0) {
			return fmt.Sprintf("ring %d is wound the wrong way (area2 %d)", i, a)
		}
	}
	return crossing(rings)
}

// crossing returns a description of two edges of the rings that properly cross, or "".
func crossing(rings [][]tpoint) string {
	type edge struct{ a, b tpoint }
	var edges [][]edge
	for _, r := range rings {
		var es []edge
		for j := range r {
			es = append(es, edge{r[j], r[(j+1)%len(r)]})
		}
		edges = append(edges, es)
	}
	for ri, es := range edges {
		for i, e := range es {
			for rj := ri; rj < len(edges); rj++ {
				for j, f := range edges[rj] {
					if rj == ri && j <= i {
						continue
					}
					o1, o2 := orientI(e.a, e.b, f.a), orientI(e.a, e.b, f.b)
					o3, o4 := orientI(f.a, f.b, e.a), orientI(f.a, f.b, e.b)
					if o1*o2 < 0 && o3*o4 < 0 {
						return fmt.Sprintf("edge %d of ring %d crosses edge %d of ring %d: %v %v", i, ri, j, rj, e, f)
					}
				}
			}
		}
	}
	return ""
}

// lonLat returns the WGS84 position of tile unit (x, y) of tile t.
func lonLat(t maptile.Tile, x, y float64) orb.Point {
	n := float64(uint64(1)<<t.Z) * 4096
	fx := (float64(t.X)*4096 + x) / n
	fy := (float64(t.Y)*4096 + y) / n
	return orb.Point{fx*360 - 180, math.Atan(math.Sinh(math.Pi*(1-2*fy))) * 180 / math.Pi}
}

func ringAt(t maptile.Tile, pts ...[2]float64) orb.Ring {
	var r orb.Ring
	for _, p := range pts {
		r = append(r, lonLat(t, p[0], p[1]))
	}
	if r[0] != r[len(r)-1] {
		r = append(r, r[0])
	}
	return r
}

func fc(fs ...*geojson.Feature) *geojson.FeatureCollection {
	c := geojson.NewFeatureCollection()
	c.Features = fs
	return c
}

func feature(g orb.Geometry, props geojson.Properties) *geojson.Feature {
	f := geojson.NewFeature(g)
	if props != nil {
		f.Properties = props
	}
	return f
}

func encode(t testing.TB, tile maptile.Tile, opts MVTOptions, layers ...Layer) []dlayer {
	t.Helper()
	b, err := EncodeMVT(tile, layers, opts)
	if err != nil {
		t.Fatalf("EncodeMVT: %v", err)
	}
	if b == nil {
		return nil
	}
	return mustDecode(t, b)
}

var mali5 = maptile.New(15, 14, 5) // a z5 tile over Mali

func TestEncodeMVTEmpty(t *testing.T) {
	far := feature(orb.Point{120, -30}, geojson.Properties{"a": int64(1)}) // Australia
	cases := []struct {
		name   string
		layers []Layer
	}{
		{"no layers", nil},
		{"nil collection", []Layer{{Name: "a"}}},
		{"no features", []Layer{{Name: "a", Features: fc()}}},
		{"nil feature and nil geometry", []Layer{{Name: "a", Features: fc(nil, feature(nil, nil))}}},
		{"everything outside", []Layer{{Name: "a", Features: fc(far)}, {Name: "b", Features: fc(far)}}},
		{"empty geometries", []Layer{{Name: "a", Features: fc(
			feature(orb.LineString{}, nil), feature(orb.Polygon{}, nil), feature(orb.MultiPoint{}, nil),
			feature(orb.Collection{}, nil), feature(orb.Polygon{orb.Ring{}}, nil))}}},
		{"a polygon smaller than a unit", []Layer{{Name: "a", Features: fc(feature(orb.Polygon{
			ringAt(mali5, [2]float64{10, 10}, [2]float64{10.5, 10}, [2]float64{10.5, 10.5})}, nil))}}},
		{"a line shorter than half a unit", []Layer{{Name: "a", Features: fc(feature(orb.LineString{
			lonLat(mali5, 10, 10), lonLat(mali5, 10.2, 10.1)}, nil))}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := EncodeMVT(mali5, tc.layers, MVTOptions{})
			if b != nil || err != nil {
				t.Fatalf("EncodeMVT = %d bytes, %v; want nil, nil", len(b), err)
			}
		})
	}
}

func TestEncodeMVTErrors(t *testing.T) {
	pt := fc(feature(mali5.Bound().Center(), nil))
	cases := []struct {
		name   string
		tile   maptile.Tile
		layers []Layer
		opts   MVTOptions
		want   string
	}{
		{"x outside the grid", maptile.New(32, 0, 5), []Layer{{Name: "a", Features: pt}}, MVTOptions{}, "tiles: tile 5/32/0 is outside the tile grid"},
		{"zoom above max", maptile.New(0, 0, 25), []Layer{{Name: "a", Features: pt}}, MVTOptions{}, "outside the tile grid"},
		{"no name", mali5, []Layer{{Name: "", Features: pt}}, MVTOptions{}, "tiles: layer 0 has no name"},
		{"same name twice", mali5, []Layer{{Name: "a", Features: pt}, {Name: "a", Features: pt}}, MVTOptions{}, `tiles: two layers are named "a"`},
		{"buffer too large", mali5, []Layer{{Name: "a", Features: pt}}, MVTOptions{Buffer: 4097}, "tiles: MVT buffer 4097 is more than the extent 4096"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := EncodeMVT(tc.tile, tc.layers, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) || b != nil {
				t.Fatalf("EncodeMVT = %d bytes, %v; want error %q", len(b), err, tc.want)
			}
		})
	}
}

type stringer struct{}

func (stringer) String() string { return "stringer" }

func TestEncodeMVTProperties(t *testing.T) {
	when := time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)
	cases := []struct {
		name  string
		value any
		want  any // decoded value; nil = property absent
	}{
		{"int64", int64(-42), int64(-42)},
		{"int64 max", int64(math.MaxInt64), int64(math.MaxInt64)},
		{"float64", 2.5, 2.5},
		{"string", "Bamako", "Bamako"},
		{"empty string", "", ""},
		{"true", true, true},
		{"false", false, false},
		{"nil is dropped", nil, nil},
		{"int", 7, int64(7)},
		{"int32", int32(-7), int64(-7)},
		{"uint64", uint64(math.MaxUint64), uint64(math.MaxUint64)},
		{"uint8", uint8(200), uint64(200)},
		{"float32", float32(0.5), 0.5},
		{"NaN", math.NaN(), "NaN"}, // compared by string below
		{"time", when, "2024-03-01T12:30:00Z"},
		{"stringer", stringer{}, "stringer"},
		{"map as JSON", map[string]any{"b": 1, "a": []int{1, 2}}, `{"a":[1,2],"b":1}`},
		{"unencodable is dropped", make(chan int), nil},
	}
	center := mali5.Bound().Center()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			props := geojson.Properties{"v": tc.value, "other": "x"}
			layers := encode(t, mali5, MVTOptions{}, Layer{Name: "p", Features: fc(feature(center, props))})
			got, ok := layers[0].Features[0].Props["v"]
			if tc.want == nil {
				if ok {
					t.Fatalf("property v = %#v, want it dropped", got)
				}
				return
			}
			if f, isF := got.(float64); isF && math.IsNaN(f) {
				got = "NaN"
			}
			if !ok || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("property v = %#v (%T), want %#v (%T)", got, got, tc.want, tc.want)
			}
			if layers[0].Features[0].Props["other"] != "x" {
				t.Fatalf("other property lost: %v", layers[0].Features[0].Props)
			}
		})
	}
}

func TestEncodeMVTFeatureIDs(t *testing.T) {
	cases := []struct {
		name string
		id   any
		want uint64
		has  bool
	}{
		{"none", nil, 0, false},
		{"int64", int64(12), 12, true},
		{"int", 0, 0, true},
		{"negative", int64(-1), 0, false},
		{"float64 from GeoJSON", 42.0, 42, true},
		{"fractional float", 4.5, 0, false},
		{"decimal string", "123", 123, true},
		{"other string", "abc", 0, false},
		{"uint64", uint64(math.MaxUint64), math.MaxUint64, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := feature(mali5.Bound().Center(), nil)
			f.ID = tc.id
			got := encode(t, mali5, MVTOptions{}, Layer{Name: "p", Features: fc(f)})[0].Features[0]
			if got.HasID != tc.has || got.ID != tc.want {
				t.Fatalf("id = %d (present %v), want %d (present %v)", got.ID, got.HasID, tc.want, tc.has)
			}
		})
	}
}

// TestEncodeMVTDeduplicates: keys and values are shared, tags in key order.
func TestEncodeMVTDeduplicates(t *testing.T) {
	c := mali5.Bound().Center()
	var fs []*geojson.Feature
	for i := 0; i < 50; i++ {
		fs = append(fs, feature(c, geojson.Properties{"type": "battle", "n": int64(i % 3), "f": 1.5, "b": i%2 == 0, "z": nil}))
	}
	l := encode(t, mali5, MVTOptions{}, Layer{Name: "p", Features: fc(fs...)})[0]
	if !slices.Equal(l.Keys, []string{"b", "f", "n", "type"}) {
		t.Errorf("keys = %q", l.Keys)
	}
	if len(l.Values) != 2+1+3+1 {
		t.Errorf("%d values, want 7: %v", len(l.Values), l.Values)
	}
	if len(l.Features) != 50 || l.Features[7].Props["n"] != int64(1) || l.Features[7].Props["b"] != false {
		t.Errorf("feature 7 = %v", l.Features[7])
	}
}

func TestEncodeMVTGeometryTypes(t *testing.T) {
	tile := mali5
	at := func(x, y float64) orb.Point { return lonLat(tile, x, y) }
	square := func(x0, y0, x1, y1 float64) orb.Ring {
		return ringAt(tile, [2]float64{x0, y0}, [2]float64{x1, y0}, [2]float64{x1, y1}, [2]float64{x0, y1})
	}
	cases := []struct {
		name  string
		geom  orb.Geometry
		types []int        // one decoded feature per entry
		parts [][][]tpoint // per feature
	}{
		{"point", at(100, 200), []int{1}, [][][]tpoint{{{{100, 200}}}}},
		{"multipoint drops outside points", orb.MultiPoint{at(1, 2), at(-1000, 5), at(3, 4)}, []int{1},
			[][][]tpoint{{{{1, 2}, {3, 4}}}}},
		{"line", orb.LineString{at(0, 0), at(100, 0), at(100, 100)}, []int{2}, [][][]tpoint{{{{0, 0}, {100, 0}, {100, 100}}}}},
		{"multiline", orb.MultiLineString{{at(0, 0), at(10, 0)}, {at(20, 20), at(20, 30)}}, []int{2},
			[][][]tpoint{{{{0, 0}, {10, 0}}, {{20, 20}, {20, 30}}}}},
		{"line split by the clip", orb.LineString{at(100, 0), at(100, -200), at(200, -200), at(200, 0)}, []int{2},
			[][][]tpoint{{{{100, 0}, {100, -64}}, {{200, -64}, {200, 0}}}}},
		{"polygon", orb.Polygon{square(0, 0, 100, 100)}, []int{3}, [][][]tpoint{{{{0, 0}, {100, 0}, {100, 100}, {0, 100}}}}},
		{"ring as polygon", square(0, 0, 100, 100), []int{3}, [][][]tpoint{{{{0, 0}, {100, 0}, {100, 100}, {0, 100}}}}},
		{"multipolygon", orb.MultiPolygon{{square(0, 0, 10, 10)}, {square(20, 20, 30, 30)}}, []int{3},
			[][][]tpoint{{{{0, 0}, {10, 0}, {10, 10}, {0, 10}}, {{20, 20}, {30, 20}, {30, 30}, {20, 30}}}}},
		{"collection flattened by type", orb.Collection{
			at(5, 5),
			orb.Polygon{square(0, 0, 10, 10)},
			orb.LineString{at(0, 0), at(9, 9)},
			orb.Collection{at(6, 6), orb.MultiPolygon{{square(20, 20, 30, 30)}}},
		}, []int{1, 2, 3}, [][][]tpoint{
			{{{5, 5}, {6, 6}}},
			{{{0, 0}, {9, 9}}},
			{{{0, 0}, {10, 0}, {10, 10}, {0, 10}}, {{20, 20}, {30, 20}, {30, 30}, {20, 30}}},
		}},
		{"open ring crossing the clip", orb.Polygon{{at(0, 0), at(100, 0), at(100, 100), at(-100, 100)}}, []int{3},
			[][][]tpoint{{{{-64, 64}, {0, 0}, {100, 0}, {100, 100}, {-64, 100}}}}},
		{"collection with members outside", orb.Collection{at(-5000, 5), orb.LineString{at(0, 0), at(9, 9)}}, []int{2},
			[][][]tpoint{{{{0, 0}, {9, 9}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := feature(tc.geom, geojson.Properties{"k": "v"})
			f.ID = int64(9)
			l := encode(t, tile, MVTOptions{}, Layer{Name: "g", Features: fc(f)})
			if len(l) != 1 || len(l[0].Features) != len(tc.types) {
				t.Fatalf("got %+v, want %d features", l, len(tc.types))
			}
			for i, df := range l[0].Features {
				if df.Type != tc.types[i] || !reflect.DeepEqual(df.Parts, tc.parts[i]) {
					t.Errorf("feature %d = type %d %v, want type %d %v", i, df.Type, df.Parts, tc.types[i], tc.parts[i])
				}
				if df.ID != 9 || df.Props["k"] != "v" {
					t.Errorf("feature %d: id %d props %v", i, df.ID, df.Props)
				}
			}
		})
	}
}

// TestEncodeMVTPoles: nothing is drawn past the Web Mercator limit; lines and polygons are cut
// there, points beyond are dropped.
func TestEncodeMVTPoles(t *testing.T) {
	top := maptile.New(1, 0, 2)
	lon := lonLat(top, 100, 0)[0]
	cases := []struct {
		name  string
		geom  orb.Geometry
		parts [][]tpoint // nil: nothing left
	}{
		{"line to the pole", orb.LineString{lonLat(top, 100, 100), {lon, 89.9}}, [][]tpoint{{{100, 100}, {100, 0}}}},
		{"line to exactly 90", orb.LineString{lonLat(top, 100, 100), {lon, 90}}, [][]tpoint{{{100, 100}, {100, 0}}}},
		{"polygon over the pole", orb.Polygon{{lonLat(top, 0, 100), lonLat(top, 200, 100), {lonLat(top, 200, 0)[0], 90}, {lonLat(top, 0, 0)[0], 90}, lonLat(top, 0, 100)}},
			[][]tpoint{{{0, 0}, {200, 0}, {200, 100}, {0, 100}}}},
		{"point past the limit", orb.Point{lon, 85.1}, nil},
		{"point at the pole", orb.Point{lon, 90}, nil},
		{"point past 90", orb.Point{lon, 100}, nil},
		{"point inside", lonLat(top, 100, 10), [][]tpoint{{{100, 10}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := encode(t, top, MVTOptions{}, Layer{Name: "p", Features: fc(feature(tc.geom, nil))})
			if tc.parts == nil {
				if l != nil {
					t.Fatalf("got %+v, want nothing", l)
				}
				return
			}
			if len(l) != 1 || !reflect.DeepEqual(l[0].Features[0].Parts, tc.parts) {
				t.Fatalf("got %+v, want %v", l, tc.parts)
			}
		})
	}
}

// TestEncodeMVTClipping encodes random lines and polygons around and across tiles at every zoom
// and checks that every coordinate stays within the buffer and every polygon stays valid.
func TestEncodeMVTClipping(t *testing.T) {
	for z := maptile.Zoom(0); z <= 22; z++ {
		t.Run(fmt.Sprintf("z%d", z), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(z), 7))
			for i, tile := range randomTiles(z, 12) {
				buffer := []int{64, 0, 16, 256}[i%4] // 0: no buffer, asked for with -1
				var fs []*geojson.Feature
				for j := 0; j < 20; j++ {
					fs = append(fs, randomFeature(rng, tile))
				}
				input := cloneFC(fc(fs...))
				opts := MVTOptions{Buffer: buffer}
				if buffer == 0 {
					opts.Buffer = -1
				}
				b, err := EncodeMVT(tile, []Layer{{Name: "r", Features: input}}, opts)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(input, fc(fs...)) {
					t.Fatalf("EncodeMVT modified its input")
				}
				if b == nil {
					continue
				}
				lo, hi := int64(-buffer), int64(4096+buffer)
				// orb's decoder agrees.
				orbLayers, err := mvt.Unmarshal(b)
				if err != nil {
					t.Fatalf("orb mvt.Unmarshal: %v", err)
				}
				for _, f := range orbLayers[0].Features {
					if bb := f.Geometry.Bound(); bb.Min[0] < float64(lo) || bb.Min[1] < float64(lo) || bb.Max[0] > float64(hi) || bb.Max[1] > float64(hi) {
						t.Fatalf("tile %v buffer %d: orb decodes a geometry in %v, outside [%d, %d]", tile, buffer, bb, lo, hi)
					}
				}
				for _, f := range mustDecode(t, b)[0].Features {
					for _, part := range f.Parts {
						for _, p := range part {
							if p.X < lo || p.X > hi || p.Y < lo || p.Y > hi {
								t.Fatalf("tile %v buffer %d: point %v outside [%d, %d]", tile, buffer, p, lo, hi)
							}
						}
					}
					if f.Type == 3 {
						for _, poly := range polygons(f) {
							if p := polygonProblem(poly); p != "" {
								t.Fatalf("tile %v: %s", tile, p)
							}
						}
					}
				}
			}
		})
	}
}

// randomFeature returns a line or a simple polygon (star-shaped, maybe with a star-shaped hole)
// placed around, across or inside tile, with vertices on whole tile units, either orientation.
func randomFeature(rng *rand.Rand, tile maptile.Tile) *geojson.Feature {
	cx, cy := rng.Float64()*8192-2048, rng.Float64()*8192-2048
	r := math.Exp(rng.Float64()*8) + 2 // 3 .. 3000 units
	n := 3 + rng.IntN(60)
	toLonLat := func(pts []tpoint) []orb.Point {
		var out []orb.Point
		for _, p := range pts {
			out = append(out, lonLat(tile, float64(p.X), float64(p.Y)))
		}
		return out
	}
	if rng.IntN(3) == 0 {
		var ls []tpoint
		for i := 0; i < n; i++ {
			ls = append(ls, tpoint{int64(cx + r*(rng.Float64()*2-1)), int64(cy + r*(rng.Float64()*2-1))})
		}
		return feature(orb.LineString(toLonLat(ls)), nil)
	}
	star := func(r float64, n int) []tpoint {
		angles := make([]float64, n)
		for i := range angles {
			angles[i] = rng.Float64() * 2 * math.Pi
		}
		slices.Sort(angles)
		var ring []tpoint
		for _, a := range angles {
			d := r * (0.3 + 0.7*rng.Float64())
			q := tpoint{int64(math.Round(cx + d*math.Cos(a))), int64(math.Round(cy + d*math.Sin(a)))}
			if len(ring) == 0 || ring[len(ring)-1] != q {
				ring = append(ring, q)
			}
		}
		if rng.IntN(2) == 0 {
			slices.Reverse(ring)
		}
		return ring
	}
	for {
		// Whole units can break a small star: draw again until the input is simple.
		rings := [][]tpoint{star(r, n)}
		if rng.IntN(2) == 0 {
			rings = append(rings, star(r*0.25, 3+rng.IntN(10)))
		}
		ok := crossing(rings) == ""
		for _, ring := range rings {
			ok = ok && len(ring) >= 3 && ringArea2(ring) != 0 && ring[0] != ring[len(ring)-1]
		}
		if !ok {
			continue
		}
		var p orb.Polygon
		for _, ring := range rings {
			rr := orb.Ring(toLonLat(ring))
			p = append(p, append(rr, rr[0]))
		}
		return feature(p, nil)
	}
}

func cloneFC(c *geojson.FeatureCollection) *geojson.FeatureCollection {
	out := geojson.NewFeatureCollection()
	for _, f := range c.Features {
		nf := *f
		nf.Geometry = orb.Clone(f.Geometry)
		nf.Properties = f.Properties.Clone()
		out.Features = append(out.Features, &nf)
	}
	return out
}

// TestEncodeMVTCoveringPolygon: a polygon containing the whole tile is the buffered square,
// clockwise, whatever the input's orientation and detail. The square stops at the world's top
// and bottom edges: nothing is drawn past the Web Mercator limit.
func TestEncodeMVTCoveringPolygon(t *testing.T) {
	for _, z := range []maptile.Zoom{0, 1, 5, 12, 18, 22, 24} {
		for _, buffer := range []int{-1, 64, 256} {
			for _, reversed := range []bool{false, true} {
				t.Run(fmt.Sprintf("z%d buffer %d reversed %v", z, buffer, reversed), func(t *testing.T) {
					tile := randomTiles(z, 5)[4]
					if z == 1 {
						tile = maptile.New(0, 1, 1)
					}
					// A detailed ring well outside the tile on every side.
					var ring orb.Ring
					for i := 0; i < 400; i++ {
						a := 2 * math.Pi * float64(i) / 400
						ring = append(ring, lonLat(tile, 2048+5000*math.Cos(a), 2048+5000*math.Sin(a)))
					}
					ring = append(ring, ring[0])
					if reversed {
						slices.Reverse(ring)
					}
					if z == 0 { // the world: a box past the poles and the antimeridian
						ring = orb.Ring{{-250, -90}, {250, -90}, {250, 90}, {-250, 90}, {-250, -90}}
						if reversed {
							slices.Reverse(ring)
						}
					}
					l := encode(t, tile, MVTOptions{Buffer: buffer}, Layer{Name: "p", Features: fc(feature(orb.Polygon{ring}, nil))})
					b := int64(max(buffer, 0))
					x0, y0, x1, y1 := -b, -b, 4096+b, 4096+b
					if tile.Y == 0 {
						y0 = 0
					}
					if tile.Y == 1<<z-1 {
						y1 = 4096
					}
					want := [][]tpoint{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}}
					if len(l) != 1 || len(l[0].Features) != 1 || !reflect.DeepEqual(l[0].Features[0].Parts, want) {
						t.Fatalf("got %+v, want %v", l, want)
					}
				})
			}
		}
	}
}

// starPolygon is a 500-vertex star around center (lon/lat) with spikes of relative depth depth,
// and a hole; reversed flips both rings' orientation.
func starPolygon(center orb.Point, radius, depth float64, reversed bool) orb.Polygon {
	var outer, hole orb.Ring
	for i := 0; i < 500; i++ {
		a := 2 * math.Pi * float64(i) / 500
		r := radius
		if i%2 == 1 {
			r *= 1 - depth
		}
		outer = append(outer, orb.Point{center[0] + r*math.Cos(a), center[1] + r*math.Sin(a)})
	}
	for i := 0; i < 60; i++ {
		a := -2 * math.Pi * float64(i) / 60
		hole = append(hole, orb.Point{center[0] + radius/3*math.Cos(a), center[1] + radius/3*math.Sin(a)})
	}
	outer = append(outer, outer[0])
	hole = append(hole, hole[0])
	if reversed {
		slices.Reverse(outer)
		slices.Reverse(hole)
	}
	return orb.Polygon{outer, hole}
}

func TestEncodeMVTStarPolygon(t *testing.T) {
	center := orb.Point{-2, 17}
	for _, depth := range []float64{0.5, 0.05, 0.001, 0.0001} {
		for _, reversed := range []bool{false, true} {
			for z := maptile.Zoom(0); z <= 9; z++ {
				t.Run(fmt.Sprintf("depth %g reversed %v z%d", depth, reversed, z), func(t *testing.T) {
					star := starPolygon(center, 3, depth, reversed)
					// The tile holding the center and the one holding the star's east tip.
					for _, tile := range []maptile.Tile{maptile.At(center, z), maptile.At(orb.Point{center[0] + 3, center[1]}, z)} {
						l := encode(t, tile, MVTOptions{}, Layer{Name: "s", Features: fc(feature(star, nil))})
						if l == nil {
							continue
						}
						for _, poly := range polygons(l[0].Features[0]) {
							if p := polygonProblem(poly); p != "" {
								t.Fatalf("tile %v: %s", tile, p)
							}
						}
					}
				})
			}
		}
	}
}

// TestEncodeMVTWinding: exterior rings come out clockwise (positive area, y down) and holes
// counter-clockwise, for every combination of input orientations.
func TestEncodeMVTWinding(t *testing.T) {
	tile := mali5
	outer := ringAt(tile, [2]float64{100, 100}, [2]float64{900, 100}, [2]float64{900, 900}, [2]float64{100, 900})
	hole := ringAt(tile, [2]float64{300, 300}, [2]float64{600, 300}, [2]float64{600, 600}, [2]float64{300, 600})
	rev := func(r orb.Ring) orb.Ring { r = slices.Clone(r); slices.Reverse(r); return r }
	for _, ro := range []bool{false, true} {
		for _, rh := range []bool{false, true} {
			t.Run(fmt.Sprintf("outer reversed %v hole reversed %v", ro, rh), func(t *testing.T) {
				o, h := outer, hole
				if ro {
					o = rev(o)
				}
				if rh {
					h = rev(h)
				}
				l := encode(t, tile, MVTOptions{}, Layer{Name: "w", Features: fc(feature(orb.MultiPolygon{{o, h}, {h}}, nil))})
				parts := l[0].Features[0].Parts
				if len(parts) != 3 {
					t.Fatalf("%d rings, want 3", len(parts))
				}
				for i, want := range []bool{true, false, true} {
					if a := ringArea2(parts[i]); (a > 0) != want {
						t.Errorf("ring %d: area2 %d, want exterior %v", i, a, want)
					}
				}
			})
		}
	}
}

// TestEncodeMVTSimplifyFallback: rings that plain Douglas-Peucker would make invalid keep their
// unsimplified form. Each case first checks that orb's simplifier alone does break the polygon.
func TestEncodeMVTSimplifyFallback(t *testing.T) {
	cases := []struct {
		name  string
		rings [][][2]float64 // tile units, open; the first is simplified by plain DP
	}{
		// A thin sliver: DP keeps only the first, farthest and last points, a ring of 2 points.
		{"collapses to a line", [][][2]float64{{{0, 0}, {100, 0}, {200, 1}, {100, 1}}}},
		// Dropping {1006 1004}, 1 unit off its chord, makes the next edge cross the last one,
		// and flips the ring's winding.
		{"crosses itself, flipped", [][][2]float64{{{1004, 1004}, {1004, 1006}, {1006, 1004}, {1007, 1002}, {1005, 1005}}}},
		// Dropping {1006 1007} makes a bow tie that keeps the ring's winding.
		{"crosses itself", [][][2]float64{{{1003, 1004}, {1005, 1002}, {1007, 1004}, {1006, 1007}, {1004, 1008}, {1007, 1008}}}},
		// Dropping {2002 2001} cuts through the hole.
		{"crosses its hole", [][][2]float64{{{2001, 2007}, {2002, 2001}, {2003, 2000}, {2008, 2007}}, {{2002, 2003}, {2004, 2006}, {2003, 2003}}}},
	}
	toT := func(r [][2]float64) []tpoint {
		var out []tpoint
		for _, p := range r {
			out = append(out, tpoint{int64(p[0]), int64(p[1])})
		}
		return out
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ring := make(orb.LineString, 0, len(tc.rings[0])+1)
			for _, p := range tc.rings[0] {
				ring = append(ring, orb.Point{p[0], p[1]})
			}
			ring = append(ring, ring[0])
			var plain []tpoint
			for _, p := range simplify.DouglasPeucker(1).LineString(ring) {
				plain = append(plain, tpoint{int64(p[0]), int64(p[1])})
			}
			rings := [][]tpoint{plain[:len(plain)-1]}
			for _, h := range tc.rings[1:] {
				rings = append(rings, toT(h))
			}
			input := append([][]tpoint{toT(tc.rings[0])}, rings[1:]...)
			if crossing(input) != "" || ringArea2(input[0]) == 0 {
				t.Fatalf("the input is not valid")
			}
			if len(rings[0]) >= 3 && crossing(rings) == "" && (ringArea2(rings[0]) > 0) == (ringArea2(input[0]) > 0) {
				t.Fatalf("orb's Douglas-Peucker keeps this polygon valid (%v): the case tests nothing", rings)
			}
			var p orb.Polygon
			for _, r := range tc.rings {
				p = append(p, ringAt(mali5, r...))
			}
			l := encode(t, mali5, MVTOptions{}, Layer{Name: "f", Features: fc(feature(p, nil))})
			got := l[0].Features[0].Parts
			if p := polygonProblem(got); p != "" {
				t.Fatalf("got %v: %s", got, p)
			}
			for i := range got {
				if len(got[i]) != len(tc.rings[i]) {
					t.Fatalf("ring %d = %v, want the unsimplified ring %v", i, got[i], tc.rings[i])
				}
			}
		})
	}
}

func reverseT(r []tpoint) []tpoint {
	r = slices.Clone(r)
	slices.Reverse(r)
	return r
}

// TestEncodeMVTDeterministic: map iteration order does not leak into the output.
func TestEncodeMVTDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	layers := []Layer{{Name: "points", Features: randomPoints(rng, mali5, 500)}, {Name: "shapes", Features: fc()}}
	for i := 0; i < 20; i++ {
		layers[1].Features.Append(randomFeature(rng, mali5))
	}
	first, err := EncodeMVT(mali5, layers, MVTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		b, _ := EncodeMVT(mali5, layers, MVTOptions{})
		if !bytes.Equal(b, first) {
			t.Fatalf("run %d gave different bytes", i)
		}
	}
	l := mustDecode(t, first)
	if len(l) != 2 || l[0].Name != "points" || l[1].Name != "shapes" || len(l[0].Features) != 500 {
		t.Fatalf("layers %q %q, %d points", l[0].Name, l[1].Name, len(l[0].Features))
	}
}

// TestEncodeMVTConcurrent: pooled encoders do not leak state between concurrent calls.
func TestEncodeMVTConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var inputs [][]Layer
	var want [][]byte
	for i := 0; i < 8; i++ {
		layers := []Layer{{Name: fmt.Sprint("l", i), Features: randomPoints(rng, mali5, 50+i*30)}}
		if i%2 == 0 {
			layers = append(layers, Layer{Name: "shapes", Features: fc(randomFeature(rng, mali5), randomFeature(rng, mali5))})
		}
		b, err := EncodeMVT(mali5, layers, MVTOptions{})
		if err != nil {
			t.Fatal(err)
		}
		inputs, want = append(inputs, layers), append(want, b)
	}
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for n := 0; n < 40; n++ {
				i := (n + g) % len(inputs)
				b, err := EncodeMVT(mali5, inputs[i], MVTOptions{})
				if err != nil || !bytes.Equal(b, want[i]) {
					errs <- fmt.Errorf("input %d: %d bytes, %v", i, len(b), err)
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestEncodeMVTOrbDecodes: orb's own decoder reads the tiles with the same content.
func TestEncodeMVTOrbDecodes(t *testing.T) {
	points := randomPoints(rand.New(rand.NewPCG(1, 1)), mali5, 2000)
	shapes := fc(feature(starPolygon(orb.Point{-6, 16}, 2, 0.3, false), geojson.Properties{"name": "Macina"}),
		feature(orb.LineString{{-10, 12}, {-5, 15}, {1, 20}}, geojson.Properties{"neg": int64(-5), "ok": true, "f": 0.25}))
	b, err := EncodeMVT(mali5, []Layer{{Name: "incidents", Features: points}, {Name: "shapes", Features: shapes}}, MVTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	mine := mustDecode(t, b)
	if len(layers) != 2 || layers[0].Name != "incidents" || layers[1].Name != "shapes" ||
		layers[0].Version != 2 || layers[0].Extent != 4096 || len(layers[0].Features) != 2000 || len(layers[1].Features) != 2 {
		t.Fatalf("orb reads %d layers: %+v", len(layers), layers)
	}
	for i, f := range layers[0].Features {
		p, q := f.Geometry.(orb.Point), mine[0].Features[i].Parts[0][0]
		if p[0] != float64(q.X) || p[1] != float64(q.Y) || f.ID != float64(points.Features[i].ID.(int64)) {
			t.Fatalf("point %d: orb reads %v id %v, we wrote %v", i, p, f.ID, q)
		}
		for k, v := range points.Features[i].Properties {
			if n, ok := v.(int64); ok {
				v = float64(n) // orb decodes numbers as float64
			}
			if f.Properties[k] != v {
				t.Fatalf("point %d: %s = %v, want %v", i, k, f.Properties[k], v)
			}
		}
	}
	poly := layers[1].Features[0].Geometry.(orb.Polygon)
	if len(poly) != 2 || len(poly[0]) != len(mine[1].Features[0].Parts[0])+1 {
		t.Fatalf("polygon: orb reads %d rings", len(poly))
	}
	line := layers[1].Features[1]
	if _, ok := line.Geometry.(orb.LineString); !ok || line.Properties["neg"] != -5.0 || line.Properties["ok"] != true || line.Properties["f"] != 0.25 {
		t.Fatalf("line: %T %v", line.Geometry, line.Properties)
	}
}

// randomPoints returns n ACLED-like points in tile with the benchmark's properties.
func randomPoints(rng *rand.Rand, tile maptile.Tile, n int) *geojson.FeatureCollection {
	types := []string{"Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots", "Strategic developments"}
	actors := make([]string, 120)
	for i := range actors {
		actors[i] = fmt.Sprintf("Actor group %d of Mali", i)
	}
	b := tile.Bound()
	c := geojson.NewFeatureCollection()
	for i := 0; i < n; i++ {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		f := geojson.NewFeature(p)
		f.ID = int64(i + 1)
		f.Properties = geojson.Properties{
			"event_date": time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(4500)).Format("2006-01-02"),
			"event_type": types[rng.IntN(len(types))],
			"actor1":     actors[rng.IntN(len(actors))],
			"fatalities": int64(rng.IntN(20)),
			"id":         int64(i + 1),
		}
		c.Append(f)
	}
	return c
}

func TestGzip(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("tile"), bytes.Repeat([]byte("abc"), 100000)} {
		z, err := Gzip(in)
		if err != nil {
			t.Fatal(err)
		}
		r, err := gzip.NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("round trip of %d bytes: %d bytes, %v", len(in), len(out), err)
		}
	}
}

// Golden tiles: each testdata/mvt_<name>.geojson is a FeatureCollection with a foreign member "tile"
// ("z/x/y"); features go to the layer named by their foreign member "layer" (default: <name>),
// layers in order of first appearance. Numbers with no fraction are loaded as int64 (GeoJSON
// decoding gives float64). The tile must equal testdata/mvt_<name>_out.mvt byte for byte; go test
// -run Golden -update rewrites the goldens, and a mismatch writes testdata/failure_mvt_<name>.mvt.

func loadGolden(t *testing.T, path string) (maptile.Tile, []Layer) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var z, x, y uint32
	if _, err := fmt.Sscanf(fmt.Sprint(c.ExtraMembers["tile"]), "%d/%d/%d", &z, &x, &y); err != nil {
		t.Fatalf("%s: foreign member tile: %v", path, err)
	}
	name := strings.TrimPrefix(strings.TrimSuffix(filepath.Base(path), ".geojson"), "mvt_")
	var layers []Layer
	for _, f := range c.Features {
		ln := name
		if s, ok := f.ExtraMembers["layer"].(string); ok {
			ln = s
		}
		for k, v := range f.Properties {
			if n, ok := v.(float64); ok && n == math.Trunc(n) && math.Abs(n) < 1<<53 {
				f.Properties[k] = int64(n)
			}
		}
		i := slices.IndexFunc(layers, func(l Layer) bool { return l.Name == ln })
		if i < 0 {
			layers = append(layers, Layer{Name: ln, Features: geojson.NewFeatureCollection()})
			i = len(layers) - 1
		}
		layers[i].Features.Append(f)
	}
	return maptile.New(x, y, maptile.Zoom(z)), layers
}

func TestEncodeMVTGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/mvt_*.geojson")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no testdata/mvt_*.geojson: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".geojson")
		t.Run(name, func(t *testing.T) {
			tile, layers := loadGolden(t, in)
			got, err := EncodeMVT(tile, layers, MVTOptions{})
			if err != nil {
				t.Fatal(err)
			}
			mustDecode(t, got)
			golden := filepath.Join("testdata", name+"_out.mvt")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run Golden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				failure := filepath.Join("testdata", "failure_"+name+".mvt")
				_ = os.WriteFile(failure, got, 0o644)
				t.Fatalf("tile differs from %s (%d bytes, got %d); wrote %s", golden, len(want), len(got), failure)
			}
		})
	}
}

// TestGoldenContents checks what the golden tiles hold, so that -update cannot bless a wrong tile.
func TestGoldenContents(t *testing.T) {
	read := func(name string) []dlayer {
		b, err := os.ReadFile(filepath.Join("testdata", "mvt_"+name+"_out.mvt"))
		if err != nil {
			t.Fatal(err)
		}
		return mustDecode(t, b)
	}
	t.Run("points", func(t *testing.T) {
		l := read("points")
		if len(l) != 1 || l[0].Name != "points" || len(l[0].Features) != 4 {
			t.Fatalf("got %+v", l)
		}
		bamako := l[0].Features[0]
		want := map[string]any{"name": "Bamako", "fatalities": int64(3), "score": 2.5, "verified": true}
		if !reflect.DeepEqual(bamako.Props, want) || bamako.ID != 1 {
			t.Errorf("first point: id %d %v, want 1 %v", bamako.ID, bamako.Props, want)
		}
	})
	t.Run("line", func(t *testing.T) {
		l := read("line")
		if len(l) != 1 || l[0].Name != "roads" || len(l[0].Features) != 1 || l[0].Features[0].Type != 2 {
			t.Fatalf("got %+v", l)
		}
	})
	t.Run("polygon_hole", func(t *testing.T) {
		l := read("polygon_hole")
		f := l[0].Features[0]
		if len(f.Parts) != 2 || polygonProblem(f.Parts) != "" {
			t.Fatalf("want an exterior and a hole, valid: %v (%s)", f.Parts, polygonProblem(f.Parts))
		}
		for _, p := range f.Parts[1] {
			if p.X > 4096+64 {
				t.Fatalf("hole not clipped: %v", p)
			}
		}
	})
	t.Run("two_layers", func(t *testing.T) {
		l := read("two_layers")
		if len(l) != 2 || l[0].Name != "regions" || l[1].Name != "incidents" {
			t.Fatalf("got layers %+v", l)
		}
		// Each layer has its own keys and values.
		if !slices.Equal(l[0].Keys, []string{"region"}) || !slices.Equal(l[1].Keys, []string{"event_type", "fatalities"}) {
			t.Errorf("keys %q and %q", l[0].Keys, l[1].Keys)
		}
		if len(l[0].Values) != 1 || len(l[1].Values) != 4 || len(l[1].Features) != 2 {
			t.Errorf("values %v and %v", l[0].Values, l[1].Values)
		}
	})
}

// TestGDALReadsTile checks that a real client, GDAL's MVT driver, reads a tile: layer names,
// feature counts and a property value.
func TestGDALReadsTile(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ogrinfo (GDAL) not found, and CI is set")
		}
		t.Skip("ogrinfo (GDAL) not found; install gdal-bin to run this test")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	tile := mali5
	shapes := fc(feature(starPolygon(orb.Point{-6, 16}, 2, 0.3, false), geojson.Properties{"name": "Macina", "area_km2": 12345.5}),
		// Detailed rings that simplification must keep valid, inside the tile.
		feature(starPolygon(orb.Point{-3, 18}, 1, 0.001, true), nil),
		feature(starPolygon(orb.Point{-9, 13}, 1.5, 0.0001, false), nil),
		feature(starPolygon(orb.Point{-2, 14}, 0.2, 0.01, true), nil))
	b, err := EncodeMVT(tile, []Layer{{Name: "incidents", Features: randomPoints(rng, tile, 300)}, {Name: "regions", Features: shapes}}, MVTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tile.mvt")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// The MVT driver opens a single tile; X, Y and Z tell it where the tile is (otherwise it
	// reports tile coordinates instead of EPSG:3857).
	cmd := exec.Command(ogrinfo, "-ro", "-al", "-oo", fmt.Sprintf("X=%d", tile.X), "-oo", fmt.Sprintf("Y=%d", tile.Y),
		"-oo", fmt.Sprintf("Z=%d", tile.Z), path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	text := string(out)
	for _, want := range []string{
		"Layer name: incidents", "Feature Count: 300",
		"Layer name: regions", "Feature Count: 4",
		"name (String) = Macina", "area_km2 (Real) = 12345.5",
		"event_type (String) = ", "fatalities (Integer", "POLYGON ((", "POINT (",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("ogrinfo output lacks %q", want)
		}
	}
	// The points are where they should be: x in EPSG:3857 within the tile.
	b3857 := 20037508.342789244
	minX := (float64(tile.X)/32*2 - 1) * b3857
	maxX := (float64(tile.X+1)/32*2 - 1) * b3857
	for _, m := range regexp.MustCompile(`POINT \((-?[0-9.]+) `).FindAllStringSubmatch(text, -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		if x < minX-1 || x > maxX+1 {
			t.Fatalf("point at x %g, outside the tile's %g..%g", x, minX, maxX)
		}
	}
	if t.Failed() {
		t.Logf("ogrinfo output:\n%.3000s", text)
	}

	// GEOS, through SpatiaLite, finds the polygons valid (unclipped by GDAL). Skipped if this
	// GDAL's SQLite dialect has no ST_IsValid.
	cmd = exec.Command(ogrinfo, "-ro", "-oo", "CLIP=NO", "-oo", fmt.Sprintf("X=%d", tile.X), "-oo", fmt.Sprintf("Y=%d", tile.Y),
		"-oo", fmt.Sprintf("Z=%d", tile.Z), path, "-dialect", "SQLite",
		"-sql", "SELECT COUNT(*) AS n, SUM(ST_IsValid(geometry)) AS valid FROM regions")
	out, err = cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "ERROR") {
		t.Logf("no validity check: %v\n%s", err, out)
		return
	}
	if !strings.Contains(string(out), "n (Integer) = 4") || !strings.Contains(string(out), "valid (Integer) = 4") {
		t.Errorf("GEOS finds invalid polygons:\n%s", out)
	}
}
