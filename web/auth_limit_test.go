package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An address that keeps sending bad tokens is turned away with 429 before its token is even
// looked at; other addresses are not, and a spoofed X-Forwarded-For does not help.
func TestAuthFailuresAreLimited(t *testing.T) {
	s := editServer(t)
	post := func(addr, token, xff string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/collections/incidents/items", strings.NewReader(incident(-4, 14, "Battles")))
		req.RemoteAddr = addr + ":4321"
		req.Header.Set("Content-Type", "application/geo+json")
		req.Header.Set("Authorization", "Bearer "+token)
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, req)
		return rec
	}
	for i := range authFailureBurst {
		if rec := post("203.0.113.7", "wrong-token-0123456789", "198.51.100."+string(rune('1'+i%9))); rec.Code != http.StatusUnauthorized {
			t.Fatalf("bad token %d: %d, want 401", i+1, rec.Code)
		}
	}
	rec := post("203.0.113.7", "wrong-token-0123456789", "")
	wantError(t, rec, http.StatusTooManyRequests, "too many requests")
	if rec.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if rec := post("203.0.113.7", adminToken, ""); rec.Code != http.StatusTooManyRequests {
		t.Errorf("a good token from the blocked address: %d, want 429", rec.Code)
	}
	if rec := post("203.0.113.8", adminToken, ""); rec.Code != http.StatusCreated {
		t.Errorf("a good token from another address: %d %s", rec.Code, rec.Body)
	}
	// Behind a proxy on a private address, the client is the one X-Forwarded-For names.
	for range authFailureBurst {
		post("10.0.0.2", "wrong-token-0123456789", "198.51.100.20")
	}
	if rec := post("10.0.0.2", adminToken, "198.51.100.20"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("the proxied client that failed: %d, want 429", rec.Code)
	}
	if rec := post("10.0.0.2", adminToken, "198.51.100.21"); rec.Code != http.StatusCreated {
		t.Errorf("another client behind the same proxy: %d %s", rec.Code, rec.Body)
	}
}
