// Package web is Harmattan's HTTP server: OGC API – Features over a data.Store, with GeoJSON,
// HTML and an OpenAPI 3.0 description, and the embedded Leaflet map.
package web

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/harmattan/harmattan/data"
)

// Options configure the server. Zero values take the defaults.
type Options struct {
	// DefaultLimit is the page size of items without a limit parameter (default 100).
	DefaultLimit int
	// MaxLimit caps the limit parameter; larger values are clamped, not refused (default 10000).
	MaxLimit int
	// Logger receives errors and warnings (default slog.Default()).
	Logger *slog.Logger
}

// server holds the dependencies every handler uses.
type server struct {
	store data.Store
	opts  Options
	log   *slog.Logger
}

// New returns the HTTP handler serving store.
func New(store data.Store, opts Options) http.Handler {
	if opts.DefaultLimit <= 0 {
		opts.DefaultLimit = 100
	}
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = 10000
	}
	if opts.DefaultLimit > opts.MaxLimit {
		opts.DefaultLimit = opts.MaxLimit
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &server{store: store, opts: opts, log: opts.Logger}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	s.routes(e)
	return e
}
