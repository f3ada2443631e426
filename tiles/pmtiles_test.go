package tiles

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// pmZXY addresses a tile in test archives.
type pmZXY struct {
	z    uint8
	x, y uint32
}

// pmTestArchive describes an archive for writePMTiles, the test-only PMTiles v3 writer.
type pmTestArchive struct {
	tiles    map[pmZXY][]byte
	metadata string
	gzip     bool // internal compression gzip, else none
	leafSize int  // > 0: when there are more entries than this, split them into leaves of this many
	header   PMTilesHeader
}

// pmWriteDirectory serializes entries as a PMTiles directory, gzipped when gz is set.
func pmWriteDirectory(t testing.TB, entries []pmEntry, gz bool) []byte {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(entries)))
	var last uint64
	for _, e := range entries {
		b = binary.AppendUvarint(b, e.TileID-last)
		last = e.TileID
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.RunLength))
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.Length))
	}
	for i, e := range entries {
		if i > 0 && e.Offset == entries[i-1].Offset+uint64(entries[i-1].Length) {
			b = binary.AppendUvarint(b, 0)
		} else {
			b = binary.AppendUvarint(b, e.Offset+1)
		}
	}
	return pmCompress(t, b, gz)
}

// pmCompress gzips b when gz is set.
func pmCompress(t testing.TB, b []byte, gz bool) []byte {
	if !gz {
		return b
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pmEncodeHeader is the inverse of pmDecodeHeader.
func pmEncodeHeader(h PMTilesHeader) []byte {
	b := make([]byte, pmHeaderLen)
	copy(b, "PMTiles")
	b[7] = h.SpecVersion
	for i, v := range []uint64{h.RootOffset, h.RootLength, h.MetadataOffset, h.MetadataLength,
		h.LeafDirectoryOffset, h.LeafDirectoryLength, h.TileDataOffset, h.TileDataLength,
		h.AddressedTiles, h.TileEntries, h.TileContents} {
		binary.LittleEndian.PutUint64(b[8+8*i:], v)
	}
	if h.Clustered {
		b[96] = 1
	}
	b[97], b[98], b[99], b[100], b[101] = h.InternalCompression, h.TileCompression, h.TileType, h.MinZoom, h.MaxZoom
	deg := func(at int, v float64) { binary.LittleEndian.PutUint32(b[at:], uint32(int32(math.Round(v*1e7)))) }
	deg(102, h.Bounds.Min[0])
	deg(106, h.Bounds.Min[1])
	deg(110, h.Bounds.Max[0])
	deg(114, h.Bounds.Max[1])
	b[118] = h.CenterZoom
	deg(119, h.Center[0])
	deg(123, h.Center[1])
	return b
}

// pmAssemble lays out header, root directory, metadata, leaf directories and tile data, in the
// order the spec recommends, filling in the header's offsets and lengths.
func pmAssemble(h PMTilesHeader, root, metadata, leaves, data []byte) []byte {
	h.RootOffset, h.RootLength = pmHeaderLen, uint64(len(root))
	h.MetadataOffset, h.MetadataLength = h.RootOffset+h.RootLength, uint64(len(metadata))
	h.LeafDirectoryOffset, h.LeafDirectoryLength = h.MetadataOffset+h.MetadataLength, uint64(len(leaves))
	h.TileDataOffset, h.TileDataLength = h.LeafDirectoryOffset+h.LeafDirectoryLength, uint64(len(data))
	return slices.Concat(pmEncodeHeader(h), root, metadata, leaves, data)
}

// writePMTiles builds an archive holding a.tiles: contiguous tile IDs with the same bytes become one
// run, and repeated contents are stored once. It returns the archive and its entries.
func writePMTiles(t testing.TB, a pmTestArchive) ([]byte, []pmEntry) {
	type tile struct {
		id   uint64
		data []byte
	}
	var ts []tile
	for k, v := range a.tiles {
		id, ok := pmTileID(k.z, k.x, k.y)
		if !ok {
			t.Fatalf("bad test tile %v", k)
		}
		ts = append(ts, tile{id, v})
	}
	slices.SortFunc(ts, func(a, b tile) int { return cmp.Compare(a.id, b.id) })
	var data []byte
	seen := map[string]uint64{}
	var entries []pmEntry
	var addressed uint64
	for i, tl := range ts {
		addressed++
		if n := len(entries); n > 0 && bytes.Equal(tl.data, ts[i-1].data) && tl.id == entries[n-1].TileID+uint64(entries[n-1].RunLength) {
			entries[n-1].RunLength++
			continue
		}
		off, ok := seen[string(tl.data)]
		if !ok {
			off = uint64(len(data))
			seen[string(tl.data)] = off
			data = append(data, tl.data...)
		}
		entries = append(entries, pmEntry{TileID: tl.id, Offset: off, Length: uint32(len(tl.data)), RunLength: 1})
	}
	root := entries
	var leaves []byte
	if a.leafSize > 0 && len(entries) > a.leafSize {
		root = nil
		for chunk := range slices.Chunk(entries, a.leafSize) {
			leaf := pmWriteDirectory(t, chunk, a.gzip)
			root = append(root, pmEntry{TileID: chunk[0].TileID, Offset: uint64(len(leaves)), Length: uint32(len(leaf))})
			leaves = append(leaves, leaf...)
		}
	}
	h := a.header
	h.SpecVersion = 3
	h.InternalCompression = PMTilesCompressionNone
	if a.gzip {
		h.InternalCompression = PMTilesCompressionGzip
	}
	h.AddressedTiles, h.TileEntries, h.TileContents = addressed, uint64(len(entries)), uint64(len(seen))
	h.Clustered = true
	rootBytes := pmWriteDirectory(t, root, a.gzip)
	if pmHeaderLen+len(rootBytes) >= 16384 {
		t.Fatalf("root directory of %d bytes breaks the spec's 16 KiB limit: use leaves", len(rootBytes))
	}
	return pmAssemble(h, rootBytes, pmCompress(t, []byte(a.metadata), a.gzip), leaves, data), entries
}

// pmTestTiles returns every tile of zooms 0..3 with distinct bodies, a sparse set at zoom 10, and a
// run of identical tiles covering zoom 4.
func pmTestTiles() map[pmZXY][]byte {
	m := map[pmZXY][]byte{}
	for z := uint8(0); z <= 3; z++ {
		for x := uint32(0); x < 1<<z; x++ {
			for y := uint32(0); y < 1<<z; y++ {
				m[pmZXY{z, x, y}] = []byte(fmt.Sprintf("tile %d/%d/%d", z, x, y))
			}
		}
	}
	for x := uint32(0); x < 1<<4; x++ {
		for y := uint32(0); y < 1<<4; y++ {
			m[pmZXY{4, x, y}] = []byte("ocean")
		}
	}
	for i := uint32(0); i < 40; i++ {
		m[pmZXY{10, 500 + i*7, 300 + i*3}] = []byte(fmt.Sprintf("sparse %d", i))
	}
	m[pmZXY{10, 1023, 1023}] = []byte("tile 0/0/0") // same content as z0: stored once
	return m
}

func TestTileID(t *testing.T) {
	cases := []struct {
		z    uint8
		x, y uint32
		id   uint64
	}{
		{0, 0, 0, 0},
		{1, 0, 0, 1},
		{1, 0, 1, 2},
		{1, 1, 1, 3},
		{1, 1, 0, 4},
		{2, 0, 0, 5},
		{12, 3423, 1763, 19078479},
		{31, 0, 0, (1<<62 - 1) / 3},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d/%d/%d", tc.z, tc.x, tc.y), func(t *testing.T) {
			id, ok := pmTileID(tc.z, tc.x, tc.y)
			if !ok || id != tc.id {
				t.Errorf("pmTileID = %d, %v; want %d", id, ok, tc.id)
			}
			z, x, y, ok := pmTileZXY(tc.id)
			if !ok || z != tc.z || x != tc.x || y != tc.y {
				t.Errorf("pmTileZXY(%d) = %d/%d/%d, %v", tc.id, z, x, y, ok)
			}
		})
	}
	t.Run("outside the pyramid", func(t *testing.T) {
		for _, c := range []pmZXY{{0, 1, 0}, {1, 0, 2}, {32, 0, 0}, {255, 0, 0}} {
			if id, ok := pmTileID(c.z, c.x, c.y); ok {
				t.Errorf("pmTileID(%v) = %d, true", c, id)
			}
		}
		last, _ := pmTileID(31, 0, 0)
		if _, _, _, ok := pmTileZXY(last + 1<<62); ok {
			t.Error("pmTileZXY accepts an ID past zoom 31")
		}
	})
	t.Run("round trip", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for z := uint8(0); z <= 31; z++ {
			n := uint64(1) << z
			for i := range 2000 {
				x, y := uint32(rng.Uint64N(n)), uint32(rng.Uint64N(n))
				switch i { // the corners
				case 0:
					x, y = 0, 0
				case 1:
					x, y = uint32(n-1), 0
				case 2:
					x, y = 0, uint32(n-1)
				case 3:
					x, y = uint32(n-1), uint32(n-1)
				}
				id, ok := pmTileID(z, x, y)
				base := (n*n - 1) / 3
				if !ok || id < base || id-base >= n*n {
					t.Fatalf("%d/%d/%d -> %d outside zoom %d's range", z, x, y, id, z)
				}
				rz, rx, ry, ok := pmTileZXY(id)
				if !ok || rz != z || rx != x || ry != y {
					t.Fatalf("%d/%d/%d -> %d -> %d/%d/%d", z, x, y, id, rz, rx, ry)
				}
			}
		}
	})
	t.Run("bijective up to zoom 8", func(t *testing.T) {
		for id := range uint64((1<<18 - 1) / 3) {
			z, x, y, ok := pmTileZXY(id)
			back, ok2 := pmTileID(z, x, y)
			if !ok || !ok2 || back != id {
				t.Fatalf("%d -> %d/%d/%d -> %d", id, z, x, y, back)
			}
		}
	})
	t.Run("hilbert neighbours", func(t *testing.T) {
		// Consecutive IDs within a zoom are adjacent tiles: the defining property of the curve.
		for z := uint8(1); z <= 7; z++ {
			base, _ := pmTileID(z, 0, 0)
			for i := range uint64(1)<<(2*z) - 1 {
				_, x0, y0, _ := pmTileZXY(base + i)
				_, x1, y1, _ := pmTileZXY(base + i + 1)
				if d := math.Abs(float64(x0)-float64(x1)) + math.Abs(float64(y0)-float64(y1)); d != 1 {
					t.Fatalf("z%d: IDs %d and %d are %d/%d and %d/%d", z, base+i, base+i+1, x0, y0, x1, y1)
				}
			}
		}
	})
}

