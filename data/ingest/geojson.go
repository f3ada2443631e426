package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/harmattan/harmattan/data"
)

// geojsonFormat reads a GeoJSON FeatureCollection one feature at a time (or a single Feature
// at the top level), so that a file of any size is read in bounded memory.
type geojsonFormat struct {
	textFile
	cur *featureStream // the current pass
}

func openGeoJSON(path string, enc encoding) (*geojsonFormat, error) {
	g := &geojsonFormat{}
	if err := g.open(path, enc); err != nil {
		return nil, err
	}
	return g, nil
}

// begin starts a pass over the file.
func (g *geojsonFormat) begin() error {
	text, err := g.rewind()
	if err != nil {
		return err
	}
	dec := json.NewDecoder(text)
	g.cur = &featureStream{dec: dec, name: g.name}
	return g.cur.open()
}

func (g *geojsonFormat) scan(ctx context.Context) (Schema, error) {
	if err := g.begin(); err != nil {
		return Schema{}, err
	}
	var inf jsonInference
	for {
		if g.cur.n&1023 == 0 && ctx.Err() != nil {
			return Schema{}, ctx.Err()
		}
		f, err := g.cur.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				continue // next reports it
			}
			return Schema{}, err
		}
		inf.add(f)
	}
	return inf.schema(), nil
}

func (g *geojsonFormat) start() error { return g.begin() }

func (g *geojsonFormat) next(ty *typing) (*data.Record, error) {
	f, err := g.cur.next()
	if err != nil {
		return nil, err
	}
	return featureRecord(f, g.cur.where(), ty)
}

// featureStream walks the tokens of a GeoJSON document down to its "features" array and
// decodes the array's elements one by one.
type featureStream struct {
	dec  *json.Decoder
	name string
	n    int  // features returned so far (the current one's number once next returned)
	bare bool // the document is a single Feature
	// members of the top-level object read before "features" (all of them for a bare
	// Feature), by name
	members map[string]json.RawMessage
	ended   bool
}

// open reads the document up to the first element of its features array, or the whole of
// a top-level Feature.
func (s *featureStream) open() error {
	tok, err := s.dec.Token()
	if err != nil {
		return s.broken(err, "at the start")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("%s: not a GeoJSON object (a FeatureCollection or a Feature)", s.name)
	}
	s.members = map[string]json.RawMessage{}
	for s.dec.More() {
		tok, err := s.dec.Token()
		if err != nil {
			return s.broken(err, "at the start")
		}
		key, _ := tok.(string)
		if key == "features" {
			tok, err := s.dec.Token()
			if err != nil {
				return s.broken(err, "at the start of the features")
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return fmt.Errorf(`%s: "features" is not an array`, s.name)
			}
			return nil
		}
		var v json.RawMessage
		if err := s.dec.Decode(&v); err != nil {
			return s.broken(err, fmt.Sprintf("in member %q", key))
		}
		s.members[key] = v
	}
	if err := s.end(); err != nil {
		return err
	}
	var typ string
	json.Unmarshal(s.members["type"], &typ)
	switch typ {
	case "Feature":
		s.bare = true
		return nil
	case "FeatureCollection":
		return fmt.Errorf(`%s: the FeatureCollection has no "features" array`, s.name)
	case "":
		return fmt.Errorf(`%s: not GeoJSON: the top-level object has no "type"`, s.name)
	}
	return fmt.Errorf("%s: a GeoJSON %s, not a FeatureCollection or a Feature", s.name, typ)
}

// end reads the closing brace of the top-level object and checks that nothing follows.
func (s *featureStream) end() error {
	if _, err := s.dec.Token(); err != nil { // '}'
		return s.broken(err, s.after())
	}
	if _, err := s.dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("unexpected data after the end of the GeoJSON object")
		}
		return s.broken(err, s.after())
	}
	return nil
}

func (s *featureStream) after() string {
	if s.n == 0 {
		return "after the features"
	}
	return "after feature " + strconv.Itoa(s.n)
}

// next returns the next feature: io.EOF after the last, an *Error for an element that is
// not a Feature, another error when the document is truncated or malformed.
func (s *featureStream) next() (*rawFeature, error) {
	if s.ended {
		return nil, io.EOF
	}
	if s.bare {
		s.ended = true
		s.n = 1
		f := &rawFeature{Type: "Feature", Geometry: s.members["geometry"], Properties: s.members["properties"]}
		return f, nil
	}
	if !s.dec.More() {
		if _, err := s.dec.Token(); err != nil { // ']'
			return nil, s.broken(err, s.after())
		}
		for s.dec.More() { // members after "features"
			if _, err := s.dec.Token(); err != nil {
				return nil, s.broken(err, s.after())
			}
			var v json.RawMessage
			if err := s.dec.Decode(&v); err != nil {
				return nil, s.broken(err, s.after())
			}
		}
		if err := s.end(); err != nil {
			return nil, err
		}
		s.ended = true
		return nil, io.EOF
	}
	s.n++
	var raw json.RawMessage
	if err := s.dec.Decode(&raw); err != nil {
		return nil, s.broken(err, "in feature "+strconv.Itoa(s.n))
	}
	f, err := decodeFeatureHead(raw)
	if err != nil {
		return nil, &Error{Where: s.where(), Err: err}
	}
	return f, nil
}

// where names the current feature.
func (s *featureStream) where() string { return s.name + ": feature " + strconv.Itoa(s.n) }

// broken describes an error that stops the reading of the document: where it happened and
// whether the file is truncated or malformed.
func (s *featureStream) broken(err error, at string) error {
	var syn *json.SyntaxError
	switch {
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: the file ends %s: it is truncated: %w", s.name, at, io.ErrUnexpectedEOF)
	case errors.As(err, &syn):
		return fmt.Errorf("%s: malformed JSON %s (byte %d): %w", s.name, at, syn.Offset, err)
	}
	return fmt.Errorf("%s: %s: %w", s.name, at, err)
}

// jsonInference infers a schema from GeoJSON features: properties in order of first
// appearance, one column state each.
type jsonInference struct {
	names []string
	index map[string]int
	cols  []column
	geoms geometryTypes
}

// add narrows the schema by one feature. Values that cannot be decoded are skipped (next
// reports them).
func (j *jsonInference) add(f *rawFeature) {
	if j.index == nil {
		j.index = map[string]int{}
	}
	j.geoms.add(geomTypeName(f.Geometry))
	walkProperties(f.Properties, nil, func(key string, v any) error {
		i, ok := j.index[key]
		if !ok {
			i = len(j.names)
			j.index[key] = i
			j.names = append(j.names, key)
			j.cols = append(j.cols, newColumn())
		}
		j.cols[i].observeJSON(v)
		return nil
	})
}

func (j *jsonInference) schema() Schema {
	sch := Schema{GeometryType: j.geoms.result()}
	for i, name := range j.names {
		t := j.cols[i].typ()
		sch.Fields = append(sch.Fields, data.Field{Name: name, Type: t})
		if sch.TemporalField == "" && (t == data.Date || t == data.DateTime) {
			sch.TemporalField = name
		}
	}
	return sch
}

// geomTypeName returns the schema geometry type of a geometry's JSON text, "" for null.
func geomTypeName(raw json.RawMessage) string {
	t := geometryTypeOf(raw)
	if t == "" {
		return ""
	}
	return schemaTypeName(t)
}
