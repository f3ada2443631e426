package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/harmattan/harmattan/data"
)

// mapStyle is the part of a MapLibre style the tests read.
type mapStyle struct {
	Version  int
	Name     string
	Metadata map[string][]string
	Center   []float64
	Zoom     *float64
	Sources  map[string]struct{ Type, URL string }
	Layers   []struct {
		ID          string
		Type        string
		Source      string
		SourceLayer string `json:"source-layer"`
		Filter      any
		Paint       map[string]any
		MaxZoom     *float64
	}
}

func getStyle(t *testing.T, h http.Handler, target string) mapStyle {
	t.Helper()
	rec := do(t, h, http.MethodGet, target)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", target, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q", target, ct)
	}
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("GET %s: no CORS header", target)
	}
	var st mapStyle
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return st
}

// localPath turns an absolute URL the server made into a request target for the router.
func localPath(t *testing.T, abs string) string {
	t.Helper()
	u, err := url.Parse(abs)
	if err != nil || u.Host != "example.com" {
		t.Fatalf("%q is not one of our absolute URLs", abs)
	}
	return u.RequestURI()
}

func TestStyle(t *testing.T) {
	h := seededServer(t, Options{})
	cases := []struct {
		name, target string
		tileJSON     string // path and query of the TileJSON
		collections  []string
		layerTypes   []string // layer ids with their type, in order
	}{
		{"incidents", "/styles/incidents.json", "/tiles/incidents.json", []string{"incidents"},
			[]string{"background background", "incidents-clusters circle", "incidents-points circle"}},
		{"regions", "/styles/regions.json", "/tiles/regions.json", []string{"regions"},
			[]string{"background background", "regions-fill fill", "regions-outline line", "regions-outline-approximate line"}},
		{"bases", "/styles/bases.json", "/tiles/bases.json", []string{"bases"},
			[]string{"background background", "bases-points circle"}},
		{"all: areas under points", "/styles/all.json", "/tiles.json?layers=bases%2Cincidents%2Cregions", []string{"bases", "incidents", "regions"},
			[]string{"background background", "regions-fill fill", "regions-outline line", "regions-outline-approximate line",
				"incidents-clusters circle", "incidents-points circle", "bases-points circle"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := getStyle(t, h, tc.target)
			if st.Version != 8 {
				t.Errorf("version %d", st.Version)
			}
			if st.Name == "" {
				t.Error("no name")
			}
			if got := st.Metadata["harmattan:collections"]; strings.Join(got, ",") != strings.Join(tc.collections, ",") {
				t.Errorf("metadata harmattan:collections %v, want %v", got, tc.collections)
			}
			if len(st.Center) != 2 || st.Zoom == nil || *st.Zoom < 1 {
				t.Errorf("center %v zoom %v", st.Center, st.Zoom)
			}
			src, ok := st.Sources["harmattan"]
			if len(st.Sources) != 1 || !ok || src.Type != "vector" {
				t.Fatalf("sources %+v", st.Sources)
			}
			if got := localPath(t, src.URL); got != tc.tileJSON {
				t.Errorf("source url %s, want our TileJSON %s", got, tc.tileJSON)
			}
			tj := getJSON(t, h, localPath(t, src.URL), http.StatusOK)
			vector := map[string]bool{}
			for _, l := range tj["vector_layers"].([]any) {
				vector[l.(map[string]any)["id"].(string)] = true
			}
			var got []string
			for _, l := range st.Layers {
				got = append(got, l.ID+" "+l.Type)
				if l.Type == "symbol" {
					t.Errorf("layer %s is a symbol layer (would need glyphs)", l.ID)
				}
				if l.Type == "background" {
					continue
				}
				if l.Source != "harmattan" || !vector[l.SourceLayer] {
					t.Errorf("layer %s: source %q, source-layer %q is not a vector layer of the TileJSON %v", l.ID, l.Source, l.SourceLayer, vector)
				}
			}
			if strings.Join(got, ", ") != strings.Join(tc.layerTypes, ", ") {
				t.Errorf("layers\n %s\nwant\n %s", strings.Join(got, ", "), strings.Join(tc.layerTypes, ", "))
			}
		})
	}
}

// The style's cache headers are the TileJSON's, so a client sees both change together.
func TestStyleCacheLikeTileJSON(t *testing.T) {
	h := seededServer(t, Options{})
	style := do(t, h, http.MethodGet, "/styles/incidents.json")
	tj := do(t, h, http.MethodGet, "/tiles/incidents.json")
	if style.Header().Get("Cache-Control") != tj.Header().Get("Cache-Control") {
		t.Errorf("Cache-Control %q, TileJSON has %q", style.Header().Get("Cache-Control"), tj.Header().Get("Cache-Control"))
	}
	if rec := do(t, h, http.MethodHead, "/styles/all.json"); rec.Code != http.StatusOK {
		t.Errorf("HEAD: status %d", rec.Code)
	}
}

