package ingest

import (
	"testing"

	"github.com/harmattan/harmattan/data"
)

func TestConvertText(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		typ   data.FieldType
		acled bool
		want  any
		bad   bool
	}{
		{"integer", "-12", data.Integer, false, int64(-12), false},
		{"integer with leading zeros", "007", data.Integer, false, int64(7), false},
		{"integral decimal into integer", "12.0", data.Integer, false, int64(12), false},
		{"fraction into integer", "12.5", data.Integer, false, nil, true},
		{"integer into real", "12", data.Real, false, 12.0, false},
		{"NaN into real", "NaN", data.Real, false, nil, true},
		{"boolean 1", "1", data.Boolean, false, true, false},
		{"boolean FALSE", "FALSE", data.Boolean, false, false, false},
		{"boolean yes", "yes", data.Boolean, false, nil, true},
		{"ACLED date", "05 March 2024", data.Date, true, "2024-03-05", false},
		{"ACLED date, short month", "5 Sep 2024", data.Date, true, "2024-09-05", false},
		{"ACLED date outside ACLED", "05 March 2024", data.Date, false, nil, true},
		{"ACLED impossible date", "31 April 2024", data.Date, true, nil, true},
		{"date into date-time", "2024-03-05", data.DateTime, false, "2024-03-05T00:00:00Z", false},
		{"ACLED date into date-time", "05 March 2024", data.DateTime, true, "2024-03-05T00:00:00Z", false},
		{"date-time to UTC", "2024-03-05T01:00:00-02:00", data.DateTime, false, "2024-03-05T03:00:00Z", false},
		{"fractional seconds", "2024-03-05T01:00:00.250Z", data.DateTime, false, "2024-03-05T01:00:00.25Z", false},
		{"date-time into date", "2024-03-05T01:00:00Z", data.Date, false, nil, true},
		{"text", " as is ", data.Text, false, " as is ", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := convertText(tc.in, tc.typ, tc.acled)
			if tc.bad {
				if err == nil {
					t.Errorf("got %#v, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %#v, %v; want %#v", got, err, tc.want)
			}
		})
	}
}
