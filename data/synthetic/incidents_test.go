package synthetic

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// collect returns every record of next, failing the test on an error other than io.EOF.
func collect(t *testing.T, next func() (*data.Record, error)) []*data.Record {
	t.Helper()
	var rs []*data.Record
	for {
		r, err := next()
		if errors.Is(err, io.EOF) {
			return rs
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		rs = append(rs, r)
	}
}

func TestIncidentsDeterministic(t *testing.T) {
	cases := []struct {
		name string
		seed uint64
		n    int
	}{
		{"seed 0", 0, 2000},
		{"seed 42", 42, 2000},
		{"max seed", math.MaxUint64, 500},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := collect(t, Incidents(c.seed, c.n))
			b := collect(t, Incidents(c.seed, c.n))
			if len(a) != c.n {
				t.Fatalf("got %d records, want %d", len(a), c.n)
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatal("the same seed gave different records")
			}
		})
	}
}

func TestIncidentsSeedsDiffer(t *testing.T) {
	a := collect(t, Incidents(1, 1000))
	b := collect(t, Incidents(2, 1000))
	same := 0
	for i := range a {
		if reflect.DeepEqual(a[i].Geometry, b[i].Geometry) {
			same++
		}
	}
	if same > 10 {
		t.Errorf("seeds 1 and 2 gave %d of 1000 identical positions", same)
	}
}

// TestIncidentsGolden pins the output for seed 42: the first record, and a hash of the first
// 10,000. A change to the draws changes every benchmark's data, so it must be deliberate; on
// another machine or Go release the hash must not change.
func TestIncidentsGolden(t *testing.T) {
	rs := collect(t, Incidents(42, 10_000))
	first := rs[0]
	wantFirst := map[string]any{
		"event_id_cnty": "SYN000000001", "event_date": "2018-02-04", "year": int64(2018),
		"event_type": "Violence against civilians", "sub_event_type": "Abduction/forced disappearance",
		"actor1": "Unidentified Armed Group (Mali)", "actor2": "Civilians (Mali)",
		"admin1": "Mopti", "admin2": "Mopti", "location": "Mopti",
		"latitude": 14.442806, "longitude": -4.253414, "geo_precision": int64(1), "fatalities": int64(4),
		"notes":  "Synthetic incident for benchmarks: Abduction/forced disappearance (Violence against civilians) near Mopti.",
		"source": "Harmattan synthetic generator", "source_url": "", "synthetic": true,
	}
	if !reflect.DeepEqual(first.Properties, wantFirst) {
		t.Errorf("first record:\n got %#v\nwant %#v", first.Properties, wantFirst)
	}
	if want := (orb.Point{-4.253414, 14.442806}); first.Geometry != want {
		t.Errorf("first geometry: got %v, want %v", first.Geometry, want)
	}
	const wantHash uint64 = 0x88ad97e69da2fe0f
	if got := hashRecords(rs); got != wantHash {
		t.Errorf("hash of the first 10,000 records: got %#x, want %#x", got, wantHash)
	}
}

// hashRecords returns an FNV-1a hash of the records' geometries and properties (in schema order).
func hashRecords(rs []*data.Record) uint64 {
	fields, _, _, _ := IncidentsSchema()
	h := fnv.New64a()
	for _, r := range rs {
		fmt.Fprintf(h, "%s|%v", r.Where, r.Geometry)
		for _, f := range fields {
			fmt.Fprintf(h, "|%v", r.Properties[f.Name])
		}
		h.Write([]byte{'\n'})
	}
	return h.Sum64()
}

func TestIncidentsPrefixStable(t *testing.T) {
	cases := []struct {
		name        string
		seed        uint64
		short, long int
	}{
		{"1000 of 2000", 7, 1000, 2000},
		{"1 of 10", 7, 1, 10},
		{"0 of 5", 7, 0, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			short := collect(t, Incidents(c.seed, c.short))
			long := collect(t, Incidents(c.seed, c.long))
			if len(short) != c.short || len(long) != c.long {
				t.Fatalf("got %d and %d records, want %d and %d", len(short), len(long), c.short, c.long)
			}
			for i := range short {
				if !reflect.DeepEqual(short[i], long[i]) {
					t.Fatalf("record %d differs: %v vs %v", i+1, short[i], long[i])
				}
			}
		})
	}
}

func TestIncidentsEOF(t *testing.T) {
	cases := []struct {
		name string
		n    int
	}{
		{"negative", -3},
		{"zero", 0},
		{"three", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next := Incidents(1, c.n)
			got := len(collect(t, next))
			if want := max(c.n, 0); got != want {
				t.Errorf("got %d records, want %d", got, want)
			}
			for range 2 {
				if r, err := next(); r != nil || !errors.Is(err, io.EOF) {
					t.Errorf("after the end: got %v, %v; want nil, io.EOF", r, err)
				}
			}
		})
	}
}

