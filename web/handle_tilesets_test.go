package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql/driver"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-sqlite3"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/mbtiles"
	"github.com/harmattan/harmattan/tiles"
)

var (
	mvtRaw   = []byte("\x1a\x0b\x0a\x05roads\x78\x02") // any bytes do: tilesets serve them as stored
	pngTile  = []byte("\x89PNG\r\n\x1a\nstored png bytes")
	mvtGzip  = gzipBytes(mvtRaw)
	mvtType  = "application/vnd.mapbox-vector-tile"
	pngType  = "image/png"
	tileJSON = `[{"id":"roads","fields":{"kind":"String"}}]`
)

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// writeMBTiles creates an MBTiles file; tiles are keyed z/x/y (XYZ), the writer flips the row.
func writeMBTiles(t testing.TB, meta map[string]string, ts map[[3]int][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.mbtiles")
	conn, err := (&sqlite3.SQLiteDriver{}).Open("file:" + path + "?mode=rwc")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string, args ...driver.Value) {
		if _, err := conn.(*sqlite3.SQLiteConn).Exec(q, args); err != nil {
			t.Fatal(err)
		}
	}
	exec("CREATE TABLE metadata (name TEXT, value TEXT)")
	exec("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
	for k, v := range meta {
		exec("INSERT INTO metadata VALUES (?, ?)", k, v)
	}
	for k, v := range ts {
		exec("INSERT INTO tiles VALUES (?, ?, ?, ?)", int64(k[0]), int64(k[1]), int64(1<<k[0]-1-k[2]), v)
	}
	return path
}

// writePMTiles creates an uncompressed-directory PMTiles v3 archive holding tiles 0/0/0 and
// 1/1/0 (tile IDs 0 and 4), both with body.
func writePMTiles(t testing.TB, tileType, tileCompression uint8, metadata string, body []byte) string {
	t.Helper()
	var dir []byte
	for _, v := range []uint64{2, 0, 4, 1, 1, uint64(len(body)), uint64(len(body)), 1, 1} {
		dir = binary.AppendUvarint(dir, v) // count; id deltas; run lengths; lengths; offsets+1 (both tiles share the bytes at 0)
	}
	h := make([]byte, 127)
	copy(h, "PMTiles\x03")
	root, meta := uint64(127), uint64(127+len(dir))
	tileData := meta + uint64(len(metadata))
	for i, v := range []uint64{root, uint64(len(dir)), meta, uint64(len(metadata)), tileData, 0, tileData, uint64(len(body))} {
		binary.LittleEndian.PutUint64(h[8+8*i:], v)
	}
	h[97], h[98], h[99], h[100], h[101] = tiles.PMTilesCompressionNone, tileCompression, tileType, 0, 1
	deg := func(at int, v float64) { binary.LittleEndian.PutUint32(h[at:], uint32(int32(v*1e7))) }
	deg(102, -12)
	deg(106, 10)
	deg(110, 4)
	deg(114, 25)
	h[118] = 1
	deg(119, -4)
	deg(123, 17)
	path := filepath.Join(t.TempDir(), "t.pmtiles")
	if err := os.WriteFile(path, slices.Concat(h, dir, []byte(metadata), body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// tilesetServer serves the seed collections plus a vector MBTiles (roads), a PNG MBTiles
// (basemap) and a vector PMTiles (pm).
func tilesetServer(t *testing.T) http.Handler {
	t.Helper()
	roads, err := mbtiles.Open(context.Background(), writeMBTiles(t, map[string]string{
		"name": "Roads", "format": "pbf", "minzoom": "0", "maxzoom": "14", "bounds": "-12,10,4,25", "center": "-4,17,6",
		"attribution": `<a href="https://osm.org">© OSM</a>`, "json": `{"vector_layers":` + tileJSON + `}`,
	}, map[[3]int][]byte{{3, 3, 1}: mvtGzip}))
	if err != nil {
		t.Fatal(err)
	}
	basemap, err := mbtiles.Open(context.Background(), writeMBTiles(t, map[string]string{"format": "png"},
		map[[3]int][]byte{{2, 1, 1}: pngTile}))
	if err != nil {
		t.Fatal(err)
	}
	pm, err := OpenPMTiles(writePMTiles(t, tiles.PMTilesTypeMVT, tiles.PMTilesCompressionGzip,
		`{"name":"PM roads","attribution":"A & B","vector_layers":`+tileJSON+`}`, mvtGzip))
	if err != nil {
		t.Fatal(err)
	}
	sets := map[string]data.Tileset{"roads": roads, "basemap": basemap, "pm": pm}
	t.Cleanup(func() {
		for _, ts := range sets {
			ts.Close()
		}
	})
	return seededServer(t, Options{TileMaxAge: 120, Tilesets: sets})
}

func TestTilesetTiles(t *testing.T) {
	h := tilesetServer(t)
	cases := []struct {
		name, target, acceptEncoding string
		status                       int
		contentType, encoding        string
		body                         []byte
	}{
		{"vector, gzip accepted", "/tiles/roads/3/3/1.mvt", "gzip", 200, mvtType, "gzip", mvtGzip},
		{"vector, gzip not accepted", "/tiles/roads/3/3/1.pbf", "", 200, mvtType, "", mvtRaw},
		{"vector, gzip refused with q=0", "/tiles/roads/3/3/1.mvt", "gzip;q=0", 200, mvtType, "", mvtRaw},
		{"png as stored", "/tiles/basemap/2/1/1.png", "gzip", 200, pngType, "", pngTile},
		{"pmtiles vector", "/tiles/pm/1/1/0.mvt", "gzip", 200, mvtType, "gzip", mvtGzip},
		{"pmtiles vector gunzipped", "/tiles/pm/0/0/0.pbf", "", 200, mvtType, "", mvtRaw},
		{"missing tile", "/tiles/basemap/2/0/0.png", "", 204, "", "", nil},
		{"pmtiles missing tile", "/tiles/pm/1/0/0.mvt", "", 204, "", "", nil},
		{"zoom above the maximum", "/tiles/basemap/25/0/0.png", "", 400, "application/json", "", nil},
		{"z not a number", "/tiles/basemap/z/0/0.png", "", 400, "application/json", "", nil},
		{"x out of range", "/tiles/roads/1/2/0.mvt", "", 400, "application/json", "", nil},
		{"no extension", "/tiles/basemap/2/1/1", "", 400, "application/json", "", nil},
		{"extension of another format", "/tiles/basemap/2/1/1.mvt", "", 400, "application/json", "", nil},
		{"query parameters", "/tiles/roads/3/3/1.mvt?datetime=2020-01-01", "", 400, "application/json", "", nil},
		{"unknown name", "/tiles/nope/2/1/1.png", "", 404, "application/json", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := do(t, h, http.MethodGet, c.target, "Accept-Encoding", c.acceptEncoding)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, c.contentType) {
				t.Errorf("Content-Type %q, want %q", got, c.contentType)
			}
			if got := rec.Header().Get("Content-Encoding"); got != c.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, c.encoding)
			}
			if c.status >= 400 {
				var e exception
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Description == "" {
					t.Errorf("error body %s", rec.Body)
				}
				return
			}
			if c.body != nil && !bytes.Equal(rec.Body.Bytes(), c.body) {
				t.Errorf("body %q, want %q", rec.Body.Bytes(), c.body)
			}
			if rec.Header().Get("Cache-Control") != "public, max-age=120" {
				t.Errorf("Cache-Control %q", rec.Header().Get("Cache-Control"))
			}
		})
	}
}

