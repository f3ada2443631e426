package geo

import (
	"strings"
	"testing"
	"time"
)

func TestParseInterval(t *testing.T) {
	ts := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	var open time.Time
	cases := []struct {
		name       string
		in         string
		start, end time.Time
		str        string // want String(); "" means in
	}{
		{"instant", "2022-03-27T10:00:00Z", ts("2022-03-27T10:00:00Z"), ts("2022-03-27T10:00:00Z"), ""},
		{"instant lower case", "2022-03-27t10:00:00z", ts("2022-03-27T10:00:00Z"), ts("2022-03-27T10:00:00Z"), "2022-03-27T10:00:00Z"},
		{"instant offset", "2022-03-27T10:00:00+02:00", ts("2022-03-27T08:00:00Z"), ts("2022-03-27T08:00:00Z"), "2022-03-27T08:00:00Z"},
		{"instant negative offset across midnight", "2022-03-27T22:30:00-05:30", ts("2022-03-28T04:00:00Z"), ts("2022-03-28T04:00:00Z"), "2022-03-28T04:00:00Z"},
		{"instant minus zero offset", "2022-03-27T10:00:00-00:00", ts("2022-03-27T10:00:00Z"), ts("2022-03-27T10:00:00Z"), "2022-03-27T10:00:00Z"},
		{"fraction", "2022-03-27T10:00:00.5Z", ts("2022-03-27T10:00:00.5Z"), ts("2022-03-27T10:00:00.5Z"), ""},
		{"nanoseconds", "2022-03-27T10:00:00.123456789Z", ts("2022-03-27T10:00:00.123456789Z"), ts("2022-03-27T10:00:00.123456789Z"), ""},
		{"fraction beyond nanoseconds truncated", "2022-03-27T10:00:00.1234567891Z", ts("2022-03-27T10:00:00.123456789Z"), ts("2022-03-27T10:00:00.123456789Z"), "2022-03-27T10:00:00.123456789Z"},
		{"date", "2022-03-27", ts("2022-03-27T00:00:00Z"), ts("2022-03-27T23:59:59.999999999Z"), "2022-03-27T00:00:00Z/2022-03-27T23:59:59.999999999Z"},
		{"leap day", "2024-02-29", ts("2024-02-29T00:00:00Z"), ts("2024-02-29T23:59:59.999999999Z"), "2024-02-29T00:00:00Z/2024-02-29T23:59:59.999999999Z"},
		{"closed date-times", "2022-03-01T00:00:00Z/2022-03-31T12:00:00Z", ts("2022-03-01T00:00:00Z"), ts("2022-03-31T12:00:00Z"), ""},
		{"closed dates", "2022-03-01/2022-03-31", ts("2022-03-01T00:00:00Z"), ts("2022-03-31T23:59:59.999999999Z"), "2022-03-01T00:00:00Z/2022-03-31T23:59:59.999999999Z"},
		{"same date both ends", "2022-03-01/2022-03-01", ts("2022-03-01T00:00:00Z"), ts("2022-03-01T23:59:59.999999999Z"), "2022-03-01T00:00:00Z/2022-03-01T23:59:59.999999999Z"},
		{"mixed date and date-time", "2022-03-01/2022-03-01T05:00:00Z", ts("2022-03-01T00:00:00Z"), ts("2022-03-01T05:00:00Z"), "2022-03-01T00:00:00Z/2022-03-01T05:00:00Z"},
		{"equal ends is an instant", "2022-03-01T05:00:00Z/2022-03-01T05:00:00Z", ts("2022-03-01T05:00:00Z"), ts("2022-03-01T05:00:00Z"), "2022-03-01T05:00:00Z"},
		{"open start dots", "../2022-03-31", open, ts("2022-03-31T23:59:59.999999999Z"), "../2022-03-31T23:59:59.999999999Z"},
		{"open start empty", "/2022-03-31", open, ts("2022-03-31T23:59:59.999999999Z"), "../2022-03-31T23:59:59.999999999Z"},
		{"open end dots", "2022-03-01/..", ts("2022-03-01T00:00:00Z"), open, "2022-03-01T00:00:00Z/.."},
		{"open end empty", "2022-03-01/", ts("2022-03-01T00:00:00Z"), open, "2022-03-01T00:00:00Z/.."},
		{"fully open dots", "../..", open, open, ""},
		{"fully open slash", "/", open, open, "../.."},
		{"fully open mixed", "../", open, open, "../.."},
		{"year one", "0001-01-01", open, ts("0001-01-01T23:59:59.999999999Z"), "../0001-01-01T23:59:59.999999999Z"},
		{"year 9999", "9999-12-31T23:59:59.999999999Z", ts("9999-12-31T23:59:59.999999999Z"), ts("9999-12-31T23:59:59.999999999Z"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseInterval(c.in)
			if err != nil {
				t.Fatalf("ParseInterval(%q): %v", c.in, err)
			}
			if !got.Start.Equal(c.start) || !got.End.Equal(c.end) || got.Start.IsZero() != c.start.IsZero() || got.End.IsZero() != c.end.IsZero() {
				t.Fatalf("ParseInterval(%q) = %v .. %v, want %v .. %v", c.in, got.Start, got.End, c.start, c.end)
			}
			for _, tm := range []time.Time{got.Start, got.End} {
				if !tm.IsZero() && tm.Location() != time.UTC {
					t.Fatalf("ParseInterval(%q) gave a non-UTC time %v", c.in, tm)
				}
			}
			if got.IsZero() != (c.start.IsZero() && c.end.IsZero()) {
				t.Fatalf("IsZero() = %v", got.IsZero())
			}
			want := c.str
			if want == "" {
				want = c.in
			}
			if s := got.String(); s != want {
				t.Fatalf("String() = %q, want %q", s, want)
			}
			again, err := ParseInterval(got.String())
			if err != nil || again != got {
				t.Fatalf("ParseInterval(String()) = %v, %v; want %v", again, err, got)
			}
		})
	}
}

