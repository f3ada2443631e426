package tiles

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// cacheTestKey is a one-layer MVT key for tile z/x/y.
func cacheTestKey(layers string, z, x, y uint32) Key {
	return Key{Layers: layers, Z: z, X: x, Y: y, Format: MVT, Scale: 1}
}

// cacheSizedEntry returns an entry whose charged size under k is exactly size bytes.
func cacheSizedEntry(k Key, size int) Entry {
	n := size - cacheEntryOverhead - len(k.Layers) - len(k.Filter)
	return Entry{Body: make([]byte, n)}
}

func TestCacheLRU(t *testing.T) {
	const size = 1000
	k := func(i uint32) Key { return cacheTestKey("incidents", 10, i, 0) }
	type op struct {
		put bool // else get
		key uint32
	}
	cases := []struct {
		name      string
		maxBytes  int64
		ops       []op
		want      []uint32 // keys still cached
		gone      []uint32
		evictions int64
	}{
		{
			name:     "fills without evicting",
			maxBytes: 3 * size,
			ops:      []op{{true, 1}, {true, 2}, {true, 3}},
			want:     []uint32{1, 2, 3},
		},
		{
			name:      "evicts oldest insert",
			maxBytes:  3 * size,
			ops:       []op{{true, 1}, {true, 2}, {true, 3}, {true, 4}},
			want:      []uint32{2, 3, 4},
			gone:      []uint32{1},
			evictions: 1,
		},
		{
			name:      "get refreshes recency",
			maxBytes:  3 * size,
			ops:       []op{{true, 1}, {true, 2}, {true, 3}, {false, 1}, {true, 4}},
			want:      []uint32{1, 3, 4},
			gone:      []uint32{2},
			evictions: 1,
		},
		{
			name:      "put of existing key refreshes and does not double count",
			maxBytes:  3 * size,
			ops:       []op{{true, 1}, {true, 2}, {true, 3}, {true, 1}, {true, 4}, {true, 5}},
			want:      []uint32{1, 4, 5},
			gone:      []uint32{2, 3},
			evictions: 2,
		},
		{
			name:      "bound below one entry keeps one less",
			maxBytes:  3*size - 1,
			ops:       []op{{true, 1}, {true, 2}, {true, 3}},
			want:      []uint32{2, 3},
			gone:      []uint32{1},
			evictions: 1,
		},
		{
			name:     "entry larger than the bound is not stored",
			maxBytes: size - 1,
			ops:      []op{{true, 1}},
			gone:     []uint32{1},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCache(tc.maxBytes)
			for _, o := range tc.ops {
				if o.put {
					c.Put(k(o.key), cacheSizedEntry(k(o.key), size))
				} else {
					c.Get(k(o.key))
				}
			}
			st := c.Stats()
			if st.Evictions != tc.evictions {
				t.Errorf("evictions = %d, want %d", st.Evictions, tc.evictions)
			}
			if st.Entries != len(tc.want) || st.Bytes != int64(len(tc.want)*size) {
				t.Errorf("stats = %+v, want %d entries of %d bytes", st, len(tc.want), size)
			}
			if st.Bytes > tc.maxBytes {
				t.Errorf("bytes %d over bound %d", st.Bytes, tc.maxBytes)
			}
			for _, i := range tc.want {
				if _, ok := c.Get(k(i)); !ok {
					t.Errorf("key %d evicted, want cached", i)
				}
			}
			for _, i := range tc.gone {
				if _, ok := c.Get(k(i)); ok {
					t.Errorf("key %d cached, want evicted", i)
				}
			}
		})
	}
}

