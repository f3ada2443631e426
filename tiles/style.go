package tiles

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Style says how RenderPNG draws a layer.
//
// Sizes are in pixels at scale 1; RenderPNG multiplies them by its scale. A colour with zero
// alpha is not drawn at all, so the zero Style draws nothing.
type Style struct {
	Fill        color.NRGBA // polygon fill and point fill (default for categories not listed)
	Stroke      color.NRGBA // outlines and lines
	StrokeWidth float64     // px at scale 1
	// Radius is the point radius in px at scale 1 when SizeBy is empty or the value is missing.
	Radius float64
	// SizeBy names a numeric property that scales the point radius, area ∝ value:
	// radius = Radius + 1.25·√value, capped at 30 px (or at Radius if that is larger).
	// Values that are missing, not numbers or not above zero leave the radius at Radius.
	SizeBy string
	// ColorBy names a category property choosing the fill colour from Colors; a value that is
	// missing or not listed is filled with Fill. Numbers are looked up by their decimal text.
	ColorBy string
	Colors  map[string]color.NRGBA
	// DashBy names a boolean property: the outline (of a polygon or point) or the line is drawn
	// dashed, 4 widths on and 3 off (the web map's 8 6 at 2 px), when it is true. True is the JSON true, the strings
	// "true" and "1", or a non-zero number (GeoPackage stores booleans as integers).
	DashBy string
}

