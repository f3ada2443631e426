package web

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// Token is a bearer token that may write features: to every collection, or only to Layers.
type Token struct {
	hash   [sha256.Size]byte // tokens are kept and compared hashed, never logged
	Layers []string
}

// minTokenLength refuses tokens short enough to guess.
const minTokenLength = 16

// ReadTokens reads a token file: one token per line, optionally followed by a comma-separated
// list of the collections it may write to ("s3cr3t-token-value incidents,bases"); blank lines
// and lines starting with # are ignored. Errors name the file and line, never the token.
func ReadTokens(path string) ([]Token, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Token
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) > 2 {
			return nil, fmt.Errorf("%s:%d: want a token and an optional list of collections, found %d words", path, line, len(fields))
		}
		if len(fields[0]) < minTokenLength {
			return nil, fmt.Errorf("%s:%d: token shorter than %d characters", path, line, minTokenLength)
		}
		t := Token{hash: sha256.Sum256([]byte(fields[0]))}
		if len(fields) == 2 {
			for _, l := range strings.Split(fields[1], ",") {
				if l = strings.TrimSpace(l); l != "" {
					t.Layers = append(t.Layers, l)
				}
			}
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no tokens", path)
	}
	return out, nil
}

// authorize lets a write to collection coll through, or returns the error to answer: 405 when
// writes are off (no tokens), 401 without a valid bearer token, 403 outside the token's scope.
func (s *server) authorize(c echo.Context, coll string) error {
	if len(s.opts.Tokens) == 0 {
		c.Response().Header().Set("Allow", "GET, HEAD")
		return &apiError{http.StatusMethodNotAllowed, "MethodNotAllowed", "this server is read-only: start it with --token-file to allow writes"}
	}
	addr := c.RealIP()
	if blocked, wait := s.authFailures.blocked(addr); blocked {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return tooManyFailures(wait)
	}
	// The scheme's name is case-insensitive (RFC 9110 §11.1).
	scheme, given, ok := strings.Cut(strings.TrimSpace(c.Request().Header.Get(echo.HeaderAuthorization)), " ")
	ok = ok && strings.EqualFold(scheme, "Bearer")
	var match *Token
	if ok {
		h := sha256.Sum256([]byte(strings.TrimSpace(given)))
		for i := range s.opts.Tokens { // every token is compared, in constant time
			if subtle.ConstantTimeCompare(h[:], s.opts.Tokens[i].hash[:]) == 1 {
				match = &s.opts.Tokens[i]
			}
		}
	}
	if match == nil {
		s.authFailures.failed(addr)
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="harmattan"`)
		return &apiError{http.StatusUnauthorized, "Unauthorized", "writes need an Authorization: Bearer header with a valid token"}
	}
	if len(match.Layers) > 0 && !slices.Contains(match.Layers, coll) {
		return &apiError{http.StatusForbidden, "Forbidden", fmt.Sprintf("this token may not write to collection %q", coll)}
	}
	return nil
}
