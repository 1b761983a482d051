package api_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"
)

// Route cases of the workspace routes (one per route, as routes_test.go
// has them for the others), added to routeCases when the tests start.
func init() {
	for name, c := range workspaceRouteCases {
		if routeCases[name] != nil {
			panic("two route cases for " + name)
		}
		routeCases[name] = c
	}
}

const wsBase = "/v4/workspace/project/" + projectID

// The fields of each shape, as the spec gives them.
var (
	workspaceFields = map[string]string{"id": "id", "deleted": "bool", "projectId": "id", "ownerId": "id", "ownerName": "string",
		"name": "string", "state": "string", "stateUpdatedAt": "time", "createdAt": "time", "initConfig": "object",
		"configTemplate": "object", "importedProjects": "array", "importedGitRepos": "array", "dataPlaneId": "id",
		"sessionStats": "object", "isLegacy": "bool", "isReproduced": "bool", "mostRecentSession": "object", "project": "object",
		"codeBranchName": "null", "dfsBranchName": "null", "lastCommitTime": "null", "markedForDeleteTime": "null"}
	sessionFields = map[string]string{"id": "id", "executionId": "id", "config": "object", "datasetMounts": "array",
		"externalVolumeMounts": "array", "netAppVolumeMounts": "array", "queuedWorkspaceHistoryDetails": "object",
		"sessionStatusInfo": "object", "start": "null", "end": "null", "diskUsage": "null"}
	statusInfoFields = map[string]string{"rawExecutionDisplayStatus": "string", "rawExecutionDisplayStatusUpdatedAt": "time",
		"isLoading": "bool", "isRunning": "bool", "isStoppable": "bool", "isCompleting": "bool", "isFailed": "bool",
		"isSuccessful": "bool", "isCompleted": "bool"}
	wsConfigFields = map[string]string{"environment": "object", "hardwareTier": "object", "tools": "array", "capacityType": "null",
		"clusterProps": "null", "computeClusterResponseProps": "null", "dataPlane": "null", "persistence": "null", "ssh": "null"}
	wsEnvFields = map[string]string{"id": "id", "name": "string", "revisionId": "id", "revisionNumber": "number",
		"revisionType": "string", "isRestricted": "bool"}
	wsPageFields       = map[string]string{"workspaces": "array", "totalWorkspaceCount": "number", "offset": "number", "limit": "number"}
	definitionFields   = map[string]string{"id": "string", "name": "string", "title": "string", "iconUrl": "null"}
	wsLifecycleFields  = map[string]string{"mode": "string", "startingFor": "string", "stoppingFor": "string", "polls": "number", "startStatus": "string"}
	wsCollectionFields = map[string]string{"items": "array", "paginationDetails": "object", "totalCount": "number"}
)

// wsBody is a create body with every field the spec requires.
func wsBody(name string, tools ...string) string {
	if tools == nil {
		tools = []string{"jupyterlab"}
	}
	quoted := make([]string, len(tools))
	for i, t := range tools {
		quoted[i] = fmt.Sprintf("%q", t)
	}
	return fmt.Sprintf(`{"name":%q,"environmentId":%q,"hardwareTierId":{"value":"small-k8s"},"tools":[%s],"externalVolumeMounts":[]}`,
		name, envID, strings.Join(quoted, ","))
}

// createWS creates a workspace in the fixtures' project and answers it.
func (e *env) createWS(name string, hdr ...string) map[string]any {
	e.t.Helper()
	if hdr == nil {
		hdr = asAdmin
	}
	return e.must(200, e.api, "POST", wsBase+"/workspace", wsBody(name), hdr...).obj(e.t)
}

// manualSessions holds new sessions at each stage until advanced.
func (e *env) manualSessions() {
	e.t.Helper()
	e.must(200, e.proxy, "PUT", "/__mock/workspaces/lifecycle", `{"mode":"manual"}`)
}

func wsPath(w map[string]any, suffix string) string {
	return wsBase + "/workspace/" + str(w["id"]) + suffix
}