func TestPMTilesRoundTrip(t *testing.T) {
	header := PMTilesHeader{
		TileType: PMTilesTypeMVT, TileCompression: PMTilesCompressionGzip,
		MinZoom: 0, MaxZoom: 10, CenterZoom: 6,
		Bounds: orb.Bound{Min: orb.Point{-5.5, 4.25}, Max: orb.Point{16.0000001, 23.5}},
		Center: orb.Point{2.1254, 13.5116},
	}
	const metadata = `{"name":"sahel","vector_layers":[{"id":"incidents","fields":{}}]}`
	tiles := pmTestTiles()
	cases := []struct {
		name     string
		gzip     bool
		leafSize int
		metadata string
	}{
		{"root only, no compression", false, 0, metadata},
		{"root only, gzip", true, 0, metadata},
		{"leaves of 8, gzip", true, 8, metadata},
		{"leaves of 1, no compression", false, 1, metadata},
		{"leaves of 50, gzip, no metadata", true, 50, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			archive, entries := writePMTiles(t, pmTestArchive{tiles: tiles, metadata: tc.metadata, gzip: tc.gzip, leafSize: tc.leafSize, header: header})
			p, err := OpenPMTiles(bytes.NewReader(archive), int64(len(archive)))
			if err != nil {
				t.Fatal(err)
			}
			if tc.leafSize > 0 && slices.ContainsFunc(p.root, func(e pmEntry) bool { return e.RunLength > 0 }) {
				t.Fatalf("root holds tile entries: leaves were not written")
			}
			h := p.Header()
			if h.SpecVersion != 3 || h.TileType != header.TileType || h.TileCompression != header.TileCompression ||
				h.MinZoom != 0 || h.MaxZoom != 10 || h.CenterZoom != 6 ||
				h.Bounds != header.Bounds || h.Center != header.Center || !h.Clustered ||
				h.AddressedTiles != uint64(len(tiles)) || h.TileEntries != uint64(len(entries)) {
				t.Errorf("header = %+v", h)
			}
			md, err := p.Metadata()
			want := tc.metadata
			if want == "" {
				want = "{}"
			}
			if err != nil || string(md) != want {
				t.Errorf("Metadata = %s, %v; want %s", md, err, want)
			}
			ctx := context.Background()
			for k, v := range tiles {
				got, err := p.Tile(ctx, k.z, k.x, k.y)
				if err != nil || !bytes.Equal(got, v) {
					t.Fatalf("Tile(%v) = %q, %v; want %q", k, got, err, v)
				}
			}
			for _, k := range []pmZXY{{5, 0, 0}, {5, 31, 31}, {10, 0, 0}, {10, 501, 300}, {11, 0, 0}, {18, 1, 2}, {31, 5, 5}, {1, 2, 0}, {40, 0, 0}} {
				got, err := p.Tile(ctx, k.z, k.x, k.y)
				if got != nil || err != nil {
					t.Errorf("missing Tile(%v) = %q, %v; want nil, nil", k, got, err)
				}
			}
		})
	}
}

