package data

import (
	"testing"
	"time"

	"github.com/harmattan/harmattan/geo"
)

func TestEqual(t *testing.T) {
	for _, tc := range []struct {
		typ      FieldType
		v, want  any
		eq, sure bool
	}{
		{Text, "Battles", "Battles", true, true},
		{Text, "Battles", "battles", false, true},
		{Text, nil, "Battles", false, true},
		{Integer, int64(3), int64(3), true, true},
		{Integer, int64(9007199254740993), int64(9007199254740992), false, true}, // beyond float64
		{Integer, 3.0, int64(3), true, true},
		{Real, int64(2), 2.0, true, true},
		{Real, 2.5, 2.25, false, true},
		{Boolean, true, true, true, true},
		{Boolean, false, true, false, true},
		{Date, "2024-01-05", "2024-01-05", true, true},
		{Date, "2024-01-05T10:00:00Z", "2024-01-05", true, true}, // the first 10 characters
		{Date, int64(20240105), "2024-01-05", false, true},
		{DateTime, "2024-01-05T10:00:00Z", "2024-01-05T10:00:00Z", false, false},
	} {
		eq, sure := Field{Name: "f", Type: tc.typ}.Equal(tc.v, tc.want)
		if eq != tc.eq || sure != tc.sure {
			t.Errorf("%v: Equal(%#v, %#v) = %v, %v; want %v, %v", tc.typ, tc.v, tc.want, eq, sure, tc.eq, tc.sure)
		}
	}
}

func TestInInterval(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	iv := geo.Interval{Start: day("2024-01-01"), End: day("2024-01-31").Add(24*time.Hour - time.Nanosecond)}
	open := geo.Interval{Start: day("2024-01-01")}
	date := Field{Name: "d", Type: Date}
	for _, tc := range []struct {
		f        Field
		v        any
		iv       geo.Interval
		in, sure bool
	}{
		{date, "2024-01-01", iv, true, true},
		{date, "2024-01-31", iv, true, true},
		{date, "2024-02-01", iv, false, true},
		{date, "2023-12-31", iv, false, true},
		{date, nil, iv, true, true}, // NULL passes
		{date, "2030-01-01", open, true, true},
		{date, "2023-01-01", open, false, true},
		{date, "2023-01-01", geo.Interval{}, true, true},
		{Field{Name: "t", Type: DateTime}, "2024-01-05T10:00:00Z", iv, false, false},
	} {
		in, sure := tc.f.InInterval(tc.v, tc.iv)
		if in != tc.in || sure != tc.sure {
			t.Errorf("%v in %v: %v, %v; want %v, %v", tc.v, tc.iv, in, sure, tc.in, tc.sure)
		}
	}
}
