package geo

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"
)

// ToWGS84 returns the projection from the coordinate reference system
// organization:code (as in gpkg_spatial_ref_sys) to WGS84 longitude/latitude.
// The organization is compared case-insensitively.
//
// It returns a nil projection, meaning identity, for EPSG:4326, for OGC:84
// (CRS84, the same axes as EPSG:4326 in GeoPackage) and for NONE:0, the
// GeoPackage "undefined geographic" CRS, whose coordinates are taken to be
// lon/lat already. It returns project.Mercator.ToWGS84 for spherical Web
// Mercator: EPSG:3857 and its old aliases EPSG:900913, EPSG:3785 and
// EPSG:102100, also accepted with organization ESRI, as is ESRI:102113.
// Every other CRS, NONE:-1 (undefined Cartesian) included, gives an error
// saying it is not supported.
func ToWGS84(organization string, code int64) (orb.Projection, error) {
	org := strings.ToUpper(strings.TrimSpace(organization))
	switch {
	case org == "EPSG" && code == 4326, org == "OGC" && code == 84, org == "NONE" && code == 0:
		return nil, nil
	case org == "EPSG" && (code == 3857 || code == 900913 || code == 3785 || code == 102100),
		org == "ESRI" && (code == 3857 || code == 102100 || code == 102113):
		return project.Mercator.ToWGS84, nil
	}
	return nil, fmt.Errorf("geo: coordinate reference system %s:%d is not supported (only EPSG:4326, OGC:84 (CRS84) and Web Mercator EPSG:3857 are)", organization, code)
}

// Reproject applies p to every coordinate of g and returns the result. A nil
// p is the identity and returns g unchanged; a nil g returns nil. It wraps
// project.Geometry, so like it the coordinates are changed in place (g's
// backing arrays are reused, not copied), an orb.Bound is reprojected by its
// corners, and a geometry type that is not orb's panics.
func Reproject(g orb.Geometry, p orb.Projection) orb.Geometry {
	if p == nil || g == nil {
		return g
	}
	return project.Geometry(g, p)
}

// FromWGS84 returns the projection from WGS84 longitude/latitude to the CRS
// organization:code: the inverse of ToWGS84, with the same nil-for-identity
// rule. It returns nil for CRSs that ToWGS84 refuses; callers check ToWGS84
// first.
func FromWGS84(organization string, code int64) orb.Projection {
	if p, err := ToWGS84(organization, code); err != nil || p == nil {
		return nil
	}
	return project.WGS84.ToMercator
}
