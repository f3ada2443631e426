package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/seed"
)

// The suite's own layers. Each call builds them anew, so that a test may change its copy to
// follow its writes. Their values are as GeoJSON decodes them (numbers are float64), with
// NULLs in every field, ids with gaps, and features on both sides of the antimeridian.

// readLayers returns the layers the read tests serve: the seed dataset and the suite's own.
func readLayers(t *testing.T) []data.Layer {
	t.Helper()
	layers, err := seed.Layers()
	if err != nil {
		t.Fatal(err)
	}
	return append(layers, eventsLayer(), areasLayer(), looseLayer())
}

// eventsLayer is points with a field of every type and a DATETIME time field ("at"); 16 of its
// 40 points lie within 0.5° of the antimeridian.
func eventsLayer() data.Layer {
	lons := []float64{179.5, -179.5, 179.95, -179.95, 0.25, 10.5, -10.5, 45.125, -75.3, 120.7}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	east := time.FixedZone("+02", 2*3600)
	l := data.Layer{Name: "events", Title: "Events", Description: "Points of every field type.", TemporalField: "at",
		GeometryType: "POINT", Fields: eventFields()}
	for i := range 40 {
		f := geojson.NewFeature(orb.Point{lons[i%10] + float64(i/10)*0.01, -58.3 + float64(i)*2.9})
		f.ID = int64(10 + 7*i)
		at := start.Add(time.Duration(i*37) * time.Hour)
		p := f.Properties
		p["name"] = fmt.Sprintf("e%02d", i%13)
		p["count"] = float64(i%5 - 1)
		p["score"] = []float64{0.1, 2.5, -3.75, 1e10}[i%4]
		p["ok"] = i%3 == 0
		p["at"] = at.Format(time.RFC3339)
		if i%2 == 0 {
			p["at"] = at.In(east).Format(time.RFC3339)
		}
		if i == 3 {
			p["at"] = at.Format(time.DateOnly) // a date in a DATETIME field: its midnight UTC
		}
		p["day"] = time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 5*i).Format(time.DateOnly)
		for name, every := range map[string][2]int{"name": {11, 5}, "count": {9, 4}, "score": {8, 3}, "ok": {10, 7}, "at": {7, 2}} {
			if i%every[0] == every[1] {
				p[name] = nil
			}
		}
		if i%6 == 1 {
			delete(p, "day") // a missing property is NULL too
		}
		l.Features = append(l.Features, f)
	}
	return l
}

func eventFields() []data.Field {
	return []data.Field{{Name: "name", Type: data.Text}, {Name: "count", Type: data.Integer}, {Name: "score", Type: data.Real},
		{Name: "ok", Type: data.Boolean}, {Name: "at", Type: data.DateTime}, {Name: "day", Type: data.Date}}
}

// areasLayer is polygons, every other one with a hole, three of them near the antimeridian.
func areasLayer() data.Layer {
	centers := []orb.Point{{178.95, 10.3}, {-178.95, 10.3}, {2.3, 15.7}, {-3.1, 13.2}, {20.25, -5.5},
		{100.1, 40.7}, {-60.6, -30.3}, {0.77, 0.33}, {179.3, -45.2}}
	l := data.Layer{Name: "areas", Title: "Areas", Fields: []data.Field{{Name: "name", Type: data.Text},
		{Name: "kind", Type: data.Text}, {Name: "approx", Type: data.Boolean}, {Name: "rank", Type: data.Integer}}}
	for i, c := range centers {
		h := 0.41 + float64(i)*0.03
		poly := orb.Polygon{square(c, h)}
		if i%2 == 0 {
			hole := square(c, h/3)
			for a, b := 0, len(hole)-1; a < b; a, b = a+1, b-1 {
				hole[a], hole[b] = hole[b], hole[a]
			}
			poly = append(poly, hole)
		}
		f := geojson.NewFeature(poly)
		f.ID = int64(2*i + 1)
		f.Properties["name"] = fmt.Sprintf("area %d", i)
		f.Properties["kind"] = []any{"lake", "field", nil}[i%3]
		f.Properties["approx"] = []any{true, false, nil, true}[i%4]
		f.Properties["rank"] = float64(i % 4)
		l.Features = append(l.Features, f)
	}
	return l
}

// square returns the counter-clockwise ring of the square of half side h around c.
func square(c orb.Point, h float64) orb.Ring {
	return orb.Ring{{c[0] - h, c[1] - h}, {c[0] + h, c[1] - h}, {c[0] + h, c[1] + h}, {c[0] - h, c[1] + h}, {c[0] - h, c[1] - h}}
}

// looseLayer mixes geometry types (so it is a GEOMETRY layer), has features without a
// geometry, one line that spans the whole world from 179.6° to -179.6°, and a DATE time field.
func looseLayer() data.Layer {
	geoms := []orb.Geometry{
		orb.Point{5.5, 5.5},
		nil,
		orb.LineString{{-1.1, 2.2}, {3.3, 4.4}, {5.05, -0.7}},
		orb.Polygon{{{10.1, 10.1}, {12.7, 10.4}, {11.3, 13.9}, {10.1, 10.1}}},
		orb.MultiPoint{{170.1, -20.2}, {-170.2, -20.3}},
		nil,
		orb.Point{-179.7, 1.1},
		orb.LineString{{179.6, 60.1}, {-179.6, 60.3}},
	}
	seen := []any{"2020-05-05", "2021-01-01", nil, "2019-12-31", "2020-05-06", nil, "2022-02-02", "2020-05-05"}
	ids := []int64{2, 3, 5, 8, 13, 21, 34, 55}
	l := data.Layer{Name: "loose", Title: "Loose", TemporalField: "seen",
		Fields: []data.Field{{Name: "label", Type: data.Text}, {Name: "seen", Type: data.Date}}}
	for i, g := range geoms {
		f := &geojson.Feature{Type: "Feature", ID: ids[i], Geometry: g, Properties: geojson.Properties{
			"label": fmt.Sprintf("loose %d", i), "seen": seen[i]}}
		l.Features = append(l.Features, f)
	}
	return l
}
