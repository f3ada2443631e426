package web

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"path"

	"github.com/labstack/echo/v4"
)

// staticFiles holds the map page, its script and style and the npm-vendored libraries.
//
//go:embed static
var staticFiles embed.FS

// static serves web/static under /static/. Unknown files are a JSON 404 like every other.
func (s *server) static() echo.HandlerFunc {
	root, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/static/", http.FileServer(http.FS(root)))
	return func(c echo.Context) error {
		name := path.Clean(c.Param("*"))
		info, err := fs.Stat(root, name)
		if err != nil || info.IsDir() || !fs.ValidPath(name) {
			return notFound("no static file %q", c.Param("*"))
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// mapPage serves the Leaflet map (the HTML form of the landing page).
func (s *server) mapPage(c echo.Context) error {
	page, err := staticFiles.ReadFile("static/index.html")
	if err != nil {
		return errors.New("the map page is missing from the build")
	}
	return c.HTMLBlob(http.StatusOK, page)
}
