package web

import (
	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data/ingest"
)

// validGeometry checks a written geometry as imports check theirs: finite coordinates within
// WGS84's range, closed rings of four points or more that do not cross themselves.
func validGeometry(g orb.Geometry) error { return ingest.CheckGeometry(g) }
