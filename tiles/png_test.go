package tiles

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

var updatePNG = flag.Bool("update-png", false, "rewrite the golden PNG files testdata/png_*_out.png")

// pngTestTile is a z9 tile over Mopti, Mali.
var pngTestTile = maptile.At(orb.Point{-4.2, 14.5}, 9)

// pngAt returns the WGS84 point at pixel (px, py) of tile t rendered at scale, computed with
// the inverse mercator formula rather than the renderer's projection.
func pngAt(t maptile.Tile, px, py float64, scale int) orb.Point {
	n := math.Exp2(float64(t.Z))
	size := float64(pngTileSize * scale)
	fx := float64(t.X) + px/size
	fy := float64(t.Y) + py/size
	lon := fx/n*360 - 180
	lat := math.Atan(math.Sinh(math.Pi*(1-2*fy/n))) * 180 / math.Pi
	return orb.Point{lon, lat}
}

// pngPixel returns the pixel of tile t at scale where ll falls, using orb's maptile.Fraction.
func pngPixel(t maptile.Tile, ll orb.Point, scale int) image.Point {
	f := maptile.Fraction(ll, t.Z)
	size := float64(pngTileSize * scale)
	return image.Pt(int(math.Floor((f[0]-float64(t.X))*size)), int(math.Floor((f[1]-float64(t.Y))*size)))
}

func pngFC(features ...*geojson.Feature) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	fc.Features = features
	return fc
}

func pngFeature(g orb.Geometry, props geojson.Properties) *geojson.Feature {
	f := geojson.NewFeature(g)
	if props != nil {
		f.Properties = props
	}
	return f
}

// pngRender renders and decodes, failing the test on an error or an empty tile.
func pngRender(t testing.TB, tile maptile.Tile, fc *geojson.FeatureCollection, s Style, scale int) *image.NRGBA {
	t.Helper()
	b, err := RenderPNG(tile, fc, s, scale)
	if err != nil {
		t.Fatalf("RenderPNG: %v", err)
	}
	if b == nil {
		t.Fatal("RenderPNG returned nil, want a PNG")
	}
	return pngDecode(t, b)
}

func pngDecode(t testing.TB, b []byte) *image.NRGBA {
	t.Helper()
	m, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	if n, ok := m.(*image.NRGBA); ok {
		return n
	}
	n := image.NewNRGBA(m.Bounds())
	draw.Draw(n, n.Rect, m, m.Bounds().Min, draw.Src)
	return n
}

// pngNear reports whether two colours differ by at most tol in every channel.
func pngNear(a, b color.NRGBA, tol int) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= tol && int(y)-int(x) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

// pngPainted counts the pixels with alpha above zero.
func pngPainted(m *image.NRGBA) int {
	n := 0
	for i := 3; i < len(m.Pix); i += 4 {
		if m.Pix[i] > 0 {
			n++
		}
	}
	return n
}

var (
	pngRed   = color.NRGBA{R: 220, G: 20, B: 60, A: 255}
	pngBlue  = color.NRGBA{R: 20, G: 60, B: 200, A: 255}
	pngBlack = color.NRGBA{A: 255}
)

func TestRenderPNGSize(t *testing.T) {
	center := pngAt(pngTestTile, 128, 128, 1)
	fc := pngFC(pngFeature(center, nil))
	s := Style{Fill: pngRed, Radius: 5}
	for _, scale := range []int{1, 2, 3} {
		t.Run(fmt.Sprint("scale ", scale), func(t *testing.T) {
			m := pngRender(t, pngTestTile, fc, s, scale)
			want := 256 * scale
			if m.Rect != image.Rect(0, 0, want, want) {
				t.Fatalf("bounds %v, want %dx%[2]d", m.Rect, want)
			}
			// Radius scales too: about π(5·scale)² pixels.
			area := math.Pi * 25 * float64(scale*scale)
			if got := float64(pngPainted(m)); got < area*0.9 || got > area*1.25 {
				t.Errorf("%v pixels painted, want about %.0f", got, area)
			}
		})
	}
}

