package tiles

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"
)

// MVTOptions tunes EncodeMVT.
type MVTOptions struct {
	// Buffer is how far past each tile edge geometry is kept, in units of the 4096 extent.
	// 0 means DefaultBuffer (64); a negative value means no buffer (clip at the tile edge);
	// more than 4096 is an error.
	Buffer int
}

// simplifyTolerance is the Douglas-Peucker threshold in tile units: 1/4096 of the tile, 1/16 of a
// pixel of a 256 px tile.
const simplifyTolerance = 1.0

// maxLat is the latitude of the Web Mercator square's top edge.
const maxLat = 85.05112877980659

// latBand is the Web Mercator range in WGS84: lines and polygons reaching past it are clipped to
// it before they are projected.
var latBand = orb.Bound{Min: orb.Point{math.Inf(-1), -maxLat}, Max: orb.Point{math.Inf(1), maxLat}}

var douglasPeucker = simplify.DouglasPeucker(simplifyTolerance)

// EncodeMVT encodes layers (WGS84 features) as one uncompressed Mapbox Vector Tile 2.1 for t: each
// layer named after Layer.Name, in the order given, with extent 4096 and version 2.
//
// Geometry is projected to Web Mercator tile units, clipped to the tile plus opts.Buffer, rounded
// to whole units and simplified with Douglas-Peucker at 1 unit. Longitudes are not wrapped; points
// beyond the Mercator limit of ±85.0511° are dropped, and lines and polygons are cut there first.
// Lines keep at least 2 distinct points. Supported geometries: Point, MultiPoint, LineString,
// MultiLineString, Polygon, MultiPolygon, Ring (as a Polygon) and Bound (as its rectangle). A
// GeometryCollection is flattened, nested collections included, into up to three features (its
// points, its lines, its polygons), each with the collection's id and properties. Features with a
// nil geometry, and features left with no geometry, are removed.
//
// Polygons stay valid: they are simplified ring by ring, and a ring whose simplified form is
// degenerate (fewer than 3 distinct points, less than 1 square unit, flipped) or makes the
// polygon's edges cross or touch keeps its unsimplified (clipped, rounded) form. Rings of less
// than 1 square unit are dropped, and a polygon with its exterior. A polygon covering the whole
// tile comes out as the buffered square. The first ring of a Polygon is its exterior; exterior
// rings are written clockwise in tile (y-down) coordinates and interior rings counter-clockwise,
// whatever the input's orientation.
//
// Feature ids are kept when they are non-negative integers: Go integers, integral float64 (as
// GeoJSON decodes them) or decimal strings; other ids are left out. Properties are kept with nil
// values dropped: string, bool, int64 and the other signed integers (written as sint), unsigned
// integers (uint), float64 and float32 (double); time.Time as an RFC 3339 string, json.Number as
// an integer or double, a fmt.Stringer as its string, anything else as its JSON encoding (dropped
// if it has none). Keys and values are shared within a layer, except that the values of a key
// whose first 4096 are nearly all different (an id, a timestamp) are written as they come. Tags
// are in key order.
//
// Layers with no features left are omitted; when no layer has any, it returns (nil, nil) so the
// caller can answer 204. Errors: t outside the tile grid or deeper than MaxZoom, a layer without a
// name, two layers with the same name, a buffer above 4096. It does not modify the input
// collections, is safe for concurrent use, and is deterministic: the same input gives the same
// bytes.
func EncodeMVT(t maptile.Tile, layers []Layer, opts MVTOptions) ([]byte, error) {
	if t.Z > MaxZoom || !t.Valid() {
		return nil, fmt.Errorf("tiles: tile %d/%d/%d is outside the tile grid", t.Z, t.X, t.Y)
	}
	buffer := opts.Buffer
	switch {
	case buffer == 0:
		buffer = DefaultBuffer
	case buffer < 0:
		buffer = 0
	case buffer > extent:
		return nil, fmt.Errorf("tiles: MVT buffer %d is more than the extent %d", buffer, extent)
	}
	for i, l := range layers {
		if l.Name == "" {
			return nil, fmt.Errorf("tiles: layer %d has no name", i)
		}
		for _, o := range layers[:i] {
			if o.Name == l.Name {
				return nil, fmt.Errorf("tiles: two layers are named %q", l.Name)
			}
		}
	}

	e := encoderPool.Get().(*encoder)
	defer encoderPool.Put(e)
	e.reset(t, buffer)
	for _, l := range layers {
		e.layer(l)
	}
	if len(e.tile) == 0 {
		return nil, nil
	}
	return bytes.Clone(e.tile), nil
}

var encoderPool = sync.Pool{New: func() any { return newEncoder() }}

// gzipLevel trades size for speed. A z5 tile of 23,500 points (890 kB) measured on a 2-core
// EPYC: BestSpeed 452 kB in 11 ms, DefaultCompression 423 kB in 62 ms, HuffmanOnly 662 kB in 4 ms.
const gzipLevel = gzip.BestSpeed

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzipLevel)
	return w
}}

