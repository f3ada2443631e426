package sqlite

import (
	"encoding/base64"
	"time"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

// value normalises a scanned column value to what data.Feature promises: nil, string, int64,
// float64 or bool, with dates formatted as text (selectList reads DATE and DATETIME columns
// as text, so go-sqlite3 never hands back a time.Time). SQLite is dynamically typed, so a value that
// does not match its column's declared type is passed through as it is stored.
func value(t data.FieldType, v any) any {
	switch x := v.(type) {
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case string:
		if t == data.Date || t == data.DateTime {
			return formatTime(t, x)
		}
	case int64:
		if t == data.Boolean {
			return x != 0
		}
	}
	return v
}

// timeLayouts are the text forms of DATETIME values met in GeoPackage files (GDAL writes the
// first, SQLite's own functions the others).
var timeLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04",
	"2006-01-02",
}

// formatTime formats a stored DATE as YYYY-MM-DD and a stored DATETIME as RFC 3339 (UTC).
// Text that is not a recognisable date is returned unchanged rather than lost.
func formatTime(t data.FieldType, s string) string {
	if t == data.Date && geo.IsDate(s) { // the common case, without time.Parse
		return s
	}
	for _, layout := range timeLayouts {
		v, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if t == data.Date {
			return v.Format(time.DateOnly)
		}
		return v.UTC().Format(time.RFC3339Nano)
	}
	return s
}
