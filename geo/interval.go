package geo

import (
	"fmt"
	"strings"
	"time"
)

// Interval is a closed time interval; a zero Start or End means that end is open.
// Times returned by ParseInterval are in UTC.
type Interval struct {
	Start, End time.Time
}

// IsZero reports whether both ends are open, in which case the interval does
// not filter anything.
func (i Interval) IsZero() bool {
	return i.Start.IsZero() && i.End.IsZero()
}

// ParseInterval parses the OGC API Features datetime query parameter: an
// instant, or "start/end" where either end may be open ("" or "..").
//
// An instant is a strict RFC 3339 date-time ("2022-03-27T10:00:00Z"; numeric
// offsets, fractional seconds and lower-case 't'/'z' accepted) or a full date
// ("2022-03-27"). A single date-time gives Start == End. A single date gives
// the whole day: 00:00:00Z to 23:59:59.999999999Z. In an interval a date as
// start means 00:00:00Z of that day and a date as end 23:59:59.999999999Z of
// that day. All times are converted to UTC.
//
// "../..", "../", "/.." and "/" are valid fully open intervals (IsZero).
// Errors: the empty string, ".." alone, more than one '/', anything that is
// not RFC 3339 (including forms time.Parse would accept loosely), leap
// seconds, years outside 0001..9999 (also after conversion to UTC), a start
// after the end, and an end of exactly 0001-01-01T00:00:00Z, which cannot be
// told apart from an open end. A start of exactly 0001-01-01T00:00:00Z is
// accepted and behaves like an open start.
func ParseInterval(s string) (Interval, error) {
	if s == "" {
		return Interval{}, errEmptyDatetime
	}
	switch strings.Count(s, "/") {
	case 0:
		if s == ".." {
			return Interval{}, fmt.Errorf("geo: datetime \"..\" is only valid as an open end of an interval such as ../2022-03-31")
		}
		t, dateOnly, err := parseInstant(s)
		if err != nil {
			return Interval{}, err
		}
		if dateOnly {
			return Interval{Start: t, End: endOfDay(t)}, nil
		}
		if t.IsZero() {
			return Interval{}, errZeroEnd(s)
		}
		return Interval{Start: t, End: t}, nil
	case 1:
	default:
		return Interval{}, fmt.Errorf("geo: datetime %s has more than one '/'; use start/end", quote(s))
	}
	a, b, _ := strings.Cut(s, "/")
	var iv Interval
	if a != "" && a != ".." {
		t, _, err := parseInstant(a)
		if err != nil {
			return Interval{}, err
		}
		iv.Start = t
	}
	if b != "" && b != ".." {
		t, dateOnly, err := parseInstant(b)
		if err != nil {
			return Interval{}, err
		}
		if dateOnly {
			t = endOfDay(t)
		}
		if t.IsZero() {
			return Interval{}, errZeroEnd(b)
		}
		iv.End = t
	}
	if !iv.Start.IsZero() && !iv.End.IsZero() && iv.Start.After(iv.End) {
		return Interval{}, fmt.Errorf("geo: datetime start %s is after end %s", iv.Start.Format(time.RFC3339Nano), iv.End.Format(time.RFC3339Nano))
	}
	return iv, nil
}

// String formats i in the OGC datetime form: a single date-time when Start
// equals End (and is not open), otherwise "start/end" with ".." for an open
// end ("../.." for the zero Interval). Ends are written in UTC as RFC 3339
// with as many fractional digits as needed, e.g. "2022-03-01T00:00:00Z/..".
// The result round-trips through ParseInterval for every Interval that
// ParseInterval returns; times outside the years 0001..9999 do not.
func (i Interval) String() string {
	if !i.Start.IsZero() && i.Start.Equal(i.End) {
		return formatEnd(i.Start)
	}
	return formatEnd(i.Start) + "/" + formatEnd(i.End)
}

// Dates returns the UTC calendar dates (YYYY-MM-DD) on which i starts and
// ends, "" for an open end. A DATE column value d overlaps i exactly when
// start <= d <= end as strings (ignoring the open ends), so these are the
// bounds to use for DATE columns.
func (i Interval) Dates() (start, end string) {
	if !i.Start.IsZero() {
		start = i.Start.UTC().Format(time.DateOnly)
	}
	if !i.End.IsZero() {
		end = i.End.UTC().Format(time.DateOnly)
	}
	return start, end
}

func formatEnd(t time.Time) string {
	if t.IsZero() {
		return ".."
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func endOfDay(t time.Time) time.Time {
	return t.Add(24*time.Hour - time.Nanosecond)
}

func errZeroEnd(s string) error {
	return fmt.Errorf("geo: datetime %s as an end is the earliest representable instant and cannot be told apart from an open end; use a later end", quote(s))
}
