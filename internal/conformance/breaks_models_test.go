package conformance

import (
	"net/http"
	"strings"
)

// Deliberate breaks of the model, export and endpoint behaviours
// (models.feature), each caught by the scenarios named, added to
// breakRules when the tests start.
func init() { breakRules = append(breakRules, modelBreaks()...) }

var (
	modelsRE         = re(`^/v1/models$`)
	modelVersionsRE  = re(`^/v1/models/[^/]+/versions$`)
	projectModelsRE  = re(`^/v1/projects/[^/]+/[^/]+/models$`)
	exportRE         = re(`^/v4/models/[^/]+/[^/]+/exportImageToRegistry$`)
	exportStatusRE   = re(`^/v4/models/[^/]+/getExportImageStatus$`)
	exportLogsRE     = re(`^/v4/models/[^/]+/getExportLogs$`)
	endpointStateRE  = re(`^/v1/[^/]+/[^/]+/endpoint/state$`)
	endpointPublishR = re(`^/v1/[^/]+/[^/]+/endpoint/publishRelease$`)
	endpointRE       = re(`^/v1/[^/]+/[^/]+/endpoint$`)
)

// inData edits the object a v1 answer carries in "data".
func inData(r *http.Response, f func(o map[string]any)) {
	editJSON(r, func(v any) any {
		if o, ok := v.(map[string]any); ok {
			if d, ok := o["data"].(map[string]any); ok {
				f(d)
			}
		}
		return v
	})
}

func modelBreaks() []breakRule {
	return []breakRule{
		{name: "a published model has no _id", tags: "@models", scenarios: `published the way python-domino`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", modelsRE) && r.StatusCode == 200 {
					inData(r, func(o map[string]any) { delete(o, "_id") })
				}
			}},
		{name: "a project lists no models", tags: "@models", scenarios: `published the way python-domino`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", projectModelsRE) && r.StatusCode == 200 {
					respond(r, 200, map[string]any{"objectType": "list", "uri": r.Request.URL.Path, "data": []any{}})
				}
			}},
		{name: "a new version is numbered 1", tags: "@models", scenarios: `versions are numbered`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", modelVersionsRE) && r.StatusCode == 200 {
					inData(r, func(o map[string]any) {
						if md, ok := o["metadata"].(map[string]any); ok {
							md["number"] = 1
						}
					})
				}
			}},
		{name: "a model lists its first version only", tags: "@models", scenarios: `versions are numbered`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", modelVersionsRE) && r.StatusCode == 200 {
					editJSON(r, func(v any) any {
						if o, ok := v.(map[string]any); ok {
							if d, ok := o["data"].([]any); ok && len(d) > 1 {
								o["data"] = d[:1]
							}
						}
						return v
					})
				}
			}},
		{name: "an export answers 200 without its id", tags: "@models", scenarios: `complete or failed`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", exportRE) && r.StatusCode == 202 {
					r.StatusCode = 200
					eachObject(r, func(o map[string]any) { delete(o, "exportId") })
				}
			}},
		{name: "an export never ends", tags: "@models", scenarios: `complete or failed`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", exportStatusRE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) { o["status"] = "building" })
				}
			}},
		{name: "an export's logs lack their status", tags: "@models", scenarios: `complete or failed`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", exportLogsRE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) { delete(o, "status") })
				}
			}},
		{name: "an unknown export answers an empty status", tags: "@models", scenarios: `export that does not exist`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", exportStatusRE) && r.StatusCode == 404 {
					respond(r, 200, map[string]any{})
				}
			}},
		{name: "a malformed export id is a 404", tags: "@models", scenarios: `malformed export id`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", exportStatusRE) && r.StatusCode == 400 && strings.Contains(r.Request.URL.Path, "not-an-id") {
					respond(r, 404, map[string]any{"message": "not found", "success": false})
				}
			}},
		{name: "a model without a file is published", tags: "@models", scenarios: `without a file`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", modelsRE) && r.StatusCode == 400 {
					respond(r, 200, map[string]any{"data": map[string]any{"_id": randomObjectID(), "id": randomObjectID()}})
				}
			}},
		{name: "a LauncherUser or ResultsConsumer publishes a model", tags: "@models", scenarios: `may not publish models`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", modelsRE) && r.StatusCode == 403 {
					respond(r, 200, map[string]any{"data": map[string]any{"_id": randomObjectID(), "id": randomObjectID()}})
				}
			}},
		{name: "a non-member lists a private project's models", tags: "@models", scenarios: `non-member does not list`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", projectModelsRE) && r.StatusCode == 403 {
					respond(r, 200, map[string]any{"objectType": "list", "data": []any{}})
				}
			}},
		{name: "a published endpoint reads unpublished", tags: "@models", scenarios: `published and unpublished`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", endpointStateRE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) { o["isPublished"] = false })
				}
			}},
		{name: "unpublishing the endpoint does nothing", tags: "@models", scenarios: `published and unpublished`,
			request: func(b *breaker, out *http.Request, body []byte) []byte {
				if is(out, "DELETE", endpointRE) {
					out.Method = http.MethodGet
					out.URL.Path += "/state"
				}
				return body
			}},
		{name: "the endpoint serves another function", tags: "@models", scenarios: `published and unpublished`,
			request: func(b *breaker, out *http.Request, body []byte) []byte {
				if is(out, "POST", endpointPublishR) {
					return []byte(strings.Replace(string(body), "api_endpoint", "other", 1))
				}
				return body
			}},
		{name: "a new project's endpoint reads published", tags: "@models", scenarios: `not published until it is`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", endpointStateRE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) { o["isPublished"] = true })
				}
			}},
	}
}
