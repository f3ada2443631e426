package web

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// The Content-Security-Policy of each kind of response. No policy allows inline scripts,
// eval or plugins: every script is a file under /static/, and every value from the data goes
// into the pages as text (html/template, textContent). Styles are files too; the scripts
// set element styles through the DOM (el.style), which a policy does not restrict.
const (
	// mapCSP is the map at /: our own scripts, styles, data and tiles, OpenStreetMap raster
	// tiles when the reader picks that base layer (app.js), and data: images, which Leaflet
	// swaps into a tile it stops loading. It may not be framed.
	mapCSP = "default-src 'self'; script-src 'self'; style-src 'self'; " +
		"img-src 'self' data: https://tile.openstreetmap.org; connect-src 'self'; " +
		"object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'"

	// embedCSP is /embed: the map without outside tiles, which any site may frame.
	embedCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors *"

	// documentCSP is everything else: the f=html pages need their style sheet and nothing
	// more, and API responses (JSON, tiles, files) need nothing at all as a document.
	documentCSP = "default-src 'none'; style-src 'self'; img-src 'self'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

// securityHeaders sets, on every response (errors included): a Content-Security-Policy by
// path (see above), X-Content-Type-Options: nosniff, a Referrer-Policy that sends other sites
// the origin only, and X-Frame-Options: DENY except on /embed, the one page meant to be
// framed by other sites.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set(echo.HeaderXContentTypeOptions, "nosniff")
		h.Set(echo.HeaderReferrerPolicy, "strict-origin-when-cross-origin")
		switch p := c.Request().URL.Path; {
		case p == "/embed" || strings.HasPrefix(p, "/embed/"):
			h.Set(echo.HeaderContentSecurityPolicy, embedCSP)
		case p == "/":
			h.Set(echo.HeaderContentSecurityPolicy, mapCSP)
			h.Set(echo.HeaderXFrameOptions, "DENY")
		default:
			h.Set(echo.HeaderContentSecurityPolicy, documentCSP)
			h.Set(echo.HeaderXFrameOptions, "DENY")
		}
		return next(c)
	}
}
