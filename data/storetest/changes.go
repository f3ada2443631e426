package storetest

import (
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// versionWait is how long a store may take to notice its own write (a PostGIS store learns of
// writes through LISTEN/NOTIFY, asynchronously).
const versionWait = 5 * time.Second

// testChanges makes each kind of write in turn and checks that the store's Version moves and
// that its change log records the write: entries for the written layer only, whose bounds
// cover the features written (old and new positions).
func testChanges(t *testing.T, open Opener) {
	s, events := withEvents(t, open)
	ver, log := versioned(t, s)
	_, last, err := log.Changes(bg, 0)
	if err != nil {
		t.Fatal(err)
	}
	moved := events.Features[4]
	steps := []struct {
		name, layer string
		write       func(t *testing.T) []orb.Bound
	}{
		{"Import", "events", func(t *testing.T) []orb.Bound {
			records := eventRecords(3, 66.6, "logged")
			if _, err := s.Import(bg, data.ImportSpec{Layer: "events", Fields: eventFields()}, feed(records)); err != nil {
				t.Fatal(err)
			}
			return boundsOf(records)
		}},
		{"ImportNewLayer", "sites", func(t *testing.T) []orb.Bound {
			records := siteRecords(4, -66.6, "s")
			if _, err := s.Import(bg, sitesSpec(), feed(records)); err != nil {
				t.Fatal(err)
			}
			return boundsOf(records)
		}},
		{"ImportReplace", "sites", func(t *testing.T) []orb.Bound {
			old := boundsOf(siteRecords(4, -66.6, "s"))
			records := siteRecords(2, 44.4, "r")
			spec := sitesSpec()
			spec.Mode = data.Replace
			if _, err := s.Import(bg, spec, feed(records)); err != nil {
				t.Fatal(err)
			}
			return append(old, boundsOf(records)...)
		}},
		{"Insert", "events", func(t *testing.T) []orb.Bound {
			records := eventRecords(2, -11.1, "inserted")
			if _, err := s.Insert(bg, "events", records); err != nil {
				t.Fatal(err)
			}
			return boundsOf(records)
		}},
		{"Update", "events", func(t *testing.T) []orb.Bound {
			to := orb.Point{-12.125, 33.5}
			if _, _, err := s.Update(bg, "events", featureID(moved), &data.Record{Geometry: to}, false, nil); err != nil {
				t.Fatal(err)
			}
			return []orb.Bound{moved.Geometry.Bound(), to.Bound()}
		}},
		{"Patch", "events", func(t *testing.T) []orb.Bound {
			f := events.Features[9]
			if _, _, err := s.Update(bg, "events", featureID(f), &data.Record{Properties: map[string]any{"count": int64(7)}}, true, nil); err != nil {
				t.Fatal(err)
			}
			return []orb.Bound{f.Geometry.Bound()}
		}},
		{"Delete", "events", func(t *testing.T) []orb.Bound {
			f := events.Features[20]
			if _, err := s.Delete(bg, "events", featureID(f), nil); err != nil {
				t.Fatal(err)
			}
			return []orb.Bound{f.Geometry.Bound()}
		}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			v, err := ver.Version(bg)
			if err != nil {
				t.Fatal(err)
			}
			written := step.write(t)
			waitVersion(t, ver, v)
			changes, next, err := log.Changes(bg, last)
			if err != nil {
				t.Fatal(err)
			}
			if len(changes) == 0 || next <= last {
				t.Fatalf("Changes(%d) = %v, %d after the write; want entries and a later seq", last, changes, next)
			}
			seq := last
			for _, c := range changes {
				if c.Seq <= seq || c.Seq > next || c.Layer != step.layer {
					t.Errorf("change %+v after seq %d (last %d); want seqs in order, of layer %s", c, seq, next, step.layer)
				}
				seq = c.Seq
			}
			for _, b := range written {
				if !logged(changes, b) {
					t.Errorf("no change covers the written bounds %v: %+v", b, changes)
				}
			}
			again, after, err := log.Changes(bg, next)
			if err != nil || len(again) != 0 || after != next {
				t.Errorf("Changes(%d) = %+v, %d, %v; want nothing new", next, again, after, err)
			}
			last = next
		})
	}
}

// waitVersion polls until the store's Version differs from v, or fails t after versionWait.
func waitVersion(t *testing.T, ver data.Versioned, v string) {
	t.Helper()
	deadline := time.Now().Add(versionWait)
	for {
		now, err := ver.Version(bg)
		if err != nil {
			t.Fatal(err)
		}
		if now != v {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Version is still %q %v after the write", v, versionWait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logged tells whether one of changes covers b. A change without bounds means that anything
// in its layer may have changed, and one without a layer that anything may have.
func logged(changes []data.Change, b orb.Bound) bool {
	for _, c := range changes {
		if c.Layer == "" || len(c.Bounds) == 0 {
			return true
		}
		for _, cb := range c.Bounds {
			if covers(cb, b) {
				return true
			}
		}
	}
	return false
}