// TestIncidentsValues checks every record of a large run against the schema and the rules
// of Incidents' doc comment.
func TestIncidentsValues(t *testing.T) {
	const n = 100_000
	fields, geomType, temporal, key := IncidentsSchema()
	if geomType != "POINT" || temporal != "event_date" || key != "event_id_cnty" {
		t.Fatalf("schema: got %q, %q, %q", geomType, temporal, key)
	}
	byType := map[string][]string{}
	for _, et := range eventTypes() {
		for _, se := range et.subs {
			byType[et.name] = append(byType[et.name], se.name)
		}
	}
	ts := towns()
	ids := make(map[string]bool, n)
	next := Incidents(2024, n)
	for i := 1; ; i++ {
		r, err := next()
		if errors.Is(err, io.EOF) {
			if i != n+1 {
				t.Fatalf("got %d records, want %d", i-1, n)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := r.Properties
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("record %d (%v %v): "+format, append([]any{i, r.Geometry, p}, args...)...)
		}

		if len(p) != len(fields) {
			fail("%d properties, want %d", len(p), len(fields))
		}
		for _, f := range fields {
			if !hasType(p[f.Name], f.Type) {
				fail("%s = %#v (%T) is not a %v value", f.Name, p[f.Name], p[f.Name], f.Type)
			}
		}

		pt, ok := r.Geometry.(orb.Point)
		if !ok {
			fail("geometry is a %T, want orb.Point", r.Geometry)
		}
		if pt.Lon() < -12.3 || pt.Lon() > 4.3 || pt.Lat() < 10.1 || pt.Lat() > 25.0 {
			fail("outside Mali's bounding box")
		}
		if p[fLongitude] != pt.Lon() || p[fLatitude] != pt.Lat() {
			fail("longitude/latitude differ from the geometry")
		}
		if math.Round(pt.Lon()*1e6)/1e6 != pt.Lon() || math.Round(pt.Lat()*1e6)/1e6 != pt.Lat() {
			fail("coordinates are not rounded to 6 decimals")
		}

		id := p[fEventID].(string)
		if ids[id] {
			fail("duplicate event_id_cnty %q", id)
		}
		ids[id] = true
		if want := "SYN" + pad9(i); id != want {
			fail("event_id_cnty %q, want %q", id, want)
		}
		if want := "synthetic incident " + strconv.Itoa(i); r.Where != want {
			fail("Where %q, want %q", r.Where, want)
		}

		d, err := time.Parse(time.DateOnly, p[fEventDate].(string))
		if err != nil {
			fail("event_date: %v", err)
		}
		if d.Year() < 2012 || d.Year() > 2025 {
			fail("event_date outside 2012-2025")
		}
		if p[fYear] != int64(d.Year()) {
			fail("year %v does not match event_date", p[fYear])
		}

		et := p[fEventType].(string)
		subs, ok := byType[et]
		if !ok {
			fail("unknown event_type %q", et)
		}
		if !contains(subs, p[fSubEventType].(string)) {
			fail("sub_event_type %q is not one of %q's", p[fSubEventType], et)
		}
		if p[fActor1] == "" || p[fActor1] == p[fActor2] {
			fail("actor1 %q, actor2 %q", p[fActor1], p[fActor2])
		}

		town := ts[nearest(ts, int64(math.Round(pt.Lon()*1e6)), int64(math.Round(pt.Lat()*1e6)))]
		if p[fLocation] != town.name || p[fAdmin1] != town.admin1 || p[fAdmin2] != town.admin2 {
			fail("location/admin1/admin2 are not the nearest town's %s/%s/%s", town.name, town.admin1, town.admin2)
		}
		if g := p[fGeoPrecision].(int64); g < 1 || g > 3 {
			fail("geo_precision %d", g)
		}
		if f := p[fFatalities].(int64); f < 0 || f > 250 {
			fail("fatalities %d", f)
		}
		notes := p[fNotes].(string)
		if !strings.HasPrefix(notes, "Synthetic incident for benchmarks: ") || !strings.Contains(notes, town.name) {
			fail("notes %q", notes)
		}
		if p[fSource] != "Harmattan synthetic generator" || p[fSourceURL] != "" || p[fSynthetic] != true {
			fail("source, source_url or synthetic")
		}
	}
}

func hasType(v any, t data.FieldType) bool {
	switch t {
	case data.Integer:
		_, ok := v.(int64)
		return ok
	case data.Real:
		_, ok := v.(float64)
		return ok
	case data.Boolean:
		_, ok := v.(bool)
		return ok
	case data.Date:
		s, ok := v.(string)
		return ok && len(s) == len("2006-01-02")
	}
	_, ok := v.(string)
	return ok
}

func pad9(i int) string {
	s := strconv.Itoa(i)
	return strings.Repeat("0", max(9-len(s), 0)) + s
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