func TestRenderPNGPoint(t *testing.T) {
	s := Style{Fill: pngRed, Stroke: pngBlack, StrokeWidth: 2, Radius: 8}
	ll := pngAt(pngTestTile, 100.25, 60.25, 1) // a pixel centre at scale 2 too
	for _, scale := range []int{1, 2} {
		t.Run(fmt.Sprint("scale ", scale), func(t *testing.T) {
			m := pngRender(t, pngTestTile, pngFC(pngFeature(ll, nil)), s, scale)
			c := pngPixel(pngTestTile, ll, scale)
			k := scale
			tests := []struct {
				name string
				at   image.Point
				want color.NRGBA
			}{
				{"centre", c, pngRed},
				{"inside", c.Add(image.Pt(4*k, -3*k)), pngRed},
				{"outline", c.Add(image.Pt(8*k, 0)), pngBlack},
				{"outline above", c.Add(image.Pt(0, -8*k)), pngBlack},
				{"just outside", c.Add(image.Pt(11*k, 0)), color.NRGBA{}},
				{"far corner", image.Pt(250*k, 250*k), color.NRGBA{}},
				{"origin", image.Pt(0, 0), color.NRGBA{}},
			}
			for _, tt := range tests {
				if got := m.NRGBAAt(tt.at.X, tt.at.Y); got != tt.want {
					t.Errorf("%s %v: got %v, want %v", tt.name, tt.at, got, tt.want)
				}
			}
			partial := 0
			for i := 3; i < len(m.Pix); i += 4 {
				if a := m.Pix[i]; a > 0 && a < 255 {
					partial++
				}
			}
			if partial < 8 {
				t.Errorf("%d partially covered pixels: the circle's edge is not anti-aliased", partial)
			}
		})
	}
}

