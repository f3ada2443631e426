package geo

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestToWGS84(t *testing.T) {
	cases := []struct {
		name     string
		org      string
		code     int64
		identity bool
	}{
		{"EPSG 4326", "EPSG", 4326, true},
		{"lower case epsg", "epsg", 4326, true},
		{"CRS84", "OGC", 84, true},
		{"undefined geographic", "NONE", 0, true},
		{"undefined geographic lower case", "none", 0, true},
		{"web mercator", "EPSG", 3857, false},
		{"google", "EPSG", 900913, false},
		{"old web mercator", "EPSG", 3785, false},
		{"esri code under EPSG", "EPSG", 102100, false},
		{"esri 102100", "ESRI", 102100, false},
		{"esri 102113", "ESRI", 102113, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ToWGS84(c.org, c.code)
			if err != nil {
				t.Fatal(err)
			}
			if (p == nil) != c.identity {
				t.Fatalf("projection nil = %v, want %v", p == nil, c.identity)
			}
			if p != nil {
				got := p(orb.Point{1113194.9079327357, 6800125.454397307})
				if math.Abs(got[0]-10) > 1e-9 || math.Abs(got[1]-52) > 1e-9 {
					t.Fatalf("projected to %v, want about (10 52)", got)
				}
			}
		})
	}
	bad := []struct {
		name string
		org  string
		code int64
	}{
		{"UTM", "EPSG", 32633},
		{"British grid", "EPSG", 27700},
		{"undefined cartesian", "NONE", -1},
		{"empty", "", 0},
		{"CRS84 under EPSG", "EPSG", 84},
		{"4326 under ESRI", "ESRI", 4326},
	}
	for _, c := range bad {
		t.Run("error/"+c.name, func(t *testing.T) {
			p, err := ToWGS84(c.org, c.code)
			if err == nil || p != nil {
				t.Fatalf("got %v, %v; want an error", p, err)
			}
			if !strings.HasPrefix(err.Error(), "geo: ") || !strings.Contains(err.Error(), "not supported") {
				t.Fatalf("error %q", err)
			}
		})
	}
}

func TestReproject(t *testing.T) {
	merc, err := ToWGS84("EPSG", 3857)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		g    orb.Geometry
		p    orb.Projection
		want orb.Geometry
	}{
		{"nil projection", orb.LineString{{1, 2}}, nil, orb.LineString{{1, 2}}},
		{"nil geometry", nil, merc, nil},
		{"point", orb.Point{0, 0}, merc, orb.Point{0, 0}},
		{"line", orb.LineString{{0, 0}, {20037508.342789244, 0}}, merc, orb.LineString{{0, 0}, {180, 0}}},
		{"collection", orb.Collection{orb.Point{-20037508.342789244, 0}}, merc, orb.Collection{orb.Point{-180, 0}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Reproject(c.g, c.p)
			if !orb.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestFromWGS84(t *testing.T) {
	cases := []struct {
		name     string
		org      string
		code     int64
		identity bool
	}{
		{"EPSG 4326", "EPSG", 4326, true},
		{"CRS84", "ogc", 84, true},
		{"web mercator", "EPSG", 3857, false},
		{"esri", "ESRI", 102100, false},
		{"unsupported gives nil", "EPSG", 32633, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := FromWGS84(c.org, c.code)
			if (p == nil) != c.identity {
				t.Fatalf("projection nil = %v, want %v", p == nil, c.identity)
			}
			if p == nil {
				return
			}
			back, err := ToWGS84(c.org, c.code)
			if err != nil {
				t.Fatal(err)
			}
			got := back(p(orb.Point{10, 52}))
			if math.Abs(got[0]-10) > 1e-9 || math.Abs(got[1]-52) > 1e-9 {
				t.Fatalf("round trip gave %v, want (10 52)", got)
			}
		})
	}
}