func TestParseIntervalErrors(t *testing.T) {
	cases := []struct {
		name, in, msg string
	}{
		{"empty", "", "empty"},
		{"dots alone", "..", "open end"},
		{"two slashes", "2022-03-01/2022-03-02/2022-03-03", "more than one '/'"},
		{"three dots", ".../2022-03-01", "not an RFC 3339"},
		{"garbage", "yesterday", "not an RFC 3339"},
		{"garbage end", "2022-03-01/soon", "not an RFC 3339"},
		{"start after end", "2022-03-02/2022-03-01", "after end"},
		{"start after end same day", "2022-03-01T10:00:00Z/2022-03-01T09:59:59Z", "after end"},
		{"start date after end time", "2022-03-01/2022-02-28T23:00:00Z", "after end"},
		{"year zero", "0000-01-01", "year"},
		{"five digit year", "10000-01-01", "YYYY-MM-DD"},
		{"negative year", "-001-01-01", "YYYY-MM-DD"},
		{"short year", "22-03-01", "YYYY-MM-DD"},
		{"month 13", "2022-13-01", "month"},
		{"month 0", "2022-00-01", "month"},
		{"day 0", "2022-03-00", "day"},
		{"feb 29 no leap", "2023-02-29", "day must be 01 to 28"},
		{"feb 29 1900", "1900-02-29", "day must be 01 to 28"},
		{"april 31", "2022-04-31", "day must be 01 to 30"},
		{"single digit month", "2022-3-01", "YYYY-MM-DD"},
		{"date then junk", "2022-03-01x", "'T'"},
		{"space separator", "2022-03-01 10:00:00Z", "'T'"},
		{"no zone", "2022-03-01T10:00:00", "missing time zone"},
		{"no seconds", "2022-03-01T10:00Z", "hh:mm:ss"},
		{"single digit hour", "2022-03-01T1:00:00Z", "hh:mm:ss"},
		{"hour 24", "2022-03-01T24:00:00Z", "hour"},
		{"minute 60", "2022-03-01T10:60:00Z", "minute"},
		{"second 61", "2022-03-01T10:00:61Z", "second"},
		{"leap second", "2016-12-31T23:59:60Z", "leap second"},
		{"empty fraction", "2022-03-01T10:00:00.Z", "digits after '.'"},
		{"comma fraction", "2022-03-01T10:00:00,5Z", "'Z' or an offset"},
		{"offset without colon", "2022-03-01T10:00:00+0100", "'Z' or an offset"},
		{"offset hour only", "2022-03-01T10:00:00+01", "'Z' or an offset"},
		{"offset 24", "2022-03-01T10:00:00+24:00", "offset"},
		{"offset minute 60", "2022-03-01T10:00:00+01:60", "offset"},
		{"zone name", "2022-03-01T10:00:00UTC", "'Z' or an offset"},
		{"trailing junk", "2022-03-01T10:00:00Zjunk", "'Z' or an offset"},
		{"time.Parse loose fraction", "2022-03-01T10:00:00Z.5", "'Z' or an offset"},
		{"utc year 10000", "9999-12-31T23:00:00-05:00", "years 0001 to 9999"},
		{"utc year 0", "0001-01-01T00:30:00+01:00", "years 0001 to 9999"},
		{"zero instant", "0001-01-01T00:00:00Z", "open end"},
		{"zero end", "../0001-01-01T00:00:00Z", "open end"},
		{"unicode digits", "２０２２-03-01", "YYYY-MM-DD"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseInterval(c.in)
			if err == nil {
				t.Fatalf("ParseInterval(%q) = %v, want an error", c.in, got)
			}
			if !strings.HasPrefix(err.Error(), "geo: ") || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("ParseInterval(%q) error %q, want it to start with \"geo: \" and contain %q", c.in, err, c.msg)
			}
		})
	}
}

