package geo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// ErrGPKG is wrapped by every error that ParseGPKGHeader and DecodeGPKG
// return; test for it with errors.Is.
var ErrGPKG = errors.New("geo: invalid GeoPackage geometry")

// Header is the decoded GeoPackage binary header.
type Header struct {
	SRSID       int32
	Empty       bool
	Envelope    orb.Bound // valid when HasEnvelope
	HasEnvelope bool
	Size        int // header length in bytes; the WKB starts at b[Size:]
}

// Flag bits of the GeoPackage binary header (OGC 12-128r19 §2.1.3.1.1).
const (
	gpkgLittleEndian = 1 << 0
	gpkgEmpty        = 1 << 4
	gpkgExtended     = 1 << 5
)

// ParseGPKGHeader decodes the header of a GeoPackage binary geometry: magic
// "GP", version 0, flags, srs_id and the optional envelope, in the byte order
// that the flags give. Only the x and y ranges of an envelope are kept (a
// GeoPackage envelope is stored minx,maxx,miny,maxy, and z or m ranges after
// that are skipped). The envelope values are returned as stored, NaN
// included; the reserved flag bits 6-7 are ignored.
//
// Errors, all wrapping ErrGPKG: fewer than 8 bytes, a wrong magic, a version
// other than 0, an envelope indicator of 5 to 7, an envelope cut short, and
// the extended flag (ExtendedGeoPackageBinary geometries are not supported).
func ParseGPKGHeader(b []byte) (Header, error) {
	if len(b) < 8 {
		return Header{}, fmt.Errorf("%w: %d bytes is shorter than the 8-byte header", ErrGPKG, len(b))
	}
	if b[0] != 'G' || b[1] != 'P' {
		return Header{}, fmt.Errorf("%w: missing \"GP\" magic (starts with %#x)", ErrGPKG, b[:2])
	}
	if b[2] != 0 {
		return Header{}, fmt.Errorf("%w: unsupported version %d (want 0)", ErrGPKG, b[2])
	}
	flags := b[3]
	if flags&gpkgExtended != 0 {
		return Header{}, fmt.Errorf("%w: ExtendedGeoPackageBinary geometries (extended flag set) are not supported", ErrGPKG)
	}
	var doubles int
	switch ind := (flags >> 1) & 7; ind {
	case 0:
	case 1:
		doubles = 4
	case 2, 3:
		doubles = 6
	case 4:
		doubles = 8
	default:
		return Header{}, fmt.Errorf("%w: invalid envelope indicator %d (want 0 to 4)", ErrGPKG, ind)
	}
	h := Header{
		Empty:       flags&gpkgEmpty != 0,
		HasEnvelope: doubles > 0,
		Size:        8 + 8*doubles,
	}
	if len(b) < h.Size {
		return Header{}, fmt.Errorf("%w: header with envelope needs %d bytes, blob has %d", ErrGPKG, h.Size, len(b))
	}
	var order binary.ByteOrder = binary.BigEndian
	if flags&gpkgLittleEndian != 0 {
		order = binary.LittleEndian
	}
	h.SRSID = int32(order.Uint32(b[4:]))
	if h.HasEnvelope {
		f := func(i int) float64 { return math.Float64frombits(order.Uint64(b[8+8*i:])) }
		h.Envelope = orb.Bound{Min: orb.Point{f(0), f(2)}, Max: orb.Point{f(1), f(3)}}
	}
	return h, nil
}

// DecodeGPKG decodes a GeoPackage binary geometry: the header (see
// ParseGPKGHeader) and the WKB after it, in XY, XYZ, XYM or XYZM (ISO type
// codes or the extended 0x80000000/0x40000000 flags), either byte order, with
// Z and M dropped. Bytes after the WKB geometry are ignored.
//
// An empty geometry is not an error: it gives a nil geometry and h.Empty
// true. That covers the empty flag in the header (the WKB is then not read
// at all), POINT EMPTY (a point with NaN coordinates) and any geometry with
// no coordinates at all (LINESTRING EMPTY, a polygon with no rings, ...).
// Empty points inside a MultiPoint or GeometryCollection are left out.
// A ring or line string may come back with any number of points: topology is
// not checked.
//
// Every error wraps ErrGPKG: a bad header, truncated WKB, an unsupported
// geometry type (curves, surfaces, TINs), a count larger than the rest of the
// blob could hold, collections nested more than 32 deep, a multi geometry
// holding the wrong member type, and a NaN or infinite X or Y. When the
// header itself decoded, the returned Header is filled in even on error.
// DecodeGPKG never panics and allocates no more than a small multiple of
// len(b).
func DecodeGPKG(b []byte) (orb.Geometry, Header, error) {
	h, err := ParseGPKGHeader(b)
	if err != nil {
		return nil, Header{}, err
	}
	if h.Empty {
		return nil, h, nil
	}
	g, _, err := decodeWKB(b[h.Size:])
	if err != nil {
		return nil, h, err
	}
	if !hasCoords(g) {
		h.Empty = true
		return nil, h, nil
	}
	return g, h, nil
}

// EncodeGPKG encodes g as a GeoPackage binary geometry with the given srs_id:
// a little-endian header with envelope indicator 1 (minx,maxx,miny,maxy, in
// the GeoPackage order) followed by little-endian 2D ISO WKB. A Ring or a
// Bound is written as a Polygon.
//
// A nil g, or a g with no coordinates, is written with the empty flag set and
// no envelope: nil as GEOMETRYCOLLECTION EMPTY, anything else as the empty
// geometry of its own type (POINT EMPTY being a point with NaN coordinates).
// Errors: a geometry type that is not orb's, a nil member of a Collection,
// and a NaN or infinite coordinate other than a Point whose X and Y are
// both NaN (POINT EMPTY).
func EncodeGPKG(g orb.Geometry, srsID int32) ([]byte, error) {
	n, err := wkbLen(g)
	if err != nil {
		return nil, err
	}
	env, ok := envelope(g)
	size := 8
	flags := byte(gpkgLittleEndian)
	if ok {
		size += 32
		flags |= 1 << 1
	} else {
		flags |= gpkgEmpty
	}
	b := make([]byte, 0, size+n)
	b = append(b, 'G', 'P', 0, flags)
	b = binary.LittleEndian.AppendUint32(b, uint32(srsID))
	if ok {
		for _, f := range [...]float64{env.Min[0], env.Max[0], env.Min[1], env.Max[1]} {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
		}
	}
	return appendWKB(b, g)
}

// hasCoords reports whether g holds at least one coordinate.
func hasCoords(g orb.Geometry) bool {
	switch g := g.(type) {
	case nil:
		return false
	case orb.Point:
		return !(math.IsNaN(g[0]) && math.IsNaN(g[1]))
	case orb.MultiPoint:
		return len(g) > 0
	case orb.LineString:
		return len(g) > 0
	case orb.Polygon:
		for _, r := range g {
			if len(r) > 0 {
				return true
			}
		}
	case orb.MultiLineString:
		for _, ls := range g {
			if len(ls) > 0 {
				return true
			}
		}
	case orb.MultiPolygon:
		for _, p := range g {
			if hasCoords(p) {
				return true
			}
		}
	case orb.Collection:
		for _, c := range g {
			if hasCoords(c) {
				return true
			}
		}
	}
	return false
}
