package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
)

// Route cases of the environment routes (one per route, as routes_test.go
// has them for the others), kept in their own file and added to routeCases
// when the package's tests start.
func init() {
	for name, c := range environmentRouteCases {
		if routeCases[name] != nil {
			panic("two route cases for " + name)
		}
		routeCases[name] = c
	}
}

const (
	betaEnvs = "/api/environments/beta/environments"
	v1Env    = "/api/environments/v1/environments/"
	v4Env    = "/v4/environments/"
)

// The fields of each shape, as the specs give them.
var (
	envV1Fields = map[string]string{"id": "id", "name": "string", "visibility": "string", "archived": "bool",
		"supportedClusters": "array", "rebuildOnBaseChanges": "string", "activeRevisionTags": "array", "internalTags": "array",
		"isCurated": "bool", "latestRevision": "object", "selectedRevision": "object"}
	revisionV1Fields   = map[string]string{"id": "id", "number": "number", "status": "string", "availableTools": "array"}
	envDetailsV4Fields = map[string]string{"id": "id", "name": "string", "description": "string", "visibility": "string",
		"archived": "bool", "owner": "object", "supportedClusters": "array", "activeRevisionTags": "array", "isCurated": "bool",
		"assignLatestRevisionAsActive": "bool", "latestRevision": "object", "selectedRevision": "object",
		"restrictedRevision": "null", "latestRevisionDetails": "object"}
	revisionOverviewV4Fields = map[string]string{"id": "id", "number": "number", "url": "string", "status": "string",
		"isRestricted": "bool", "tags": "array", "availableTools": "array"}
	envItemV1Fields = map[string]string{"id": "id", "name": "string", "visibility": "string"}
)

// newEnvBody is a public-API create body, as python-domino sends it.
func newEnvBody(name, visibility string) string {
	return fmt.Sprintf(`{"dockerfileInstructions":"","environmentVariables":[],"image":"python:3.12","postRunScript":"",`+
		`"postSetupScript":"","preRunScript":"","preSetupScript":"","skipCache":false,"summary":"","supportedClusters":[],"tags":[],`+
		`"useVpn":false,"workspaceTools":[],"addBaseDependencies":true,"description":"","isRestricted":false,"name":%q,"visibility":%q}`, name, visibility)
}

