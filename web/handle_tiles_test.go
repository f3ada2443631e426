package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

var moura = orb.Point{-4.6, 14.3278}

// tilePath is the XYZ path of the tile holding p at zoom z, for layer ("" = composite).
func tilePath(layer string, p orb.Point, z maptile.Zoom, ext string) string {
	t := maptile.At(p, z)
	if layer == "" {
		return fmt.Sprintf("/tiles/%d/%d/%d.%s", t.Z, t.X, t.Y, ext)
	}
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.%s", layer, t.Z, t.X, t.Y, ext)
}

// decodeTile checks a 200 MVT response and decodes it.
func decodeTile(t *testing.T, h http.Handler, target string) mvt.Layers {
	t.Helper()
	rec := do(t, h, http.MethodGet, target, "Accept-Encoding", "gzip")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", target, rec.Code, rec.Body)
	}
	if rec.Header().Get("Content-Type") != "application/vnd.mapbox-vector-tile" || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET %s: headers %v", target, rec.Header())
	}
	layers, err := mvt.UnmarshalGzipped(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return layers
}

func TestVectorTiles(t *testing.T) {
	h := seededServer(t, Options{})
	t.Run("one layer", func(t *testing.T) {
		layers := decodeTile(t, h, tilePath("incidents", moura, 9, "mvt"))
		if len(layers) != 1 || layers[0].Name != "incidents" || len(layers[0].Features) == 0 {
			t.Fatalf("layers %v", layers)
		}
		found := false
		for _, f := range layers[0].Features {
			if f.Properties["event_date"] == "2022-03-27" {
				found = f.Properties["source_url"] != nil && f.ID != nil
			}
		}
		if !found {
			t.Error("the Moura incident, with its id and source_url, is not in its z9 tile")
		}
	})
	t.Run("pbf extension and OGC route give the same bytes", func(t *testing.T) {
		a := do(t, h, http.MethodGet, tilePath("regions", moura, 7, "mvt"), "Accept-Encoding", "gzip")
		b := do(t, h, http.MethodGet, tilePath("regions", moura, 7, "pbf"), "Accept-Encoding", "gzip")
		tile := maptile.At(moura, 7)
		ogc := do(t, h, http.MethodGet, fmt.Sprintf("/collections/regions/tiles/WebMercatorQuad/%d/%d/%d", tile.Z, tile.Y, tile.X), "Accept-Encoding", "gzip")
		if a.Code != 200 || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) || !bytes.Equal(a.Body.Bytes(), ogc.Body.Bytes()) {
			t.Errorf("xyz %d, pbf %d, ogc %d differ", a.Code, b.Code, ogc.Code)
		}
	})
	t.Run("composite", func(t *testing.T) {
		layers := decodeTile(t, h, tilePath("", moura, 9, "mvt")+"?layers=incidents,regions")
		names := map[string]bool{}
		for _, l := range layers {
			names[l.Name] = true
		}
		if !names["incidents"] || !names["regions"] || names["bases"] {
			t.Errorf("layers %v", names)
		}
		all := decodeTile(t, h, tilePath("", moura, 5, "mvt"))
		if len(all) < 2 {
			t.Errorf("default composite has %d layers", len(all))
		}
	})
	t.Run("identity encoding when gzip is not accepted", func(t *testing.T) {
		rec := do(t, h, http.MethodGet, tilePath("regions", moura, 7, "mvt"))
		if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "" {
			t.Fatalf("%d %v", rec.Code, rec.Header())
		}
		if _, err := mvt.Unmarshal(rec.Body.Bytes()); err != nil {
			t.Error(err)
		}
	})
	t.Run("filters", func(t *testing.T) {
		march := decodeTile(t, h, tilePath("incidents", moura, 9, "mvt")+"?datetime=2022-03-01/2022-03-31")
		if len(march) != 1 || len(march[0].Features) != 1 {
			t.Fatalf("March 2022 at Moura: %v", march)
		}
		rec := do(t, h, http.MethodGet, tilePath("incidents", moura, 9, "mvt")+"?datetime=2030-01-01/..")
		if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
			t.Errorf("no incident after 2030: %d %q", rec.Code, rec.Body)
		}
		vac := decodeTile(t, h, tilePath("incidents", moura, 5, "mvt")+"?event_type=Violence%20against%20civilians")
		for _, f := range vac[0].Features {
			if f.Properties["event_type"] != "Violence against civilians" && f.Properties["point_count"] == nil {
				t.Errorf("filter not applied: %v", f.Properties)
			}
		}
		props := decodeTile(t, h, tilePath("incidents", moura, 9, "mvt")+"?properties=event_date,fatalities")
		for _, f := range props[0].Features {
			for k := range f.Properties {
				if k != "event_date" && k != "fatalities" {
					t.Errorf("property %s not asked for", k)
				}
			}
		}
	})
	t.Run("clustered below zoom 8", func(t *testing.T) {
		low := decodeTile(t, h, tilePath("incidents", orb.Point{-3.0, 16.77}, 5, "mvt"))
		clustered := false
		for _, f := range low[0].Features {
			if n, ok := f.Properties["point_count"].(float64); ok && n > 1 {
				clustered = true
			}
		}
		if !clustered {
			t.Error("no cluster at z5 (Timbuktu has several incidents at one point)")
		}
		high := decodeTile(t, h, tilePath("incidents", orb.Point{-3.0074, 16.7735}, 9, "mvt"))
		for _, f := range high[0].Features {
			if n, ok := f.Properties["point_count"].(float64); ok && n > 1 {
				t.Error("clustered at z9")
			}
		}
	})
}

