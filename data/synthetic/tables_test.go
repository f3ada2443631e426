package synthetic

import (
	"strings"
	"testing"
)

func TestTowns(t *testing.T) {
	var total uint64
	names := map[string]bool{}
	for _, tw := range towns() {
		t.Run(tw.name, func(t *testing.T) {
			if names[tw.name] {
				t.Error("duplicate name")
			}
			names[tw.name] = true
			// 3.5 sigma (the widest a cluster reaches) must stay inside the box: no clamping.
			reach := tw.sigma * 35 / 10
			if tw.lon-reach < lonMin || tw.lon+reach > lonMax || tw.lat-reach < latMin || tw.lat+reach > latMax {
				t.Errorf("cluster reaches outside Mali's bounding box")
			}
			if tw.sigma < 100000 || tw.sigma > 300000 {
				t.Errorf("sigma %d µ°, want 0.1°..0.3°", tw.sigma)
			}
			if tw.admin1 == "" || tw.admin2 == "" {
				t.Error("no admin1 or admin2")
			}
		})
		total += tw.weight
	}
	if total != 1000 {
		t.Errorf("town weights sum to %d, want 1000 (per mille)", total)
	}
}

func TestEventTypes(t *testing.T) {
	var total uint64
	for _, et := range eventTypes() {
		t.Run(et.name, func(t *testing.T) {
			if len(et.subs) == 0 {
				t.Fatal("no sub-event types")
			}
			for _, se := range et.subs {
				if se.weight == 0 || len(se.actors1) == 0 || len(se.actors2) == 0 {
					t.Errorf("%s: no weight or no actors", se.name)
				}
				for _, a := range se.actors1 {
					if a == "" {
						t.Errorf("%s: empty actor1", se.name)
					}
					// Incidents moves actor2 to the next entry when it equals actor1: that
					// entry must differ.
					if len(se.actors2) == 1 && se.actors2[0] == a {
						t.Errorf("%s: actor2 can only be %q, like actor1", se.name, a)
					}
				}
				if strings.ContainsAny(se.name, "\n\"") {
					t.Errorf("%s: odd characters", se.name)
				}
			}
		})
		total += et.weight
	}
	if total != 1000 {
		t.Errorf("event type weights sum to %d, want 1000 (per mille)", total)
	}
}

func TestCalendar(t *testing.T) {
	c := newCalendar()
	if len(yearWeights()) != lastYear-firstYear+1 {
		t.Fatalf("%d year weights for %d years", len(yearWeights()), lastYear-firstYear+1)
	}
	cases := []struct {
		name       string
		year       int
		days       int
		first      string
		lastOfYear string
	}{
		{"first year, leap", 2012, 366, "2012-01-01", "2012-12-31"},
		{"common year", 2013, 365, "2013-01-01", "2013-12-31"},
		{"last year", 2025, 365, "2025-01-01", "2025-12-31"},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			days := c.days[cs.year-firstYear]
			if len(days) != cs.days || days[0] != cs.first || days[len(days)-1] != cs.lastOfYear {
				t.Errorf("got %d days, %v..%v", len(days), days[0], days[len(days)-1])
			}
			if c.years[cs.year-firstYear] != int64(cs.year) {
				t.Errorf("year %v", c.years[cs.year-firstYear])
			}
		})
	}
}

func TestNames(t *testing.T) {
	cases := []struct {
		name      string
		seq       int
		id, where string
	}{
		{"one", 1, "SYN000000001", "synthetic incident 1"},
		{"nine digits", 123456789, "SYN123456789", "synthetic incident 123456789"},
		{"past nine digits", 1234567890, "SYN1234567890", "synthetic incident 1234567890"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if id, where := names(c.seq); id != c.id || where != c.where {
				t.Errorf("got %q, %q; want %q, %q", id, where, c.id, c.where)
			}
		})
	}
}
