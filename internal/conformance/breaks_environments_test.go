package conformance

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// Deliberate breaks of the environment behaviours (environments.feature),
// each caught by the scenarios named, added to breakRules when the tests
// start.
func init() { breakRules = append(breakRules, environmentBreaks()...) }

var (
	envCreateRE    = re(`^/api/environments/beta/environments$`)
	envRevisionsRE = re(`^/api/environments/beta/environments/[^/]+/revisions$`)
	envRevisionRE  = re(`^/api/environments/beta/environments/[^/]+/revisions/[^/]+$`)
	envPublicRE    = re(`^/api/environments/v1/environments/[^/]+$`)
	envV4RE        = re(`^/v4/environments/[0-9a-zA-Z]+$`)
	envAnyOneRE    = re(`^(/api/environments/v1/environments|/v4/environments)/[^/]+$`)
	envDefaultRE   = re(`^/v4/environments/defaultEnvironment$`)
	envV1RE        = re(`^/v1/environments$`)
	useableEnvsRE  = re(`^/v4/projects/[^/]+/useableEnvironments$`)
)

// inEnvironment edits the environment of a public API answer, or the
// answer itself when it is one (v4).
func inEnvironment(r *http.Response, f func(o map[string]any)) {
	editJSON(r, func(v any) any {
		if o, ok := v.(map[string]any); ok {
			if inner, ok := o["environment"].(map[string]any); ok {
				f(inner)
			} else {
				f(o)
			}
		}
		return v
	})
}

// rewriteBody changes one field of a JSON request body.
func rewriteBody(body []byte, key string, value any) []byte {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	m[key] = value
	out, _ := json.Marshal(m)
	return out
}

