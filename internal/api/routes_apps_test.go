package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// Route cases of the app routes (one per route), added to routeCases when
// the package's tests start.
func init() {
	for name, c := range appRouteCases {
		if routeCases[name] != nil {
			panic("two route cases for " + name)
		}
		routeCases[name] = c
	}
}

// appFields are the spec's required ModelProduct fields and the ones
// python-domino reads (id, status).
var appFields = map[string]string{"id": "id", "projectId": "id", "modelProductType": "string", "name": "string",
	"created": "time", "lastUpdated": "time", "status": "string", "media": "array", "tags": "array",
	"stats": "object", "permissionsData": "object"}

// pyAppBody is python-domino's __app_create payload, created and
// lastUpdated as nanosecond numbers and an id of zeros.
func pyAppBody(projectID, name string) string {
	return `{"modelProductType":"APP","projectId":"` + projectID + `","name":"` + name + `","owner":"",` +
		`"created":1764280800000000000,"lastUpdated":1764280800000000000,"status":"","media":[],"openUrl":"",` +
		`"tags":[],"stats":{"usageCount":0},"appExtension":{"appType":""},"id":"000000000000000000000000",` +
		`"permissionsData":{"visibility":"GRANT_BASED","accessRequestStatuses":{},"pendingInvitations":[],` +
		`"discoverable":true,"appAccessStatus":"ALLOWED"}}`
}

// createApp makes an app in the fixtures' project as the administrator.
func (e *env) createApp(name string) map[string]any {
	e.t.Helper()
	return e.must(200, e.api, "POST", "/v4/modelProducts", pyAppBody(projectID, name), asAdmin...).obj(e.t)
}

func (e *env) appStatus(id string, hdr ...string) string {
	e.t.Helper()
	return str(e.must(200, e.api, "GET", "/v4/modelProducts/"+id, "", hdr...).obj(e.t)["status"])
}

// jsonString decodes a body that is one JSON string (a DominoId).
func jsonString(t testing.TB, r *resp) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(r.body, &s); err != nil {
		t.Fatalf("%s: not a JSON string: %v", r, err)
	}
	return s
}

