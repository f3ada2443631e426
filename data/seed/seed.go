// Package seed holds Harmattan's curated default dataset about Mali (conflict incidents, military bases,
// region outlines), authored from sourced facts and embedded in the binary.
//
// Every feature carries a source and a source_url. Positions are town or village points, not exact event or
// camp sites; geo_precision says how close the point is (1 = the place itself, 2 = near it or anchored at a
// nearby place, 3 = only the region is known).
package seed

import (
	"embed"
	"fmt"

	"github.com/paulmach/orb/geojson"

	"github.com/harmattan/harmattan/data"
)

//go:embed *.geojson
var files embed.FS

type layerDef struct {
	file                     string
	name, title, description string
	temporal                 string
	fields                   []data.Field
}

var defs = []layerDef{
	{
		file:  "incidents.geojson",
		name:  "incidents",
		title: "Conflict incidents in Mali, 2012-2024",
		description: "A curated selection of notable conflict events in Mali (2012-2024), typed with ACLED's six " +
			"event types. Points are town or village points (geo_precision 1 = the place itself, 2 = near it or " +
			"anchored at a nearby place, 3 = region only). Casualty figures differ between sources: fatalities is " +
			"the best-supported figure, fatalities_low/high bracket the reported range and fatalities_sources " +
			"attributes each figure. Not a complete event list.",
		temporal: "event_date",
		fields: []data.Field{
			{Name: "event_date", Type: data.Date},
			{Name: "event_end_date", Type: data.Date},
			{Name: "event_type", Type: data.Text},
			{Name: "sub_event_type", Type: data.Text},
			{Name: "actors", Type: data.Text},
			{Name: "location", Type: data.Text},
			{Name: "admin1", Type: data.Text},
			{Name: "geo_precision", Type: data.Integer},
			{Name: "fatalities", Type: data.Integer},
			{Name: "fatalities_low", Type: data.Integer},
			{Name: "fatalities_high", Type: data.Integer},
			{Name: "fatalities_sources", Type: data.Text},
			{Name: "description", Type: data.Text},
			{Name: "source", Type: data.Text},
			{Name: "source_url", Type: data.Text},
		},
	},
	{
		file:  "bases.geojson",
		name:  "bases",
		title: "MINUSMA, Barkhane and reported Wagner sites in Mali",
		description: "UN (MINUSMA) camps closed during the 2023 withdrawal, French Operation Barkhane bases " +
			"handed over in 2021-2022, and sites where Wagner Group or other Russian personnel were reported. " +
			"Camps are drawn at the town point (camp positions not verified). opened/closed are set only when an " +
			"exact day is known; date_note explains partial, inferred or missing dates.",
		temporal: "opened",
		fields: []data.Field{
			{Name: "name", Type: data.Text},
			{Name: "location", Type: data.Text},
			{Name: "operator", Type: data.Text},
			{Name: "status", Type: data.Text},
			{Name: "opened", Type: data.Date},
			{Name: "closed", Type: data.Date},
			{Name: "date_note", Type: data.Text},
			{Name: "confidence", Type: data.Text},
			{Name: "geo_precision", Type: data.Integer},
			{Name: "source", Type: data.Text},
			{Name: "source_url", Type: data.Text},
		},
	},
	{
		file:  "regions.geojson",
		name:  "regions",
		title: "Mali regions (simplified, pre-2016/2023 boundaries)",
		description: "Simplified outlines of the Tombouctou, Mopti, Ségou, Gao and Kidal regions in their " +
			"pre-2016 (Taoudénit, Ménaka) or pre-2023 (Bandiagara, Douentza, San, ...) extent, an illustrative " +
			"approximation of Ménaka region, and an approximate box around Moura. All outlines are approximate; " +
			"see each feature's note.",
		fields: []data.Field{
			{Name: "name", Type: data.Text},
			{Name: "kind", Type: data.Text},
			{Name: "approximate", Type: data.Boolean},
			{Name: "note", Type: data.Text},
			{Name: "source", Type: data.Text},
			{Name: "source_url", Type: data.Text},
		},
	},
}

// Layers parses and returns the three layers in the order incidents, bases, regions.
func Layers() ([]data.Layer, error) {
	layers := make([]data.Layer, 0, len(defs))
	for _, d := range defs {
		b, err := files.ReadFile(d.file)
		if err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		fc, err := geojson.UnmarshalFeatureCollection(b)
		if err != nil {
			return nil, fmt.Errorf("seed: parse %s: %w", d.file, err)
		}
		fields := make([]data.Field, len(d.fields))
		copy(fields, d.fields)
		layers = append(layers, data.Layer{
			Name:          d.name,
			Title:         d.title,
			Description:   d.description,
			TemporalField: d.temporal,
			Fields:        fields,
			Features:      fc.Features,
		})
	}
	return layers, nil
}
