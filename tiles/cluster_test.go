package tiles

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// tileUnits returns the position of p in units of tile t's 4096 extent.
func tileUnits(t maptile.Tile, p orb.Point) (float64, float64) {
	pr := newProjector(t)
	return pr.project(p)
}

func TestCluster(t *testing.T) {
	tile := maptile.New(489, 475, 10) // Bamako
	at := func(x, y float64) orb.Point { return lonLat(tile, x, y) }
	pt := func(id any, x, y float64, props geojson.Properties) *geojson.Feature {
		f := feature(at(x, y), props)
		f.ID = id
		return f
	}
	poly := feature(orb.Polygon{ringAt(tile, [2]float64{0, 0}, [2]float64{10, 0}, [2]float64{10, 10})}, geojson.Properties{"fatalities": int64(100)})
	multi := feature(orb.MultiPoint{at(1, 1), at(2, 2)}, nil)
	noGeom := feature(nil, nil)

	cases := []struct {
		name  string
		in    []*geojson.Feature
		opts  ClusterOptions
		check func(t *testing.T, in, out []*geojson.Feature)
	}{
		{
			name: "three points in a cell, one alone, integer sums",
			in: []*geojson.Feature{
				pt(1, 10, 10, geojson.Properties{"fatalities": int64(1), "event_type": "Battles"}),
				pt(2, 1300, 1300, geojson.Properties{"fatalities": int64(7), "event_type": "Riots"}),
				pt(3, 20, 30, geojson.Properties{"fatalities": int64(2)}),
				pt(4, 100, 200, geojson.Properties{"fatalities": nil}),
			},
			opts: ClusterOptions{Sum: []string{"fatalities"}},
			check: func(t *testing.T, in, out []*geojson.Feature) {
				if len(out) != 2 {
					t.Fatalf("%d features, want 2", len(out))
				}
				c := out[0]
				want := geojson.Properties{"point_count": int64(3), "fatalities": int64(3)}
				if !reflect.DeepEqual(c.Properties, want) || c.ID != nil {
					t.Errorf("cluster: id %v properties %v, want none and %v", c.ID, c.Properties, want)
				}
				p := c.Geometry.(orb.Point)
				wantP := orb.Point{(at(10, 10)[0] + at(20, 30)[0] + at(100, 200)[0]) / 3, (at(10, 10)[1] + at(20, 30)[1] + at(100, 200)[1]) / 3}
				if math.Abs(p[0]-wantP[0]) > 1e-12 || math.Abs(p[1]-wantP[1]) > 1e-12 {
					t.Errorf("cluster at %v, want the mean %v", p, wantP)
				}
				single := out[1]
				wantSingle := geojson.Properties{"fatalities": int64(7), "event_type": "Riots", "point_count": int64(1)}
				if single.ID != 2 || single.Geometry != in[1].Geometry || !reflect.DeepEqual(single.Properties, wantSingle) {
					t.Errorf("single point: %v %v %v", single.ID, single.Geometry, single.Properties)
				}
				if single == in[1] {
					t.Errorf("the single point's Feature is the input's; want a copy")
				}
			},
		},
		{
			name: "float sums, mixed types, non-numbers ignored",
			in: []*geojson.Feature{
				pt(1, 10, 10, geojson.Properties{"a": int64(1), "b": 0.5, "c": "x", "d": int64(2)}),
				pt(2, 11, 11, geojson.Properties{"a": 2.5, "b": 0.25, "c": nil, "d": 3}),
				pt(3, 12, 12, geojson.Properties{"a": int64(4)}),
			},
			opts: ClusterOptions{Sum: []string{"a", "b", "c", "d", "missing"}},
			check: func(t *testing.T, in, out []*geojson.Feature) {
				want := geojson.Properties{"point_count": int64(3), "a": 7.5, "b": 0.75, "d": int64(5)}
				if len(out) != 1 || !reflect.DeepEqual(out[0].Properties, want) {
					t.Fatalf("got %v, want one cluster with %v", out, want)
				}
			},
		},
		{
			name: "non-points pass through at the end, in input order",
			in:   []*geojson.Feature{poly, pt(1, 10, 10, nil), multi, nil, noGeom, pt(2, 11, 11, nil)},
			check: func(t *testing.T, in, out []*geojson.Feature) {
				if len(out) != 4 || out[1] != poly || out[2] != multi || out[3] != noGeom {
					t.Fatalf("got %v", out)
				}
				if out[0].Properties["point_count"] != int64(2) {
					t.Errorf("cluster %v", out[0].Properties)
				}
			},
		},
		{
			name: "cells in rows from the top left, the buffer included",
			in: []*geojson.Feature{
				pt(1, 300, 300, nil),   // cell (1, 1)
				pt(2, 10, 300, nil),    // cell (0, 1)
				pt(3, 4000, 10, nil),   // cell (15, 0)
				pt(4, -10, 10, nil),    // cell (-1, 0), in the buffer
				pt(5, 4100, 4100, nil), // cell (16, 16), in the buffer
			},
			check: func(t *testing.T, in, out []*geojson.Feature) {
				var ids []any
				for _, f := range out {
					ids = append(ids, f.ID)
				}
				if !reflect.DeepEqual(ids, []any{4, 3, 2, 1, 5}) {
					t.Fatalf("order %v, want [4 3 2 1 5]", ids)
				}
			},
		},
		{
			name: "cell edges: a cell is [k*size, (k+1)*size)",
			in: []*geojson.Feature{
				pt(1, 255.9, 0.5, nil), pt(2, 256.1, 0.5, nil), pt(3, 0.1, 0.5, nil),
				pt(4, 0.5, 255.9, nil), pt(5, 0.5, 256.1, nil),
				pt(6, 0.5, -7936.1, nil), pt(7, 0.5, -7935.9, nil), // beyond the table of row edges
			},
			check: func(t *testing.T, in, out []*geojson.Feature) {
				var got []any
				for _, f := range out {
					got = append(got, f.ID, f.Properties["point_count"])
				}
				want := []any{6, int64(1), 7, int64(1), nil, int64(3), 2, int64(1), 5, int64(1)}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("got ids and counts %v, want %v", got, want)
				}
			},
		},
		{
			name: "far cells do not collide",
			in: []*geojson.Feature{
				feature(orb.Point{-179, 0}, nil), feature(orb.Point{179, 0}, nil),
				feature(orb.Point{-179, 0.0001}, nil), feature(orb.Point{179, 0.0001}, nil),
			},
			opts: ClusterOptions{Cell: 1},
			check: func(t *testing.T, in, out []*geojson.Feature) {
				if len(out) != 4 {
					t.Fatalf("got %d features, want 4", len(out))
				}
			},
		},
		{
			name: "custom cell: the whole tile",
			in:   []*geojson.Feature{pt(1, 1, 1, nil), pt(2, 4000, 4000, nil), pt(3, 2000, 10, nil)},
			opts: ClusterOptions{Cell: 4096},
			check: func(t *testing.T, in, out []*geojson.Feature) {
				if len(out) != 1 || out[0].Properties["point_count"] != int64(3) {
					t.Fatalf("got %v", out)
				}
			},
		},
		{
			name: "points past the Mercator limit pass through",
			in:   []*geojson.Feature{feature(orb.Point{0, 89}, nil), feature(orb.Point{math.Inf(1), 0}, nil)},
			check: func(t *testing.T, in, out []*geojson.Feature) {
				if len(out) != 2 || out[0] != in[0] || out[1] != in[1] {
					t.Fatalf("got %v", out)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := fc(tc.in...)
			before := cloneFCNil(in)
			out := Cluster(tile, in, tc.opts)
			if !reflect.DeepEqual(in, before) {
				t.Fatalf("Cluster modified its input")
			}
			tc.check(t, in.Features, out.Features)
		})
	}
}

