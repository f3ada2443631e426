package ingest

import (
	"strconv"
	"strings"

	"github.com/harmattan/harmattan/data"
)

// Error is a problem with one input record: a value that does not fit its column, a
// coordinate out of range, an invalid geometry. Next returns it and stays usable, so that a
// caller may count the record and carry on with the next one. Any error from Next that is not
// an *Error (errors.As) is fatal: the input is broken beyond one record, and Next keeps
// returning it.
type Error struct {
	// Where is the record's place in the input: "events.csv:12" (the line the record starts
	// on), "roads.geojson: feature 7", "roads.geojsonl:7", "roads.gpkg: table roads feature 12".
	Where string
	// Field is the property or column at fault, "" when the record as a whole is.
	Field string
	Err   error
}

// Error returns `events.csv:12: field latitude: "abc" is not a number`, without the field
// part when Field is "".
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Where + ": " + e.Err.Error()
	}
	return e.Where + ": field " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns Err. Errors about a value that does not convert to its field's type wrap
// data.ErrSchema.
func (e *Error) Unwrap() error { return e.Err }

// typeError says that a value does not fit a field's type. Its message is the reason alone;
// it wraps data.ErrSchema for errors.Is.
type typeError struct{ msg string }

func (e *typeError) Error() string { return e.msg }
func (e *typeError) Unwrap() error { return data.ErrSchema }

// notA returns the typeError `"abc" is not a number` (what is "a number").
func notA(v, what string) error {
	return &typeError{msg: quoteValue(v) + " is not " + what}
}

// quoteValue quotes v for an error message, shortening long values.
func quoteValue(v string) string {
	const max = 60
	if len(v) > max {
		cut := max
		for cut > 0 && !isRuneStart(v[cut]) {
			cut--
		}
		return strconv.Quote(v[:cut]) + "…"
	}
	return strconv.Quote(v)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// joinNames lists names for an error message: "a", "b", "c".
func joinNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