func TestPMTilesRunLength(t *testing.T) {
	ocean := []byte("ocean")
	tiles := map[pmZXY][]byte{}
	for x := uint32(0); x < 4; x++ {
		for y := uint32(0); y < 4; y++ {
			tiles[pmZXY{2, x, y}] = ocean // IDs 5..20: one run
		}
	}
	tiles[pmZXY{3, 0, 0}] = []byte("land") // ID 21, right after the run
	tiles[pmZXY{3, 7, 0}] = ocean          // ID 84: same bytes, not contiguous
	archive, entries := writePMTiles(t, pmTestArchive{tiles: tiles, gzip: true})
	if len(entries) != 3 || entries[0].RunLength != 16 || entries[2].Offset != entries[0].Offset {
		t.Fatalf("writer produced %+v", entries)
	}
	p, err := OpenPMTiles(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	if h := p.Header(); h.AddressedTiles != 18 || h.TileEntries != 3 || h.TileContents != 2 {
		t.Errorf("counts = %d addressed, %d entries, %d contents", h.AddressedTiles, h.TileEntries, h.TileContents)
	}
	cases := []struct {
		name string
		at   pmZXY
		want string
	}{
		{"first of run", pmZXY{2, 0, 0}, "ocean"},
		{"inside run", pmZXY{2, 2, 3}, "ocean"},
		{"last of run", pmZXY{2, 2, 0}, "ocean"}, // ID 20
		{"after run", pmZXY{3, 0, 0}, "land"},
		{"deduplicated", pmZXY{3, 7, 0}, "ocean"},
		{"before run", pmZXY{1, 1, 0}, ""},
		{"between entries", pmZXY{3, 0, 1}, ""},
		{"after last", pmZXY{3, 7, 1}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Tile(context.Background(), tc.at.z, tc.at.x, tc.at.y)
			if err != nil || string(got) != tc.want || (tc.want == "") != (got == nil) {
				t.Errorf("Tile(%v) = %q, %v; want %q", tc.at, got, err, tc.want)
			}
		})
	}
}