func TestRasterTiles(t *testing.T) {
	h := seededServer(t, Options{})
	for _, tc := range []struct {
		target string
		size   int
	}{
		{tilePath("regions", moura, 6, "png"), 256},
		{strings.Replace(tilePath("incidents", moura, 6, "png"), ".png", "@2x.png", 1), 512},
	} {
		rec := do(t, h, http.MethodGet, tc.target)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" {
			t.Fatalf("GET %s: %d %v", tc.target, rec.Code, rec.Header())
		}
		img, err := png.Decode(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		painted := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if _, _, _, a := img.At(x, y).RGBA(); a > 0 {
					painted++
				}
			}
		}
		if b.Dx() != tc.size || b.Dy() != tc.size || painted == 0 {
			t.Errorf("GET %s: %dx%d, %d painted pixels", tc.target, b.Dx(), b.Dy(), painted)
		}
	}
	ogc := maptile.At(moura, 6)
	rec := do(t, h, http.MethodGet, fmt.Sprintf("/collections/regions/tiles/WebMercatorQuad/%d/%d/%d?f=png", ogc.Z, ogc.Y, ogc.X))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" {
		t.Errorf("OGC png: %d", rec.Code)
	}
}

func TestTileCaching(t *testing.T) {
	h := seededServer(t, Options{TileMaxAge: 120})
	p := tilePath("incidents", moura, 9, "mvt")
	first := do(t, h, http.MethodGet, p, "Accept-Encoding", "gzip")
	etag := first.Header().Get("ETag")
	if etag == "" || !strings.Contains(first.Header().Get("Cache-Control"), "max-age=120") {
		t.Fatalf("headers %v", first.Header())
	}
	second := do(t, h, http.MethodGet, p, "Accept-Encoding", "gzip")
	if second.Header().Get("ETag") != etag || !bytes.Equal(first.Body.Bytes(), second.Body.Bytes()) {
		t.Error("a cached tile differs from the first answer")
	}
	notModified := do(t, h, http.MethodGet, p, "If-None-Match", etag)
	if notModified.Code != http.StatusNotModified || notModified.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d", notModified.Code)
	}
	other := do(t, h, http.MethodGet, p+"?properties=event_date", "Accept-Encoding", "gzip")
	if other.Header().Get("ETag") == etag {
		t.Error("a filtered tile has the unfiltered tile's ETag")
	}
	head := do(t, h, http.MethodHead, p)
	if head.Code != 200 || head.Header().Get("ETag") != etag {
		t.Errorf("HEAD: %d %v", head.Code, head.Header())
	}
}

