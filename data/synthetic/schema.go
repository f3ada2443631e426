package synthetic

import "github.com/harmattan/harmattan/data"

// IncidentsLayer is the default name of the incidents layer.
const IncidentsLayer = "incidents"

// Property names of the incidents layer (ACLED's column names).
const (
	fEventID      = "event_id_cnty"
	fEventDate    = "event_date"
	fYear         = "year"
	fEventType    = "event_type"
	fSubEventType = "sub_event_type"
	fActor1       = "actor1"
	fActor2       = "actor2"
	fAdmin1       = "admin1"
	fAdmin2       = "admin2"
	fLocation     = "location"
	fLatitude     = "latitude"
	fLongitude    = "longitude"
	fGeoPrecision = "geo_precision"
	fFatalities   = "fatalities"
	fNotes        = "notes"
	fSource       = "source"
	fSourceURL    = "source_url"
	fSynthetic    = "synthetic"
)

// IncidentsSchema returns the schema of the incidents layer: its fields (ACLED column names,
// plus synthetic), geometry type "POINT", temporal field "event_date" and key "event_id_cnty"
// (the property an upsert matches on). The slice is new on every call.
func IncidentsSchema() (fields []data.Field, geometryType, temporalField, key string) {
	fields = []data.Field{
		{Name: fEventID, Type: data.Text},
		{Name: fEventDate, Type: data.Date},
		{Name: fYear, Type: data.Integer},
		{Name: fEventType, Type: data.Text},
		{Name: fSubEventType, Type: data.Text},
		{Name: fActor1, Type: data.Text},
		{Name: fActor2, Type: data.Text},
		{Name: fAdmin1, Type: data.Text},
		{Name: fAdmin2, Type: data.Text},
		{Name: fLocation, Type: data.Text},
		{Name: fLatitude, Type: data.Real},
		{Name: fLongitude, Type: data.Real},
		{Name: fGeoPrecision, Type: data.Integer},
		{Name: fFatalities, Type: data.Integer},
		{Name: fNotes, Type: data.Text},
		{Name: fSource, Type: data.Text},
		{Name: fSourceURL, Type: data.Text},
		{Name: fSynthetic, Type: data.Boolean},
	}
	return fields, "POINT", fEventDate, fEventID
}
