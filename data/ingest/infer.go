package ingest

import (
	"strconv"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

// Type candidates a column may still have while its values are scanned. A value narrows the
// set to the types it can be read as; the column's type is the narrowest candidate left.
const (
	canInt  uint8 = 1 << iota // every value is an integer literal that fits int64
	canReal                   // every value is a decimal number (integers included)
	canBool                   // every value is true or false
	canDate                   // every value is a YYYY-MM-DD date
	canTime                   // every value is a date or an RFC 3339 date-time

	canAll = canInt | canReal | canBool | canDate | canTime
)

// column is the type inference state of one column or property: no allocation per value.
type column struct {
	can  uint8
	seen bool // a non-null value was met
}

func newColumn() column { return column{can: canAll} }

// observeText narrows the column by a CSV value. acled also accepts ACLED's "05 March 2024"
// as a date. The empty string is NULL and narrows nothing.
func (c *column) observeText(s string, acled bool) {
	if s == "" {
		return
	}
	c.seen = true
	if c.can != 0 {
		c.can &= classifyText(s, c.can, acled)
	}
}

// observeJSON narrows the column by a decoded JSON value (see jsonValue): numbers can be
// INTEGER or REAL, booleans BOOLEAN, strings only DATE, DATETIME or TEXT. null and "" narrow
// nothing.
func (c *column) observeJSON(v any) {
	var can uint8
	switch x := v.(type) {
	case nil:
		return
	case string:
		if x == "" {
			return
		}
		if c.can&(canDate|canTime) != 0 {
			can = classifyText(x, canDate|canTime, false)
		}
	case jsonNumber:
		can = canReal
		if isIntLiteral(string(x)) {
			can |= canInt
		}
	case bool:
		can = canBool
	}
	c.seen = true
	c.can &= can
}

// typ returns the inferred type: TEXT for a column with no values.
func (c *column) typ() data.FieldType {
	switch {
	case !c.seen:
		return data.Text
	case c.can&canInt != 0:
		return data.Integer
	case c.can&canReal != 0:
		return data.Real
	case c.can&canBool != 0:
		return data.Boolean
	case c.can&canDate != 0:
		return data.Date
	case c.can&canTime != 0:
		return data.DateTime
	}
	return data.Text
}

// classifyText returns the subset of want that the non-empty text s can be read as.
func classifyText(s string, want uint8, acled bool) uint8 {
	var got uint8
	c := s[0]
	if want&(canInt|canReal) != 0 && (c == '-' || c == '.' || c >= '0' && c <= '9') {
		if isIntLiteral(s) {
			got |= canInt | canReal
		} else if isDecimal(s) {
			got |= canReal
		}
	}
	if want&canBool != 0 && (s == "true" || s == "false" || s == "TRUE" || s == "FALSE" || s == "True" || s == "False") {
		got |= canBool
	}
	if want&(canDate|canTime) != 0 {
		switch {
		case geo.IsDate(s):
			got |= canDate | canTime
		case acled && c >= '0' && c <= '9' && len(s) < 20:
			if _, ok := acledDate(s); ok {
				got |= canDate | canTime
			}
		case want&canTime != 0 && isDateTime(s):
			got |= canTime
		}
	}
	return got & want
}

// isIntLiteral tells whether s is a base-10 integer that fits int64, optionally negative,
// without a leading zero (so "007", a code, stays text and keeps its zeros).
func isIntLiteral(s string) bool {
	d := s
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 19 || d[0] == '0' && len(d) > 1 {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	if len(d) == 19 {
		_, err := strconv.ParseInt(s, 10, 64)
		return err == nil
	}
	return true
}

// isDecimal tells whether s is a finite decimal number: optional '-', digits with an optional
// fraction (no leading zero before another digit), optional exponent. NaN, Inf, hexadecimal
// and '+' are not.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intDigits := i - start
	if intDigits > 1 && s[start] == '0' {
		return false
	}
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		f := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		fracDigits = i - f
	}
	if intDigits+fracDigits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		e := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == e {
			return false
		}
	}
	if i != len(s) {
		return false
	}
	_, err := strconv.ParseFloat(s, 64) // out of range (1e999) is not finite
	return err == nil
}
