// Package data defines what Harmattan serves: collections of vector features in WGS84 lon/lat,
// read through the Store interface. Backends (data/sqlite, later data/postgis) implement Store;
// the HTTP and tile layers only ever see this package.
package data

import (
	"context"
	"errors"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/geo"
)

// ErrNotFound is wrapped by every error that means "no such collection or feature".
var ErrNotFound = errors.New("data: not found")

// ErrInvalidQuery is wrapped by errors caused by a query the caller built wrongly for a
// collection (an unknown property, a value of the wrong type). Handlers map it to 400.
var ErrInvalidQuery = errors.New("data: invalid query")

// ErrBusy is wrapped by errors of writes that could not start because another write (an
// import, typically) held the database for longer than the store waits: try again later.
var ErrBusy = errors.New("data: the database is busy with another write")

// Store is a source of vector features in WGS84 (EPSG:4326) lon/lat.
//
// Features streams instead of returning a collection so that a response never holds more than
// one feature at a time; it is the one query method that both items and tiles use.
type Store interface {
	// Collections lists every served collection, ordered by id.
	Collections(ctx context.Context) ([]Collection, error)
	// Collection returns the collection's metadata or an error wrapping ErrNotFound.
	Collection(ctx context.Context, id string) (Collection, error)
	// Features calls fn for each feature of collection id that matches q, in ascending id
	// order, at most q.Limit of them (all when q.Limit is 0). It stops at the first error fn
	// returns and returns that error. The Feature passed to fn is only valid during the call.
	Features(ctx context.Context, id string, q Query, fn func(*Feature) error) error
	// Count returns how many features of collection id match q's filters (BBox, Time,
	// Filters), ignoring Limit, Offset and After. When q.MaxCount > 0 and more features than
	// that lie in q.BBox (in the collection, without a bbox), it returns -1 without counting.
	Count(ctx context.Context, id string, q Query) (int64, error)
	// Feature returns one feature with all its properties, or an error wrapping ErrNotFound.
	Feature(ctx context.Context, id string, featureID int64) (*Feature, error)
	Close() error
}

// Versioned is implemented by stores that can tell cheaply whether their data changed: Version
// returns a token that changes whenever any collection's features or schema change, including
// by other processes. Callers use it to keep in-memory copies of data honest.
type Versioned interface {
	Version(ctx context.Context) (string, error)
}

// Pinger is implemented by stores that can tell whether their database answers (readiness).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Query selects features of one collection. The zero Query selects every feature.
type Query struct {
	// BBox keeps features whose geometry's bounding box intersects it; nil means no filter.
	BBox *orb.Bound
	// Time keeps features whose temporal property falls in the interval, plus features
	// whose temporal property is NULL (as OGC API – Features requires). The zero Interval
	// means no filter; so does a collection without a temporal property.
	Time geo.Interval
	// Filters keeps features whose property equals the value (all filters must hold).
	Filters []Filter
	// Properties names the properties to return, in this order; nil means all of them.
	Properties []string
	// Limit caps the number of features (0 = no cap). Offset skips that many matches first.
	Limit, Offset int
	// After keeps only features whose id is greater (keyset paging); 0 means from the start.
	After int64
	// MaxCount bounds the work of Count: the features of the bbox it reads to count those
	// that pass the other filters (0 = no bound). Features may count as much to plan a query.
	MaxCount int64
}

// Filter is a property equality test. Value has the Go type of the field (see FieldType.Parse).
type Filter struct {
	Field string
	Value any
}

// Feature is one feature. Properties holds one value per selected field, in the order of the
// query's Properties (or of Collection.Fields when it selected all): nil, string, int64,
// float64 or bool. DATE values are "YYYY-MM-DD" strings and DATETIME values RFC 3339 strings.
type Feature struct {
	ID         int64
	Geometry   orb.Geometry
	Properties []any
}

// Selected returns the fields that q returns for collection c, in order, or an error wrapping
// ErrInvalidQuery naming the first unknown property.
func (c Collection) Selected(names []string) ([]Field, error) {
	if names == nil {
		return c.Fields, nil
	}
	out := make([]Field, 0, len(names))
	for _, n := range names {
		f, ok := c.Field(n)
		if !ok {
			return nil, invalidf("collection %q has no property %q", c.ID, n)
		}
		out = append(out, f)
	}
	return out, nil
}
