package web

import (
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// Media types of the representations we serve.
const (
	typeJSON    = "application/json"
	typeGeoJSON = "application/geo+json"
	typeHTML    = "text/html"
	typeOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
)

// link is an OGC API link; every link we emit carries its media type.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type"`
	Title string `json:"title,omitempty"`
}

// baseURL is the scheme and host the client used (X-Forwarded-Proto is honoured), so links
// work behind a reverse proxy that keeps the Host header.
func baseURL(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

// href returns the absolute URL of path with params (nil for none).
func href(c echo.Context, path string, params url.Values) string {
	u := baseURL(c) + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	return u
}

// with returns a copy of params with key set to value ("" deletes it).
func with(params url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range params {
		out[k] = append([]string(nil), v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

// selfLinks returns the self link in format and the alternate in the other format.
func selfLinks(c echo.Context, path string, params url.Values, format, jsonType, title string) []link {
	js := link{Href: href(c, path, with(params, "f", "json")), Rel: "alternate", Type: jsonType, Title: title + " as JSON"}
	ht := link{Href: href(c, path, with(params, "f", "html")), Rel: "alternate", Type: typeHTML, Title: title + " as HTML"}
	if format == "html" {
		ht.Rel = "self"
		return []link{ht, js}
	}
	js.Rel = "self"
	return []link{js, ht}
}

func collectionPath(id string) string { return "/collections/" + url.PathEscape(id) }

// itemsTitle names a collection's items for link titles.
func itemsTitle(title string) string { return strings.TrimSpace(title + " features") }