// appEventColors reads EVENT_TYPES from the full map's script: the style must match it.
func appEventColors(t *testing.T) map[string]string {
	t.Helper()
	src, err := os.ReadFile("static/mapstyle.js")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)var EVENT_TYPES = \[(.*?)\];`).FindSubmatch(src)
	if block == nil {
		t.Fatal("no EVENT_TYPES in mapstyle.js")
	}
	colors := map[string]string{}
	for _, m := range regexp.MustCompile(`name: '([^']+)', color: '(#[0-9A-Fa-f]{6})'`).FindAllSubmatch(block[1], -1) {
		colors[string(m[1])] = strings.ToUpper(string(m[2]))
	}
	other := regexp.MustCompile(`OTHER_EVENT_COLOR = '(#[0-9A-Fa-f]{6})'`).FindSubmatch(src)
	if len(colors) != 6 || other == nil {
		t.Fatalf("read %d event types from mapstyle.js (other colour %q)", len(colors), other)
	}
	colors[""] = strings.ToUpper(string(other[1]))
	return colors
}

func TestStyleEventColorsMatchTheMap(t *testing.T) {
	want := appEventColors(t)
	h := seededServer(t, Options{})
	st := getStyle(t, h, "/styles/incidents.json")
	var paint map[string]any
	for _, l := range st.Layers {
		if l.ID == "incidents-points" {
			paint = l.Paint
		}
	}
	expr, _ := paint["circle-color"].([]any)
	if len(expr) != 2+2*6+1 || expr[0] != "match" || !equalJSON(expr[1], []any{"get", "event_type"}) {
		t.Fatalf("circle-color %v", paint["circle-color"])
	}
	got := map[string]string{"": strings.ToUpper(expr[len(expr)-1].(string))}
	for i := 2; i+1 < len(expr); i += 2 {
		got[expr[i].(string)] = strings.ToUpper(expr[i+1].(string))
	}
	if !equalJSON(got, want) {
		t.Errorf("circle-color %v\nwant mapstyle.js %v", got, want)
	}
	radius, _ := paint["circle-radius"].([]any)
	if len(radius) < 5 || radius[0] != "interpolate" || !equalJSON(radius[2], []any{"coalesce", []any{"get", "fatalities"}, 0.0}) {
		t.Errorf("circle-radius %v", paint["circle-radius"])
	} else if radius[4] != 3.5 || radius[len(radius)-1] != 30.0 {
		t.Errorf("circle-radius from %v to %v px, want 3.5 to 30 as mapstyle.js", radius[4], radius[len(radius)-1])
	}
}

func TestStyleClustersAndDashes(t *testing.T) {
	h := seededServer(t, Options{ClusterBelow: map[string]int{"incidents": 6}})
	st := getStyle(t, h, "/styles/all.json")
	layers := map[string]int{}
	for i, l := range st.Layers {
		layers[l.ID] = i
	}
	clusters := st.Layers[layers["incidents-clusters"]]
	if clusters.MaxZoom == nil || *clusters.MaxZoom != 6 {
		t.Errorf("clusters maxzoom %v, want 6 (ClusterBelow)", clusters.MaxZoom)
	}
	radius, _ := clusters.Paint["circle-radius"].([]any)
	if len(radius) < 3 || !equalJSON(radius[2], []any{"get", "point_count"}) {
		t.Errorf("cluster radius %v does not grow with point_count", clusters.Paint["circle-radius"])
	}
	if !strings.Contains(mustJSON(t, clusters.Filter), "point_count") || !strings.Contains(mustJSON(t, st.Layers[layers["incidents-points"]].Filter), "point_count") {
		t.Error("points and clusters are not told apart by point_count")
	}
	approx := st.Layers[layers["regions-outline-approximate"]]
	if approx.Paint["line-dasharray"] == nil || !strings.Contains(mustJSON(t, approx.Filter), `"approximate"`) {
		t.Errorf("approximate outline: paint %v filter %v", approx.Paint, approx.Filter)
	}
	if st.Layers[layers["regions-outline"]].Paint["line-dasharray"] != nil {
		t.Error("exact outlines are dashed")
	}

	// Without clustering there is one point layer and no point_count filter.
	h = seededServer(t, Options{ClusterBelow: map[string]int{}})
	for _, l := range getStyle(t, h, "/styles/incidents.json").Layers {
		if l.ID == "incidents-clusters" || l.Filter != nil {
			t.Errorf("unclustered layer %s (filter %v)", l.ID, l.Filter)
		}
	}
}

