package conformance

import (
	"net/http"
	"strings"
)

// Deliberate breaks of the workspace behaviours (workspaces.feature), one
// per scenario, each caught by the scenario named; added to breakRules when
// the tests start.
func init() { breakRules = append(breakRules, workspaceBreaks()...) }

var (
	wsCreateRE      = re(`^/v4/workspace/project/[^/]+/workspace$`)
	wsOneRE         = re(`^/v4/workspace/project/[^/]+/workspace/[^/]+$`)
	wsStartRE       = re(`^/v4/workspace/project/[^/]+/workspace/[^/]+/sessions$`)
	wsDeletedRE     = re(`^/v4/workspace/project/[^/]+/deleted$`)
	wsMineRE        = re(`^/v4/workspace$`)
	wsDefinitionsRE = re(`^/v4/workspaces/definitions$`)
	wsToolsRE       = re(`^/v4/workspaces/project/[^/]+/environment/[^/]+/availableTools$`)
)

// inWorkspace edits a JSON object answer.
func inWorkspace(r *http.Response, f func(o map[string]any)) {
	editJSON(r, func(v any) any {
		if o, ok := v.(map[string]any); ok {
			f(o)
		}
		return v
	})
}

// sessionInfo is a WorkspaceDto's most recent session's status info.
func sessionInfo(o map[string]any) map[string]any {
	s, _ := o["mostRecentSession"].(map[string]any)
	info, _ := s["sessionStatusInfo"].(map[string]any)
	if info == nil {
		return map[string]any{}
	}
	return info
}

// fakeWorkspace is a workspace answer for a call that should have failed.
func fakeWorkspace(r *http.Response) map[string]any {
	return map[string]any{"id": randomObjectID(), "name": "accepted", "deleted": true, "state": "Deleted",
		"projectId": strings.Split(r.Request.URL.Path, "/")[4], "ownerName": "someone"}
}

func workspaceBreaks() []breakRule {
	return []breakRule{
		{name: "a created workspace is someone else's", tags: "@workspaces", scenarios: `project's owner launches a workspace`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", wsCreateRE) && r.StatusCode == 200 {
					inWorkspace(r, func(o map[string]any) { o["ownerName"] = "someone-else" })
				}
			}},
		{name: "a workspace never runs", tags: "@workspaces", scenarios: `project's owner launches a workspace`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", wsOneRE) && r.StatusCode == 200 {
					inWorkspace(r, func(o map[string]any) {
						sessionInfo(o)["isRunning"], o["state"] = false, "Initializing"
					})
				}
			}},
		{name: "a stopped workspace's session never completes", tags: "@workspaces", scenarios: `stopped workspace's session completes`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", wsOneRE) && r.StatusCode == 200 {
					inWorkspace(r, func(o map[string]any) {
						if sessionInfo(o)["isCompleted"] == true {
							sessionInfo(o)["isCompleted"], o["state"] = false, "Stopping"
						}
					})
				}
			}},
		{name: "deleting a workspace answers it not deleted", tags: "@workspaces", scenarios: `stopped workspace is deleted`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "DELETE", wsOneRE) && r.StatusCode == 200 {
					inWorkspace(r, func(o map[string]any) { o["deleted"] = false })
				}
			}},
		{name: "the deleted workspaces list none", tags: "@workspaces", scenarios: `stopped workspace is deleted`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", wsDeletedRE) && r.StatusCode == 200 {
					inWorkspace(r, func(o map[string]any) { o["workspaces"], o["totalWorkspaceCount"] = []any{}, 0 })
				}
			}},
		{name: "a running workspace is deleted", tags: "@workspaces", scenarios: `running workspace cannot be deleted`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "DELETE", wsOneRE) && r.StatusCode == http.StatusBadRequest {
					respond(r, 200, fakeWorkspace(r))
				}
			}},
		{name: "a running workspace starts a second session", tags: "@workspaces", scenarios: `starts no second session`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", wsStartRE) && r.StatusCode == http.StatusBadRequest {
					respond(r, 200, map[string]any{"id": randomObjectID(), "executionId": randomObjectID()})
				}
			}},
		{name: "a workspace created with its name alone runs on another hardware tier", tags: "@workspaces", scenarios: `project's default environment and hardware tier`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", wsCreateRE) && r.StatusCode == 200 {
					inWorkspace(r, func(o map[string]any) {
						if c, ok := o["configTemplate"].(map[string]any); ok {
							c["hardwareTier"] = map[string]any{"id": map[string]any{"value": "not-the-default"}, "name": "Other"}
						}
					})
				}
			}},
		{name: "workspace definitions have no title", tags: "@workspaces", scenarios: `workspace tools of a project`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", wsDefinitionsRE) && r.StatusCode == 200 {
					eachObject(r, func(o map[string]any) { delete(o, "title") })
				}
			}},
		{name: "an environment's available tools are a bare list", tags: "@workspaces", scenarios: `tools an environment offers`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", wsToolsRE) && r.StatusCode == 200 {
					editJSON(r, func(v any) any {
						if o, ok := v.(map[string]any); ok {
							return o["workspaceTools"]
						}
						return v
					})
				}
			}},
		{name: "the caller's workspaces across projects leave out its own", tags: "@workspaces", scenarios: `among its owner's workspaces`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", wsMineRE) && r.StatusCode == 200 {
					inWorkspace(r, func(o map[string]any) { o["items"], o["totalCount"] = []any{}, 0 })
				}
			}},
		{name: "a contributor may not launch workspaces", tags: "@workspaces", scenarios: `contributor launches a workspace`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", wsCreateRE) && r.StatusCode == 200 && bearer(r.Request) != "" {
					respond(r, http.StatusForbidden, map[string]any{"message": "Forbidden", "success": false})
				}
			}},
		{name: "a LauncherUser or ResultsConsumer may launch workspaces", tags: "@workspaces", scenarios: `may not launch workspaces`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", wsCreateRE) && r.StatusCode == http.StatusForbidden {
					respond(r, 200, fakeWorkspace(r))
				}
			}},
		{name: "another contributor sees a workspace", tags: "@workspaces", scenarios: `Another contributor does not see`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", wsOneRE) && r.StatusCode == http.StatusForbidden {
					respond(r, 200, fakeWorkspace(r))
				}
			}},
		{name: "an unknown workspace is answered", tags: "@workspaces", scenarios: `workspace that does not exist`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", wsOneRE) && r.StatusCode == http.StatusNotFound {
					respond(r, 200, fakeWorkspace(r))
				}
			}},
		{name: "an archived project takes a workspace", tags: "@workspaces", scenarios: `archived project gets no new workspace`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", wsCreateRE) && r.StatusCode == http.StatusNotFound {
					respond(r, 200, fakeWorkspace(r))
				}
			}},
		{name: "a queued session says it runs", tags: "@workspaces", scenarios: `moves from queued to running to stopped`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", wsOneRE) && r.StatusCode == 200 {
					inWorkspace(r, func(o map[string]any) {
						if info := sessionInfo(o); info["rawExecutionDisplayStatus"] == "Queued" {
							info["rawExecutionDisplayStatus"] = "Running"
						}
					})
				}
			}},
	}
}
