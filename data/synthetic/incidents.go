package synthetic

import (
	"io"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// Mali's bounding box in microdegrees: every incident lies inside it.
const (
	lonMin, lonMax = -12300000, 4300000
	latMin, latMax = 10100000, 25000000
)

// scatteredShare is the share, per mille, of incidents scattered uniformly over the bounding
// box rather than drawn around a town.
const scatteredShare = 50

// Values that every incident shares.
const (
	sourceName  = "Harmattan synthetic generator"
	notesPrefix = "Synthetic incident for benchmarks: "
	idPrefix    = "SYN"
	idDigits    = 9
	wherePrefix = "synthetic incident "
)

// Incidents returns a generator of n synthetic ACLED-like incidents for seed: each call of
// next returns the next one, and after the nth (at once when n <= 0) it returns io.EOF, on
// every call. next never returns another error. next is not safe for concurrent use.
//
// 95% of the incidents lie around fifteen real towns, most of them in central Mali; the rest
// are scattered uniformly over Mali's bounding box (12.3°W..4.3°E, 10.1..25°N). location,
// admin1 and admin2 name the nearest of those towns, its region and cercle. Coordinates are
// rounded to six decimals. Properties follow IncidentsSchema, with int64, float64, bool and
// string values; event_id_cnty is "SYN" and the 1-based sequence number in nine digits or
// more (unique), and Record.Where "synthetic incident N".
//
// The same seed and n give the same records, and the records for n are the first n of those
// for any larger count.
func Incidents(seed uint64, n int) func() (*data.Record, error) {
	g := newIncidentGen(seed, n)
	return g.next
}

// next draws one incident. The order of the draws is part of the output's definition:
// changing it changes every seed's data.
func (g *incidentGen) next() (*data.Record, error) {
	if g.i >= g.n {
		return nil, io.EOF
	}
	g.i++
	s := g.src

	// Place.
	var lon, lat int64
	scattered := s.permille(scatteredShare)
	if scattered {
		lon = lonMin + int64(s.below(lonMax-lonMin+1))
		lat = latMin + int64(s.below(latMax-latMin+1))
	} else {
		c := s.pick(g.townsCum)
		t, p := &g.geo[c], &g.towns[c]
		lon = clamp(t.lon+s.normal(p.sigma3), lonMin, lonMax)
		lat = clamp(t.lat+s.normal(p.sigma3), latMin, latMax)
	}
	ti := nearest(g.geo, lon, lat)
	place := &g.towns[ti]

	// Time and kind.
	date, year := g.cal.draw(s)
	k := &g.kinds[s.pick(g.kindsCum)]
	sub := &k.subs[s.pick(k.subsCum)]
	i1 := s.below(uint64(len(sub.actors1)))
	i2 := s.below(uint64(len(sub.actors2)))
	if sub.actors2[i2] == sub.actors1[i1] {
		i2 = (i2 + 1) % uint64(len(sub.actors2))
	}

	precision := g.precision(scattered)
	fatalities := g.fatalities(k.fatalities)
	note := sub.notes[2*ti]
	if scattered {
		note = sub.notes[2*ti+1]
	}

	lonF, latF := float64(lon)/1e6, float64(lat)/1e6
	id, where := names(g.i)
	props := make(map[string]any, 18)
	props[fEventID] = id
	props[fEventDate] = date
	props[fYear] = year
	props[fEventType] = k.name
	props[fSubEventType] = sub.name
	props[fActor1] = sub.boxed1[i1]
	props[fActor2] = sub.boxed2[i2]
	props[fAdmin1] = place.admin1
	props[fAdmin2] = place.admin2
	props[fLocation] = place.name
	props[fLatitude] = latF
	props[fLongitude] = lonF
	props[fGeoPrecision] = precision
	props[fFatalities] = fatalities
	props[fNotes] = note
	props[fSource] = sourceName
	props[fSourceURL] = ""
	props[fSynthetic] = true
	return &data.Record{
		Geometry:   orb.Point{lonF, latF},
		Properties: props,
		Where:      where,
	}, nil
}

// precision draws geo_precision: mostly 1 (the place itself) near a town, 2 or 3 when scattered.
func (g *incidentGen) precision(scattered bool) int64 {
	r := g.src.below(100)
	switch {
	case scattered && r < 30:
		return 2
	case scattered:
		return 3
	case r < 60:
		return 1
	case r < 95:
		return 2
	}
	return 3
}

// fatalities draws a fatality count for an event type's model.
func (g *incidentGen) fatalities(m fatalityModel) int64 {
	s := g.src
	switch m {
	case lethal:
		var f int64
		for f < 200 && s.permille(550) {
			f += 1 + int64(s.below(4))
		}
		return f
	case rarelyLethal:
		if s.permille(150) {
			return 1 + int64(s.below(5))
		}
		return 0
	}
	if s.permille(50) {
		return 1 + int64(s.below(3))
	}
	return 0
}

func clamp(v, lo, hi int64) int64 {
	return min(max(v, lo), hi)
}

// names returns the event_id_cnty of record seq ("SYN" and seq zero-padded to idDigits digits)
// and its Where ("synthetic incident N"), cut from one allocation.
func names(seq int) (id, where string) {
	var buf [64]byte
	b := strconv.AppendInt(append(buf[:0], wherePrefix...), int64(seq), 10)
	digits := b[len(wherePrefix):]
	n := len(b)
	b = append(b, idPrefix...)
	for range idDigits - len(digits) {
		b = append(b, '0')
	}
	b = append(b, digits...)
	s := string(b)
	return s[n:], s[:n]
}
