package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/harmattan/harmattan/geo"
)

// embedParams are the parameters of /embed; web/static/embed.js reads the same ones.
var embedParams = []string{"layers", "bbox", "datetime"}

// embed serves /embed?layers=a,b&bbox=…&datetime=…: the map without panels or layer control,
// for an <iframe>. The parameters are checked here (an unknown collection is a 404, a bad bbox
// or datetime or any other parameter a 400) so that a broken embed code fails loudly when it
// is written, not as an empty map; the page's script reads them again from its own URL. Any
// site may frame it (securityHeaders gives it embedCSP).
func (s *server) embed(c echo.Context) error {
	params, err := queryParams(c, only(embedParams...))
	if err != nil {
		return err
	}
	if params.Has("bbox") {
		if _, err := geo.ParseBBox(params.Get("bbox")); err != nil {
			return badRequest("bbox: %v", err)
		}
	}
	if params.Has("datetime") {
		if _, err := geo.ParseInterval(params.Get("datetime")); err != nil {
			return badRequest("datetime: %v", err)
		}
	}
	for _, id := range strings.Split(params.Get("layers"), ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		if _, err := s.store.Collection(c.Request().Context(), id); err != nil {
			return err
		}
	}
	return s.html(c, "embed", map[string]any{"Base": embedBase(c.Request())})
}

// embedBase is the page's <base href>: the site root relative to the page's own URL, so
// static/… and collections/… resolve under any path prefix a proxy adds. "/embed/" (which the
// router leaves alone for this reason) is one level deeper than "/embed".
func embedBase(r *http.Request) string {
	if strings.HasSuffix(r.URL.Path, "/") {
		return "../"
	}
	return "./"
}
