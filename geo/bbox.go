package geo

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ParseBBox parses the OGC API Features bbox query parameter: either four
// comma-separated numbers "minx,miny,maxx,maxy" or six
// "minx,miny,minz,maxx,maxy,maxz" (the z values are checked and then ignored),
// in CRS84 longitude/latitude. Spaces around each number are tolerated.
//
// Each number must be a plain decimal, optionally signed and optionally with
// an exponent ("12", "-0.5", "1e-3"); hexadecimal, underscores, NaN and
// infinities are rejected, as is a value that overflows a float64. Longitudes
// must lie in [-180,180] and latitudes in [-90,90]; miny > maxy and
// minz > maxz are errors.
//
// minx > maxx is allowed: it is a box crossing the antimeridian (from minx
// eastwards across 180° to maxx) and is returned as is, with Min.X > Max.X;
// callers test intersection on either side of the antimeridian.
// A degenerate box (minx == maxx or miny == maxy) is valid.
func ParseBBox(s string) (orb.Bound, error) {
	n := strings.Count(s, ",") + 1
	if n != 4 && n != 6 {
		return orb.Bound{}, fmt.Errorf("geo: bbox must have 4 or 6 comma-separated numbers, got %d in %s", n, quote(s))
	}
	var v [6]float64
	rest := s
	for i := 0; i < n; i++ {
		var p string
		p, rest, _ = strings.Cut(rest, ",")
		p = strings.TrimSpace(p)
		if !isPlainNumber(p) {
			return orb.Bound{}, fmt.Errorf("geo: bbox value %d is %s, not a decimal number", i+1, quote(p))
		}
		f, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return orb.Bound{}, fmt.Errorf("geo: bbox value %d (%s) is out of range", i+1, quote(p))
		}
		v[i] = f
	}
	var minx, miny, maxx, maxy float64
	if n == 4 {
		minx, miny, maxx, maxy = v[0], v[1], v[2], v[3]
	} else {
		minx, miny, maxx, maxy = v[0], v[1], v[3], v[4]
		if v[2] > v[5] {
			return orb.Bound{}, fmt.Errorf("geo: bbox minimum z %g is greater than maximum z %g", v[2], v[5])
		}
	}
	for _, x := range [...]float64{minx, maxx} {
		if x < -180 || x > 180 {
			return orb.Bound{}, fmt.Errorf("geo: bbox longitude %g is outside [-180,180]", x)
		}
	}
	for _, y := range [...]float64{miny, maxy} {
		if y < -90 || y > 90 {
			return orb.Bound{}, fmt.Errorf("geo: bbox latitude %g is outside [-90,90]", y)
		}
	}
	if miny > maxy {
		return orb.Bound{}, fmt.Errorf("geo: bbox minimum latitude %g is greater than maximum latitude %g", miny, maxy)
	}
	return orb.Bound{Min: orb.Point{minx, miny}, Max: orb.Point{maxx, maxy}}, nil
}

// isPlainNumber reports whether s is [+-]digits[.digits][(e|E)[+-]digits]
// with at least one digit in the mantissa (".5" and "5." are accepted).
func isPlainNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	mant := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		mant++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			mant++
		}
	}
	if mant == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// quote quotes s for an error message, shortening very long values so that a
// hostile query cannot blow up the error response.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
