package data

import (
	"context"
	"errors"

	"github.com/paulmach/orb"
)

// Record is one feature to write: a geometry in WGS84 and properties by name. Values are nil,
// string, int64, float64 or bool; DATE values are "YYYY-MM-DD" strings and DATETIME values RFC
// 3339 strings. Where says where the record came from, for error messages ("events.csv:12",
// "events.geojson: feature 7").
type Record struct {
	Geometry   orb.Geometry
	Properties map[string]any
	// Names and Values hold the properties instead of Properties when Names is not nil:
	// Values[i] is property Names[i]. A reader that makes many records shares one Names slice
	// between them, which lets a store match names to columns once instead of per record.
	Names  []string
	Values []any
	Where  string
	// ID, when not 0, is the id the feature is written with (a migration keeps ids); 0 lets the
	// store assign one. Editor.Insert ignores it.
	ID int64
}

// Property returns the value of property name and whether the record has it.
func (r *Record) Property(name string) (any, bool) {
	if r.Names == nil {
		v, ok := r.Properties[name]
		return v, ok
	}
	for i, n := range r.Names {
		if n == name {
			return r.Values[i], true
		}
	}
	return nil, false
}

// Len returns the number of properties.
func (r *Record) Len() int {
	if r.Names == nil {
		return len(r.Properties)
	}
	return len(r.Names)
}

// Each calls fn for every property of the record.
func (r *Record) Each(fn func(name string, v any)) {
	if r.Names == nil {
		for k, v := range r.Properties {
			fn(k, v)
		}
		return
	}
	for i, n := range r.Names {
		fn(n, r.Values[i])
	}
}

// ImportMode says what an import does with a layer that exists.
type ImportMode int

const (
	// Append adds the records to the layer (a new layer is created).
	Append ImportMode = iota
	// Replace empties the layer first.
	Replace
	// Upsert updates the feature whose Key property equals the record's, and adds the others.
	Upsert
)

// ImportSpec describes an import into one layer.
type ImportSpec struct {
	Layer string
	Mode  ImportMode
	// Key is the property Upsert matches on (for ACLED data, event_id_cnty).
	Key string
	// Fields, GeometryType ("POINT", "POLYGON", ..., "GEOMETRY") and TemporalField are the schema
	// of a new layer, as inferred from the data. For an existing layer its schema is kept, and a
	// field of Fields that it lacks or has with another type is an error naming the field
	// (wrapping ErrSchema); INTEGER values fit a REAL field and DATE values a DATETIME field.
	Fields             []Field
	GeometryType       string
	TemporalField      string
	Title, Description string
	// OnInvalid is called for a record the store cannot write (a value that does not convert to
	// its field's type, a geometry of the wrong type); returning nil skips the record, returning
	// an error aborts the import with it. Nil aborts on the first invalid record.
	OnInvalid func(r *Record, err error) error
}

// ImportResult counts what an import did. Bounds covers every feature it wrote, and for
// Replace and Upsert also those it removed or changed (their old positions): the area whose
// tiles changed.
type ImportResult struct {
	Inserted, Updated, Skipped int64
	Bounds                     orb.Bound
}

// Importer is implemented by stores that take bulk writes. Import reads records from next until
// next returns io.EOF and writes them in one transaction: either every record lands or none
// does (an error from next, from OnInvalid, or ctx ending leaves the store as it was).
type Importer interface {
	Import(ctx context.Context, spec ImportSpec, next func() (*Record, error)) (ImportResult, error)
}

// Editor is implemented by stores whose features can be changed one at a time. Each call is one
// transaction. check, when not nil, is called inside the transaction with the feature as it is
// (all properties) before it changes; an error from check aborts the change and is returned, so
// that a caller can compare ETags without a race.
type Editor interface {
	// Insert adds features to collection coll, all or none, and returns their ids.
	Insert(ctx context.Context, coll string, rs []*Record) ([]int64, error)
	// Update replaces feature id's geometry and properties with r's (properties r lacks become
	// NULL) or, with patch, changes only the properties r has (a nil value sets NULL) and the
	// geometry if r has one. It returns the feature's bounds before and after.
	Update(ctx context.Context, coll string, id int64, r *Record, patch bool, check func(old *Feature) error) (before, after orb.Bound, err error)
	// Delete removes feature id and returns its bounds.
	Delete(ctx context.Context, coll string, id int64, check func(old *Feature) error) (orb.Bound, error)
}

// RecordError is a record that does not fit a layer: Import hands it to ImportSpec.OnInvalid.
// Every RecordError is an ErrSchema.
type RecordError struct {
	Where, Field string
	Err          error
}

func (e *RecordError) Error() string {
	if e.Field == "" {
		return e.Where + ": " + e.Err.Error()
	}
	return e.Where + ": field " + e.Field + ": " + e.Err.Error()
}

func (e *RecordError) Unwrap() error { return e.Err }

// Is makes every RecordError an ErrSchema.
func (e *RecordError) Is(target error) bool { return target == ErrSchema }

// ErrSchema is wrapped by errors about data that does not fit a layer's schema: an unknown
// property, a value of the wrong type, a geometry of the wrong type.
var ErrSchema = errors.New("data: does not fit the schema")

// Change is one write recorded by a store, so that every server reading the store can drop the
// cached tiles it touched: the layer and the bounds of the changed features, old and new
// positions. A Change with no Bounds means that anything in Layer may have changed, and one with
// no Layer that anything at all may have.
type Change struct {
	Seq    int64
	Layer  string
	Bounds []orb.Bound
}

// WriteWaiter is implemented by stores whose version can move before a write commits (SQLite
// restarts its write-ahead log as a write begins): WaitWrites returns once no write is in
// progress, so that an empty change log then means a write that logs nothing.
type WriteWaiter interface {
	WaitWrites(ctx context.Context) error
}

// ChangeLog is implemented by stores that record their writes (imports and edits, by any
// process) in the store itself. Changes returns those after seq, in order, and the last seq
// (seq itself when there are none).
type ChangeLog interface {
	Changes(ctx context.Context, after int64) ([]Change, int64, error)
}
