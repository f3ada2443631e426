package web

import (
	"encoding/json"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/paulmach/orb/maptile"
)

// TestTilesDecodeWithMapboxVectorTile decodes our tiles with @mapbox/vector-tile (the parser
// of MapLibre and Leaflet.VectorGrid) in Node: layer names, version 2, extent 4096, every
// feature, the properties, and the Moura incident back at its lon/lat.
func TestTilesDecodeWithMapboxVectorTile(t *testing.T) {
	if _, err := os.Stat(filepath.Join("node_modules", "@mapbox", "vector-tile")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("web/node_modules lacks @mapbox/vector-tile: run npm ci in web/ (make test does)")
		}
		t.Skip("web/node_modules lacks @mapbox/vector-tile; run npm ci in web/")
	}
	requireTool(t, "node")
	h := seededServer(t, Options{})
	tile := maptile.At(moura, 9)
	rec := do(t, h, http.MethodGet, tilePath("", moura, 9, "mvt")+"?layers=incidents,regions")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	file := filepath.Join(t.TempDir(), "tile.mvt")
	if err := os.WriteFile(file, rec.Body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", filepath.Join("scripts", "decode-mvt.mjs"), file,
		strconv.Itoa(int(tile.Z)), strconv.Itoa(int(tile.X)), strconv.Itoa(int(tile.Y))).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var decoded struct {
		Layers map[string]struct {
			Version, Extent int
			Features        []struct {
				ID         float64
				Type       int
				Properties map[string]any
				Geometry   struct {
					Type        string
					Coordinates json.RawMessage
				}
			}
		}
	}
	if err := json.Unmarshal(out, &decoded); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := decodeTile(t, h, tilePath("", moura, 9, "mvt")+"?layers=incidents,regions")
	for _, l := range want {
		got, ok := decoded.Layers[l.Name]
		if !ok || got.Version != 2 || got.Extent != 4096 || len(got.Features) != len(l.Features) {
			t.Errorf("layer %s: %+v", l.Name, got)
		}
	}
	found := false
	for _, f := range decoded.Layers["incidents"].Features {
		if f.Properties["event_date"] != "2022-03-27" {
			continue
		}
		var c [2]float64
		if err := json.Unmarshal(f.Geometry.Coordinates, &c); err != nil || f.Geometry.Type != "Point" {
			t.Fatalf("Moura geometry %s %s", f.Geometry.Type, f.Geometry.Coordinates)
		}
		// one 4096th of a z9 tile is about 0.00017 degrees
		found = math.Abs(c[0]-moura[0]) < 0.001 && math.Abs(c[1]-moura[1]) < 0.001 && f.Properties["fatalities"] == 500.0 && f.ID > 0
	}
	if !found {
		t.Errorf("the Moura incident did not decode at its place with its properties: %s", out)
	}
}
