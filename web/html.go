package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/harmattan/harmattan/data"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages are the HTML views of the API resources (the f=html representation); html/template
// escapes every value taken from the data.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"cell": func(v any) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	},
}).ParseFS(templateFiles, "templates/*.html"))

func (s *server) html(c echo.Context, name string, page map[string]any) error {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name+".html", page); err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}

// row is one feature as a table row for the HTML views.
type row struct {
	ID     string
	Href   string
	Values []any
}

func rows(feats []*data.Feature) []row {
	out := make([]row, 0, len(feats))
	for _, f := range feats {
		out = append(out, row{ID: strconv.FormatInt(f.ID, 10), Values: f.Properties})
	}
	return out
}

func (s *server) itemsHTML(c echo.Context, coll data.Collection, r itemsRequest, fields []data.Field, matched int64) error {
	var feats []*data.Feature
	q := r.query
	q.Limit = r.limit + 1
	more, lastID := false, int64(0)
	err := s.store.Features(c.Request().Context(), coll.ID, q, func(f *data.Feature) error {
		if len(feats) == r.limit {
			more = true
			return errPageFull
		}
		feats = append(feats, &data.Feature{ID: f.ID, Properties: append([]any(nil), f.Properties...)})
		lastID = f.ID
		return nil
	})
	if err != nil && err != errPageFull {
		return err
	}
	rs := rows(feats)
	for i := range rs {
		rs[i].Href = collectionPath(coll.ID) + "/items/" + rs[i].ID + "?f=html"
	}
	return s.html(c, "items", map[string]any{
		"Title": coll.Title, "Collection": coll, "Fields": fields, "Rows": rs,
		"Matched": matched, "MaxCount": s.opts.MaxCount, "Returned": len(rs), "Links": itemsLinks(c, coll, r, more, lastID),
	})
}
