package tiles

import (
	"encoding/json"
	"errors"
	"image/color"
	"io/fs"
	"math"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The web map's colours (web/static/mapstyle.js, style.css), written out again so that a change on
// either side fails a test.
var styleWebEvents = []struct {
	name string
	rgb  uint32
}{
	{"Battles", 0xD55E00},
	{"Violence against civilians", 0xCC79A7},
	{"Explosions/Remote violence", 0xE69F00},
	{"Riots", 0x0072B2},
	{"Protests", 0x56B4E9},
	{"Strategic developments", 0x009E73},
}

func TestDefaultStyleIncidentColors(t *testing.T) {
	s := DefaultStyle("incidents", "Point")
	if len(s.Colors) != 6 {
		t.Errorf("%d event colours, want ACLED's 6", len(s.Colors))
	}
	at := pngAt(pngTestTile, 128.5, 128.5, 1)
	cases := append(styleWebEvents, struct {
		name string
		rgb  uint32
	}{"Something else", 0x7A7A7A})
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			want := styleHex(tt.rgb)
			want.A = 217 // fillOpacity 0.85
			if got := s.fillFor(map[string]any{"event_type": tt.name}); got != want {
				t.Errorf("fillFor = %v, want %v", got, want)
			}
			// Drawn: the centre of the disc has exactly the palette colour at 85% opacity.
			m := pngRender(t, pngTestTile, pngFC(pngFeature(at, geojson.Properties{"event_type": tt.name, "fatalities": 4})), s, 1)
			if got := m.NRGBAAt(128, 128); !pngNear(got, want, 1) {
				t.Errorf("centre pixel %v, want %v", got, want)
			}
		})
	}
}

// TestDefaultStyleMatchesWebMap reads the palette from the web map's own script.
func TestDefaultStyleMatchesWebMap(t *testing.T) {
	src, err := os.ReadFile("../web/static/mapstyle.js")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("web/static/mapstyle.js not found")
	}
	if err != nil {
		t.Fatal(err)
	}
	s := DefaultStyle("incidents", "Point")
	events := regexp.MustCompile(`\{\s*name:\s*'([^']+)',\s*color:\s*'#([0-9A-Fa-f]{6})'\s*\}`).FindAllSubmatch(src, -1)
	if len(events) != 6 {
		t.Fatalf("found %d event types in mapstyle.js, want 6", len(events))
	}
	for _, m := range events {
		rgb, _ := strconv.ParseUint(string(m[2]), 16, 32)
		want := styleAlpha(styleHex(uint32(rgb)), 0.85)
		if got, ok := s.Colors[string(m[1])]; !ok || got != want {
			t.Errorf("%s: DefaultStyle has %v, mapstyle.js %v", m[1], got, want)
		}
	}
	consts := map[string]color.NRGBA{
		"OTHER_EVENT_COLOR": s.Fill,
		"REGION_COLOR":      DefaultStyle("regions", "Polygon").Stroke,
		"GENERIC_COLOR":     DefaultStyle("roads", "LineString").Stroke,
	}
	for name, got := range consts {
		m := regexp.MustCompile(`var ` + name + ` = '#([0-9A-Fa-f]{6})'`).FindSubmatch(src)
		if m == nil {
			t.Errorf("%s not found in mapstyle.js", name)
			continue
		}
		rgb, _ := strconv.ParseUint(string(m[1]), 16, 32)
		if want := styleHex(uint32(rgb)); got.R != want.R || got.G != want.G || got.B != want.B {
			t.Errorf("%s: DefaultStyle has %v, mapstyle.js %v", name, got, want)
		}
	}
}

