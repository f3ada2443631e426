package tiles

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"golang.org/x/image/vector"
)

const (
	pngTileSize = 256 // px of a tile at scale 1
	pngMaxScale = 4   // largest scale RenderPNG accepts

	pngMaxLat   = 85.0511287798066 // web mercator latitude limit
	pngMinStep  = 0.2              // px: a vertex this close to the previous one is dropped
	pngCircleTo = 0.1              // px: largest gap between a circle and its polygon
	pngDashOn   = 4                // dash length, in stroke widths
	pngDashOff  = 3                // gap between dashes, in stroke widths
	pngThinJoin = 1.5              // px: half widths up to this get bevel joins, wider ones round

	pngMaxSymbol = 64 // px: point symbols up to this radius are rasterized once and reused
)

// RenderPNG draws fc onto a transparent 256*scale px square for tile t and returns it encoded as PNG.
//
// fc holds WGS84 features, normally fetched with a buffer around the tile so that symbols crossing
// the edge are drawn on both tiles; it is not modified. Features whose symbols cannot reach the
// tile are skipped by a bounding-box test and geometry is clipped just outside the tile, so large
// layers stay cheap. Sizes in style are multiplied by scale, which must be 1 to 4; stroke widths
// are capped at twice the tile and point radii at two tiles.
//
// Drawing is anti-aliased and composited "over", in premultiplied RGBA with 16 bits a channel.
// Polygons and multipolygons are drawn first, then lines, then points; each group keeps the input
// order, except that points are drawn larger first (ties in input order) so that small ones stay
// visible. A polygon is filled with the non-zero winding rule after its rings are re-oriented,
// exterior one way and holes the other, so holes are cut whatever their winding in the data and
// the polygons of a multipolygon are filled as their union; then every ring is outlined. Lines
// and outlines are stroked with round caps, mitres through turns of up to 30° and round joins at
// sharper ones (bevels when the stroke is 3 px wide or less); translucent strokes cover each pixel
// once where they overlap themselves. Points are filled circles with an outline centred on the
// circle, their centres snapped to a quarter pixel so that each symbol size is rasterized once.
// Dashed outlines and lines (Style.DashBy) have butt ends. Collections are drawn member by member.
//
// RenderPNG returns (nil, nil) when nothing is painted on the tile (no feature reaches it, or
// the style's colours are all transparent), so the caller can answer 204 No Content. It returns
// an error for a scale outside 1 to 4 or a tile that is not valid up to MaxZoom. It is safe for
// concurrent use.
func RenderPNG(t maptile.Tile, fc *geojson.FeatureCollection, style Style, scale int) ([]byte, error) {
	if scale < 1 || scale > pngMaxScale {
		return nil, fmt.Errorf("tiles: PNG scale %d is outside 1 to %d", scale, pngMaxScale)
	}
	if t.Z > MaxZoom || !t.Valid() {
		return nil, fmt.Errorf("tiles: invalid tile %d/%d/%d", t.Z, t.X, t.Y)
	}
	if fc == nil || len(fc.Features) == 0 {
		return nil, nil
	}
	r := pngRenderers.Get().(*pngRenderer)
	defer pngRenderers.Put(r)
	defer r.release()
	r.begin(t, &style, scale)
	for _, f := range fc.Features {
		if f != nil && f.Geometry != nil {
			r.collect(f.Geometry, f.Properties)
		}
	}
	if len(r.areas)+len(r.lines)+len(r.points) == 0 {
		return nil, nil
	}
	r.clearCanvas()
	for i := range r.areas {
		r.drawArea(&r.areas[i])
	}
	for i := range r.lines {
		r.drawLine(&r.lines[i])
	}
	slices.SortFunc(r.points, func(a, b pngPoint) int {
		return cmp.Or(cmp.Compare(b.radius, a.radius), cmp.Compare(a.seq, b.seq))
	})
	for i := range r.points {
		r.drawPoint(&r.points[i])
	}
	if !r.painted {
		return nil, nil
	}
	return r.encode()
}

// pngRenderers holds renderers with their canvas, rasterizer and scratch buffers between calls.
var pngRenderers = sync.Pool{New: func() any { return new(pngRenderer) }}

// pngPt is a point in tile pixels: x right, y down, (0, 0) the tile's top-left corner.
type pngPt struct{ x, y float64 }

// pngItem is an area or a line to draw.
type pngItem struct {
	geom  orb.Geometry
	props geojson.Properties
	fill  color.NRGBA
}

// pngPoint is a point symbol to draw.
type pngPoint struct {
	at     pngPt   // centre
	radius float64 // px
	seq    int     // input order
	fill   color.NRGBA
	dashed bool
}

