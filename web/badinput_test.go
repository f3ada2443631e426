package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/seed"
)

// badCase is one malformed or hostile request and the status it must get.
type badCase struct {
	group  string // what it attacks, for the count and the messages
	method string
	target string // the request-target exactly as sent
	body   string
	// header pairs are name, value, applied after the defaults (writes get a Content-Type of
	// application/geo+json and the admin token); an empty value removes the header.
	header   []string
	status   int
	readOnly bool   // sent to the server without tokens instead of the writable one
	from     string // the client's address; "" gives the case an address of its own
}

const (
	itemsURL   = "/collections/incidents/items"
	feature1   = "/collections/incidents/items/1"
	tile000    = "/tiles/incidents/0/0/0.mvt"
	ogcTileURL = "/collections/incidents/tiles/WebMercatorQuad"
	// Full-width, Arabic-Indic and superscript digits, bidi and zero-width characters, a
	// combining accent and an overlong (invalid) UTF-8 encoding of "1", percent-encoded.
	fullWidth1 = "%EF%BC%91"
	arabic1    = "%D9%A1"
	super1     = "%C2%B9"
	rtlOver    = "%E2%80%AE"
	zwj        = "%E2%80%8D"
	zwsp       = "%E2%80%8B"
	combining  = "%CC%81"
	overlong1  = "%C0%B1"
)

func badGet(group, target string, status int, header ...string) badCase {
	return badCase{group: group, method: http.MethodGet, target: target, status: status, header: header}
}

func badHead(group, target string, status int) badCase {
	return badCase{group: group, method: http.MethodHead, target: target, status: status}
}

func badWrite(group, method, target, body string, status int, header ...string) badCase {
	return badCase{group: group, method: method, target: target, body: body, status: status, header: header}
}

// feat is a GeoJSON Feature with the given geometry and properties (JSON text).
func feat(geometry, properties string) string {
	return `{"type":"Feature","geometry":` + geometry + `,"properties":` + properties + `}`
}

// point is an incident at lon, lat written as given (so that it can be any JSON text).
func point(lon, lat string) string {
	return feat(`{"type":"Point","coordinates":[`+lon+`,`+lat+`]}`, `{"event_type":"Battles"}`)
}

// withProp is a valid incident with one more property, written as given.
func withProp(name, value string) string {
	return feat(`{"type":"Point","coordinates":[-4,14]}`, `{"event_type":"Battles",`+name+`:`+value+`}`)
}

// region is a regions feature with one polygon ring of the given coordinates.
func region(ring string) string {
	return feat(`{"type":"Polygon","coordinates":[`+ring+`]}`, `{"name":"Test"}`)
}