func TestDefaultStyleFatalitiesSize(t *testing.T) {
	s := DefaultStyle("incidents", "Point")
	at := pngAt(pngTestTile, 128.5, 128.5, 1)
	painted := func(fatalities any) int {
		props := geojson.Properties{"event_type": "Battles"}
		if fatalities != nil {
			props["fatalities"] = fatalities
		}
		return pngPainted(pngRender(t, pngTestTile, pngFC(pngFeature(at, props)), s, 1))
	}
	tests := []struct {
		name     string
		smaller  any
		larger   any
		sameSize bool
	}{
		{"missing vs 1", nil, 1.0, false},
		{"0 vs 1", 0.0, 1.0, false},
		{"1 vs 10", 1.0, 10.0, false},
		{"10 vs 100", 10.0, 100.0, false},
		{"100 vs 400", 100.0, 400.0, false},
		{"missing is 0", nil, 0.0, true},
		{"negative is 0", -5.0, 0.0, true},
		{"text is 0", "many", 0.0, true},
		{"numeric text counts", "100", 100.0, true},
		{"capped at 30 px", 1e4, 1e6, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := painted(tt.smaller), painted(tt.larger)
			if tt.sameSize && a != b {
				t.Errorf("%d vs %d pixels, want the same", a, b)
			}
			if !tt.sameSize && a >= b {
				t.Errorf("%d vs %d pixels, want the second larger", a, b)
			}
		})
	}
	// The web map's fatalityRadius: 3.5 + 1.25·√n, at most 30.
	for _, n := range []float64{0, 1, 4, 97, 500, 1000} {
		want := 3.5
		if n > 0 {
			want = math.Min(3.5+1.25*math.Sqrt(n), 30)
		}
		if got := s.radiusFor(map[string]any{"fatalities": n}); math.Abs(got-want) > 1e-9 {
			t.Errorf("radius for %v fatalities = %v, want %v", n, got, want)
		}
	}
}

func TestDefaultStyleBases(t *testing.T) {
	s := DefaultStyle("bases", "Point")
	at := pngAt(pngTestTile, 128.5, 128.5, 1)
	tests := []struct {
		operator string
		rgb      uint32
	}{
		{"MINUSMA", 0x1B8FD6},
		{"Barkhane", 0x16267A},
		{"Wagner Group (reported)", 0x111111},
		{"Someone else", 0x8A8A8A},
	}
	size := -1
	for _, tt := range tests {
		t.Run(tt.operator, func(t *testing.T) {
			props := geojson.Properties{"operator": tt.operator, "fatalities": 1000}
			m := pngRender(t, pngTestTile, pngFC(pngFeature(at, props)), s, 1)
			if got := m.NRGBAAt(128, 128); got != styleHex(tt.rgb) {
				t.Errorf("centre %v, want %v", got, styleHex(tt.rgb))
			}
			n := pngPainted(m)
			if size >= 0 && n != size {
				t.Errorf("%d pixels painted, others %d: want a fixed size", n, size)
			}
			size = n
		})
	}
}

func TestDefaultStyleRegions(t *testing.T) {
	s := DefaultStyle("regions", "Polygon")
	if s.DashBy != "approximate" || s.StrokeWidth != 2 || s.Fill.A != 13 || s.Stroke.A != 230 {
		t.Errorf("regions style %+v: want 2 px outline at 90%%, 5%% fill, dashed by approximate", s)
	}
	sq := orb.Polygon{{
		pngAt(pngTestTile, 40, 40.5, 1), pngAt(pngTestTile, 40, 216, 1), pngAt(pngTestTile, 216, 216, 1),
		pngAt(pngTestTile, 216, 40.5, 1), pngAt(pngTestTile, 40, 40.5, 1),
	}}
	tests := []struct {
		name   string
		props  geojson.Properties
		dashed bool
	}{
		{"exact", geojson.Properties{"approximate": false}, false},
		{"approximate", geojson.Properties{"approximate": true}, true},
		{"approximate as text", geojson.Properties{"approximate": "true"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := pngRender(t, pngTestTile, pngFC(pngFeature(sq, tt.props)), s, 1)
			if got := m.NRGBAAt(128, 128); !pngNear(got, styleAlpha(styleRegion, 0.05), 1) {
				t.Errorf("interior %v, want the 5%% region fill", got)
			}
			_, gaps := pngRuns(m, 40, 50, 206) // along the top edge
			if tt.dashed != (len(gaps) > 5) {
				t.Errorf("top edge gaps %v, dashed %v", gaps, tt.dashed)
			}
		})
	}
}