var appRouteCases = map[string]routeCase{
	"POST /v4/modelProducts": func(t *testing.T, e *env) {
		m := e.createApp("")
		fields(t, "app", m, appFields)
		if m["name"] != "" || m["status"] != "Stopped" || m["modelProductType"] != "APP" || m["projectId"] != projectID ||
			m["id"] == "000000000000000000000000" || m["latestAppInstanceId"] != nil {
			t.Errorf("created %v", m)
		}
		named := e.must(200, e.api, "POST", "/v4/modelProducts", `{"projectId":"`+projectID+`","name":"dash","modelProductType":"APP","hardwareTierId":"Medium","description":"d"}`, asAdmin...).obj(t)
		if named["hardwareTierId"] != "medium-k8s" || named["description"] != "d" {
			t.Errorf("created %v", named)
		}
		// One name per project: the profile's duplicate status, in the v4 shape.
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts", pyAppBody(projectID, "dash"), asAdmin...), 500, "already exists")
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts", pyAppBody(projectID, "x"), asAlice...), 403)
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts", pyAppBody(unknownObjectID, "x"), asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts", pyAppBody("nope", "x"), asAdmin...), 400, "Json validation error", "projectId")
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts", `{"name":"x"}`, asAdmin...), 400, "projectId")
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts", `{"projectId":"`+projectID+`","name":"y","modelProductType":"MODEL"}`, asAdmin...), 400, "modelProductType")
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts", `{"projectId":"`+projectID+`","name":7}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts", `{"projectId":"`+projectID+`","name":"z","environmentId":"bad"}`, asAdmin...), 400, "environmentId")
	},

	"GET /v4/modelProducts": func(t *testing.T, e *env) {
		a := e.createApp("a")
		e.must(200, e.api, "POST", "/v4/modelProducts", `{"projectId":"`+projectID+`","name":"r","modelProductType":"REPORT"}`, asAdmin...)
		l := e.must(200, e.api, "GET", "/v4/modelProducts?projectId="+projectID, "", asAdmin...).list(t)
		if len(l) != 2 || l[0]["id"] != a["id"] {
			t.Fatalf("list %v", l)
		}
		for _, m := range l {
			fields(t, "listed app", m, appFields)
		}
		if l := e.must(200, e.api, "GET", "/v4/modelProducts?projectId="+projectID+"&type=APP", "", asAdmin...).list(t); len(l) != 1 || l[0]["id"] != a["id"] {
			t.Errorf("type=APP %v", l)
		}
		wantError(t, e.do(e.api, "GET", "/v4/modelProducts?projectId="+projectID, "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v4/modelProducts?projectId=nope", "", asAdmin...), 400, "not a valid ID")
		wantError(t, e.do(e.api, "GET", "/v4/modelProducts", "", asAdmin...), 400, "projectId")
		wantError(t, e.do(e.api, "GET", "/v4/modelProducts?projectId="+projectID+"&type=apps", "", asAdmin...), 400, "type")
		wantError(t, e.do(e.api, "GET", "/v4/modelProducts?projectId="+unknownObjectID, "", asAdmin...), 404)
	},

	"GET /v4/modelProducts/{modelProductId}": func(t *testing.T, e *env) {
		a := e.createApp("a")
		m := e.must(200, e.api, "GET", "/v4/modelProducts/"+str(a["id"]), "", asAdmin...).obj(t)
		fields(t, "app", m, appFields)
		if m["id"] != a["id"] || m["status"] != "Stopped" {
			t.Errorf("get %v", m)
		}
		wantError(t, e.do(e.api, "GET", "/v4/modelProducts/"+unknownObjectID, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/modelProducts/nope", "", asAdmin...), 400, "nope is not a valid ID")
		wantError(t, e.do(e.api, "GET", "/v4/modelProducts/"+str(a["id"]), "", asAlice...), 403)
	},

	"POST /v4/modelProducts/{modelProductId}/start": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("publisher", "Contributor")
		a := e.createApp("a")
		id := str(a["id"])
		// python-domino's app_publish body, with a commit.
		instance := jsonString(t, e.must(200, e.api, "POST", "/v4/modelProducts/"+id+"/start",
			`{"hardwareTierId":"small-k8s","mainRepoGitRef":{"type":"commitId","value":"0123abcd"}}`, bearer(tok)...))
		if len(instance) != 24 || instance == id {
			t.Errorf("start answered %q, want the new instance's id", instance)
		}
		m := e.must(200, e.api, "GET", "/v4/modelProducts/"+id, "", bearer(tok)...).obj(t)
		if m["status"] != "Running" || m["latestAppInstanceId"] != instance || m["runningCommitId"] != "0123abcd" || !strings.HasSuffix(str(m["runningAppUrl"]), "/") {
			t.Errorf("after start (immediate lifecycle): %v", m)
		}
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts/"+id+"/start", `{}`, bearer(tok)...), 400, "already running")
		e.must(200, e.api, "POST", "/v4/modelProducts/"+id+"/stop", "", bearer(tok)...)
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts/"+id+"/start", `{}`, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts/"+id+"/start", `{"hardwareTierId":"huge"}`, bearer(tok)...), 400, "hardwareTierId")
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts/"+id+"/start", `{"environmentId":"nope"}`, bearer(tok)...), 400, "Json validation error")
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts/"+id+"/start", `{"externalVolumeMountIds":["nope"]}`, bearer(tok)...), 400, "externalVolumeMountIds")
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts/"+id+"/start", `{"mainRepoGitRef":{"type":"sideways"}}`, bearer(tok)...), 400, "mainRepoGitRef")
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts/"+unknownObjectID+"/start", `{}`, bearer(tok)...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts/nope/start", `{}`, bearer(tok)...), 400, "not a valid ID")
		// Started again after the stop: a new instance.
		again := jsonString(t, e.must(200, e.api, "POST", "/v4/modelProducts/"+id+"/start", `{}`, bearer(tok)...))
		if again == instance {
			t.Errorf("a second start answered the first instance %s", again)
		}
	},

	"POST /v4/modelProducts/{modelProductId}/stop": func(t *testing.T, e *env) {
		e.must(200, e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"manual"}`)
		a := e.createApp("a")
		id := str(a["id"])
		// Before any start: nothing to stop, the app's id.
		if got := jsonString(t, e.must(200, e.api, "POST", "/v4/modelProducts/"+id+"/stop", "", asAdmin...)); got != id {
			t.Errorf("stop before start answered %q", got)
		}
		instance := jsonString(t, e.must(200, e.api, "POST", "/v4/modelProducts/"+id+"/start", `{}`, asAdmin...))
		if got := e.appStatus(id, asAdmin...); got != "Pending" {
			t.Errorf("manual lifecycle: %s, want Pending", got)
		}
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts/"+id+"/stop", "", asAlice...), 403)
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts/"+id+"/stop?force=maybe", "", asAdmin...), 400, "force")
		if got := jsonString(t, e.must(200, e.api, "POST", "/v4/modelProducts/"+id+"/stop?force=true", "", asAdmin...)); got != instance {
			t.Errorf("stop answered %q, want the instance %s", got, instance)
		}
		if got := e.appStatus(id, asAdmin...); got != "Stopped" {
			t.Errorf("after stop: %s", got)
		}
		wantError(t, e.do(e.api, "POST", "/v4/modelProducts/"+unknownObjectID+"/stop", "", asAdmin...), 404)
	},

	"POST /__mock/apps/{appId}/advance": func(t *testing.T, e *env) {
		e.must(200, e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"manual","finalStatus":"Failed"}`)
		a := e.createApp("a")
		id := str(a["id"])
		wantError(t, e.do(e.proxy, "POST", "/__mock/apps/"+id+"/advance", ""), 400, "not starting or running")
		e.must(200, e.api, "POST", "/v4/modelProducts/"+id+"/start", `{}`, asAdmin...)
		if m := e.must(200, e.proxy, "POST", "/__mock/apps/"+id+"/advance", "").obj(t); m["status"] != "Running" {
			t.Errorf("advanced once: %v", m)
		}
		if m := e.must(200, e.proxy, "POST", "/__mock/apps/"+id+"/advance", "").obj(t); m["status"] != "Failed" {
			t.Errorf("advanced twice under a failing lifecycle: %v", m)
		}
		wantError(t, e.do(e.proxy, "POST", "/__mock/apps/"+unknownObjectID+"/advance", ""), 404)
		wantError(t, e.do(e.api, "POST", "/__mock/apps/"+id+"/advance", "", asAlice...), 403)
	},
}
