package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/harmattan/harmattan/data"
)

// metrics are the server's Prometheus metrics, on a registry of its own (no global state), all
// named harmattan_*.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec   // by route, method and status
	latency  *prometheus.HistogramVec // by route, method and status
	queries  *prometheus.HistogramVec // store reads by operation
	written  *prometheus.CounterVec   // features written through the API, by collection and operation
}

func newMetrics(s *server) *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "harmattan_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status."}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "harmattan_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern, method and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"route", "method", "status"})
	m.queries = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "harmattan_store_query_duration_seconds",
		Help:    "Time of store reads made for requests (features streamed to the end, counts, single features), by operation.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"op"})
	m.written = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "harmattan_features_written_total",
		Help: "Features inserted, replaced, patched or deleted through the API, by collection and operation."}, []string{"collection", "op"})
	m.registry.MustRegister(m.requests, m.latency, m.queries, m.written,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "harmattan_tile_cache_hits_total", Help: "Tiles answered from the cache."},
			func() float64 { return float64(s.tileCache.Stats().Hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "harmattan_tile_cache_misses_total", Help: "Tiles built because the cache did not hold them."},
			func() float64 { return float64(s.tileCache.Stats().Misses) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "harmattan_tile_cache_evictions_total", Help: "Tiles evicted to keep the cache in its memory bound."},
			func() float64 { return float64(s.tileCache.Stats().Evictions) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "harmattan_tile_cache_bytes", Help: "Memory the tile cache holds."},
			func() float64 { return float64(s.tileCache.Stats().Bytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "harmattan_tile_cache_entries", Help: "Tiles the cache holds."},
			func() float64 { return float64(s.tileCache.Stats().Entries) }),
	)
	return m
}

// observe records one store read of op that started at start.
func (m *metrics) observe(op string, start time.Time) {
	m.queries.WithLabelValues(op).Observe(time.Since(start).Seconds())
}

// opsRoutes registers /healthz (the process answers), /readyz (the database answers) and
// /metrics (Prometheus).
func (s *server) opsRoutes(e *echo.Echo) {
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", s.ready)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})))
}

// ready answers 200 when the store answers within two seconds, else 503.
func (s *server) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	var err error
	if p, ok := s.store.(data.Pinger); ok {
		err = p.Ping(ctx)
	} else {
		_, err = s.store.Collections(ctx)
	}
	if err != nil {
		s.log.Warn("not ready: the database does not answer", "error", err)
		return &apiError{http.StatusServiceUnavailable, "NotReady", "the database does not answer"}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// observeRequests gives every request an id (the client's X-Request-Id when it is a sane one,
// else a new one), echoed in X-Request-Id, counts and times it by route pattern and status, and
// logs one line for it. Errors are answered here, so that the status is the one sent.
func (s *server) observeRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		id := req.Header.Get(echo.HeaderXRequestID)
		if !saneRequestID(id) {
			id = newRequestID()
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		if err := next(c); err != nil {
			c.Error(err)
		}
		took := time.Since(start)
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := strconv.Itoa(c.Response().Status)
		s.metrics.requests.WithLabelValues(route, req.Method, status).Inc()
		s.metrics.latency.WithLabelValues(route, req.Method, status).Observe(took.Seconds())
		level := slog.LevelInfo
		if c.Response().Status >= 500 {
			level = slog.LevelError
		}
		// The query string is logged, headers (and so bearer tokens) never are.
		s.log.LogAttrs(req.Context(), level, "request", slog.String("id", id), slog.String("method", req.Method),
			slog.String("route", route), slog.String("uri", req.RequestURI), slog.Int("status", c.Response().Status),
			slog.Int64("bytes", c.Response().Size), slog.Float64("ms", float64(took.Microseconds())/1000),
			slog.String("remote", c.RealIP()))
		return nil
	}
}

// deadline gives each request RequestTimeout, which its context carries down to the database.
// Downloads of whole collections stream for as long as they take.
func (s *server) deadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Path() == "/collections/:id/download" {
			return next(c)
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.opts.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// limitURL refuses URLs longer than most bytes before they are routed or parsed.
func limitURL(most int) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if len(c.Request().RequestURI) > most {
				return &apiError{http.StatusRequestURITooLong, "URITooLong", "the URL is longer than " + strconv.Itoa(most) + " bytes"}
			}
			return next(c)
		}
	}
}

// saneRequestID accepts a client's request id of up to 128 letters, digits, '-', '_' and '.',
// which logs and headers can carry as it is.
func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// timedStore times the reads requests make, for harmattan_store_query_duration_seconds. It is
// only for reading: type assertions for the store's other abilities go to server.store.
type timedStore struct {
	data.Store
	m *metrics
}

func (t timedStore) Features(ctx context.Context, id string, q data.Query, fn func(*data.Feature) error) error {
	defer t.m.observe("features", time.Now())
	return t.Store.Features(ctx, id, q, fn)
}

func (t timedStore) Count(ctx context.Context, id string, q data.Query) (int64, error) {
	defer t.m.observe("count", time.Now())
	return t.Store.Count(ctx, id, q)
}

func (t timedStore) Feature(ctx context.Context, id string, featureID int64) (*data.Feature, error) {
	defer t.m.observe("feature", time.Now())
	return t.Store.Feature(ctx, id, featureID)
}