// pngRenderer draws one tile. Its buffers are reused through pngRenderers.
type pngRenderer struct {
	style  *Style
	size   int     // canvas side, px
	world  float64 // world width at this zoom and scale, px
	ox, oy float64 // tile origin in world px
	hw     float64 // stroke half width, px
	stroke bool    // whether outlines and lines are drawn at all

	areas, lines []pngItem
	points       []pngPoint

	// canvas holds premultiplied RGBA, four values a pixel, row by row, each channel in 0..pngOne
	// (255²) so that compositing needs no division and translucent colours keep their precision.
	canvas   []uint16
	row      []byte // one PNG row: filter byte and 8-bit non-premultiplied RGBA
	painted  bool
	z        vector.Rasterizer
	mask     image.Alpha
	pts      []pngPt // path being built: subpaths of pts, each closed
	subs     []int   // start of each subpath in pts
	proj     []pngPt // projected vertices of one line or ring
	rings    []pngPt // projected rings of one area
	ringEnds []int   // end of each ring in rings, negative for exterior rings
	strip    []pngStripVertex
	clipA    []pngPt
	clipB    []pngPt
	out      bytes.Buffer
	zbuf     bytes.Buffer
	zw       *zlib.Writer

	symbols     map[pngSymbolKey]pngMask // rasterized point symbols, reused across points and tiles
	symbolBytes int
}

// pngSymbolKey identifies a point symbol's mask: its size and the centre's offset within its
// pixel, snapped to a quarter pixel.
type pngSymbolKey struct {
	radius, hw float32
	fx, fy     uint8
	outline    bool
}

// pngMask is a coverage mask whose top-left corner is at (x, y) from the pixel holding the
// symbol's centre.
type pngMask struct {
	x, y, w, h int
	pix        []uint8
}

// pngMaxSymbolBytes bounds the memory of a renderer's symbol cache.
const pngMaxSymbolBytes = 1 << 20

// begin prepares r to draw tile t at scale with style s.
func (r *pngRenderer) begin(t maptile.Tile, s *Style, scale int) {
	r.style = s
	r.size = pngTileSize * scale
	r.world = float64(r.size) * math.Exp2(float64(t.Z))
	r.ox, r.oy = float64(t.X)*float64(r.size), float64(t.Y)*float64(r.size)
	r.hw = min(s.StrokeWidth*float64(scale)/2, float64(r.size))
	r.stroke = s.Stroke.A > 0 && r.hw > 0
	if !r.stroke {
		r.hw = 0
	}
	r.painted = false
}

// release drops the references to the caller's features before the renderer is pooled.
func (r *pngRenderer) release() {
	clear(r.areas)
	clear(r.lines)
	r.areas, r.lines, r.points = r.areas[:0], r.lines[:0], r.points[:0]
	r.style = nil
	if r.out.Cap() > 1<<20 {
		r.out = bytes.Buffer{}
	}
	if r.zbuf.Cap() > 1<<20 {
		r.zbuf = bytes.Buffer{}
	}
}

// clearCanvas makes the canvas fully transparent, allocating it at the first use of a size.
func (r *pngRenderer) clearCanvas() {
	if n := r.size * r.size * 4; len(r.canvas) != n {
		r.canvas = make([]uint16, n)
		return
	}
	clear(r.canvas)
}

// project returns the tile pixel position of a WGS84 point, with latitudes beyond the mercator
// limit snapped to it; ok is false for NaN or infinite coordinates.
func (r *pngRenderer) project(p orb.Point) (q pngPt, ok bool) {
	lon, lat := p[0], p[1]
	if math.IsNaN(lon) || math.IsInf(lon, 0) || math.IsNaN(lat) || math.IsInf(lat, 0) {
		return pngPt{}, false
	}
	lat = min(max(lat, -pngMaxLat), pngMaxLat)
	s := math.Sin(lat * math.Pi / 180)
	q.x = (lon/360+0.5)*r.world - r.ox
	q.y = (0.5-math.Log((1+s)/(1-s))/(4*math.Pi))*r.world - r.oy
	return q, true
}

// reaches reports whether a geometry with bound b, drawn up to margin px beyond its vertices,
// can touch the tile.
func (r *pngRenderer) reaches(b orb.Bound, margin float64) bool {
	lo, okLo := r.project(orb.Point{b.Min[0], b.Max[1]})
	hi, okHi := r.project(orb.Point{b.Max[0], b.Min[1]})
	if !okLo || !okHi {
		return false
	}
	s := float64(r.size)
	return hi.x >= -margin && lo.x <= s+margin && hi.y >= -margin && lo.y <= s+margin
}

