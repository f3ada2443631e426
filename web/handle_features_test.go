package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLanding(t *testing.T) {
	h := seededServer(t, Options{})
	v := getJSON(t, h, "/", http.StatusOK)
	for _, rel := range []string{"self", "service-desc", "conformance", "data"} {
		if linkHref(v, rel, "") == "" {
			t.Errorf("landing page has no %s link", rel)
		}
	}
	links, _ := v["links"].([]any)
	for _, l := range links {
		if l.(map[string]any)["type"] == "" {
			t.Errorf("link without type: %v", l)
		}
	}
	rec := do(t, h, http.MethodGet, "/", "Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(rec.Body.String(), "leaflet.js") {
		t.Errorf("a browser gets %s:\n%.200s", rec.Header().Get("Content-Type"), rec.Body)
	}
	rec = do(t, h, http.MethodGet, "/", "Accept", "application/json")
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("QGIS (Accept: application/json) gets %s", rec.Header().Get("Content-Type"))
	}
}

func TestConformanceAndAPI(t *testing.T) {
	h := seededServer(t, Options{MaxLimit: 5000})
	conf := getJSON(t, h, "/conformance", http.StatusOK)
	if !strings.Contains(strings.Join(toStrings(conf["conformsTo"]), " "), "ogcapi-features-1/1.0/conf/core") {
		t.Errorf("conformsTo %v", conf["conformsTo"])
	}
	rec := do(t, h, http.MethodGet, "/api")
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), "openapi") {
		t.Fatalf("/api: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	var doc struct {
		OpenAPI    string
		Paths      map[string]any
		Components struct{ Parameters map[string]map[string]any }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/conformance", "/api", "/collections", "/collections/{collectionId}",
		"/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}", "/collections/incidents/items"} {
		if doc.Paths[p] == nil {
			t.Errorf("OpenAPI lacks path %s", p)
		}
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	limit := doc.Components.Parameters["limit"]["schema"].(map[string]any)
	if limit["maximum"] != 5000.0 || limit["default"] != 100.0 {
		t.Errorf("limit schema %v", limit)
	}
	if !strings.Contains(rec.Body.String(), `"name":"event_type"`) {
		t.Error("the incidents path does not document the event_type filter")
	}
}

func TestCollections(t *testing.T) {
	h := seededServer(t, Options{})
	v := getJSON(t, h, "/collections", http.StatusOK)
	colls := v["collections"].([]any)
	if len(colls) != 3 {
		t.Fatalf("%d collections", len(colls))
	}
	for _, c := range colls {
		c := c.(map[string]any)
		id := c["id"].(string)
		if strings.Contains(id, ".") {
			t.Errorf("collection id %q has a dot", id)
		}
		if linkHref(c, "items", "application/geo+json") == "" || linkHref(c, "items", "text/html") == "" {
			t.Errorf("%s lacks typed items links", id)
		}
		single := getJSON(t, h, "/collections/"+id, http.StatusOK)
		if single["id"] != id || linkHref(single, "self", "") == "" {
			t.Errorf("/collections/%s: %v", id, single)
		}
	}
	inc := getJSON(t, h, "/collections/incidents", http.StatusOK)
	ext := inc["extent"].(map[string]any)
	bbox := ext["spatial"].(map[string]any)["bbox"].([]any)[0].([]any)
	if bbox[0].(float64) < -12.5 || bbox[2].(float64) > 4.5 {
		t.Errorf("spatial extent %v", bbox)
	}
	interval := ext["temporal"].(map[string]any)["interval"].([]any)[0].([]any)
	if !strings.HasPrefix(interval[0].(string), "2012-") || !strings.HasSuffix(interval[1].(string), "Z") {
		t.Errorf("temporal extent %v", interval)
	}
}

func TestItems(t *testing.T) {
	h := seededServer(t, Options{})
	all := getJSON(t, h, "/collections/incidents/items?limit=1000", http.StatusOK)
	total := int(all["numberMatched"].(float64))
	if total < 30 || int(all["numberReturned"].(float64)) != total || len(all["features"].([]any)) != total {
		t.Fatalf("numberMatched %v numberReturned %v", all["numberMatched"], all["numberReturned"])
	}
	if linkHref(all, "next", "") != "" {
		t.Error("a next link on the last page")
	}
	rec := do(t, h, http.MethodGet, "/collections/incidents/items")
	if ct := rec.Header().Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("content type %q", ct)
	}
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Error("no CORS header on items")
	}
	pre := do(t, h, http.MethodOptions, "/collections/incidents/items", "Origin", "https://example.org", "Access-Control-Request-Method", "GET")
	if pre.Code != http.StatusNoContent || pre.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight: %d %v", pre.Code, pre.Header())
	}

	t.Run("limit is clamped, not refused", func(t *testing.T) {
		h := seededServer(t, Options{MaxLimit: 5})
		v := getJSON(t, h, "/collections/incidents/items?limit=1000000", http.StatusOK)
		if len(v["features"].([]any)) != 5 || !strings.Contains(linkHref(v, "next", ""), "limit=5") {
			t.Errorf("got %d features, next %s", len(v["features"].([]any)), linkHref(v, "next", ""))
		}
	})
	t.Run("following next links visits every feature once", func(t *testing.T) {
		seen := map[float64]bool{}
		next, pages := "/collections/incidents/items?limit=7", 0
		for next != "" {
			v := getJSON(t, h, next, http.StatusOK)
			if v["numberMatched"].(float64) != float64(total) {
				t.Fatalf("numberMatched changed between pages: %v", v["numberMatched"])
			}
			for _, f := range v["features"].([]any) {
				id := f.(map[string]any)["id"].(float64)
				if seen[id] {
					t.Fatalf("feature %v twice", id)
				}
				seen[id] = true
			}
			if pages > 0 && linkHref(v, "prev", "") == "" {
				t.Error("no prev link after the first page")
			}
			next = relative(t, linkHref(v, "next", "application/geo+json"))
			pages++
		}
		if len(seen) != total || pages != (total+6)/7 {
			t.Errorf("saw %d of %d features in %d pages", len(seen), total, pages)
		}
	})
	t.Run("filters combine", func(t *testing.T) {
		v := getJSON(t, h, "/collections/incidents/items?event_type=Battles&datetime=2019-01-01/..&bbox=-12,10,5,25", http.StatusOK)
		feats := v["features"].([]any)
		if len(feats) == 0 || int(v["numberMatched"].(float64)) != len(feats) {
			t.Fatalf("numberMatched %v, %d features", v["numberMatched"], len(feats))
		}
		for _, f := range feats {
			p := f.(map[string]any)["properties"].(map[string]any)
			if p["event_type"] != "Battles" || p["event_date"].(string) < "2019-01-01" {
				t.Errorf("feature does not match: %v", p)
			}
		}
		self := linkHref(v, "self", "")
		if !strings.Contains(self, "event_type=Battles") || !strings.Contains(self, "bbox=") {
			t.Errorf("self link %s drops the filters", self)
		}
	})
	t.Run("Moura, March 2022", func(t *testing.T) {
		v := getJSON(t, h, "/collections/incidents/items?bbox=-4.70,14.07,-4.50,14.47&datetime=2022-03-01T00:00:00Z/2022-03-31T23:59:59Z", http.StatusOK)
		feats := v["features"].([]any)
		if len(feats) != 1 {
			t.Fatalf("%d features", len(feats))
		}
		p := feats[0].(map[string]any)["properties"].(map[string]any)
		if p["event_date"] != "2022-03-27" || p["fatalities"] != 500.0 || !strings.HasPrefix(p["source_url"].(string), "https://") {
			t.Errorf("Moura: %v", p)
		}
	})
	t.Run("properties selects attributes", func(t *testing.T) {
		v := getJSON(t, h, "/collections/incidents/items?properties=event_date,fatalities&limit=1", http.StatusOK)
		p := v["features"].([]any)[0].(map[string]any)["properties"].(map[string]any)
		if len(p) != 2 || p["event_date"] == nil {
			t.Errorf("properties %v", p)
		}
	})
	t.Run("an empty result is a 200 with no features", func(t *testing.T) {
		v := getJSON(t, h, "/collections/incidents/items?bbox=100,10,101,11", http.StatusOK)
		if len(v["features"].([]any)) != 0 || v["numberMatched"] != 0.0 {
			t.Errorf("%v", v)
		}
	})
	t.Run("html", func(t *testing.T) {
		rec := do(t, h, http.MethodGet, "/collections/incidents/items?f=html&limit=3")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<table>") || !strings.Contains(rec.Body.String(), "rel=\"next\"") && !strings.Contains(rec.Body.String(), ">next<") {
			t.Errorf("%d %.300s", rec.Code, rec.Body)
		}
	})
}

