package data

import (
	"github.com/harmattan/harmattan/geo"
)

// The functions here evaluate a Query's filters on property values in Go, as the stores
// evaluate them in SQL, for code that holds features in memory (the tile server's point
// layers). They answer ok=false where Go cannot be sure to agree with the stores (DATETIME
// comparisons, which the stores make on the database's own date arithmetic); callers then ask
// the store.

// Equal reports whether a stored value v of field f equals the filter value want (a value of
// f.Type, as FieldType.Parse returns it).
func (f Field) Equal(v, want any) (eq, ok bool) {
	if v == nil {
		return false, true
	}
	switch f.Type {
	case DateTime:
		return false, false
	case Date:
		s, isStr := v.(string)
		w, _ := want.(string)
		return isStr && datePart(s) == w, true
	case Integer, Real:
		if a, isInt := v.(int64); isInt {
			if b, isInt := want.(int64); isInt {
				return a == b, true
			}
		}
		a, aok := numeric(v)
		b, bok := numeric(want)
		return aok && bok && a == b, true
	}
	return v == want, true
}

// InInterval reports whether a stored value v of the temporal field f falls in iv: NULL does,
// as OGC API – Features requires, and so does every value when iv is the zero Interval.
func (f Field) InInterval(v any, iv geo.Interval) (in, ok bool) {
	if v == nil || iv.IsZero() {
		return true, true
	}
	if f.Type != Date {
		return false, false
	}
	s, isStr := v.(string)
	if !isStr {
		return false, true
	}
	d := datePart(s)
	start, end := iv.Dates()
	return (start == "" || d >= start) && (end == "" || d <= end), true
}

// datePart is what the stores compare of a DATE value: its first 10 characters.
func datePart(s string) string {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}

func numeric(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}
