package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

func TestRouteKey(t *testing.T) {
	for _, c := range []struct{ path, want string }{
		{"", ""},
		{"/", ""},
		{"*", "*"},
		{"/version", "version"},
		{"/version/", "version/"},
		{"/v4/projects", "v4/projects"},
		{"/v4/projects/", "v4/projects"},
		{"/v4/projects/64b7/collaborators", "v4/projects"},
		{"/v4/projects/{projectId}", "v4/projects"},
		{"//v4/projects", "/v4"},
		{"/v4//projects", "v4/"},
		{"v4/projects/x", "v4/projects"},
	} {
		if got := routeKey(c.path); got != c.want {
			t.Errorf("routeKey(%q) = %q, want %q", c.path, got, c.want)
		}
	}
}

// TestGroupedRouterMatchesOneMux checks that splitting the routes by their
// first two segments changes nothing: every request reaches the handler (or
// the 404 or 405) it would reach in one gorilla/mux router, with the same
// path variables; a HEAD request reaches what its GET would.
func TestGroupedRouterMatchesOneMux(t *testing.T) {
	groupedMatchesOneMux(t, routes())
}

// TestRoutesWithVariableFirstSegments: routes that no group can hold (a
// variable in their first two segments) are reached as one mux reaches
// them, when they come after the routes a request could also match.
func TestRoutesWithVariableFirstSegments(t *testing.T) {
	h := func(q *request) (int, any, error) { return 0, nil, nil }
	groupedMatchesOneMux(t, []route{
		{method: "GET", path: "/v4/projects/{projectId}", h: h},
		{method: "DELETE", path: "/v4/projects/{projectId}", h: h},
		{method: "GET", path: "/v4/jobs/{jobId}", h: h},
		{method: "POST", path: "/project", h: h},
		{method: "GET", path: "/{owner}/{project}/collaborators", h: h},
		{method: "GET", path: "/projectTags/{tagId}", h: h},
		{method: "GET", path: "/__mock/health", h: h},
	})
}

func groupedMatchesOneMux(t *testing.T, all []route) {
	label := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s %v", name, mux.Vars(r))
		})
	}
	handle := func(rt route) http.Handler { return label(rt.method + " " + rt.path) }
	notFound, notAllowed := label("404"), label("405")

	grouped := newRouter(all, handle, notFound, notAllowed)
	flat := mux.NewRouter()
	flat.SkipClean(true)
	flat.NotFoundHandler, flat.MethodNotAllowedHandler = notFound, notAllowed
	for _, rt := range all {
		flat.Handle(rt.path, handle(rt)).Methods(rt.method)
	}

	paths := []string{"", "/", "//", "*", "/v4", "/v4/", "/api", "/__mock", "/__mock/", "/VERSION",
		"/v4/projects/../users/self", "/v4/projects/a%2Fb", "/auth/realms", "/v4/jobs/start/x",
		"/v4/jobs/collaborators", "/v4/users/collaborators", "/__mock/jobs/collaborators", "/projectTags", "/projectTags/"}
	for _, rt := range all {
		for _, fill := range []string{"x", "start", "self", "a/b", "", "..", "%2e%2e"} {
			p := rt.path
			for strings.Contains(p, "{") {
				i, j := strings.Index(p, "{"), strings.Index(p, "}")
				p = p[:i] + fill + p[j+1:]
			}
			paths = append(paths, p, p+"/", "/"+p, p+"/extra", strings.ToUpper(p), strings.TrimSuffix(p, p[strings.LastIndex(p, "/"):]))
		}
	}
	seen := map[string]int{}
	for _, p := range paths {
		for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"} {
			r := &http.Request{Method: m, URL: &url.URL{Path: p}, Header: http.Header{}}
			asGet := r
			if m == "HEAD" { // served as GET would be
				asGet = &http.Request{Method: "GET", URL: r.URL, Header: r.Header}
			}
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			flat.ServeHTTP(want, asGet)
			grouped.ServeHTTP(got, r)
			if got.Body.String() != want.Body.String() {
				t.Errorf("%s %q: grouped router reached %q, one mux reached %q", m, p, got.Body, want.Body)
			}
			reached, _, _ := strings.Cut(want.Body.String(), " map[")
			seen[reached]++
		}
	}
	// The comparison means something only if it covered all three outcomes.
	if seen["404"] == 0 || seen["405"] == 0 || len(seen) < len(all)+2 {
		t.Errorf("outcomes covered: %v", seen)
	}
}