// Gzip compresses a tile (for Content-Encoding: gzip) at gzip.BestSpeed. An empty or nil b gives
// a valid gzip stream of nothing; the error is only that of the compressor.
func Gzip(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)*5/8 + 64)
	w := gzipPool.Get().(*gzip.Writer)
	w.Reset(&buf)
	if _, err := w.Write(b); err != nil {
		return nil, fmt.Errorf("tiles: gzip: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("tiles: gzip: %w", err)
	}
	w.Reset(nil)
	gzipPool.Put(w)
	return buf.Bytes(), nil
}

// MVT protobuf field keys ((field number << 3) | wire type), from vector_tile.proto 2.1.
const (
	keyTileLayer    = 3<<3 | 2
	keyLayerName    = 1<<3 | 2
	keyLayerFeature = 2<<3 | 2
	keyLayerKey     = 3<<3 | 2
	keyLayerValue   = 4<<3 | 2
	keyLayerExtent  = 5<<3 | 0
	keyLayerVersion = 15<<3 | 0
	keyFeatureID    = 1<<3 | 0
	keyFeatureTags  = 2<<3 | 2
	keyFeatureType  = 3<<3 | 0
	keyFeatureGeom  = 4<<3 | 2
	keyValueString  = 1<<3 | 2
	keyValueDouble  = 3<<3 | 1
	keyValueUint    = 5<<3 | 0
	keyValueSint    = 6<<3 | 0
	keyValueBool    = 7<<3 | 0
	geomPoint       = 1
	geomLine        = 2
	geomPolygon     = 3
	cmdMoveTo1      = 1<<3 | 1 // MoveTo, count 1
	cmdClosePath    = 1<<3 | 7
	cmdLineTo       = 2
	cmdMoveTo       = 1
	mvtVersion      = 2
)

// encoder holds the state and scratch buffers of one EncodeMVT call; it is pooled.
type encoder struct {
	// tile
	projector
	bound    orb.Bound // clip box in tile units
	min, max float64   // bound.Min[0] == bound.Min[1], bound.Max[0] == bound.Max[1]
	tile     []byte    // the encoded tile so far

	// layer
	feats    []byte // encoded features of the current layer
	keys     []string
	keyIdx   map[string]uint32
	vals     []byte // encoded values of the current layer, each with its field key
	nvals    uint32
	keyStats []keyStat // per key
	strIdx   map[string]uint32
	dblIdx   map[uint64]uint32
	uintIdx  map[uint64]uint32
	sintIdx  map[uint64]uint32
	boolIdx  [2]uint32 // index+1, 0 = not yet
	order    []string  // the keys of the previous feature with properties, sorted
	orderIdx []uint32  // their indexes in keys, or noKey
	pvals    []any     // the current feature's values, in e.order

	// feature
	geom   []uint32 // geometry commands
	cx, cy int32    // geometry cursor
	tags   []uint32
	packed []byte // packed tags and geometry of the current feature
	props  []prop
	fbuf   []orb.Point // projected path
	pbuf   []orb.Point // rings of the current polygon: unsimplified and simplified forms
	rings  []ringRef
	segs   []segment
	sweep  []sweepKey
}

type prop struct {
	key string
	val any
}

func newEncoder() *encoder {
	return &encoder{
		keyIdx:  make(map[string]uint32),
		strIdx:  make(map[string]uint32),
		dblIdx:  make(map[uint64]uint32),
		uintIdx: make(map[uint64]uint32),
		sintIdx: make(map[uint64]uint32),
	}
}

func (e *encoder) reset(t maptile.Tile, buffer int) {
	e.projector = newProjector(t)
	e.min, e.max = -float64(buffer), float64(extent+buffer)
	e.bound = orb.Bound{Min: orb.Point{e.min, e.min}, Max: orb.Point{e.max, e.max}}
	e.tile = e.tile[:0]
}

// projector projects WGS84 to the units of a tile's 4096 extent.
type projector struct {
	scale, ox, oy float64 // world size and tile origin in tile units
}

func newProjector(t maptile.Tile) projector {
	return projector{
		scale: float64(uint64(1)<<t.Z) * extent,
		ox:    float64(t.X) * extent,
		oy:    float64(t.Y) * extent,
	}
}

// project returns the position of ll in tile units (y down), not rounded. The latitude must be
// within ±maxLat.
func (p *projector) project(ll orb.Point) (x, y float64) {
	x = (ll[0]/360+0.5)*p.scale - p.ox
	s := math.Sin(ll[1] * (math.Pi / 180))
	y = (0.5-math.Log((1+s)/(1-s))*(1/(4*math.Pi)))*p.scale - p.oy
	return x, y
}

// round rounds half up to a whole tile unit.
func round(v float64) float64 { return math.Floor(v + 0.5) }

