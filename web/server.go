// Package web is Harmattan's HTTP server: OGC API – Features over a data.Store, with GeoJSON,
// HTML and an OpenAPI 3.0 description, and the embedded Leaflet map.
package web

import (
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/tiles"
)

// Options configure the server. Zero values take the defaults.
type Options struct {
	// DefaultLimit is the page size of items without a limit parameter (default 100).
	DefaultLimit int
	// MaxLimit caps the limit parameter; larger values are clamped, not refused (default 10000).
	MaxLimit int
	// Logger receives errors and warnings (default slog.Default()).
	Logger *slog.Logger

	// TileBuffer is the margin around each tile, in units of its 4096 extent, within which
	// features are fetched and kept (default 64).
	TileBuffer int
	// TileMaxAge is the Cache-Control max-age of tiles in seconds (default 3600).
	TileMaxAge int
	// TileCacheBytes bounds the in-memory tile cache (default 256 MiB; negative disables it).
	TileCacheBytes int64
	// ClusterBelow clusters a point collection's tiles below the given zoom (default
	// incidents below 8). Collections not listed are never clustered.
	ClusterBelow map[string]int
	// MaxCount bounds the count behind numberMatched: when more features than that lie in a
	// page's bbox (in the collection, without one), numberMatched is left out, as OGC API –
	// Features allows when a count is unknown (default 10,000; negative: count all).
	MaxCount int64
	// MaxURLBytes caps a request's path and query; longer ones answer 414 (default 8 KiB).
	MaxURLBytes int
	// MaxTileLayers caps the layers of one composite tile (default 16).
	MaxTileLayers int
	// MaxTileFeatures caps the features of one tile, all its layers together: beyond it the
	// densest places are thinned (tiles.Thin) and the Harmattan-Thinned header says so
	// (default tiles.DefaultMaxFeatures; negative: no cap).
	MaxTileFeatures int
	// PointsBytes bounds the memory of the in-memory copies of point collections that tiles
	// are built from (default 128 MiB; negative: no copies, every tile reads the store).
	PointsBytes int64
	// Tokens may write features (POST, PUT, PATCH, DELETE on items); none: the server is
	// read-only and writes answer 405.
	Tokens []Token
	// MaxBodyBytes caps the body of a write (default 16 MiB).
	MaxBodyBytes int64
	// RequestTimeout bounds each request but downloads of whole collections, down to the
	// database; a request out of time gets a 503 (default 60 s).
	RequestTimeout time.Duration
	// Tilesets are tile files (MBTiles, PMTiles) served as stored at /tiles/{name}/{z}/{x}/{y}.{ext}
	// with their TileJSON at /tiles/{name}.json. A name shadows a collection of the same id, so
	// callers should refuse such clashes. The server does not close them.
	Tilesets map[string]data.Tileset
}

// server holds the dependencies every handler uses.
type server struct {
	store        data.Store // the store as given, for type assertions (Editor, Versioned, ...)
	reads        data.Store // the store with its reads timed in metrics: what handlers read from
	metrics      *metrics
	opts         Options
	log          *slog.Logger
	tileCache    *tiles.Cache
	points       *pointLayers
	fresh        *freshness   // empties tileCache when the data changes
	handler      http.Handler // the echo router
	authFailures authFailures // addresses that sent bad tokens
	// tileBuilds admits concurrent tile builds (one slot per buffered element).
	tileBuilds chan struct{}
	// pages admits concurrent pages of items. A page of a large area can keep a database
	// connection busy for long: without a bound, pages fill the pool and the tiles, writes and
	// point-copy patches behind them wait. Queued requests wait here, holding no connection.
	pages        chan struct{}
	attributions attributions
}

// New returns the HTTP handler serving store.
func New(store data.Store, opts Options) http.Handler {
	return newServer(store, opts).handler
}

func newServer(store data.Store, opts Options) *server {
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
	if opts.TileBuffer <= 0 {
		opts.TileBuffer = 64
	}
	if opts.TileMaxAge <= 0 {
		opts.TileMaxAge = 3600
	}
	if opts.TileCacheBytes == 0 {
		opts.TileCacheBytes = 256 << 20
	}
	if opts.ClusterBelow == nil {
		opts.ClusterBelow = map[string]int{"incidents": 8}
	}
	if opts.PointsBytes == 0 {
		opts.PointsBytes = 128 << 20
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 16 << 20
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 60 * time.Second
	}
	if opts.MaxTileLayers <= 0 {
		opts.MaxTileLayers = 16
	}
	if opts.MaxCount == 0 {
		opts.MaxCount = 10_000
	}
	if opts.MaxURLBytes <= 0 {
		opts.MaxURLBytes = 8 << 10
	}
	if opts.MaxTileFeatures == 0 {
		opts.MaxTileFeatures = tiles.DefaultMaxFeatures
	}
	s := &server{store: store, opts: opts, log: opts.Logger, tileCache: tiles.NewCache(opts.TileCacheBytes),
		points:     newPointLayers(store, opts.PointsBytes, opts.Logger),
		tileBuilds: make(chan struct{}, 2*runtime.GOMAXPROCS(0)),
		pages:      make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))}
	s.metrics = newMetrics(s)
	s.reads = timedStore{store, s.metrics}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	// The client's address (for logs and auth-failure limits) is the peer's, or the one an
	// X-Forwarded-For names when the peer is a proxy on a loopback or private address.
	e.IPExtractor = echo.ExtractIPFromXFFHeader()
	s.fresh = newFreshness(store, s.tileCache, max(opts.TileBuffer, tiles.DefaultClusterCell), opts.Logger)
	e.Use(s.observeRequests) // outermost: sees every request, panics included, with its final status
	e.Use(s.deadline)
	e.Pre(limitURL(opts.MaxURLBytes))
	s.opsRoutes(e)
	s.routes(e)
	s.handler = e
	return s
}
