package ingest

import (
	"testing"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

// FuzzFeature feeds arbitrary text through the GeoJSON feature path (the hand-written
// property walker and coordinate parser): it may fail, never panic.
func FuzzFeature(f *testing.F) {
	f.Add([]byte(`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"a":1,"b":"x","c":[1,{"d":null}]}}`))
	f.Add([]byte(`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]},"properties":null}`))
	f.Add([]byte(`{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[{"type":"LineString","coordinates":[[0,0],[1,1]]}]},"properties":{"k\"ey":"v\u00e9"}}`))
	ty := &typing{byName: map[string]data.FieldType{"a": data.Integer, "b": data.Date, "c": data.Text}}
	f.Fuzz(func(t *testing.T, b []byte) {
		feat, err := decodeFeatureHead(b)
		if err != nil {
			return
		}
		var inf jsonInference
		inf.add(feat)
		inf.schema()
		featureRecord(feat, "fuzz", ty)
		featureRecord(feat, "fuzz", &typing{})
	})
}

// FuzzConvertText checks that every conversion of a CSV value either fails or gives a value
// of the field's Go type.
func FuzzConvertText(f *testing.F) {
	for _, s := range []string{"12", "-0", "1e3", "05 March 2024", "2024-02-29", "2024-03-05T10:00:00+01:00", "true", "NaN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		for _, typ := range []data.FieldType{data.Text, data.Integer, data.Real, data.Boolean, data.Date, data.DateTime} {
			v, err := convertText(s, typ, true)
			if err != nil {
				continue
			}
			ok := false
			switch typ {
			case data.Integer:
				_, ok = v.(int64)
			case data.Real:
				_, ok = v.(float64)
			case data.Boolean:
				_, ok = v.(bool)
			case data.Date:
				d, isString := v.(string)
				ok = isString && geo.IsDate(d)
			case data.DateTime:
				d, isString := v.(string)
				ok = isString && isDateTime(d)
			default:
				_, ok = v.(string)
			}
			if !ok {
				t.Errorf("convertText(%q, %v) = %#v", s, typ, v)
			}
			c := newColumn()
			c.observeText(s, true)
			if inferred := c.typ(); inferred != data.Text {
				if _, err := convertText(s, inferred, true); err != nil {
					t.Errorf("%q is inferred %v but does not convert to it: %v", s, inferred, err)
				}
			}
		}
	})
}
