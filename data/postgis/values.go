package postgis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/harmattan/harmattan/data"
)

// param is how a written value of field f is bound: the Go value (see data.Field.Value; dates
// become time.Time) and the SQL type its placeholder is cast to. Text is bound as text and cast
// to the column's own type, so that uuid, json or enum columns take it too.
func (t *table) param(f data.Field, v any) (any, string, error) {
	v, err := f.Value(v)
	if err != nil {
		return nil, "", err
	}
	switch f.Type {
	case data.Integer:
		return v, "int8", nil
	case data.Real:
		return v, "float8", nil
	case data.Boolean:
		return v, "bool", nil
	case data.Date:
		if s, ok := v.(string); ok {
			d, err := time.Parse(time.DateOnly, s)
			return d, "date", err
		}
		return nil, "date", nil
	case data.DateTime:
		return v, "timestamptz", nil
	}
	if c := t.cols[f.Name]; !c.isText() {
		return v, "text::" + c.format, nil
	}
	return v, "text", nil
}

// stagingType is the column type a field has in an import's staging table.
func stagingType(f data.Field) string {
	switch f.Type {
	case data.Integer:
		return "int8"
	case data.Real:
		return "float8"
	case data.Boolean:
		return "bool"
	case data.Date:
		return "date"
	case data.DateTime:
		return "timestamptz"
	}
	return "text"
}

// geometryWKB fits r's geometry to the table's declared type and encodes it as WKB (nil for
// no geometry).
func (t *table) geometryWKB(g orb.Geometry) ([]byte, error) {
	g, err := data.FitGeometry(g, data.GeometryTypeName(t.coll.GeometryType))
	if err != nil || g == nil {
		return nil, err
	}
	return wkb.Marshal(g)
}

// geomFromWKB is the SQL that turns the WKB placeholder or column x into the table's geometry.
func (t *table) geomFromWKB(x string) string {
	g := "ST_GeomFromWKB(" + x + ", 4326)"
	switch t.srid {
	case 4326:
	case 0:
		g = "ST_GeomFromWKB(" + x + ")"
	default:
		g = "ST_Transform(" + g + ", " + strconv.Itoa(t.srid) + ")"
	}
	return g
}

// dbError turns PostgreSQL's complaints about written data (a value out of range for its
// column, a NOT NULL or CHECK constraint) into errors wrapping data.ErrSchema, which clients
// get as 400; other errors pass unchanged.
func dbError(where string, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || len(pe.Code) < 2 || pe.Code[:2] != "22" && pe.Code[:2] != "23" {
		return err
	}
	field := pe.ColumnName
	if where == "" {
		where = "feature"
	}
	return &data.RecordError{Where: where, Field: field, Err: fmt.Errorf("%w: %s", data.ErrSchema, pe.Message)}
}

// readError makes a query ended by the statement timeout (SQLSTATE 57014) an error wrapping
// context.DeadlineExceeded, which clients get as 503 like any request that ran out of time.
func readError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "57014" {
		return fmt.Errorf("%w: the statement timeout ended the query (%s)", context.DeadlineExceeded, pe.Message)
	}
	return err
}
