package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"

	"github.com/paulmach/orb"
)

// Errors of the PMTiles reader. Every error it returns about the archive's content wraps one of them.
var (
	// ErrPMTilesInvalid reports an archive that breaks the PMTiles v3 format: truncated, sections
	// out of the file, malformed directories or metadata.
	ErrPMTilesInvalid = errors.New("pmtiles: invalid archive")
	// ErrPMTilesUnsupported reports a well-formed archive this reader does not handle: another spec
	// version, or directories compressed with something other than none or gzip.
	ErrPMTilesUnsupported = errors.New("pmtiles: unsupported archive")
)

// Values of PMTilesHeader.TileType.
const (
	PMTilesTypeUnknown uint8 = iota // unknown or other
	PMTilesTypeMVT                  // Mapbox Vector Tile
	PMTilesTypePNG
	PMTilesTypeJPEG
	PMTilesTypeWebP
	PMTilesTypeAVIF
)

// Values of PMTilesHeader.TileCompression and PMTilesHeader.InternalCompression.
const (
	PMTilesCompressionUnknown uint8 = iota
	PMTilesCompressionNone
	PMTilesCompressionGzip
	PMTilesCompressionBrotli
	PMTilesCompressionZstd
)

// PMTilesHeader is the fixed 127-byte header of a PMTiles v3 archive. Offsets are from the start of
// the file; tile and leaf offsets inside directories are relative to their section.
type PMTilesHeader struct {
	SpecVersion                              uint8
	RootOffset, RootLength                   uint64
	MetadataOffset, MetadataLength           uint64
	LeafDirectoryOffset, LeafDirectoryLength uint64
	TileDataOffset, TileDataLength           uint64
	AddressedTiles                           uint64 // tiles before run-length encoding, 0 if unknown
	TileEntries                              uint64 // directory entries with RunLength > 0, 0 if unknown
	TileContents                             uint64 // distinct tile blobs, 0 if unknown
	Clustered                                bool   // tile data is ordered by tile ID
	InternalCompression                      uint8  // of directories and metadata: PMTilesCompression*
	TileCompression                          uint8  // of tile bodies: 1 none, 2 gzip, 3 brotli, 4 zstd
	TileType                                 uint8  // 1 mvt, 2 png, 3 jpeg, 4 webp, 5 avif
	MinZoom, MaxZoom                         uint8
	Bounds                                   orb.Bound // WGS84, from the header's 1e-7 degree integers
	CenterZoom                               uint8
	Center                                   orb.Point
}

// PMTiles reads tiles from a PMTiles v3 archive. It is safe for concurrent use; it keeps the root
// directory and a few recently used leaf directories in memory.
type PMTiles struct {
	r    io.ReaderAt
	size uint64
	h    PMTilesHeader
	root []pmEntry

	mu        sync.Mutex
	leaves    map[pmSpan][]pmEntry
	leafOrder []pmSpan // insertion order, for FIFO eviction from leaves
}

// pmEntry is one decoded directory entry. RunLength 0 means Offset/Length locate a leaf directory.
type pmEntry struct {
	TileID    uint64
	Offset    uint64
	Length    uint32
	RunLength uint32
}

// pmSpan is a byte range of the archive; it keys the leaf directory cache.
type pmSpan struct{ off, n uint64 }

const (
	pmHeaderLen = 127
	// pmMaxDepth bounds how many directories a lookup reads (root plus leaves), so that a directory
	// pointing back at itself ends in an error instead of a loop. Real archives use two.
	pmMaxDepth = 4
	// pmMaxDirectory and pmMaxMetadata bound decompressed sizes, against gzip bombs.
	pmMaxDirectory = 16 << 20
	pmMaxMetadata  = 64 << 20
	// pmLeafCacheSize is how many parsed leaf directories are kept.
	pmLeafCacheSize = 64
)