// Properties returns the names of the properties the style reads, the only ones a raster tile
// needs.
func (s Style) Properties() []string {
	var out []string
	for _, p := range []string{s.ColorBy, s.SizeBy, s.DashBy} {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// Colours shared with the web map (web/static/app.js and style.css).
var (
	// styleEventColors is the Okabe–Ito palette of app.js EVENT_TYPES, one colour per ACLED event type.
	styleEventColors = map[string]color.NRGBA{
		"Battles":                    styleHex(0xD55E00),
		"Violence against civilians": styleHex(0xCC79A7),
		"Explosions/Remote violence": styleHex(0xE69F00),
		"Riots":                      styleHex(0x0072B2),
		"Protests":                   styleHex(0x56B4E9),
		"Strategic developments":     styleHex(0x009E73),
	}
	styleOtherEvent = styleHex(0x7A7A7A) // app.js OTHER_EVENT_COLOR

	// styleOperatorColors are the base-icon colours of style.css (--op-*).
	styleOperatorColors = map[string]color.NRGBA{
		"MINUSMA":                 styleHex(0x1B8FD6),
		"Barkhane":                styleHex(0x16267A),
		"Wagner Group (reported)": styleHex(0x111111),
	}
	styleOtherOperator = styleHex(0x8A8A8A)

	styleRegion  = styleHex(0x2F5D80) // app.js REGION_COLOR
	styleGeneric = styleHex(0x5B4636) // app.js GENERIC_COLOR
	styleOutline = styleHex(0x222222) // app.js incident outline
	styleWhite   = styleHex(0xFFFFFF)
)

// Web-map sizing of incidents by fatalities (app.js fatalityRadius): 3.5 + 1.25·√n, at most 30.
const (
	styleSizeFactor = 1.25
	styleMaxRadius  = 30
)

// DefaultStyle returns the built-in style of a layer, matching the web map (web/static/app.js):
//
//   - "incidents": points filled by event_type with the Okabe–Ito palette (85% opaque, grey for
//     other types), a thin dark outline, radius 3.5 px growing with √fatalities up to 30 px;
//   - "bases": points filled by operator with the style.css colours, fixed 6 px radius, white ring;
//   - "regions": 5% fill and a 2 px outline in the region blue, dashed where approximate is true;
//   - any other layer: a brown generic style chosen by geometryType. "Point" and "MultiPoint" get
//     solid 5 px dots, "LineString" and "MultiLineString" 2 px lines, "Polygon" and "MultiPolygon"
//     a 15% fill with a 2 px outline, and "Geometry" or anything else the web map's generic style
//     (faint fill, 2 px outline, 5 px points), which suits every geometry type.
func DefaultStyle(layer, geometryType string) Style {
	switch layer {
	case "incidents":
		return Style{
			Fill:        styleAlpha(styleOtherEvent, 0.85),
			Stroke:      styleAlpha(styleOutline, 0.9),
			StrokeWidth: 1,
			Radius:      3.5,
			SizeBy:      "fatalities",
			ColorBy:     "event_type",
			Colors:      styleColors(styleEventColors, 0.85),
		}
	case "bases":
		return Style{
			Fill:        styleOtherOperator,
			Stroke:      styleWhite,
			StrokeWidth: 1.5,
			Radius:      6,
			ColorBy:     "operator",
			Colors:      styleColors(styleOperatorColors, 1),
		}
	case "regions":
		return Style{
			Fill:        styleAlpha(styleRegion, 0.05),
			Stroke:      styleAlpha(styleRegion, 0.9),
			StrokeWidth: 2,
			Radius:      5,
			DashBy:      "approximate",
		}
	}
	generic := Style{
		Fill:        styleAlpha(styleGeneric, 0.15),
		Stroke:      styleAlpha(styleGeneric, 0.9),
		StrokeWidth: 2,
		Radius:      5,
	}
	switch geometryType {
	case "Point", "MultiPoint":
		generic.Fill = styleAlpha(styleGeneric, 0.85)
		generic.Stroke = styleAlpha(styleOutline, 0.9)
		generic.StrokeWidth = 1
	case "LineString", "MultiLineString":
		generic.Fill = color.NRGBA{}
	}
	return generic
}

// fillFor returns the fill colour of a feature with properties props.
func (s *Style) fillFor(props map[string]any) color.NRGBA {
	if s.ColorBy == "" || len(s.Colors) == 0 {
		return s.Fill
	}
	var key string
	switch v := props[s.ColorBy].(type) {
	case nil:
		return s.Fill
	case string:
		key = v
	case float64:
		key = strconv.FormatFloat(v, 'f', -1, 64)
	default:
		key = fmt.Sprint(v)
	}
	if c, ok := s.Colors[key]; ok {
		return c
	}
	return s.Fill
}

// radiusFor returns the point radius, at scale 1, of a feature with properties props.
func (s *Style) radiusFor(props map[string]any) float64 {
	if s.SizeBy == "" {
		return s.Radius
	}
	v, ok := styleNumber(props[s.SizeBy])
	if !ok || !(v > 0) || math.IsInf(v, 0) {
		return s.Radius
	}
	return min(s.Radius+styleSizeFactor*math.Sqrt(v), max(styleMaxRadius, s.Radius))
}

// dashedFor reports whether the outline of a feature with properties props is dashed.
func (s *Style) dashedFor(props map[string]any) bool {
	if s.DashBy == "" {
		return false
	}
	switch v := props[s.DashBy].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true") || v == "1"
	}
	n, ok := styleNumber(props[s.DashBy])
	return ok && n != 0
}

// styleNumber reads a numeric property value as decoded from JSON or a database driver.
func styleNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n)
	case float32:
		return float64(n), !math.IsNaN(float64(n))
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint64:
		return float64(n), true
	case uint32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil && !math.IsNaN(f)
	}
	return 0, false
}

// styleHex returns the opaque colour 0xRRGGBB.
func styleHex(rgb uint32) color.NRGBA {
	return color.NRGBA{R: uint8(rgb >> 16), G: uint8(rgb >> 8), B: uint8(rgb), A: 0xff}
}

// styleAlpha returns c with opacity a in [0, 1], like a CSS or Leaflet opacity.
func styleAlpha(c color.NRGBA, a float64) color.NRGBA {
	c.A = uint8(math.Round(a * 255))
	return c
}

// styleColors returns a fresh copy of palette with opacity a, so callers may edit their Style.
func styleColors(palette map[string]color.NRGBA, a float64) map[string]color.NRGBA {
	m := make(map[string]color.NRGBA, len(palette))
	for k, c := range palette {
		m[k] = styleAlpha(c, a)
	}
	return m
}