func (e *encoder) layer(l Layer) {
	if l.Points == nil && (l.Features == nil || len(l.Features.Features) == 0) {
		return
	}
	e.feats, e.vals, e.nvals = e.feats[:0], e.vals[:0], 0
	e.boolIdx = [2]uint32{}
	defer e.forget()
	if l.Points != nil {
		e.points(l.Points)
	} else {
		for _, f := range l.Features.Features {
			e.feature(f)
		}
	}
	if len(e.feats) == 0 {
		return
	}

	size := 1 + varintLen(uint64(len(l.Name))) + len(l.Name) + len(e.feats)
	for _, k := range e.keys {
		size += 1 + varintLen(uint64(len(k))) + len(k)
	}
	size += len(e.vals) + 1 + varintLen(extent) + 1 + varintLen(mvtVersion)

	b := slices.Grow(e.tile, 1+varintLen(uint64(size))+size)
	b = append(b, keyTileLayer)
	b = appendVarint(b, uint64(size))
	b = append(b, keyLayerName)
	b = appendVarint(b, uint64(len(l.Name)))
	b = append(b, l.Name...)
	b = append(b, e.feats...)
	for _, k := range e.keys {
		b = append(b, keyLayerKey)
		b = appendVarint(b, uint64(len(k)))
		b = append(b, k...)
	}
	b = append(b, e.vals...)
	b = append(b, keyLayerExtent)
	b = appendVarint(b, extent)
	b = append(b, keyLayerVersion, mvtVersion)
	e.tile = b
}

// forget empties the layer's tables, so that a pooled encoder holds no strings of its last input.
func (e *encoder) forget() {
	clear(e.keys)
	clear(e.order)
	e.keys, e.order, e.orderIdx, e.keyStats = e.keys[:0], e.order[:0], e.orderIdx[:0], e.keyStats[:0]
	clear(e.keyIdx)
	clear(e.strIdx)
	clear(e.dblIdx)
	clear(e.uintIdx)
	clear(e.sintIdx)
}

func (e *encoder) feature(f *geojson.Feature) {
	if f == nil || f.Geometry == nil {
		return
	}
	e.geom = e.geom[:0]
	e.cx, e.cy = 0, 0
	var typ uint32
	switch g := f.Geometry.(type) {
	case orb.Point:
		typ = geomPoint
		e.point(g)
	case orb.MultiPoint:
		typ = geomPoint
		e.multiPoint(g)
	case orb.LineString:
		typ = geomLine
		e.lineString(g)
	case orb.MultiLineString:
		typ = geomLine
		for _, ls := range g {
			e.lineString(ls)
		}
	case orb.Polygon:
		typ = geomPolygon
		e.polygon(g)
	case orb.MultiPolygon:
		typ = geomPolygon
		for _, p := range g {
			e.polygon(p)
		}
	case orb.Ring:
		typ = geomPolygon
		e.polygon(orb.Polygon{g})
	case orb.Bound:
		typ = geomPolygon
		e.polygon(g.ToPolygon())
	case orb.Collection:
		e.collection(f, g)
		return
	default:
		return
	}
	if len(e.geom) > 0 {
		id, hasID := featureID(f.ID)
		e.writeFeature(id, hasID, typ, e.encodeTags(f.Properties))
	}
}

// collection writes the members of a GeometryCollection as up to three features: all points, all
// lines, all polygons.
func (e *encoder) collection(f *geojson.Feature, c orb.Collection) {
	parts := [3]orb.Geometry{orb.MultiPoint(nil), orb.MultiLineString(nil), orb.MultiPolygon(nil)}
	flatten(&parts, c)
	var tags []uint32
	tagged := false
	id, hasID := featureID(f.ID)
	for i, g := range parts {
		e.geom = e.geom[:0]
		e.cx, e.cy = 0, 0
		switch g := g.(type) {
		case orb.MultiPoint:
			e.multiPoint(g)
		case orb.MultiLineString:
			for _, ls := range g {
				e.lineString(ls)
			}
		case orb.MultiPolygon:
			for _, p := range g {
				e.polygon(p)
			}
		}
		if len(e.geom) == 0 {
			continue
		}
		if !tagged {
			tags, tagged = e.encodeTags(f.Properties), true
		}
		e.writeFeature(id, hasID, uint32(i+1), tags)
	}
}

func flatten(out *[3]orb.Geometry, c orb.Collection) {
	for _, g := range c {
		switch g := g.(type) {
		case orb.Point:
			out[0] = append(out[0].(orb.MultiPoint), g)
		case orb.MultiPoint:
			out[0] = append(out[0].(orb.MultiPoint), g...)
		case orb.LineString:
			out[1] = append(out[1].(orb.MultiLineString), g)
		case orb.MultiLineString:
			out[1] = append(out[1].(orb.MultiLineString), g...)
		case orb.Polygon:
			out[2] = append(out[2].(orb.MultiPolygon), g)
		case orb.MultiPolygon:
			out[2] = append(out[2].(orb.MultiPolygon), g...)
		case orb.Ring:
			out[2] = append(out[2].(orb.MultiPolygon), orb.Polygon{g})
		case orb.Bound:
			out[2] = append(out[2].(orb.MultiPolygon), g.ToPolygon())
		case orb.Collection:
			flatten(out, g)
		}
	}
}