func TestDefaultStyleGeneric(t *testing.T) {
	tests := []struct {
		layer, geom string
		fillAlpha   uint8
		strokeWidth float64
	}{
		{"wells", "Point", 217, 1},
		{"wells", "MultiPoint", 217, 1},
		{"roads", "LineString", 0, 2},
		{"roads", "MultiLineString", 0, 2},
		{"zones", "Polygon", 38, 2},
		{"zones", "MultiPolygon", 38, 2},
		{"mixed", "Geometry", 38, 2},
		{"mixed", "", 38, 2},
	}
	for _, tt := range tests {
		t.Run(tt.layer+" "+tt.geom, func(t *testing.T) {
			s := DefaultStyle(tt.layer, tt.geom)
			if s.Fill.A != tt.fillAlpha || s.StrokeWidth != tt.strokeWidth || s.Radius != 5 {
				t.Errorf("got fill alpha %d, stroke %v px, radius %v; want %d, %v px, 5",
					s.Fill.A, s.StrokeWidth, s.Radius, tt.fillAlpha, tt.strokeWidth)
			}
			if s.Stroke.A == 0 || s.SizeBy != "" || s.ColorBy != "" || s.DashBy != "" {
				t.Errorf("unexpected generic style %+v", s)
			}
		})
	}
	// Each call returns its own palette: editing one style leaves the next alone.
	a := DefaultStyle("incidents", "Point")
	a.Colors["Battles"] = color.NRGBA{}
	if b := DefaultStyle("incidents", "Point"); b.Colors["Battles"].A == 0 {
		t.Error("DefaultStyle shares its Colors map between calls")
	}
}

func TestStyleProperties(t *testing.T) {
	red := color.NRGBA{R: 255, A: 255}
	s := Style{
		Fill: pngBlue, Radius: 2, SizeBy: "n", ColorBy: "kind", DashBy: "approx",
		Colors: map[string]color.NRGBA{"a": red, "7": red},
	}
	tests := []struct {
		name   string
		props  map[string]any
		fill   color.NRGBA
		radius float64
		dashed bool
	}{
		{"empty", nil, pngBlue, 2, false},
		{"listed category", map[string]any{"kind": "a"}, red, 2, false},
		{"unlisted category", map[string]any{"kind": "b"}, pngBlue, 2, false},
		{"numeric category", map[string]any{"kind": 7.0}, red, 2, false},
		{"integer category", map[string]any{"kind": int64(7)}, red, 2, false},
		{"float size", map[string]any{"n": 16.0}, pngBlue, 7, false},
		{"int64 size", map[string]any{"n": int64(16)}, pngBlue, 7, false},
		{"json.Number size", map[string]any{"n": json.Number("16")}, pngBlue, 7, false},
		{"string size", map[string]any{"n": " 16 "}, pngBlue, 7, false},
		{"NaN size", map[string]any{"n": math.NaN()}, pngBlue, 2, false},
		{"infinite size", map[string]any{"n": math.Inf(1)}, pngBlue, 2, false},
		{"bool size", map[string]any{"n": true}, pngBlue, 2, false},
		{"dashed true", map[string]any{"approx": true}, pngBlue, 2, true},
		{"dashed TRUE", map[string]any{"approx": "TRUE"}, pngBlue, 2, true},
		{"dashed 1", map[string]any{"approx": 1.0}, pngBlue, 2, true},
		{"dashed \"1\"", map[string]any{"approx": "1"}, pngBlue, 2, true},
		{"not dashed 0", map[string]any{"approx": int64(0)}, pngBlue, 2, false},
		{"not dashed false", map[string]any{"approx": false}, pngBlue, 2, false},
		{"not dashed \"no\"", map[string]any{"approx": "no"}, pngBlue, 2, false},
		{"not dashed null", map[string]any{"approx": nil}, pngBlue, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.fillFor(tt.props); got != tt.fill {
				t.Errorf("fillFor = %v, want %v", got, tt.fill)
			}
			if got := s.radiusFor(tt.props); got != tt.radius {
				t.Errorf("radiusFor = %v, want %v", got, tt.radius)
			}
			if got := s.dashedFor(tt.props); got != tt.dashed {
				t.Errorf("dashedFor = %v, want %v", got, tt.dashed)
			}
		})
	}
	big := Style{Radius: 40, SizeBy: "n"}
	if got := big.radiusFor(map[string]any{"n": 100.0}); got != 40 {
		t.Errorf("Radius above the 30 px cap: got %v, want 40", got)
	}
}
