package tiles

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb/maptile"
)

func TestParseZXY(t *testing.T) {
	cases := []struct {
		name      string
		z, x, y   string
		tile      maptile.Tile
		format    Format
		scale     int
		wantError string // substring of the error; "" = no error
	}{
		{name: "mvt", z: "14", x: "8185", y: "5448.mvt", tile: maptile.New(8185, 5448, 14), format: MVT, scale: 1},
		{name: "pbf", z: "14", x: "8185", y: "5448.pbf", tile: maptile.New(8185, 5448, 14), format: MVT, scale: 1},
		{name: "png", z: "14", x: "8185", y: "5448.png", tile: maptile.New(8185, 5448, 14), format: PNG, scale: 1},
		{name: "png@2x", z: "14", x: "8185", y: "5448@2x.png", tile: maptile.New(8185, 5448, 14), format: PNG, scale: 2},
		{name: "world", z: "0", x: "0", y: "0.mvt", tile: maptile.New(0, 0, 0), format: MVT, scale: 1},
		{name: "max zoom, last tile", z: "24", x: "16777215", y: "16777215.mvt", tile: maptile.New(1<<24-1, 1<<24-1, 24), format: MVT, scale: 1},
		{name: "leading zeros", z: "05", x: "007", y: "0013.png", tile: maptile.New(7, 13, 5), format: PNG, scale: 1},

		{name: "negative z", z: "-1", x: "0", y: "0.mvt", wantError: `zoom "-1" is not a non-negative decimal integer`},
		{name: "negative x", z: "5", x: "-1", y: "0.mvt", wantError: `x "-1" is not`},
		{name: "negative y", z: "5", x: "0", y: "-1.mvt", wantError: `y "-1" is not`},
		{name: "plus sign", z: "+5", x: "0", y: "0.mvt", wantError: `zoom "+5" is not`},
		{name: "exponent", z: "5", x: "1e3", y: "0.mvt", wantError: `x "1e3" is not`},
		{name: "hex", z: "5", x: "0x10", y: "0.mvt", wantError: `x "0x10" is not`},
		{name: "leading space", z: " 5", x: "0", y: "0.mvt", wantError: `zoom " 5" is not`},
		{name: "trailing space", z: "5", x: "0 ", y: "0.mvt", wantError: `x "0 " is not`},
		{name: "fraction", z: "5", x: "1", y: "1.5.mvt", wantError: `unknown extension "5.mvt"`},
		{name: "empty z", z: "", x: "0", y: "0.mvt", wantError: "zoom is empty"},
		{name: "empty x", z: "5", x: "", y: "0.mvt", wantError: "x is empty"},
		{name: "empty y", z: "5", x: "0", y: ".mvt", wantError: "y is empty"},
		{name: "empty last segment", z: "5", x: "0", y: "", wantError: `"" has no extension`},
		{name: "z above max", z: "25", x: "0", y: "0.mvt", wantError: "zoom 25 is above the maximum 24"},
		{name: "huge z", z: "99999999999", x: "0", y: "0.mvt", wantError: `zoom "99999999999" is too large`},
		{name: "x = 2^z", z: "5", x: "32", y: "0.mvt", wantError: "x 32 is outside 0..31 at zoom 5"},
		{name: "y = 2^z", z: "5", x: "0", y: "32.mvt", wantError: "y 32 is outside 0..31 at zoom 5"},
		{name: "x at zoom 0", z: "0", x: "1", y: "0.mvt", wantError: "x 1 is outside 0..0 at zoom 0"},
		{name: "jpg", z: "14", x: "8185", y: "5448.jpg", wantError: `unknown extension "jpg"`},
		{name: "upper case", z: "14", x: "8185", y: "5448.MVT", wantError: `unknown extension "MVT"`},
		{name: "gzip suffix", z: "14", x: "8185", y: "5448.mvt.gz", wantError: `unknown extension "mvt.gz"`},
		{name: "@2x mvt", z: "14", x: "8185", y: "5448@2x.mvt", wantError: "@2x is for png tiles, not mvt"},
		{name: "@2x pbf", z: "14", x: "8185", y: "5448@2x.pbf", wantError: "@2x is for png tiles, not pbf"},
		{name: "@3x", z: "14", x: "8185", y: "5448@3x.png", wantError: `scale "@3x" is not supported`},
		{name: "@2x without y", z: "14", x: "8185", y: "@2x.png", wantError: "y is empty"},
		{name: "empty extension", z: "14", x: "8185", y: "5448.", wantError: `"5448." has an empty extension`},
		{name: "no extension", z: "14", x: "8185", y: "5448", wantError: `"5448" has no extension`},
		{name: "long input is cut", z: "14", x: strings.Repeat("a", 100), y: "0.mvt", wantError: `x "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"… is not`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tile, f, scale, err := ParseZXY(tc.z, tc.x, tc.y)
			if tc.wantError != "" {
				if err == nil {
					t.Fatalf("ParseZXY(%q, %q, %q) = %v, want an error", tc.z, tc.x, tc.y, tile)
				}
				if !errors.Is(err, ErrAddress) {
					t.Errorf("error %v does not wrap ErrAddress", err)
				}
				if !strings.HasPrefix(err.Error(), "tiles: ") || !strings.Contains(err.Error(), tc.wantError) {
					t.Errorf("error %q, want prefix \"tiles: \" and %q", err, tc.wantError)
				}
				if tile != (maptile.Tile{}) || scale != 0 {
					t.Errorf("on error got tile %v scale %d, want zero values", tile, scale)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseZXY(%q, %q, %q): %v", tc.z, tc.x, tc.y, err)
			}
			if tile != tc.tile || f != tc.format || scale != tc.scale {
				t.Errorf("ParseZXY(%q, %q, %q) = %v %v %d, want %v %v %d", tc.z, tc.x, tc.y, tile, f, scale, tc.tile, tc.format, tc.scale)
			}
		})
	}
}

