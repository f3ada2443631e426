package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harmattan/harmattan/data/sqlite"
)

// referenceDB returns the reference benchmark workload of shared/bench as a GeoPackage:
// $HARMATTAN_BENCH_DB when set, else generated once (gen_data.py, then ogr2ogr) into the
// temporary directory and reused. $HARMATTAN_BENCH_N sets the incident count (200000).
func referenceDB(b *testing.B) string {
	if p := os.Getenv("HARMATTAN_BENCH_DB"); p != "" {
		return p
	}
	n := os.Getenv("HARMATTAN_BENCH_N")
	if n == "" {
		n = "200000"
	}
	dir := filepath.Join(os.TempDir(), "harmattan-bench")
	path := filepath.Join(dir, "reference-"+n+".gpkg")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	requireTool(b, "ogr2ogr")
	gen := filepath.Join(benchDir(b), "gen_data.py")
	src := filepath.Join(dir, "src-"+n)
	if out, err := exec.Command("python3", gen, "-n", n, "-o", src).CombinedOutput(); err != nil {
		b.Fatalf("gen_data.py: %v\n%s", err, out)
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	for i, layer := range []string{"incidents", "bases", "regions"} {
		args := []string{"-f", "GPKG", tmp, filepath.Join(src, layer+".geojson"), "-nln", layer}
		if i > 0 {
			args = append([]string{"-update"}, args[2:]...)
		}
		if out, err := exec.Command("ogr2ogr", args...).CombinedOutput(); err != nil {
			b.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchDir finds shared/bench beside the repository.
func benchDir(b *testing.B) string {
	dir := filepath.Join("..", "..", "shared", "bench")
	if d := os.Getenv("HARMATTAN_SHARED"); d != "" {
		dir = filepath.Join(d, "bench")
	}
	if _, err := os.Stat(filepath.Join(dir, "bboxes.txt")); err != nil {
		b.Skipf("reference workload not found at %s (set HARMATTAN_SHARED)", dir)
	}
	return dir
}

// referenceBBoxes reads the named bboxes of bboxes.txt.
func referenceBBoxes(b *testing.B) [][2]string {
	f, err := os.Open(filepath.Join(benchDir(b), "bboxes.txt"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if name, box, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") {
			out = append(out, [2]string{name, strings.TrimSpace(box)})
		}
	}
	return out
}

// BenchmarkItemsBBox serves the reference bbox requests (limit=1000) through the router, as
// wrk does in bench/items.sh, minus the network.
func BenchmarkItemsBBox(b *testing.B) {
	store, err := sqlite.Open(context.Background(), referenceDB(b), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	h := New(store, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, bb := range referenceBBoxes(b) {
		target := fmt.Sprintf("/collections/incidents/items?bbox=%s&limit=1000", bb[1])
		b.Run(bb[0], func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
				size = rec.Body.Len()
			}
			b.SetBytes(int64(size))
		})
	}
}
