package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/harmattan/harmattan/data"
)

// testCollections checks the list of collections and each one's metadata against its layer.
func testCollections(t *testing.T, s Backend, layers []data.Layer) {
	colls, err := s.Collections(bg)
	if err != nil {
		t.Fatal(err)
	}
	var ids, names []string
	for _, c := range colls {
		ids = append(ids, c.ID)
	}
	for _, l := range layers {
		names = append(names, l.Name)
	}
	slices.Sort(names)
	if !slices.Equal(ids, names) {
		t.Fatalf("collections %v, want %v in this order", ids, names)
	}
	for _, l := range layers {
		c, err := s.Collection(bg, l.Name)
		if err != nil {
			t.Fatalf("Collection(%s): %v", l.Name, err)
		}
		if i := slices.Index(ids, l.Name); fmt.Sprintf("%+v", colls[i]) != fmt.Sprintf("%+v", c) {
			t.Errorf("%s: Collection and Collections differ:\n%+v\n%+v", l.Name, c, colls[i])
		}
		checkCollection(t, c, l)
	}
}

// checkCollection compares a collection's metadata with the layer it was made from.
func checkCollection(t *testing.T, c data.Collection, l data.Layer) {
	t.Helper()
	gtype := l.GeometryType
	if gtype == "" {
		gtype = data.LayerGeometryType(l)
	}
	title := l.Title
	if title == "" {
		title = l.Name
	}
	switch {
	case c.ID != l.Name || c.Title != title || c.Description != l.Description:
		t.Errorf("%s: id %q, title %q, description %q; want %q, %q, %q", l.Name, c.ID, c.Title, c.Description, l.Name, title, l.Description)
	case c.GeometryType != data.GeoJSONTypeName(gtype):
		t.Errorf("%s: geometry type %q, want %q", l.Name, c.GeometryType, data.GeoJSONTypeName(gtype))
	case fmt.Sprint(c.Fields) != fmt.Sprint(l.Fields):
		t.Errorf("%s: fields %v, want %v", l.Name, c.Fields, l.Fields)
	case c.TemporalField != l.TemporalField:
		t.Errorf("%s: temporal field %q, want %q", l.Name, c.TemporalField, l.TemporalField)
	}
	// Stores may keep extents in single precision, rounded outwards: allow that much slack.
	if b, ok := extent(l.Features); ok {
		const slack = 1e-4
		if !c.Extent.Contains(b.Min) || !c.Extent.Contains(b.Max) || !b.Pad(slack).Contains(c.Extent.Min) || !b.Pad(slack).Contains(c.Extent.Max) {
			t.Errorf("%s: extent %v, want %v", l.Name, c.Extent, b)
		}
	}
	if l.TemporalField == "" {
		if c.Interval != [2]string{} {
			t.Errorf("%s: interval %v without a temporal field", l.Name, c.Interval)
		}
		return
	}
	lo, hi := interval(l)
	f, _ := c.Field(l.TemporalField)
	if !same(norm(f.Type, c.Interval[0]), lo) || !same(norm(f.Type, c.Interval[1]), hi) {
		t.Errorf("%s: interval %q, want %v .. %v", l.Name, c.Interval, lo, hi)
	}
	if f.Type == data.DateTime {
		for _, v := range c.Interval {
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				t.Errorf("%s: interval end %q is not RFC 3339", l.Name, v)
			}
		}
	}
}