func TestTileErrors(t *testing.T) {
	h := seededServer(t, Options{})
	cases := map[string]struct {
		target string
		status int
	}{
		"z not a number":          {"/tiles/incidents/a/1/1.mvt", 400},
		"z above 24":              {"/tiles/incidents/25/1/1.mvt", 400},
		"x out of range":          {"/tiles/incidents/2/4/1.mvt", 400},
		"y out of range":          {"/tiles/incidents/2/1/4.mvt", 400},
		"negative y":              {"/tiles/incidents/2/1/-1.mvt", 400},
		"unknown extension":       {"/tiles/incidents/2/1/1.jpg", 400},
		"no extension":            {"/tiles/incidents/2/1/1", 400},
		"@2x vector":              {"/tiles/incidents/2/1/1@2x.mvt", 400},
		"unknown layer":           {"/tiles/nope/2/1/1.mvt", 404},
		"unknown layer in list":   {"/tiles/2/1/1.mvt?layers=incidents,nope", 404},
		"unknown parameter":       {"/tiles/incidents/2/1/1.mvt?colour=red", 400},
		"bad datetime":            {"/tiles/incidents/2/1/1.mvt?datetime=soon", 400},
		"bad integer filter":      {"/tiles/incidents/2/1/1.mvt?fatalities=many", 400},
		"unknown property":        {"/tiles/incidents/2/1/1.mvt?properties=nope", 400},
		"layers on one layer":     {"/tiles/incidents/2/1/1.mvt?layers=regions", 400},
		"composite png":           {"/tiles/2/1/1.png", 400},
		"OGC unknown matrix set":  {"/collections/incidents/tiles/WorldCRS84Quad/2/1/1", 404},
		"OGC bad row":             {"/collections/incidents/tiles/WebMercatorQuad/2/9/1", 400},
		"OGC bad f":               {"/collections/incidents/tiles/WebMercatorQuad/2/1/1?f=jpeg", 400},
		"TileJSON unknown":        {"/tiles/nope.json", 404},
		"tile matrix set unknown": {"/tileMatrixSets/nope", 404},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rec := do(t, h, http.MethodGet, tc.target)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %.300s", rec.Code, tc.status, rec.Body)
			}
			var e exception
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" || e.Description == "" {
				t.Errorf("body %.200q is not a JSON exception", rec.Body)
			}
		})
	}
	empty := do(t, h, http.MethodGet, "/tiles/incidents/5/0/0.mvt")
	if empty.Code != http.StatusNoContent || empty.Body.Len() != 0 {
		t.Errorf("empty tile: %d %q", empty.Code, empty.Body)
	}
}

func TestTileJSON(t *testing.T) {
	h := seededServer(t, Options{})
	v := getJSON(t, h, "/tiles/incidents.json?datetime=2020-01-01/..", http.StatusOK)
	tilesURL := v["tiles"].([]any)[0].(string)
	if v["tilejson"] != "3.0.0" || !strings.HasPrefix(tilesURL, "http://") || !strings.Contains(tilesURL, "/tiles/incidents/{z}/{x}/{y}.mvt") ||
		!strings.Contains(tilesURL, "datetime=") {
		t.Errorf("tilejson %v, tiles %s", v["tilejson"], tilesURL)
	}
	layers := v["vector_layers"].([]any)
	fields := layers[0].(map[string]any)["fields"].(map[string]any)
	if layers[0].(map[string]any)["id"] != "incidents" || fields["fatalities"] == nil || fields["point_count"] == nil {
		t.Errorf("vector_layers %v", layers)
	}
	bounds := v["bounds"].([]any)
	center := v["center"].([]any)
	if len(bounds) != 4 || len(center) != 3 || bounds[0].(float64) > center[0].(float64) {
		t.Errorf("bounds %v center %v", bounds, center)
	}
	if a, _ := v["attribution"].(string); !strings.Contains(a, "wikipedia.org") || strings.Contains(a, "<") {
		t.Errorf("attribution %q", a)
	}
	all := getJSON(t, h, "/tiles.json?layers=incidents,regions", http.StatusOK)
	if len(all["vector_layers"].([]any)) != 2 || !strings.Contains(all["tiles"].([]any)[0].(string), "layers=incidents") {
		t.Errorf("composite TileJSON %v", all)
	}
}

func TestOGCTilesMetadata(t *testing.T) {
	h := seededServer(t, Options{})
	tms := getJSON(t, h, "/tileMatrixSets/WebMercatorQuad", http.StatusOK)
	if n := len(tms["tileMatrices"].([]any)); n != 25 {
		t.Errorf("%d tile matrices", n)
	}
	sets := getJSON(t, h, "/collections/incidents/tiles", http.StatusOK)
	ts := sets["tilesets"].([]any)[0].(map[string]any)
	if linkHref(ts, "item", "application/vnd.mapbox-vector-tile") == "" || ts["tileMatrixSetURI"] == nil {
		t.Errorf("tileset %v", ts)
	}
	one := getJSON(t, h, "/collections/incidents/tiles/WebMercatorQuad", http.StatusOK)
	if one["layers"] == nil || linkHref(one, "self", "") == "" {
		t.Errorf("tileset metadata %v", one)
	}
	coll := getJSON(t, h, "/collections/incidents", http.StatusOK)
	if linkHref(coll, relTilesets, "") == "" {
		t.Error("collection lacks its tilesets link")
	}
	conf := getJSON(t, h, "/conformance", http.StatusOK)
	if !strings.Contains(strings.Join(toStrings(conf["conformsTo"]), " "), "ogcapi-tiles-1/1.0/conf/core") {
		t.Error("tiles conformance missing")
	}
}