func (e *encoder) writeFeature(id uint64, hasID bool, typ uint32, tags []uint32) {
	// The packed tags and geometry first, to know their lengths.
	pk := e.packed[:0]
	for _, t := range tags {
		pk = appendVarint32(pk, t)
	}
	tagsLen := len(pk)
	for _, g := range e.geom {
		pk = appendVarint32(pk, g)
	}
	e.packed = pk
	geomLen := len(pk) - tagsLen

	size := 2 + 1 + varintLen(uint64(geomLen)) + geomLen
	if hasID {
		size += 1 + varintLen(id)
	}
	if tagsLen > 0 {
		size += 1 + varintLen(uint64(tagsLen)) + tagsLen
	}
	b := slices.Grow(e.feats, 1+varintLen(uint64(size))+size)
	b = append(b, keyLayerFeature)
	b = appendVarint(b, uint64(size))
	if hasID {
		b = append(b, keyFeatureID)
		b = appendVarint(b, id)
	}
	if tagsLen > 0 {
		b = append(b, keyFeatureTags)
		b = appendVarint(b, uint64(tagsLen))
		b = append(b, pk[:tagsLen]...)
	}
	b = append(b, keyFeatureType, byte(typ), keyFeatureGeom)
	b = appendVarint(b, uint64(geomLen))
	b = append(b, pk[tagsLen:]...)
	e.feats = b
}

// featureID returns id as an MVT feature id, if it is a non-negative integer.
func featureID(id any) (uint64, bool) {
	switch v := id.(type) {
	case nil:
	case int64:
		return uint64(v), v >= 0
	case float64:
		if v >= 0 && v < 1<<64 && v == math.Trunc(v) {
			return uint64(v), true
		}
	case string:
		u, err := strconv.ParseUint(v, 10, 64)
		return u, err == nil
	case int:
		return uint64(v), v >= 0
	case int32:
		return uint64(v), v >= 0
	case int16:
		return uint64(v), v >= 0
	case int8:
		return uint64(v), v >= 0
	case uint64:
		return v, true
	case uint:
		return uint64(v), true
	case uint32:
		return uint64(v), true
	case uint16:
		return uint64(v), true
	case uint8:
		return uint64(v), true
	case float32:
		return featureID(float64(v))
	case json.Number:
		return featureID(string(v))
	}
	return 0, false
}

// noKey marks a key of e.order not yet in the layer's keys (it only had nil values so far).
const noKey = math.MaxUint32

// encodeTags returns the tags of properties (key index, value index pairs in key order), adding
// keys and values to the layer's tables. The slice is reused by the next call.
func (e *encoder) encodeTags(props geojson.Properties) []uint32 {
	e.tags = e.tags[:0]
	if len(props) == 0 {
		return e.tags
	}
	if !e.sameKeys(props) {
		e.newKeys(props)
	}
	for j, pv := range e.pvals {
		if pv == nil {
			continue
		}
		v, ok := toValue(pv)
		if !ok {
			continue
		}
		ki := e.orderIdx[j]
		if ki == noKey {
			k := e.order[j]
			var found bool
			if ki, found = e.keyIdx[k]; !found {
				ki = uint32(len(e.keys))
				e.keys = append(e.keys, k)
				e.keyIdx[k] = ki
				e.keyStats = append(e.keyStats, keyStat{})
			}
			e.orderIdx[j] = ki
		}
		e.tags = append(e.tags, ki, e.valueIndex(ki, v))
	}
	clear(e.pvals) // drop references to the caller's values
	return e.tags
}

// sameKeys reports whether props has the keys of the previous feature (e.order), the common
// case, and if so puts its values in e.pvals, in key order. Lookups in a small map cost less
// than iterating over it and sorting the keys.
func (e *encoder) sameKeys(props geojson.Properties) bool {
	if len(props) != len(e.order) {
		return false
	}
	vs := e.pvals[:len(e.order)]
	for j, k := range e.order {
		v, ok := props[k]
		if !ok {
			clear(vs)
			return false
		}
		vs[j] = v
	}
	e.pvals = vs
	return true
}

// newKeys makes the keys of props, sorted, e.order, and puts their values in e.pvals.
func (e *encoder) newKeys(props geojson.Properties) {
	ps := e.props[:0]
	for k, v := range props {
		ps = append(ps, prop{k, v})
	}
	// Insertion sort: a handful of keys.
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].key < ps[j-1].key; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	e.order, e.orderIdx, e.pvals = e.order[:0], e.orderIdx[:0], e.pvals[:0]
	for _, p := range ps {
		ki, ok := e.keyIdx[p.key]
		if !ok {
			ki = noKey
		}
		e.order = append(e.order, p.key)
		e.orderIdx = append(e.orderIdx, ki)
		e.pvals = append(e.pvals, p.val)
	}
	clear(ps)
	e.props = ps[:0]
}

// Value kinds, after the MVT Value field they are written to.
const (
	kindString uint8 = iota
	kindDouble
	kindUint
	kindSint
	kindBool
)

// value is a property value ready to encode: s for strings, bits for the other kinds (the
// float64 bits of a double, the two's complement of a sint, 0 or 1 for a bool).
type value struct {
	kind uint8
	bits uint64
	s    string
}