func TestRenderPNGPolygon(t *testing.T) {
	tile := pngTestTile
	ring := func(x0, y0, x1, y1 float64, ccw bool) orb.Ring {
		r := orb.Ring{pngAt(tile, x0, y0, 1), pngAt(tile, x0, y1, 1), pngAt(tile, x1, y1, 1), pngAt(tile, x1, y0, 1), pngAt(tile, x0, y0, 1)}
		if !ccw { // the ring above runs counter-clockwise on the map (lon right, lat up)
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
		}
		return r
	}
	half := color.NRGBA{R: 20, G: 60, B: 200, A: 128}
	type probe struct {
		x, y int
		want color.NRGBA
	}
	tests := []struct {
		name   string
		geom   orb.Geometry
		style  Style
		probes []probe
	}{
		{
			name:  "hole wound opposite (RFC 7946)",
			geom:  orb.Polygon{ring(40, 40, 216, 216, true), ring(100, 100, 156, 156, false)},
			style: Style{Fill: pngBlue},
			probes: []probe{
				{60, 60, pngBlue}, {200, 120, pngBlue}, {128, 128, color.NRGBA{}}, {110, 150, color.NRGBA{}},
				{20, 20, color.NRGBA{}}, {230, 128, color.NRGBA{}},
			},
		},
		{
			name:   "hole wound like the exterior",
			geom:   orb.Polygon{ring(40, 40, 216, 216, false), ring(100, 100, 156, 156, false)},
			style:  Style{Fill: pngBlue},
			probes: []probe{{60, 60, pngBlue}, {128, 128, color.NRGBA{}}, {20, 20, color.NRGBA{}}},
		},
		{
			name: "overlapping multipolygon filled once",
			geom: orb.MultiPolygon{
				{ring(20, 20, 140, 140, true)},
				{ring(100, 100, 220, 220, false)},
			},
			style:  Style{Fill: half},
			probes: []probe{{30, 30, half}, {120, 120, half}, {200, 200, half}, {200, 30, color.NRGBA{}}},
		},
		{
			name:  "outline over fill",
			geom:  orb.Polygon{ring(40, 40, 216, 216, true)},
			style: Style{Fill: pngBlue, Stroke: pngRed, StrokeWidth: 4},
			probes: []probe{
				{40, 128, pngRed}, {41, 128, pngRed}, {38, 128, pngRed}, {44, 128, pngBlue},
				{34, 128, color.NRGBA{}}, {128, 215, pngRed}, {215, 215, pngRed},
			},
		},
		{
			name:  "larger than the tile",
			geom:  orb.Polygon{ring(-5000, -3000, 4000, 6000, true)},
			style: Style{Fill: pngBlue, Stroke: pngRed, StrokeWidth: 4},
			probes: []probe{
				{0, 0, pngBlue}, {255, 0, pngBlue}, {0, 255, pngBlue}, {255, 255, pngBlue}, {128, 128, pngBlue},
			},
		},
		{
			name:  "half-pixel edge",
			geom:  orb.Polygon{ring(100.5, 20, 300, 200, true)},
			style: Style{Fill: pngBlue},
			probes: []probe{
				{99, 100, color.NRGBA{}}, {100, 100, color.NRGBA{R: 20, G: 60, B: 200, A: 128}}, {101, 100, pngBlue},
			},
		},
		{
			name:   "collection",
			geom:   orb.Collection{ring(40, 40, 80, 80, true), pngAt(tile, 200.5, 200.5, 1)},
			style:  Style{Fill: pngBlue, Radius: 4},
			probes: []probe{{60, 60, pngBlue}, {200, 200, pngBlue}, {128, 128, color.NRGBA{}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := pngRender(t, tile, pngFC(pngFeature(tt.geom, nil)), tt.style, 1)
			for _, p := range tt.probes {
				if got := m.NRGBAAt(p.x, p.y); !pngNear(got, p.want, 1) {
					t.Errorf("(%d, %d): got %v, want %v", p.x, p.y, got, p.want)
				}
			}
		})
	}
}

func TestRenderPNGLine(t *testing.T) {
	tile := pngTestTile
	line := func(px ...float64) orb.LineString {
		var ls orb.LineString
		for i := 0; i+1 < len(px); i += 2 {
			ls = append(ls, pngAt(tile, px[i], px[i+1], 1))
		}
		return ls
	}
	half := color.NRGBA{R: 20, G: 60, B: 200, A: 128}
	type probe struct {
		x, y     int
		min, max uint8 // alpha range
	}
	tests := []struct {
		name   string
		geom   orb.Geometry
		style  Style
		probes []probe
	}{
		{
			name:  "horizontal, 3 px, anti-aliased edges",
			geom:  line(-20, 100, 276, 100),
			style: Style{Stroke: pngBlue, StrokeWidth: 3},
			probes: []probe{
				{128, 99, 255, 255}, {128, 100, 255, 255}, {0, 99, 255, 255}, {255, 100, 255, 255},
				{128, 98, 120, 136}, {128, 101, 120, 136}, {128, 97, 0, 0}, {128, 102, 0, 0},
			},
		},
		{
			name:   "diagonal",
			geom:   line(10, 10, 240, 240),
			style:  Style{Stroke: pngBlue, StrokeWidth: 2},
			probes: []probe{{128, 128, 200, 255}, {60, 60, 200, 255}, {60, 80, 0, 0}},
		},
		{
			name:  "thick corner: round join, overlap drawn once",
			geom:  line(60, 60, 180, 60, 180, 180),
			style: Style{Stroke: half, StrokeWidth: 10},
			probes: []probe{
				{120, 60, 127, 129}, {179, 61, 127, 129}, {183, 57, 126, 129}, {180, 120, 127, 129},
				{187, 53, 0, 0}, {120, 70, 0, 0},
			},
		},
		{
			name:   "round caps",
			geom:   line(60, 60.5, 180, 60.5),
			style:  Style{Stroke: pngBlue, StrokeWidth: 10},
			probes: []probe{{57, 60, 255, 255}, {183, 60, 255, 255}, {50, 60, 0, 0}, {190, 60, 0, 0}},
		},
		{
			name:   "multilinestring",
			geom:   orb.MultiLineString{line(10, 20.5, 100, 20.5), line(10, 200.5, 100, 200.5)},
			style:  Style{Stroke: pngBlue, StrokeWidth: 2},
			probes: []probe{{50, 20, 255, 255}, {50, 200, 255, 255}, {50, 110, 0, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := pngRender(t, tile, pngFC(pngFeature(tt.geom, nil)), tt.style, 1)
			for _, p := range tt.probes {
				c := m.NRGBAAt(p.x, p.y)
				if c.A < p.min || c.A > p.max {
					t.Errorf("(%d, %d): alpha %d, want %d to %d", p.x, p.y, c.A, p.min, p.max)
				}
				if c.A > 0 && !pngNear(color.NRGBA{c.R, c.G, c.B, 255}, color.NRGBA{20, 60, 200, 255}, 1) {
					t.Errorf("(%d, %d): colour %v, want the stroke colour", p.x, p.y, c)
				}
			}
		})
	}
}

// pngRuns returns the lengths of the painted and unpainted runs along row y between x0 and x1.
func pngRuns(m *image.NRGBA, y, x0, x1 int) (on, off []int) {
	prev, n := m.NRGBAAt(x0, y).A >= 128, 0
	for x := x0; x < x1; x++ {
		cur := m.NRGBAAt(x, y).A >= 128
		if cur != prev {
			if prev {
				on = append(on, n)
			} else {
				off = append(off, n)
			}
			n = 0
		}
		prev = cur
		n++
	}
	return on, off
}

func TestRenderPNGDashes(t *testing.T) {
	tile := pngTestTile
	ls := orb.LineString{pngAt(tile, -20, 100, 1), pngAt(tile, 276, 100, 1)}
	s := Style{Stroke: pngBlue, StrokeWidth: 2, DashBy: "approximate"}
	tests := []struct {
		name   string
		props  geojson.Properties
		dashed bool
	}{
		{"true", geojson.Properties{"approximate": true}, true},
		{"1 as from GeoPackage", geojson.Properties{"approximate": int64(1)}, true},
		{"false", geojson.Properties{"approximate": false}, false},
		{"missing", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := pngRender(t, tile, pngFC(pngFeature(ls, tt.props)), s, 1)
			on, off := pngRuns(m, 99, 20, 236)
			if !tt.dashed {
				if len(off) > 0 {
					t.Fatalf("solid line has gaps: on %v, off %v", on, off)
				}
				return
			}
			if len(on) < 10 || len(off) < 10 {
				t.Fatalf("want a dashed line, got runs on %v, off %v", on, off)
			}
			for _, n := range on[1:] { // 8 px dashes (the first may be cut by the window)
				if n < 7 || n > 9 {
					t.Errorf("dash of %d px, want 8: %v", n, on)
				}
			}
			for _, n := range off[1:] { // 6 px gaps
				if n < 5 || n > 7 {
					t.Errorf("gap of %d px, want 6: %v", n, off)
				}
			}
		})
	}
	t.Run("point outline", func(t *testing.T) {
		p := pngAt(tile, 128.5, 128.5, 1)
		ps := Style{Stroke: pngBlue, StrokeWidth: 2, Radius: 20, DashBy: "approximate"}
		solid := pngRender(t, tile, pngFC(pngFeature(p, nil)), ps, 1)
		dashed := pngRender(t, tile, pngFC(pngFeature(p, geojson.Properties{"approximate": true})), ps, 1)
		ns, nd := pngPainted(solid), pngPainted(dashed)
		if nd >= ns*3/4 || nd < ns/3 {
			t.Errorf("dashed ring paints %d pixels, solid %d: want roughly 4/7", nd, ns)
		}
	})
}

func TestRenderPNGTileEdge(t *testing.T) {
	t0 := pngTestTile
	corner := pngAt(t0, 256, 256, 1) // shared by four tiles
	fc := pngFC(pngFeature(corner, nil))
	s := Style{Fill: pngRed, Radius: 6}
	tests := []struct {
		name string
		tile maptile.Tile
		at   image.Point
	}{
		{"top left", t0, image.Pt(253, 253)},
		{"top right", maptile.New(t0.X+1, t0.Y, t0.Z), image.Pt(2, 253)},
		{"bottom left", maptile.New(t0.X, t0.Y+1, t0.Z), image.Pt(253, 2)},
		{"bottom right", maptile.New(t0.X+1, t0.Y+1, t0.Z), image.Pt(2, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := pngRender(t, tt.tile, fc, s, 1)
			if got := m.NRGBAAt(tt.at.X, tt.at.Y); got != pngRed {
				t.Errorf("%v: got %v, want %v", tt.at, got, pngRed)
			}
			// A quarter of the disc, about π·36/4 pixels.
			if n := pngPainted(m); n < 22 || n > 40 {
				t.Errorf("%d pixels painted, want about 28", n)
			}
		})
	}
	t.Run("next tile but one", func(t *testing.T) {
		b, err := RenderPNG(maptile.New(t0.X+2, t0.Y, t0.Z), fc, s, 1)
		if b != nil || err != nil {
			t.Errorf("got %d bytes, %v; want nil, nil", len(b), err)
		}
	})
}

func TestRenderPNGEmpty(t *testing.T) {
	far := pngFeature(orb.Point{100, -30}, nil)
	square := orb.Polygon{{{-4.3, 14.4}, {-4.1, 14.4}, {-4.1, 14.6}, {-4.3, 14.6}, {-4.3, 14.4}}}
	// A polygon around the tile whose hole covers the whole tile: its bound overlaps, nothing shows.
	holed := orb.Polygon{
		{{-10, 10}, {0, 10}, {0, 20}, {-10, 20}, {-10, 10}},
		{{-6, 12}, {-6, 17}, {-2, 17}, {-2, 12}, {-6, 12}},
	}
	tests := []struct {
		name  string
		fc    *geojson.FeatureCollection
		style Style
	}{
		{"nil collection", nil, Style{Fill: pngRed, Radius: 4}},
		{"no features", pngFC(), Style{Fill: pngRed, Radius: 4}},
		{"far away", pngFC(far), Style{Fill: pngRed, Radius: 4}},
		{"nil geometry", pngFC(&geojson.Feature{Type: "Feature"}, nil), Style{Fill: pngRed, Radius: 4}},
		{"transparent style", pngFC(pngFeature(square, nil)), Style{Stroke: pngRed}},
		{"zero radius point", pngFC(pngFeature(square.Bound().Center(), nil)), Style{Fill: pngRed}},
		{"inside a hole", pngFC(pngFeature(holed, nil)), Style{Fill: pngRed}},
		{"NaN", pngFC(pngFeature(orb.Point{math.NaN(), 14.5}, nil)), Style{Fill: pngRed, Radius: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := RenderPNG(pngTestTile, tt.fc, tt.style, 1)
			if b != nil || err != nil {
				t.Errorf("got %d bytes, %v; want nil, nil", len(b), err)
			}
		})
	}
}

func TestRenderPNGExtremes(t *testing.T) {
	centre := pngAt(pngTestTile, 128.5, 128.5, 1)
	deep := maptile.At(orb.Point{-4.2, 14.5}, MaxZoom)
	tests := []struct {
		name    string
		tile    maptile.Tile
		geom    orb.Geometry
		style   Style
		painted []image.Point
	}{
		{"huge radius", pngTestTile, centre, Style{Fill: pngRed, Radius: 1e9}, []image.Point{{0, 0}, {255, 255}}},
		{"huge outline", pngTestTile, centre, Style{Stroke: pngRed, StrokeWidth: 1e9, Radius: 3}, []image.Point{{0, 0}, {128, 128}}},
		{"huge line width", pngTestTile, orb.LineString{centre, pngAt(pngTestTile, 2000, 128, 1)}, Style{Stroke: pngRed, StrokeWidth: 1e9}, []image.Point{{0, 0}, {255, 255}}},
		{"huge dashed point", pngTestTile, centre, Style{Fill: pngRed, Stroke: pngBlack, StrokeWidth: 2, Radius: 1e9, DashBy: "approximate"}, []image.Point{{0, 0}, {128, 128}}},
		{"big point symbol", pngTestTile, centre, Style{Fill: pngRed, Stroke: pngBlack, StrokeWidth: 4, Radius: 100}, []image.Point{{128, 128}, {228, 128}}},
		{"zoom 24", deep, pngAt(deep, 128.5, 128.5, 1), Style{Fill: pngRed, Radius: 4}, []image.Point{{128, 128}}},
		{"zoom 0, whole world", maptile.New(0, 0, 0), orb.Polygon{{{-180, -90}, {180, -90}, {180, 90}, {-180, 90}, {-180, -90}}}, Style{Fill: pngRed}, []image.Point{{0, 0}, {255, 255}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := pngRender(t, tt.tile, pngFC(pngFeature(tt.geom, geojson.Properties{"approximate": true})), tt.style, 1)
			for _, p := range tt.painted {
				if a := m.NRGBAAt(p.X, p.Y).A; a == 0 {
					t.Errorf("%v not painted", p)
				}
			}
		})
	}
}

func TestRenderPNGErrors(t *testing.T) {
	fc := pngFC(pngFeature(orb.Point{-4.2, 14.5}, nil))
	tests := []struct {
		name  string
		tile  maptile.Tile
		scale int
	}{
		{"scale 0", pngTestTile, 0},
		{"scale 5", pngTestTile, 5},
		{"x out of range", maptile.Tile{X: 4, Y: 0, Z: 2}, 1},
		{"zoom over MaxZoom", maptile.Tile{Z: MaxZoom + 1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := RenderPNG(tt.tile, fc, Style{Fill: pngRed, Radius: 4}, tt.scale); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestRenderPNGOrder(t *testing.T) {
	c := pngAt(pngTestTile, 128.5, 128.5, 1)
	s := Style{Fill: pngBlue, Radius: 3, SizeBy: "n", ColorBy: "kind", Colors: map[string]color.NRGBA{"small": pngRed}}
	small := pngFeature(c, geojson.Properties{"kind": "small", "n": 0})
	big := pngFeature(c, geojson.Properties{"kind": "big", "n": 100})
	tests := []struct {
		name string
		fc   *geojson.FeatureCollection
	}{
		{"small first", pngFC(small, big)},
		{"big first", pngFC(big, small)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := pngRender(t, pngTestTile, tt.fc, s, 1)
			if got := m.NRGBAAt(128, 128); got != pngRed {
				t.Errorf("centre %v, want the small point's %v on top", got, pngRed)
			}
			if got := m.NRGBAAt(128+8, 128); got != pngBlue {
				t.Errorf("ring %v, want the big point's %v", got, pngBlue)
			}
		})
	}
	t.Run("points over polygons", func(t *testing.T) {
		sq := orb.Polygon{{pngAt(pngTestTile, 100, 100, 1), pngAt(pngTestTile, 100, 156, 1), pngAt(pngTestTile, 156, 156, 1), pngAt(pngTestTile, 156, 100, 1), pngAt(pngTestTile, 100, 100, 1)}}
		m := pngRender(t, pngTestTile, pngFC(small, pngFeature(sq, nil)), s, 1)
		if got := m.NRGBAAt(128, 128); got != pngRed {
			t.Errorf("centre %v, want the point's %v over the polygon", got, pngRed)
		}
	})
}

// pngGoldenTile holds 14 of the incidents of testdata/png_incidents.geojson (central Mali).
var pngGoldenTile = maptile.New(31, 29, 6)

func pngReadFC(t testing.TB, path string) *geojson.FeatureCollection {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fc
}

func TestRenderPNGGolden(t *testing.T) {
	tests := []struct {
		name, in, layer string
		tile            maptile.Tile
		scale           int
	}{
		{"incidents", "testdata/png_incidents.geojson", "incidents", pngGoldenTile, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := pngReadFC(t, tt.in)
			b, err := RenderPNG(tt.tile, fc, DefaultStyle(tt.layer, "Point"), tt.scale)
			if err != nil || b == nil {
				t.Fatalf("RenderPNG: %d bytes, %v", len(b), err)
			}
			golden := filepath.Join("testdata", "png_"+tt.name+"_out.png")
			if *updatePNG {
				if err := os.WriteFile(golden, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-png to create it)", err)
			}
			got, exp := pngDecode(t, b), pngDecode(t, want)
			if got.Rect != exp.Rect {
				t.Fatalf("bounds %v, want %v", got.Rect, exp.Rect)
			}
			bad, first := 0, image.Point{-1, -1}
			for y := range exp.Rect.Dy() {
				for x := range exp.Rect.Dx() {
					if !pngNear(got.NRGBAAt(x, y), exp.NRGBAAt(x, y), 2) {
						if bad == 0 {
							first = image.Pt(x, y)
						}
						bad++
					}
				}
			}
			if bad > 0 {
				failure := filepath.Join("testdata", "png_"+tt.name+"_failure.png")
				_ = os.WriteFile(failure, b, 0o644)
				t.Errorf("%d pixels differ from %s, first at %v: got %v, want %v; wrote %s",
					bad, golden, first, got.NRGBAAt(first.X, first.Y), exp.NRGBAAt(first.X, first.Y), failure)
			}
		})
	}
}

// TestRenderPNGShots writes sample tiles, raw and over white, to the folder named by
// HARMATTAN_PNGSHOTS, for looking at them.
func TestRenderPNGShots(t *testing.T) {
	dir := os.Getenv("HARMATTAN_PNGSHOTS")
	if dir == "" {
		t.Skip("set HARMATTAN_PNGSHOTS=dir to write sample tiles")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	incidents := pngReadFC(t, "testdata/png_incidents.geojson")
	regions := pngReadFC(t, "../data/seed/regions.geojson")
	bases := pngReadFC(t, "../data/seed/bases.geojson")
	type layer struct {
		name  string
		fc    *geojson.FeatureCollection
		geom  string
		style *Style // DefaultStyle(name, geom) when nil
	}
	all := []layer{{"regions", regions, "Polygon", nil}, {"bases", bases, "Point", nil}, {"incidents", incidents, "Point", nil}}
	shots := []struct {
		name   string
		tile   maptile.Tile
		scale  int
		layers []layer
	}{
		{"incidents_z6", pngGoldenTile, 1, all[2:]},
		{"incidents_z6@2x", pngGoldenTile, 2, all[2:]},
		{"regions_z6", pngGoldenTile, 1, all[:1]},
		{"all_z6", pngGoldenTile, 1, all},
		{"all_z5", maptile.New(15, 14, 5), 2, all},
		{"bases_z8", maptile.At(orb.Point{-3.0, 16.77}, 8), 2, all[1:2]},
		{"polygons_bench_z7", maptile.New(62, 58, 7), 1, []layer{{"regions", pngBenchPolygons(maptile.New(62, 58, 7)), "Polygon", nil}}},
		{"points_bench_z9", pngTestTile, 1, []layer{{"incidents", pngBenchPoints(pngTestTile), "Point", nil}}},
		{"lines_thick@2x", pngTestTile, 2, []layer{{"lines", pngShotLines(), "LineString", &Style{
			Stroke: color.NRGBA{R: 200, G: 40, B: 40, A: 200}, StrokeWidth: 6, DashBy: "dashed",
		}}}},
		{"lines_thin", pngTestTile, 1, []layer{{"lines", pngShotLines(), "LineString", nil}}},
	}
	for _, sh := range shots {
		size := 256 * sh.scale
		white := image.NewNRGBA(image.Rect(0, 0, size, size))
		draw.Draw(white, white.Rect, image.White, image.Point{}, draw.Src)
		for _, l := range sh.layers {
			style := DefaultStyle(l.name, l.geom)
			if l.style != nil {
				style = *l.style
			}
			b, err := RenderPNG(sh.tile, l.fc, style, sh.scale)
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				continue
			}
			if len(sh.layers) == 1 {
				if err := os.WriteFile(filepath.Join(dir, sh.name+".png"), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m := pngDecode(t, b)
			draw.Draw(white, white.Rect, m, image.Point{}, draw.Over)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, white); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sh.name+"_white.png"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		// A 64 px square from the top-left quarter, each pixel drawn 6×6, to see the anti-aliasing.
		const crop, k = 64, 6
		zoom := image.NewNRGBA(image.Rect(0, 0, crop*k, crop*k))
		for y := range crop * k {
			for x := range crop * k {
				zoom.SetNRGBA(x, y, white.NRGBAAt(size/4-crop/2+x/k, size/4-crop/2+y/k))
			}
		}
		buf.Reset()
		if err := png.Encode(&buf, zoom); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sh.name+"_zoom.png"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pngShotLines returns lines on pngTestTile that turn at many angles: a zigzag, a spiral, a
// hairpin, and the same spiral dashed.
func pngShotLines() *geojson.FeatureCollection {
	t := pngTestTile
	var zigzag, spiral, dashed orb.LineString
	for i := range 9 {
		zigzag = append(zigzag, pngAt(t, 20+float64(i)*26, 30+float64(i%2)*40+float64(i)*2, 1))
	}
	for i := range 120 {
		a := float64(i) * 0.12
		rr := 10 + float64(i)*0.45
		spiral = append(spiral, pngAt(t, 80+rr*math.Cos(a), 170+rr*math.Sin(a), 1))
		dashed = append(dashed, pngAt(t, 190+rr*math.Cos(a)*0.9, 170+rr*math.Sin(a)*0.9, 1))
	}
	hairpin := orb.LineString{pngAt(t, 150, 110, 1), pngAt(t, 240, 112, 1), pngAt(t, 150, 118, 1)}
	return pngFC(
		pngFeature(zigzag, nil), pngFeature(spiral, nil), pngFeature(hairpin, nil),
		pngFeature(dashed, geojson.Properties{"dashed": true}),
	)
}

// pngBenchPoints returns 2,900 incidents on tile t or within 1/8 of a tile of it, drawn the way
// the reference workload's generator (shared/bench/gen_data.py) draws them around Mopti: a mix of
// two Gaussian widths around each town, ACLED event type shares and its fatality counts.
func pngBenchPoints(t maptile.Tile) *geojson.FeatureCollection {
	rng := rand.New(rand.NewPCG(9, 2900))
	towns := []struct{ lon, lat, weight, sigma float64 }{
		{-4.20, 14.49, 0.14, 0.45}, // Mopti
		{-4.10, 14.53, 0.03, 0.20}, // Sevare
		{-4.59, 14.17, 0.05, 0.15}, // Moura
		{-4.55, 13.91, 0.03, 0.25}, // Djenne
		{-3.61, 14.35, 0.04, 0.30}, // Bandiagara
	}
	events := []struct {
		name  string
		share float64
	}{
		{"Violence against civilians", 0.32}, {"Battles", 0.28}, {"Explosions/Remote violence", 0.17},
		{"Strategic developments", 0.12}, {"Protests", 0.07}, {"Riots", 0.04},
	}
	bound := t.Bound(0.125)
	fc := geojson.NewFeatureCollection()
	for len(fc.Features) < 2900 {
		pick := rng.Float64() * 0.29
		town := towns[0]
		for _, tw := range towns {
			if pick < tw.weight {
				town = tw
				break
			}
			pick -= tw.weight
		}
		s := town.sigma * 1.3
		if rng.IntN(2) == 0 {
			s = town.sigma * 0.4
		}
		p := orb.Point{town.lon + rng.NormFloat64()*s, town.lat + rng.NormFloat64()*s}
		if !bound.Contains(p) {
			continue
		}
		pick = rng.Float64()
		event := events[0].name
		for _, e := range events {
			if pick < e.share {
				event = e.name
				break
			}
			pick -= e.share
		}
		fat := 0
		if event == "Protests" || event == "Strategic developments" {
			if rng.Float64() >= 0.95 {
				fat = 1 + rng.IntN(3)
			}
		} else {
			for rng.Float64() < 0.55 && fat < 200 {
				fat += 1 + rng.IntN(4)
			}
		}
		fc.Append(pngFeature(p, geojson.Properties{"event_type": event, "fatalities": float64(fat)}))
	}
	return fc
}

// pngBenchPolygons returns 50 polygons of 50 to 500 vertices around tile t at z7 (each about a
// tenth to a third of the tile across, some reaching past its edges), half approximate.
func pngBenchPolygons(t maptile.Tile) *geojson.FeatureCollection {
	rng := rand.New(rand.NewPCG(7, 50))
	fc := geojson.NewFeatureCollection()
	for i := range 50 {
		cx, cy := -40+rng.Float64()*336, -40+rng.Float64()*336
		radius := 12 + rng.Float64()*40
		n := 50 + rng.IntN(451)
		ring := make(orb.Ring, 0, n+1)
		for k := range n {
			a := 2 * math.Pi * float64(k) / float64(n)
			rr := radius * (0.75 + 0.25*math.Sin(5*a+float64(i)) + 0.1*rng.Float64())
			ring = append(ring, pngAt(t, cx+rr*math.Cos(a), cy-rr*math.Sin(a), 1))
		}
		ring = append(ring, ring[0])
		fc.Append(pngFeature(orb.Polygon{ring}, geojson.Properties{"approximate": i%2 == 0}))
	}
	return fc
}

func BenchmarkRenderPNGPoints(b *testing.B) {
	fc := pngBenchPoints(pngTestTile)
	s := DefaultStyle("incidents", "Point")
	for _, scale := range []int{1, 2} {
		b.Run(fmt.Sprint("scale=", scale), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if out, err := RenderPNG(pngTestTile, fc, s, scale); err != nil || out == nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRenderPNGPolygons(b *testing.B) {
	tile := maptile.New(62, 58, 7)
	fc := pngBenchPolygons(tile)
	s := DefaultStyle("regions", "Polygon")
	for _, scale := range []int{1, 2} {
		b.Run(fmt.Sprint("scale=", scale), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if out, err := RenderPNG(tile, fc, s, scale); err != nil || out == nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestRenderPNGConcurrent(t *testing.T) {
	fc := pngReadFC(t, "testdata/png_incidents.geojson")
	s := DefaultStyle("incidents", "Point")
	want, err := RenderPNG(pngGoldenTile, fc, s, 1)
	if err != nil || want == nil {
		t.Fatalf("RenderPNG: %d bytes, %v", len(want), err)
	}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			scale := 1 + i%2
			for range 5 {
				got, err := RenderPNG(pngGoldenTile, fc, s, scale)
				if err == nil && scale == 1 && !bytes.Equal(got, want) {
					err = fmt.Errorf("goroutine %d: output differs", i)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
