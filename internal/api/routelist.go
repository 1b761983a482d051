package api

import "strings"

// Route is one row of the route table as a tool outside this package sees
// it (cmd/coverage): what the mock serves, not how.
type Route struct {
	Method string
	// Path is the router's template: {name}, or {name:regexp} for a
	// variable that spans "/".
	Path    string
	Summary string
	// Control is a route of the mock's own control plane (/__mock/).
	Control bool
}

// Routes lists every route the mock serves, in the route table's order.
func Routes() []Route {
	var out []Route
	for _, rt := range routes() {
		out = append(out, Route{Method: rt.method, Path: rt.path, Summary: rt.summary,
			Control: strings.HasPrefix(rt.path, "/__mock/")})
	}
	return out
}
