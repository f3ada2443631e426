package tiles

import "github.com/paulmach/orb"

// points writes a selection of Points as point features, exactly as feature writes the same
// features given as GeoJSON: same projection and rounding, same key and value tables, same
// order, so the bytes agree whichever way a tile was built.
func (e *encoder) points(s *PointSelection) {
	set := s.set
	// Key indexes of the selected columns, assigned on the first non-nil value like encodeTags.
	kis := make([]uint32, len(s.cols))
	for j := range kis {
		kis[j] = noKey
	}
	for i, pos := range s.pos {
		p := orb.Point{set.lon[pos], set.lat[pos]}
		if !inBand(p[1]) {
			continue
		}
		x, y := e.project(p)
		if !e.inside(x, y) {
			continue
		}
		e.geom = e.geom[:0]
		e.cx, e.cy = 0, 0
		e.moveTo(orb.Point{round(x), round(y)})
		e.tags = e.tags[:0]
		for j, col := range s.cols {
			c := &set.cols[col]
			code := c.codes[pos]
			if code == 0 {
				continue
			}
			ki := kis[j]
			if ki == noKey {
				var found bool
				if ki, found = e.keyIdx[c.name]; !found {
					ki = uint32(len(e.keys))
					e.keys = append(e.keys, c.name)
					e.keyIdx[c.name] = ki
					e.keyStats = append(e.keyStats, keyStat{})
				}
				kis[j] = ki
			}
			e.tags = append(e.tags, ki, e.valueIndex(ki, c.dict[code]))
		}
		id := set.ids[s.pos[i]]
		e.writeFeature(uint64(id), id >= 0, geomPoint, e.tags)
	}
}
