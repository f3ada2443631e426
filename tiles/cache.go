package tiles

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// Key identifies a cached tile. Layers is the comma-joined, sorted layer list ("incidents" or "incidents,regions").
type Key struct {
	Layers  string
	Z, X, Y uint32
	Format  Format
	Scale   int    // 1, or 2 for PNG @2x
	Filter  string // canonical form of the request's filters (datetime, property equality, properties=...)
}

// Entry is a cached tile body (for MVT the gzipped bytes) with its strong ETag.
// The cache shares Body with its callers: neither the caller of Put nor of Get may modify it.
type Entry struct {
	Body    []byte
	ETag    string
	Empty   bool   // the tile has no features: serve 204
	Thinned string // what Thin cut from the tile, for the Harmattan-Thinned header ("" if nothing)
	Behind  bool   // built from data that may be behind the store's: not to be cached
}

// CacheStats is a snapshot of a Cache's counters, for metrics and tests.
// Hits and Misses count Get calls; Evictions counts entries dropped to stay under the byte bound
// (not those dropped by Invalidate); Bytes includes the per-entry overhead estimate.
type CacheStats struct {
	Hits, Misses, Evictions int64
	Entries                 int
	Bytes                   int64
}

// cacheEntryOverhead estimates the memory an entry costs besides its strings and body:
// the map slot, the list.Element, the cacheItem with its Key and Entry headers.
const cacheEntryOverhead = 256

// cacheItem is the value of each list element: the key is kept so eviction can delete from the map.
type cacheItem struct {
	key   Key
	entry Entry
	size  int64
}

// Cache is an LRU cache of encoded tiles bounded by bytes. It is safe for concurrent use.
// A nil *Cache behaves like a disabled one.
type Cache struct {
	maxBytes int64

	mu        sync.Mutex
	lru       *list.List // front = most recently used; values are *cacheItem
	items     map[Key]*list.Element
	bytes     int64
	hits      int64
	misses    int64
	evictions int64
}

// NewCache returns an LRU cache holding at most maxBytes of bodies plus a per-entry overhead estimate
// (keys, list nodes). maxBytes <= 0 disables caching (Get always misses, Put does nothing).
// An entry larger than maxBytes on its own is not stored.
func NewCache(maxBytes int64) *Cache {
	if maxBytes < 0 {
		maxBytes = 0
	}
	return &Cache{
		maxBytes: maxBytes,
		lru:      list.New(),
		items:    make(map[Key]*list.Element),
	}
}

// Get returns the entry cached under k and marks it most recently used.
func (c *Cache) Get(k Key) (Entry, bool) {
	if c == nil {
		return Entry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		c.misses++
		return Entry{}, false
	}
	c.hits++
	c.lru.MoveToFront(el)
	return el.Value.(*cacheItem).entry, true
}

// Put stores e under k, replacing any entry already there, then evicts least recently used
// entries until the cache is back under its byte bound. It does nothing when the cache is
// disabled or e alone exceeds the bound (an older entry under k is dropped in that case).
func (c *Cache) Put(k Key, e Entry) {
	if c == nil || c.maxBytes <= 0 {
		return
	}
	size := cacheEntrySize(k, e)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.remove(el)
	}
	if size > c.maxBytes {
		return
	}
	c.items[k] = c.lru.PushFront(&cacheItem{key: k, entry: e, size: size})
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
		c.evictions++
	}
}

// Clear drops every entry, for when data changed in ways that Invalidate cannot locate.
func (c *Cache) Clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	clear(c.items)
	c.bytes = 0
}

