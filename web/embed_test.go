package web

import (
	"net/http"
	"strings"
	"testing"
)

func TestEmbedPage(t *testing.T) {
	h := seededServer(t, Options{})
	cases := []struct {
		name, target string
		base         string
	}{
		{"all layers", "/embed", `<base href="./">`},
		{"layers, bbox and datetime", "/embed?layers=incidents,regions&bbox=-5,12,1,17&datetime=2019-01-01/2020-12-31", `<base href="./">`},
		{"open interval, six-number bbox", "/embed?datetime=2015-01-01/..&bbox=-5,12,0,1,17,0", `<base href="./">`},
		{"empty layers means all", "/embed?layers=", `<base href="./">`},
		{"trailing slash is one level deeper", "/embed/?layers=bases", `<base href="../">`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, h, http.MethodGet, tc.target)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q", ct)
			}
			body := rec.Body.String()
			for _, want := range []string{tc.base, `src="static/embed.js"`, `src="static/vendor/leaflet/leaflet.js"`,
				`href="static/vendor/leaflet/leaflet.css"`, `href="static/embed.css"`} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			if xfo := rec.Header().Get("X-Frame-Options"); xfo != "" {
				t.Errorf("X-Frame-Options %q: the page must be frameable", xfo)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") {
				t.Errorf("Content-Security-Policy %q lacks frame-ancestors *", csp)
			}
			if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
				t.Error("no CORS header")
			}
		})
	}
}

func TestEmbedHead(t *testing.T) {
	h := seededServer(t, Options{})
	if rec := do(t, h, http.MethodHead, "/embed?layers=incidents"); rec.Code != http.StatusOK {
		t.Errorf("HEAD: status %d", rec.Code)
	}
}

func TestEmbedBadParameters(t *testing.T) {
	h := seededServer(t, Options{})
	cases := []struct {
		name, target string
		status       int
	}{
		{"unknown layer", "/embed?layers=incidents,nope", http.StatusNotFound},
		{"bbox with three numbers", "/embed?bbox=1,2,3", http.StatusBadRequest},
		{"bbox latitude out of range", "/embed?bbox=-5,12,1,95", http.StatusBadRequest},
		{"bbox not numbers", "/embed?bbox=a,b,c,d", http.StatusBadRequest},
		{"datetime not a date", "/embed?datetime=yesterday", http.StatusBadRequest},
		{"datetime start after end", "/embed?datetime=2021-01-01/2020-01-01", http.StatusBadRequest},
		{"empty datetime", "/embed?datetime=", http.StatusBadRequest},
		{"unknown parameter", "/embed?zoom=5", http.StatusBadRequest},
		{"parameter given twice", "/embed?layers=incidents&layers=regions", http.StatusBadRequest},
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

// The page and everything it loads come from this server: no CDN, no other hosts.
func TestEmbedAssetsAreLocal(t *testing.T) {
	h := seededServer(t, Options{})
	for _, target := range []string{"/embed?layers=incidents,regions", "/static/embed.js", "/static/embed.css",
		"/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css", "/static/style.css"} {
		rec := do(t, h, http.MethodGet, target)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d", target, rec.Code)
			continue
		}
		if target == "/static/vendor/leaflet/leaflet.js" {
			continue // only for it to be there: the library names its own website
		}
		body := strings.ToLower(rec.Body.String())
		for _, cdn := range []string{"unpkg", "cdn", "jsdelivr", "cloudflare", "googleapis", "//tile."} {
			if strings.Contains(body, cdn) {
				t.Errorf("%s mentions %q", target, cdn)
			}
		}
		if strings.HasPrefix(target, "/embed") {
			for _, attr := range []string{`src="http`, `href="http`, `src="//`, `href="//`} {
				if strings.Contains(body, attr) {
					t.Errorf("the embed page loads from another host (%s)", attr)
				}
			}
		}
	}
	js := do(t, h, http.MethodGet, "/static/embed.js").Body.String() + do(t, h, http.MethodGet, "/static/mapstyle.js").Body.String()
	for _, want := range []string{"data-loaded", "document.baseURI", "textContent", "Open full map", "noopener"} {
		if !strings.Contains(js, want) {
			t.Errorf("embed.js and mapstyle.js lack %q", want)
		}
	}
	if strings.Contains(js, "http://") || strings.Contains(js, "https://") {
		t.Error("embed.js names a URL of another site")
	}
	if strings.Contains(js, "innerHTML") {
		t.Error("embed.js uses innerHTML; data must go in as text")
	}
}