func TestCacheHitMiss(t *testing.T) {
	c := NewCache(1 << 20)
	k := cacheTestKey("incidents", 3, 1, 2)
	body := []byte("tile")
	want := Entry{Body: body, ETag: ETag(body)}

	if _, ok := c.Get(k); ok {
		t.Fatal("hit on an empty cache")
	}
	c.Put(k, want)
	got, ok := c.Get(k)
	if !ok || string(got.Body) != "tile" || got.ETag != want.ETag || got.Empty {
		t.Fatalf("Get = %+v, %v; want %+v, true", got, ok, want)
	}

	keys := []struct {
		name string
		key  Key
	}{
		{"other format", Key{Layers: "incidents", Z: 3, X: 1, Y: 2, Format: PNG, Scale: 1}},
		{"other scale", Key{Layers: "incidents", Z: 3, X: 1, Y: 2, Format: MVT, Scale: 2}},
		{"other filter", Key{Layers: "incidents", Z: 3, X: 1, Y: 2, Format: MVT, Scale: 1, Filter: "datetime=2024"}},
		{"other layers", cacheTestKey("incidents,regions", 3, 1, 2)},
		{"other tile", cacheTestKey("incidents", 3, 2, 1)},
	}
	for _, tc := range keys {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := c.Get(tc.key); ok {
				t.Errorf("hit for %+v", tc.key)
			}
		})
	}
	c.Get(k)
	st := c.Stats()
	if st.Hits != 2 || st.Misses != int64(1+len(keys)) || st.Entries != 1 {
		t.Errorf("stats = %+v, want 2 hits, %d misses, 1 entry", st, 1+len(keys))
	}
	empty := cacheTestKey("incidents", 3, 0, 0)
	c.Put(empty, Entry{Empty: true})
	if e, ok := c.Get(empty); !ok || !e.Empty {
		t.Errorf("empty tile: Get = %+v, %v", e, ok)
	}
}

func TestCacheDisabled(t *testing.T) {
	cases := []struct {
		name  string
		cache *Cache
	}{
		{"zero", NewCache(0)},
		{"negative", NewCache(-5)},
		{"nil", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := cacheTestKey("incidents", 0, 0, 0)
			tc.cache.Put(k, Entry{Body: []byte("x")})
			if _, ok := tc.cache.Get(k); ok {
				t.Error("disabled cache hit")
			}
			if n := tc.cache.Invalidate("incidents", 64, orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}); n != 0 {
				t.Errorf("Invalidate dropped %d", n)
			}
			st := tc.cache.Stats()
			if st.Entries != 0 || st.Bytes != 0 || st.Hits != 0 {
				t.Errorf("stats = %+v", st)
			}
		})
	}
}

// cacheLonLatAt returns the WGS84 point at fractional tile coordinates (fx, fy) of zoom z.
func cacheLonLatAt(fx, fy float64, z uint32) orb.Point {
	n := math.Exp2(float64(z))
	lon := fx/n*360 - 180
	lat := math.Atan(math.Sinh(math.Pi*(1-2*fy/n))) * 180 / math.Pi
	return orb.Point{lon, lat}
}

// cacheFractionAt returns the fractional tile coordinates of ll on a grid of n×n tiles, latitude clamped
// to the Web Mercator range and longitude not wrapped.
func cacheFractionAt(ll orb.Point, n float64) orb.Point {
	lat := math.Max(math.Min(ll[1], cacheMaxLat), -cacheMaxLat) * math.Pi / 180
	return orb.Point{(ll[0] + 180) / 360 * n, (1 - math.Asinh(math.Tan(lat))/math.Pi) / 2 * n}
}

