package conformance

import (
	"net/http"
	"strings"
)

// Deliberate breaks of the app behaviours (apps.feature), each caught by
// the scenarios named, added to breakRules when the tests start.
func init() { breakRules = append(breakRules, appBreaks()...) }

var (
	appsRE     = re(`^/v4/modelProducts$`)
	appRE      = re(`^/v4/modelProducts/[^/]+$`)
	appStartRE = re(`^/v4/modelProducts/[^/]+/start$`)
)

func appBreaks() []breakRule {
	return []breakRule{
		{name: "a created app lacks its permissionsData", tags: "@apps", scenarios: `created the way python-domino`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", appsRE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) { delete(o, "permissionsData") })
				}
			}},
		{name: "a project lists its apps newest first", tags: "@apps", scenarios: `created the way python-domino`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", appsRE) && r.StatusCode == 200 {
					editJSON(r, func(v any) any {
						l, _ := v.([]any)
						return append([]any{map[string]any{"id": randomObjectID()}}, l...)
					})
				}
			}},
		{name: "a new app reads as Running", tags: "@apps", scenarios: `stopped until it is published`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", appRE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) {
						if o["latestAppInstanceId"] == nil {
							o["status"] = "Running"
						}
					})
				}
			}},
		{name: "a published app never runs", tags: "@apps", scenarios: `runs, and stops`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", appRE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) {
						if o["status"] == "Running" {
							o["status"] = "Pending"
						}
					})
				}
			}},
		{name: "a stopped app reads as Running", tags: "@apps", scenarios: `runs, and stops`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", appRE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) {
						if o["status"] == "Stopped" && o["latestAppInstanceId"] != nil {
							o["status"] = "Running"
						}
					})
				}
			}},
		{name: "a start answers the app as an object", tags: "@apps", scenarios: `runs, and stops|contributor publishes`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", appStartRE) && r.StatusCode == 200 {
					respond(r, 200, map[string]any{"id": randomObjectID()})
				}
			}},
		{name: "a duplicate app name is created", tags: "@apps", scenarios: `distinct names`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", appsRE) && r.StatusCode >= 400 {
					respond(r, 200, map[string]any{"id": randomObjectID(), "name": "again"})
				}
			}},
		{name: "a running app starts again", tags: "@apps", scenarios: `not started again`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", appStartRE) && r.StatusCode == 400 {
					respond(r, 200, randomObjectID())
				}
			}},
		{name: "a contributor may not publish", tags: "@apps", scenarios: `contributor publishes`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", appStartRE) && r.StatusCode == 200 && bearer(r.Request) != "" {
					respond(r, 403, map[string]any{"message": "Forbidden", "success": false})
				}
			}},
		{name: "a LauncherUser or ResultsConsumer creates an app", tags: "@apps", scenarios: `may not publish`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", appsRE) && r.StatusCode == 403 {
					respond(r, 200, map[string]any{"id": randomObjectID()})
				}
			}},
		{name: "a non-member lists a private project's apps", tags: "@apps", scenarios: `not listed to a non-member`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", appsRE) && r.StatusCode == 403 {
					respond(r, 200, []any{})
				}
			}},
		{name: "an unknown app answers an empty one", tags: "@apps", scenarios: `does not exist`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", appRE) && r.StatusCode == 404 {
					respond(r, 200, map[string]any{})
				}
			}},
		{name: "a malformed app id is a 404", tags: "@apps", scenarios: `malformed app id`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", appRE) && r.StatusCode == 400 && strings.Contains(r.Request.URL.Path, "not-an-id") {
					respond(r, 404, map[string]any{"message": "not found", "success": false})
				}
			}},
	}
}