// checkWorkspace checks a WorkspaceDto's shape, its most recent session's
// and their configurations'.
func checkWorkspace(t *testing.T, what string, m map[string]any) {
	t.Helper()
	want := maps.Clone(workspaceFields)
	if m["deleted"] == true {
		want["markedForDeleteTime"] = "time"
	}
	exactFields(t, what, m, want)
	checkConfig(t, what+" configTemplate", obj(m["configTemplate"]))
	checkSession(t, what+" mostRecentSession", obj(m["mostRecentSession"]))
	exactFields(t, what+" project", obj(m["project"]), map[string]string{"id": "id", "name": "string", "owner": "object"})
	exactFields(t, what+" initConfig", obj(m["initConfig"]), map[string]string{"volumeSize": "object"})
	stats := map[string]string{"runTimeSec": "number", "lastStartTime": "null", "lastEndTime": "null"}
	for _, k := range []string{"lastStartTime", "lastEndTime"} {
		if obj(m["sessionStats"])[k] != nil {
			stats[k] = "number"
		}
	}
	exactFields(t, what+" sessionStats", obj(m["sessionStats"]), stats)
}

func checkConfig(t *testing.T, what string, c map[string]any) {
	t.Helper()
	exactFields(t, what, c, wsConfigFields)
	exactFields(t, what+" environment", obj(c["environment"]), wsEnvFields)
	exactFields(t, what+" hardwareTier", obj(c["hardwareTier"]), map[string]string{"id": "object", "name": "string"})
}

func checkSession(t *testing.T, what string, x map[string]any) {
	t.Helper()
	want := maps.Clone(sessionFields)
	for _, k := range []string{"start", "end"} {
		if x[k] != nil {
			want[k] = "object"
		}
	}
	exactFields(t, what, x, want)
	exactFields(t, what+" sessionStatusInfo", obj(x["sessionStatusInfo"]), statusInfoFields)
	checkConfig(t, what+" config", obj(x["config"]))
}

func rawStatus(m map[string]any) any {
	if s := obj(m["mostRecentSession"]); s != nil {
		m = s
	}
	return obj(m["sessionStatusInfo"])["rawExecutionDisplayStatus"]
}

