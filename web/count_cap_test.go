package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestCountCap: numberMatched is given while the features of the bbox (of the collection,
// without one) are within MaxCount and left out beyond it (paging still works); the HTML page
// says so.
func TestCountCap(t *testing.T) {
	all := getJSON(t, seededServer(t, Options{}), "/collections/incidents/items?limit=1", http.StatusOK)
	total, ok := all["numberMatched"].(float64)
	if !ok || total < 5 {
		t.Fatalf("uncapped numberMatched = %v", all["numberMatched"])
	}
	n := int64(total)

	atCap := getJSON(t, seededServer(t, Options{MaxCount: n}), "/collections/incidents/items?limit=1", http.StatusOK)
	if atCap["numberMatched"] != total {
		t.Errorf("with MaxCount = the count: numberMatched %v, want %v", atCap["numberMatched"], total)
	}

	h := seededServer(t, Options{MaxCount: n - 1})
	page := getJSON(t, h, "/collections/incidents/items?limit=2", http.StatusOK)
	if _, has := page["numberMatched"]; has {
		t.Errorf("over the cap: numberMatched %v is given", page["numberMatched"])
	}
	if page["numberReturned"] != 2.0 || linkHref(page, "next", "application/geo+json") == "" {
		t.Errorf("over the cap: numberReturned %v, next link %q", page["numberReturned"], linkHref(page, "next", "application/geo+json"))
	}
	filtered := getJSON(t, h, "/collections/incidents/items?limit=1&bbox=-4.3,14.2,-3.7,14.7", http.StatusOK)
	if m, ok := filtered["numberMatched"].(float64); !ok || m >= total {
		t.Errorf("a bbox within the cap: numberMatched %v", filtered["numberMatched"])
	}
	html := do(t, h, http.MethodGet, "/collections/incidents/items?f=html&limit=2")
	if html.Code != http.StatusOK || !strings.Contains(html.Body.String(), "2 matching features; the area holds more than ") {
		t.Errorf("HTML over the cap: %d %.300s", html.Code, html.Body)
	}
}
