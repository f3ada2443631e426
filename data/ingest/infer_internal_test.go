package ingest

import (
	"testing"

	"github.com/harmattan/harmattan/data"
)

func TestInferText(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		acled  bool
		want   data.FieldType
	}{
		{"integers", []string{"1", "-42", "", "9223372036854775807"}, false, data.Integer},
		{"too big for int64", []string{"1", "9223372036854775808"}, false, data.Real},
		{"integers and reals", []string{"1", "2.5", "-3e2"}, false, data.Real},
		{"leading zeros", []string{"007", "12"}, false, data.Text},
		{"zero and decimals", []string{"0", "0.5", "-0.25"}, false, data.Real},
		{"NaN is text", []string{"1.5", "NaN"}, false, data.Text},
		{"Inf is text", []string{"Inf"}, false, data.Text},
		{"hex is text", []string{"0x1F"}, false, data.Text},
		{"plus sign is text", []string{"+5"}, false, data.Text},
		{"spaces are text", []string{" 5"}, false, data.Text},
		{"booleans", []string{"true", "false", "TRUE", "False"}, false, data.Boolean},
		{"0 and 1 are integers", []string{"0", "1"}, false, data.Integer},
		{"dates", []string{"2024-03-05", "2024-02-29"}, false, data.Date},
		{"impossible date", []string{"2023-02-29"}, false, data.Text},
		{"ACLED dates in an ACLED file", []string{"05 March 2024", "2024-03-06", "1 may 2024"}, true, data.Date},
		{"ACLED dates elsewhere", []string{"05 March 2024"}, false, data.Text},
		{"date-times", []string{"2024-03-05T10:00:00Z", "2024-03-05T10:00:00.123+01:00"}, false, data.DateTime},
		{"dates and date-times", []string{"2024-03-05", "2024-03-05T10:00:00Z"}, false, data.DateTime},
		{"date-time without zone", []string{"2024-03-05T10:00:00"}, false, data.Text},
		{"all empty", []string{"", ""}, false, data.Text},
		{"mixed", []string{"1", "true"}, false, data.Text},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newColumn()
			for _, v := range tc.values {
				c.observeText(v, tc.acled)
			}
			if got := c.typ(); got != tc.want {
				t.Errorf("type = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestInferJSON(t *testing.T) {
	cases := []struct {
		name   string
		values []any
		want   data.FieldType
	}{
		{"integers", []any{jsonNumber("1"), nil, jsonNumber("-7")}, data.Integer},
		{"1.0 is real", []any{jsonNumber("1"), jsonNumber("1.0")}, data.Real},
		{"numeric strings stay text", []any{"1", "2"}, data.Text},
		{"date strings", []any{"2024-03-05", ""}, data.Date},
		{"booleans", []any{true, false}, data.Boolean},
		{"objects", []any{jsonText(`{"a":1}`)}, data.Text},
		{"number and string", []any{jsonNumber("1"), "a"}, data.Text},
		{"only nulls", []any{nil, nil}, data.Text},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newColumn()
			for _, v := range tc.values {
				c.observeJSON(v)
			}
			if got := c.typ(); got != tc.want {
				t.Errorf("type = %v, want %v", got, tc.want)
			}
		})
	}
}
