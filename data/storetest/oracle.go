package storetest

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/harmattan/harmattan/data"
)

// The oracle: what a store must answer, worked out in Go from the layer it was given.

// norm converts a value as written (decoded GeoJSON, or a Record's) or as read (a Feature's) to
// one comparable form for field type t: int64, float64, bool, string, or a UTC time.Time for
// DATETIME. A value the type cannot hold is returned as it is, so that it compares unequal.
func norm(t data.FieldType, v any) any {
	switch t {
	case data.Integer:
		if f, ok := v.(float64); ok && f == math.Trunc(f) {
			return int64(f)
		}
	case data.Real:
		if n, ok := v.(int64); ok {
			return float64(n)
		}
	case data.DateTime:
		s, ok := v.(string)
		if !ok {
			break
		}
		if tm, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return tm.UTC()
		}
		if tm, err := time.Parse(time.DateOnly, s); err == nil {
			return tm
		}
	}
	return v
}

// same reports whether two normalised values are equal.
func same(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return a == b
}

// text is the form a client gives a value of type t in a query string (as FieldType.Parse takes it).
func text(t data.FieldType, v any) string {
	switch x := norm(t, v).(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// intersects tells whether b meets box; a box with Min.X > Max.X crosses the antimeridian and
// covers longitudes from Min.X east to 180 and from -180 east to Max.X.
func intersects(b, box orb.Bound) bool {
	if b.Max[1] < box.Min[1] || b.Min[1] > box.Max[1] {
		return false
	}
	if box.Min[0] <= box.Max[0] {
		return b.Max[0] >= box.Min[0] && b.Min[0] <= box.Max[0]
	}
	return b.Max[0] >= box.Min[0] || b.Min[0] <= box.Max[0]
}

// matches tells whether feature f of layer l passes q's filters (bbox, time, properties, after).
func matches(l data.Layer, f *geojson.Feature, q data.Query) bool {
	if q.After > 0 && featureID(f) <= q.After {
		return false
	}
	if q.BBox != nil && (f.Geometry == nil || !intersects(f.Geometry.Bound(), *q.BBox)) {
		return false
	}
	if tf := l.TemporalField; tf != "" && !q.Time.IsZero() && !inInterval(l, f, q) {
		return false
	}
	for _, flt := range q.Filters {
		fld, _ := (data.Collection{Fields: l.Fields}).Field(flt.Field)
		v := norm(fld.Type, f.Properties[flt.Field])
		if v == nil || !same(v, norm(fld.Type, flt.Value)) {
			return false
		}
	}
	return true
}

// inInterval tells whether f's time falls in q.Time: NULL always does; a DATE by calendar
// day (q.Time.Dates), a DATETIME by instant, both ends included.
func inInterval(l data.Layer, f *geojson.Feature, q data.Query) bool {
	fld, _ := (data.Collection{Fields: l.Fields}).Field(l.TemporalField)
	v := norm(fld.Type, f.Properties[l.TemporalField])
	switch x := v.(type) {
	case nil:
		return true
	case string:
		start, end := q.Time.Dates()
		return (start == "" || x >= start) && (end == "" || x <= end)
	case time.Time:
		return (q.Time.Start.IsZero() || !x.Before(q.Time.Start)) && (q.Time.End.IsZero() || !x.After(q.Time.End))
	}
	return false
}

// want returns the features of l that q selects, in ascending id order, paged.
func want(l data.Layer, q data.Query) []*geojson.Feature {
	var out []*geojson.Feature
	for _, f := range sorted(l.Features) {
		if matches(l, f, q) {
			out = append(out, f)
		}
	}
	out = out[min(q.Offset, len(out)):]
	if q.Limit > 0 && q.Limit < len(out) {
		out = out[:q.Limit]
	}
	return out
}

// sorted returns fs ordered by id.
func sorted(fs []*geojson.Feature) []*geojson.Feature {
	out := append([]*geojson.Feature(nil), fs...)
	sort.Slice(out, func(i, j int) bool { return featureID(out[i]) < featureID(out[j]) })
	return out
}

func featureID(f *geojson.Feature) int64 {
	id, _ := data.FeatureID(f.ID)
	return id
}

// extent returns the bounds of l's geometries, and false when it has none.
func extent(fs []*geojson.Feature) (orb.Bound, bool) {
	var b orb.Bound
	found := false
	for _, f := range fs {
		if f.Geometry == nil {
			continue
		}
		if !found {
			b, found = f.Geometry.Bound(), true
			continue
		}
		b = b.Union(f.Geometry.Bound())
	}
	return b, found
}

// interval returns the first and last value of l's time field, normalised, or nils.
func interval(l data.Layer) (lo, hi any) {
	fld, _ := (data.Collection{Fields: l.Fields}).Field(l.TemporalField)
	less := func(a, b any) bool {
		if ta, ok := a.(time.Time); ok {
			return ta.Before(b.(time.Time))
		}
		return a.(string) < b.(string)
	}
	for _, f := range l.Features {
		v := norm(fld.Type, f.Properties[l.TemporalField])
		if v == nil {
			continue
		}
		if lo == nil || less(v, lo) {
			lo = v
		}
		if hi == nil || less(hi, v) {
			hi = v
		}
	}
	return lo, hi
}
