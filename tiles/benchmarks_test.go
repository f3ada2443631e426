package tiles

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/simplify"
)

// The reference workload's heaviest tile: about 23,500 incidents in a z5 tile over Mali.
const benchPoints = 23500

func BenchmarkEncodeMVTPoints(b *testing.B) {
	points := randomPoints(rand.New(rand.NewPCG(1, 1)), mali5, benchPoints)
	layers := []Layer{{Name: "incidents", Features: points}}
	b.ReportAllocs()
	b.ResetTimer()
	var size int
	for i := 0; i < b.N; i++ {
		tile, err := EncodeMVT(mali5, layers, MVTOptions{})
		if err != nil || tile == nil {
			b.Fatal(err)
		}
		size = len(tile)
	}
	b.ReportMetric(float64(size), "bytes/tile")
}

// BenchmarkOrbPipelinePoints is the reference: orb's own encoding/mvt pipeline on the same points
// (clone, NewLayer, ProjectToTile, Clip, Simplify, RemoveEmpty, Marshal).
func BenchmarkOrbPipelinePoints(b *testing.B) {
	points := randomPoints(rand.New(rand.NewPCG(1, 1)), mali5, benchPoints)
	box := orb.Bound{Min: orb.Point{-DefaultBuffer, -DefaultBuffer}, Max: orb.Point{4096 + DefaultBuffer, 4096 + DefaultBuffer}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := geojson.NewFeatureCollection()
		for _, f := range points.Features {
			nf := *f
			nf.Geometry = orb.Clone(f.Geometry)
			c.Append(&nf)
		}
		l := mvt.NewLayer("incidents", c)
		l.ProjectToTile(mali5)
		l.Clip(box)
		l.Simplify(simplify.DouglasPeucker(1))
		l.RemoveEmpty(1, 1)
		if _, err := mvt.Marshal(mvt.Layers{l}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPolygons returns 50 star-shaped regions of 50 to 500 vertices over the tile.
func benchPolygons() *geojson.FeatureCollection {
	rng := rand.New(rand.NewPCG(2, 2))
	bound := mali5.Bound()
	c := geojson.NewFeatureCollection()
	for i := 0; i < 50; i++ {
		center := orb.Point{
			bound.Min[0] + rng.Float64()*(bound.Max[0]-bound.Min[0]),
			bound.Min[1] + rng.Float64()*(bound.Max[1]-bound.Min[1]),
		}
		r := 0.5 + rng.Float64()*3
		n := 50 + rng.IntN(451)
		var ring orb.Ring
		for j := 0; j < n; j++ {
			a := 2 * math.Pi * float64(j) / float64(n)
			d := r * (0.6 + 0.4*rng.Float64())
			ring = append(ring, orb.Point{center[0] + d*math.Cos(a), center[1] + d*math.Sin(a)})
		}
		ring = append(ring, ring[0])
		f := geojson.NewFeature(orb.Polygon{ring})
		f.ID = int64(i + 1)
		f.Properties = geojson.Properties{"name": "region", "admin_level": int64(2)}
		c.Append(f)
	}
	return c
}

func BenchmarkEncodeMVTPolygons(b *testing.B) {
	layers := []Layer{{Name: "regions", Features: benchPolygons()}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tile, err := EncodeMVT(mali5, layers, MVTOptions{})
		if err != nil || tile == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCluster(b *testing.B) {
	points := randomPoints(rand.New(rand.NewPCG(1, 1)), mali5, benchPoints)
	opts := ClusterOptions{Sum: []string{"fatalities"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out := Cluster(mali5, points, opts); len(out.Features) == 0 {
			b.Fatal("no clusters")
		}
	}
}

// BenchmarkClusteredMVT is the clustered z5 tile: Cluster then EncodeMVT.
func BenchmarkClusteredMVT(b *testing.B) {
	points := randomPoints(rand.New(rand.NewPCG(1, 1)), mali5, benchPoints)
	opts := ClusterOptions{Sum: []string{"fatalities"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		layers := []Layer{{Name: "incidents", Features: Cluster(mali5, points, opts)}}
		if tile, err := EncodeMVT(mali5, layers, MVTOptions{}); err != nil || tile == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGzipPointsTile(b *testing.B) {
	points := randomPoints(rand.New(rand.NewPCG(1, 1)), mali5, benchPoints)
	tile, err := EncodeMVT(mali5, []Layer{{Name: "incidents", Features: points}}, MVTOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(tile)))
	b.ResetTimer()
	var size int
	for i := 0; i < b.N; i++ {
		z, err := Gzip(tile)
		if err != nil {
			b.Fatal(err)
		}
		size = len(z)
	}
	b.ReportMetric(float64(size), "bytes/tile")
}
