package api_test

import (
	"strings"
	"testing"
)

// Route cases of the model, export and legacy endpoint routes (one per
// route), added to routeCases when the package's tests start.
func init() {
	for name, c := range modelRouteCases {
		if routeCases[name] != nil {
			panic("two route cases for " + name)
		}
		routeCases[name] = c
	}
}

var (
	modelV1Fields = map[string]string{"_id": "id", "id": "id", "name": "string", "description": "string",
		"projectId": "id", "latestVersion": "number"}
	modelVersionV1Fields = map[string]string{"_id": "id", "id": "id", "modelId": "id", "projectId": "id",
		"metadata": "object", "file": "string", "function": "string", "excludeFiles": "array"}
	exportFields   = map[string]string{"modelId": "id", "modelVersionId": "id", "exportId": "id", "status": "string"}
	endpointFields = map[string]string{"isPublished": "bool", "status": "string", "bindingDefinition": "object"}
)

// pyModelBody is python-domino's model_publish payload.
func pyModelBody(projectID, name string) string {
	return `{"name":"` + name + `","description":"v1","projectId":"` + projectID + `","file":"predict.py",` +
		`"function":"predict","excludeFiles":[],"environmentId":null}`
}

// publishModel publishes a model in the fixtures' project as the admin and
// answers its id and its first version's.
func (e *env) publishModel(name string) (model, version string) {
	e.t.Helper()
	m := obj(e.must(200, e.api, "POST", "/v1/models", pyModelBody(projectID, name), asAdmin...).obj(e.t)["data"])
	return str(m["id"]), str(obj(m["version"])["id"])
}

func (e *env) exportModel(model, version string, hdr ...string) map[string]any {
	e.t.Helper()
	return e.must(202, e.api, "POST", "/v4/models/"+model+"/"+version+"/exportImageToRegistry",
		`{"registryUrl":"registry.example.com","username":"u","password":"SECRETpw","repository":"models/m","tag":"v1"}`, hdr...).obj(e.t)
}

const endpointPath = "/v1/admin/quick-start/endpoint"