// badInputCases is the corpus: every request must get exactly its status, and every error a
// JSON exception.
func badInputCases() []badCase {
	var cs []badCase
	add := func(c ...badCase) { cs = append(cs, c...) }
	q := func(group, query string, status int) badCase { return badGet(group, itemsURL+"?"+query, status) }

	// bbox: 4 or 6 plain decimal numbers within WGS84, min ≤ max latitude and height.
	for _, v := range []string{
		"1,2,3", "1,2,3,4,5", "1,2,3,4,5,6,7", "", ",,,", "a,b,c,d", "NaN,0,1,1", "Inf,0,1,1",
		"0,0,%2BInf,1", "-Inf,0,1,1", "1e309,0,1,1", "-0x1p3,0,1,1", "0x10,0,1,1", "1_0,0,1,1",
		"0,0,181,1", "-180.0001,0,1,1", "0,-91,1,1", "0,0,1,90.5", "0,10,1,5", "0,0,5,1,1,-5",
		"0,,1,1", "0,0,1,1,", "99999999999999999999,0,1,1", fullWidth1 + ",0,1,1", arabic1 + ",0,1,1",
		"1" + zwsp + ",0,1,1", rtlOver + "1,0,1,1", "1" + combining + ",0,1,1", overlong1 + ",0,1,1",
		"0,0,1,1;DROP%20TABLE%20incidents", "0,0,1,1%27%20OR%201=1--", "0%2C0%2C1", "[0,0,1,1]",
		"0,0,1,1&bbox=2,2,3,3", "0%200%201%201", "1.2.3,0,1,1", "--1,0,1,1", "1e,0,1,1", ".,0,1,1",
	} {
		add(q("items bbox", "bbox="+v, 400))
	}

	// datetime: RFC 3339 instants and intervals only.
	for _, v := range []string{
		"yesterday", "2022-02-30", "2022-13-01", "2022-00-10", "2022-01-01T25:00:00Z",
		"2022-01-01T10:00:00%2B25:00", "99999-01-01", "-2022-01-01", "2022-01-01/2021-01-01",
		"2022-01-01/2022-02-01/2022-03-01", "..", "", "NaN", "Inf", "2022-01-01%27%20OR%201=1--",
		"%D9%A2%D9%A0%D9%A2%D9%A2-01-01", "%EF%BC%92022-01-01", "2022-01-01" + zwj, rtlOver + "2022-01-01",
		"2022-01-01T10:00:00", "1648684800", "2022-01-01/yesterday", "%00",
	} {
		add(q("items datetime", "datetime="+v, 400))
	}

	// limit: an integer of at least 1 (larger ones are clamped, not refused).
	for _, v := range []string{
		"0", "-1", "-0", "abc", "1e3", "1.5", "99999999999999999999", "", "%20", "NaN", "Inf",
		"%2BInf", "-Inf", "0x10", "-0x1p3", "1_000", fullWidth1 + fullWidth1, arabic1, super1,
		"1" + zwsp, rtlOver + "01", "1" + combining, overlong1, "%zz", "%", "%1", "1;2", "1%00",
		"1,2", "%2D1",
	} {
		add(q("items limit", "limit="+v, 400))
	}
	add(q("items limit", "limit=1&limit=2", 400))

	// offset and cursor: non-negative integers, a cursor only as this server made it.
	for _, v := range []string{"-1", "abc", "1e2", "99999999999999999999", "4294967296", "NaN", "", fullWidth1, "1" + zwsp} {
		add(q("items offset", "offset="+v, 400))
	}
	for _, v := range []string{"abc", "-1-5", "5", "5-", "-5", "5-99999999999999999999", "1-1%27%20OR%201=1", "", "1-%EF%BC%91", "0x1-2", "1--2"} {
		add(q("items cursor", "cursor="+v, 400))
	}
	add(q("items cursor", "offset=0&cursor=0-0", 400))

	// properties: known property names only.
	for _, v := range []string{"nope", "fatalities,nope", "fatalities;DROP%20TABLE%20incidents", "*", "geometry", "id",
		"%22fatalities%22", "fatalities%00", "FATALITIES", "fatalities%E2%80%8B", "fatalities)%20FROM%20incidents;--", "..%2F..%2Fetc%2Fpasswd"} {
		add(q("items properties", "properties="+v, 400))
	}

	// f: json, html or csv.
	for _, v := range []string{"xml", "", "JSON", "pdf", "..%2F..%2Fetc%2Fpasswd", "json%00", "json" + zwsp} {
		add(q("items f", "f="+v, 400))
	}
	add(q("items f", "f=json&f=html", 400))

	// Property filters: values must parse as the property's type; SQL stays a value.
	for _, v := range []string{
		"fatalities=1%20OR%201=1", "fatalities=1;DROP%20TABLE%20incidents", "fatalities=1)%20OR%20(1=1",
		"fatalities=abc", "fatalities=1e309", "fatalities=99999999999999999999", "fatalities=NaN",
		"fatalities=Inf", "fatalities=0x10", "fatalities=1.5", "fatalities=" + fullWidth1, "fatalities=" + arabic1,
		"fatalities=1" + combining, "fatalities=" + overlong1, "fatalities=-0x1p3", "fatalities=",
		"geo_precision=1%27--", "event_date=2022-02-30", "event_date=2022-01-01%27%20OR%20%271%27=%271",
		"event_date=today", "event_type=Battles&event_type=Riots",
		// An unescaped ';' makes the query malformed (url.ParseQuery), not a filter that is dropped.
		"event_type=%27;%20DROP%20TABLE%20incidents;--", "event_type=x;fatalities=1",
		// Text values that no database stores as text: invalid UTF-8 and NUL.
		"event_type=%FF", "event_type=Battles%00", "event_type=" + overlong1, "event_type=%ED%A0%80",
		// Dates in a year PostgreSQL does not have.
		"event_date=0000-01-01", "event_date=0000-02-29",
	} {
		add(q("items filters", v, 400))
	}
	add(badGet("items filters", "/collections/regions/items?approximate=maybe", 400),
		badGet("items filters", "/collections/regions/items?approximate=1%20OR%201=1", 400),
		badGet("items filters", "/collections/bases/items?opened=2022-02-29", 400),
		badGet("items filters", "/collections/bases/items?opened=0000-12-31", 400))

	// Unknown parameters (sortby, CQL filter and CRS are not offered): OGC API says 400.
	for _, v := range []string{
		"colour=red", "sortby=fatalities", "sortby=-fatalities;DROP%20TABLE%20incidents", "filter=fatalities%3E1",
		"filter-lang=cql2-text", "crs=EPSG:3857", "bbox-crs=EPSG:4326", "1%3D1=1", "fatalities%20OR%201=1=1",
		"=", "a;b=1", "%FF=1", "fatalities%00=1", "Fatalities=1", "event_type%E2%80%8B=Battles", "limit%20=1",
		"__proto__=1", "f%00=json",
	} {
		add(q("items unknown parameters", v, 400))
	}

	// Collections and features that do not exist, however they are spelled.
	for _, p := range []string{
		"/collections/nope", "/collections/nope/items", "/collections/INCIDENTS/items", "/collections/incidents%00/items",
		"/collections/%FF/items", "/collections/\xff/items", "/collections/..%2F..%2Fetc%2Fpasswd/items",
		"/collections/incidents%27%20OR%201=1--/items", "/collections/%2e%2e/items", "/collections/nope/download",
		"/collections/incidents/items/0", "/collections/incidents/items/-1", "/collections/incidents/items/abc",
		"/collections/incidents/items/1e3", "/collections/incidents/items/99999999999999999999",
		"/collections/incidents/items/1%20OR%201=1", "/collections/incidents/items/0x1", "/collections/incidents/items/999999",
		"/collections/incidents/items/" + fullWidth1, "/collections/incidents/items/1.0", "/collections/incidents/items/%2B1",
		"/collections/incidents/items/1/extra", "/nope", "/collections/incidents/nope", "/api/../../etc/passwd",
	} {
		add(badGet("unknown resources", p, 404))
	}
	add(badGet("unknown resources", "/collections/nope?f=html", 404),
		badGet("unknown resources", "/collections/nope", 404, "Accept", "text/html"))

	// Parameters of the other read routes.
	for _, p := range []string{
		"/collections/incidents/items/1?f=xml", "/collections/incidents/items/1?limit=1", "/collections/incidents?f=xml",
		"/collections/incidents?bbox=0,0,1,1", "/collections?limit=10", "/collections?f=csv", "/conformance?x=1",
		"/?f=pdf", "/?f=%00", "/conformance?f=xml", "/api?x=1", "/api?f=xml", "/collections/incidents/download?f=shp", "/collections/incidents/download?f=csv&x=1",
		"/collections/incidents/download?f=..%2F..%2Fgo.mod", "/collections/incidents/items?%zz",
	} {
		add(badGet("other read parameters", p, 400))
	}

	// XYZ tiles: z/x/y within the zoom's range, a known extension, no composite PNG.
	for _, p := range []string{
		"/tiles/incidents/99/0/0.mvt", "/tiles/incidents/25/0/0.mvt", "/tiles/incidents/-1/0/0.mvt",
		"/tiles/incidents/0/-1/0.mvt", "/tiles/incidents/0/0/-1.mvt", "/tiles/incidents/1/2/0.mvt",
		"/tiles/incidents/1/0/2.mvt", "/tiles/incidents/3/8/8.mvt", "/tiles/incidents/0/4294967296/0.mvt",
		"/tiles/incidents/0/0/0.jpg", "/tiles/incidents/0/0/0", "/tiles/incidents/0/0/0.", "/tiles/incidents/0/0/0.mvt.gz",
		"/tiles/incidents/0/0/0@3x.png", "/tiles/incidents/0/0/0@2x.mvt", "/tiles/incidents/a/0/0.mvt",
		"/tiles/incidents/1e1/0/0.mvt", "/tiles/incidents/99999999999999999999/0/0.mvt", "/tiles/incidents/0x1/0/0.mvt",
		"/tiles/incidents/" + fullWidth1 + "/0/0.mvt", "/tiles/incidents/NaN/0/0.mvt", "/tiles/incidents/%2B1/0/0.mvt",
		"/tiles/incidents/%201/0/0.mvt", "/tiles/incidents/1" + zwsp + "/0/0.mvt", "/tiles/incidents/0/0/" + overlong1 + ".mvt",
		"/tiles/0/0/0.png", "/tiles/0/0/0@2x.png", "/tiles/99/0/0.mvt", "/tiles/../../etc/passwd",
		"/tiles/..%2f..%2fetc/passwd/0/0.mvt", "/tiles/incidents/0/0/0.mvt/..",
	} {
		add(badGet("tiles address", p, 400))
	}
	layers17 := strings.TrimSuffix(strings.Repeat("incidents,bases,", 9), ",bases,")
	for _, p := range []string{
		tile000 + "?fatalities=1%20OR%201=1", tile000 + "?fatalities=NaN", tile000 + "?datetime=bad",
		tile000 + "?datetime=2022-01-01/2021-01-01", tile000 + "?properties=nope", tile000 + "?colour=red",
		tile000 + "?layers=bases", tile000 + "?bbox=0,0,1,1", tile000 + "?limit=1", tile000 + "?%zz",
		tile000 + "?event_type=%FF", tile000 + "?event_type=%00", tile000 + "?event_date=0000-01-01", tile000 + "?sortby=fatalities", "/tiles/incidents/0/0/0.png?fatalities=abc",
		"/tiles/0/0/0.mvt?layers=incidents&fatalities=abc", "/tiles/0/0/0.mvt?layers=" + layers17,
		"/tiles/0/0/0.mvt?layers=incidents&layers=bases",
	} {
		add(badGet("tiles parameters", p, 400))
	}
	for _, p := range []string{
		"/tiles/nope/0/0/0.mvt", "/tiles/0/0/0.mvt?layers=nope", "/tiles/0/0/0.mvt?layers=incidents,nope",
		"/tiles/%2e%2e/0/0/0.mvt", "/tiles/..%252f..%252fetc/0/0/0.mvt", "/tiles/incidents%2F..%2F..%2Fgo.mod/0/0/0.mvt",
		"/tiles/..%2f..%2fetc/passwd", "/tiles/%00/0/0/0.mvt",
	} {
		add(badGet("tiles unknown layers and traversal", p, 404))
	}

	// TileJSON and styles of layers that do not exist, and their parameters.
	for _, p := range []string{
		"/tiles/nope.json", "/tiles/nope", "/tiles/incidents", "/tiles/.json", "/tiles.json?layers=nope",
		"/tiles.json?layers=incidents,nope", "/tiles/..%2f..%2fetc%2fpasswd.json", "/tiles/%2e%2e%2f%2e%2e%2fgo.mod.json",
		"/tiles/incidents.json.json", "/styles/nope.json", "/styles/incidents", "/styles/.json", "/styles/..%2f..%2fgo.mod",
		"/styles/%2e%2e.json", "/styles/incidents.json.json", "/styles/..%2F..%2Fetc%2Fpasswd.json",
	} {
		add(badGet("tilejson and styles unknown", p, 404))
	}
	for _, p := range []string{
		"/tiles/incidents.json?fatalities=abc", "/tiles/incidents.json?colour=red", "/tiles/incidents.json?layers=bases",
		"/tiles.json?layers=incidents&datetime=bad", "/tiles/incidents.json?properties=nope", "/tiles.json?layers=" + layers17,
		"/styles/incidents.json?x=1", "/styles/all.json?layers=incidents", "/styles/all.json?f=json",
	} {
		add(badGet("tilejson and styles parameters", p, 400))
	}

	// OGC API – Tiles routes.
	for _, p := range []string{
		ogcTileURL + "/99/0/0", ogcTileURL + "/-1/0/0", ogcTileURL + "/1/2/0", ogcTileURL + "/1/0/2", ogcTileURL + "/a/b/c",
		ogcTileURL + "/0/0/0.mvt", ogcTileURL + "/0/0/0?f=jpeg", ogcTileURL + "/0/0/0?f=mvt&fatalities=x",
		ogcTileURL + "/0/0/0?layers=bases", ogcTileURL + "/99999999999999999999/0/0", ogcTileURL + "/" + fullWidth1 + "/0/0",
		ogcTileURL + "/0/0/0?datetime=..", "/collections/incidents/tiles?f=xml", "/tileMatrixSets?x=1",
		"/tileMatrixSets/WebMercatorQuad?f=xml",
	} {
		add(badGet("ogc tiles", p, 400))
	}
	for _, p := range []string{
		"/collections/incidents/tiles/WorldCRS84Quad/0/0/0", "/collections/nope/tiles/WebMercatorQuad/0/0/0",
		"/collections/nope/tiles", "/collections/nope/tiles/WebMercatorQuad", "/collections/incidents/tiles/nope",
		"/collections/incidents/tiles/..%2f..%2fetc/0/0/0", "/tileMatrixSets/nope", "/tileMatrixSets/..%2fWebMercatorQuad",
		"/collections/incidents/tiles/webmercatorquad/0/0/0",
	} {
		add(badGet("ogc tiles unknown", p, 404))
	}

	// Static files: nothing outside web/static, however the path is written.
	for _, p := range []string{
		"/static/../../go.mod", "/static/..%2f..%2fgo.mod", "/static/%2e%2e/%2e%2e/etc/passwd",
		"/static/%252e%252e/%252e%252e/etc/passwd", "/static/....//....//etc/passwd", "/static/..%5c..%5cgo.mod",
		"/static//etc/passwd", "/static/nope.js", "/static/", "/static/.", "/static/%00", "/static/app.js%00.png",
		"/static/index.html/..", "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "/static/..;/go.mod",
		"/static/../static/app.js", "/static/vendor/../../server.go", "/static/%2e%2e%2fserver.go",
		"/static/vendor", "/static/" + "\xff",
	} {
		add(badGet("static traversal", p, 404))
	}

	// The embed page checks its parameters.
	add(badGet("embed", "/embed?layers=nope", 404), badGet("embed", "/embed?layers=incidents,%27%3E%3Cscript%3E", 404),
		badGet("embed", "/embed/?layers=..%2F..%2Fetc%2Fpasswd", 404))
	for _, p := range []string{
		"/embed?bbox=1,2,3", "/embed?datetime=bad", "/embed?foo=1", "/embed?bbox=NaN,0,1,1",
		"/embed?layers=incidents&layers=bases", "/embed/?bbox=0,0,999,1", "/embed?datetime=2022-01-01/2021-01-01",
		"/embed?%zz",
	} {
		add(badGet("embed", p, 400))
	}

	// HEAD gets the status of GET.
	add(badHead("head", "/collections/nope/items", 404), badHead("head", itemsURL+"?limit=0", 400),
		badHead("head", "/static/../../go.mod", 404), badHead("head", "/tiles/incidents/99/0/0.mvt", 400),
		badHead("head", "/collections/incidents/items/abc", 404), badHead("head", "/tiles/nope.json", 404))

	// URLs over 8 KiB.
	long := strings.Repeat("a", 9000)
	add(badGet("long URLs", itemsURL+"?event_type="+long, 414), badGet("long URLs", tile000+"?event_type="+long, 414),
		badGet("long URLs", "/static/"+long, 414), badGet("long URLs", "/collections/"+long, 414),
		badHead("long URLs", "/collections/incidents/items/"+long, 414),
		badWrite("long URLs", http.MethodPost, itemsURL+"?x="+long, incident(-4, 14, "Battles"), 414),
		badWrite("long URLs", http.MethodDelete, feature1+"?x="+long, "", 414))

	// Methods a route does not take.
	for _, mp := range [][2]string{
		{http.MethodDelete, itemsURL}, {http.MethodPut, itemsURL}, {http.MethodPatch, "/collections"},
		{http.MethodPost, feature1}, {http.MethodPost, tile000}, {http.MethodDelete, "/tiles.json"}, {http.MethodPost, "/"},
		{http.MethodPut, "/conformance"}, {http.MethodPost, "/collections/incidents"}, {http.MethodTrace, "/collections"},
		{"PROPFIND", "/"}, {http.MethodPost, "/static/app.js"}, {http.MethodDelete, "/collections/incidents"},
		{http.MethodPut, "/styles/all.json"},
	} {
		add(badWrite("methods", mp[0], mp[1], "", 405))
	}

	// Writes: who may write.
	valid := incident(-4, 14, "Battles")
	add(badWrite("writes auth", http.MethodPost, itemsURL, valid, 401, "Authorization", ""),
		badWrite("writes auth", http.MethodPost, itemsURL, valid, 401, "Authorization", "Bearer wrong-token-0123456789"),
		badWrite("writes auth", http.MethodPost, itemsURL, valid, 401, "Authorization", "Basic "+adminToken),
		badWrite("writes auth", http.MethodPost, itemsURL, valid, 401, "Authorization", "Bearer "+adminToken+"' OR '1'='1"),
		badWrite("writes auth", http.MethodPut, feature1, valid, 401, "Authorization", ""),
		badWrite("writes auth", http.MethodPatch, feature1, valid, 401, "Authorization", ""),
		badWrite("writes auth", http.MethodDelete, feature1, "", 401, "Authorization", ""),
		badWrite("writes auth", http.MethodPost, itemsURL, valid, 403, "Authorization", "Bearer "+basesToken),
		badWrite("writes auth", http.MethodDelete, feature1, "", 403, "Authorization", "Bearer "+basesToken),
		badWrite("writes auth", http.MethodPatch, feature1, valid, 403, "Authorization", "Bearer "+basesToken),
		// Auth comes before the body is looked at.
		badWrite("writes auth", http.MethodPost, itemsURL, "not json", 401, "Authorization", ""),
		badWrite("writes auth", http.MethodPost, itemsURL, strings.Repeat("x", 1<<17), 401, "Authorization", "", "Content-Type", "text/plain"),
	)
	// A read-only server refuses every write, token or not.
	for _, mp := range [][2]string{{http.MethodPost, itemsURL}, {http.MethodPut, feature1}, {http.MethodPatch, feature1}, {http.MethodDelete, feature1}} {
		c := badWrite("writes read-only", mp[0], mp[1], valid, 405)
		c.readOnly = true
		add(c)
	}
	c := badWrite("writes read-only", http.MethodPost, itemsURL, valid, 405, "Authorization", "")
	c.readOnly = true
	add(c)
	// Bad tokens from one address: ten are answered 401, then even a good one 429.
	for _, v := range []string{
		"Bearer another-wrong-token-000", "Bearer ", "Bearer", "Bearer " + adminToken[:len(adminToken)-1],
		"Bearer " + adminToken + "x", "Bearer \uff21" + adminToken, "Bearer " + strings.Repeat("t", 10000),
		"Bearer " + adminToken + "\x00", "Token " + adminToken, "Bearer ' OR 1=1--",
	} {
		c := badWrite("writes auth rate limit", http.MethodPost, itemsURL, valid, 401, "Authorization", v)
		c.from = "203.0.113.7:40000"
		add(c)
	}
	for _, c := range []badCase{
		badWrite("writes auth rate limit", http.MethodPost, itemsURL, valid, 429), // the admin token
		badWrite("writes auth rate limit", http.MethodPut, feature1, valid, 429, "Authorization", "Bearer "+basesToken),
		// Forwarding headers from a client that is not a proxy do not give it a new address.
		badWrite("writes auth rate limit", http.MethodDelete, feature1, "", 429, "X-Forwarded-For", "198.51.100.23"),
		badWrite("writes auth rate limit", http.MethodPatch, feature1, valid, 429, "X-Real-Ip", "198.51.100.24"),
	} {
		c.from = "203.0.113.7:40001"
		add(c)
	}

	// Writes: what the body must be.
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
		"application/geo+json;;;", "application/geo+jsonx", "application/xml", "text/json", "application/merge-patch+json", "*/*"} {
		add(badWrite("writes content type", http.MethodPost, itemsURL, valid, 415, "Content-Type", ct))
	}
	add(badWrite("writes content type", http.MethodPut, feature1, valid, 415, "Content-Type", "application/merge-patch+json"),
		badWrite("writes content type", http.MethodPatch, feature1, valid, 415, "Content-Type", "text/plain"),
		badWrite("writes content type", http.MethodPost, itemsURL, valid, 415, "Content-Encoding", "gzip"),
		badWrite("writes content type", http.MethodPut, feature1, valid, 415, "Content-Encoding", "br"))
	for _, b := range []string{
		"", " ", "null", "[]", "{}", `"Feature"`, "123", `{"type":`, `{"type":"Feature"}`, valid + "xyz", valid + valid,
		"\ufeff" + valid, `{"type":"Point","coordinates":[1,2]}`, `{"type":"GeometryCollection","geometries":[]}`,
		`{"type":"FeatureCollection","features":[]}`, `{"type":"FeatureCollection","features":null}`,
		`{"type":"FeatureCollection","features":"x"}`, `{"type":"FeatureCollection","features":[{"type":"Point","coordinates":[1,2]}]}`,
		`{"type":"FeatureCollection","features":[` + valid + `,` + withProp(`"fatalities"`, `"x"`) + `]}`,
		`{"type":"feature","geometry":null,"properties":{}}`, `{"type":["Feature"]}`, "\xff\xfe{}",
		// Geometries: not finite, not WGS84, not well formed.
		point("NaN", "14"), point("Infinity", "14"), point("1e309", "14"), point("-181", "14"), point("-4", "90.0001"),
		point("-4", "-91"), point(`"a"`, "14"), point("null", "14"), point("-0x1p3", "14"), point("99999999999999999999", "14"),
		feat(`{"type":"Point","coordinates":[1]}`, `{}`), feat(`{"type":"Point","coordinates":[]}`, `{}`),
		feat(`{"type":"Point","coordinates":null}`, `{}`), feat(`{"type":"Pointe","coordinates":[1,2]}`, `{}`),
		feat(`{"coordinates":[1,2]}`, `{}`), feat(`"POINT(1 2)"`, `{}`), feat(`{"type":"Point","coordinates":"1,2"}`, `{}`),
		feat(`{"type":"LineString","coordinates":[[1,2],[3,4]]}`, `{}`), feat(`{"type":"MultiPoint","coordinates":[[1,2]]}`, `{}`),
		feat(`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]}`, `{}`),
		feat(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, `{}`),
		feat(`{"type":"Point","coordinates":`+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+`}`, `{}`),
		feat(`{"type":"Point","coordinates":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`}`, `{}`),
		feat(`{"type":"Point","coordinates":[-4,14]}`, strings.Repeat(`{"a":`, 10001)+"1"+strings.Repeat("}", 10001)),
		// Properties: unknown, of the wrong type, not storable.
		withProp(`"colour"`, `"red"`), withProp(`"fatalities = 0; DROP TABLE incidents;--"`, `1`), withProp(`""`, `1`),
		withProp(`"id"`, `5`), withProp(`"FATALITIES"`, `1`), withProp(`"fatalities"`, `"many"`), withProp(`"fatalities"`, `1.5`),
		withProp(`"fatalities"`, `99999999999999999999`), withProp(`"fatalities"`, `1e309`), withProp(`"fatalities"`, `true`),
		withProp(`"fatalities"`, `NaN`), withProp(`"fatalities"`, `"1 OR 1=1"`), withProp(`"fatalities"`, `9007199254740993`),
		withProp(`"event_date"`, `"2022-02-30"`), withProp(`"event_date"`, `20220101`), withProp(`"event_date"`, `"2022-01-01' OR '1'='1"`),
		withProp(`"event_type"`, `5`), withProp(`"event_type"`, `["a"]`), withProp(`"event_type"`, `{"$gt":""}`),
		withProp(`"description"`, `"a\u0000b"`),
		withProp(`"notes"`, strings.Repeat("[", 5000)+strings.Repeat("]", 5000)),
	} {
		add(badWrite("writes body", http.MethodPost, itemsURL, b, 400))
	}
	for _, b := range []string{
		region(`[[0,0],[1,0],[1,1],[0,1]]`), region(`[[0,0],[1,0],[0,0]]`), region(`[[0,0],[2,2],[2,0],[0,2],[0,0]]`),
		region(`[[0,0],[1,0],[1,"x"],[0,0]]`), region(`[[0,0],[1,0],[1,95],[0,0]]`), region(`[]`),
		feat(`{"type":"Point","coordinates":[-4,14]}`, `{}`), feat(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, `{"approximate":"yes"}`),
	} {
		add(badWrite("writes body", http.MethodPost, "/collections/regions/items", b, 400))
	}
	big := withProp(`"description"`, `"`+strings.Repeat("x", 1<<16)+`"`)
	add(badWrite("writes size", http.MethodPost, itemsURL, big, 413),
		badWrite("writes size", http.MethodPost, itemsURL, `{"type":"FeatureCollection","features":[`+strings.Repeat(valid+",", 1<<16/len(valid)+1)+valid+`]}`, 413),
		badWrite("writes size", http.MethodPut, feature1, big, 413),
		badWrite("writes size", http.MethodPatch, feature1, big, 413),
		badWrite("writes size", http.MethodPost, itemsURL, strings.Repeat("[", 1<<17), 413))

	// Writes to features: ids, If-Match, bodies.
	for _, id := range []string{"abc", "0", "-1", "1e3", "99999999999999999999", "999999", "1%20OR%201=1", "0x1", fullWidth1, "%2B1"} {
		add(badWrite("writes ids", http.MethodPut, itemsURL+"/"+id, valid, 404),
			badWrite("writes ids", http.MethodDelete, itemsURL+"/"+id, "", 404))
	}
	add(badWrite("writes ids", http.MethodPatch, itemsURL+"/999999", `{"properties":{"fatalities":1}}`, 404),
		badWrite("writes ids", http.MethodPost, "/collections/nope/items", valid, 404),
		badWrite("writes ids", http.MethodPut, "/collections/nope/items/1", valid, 404),
		badWrite("writes ids", http.MethodDelete, "/collections/..%2F..%2Fetc/items/1", "", 404))
	for _, tag := range []string{`"nope"`, `W/"nope"`, `"; DROP TABLE incidents;--`, "garbage", `""`, `"` + strings.Repeat("0", 32) + `"`} {
		add(badWrite("writes if-match", http.MethodDelete, feature1, "", 412, "If-Match", tag),
			badWrite("writes if-match", http.MethodPut, feature1, valid, 412, "If-Match", tag))
	}
	add(badWrite("writes if-match", http.MethodPatch, feature1, `{"properties":{"fatalities":1}}`, 412, "If-Match", `"nope"`))
	for _, b := range []string{
		`{"type":"Point"}`, `{"properties":{"fatalities":"x"}}`, `{"properties":{"colour":"red"}}`,
		`{"geometry":{"type":"Point","coordinates":[0,95]}}`, `{"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}`,
		`{"properties":[]}`, `{"properties":{"event_type":{"a":1}}}`, `not json`, `{"properties":{"fatalities":1e309}}`,
	} {
		add(badWrite("writes patch body", http.MethodPatch, feature1, b, 400))
	}
	add(badWrite("writes patch body", http.MethodPut, feature1, `{"type":"Feature","properties":{}}`, 400),
		badWrite("writes patch body", http.MethodPut, feature1, point("-4", "95"), 400),
		badWrite("writes patch body", http.MethodPut, feature1, withProp(`"fatalities"`, `"x"`), 400))
	return cs
}

