package ingest

import (
	"math"
	"strconv"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

// jsonNumber is a JSON number as written in the input, kept as text until the field's type
// says whether it is an int64 or a float64.
type jsonNumber string

// jsonText is a JSON object or array property, kept as its (compacted) JSON text.
type jsonText string

// convertText converts the non-empty CSV value s to type t: int64, float64, bool, or a string
// (dates as YYYY-MM-DD, date-times as RFC 3339 in UTC). acled also reads "05 March 2024" as a
// date. The error is a typeError.
func convertText(s string, t data.FieldType, acled bool) (any, error) {
	switch t {
	case data.Integer:
		if n, ok := parseInt(s); ok {
			return n, nil
		}
		// An integral number written as a decimal ("12.0", "1e3") fits too.
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			return int64(f), nil
		}
		return nil, notA(s, "an integer")
	case data.Real:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, notA(s, "a number")
		}
		return f, nil
	case data.Boolean:
		switch {
		case s == "1" || equalFoldASCII(s, "true"):
			return true, nil
		case s == "0" || equalFoldASCII(s, "false"):
			return false, nil
		}
		return nil, notA(s, "a boolean (true or false)")
	case data.Date:
		if geo.IsDate(s) {
			return s, nil
		}
		if acled {
			if d, ok := acledDate(s); ok {
				return d, nil
			}
			return nil, notA(s, `a date (YYYY-MM-DD or "DD Month YYYY")`)
		}
		return nil, notA(s, "a date (YYYY-MM-DD)")
	case data.DateTime:
		if d, ok := normDateTime(s); ok {
			return d, nil
		}
		if geo.IsDate(s) {
			return s + "T00:00:00Z", nil
		}
		if acled {
			if d, ok := acledDate(s); ok {
				return d + "T00:00:00Z", nil
			}
		}
		return nil, notA(s, "an RFC 3339 date-time")
	}
	return s, nil
}

// parseInt parses a base-10 int64 (leading zeros and '-' allowed) without strconv's error
// allocation on the common path.
func parseInt(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	neg := s[0] == '-'
	d := s
	if neg {
		d = s[1:]
		if d == "" {
			return 0, false
		}
	}
	var n int64
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// convertValue converts a decoded value (nil, string, bool, int64, float64, jsonNumber,
// jsonText) to type t. When known is false the value keeps its own type: a jsonNumber
// becomes an int64 when it is an integer literal that fits, else a float64. The empty string
// is NULL for every type but TEXT. The error is a typeError.
func convertValue(v any, t data.FieldType, known, acled bool) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		if !known || t == data.Text {
			return x, nil
		}
		if x == "" {
			return nil, nil
		}
		return convertText(x, t, acled)
	case jsonText:
		if !known || t == data.Text {
			return string(x), nil
		}
		return nil, &typeError{msg: "a JSON object or array is not " + typeName(t)}
	case jsonNumber:
		s := string(x)
		if !known {
			if isIntLiteral(s) {
				n, _ := parseInt(s)
				return n, nil
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, notA(s, "a finite number")
			}
			return f, nil
		}
		switch t {
		case data.Integer, data.Real:
			if v, err := convertText(s, t, false); err == nil {
				return v, nil
			}
		case data.Text:
			return s, nil
		}
		return nil, &typeError{msg: "the number " + s + " is not " + typeName(t)}
	case bool:
		switch {
		case !known || t == data.Boolean:
			return x, nil
		case t == data.Text:
			return strconv.FormatBool(x), nil
		}
		return nil, &typeError{msg: strconv.FormatBool(x) + " is not " + typeName(t)}
	case int64:
		switch {
		case !known || t == data.Integer:
			return x, nil
		case t == data.Real:
			return float64(x), nil
		case t == data.Text:
			return strconv.FormatInt(x, 10), nil
		case t == data.Boolean && (x == 0 || x == 1):
			return x == 1, nil
		}
		return nil, &typeError{msg: "the integer " + strconv.FormatInt(x, 10) + " is not " + typeName(t)}
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		switch {
		case !known || t == data.Real:
			return x, nil
		case t == data.Integer && x == math.Trunc(x) && math.Abs(x) <= 1<<53:
			return int64(x), nil
		case t == data.Text:
			return s, nil
		}
		return nil, &typeError{msg: "the number " + s + " is not " + typeName(t)}
	}
	return nil, &typeError{msg: "unsupported value"}
}

// typeName returns "an integer", "a number", ... for error messages.
func typeName(t data.FieldType) string {
	switch t {
	case data.Integer:
		return "an integer"
	case data.Real:
		return "a number"
	case data.Boolean:
		return "a boolean"
	case data.Date:
		return "a date"
	case data.DateTime:
		return "a date-time"
	}
	return "text"
}
