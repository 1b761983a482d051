package conformance

// Deliberate breaks of the project behaviours (projects.feature), joining
// breakRules: each is caught by the scenarios aimed at it.

import (
	"net/http"
	"strings"
)

func init() { breakRules = append(breakRules, projectBreakRules...) }

var (
	projectsRE     = re(`^/v4/projects$`)
	projectRE      = re(`^/v4/projects/[0-9a-f]{24}$`)
	projectVarsRE  = re(`^/v4/projects/[^/]+/environmentVariables(/[^/]+)?$`)
	projectTagRE   = re(`^/projectTags/[^/]+$`)
	projectForkRE  = re(`^/v4/projects/[^/]+/fork$`)
	projectSetRE   = re(`^/v4/projects/[^/]+/settings$`)
	gatewayListRE  = re(`^/v4/gateway/projects$`)
	legacyCollabRE = re(`^/[^/]+/[^/]+/collaborators$`)
)

// nonAdmin: the request comes with a key other than the administrator's.
func (b *breaker) nonAdmin(r *http.Request) bool {
	key := r.Header.Get("X-Domino-Api-Key")
	return key != "" && key != b.adminKey()
}

var projectBreakRules = []breakRule{
	{name: "a created project leaves out its collaborators", tags: "@projects", scenarios: `spec's fields`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", projectsRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) { o["collaborators"] = []any{} })
			}
		}},
	{name: "the project list ignores its filters", tags: "@projects", scenarios: `project list by its name|searchable project is listed`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", projectsRE) {
				out.URL.RawQuery = ""
			}
			return body
		}},
	{name: "the owned projects leave out new ones", tags: "@projects", scenarios: `among the caller's owned projects|legacy form|forked`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", gatewayListRE) && r.StatusCode == 200 {
				respond(r, 200, []any{})
			}
		}},
	{name: "an unknown relationship answers 200 with no projects", tags: "@projects", scenarios: `relationship that does not exist`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", gatewayListRE) && r.StatusCode == 500 {
				respond(r, 200, []any{})
			}
		}},
	{name: "a duplicate project name is created", tags: "@projects", scenarios: `project names are unique`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", projectsRE) && r.StatusCode >= 409 {
				respond(r, 200, map[string]any{"name": "dup"})
			}
		}},
	{name: "the legacy form's projectName is lost", tags: "@projects", scenarios: `legacy form`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if out.Method == "POST" && out.URL.Path == "/project" {
				return []byte("name=" + string(body))
			}
			return body
		}},
	{name: "anyone may create a project for another user", tags: "@projects", scenarios: `for another user`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", projectsRE) && r.StatusCode == 403 {
				respond(r, 200, map[string]any{"id": randomObjectID()})
			}
		}},
	{name: "a service account's project is owned by someone else", tags: "@projects", scenarios: `service account creates a project`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", projectsRE) && bearer(r.Request) != "" && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) { o["ownerId"] = randomObjectID() })
			}
		}},
	{name: "archiving answers 404", tags: "@projects", scenarios: `owner archives a project`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "DELETE", projectRE) && r.StatusCode == 200 {
				respond(r, 404, map[string]any{"message": "Not found", "success": false})
			}
		}},
	{name: "archiving a project does nothing", tags: "@projects", scenarios: `no longer found|refuses new jobs`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "DELETE", projectRE) {
				out.Method = http.MethodGet
			}
			return body
		}},
	{name: "anyone may archive", tags: "@projects", scenarios: `cannot archive`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "DELETE", projectRE) && r.StatusCode == 403 {
				respond(r, 200, map[string]any{})
			}
		}},
	{name: "a public project is hidden from other users", tags: "@projects", scenarios: `public project`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", projectRE) && b.nonAdmin(r.Request) && r.StatusCode == 200 {
				respond(r, 403, map[string]any{"message": "Forbidden", "success": false})
			}
		}},
	{name: "private projects are listed to everyone", tags: "@projects", scenarios: `private project is not listed`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", projectsRE) {
				asAdmin(out, b, false)
			}
			return body
		}},
	{name: "searchable projects are listed to no one else", tags: "@projects", scenarios: `searchable project is listed`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", projectsRE) && b.nonAdmin(r.Request) {
				filterList(r, func(o map[string]any) bool { return o["visibility"] != "Searchable" })
			}
		}},
	{name: "environment variables are not kept", tags: "@projects", scenarios: `added, listed and removed`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", projectVarsRE) && r.StatusCode == 200 {
				respond(r, 200, []any{})
			}
		}},
	{name: "a variable without a value is accepted", tags: "@projects", scenarios: `without a value`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", projectVarsRE) && r.StatusCode == 400 {
				respond(r, 200, map[string]any{"name": "ISQUICKSTART", "value": ""})
			}
		}},
	{name: "removing a variable that does not exist is not found", tags: "@projects", scenarios: `does not exist succeeds`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "DELETE", projectVarsRE) && strings.HasSuffix(r.Request.URL.Path, "/invalid") {
				respond(r, 404, map[string]any{"message": "Not found", "success": false})
			}
		}},
	{name: "an unknown project's variables are not found", tags: "@projects", scenarios: `environment-variable routes with a server error`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "", projectVarsRE) && r.StatusCode == 500 {
				respond(r, 404, map[string]any{"message": "Not found", "success": false})
			}
		}},
	{name: "a malformed project id on the variable routes answers 404", tags: "@projects", scenarios: `malformed project id`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "", projectVarsRE) && r.StatusCode == 400 {
				respond(r, 404, map[string]any{"message": "Not found", "success": false})
			}
		}},
	{name: "a results consumer may set environment variables", tags: "@projects", scenarios: `results consumer may not`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", projectVarsRE) && r.StatusCode == 403 {
				respond(r, 200, map[string]any{"name": "STAGE", "value": "prod"})
			}
		}},
	{name: "a tag's details lack its _id", tags: "@projects", scenarios: `tagged`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", projectTagRE) {
				eachObject(r, func(o map[string]any) { delete(o, "_id") })
			}
		}},
	{name: "changed settings are not kept", tags: "@projects", scenarios: `default hardware tier`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "PUT", projectSetRE) {
				out.Method = http.MethodGet
			}
			return body
		}},
	{name: "a fork keeps its source's name", tags: "@projects", scenarios: `forked`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", projectForkRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) { o["name"] = "quick-start" })
			}
		}},
	{name: "the legacy collaborators spell userName", tags: "@projects", scenarios: `legacy collaborators`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", legacyCollabRE) {
				eachObject(r, func(o map[string]any) { o["userName"] = o["username"]; delete(o, "username") })
			}
		}},
}