// toValue converts a property value, or returns false if it cannot be encoded.
func toValue(v any) (value, bool) {
	switch v := v.(type) {
	case string:
		return value{kind: kindString, s: v}, true
	case int64:
		return value{kind: kindSint, bits: uint64(v)}, true
	case float64:
		return value{kind: kindDouble, bits: math.Float64bits(v)}, true
	case bool:
		if v {
			return value{kind: kindBool, bits: 1}, true
		}
		return value{kind: kindBool}, true
	case int:
		return value{kind: kindSint, bits: uint64(int64(v))}, true
	case int32:
		return value{kind: kindSint, bits: uint64(int64(v))}, true
	case int16:
		return value{kind: kindSint, bits: uint64(int64(v))}, true
	case int8:
		return value{kind: kindSint, bits: uint64(int64(v))}, true
	case uint64:
		return value{kind: kindUint, bits: v}, true
	case uint:
		return value{kind: kindUint, bits: uint64(v)}, true
	case uint32:
		return value{kind: kindUint, bits: uint64(v)}, true
	case uint16:
		return value{kind: kindUint, bits: uint64(v)}, true
	case uint8:
		return value{kind: kindUint, bits: uint64(v)}, true
	case float32:
		return value{kind: kindDouble, bits: math.Float64bits(float64(v))}, true
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return value{kind: kindSint, bits: uint64(i)}, true
		}
		if f, err := v.Float64(); err == nil {
			return value{kind: kindDouble, bits: math.Float64bits(f)}, true
		}
		return value{kind: kindString, s: string(v)}, true
	case time.Time:
		return value{kind: kindString, s: v.Format(time.RFC3339Nano)}, true
	case fmt.Stringer:
		return value{kind: kindString, s: v.String()}, true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return value{}, false
	}
	return value{kind: kindString, s: string(b)}, true
}

// keyStat counts the values of a key to stop deduplicating them when nearly all are distinct
// (ids, timestamps): the lookups would cost more than the bytes they save.
type keyStat struct {
	seen, fresh uint32
	unique      bool
}

const (
	dedupSample = 4096 // values of a key seen before deciding
	dedupMin    = 8    // keep deduplicating if at least 1 in dedupMin values repeats
)

// valueIndex returns the index of v, a value of key ki, in the layer's values, adding it if new.
func (e *encoder) valueIndex(ki uint32, v value) uint32 {
	st := &e.keyStats[ki]
	if st.unique {
		return e.appendValue(v)
	}
	var (
		i  uint32
		ok bool
	)
	switch v.kind {
	case kindString:
		if i, ok = e.strIdx[v.s]; !ok {
			i = e.appendValue(v)
			e.strIdx[v.s] = i
		}
	case kindDouble:
		if i, ok = e.dblIdx[v.bits]; !ok {
			i = e.appendValue(v)
			e.dblIdx[v.bits] = i
		}
	case kindUint:
		if i, ok = e.uintIdx[v.bits]; !ok {
			i = e.appendValue(v)
			e.uintIdx[v.bits] = i
		}
	case kindSint:
		if i, ok = e.sintIdx[v.bits]; !ok {
			i = e.appendValue(v)
			e.sintIdx[v.bits] = i
		}
	case kindBool:
		if ok = e.boolIdx[v.bits] != 0; ok {
			i = e.boolIdx[v.bits] - 1
		} else {
			i = e.appendValue(v)
			e.boolIdx[v.bits] = i + 1
		}
	}
	if st.seen < dedupSample {
		st.seen++
		if !ok {
			st.fresh++
		}
		if st.seen == dedupSample && st.fresh > dedupSample-dedupSample/dedupMin {
			st.unique = true
		}
	}
	return i
}

// appendValue writes v to the layer's values and returns its index.
func (e *encoder) appendValue(v value) uint32 {
	b := e.vals
	switch v.kind {
	case kindString:
		n := uint64(len(v.s))
		b = append(b, keyLayerValue)
		b = appendVarint(b, 1+uint64(varintLen(n))+n)
		b = append(b, keyValueString)
		b = appendVarint(b, n)
		b = append(b, v.s...)
	case kindDouble:
		u := v.bits
		b = append(b, keyLayerValue, 9, keyValueDouble,
			byte(u), byte(u>>8), byte(u>>16), byte(u>>24), byte(u>>32), byte(u>>40), byte(u>>48), byte(u>>56))
	case kindUint:
		b = append(b, keyLayerValue, byte(1+varintLen(v.bits)), keyValueUint)
		b = appendVarint(b, v.bits)
	case kindSint:
		z := uint64(int64(v.bits)<<1 ^ int64(v.bits)>>63)
		b = append(b, keyLayerValue, byte(1+varintLen(z)), keyValueSint)
		b = appendVarint(b, z)
	case kindBool:
		b = append(b, keyLayerValue, 2, keyValueBool, byte(v.bits))
	}
	e.vals = b
	e.nvals++
	return e.nvals - 1
}

// Geometry.

