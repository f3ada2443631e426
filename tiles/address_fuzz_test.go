package tiles

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseTileMatrix: any OGC tileMatrix/tileRow/tileCol is either an error wrapping
// ErrAddress or a valid tile, the one the XYZ address z/col/row names.
func FuzzParseTileMatrix(f *testing.F) {
	for _, s := range [][3]string{
		{"14", "5448", "8185"}, {"0", "0", "0"}, {"24", "16777215", "16777215"}, {"25", "0", "0"},
		{"5", "32", "0"}, {"-1", "0", "0"}, {"5", "1e3", "0"}, {"5", "0x1", "0"}, {"", "", ""},
		{"007", "00", "0"}, {"4294967296", "0", "0"}, {"5", "٣", "0"}, {"5", "3.0", "0"}, {" 5", "0", "0"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, matrix, row, col string) {
		tile, err := ParseTileMatrix(matrix, row, col)
		if err != nil {
			if !errors.Is(err, ErrAddress) || !strings.HasPrefix(err.Error(), "tiles: ") {
				t.Fatalf("error %v does not wrap ErrAddress", err)
			}
			// At most 32 bytes of input are quoted, each escaped to at most 4 bytes ("\xca").
			if len(err.Error()) > 256 {
				t.Fatalf("error of %d bytes: %.80s…", len(err.Error()), err)
			}
			return
		}
		if tile.Z > MaxZoom || !tile.Valid() {
			t.Fatalf("ParseTileMatrix(%q, %q, %q) = %v: out of range", matrix, row, col, tile)
		}
		xyz, _, _, err := ParseZXY(matrix, col, row+".mvt")
		if err != nil || xyz != tile {
			t.Fatalf("ParseTileMatrix(%q, %q, %q) = %v, but ParseZXY gives %v, %v", matrix, row, col, tile, xyz, err)
		}
	})
}
