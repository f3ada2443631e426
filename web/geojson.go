package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
)

// jsonWriter streams JSON into w through a buffer, without reflection: GeoJSON features are
// written as they come out of the store, so a page never sits in memory as Go values.
type jsonWriter struct {
	w   io.Writer
	buf []byte
	err error
}

func newJSONWriter(w io.Writer) *jsonWriter {
	return &jsonWriter{w: w, buf: make([]byte, 0, 64<<10)}
}

func (j *jsonWriter) raw(s string) { j.buf = append(j.buf, s...) }

// flushIfFull writes the buffer out once it is large; call between features.
func (j *jsonWriter) flushIfFull() error {
	if len(j.buf) >= 48<<10 {
		return j.flush()
	}
	return j.err
}

func (j *jsonWriter) flush() error {
	if j.err == nil && len(j.buf) > 0 {
		_, j.err = j.w.Write(j.buf)
	}
	j.buf = j.buf[:0]
	return j.err
}

// feature writes one GeoJSON Feature with the given property names.
func (j *jsonWriter) feature(f *data.Feature, fields []data.Field) {
	j.raw(`{"type":"Feature","id":`)
	j.buf = strconv.AppendInt(j.buf, f.ID, 10)
	j.raw(`,"geometry":`)
	j.geometry(f.Geometry)
	j.raw(`,"properties":{`)
	for i, fld := range fields {
		if i > 0 {
			j.raw(",")
		}
		j.buf = appendString(j.buf, fld.Name)
		j.raw(":")
		j.value(f.Properties[i])
	}
	j.raw("}}")
}

// links writes an array of links.
func (j *jsonWriter) links(ls []link) {
	j.raw("[")
	for i, l := range ls {
		if i > 0 {
			j.raw(",")
		}
		j.raw(`{"href":`)
		j.buf = appendString(j.buf, l.Href)
		j.raw(`,"rel":`)
		j.buf = appendString(j.buf, l.Rel)
		j.raw(`,"type":`)
		j.buf = appendString(j.buf, l.Type)
		if l.Title != "" {
			j.raw(`,"title":`)
			j.buf = appendString(j.buf, l.Title)
		}
		j.raw("}")
	}
	j.raw("]")
}

func (j *jsonWriter) value(v any) {
	switch x := v.(type) {
	case nil:
		j.raw("null")
	case string:
		j.buf = appendString(j.buf, x)
	case int64:
		j.buf = strconv.AppendInt(j.buf, x, 10)
	case float64:
		j.buf = appendFloat(j.buf, x)
	case bool:
		j.buf = strconv.AppendBool(j.buf, x)
	default:
		j.raw("null")
	}
}

func (j *jsonWriter) geometry(g orb.Geometry) {
	if g == nil {
		j.raw("null")
		return
	}
	switch v := g.(type) {
	case orb.Collection:
		j.raw(`{"type":"GeometryCollection","geometries":[`)
		for i, c := range v {
			if i > 0 {
				j.raw(",")
			}
			j.geometry(c)
		}
		j.raw("]}")
		return
	case orb.Bound:
		g = v.ToPolygon()
	case orb.Ring:
		g = orb.Polygon{v}
	}
	j.raw(`{"type":"`)
	j.raw(g.GeoJSONType())
	j.raw(`","coordinates":`)
	switch v := g.(type) {
	case orb.Point:
		j.point(v)
	case orb.MultiPoint:
		j.points(v)
	case orb.LineString:
		j.points(v)
	case orb.MultiLineString:
		j.raw("[")
		for i, l := range v {
			if i > 0 {
				j.raw(",")
			}
			j.points(l)
		}
		j.raw("]")
	case orb.Polygon:
		j.polygon(v)
	case orb.MultiPolygon:
		j.raw("[")
		for i, p := range v {
			if i > 0 {
				j.raw(",")
			}
			j.polygon(p)
		}
		j.raw("]")
	}
	j.raw("}")
}

func (j *jsonWriter) point(p orb.Point) {
	j.raw("[")
	j.buf = appendFloat(j.buf, p[0])
	j.raw(",")
	j.buf = appendFloat(j.buf, p[1])
	j.raw("]")
}

func (j *jsonWriter) points(ps []orb.Point) {
	j.raw("[")
	for i, p := range ps {
		if i > 0 {
			j.raw(",")
		}
		j.point(p)
	}
	j.raw("]")
}

func (j *jsonWriter) polygon(p orb.Polygon) {
	j.raw("[")
	for i, r := range p {
		if i > 0 {
			j.raw(",")
		}
		j.points(r)
	}
	j.raw("]")
}

// appendFloat writes f as a JSON number (null for NaN and infinities, which JSON lacks).
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.AppendFloat(b, f, 'e', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD; <, > and & are
// escaped so the output is safe to embed in HTML, as encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// featureETag is a strong ETag of a feature's content (id, geometry and properties as
// GeoJSON), the same whichever server computes it, so that If-Match works across replicas.
func featureETag(f *data.Feature, fields []data.Field) string {
	j := newJSONWriter(io.Discard)
	j.feature(f, fields)
	sum := sha256.Sum256(j.buf)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}