var modelRouteCases = map[string]routeCase{
	"GET /v1/projects/{owner}/{name}/models": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/v1/projects/admin/quick-start/models", "", asAdmin...).obj(t)
		if m["objectType"] != "list" || len(m["data"].([]any)) != 0 {
			t.Errorf("no models yet: %v", m)
		}
		first, _ := e.publishModel("a")
		e.publishModel("b")
		data := e.must(200, e.api, "GET", "/v1/projects/admin/quick-start/models", "", asAdmin...).obj(t)["data"].([]any)
		if len(data) != 2 || obj(data[0])["id"] != first {
			t.Fatalf("models %v", data)
		}
		exactFields(t, "model", obj(data[0]), map[string]string{"_id": "id", "id": "id", "name": "string", "description": "string",
			"projectId": "id", "latestVersion": "number", "createdBy": "id", "created": "number", "lastModified": "number", "isArchived": "bool"})
		wantError(t, e.do(e.api, "GET", "/v1/projects/admin/quick-start/models", "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v1/projects/admin/nope/models", "", asAdmin...), 404)
	},

	"POST /v1/models": func(t *testing.T, e *env) {
		m := obj(e.must(200, e.api, "POST", "/v1/models", pyModelBody(projectID, "m"), asAdmin...).obj(t)["data"])
		fields(t, "published model", m, modelV1Fields)
		v := obj(m["version"])
		fields(t, "its first version", v, modelVersionV1Fields)
		if m["_id"] != m["id"] || obj(v["metadata"])["number"] != 1.0 || v["environmentId"] != envID {
			t.Errorf("published %v", m)
		}
		wantError(t, e.do(e.api, "POST", "/v1/models", pyModelBody(projectID, "m"), asAlice...), 403)
		wantError(t, e.do(e.api, "POST", "/v1/models", pyModelBody(unknownObjectID, "m"), asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v1/models", pyModelBody("nope", "m"), asAdmin...), 400, "Json validation error")
		wantError(t, e.do(e.api, "POST", "/v1/models", `{"projectId":"`+projectID+`","name":"x","function":"f"}`, asAdmin...), 400, "file")
		wantError(t, e.do(e.api, "POST", "/v1/models", `{"projectId":"`+projectID+`","file":"f","function":"f"}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", "/v1/models", `{"projectId":"`+projectID+`","name":"x","file":"f","function":"f","environmentId":"`+unknownObjectID+`"}`, asAdmin...), 400, "environmentId")
		wantError(t, e.do(e.api, "POST", "/v1/models", `{"projectId":"`+projectID+`","name":"x","file":"f","function":"f","excludeFiles":"all"}`, asAdmin...), 400, "excludeFiles")
	},

	"GET /v1/models/{modelId}/versions": func(t *testing.T, e *env) {
		id, v1 := e.publishModel("m")
		m := e.must(200, e.api, "GET", "/v1/models/"+id+"/versions", "", asAdmin...).obj(t)
		data, _ := m["data"].([]any)
		if m["objectType"] != "list" || len(data) != 1 || obj(data[0])["_id"] != v1 {
			t.Fatalf("versions %v", m)
		}
		fields(t, "version", obj(data[0]), modelVersionV1Fields)
		wantError(t, e.do(e.api, "GET", "/v1/models/"+id+"/versions", "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v1/models/"+unknownObjectID+"/versions", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/v1/models/nope/versions", "", asAdmin...), 400, "not a valid ID")
	},

	"POST /v1/models/{modelId}/versions": func(t *testing.T, e *env) {
		id, _ := e.publishModel("m")
		body := `{"description":"v2","projectId":"` + projectID + `","file":"predict.py","function":"predict","excludeFiles":["data/"],"environmentId":"` + envID + `"}`
		v := obj(e.must(200, e.api, "POST", "/v1/models/"+id+"/versions", body, asAdmin...).obj(t)["data"])
		fields(t, "version", v, modelVersionV1Fields)
		if md := obj(v["metadata"]); md["number"] != 2.0 || md["description"] != "v2" {
			t.Errorf("version 2: %v", v)
		}
		wantError(t, e.do(e.api, "POST", "/v1/models/"+id+"/versions", body, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", "/v1/models/"+unknownObjectID+"/versions", body, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v1/models/"+id+"/versions", `{"file":"f"}`, asAdmin...), 400, "function")
		wantError(t, e.do(e.api, "POST", "/v1/models/"+id+"/versions", `{"projectId":"`+unknownObjectID+`","file":"f","function":"f"}`, asAdmin...), 400, "projectId")
	},

	"POST /v4/models/{modelId}/{modelVersionId}/exportImageToRegistry": func(t *testing.T, e *env) {
		id, v := e.publishModel("m")
		m := e.exportModel(id, v, asAdmin...)
		exactFields(t, "export", m, map[string]string{"modelId": "id", "modelVersionId": "id", "exportId": "id", "status": "string", "errorMessage": "null"})
		if m["status"] != "queued" || m["modelId"] != id || m["modelVersionId"] != v {
			t.Errorf("export %v", m)
		}
		// The password is never shown, kept or journalled.
		for _, p := range []string{"/__mock/state?secrets=true", "/__mock/journal"} {
			if r := e.must(200, e.proxy, "GET", p, ""); strings.Contains(string(r.body), "SECRETpw") {
				t.Errorf("%s holds the registry password", p)
			}
		}
		wantError(t, e.do(e.api, "POST", "/v4/models/"+id+"/"+v+"/exportImageToRegistry", `{"registryUrl":"r","repository":"x"}`, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", "/v4/models/"+id+"/"+unknownObjectID+"/exportImageToRegistry", `{"registryUrl":"r","repository":"x"}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/models/"+id+"/"+v+"/exportImageToRegistry", `{"repository":"x"}`, asAdmin...), 400, "registryUrl")
		wantError(t, e.do(e.api, "POST", "/v4/models/"+id+"/"+v+"/exportImageToRegistry", `{"registryUrl":"r"}`, asAdmin...), 400, "repository")
		wantError(t, e.do(e.api, "POST", "/v4/models/nope/"+v+"/exportImageToRegistry", `{}`, asAdmin...), 400, "not a valid ID")
	},

	"POST /v4/models/{modelId}/{modelVersionId}/exportImageForSagemaker": func(t *testing.T, e *env) {
		id, v := e.publishModel("m")
		m := e.must(202, e.api, "POST", "/v4/models/"+id+"/"+v+"/exportImageForSagemaker",
			`{"registryUrl":"123.dkr.ecr.us-east-1.amazonaws.com","username":"AWS","password":"pw","repository":"m","tag":"t"}`, asAdmin...).obj(t)
		fields(t, "export", m, exportFields)
		logs := e.must(200, e.api, "GET", "/v4/models/"+str(m["exportId"])+"/getExportLogs", "", asAdmin...).obj(t)
		if logs["status"] != "complete" || !strings.Contains(str(logs["logs"]), "Pushed 123.dkr.ecr.us-east-1.amazonaws.com/m:t") {
			t.Errorf("logs %v", logs)
		}
		wantError(t, e.do(e.api, "POST", "/v4/models/"+id+"/"+v+"/exportImageForSagemaker", `{"registryUrl":"r","repository":"x"}`, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", "/v4/models/"+id+"/"+v+"/exportImageForSagemaker", `{"registryUrl":7}`, asAdmin...), 400, "registryUrl")
	},

	"GET /v4/models/{exportId}/getExportImageStatus": func(t *testing.T, e *env) {
		e.must(200, e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"polls","polls":2,"finalStatus":"Failed"}`)
		id, v := e.publishModel("m")
		x := str(e.exportModel(id, v, asAdmin...)["exportId"])
		for _, want := range []string{"building", "failed"} {
			m := e.must(200, e.api, "GET", "/v4/models/"+x+"/getExportImageStatus", "", asAdmin...).obj(t)
			fields(t, "status", m, exportFields)
			if m["status"] != want {
				t.Errorf("status %v, want %s", m, want)
			}
		}
		wantError(t, e.do(e.api, "GET", "/v4/models/"+x+"/getExportImageStatus", "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v4/models/"+unknownObjectID+"/getExportImageStatus", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/models/nope/getExportImageStatus", "", asAdmin...), 400, "not a valid ID")
	},

	"GET /v4/models/{exportId}/getExportLogs": func(t *testing.T, e *env) {
		id, v := e.publishModel("m")
		x := str(e.exportModel(id, v, asAdmin...)["exportId"])
		m := e.must(200, e.api, "GET", "/v4/models/"+x+"/getExportLogs", "", asAdmin...).obj(t)
		exactFields(t, "logs", m, map[string]string{"modelId": "id", "modelVersionId": "id", "exportId": "id", "status": "string", "logs": "string"})
		wantError(t, e.do(e.api, "GET", "/v4/models/"+x+"/getExportLogs", "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v4/models/"+unknownObjectID+"/getExportLogs", "", asAdmin...), 404)
	},

	"POST /__mock/exports/{exportId}/advance": func(t *testing.T, e *env) {
		e.must(200, e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"manual"}`)
		id, v := e.publishModel("m")
		x := str(e.exportModel(id, v, asAdmin...)["exportId"])
		for _, want := range []string{"building", "complete"} {
			if m := e.must(200, e.proxy, "POST", "/__mock/exports/"+x+"/advance", "").obj(t); m["status"] != want {
				t.Errorf("advanced: %v, want %s", m, want)
			}
		}
		wantError(t, e.do(e.proxy, "POST", "/__mock/exports/"+x+"/advance", ""), 400, "already ended")
		wantError(t, e.do(e.proxy, "POST", "/__mock/exports/"+unknownObjectID+"/advance", ""), 404)
	},

	"GET /v1/{owner}/{project}/endpoint/state": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", endpointPath+"/state", "", asAdmin...).obj(t)
		fields(t, "endpoint", m, endpointFields)
		if m["isPublished"] != false || m["status"] != "Stopped" {
			t.Errorf("never published: %v", m)
		}
		wantError(t, e.do(e.api, "GET", endpointPath+"/state", "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v1/admin/nope/endpoint/state", "", asAdmin...), 404)
	},

	"POST /v1/{owner}/{project}/endpoint/publishRelease": func(t *testing.T, e *env) {
		body := `{"commitId":"22d864481c66b36d676056905d1f0545f5d3b742","bindingDefinition":{"file":"main.py","function":"api_endpoint"}}`
		m := e.must(200, e.api, "POST", endpointPath+"/publishRelease", body, asAdmin...).obj(t)
		fields(t, "endpoint", m, endpointFields)
		if m["isPublished"] != true || m["status"] != "Running" || m["commitId"] != "22d864481c66b36d676056905d1f0545f5d3b742" {
			t.Errorf("published: %v", m)
		}
		// commitId null (python-domino's default): the project's latest commit.
		e.must(201, e.proxy, "PUT", "/v1/projects/admin/quick-start/main.py", "print(1)", "Content-Type", "")
		head := str(e.must(200, e.proxy, "GET", "/v1/projects/admin/quick-start/commits", "").list(t)[0]["id"])
		m = e.must(200, e.api, "POST", endpointPath+"/publishRelease", `{"commitId":null,"bindingDefinition":{"file":"main.py","function":"f"}}`, asAdmin...).obj(t)
		if m["commitId"] != head {
			t.Errorf("published at %v, want the latest commit %s", m["commitId"], head)
		}
		wantError(t, e.do(e.api, "POST", endpointPath+"/publishRelease", body, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", endpointPath+"/publishRelease", `{"bindingDefinition":{"file":"main.py"}}`, asAdmin...), 400, "function")
		wantError(t, e.do(e.api, "POST", "/v1/admin/nope/endpoint/publishRelease", body, asAdmin...), 404)
	},

	"DELETE /v1/{owner}/{project}/endpoint": func(t *testing.T, e *env) {
		e.must(200, e.api, "POST", endpointPath+"/publishRelease", `{"bindingDefinition":{"file":"main.py","function":"f"}}`, asAdmin...)
		wantError(t, e.do(e.api, "DELETE", endpointPath, "", asAlice...), 403)
		m := e.must(200, e.api, "DELETE", endpointPath, "", asAdmin...).obj(t)
		if m["isPublished"] != false || m["status"] != "Stopped" {
			t.Errorf("unpublished: %v", m)
		}
		e.must(200, e.api, "DELETE", endpointPath, "", asAdmin...) // again: nothing to do
		if m := e.must(200, e.api, "GET", endpointPath+"/state", "", asAdmin...).obj(t); m["isPublished"] != false {
			t.Errorf("state after unpublish: %v", m)
		}
		wantError(t, e.do(e.api, "DELETE", "/v1/admin/nope/endpoint", "", asAdmin...), 404)
	},
}
