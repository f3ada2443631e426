package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes registers the whole URL surface. Every GET route answers HEAD too.
func (s *server) routes(e *echo.Echo) {
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{
		// /embed/ keeps its slash: the page's relative URLs depend on it (see embedBase).
		Skipper: func(c echo.Context) bool { return c.Request().URL.Path == "/embed/" },
	}))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, DisablePrintStack: true}))
	e.Use(securityHeaders)
	e.Pre(cors)
	get := func(path string, h echo.HandlerFunc) {
		e.Match([]string{http.MethodGet, http.MethodHead}, path, h)
	}
	get("/", s.landing)
	get("/conformance", s.conformance)
	get("/api", s.api)
	get("/collections", s.collections)
	get("/collections/:id", s.collection)
	get("/collections/:id/items", s.items)
	get("/collections/:id/items/:featureId", s.item)
	get("/collections/:id/download", s.download)
	e.POST("/collections/:id/items", s.createItems)
	e.PUT("/collections/:id/items/:featureId", s.replaceItem)
	e.PATCH("/collections/:id/items/:featureId", s.replaceItem)
	e.DELETE("/collections/:id/items/:featureId", s.deleteItem)
	get("/static/*", s.static())
	get("/embed", s.embed)
	get("/embed/", s.embed)
	get("/styles/:name", s.style) // {name}.json

	get("/tiles.json", s.tileJSON)
	get("/tiles/:a", s.tileJSON) // {layer}.json
	get("/tiles/:a/:b/:c", s.xyzTile)
	get("/tiles/:a/:b/:c/:d", s.xyzTile)
	get("/tileMatrixSets", s.tileMatrixSets)
	get("/tileMatrixSets/:tms", s.tileMatrixSet)
	get("/collections/:id/tiles", s.collectionTilesets)
	get("/collections/:id/tiles/:tms", s.collectionTileset)
	get("/collections/:id/tiles/:tms/:tileMatrix/:tileRow/:tileCol", s.ogcTile)
}

// cors lets any origin read every endpoint (our layers are meant to be embedded): the header
// goes on every response, with or without an Origin, and preflight requests are answered.
// Writes are allowed cross-origin too: they need a bearer token, which no browser sends by
// itself, so there is nothing for another site to ride on.
func cors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set(echo.HeaderAccessControlAllowOrigin, "*")
		h.Set(echo.HeaderAccessControlExposeHeaders, "ETag, Link, Location, Content-Length, "+headerThinned)
		req := c.Request()
		if req.Method == http.MethodOptions && req.Header.Get(echo.HeaderAccessControlRequestMethod) != "" {
			h.Set(echo.HeaderAccessControlAllowMethods, "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE")
			if rh := req.Header.Get(echo.HeaderAccessControlRequestHeaders); rh != "" {
				h.Set(echo.HeaderAccessControlAllowHeaders, rh)
			}
			h.Set(echo.HeaderAccessControlMaxAge, "86400")
			return c.NoContent(http.StatusNoContent)
		}
		return next(c)
	}
}
