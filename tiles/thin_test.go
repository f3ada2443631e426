package tiles

import (
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// thinInput is a tile with a dense knot of points in one place and a sparse scatter, as Points
// and as the same GeoJSON, ids ascending.
func thinInput(t maptile.Tile, dense, sparse int) (*PointSelection, *geojson.FeatureCollection) {
	b := NewPointsBuilder([]string{"n"})
	fc := geojson.NewFeatureCollection()
	bound := t.Bound()
	add := func(id int64, p orb.Point) {
		b.Add(id, p, []any{id})
		f := geojson.NewFeature(p)
		f.ID = id
		f.Properties["n"] = id
		fc.Append(f)
	}
	id := int64(0)
	c := bound.Center()
	for i := range dense { // all in one 16 px cell near the centre
		add(id, orb.Point{c[0] + float64(i%10)*1e-6, c[1] + float64(i/10)*1e-6})
		id++
	}
	w, h := bound.Max[0]-bound.Min[0], bound.Max[1]-bound.Min[1]
	for i := range sparse { // one per cell along the diagonal band, away from the knot
		f := (float64(i) + 0.5) / float64(sparse) * 0.4
		add(id, orb.Point{bound.Min[0] + f*w, bound.Max[1] - f*h})
		id++
	}
	return b.Build().Select(t, 0, nil, nil), fc
}

func selectionIDs(s *PointSelection) []int64 {
	var ids []int64
	for _, pos := range s.pos {
		ids = append(ids, s.set.ids[pos])
	}
	return ids
}

func featureIDs(fc *geojson.FeatureCollection) []int64 {
	var ids []int64
	for _, f := range fc.Features {
		ids = append(ids, f.ID.(int64))
	}
	return ids
}

func TestThin(t *testing.T) {
	tile := maptile.New(300, 200, 9)
	sel, fc := thinInput(tile, 1000, 40)

	t.Run("within the cap nothing changes", func(t *testing.T) {
		layers := []Layer{{Name: "p", Points: sel}}
		if got := Thin(tile, layers, 1040); got != nil || layers[0].Points != sel {
			t.Fatalf("Thin at the exact count = %v, layer replaced: %v", got, layers[0].Points != sel)
		}
		if got := Thin(tile, layers, 0); got != nil {
			t.Fatalf("Thin with no cap = %v", got)
		}
	})

	t.Run("the dense cell loses, the sparse ones keep all", func(t *testing.T) {
		layers := []Layer{{Name: "p", Points: sel}, {Name: "g", Features: fc}}
		got := Thin(tile, layers, 600) // 2080 features, 80 of them alone in their cells
		want := []Thinned{{Layer: "p", Kept: 300, Total: 1040}, {Layer: "g", Kept: 300, Total: 1040}}
		if !slices.Equal(got, want) {
			t.Fatalf("Thin = %v, want %v", got, want)
		}
		pIDs, gIDs := selectionIDs(layers[0].Points), featureIDs(layers[1].Features)
		if !slices.Equal(pIDs, gIDs) {
			t.Errorf("Points and GeoJSON kept different features:\n%v\n%v", pIDs, gIDs)
		}
		if !slices.IsSorted(pIDs) {
			t.Errorf("kept features out of order: %v", pIDs)
		}
		for id := int64(1000); id < 1040; id++ {
			if !slices.Contains(pIDs, id) {
				t.Errorf("sparse feature %d dropped", id)
			}
		}
		if sel.Len() != 1040 || len(fc.Features) != 1040 {
			t.Errorf("the inputs were changed: %d points, %d features", sel.Len(), len(fc.Features))
		}
	})

	t.Run("a larger cap keeps what a smaller one kept", func(t *testing.T) {
		small := []Layer{{Name: "p", Points: sel}}
		large := []Layer{{Name: "p", Points: sel}}
		Thin(tile, small, 200)
		Thin(tile, large, 700)
		kept := selectionIDs(large[0].Points)
		for _, id := range selectionIDs(small[0].Points) {
			if !slices.Contains(kept, id) {
				t.Fatalf("feature %d kept under a cap of 200 but not of 700", id)
			}
		}
	})

	t.Run("neither old nor new ids are favoured", func(t *testing.T) {
		layers := []Layer{{Name: "p", Points: sel}}
		Thin(tile, layers, 540) // the knot keeps 500 of its 1000
		low := 0
		for _, id := range selectionIDs(layers[0].Points) {
			if id < 500 {
				low++
			}
		}
		if low < 200 || low > 300 {
			t.Errorf("%d of the knot's 500 kept features are from its first half of ids", low)
		}
	})

	t.Run("polygons and features without geometry count too", func(t *testing.T) {
		poly := geojson.NewFeature(orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}})
		poly.ID = "a"
		in := geojson.NewFeatureCollection()
		in.Append(poly)
		in.Append(&geojson.Feature{Type: "Feature", Properties: geojson.Properties{}})
		for range 10 {
			in.Append(geojson.NewFeature(tile.Bound().Center()))
		}
		layers := []Layer{{Name: "g", Features: in}}
		got := Thin(tile, layers, 5)
		if len(got) != 1 || got[0].Kept != 5 || len(layers[0].Features.Features) != 5 {
			t.Fatalf("Thin = %v, %d features left", got, len(layers[0].Features.Features))
		}
	})
}