// collect sorts the symbols of one feature's geometry into areas, lines and points, skipping
// those that cannot reach the tile or would be invisible.
func (r *pngRenderer) collect(g orb.Geometry, props geojson.Properties) {
	switch g := g.(type) {
	case orb.Point:
		r.collectPoint(g, props)
	case orb.MultiPoint:
		for _, p := range g {
			r.collectPoint(p, props)
		}
	case orb.LineString, orb.MultiLineString:
		if r.stroke && r.reaches(g.Bound(), r.hw+1) {
			r.lines = append(r.lines, pngItem{geom: g, props: props})
		}
	case orb.Polygon, orb.MultiPolygon, orb.Ring, orb.Bound:
		fill := r.style.fillFor(props)
		if (fill.A > 0 || r.stroke) && r.reaches(g.Bound(), r.hw+1) {
			r.areas = append(r.areas, pngItem{geom: g, props: props, fill: fill})
		}
	case orb.Collection:
		for _, m := range g {
			r.collect(m, props)
		}
	}
}

// collectPoint adds a point symbol unless it is invisible or cannot reach the tile.
func (r *pngRenderer) collectPoint(p orb.Point, props geojson.Properties) {
	radius := min(r.style.radiusFor(props)*float64(r.size/pngTileSize), 2*float64(r.size))
	if !(radius >= 0) {
		return
	}
	hw := 0.0
	if r.stroke {
		hw = r.hw
	}
	fill := r.style.fillFor(props)
	if (fill.A == 0 || radius == 0) && hw == 0 {
		return
	}
	q, ok := r.project(p)
	m := radius + hw + 1
	s := float64(r.size)
	if !ok || q.x < -m || q.x > s+m || q.y < -m || q.y > s+m {
		return
	}
	r.points = append(r.points, pngPoint{
		at: q, radius: radius, seq: len(r.points), fill: fill, dashed: hw > 0 && r.style.dashedFor(props),
	})
}

// pngEachPolygon calls fn with each polygon of an area geometry.
func pngEachPolygon(g orb.Geometry, fn func(orb.Polygon)) {
	switch g := g.(type) {
	case orb.Polygon:
		fn(g)
	case orb.MultiPolygon:
		for _, p := range g {
			fn(p)
		}
	case orb.Ring:
		fn(orb.Polygon{g})
	case orb.Bound:
		fn(g.ToPolygon())
	}
}

// drawArea fills the polygons of an area, then outlines their rings. Each ring is projected once
// into r.rings, whose ends are in r.ringEnds (negated for the exterior ring of a polygon).
func (r *pngRenderer) drawArea(it *pngItem) {
	r.rings, r.ringEnds = r.rings[:0], r.ringEnds[:0]
	pngEachPolygon(it.geom, func(p orb.Polygon) {
		for i, ring := range p {
			r.rings = append(r.rings, r.projectLine(ring)...)
			if i == 0 {
				r.ringEnds = append(r.ringEnds, -len(r.rings))
			} else {
				r.ringEnds = append(r.ringEnds, len(r.rings))
			}
		}
	})
	if it.fill.A > 0 {
		start := 0
		for _, end := range r.ringEnds {
			r.addFillRing(r.rings[start:pngAbs(end)], end < 0)
			start = pngAbs(end)
		}
		r.flush(it.fill)
	}
	if r.stroke {
		dashed := r.style.dashedFor(it.props)
		start := 0
		for _, end := range r.ringEnds {
			pts := r.rings[start:pngAbs(end)]
			start = pngAbs(end)
			if n := len(pts); n > 2 && pts[0] != pts[n-1] {
				pts = append(r.proj[:0], pts...)
				pts = append(pts, pts[0])
				r.proj = pts
			}
			r.strokePx(pts, true, dashed)
		}
		r.flush(r.style.Stroke)
	}
}

// drawLine strokes a line or multiline.
func (r *pngRenderer) drawLine(it *pngItem) {
	dashed := r.style.dashedFor(it.props)
	switch g := it.geom.(type) {
	case orb.LineString:
		r.addStroke(g, dashed)
	case orb.MultiLineString:
		for _, ls := range g {
			r.addStroke(ls, dashed)
		}
	}
	r.flush(r.style.Stroke)
}

