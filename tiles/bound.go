package tiles

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// extent is the size of a vector tile in its own units (MVT's default and the only one served).
const extent = 4096

// DefaultBuffer is the buffer of EncodeMVT and the usual buffer of QueryBound, in units of the
// 4096 extent: 64 units, 4 pixels of a 256 pixel tile.
const DefaultBuffer = 64

// QueryBound is the WGS84 box to fetch features for tile t with a buffer of buffer units of a 4096
// extent (DefaultBuffer = 64) on every side: the tile's bound grown by buffer/4096 of its width in
// Web Mercator. A negative buffer counts as 0, which gives t.Bound().
//
// At the edges of the world: the top and bottom rows stop at the Web Mercator limit of
// ±85.0511° (they do not grow past it), and the first and last columns grow past ±180° longitude
// (features across the antimeridian are not wrapped in).
func QueryBound(t maptile.Tile, buffer int) orb.Bound {
	if buffer <= 0 {
		return t.Bound()
	}
	return t.Bound(float64(buffer) / extent)
}
