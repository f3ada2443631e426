// Command plainecho is the baseline for the cached-tile benchmark: a bare echo v4 handler that
// answers every request with the same bytes and headers a cached tile gets, so that
// bench/tiles.sh can compare Harmattan's cache path with doing nothing at all.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"

	"github.com/labstack/echo/v4"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18799", "listen address")
	body := flag.String("body", "", "file whose bytes every response carries (a gzipped tile)")
	flag.Parse()
	b, err := os.ReadFile(*body)
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/*", func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Encoding", "gzip")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("ETag", `"0123456789abcdef"`)
		return c.Blob(http.StatusOK, "application/vnd.mapbox-vector-tile", b)
	})
	log.Fatal(e.Start(*addr))
}