// drawPoint draws a point's disc, then its outline. Solid symbols up to pngMaxSymbol px are
// rasterized once per size and quarter-pixel offset and then reused.
func (r *pngRenderer) drawPoint(it *pngPoint) {
	big := it.radius+r.hw > pngMaxSymbol
	qx, qy := math.Round(it.at.x*4)/4, math.Round(it.at.y*4)/4
	ix, iy := math.Floor(qx), math.Floor(qy)
	key := pngSymbolKey{radius: float32(it.radius), fx: uint8((qx - ix) * 4), fy: uint8((qy - iy) * 4)}
	if it.fill.A > 0 && it.radius > 0 {
		if big {
			r.addClippedCircle(it.at, it.radius, false)
			r.flush(it.fill)
		} else {
			r.drawSymbol(key, int(ix), int(iy), it.fill)
		}
	}
	switch {
	case !r.stroke:
	case it.dashed && it.radius > 0:
		tab := pngCircle(it.radius)
		ring := r.proj[:0]
		for _, u := range tab {
			ring = append(ring, pngPt{it.at.x + u.x*it.radius, it.at.y + u.y*it.radius})
		}
		ring = append(ring, ring[0])
		r.proj = ring
		r.strokePx(ring, true, true)
		r.flush(r.style.Stroke)
	case big:
		r.addClippedCircle(it.at, it.radius+r.hw, false)
		r.addClippedCircle(it.at, it.radius-r.hw, true)
		r.flush(r.style.Stroke)
	default:
		key.hw, key.outline = float32(r.hw), true
		r.drawSymbol(key, int(ix), int(iy), r.style.Stroke)
	}
}

// drawSymbol composites in colour c the disc (or, for an outline key, the ring) described by key,
// centred in pixel (ix, iy), rasterizing it first if it is not cached.
func (r *pngRenderer) drawSymbol(key pngSymbolKey, ix, iy int, c color.NRGBA) {
	m, ok := r.symbols[key]
	if !ok {
		radius, hw := float64(key.radius), float64(key.hw)
		pad := int(math.Ceil(radius+hw)) + 1
		at := pngPt{float64(pad) + float64(key.fx)/4, float64(pad) + float64(key.fy)/4}
		if key.outline {
			r.addCircle(at, radius+hw, false)
			if inner := radius - hw; inner > 0 {
				r.addCircle(at, inner, true)
			}
		} else {
			r.addCircle(at, radius, false)
		}
		size := 2*pad + 1
		m = pngMask{x: -pad, y: -pad, w: size, h: size, pix: bytes.Clone(r.rasterize(size, size, 0, 0))}
		r.pts, r.subs = r.pts[:0], r.subs[:0]
		if r.symbols == nil || r.symbolBytes+len(m.pix) > pngMaxSymbolBytes {
			r.symbols, r.symbolBytes = make(map[pngSymbolKey]pngMask), 0
		}
		r.symbols[key] = m
		r.symbolBytes += len(m.pix)
	}
	r.composite(m.pix, m.w, m.h, ix+m.x, iy+m.y, c)
}

// projectLine projects ll into r.proj, dropping vertices closer than pngMinStep px to the
// previous one but keeping the last.
func (r *pngRenderer) projectLine(ll []orb.Point) []pngPt {
	out := r.proj[:0]
	for i, p := range ll {
		q, ok := r.project(p)
		if !ok {
			continue
		}
		if n := len(out); n > 0 {
			dx, dy := q.x-out[n-1].x, q.y-out[n-1].y
			if dx*dx+dy*dy < pngMinStep*pngMinStep {
				if i == len(ll)-1 && n > 1 {
					out[n-1] = q
				}
				continue
			}
		}
		out = append(out, q)
	}
	r.proj = out
	return out
}

// addFillRing adds a projected ring to the path, clipped just outside the canvas, oriented
// positive when outer and negative when a hole.
func (r *pngRenderer) addFillRing(pts []pngPt, outer bool) {
	if n := len(pts); n > 1 && pts[0] == pts[n-1] {
		pts = pts[:n-1]
	}
	if len(pts) < 3 {
		return
	}
	area := 0.0
	prev := pts[len(pts)-1]
	for _, p := range pts {
		area += prev.x*p.y - p.x*prev.y
		prev = p
	}
	if area == 0 {
		return
	}
	pts = r.clip(pts, -1, float64(r.size)+1)
	if len(pts) < 3 {
		return
	}
	r.subs = append(r.subs, len(r.pts))
	if (area > 0) == outer {
		r.pts = append(r.pts, pts...)
		return
	}
	for i := len(pts) - 1; i >= 0; i-- {
		r.pts = append(r.pts, pts[i])
	}
}

