package web

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harmattan/harmattan/data/sqlite"
)

// BenchmarkTiles builds the reference workload's incident tiles through the router with the
// cache off, carrying every attribute but notes, as bench/tiles.sh does minus the network:
// from the in-memory copy of the layer ("memory") and from the store ("store").
func BenchmarkTiles(b *testing.B) {
	store, err := sqlite.Open(context.Background(), referenceDB(b), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	for _, tc := range []struct {
		name    string
		cluster map[string]int
		points  int64
	}{{"memory/unclustered", map[string]int{}, 0}, {"memory/clustered", nil, 0},
		{"store/unclustered", map[string]int{}, -1}, {"store/clustered", nil, -1}} {
		s := newServer(store, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TileCacheBytes: -1,
			ClusterBelow: tc.cluster, PointsBytes: tc.points})
		if tc.points == 0 {
			awaitPoints(b, s, "incidents")
		}
		h := s.handler
		for _, z := range []string{"5", "7", "9", "11"} {
			list := readTileList(b, filepath.Join(benchDir(b), "tiles_z"+z+".txt"))
			b.Run(tc.name+"/z"+z, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					target := "/tiles/incidents/" + list[i%len(list)] + ".mvt?properties=event_date,event_type,actor1,fatalities"
					i++
					rec := httptest.NewRecorder()
					req := httptest.NewRequest(http.MethodGet, target, nil)
					req.Header.Set("Accept-Encoding", "gzip")
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK && rec.Code != http.StatusNoContent {
						b.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
					}
				}
			})
		}
	}
}

func readTileList(b *testing.B, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}
