// Command plainecho is the baseline for the cached-tile benchmark: a bare echo v4 handler that
// answers each request with the bytes Harmattan served for the same path (saved by
// bench/tiles.sh as DIR/<md5 of the request URI>) and the headers a cached tile gets, so the
// cache path can be compared with doing nothing at all.
package main

import (
	"crypto/md5"
	"encoding/hex"
	"flag"
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/labstack/echo/v4"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18799", "listen address")
	dir := flag.String("dir", "", "directory of saved gzipped tile bodies, named by the md5 of their request URI")
	flag.Parse()
	entries, err := os.ReadDir(*dir)
	if err != nil {
		log.Fatal(err)
	}
	bodies := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(*dir, e.Name()))
		if err != nil {
			log.Fatal(err)
		}
		bodies[e.Name()] = b
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/*", func(c echo.Context) error {
		sum := md5.Sum([]byte(c.Request().RequestURI))
		b, ok := bodies[hex.EncodeToString(sum[:])]
		if !ok {
			return c.NoContent(http.StatusNoContent)
		}
		h := c.Response().Header()
		h.Set("Content-Encoding", "gzip")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("ETag", `"0123456789abcdef"`)
		return c.Blob(http.StatusOK, "application/vnd.mapbox-vector-tile", b)
	})
	log.Fatal(e.Start(*addr))
}
