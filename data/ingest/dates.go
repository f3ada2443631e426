package ingest

import (
	"time"

	"github.com/harmattan/harmattan/geo"
)

// acledDate converts ACLED's "05 March 2024" (day of one or two digits, English month name
// in full or its first three letters, any letter case) to "2024-03-05". ok is false for
// anything else, including dates that do not exist.
func acledDate(s string) (string, bool) {
	// Shortest "1 May 2024" (10), longest "30 September 2024" (17).
	if len(s) < 10 || len(s) > 17 {
		return "", false
	}
	i := 0
	day := 0
	for i < len(s) && i < 2 && s[i] >= '0' && s[i] <= '9' {
		day = day*10 + int(s[i]-'0')
		i++
	}
	if i == 0 || i >= len(s) || s[i] != ' ' {
		return "", false
	}
	i++
	j := i
	for j < len(s) && s[j] != ' ' {
		j++
	}
	month := monthNumber(s[i:j])
	if month == 0 || j+5 != len(s) {
		return "", false
	}
	year, ok := digits(s[j+1:])
	if !ok || year < 1 || day < 1 || day > geo.DaysIn(year, month) {
		return "", false
	}
	var b [10]byte
	put4(b[0:4], year)
	b[4] = '-'
	put2(b[5:7], month)
	b[7] = '-'
	put2(b[8:10], day)
	return string(b[:]), true
}

// monthNumber returns 1 to 12 for an English month name in full or its first three letters,
// in any letter case, and 0 for anything else.
func monthNumber(s string) int {
	var b [9]byte // "september"
	if len(s) < 3 || len(s) > len(b) {
		return 0
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	switch string(b[:len(s)]) {
	case "jan", "january":
		return 1
	case "feb", "february":
		return 2
	case "mar", "march":
		return 3
	case "apr", "april":
		return 4
	case "may":
		return 5
	case "jun", "june":
		return 6
	case "jul", "july":
		return 7
	case "aug", "august":
		return 8
	case "sep", "september":
		return 9
	case "oct", "october":
		return 10
	case "nov", "november":
		return 11
	case "dec", "december":
		return 12
	}
	return 0
}

// equalFoldASCII compares s with lower, an all-lower-case ASCII string, ignoring ASCII case.
func equalFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// isDateTime tells whether s is an RFC 3339 date-time ("2024-03-05T14:30:00Z",
// "2024-03-05T14:30:00.5+01:00"). Only an upper-case T and Z are accepted.
func isDateTime(s string) bool {
	_, ok := normDateTime(s)
	return ok
}

// normDateTime returns the RFC 3339 date-time s in UTC, formatted as time.RFC3339Nano. s
// already in that form (the common "2024-03-05T14:30:00Z") comes back as it is.
func normDateTime(s string) (string, bool) {
	if len(s) < 20 || s[10] != 'T' || !geo.IsDate(s[:10]) {
		return "", false
	}
	if len(s) == 20 && s[19] == 'Z' && s[13] == ':' && s[16] == ':' {
		h, ok1 := digits(s[11:13])
		m, ok2 := digits(s[14:16])
		sec, ok3 := digits(s[17:19])
		if ok1 && ok2 && ok3 && h < 24 && m < 60 && sec < 60 {
			return s, true
		}
		return "", false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", false
	}
	t = t.UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		return "", false
	}
	return t.Format(time.RFC3339Nano), true
}

// digits parses s, all ASCII digits, as a non-negative number.
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func put2(b []byte, n int) { b[0], b[1] = byte('0'+n/10), byte('0'+n%10) }

func put4(b []byte, n int) {
	put2(b[0:2], n/100)
	put2(b[2:4], n%100)
}
