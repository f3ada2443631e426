package geo

import (
	"errors"
	"fmt"
	"time"
)

// parseInstant parses a strict RFC 3339 date-time (upper- or lower-case 'T'
// and 'Z', optional fractional seconds, numeric offsets) or a full date
// YYYY-MM-DD. It returns the instant in UTC (midnight for a date) and whether
// s was a date only. Leap seconds (second 60) are rejected because time.Time
// cannot hold them; so is any instant whose UTC year is outside 0001..9999.
func parseInstant(s string) (t time.Time, dateOnly bool, err error) {
	bad := func(why string) (time.Time, bool, error) {
		return time.Time{}, false, fmt.Errorf("geo: datetime %s is not an RFC 3339 date-time or YYYY-MM-DD date: %s", quote(s), why)
	}
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return bad("expected YYYY-MM-DD at the start")
	}
	year, ok1 := num(s[0:4])
	month, ok2 := num(s[5:7])
	day, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return bad("expected YYYY-MM-DD at the start")
	}
	if year < 1 {
		return bad("year must be 0001 to 9999")
	}
	if month < 1 || month > 12 {
		return bad("month must be 01 to 12")
	}
	if day < 1 || day > DaysIn(year, month) {
		return bad(fmt.Sprintf("day must be 01 to %02d in that month", DaysIn(year, month)))
	}
	if len(s) == 10 {
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), true, nil
	}
	if s[10] != 'T' && s[10] != 't' {
		return bad("expected 'T' after the date")
	}
	if len(s) < 19 || s[13] != ':' || s[16] != ':' {
		return bad("expected hh:mm:ss after 'T'")
	}
	hour, ok1 := num(s[11:13])
	minute, ok2 := num(s[14:16])
	sec, ok3 := num(s[17:19])
	if !ok1 || !ok2 || !ok3 {
		return bad("expected hh:mm:ss after 'T'")
	}
	if hour > 23 || minute > 59 {
		return bad("hour must be 00 to 23 and minute 00 to 59")
	}
	if sec == 60 {
		return bad("leap seconds are not supported")
	}
	if sec > 59 {
		return bad("second must be 00 to 59")
	}
	i := 19
	nsec := 0
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && isDigit(s[i]) {
			if i-start < 9 {
				nsec = nsec*10 + int(s[i]-'0')
			}
			i++
		}
		n := i - start
		if n == 0 {
			return bad("expected digits after '.'")
		}
		for ; n < 9; n++ {
			nsec *= 10
		}
	}
	var offset int // seconds east of UTC
	switch rest := s[i:]; {
	case rest == "Z" || rest == "z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := num(rest[1:3])
		om, ok2 := num(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return bad("offset must be +hh:mm or -hh:mm")
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	case rest == "":
		return bad("missing time zone ('Z' or an offset such as +01:00)")
	default:
		return bad("expected 'Z' or an offset such as +01:00 after the time")
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC).Add(-time.Duration(offset) * time.Second)
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, false, fmt.Errorf("geo: datetime %s is outside the years 0001 to 9999 in UTC", quote(s))
	}
	return t, false, nil
}

// num parses a non-empty run of ASCII digits.
func num(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// IsDate reports whether s is a real calendar date written YYYY-MM-DD (years 0001 to 9999),
// without the cost of time.Parse: imports check every DATE value with it.
func IsDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	y, ok1 := num(s[0:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	return ok1 && ok2 && ok3 && y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= DaysIn(y, m)
}

// DaysIn returns the number of days of month (1-12) in year, leap years included.
func DaysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

var errEmptyDatetime = errors.New("geo: datetime is empty; give an instant or an interval such as 2022-03-01/2022-03-31")