// otherServer serves collections of every geometry kind but the seed's: lines, a mixed
// collection and points without any of the seed's properties.
func otherServer(t *testing.T) http.Handler {
	t.Helper()
	feature := func(g orb.Geometry) *geojson.Feature {
		f := geojson.NewFeature(g)
		f.Properties["name"] = "x"
		return f
	}
	square := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}
	layers := []data.Layer{
		{Name: "roads", Title: "Roads", GeometryType: "LINESTRING", Fields: []data.Field{{Name: "name", Type: data.Text}},
			Features: []*geojson.Feature{feature(orb.LineString{{0, 0}, {1, 1}})}},
		{Name: "things", Title: "Things", GeometryType: "GEOMETRY", Fields: []data.Field{{Name: "name", Type: data.Text}},
			Features: []*geojson.Feature{feature(orb.Point{0.5, 0.5}), feature(square)}},
		{Name: "wells", Title: "Wells", GeometryType: "POINT", Fields: []data.Field{{Name: "name", Type: data.Text}},
			Features: []*geojson.Feature{feature(orb.Point{2, 2})}},
	}
	return layersServer(t, layers, Options{}).handler
}

func TestStyleOtherGeometries(t *testing.T) {
	h := otherServer(t)
	st := getStyle(t, h, "/styles/all.json")
	var got []string
	for _, l := range st.Layers {
		got = append(got, l.ID+" "+l.Type)
	}
	want := "background background, roads-line line, things-fill fill, things-outline line, things-points circle, wells-points circle"
	if strings.Join(got, ", ") != want {
		t.Errorf("layers\n %s\nwant\n %s", strings.Join(got, ", "), want)
	}
	tj := getJSON(t, h, localPath(t, st.Sources["harmattan"].URL), http.StatusOK)
	if n := len(tj["vector_layers"].([]any)); n != 3 {
		t.Errorf("TileJSON has %d vector layers", n)
	}
	for _, l := range st.Layers {
		if strings.HasPrefix(l.ID, "things-") && !strings.Contains(mustJSON(t, l.Filter), "geometry-type") {
			t.Errorf("mixed collection layer %s has no geometry filter", l.ID)
		}
		if !strings.HasPrefix(l.ID, "things-") && l.Filter != nil {
			t.Errorf("layer %s has filter %v", l.ID, l.Filter)
		}
	}
}

func TestStyleLayerIDsUnique(t *testing.T) {
	seeded, other := seededServer(t, Options{}), otherServer(t)
	for _, tc := range []struct {
		h      http.Handler
		target string
	}{{seeded, "/styles/all.json"}, {seeded, "/styles/incidents.json"}, {seeded, "/styles/regions.json"},
		{seeded, "/styles/bases.json"}, {other, "/styles/all.json"}, {other, "/styles/things.json"}} {
		var st struct{ Layers []struct{ ID string } }
		if err := json.Unmarshal(do(t, tc.h, http.MethodGet, tc.target).Body.Bytes(), &st); err != nil {
			t.Fatalf("%s: %v", tc.target, err)
		}
		seen := map[string]bool{}
		for _, l := range st.Layers {
			if l.ID == "" || seen[l.ID] {
				t.Errorf("%s: layer id %q empty or repeated", tc.target, l.ID)
			}
			seen[l.ID] = true
		}
	}
}

func TestStyleNotFound(t *testing.T) {
	h := seededServer(t, Options{})
	cases := []struct {
		name, target string
		status       int
	}{
		{"unknown collection", "/styles/nope.json", http.StatusNotFound},
		{"no .json suffix", "/styles/incidents", http.StatusNotFound},
		{"only the suffix", "/styles/.json", http.StatusNotFound},
		{"other suffix", "/styles/incidents.xml", http.StatusNotFound},
		{"unknown parameter", "/styles/incidents.json?layers=bases", http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := getJSON(t, h, tc.target, tc.status)
			if v["code"] == nil || v["description"] == "" {
				t.Errorf("not an exception body: %v", v)
			}
		})
	}
}

func TestEmbedAndStyleInOpenAPI(t *testing.T) {
	h := seededServer(t, Options{})
	doc := getJSON(t, h, "/api?f=json", http.StatusOK)
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/embed", "/styles/{name}.json"} {
		if paths[p] == nil {
			t.Errorf("OpenAPI lacks %s", p)
		}
	}
}

func equalJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}