// cacheTouchesOracle decides independently of Invalidate, in fractional tile space, whether tile t
// grown by buffer/4096 of a tile touches b (with longitudes wrapping and latitudes clamped).
func cacheTouchesOracle(tile maptile.Tile, buffer int, b orb.Bound) bool {
	var parts []orb.Bound
	if b.Min[0] > b.Max[0] {
		parts = []orb.Bound{
			{Min: b.Min, Max: orb.Point{180, b.Max[1]}},
			{Min: orb.Point{-180, b.Min[1]}, Max: b.Max},
		}
	} else {
		parts = []orb.Bound{b}
	}
	f := float64(buffer) / 4096
	n := math.Exp2(float64(tile.Z))
	for _, p := range parts {
		lo := cacheFractionAt(orb.Point{p.Min[0], p.Max[1]}, n)
		hi := cacheFractionAt(orb.Point{p.Max[0], p.Min[1]}, n)
		for _, shift := range []float64{-n, 0, n} {
			if float64(tile.X)-f <= hi[0]+shift && float64(tile.X)+1+f >= lo[0]+shift &&
				math.Max(float64(tile.Y)-f, 0) <= hi[1] && math.Min(float64(tile.Y)+1+f, n) >= lo[1] {
				return true
			}
		}
	}
	return false
}