func zigzag(v int32) uint32 { return uint32(v<<1 ^ v>>31) }

func (e *encoder) moveTo(p orb.Point) {
	x, y := int32(p[0]), int32(p[1])
	e.geom = append(e.geom, cmdMoveTo1, zigzag(x-e.cx), zigzag(y-e.cy))
	e.cx, e.cy = x, y
}

func (e *encoder) lineTo(p orb.Point) {
	x, y := int32(p[0]), int32(p[1])
	e.geom = append(e.geom, zigzag(x-e.cx), zigzag(y-e.cy))
	e.cx, e.cy = x, y
}

func (e *encoder) inside(x, y float64) bool {
	return x >= e.min && x <= e.max && y >= e.min && y <= e.max
}

// inBand reports whether lat is within the Web Mercator range (false for NaN).
func inBand(lat float64) bool { return lat >= -maxLat && lat <= maxLat }

// outsideBand reports whether a path has a latitude outside the Web Mercator range (or NaN).
func outsideBand(ls []orb.Point) bool {
	for _, p := range ls {
		if !inBand(p[1]) {
			return true
		}
	}
	return false
}

func (e *encoder) point(p orb.Point) {
	if !inBand(p[1]) {
		return
	}
	x, y := e.project(p)
	if e.inside(x, y) {
		e.moveTo(orb.Point{round(x), round(y)})
	}
}

func (e *encoder) multiPoint(mp orb.MultiPoint) {
	at := len(e.geom)
	e.geom = append(e.geom, 0)
	n := 0
	for _, p := range mp {
		if !inBand(p[1]) {
			continue
		}
		x, y := e.project(p)
		if e.inside(x, y) {
			e.lineTo(orb.Point{round(x), round(y)})
			n++
		}
	}
	if n == 0 {
		e.geom = e.geom[:at]
		return
	}
	e.geom[at] = uint32(n)<<3 | cmdMoveTo
}

// projectPath projects ls into e.fbuf. It returns false when ls has no point or a non-finite one,
// or lies wholly outside the clip box; inside reports that no clipping is needed.
func (e *encoder) projectPath(ls []orb.Point) (p orb.LineString, inside, ok bool) {
	if len(ls) == 0 {
		return nil, false, false
	}
	p = e.fbuf[:0]
	minx, miny := math.Inf(1), math.Inf(1)
	maxx, maxy := math.Inf(-1), math.Inf(-1)
	for _, ll := range ls {
		x, y := e.project(ll)
		minx, maxx = min(minx, x), max(maxx, x)
		miny, maxy = min(miny, y), max(maxy, y)
		p = append(p, orb.Point{x, y})
	}
	e.fbuf = p
	// min/max propagate NaN, and the comparisons below are false for NaN and for ±Inf bounds.
	if !(minx <= e.max && maxx >= e.min && miny <= e.max && maxy >= e.min) ||
		math.IsInf(minx, 0) || math.IsInf(maxx, 0) || math.IsInf(miny, 0) || math.IsInf(maxy, 0) {
		return nil, false, false
	}
	return p, minx >= e.min && maxx <= e.max && miny >= e.min && maxy <= e.max, true
}

func (e *encoder) lineString(ls orb.LineString) {
	if outsideBand(ls) {
		for _, part := range clip.LineString(latBand, ls) {
			e.projectedLine(part)
		}
		return
	}
	e.projectedLine(ls)
}

func (e *encoder) projectedLine(ls orb.LineString) {
	p, inside, ok := e.projectPath(ls)
	if !ok {
		return
	}
	if inside {
		e.linePart(p)
		return
	}
	for _, part := range clip.LineString(e.bound, p) {
		e.linePart(part)
	}
}

// linePart rounds, dedups and simplifies one clipped line in place and writes it if it still
// has two distinct points.
func (e *encoder) linePart(p orb.LineString) {
	p = roundPath(p)
	if len(p) > 2 {
		p = dedup(douglasPeucker.LineString(p))
	}
	if len(p) < 2 {
		return
	}
	e.moveTo(p[0])
	e.geom = append(e.geom, uint32(len(p)-1)<<3|cmdLineTo)
	for _, q := range p[1:] {
		e.lineTo(q)
	}
}

// roundPath rounds p in place to whole units and drops repeated points.
func roundPath(p []orb.Point) []orb.Point {
	for i, q := range p {
		p[i] = orb.Point{round(q[0]), round(q[1])}
	}
	return dedup(p)
}

// dedup drops repeated consecutive points in place.
func dedup(p []orb.Point) []orb.Point {
	n := 0
	for _, q := range p {
		if n > 0 && p[n-1] == q {
			continue
		}
		p[n] = q
		n++
	}
	return p[:n]
}

// openRing rounds ring r in place, drops repeated points and zero-width spikes (a, b, a), and
// returns it open: without the closing point, first and last points different.
func openRing(r []orb.Point) []orb.Point {
	n := 0
	for _, q := range r {
		q = orb.Point{round(q[0]), round(q[1])}
		if n > 0 && r[n-1] == q {
			continue
		}
		if n > 1 && r[n-2] == q { // spike a, b, a: back to a
			n--
			continue
		}
		r[n] = q
		n++
	}
	for n > 1 && r[n-1] == r[0] {
		n--
	}
	return r[:n]
}

