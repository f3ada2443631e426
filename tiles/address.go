package tiles

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb/maptile"
)

// ErrAddress is wrapped by every error of ParseZXY and ParseTileMatrix, so a caller can answer
// 400 with errors.Is. The messages start with "tiles: " and quote at most 32 bytes of the input.
var ErrAddress = errors.New("tiles: invalid tile address")

// ParseZXY parses an XYZ tile address from URL segments: z, x and the last segment "y.ext", where
// ext is "mvt" or "pbf" (MVT), "png" (PNG, scale 1) or "@2x.png" as in "5448@2x.png" (PNG, scale 2).
//
// Numbers are plain ASCII decimal digits: no sign, space, exponent, hex prefix or fraction (leading
// zeros are accepted, "007" is 7). Extensions are lower case. It fails with an error wrapping
// ErrAddress when a number is malformed, z > MaxZoom, x or y >= 2^z, the extension is missing,
// empty or unknown, the scale is not "@2x", or "@2x" is asked of an MVT tile.
func ParseZXY(z, x, yext string) (t maptile.Tile, f Format, scale int, err error) {
	dot := strings.IndexByte(yext, '.')
	if dot < 0 {
		return t, 0, 0, fmt.Errorf("%w: %s has no extension (want .mvt, .pbf, .png or @2x.png)", ErrAddress, quote(yext))
	}
	y, ext := yext[:dot], yext[dot+1:]
	scale = 1
	if at := strings.IndexByte(y, '@'); at >= 0 {
		if y[at:] != "@2x" {
			return t, 0, 0, fmt.Errorf("%w: scale %s is not supported (want @2x)", ErrAddress, quote(y[at:]))
		}
		y, scale = y[:at], 2
	}
	switch ext {
	case "mvt", "pbf":
		f = MVT
		if scale != 1 {
			return t, 0, 0, fmt.Errorf("%w: @2x is for png tiles, not %s", ErrAddress, ext)
		}
	case "png":
		f = PNG
	case "":
		return t, 0, 0, fmt.Errorf("%w: %s has an empty extension (want .mvt, .pbf, .png or @2x.png)", ErrAddress, quote(yext))
	default:
		return t, 0, 0, fmt.Errorf("%w: unknown extension %s (want mvt, pbf or png)", ErrAddress, quote(ext))
	}
	t, err = parseTile(z, x, y)
	if err != nil {
		return maptile.Tile{}, 0, 0, err
	}
	return t, f, scale, nil
}

// ParseTileMatrix parses the segments of an OGC API – Tiles WebMercatorQuad address:
// tileMatrix is the zoom, tileRow the y and tileCol the x (note the order). There is no extension.
// Numbers follow the rules of ParseZXY; a malformed or out-of-range one (tileMatrix > MaxZoom,
// row or column >= 2^tileMatrix) gives an error wrapping ErrAddress.
func ParseTileMatrix(tileMatrix, tileRow, tileCol string) (maptile.Tile, error) {
	return parseTile(tileMatrix, tileCol, tileRow)
}

func parseTile(zs, xs, ys string) (maptile.Tile, error) {
	z, err := parseIndex("zoom", zs)
	if err != nil {
		return maptile.Tile{}, err
	}
	if z > MaxZoom {
		return maptile.Tile{}, fmt.Errorf("%w: zoom %d is above the maximum %d", ErrAddress, z, MaxZoom)
	}
	x, err := parseIndex("x", xs)
	if err != nil {
		return maptile.Tile{}, err
	}
	y, err := parseIndex("y", ys)
	if err != nil {
		return maptile.Tile{}, err
	}
	n := uint64(1) << z
	if x >= n {
		return maptile.Tile{}, fmt.Errorf("%w: x %d is outside 0..%d at zoom %d", ErrAddress, x, n-1, z)
	}
	if y >= n {
		return maptile.Tile{}, fmt.Errorf("%w: y %d is outside 0..%d at zoom %d", ErrAddress, y, n-1, z)
	}
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)), nil
}

// parseIndex accepts 1 to 10 ASCII digits; anything larger than a uint32 is rejected later by the
// range checks or here by ParseUint.
func parseIndex(name, s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: %s is empty", ErrAddress, name)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %s %s is not a non-negative decimal integer", ErrAddress, name, quote(s))
		}
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%w: %s %s is too large", ErrAddress, name, quote(s))
	}
	return v, nil
}

// quote quotes client input for an error message, cut to 32 bytes.
func quote(s string) string {
	if len(s) > 32 {
		return strconv.Quote(s[:32]) + "…"
	}
	return strconv.Quote(s)
}