func TestCacheInvalidate(t *testing.T) {
	const buffer = 64 // of 4096: 1/64 of a tile
	niamey := orb.Point{2.1254, 13.5116}
	// A point 0.3 of the buffer west of the east edge of its z12 tile.
	z12 := maptile.At(niamey, 12)
	nearEdge := cacheLonLatAt(float64(z12.X)+1-0.3*buffer/4096, float64(z12.Y)+0.37, 12)

	cases := []struct {
		name   string
		buffer int
		bound  orb.Bound
		anchor []orb.Point // where to place the cached tiles, besides the bound's corners
		check  func(t *testing.T, c *Cache, z uint32)
	}{
		{
			name:   "small box around a point",
			buffer: buffer,
			bound:  orb.Bound{Min: orb.Point{2.12, 13.51}, Max: orb.Point{2.13, 13.52}},
			check: func(t *testing.T, c *Cache, z uint32) {
				in := maptile.At(niamey, maptile.Zoom(z))
				if _, ok := c.Get(cacheTestKey("incidents", z, in.X, in.Y)); ok {
					t.Errorf("z%d: tile holding the change still cached", z)
				}
				east := maptile.At(orb.Point{2.13, 13.52}, maptile.Zoom(z))
				if z >= 2 && east.X+2 < 1<<z {
					far := cacheTestKey("incidents", z, east.X+2, east.Y)
					if _, ok := c.Get(far); !ok {
						t.Errorf("z%d: tile two columns away dropped", z)
					}
				}
			},
		},
		{
			name:   "point within buffer of the neighbour",
			buffer: buffer,
			bound:  orb.Bound{Min: nearEdge, Max: nearEdge},
			check: func(t *testing.T, c *Cache, z uint32) {
				if z != 12 {
					return
				}
				if _, ok := c.Get(cacheTestKey("incidents", 12, z12.X+1, z12.Y)); ok {
					t.Error("east neighbour within the buffer still cached")
				}
				if _, ok := c.Get(cacheTestKey("incidents", 12, z12.X-1, z12.Y)); !ok {
					t.Error("west neighbour dropped")
				}
			},
		},
		{
			name:   "same point without buffer",
			buffer: 0,
			bound:  orb.Bound{Min: nearEdge, Max: nearEdge},
			check: func(t *testing.T, c *Cache, z uint32) {
				if z == 12 {
					if _, ok := c.Get(cacheTestKey("incidents", 12, z12.X+1, z12.Y)); !ok {
						t.Error("east neighbour beyond a zero buffer dropped")
					}
				}
			},
		},
		{
			name:   "crossing the antimeridian",
			buffer: buffer,
			bound:  orb.Bound{Min: orb.Point{179.9, -17.1}, Max: orb.Point{-179.9, -16.9}},
			anchor: []orb.Point{{0, -17}},
			check: func(t *testing.T, c *Cache, z uint32) {
				west := maptile.At(orb.Point{-179.95, -17}, maptile.Zoom(z))
				east := maptile.At(orb.Point{179.95, -17}, maptile.Zoom(z))
				for _, tl := range []maptile.Tile{west, east} {
					if _, ok := c.Get(cacheTestKey("incidents", z, tl.X, tl.Y)); ok {
						t.Errorf("z%d: tile %v at the antimeridian still cached", z, tl)
					}
				}
				if z >= 2 {
					mid := maptile.At(orb.Point{0, -17}, maptile.Zoom(z))
					if _, ok := c.Get(cacheTestKey("incidents", z, mid.X, mid.Y)); !ok {
						t.Errorf("z%d: tile at the meridian dropped", z)
					}
				}
			},
		},
		{
			name:   "longitudes past 180",
			buffer: 0,
			bound:  orb.Bound{Min: orb.Point{179.9, 10}, Max: orb.Point{180.1, 10.1}},
			check: func(t *testing.T, c *Cache, z uint32) {
				west := maptile.At(orb.Point{-179.95, 10.05}, maptile.Zoom(z))
				if _, ok := c.Get(cacheTestKey("incidents", z, west.X, west.Y)); ok {
					t.Errorf("z%d: wrapped tile %v still cached", z, west)
				}
			},
		},
		{
			name:   "world",
			buffer: buffer,
			bound:  orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}},
			anchor: []orb.Point{{2, 13}, {-100, 40}, {150, -40}},
			check: func(t *testing.T, c *Cache, z uint32) {
				for _, e := range c.keys() {
					if e.Layers == "incidents" {
						t.Errorf("%+v survived a world invalidation", e)
					}
				}
			},
		},
		{
			name:   "near the pole",
			buffer: 0,
			bound:  orb.Bound{Min: orb.Point{10, 88}, Max: orb.Point{10.1, 89}},
			anchor: []orb.Point{{10, 60}},
			check: func(t *testing.T, c *Cache, z uint32) {
				top := maptile.At(orb.Point{10.05, 89}, maptile.Zoom(z))
				if top.Y != 0 {
					t.Fatalf("z%d: top tile Y = %d", z, top.Y)
				}
				if _, ok := c.Get(cacheTestKey("incidents", z, top.X, 0)); ok {
					t.Errorf("z%d: top-row tile still cached", z)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCache(1 << 30)
			anchors := append([]orb.Point{tc.bound.Min, tc.bound.Max, niamey}, tc.anchor...)
			put := map[maptile.Tile]bool{}
			for z := uint32(0); z <= 18; z++ {
				n := int64(1) << z
				for _, a := range anchors {
					at := maptile.At(a, maptile.Zoom(z))
					for dx := int64(-2); dx <= 2; dx++ {
						for dy := int64(-2); dy <= 2; dy++ {
							x, y := int64(at.X)+dx, int64(at.Y)+dy
							if x < 0 || y < 0 || x >= n || y >= n {
								continue
							}
							tl := maptile.New(uint32(x), uint32(y), maptile.Zoom(z))
							if put[tl] {
								continue
							}
							put[tl] = true
							c.Put(cacheTestKey("incidents", z, tl.X, tl.Y), Entry{Body: []byte("i")})
							c.Put(cacheTestKey("regions", z, tl.X, tl.Y), Entry{Body: []byte("r")})
						}
					}
				}
			}
			wantDropped := 0
			for tl := range put {
				if cacheTouchesOracle(tl, tc.buffer, tc.bound) {
					wantDropped++
				}
			}
			if wantDropped == 0 {
				t.Fatal("oracle expects nothing dropped: bad case")
			}
			got := c.Invalidate("incidents", tc.buffer, tc.bound)
			if got != wantDropped {
				t.Errorf("Invalidate dropped %d tiles, want %d", got, wantDropped)
			}
			for tl := range put {
				_, cached := c.Get(cacheTestKey("incidents", uint32(tl.Z), tl.X, tl.Y))
				if want := !cacheTouchesOracle(tl, tc.buffer, tc.bound); cached != want {
					t.Errorf("tile %d/%d/%d cached = %v, want %v", tl.Z, tl.X, tl.Y, cached, want)
				}
				if _, ok := c.Get(cacheTestKey("regions", uint32(tl.Z), tl.X, tl.Y)); !ok {
					t.Errorf("regions tile %d/%d/%d dropped by an incidents change", tl.Z, tl.X, tl.Y)
				}
			}
			for z := uint32(0); z <= 18; z++ {
				tc.check(t, c, z)
			}
		})
	}
}

