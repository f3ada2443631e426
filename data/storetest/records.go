package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/harmattan/harmattan/data"
)

// Records to write, and the expected layer that follows the writes.

// sitesSpec is the spec of a new layer "sites" with a field of every type.
func sitesSpec() data.ImportSpec {
	return data.ImportSpec{Layer: "sites", Mode: data.Append, GeometryType: "POINT", TemporalField: "since",
		Title: "Sites", Description: "Imported by the conformance suite.",
		Fields: []data.Field{{Name: "code", Type: data.Text}, {Name: "size", Type: data.Integer}, {Name: "weight", Type: data.Real},
			{Name: "open", Type: data.Boolean}, {Name: "since", Type: data.Date}, {Name: "stamp", Type: data.DateTime}}}
}

// siteRecords returns n records for sitesSpec's fields, coded prefix0, prefix1, ..., around
// lon. Every third one carries its properties as Names and Values (all of those share one
// Names slice), the others as a map; every fourth lacks its weight.
func siteRecords(n int, lon float64, prefix string) []*data.Record {
	names := []string{"code", "size", "weight", "open", "since", "stamp"}
	var out []*data.Record
	for i := range n {
		values := []any{fmt.Sprintf("%s%d", prefix, i), int64(i * 3), float64(i) / 3, i%2 == 0,
			time.Date(2021, 3, 1+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
			time.Date(2021, 3, 1+i, 12, 30, 0, 0, time.FixedZone("-05", -5*3600)).Format(time.RFC3339)}
		r := &data.Record{Geometry: orb.Point{lon + float64(i)*0.013, 12.5 + float64(i)*0.021}, Where: fmt.Sprintf("record %d", i+1)}
		if i%3 == 2 {
			r.Names, r.Values = names, values
		} else {
			r.Properties = map[string]any{}
			for j, name := range names {
				if name != "weight" || i%4 != 3 {
					r.Properties[name] = values[j]
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// eventRecords returns n records for the events layer, named prefix0, prefix1, ..., with
// some of its fields.
func eventRecords(n int, lon float64, prefix string) []*data.Record {
	var out []*data.Record
	for i := range n {
		out = append(out, &data.Record{Geometry: orb.Point{lon + float64(i)*0.017, -12.25 + float64(i)*0.031},
			Properties: map[string]any{"name": fmt.Sprintf("%s%d", prefix, i), "count": int64(i), "ok": i%2 == 1,
				"at": time.Date(2025, 1, 1+i, 8, 0, 0, 0, time.UTC).Format(time.RFC3339)},
			Where: fmt.Sprintf("record %d", i+1)})
	}
	return out
}

// feature returns the feature that record r becomes with id id.
func feature(r *data.Record, id int64) *geojson.Feature {
	f := &geojson.Feature{Type: "Feature", ID: id, Geometry: r.Geometry, Properties: geojson.Properties{}}
	r.Each(func(name string, v any) { f.Properties[name] = v })
	return f
}

// adopt finds the features the store added to layer l for records (those whose ids l does not
// have), matching them by their key property, adds them to l and returns their ids in the
// order of records.
func adopt(t *testing.T, s Backend, l *data.Layer, records []*data.Record, key string) []int64 {
	t.Helper()
	known := map[int64]bool{}
	for _, f := range l.Features {
		known[featureID(f)] = true
	}
	byKey := map[any]int64{}
	for _, f := range read(t, s, l.Name, data.Query{Properties: []string{key}}) {
		if !known[f.ID] {
			if _, dup := byKey[f.Properties[0]]; dup {
				t.Fatalf("%s: two new features have %s %v", l.Name, key, f.Properties[0])
			}
			byKey[f.Properties[0]] = f.ID
		}
	}
	if len(byKey) != len(records) {
		t.Fatalf("%s: %d new features, want %d", l.Name, len(byKey), len(records))
	}
	ids := make([]int64, len(records))
	for i, r := range records {
		k, _ := r.Property(key)
		id, ok := byKey[k]
		if !ok {
			t.Fatalf("%s: no new feature has %s %v", l.Name, key, k)
		}
		ids[i] = id
		l.Features = append(l.Features, feature(r, id))
	}
	return ids
}

// plus returns l with records added as features, without ids (for counting).
func plus(l data.Layer, records []*data.Record) data.Layer {
	l.Features = slices.Clone(l.Features)
	for _, r := range records {
		l.Features = append(l.Features, feature(r, 0))
	}
	return l
}

// newLayer is the layer an import with spec creates, before any feature.
func newLayer(spec data.ImportSpec) data.Layer {
	return data.Layer{Name: spec.Layer, Title: spec.Title, Description: spec.Description, TemporalField: spec.TemporalField,
		GeometryType: spec.GeometryType, Fields: slices.Clone(spec.Fields)}
}

// replace swaps the feature with id's for f in l.
func replace(l *data.Layer, f *geojson.Feature) {
	for i, g := range l.Features {
		if featureID(g) == featureID(f) {
			l.Features[i] = f
			return
		}
	}
	panic(fmt.Sprintf("storetest: layer %s has no feature %v", l.Name, f.ID))
}

// remove deletes the feature with id from l.
func remove(l *data.Layer, id int64) {
	l.Features = slices.DeleteFunc(l.Features, func(f *geojson.Feature) bool { return featureID(f) == id })
}

// covers tells whether b contains every bound of bs.
func covers(b orb.Bound, bs ...orb.Bound) bool {
	for _, c := range bs {
		if !b.Contains(c.Min) || !b.Contains(c.Max) {
			return false
		}
	}
	return true
}

// boundsOf returns the bounds of the records' geometries.
func boundsOf(records []*data.Record) []orb.Bound {
	var out []orb.Bound
	for _, r := range records {
		if r.Geometry != nil {
			out = append(out, r.Geometry.Bound())
		}
	}
	return out
}
