package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

func testImport(t *testing.T, open Opener) {
	t.Run("NewLayer", func(t *testing.T) { testImportNewLayer(t, open) })
	t.Run("Append", func(t *testing.T) { testImportAppend(t, open) })
	t.Run("RecordID", func(t *testing.T) { testImportRecordID(t, open) })
	t.Run("Replace", func(t *testing.T) { testImportReplace(t, open) })
	t.Run("Upsert", func(t *testing.T) { testImportUpsert(t, open) })
	t.Run("Invalid", func(t *testing.T) { testImportInvalid(t, open) })
	t.Run("SkipInvalid", func(t *testing.T) { testImportSkip(t, open) })
}

// withEvents opens a store holding the events layer and returns it with its layer.
func withEvents(t *testing.T, open Opener) (Backend, data.Layer) {
	t.Helper()
	return open(t, []data.Layer{eventsLayer()}), eventsLayer()
}

// importSites imports n site records into a new layer and returns its expected state.
func importSites(t *testing.T, s Backend, n int) data.Layer {
	t.Helper()
	spec, records := sitesSpec(), siteRecords(n, -3.3, "s")
	res, err := s.Import(bg, spec, feed(records))
	if err != nil {
		t.Fatalf("importing into a new layer: %v", err)
	}
	if res.Inserted != int64(n) || res.Updated != 0 || res.Skipped != 0 || !covers(res.Bounds, boundsOf(records)...) {
		t.Errorf("import into a new layer: %+v; want %d inserted and bounds covering %v", res, n, boundsOf(records))
	}
	l := newLayer(spec)
	adopt(t, s, &l, records, "code")
	return l
}

func testImportNewLayer(t *testing.T, open Opener) {
	s, events := withEvents(t, open)
	sites := importSites(t, s, 12)
	colls, err := s.Collections(bg)
	if err != nil {
		t.Fatal(err)
	}
	if len(colls) != 2 || colls[0].ID != "events" || colls[1].ID != "sites" {
		t.Fatalf("collections %v, want events and sites", colls)
	}
	checkCollection(t, colls[1], sites)
	holds(t, s, sites)
	holds(t, s, events)
}

// testImportAppend appends records with some of the layer's fields, given in another order
// and with types that fit (INTEGER into REAL, DATE into DATETIME).
func testImportAppend(t *testing.T, open Opener) {
	s, events := withEvents(t, open)
	before, _ := extent(events.Features)
	spec := data.ImportSpec{Layer: "events", Fields: []data.Field{{Name: "at", Type: data.Date}, {Name: "name", Type: data.Text},
		{Name: "score", Type: data.Integer}, {Name: "count", Type: data.Integer}}}
	counted := counter(t, s, events)
	records := eventRecords(5, 33.3, "appended")
	for i, r := range records {
		delete(r.Properties, "ok")
		r.Properties["score"] = int64(i - 2)
		if i%2 == 0 {
			r.Properties["at"] = fmt.Sprintf("2025-02-%02d", i+1)
		}
	}
	res, err := s.Import(bg, spec, feed(records))
	if err != nil {
		t.Fatal(err)
	}
	counted(plus(events, records))
	if res.Inserted != 5 || res.Updated != 0 || !covers(res.Bounds, boundsOf(records)...) {
		t.Errorf("result %+v; want 5 inserted and bounds covering %v", res, boundsOf(records))
	}
	adopt(t, s, &events, records, "name")
	holds(t, s, events)
	c, err := s.Collection(bg, "events")
	if err != nil {
		t.Fatal(err)
	}
	if !covers(c.Extent, append(boundsOf(records), before)...) {
		t.Errorf("extent %v after the import does not cover the old extent %v and the new features", c.Extent, before)
	}
	checkCollection(t, c, events)
}

