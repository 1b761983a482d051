package api

import (
	"net/http"

	"github.com/gorilla/mux"
)

// WalkRoutes lets the external tests list what a listener's router registered.
func WalkRoutes(h http.Handler, fn mux.WalkFunc) error { return h.(*router).walk(fn) }