func TestItem(t *testing.T) {
	h := seededServer(t, Options{})
	v := getJSON(t, h, "/collections/incidents/items/1", http.StatusOK)
	if v["type"] != "Feature" || v["id"] != 1.0 {
		t.Errorf("%v", v)
	}
	for _, rel := range []string{"self", "alternate", "collection"} {
		if linkHref(v, rel, "") == "" {
			t.Errorf("feature lacks %s link", rel)
		}
	}
	rec := do(t, h, http.MethodGet, "/collections/regions/items/1?f=html")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "approximate") {
		t.Errorf("%d %.300s", rec.Code, rec.Body)
	}
}

func TestHeadAnswersLikeGet(t *testing.T) {
	h := seededServer(t, Options{})
	for _, p := range []string{"/", "/conformance", "/api", "/collections", "/collections/bases", "/collections/bases/items", "/collections/bases/items/1", "/static/app.js"} {
		get, head := do(t, h, http.MethodGet, p), do(t, h, http.MethodHead, p)
		if head.Code != get.Code || head.Header().Get("Content-Type") != get.Header().Get("Content-Type") {
			t.Errorf("HEAD %s: %d %q, GET: %d %q", p, head.Code, head.Header().Get("Content-Type"), get.Code, get.Header().Get("Content-Type"))
		}
	}
}