// keys returns the cached keys, most recently used first.
func (c *Cache) keys() []Key {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ks []Key
	for el := c.lru.Front(); el != nil; el = el.Next() {
		ks = append(ks, el.Value.(*cacheItem).key)
	}
	return ks
}

func TestCacheInvalidateLayers(t *testing.T) {
	everywhere := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	all := []string{"incidents", "regions", "incidents,regions", "incidents_archive", "camps,regions,roads"}
	cases := []struct {
		name  string
		layer string
		want  []string // layer lists dropped
	}{
		{"incidents", "incidents", []string{"incidents", "incidents,regions"}},
		{"regions", "regions", []string{"regions", "incidents,regions", "camps,regions,roads"}},
		{"no substring match", "incident", nil},
		{"unknown", "roadsx", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCache(1 << 20)
			for _, l := range all {
				c.Put(cacheTestKey(l, 4, 8, 7), Entry{Body: []byte(l)})
			}
			if n := c.Invalidate(tc.layer, 0, everywhere); n != len(tc.want) {
				t.Errorf("dropped %d, want %d", n, len(tc.want))
			}
			for _, l := range all {
				_, cached := c.Get(cacheTestKey(l, 4, 8, 7))
				dropped := strings.Contains("|"+strings.Join(tc.want, "|")+"|", "|"+l+"|")
				if cached == dropped {
					t.Errorf("%q cached = %v, want %v", l, cached, !dropped)
				}
			}
		})
	}
}

func TestCacheInvalidateEdges(t *testing.T) {
	cases := []struct {
		name   string
		bounds []orb.Bound
		want   int
	}{
		{"no bounds", nil, 0},
		{"NaN bound", []orb.Bound{{Min: orb.Point{math.NaN(), 0}, Max: orb.Point{1, 1}}}, 0},
		{"infinite bound", []orb.Bound{{Min: orb.Point{math.Inf(-1), math.Inf(-1)}, Max: orb.Point{math.Inf(1), math.Inf(1)}}}, 4},
		{"old and new bounds", []orb.Bound{{Min: orb.Point{-100, 40}, Max: orb.Point{-99, 41}}, {Min: orb.Point{100, -40}, Max: orb.Point{101, -39}}}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCache(1 << 20)
			for x := uint32(0); x < 2; x++ {
				for y := uint32(0); y < 2; y++ {
					c.Put(cacheTestKey("incidents", 1, x, y), Entry{Body: []byte("t")})
				}
			}
			if n := c.Invalidate("incidents", 0, tc.bounds...); n != tc.want {
				t.Errorf("dropped %d, want %d", n, tc.want)
			}
			if st := c.Stats(); st.Entries != 4-tc.want || st.Bytes != int64(4-tc.want)*(cacheEntryOverhead+1+int64(len("incidents"))) {
				t.Errorf("stats after invalidate = %+v", st)
			}
		})
	}
}

func TestCacheConcurrent(t *testing.T) {
	const maxBytes = 64 * 1024
	c := NewCache(maxBytes)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := cacheTestKey("incidents", uint32(i%10), uint32(i%7), uint32(g))
				switch i % 5 {
				case 0, 1:
					c.Put(k, Entry{Body: make([]byte, i%500)})
				case 2, 3:
					c.Get(k)
				default:
					if i%50 == 4 {
						c.Invalidate("incidents", 64, orb.Bound{Min: orb.Point{-10, -10}, Max: orb.Point{10, 10}})
					}
					c.Stats()
				}
			}
		})
	}
	wg.Wait()
	st := c.Stats()
	if st.Bytes > maxBytes || st.Entries != len(c.keys()) {
		t.Errorf("inconsistent after concurrent use: %+v, %d keys", st, len(c.keys()))
	}
	var sum int64
	for _, k := range c.keys() {
		e, _ := c.Get(k)
		sum += cacheEntrySize(k, e)
	}
	if sum != st.Bytes {
		t.Errorf("bytes = %d, sum of entries = %d", st.Bytes, sum)
	}
}

