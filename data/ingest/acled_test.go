package ingest_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/ingest"
)

func TestACLEDSchema(t *testing.T) {
	sch, _ := readAll(t, "testdata/acled_sample.csv", ingest.Options{})
	want := []data.Field{
		{Name: "event_id_cnty", Type: data.Text},
		{Name: "event_date", Type: data.Date},
		{Name: "year", Type: data.Integer},
		{Name: "time_precision", Type: data.Integer},
		{Name: "disorder_type", Type: data.Text},
		{Name: "event_type", Type: data.Text},
		{Name: "sub_event_type", Type: data.Text},
		{Name: "actor1", Type: data.Text},
		{Name: "assoc_actor_1", Type: data.Text},
		{Name: "inter1", Type: data.Integer},
		{Name: "actor2", Type: data.Text},
		{Name: "assoc_actor_2", Type: data.Text},
		{Name: "inter2", Type: data.Integer},
		{Name: "interaction", Type: data.Integer},
		{Name: "civilian_targeting", Type: data.Text},
		{Name: "iso", Type: data.Integer},
		{Name: "region", Type: data.Text},
		{Name: "country", Type: data.Text},
		{Name: "admin1", Type: data.Text},
		{Name: "admin2", Type: data.Text},
		{Name: "admin3", Type: data.Text},
		{Name: "location", Type: data.Text},
		{Name: "latitude", Type: data.Real},
		{Name: "longitude", Type: data.Real},
		{Name: "geo_precision", Type: data.Integer},
		{Name: "source", Type: data.Text},
		{Name: "source_scale", Type: data.Text},
		{Name: "notes", Type: data.Text},
		{Name: "fatalities", Type: data.Integer},
		{Name: "tags", Type: data.Text},
		{Name: "timestamp", Type: data.Integer},
	}
	if !slices.Equal(sch.Fields, want) {
		t.Errorf("fields:\n got %v\nwant %v", sch.Fields, want)
	}
	if sch.GeometryType != "POINT" || sch.TemporalField != "event_date" || sch.Key != "event_id_cnty" {
		t.Errorf("geometry type, temporal field, key = %q, %q, %q; want POINT, event_date, event_id_cnty",
			sch.GeometryType, sch.TemporalField, sch.Key)
	}
}

func TestACLEDRecords(t *testing.T) {
	_, rs := readAll(t, "testdata/acled_sample.csv", ingest.Options{})
	recs := records(t, rs)
	if len(recs) != 8 {
		t.Fatalf("got %d records, want 8", len(recs))
	}
	cases := []struct {
		name  string
		index int
		where string
		point orb.Point
		props map[string]any
	}{
		{"ISO date and accents", 0, "acled_sample.csv:2", orb.Point{-6.2157, 13.4317}, map[string]any{
			"event_id_cnty": "MLI90001", "event_date": "2024-03-05", "year": int64(2024), "location": "Ségou",
			"latitude": 13.4317, "longitude": -6.2157, "fatalities": int64(2), "tags": nil, "iso": int64(466),
			"timestamp": int64(1709900000),
		}},
		{"ACLED date, quoted commas, empty fatalities", 1, "acled_sample.csv:3", orb.Point{2.4014, 15.9182}, map[string]any{
			"event_date":    "2024-03-05",
			"assoc_actor_2": "Fulani Ethnic Group (Mali), Herders (Mali)",
			"source":        "Synthetic Source A, Synthetic Source B",
			"notes":         "Synthetic test row: an attack on a village, with commas, near Ménaka.",
			"admin1":        "Ménaka",
			"fatalities":    nil,
		}},
		{"multi-line note", 2, "acled_sample.csv:4", orb.Point{-3.0074, 16.7735}, map[string]any{
			"admin1": "Tombouctou",
			"notes":  "Synthetic test row: first line of a note.\nSecond line, with a \"quoted\" word.\nThird line.",
			"inter2": int64(0),
		}},
		{"row after the multi-line note", 3, "acled_sample.csv:7", orb.Point{-4.0958, 14.5333}, map[string]any{
			"event_id_cnty": "MLI90004", "event_date": "2024-03-08", "location": "Sévaré", "fatalities": int64(5),
		}},
		{"ACLED date in April", 4, "acled_sample.csv:8", orb.Point{-0.04, 16.2666}, map[string]any{
			"event_date": "2024-04-12", "assoc_actor_1": "Wagner Group",
		}},
		{"last row", 7, "acled_sample.csv:11", orb.Point{-8.0029, 12.6392}, map[string]any{
			"event_date": "2024-04-30", "fatalities": int64(3),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := recs[tc.index]
			if r.Where != tc.where {
				t.Errorf("Where = %q, want %q", r.Where, tc.where)
			}
			if r.Geometry != tc.point {
				t.Errorf("geometry = %v, want %v", r.Geometry, tc.point)
			}
			if r.Len() != 31 {
				t.Errorf("%d properties, want all 31 columns", r.Len())
			}
			for k, want := range tc.props {
				got, ok := r.Property(k)
				if !ok || got != want {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
		})
	}
}

func TestACLEDFormatOption(t *testing.T) {
	cases := []struct {
		name    string
		format  string
		path    string
		wantErr string
		key     string
	}{
		{"detected from the header", "", "testdata/acled_sample.csv", "", "event_id_cnty"},
		{"forced", "acled", "testdata/acled_sample.csv", "", "event_id_cnty"},
		{"read as plain CSV", "csv", "testdata/acled_sample.csv", "", ""},
		{"forced on a file that is not ACLED", "acled", "testdata/points.csv", `no column "event_id_cnty"`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, err := ingest.Open(tc.path, ingest.Options{Format: tc.format})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			sch, err := src.Schema(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if sch.Key != tc.key {
				t.Errorf("Key = %q, want %q", sch.Key, tc.key)
			}
		})
	}
}