// TestBadRequests: every client mistake is a 4xx with a JSON {code, description}, never a 500.
func TestBadRequests(t *testing.T) {
	h := seededServer(t, Options{})
	cases := map[string]struct {
		target string
		status int
	}{
		"bbox with 3 numbers":             {"/collections/incidents/items?bbox=1,2,3", 400},
		"bbox with 5 numbers":             {"/collections/incidents/items?bbox=1,2,3,4,5", 400},
		"bbox not numbers":                {"/collections/incidents/items?bbox=a,b,c,d", 400},
		"bbox latitude out of range":      {"/collections/incidents/items?bbox=0,-100,1,1", 400},
		"bbox longitude out of range":     {"/collections/incidents/items?bbox=-200,0,1,1", 400},
		"bbox south above north":          {"/collections/incidents/items?bbox=0,10,1,5", 400},
		"bbox NaN":                        {"/collections/incidents/items?bbox=NaN,0,1,1", 400},
		"bbox Inf":                        {"/collections/incidents/items?bbox=0,0,Inf,1", 400},
		"bbox empty":                      {"/collections/incidents/items?bbox=", 400},
		"bbox twice":                      {"/collections/incidents/items?bbox=0,0,1,1&bbox=0,0,2,2", 400},
		"datetime garbage":                {"/collections/incidents/items?datetime=yesterday", 400},
		"datetime reversed":               {"/collections/incidents/items?datetime=2023-01-01/2022-01-01", 400},
		"datetime bad month":              {"/collections/incidents/items?datetime=2022-13-01", 400},
		"datetime three parts":            {"/collections/incidents/items?datetime=2022-01-01/2022-02-01/2022-03-01", 400},
		"datetime empty":                  {"/collections/incidents/items?datetime=", 400},
		"limit zero":                      {"/collections/incidents/items?limit=0", 400},
		"limit negative":                  {"/collections/incidents/items?limit=-5", 400},
		"limit not a number":              {"/collections/incidents/items?limit=ten", 400},
		"limit empty":                     {"/collections/incidents/items?limit=", 400},
		"limit float":                     {"/collections/incidents/items?limit=1.5", 400},
		"limit huge":                      {"/collections/incidents/items?limit=99999999999999999999999", 400},
		"offset negative":                 {"/collections/incidents/items?offset=-1", 400},
		"offset not a number":             {"/collections/incidents/items?offset=x", 400},
		"offset and cursor":               {"/collections/incidents/items?offset=1&cursor=7-7", 400},
		"cursor forged":                   {"/collections/incidents/items?cursor=abc", 400},
		"cursor negative":                 {"/collections/incidents/items?cursor=-1--1", 400},
		"unknown parameter":               {"/collections/incidents/items?colour=red", 400},
		"unknown parameter on landing":    {"/?foo=1", 400},
		"unknown parameter on collection": {"/collections/incidents?limit=1", 400},
		"f unknown":                       {"/collections/incidents/items?f=xml", 400},
		"f empty":                         {"/collections?f=", 400},
		"integer filter not a number":     {"/collections/incidents/items?fatalities=many", 400},
		"integer filter SQL":              {"/collections/incidents/items?fatalities=1%20OR%201=1", 400},
		"boolean filter not a boolean":    {"/collections/regions/items?approximate=maybe", 400},
		"date filter not a date":          {"/collections/incidents/items?event_date=March", 400},
		"properties unknown":              {"/collections/incidents/items?properties=nope", 400},
		"properties SQL":                  {"/collections/incidents/items?properties=fid;DROP%20TABLE%20incidents", 400},
		"semicolon in query":              {"/collections/incidents/items?limit=1;event_type=Battles", 400},
		"bad percent escape":              {"/collections/incidents/items?event_type=%zz", 400},
		"unknown collection":              {"/collections/nope", 404},
		"unknown collection items":        {"/collections/nope/items", 404},
		"unknown feature":                 {"/collections/incidents/items/99999", 404},
		"feature id not a number":         {"/collections/incidents/items/abc", 404},
		"feature id SQL":                  {"/collections/incidents/items/1%20OR%201=1", 404},
		"feature id huge":                 {"/collections/incidents/items/999999999999999999999999", 404},
		"unknown route":                   {"/nothing/here", 404},
		"static missing":                  {"/static/nope.js", 404},
		"static traversal":                {"/static/../../go.mod", 404},
		"static directory":                {"/static/vendor", 404},
		"POST not allowed":                {"POST /collections", 405},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			method, target := http.MethodGet, tc.target
			if m, p, ok := strings.Cut(tc.target, " "); ok {
				method, target = m, p
			}
			rec := do(t, h, method, target)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %.300s", rec.Code, tc.status, rec.Body)
			}
			var body exception
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Code == "" || body.Description == "" {
				t.Fatalf("body %q is not a JSON exception (%v)", rec.Body, err)
			}
			if strings.Contains(body.Description, "sqlite") || strings.Contains(body.Description, "SELECT") {
				t.Errorf("description leaks internals: %s", body.Description)
			}
		})
	}
	// the database answers the same afterwards
	if v := getJSON(t, h, "/collections/incidents/items?limit=1", 200); v["numberMatched"].(float64) < 30 {
		t.Error("incidents changed")
	}
}

func relative(t testing.TB, href string) string {
	t.Helper()
	if href == "" {
		return ""
	}
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func toStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}