// clip clips a closed polygon to the square [lo, hi]² (Sutherland–Hodgman); the result may
// run along the square's edges, which does not change what a fill draws inside it.
func (r *pngRenderer) clip(pts []pngPt, lo, hi float64) []pngPt {
	inside := true
	for _, p := range pts {
		if p.x < lo || p.x > hi || p.y < lo || p.y > hi {
			inside = false
			break
		}
	}
	if inside {
		return pts
	}
	r.clipA = pngClipEdge(r.clipA, pts, false, lo, false)
	r.clipB = pngClipEdge(r.clipB, r.clipA, false, hi, true)
	r.clipA = pngClipEdge(r.clipA, r.clipB, true, lo, false)
	r.clipB = pngClipEdge(r.clipB, r.clipA, true, hi, true)
	return r.clipB
}

// pngClipEdge appends to dst[:0] the polygon src clipped to the half plane x ≥ v (or y ≥ v when
// onY; ≤ when below).
func pngClipEdge(dst, src []pngPt, onY bool, v float64, below bool) []pngPt {
	dst = dst[:0]
	if len(src) == 0 {
		return dst
	}
	coord := func(p pngPt) float64 {
		if onY {
			return p.y
		}
		return p.x
	}
	in := func(p pngPt) bool {
		if below {
			return coord(p) <= v
		}
		return coord(p) >= v
	}
	prev := src[len(src)-1]
	prevIn := in(prev)
	for _, cur := range src {
		curIn := in(cur)
		if curIn != prevIn {
			t := (v - coord(prev)) / (coord(cur) - coord(prev))
			q := pngPt{prev.x + t*(cur.x-prev.x), prev.y + t*(cur.y-prev.y)}
			if onY {
				q.y = v
			} else {
				q.x = v
			}
			dst = append(dst, q)
		}
		if curIn {
			dst = append(dst, cur)
		}
		prev, prevIn = cur, curIn
	}
	return dst
}

// addStroke adds the stroke outline of a WGS84 line to the path.
func (r *pngRenderer) addStroke(ls orb.LineString, dashed bool) {
	if pts := r.projectLine(ls); len(pts) > 0 {
		r.strokePx(pts, false, dashed)
	}
}

// strokePx adds the stroke outline of a pixel polyline to the path. The visible, dash-on parts
// of the line become strips: polygons that follow the line at the half width on either side, with
// mitred vertices where it turns gently (up to pngMaxMiter, and only where the mitre cannot fold
// the strip's inner side). At sharper turns a strip ends and the gap is filled by a join; open
// lines that are not dashed get round caps. Every strip and join is oriented positive so that
// where they overlap the rasterizer covers them once. Segments are clipped to the canvas plus
// the half width, keeping the coordinates given to the rasterizer small.
func (r *pngRenderer) strokePx(pts []pngPt, closed, dashed bool) {
	hw := r.hw
	lo, hi := -hw-2, float64(r.size)+hw+2
	inRect := func(p pngPt) bool { return p.x >= lo && p.x <= hi && p.y >= lo && p.y <= hi }
	if len(pts) == 1 {
		if !dashed && inRect(pts[0]) {
			r.addCircle(pts[0], hw, false)
		}
		return
	}
	on := pngDashOn * 2 * hw
	period := on + pngDashOff*2*hw
	r.strip = r.strip[:0]
	var (
		pos        float64 // length of the line before the current segment
		prevU      pngPt   // direction of the segment the open strip ends with
		prevLen    float64 // length of the open strip's last piece
		firstU     pngPt   // direction of the first segment, when the line starts with a strip
		startsOpen bool    // whether the first strip starts at the first vertex
	)
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		dx, dy := b.x-a.x, b.y-a.y
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		u := pngPt{dx / l, dy / l}
		nrm := pngPt{-u.y * hw, u.x * hw}
		t0, t1, ok := pngClipSegment(a, b, lo, hi)
		if !ok {
			r.endStrip()
			pos += l
			continue
		}
		// The parts [d0, d1] of the segment to draw, in px from a.
		d0, d1 := t0*l, t1*l
		ds := -math.Inf(1)
		if dashed {
			ds = math.Floor((pos+d0)/period)*period - pos
		}
		for {
			p0, p1 := d0, d1
			if dashed {
				if ds >= d1 {
					break
				}
				p0, p1 = max(ds, d0), min(ds+on, d1)
				ds += period
				if p0 >= p1 {
					continue
				}
			}
			if p0 > 0 || len(r.strip) == 0 {
				r.endStrip()
				if i == 0 && p0 == 0 {
					startsOpen, firstU = true, u
				}
				r.strip = append(r.strip, pngStripVertex{pngPt{a.x + u.x*p0, a.y + u.y*p0}, nrm})
			} else {
				// The open strip reached a: mitre it or end it with a join.
				cross := prevU.x*u.y - prevU.y*u.x
				dot := prevU.x*u.x + prevU.y*u.y
				if dot >= pngMaxMiter && hw*math.Abs(cross)/(1+dot) <= min(prevLen, p1-p0)/2 {
					last := &r.strip[len(r.strip)-1]
					k := 1 / (1 + dot)
					last.off = pngPt{(last.off.x + nrm.x) * k, (last.off.y + nrm.y) * k}
				} else {
					r.endStrip()
					r.addJoin(a, prevU, u, hw)
					r.strip = append(r.strip, pngStripVertex{a, nrm})
				}
			}
			r.strip = append(r.strip, pngStripVertex{pngPt{a.x + u.x*p1, a.y + u.y*p1}, nrm})
			prevU, prevLen = u, p1-p0
			if p1 < l {
				r.endStrip()
			}
			if !dashed {
				break
			}
		}
		pos += l
	}
	if closed && startsOpen && len(r.strip) > 0 {
		r.addJoin(pts[0], prevU, firstU, hw) // where the ring closes
	}
	r.endStrip()
	if !closed && !dashed {
		for _, end := range [2]pngPt{pts[0], pts[len(pts)-1]} {
			if inRect(end) {
				r.addCircle(end, hw, false)
			}
		}
	}
}

