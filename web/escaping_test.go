package web

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/harmattan/harmattan/data"
)

// Hostile strings as a layer's title, description, field names and property values might
// hold them (issue 7). Each names "pwned", so a page has let one through as markup when a tag
// of it contains that word.
const (
	hostileScript = `<script>window.__pwned=1</script>`
	hostileImg    = `<img src=x onerror="window.__pwned=1;alert(1)">`
	hostileAttr   = `"><svg onload=window.__pwned=1>`
	hostileURL    = `javascript:window.__pwned=1`
	hostileField  = `note"><b onmouseover=pwned>`
)

// hostileServer serves one layer, "hostile", whose every text is one of the strings above.
func hostileServer(t *testing.T) http.Handler {
	t.Helper()
	f := geojson.NewFeature(orb.Point{-4, 17})
	f.ID = float64(1)
	f.Properties = geojson.Properties{
		"name": hostileImg, "event_type": hostileScript, "operator": hostileAttr,
		"source": hostileImg + " 2020-01-01", "source_url": hostileURL, hostileField: hostileScript, "count": float64(3),
	}
	l := data.Layer{
		Name: "hostile", Title: "Hostile " + hostileScript, Description: hostileImg + hostileAttr,
		GeometryType: "POINT",
		Fields: []data.Field{{Name: "name", Type: data.Text}, {Name: "event_type", Type: data.Text},
			{Name: "operator", Type: data.Text}, {Name: "source", Type: data.Text}, {Name: "source_url", Type: data.Text},
			{Name: hostileField, Type: data.Text}, {Name: "count", Type: data.Integer}},
		Features: []*geojson.Feature{f},
	}
	return layersServer(t, []data.Layer{l}, Options{}).handler
}

var (
	// tagRE matches the tags of an HTML page (comments and doctype included).
	tagRE = regexp.MustCompile(`<[!/]?[A-Za-z][^>]*>`)
	// scriptRE matches a <script> tag; each of ours loads a file.
	scriptRE = regexp.MustCompile(`(?i)<script\b[^>]*>`)
)

// pageText returns what a reader sees of an HTML page: its text without tags, unescaped.
func pageText(body string) string {
	return html.UnescapeString(tagRE.ReplaceAllString(body, " "))
}

func TestHostileDataIsEscapedInHTML(t *testing.T) {
	h := hostileServer(t)
	cases := []struct {
		name, target string
		// shown are the hostile strings the page must show as text.
		shown []string
	}{
		{"collections", "/collections?f=html", []string{"Hostile " + hostileScript, hostileImg + hostileAttr}},
		{"collection", "/collections/hostile?f=html", []string{"Hostile " + hostileScript, hostileImg + hostileAttr, hostileField}},
		{"items", "/collections/hostile/items?f=html",
			[]string{"Hostile " + hostileScript, hostileImg, hostileScript, hostileAttr, hostileURL, hostileField}},
		{"item", "/collections/hostile/items/1?f=html",
			[]string{"Hostile " + hostileScript, hostileImg, hostileScript, hostileAttr, hostileURL, hostileField}},
		{"embed", "/embed?layers=hostile", nil},
		{"map", "/?f=html", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, h, http.MethodGet, tc.target)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			body := rec.Body.String()
			for _, tag := range tagRE.FindAllString(body, -1) {
				if strings.Contains(strings.ToLower(tag), "pwned") {
					t.Errorf("markup from the data: %s", tag)
				}
			}
			for _, tag := range scriptRE.FindAllString(body, -1) {
				if !strings.Contains(tag, ` src="static/`) {
					t.Errorf("a script that is not one of our files: %s", tag)
				}
			}
			text := pageText(body)
			for _, s := range tc.shown {
				if !strings.Contains(text, s) {
					t.Errorf("the page does not show %q as text", s)
				}
			}
			if t.Failed() {
				t.Logf("page:\n%s", body)
			}
		})
	}
}

// The JSON carries the strings as they are (escaping is the job of whoever renders them as
// HTML), except TileJSON's attribution, which is HTML by definition.
func TestHostileDataInJSON(t *testing.T) {
	h := hostileServer(t)
	fc := getJSON(t, h, "/collections/hostile/items", http.StatusOK)
	props := fc["features"].([]any)[0].(map[string]any)["properties"].(map[string]any)
	for k, want := range map[string]string{"name": hostileImg, "event_type": hostileScript, hostileField: hostileScript} {
		if props[k] != want {
			t.Errorf("property %q is %q, want %q", k, props[k], want)
		}
	}
	coll := getJSON(t, h, "/collections/hostile", http.StatusOK)
	if coll["title"] != "Hostile "+hostileScript || coll["description"] != hostileImg+hostileAttr {
		t.Errorf("title %q, description %q: not the layer's own", coll["title"], coll["description"])
	}
	tj := getJSON(t, h, "/tiles/hostile.json", http.StatusOK)
	attribution, _ := tj["attribution"].(string)
	if strings.ContainsAny(attribution, `<>"`) || !strings.Contains(html.UnescapeString(attribution), "Hostile "+hostileScript) {
		t.Errorf("TileJSON attribution %q: want the title escaped as HTML", attribution)
	}
}
