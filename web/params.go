package web

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

// itemsParams are the standard (non-filter) parameters of /items.
var itemsParams = []string{"bbox", "cursor", "datetime", "f", "limit", "offset", "properties"}

// itemsRequest is a parsed /items request.
type itemsRequest struct {
	query  data.Query
	limit  int // the page size actually served (after clamping)
	offset int // position of the page's first feature among all matches
	format string
	params url.Values // the request's parameters, for building links
}

// queryParams returns the request's parameters, refusing any not in allowed (unknown
// parameters are a 400 in OGC API – Features), any given twice and any value that is not
// UTF-8 text without NUL characters.
func queryParams(c echo.Context, allowed func(string) bool) (url.Values, error) {
	// Parse the raw query ourselves: url.Values silently drops malformed pairs (such as
	// ones holding a semicolon), which would turn a bad filter into no filter.
	params, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return nil, badRequest("malformed query string: %v", err)
	}
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !allowed(name) {
			return nil, badRequest("unknown query parameter %q", name)
		}
		if len(params[name]) > 1 {
			return nil, badRequest("query parameter %q is given more than once", name)
		}
		// Such text can be no filter's value: PostgreSQL refuses it outright (it was a 500),
		// and no value written through the API holds it.
		if v := params.Get(name); !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return nil, badRequest("query parameter %q is not valid UTF-8 text (or holds a NUL)", name)
		}
	}
	return params, nil
}

func only(names ...string) func(string) bool {
	return func(n string) bool {
		for _, m := range names {
			if n == m {
				return true
			}
		}
		return false
	}
}

// parseItems checks every parameter of an /items request against the collection and builds
// the store query: pg_featureserv's parseRequestParams and createQueryParams in one step.
func (s *server) parseItems(c echo.Context, coll data.Collection) (itemsRequest, error) {
	params, err := queryParams(c, func(n string) bool {
		_, isField := coll.Field(n)
		return only(itemsParams...)(n) || isField
	})
	if err != nil {
		return itemsRequest{}, err
	}
	r := itemsRequest{limit: s.opts.DefaultLimit, params: params}
	if r.format, err = format(c, params); err != nil {
		return r, err
	}
	if v := params.Get("limit"); v != "" || params.Has("limit") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return r, badRequest("limit must be an integer of at least 1, not %q", v)
		}
		r.limit = min(n, s.opts.MaxLimit)
	}
	if params.Has("offset") && params.Has("cursor") {
		return r, badRequest("give either offset or cursor, not both")
	}
	if v := params.Get("offset"); v != "" || params.Has("offset") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n > 1<<31 {
			return r, badRequest("offset must be a non-negative integer, not %q", v)
		}
		r.offset = n
		r.query.Offset = n
	}
	if params.Has("cursor") {
		if r.offset, r.query.After, err = parseCursor(params.Get("cursor")); err != nil {
			return r, err
		}
	}
	if params.Has("bbox") {
		b, err := geo.ParseBBox(params.Get("bbox"))
		if err != nil {
			return r, badRequest("bbox: %v", err)
		}
		r.query.BBox = &b
	}
	names := make([]string, len(coll.Fields))
	for i, f := range coll.Fields {
		names[i] = f.Name
	}
	if err := parseFilters(params, coll.Field, names, only(itemsParams...), &r.query); err != nil {
		return r, err
	}
	r.query.Limit = r.limit
	return r, nil
}

// parseFilters reads the parameters items and tiles share into q: datetime, properties (each
// a known property) and an equality filter for every parameter that names one of the
// properties in names (in that order) and is not reserved.
func parseFilters(params url.Values, field func(string) (data.Field, bool), names []string, reserved func(string) bool, q *data.Query) error {
	var err error
	if params.Has("datetime") {
		if q.Time, err = geo.ParseInterval(params.Get("datetime")); err != nil {
			return badRequest("datetime: %v", err)
		}
	}
	if params.Has("properties") {
		q.Properties = []string{}
		for _, p := range strings.Split(params.Get("properties"), ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if _, ok := field(p); !ok {
				return badRequest("properties: there is no property %q", p)
			}
			q.Properties = append(q.Properties, p)
		}
	}
	for _, n := range names {
		if reserved(n) || !params.Has(n) {
			continue
		}
		f, _ := field(n)
		v, err := f.Type.Parse(params.Get(n))
		if err != nil {
			return badRequest("%s: %v", n, strings.TrimPrefix(err.Error(), data.ErrInvalidQuery.Error()+": "))
		}
		if (f.Type == data.Date || f.Type == data.DateTime) && !inYears(v) {
			return badRequest("%s: %q is outside the years 0001 to 9999", n, params.Get(n))
		}
		q.Filters = append(q.Filters, data.Filter{Field: n, Value: v})
	}
	return nil
}

// inYears reports whether a parsed DATE or DATETIME value (a string, as FieldType.Parse makes
// it) falls in the years 0001 to 9999, as the datetime parameter's must and stored values do:
// time.Parse takes "0000-01-01", which PostgreSQL refuses (it has no year 0), and a time zone can
// carry a date-time out of the range once it is turned into UTC.
func inYears(v any) bool {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse(time.DateOnly, s)
	}
	return err == nil && t.Year() >= 1 && t.Year() <= 9999
}

// parseCursor reads the opaque paging token of next links: "<offset>-<last id>".
func parseCursor(s string) (offset int, after int64, err error) {
	o, a, ok := strings.Cut(s, "-")
	n, err1 := strconv.Atoi(o)
	id, err2 := strconv.ParseInt(a, 10, 64)
	if !ok || err1 != nil || err2 != nil || n < 0 || id < 0 {
		return 0, 0, badRequest("cursor %q is not one this server made; follow the next link as given", s)
	}
	return n, id, nil
}

func cursor(offset int, after int64) string {
	return strconv.Itoa(offset) + "-" + strconv.FormatInt(after, 10)
}

// formatOnly reads a request whose only parameter may be f, and returns its format.
func formatOnly(c echo.Context) (string, error) {
	params, err := queryParams(c, only("f"))
	if err != nil {
		return "", err
	}
	return format(c, params)
}

// format returns "json" or "html" from the f parameter, or else from the Accept header (HTML
// only when the client prefers it, as browsers do).
func format(c echo.Context, params url.Values) (string, error) {
	switch f := params.Get("f"); f {
	case "json", "geojson":
		return "json", nil
	case "html":
		return "html", nil
	case "csv":
		if c.Path() == "/collections/:id/items" {
			return "csv", nil
		}
		return "", badRequest("f must be json or html")
	case "":
		if params.Has("f") {
			return "", badRequest("f must be json or html")
		}
	default:
		return "", badRequest("f must be json or html, not %q", f)
	}
	accept := c.Request().Header.Get("Accept")
	html := strings.Index(accept, "text/html")
	if html < 0 {
		return "json", nil
	}
	for _, t := range []string{"application/json", "application/geo+json"} {
		if i := strings.Index(accept, t); i >= 0 && i < html {
			return "json", nil
		}
	}
	return "html", nil
}