// testImportRecordID imports records carrying their ids, then records without, then inserts:
// the store keeps the given ids and gives new features ids no feature had.
func testImportRecordID(t *testing.T, open Opener) {
	s, events := withEvents(t, open)
	spec := data.ImportSpec{Layer: "events", Fields: eventFields()}
	given := eventRecords(3, 50.5, "given")
	for i, id := range []int64{1000, 5, 1003} {
		given[i].ID = id
		events.Features = append(events.Features, feature(given[i], id))
	}
	if res, err := s.Import(bg, spec, feed(given)); err != nil || res.Inserted != 3 {
		t.Fatalf("import with ids: %+v, %v", res, err)
	}
	holds(t, s, events)
	old := wantIDs(events.Features)
	more := eventRecords(4, 60.5, "more")
	if res, err := s.Import(bg, spec, feed(more)); err != nil || res.Inserted != 4 {
		t.Fatalf("import without ids: %+v, %v", res, err)
	}
	for _, id := range adopt(t, s, &events, more, "name") {
		if slices.Contains(old, id) {
			t.Errorf("a new feature got id %d, which was taken", id)
		}
	}
	old = wantIDs(events.Features)
	inserted := eventRecords(1, 70.5, "inserted")
	ids, err := s.Insert(bg, "events", inserted)
	if err != nil || len(ids) != 1 || slices.Contains(old, ids[0]) {
		t.Fatalf("Insert after imports with ids: %v, %v; want a new id (taken: %v)", ids, err, old)
	}
	events.Features = append(events.Features, feature(inserted[0], ids[0]))
	holds(t, s, events)
}

func testImportReplace(t *testing.T, open Opener) {
	s, events := withEvents(t, open)
	old, _ := extent(events.Features)
	gone := events.Features[5].Geometry.Bound().Pad(0.5) // where only an old feature was
	counted := counter(t, s, events)
	records := eventRecords(6, -40.4, "replacing")
	res, err := s.Import(bg, data.ImportSpec{Layer: "events", Mode: data.Replace, Fields: eventFields()}, feed(records))
	if err != nil {
		t.Fatal(err)
	}
	events.Features = nil
	counted(plus(events, records))
	if res.Inserted != 6 || res.Updated != 0 || !covers(res.Bounds, append(boundsOf(records), old)...) {
		t.Errorf("result %+v; want 6 inserted and bounds covering the old extent %v and %v", res, old, boundsOf(records))
	}
	adopt(t, s, &events, records, "name")
	holds(t, s, events)
	if check(t, s, events, data.Query{BBox: &gone}) != 0 {
		t.Errorf("the test's box %v holds new features", gone)
	}
}

// testImportUpsert updates three sites (moving them, and dropping a value) and adds three.
func testImportUpsert(t *testing.T, open Opener) {
	s, _ := withEvents(t, open)
	sites := importSites(t, s, 10)
	counted := counter(t, s, sites)
	spec := sitesSpec()
	spec.Mode, spec.Key = data.Upsert, "code"
	records := siteRecords(13, 20.2, "s")[10:] // s10, s11, s12: new
	var moved []orb.Bound
	for _, i := range []int{2, 4, 6} {
		r := siteRecords(i+1, 25.5, "s")[i]
		r.Properties = map[string]any{"code": fmt.Sprintf("s%d", i), "size": int64(100 + i), "open": true}
		r.Names, r.Values = nil, nil
		records = append(records, r)
		for _, f := range sites.Features {
			if f.Properties["code"] == r.Properties["code"] {
				moved = append(moved, f.Geometry.Bound())
				replace(&sites, feature(r, featureID(f)))
			}
		}
	}
	res, err := s.Import(bg, spec, feed(records))
	if err != nil {
		t.Fatal(err)
	}
	counted(plus(sites, records[:3]))
	if res.Inserted != 3 || res.Updated != 3 || res.Skipped != 0 {
		t.Errorf("result %+v; want 3 inserted and 3 updated", res)
	}
	if !covers(res.Bounds, append(boundsOf(records), moved...)...) {
		t.Errorf("bounds %v do not cover the old %v and new %v positions", res.Bounds, moved, boundsOf(records))
	}
	adopt(t, s, &sites, records[:3], "code")
	holds(t, s, sites)
}

