package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/harmattan/harmattan/data"
)

// apiError is an error with the HTTP status and OGC exception code it should produce. Its
// description is shown to the client, so it never holds internal details.
type apiError struct {
	Status      int
	Code        string
	Description string
}

func (e *apiError) Error() string { return e.Description }

// exception is the OGC API exception body: {"code": ..., "description": ...}.
type exception struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &apiError{http.StatusNotFound, "NotFound", fmt.Sprintf(format, args...)}
}

// errorHandler turns every error a handler returns into a JSON exception: data.ErrNotFound is
// a 404, data.ErrInvalidQuery and data.ErrSchema (a written feature that does not fit its
// collection) a 400, echo's own errors keep their status, a cancelled request gets no body,
// and anything else is a 500 whose details go only to the log.
func (s *server) errorHandler(err error, c echo.Context) {
	var (
		ae *apiError
		he *echo.HTTPError
	)
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, data.ErrNotFound):
		ae = &apiError{http.StatusNotFound, "NotFound", err.Error()}
	case errors.Is(err, data.ErrInvalidQuery), errors.Is(err, data.ErrSchema):
		ae = &apiError{http.StatusBadRequest, "InvalidParameterValue", err.Error()}
	case errors.As(err, &he):
		ae = &apiError{he.Code, statusCode(he.Code), fmt.Sprint(he.Message)}
		if he.Code >= 500 {
			s.log.Error("request failed", "method", c.Request().Method, "uri", c.Request().RequestURI, "err", err)
			ae.Description = http.StatusText(he.Code)
		}
	case errors.Is(err, context.Canceled):
		return // the client went away; nobody is left to answer
	case errors.Is(err, data.ErrBusy):
		c.Response().Header().Set("Retry-After", "5")
		ae = &apiError{http.StatusServiceUnavailable, "Busy", "the database is busy with another write (an import, probably); try again in a few seconds"}
	case errors.Is(err, context.DeadlineExceeded):
		ae = &apiError{http.StatusServiceUnavailable, "Timeout", "the request took too long; narrow it with bbox, datetime or limit"}
	default:
		s.log.Error("request failed", "method", c.Request().Method, "uri", c.Request().RequestURI, "err", err)
		ae = &apiError{http.StatusInternalServerError, "ServerError", "internal server error"}
	}
	if c.Response().Committed {
		s.log.Warn("error after the response started", "uri", c.Request().RequestURI, "err", err)
		return
	}
	if err := c.JSON(ae.Status, exception{Code: ae.Code, Description: ae.Description}); err != nil {
		s.log.Warn("writing error response", "err", err)
	}
}

// statusCode names an HTTP status as an OGC-style exception code.
func statusCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "InvalidParameterValue"
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusMethodNotAllowed:
		return "MethodNotAllowed"
	case http.StatusRequestEntityTooLarge:
		return "PayloadTooLarge"
	}
	if status >= 500 {
		return "ServerError"
	}
	return http.StatusText(status)
}