func TestIntervalZeroStartIsOpen(t *testing.T) {
	iv, err := ParseInterval("0001-01-01T00:00:00Z/2000-01-01")
	if err != nil {
		t.Fatal(err)
	}
	if !iv.Start.IsZero() || iv.String() != "../2000-01-01T23:59:59.999999999Z" {
		t.Fatalf("got %v", iv)
	}
}

func TestIntervalString(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	cases := []struct {
		name string
		in   Interval
		want string
	}{
		{"zero", Interval{}, "../.."},
		{"open end", Interval{Start: time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)}, "2022-03-01T00:00:00Z/.."},
		{"open start", Interval{End: time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)}, "../2022-03-01T00:00:00Z"},
		{"converted to UTC", Interval{Start: time.Date(2022, 3, 1, 1, 0, 0, 0, paris), End: time.Date(2022, 3, 1, 2, 0, 0, 0, paris)}, "2022-03-01T00:00:00Z/2022-03-01T01:00:00Z"},
		{"instant in another zone", Interval{Start: time.Date(2022, 3, 1, 1, 0, 0, 0, paris), End: time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)}, "2022-03-01T00:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.in.String(); got != c.want {
				t.Fatalf("String() = %q, want %q", got, c.want)
			}
		})
	}
}

func TestIntervalDates(t *testing.T) {
	cases := []struct {
		name, in, start, end string
	}{
		{"open", "../..", "", ""},
		{"date", "2022-03-27", "2022-03-27", "2022-03-27"},
		{"dates", "2022-03-01/2022-03-31", "2022-03-01", "2022-03-31"},
		{"open start", "../2022-03-31", "", "2022-03-31"},
		{"open end", "2022-03-01/..", "2022-03-01", ""},
		{"date-times", "2022-03-01T23:00:00Z/2022-03-02T01:00:00Z", "2022-03-01", "2022-03-02"},
		{"offset moves the day", "2022-03-01T23:30:00-02:00", "2022-03-02", "2022-03-02"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			iv, err := ParseInterval(c.in)
			if err != nil {
				t.Fatal(err)
			}
			s, e := iv.Dates()
			if s != c.start || e != c.end {
				t.Fatalf("Dates() = %q, %q; want %q, %q", s, e, c.start, c.end)
			}
		})
	}
}

func FuzzParseInterval(f *testing.F) {
	for _, s := range []string{
		"2022-03-27T10:00:00Z", "2022-03-27", "2022-03-01/2022-03-31", "../2022-03-31", "/2022-03-31",
		"2022-03-01/..", "2022-03-01/", "../..", "/", "2022-03-27t10:00:00.123+05:30", "", "..",
		"a/b/c", "2022-02-30", "2016-12-31T23:59:60Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00",
		"2022-03-02/2022-03-01",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iv, err := ParseInterval(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "geo: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		if !iv.Start.IsZero() && !iv.End.IsZero() && iv.Start.After(iv.End) {
			t.Fatalf("ParseInterval(%q) = %v: start after end", s, iv)
		}
		str := iv.String()
		again, err := ParseInterval(str)
		if err != nil {
			t.Fatalf("ParseInterval(%q).String() = %q does not parse: %v", s, str, err)
		}
		if again != iv {
			t.Fatalf("ParseInterval(%q) = %#v, but its String() %q parses to %#v", s, iv, str, again)
		}
		d1, d2 := iv.Dates()
		if (d1 == "") != iv.Start.IsZero() || (d2 == "") != iv.End.IsZero() {
			t.Fatalf("Dates() = %q, %q for %v", d1, d2, iv)
		}
	})
}

func BenchmarkParseInterval(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseInterval("2022-03-01T10:00:00Z/2022-03-31"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestIsDate(t *testing.T) {
	for s, want := range map[string]bool{
		"2024-02-29": true, "2023-02-29": false, "2000-02-29": true, "1900-02-29": false,
		"2024-04-31": false, "2024-12-31": true, "0000-01-01": false, "2024-13-01": false,
		"2024-1-01": false, "2024-01-01T00:00:00Z": false, "": false, "2024/01/01": false,
	} {
		if got := IsDate(s); got != want {
			t.Errorf("IsDate(%q) = %v, want %v", s, got, want)
		}
	}
}
