package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"github.com/harmattan/harmattan/data/postgis"
	"github.com/harmattan/harmattan/tiles"
)

// stAsMVT builds one incidents tile in PostGIS, as pg_tileserv does: the features in the
// buffered tile, found through the GiST index with the box in the table's SRID (%d), projected
// and clipped to the tile plus a 64-unit buffer, with the four properties of the benchmark
// tiles and fid as the feature id. $1, $2, $3 are z, x, y.
const stAsMVT = `SELECT ST_AsMVT(q, 'incidents', 4096, 'geom', 'fid') FROM (
	SELECT t.fid, ST_AsMVTGeom(ST_Transform(t.geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom,
		t.event_date, t.event_type, t.actor1, t.fatalities
	FROM public.incidents AS t
	WHERE t.geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), %d)
) AS q`

// BenchmarkPostGISTiles builds the reference workload's incident tiles from the PostGIS
// database that bench/postgis.sh fills ($HARMATTAN_BENCH_POSTGRES; skipped when unset), three
// ways in one run so that their ratios can be read side by side:
//
//   - go/memory: our pipeline through the router, from the in-memory copy of the points;
//   - go/store: our pipeline through the router, reading each tile's features from PostGIS;
//   - st_asmvt: one SQL statement per tile that builds it in PostGIS (ST_AsMVT over
//     ST_AsMVTGeom), read through a pgx pool and gzipped, as the server stores every MVT body
//     (gzip-ms/tile is the part of ms/tile spent gzipping).
//
// Cache and clustering are off and tiles carry event_date, event_type, actor1 and fatalities,
// as in BenchmarkTiles. An op is one pass over a zoom's whole list, so that the three ways
// build the same mix of tiles however few passes the slowest makes; ms/tile is per tile.
// Before timing a zoom, it requires that the three build every eighth tile of its list with
// the same features (see checkSameWork), so that they time equal work.
func BenchmarkPostGISTiles(b *testing.B) {
	url := os.Getenv("HARMATTAN_BENCH_POSTGRES")
	if url == "" {
		b.Skip("HARMATTAN_BENCH_POSTGRES is not set (bench/postgis.sh fills that database)")
	}
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := postgis.Open(ctx, url, postgis.Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	var srid int
	if err := pool.QueryRow(ctx, "SELECT Find_SRID('public', 'incidents', 'geom')").Scan(&srid); err != nil {
		b.Fatal(err)
	}
	query := fmt.Sprintf(stAsMVT, srid)

	opts := Options{Logger: quiet, TileCacheBytes: -1, ClusterBelow: map[string]int{}}
	memory := newServer(store, opts)
	awaitPoints(b, memory, "incidents")
	opts.PointsBytes = -1
	fromStore := newServer(store, opts)
	router := func(s *server) func(b *testing.B, zxy string) []byte {
		return func(b *testing.B, zxy string) []byte {
			target := "/tiles/incidents/" + zxy + ".mvt?properties=event_date,event_type,actor1,fatalities"
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, target, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			s.handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK && rec.Code != http.StatusNoContent {
				b.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
			}
			return rec.Body.Bytes()
		}
	}
	var gzipTime time.Duration // of st_asmvt's tiles
	ways := []struct {
		name string
		tile func(b *testing.B, zxy string) []byte // the gzipped tile, empty when it has no features
	}{
		{"go/memory", router(memory)},
		{"go/store", router(fromStore)},
		{"st_asmvt", func(b *testing.B, zxy string) []byte {
			var raw []byte
			if err := pool.QueryRow(ctx, query, tileArgs(b, zxy)...).Scan(&raw); err != nil {
				b.Fatalf("%s: %v", zxy, err)
			}
			if len(raw) == 0 {
				return nil
			}
			start := time.Now()
			body, err := tiles.Gzip(raw)
			if err != nil {
				b.Fatal(err)
			}
			gzipTime += time.Since(start)
			return body
		}},
	}
	for _, z := range []string{"5", "7", "9", "11"} {
		list := readTileList(b, filepath.Join(benchDir(b), "tiles_z"+z+".txt"))
		for i := 0; i < len(list); i += 8 {
			checkSameWork(b, list[i], ways[0].tile(b, list[i]), ways[1].tile(b, list[i]), ways[2].tile(b, list[i]))
		}
		for _, w := range ways {
			b.Run(w.name+"/z"+z, func(b *testing.B) {
				b.ReportAllocs()
				n, size := 0, 0
				gzipTime = 0
				for b.Loop() {
					for _, zxy := range list {
						size += len(w.tile(b, zxy))
					}
					n += len(list)
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(n), "ms/tile")
				b.ReportMetric(float64(size)/float64(n), "gzB/tile")
				if w.name == "st_asmvt" {
					b.ReportMetric(float64(gzipTime.Microseconds())/1e3/float64(n), "gzip-ms/tile")
				}
			})
		}
	}
}

// tileArgs returns z, x, y of "z/x/y" as query arguments.
func tileArgs(b *testing.B, zxy string) []any {
	parts := strings.Split(zxy, "/")
	if len(parts) != 3 {
		b.Fatalf("bad tile %q", zxy)
	}
	args := make([]any, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			b.Fatalf("bad tile %q", zxy)
		}
		args[i] = n
	}
	return args
}

// checkSameWork fails unless our two tiles hold the same number of features, and PostGIS's
// tile as many but for some points on the edge of the buffer: PostGIS rounds a point to the
// grid and then clips, we clip first, so a point less than half a unit beyond the buffer is in
// its tile only, rounded onto the edge.
func checkSameWork(b *testing.B, zxy string, memory, store, st []byte) {
	m, _ := countFeatures(b, memory)
	s, _ := countFeatures(b, store)
	p, edge := countFeatures(b, st)
	if m != s || p < m || p > m+edge {
		b.Fatalf("tile %s: %d features from memory, %d from the store, %d from ST_AsMVT (%d on the buffer's edge): not the same work",
			zxy, m, s, p, edge)
	}
}

// countFeatures returns the number of features in the incidents layer of a gzipped tile, and
// how many of them are points on the edge of the 64-unit buffer.
func countFeatures(b *testing.B, body []byte) (n, edge int) {
	if len(body) == 0 {
		return 0, 0
	}
	layers, err := mvt.UnmarshalGzipped(body)
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range layers {
		if l.Name != "incidents" {
			continue
		}
		lo, hi := -64.0, float64(l.Extent)+64
		for _, f := range l.Features {
			if p, ok := f.Geometry.(orb.Point); ok && (p[0] == lo || p[0] == hi || p[1] == lo || p[1] == hi) {
				edge++
			}
		}
		return len(l.Features), edge
	}
	return 0, 0
}
