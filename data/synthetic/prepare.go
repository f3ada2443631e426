package synthetic

import "math"

// incidentGen holds the generator's state and its tables, built once per generator.
type incidentGen struct {
	src      source
	i, n     int
	towns    []placeInfo
	townsCum []uint64
	geo      []town
	kinds    []kindInfo
	kindsCum []uint64
	cal      calendar
}

// placeInfo is a town with its values boxed once, and its cluster spread times sqrt(3).
type placeInfo struct {
	name, admin1, admin2 any
	sigma3               int64
}

// kindInfo is an event type ready for drawing.
type kindInfo struct {
	name       any
	fatalities fatalityModel
	subs       []subInfo
	subsCum    []uint64
}

// subInfo is a sub-event type ready for drawing, its actors also boxed (boxed1[i] is
// actors1[i]); notes[2*t] is the sentence for an incident near town t, notes[2*t+1] for one
// scattered away from the towns whose nearest is t.
type subInfo struct {
	name             any
	actors1, actors2 []string
	boxed1, boxed2   []any
	notes            []any
}

func boxAll(ss []string) []any {
	b := make([]any, len(ss))
	for i, s := range ss {
		b[i] = s
	}
	return b
}

func newIncidentGen(seed uint64, n int) *incidentGen {
	g := &incidentGen{src: newSource(seed), n: n, geo: towns(), cal: newCalendar()}
	weights := make([]uint64, len(g.geo))
	for i, t := range g.geo {
		weights[i] = t.weight
		g.towns = append(g.towns, placeInfo{
			name: t.name, admin1: t.admin1, admin2: t.admin2,
			sigma3: int64(math.Round(float64(t.sigma) * math.Sqrt(3))),
		})
	}
	g.townsCum = cumulate(weights)

	types := eventTypes()
	weights = weights[:0]
	for _, et := range types {
		weights = append(weights, et.weight)
		k := kindInfo{name: et.name, fatalities: et.fatalities}
		subWeights := make([]uint64, len(et.subs))
		for j, se := range et.subs {
			subWeights[j] = se.weight
			si := subInfo{
				name: se.name, actors1: se.actors1, actors2: se.actors2,
				boxed1: boxAll(se.actors1), boxed2: boxAll(se.actors2),
			}
			for _, t := range g.geo {
				what := notesPrefix + se.name + " (" + et.name + ")"
				si.notes = append(si.notes, what+" near "+t.name+".", what+" in a rural area; nearest town "+t.name+".")
			}
			k.subs = append(k.subs, si)
		}
		k.subsCum = cumulate(subWeights)
		g.kinds = append(g.kinds, k)
	}
	g.kindsCum = cumulate(weights)
	return g
}
