package web

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/harmattan/harmattan/data"
)

// download serves /collections/{id}/download?f=geojson|geojsonl|csv: the whole layer as one
// file, streamed, for the collection's "enclosure" links.
func (s *server) download(c echo.Context) error {
	params, err := queryParams(c, only("f"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	coll, err := s.store.Collection(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	f := params.Get("f")
	if f == "" {
		f = "geojson"
	}
	ef, ok := ExportFormats[f]
	if !ok {
		return badRequest("f must be geojson, geojsonl or csv")
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, ef.MediaType)
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+coll.ID+"."+ef.Ext+`"`)
	return Export(ctx, s.store, coll, data.Query{}, f, &lazyWriter{c: c})
}

// itemsCSV answers an items request with f=csv: the page as CSV, with the next and previous
// pages in Link headers (so the page is built in memory first: at most --max-limit rows).
func (s *server) itemsCSV(c echo.Context, coll data.Collection, r itemsRequest) error {
	fields, err := coll.Selected(r.query.Properties)
	if err != nil {
		return err
	}
	var body bytes.Buffer
	enc, err := newCSVEncoder(coll, fields, &body)
	if err != nil {
		return err
	}
	n, more, lastID := 0, false, int64(0)
	q := r.query
	q.Limit = r.limit + 1
	err = s.reads.Features(c.Request().Context(), coll.ID, q, func(f *data.Feature) error {
		if n == r.limit {
			more = true
			return errPageFull
		}
		n, lastID = n+1, f.ID
		return enc.feature(f)
	})
	if err != nil && !errors.Is(err, errPageFull) {
		return err
	}
	if err := enc.end(); err != nil {
		return err
	}
	for _, l := range itemsLinks(c, coll, r, more, lastID) {
		if l.Rel == "next" || l.Rel == "prev" {
			c.Response().Header().Add("Link", "<"+l.Href+`>; rel="`+l.Rel+`"`)
		}
	}
	c.Response().Header().Set("OGC-NumberReturned", strconv.Itoa(n))
	return c.Blob(http.StatusOK, ExportFormats["csv"].MediaType, body.Bytes())
}

// lazyWriter writes the 200 status line with the first byte, so that an error before any
// output still gets a proper error response.
type lazyWriter struct {
	c       echo.Context
	started bool
}

func (w *lazyWriter) Write(b []byte) (int, error) {
	if !w.started {
		w.c.Response().WriteHeader(http.StatusOK)
		w.started = true
	}
	return w.c.Response().Write(b)
}
