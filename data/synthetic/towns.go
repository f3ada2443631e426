package synthetic

// town is a real Malian town that incidents cluster around. Positions are in microdegrees
// (WGS84), sigma is the spread of its cluster in microdegrees and weight its share of the
// clustered incidents in per mille.
type town struct {
	name, admin1, admin2 string
	lon, lat             int64
	sigma                int64
	weight               uint64
}

// towns returns the towns, more of the weight in central Mali (Mopti region) where most
// incidents of the last decade happened. Positions are those of the gazetteer the seed layers
// were authored from (GeoNames, Wikipedia), except Kayes and Sikasso which it lacks (two
// decimals). admin1 is the
// region as in the curated seed layer (pre-2023 regions, Ménaka as split from Gao in 2016),
// admin2 the cercle.
func towns() []town {
	return []town{
		{name: "Mopti", admin1: "Mopti", admin2: "Mopti", lon: -4183000, lat: 14484300, sigma: 250000, weight: 130},
		{name: "Sévaré", admin1: "Mopti", admin2: "Mopti", lon: -4100000, lat: 14533000, sigma: 100000, weight: 50},
		{name: "Moura", admin1: "Mopti", admin2: "Djenné", lon: -4600000, lat: 14327800, sigma: 100000, weight: 40},
		{name: "Djenné", admin1: "Mopti", admin2: "Djenné", lon: -4553300, lat: 13906100, sigma: 150000, weight: 50},
		{name: "Bandiagara", admin1: "Mopti", admin2: "Bandiagara", lon: -3610400, lat: 14350100, sigma: 250000, weight: 90},
		{name: "Douentza", admin1: "Mopti", admin2: "Douentza", lon: -2949800, lat: 15001600, sigma: 300000, weight: 70},
		{name: "Niono", admin1: "Ségou", admin2: "Niono", lon: -5993000, lat: 14252600, sigma: 250000, weight: 60},
		{name: "Ségou", admin1: "Ségou", admin2: "Ségou", lon: -6259500, lat: 13440300, sigma: 250000, weight: 60},
		{name: "Timbuktu", admin1: "Tombouctou", admin2: "Tombouctou", lon: -3007400, lat: 16773500, sigma: 300000, weight: 90},
		{name: "Gao", admin1: "Gao", admin2: "Gao", lon: -44700, lat: 16271700, sigma: 300000, weight: 90},
		{name: "Ménaka", admin1: "Ménaka", admin2: "Ménaka", lon: 2402200, lat: 15918200, sigma: 300000, weight: 80},
		{name: "Kidal", admin1: "Kidal", admin2: "Kidal", lon: 1407800, lat: 18441100, sigma: 300000, weight: 60},
		{name: "Bamako", admin1: "Bamako District", admin2: "Bamako", lon: -8000000, lat: 12650000, sigma: 150000, weight: 80},
		{name: "Kayes", admin1: "Kayes", admin2: "Kayes", lon: -11440000, lat: 14450000, sigma: 200000, weight: 20},
		{name: "Sikasso", admin1: "Sikasso", admin2: "Sikasso", lon: -5670000, lat: 11320000, sigma: 200000, weight: 30},
	}
}

// nearest returns the index of the town nearest to (lon, lat), in microdegrees, by distance
// in degrees (no cos(lat) correction: the towns lie between 11°N and 19°N).
func nearest(ts []town, lon, lat int64) int {
	best, bestD := 0, int64(-1)
	for i := range ts {
		dx, dy := lon-ts[i].lon, lat-ts[i].lat
		if d := dx*dx + dy*dy; bestD < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best
}