// okButHostile are valid requests with hostile values: SQL and wildcards in text filters are
// values to compare, never SQL, so they match nothing (and change nothing).
var okButHostile = []string{
	"event_type=%27%3B%20DROP%20TABLE%20incidents%3B--", "event_type=x%27%20OR%20%271%27=%271",
	"event_type=Battles%27%20OR%201=1--", "source=%22%20OR%20%22%22=%22", "admin1=%25", "event_type=_%25",
	"event_type=Battles%27)%20UNION%20SELECT%20*%20FROM%20gpkg_contents--", "event_type=" + rtlOver + "Battles",
	"event_type=Bat" + zwj + "tles", "event_type=Battles" + combining, "description=%5C%27",
}

// TestBadInput sends the corpus through the real router: each request gets exactly its 4xx
// with a JSON exception, none a 5xx, and the databases are unchanged afterwards.
func TestBadInput(t *testing.T) {
	s := editServer(t)
	layers, err := seed.Layers()
	if err != nil {
		t.Fatal(err)
	}
	ro := layersServer(t, layers, Options{})
	before, beforeRO := storeState(t, s.store), storeState(t, ro.store)

	cases := badInputCases()
	seen := map[string]int{}
	groups := map[string]int{}
	for i, tc := range cases {
		key := fmt.Sprintf("%v %s %s\n%q\n%q", tc.readOnly, tc.method, tc.target, tc.header, tc.body)
		if j, dup := seen[key]; dup {
			t.Errorf("case %d repeats case %d: %s %s", i, j, tc.method, clip(tc.target))
		}
		seen[key] = i
		groups[tc.group]++
		if tc.status < 400 || tc.status >= 500 {
			t.Errorf("case %d (%s %s) expects %d: the corpus is of 4xx answers", i, tc.method, clip(tc.target), tc.status)
		}
		h := s.handler
		if tc.readOnly {
			h = ro.handler
		}
		from := tc.from
		if from == "" {
			from = fmt.Sprintf("[2001:db8::%x]:1234", i+1)
		}
		rec := sendBad(h, tc, from)
		checkError(t, fmt.Sprintf("case %d [%s] %s %s", i, tc.group, tc.method, clip(tc.target)), rec, tc.method, tc.status)
	}
	if len(seen) < 200 {
		t.Errorf("the corpus has %d distinct cases, want at least 200", len(seen))
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		t.Logf("%4d %s", groups[g], g)
	}
	t.Logf("%4d cases in all", len(cases))

	for _, query := range okButHostile {
		rec := do(t, s.handler, http.MethodGet, itemsURL+"?"+query)
		var fc struct {
			Type           string `json:"type"`
			NumberMatched  *int   `json:"numberMatched"`
			NumberReturned *int   `json:"numberReturned"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &fc); rec.Code != http.StatusOK || err != nil ||
			fc.Type != "FeatureCollection" || fc.NumberMatched == nil || *fc.NumberMatched != 0 || *fc.NumberReturned != 0 {
			t.Errorf("GET %s?%s: %d %s; want 200 and a FeatureCollection matching nothing", itemsURL, query, rec.Code, clip(rec.Body.String()))
		}
	}

	for name, st := range map[string]struct {
		before map[string]string
		store  data.Store
	}{"writable": {before, s.store}, "read-only": {beforeRO, ro.store}} {
		after := storeState(t, st.store)
		for k, v := range st.before {
			if after[k] != v {
				t.Errorf("%s database: %s changed (%s, then %s)", name, k, v, after[k])
			}
		}
		for k := range after {
			if _, ok := st.before[k]; !ok {
				t.Errorf("%s database: %s appeared", name, k)
			}
		}
	}
	// The server still answers.
	if rec := do(t, s.handler, http.MethodGet, itemsURL+"?limit=1"); rec.Code != http.StatusOK {
		t.Errorf("after the corpus: GET %s?limit=1: %d %s", itemsURL, rec.Code, rec.Body)
	}
}

// sendBad sends a corpus request from address from.
func sendBad(h http.Handler, tc badCase, from string) *httptest.ResponseRecorder {
	var body io.Reader
	if tc.body != "" {
		body = strings.NewReader(tc.body)
	}
	req := httptest.NewRequest(tc.method, tc.target, body)
	req.RemoteAddr = from
	switch tc.method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		req.Header.Set("Content-Type", typeGeoJSON)
		fallthrough
	case http.MethodDelete:
		req.Header.Set("Authorization", "Bearer "+adminToken)
	}
	for i := 0; i+1 < len(tc.header); i += 2 {
		if tc.header[i+1] == "" {
			req.Header.Del(tc.header[i])
		} else {
			req.Header.Set(tc.header[i], tc.header[i+1])
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// checkError checks that rec has status want and, but for HEAD, is a JSON exception with a
// code and a description.
func checkError(t *testing.T, what string, rec *httptest.ResponseRecorder, method string, want int) {
	t.Helper()
	if rec.Code != want {
		t.Errorf("%s: status %d, want %d; body %s", what, rec.Code, want, clip(rec.Body.String()))
		return
	}
	if method == http.MethodHead {
		return
	}
	if mt, _, err := mime.ParseMediaType(rec.Header().Get("Content-Type")); err != nil || mt != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json; body %s", what, rec.Header().Get("Content-Type"), clip(rec.Body.String()))
	}
	var e exception
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Code == "" || e.Description == "" || dec.More() {
		t.Errorf("%s: %d without a JSON exception {code, description}: %v; body %s", what, rec.Code, err, clip(rec.Body.String()))
	}
	switch want {
	case http.StatusUnauthorized:
		if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: 401 without a Bearer challenge", what)
		}
	case http.StatusTooManyRequests:
		if rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", what)
		}
	case http.StatusMethodNotAllowed:
		if rec.Header().Get("Allow") == "" {
			t.Errorf("%s: 405 without Allow", what)
		}
	}
}

// storeState describes everything a store serves: the collections' metadata, and for each
// collection a hash of every feature as GeoJSON (ids, geometries, properties) with their count,
// plus the last change the store logged. Two equal states mean an unchanged database.
func storeState(t *testing.T, st data.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	colls, err := st.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := json.Marshal(colls)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(meta)
	state := map[string]string{"collections": hex.EncodeToString(sum[:])}
	for _, coll := range colls {
		h := sha256.New()
		n := 0
		err := st.Features(ctx, coll.ID, data.Query{}, func(f *data.Feature) error {
			j := newJSONWriter(h)
			j.feature(f, coll.Fields)
			n++
			return j.flush()
		})
		if err != nil {
			t.Fatal(err)
		}
		count, err := st.Count(ctx, coll.ID, data.Query{})
		if err != nil {
			t.Fatal(err)
		}
		state["collection "+coll.ID] = fmt.Sprintf("%d features (count %d), sha256 %x", n, count, h.Sum(nil))
	}
	if cl, ok := st.(data.ChangeLog); ok {
		_, seq, err := cl.Changes(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		state["change log"] = fmt.Sprintf("last change %d", seq)
	}
	return state
}

// clip cuts long text for messages.
func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

// isStatus reports whether err is an apiError with status.
func isStatus(err error, status int) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Status == status
}

// Query values that are not UTF-8 or hold a NUL went to the store as filter values, and
// PostgreSQL refuses such text: a 500 on PostGIS (and a 200 on GeoPackage). They are a 400.
func TestBadInputQueryText(t *testing.T) {
	e := echo.New()
	for query, ok := range map[string]bool{
		"event_type=Battles": true, "event_type=S%C3%A9gou%20%E2%98%83": true, "event_type=": true,
		"event_type=%FF": false, "event_type=a%00": false, "event_type=%C0%B1": false, "event_type=%ED%A0%80": false,
	} {
		c := e.NewContext(httptest.NewRequest(http.MethodGet, "/x?"+query, nil), httptest.NewRecorder())
		_, err := queryParams(c, only("event_type"))
		if ok && err != nil || !ok && !isStatus(err, http.StatusBadRequest) {
			t.Errorf("?%s: %v, want ok %v", query, err, ok)
		}
	}
}

// A DATE filter of year 0000 (which time.Parse takes) was a 500 on PostGIS, which has no year
// 0; DATETIME values that leave the years 0001-9999 once in UTC are refused alike.
func TestBadInputFilterYears(t *testing.T) {
	fields := map[string]data.Field{"d": {Name: "d", Type: data.Date}, "t": {Name: "t", Type: data.DateTime}}
	field := func(n string) (data.Field, bool) { f, ok := fields[n]; return f, ok }
	for query, ok := range map[string]bool{
		"d=0001-01-01": true, "d=9999-12-31": true, "d=2024-02-29": true, "d=0000-01-01": false, "d=0000-12-31": false,
		"t=0001-01-01T00:00:00Z": true, "t=9999-12-31T23:59:59.999Z": true, "t=2024-05-01T10:00:00%2B02:00": true,
		"t=0000-12-31T23:00:00Z": false, "t=0001-01-01T00:30:00%2B01:00": false, "t=9999-12-31T23:00:00-02:00": false,
	} {
		params, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		var q data.Query
		err = parseFilters(params, field, []string{"d", "t"}, only(), &q)
		if ok && (err != nil || len(q.Filters) != 1) || !ok && !isStatus(err, http.StatusBadRequest) {
			t.Errorf("?%s: %v (filters %v), want ok %v", query, err, q.Filters, ok)
		}
	}
}

// A body with a Content-Encoding was read as it came: a gzipped feature was "not JSON" (400),
// and a plain one that claimed a coding was written. Both are a 415 naming identity.
func TestBadInputContentEncoding(t *testing.T) {
	s := &server{opts: Options{MaxBodyBytes: 1 << 10}}
	e := echo.New()
	for enc, ok := range map[string]bool{"": true, "identity": true, " Identity ": true, "gzip": false, "br": false, "gzip, identity": false} {
		req := httptest.NewRequest(http.MethodPost, itemsURL, strings.NewReader(`{"type":"Feature"}`))
		req.Header.Set("Content-Type", typeGeoJSON)
		if enc != "" {
			req.Header.Set("Content-Encoding", enc)
		}
		rec := httptest.NewRecorder()
		body, err := s.readBody(e.NewContext(req, rec), typeGeoJSON)
		switch {
		case ok && (err != nil || string(body) != `{"type":"Feature"}`):
			t.Errorf("Content-Encoding %q: %q, %v", enc, body, err)
		case !ok && (!isStatus(err, http.StatusUnsupportedMediaType) || rec.Header().Get("Accept-Encoding") != "identity"):
			t.Errorf("Content-Encoding %q: %v, Accept-Encoding %q; want 415 and identity", enc, err, rec.Header().Get("Accept-Encoding"))
		}
	}
}

// orb's decoder completes positions: it read [1] as [1,0], [] and null as [0,0] and [null,14]
// as [0,14], so such features were written at made-up places. checkGeoJSON refuses them.
func TestBadInputGeoJSONShape(t *testing.T) {
	for geom, ok := range map[string]bool{
		`{"type":"Point","coordinates":[1,2]}`:                                              true,
		`{"type":"Point","coordinates":[1,2,3]}`:                                            true,
		`{"type":"LineString","coordinates":[[1,2],[3,4]]}`:                                 true,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`:                      true,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}`:               true,
		`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]}`: true,
		`{"type":"Point","coordinates":[1]}`:                                                false,
		`{"type":"Point","coordinates":[]}`:                                                 false,
		`{"type":"Point","coordinates":null}`:                                               false,
		`{"type":"Point"}`:                                                                  false,
		`{"type":"Point","coordinates":[null,14]}`:                                          false,
		`{"type":"Point","coordinates":[1,"2"]}`:                                            false,
		`{"type":"Point","coordinates":[[1,2]]}`:                                            false,
		`{"type":"MultiPoint","coordinates":[[1,2],[3]]}`:                                   false,
		`{"type":"Polygon","coordinates":[[0,0],[1,0],[1,1],[0,0]]}`:                        false,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[null,0]]]]}`:            false,
		`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1]}]}`:   false,
		`{"type":"Feature","geometry":null}`:                                                false,
		`[1,2]`:                                                                             false,
	} {
		if err := checkGeoJSON(json.RawMessage(geom)); ok != (err == nil) {
			t.Errorf("%s: %v, want ok %v", geom, err, ok)
		}
		_, err := record([]byte(feat(geom, `{}`)), "the feature", false)
		if ok && err != nil || !ok && !isStatus(err, http.StatusBadRequest) {
			t.Errorf("feature with %s: %v, want ok %v", geom, err, ok)
		}
	}
}

// A property named "" was silently dropped (the stores' unknown-property check uses "" for
// "none found"), and text holding a NUL was stored on GeoPackage but not on PostGIS. Both are a
// 400 on every backend, for inserts and patches alike.
func TestBadInputRecordText(t *testing.T) {
	for body, ok := range map[string]bool{
		withProp(`"description"`, `"Ségou ☃ \u00e9"`): true,
		withProp(`"description"`, `"a\u0000b"`):       false,
		withProp(`"description"`, `"\u0000"`):         false,
		withProp(`""`, `1`):                           false,
		withProp(`""`, `null`):                        false,
	} {
		for _, patch := range []bool{false, true} {
			_, err := record([]byte(body), "the feature", patch)
			if ok && err != nil || !ok && !isStatus(err, http.StatusBadRequest) {
				t.Errorf("%s (patch %v): %v, want ok %v", body, patch, err, ok)
			}
		}
	}
}