func cloneFCNil(c *geojson.FeatureCollection) *geojson.FeatureCollection {
	out := geojson.NewFeatureCollection()
	for _, f := range c.Features {
		if f == nil {
			out.Features = append(out.Features, nil)
			continue
		}
		nf := *f
		if f.Geometry != nil {
			nf.Geometry = orb.Clone(f.Geometry)
		}
		nf.Properties = f.Properties.Clone()
		out.Features = append(out.Features, &nf)
	}
	return out
}

func TestClusterNil(t *testing.T) {
	out := Cluster(mali5, nil, ClusterOptions{})
	if out == nil || len(out.Features) != 0 {
		t.Fatalf("Cluster(nil) = %v, want an empty collection", out)
	}
}

// TestClusterProperties: on random points at several zooms, counts and sums are conserved,
// every cluster lies in its cell, and the result does not depend on map iteration order.
func TestClusterProperties(t *testing.T) {
	for _, z := range []maptile.Zoom{0, 5, 9, 14, 22} {
		rng := rand.New(rand.NewPCG(uint64(z), 5))
		tile := randomTiles(z, 5)[4]
		in := randomPoints(rng, tile, 3000)
		// Half of them over the 5x5 tiles around, past the table of row edges.
		for _, f := range in.Features[:1500] {
			p := f.Geometry.(orb.Point)
			x, y := tileUnits(tile, p)
			f.Geometry = lonLat(tile, x+float64(rng.IntN(5)-2)*4096, y+float64(rng.IntN(5)-2)*4096)
		}
		opts := ClusterOptions{Cell: 128, Sum: []string{"fatalities"}}
		out := Cluster(tile, in, opts)
		var n, fat, wantFat int64
		for _, f := range in.Features {
			wantFat += f.Properties["fatalities"].(int64)
		}
		for _, f := range out.Features {
			c, ok := f.Properties["point_count"].(int64)
			if !ok { // moved past the poles at low zoom: passed through
				if y := f.Geometry.(orb.Point)[1]; inBand(y) {
					t.Fatalf("z%d: point at latitude %g passed through", z, y)
				}
				c = 1
			}
			n += c
			fat += f.Properties["fatalities"].(int64)
			if c > 1 {
				// The mean of points in a cell (a box in lon/lat too) is in that cell.
				x, y := tileUnits(tile, f.Geometry.(orb.Point))
				cx, cy := math.Floor(x/128), math.Floor(y/128)
				count := int64(0)
				for _, g := range in.Features {
					gx, gy := tileUnits(tile, g.Geometry.(orb.Point))
					if math.Floor(gx/128) == cx && math.Floor(gy/128) == cy {
						count++
					}
				}
				if count != c {
					t.Fatalf("z%d: cluster of %d at cell (%g, %g), which holds %d input points", z, c, cx, cy, count)
				}
			}
		}
		if n != 3000 || fat != wantFat {
			t.Fatalf("z%d: %d points and %d fatalities in clusters, want 3000 and %d", z, n, fat, wantFat)
		}
		for i := 0; i < 5; i++ {
			if again := Cluster(tile, in, opts); !reflect.DeepEqual(again, out) {
				t.Fatalf("z%d: run %d differs", z, i)
			}
		}
	}
}