// pngMaxMiter is the cosine of the sharpest turn a stroke strip is mitred through (30°); the
// mitre is then at most 3.5% longer than the half width, and looks like a round join.
var pngMaxMiter = math.Cos(math.Pi / 6)

// pngStripVertex is a vertex of a stroke strip: a point on the line and its offset to the left
// side of the stroke (the right side is at −off).
type pngStripVertex struct{ at, off pngPt }

// endStrip adds the open strip, if any, to the path as a polygon: the right side forward, then
// the left side back, which orients it positive.
func (r *pngRenderer) endStrip() {
	if len(r.strip) >= 2 {
		r.subs = append(r.subs, len(r.pts))
		for _, v := range r.strip {
			r.pts = append(r.pts, pngPt{v.at.x - v.off.x, v.at.y - v.off.y})
		}
		for i := len(r.strip) - 1; i >= 0; i-- {
			v := r.strip[i]
			r.pts = append(r.pts, pngPt{v.at.x + v.off.x, v.at.y + v.off.y})
		}
	}
	r.strip = r.strip[:0]
}

// pngClipSegment returns the part [t0, t1] of segment a→b inside the square [lo, hi]²
// (Liang–Barsky).
func pngClipSegment(a, b pngPt, lo, hi float64) (t0, t1 float64, ok bool) {
	if min(a.x, b.x) >= lo && max(a.x, b.x) <= hi && min(a.y, b.y) >= lo && max(a.y, b.y) <= hi {
		return 0, 1, true
	}
	if max(a.x, b.x) < lo || min(a.x, b.x) > hi || max(a.y, b.y) < lo || min(a.y, b.y) > hi {
		return 0, 0, false
	}
	t0, t1 = 0, 1
	dx, dy := b.x-a.x, b.y-a.y
	for _, e := range [4][2]float64{{-dx, a.x - lo}, {dx, hi - a.x}, {-dy, a.y - lo}, {dy, hi - a.y}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = max(t0, t)
		} else {
			t1 = min(t1, t)
		}
	}
	return t0, t1, t0 < t1
}

// addJoin fills the gap on the outer side of the turn at p from direction u to direction v:
// nothing when it is too small to see, a bevel triangle for thin strokes and a circle otherwise.
func (r *pngRenderer) addJoin(p, u, v pngPt, hw float64) {
	cross := u.x*v.y - u.y*v.x
	dot := u.x*v.x + u.y*v.y
	if dot > 0 && math.Abs(cross)*hw < 0.05 {
		return
	}
	if hw > pngThinJoin || dot < 0 {
		r.addCircle(p, hw, false)
		return
	}
	s := hw
	if cross > 0 {
		s = -hw
	}
	a := pngPt{p.x - u.y*s, p.y + u.x*s}
	b := pngPt{p.x - v.y*s, p.y + v.x*s}
	r.subs = append(r.subs, len(r.pts))
	if (a.x-p.x)*(b.y-p.y)-(a.y-p.y)*(b.x-p.x) > 0 {
		r.pts = append(r.pts, p, a, b)
	} else {
		r.pts = append(r.pts, p, b, a)
	}
}

// addCircle adds a circle to the path, oriented positive (negative when reverse).
func (r *pngRenderer) addCircle(c pngPt, radius float64, reverse bool) {
	if radius <= 0 {
		return
	}
	tab := pngCircle(radius)
	r.subs = append(r.subs, len(r.pts))
	for i := range tab {
		u := tab[i]
		if reverse {
			u = tab[len(tab)-1-i]
		}
		r.pts = append(r.pts, pngPt{c.x + u.x*radius, c.y + u.y*radius})
	}
}