func TestPMTilesLeafCache(t *testing.T) {
	tiles := map[pmZXY][]byte{}
	for x := uint32(0); x < 64; x++ {
		for y := uint32(0); y < 64; y++ {
			tiles[pmZXY{6, x, y}] = []byte(fmt.Sprint(x, y))
		}
	}
	archive, _ := writePMTiles(t, pmTestArchive{tiles: tiles, gzip: true, leafSize: 16}) // 256 leaves
	p, err := OpenPMTiles(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range tiles {
		got, err := p.Tile(context.Background(), k.z, k.x, k.y)
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("Tile(%v) = %q, %v", k, got, err)
		}
	}
	if len(p.leaves) != pmLeafCacheSize || len(p.leafOrder) != pmLeafCacheSize {
		t.Errorf("leaf cache holds %d (order %d), want %d", len(p.leaves), len(p.leafOrder), pmLeafCacheSize)
	}
}

func TestPMTilesContext(t *testing.T) {
	archive, _ := writePMTiles(t, pmTestArchive{tiles: pmTestTiles(), gzip: true, leafSize: 8})
	p, err := OpenPMTiles(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Tile(ctx, 0, 0, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Tile with a canceled context: %v", err)
	}
}

// pmPatch returns a copy of b with the little-endian uint64 at off set to v.
func pmPatch(b []byte, off int, v uint64) []byte {
	b = slices.Clone(b)
	binary.LittleEndian.PutUint64(b[off:], v)
	return b
}

// pmRawArchive assembles an archive from a hand-made root directory and leaf section, with no
// internal compression and one 4-byte tile.
func pmRawArchive(root, leaves []byte) []byte {
	h := PMTilesHeader{SpecVersion: 3, InternalCompression: PMTilesCompressionNone, TileCompression: PMTilesCompressionNone}
	return pmAssemble(h, root, nil, leaves, []byte("tile"))
}

func TestPMTilesHostile(t *testing.T) {
	valid, _ := writePMTiles(t, pmTestArchive{tiles: pmTestTiles(), metadata: `{"a":1}`, gzip: true, leafSize: 8})
	validHeader, _ := pmDecodeHeader(valid)
	uv := func(vs ...uint64) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.AppendUvarint(b, v)
		}
		return b
	}
	// A leaf directory whose only entry is a leaf pointer to itself (offset 0, length 5).
	selfLeaf := uv(1, 0, 0, 5, 1)
	cases := []struct {
		name    string
		archive []byte
		openErr error  // wanted from OpenPMTiles
		msg     string // wanted in the error text
		tileErr error  // wanted from Tile(0,0,0) when Open succeeds
	}{
		{name: "empty", archive: nil, openErr: ErrPMTilesInvalid},
		{name: "truncated header", archive: valid[:100], openErr: ErrPMTilesInvalid},
		{name: "truncated root", archive: valid[:pmHeaderLen+3], openErr: ErrPMTilesInvalid},
		{name: "bad magic", archive: append([]byte("PMTilez"), valid[7:]...), openErr: ErrPMTilesInvalid, msg: "magic"},
		{name: "version 2", archive: append([]byte{'P', 'M', 2, 0}, valid[4:]...), openErr: ErrPMTilesUnsupported, msg: "version 2"},
		{name: "version 4", archive: append(append([]byte("PMTiles"), 4), valid[8:]...), openErr: ErrPMTilesUnsupported, msg: "version 4"},
		{name: "brotli directories", archive: func() []byte { b := slices.Clone(valid); b[97] = PMTilesCompressionBrotli; return b }(), openErr: ErrPMTilesUnsupported, msg: "internal compression brotli (only none and gzip are read)"},
		{name: "zstd directories", archive: func() []byte { b := slices.Clone(valid); b[97] = PMTilesCompressionZstd; return b }(), openErr: ErrPMTilesUnsupported, msg: "zstd"},
		{name: "root beyond file", archive: pmPatch(valid, 8, 1<<40), openErr: ErrPMTilesInvalid, msg: "root directory"},
		{name: "root length overflows", archive: pmPatch(valid, 16, math.MaxUint64), openErr: ErrPMTilesInvalid},
		{name: "empty root", archive: pmPatch(valid, 16, 0), openErr: ErrPMTilesInvalid},
		{name: "tile data beyond file", archive: pmPatch(valid, 64, validHeader.TileDataLength+1), openErr: ErrPMTilesInvalid, msg: "tile data"},
		{name: "root not gzip", archive: func() []byte { b := slices.Clone(valid); b[pmHeaderLen] ^= 0xff; return b }(), openErr: ErrPMTilesInvalid},
		{name: "huge varint", archive: pmRawArchive(bytes.Repeat([]byte{0xff}, 11), nil), openErr: ErrPMTilesInvalid, msg: "varint"},
		{name: "huge entry count", archive: pmRawArchive(uv(1<<60, 0, 1, 4, 1), nil), openErr: ErrPMTilesInvalid, msg: "entries"},
		{name: "zero entries", archive: pmRawArchive(uv(0, 0, 0, 0, 0), nil), openErr: ErrPMTilesInvalid},
		{name: "zero length entry", archive: pmRawArchive(uv(1, 0, 1, 0, 1), nil), openErr: ErrPMTilesInvalid, msg: "length"},
		{name: "first offset zero", archive: pmRawArchive(uv(1, 0, 1, 4, 0), nil), openErr: ErrPMTilesInvalid, msg: "offset"},
		{name: "tile IDs not ascending", archive: pmRawArchive(uv(2, 0, 0, 1, 1, 4, 4, 1, 0), nil), openErr: ErrPMTilesInvalid, msg: "ascending"},
		{name: "tile ID overflows", archive: pmRawArchive(uv(2, math.MaxUint64, 1, 1, 1, 4, 4, 1, 0), nil), openErr: ErrPMTilesInvalid, msg: "overflows"},
		{name: "run length too large", archive: pmRawArchive(uv(1, 0, 1<<33, 4, 1), nil), openErr: ErrPMTilesInvalid},
		{name: "tile beyond its section", archive: pmRawArchive(uv(1, 0, 1, 4, 2), nil), tileErr: ErrPMTilesInvalid},
		{name: "leaf beyond its section", archive: pmRawArchive(uv(1, 0, 0, 5, 1), selfLeaf[:4]), tileErr: ErrPMTilesInvalid},
		{name: "leaf pointing to itself", archive: pmRawArchive(uv(1, 0, 0, 5, 1), selfLeaf), tileErr: ErrPMTilesInvalid, msg: "deeper"},
		{name: "garbage leaf", archive: pmRawArchive(uv(1, 0, 0, 3, 1), []byte{0xff, 0xff, 0xff}), tileErr: ErrPMTilesInvalid},
		{name: "valid raw archive", archive: pmRawArchive(uv(1, 0, 1, 4, 1), nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := OpenPMTiles(bytes.NewReader(tc.archive), int64(len(tc.archive)))
			if tc.openErr != nil {
				if !errors.Is(err, tc.openErr) || !strings.Contains(fmt.Sprint(err), tc.msg) {
					t.Fatalf("OpenPMTiles error = %v; want %v containing %q", err, tc.openErr, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("OpenPMTiles: %v", err)
			}
			got, err := p.Tile(context.Background(), 0, 0, 0)
			if tc.tileErr == nil {
				if err != nil || string(got) != "tile" {
					t.Fatalf("Tile = %q, %v", got, err)
				}
				return
			}
			if !errors.Is(err, tc.tileErr) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Tile error = %v; want %v containing %q", err, tc.tileErr, tc.msg)
			}
		})
	}
}