func TestParseTileMatrix(t *testing.T) {
	cases := []struct {
		name             string
		matrix, row, col string
		tile             maptile.Tile
		wantError        string
	}{
		{name: "row is y, col is x", matrix: "14", row: "5448", col: "8185", tile: maptile.New(8185, 5448, 14)},
		{name: "world", matrix: "0", row: "0", col: "0", tile: maptile.New(0, 0, 0)},
		{name: "max", matrix: "24", row: "16777215", col: "0", tile: maptile.New(0, 1<<24-1, 24)},
		{name: "row out of range", matrix: "3", row: "8", col: "0", wantError: "y 8 is outside 0..7 at zoom 3"},
		{name: "col out of range", matrix: "3", row: "0", col: "8", wantError: "x 8 is outside 0..7 at zoom 3"},
		{name: "matrix above max", matrix: "25", row: "0", col: "0", wantError: "zoom 25 is above the maximum 24"},
		{name: "extension not allowed", matrix: "3", row: "0", col: "1.mvt", wantError: `x "1.mvt" is not`},
		{name: "negative", matrix: "3", row: "-1", col: "0", wantError: `y "-1" is not`},
		{name: "empty", matrix: "", row: "0", col: "0", wantError: "zoom is empty"},
		{name: "WebMercatorQuad name", matrix: "WebMercatorQuad", row: "0", col: "0", wantError: `zoom "WebMercatorQuad" is not`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tile, err := ParseTileMatrix(tc.matrix, tc.row, tc.col)
			if tc.wantError != "" {
				if err == nil || !errors.Is(err, ErrAddress) || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("ParseTileMatrix(%q, %q, %q) = %v, %v; want an ErrAddress containing %q", tc.matrix, tc.row, tc.col, tile, err, tc.wantError)
				}
				return
			}
			if err != nil || tile != tc.tile {
				t.Fatalf("ParseTileMatrix(%q, %q, %q) = %v, %v; want %v", tc.matrix, tc.row, tc.col, tile, err, tc.tile)
			}
		})
	}
}

// FuzzParseZXY: any input is either an error wrapping ErrAddress or a valid tile that prints back
// to an address parsing to the same tile.
func FuzzParseZXY(f *testing.F) {
	for _, s := range [][3]string{
		{"14", "8185", "5448.mvt"}, {"0", "0", "0.png"}, {"5", "3", "4@2x.png"}, {"25", "0", "0.mvt"},
		{"-1", "0", "0.mvt"}, {"5", "1e3", "0.pbf"}, {"5", "0", "5448."}, {"", "", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, z, x, y string) {
		tile, format, scale, err := ParseZXY(z, x, y)
		if err != nil {
			if !errors.Is(err, ErrAddress) || !strings.HasPrefix(err.Error(), "tiles: ") {
				t.Fatalf("error %v does not wrap ErrAddress", err)
			}
			return
		}
		if tile.Z > MaxZoom || !tile.Valid() || (scale != 1 && scale != 2) || (scale == 2 && format != PNG) {
			t.Fatalf("ParseZXY(%q, %q, %q) = %v %v %d: out of range", z, x, y, tile, format, scale)
		}
		suffix := ""
		if scale == 2 {
			suffix = "@2x"
		}
		back, bf, bs, err := ParseZXY(fmt.Sprint(tile.Z), fmt.Sprint(tile.X), fmt.Sprintf("%d%s.%s", tile.Y, suffix, format))
		if err != nil || back != tile || bf != format || bs != scale {
			t.Fatalf("round trip of %v: %v %v %d %v", tile, back, bf, bs, err)
		}
	})
}