// addClippedCircle adds a circle to the path like addCircle, clipped just outside the canvas.
func (r *pngRenderer) addClippedCircle(c pngPt, radius float64, reverse bool) {
	if radius <= 0 {
		return
	}
	start := len(r.pts)
	r.addCircle(c, radius, reverse)
	r.proj = append(r.proj[:0], r.pts[start:]...)
	r.pts, r.subs = r.pts[:start], r.subs[:len(r.subs)-1]
	if pts := r.clip(r.proj, -1, float64(r.size)+1); len(pts) >= 3 {
		r.subs = append(r.subs, len(r.pts))
		r.pts = append(r.pts, pts...)
	}
}

// pngCircles[n/4] holds n points of the unit circle, counter-clockwise in x-right, y-up terms,
// for n = 8, 12, …, 128.
var pngCircles = func() (t [33][]pngPt) {
	for n := 8; n <= 128; n += 4 {
		pts := make([]pngPt, n)
		for i := range pts {
			s, c := math.Sincos(2 * math.Pi * float64(i) / float64(n))
			pts[i] = pngPt{c, s}
		}
		t[n/4] = pts
	}
	return t
}()

// pngCircle returns the unit circle polygon fine enough for radius px.
func pngCircle(radius float64) []pngPt {
	n := 8
	if radius > pngCircleTo {
		n = int(math.Ceil(math.Pi / math.Acos(1-pngCircleTo/radius)))
		n = min(max((n+3)/4*4, 8), 128)
	}
	return pngCircles[n/4]
}

// flush rasterizes the path built since the last flush, composites it in colour c over the canvas
// and empties the path.
func (r *pngRenderer) flush(c color.NRGBA) {
	defer func() {
		r.pts, r.subs = r.pts[:0], r.subs[:0]
	}()
	if c.A == 0 || len(r.pts) == 0 {
		return
	}
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, p := range r.pts {
		minX, maxX = min(minX, p.x), max(maxX, p.x)
		minY, maxY = min(minY, p.y), max(maxY, p.y)
	}
	x0, y0 := max(int(math.Floor(minX)), 0), max(int(math.Floor(minY)), 0)
	x1, y1 := min(int(math.Ceil(maxX)), r.size), min(int(math.Ceil(maxY)), r.size)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	w, h := x1-x0, y1-y0
	r.composite(r.rasterize(w, h, x0, y0), w, h, x0, y0, c)
}

// rasterize returns the w×h coverage mask of the path seen from (x0, y0). The mask is reused by
// the next call.
func (r *pngRenderer) rasterize(w, h, x0, y0 int) []uint8 {
	r.z.Reset(w, h)
	fx, fy := float64(x0), float64(y0)
	for i, start := range r.subs {
		end := len(r.pts)
		if i+1 < len(r.subs) {
			end = r.subs[i+1]
		}
		if end-start < 3 {
			continue
		}
		sub := r.pts[start:end]
		r.z.MoveTo(float32(sub[0].x-fx), float32(sub[0].y-fy))
		for _, p := range sub[1:] {
			r.z.LineTo(float32(p.x-fx), float32(p.y-fy))
		}
		r.z.ClosePath()
	}
	if cap(r.mask.Pix) < w*h {
		r.mask.Pix = make([]uint8, w*h, max(w*h, 1<<16))
	}
	r.mask.Pix, r.mask.Stride, r.mask.Rect = r.mask.Pix[:w*h], w, image.Rect(0, 0, w, h)
	r.z.DrawOp = draw.Src
	r.z.Draw(&r.mask, r.mask.Rect, image.Opaque, image.Point{})
	return r.mask.Pix
}

// pngOne is full coverage or opacity on the canvas: 255 (coverage) times 255 (colour alpha).
const pngOne = 255 * 255

