package tiles

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// pointLayer returns the same n points as Points and as GeoJSON (nil values left out, as a
// store's features have them), including some beyond the Web Mercator band.
func pointLayer(n int) (*Points, *geojson.FeatureCollection) {
	rng := rand.New(rand.NewPCG(7, 8))
	fields := []string{"kind", "n", "x", "ok", "label"}
	b := NewPointsBuilder(fields)
	fc := geojson.NewFeatureCollection()
	for i := range n {
		p := orb.Point{rng.NormFloat64()*20 + 10, rng.NormFloat64()*30 + 15}
		props := []any{[]string{"a", "b", "c"}[rng.IntN(3)], int64(rng.IntN(10)), float64(rng.IntN(8)) / 2,
			rng.IntN(2) == 0, "x"}
		if i%5 == 0 {
			props[rng.IntN(len(props))] = nil
		}
		if i%7 == 0 {
			props[4] = "b" // the same string under two keys
		}
		id := int64(i * 3)
		b.Add(id, p, props)
		f := geojson.NewFeature(p)
		f.ID = id
		for j, v := range props {
			if v != nil {
				f.Properties[fields[j]] = v
			}
		}
		fc.Append(f)
	}
	return b.Build(), fc
}

// inQueryBound returns the features of fc inside QueryBound(t, buffer), as a store's bbox query would.
func inQueryBound(fc *geojson.FeatureCollection, t maptile.Tile, buffer int) *geojson.FeatureCollection {
	box := QueryBound(t, buffer)
	out := geojson.NewFeatureCollection()
	for _, f := range fc.Features {
		if box.Contains(f.Point()) {
			out.Append(f)
		}
	}
	return out
}

func TestPointsEncodeLikeGeoJSON(t *testing.T) {
	pts, fc := pointLayer(20000)
	tiles := 0
	for z := maptile.Zoom(0); z <= 12; z++ {
		c := maptile.At(orb.Point{10, 15}, z)
		for _, tile := range []maptile.Tile{c, {X: c.X + 1, Y: c.Y, Z: z}, {X: c.X, Y: c.Y + 1, Z: z}} {
			if !tile.Valid() {
				continue
			}
			tiles++
			want, err := EncodeMVT(tile, []Layer{{Name: "p", Features: inQueryBound(fc, tile, 64)}}, MVTOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := EncodeMVT(tile, []Layer{{Name: "p", Points: pts.Select(tile, 64, nil, nil)}}, MVTOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("tile %v: %d bytes from Points, %d from GeoJSON", tile, len(got), len(want))
			}
			sum := ClusterOptions{Sum: []string{"n", "x"}}
			wantC, _ := EncodeMVT(tile, []Layer{{Name: "p", Features: Cluster(tile, inQueryBound(fc, tile, 256), sum)}}, MVTOptions{})
			gotC, _ := EncodeMVT(tile, []Layer{{Name: "p", Features: ClusterPoints(tile, pts.Select(tile, 256, nil, nil), sum)}}, MVTOptions{})
			if !bytes.Equal(gotC, wantC) {
				t.Fatalf("clustered tile %v: %d bytes from Points, %d from GeoJSON", tile, len(gotC), len(wantC))
			}
		}
	}
	if tiles < 30 {
		t.Fatalf("only %d tiles compared", tiles)
	}
}

func TestPointsSelect(t *testing.T) {
	pts, fc := pointLayer(5000)
	tile := maptile.At(orb.Point{10, 15}, 3)
	kind := pts.Filter(pts.Column("kind"), false, func(v any) bool { return v == "a" })
	ok := pts.Filter(pts.Column("ok"), true, func(v any) bool { return v == true })
	sel := pts.Select(tile, 64, []PointFilter{kind, ok}, []string{"n", "kind"})
	want := 0
	var last int64 = -1
	for _, f := range inQueryBound(fc, tile, 64).Features {
		okv, has := f.Properties["ok"]
		if f.Properties["kind"] == "a" && (!has || okv == true) {
			want++
		}
	}
	if sel.Len() != want || want == 0 {
		t.Fatalf("selected %d points, want %d", sel.Len(), want)
	}
	got := sel.FeatureCollection()
	for _, f := range got.Features {
		id := f.ID.(int64)
		if id <= last {
			t.Fatalf("ids out of order: %d after %d", id, last)
		}
		last = id
		if _, has := f.Properties["x"]; has || f.Properties["kind"] != "a" {
			t.Fatalf("feature %d has properties %v, want only n and kind (a)", id, f.Properties)
		}
	}
}