// OpenPMTiles reads the header and root directory from r (size bytes). Internal compression other
// than none/gzip is refused with a clear error wrapping ErrPMTilesUnsupported, as are spec versions
// other than 3; a malformed archive gives an error wrapping ErrPMTilesInvalid. r must stay readable
// while the returned PMTiles is used.
func OpenPMTiles(r io.ReaderAt, size int64) (*PMTiles, error) {
	if size < pmHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the %d-byte header", ErrPMTilesInvalid, size, pmHeaderLen)
	}
	p := &PMTiles{r: r, size: uint64(size), leaves: make(map[pmSpan][]pmEntry)}
	b, err := p.read(context.Background(), 0, pmHeaderLen, "header")
	if err != nil {
		return nil, err
	}
	p.h, err = pmDecodeHeader(b)
	if err != nil {
		return nil, err
	}
	h := &p.h
	for _, s := range []struct {
		name   string
		off, n uint64
	}{
		{"root directory", h.RootOffset, h.RootLength},
		{"metadata", h.MetadataOffset, h.MetadataLength},
		{"leaf directories", h.LeafDirectoryOffset, h.LeafDirectoryLength},
		{"tile data", h.TileDataOffset, h.TileDataLength},
	} {
		if !p.inFile(s.off, s.n) {
			return nil, fmt.Errorf("%w: %s at %d+%d lies beyond the %d-byte file", ErrPMTilesInvalid, s.name, s.off, s.n, size)
		}
	}
	if h.RootLength == 0 {
		return nil, fmt.Errorf("%w: empty root directory", ErrPMTilesInvalid)
	}
	p.root, err = p.directory(context.Background(), h.RootOffset, h.RootLength, "root directory")
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Header returns the archive's header.
func (p *PMTiles) Header() PMTilesHeader { return p.h }

// Metadata returns the archive's JSON metadata (decompressed), or "{}" when the archive stores none
// (an empty section, or one that decompresses to nothing).
// Metadata that is not valid JSON gives an error wrapping ErrPMTilesInvalid.
func (p *PMTiles) Metadata() ([]byte, error) {
	if p.h.MetadataLength == 0 {
		return []byte("{}"), nil
	}
	b, err := p.read(context.Background(), p.h.MetadataOffset, p.h.MetadataLength, "metadata")
	if err != nil {
		return nil, err
	}
	if b, err = p.decompress(b, pmMaxMetadata, "metadata"); err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return []byte("{}"), nil
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("%w: metadata is not valid JSON", ErrPMTilesInvalid)
	}
	return b, nil
}

// Tile returns the stored bytes of tile z/x/y exactly as stored (compressed per
// Header().TileCompression), or (nil, nil) when the archive has no such tile, which includes
// addresses outside the tile pyramid (x or y >= 2^z, z > 31). ctx is checked before each read;
// the reads themselves are not interruptible.
func (p *PMTiles) Tile(ctx context.Context, z uint8, x, y uint32) ([]byte, error) {
	id, ok := pmTileID(z, x, y)
	if !ok {
		return nil, nil
	}
	entries := p.root
	for depth := 1; ; depth++ {
		e, found := pmFind(entries, id)
		if !found {
			return nil, nil
		}
		if e.RunLength > 0 {
			if e.Offset > p.h.TileDataLength || uint64(e.Length) > p.h.TileDataLength-e.Offset {
				return nil, fmt.Errorf("%w: tile %d/%d/%d at %d+%d lies beyond the tile data section", ErrPMTilesInvalid, z, x, y, e.Offset, e.Length)
			}
			return p.read(ctx, p.h.TileDataOffset+e.Offset, uint64(e.Length), "tile")
		}
		if depth == pmMaxDepth {
			return nil, fmt.Errorf("%w: directories nested deeper than %d", ErrPMTilesInvalid, pmMaxDepth)
		}
		if e.Offset > p.h.LeafDirectoryLength || uint64(e.Length) > p.h.LeafDirectoryLength-e.Offset {
			return nil, fmt.Errorf("%w: leaf directory at %d+%d lies beyond its section", ErrPMTilesInvalid, e.Offset, e.Length)
		}
		var err error
		if entries, err = p.leaf(ctx, p.h.LeafDirectoryOffset+e.Offset, uint64(e.Length)); err != nil {
			return nil, err
		}
	}
}

// leaf returns the parsed leaf directory at off, from the cache when it is there.
func (p *PMTiles) leaf(ctx context.Context, off, n uint64) ([]pmEntry, error) {
	span := pmSpan{off, n}
	p.mu.Lock()
	entries, ok := p.leaves[span]
	p.mu.Unlock()
	if ok {
		return entries, nil
	}
	entries, err := p.directory(ctx, off, n, "leaf directory")
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.leaves[span]; !ok {
		if len(p.leafOrder) >= pmLeafCacheSize {
			delete(p.leaves, p.leafOrder[0])
			p.leafOrder = append(p.leafOrder[:0], p.leafOrder[1:]...)
		}
		p.leaves[span] = entries
		p.leafOrder = append(p.leafOrder, span)
	}
	return entries, nil
}