// createEnv creates an environment through the public API and answers it.
func (e *env) createEnv(name, visibility string, hdr ...string) map[string]any {
	e.t.Helper()
	m := e.must(200, e.api, "POST", betaEnvs, newEnvBody(name, visibility), hdr...).obj(e.t)
	env, _ := m["environment"].(map[string]any)
	if env == nil {
		e.t.Fatalf("create answered %v", m)
	}
	return env
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

var environmentRouteCases = map[string]routeCase{
	"GET /v1/environments": func(t *testing.T, e *env) {
		mine := e.createEnv("alices", "Private", asAlice...)
		admins := e.createEnv("admins", "Private", asAdmin...)
		m := e.must(200, e.api, "GET", "/v1/environments", "", asAlice...).obj(t)
		if m["objectType"] != "list" || m["uri"] != "/v1/environments" {
			t.Errorf("envelope %v", m)
		}
		data, _ := m["data"].([]any)
		if len(data) != 2 {
			t.Fatalf("alice lists %v", data)
		}
		for _, d := range data {
			exactFields(t, "v1 environment", obj(d), envItemV1Fields)
		}
		if obj(data[0])["id"] != envID || obj(data[0])["visibility"] != "Global" || obj(data[1])["id"] != mine["id"] || obj(data[1])["visibility"] != "Private" {
			t.Errorf("alice lists %v", data)
		}
		// The administrator sees every environment; archived ones are listed nowhere.
		if l, _ := e.must(200, e.api, "GET", "/v1/environments", "", asAdmin...).obj(t)["data"].([]any); len(l) != 3 {
			t.Errorf("the administrator lists %v", l)
		}
		e.must(200, e.api, "DELETE", v1Env+str(admins["id"]), "", asAdmin...)
		if l, _ := e.must(200, e.api, "GET", "/v1/environments", "", asAdmin...).obj(t)["data"].([]any); len(l) != 2 {
			t.Errorf("after archiving: %v", l)
		}
		wantError(t, e.do(e.api, "GET", "/v1/environments", ""), 401)
	},

	"POST /v1/environments": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "POST", "/v1/environments", `{"name":"v1-env","image":"python:3.12"}`, asAlice...).obj(t)
		exactFields(t, "v1 create", m, map[string]string{"_id": "id", "id": "id", "name": "string", "visibility": "string"})
		if m["_id"] != m["id"] || m["name"] != "v1-env" || m["visibility"] != "Private" {
			t.Errorf("created %v", m)
		}
		got := e.must(200, e.api, "GET", v4Env+str(m["id"]), "", asAlice...).obj(t)
		if obj(got["owner"])["username"] != "alice" || obj(got["latestRevisionDetails"])["dockerImage"] != "python:3.12" {
			t.Errorf("read back %v", got)
		}
		if g := e.must(200, e.api, "POST", "/v1/environments", `{"name":"g","visibility":"Global","image":"x"}`, asAdmin...).obj(t); g["visibility"] != "Global" {
			t.Errorf("global %v", g)
		}
		wantError(t, e.do(e.api, "POST", "/v1/environments", `{"name":"g","visibility":"Global","image":"x"}`, asAlice...), 403, "Global")
		wantError(t, e.do(e.api, "POST", "/v1/environments", `{"visibility":"Private","image":"x"}`, asAlice...), 400, "name")
		wantError(t, e.do(e.api, "POST", "/v1/environments", `{"name":"no image"}`, asAlice...), 400, "image")
		wantError(t, e.do(e.api, "POST", "/v1/environments", `{"name":5}`, asAlice...), 400, "name")
		wantError(t, e.do(e.api, "POST", "/v1/environments", `{"name":"x","image":"y"}`), 401)
	},

	"GET /v4/environments/defaultEnvironment": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", v4Env+"defaultEnvironment", "", asAlice...).obj(t)
		global := maps.Clone(envDetailsV4Fields)
		global["owner"] = "null" // a Global environment has none
		exactFields(t, "default environment", m, global)
		details := obj(m["latestRevisionDetails"])
		// python-domino's create_environment reads this image when it is given none.
		if m["id"] != envID || m["owner"] != nil || str(details["dockerImage"]) == "" || details["id"] != envRevisionID || details["number"] != 1.0 {
			t.Errorf("default environment %v", m)
		}
		wantError(t, e.do(e.api, "GET", v4Env+"defaultEnvironment", ""), 401)
	},

	"GET /v4/environments/{environmentId}": func(t *testing.T, e *env) {
		mine := e.createEnv("alices", "private", asAlice...)
		id := str(mine["id"])
		m := e.must(200, e.api, "GET", v4Env+id, "", asAlice...).obj(t)
		exactFields(t, "environment details", m, envDetailsV4Fields)
		for _, k := range []string{"latestRevision", "selectedRevision"} {
			exactFields(t, k, obj(m[k]), revisionOverviewV4Fields)
		}
		latest := obj(m["latestRevision"])
		if m["visibility"] != "Private" || latest["id"] != obj(mine["latestRevision"])["id"] || latest["number"] != 1.0 ||
			latest["url"] != "/environments/revisions/"+str(latest["id"]) {
			t.Errorf("details %v", m)
		}
		exactFields(t, "owner", obj(m["owner"]), map[string]string{"id": "id", "username": "string", "environmentOwnerType": "string"})
		fields(t, "latestRevisionDetails", obj(m["latestRevisionDetails"]), map[string]string{"id": "id", "environmentId": "id",
			"environmentName": "string", "imageType": "string", "isRestricted": "bool", "isBuilt": "bool", "dockerArguments": "array",
			"shouldUseVPN": "bool", "buildEnvironmentVariables": "array", "supportsPackagePersistence": "bool", "dockerImage": "string", "number": "number"})
		wantError(t, e.do(e.api, "GET", v4Env+id, ""), 401)
		_, tok := e.saWithToken("other", "")
		wantError(t, e.do(e.api, "GET", v4Env+id, "", bearer(tok)...), 403, "may not access environment")
		e.must(200, e.api, "GET", v4Env+id, "", asAdmin...)
		wantError(t, e.do(e.api, "GET", v4Env+unknownObjectID, "", asAdmin...), 404, "Environment "+unknownObjectID+" not found")
		wantError(t, e.do(e.api, "GET", v4Env+"not-an-id", "", asAdmin...), 400, "not-an-id is not a valid ID")
	},

	"PATCH /v4/environments/{environmentId}": func(t *testing.T, e *env) {
		id := str(e.createEnv("alices", "Private", asAlice...)["id"])
		first := e.must(200, e.api, "GET", v4Env+id, "", asAlice...).obj(t)
		m := e.must(200, e.api, "PATCH", v4Env+id, `{"assignLatestRevisionAsActive":false}`, asAlice...).obj(t)
		exactFields(t, "patched", m, envDetailsV4Fields)
		if m["assignLatestRevisionAsActive"] != false {
			t.Errorf("patched %v", m)
		}
		e.must(200, e.api, "POST", betaEnvs+"/"+id+"/revisions", `{"summary":"two"}`, asAlice...)
		m = e.must(200, e.api, "GET", v4Env+id, "", asAlice...).obj(t)
		if obj(m["latestRevision"])["number"] != 2.0 || obj(m["selectedRevision"])["id"] != obj(first["latestRevision"])["id"] {
			t.Errorf("a new revision became the active one though it was pinned: %v", m)
		}
		m = e.must(200, e.api, "PATCH", v4Env+id, `{"assignLatestRevisionAsActive":true}`, asAlice...).obj(t)
		if obj(m["selectedRevision"])["number"] != 2.0 || m["assignLatestRevisionAsActive"] != true {
			t.Errorf("following the latest again: %v", m)
		}
		// Nothing to change changes nothing.
		e.must(200, e.api, "PATCH", v4Env+id, `{}`, asAlice...)
		wantError(t, e.do(e.api, "PATCH", v4Env+id, `{"assignLatestRevisionAsActive":"yes"}`, asAlice...), 400, "assignLatestRevisionAsActive")
		wantError(t, e.do(e.api, "PATCH", v4Env+envID, `{"assignLatestRevisionAsActive":false}`, asAlice...), 403, "Global")
		wantError(t, e.do(e.api, "PATCH", v4Env+unknownObjectID, `{}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "PATCH", v4Env+id, `{}`), 401)
	},

	"DELETE /v4/environments/{environmentId}": func(t *testing.T, e *env) {
		id := str(e.createEnv("alices", "Private", asAlice...)["id"])
		wantError(t, e.do(e.api, "DELETE", v4Env+id, ""), 401)
		_, tok := e.saWithToken("other", "")
		wantError(t, e.do(e.api, "DELETE", v4Env+id, "", bearer(tok)...), 403)
		r := e.must(204, e.api, "DELETE", v4Env+id, "", asAlice...)
		if len(r.body) != 0 {
			t.Errorf("204 with a body %q", r.body)
		}
		if m := e.must(200, e.api, "GET", v4Env+id, "", asAlice...).obj(t); m["archived"] != true {
			t.Errorf("archived %v", m)
		}
		e.must(204, e.api, "DELETE", v4Env+id, "", asAlice...)
		wantError(t, e.do(e.api, "DELETE", v4Env+envID, "", asAdmin...), 400, "default environment")
		wantError(t, e.do(e.api, "DELETE", v4Env+unknownObjectID, "", asAdmin...), 404)
	},

	"POST /v4/environments/{environmentId}/setactive": func(t *testing.T, e *env) {
		env := e.createEnv("alices", "Private", asAlice...)
		id, rev1 := str(env["id"]), str(obj(env["latestRevision"])["id"])
		e.must(200, e.api, "POST", betaEnvs+"/"+id+"/revisions", `{}`, asAlice...)
		e.must(204, e.api, "POST", v4Env+id+"/setactive?revisionId="+rev1, "", asAlice...)
		if m := e.must(200, e.api, "GET", v4Env+id, "", asAlice...).obj(t); obj(m["selectedRevision"])["id"] != rev1 || obj(m["latestRevision"])["number"] != 2.0 {
			t.Errorf("after setactive %v", m)
		}
		wantError(t, e.do(e.api, "POST", v4Env+id+"/setactive", "", asAlice...), 400, "revisionId")
		wantError(t, e.do(e.api, "POST", v4Env+id+"/setactive?revisionId=nope", "", asAlice...), 400, "nope is not a valid ID")
		wantError(t, e.do(e.api, "POST", v4Env+id+"/setactive?revisionId="+envRevisionID, "", asAlice...), 404, "Revision")
		wantError(t, e.do(e.api, "POST", v4Env+envID+"/setactive?revisionId="+envRevisionID, "", asAlice...), 403)
		wantError(t, e.do(e.api, "POST", v4Env+id+"/setactive?revisionId="+rev1, ""), 401)
	},

	"GET /api/environments/beta/environments": func(t *testing.T, e *env) {
		for i := range 3 {
			e.createEnv(fmt.Sprintf("e%d", i), "Private", asAlice...)
		}
		m := e.must(200, e.api, "GET", betaEnvs+"?offset=1&limit=2", "", asAlice...).obj(t)
		envs, _ := m["environments"].([]any)
		md := obj(m["metadata"])
		if len(envs) != 2 || obj(envs[0])["name"] != "e0" || md["offset"] != 1.0 || md["limit"] != 2.0 || md["totalCount"] != 4.0 {
			t.Errorf("page %v", m)
		}
		for _, x := range envs {
			exactFields(t, "environment", obj(x), map[string]string{"id": "id", "name": "string", "visibility": "string", "archived": "bool",
				"supportedClusters": "array", "rebuildOnBaseChanges": "string", "activeRevisionTags": "array", "internalTags": "array",
				"isCurated": "bool", "latestRevision": "object", "selectedRevision": "object", "owner": "object"})
		}
		// The spec's default limit is 10.
		if md := obj(e.must(200, e.api, "GET", betaEnvs, "", asAlice...).obj(t)["metadata"]); md["limit"] != 10.0 || md["offset"] != 0.0 {
			t.Errorf("default page %v", md)
		}
		wantError(t, e.do(e.api, "GET", betaEnvs+"?limit=-1", "", asAlice...), 400, "limit")
		wantError(t, e.do(e.api, "GET", betaEnvs, ""), 401)
	},

	"POST /api/environments/beta/environments": func(t *testing.T, e *env) {
		r := e.must(200, e.api, "POST", betaEnvs, newEnvBody("py-env", "Private"), asAlice...)
		m := r.obj(t)
		exactFields(t, "envelope", m, map[string]string{"environment": "object", "metadata": "object"})
		env := obj(m["environment"])
		fields(t, "environment", env, envV1Fields)
		exactFields(t, "latest revision", obj(env["latestRevision"]), revisionV1Fields)
		exactFields(t, "owner", obj(env["owner"]), map[string]string{"id": "id", "username": "string", "ownerType": "string"})
		if env["visibility"] != "private" || obj(env["latestRevision"])["number"] != 1.0 || obj(env["owner"])["username"] != "alice" ||
			obj(env["owner"])["ownerType"] != "individual" || obj(m["metadata"])["requestId"] != r.header.Get("X-Request-Id") {
			t.Errorf("created %v", m)
		}
		// The spec's spelling, variables as {key, value} and cluster types in lower case.
		body := `{"name":"spec","visibility":"private","image":"x","supportedClusters":["spark"],"environmentVariables":[{"key":"K","value":"v"}],` +
			`"workspaceTools":[{"name":"jupyter","title":"Jupyter","startScripts":["run"]}],"tags":["t"]}`
		env = obj(e.must(200, e.api, "POST", betaEnvs, body, asAlice...).obj(t)["environment"])
		tools, _ := obj(env["latestRevision"])["availableTools"].([]any)
		if fmt.Sprint(env["supportedClusters"]) != "[spark]" || fmt.Sprint(env["activeRevisionTags"]) != "[t]" || len(tools) != 1 {
			t.Errorf("created %v", env)
		}
		details := obj(e.must(200, e.api, "GET", v4Env+str(env["id"]), "", asAlice...).obj(t)["latestRevisionDetails"])
		if fmt.Sprint(details["clusterTypes"]) != "[Spark]" || fmt.Sprint(details["buildEnvironmentVariables"]) != "[map[name:K]]" {
			t.Errorf("v4 sees %v", details)
		}
		// Only administrators create Global environments or restrict a revision.
		wantError(t, e.do(e.api, "POST", betaEnvs, newEnvBody("g", "Global"), asAlice...), 403, "Global")
		g := e.createEnv("g", "global", asAdmin...)
		if g["visibility"] != "global" || g["owner"] != nil {
			t.Errorf("global %v", g)
		}
		wantError(t, e.do(e.api, "POST", betaEnvs, strings.Replace(newEnvBody("r", "private"), `"isRestricted":false`, `"isRestricted":true`, 1), asAlice...), 403, "restrict")
		if r := e.createEnv("r", "private", asAdmin...); r["restrictedRevision"] != nil {
			t.Errorf("an unrestricted one has %v", r["restrictedRevision"])
		}
		restricted := obj(e.must(200, e.api, "POST", betaEnvs, strings.Replace(newEnvBody("r", "private"), `"isRestricted":false`, `"isRestricted":true`, 1), asAdmin...).obj(t)["environment"])
		if obj(restricted["restrictedRevision"])["number"] != 1.0 {
			t.Errorf("restricted %v", restricted)
		}
		wantError(t, e.do(e.api, "POST", betaEnvs, `{"name":"x","visibility":"private"}`, asAlice...), 400, "image")
		wantError(t, e.do(e.api, "POST", betaEnvs, `{"name":"x","image":"i"}`, asAlice...), 400, "visibility")
		wantError(t, e.do(e.api, "POST", betaEnvs, `{"name":"x","image":"i","visibility":"organization"}`, asAdmin...), 400, "visibility")
		wantError(t, e.do(e.api, "POST", betaEnvs, `{"name":"x","image":"i","visibility":"private","orgOwnerId":"`+unknownObjectID+`"}`, asAdmin...), 404, "Organization")
		wantError(t, e.do(e.api, "POST", betaEnvs, `{"duplicateFromEnvironmentId":"`+envID+`"}`, asAdmin...), 400, "duplicateFromEnvironmentId")
		wantError(t, e.do(e.api, "POST", betaEnvs, `{"name":"x","image":"i","visibility":"private","supportedClusters":["hadoop"]}`, asAlice...), 400, "supportedClusters")
		wantError(t, e.do(e.api, "POST", betaEnvs, `{"name":"x","image":"i","visibility":"private","tags":"t"}`, asAlice...), 400, "tags")
		wantError(t, e.do(e.api, "POST", betaEnvs, `[]`, asAlice...), 400)
		wantError(t, e.do(e.api, "POST", betaEnvs, newEnvBody("x", "private")), 401)
		wantError(t, e.do(e.api, "POST", betaEnvs, newEnvBody("x", "private"), append([]string{"Content-Type", "text/plain"}, asAlice...)...), 415)
	},

	"POST /api/environments/beta/environments/{environmentId}/revisions": func(t *testing.T, e *env) {
		id := str(e.createEnv("alices", "Private", asAlice...)["id"])
		p := betaEnvs + "/" + id + "/revisions"
		m := e.must(200, e.api, "POST", p, `{"image":"python:3.13","summary":"two"}`, asAlice...).obj(t)
		exactFields(t, "envelope", m, map[string]string{"environmentRevision": "object", "metadata": "object"})
		rev := obj(m["environmentRevision"])
		exactFields(t, "revision", rev, revisionV1Fields)
		if rev["number"] != 2.0 || rev["status"] != "succeeded" {
			t.Errorf("revision %v", rev)
		}
		if r3 := obj(e.must(200, e.api, "POST", p, `{}`, asAlice...).obj(t)["environmentRevision"]); r3["number"] != 3.0 {
			t.Errorf("third revision %v", r3)
		}
		details := obj(e.must(200, e.api, "GET", v4Env+id, "", asAlice...).obj(t)["latestRevisionDetails"])
		if details["number"] != 3.0 || details["dockerImage"] != "python:3.13" {
			t.Errorf("a revision without an image keeps the latest's: %v", details)
		}
		_, tok := e.saWithToken("other", "")
		wantError(t, e.do(e.api, "POST", p, `{}`, bearer(tok)...), 403)
		wantError(t, e.do(e.api, "POST", betaEnvs+"/"+envID+"/revisions", `{}`, asAlice...), 403, "Global")
		e.must(200, e.api, "POST", betaEnvs+"/"+envID+"/revisions", `{}`, asAdmin...)
		wantError(t, e.do(e.api, "POST", betaEnvs+"/"+unknownObjectID+"/revisions", `{}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", betaEnvs+"/bad/revisions", `{}`, asAdmin...), 400, "bad is not a valid ID")
		wantError(t, e.do(e.api, "POST", p, `{"supportedClusters":"Spark"}`, asAlice...), 400, "supportedClusters")
		e.must(200, e.api, "DELETE", v1Env+id, "", asAlice...)
		wantError(t, e.do(e.api, "POST", p, `{}`, asAlice...), 400, "archived")
		wantError(t, e.do(e.api, "POST", p, `{}`), 401)
	},

	"PATCH /api/environments/beta/environments/{environmentId}/revisions/{revisionId}": func(t *testing.T, e *env) {
		env := e.createEnv("alices", "Private", asAlice...)
		id, rev := str(env["id"]), str(obj(env["latestRevision"])["id"])
		p := betaEnvs + "/" + id + "/revisions/" + rev
		m := e.must(200, e.api, "PATCH", p, `{"isRestricted":true}`, asAdmin...).obj(t)
		exactFields(t, "update", m, map[string]string{"id": "id"})
		if m["id"] != rev {
			t.Errorf("update %v", m)
		}
		got := e.must(200, e.api, "GET", v4Env+id, "", asAlice...).obj(t)
		if obj(got["restrictedRevision"])["id"] != rev || obj(got["latestRevision"])["isRestricted"] != true {
			t.Errorf("after restricting: %v", got)
		}
		e.must(200, e.api, "PATCH", p, `{"isRestricted":false}`, asAdmin...)
		if got := e.must(200, e.api, "GET", v4Env+id, "", asAlice...).obj(t); got["restrictedRevision"] != nil {
			t.Errorf("after lifting: %v", got["restrictedRevision"])
		}
		wantError(t, e.do(e.api, "PATCH", p, `{"isRestricted":true}`, asAlice...), 403, "only administrators")
		wantError(t, e.do(e.api, "PATCH", p, `{}`, asAdmin...), 400, "isRestricted")
		wantError(t, e.do(e.api, "PATCH", p, `{"isRestricted":"yes"}`, asAdmin...), 400, "isRestricted")
		wantError(t, e.do(e.api, "PATCH", betaEnvs+"/"+id+"/revisions/"+envRevisionID, `{"isRestricted":true}`, asAdmin...), 404, "Revision")
		wantError(t, e.do(e.api, "PATCH", betaEnvs+"/"+unknownObjectID+"/revisions/"+rev, `{"isRestricted":true}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "PATCH", p, `{"isRestricted":true}`), 401)
	},

	"GET /api/environments/v1/environments/{environmentId}": func(t *testing.T, e *env) {
		id := str(e.createEnv("alices", "Private", asAlice...)["id"])
		m := e.must(200, e.api, "GET", v1Env+id, "", asAlice...).obj(t)
		exactFields(t, "envelope", m, map[string]string{"environment": "object", "metadata": "object"})
		fields(t, "environment", obj(m["environment"]), envV1Fields)
		if obj(m["environment"])["id"] != id {
			t.Errorf("got %v", m)
		}
		if g := obj(e.must(200, e.api, "GET", v1Env+envID, "", asAlice...).obj(t)["environment"]); g["visibility"] != "global" || g["owner"] != nil {
			t.Errorf("the default environment %v", g)
		}
		_, tok := e.saWithToken("other", "")
		wantError(t, e.do(e.api, "GET", v1Env+id, "", bearer(tok)...), 403)
		wantError(t, e.do(e.api, "GET", v1Env+unknownObjectID, "", asAdmin...), 404, "not found")
		wantError(t, e.do(e.api, "GET", v1Env+"xyz", "", asAdmin...), 400, "xyz is not a valid ID")
		wantError(t, e.do(e.api, "GET", v1Env+id, ""), 401)
	},

	"DELETE /api/environments/v1/environments/{environmentId}": func(t *testing.T, e *env) {
		id := str(e.createEnv("alices", "Private", asAlice...)["id"])
		_, tok := e.saWithToken("other", "")
		wantError(t, e.do(e.api, "DELETE", v1Env+id, "", bearer(tok)...), 403)
		m := e.must(200, e.api, "DELETE", v1Env+id, "", asAlice...).obj(t)
		exactFields(t, "envelope", m, map[string]string{"environment": "object", "metadata": "object"})
		if obj(m["environment"])["archived"] != true {
			t.Errorf("archive answered %v", m)
		}
		var page struct{ Environments []map[string]any }
		json.Unmarshal(e.must(200, e.api, "GET", betaEnvs, "", asAlice...).body, &page)
		if len(page.Environments) != 1 {
			t.Errorf("listed after archiving: %v", page.Environments)
		}
		e.must(200, e.api, "DELETE", v1Env+id, "", asAlice...)
		wantError(t, e.do(e.api, "DELETE", v1Env+envID, "", asAdmin...), 400, "default environment")
		wantError(t, e.do(e.api, "DELETE", v1Env+unknownObjectID, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", v1Env+id, ""), 401)
	},
}