func TestTilesetETag(t *testing.T) {
	h := tilesetServer(t)
	for target, stored := range map[string][]byte{"/tiles/roads/3/3/1.mvt": mvtGzip, "/tiles/basemap/2/1/1.png": pngTile} {
		rec := do(t, h, http.MethodGet, target)
		etag := rec.Header().Get("ETag")
		if rec.Code != 200 || etag != tiles.ETag(stored) {
			t.Fatalf("%s: %d, ETag %q, want %q", target, rec.Code, etag, tiles.ETag(stored))
		}
		if rec := do(t, h, http.MethodGet, target, "If-None-Match", `"other", `+etag); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("%s with If-None-Match: %d", target, rec.Code)
		}
		if rec := do(t, h, http.MethodHead, target); rec.Code != 200 || rec.Header().Get("ETag") != etag {
			t.Errorf("HEAD %s: %d", target, rec.Code)
		}
	}
	// The collections are still served beside the tilesets.
	if rec := do(t, h, http.MethodGet, tilePath("incidents", moura, 9, "mvt")); rec.Code != 200 {
		t.Errorf("collection tile: %d", rec.Code)
	}
}

func TestTilesetTileJSON(t *testing.T) {
	h := tilesetServer(t)
	roads := getJSON(t, h, "/tiles/roads.json", 200)
	want := map[string]any{
		"tilejson": "3.0.0", "name": "Roads", "format": "pbf", "minzoom": 0.0, "maxzoom": 14.0,
		"tiles":       []any{"http://example.com/tiles/roads/{z}/{x}/{y}.mvt"},
		"bounds":      []any{-12.0, 10.0, 4.0, 25.0},
		"center":      []any{-4.0, 17.0, 6.0},
		"attribution": `&lt;a href=&#34;https://osm.org&#34;&gt;© OSM&lt;/a&gt;`,
	}
	for k, v := range want {
		if got, _ := json.Marshal(roads[k]); string(got) != mustJSON(t, v) {
			t.Errorf("roads %s = %s, want %s", k, got, mustJSON(t, v))
		}
	}
	var layers any
	json.Unmarshal([]byte(tileJSON), &layers)
	if got := mustJSON(t, roads["vector_layers"]); got != mustJSON(t, layers) {
		t.Errorf("vector_layers %s", got)
	}
	basemap := getJSON(t, h, "/tiles/basemap.json", 200)
	if basemap["name"] != "basemap" || basemap["format"] != "png" || basemap["tiles"].([]any)[0] != "http://example.com/tiles/basemap/{z}/{x}/{y}.png" ||
		basemap["minzoom"] != 2.0 || basemap["maxzoom"] != 2.0 || basemap["vector_layers"] != nil || basemap["bounds"] != nil {
		t.Errorf("basemap %v", basemap)
	}
	pm := getJSON(t, h, "/tiles/pm.json", 200)
	if pm["name"] != "PM roads" || pm["attribution"] != "A &amp; B" || pm["maxzoom"] != 1.0 || pm["vector_layers"] == nil ||
		mustJSON(t, pm["bounds"]) != "[-12,10,4,25]" || mustJSON(t, pm["center"]) != "[-4,17,1]" {
		t.Errorf("pm %v", pm)
	}
	// The landing page links every tileset's TileJSON, for the map's base layers.
	var names []string
	for _, l := range getJSON(t, h, "/", 200)["links"].([]any) {
		if m := l.(map[string]any); m["rel"] == relTilesetFile {
			names = append(names, m["title"].(string)+" "+m["href"].(string))
		}
	}
	if strings.Join(names, ", ") != "basemap http://example.com/tiles/basemap.json, pm http://example.com/tiles/pm.json, roads http://example.com/tiles/roads.json" {
		t.Errorf("landing links to tilesets: %v", names)
	}
	getJSON(t, h, "/tiles/roads.json?f=json", 400)
	if incidents := getJSON(t, h, "/tiles/incidents.json", 200); incidents["vector_layers"] == nil {
		t.Error("the collections' TileJSON changed")
	}
}

func TestOpenPMTilesRefuses(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "text.pmtiles")
	os.WriteFile(text, []byte(strings.Repeat("x", 200)), 0o644)
	for path, want := range map[string]string{
		text: "invalid archive",
		writePMTiles(t, tiles.PMTilesTypeMVT, tiles.PMTilesCompressionBrotli, "{}", mvtRaw): "other than gzip",
		writePMTiles(t, tiles.PMTilesTypeAVIF, tiles.PMTilesCompressionNone, "{}", pngTile): "tile type 5",
		writePMTiles(t, tiles.PMTilesTypePNG, tiles.PMTilesCompressionNone, "[1]", pngTile): "not a JSON object",
		filepath.Join(dir, "missing.pmtiles"):                                               "no such file",
	} {
		ts, err := OpenPMTiles(path)
		if err == nil {
			ts.Close()
		}
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", path, err, want)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
