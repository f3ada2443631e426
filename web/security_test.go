package web

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// csp splits a Content-Security-Policy into its directives: name → sources.
func csp(policy string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(policy, ";") {
		if f := strings.Fields(d); len(f) > 0 {
			out[strings.ToLower(f[0])] = f[1:]
		}
	}
	return out
}

// sources returns the sources of a fetch directive (script-src, style-src, ...) in policy,
// falling back to default-src as browsers do.
func sources(policy map[string][]string, directive string) []string {
	if s, ok := policy[directive]; ok {
		return s
	}
	return policy["default-src"]
}

func TestSecurityHeaders(t *testing.T) {
	h := seededServer(t, Options{})
	cases := []struct {
		name, target, accept string
		status               int
		policy               string
		frameable            bool
	}{
		{"map page", "/", "text/html", http.StatusOK, mapCSP, false},
		{"landing JSON", "/", "application/json", http.StatusOK, mapCSP, false},
		{"items as HTML", "/collections/incidents/items?f=html&limit=3", "", http.StatusOK, documentCSP, false},
		{"item as HTML", "/collections/bases/items/1?f=html", "", http.StatusOK, documentCSP, false},
		{"collections as HTML", "/collections?f=html", "", http.StatusOK, documentCSP, false},
		{"API JSON", "/collections/incidents/items?limit=3", "", http.StatusOK, documentCSP, false},
		{"tile", "/tiles/incidents/5/15/14.mvt", "", http.StatusOK, documentCSP, false},
		{"static file", "/static/app.js", "", http.StatusOK, documentCSP, false},
		{"error", "/collections/nope", "", http.StatusNotFound, documentCSP, false},
		{"embed", "/embed?layers=incidents", "", http.StatusOK, embedCSP, true},
		{"embed with a slash", "/embed/?layers=incidents", "", http.StatusOK, embedCSP, true},
		{"embed error", "/embed?layers=nope", "", http.StatusNotFound, embedCSP, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, h, http.MethodGet, tc.target, "Accept", tc.accept)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			hd := rec.Header()
			if got := hd.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if got := hd.Get("Referrer-Policy"); got != "strict-origin-when-cross-origin" {
				t.Errorf("Referrer-Policy %q", got)
			}
			if got := hd.Get("Content-Security-Policy"); got != tc.policy {
				t.Errorf("Content-Security-Policy %q, want %q", got, tc.policy)
			}
			p := csp(hd.Get("Content-Security-Policy"))
			fa, xfo := p["frame-ancestors"], hd.Get("X-Frame-Options")
			if tc.frameable && (!slices.Equal(fa, []string{"*"}) || xfo != "") {
				t.Errorf("frame-ancestors %q, X-Frame-Options %q: any site must be able to frame it", fa, xfo)
			}
			if !tc.frameable && (!slices.Equal(fa, []string{"'none'"}) || xfo != "DENY") {
				t.Errorf("frame-ancestors %q, X-Frame-Options %q: no site may frame it", fa, xfo)
			}
		})
	}
}

// No policy lets a script in by any way but a file of our own.
func TestPoliciesForbidInlineScript(t *testing.T) {
	for name, policy := range map[string]string{"map": mapCSP, "embed": embedCSP, "document": documentCSP} {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(policy, "'unsafe-eval'") {
				t.Errorf("'unsafe-eval' in %q", policy)
			}
			p := csp(policy)
			for _, s := range sources(p, "script-src") {
				if s != "'self'" && s != "'none'" {
					t.Errorf("script-src allows %s", s)
				}
			}
			if slices.Contains(sources(p, "style-src"), "'unsafe-inline'") {
				t.Errorf("style-src %q: styles are files", sources(p, "style-src"))
			}
			if !slices.Equal(sources(p, "object-src"), []string{"'none'"}) {
				t.Errorf("object-src %q: no plugins", sources(p, "object-src"))
			}
			// These two do not fall back to default-src.
			for _, d := range []string{"base-uri", "form-action"} {
				if len(p[d]) != 1 || (p[d][0] != "'self'" && p[d][0] != "'none'") {
					t.Errorf("%s %q", d, p[d])
				}
			}
		})
	}
}

// inlineRE matches what the policies would block in a page: a <script> without src, a
// <style> element, a style attribute, an event handler attribute or a javascript: URL.
var inlineRE = regexp.MustCompile(`(?i)<script\b[^>]*>\s*[^<\s]|<style\b|<[a-z][^>]*\s(style|on[a-z]+)\s*=|javascript:`)

// The pages work under their policies: nothing in them is inline.
func TestPagesHaveNothingInline(t *testing.T) {
	h := seededServer(t, Options{})
	for _, target := range []string{"/?f=html", "/embed", "/collections?f=html", "/collections/incidents?f=html",
		"/collections/incidents/items?f=html&limit=20", "/collections/bases/items/1?f=html"} {
		rec := do(t, h, http.MethodGet, target)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d", target, rec.Code)
			continue
		}
		if m := inlineRE.FindString(rec.Body.String()); m != "" {
			t.Errorf("GET %s: inline %q", target, m)
		}
		for _, tag := range scriptRE.FindAllString(rec.Body.String(), -1) {
			if !strings.Contains(tag, " src=") {
				t.Errorf("GET %s: inline script %s", target, tag)
			}
		}
	}
}
