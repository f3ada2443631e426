// Package geo holds the geometry plumbing of Harmattan: parsing the OGC API
// Features query parameters bbox (ParseBBox) and datetime (ParseInterval),
// decoding and encoding GeoPackage binary geometries (DecodeGPKG, EncodeGPKG)
// with their ISO / extended WKB payload, and reprojecting the coordinate
// reference systems the server supports to WGS84 lon/lat (ToWGS84, Reproject).
//
// Every error returned by this package starts with "geo: " and is written so
// that it can be shown as is to an API client as the description of a 400
// response. Nothing in this package panics on malformed input.
package geo