// composite draws colour c through the w×h coverage mask over the canvas at (x0, y0), clipped to
// the canvas, with the "over" operator on premultiplied values: out = src + dst·(1 − src alpha).
func (r *pngRenderer) composite(mask []uint8, w, h, x0, y0 int, c color.NRGBA) {
	mx0, my0 := max(0, -x0), max(0, -y0)
	mx1, my1 := min(w, r.size-x0), min(h, r.size-y0)
	if mx0 >= mx1 || my0 >= my1 || c.A == 0 {
		return
	}
	ca := uint32(c.A)
	// Premultiplied colour at full coverage, in 0..pngOne.
	pr, pg, pb := uint32(c.R)*ca, uint32(c.G)*ca, uint32(c.B)*ca
	stride := r.size * 4
	painted := false
	for y := my0; y < my1; y++ {
		row := mask[y*w+mx0 : y*w+mx1]
		off := (y0+y)*stride + (x0+mx0)*4
		pix := r.canvas[off : off+len(row)*4]
		for x := 0; x < len(row); x++ {
			m := row[x]
			if m == 0 {
				for x+9 <= len(row) && binary.LittleEndian.Uint64(row[x+1:]) == 0 {
					x += 8 // skip empty mask eight pixels at a time
				}
				continue
			}
			mm := uint32(m)
			a := mm * ca // source alpha, in 0..pngOne
			sr, sg, sb := pr*mm/255, pg*mm/255, pb*mm/255
			p := pix[x*4 : x*4+4 : x*4+4]
			if p[3] == 0 || a == pngOne {
				p[0], p[1], p[2], p[3] = uint16(sr), uint16(sg), uint16(sb), uint16(a)
			} else {
				k := pngOne - a
				p[0] = uint16(sr + uint32(p[0])*k/pngOne)
				p[1] = uint16(sg + uint32(p[1])*k/pngOne)
				p[2] = uint16(sb + uint32(p[2])*k/pngOne)
				p[3] = uint16(a + uint32(p[3])*k/pngOne)
			}
			if a >= 128 {
				painted = true
			}
		}
	}
	if painted {
		r.painted = true
	}
}

// encode returns the canvas as an 8-bit RGBA PNG, every row with filter type None, compressed by
// zlib at BestSpeed. This is what image/png writes, except for the filter: image/png tries all five
// filters on every row to pick one, which took longer than drawing and compressing together on a
// dense tile (BenchmarkRenderPNGPoints), for files only about 5% smaller.
func (r *pngRenderer) encode() ([]byte, error) {
	r.zbuf.Reset()
	if r.zw == nil {
		zw, err := zlib.NewWriterLevel(&r.zbuf, zlib.BestSpeed)
		if err != nil {
			return nil, fmt.Errorf("tiles: encode PNG: %w", err)
		}
		r.zw = zw
	} else {
		r.zw.Reset(&r.zbuf)
	}
	w := r.size * 4
	if len(r.row) != 1+w {
		r.row = make([]byte, 1+w) // row[0] = 0: filter type None
	}
	for y := range r.size {
		pngUnpremultiply(r.row[1:], r.canvas[y*w:(y+1)*w])
		if _, err := r.zw.Write(r.row); err != nil {
			return nil, fmt.Errorf("tiles: encode PNG: %w", err)
		}
	}
	if err := r.zw.Close(); err != nil {
		return nil, fmt.Errorf("tiles: encode PNG: %w", err)
	}

	r.out.Reset()
	r.out.Grow(8 + 3*12 + 13 + r.zbuf.Len())
	r.out.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(r.size))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(r.size))
	ihdr[8], ihdr[9] = 8, 6 // bit depth 8, colour type RGBA; compression, filter, interlace 0
	pngChunk(&r.out, "IHDR", ihdr[:])
	pngChunk(&r.out, "IDAT", r.zbuf.Bytes())
	pngChunk(&r.out, "IEND", nil)
	return bytes.Clone(r.out.Bytes()), nil
}

// pngChunk appends a PNG chunk: length, type, data and the CRC of type and data.
func pngChunk(b *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	b.Write(n[:])
	start := b.Len()
	b.WriteString(typ)
	b.Write(data)
	binary.BigEndian.PutUint32(n[:], crc32.ChecksumIEEE(b.Bytes()[start:]))
	b.Write(n[:])
}

func pngAbs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// pngUnpremultiply converts a row of the canvas to 8-bit non-premultiplied RGBA.
func pngUnpremultiply(dst []byte, src []uint16) {
	for i := 0; i+3 < len(src) && i+3 < len(dst); i += 4 {
		a := uint32(src[i+3])
		switch {
		case a < 128: // alpha rounds to 0
			dst[i], dst[i+1], dst[i+2], dst[i+3] = 0, 0, 0, 0
		case a == pngOne:
			dst[i] = uint8((uint32(src[i]) + 127) / 255)
			dst[i+1] = uint8((uint32(src[i+1]) + 127) / 255)
			dst[i+2] = uint8((uint32(src[i+2]) + 127) / 255)
			dst[i+3] = 255
		default:
			f := 255 / float32(a)
			dst[i] = uint8(min(float32(src[i])*f+0.5, 255))
			dst[i+1] = uint8(min(float32(src[i+1])*f+0.5, 255))
			dst[i+2] = uint8(min(float32(src[i+2])*f+0.5, 255))
			dst[i+3] = uint8((a + 127) / 255)
		}
	}
}