var workspaceRouteCases = map[string]routeCase{
	"POST /v4/workspace/project/{projectId}/workspace": func(t *testing.T, e *env) {
		m := e.createWS("ide")
		checkWorkspace(t, "create", m)
		c := obj(m["configTemplate"])
		if m["name"] != "ide" || m["ownerName"] != "admin" || m["state"] != "Initializing" || m["deleted"] != false ||
			obj(obj(c["hardwareTier"])["id"])["value"] != "small-k8s" || fmt.Sprint(c["tools"]) != "[jupyterlab]" ||
			obj(c["environment"])["revisionId"] != envRevisionID || rawStatus(m) != "Queued" {
			t.Errorf("created %v", m)
		}
		// The project's defaults fill what a body leaves out; a tier may be named as a string.
		d := e.must(200, e.api, "POST", wsBase+"/workspace", `{"name":"d","hardwareTierId":"medium-k8s"}`, asAdmin...).obj(t)
		if c := obj(d["configTemplate"]); obj(c["environment"])["id"] != envID || fmt.Sprint(c["tools"]) != "[jupyter]" ||
			obj(obj(c["hardwareTier"])["id"])["value"] != "medium-k8s" || obj(obj(d["initConfig"])["volumeSize"])["value"] != 10.0 {
			t.Errorf("defaults: %v", c)
		}
		p := wsBase + "/workspace"
		wantError(t, e.do(e.api, "POST", p, `{"tools":["jupyter"]}`, asAdmin...), 400, "name is required")
		wantError(t, e.do(e.api, "POST", p, wsBody("x", "emacs"), asAdmin...), 400, `tools[0] "emacs"`)
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","environmentId":"nope"}`, asAdmin...), 400, "Json validation error", "environmentId")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","environmentId":"`+unknownObjectID+`"}`, asAdmin...), 400, "not an environment this project may use")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","hardwareTierId":{"value":"huge"}}`, asAdmin...), 400, "hardwareTierId")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","hardwareTierId":{"id":"small-k8s"}}`, asAdmin...), 400, "hardwareTierId")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","externalVolumeMounts":["`+unknownObjectID+`"]}`, asAdmin...), 400, "externalVolumeMounts")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","overrideVolumeSizeGiB":500}`, asAdmin...), 400, "overrideVolumeSizeGiB")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","computeClusterConfig":{"clusterType":"Spark"}}`, asAdmin...), 400, "compute clusters")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","environmentRevisionSpec":"SomeRevision"}`, asAdmin...), 400, "environmentRevisionSpec")
		// alice may not launch in a project she is no member of, nor as a ResultsConsumer.
		wantError(t, e.do(e.api, "POST", p, wsBody("x"), asAlice...), 403)
		e.addCollaborator(aliceID, "ResultsConsumer")
		wantError(t, e.do(e.api, "POST", p, wsBody("x"), asAlice...), 403, "may not launch workspaces")
		e.addCollaborator(aliceID, "Contributor")
		if a := e.createWS("alices", asAlice...); a["ownerName"] != "alice" {
			t.Errorf("alice's: %v", a)
		}
		wantError(t, e.do(e.api, "POST", "/v4/workspace/project/"+unknownObjectID+"/workspace", wsBody("x"), asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/workspace/project/nope/workspace", wsBody("x"), asAdmin...), 400, "nope is not a valid ID")
		wantError(t, e.do(e.api, "POST", p, wsBody("x")), 401)
		// An archived project refuses new workspaces: no route finds it.
		e.must(200, e.api, "DELETE", "/v4/projects/"+projectID, "", asAdmin...)
		wantError(t, e.do(e.api, "POST", p, wsBody("x"), asAdmin...), 404)
	},

	"GET /v4/workspace/project/{projectId}/workspace": func(t *testing.T, e *env) {
		e.addCollaborator(aliceID, "Contributor")
		mine := e.createWS("admin's")
		alices := e.createWS("alice's", asAlice...)
		m := e.must(200, e.api, "GET", wsBase+"/workspace?offset=0&limit=10", "", asAdmin...).obj(t)
		exactFields(t, "page", m, wsPageFields)
		list, _ := m["workspaces"].([]any)
		if m["totalWorkspaceCount"] != 2.0 || len(list) != 2 || obj(list[0])["id"] != mine["id"] || obj(list[1])["id"] != alices["id"] {
			t.Errorf("the project's owner lists %v", m)
		}
		for _, w := range list {
			checkWorkspace(t, "listed", obj(w))
		}
		// A Contributor sees her own alone.
		a := e.must(200, e.api, "GET", wsBase+"/workspace?offset=0&limit=10", "", asAlice...).obj(t)
		if l, _ := a["workspaces"].([]any); len(l) != 1 || obj(l[0])["id"] != alices["id"] || a["totalWorkspaceCount"] != 1.0 {
			t.Errorf("alice lists %v", a)
		}
		page := e.must(200, e.api, "GET", wsBase+"/workspace?offset=1&limit=1", "", asAdmin...).obj(t)
		if l, _ := page["workspaces"].([]any); len(l) != 1 || obj(l[0])["id"] != alices["id"] || page["offset"] != 1.0 || page["limit"] != 1.0 || page["totalWorkspaceCount"] != 2.0 {
			t.Errorf("page 2 of 1: %v", page)
		}
		wantError(t, e.do(e.api, "GET", wsBase+"/workspace?limit=10", "", asAdmin...), 400, "Missing parameter: offset")
		wantError(t, e.do(e.api, "GET", wsBase+"/workspace?offset=0", "", asAdmin...), 400, "Missing parameter: limit")
		wantError(t, e.do(e.api, "GET", wsBase+"/workspace?offset=-1&limit=10", "", asAdmin...), 400, "offset")
		wantError(t, e.do(e.api, "GET", wsBase+"/workspace?offset=0&limit=x", "", asAdmin...), 400, "limit")
		e.must(200, e.api, "DELETE", "/v4/projects/"+projectID+"/collaborators/"+aliceID, "", asAdmin...)
		wantError(t, e.do(e.api, "GET", wsBase+"/workspace?offset=0&limit=10", "", asAlice...), 403)
	},

	"GET /v4/workspace/project/{projectId}/workspace/{workspaceId}": func(t *testing.T, e *env) {
		w := e.createWS("ide")
		// Each read is a status poll: the default lifecycle runs it at the first.
		m := e.must(200, e.api, "GET", wsPath(w, ""), "", asAdmin...).obj(t)
		checkWorkspace(t, "get", m)
		if m["id"] != w["id"] || m["state"] != "Started" || rawStatus(m) != "Running" || obj(obj(m["mostRecentSession"])["start"])["time"] == nil {
			t.Errorf("get %v", m)
		}
		// python-domino's maintenance tool reads these two flags.
		info := obj(obj(m["mostRecentSession"])["sessionStatusInfo"])
		if info["isRunning"] != true || info["isCompleted"] != false {
			t.Errorf("status info %v", info)
		}
		wantError(t, e.do(e.api, "GET", wsBase+"/workspace/"+unknownObjectID, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", wsBase+"/workspace/nope", "", asAdmin...), 400, "nope is not a valid ID")
		e.addCollaborator(aliceID, "Contributor")
		wantError(t, e.do(e.api, "GET", wsPath(w, ""), "", asAlice...), 403, "admin's")
	},

	"POST /v4/workspace/project/{projectId}/workspace/{workspaceId}": func(t *testing.T, e *env) {
		e.manualSessions()
		w := e.createWS("ide")
		body := `{"name":"renamed","environmentId":"` + envID + `","hardwareTierId":{"value":"medium-k8s"},"tools":["vscode"]}`
		m := e.must(200, e.api, "POST", wsPath(w, ""), body, asAdmin...).obj(t)
		checkWorkspace(t, "update", m)
		c := obj(m["configTemplate"])
		if m["name"] != "renamed" || fmt.Sprint(c["tools"]) != "[vscode]" || obj(obj(c["hardwareTier"])["id"])["value"] != "medium-k8s" {
			t.Errorf("updated %v", m)
		}
		if s := obj(obj(m["mostRecentSession"])["config"]); fmt.Sprint(s["tools"]) != "[jupyterlab]" {
			t.Errorf("the running session keeps its tools: %v", s)
		}
		wantError(t, e.do(e.api, "POST", wsPath(w, ""), `{"tools":["emacs"]}`, asAdmin...), 400, "emacs")
		wantError(t, e.do(e.api, "POST", wsPath(w, ""), `{"overrideVolumeSizeGiB":20}`, asAdmin...), 400, "volumes")
		e.addCollaborator(aliceID, "Owner")
		// The project's managers see it; only its owner changes it.
		wantError(t, e.do(e.api, "POST", wsPath(w, ""), body, asAlice...), 403, "only admin")
		wantError(t, e.do(e.api, "POST", wsBase+"/workspace/"+unknownObjectID, body, asAdmin...), 404)
	},

	"DELETE /v4/workspace/project/{projectId}/workspace/{workspaceId}": func(t *testing.T, e *env) {
		e.manualSessions()
		w := e.createWS("ide")
		wantError(t, e.do(e.api, "DELETE", wsPath(w, ""), "", asAdmin...), 400, "has a session that has not stopped")
		e.must(200, e.api, "POST", wsPath(w, "/stop"), "", asAdmin...)
		wantError(t, e.do(e.api, "DELETE", wsPath(w, ""), "", asAdmin...), 400, "Stopping")
		e.must(200, e.proxy, "POST", "/__mock/workspaces/"+str(w["id"])+"/advance", "")
		m := e.must(200, e.api, "DELETE", wsPath(w, ""), "", asAdmin...).obj(t)
		checkWorkspace(t, "delete", m)
		if m["deleted"] != true || m["state"] != "Deleted" {
			t.Errorf("deleted %v", m)
		}
		// Deleting again answers it as it is; it is found, as deleted.
		if again := e.must(200, e.api, "DELETE", wsPath(w, ""), "", asAdmin...).obj(t); again["deleted"] != true {
			t.Errorf("again %v", again)
		}
		if got := e.must(200, e.api, "GET", wsPath(w, ""), "", asAdmin...).obj(t); got["state"] != "Deleted" {
			t.Errorf("read back %v", got)
		}
		wantError(t, e.do(e.api, "DELETE", wsBase+"/workspace/"+unknownObjectID, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", wsPath(w, ""), "", asAlice...), 403)
	},

	"POST /v4/workspace/project/{projectId}/workspace/{workspaceId}/updateTitle": func(t *testing.T, e *env) {
		w := e.createWS("ide")
		m := e.must(200, e.api, "POST", wsPath(w, "/updateTitle"), `{"title":"better"}`, asAdmin...).obj(t)
		checkWorkspace(t, "updateTitle", m)
		if m["name"] != "better" {
			t.Errorf("renamed %v", m)
		}
		wantError(t, e.do(e.api, "POST", wsPath(w, "/updateTitle"), `{"title":""}`, asAdmin...), 400, "title is required")
		wantError(t, e.do(e.api, "POST", wsPath(w, "/updateTitle"), `{"title":7}`, asAdmin...), 400, "title")
		wantError(t, e.do(e.api, "POST", wsPath(w, "/updateTitle"), `{"title":"x"}`, asAlice...), 403)
	},

	"GET /v4/workspace/project/{projectId}/workspace/{workspaceId}/sessions": func(t *testing.T, e *env) {
		w := e.createWS("ide")
		first := obj(w["mostRecentSession"])["id"]
		e.must(200, e.api, "POST", wsPath(w, "/stop"), "", asAdmin...)
		e.must(200, e.api, "GET", wsPath(w, ""), "", asAdmin...)
		second := e.must(200, e.api, "POST", wsPath(w, "/sessions"), "", asAdmin...).obj(t)["id"]
		l := e.must(200, e.api, "GET", wsPath(w, "/sessions"), "", asAdmin...).list(t)
		if len(l) != 2 || l[0]["id"] != second || l[1]["id"] != first {
			t.Errorf("sessions, newest first: %v", l)
		}
		for _, x := range l {
			checkSession(t, "listed session", x)
		}
		if l := e.must(200, e.api, "GET", wsPath(w, "/sessions?offset=1&limit=1"), "", asAdmin...).list(t); len(l) != 1 || l[0]["id"] != first {
			t.Errorf("offset 1: %v", l)
		}
		wantError(t, e.do(e.api, "GET", wsPath(w, "/sessions?limit=-1"), "", asAdmin...), 400, "limit")
		wantError(t, e.do(e.api, "GET", wsPath(w, "/sessions"), "", asAlice...), 403)
	},

	"POST /v4/workspace/project/{projectId}/workspace/{workspaceId}/sessions": func(t *testing.T, e *env) {
		e.manualSessions()
		w := e.createWS("ide")
		wantError(t, e.do(e.api, "POST", wsPath(w, "/sessions"), "", asAdmin...), 400, "already has a session that has not stopped (Queued)")
		e.must(200, e.api, "POST", wsPath(w, "/stop"), "", asAdmin...)
		e.must(200, e.proxy, "POST", "/__mock/workspaces/"+str(w["id"])+"/advance", "")
		x := e.must(200, e.api, "POST", wsPath(w, "/sessions"), "", asAdmin...).obj(t)
		checkSession(t, "started", x)
		if x["id"] == obj(w["mostRecentSession"])["id"] || obj(x["sessionStatusInfo"])["rawExecutionDisplayStatus"] != "Queued" {
			t.Errorf("started %v", x)
		}
		if m := e.must(200, e.api, "GET", wsPath(w, ""), "", asAdmin...).obj(t); m["state"] != "Starting" {
			t.Errorf("a second session is Starting: %v", m["state"])
		}
		wantError(t, e.do(e.api, "POST", wsPath(w, "/sessions?externalVolumeMounts=bad"), "", asAdmin...), 400, "bad is not a valid ID")
		wantError(t, e.do(e.api, "POST", wsPath(w, "/sessions?externalVolumeMounts="+unknownObjectID), "", asAdmin...), 400, "external volume")
		e.addCollaborator(aliceID, "Owner")
		wantError(t, e.do(e.api, "POST", wsPath(w, "/sessions"), "", asAlice...), 403)
	},

	"POST /v4/workspace/project/{projectId}/workspace/{workspaceId}/stop": func(t *testing.T, e *env) {
		e.manualSessions()
		e.addCollaborator(aliceID, "Contributor")
		w := e.createWS("alice's", asAlice...)
		e.must(200, e.proxy, "POST", "/__mock/workspaces/"+str(w["id"])+"/advance", "")
		// An administrator stops another user's workspace (as Domino's maintenance tool does).
		x := e.must(200, e.api, "POST", wsPath(w, "/stop"), "", asAdmin...).obj(t)
		checkSession(t, "stop", x)
		info := obj(x["sessionStatusInfo"])
		if info["rawExecutionDisplayStatus"] != "Stopping" || info["isCompleting"] != true || info["isStoppable"] != false {
			t.Errorf("stopping: %v", info)
		}
		e.must(200, e.proxy, "POST", "/__mock/workspaces/"+str(w["id"])+"/advance", "")
		m := e.must(200, e.api, "GET", wsPath(w, ""), "", asAlice...).obj(t)
		end := obj(obj(m["mostRecentSession"])["end"])
		if m["state"] != "Stopped" || end["exitStatus"] != "Stopped" || end["repoDirty"] != false || end["time"] == nil {
			t.Errorf("stopped: %v", m)
		}
		// Stopping a stopped one answers it as it is.
		if again := e.must(200, e.api, "POST", wsPath(w, "/stop"), "", asAlice...).obj(t); obj(again["sessionStatusInfo"])["isCompleted"] != true {
			t.Errorf("again %v", again)
		}
		e.addCollaborator(aliceID, "LauncherUser")
		mine := e.createWS("admin's")
		wantError(t, e.do(e.api, "POST", wsPath(mine, "/stop"), "", asAlice...), 403)
		wantError(t, e.do(e.api, "POST", wsBase+"/workspace/"+unknownObjectID+"/stop", "", asAdmin...), 404)
	},

	"GET /v4/workspace/project/{projectId}/sessions/{workspaceSessionId}": func(t *testing.T, e *env) {
		w := e.createWS("ide")
		id := str(obj(w["mostRecentSession"])["id"])
		x := e.must(200, e.api, "GET", wsBase+"/sessions/"+id, "", asAdmin...).obj(t)
		checkSession(t, "session", x)
		if x["id"] != id || obj(x["sessionStatusInfo"])["rawExecutionDisplayStatus"] != "Running" {
			t.Errorf("session %v", x)
		}
		wantError(t, e.do(e.api, "GET", wsBase+"/sessions/"+unknownObjectID, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", wsBase+"/sessions/x", "", asAdmin...), 400, "x is not a valid ID")
		wantError(t, e.do(e.api, "GET", wsBase+"/sessions/"+id, "", asAlice...), 403)
	},

	"GET /v4/workspace/project/{projectId}/deleted": func(t *testing.T, e *env) {
		w := e.createWS("gone")
		e.createWS("kept")
		e.must(200, e.api, "POST", wsPath(w, "/stop"), "", asAdmin...)
		e.must(200, e.api, "DELETE", wsPath(w, ""), "", asAdmin...)
		m := e.must(200, e.api, "GET", wsBase+"/deleted?offset=0&limit=5", "", asAdmin...).obj(t)
		exactFields(t, "deleted page", m, wsPageFields)
		if l, _ := m["workspaces"].([]any); len(l) != 1 || obj(l[0])["id"] != w["id"] || m["totalWorkspaceCount"] != 1.0 {
			t.Errorf("deleted %v", m)
		}
		if p := e.must(200, e.api, "GET", wsBase+"/workspace?offset=0&limit=5", "", asAdmin...).obj(t); p["totalWorkspaceCount"] != 1.0 {
			t.Errorf("provisioned %v", p)
		}
		wantError(t, e.do(e.api, "GET", wsBase+"/deleted", "", asAdmin...), 400, "Missing parameter")
	},

	"GET /v4/workspace/project/{projectId}/owner/{ownerId}": func(t *testing.T, e *env) {
		e.addCollaborator(aliceID, "Contributor")
		e.createWS("admin's")
		a := e.createWS("alice's", asAlice...)
		m := e.must(200, e.api, "GET", wsBase+"/owner/"+aliceID+"?offset=0&limit=5", "", asAdmin...).obj(t)
		exactFields(t, "owner page", m, wsPageFields)
		if l, _ := m["workspaces"].([]any); len(l) != 1 || obj(l[0])["id"] != a["id"] {
			t.Errorf("alice's %v", m)
		}
		if m := e.must(200, e.api, "GET", wsBase+"/owner/"+aliceID+"?offset=0&limit=5", "", asAlice...).obj(t); m["totalWorkspaceCount"] != 1.0 {
			t.Errorf("her own %v", m)
		}
		wantError(t, e.do(e.api, "GET", wsBase+"/owner/"+adminID+"?offset=0&limit=5", "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", wsBase+"/owner/"+unknownObjectID+"?offset=0&limit=5", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", wsBase+"/owner/alice?offset=0&limit=5", "", asAdmin...), 400, "alice is not a valid ID")
	},

	"GET /v4/workspace/{projectId}/getProvisionedWorkspaceCount": func(t *testing.T, e *env) {
		p := "/v4/workspace/" + projectID + "/getProvisionedWorkspaceCount"
		if got := compact(t, e.must(200, e.api, "GET", p, "", asAdmin...).body); got != "0" {
			t.Errorf("none: %s", got)
		}
		e.createWS("a")
		e.createWS("b")
		if got := compact(t, e.must(200, e.api, "GET", p, "", asAdmin...).body); got != "2" {
			t.Errorf("two: %s", got)
		}
		wantError(t, e.do(e.api, "GET", p, "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v4/workspace/"+unknownObjectID+"/getProvisionedWorkspaceCount", "", asAdmin...), 404)
	},

	"GET /v4/workspace": func(t *testing.T, e *env) {
		e.addCollaborator(aliceID, "Contributor")
		a := e.createWS("alpha", asAlice...)
		e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"1m"}`)
		b := e.createWS("beta", asAlice...)
		e.createWS("admin's")
		m := e.must(200, e.api, "GET", "/v4/workspace", "", asAlice...).obj(t)
		exactFields(t, "collection", m, wsCollectionFields)
		exactFields(t, "paginationDetails", obj(m["paginationDetails"]), map[string]string{"pageSize": "number", "pageNumber": "number", "sortOrder": "string"})
		l, _ := m["items"].([]any)
		if m["totalCount"] != 2.0 || len(l) != 2 || obj(l[0])["id"] != b["id"] || obj(l[1])["id"] != a["id"] {
			t.Errorf("last started first: %v", m)
		}
		checkWorkspace(t, "item", obj(l[0]))
		m = e.must(200, e.api, "GET", "/v4/workspace?sortField=Name&sortOrder=asc&pageSize=1&pageNumber=2", "", asAlice...).obj(t)
		if l, _ := m["items"].([]any); len(l) != 1 || obj(l[0])["id"] != b["id"] || m["totalCount"] != 2.0 {
			t.Errorf("by name, page 2 of 1: %v", m)
		}
		if l, _ := e.must(200, e.api, "GET", "/v4/workspace?q=ALP", "", asAlice...).obj(t)["items"].([]any); len(l) != 1 || obj(l[0])["id"] != a["id"] {
			t.Errorf("q=ALP: %v", l)
		}
		wantError(t, e.do(e.api, "GET", "/v4/workspace?sortField=Size", "", asAlice...), 500, "No value found for 'Size'")
		wantError(t, e.do(e.api, "GET", "/v4/workspace?sortOrder=up", "", asAlice...), 500, "No value found for 'up'")
		wantError(t, e.do(e.api, "GET", "/v4/workspace?pageSize=0", "", asAlice...), 400, "pageSize")
		wantError(t, e.do(e.api, "GET", "/v4/workspace", ""), 401)
	},

	"GET /v4/workspaces/definitions": func(t *testing.T, e *env) {
		l := e.must(200, e.api, "GET", "/v4/workspaces/definitions?projectId="+projectID, "", asAdmin...).list(t)
		var names []string
		for _, d := range l {
			exactFields(t, "definition", d, definitionFields)
			names = append(names, str(d["id"]))
		}
		if strings.Join(names, ",") != "jupyter,jupyterlab,vscode,rstudio" {
			t.Errorf("definitions %v", l)
		}
		wantError(t, e.do(e.api, "GET", "/v4/workspaces/definitions", "", asAdmin...), 400, "Missing parameter: projectId")
		wantError(t, e.do(e.api, "GET", "/v4/workspaces/definitions?projectId=x", "", asAdmin...), 400, "x is not a valid ID")
		wantError(t, e.do(e.api, "GET", "/v4/workspaces/definitions?projectId="+unknownObjectID, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/workspaces/definitions?projectId="+projectID, "", asAlice...), 403)
	},

	"GET /v4/workspaces/project/{projectId}/environment/{environmentId}/availableTools": func(t *testing.T, e *env) {
		env := e.createEnv("tools", "Private", asAdmin...)
		e.must(200, e.api, "POST", betaEnvs+"/"+str(env["id"])+"/revisions",
			`{"workspaceTools":[{"name":"theia","title":"Theia","iconUrl":"https://example.com/t.svg","startScripts":["run"]}]}`, asAdmin...)
		p := "/v4/workspaces/project/" + projectID + "/environment/"
		m := e.must(200, e.api, "GET", p+str(env["id"])+"/availableTools", "", asAdmin...).obj(t)
		exactFields(t, "available tools", m, map[string]string{"workspaceTools": "array"})
		l, _ := m["workspaceTools"].([]any)
		if len(l) != 1 || obj(l[0])["id"] != "theia" || obj(l[0])["title"] != "Theia" || obj(l[0])["iconUrl"] != "https://example.com/t.svg" {
			t.Errorf("tools %v", m)
		}
		if m := e.must(200, e.api, "GET", p+envID+"/availableTools", "", asAdmin...).obj(t); len(m["workspaceTools"].([]any)) != 4 {
			t.Errorf("the default environment's %v", m)
		}
		wantError(t, e.do(e.api, "GET", p+unknownObjectID+"/availableTools", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", p+"x/availableTools", "", asAdmin...), 400, "x is not a valid ID")
		// alice's private environment is not one the admin's project may use.
		e.addCollaborator(aliceID, "Contributor")
		hers := e.createEnv("hers", "Private", asAlice...)
		wantError(t, e.do(e.api, "GET", p+str(hers["id"])+"/availableTools", "", asAdmin...), 400, "not an environment this project may use")
	},

	"GET /__mock/workspaces/lifecycle": func(t *testing.T, e *env) {
		m := e.must(200, e.proxy, "GET", "/__mock/workspaces/lifecycle", "").obj(t)
		exactFields(t, "lifecycle", m, wsLifecycleFields)
		if m["mode"] != "immediate" || m["startStatus"] != "Running" || m["polls"] != 1.0 {
			t.Errorf("default %v", m)
		}
		e.must(200, e.api, "GET", "/__mock/workspaces/lifecycle", "", asAdmin...)
		wantError(t, e.do(e.api, "GET", "/__mock/workspaces/lifecycle", "", asAlice...), 403)
	},

	"PUT /__mock/workspaces/lifecycle": func(t *testing.T, e *env) {
		m := e.must(200, e.proxy, "PUT", "/__mock/workspaces/lifecycle", `{"mode":"clock","startingFor":"1m","stoppingFor":"10s"}`).obj(t)
		exactFields(t, "lifecycle", m, wsLifecycleFields)
		if m["startingFor"] != "1m0s" || m["stoppingFor"] != "10s" || m["startStatus"] != "Running" {
			t.Errorf("set %v", m)
		}
		w := e.createWS("ide")
		e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"59s"}`)
		if got := e.must(200, e.api, "GET", wsPath(w, ""), "", asAdmin...).obj(t); got["state"] != "Initializing" {
			t.Errorf("before the minute: %v", got["state"])
		}
		e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"1s"}`)
		if got := e.must(200, e.api, "GET", wsPath(w, ""), "", asAdmin...).obj(t); got["state"] != "Started" {
			t.Errorf("after it: %v", got["state"])
		}
		p := "/__mock/workspaces/lifecycle"
		wantError(t, e.do(e.proxy, "PUT", p, `{"mode":"soon"}`), 400, "mode")
		wantError(t, e.do(e.proxy, "PUT", p, `{"mode":"manual","startStatus":"Succeeded"}`), 400, "startStatus")
		wantError(t, e.do(e.proxy, "PUT", p, `{"mode":"clock","startingFor":"soon"}`), 400, "startingFor")
		wantError(t, e.do(e.api, "PUT", p, `{"mode":"manual"}`, asAlice...), 403)
	},

	"POST /__mock/workspaces/{workspaceId}/advance": func(t *testing.T, e *env) {
		e.manualSessions()
		w := e.createWS("ide")
		m := e.must(200, e.proxy, "POST", "/__mock/workspaces/"+str(w["id"])+"/advance", "").obj(t)
		checkWorkspace(t, "advanced", m)
		if m["state"] != "Started" {
			t.Errorf("advanced %v", m["state"])
		}
		wantError(t, e.do(e.proxy, "POST", "/__mock/workspaces/"+str(w["id"])+"/advance", ""), 400, "runs until it is stopped")
		wantError(t, e.do(e.proxy, "POST", "/__mock/workspaces/"+unknownObjectID+"/advance", ""), 404)
		wantError(t, e.do(e.proxy, "POST", "/__mock/workspaces/x/advance", ""), 400, "x is not a valid ID")
		wantError(t, e.do(e.api, "POST", "/__mock/workspaces/"+str(w["id"])+"/advance", "", asAlice...), 403)
	},
}