// Invalidate drops every cached tile, at every zoom, of any key whose Layers contains layer and whose
// tile's bound grown by buffer (units of a 4096 extent, as the tiles were built with) intersects one of
// bounds (WGS84); bounds are the old and new bounding boxes of changed features. It returns how many
// tiles it dropped. Tiles elsewhere stay.
//
// Layer names match whole elements of the comma-joined list, never substrings. A bound whose
// Min longitude is greater than its Max longitude is taken to cross the antimeridian, longitudes
// beyond ±180 wrap around, and latitudes are clamped to the Web Mercator range so that a change near a
// pole still drops the edge tiles. With no bounds nothing is dropped: pass the world bound to drop
// a whole layer. Invalidate scans every entry under the lock, so it costs O(entries) tile-bound
// computations per call.
func (c *Cache) Invalidate(layer string, buffer int, bounds ...orb.Bound) int {
	if c == nil || len(bounds) == 0 {
		return 0
	}
	areas := cacheInvalidationAreas(bounds)
	if len(areas) == 0 {
		return 0
	}
	fraction := 0.0
	if buffer > 0 {
		fraction = float64(buffer) / 4096
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	dropped := 0
	for el := c.lru.Front(); el != nil; {
		next := el.Next()
		k := el.Value.(*cacheItem).key
		if cacheHasLayer(k.Layers, layer) && cacheTileTouches(k, fraction, areas) {
			c.remove(el)
			dropped++
		}
		el = next
	}
	return dropped
}

// Stats reports hits, misses, evictions, entries and bytes held, for metrics and tests.
func (c *Cache) Stats() CacheStats {
	if c == nil {
		return CacheStats{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{
		Hits:      c.hits,
		Misses:    c.misses,
		Evictions: c.evictions,
		Entries:   len(c.items),
		Bytes:     c.bytes,
	}
}

// remove unlinks el from the list and the map; c.mu must be held.
func (c *Cache) remove(el *list.Element) {
	it := c.lru.Remove(el).(*cacheItem)
	delete(c.items, it.key)
	c.bytes -= it.size
}

// cacheEntrySize is the number of bytes an entry is charged against the cache bound.
func cacheEntrySize(k Key, e Entry) int64 {
	return int64(len(e.Body)+len(e.ETag)+len(k.Layers)+len(k.Filter)) + cacheEntryOverhead
}

// cacheHasLayer reports whether layer is one of the elements of the comma-joined list layers.
func cacheHasLayer(layers, layer string) bool {
	for part := range strings.SplitSeq(layers, ",") {
		if part == layer {
			return true
		}
	}
	return false
}

// cacheMaxLat is a hair inside the top edge of the Web Mercator tile pyramid (85.0511287798°),
// still within row 0 at MaxZoom, so that a clamped latitude intersects the edge tiles despite rounding.
const cacheMaxLat = 85.05112877

// cacheInvalidationAreas normalizes changed-feature bounds: antimeridian-crossing bounds are split in two,
// latitudes clamped to the tile pyramid, and bounds that are NaN or empty after clamping are skipped.
// Wrapping of longitudes beyond ±180 is left to cacheTileTouches, which tests shifted copies.
func cacheInvalidationAreas(bounds []orb.Bound) []orb.Bound {
	areas := make([]orb.Bound, 0, len(bounds))
	add := func(b orb.Bound) {
		b.Min[1] = max(min(b.Min[1], cacheMaxLat), -cacheMaxLat)
		b.Max[1] = max(min(b.Max[1], cacheMaxLat), -cacheMaxLat)
		if b.IsEmpty() || math.IsNaN(b.Min[0]) || math.IsNaN(b.Max[0]) || math.IsNaN(b.Min[1]) || math.IsNaN(b.Max[1]) {
			return
		}
		areas = append(areas, b)
	}
	for _, b := range bounds {
		if b.Min[0] > b.Max[0] && b.Min[1] <= b.Max[1] {
			// Crosses the antimeridian, GeoJSON style: [170, ..., -170, ...].
			add(orb.Bound{Min: b.Min, Max: orb.Point{180, b.Max[1]}})
			add(orb.Bound{Min: orb.Point{-180, b.Min[1]}, Max: b.Max})
			continue
		}
		add(b)
	}
	return areas
}

// cacheTileTouches reports whether the tile of k, grown by fraction of a tile on each side, intersects
// one of areas, or one of them shifted by a full turn of longitude either way (a buffered tile at
// x = 0 reaches past -180, and a bound may be written as [170, 190]). Keys with a zoom beyond MaxZoom
// cannot be placed and are reported as touching, so they are dropped rather than left stale.
func cacheTileTouches(k Key, fraction float64, areas []orb.Bound) bool {
	if k.Z > MaxZoom {
		return true
	}
	tb := maptile.New(k.X, k.Y, maptile.Zoom(k.Z)).Bound(fraction)
	for _, a := range areas {
		for _, shift := range [...]float64{0, 360, -360} {
			s := orb.Bound{
				Min: orb.Point{a.Min[0] + shift, a.Min[1]},
				Max: orb.Point{a.Max[0] + shift, a.Max[1]},
			}
			if tb.Intersects(s) {
				return true
			}
		}
	}
	return false
}

// ETag returns a strong entity tag (quoted) derived only from body, so that replicas serving the
// same bytes agree: a quote, the first 16 hex digits of the SHA-256 of body, and a quote.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}