func environmentBreaks() []breakRule {
	var archived sync.Map // ids of environments archived through the public API
	return []breakRule{
		{name: "a non-admin may create a Global environment", tags: "@environments", scenarios: `may not create a global`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", envCreateRE) && r.StatusCode == http.StatusForbidden {
					respond(r, 200, map[string]any{"environment": map[string]any{"id": randomObjectID(), "visibility": "global"}, "metadata": map[string]any{}})
				}
			}},
		{name: "an administrator may not create a Global environment", tags: "@environments", scenarios: `administrator creates a global`,
			response: func(b *breaker, r *http.Response, reqBody []byte) {
				if is(r.Request, "POST", envCreateRE) && strings.Contains(strings.ToLower(string(reqBody)), `"visibility":"global"`) {
					respond(r, http.StatusForbidden, map[string]any{"requestId": "00000000-0000-4000-8000-000000000000", "errors": []string{"Forbidden"}})
				}
			}},
		{name: "a Global environment has an owner", tags: "@environments", scenarios: `administrator creates a global`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", envCreateRE) && r.StatusCode == 200 {
					inEnvironment(r, func(o map[string]any) {
						if o["owner"] == nil {
							o["owner"] = map[string]any{"id": randomObjectID(), "username": "admin", "ownerType": "individual"}
						}
					})
				}
			}},
		{name: "the public API spells visibility as /v4 does", tags: "@environments", scenarios: `creates a private environment, which they own`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", envCreateRE) && r.StatusCode == 200 {
					inEnvironment(r, func(o map[string]any) { o["visibility"] = "Private" })
				}
			}},
		{name: "a private environment is owned by someone else", tags: "@environments", scenarios: `creates a private environment, which they own`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", envCreateRE) && r.StatusCode == 200 {
					inEnvironment(r, func(o map[string]any) {
						if owner, ok := o["owner"].(map[string]any); ok {
							owner["username"] = "someone-else"
						}
					})
				}
			}},
		{name: "the first revision is numbered 0", tags: "@environments", scenarios: `creates a private environment, which they own`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", envCreateRE) && r.StatusCode == 200 {
					inEnvironment(r, func(o map[string]any) {
						if rev, ok := o["latestRevision"].(map[string]any); ok {
							rev["number"] = 0
						}
					})
				}
			}},
		{name: "every revision is number 1", tags: "@environments", scenarios: `Revisions are numbered`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", envRevisionsRE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) { o["number"] = 1 })
				}
			}},
		{name: "v4 shows an older revision as the latest", tags: "@environments", scenarios: `Revisions are numbered`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", envV4RE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) {
						if rev, ok := o["latestRevision"].(map[string]any); ok {
							if n, _ := rev["number"].(float64); n > 1 {
								rev["number"] = n - 1
							}
						}
					})
				}
			}},
		{name: "restricting a revision does nothing", tags: "@environments", scenarios: `administrator restricts a revision`,
			request: func(b *breaker, out *http.Request, body []byte) []byte {
				if is(out, "PATCH", envRevisionRE) {
					return rewriteBody(body, "isRestricted", false)
				}
				return body
			}},
		{name: "a non-admin may restrict a revision", tags: "@environments", scenarios: `may not restrict a revision`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "PATCH", envRevisionRE) && r.StatusCode == http.StatusForbidden {
					parts := strings.Split(r.Request.URL.Path, "/")
					respond(r, 200, map[string]any{"id": parts[len(parts)-1]})
				}
			}},
		{name: "archiving an environment does nothing", tags: "@environments", scenarios: `archived environment says so`,
			request: func(b *breaker, out *http.Request, body []byte) []byte {
				if is(out, "DELETE", envPublicRE) {
					out.Method = http.MethodGet
				}
				return body
			}},
		{name: "the public list includes archived environments", tags: "@environments", scenarios: `no longer listed`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				switch {
				case is(r.Request, "DELETE", envPublicRE) && r.StatusCode == 200:
					archived.Store(strings.TrimPrefix(r.Request.URL.Path, envPublic), true)
				case is(r.Request, "GET", envCreateRE) && r.StatusCode == 200:
					editJSON(r, func(v any) any {
						if o, ok := v.(map[string]any); ok {
							list, _ := o["environments"].([]any)
							archived.Range(func(id, _ any) bool {
								list = append(list, map[string]any{"id": id, "archived": true})
								return true
							})
							o["environments"] = list
						}
						return v
					})
				}
			}},
		{name: "the default environment has no image", tags: "@environments", scenarios: `default environment gives the image`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", envDefaultRE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) {
						if d, ok := o["latestRevisionDetails"].(map[string]any); ok {
							delete(d, "dockerImage")
						}
					})
				}
			}},
		{name: "the v1 list has no objectType", tags: "@environments", scenarios: `v1 API lists`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", envV1RE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) { delete(o, "objectType") })
				}
			}},
		{name: "the v1 list leaves out the default environment", tags: "@environments", scenarios: `v1 API lists`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", envV1RE) && r.StatusCode == 200 {
					editJSON(r, func(v any) any {
						if o, ok := v.(map[string]any); ok {
							o["data"] = []any{}
						}
						return v
					})
				}
			}},
		{name: "the v1 create answers id only", tags: "@environments", scenarios: `names its id both ways`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", envV1RE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) { delete(o, "_id") })
				}
			}},
		{name: "a project has no selected environment", tags: "@environments", scenarios: `selected environment`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", useableEnvsRE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) { o["currentlySelectedEnvironment"] = nil })
				}
			}},
		{name: "a project offers only Global environments", tags: "@environments", scenarios: `offers its caller's private`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", useableEnvsRE) && r.StatusCode == 200 {
					filterList(r, func(o map[string]any) bool { return o["visibility"] == "Global" })
				}
			}},
		{name: "a new revision replaces a pinned one", tags: "@environments", scenarios: `pinned revision stays`,
			request: func(b *breaker, out *http.Request, body []byte) []byte {
				if is(out, "PATCH", envV4RE) {
					return rewriteBody(body, "assignLatestRevisionAsActive", true)
				}
				return body
			}},
		{name: "an unknown environment answers 200", tags: "@environments", scenarios: `does not exist`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", envAnyOneRE) && r.StatusCode == http.StatusNotFound {
					respond(r, 200, map[string]any{"id": randomObjectID()})
				}
			}},
		{name: "a malformed environment id answers 404", tags: "@environments", scenarios: `not a Mongo ObjectId`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", envAnyOneRE) && r.StatusCode == http.StatusBadRequest {
					respond(r, 404, map[string]any{"message": "Not found", "success": false, "error": "Not found"})
				}
			}},
		{name: "the public API refuses a capitalized visibility", tags: "@environments", scenarios: `python-domino's documentation`,
			request: func(b *breaker, out *http.Request, body []byte) []byte {
				if is(out, "POST", envCreateRE) && strings.Contains(string(body), `"visibility":"Private"`) {
					return rewriteBody(body, "visibility", "Organization")
				}
				return body
			}},
		{name: "another user's private environment is readable", tags: "@environments", scenarios: `cannot be read`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", envV4RE) && r.StatusCode == http.StatusForbidden {
					respond(r, 200, map[string]any{"id": randomObjectID()})
				}
			}},
	}
}