// directory reads, decompresses and parses the directory at off.
func (p *PMTiles) directory(ctx context.Context, off, n uint64, what string) ([]pmEntry, error) {
	b, err := p.read(ctx, off, n, what)
	if err != nil {
		return nil, err
	}
	if b, err = p.decompress(b, pmMaxDirectory, what); err != nil {
		return nil, err
	}
	entries, err := pmParseDirectory(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return entries, nil
}

// inFile reports whether the n bytes at off lie inside the file.
func (p *PMTiles) inFile(off, n uint64) bool {
	return n <= p.size && off <= p.size-n
}

// read returns the n bytes at off, after checking ctx and that they lie inside the file.
func (p *PMTiles) read(ctx context.Context, off, n uint64, what string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !p.inFile(off, n) {
		return nil, fmt.Errorf("%w: %s at %d+%d lies beyond the %d-byte file", ErrPMTilesInvalid, what, off, n, p.size)
	}
	b := make([]byte, n)
	m, err := p.r.ReadAt(b, int64(off))
	if m == len(b) {
		return b, nil // a ReaderAt may report io.EOF along with the last byte
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, fmt.Errorf("pmtiles: reading %s at %d+%d: %w", what, off, n, err)
}

// decompress undoes the archive's internal compression, refusing output longer than limit.
func (p *PMTiles) decompress(b []byte, limit int64, what string) ([]byte, error) {
	if p.h.InternalCompression == PMTilesCompressionNone {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPMTilesInvalid, what, err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPMTilesInvalid, what, err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("%w: %s decompresses to more than %d bytes", ErrPMTilesInvalid, what, limit)
	}
	return out, nil
}

// pmCompressionName names a compression enum value for error messages.
func pmCompressionName(c uint8) string {
	switch c {
	case PMTilesCompressionUnknown:
		return "unknown (0)"
	case PMTilesCompressionNone:
		return "none"
	case PMTilesCompressionGzip:
		return "gzip"
	case PMTilesCompressionBrotli:
		return "brotli"
	case PMTilesCompressionZstd:
		return "zstd"
	}
	return fmt.Sprintf("unknown (%d)", c)
}

// pmDecodeHeader decodes and checks the 127-byte header.
func pmDecodeHeader(b []byte) (PMTilesHeader, error) {
	var h PMTilesHeader
	if string(b[:7]) != "PMTiles" {
		if string(b[:2]) == "PM" && b[2] < 3 && b[3] == 0 {
			return h, fmt.Errorf("%w: PMTiles version %d (only version 3 is read)", ErrPMTilesUnsupported, b[2])
		}
		return h, fmt.Errorf("%w: no PMTiles magic number", ErrPMTilesInvalid)
	}
	h.SpecVersion = b[7]
	if h.SpecVersion != 3 {
		return h, fmt.Errorf("%w: PMTiles version %d (only version 3 is read)", ErrPMTilesUnsupported, h.SpecVersion)
	}
	u64 := func(at int) uint64 { return binary.LittleEndian.Uint64(b[at:]) }
	deg := func(at int) float64 { return float64(int32(binary.LittleEndian.Uint32(b[at:]))) / 1e7 }
	h.RootOffset, h.RootLength = u64(8), u64(16)
	h.MetadataOffset, h.MetadataLength = u64(24), u64(32)
	h.LeafDirectoryOffset, h.LeafDirectoryLength = u64(40), u64(48)
	h.TileDataOffset, h.TileDataLength = u64(56), u64(64)
	h.AddressedTiles, h.TileEntries, h.TileContents = u64(72), u64(80), u64(88)
	h.Clustered = b[96] == 1
	h.InternalCompression = b[97]
	h.TileCompression = b[98]
	h.TileType = b[99]
	h.MinZoom, h.MaxZoom = b[100], b[101]
	h.Bounds = orb.Bound{Min: orb.Point{deg(102), deg(106)}, Max: orb.Point{deg(110), deg(114)}}
	h.CenterZoom = b[118]
	h.Center = orb.Point{deg(119), deg(123)}
	if c := h.InternalCompression; c != PMTilesCompressionNone && c != PMTilesCompressionGzip {
		return h, fmt.Errorf("%w: internal compression %s (only none and gzip are read)", ErrPMTilesUnsupported, pmCompressionName(c))
	}
	return h, nil
}

// pmParseDirectory decodes a decompressed directory: the entry count, then columns of tile ID
// deltas, run lengths, lengths and offsets (0 meaning "right after the previous entry", else offset+1),
// all as unsigned varints. Trailing bytes are ignored.
func pmParseDirectory(b []byte) ([]pmEntry, error) {
	next := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, fmt.Errorf("%w: truncated or overlong varint in directory", ErrPMTilesInvalid)
		}
		b = b[n:]
		return v, nil
	}
	count, err := next()
	if err != nil {
		return nil, err
	}
	// Every entry takes at least four bytes, which bounds the allocation below.
	if count == 0 || count > uint64(len(b))/4 {
		return nil, fmt.Errorf("%w: directory claims %d entries in %d bytes", ErrPMTilesInvalid, count, len(b))
	}
	entries := make([]pmEntry, count)
	var id uint64
	for i := range entries {
		d, err := next()
		if err != nil {
			return nil, err
		}
		if i > 0 && d == 0 {
			return nil, fmt.Errorf("%w: directory tile IDs not ascending", ErrPMTilesInvalid)
		}
		if id+d < id {
			return nil, fmt.Errorf("%w: directory tile ID overflows", ErrPMTilesInvalid)
		}
		id += d
		entries[i].TileID = id
	}
	for i := range entries {
		v, err := next()
		if err != nil {
			return nil, err
		}
		if v > math.MaxUint32 {
			return nil, fmt.Errorf("%w: run length %d too large", ErrPMTilesInvalid, v)
		}
		entries[i].RunLength = uint32(v)
	}
	for i := range entries {
		v, err := next()
		if err != nil {
			return nil, err
		}
		if v == 0 || v > math.MaxUint32 {
			return nil, fmt.Errorf("%w: entry length %d out of range", ErrPMTilesInvalid, v)
		}
		entries[i].Length = uint32(v)
	}
	for i := range entries {
		v, err := next()
		if err != nil {
			return nil, err
		}
		switch {
		case v > 0:
			entries[i].Offset = v - 1
		case i == 0:
			return nil, fmt.Errorf("%w: first directory entry has no offset", ErrPMTilesInvalid)
		default:
			prev := entries[i-1]
			if prev.Offset+uint64(prev.Length) < prev.Offset {
				return nil, fmt.Errorf("%w: directory offset overflows", ErrPMTilesInvalid)
			}
			entries[i].Offset = prev.Offset + uint64(prev.Length)
		}
	}
	return entries, nil
}

