package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/mbtiles"
	"github.com/harmattan/harmattan/data/postgis"
	"github.com/harmattan/harmattan/data/seed"
	"github.com/harmattan/harmattan/data/sqlite"
	"github.com/harmattan/harmattan/web"
)

// serveConfig is the effective configuration of `harmattan serve`.
type serveConfig struct {
	addr         string
	db           string
	defaultLimit int
	maxLimit     int
	timeFields   map[string]string
	tileBuffer   int
	tileMaxAge   int
	tileCacheMB  int
	tilePointsMB int
	cluster      map[string]int
	memoryMB     int
	tilesets     map[string]string // name → path of an .mbtiles or .pmtiles file
	tokenFile    string
	maxBodyMB    int
	maxURLKB     int
	maxCount     int64
	maxLayers    int
	maxFeatures  int
	shutdown     time.Duration
	dbPool       int
	dbTimeout    time.Duration
	logFormat    string // text or json
	readOnly     bool
	reqTimeout   time.Duration
	config       string // TOML file of settings
	printConfig  bool
}

// zoomFlag collects repeated --cluster collection=zoom values.
type zoomFlag map[string]int

func (z zoomFlag) String() string { return fmt.Sprint(map[string]int(z)) }

func (z zoomFlag) Set(v string) error {
	id, zoom, ok := strings.Cut(v, "=")
	n, err := strconv.Atoi(zoom)
	if !ok || id == "" || err != nil || n < 0 || n > 25 {
		return fmt.Errorf("want collection=zoom (0-25), got %q", v)
	}
	z[id] = n
	return nil
}

// tilesetFlag collects repeated --tileset name=path values.
type tilesetFlag map[string]string

func (t tilesetFlag) String() string { return fmt.Sprint(map[string]string(t)) }