// area2 is twice the signed area of the open ring r by the surveyor's formula in tile
// coordinates: positive for an MVT exterior ring (clockwise on screen, y down).
func area2(r []orb.Point) float64 {
	if len(r) < 3 {
		return 0
	}
	var s float64
	prev := r[len(r)-1]
	for _, p := range r {
		s += prev[0]*p[1] - p[0]*prev[1]
		prev = p
	}
	return s
}

// ringRef locates the unsimplified (u) and simplified (s) forms of a ring in e.pbuf.
type ringRef struct {
	u, un  int
	s, sn  int // sn == 0: no simplified form, use u
	area2  float64
	simple bool // use the simplified form
}

func (r ringRef) points(pbuf []orb.Point) []orb.Point {
	if r.simple {
		return pbuf[r.s : r.s+r.sn]
	}
	return pbuf[r.u : r.u+r.un]
}

// ring projects, clips, rounds and simplifies one ring into e.pbuf. It returns false for a ring
// that is empty or smaller than 1 square unit after clipping and rounding.
func (e *encoder) ring(r orb.Ring) (ringRef, bool) {
	if outsideBand(r) {
		c := slices.Clone(r) // clip.Ring writes into its input
		if len(c) > 0 && c[0] != c[len(c)-1] {
			c = append(c, c[0]) // clip.Ring does not close an open ring
		}
		r = clip.Ring(latBand, c)
	}
	p, inside, ok := e.projectPath(r)
	if !ok {
		return ringRef{}, false
	}
	if !inside {
		if p[0] != p[len(p)-1] {
			p = append(p, p[0])
			e.fbuf = p
		}
		p = orb.LineString(clip.Ring(e.bound, orb.Ring(p)))
	}
	u := openRing(p)
	if len(u) < 3 {
		return ringRef{}, false
	}
	a := area2(u)
	if math.Abs(a) < 2 {
		return ringRef{}, false
	}
	// Start at the lowest-leftmost point, a corner of the convex hull, so that the simplified ring
	// does not keep a useless start point (a tile-covering ring becomes its 4 corners).
	k := 0
	for i, q := range u {
		if q[0] < u[k][0] || q[0] == u[k][0] && q[1] < u[k][1] {
			k = i
		}
	}
	ref := ringRef{u: len(e.pbuf), un: len(u), area2: a}
	e.pbuf = append(e.pbuf, u[k:]...)
	e.pbuf = append(e.pbuf, u[:k]...)
	if len(u) == 3 {
		return ref, true
	}
	// Simplify a closed copy.
	ref.s = len(e.pbuf)
	e.pbuf = append(e.pbuf, e.pbuf[ref.u:ref.u+ref.un]...)
	e.pbuf = append(e.pbuf, e.pbuf[ref.u])
	s := douglasPeucker.LineString(e.pbuf[ref.s:])
	s = dedup(s)
	for len(s) > 1 && s[len(s)-1] == s[0] {
		s = s[:len(s)-1]
	}
	e.pbuf = e.pbuf[:ref.s+len(s)]
	if len(s) == ref.un {
		e.pbuf = e.pbuf[:ref.s] // nothing removed
		return ref, true
	}
	if sa := area2(s); len(s) >= 3 && math.Abs(sa) >= 2 && (sa > 0) == (a > 0) {
		ref.sn, ref.simple = len(s), true
	}
	return ref, true
}

// polygon writes the rings of p that survive clipping; nothing if its exterior does not.
func (e *encoder) polygon(p orb.Polygon) {
	if len(p) == 0 {
		return
	}
	e.pbuf = e.pbuf[:0]
	e.rings = e.rings[:0]
	ext, ok := e.ring(p[0])
	if !ok {
		return
	}
	e.rings = append(e.rings, ext)
	for _, h := range p[1:] {
		if ref, ok := e.ring(h); ok {
			e.rings = append(e.rings, ref)
		}
	}
	simplified := false
	for _, r := range e.rings {
		simplified = simplified || r.simple
	}
	if simplified && !e.valid(e.rings) {
		// Fall back ring by ring, then for the whole polygon if its rings still meet.
		for i := range e.rings {
			if e.rings[i].simple && !e.valid(e.rings[i:i+1]) {
				e.rings[i].simple = false
			}
		}
		if !e.valid(e.rings) {
			for i := range e.rings {
				e.rings[i].simple = false
			}
		}
	}
	for i, r := range e.rings {
		pts := r.points(e.pbuf)
		// Exterior: positive area; interior: negative. Reverse, keeping the start point, if not.
		reverse := (r.area2 > 0) != (i == 0)
		e.moveTo(pts[0])
		e.geom = append(e.geom, uint32(len(pts)-1)<<3|cmdLineTo)
		if reverse {
			for j := len(pts) - 1; j > 0; j-- {
				e.lineTo(pts[j])
			}
		} else {
			for _, q := range pts[1:] {
				e.lineTo(q)
			}
		}
		e.geom = append(e.geom, cmdClosePath)
	}
}