// pmFind returns the entry of entries (sorted by TileID) that covers id: a tile entry whose run
// includes id, or the leaf entry with the greatest TileID <= id.
func pmFind(entries []pmEntry, id uint64) (pmEntry, bool) {
	i := sort.Search(len(entries), func(i int) bool { return entries[i].TileID > id }) - 1
	if i < 0 {
		return pmEntry{}, false
	}
	e := entries[i]
	if e.RunLength == 0 || id-e.TileID < uint64(e.RunLength) {
		return e, true
	}
	return pmEntry{}, false
}

// pmTileID maps z/x/y to its PMTiles tile ID: the number of tiles at all lower zooms, plus the
// tile's position along the Hilbert curve of zoom z. It is false when the tile does not exist
// (z > 31, or x or y >= 2^z).
func pmTileID(z uint8, x, y uint32) (uint64, bool) {
	if z > 31 || uint64(x) >= 1<<z || uint64(y) >= 1<<z {
		return 0, false
	}
	base := (uint64(1)<<(2*uint64(z)) - 1) / 3 // 4^0 + 4^1 + ... + 4^(z-1)
	tx, ty := uint64(x), uint64(y)
	var d uint64
	for s := uint64(1) << z >> 1; s > 0; s >>= 1 {
		var rx, ry uint64
		if tx&s != 0 {
			rx = 1
		}
		if ty&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		tx, ty = pmRotate(s, tx, ty, rx, ry)
	}
	return base + d, true
}

// pmTileZXY is the inverse of pmTileID. It is false for IDs beyond zoom 31.
func pmTileZXY(id uint64) (z uint8, x, y uint32, ok bool) {
	var base uint64
	for z = 0; z <= 31; z++ {
		n := uint64(1) << (2 * uint64(z))
		if id-base < n {
			break
		}
		base += n
	}
	if z > 31 {
		return 0, 0, 0, false
	}
	t := id - base
	var tx, ty uint64
	for s := uint64(1); s < 1<<z; s <<= 1 {
		rx := 1 & (t / 2)
		ry := 1 & (t ^ rx)
		tx, ty = pmRotate(s, tx, ty, rx, ry)
		tx += s * rx
		ty += s * ry
		t /= 4
	}
	return z, uint32(tx), uint32(ty), true
}

// pmRotate rotates and flips a quadrant of side n of the Hilbert curve.
func pmRotate(n, x, y, rx, ry uint64) (uint64, uint64) {
	if ry == 0 {
		if rx == 1 {
			x, y = n-1-x, n-1-y
		}
		x, y = y, x
	}
	return x, y
}
