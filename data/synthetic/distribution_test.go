package synthetic

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// TestIncidentsDistribution checks the shape of a large run: clustering, event-type shares,
// fatalities and years.
func TestIncidentsDistribution(t *testing.T) {
	const n = 100_000
	ts := towns()
	var nearTown, central, lowFatal, highFatal int
	types := map[string]int{}
	years := map[int64]int{}
	next := Incidents(99, n)
	for range n {
		r, err := next()
		if err != nil {
			t.Fatal(err)
		}
		pt := r.Geometry.(orb.Point)
		lon, lat := int64(math.Round(pt.Lon()*1e6)), int64(math.Round(pt.Lat()*1e6))
		town := ts[nearest(ts, lon, lat)]
		if dx, dy := lon-town.lon, lat-town.lat; dx*dx+dy*dy <= 1e12 { // within 1°
			nearTown++
		}
		if town.admin1 == "Mopti" || town.admin1 == "Ségou" {
			central++
		}
		switch f := r.Properties[fFatalities].(int64); {
		case f <= 5:
			lowFatal++
		case f > 20:
			highFatal++
		}
		types[r.Properties[fEventType].(string)]++
		years[r.Properties[fYear].(int64)]++
	}

	share := func(k int) float64 { return float64(k) / n }
	checks := []struct {
		name     string
		got      float64
		min, max float64
	}{
		{"within 1° of a town", share(nearTown), 0.94, 0.975},
		{"central Mali (Mopti, Ségou regions)", share(central), 0.45, 0.65},
		{"fatalities 0-5", share(lowFatal), 0.80, 0.95},
		{"fatalities over 20", share(highFatal), 0.0005, 0.02},
		{"Violence against civilians", share(types["Violence against civilians"]), 0.30, 0.34},
		{"Battles", share(types["Battles"]), 0.26, 0.30},
		{"Explosions/Remote violence", share(types["Explosions/Remote violence"]), 0.15, 0.19},
		{"Strategic developments", share(types["Strategic developments"]), 0.10, 0.14},
		{"Protests", share(types["Protests"]), 0.06, 0.08},
		{"Riots", share(types["Riots"]), 0.03, 0.05},
		{"2022 over 2014", float64(years[2022]) / float64(years[2014]), 3, 5},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got < c.min || c.got > c.max {
				t.Errorf("got %.4f, want %.4f..%.4f", c.got, c.min, c.max)

			}
		})
	}
	if len(years) != lastYear-firstYear+1 {
		t.Errorf("got %d distinct years, want %d", len(years), lastYear-firstYear+1)
	}
}