// testImportInvalid checks that every failing import leaves the store exactly as it was.
func testImportInvalid(t *testing.T, open Opener) {
	s, _ := withEvents(t, open)
	before := dump(t, s)
	spec := data.ImportSpec{Layer: "events", Fields: eventFields()}
	with := func(i int, change func(r *data.Record)) []*data.Record {
		records := eventRecords(8, 5.5, "bad")
		change(records[i])
		return records
	}
	badValue := with(4, func(r *data.Record) { r.Properties["count"] = "many" })
	failed, refused := errors.New("the source broke"), errors.New("refused")
	cases := []struct {
		name  string
		spec  data.ImportSpec
		next  func() (*data.Record, error)
		want  error
		field string // the field the error names
	}{
		{"bad value", spec, feed(badValue), data.ErrSchema, "count"},
		{"bad date", spec, feed(with(4, func(r *data.Record) { r.Properties["day"] = "31/12/2024" })), data.ErrSchema, "day"},
		{"wrong geometry type", spec, feed(with(4, func(r *data.Record) { r.Geometry = orb.LineString{{1, 1}, {2, 2}} })), data.ErrSchema, "geometry"},
		{"unknown property", spec, feed(with(4, func(r *data.Record) { r.Properties["colour"] = "red" })), data.ErrSchema, "colour"},
		{"field of another type", data.ImportSpec{Layer: "events", Fields: []data.Field{{Name: "count", Type: data.Text}}},
			feed(eventRecords(2, 5.5, "x")), data.ErrSchema, "count"},
		{"field not in layer", data.ImportSpec{Layer: "events", Fields: append(eventFields(), data.Field{Name: "extra", Type: data.Text})},
			feed(eventRecords(2, 5.5, "x")), data.ErrSchema, "extra"},
		{"upsert key not a field", data.ImportSpec{Layer: "events", Mode: data.Upsert, Key: "nope", Fields: eventFields()},
			feed(eventRecords(2, 5.5, "x")), data.ErrSchema, "nope"},
		{"source fails", spec, failing(eventRecords(8, 5.5, "x"), 5, failed), failed, ""},
		{"OnInvalid refuses", data.ImportSpec{Layer: "events", Fields: eventFields(), OnInvalid: func(r *data.Record, err error) error {
			if !errors.Is(err, data.ErrSchema) || r.Properties["count"] != "many" {
				t.Errorf("OnInvalid(%v, %v): want the bad record and an ErrSchema", r.Properties, err)
			}
			return refused
		}}, feed(badValue), refused, ""},
		{"replace fails", data.ImportSpec{Layer: "events", Mode: data.Replace, Fields: eventFields()}, feed(badValue), data.ErrSchema, "count"},
		{"upsert fails", data.ImportSpec{Layer: "events", Mode: data.Upsert, Key: "name", Fields: eventFields()},
			failing(eventRecords(8, 5.5, "e0"), 6, failed), failed, ""},
		{"new layer fails", data.ImportSpec{Layer: "fresh", GeometryType: "POINT", Fields: eventFields()}, feed(badValue), data.ErrSchema, "count"},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			_, err := s.Import(bg, tc.spec, tc.next)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error %v; want one wrapping %v and naming %q", err, tc.want, tc.field)
			}
			unchanged(t, s, before)
		})
	}
	t.Run("context_cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		next := feed(eventRecords(8, 5.5, "x"))
		n := 0
		_, err := s.Import(ctx, spec, func() (*data.Record, error) {
			if n++; n == 5 {
				cancel()
			}
			return next()
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v; want one wrapping context.Canceled", err)
		}
		unchanged(t, s, before)
	})
}

// testImportSkip has OnInvalid skip three bad records among good ones.
func testImportSkip(t *testing.T, open Opener) {
	s, events := withEvents(t, open)
	records := eventRecords(9, -20.2, "skip")
	records[1].Properties["count"] = 1.5
	records[4].Geometry = orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}
	records[7].Properties["colour"] = "red"
	bad := []*data.Record{records[1], records[4], records[7]}
	var got []*data.Record
	spec := data.ImportSpec{Layer: "events", Fields: eventFields(), OnInvalid: func(r *data.Record, err error) error {
		if !errors.Is(err, data.ErrSchema) {
			t.Errorf("OnInvalid got %v; want an error wrapping data.ErrSchema", err)
		}
		got = append(got, r)
		return nil
	}}
	res, err := s.Import(bg, spec, feed(records))
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 6 || res.Skipped != 3 || !slices.Equal(got, bad) {
		t.Errorf("result %+v, OnInvalid called for %d records; want 6 inserted and records 2, 5 and 8 skipped", res, len(got))
	}
	good := slices.DeleteFunc(slices.Clone(records), func(r *data.Record) bool { return slices.Contains(bad, r) })
	adopt(t, s, &events, good, "name")
	holds(t, s, events)
}