func TestPMTilesMetadataErrors(t *testing.T) {
	archive, _ := writePMTiles(t, pmTestArchive{tiles: pmTestTiles(), metadata: `{"name": not json`, gzip: true})
	p, err := OpenPMTiles(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Metadata(); !errors.Is(err, ErrPMTilesInvalid) {
		t.Errorf("Metadata error = %v, want ErrPMTilesInvalid", err)
	}
}

// pmShortReader is a ReaderAt over a file that shrank after its size was taken.
type pmShortReader struct{ b []byte }

func (s pmShortReader) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(s.b).ReadAt(p, off)
}

func TestPMTilesShortRead(t *testing.T) {
	archive, _ := writePMTiles(t, pmTestArchive{tiles: pmTestTiles(), gzip: true, leafSize: 8})
	_, err := OpenPMTiles(pmShortReader{archive[:pmHeaderLen+10]}, int64(len(archive)))
	if err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("OpenPMTiles on a shrunk file: %v", err)
	}
}

func FuzzOpenPMTiles(f *testing.F) {
	for _, a := range []pmTestArchive{
		{tiles: pmTestTiles(), metadata: `{"name":"x"}`, gzip: true, leafSize: 8},
		{tiles: pmTestTiles(), metadata: `{}`, gzip: false, leafSize: 4},
		{tiles: map[pmZXY][]byte{{0, 0, 0}: []byte("a"), {1, 1, 1}: []byte("b")}},
	} {
		archive, _ := writePMTiles(f, a)
		f.Add(archive)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := OpenPMTiles(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		_, _ = p.Metadata()
		_ = p.Header()
		ctx := context.Background()
		for z := uint8(0); z <= 4; z++ {
			for x := uint32(0); x < 1<<z; x++ {
				for y := uint32(0); y < 1<<z; y++ {
					if _, err := p.Tile(ctx, z, x, y); err != nil {
						break
					}
				}
			}
		}
	})
}

func BenchmarkPMTilesTile(b *testing.B) {
	tiles := map[pmZXY][]byte{}
	for x := uint32(0); x < 128; x++ {
		for y := uint32(0); y < 128; y++ {
			tiles[pmZXY{7, x, y}] = []byte(fmt.Sprint("tile ", x, y))
		}
	}
	for _, leafSize := range []int{0, 512} {
		b.Run(fmt.Sprintf("leafSize=%d", leafSize), func(b *testing.B) {
			a := pmTestArchive{tiles: tiles, gzip: true, leafSize: leafSize}
			if leafSize == 0 {
				a.tiles = map[pmZXY][]byte{}
				for k, v := range tiles {
					if k.x < 32 && k.y < 32 {
						a.tiles[k] = v
					}
				}
			}
			archive, _ := writePMTiles(b, a)
			p, err := OpenPMTiles(bytes.NewReader(archive), int64(len(archive)))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := p.Tile(ctx, 7, uint32(i)%32, uint32(i/32)%32); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
