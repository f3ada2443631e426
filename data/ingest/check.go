package ingest

import "github.com/paulmach/orb"

// CheckGeometry reports the first reason g is not a valid WGS84 geometry, as imports check
// every record's: see checkGeometry.
func CheckGeometry(g orb.Geometry) error { return checkGeometry(g) }