func (t tilesetFlag) Set(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || path == "" || !validTilesetName(name) {
		return fmt.Errorf("want name=path with a name of letters, digits, '-', '_' or '.' (not ending in .json), got %q", v)
	}
	if _, dup := t[name]; dup {
		return fmt.Errorf("tileset %q given twice", name)
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".mbtiles" && ext != ".pmtiles" {
		return fmt.Errorf("tileset %s: %s is neither .mbtiles nor .pmtiles", name, path)
	}
	t[name] = path
	return nil
}

// validTilesetName accepts names that are one URL path segment as they are.
func validTilesetName(name string) bool {
	if name == "" || strings.HasSuffix(name, ".json") || name == "." || name == ".." {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// timeFlag collects repeated --time-field collection=column values.
type timeFlag map[string]string

func (t timeFlag) String() string { return fmt.Sprint(map[string]string(t)) }

func (t timeFlag) Set(v string) error {
	id, col, ok := strings.Cut(v, "=")
	if !ok || id == "" || col == "" {
		return fmt.Errorf("want collection=column, got %q", v)
	}
	t[id] = col
	return nil
}

func parseServe(args []string, out io.Writer, getenv func(string) string) (serveConfig, error) {
	cfg := serveConfig{timeFields: map[string]string{}, cluster: map[string]int{}, tilesets: map[string]string{}}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080",
		"address to listen on, host:port")
	fs.StringVar(&cfg.db, "db", "harmattan.gpkg",
		"GeoPackage file to serve, created from the built-in Mali dataset when it does not exist; or a PostGIS database, postgres://user:password@host/db")
	fs.IntVar(&cfg.dbPool, "db-pool", 0,
		"PostGIS: most database connections of this server (0: 4 or the number of CPUs, whichever is more); one more listens for changes")
	fs.DurationVar(&cfg.dbTimeout, "db-timeout", 30*time.Second, "PostGIS: statement timeout of every query")
	fs.BoolVar(&cfg.readOnly, "read-only", false,
		"open the database read-only and turn the write routes off; the database must exist")
	fs.DurationVar(&cfg.reqTimeout, "request-timeout", 60*time.Second,
		"deadline of each request but downloads, down to the database; a request out of time answers 503")
	fs.StringVar(&cfg.logFormat, "log-format", "text",
		"text or json: the form of the log lines on stderr, one per request among them")
	fs.IntVar(&cfg.defaultLimit, "default-limit", 100, "page size of /items when the client gives no limit")
	fs.IntVar(&cfg.maxLimit, "max-limit", 10000, "largest page size; a larger limit is clamped to it")
	fs.Var(timeFlag(cfg.timeFields), "time-field",
		"collection=column: the DATE/DATETIME property that datetime filters use (default: the table's first); repeatable")
	fs.IntVar(&cfg.tileBuffer, "tile-buffer", 64, "margin around each tile within which features are kept, in units of the 4096 tile extent")
	fs.IntVar(&cfg.tileMaxAge, "tile-max-age", 3600, "Cache-Control max-age of tiles, in seconds")
	fs.IntVar(&cfg.tileCacheMB, "tile-cache-mb", 256, "memory bound of the in-memory tile cache in MiB (0 disables it)")
	fs.IntVar(&cfg.tilePointsMB, "tile-points-mb", 128,
		"memory for in-memory copies of point collections that their tiles are built from, in MiB (0: read every tile's points from the database)")
	fs.IntVar(&cfg.memoryMB, "memory-limit", 200,
		"soft limit of the Go heap in MiB: the collector works harder near it, keeping RSS flat while big tiles are built (0: none; GOMEMLIMIT, when set, wins)")
	fs.Var(zoomFlag(cfg.cluster), "cluster",
		"collection=zoom: merge the collection's points into clusters on tiles below that zoom (default incidents=8; 0 turns it off); repeatable")
	fs.StringVar(&cfg.tokenFile, "token-file", "",
		"file of bearer tokens that may write features (one per line, optionally followed by the collections it may write to); without it the server is read-only")
	fs.IntVar(&cfg.maxBodyMB, "max-body-mb", 16, "largest request body of a write, in MiB")
	fs.IntVar(&cfg.maxURLKB, "max-url-kb", 8, "longest URL (path and query) in KiB; longer ones answer 414")
	fs.Int64Var(&cfg.maxCount, "max-count", 10_000,
		"give numberMatched when at most this many features lie in the bbox (in the collection, without one); else leave it out (0: always count)")
	fs.IntVar(&cfg.maxLayers, "max-tile-layers", 16, "most layers in one composite tile")
	fs.IntVar(&cfg.maxFeatures, "max-tile-features", 200_000,
		"most features in one tile; beyond it the densest places are thinned and the Harmattan-Thinned header says so (0: no cap)")
	fs.DurationVar(&cfg.shutdown, "shutdown-timeout", 10*time.Second,
		"on SIGTERM or SIGINT, how long requests in flight may take to finish before the server closes")
	fs.Var(tilesetFlag(cfg.tilesets), "tileset",
		"name=path: serve an .mbtiles or .pmtiles file as stored at /tiles/{name}/{z}/{x}/{y}.{ext}, TileJSON at /tiles/{name}.json; repeatable")
	fs.StringVar(&cfg.config, "config", "", "TOML file of settings, keyed by these flags' names; flags and HARMATTAN_* variables win over it")
	fs.BoolVar(&cfg.printConfig, "print-config", false, "print the effective settings as a config file (the database password masked) and exit")
	fs.Usage = func() {
		fmt.Fprint(out, "Usage: harmattan serve [flags]\n\nServe every feature table of a GeoPackage or PostGIS database as OGC API – Features, with the web map at /.\n"+
			"Every flag may also be set by the environment (HARMATTAN_ and its name in upper case with _ for -:\n"+
			"HARMATTAN_ADDR, HARMATTAN_DB, HARMATTAN_DB_POOL, ...) or by a --config file; the command line wins,\n"+
			"then the environment, then the file.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.config == "" {
		cfg.config = getenv("HARMATTAN_CONFIG")
	}
	if err := applySettings(fs, getenv, cfg.config); err != nil {
		return cfg, fmt.Errorf("serve: %w", err)
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if cfg.defaultLimit < 1 || cfg.maxLimit < 1 {
		return cfg, errors.New("serve: --default-limit and --max-limit must be at least 1")
	}
	if cfg.tileBuffer < 1 || cfg.tileBuffer > 4096 || cfg.tileMaxAge < 0 || cfg.tileCacheMB < 0 || cfg.tilePointsMB < 0 {
		return cfg, errors.New("serve: --tile-buffer must be 1-4096, --tile-max-age, --tile-cache-mb and --tile-points-mb not negative")
	}
	if cfg.maxBodyMB < 1 || cfg.maxURLKB < 1 || cfg.maxLayers < 1 {
		return cfg, errors.New("serve: --max-body-mb, --max-url-kb and --max-tile-layers must be at least 1")
	}
	if cfg.maxCount < 0 || cfg.maxFeatures < 0 || cfg.shutdown < 0 {
		return cfg, errors.New("serve: --max-count, --max-tile-features and --shutdown-timeout must not be negative")
	}
	if cfg.readOnly && cfg.tokenFile != "" {
		return cfg, errors.New("serve: --read-only and --token-file contradict each other: a read-only server takes no writes")
	}
	if cfg.reqTimeout <= 0 {
		return cfg, errors.New("serve: --request-timeout must be positive")
	}
	if cfg.logFormat != "text" && cfg.logFormat != "json" {
		return cfg, fmt.Errorf("serve: --log-format must be text or json, not %q", cfg.logFormat)
	}
	if cfg.dbPool < 0 || cfg.dbTimeout < 0 {
		return cfg, errors.New("serve: --db-pool and --db-timeout must not be negative")
	}
	if cfg.memoryMB < 0 {
		return cfg, errors.New("serve: --memory-limit must not be negative")
	}
	if _, ok := cfg.cluster["incidents"]; !ok {
		cfg.cluster["incidents"] = 8
	}
	if cfg.printConfig {
		if err := printConfig(out, fs); err != nil {
			return cfg, err
		}
		return cfg, flag.ErrHelp // printed: nothing else to do
	}
	return cfg, nil
}

func serve(ctx context.Context, cfg serveConfig, log *slog.Logger) error {
	if cfg.memoryMB > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(cfg.memoryMB) << 20)
	}
	if _, err := os.Stat(cfg.db); !postgis.IsURL(cfg.db) && !cfg.readOnly && errors.Is(err, os.ErrNotExist) {
		log.Info("creating the database from the built-in dataset", "db", cfg.db)
		if err := createSeeded(ctx, cfg.db); err != nil {
			return err
		}
	}
	var tokens []web.Token
	if cfg.tokenFile != "" {
		var err error
		if tokens, err = web.ReadTokens(cfg.tokenFile); err != nil {
			return err
		}
		log.Info("writes allowed with a token", "tokens", len(tokens), "token_file", cfg.tokenFile)
	}
	store, err := openStore(ctx, cfg.db, dbOptions{timeFields: cfg.timeFields, logger: log, pool: cfg.dbPool, timeout: cfg.dbTimeout, readOnly: cfg.readOnly})
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing the database", "db", dbName(cfg.db), "err", err)
			return
		}
		log.Info("database closed", "db", dbName(cfg.db))
	}()
	colls, err := store.Collections(ctx)
	if err != nil {
		return err
	}
	for _, c := range colls {
		log.Info("serving collection", "id", c.ID, "geometry", c.GeometryType, "time", c.TemporalField)
	}
	tilesets, err := openTilesets(ctx, cfg.tilesets, colls)
	defer func() {
		for _, ts := range tilesets {
			ts.Close()
		}
	}()
	if err != nil {
		return err
	}
	for name, ts := range tilesets {
		info := ts.Info()
		log.Info("serving tileset", "name", name, "path", cfg.tilesets[name], "format", info.Format,
			"minzoom", info.MinZoom, "maxzoom", info.MaxZoom)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	// Requests in flight are counted, so that the database closes only once none uses it.
	var inflight sync.WaitGroup
	handler := web.New(store, web.Options{DefaultLimit: cfg.defaultLimit, MaxLimit: cfg.maxLimit, Logger: log,
		TileBuffer: cfg.tileBuffer, TileMaxAge: cfg.tileMaxAge, TileCacheBytes: cacheBytes(cfg.tileCacheMB),
		PointsBytes:  cacheBytes(cfg.tilePointsMB),
		ClusterBelow: cfg.cluster, Tilesets: tilesets, Tokens: tokens, MaxBodyBytes: int64(cfg.maxBodyMB) << 20,
		RequestTimeout: cfg.reqTimeout, MaxURLBytes: cfg.maxURLKB << 10, MaxCount: noCap(cfg.maxCount),
		MaxTileLayers: cfg.maxLayers, MaxTileFeatures: int(noCap(int64(cfg.maxFeatures)))})
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inflight.Add(1)
			defer inflight.Done()
			handler.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	if len(colls) == 0 {
		log.Warn("the database has no table to serve; copy the built-in dataset into it with: harmattan migrate --to DB", "db", dbName(cfg.db))
	}
	log.Info("listening", "url", "http://"+ln.Addr().String()+"/", "db", dbName(cfg.db))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let requests in flight finish for up to --shutdown-timeout, then cut the
	// rest off (their contexts end, so their queries stop) and close the database. A shutdown
	// asked for is a success, however it went: the exit status is 0.
	log.Info("shutting down: draining requests in flight", "bound", cfg.shutdown)
	drain, cancel := context.WithTimeout(context.Background(), cfg.shutdown)
	defer cancel()
	if err := srv.Shutdown(drain); err != nil {
		log.Warn("requests still in flight at the bound were cut off", "bound", cfg.shutdown, "err", err)
		srv.Close()
		// Cut off, they end at their next write; wait for that, so that none still holds a
		// database connection as the database closes.
		done := make(chan struct{})
		go func() { inflight.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			log.Warn("requests cut off did not end; closing the database anyway")
		}
	}
	return nil
}

// openTilesets opens each --tileset file by its extension. A name that is also a collection id
// is refused, as the tileset would hide the collection's tiles. On error, the tilesets opened
// so far are returned too, for the caller to close.
func openTilesets(ctx context.Context, paths map[string]string, colls []data.Collection) (map[string]data.Tileset, error) {
	for _, c := range colls {
		if path, ok := paths[c.ID]; ok {
			return nil, fmt.Errorf("serve: --tileset %s=%s: %q is already a collection id; give the tileset another name", c.ID, path, c.ID)
		}
	}
	out := map[string]data.Tileset{}
	for name, path := range paths {
		var (
			ts  data.Tileset
			err error
		)
		switch strings.ToLower(filepath.Ext(path)) {
		case ".mbtiles":
			ts, err = mbtiles.Open(ctx, path)
		case ".pmtiles":
			ts, err = web.OpenPMTiles(path)
		default:
			err = fmt.Errorf("tileset %s: %s is neither .mbtiles nor .pmtiles", name, path)
		}
		if err != nil {
			return out, err
		}
		out[name] = ts
	}
	return out, nil
}

// cacheBytes converts --tile-cache-mb or --tile-points-mb to bytes for web.Options (negative
// disables).
func cacheBytes(mb int) int64 {
	if mb == 0 {
		return -1
	}
	return int64(mb) << 20
}

// createSeeded writes the built-in dataset to a new GeoPackage at path.
func createSeeded(ctx context.Context, path string) error {
	layers, err := seed.Layers()
	if err != nil {
		return err
	}
	return sqlite.Create(ctx, path, layers)
}

// noCap converts a cap flag's 0 (no cap) to web.Options' negative.
func noCap(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}