// segment is edge idx (from point idx to the next) of ring ring, which has n points.
type segment struct {
	a, b         orb.Point
	miny, maxy   float64
	ring, idx, n int32
	shortcut     bool // made by simplification: not an edge of the unsimplified ring
}

// sweepKey orders segments by their smallest x for the sweep in valid.
type sweepKey struct {
	minx float64
	seg  int32
}

// valid reports whether the rings (in their chosen forms) are free of crossings and touches
// between edges, adjacent edges folding back on each other excepted, and of edges overlapping
// along the same side of the clip box (clipping makes those, simplification does not). Rings are
// already known to have 3 or more distinct points and a non-zero area.
//
// Only pairs with a shortcut, an edge made by simplification, are tested: the others are edges of
// the unsimplified rings, which the fallback would keep anyway.
func (e *encoder) valid(rings []ringRef) bool {
	segs, keys := e.segs[:0], e.sweep[:0]
	for ri, r := range rings {
		pts := r.points(e.pbuf)
		var u []orb.Point
		if r.simple {
			u = e.pbuf[r.u : r.u+r.un]
		}
		j := 0 // position in u of pts[i]
		for i := range pts {
			a, b := pts[i], pts[(i+1)%len(pts)]
			short := false
			if r.simple {
				// pts is a subsequence of u: find where b is.
				k := j + 1
				if i == len(pts)-1 {
					k = len(u) // b is u[0], after u's last point
				} else {
					for k < len(u) && u[k] != b {
						k++
					}
				}
				short, j = k != j+1, k
			}
			segs = append(segs, segment{a: a, b: b, miny: min(a[1], b[1]), maxy: max(a[1], b[1]),
				ring: int32(ri), idx: int32(i), n: int32(len(pts)), shortcut: short})
			keys = append(keys, sweepKey{min(a[0], b[0]), int32(len(segs) - 1)})
		}
	}
	e.segs, e.sweep = segs, keys
	slices.SortFunc(keys, func(a, b sweepKey) int {
		if a.minx < b.minx {
			return -1
		}
		if a.minx > b.minx {
			return 1
		}
		return 0
	})
	for i, ki := range keys {
		si := &segs[ki.seg]
		maxx := max(si.a[0], si.b[0])
		for _, kj := range keys[i+1:] {
			if kj.minx > maxx {
				break
			}
			sj := &segs[kj.seg]
			if !si.shortcut && !sj.shortcut || sj.maxy < si.miny || sj.miny > si.maxy {
				continue
			}
			if si.ring == sj.ring {
				// Adjacent edges share a point; they only go wrong by folding back.
				if (si.idx+1)%si.n == sj.idx {
					if foldsBack(si.a, si.b, sj.b) {
						return false
					}
					continue
				}
				if (sj.idx+1)%si.n == si.idx {
					if foldsBack(sj.a, sj.b, si.b) {
						return false
					}
					continue
				}
			}
			if segmentsMeet(si.a, si.b, sj.a, sj.b) && !onSameBoxSide(e.bound, si.a, si.b, sj.a, sj.b) {
				return false
			}
		}
	}
	return true
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// foldsBack reports whether the path u, v, w turns back on itself along a line.
func foldsBack(u, v, w orb.Point) bool {
	return orient(u, v, w) == 0 && (v[0]-u[0])*(w[0]-v[0])+(v[1]-u[1])*(w[1]-v[1]) < 0
}

// segmentsMeet reports whether segments ab and cd cross or touch (exact for whole coordinates).
func segmentsMeet(a, b, c, d orb.Point) bool {
	o1, o2 := orient(a, b, c), orient(a, b, d)
	o3, o4 := orient(c, d, a), orient(c, d, b)
	if (o1 > 0 && o2 < 0 || o1 < 0 && o2 > 0) && (o3 > 0 && o4 < 0 || o3 < 0 && o4 > 0) {
		return true
	}
	return o1 == 0 && within(a, b, c) || o2 == 0 && within(a, b, d) ||
		o3 == 0 && within(c, d, a) || o4 == 0 && within(c, d, b)
}

// within reports whether p, collinear with ab, lies on segment ab.
func within(a, b, p orb.Point) bool {
	return p[0] >= min(a[0], b[0]) && p[0] <= max(a[0], b[0]) &&
		p[1] >= min(a[1], b[1]) && p[1] <= max(a[1], b[1])
}

// onSameBoxSide reports whether segments ab and cd both lie on the same side of box.
func onSameBoxSide(box orb.Bound, a, b, c, d orb.Point) bool {
	for axis := 0; axis < 2; axis++ {
		v := a[axis]
		if (v == box.Min[axis] || v == box.Max[axis]) && b[axis] == v && c[axis] == v && d[axis] == v {
			return true
		}
	}
	return false
}

// Protobuf.

func varintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

func appendVarint32(b []byte, v uint32) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	return appendVarint(b, uint64(v))
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