func TestETag(t *testing.T) {
	cases := []struct {
		name string
		a, b []byte
		same bool
	}{
		{"same bytes", []byte("abc"), []byte("abc"), true},
		{"different bytes", []byte("abc"), []byte("abd"), false},
		{"empty and nil", []byte{}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ea, eb := ETag(tc.a), ETag(tc.b)
			if (ea == eb) != tc.same {
				t.Errorf("ETag(%q) = %s, ETag(%q) = %s", tc.a, ea, tc.b, eb)
			}
			if len(ea) != 18 || ea[0] != '"' || ea[17] != '"' || strings.HasPrefix(ea, `W/`) {
				t.Errorf("ETag %s is not a quoted strong tag of 16 hex digits", ea)
			}
		})
	}
	// sha256("") starts with e3b0c44298fc1c14.
	if got := ETag(nil); got != `"e3b0c44298fc1c14"` {
		t.Errorf(`ETag(nil) = %s, want "e3b0c44298fc1c14"`, got)
	}
}

func BenchmarkCacheGet(b *testing.B) {
	c := NewCache(64 << 20)
	keys := make([]Key, 4096)
	for i := range keys {
		keys[i] = Key{Layers: "incidents,regions", Z: 12, X: uint32(i), Y: 7, Filter: "datetime=2024-01-01/.."}
		c.Put(keys[i], Entry{Body: make([]byte, 2048), ETag: `"0123456789abcdef"`})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, ok := c.Get(keys[i%len(keys)]); !ok {
			b.Fatal("miss")
		}
	}
}

func BenchmarkCachePut(b *testing.B) {
	c := NewCache(4 << 20) // about 1800 entries of 2 KiB: steady-state eviction
	body := make([]byte, 2048)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Put(Key{Layers: "incidents", Z: 14, X: uint32(i), Y: uint32(i >> 8)}, Entry{Body: body})
	}
}

func BenchmarkCacheInvalidate(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n, "entries"), func(b *testing.B) {
			c := NewCache(1 << 30)
			b.ReportAllocs()
			bound := orb.Bound{Min: orb.Point{50, 50}, Max: orb.Point{50.1, 50.1}} // touches none of the tiles below
			for i := range n {
				z := uint32(4 + i%14)
				c.Put(cacheTestKey("incidents", z, uint32(i)%(1<<z), 0), Entry{Body: []byte("x")})
			}
			for b.Loop() {
				c.Invalidate("incidents", 64, bound)
			}
		})
	}
}

func TestCacheClear(t *testing.T) {
	c := NewCache(1 << 20)
	for i := range uint32(10) {
		c.Put(cacheTestKey("incidents", 5, i, 0), Entry{Body: []byte("tile"), ETag: ETag([]byte("tile"))})
	}
	c.Clear()
	if st := c.Stats(); st.Entries != 0 || st.Bytes != 0 {
		t.Fatalf("after Clear: %+v", st)
	}
	if _, ok := c.Get(cacheTestKey("incidents", 5, 3, 0)); ok {
		t.Fatal("a tile survived Clear")
	}
	c.Put(cacheTestKey("incidents", 5, 3, 0), Entry{Body: []byte("tile")})
	if _, ok := c.Get(cacheTestKey("incidents", 5, 3, 0)); !ok {
		t.Fatal("the cache does not work after Clear")
	}
	var none *Cache
	none.Clear() // a nil cache is a disabled one
}
