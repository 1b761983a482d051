package api_test

import (
	"strings"
	"testing"
)

// Route cases of the runs routes and the jobs routes of issue 10 part 3
// (one per route, as routes_test.go has them for the others), added to
// routeCases when the package's tests start.
func init() {
	for name, c := range runRouteCases {
		if routeCases[name] != nil {
			panic("two route cases for " + name)
		}
		routeCases[name] = c
	}
}

const runs = "/v1/projects/admin/quick-start/runs"

// runV1Fields are a legacy run's, as python-domino and Domino's v1 API
// example read them.
var runV1Fields = map[string]string{"id": "id", "projectId": "id", "number": "number", "startingUserId": "id",
	"queued": "number", "started": "number or null", "completed": "number or null", "status": "string",
	"commitId": "string", "executor": "null", "outputCommitId": "string or null", "title": "string or null",
	"isArchived": "bool", "postProcessedTimestamp": "number or null", "diagnosticStatistics": "null",
	"isCompleted": "bool", "hardwareTierId": "string"}

// runsStartBody is what python-domino's runs_start sends.
func runsStartBody(command, extra string) string {
	return `{"command":` + command + `,"isDirect":false,"commitId":null,"title":null,"tier":null,"publishApiEndpoint":null` + extra + `}`
}

var runRouteCases = map[string]routeCase{
	"POST /v1/projects/{owner}/{name}/runs": func(t *testing.T, e *env) {
		a, tok := e.saWithToken("runner", "Contributor")
		_, launcher := e.saWithToken("launcher", "LauncherUser")
		m := e.must(200, e.api, "POST", runs, runsStartBody(`["main.py","a b","9"]`, ""), bearer(tok)...).obj(t)
		exactFields(t, "run started", m, map[string]string{"runId": "id", "message": "string"})
		j := e.must(200, e.api, "GET", "/v4/jobs/"+str(m["runId"]), "", bearer(tok)...).obj(t)
		by, _ := j["startedBy"].(map[string]any)
		if j["jobRunCommand"] != "main.py a b 9" || j["number"] != 1.0 || by["id"] != a.ID || j["hardwareTierId"] != "small-k8s" {
			t.Errorf("the run as a job: %v", j)
		}
		// A string command, a title, a tier by name and a commit of the project.
		e.put(e.proxy, "/r.txt", "r")
		head := e.headCommit(t)
		m = e.must(200, e.api, "POST", runs, `{"command":"train.py","isDirect":true,"commitId":"`+head+
			`","title":"nightly","tier":"Medium","publishApiEndpoint":false}`, bearer(tok)...).obj(t)
		r := e.must(200, e.api, "GET", runs+"/"+str(m["runId"]), "", bearer(tok)...).obj(t)
		if r["commitId"] != head || r["title"] != "nightly" || r["hardwareTierId"] != "medium-k8s" || r["number"] != 2.0 {
			t.Errorf("run %v", r)
		}
		for body, part := range map[string]string{
			runsStartBody(`[]`, ""):                 "command",
			runsStartBody(`null`, ""):               "command",
			runsStartBody(`[1]`, ""):                "command",
			runsStartBody(`{"a":1}`, ""):            "command",
			`{"command":["x"],"tier":"Huge"}`:       "tier",
			`{"command":["x"],"commitId":"abc123"}`: "commitId",
			`{"command":["x"],"isDirect":"yes"}`:    "isDirect",
		} {
			wantError(t, e.do(e.api, "POST", runs, body, bearer(tok)...), 400, part)
		}
		wantError(t, e.do(e.api, "POST", "/v1/projects/admin/nope/runs", runsStartBody(`["x"]`, ""), bearer(tok)...), 404)
		wantError(t, e.do(e.api, "POST", runs, runsStartBody(`["x"]`, ""), bearer(launcher)...), 403)
		wantError(t, e.do(e.api, "POST", runs, runsStartBody(`["x"]`, ""), asAlice...), 403)
		wantError(t, e.do(e.api, "POST", runs, runsStartBody(`["x"]`, "")), 401)
		wantError(t, e.do(e.api, "POST", runs, `{"command":["x"]}`, "Content-Type", "text/plain", "Authorization", "Bearer "+tok), 415)
	},

	"GET /v1/projects/{owner}/{name}/runs": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("run-lister", "Contributor")
		job := e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(tok)...).obj(t)
		run := e.must(200, e.api, "POST", runs, runsStartBody(`["main.py"]`, ""), bearer(tok)...).obj(t)
		m := e.must(200, e.api, "GET", runs, "", bearer(tok)...).obj(t)
		exactFields(t, "runs list", m, map[string]string{"objectType": "string", "uri": "string", "data": "array"})
		data, _ := m["data"].([]any)
		if m["objectType"] != "list" || m["uri"] != runs || len(data) != 2 {
			t.Fatalf("runs list %v", m)
		}
		newest, _ := data[0].(map[string]any)
		exactFields(t, "listed run", newest, runV1Fields)
		if newest["id"] != run["runId"] || data[1].(map[string]any)["id"] != job["id"] {
			t.Errorf("newest first: %v", data)
		}
		// Listed, it is read: finished, with its output commit.
		if newest["status"] != "Succeeded" || newest["isCompleted"] != true || newest["outputCommitId"] == nil || newest["completed"] == nil {
			t.Errorf("listed run %v", newest)
		}
		wantError(t, e.do(e.api, "GET", "/v1/projects/admin/nope/runs", "", bearer(tok)...), 404)
		wantError(t, e.do(e.api, "GET", runs, "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", runs, ""), 401)
	},

	"GET /v1/projects/{owner}/{name}/runs/{runId}": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("run-reader", "Contributor")
		e.must(200, e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"manual"}`)
		run := e.must(200, e.api, "POST", runs, runsStartBody(`["main.py"]`, ""), bearer(tok)...).obj(t)
		m := e.must(200, e.api, "GET", runs+"/"+str(run["runId"]), "", bearer(tok)...).obj(t)
		exactFields(t, "run", m, runV1Fields)
		if m["status"] != "Queued" || m["isCompleted"] != false || m["outputCommitId"] != nil || m["completed"] != nil || m["started"] != nil {
			t.Errorf("queued run %v", m)
		}
		e.must(200, e.proxy, "POST", "/__mock/jobs/"+str(run["runId"])+"/advance", "")
		e.must(200, e.proxy, "POST", "/__mock/jobs/"+str(run["runId"])+"/advance", "")
		m = e.must(200, e.api, "GET", runs+"/"+str(run["runId"]), "", bearer(tok)...).obj(t)
		if m["status"] != "Succeeded" || m["outputCommitId"] == nil || m["completed"] == nil || m["started"] == nil {
			t.Errorf("finished run %v", m)
		}
		wantError(t, e.do(e.api, "GET", runs+"/"+unknownObjectID, "", bearer(tok)...), 404)
		wantError(t, e.do(e.api, "GET", runs+"/invalid", "", bearer(tok)...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "GET", "/v1/projects/admin/nope/runs/"+str(run["runId"]), "", bearer(tok)...), 404)
		wantError(t, e.do(e.api, "GET", runs+"/"+str(run["runId"]), "", asAlice...), 403)
	},

	"POST /v4/jobs/restart": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("restarter", "Contributor")
		_, launcher := e.saWithToken("launcher", "LauncherUser")
		e.put(e.proxy, "/a.txt", "a")
		first := e.headCommit(t)
		orig := e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"train.py","title":"t","overrideHardwareTierId":"medium-k8s"}`, bearer(tok)...).obj(t)
		e.must(200, e.api, "GET", "/v4/jobs/"+str(orig["id"]), "", bearer(tok)...) // finished: a new head
		m := e.must(200, e.api, "POST", "/v4/jobs/restart", `{"jobId":"`+str(orig["id"])+`","shouldUseOriginalInputCommit":true}`, bearer(tok)...).obj(t)
		fields(t, "restarted job", m, jobV4Fields)
		if d, _ := m["commitDetails"].(map[string]any); m["id"] == orig["id"] || m["number"] != 2.0 || m["jobRunCommand"] != "train.py" ||
			m["title"] != "t" || m["hardwareTierId"] != "medium-k8s" || d["inputCommitId"] != first {
			t.Errorf("restart %v", m)
		}
		m = e.must(200, e.api, "POST", "/v4/jobs/restart", `{"jobId":"`+str(orig["id"])+`","shouldUseOriginalInputCommit":false}`, bearer(tok)...).obj(t)
		if d, _ := m["commitDetails"].(map[string]any); d["inputCommitId"] == first || m["number"] != 3.0 {
			t.Errorf("restart on the head %v", m)
		}
		for body, part := range map[string]string{
			`{"shouldUseOriginalInputCommit":true}`:                                    "jobId",
			`{"jobId":"` + str(orig["id"]) + `"}`:                                      "shouldUseOriginalInputCommit",
			`{"jobId":"invalid","shouldUseOriginalInputCommit":true}`:                  "Json validation error",
			`{"jobId":"` + str(orig["id"]) + `","shouldUseOriginalInputCommit":"yes"}`: "shouldUseOriginalInputCommit",
		} {
			wantError(t, e.do(e.api, "POST", "/v4/jobs/restart", body, bearer(tok)...), 400, part)
		}
		wantError(t, e.do(e.api, "POST", "/v4/jobs/restart", `{"jobId":"`+unknownObjectID+`","shouldUseOriginalInputCommit":true}`, bearer(tok)...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/jobs/restart", `{"jobId":"`+str(orig["id"])+`","shouldUseOriginalInputCommit":true}`, bearer(launcher)...), 403)
		wantError(t, e.do(e.api, "POST", "/v4/jobs/restart", `{"jobId":"`+str(orig["id"])+`","shouldUseOriginalInputCommit":true}`, asAlice...), 403)
	},

	"POST /v4/jobs/archive": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("archiver", "Contributor")
		j := e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(tok)...).obj(t)
		e.must(200, e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"manual"}`)
		held := e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"sleep"}`, bearer(tok)...).obj(t)
		m := e.must(200, e.api, "POST", "/v4/jobs/archive", `{"jobId":"`+str(j["id"])+`"}`, bearer(tok)...).obj(t)
		fields(t, "archived job", m, jobV4Fields)
		if st, _ := m["statuses"].(map[string]any); st["isArchived"] != true || m["id"] != j["id"] {
			t.Errorf("archived %v", m)
		}
		list := func(q string) int {
			return int(e.must(200, e.api, "GET", "/v4/jobs?projectId="+projectID+q, "", bearer(tok)...).obj(t)["totalCount"].(float64))
		}
		if list("") != 1 || list("&show_archived=false") != 1 || list("&show_archived=true") != 2 {
			t.Errorf("listed: %d without, %d with archived ones", list(""), list("&show_archived=true"))
		}
		if st := e.must(200, e.api, "GET", "/v4/jobs/"+str(j["id"]), "", bearer(tok)...).obj(t)["statuses"].(map[string]any); st["isArchived"] != true {
			t.Errorf("read: %v", st)
		}
		wantError(t, e.do(e.api, "POST", "/v4/jobs/archive", `{"jobId":"`+str(held["id"])+`"}`, bearer(tok)...), 400, "completed")
		wantError(t, e.do(e.api, "POST", "/v4/jobs/archive", `{}`, bearer(tok)...), 400, "jobId")
		wantError(t, e.do(e.api, "POST", "/v4/jobs/archive", `{"jobId":"invalid"}`, bearer(tok)...), 400, "Json validation error")
		wantError(t, e.do(e.api, "POST", "/v4/jobs/archive", `{"jobId":"`+unknownObjectID+`"}`, bearer(tok)...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/jobs/archive", `{"jobId":"`+str(j["id"])+`"}`, asAlice...), 403)
	},

	"POST /v4/jobs/{jobId}/name": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("renamer", "Contributor")
		_, reader := e.saWithToken("reader", "ResultsConsumer")
		j := e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(tok)...).obj(t)
		p := "/v4/jobs/" + str(j["id"]) + "/name"
		// What ksmpartners/domino-java-client's updateJobSuccess sends and reads.
		m := e.must(200, e.api, "POST", p, `{"name":"Hello World"}`, bearer(tok)...).obj(t)
		fields(t, "renamed job", m, jobV4Fields)
		if m["id"] != j["id"] || m["title"] != "Hello World" {
			t.Errorf("renamed %v", m)
		}
		if got := e.must(200, e.api, "GET", "/v4/jobs/"+str(j["id"]), "", bearer(tok)...).obj(t); got["title"] != "Hello World" {
			t.Errorf("read back %v", got["title"])
		}
		wantError(t, e.do(e.api, "POST", p, `{}`, bearer(tok)...), 400, "name")
		wantError(t, e.do(e.api, "POST", p, `{"name":""}`, bearer(tok)...), 400, "name")
		wantError(t, e.do(e.api, "POST", p, `{"name":7}`, bearer(tok)...), 400, "name")
		wantError(t, e.do(e.api, "POST", "/v4/jobs/"+unknownObjectID+"/name", `{"name":"Hello World"}`, bearer(tok)...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/jobs/invalid/name", `{"name":"Hello World"}`, bearer(tok)...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "POST", p, `{"name":"n"}`, bearer(reader)...), 403)
		wantError(t, e.do(e.api, "POST", p, `{"name":"n"}`, asAlice...), 403)
	},

	"GET /v4/jobs/{jobId}/runtimeExecutionDetails": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("detailer", "Contributor")
		j := e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(tok)...).obj(t)
		p := "/v4/jobs/" + str(j["id"]) + "/runtimeExecutionDetails"
		m := e.must(200, e.api, "GET", p, "", bearer(tok)...).obj(t)
		exactFields(t, "runtime details", m, map[string]string{"environment": "object", "hardwareTier": "object", "executorInfo": "null"})
		env, _ := m["environment"].(map[string]any)
		exactFields(t, "environment", env, map[string]string{"environmentId": "id", "environmentName": "string",
			"environmentRevisionId": "id", "environmentRevisionSpec": "string", "revisionNumber": "number"})
		// What ksmpartners/domino-java-client's getRuntimeExecutionDetailsSuccess asserts.
		if !strings.Contains(str(env["environmentName"]), "Domino Standard Environment") || env["revisionNumber"] != 1.0 ||
			env["environmentRevisionId"] != envRevisionID || env["environmentRevisionSpec"] != "ActiveRevision" {
			t.Errorf("environment %v", env)
		}
		tier, _ := m["hardwareTier"].(map[string]any)
		exactFields(t, "hardwareTier", tier, map[string]string{"id": "string", "name": "string", "isArchived": "bool"})
		if tier["name"] != "Small" || tier["id"] != "small-k8s" {
			t.Errorf("hardware tier %v", tier)
		}
		wantError(t, e.do(e.api, "GET", "/v4/jobs/"+unknownObjectID+"/runtimeExecutionDetails", "", bearer(tok)...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/jobs/invalid/runtimeExecutionDetails", "", bearer(tok)...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "GET", p, "", asAlice...), 403)
	},
}

// POST /v4/jobs/start honours the choices python-domino's job_start sends
// (commitId, mainRepoGitRef, overrideHardwareTierId, environmentId), and
// the job shows each as Domino's Job names it; what it leaves out comes
// from the project's settings, then the deployment's defaults.
func TestStartJobHonoursItsChoices(t *testing.T) {
	e := newEnv(t)
	_, tok := e.saWithToken("chooser", "Contributor")
	start := func(body string) map[string]any {
		t.Helper()
		return e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"main.py",`+body+`}`, bearer(tok)...).obj(t)
	}
	get := func(id any) map[string]any {
		t.Helper()
		return e.must(200, e.api, "GET", "/v4/jobs/"+str(id), "", bearer(tok)...).obj(t)
	}
	commitOf := func(m map[string]any) (in, out any) {
		d, _ := m["commitDetails"].(map[string]any)
		return d["inputCommitId"], d["outputCommitId"]
	}
	e.put(e.proxy, "/a.txt", "a")
	first := e.headCommit(t)
	e.put(e.proxy, "/a.txt", "b")
	head := e.headCommit(t)

	// python-domino's nulls: the head commit, the defaults.
	m := start(`"commitId":null,"mainRepoGitRef":null,"overrideHardwareTierId":null,"environmentId":null,"title":null`)
	if in, out := commitOf(m); in != head || out != nil {
		t.Errorf("defaults: input %v output %v, want %s and null", in, out, head)
	}
	if m["hardwareTierId"] != "small-k8s" || m["environmentId"] != envID || m["mainRepoGitRef"] != nil {
		t.Errorf("defaults: %v", m)
	}
	// Once it finished, its results are a commit of their own, the new head.
	done := get(m["id"])
	if in, out := commitOf(done); in != head || out == nil || out == head || out != e.headCommit(t) {
		t.Errorf("finished: input %v output %v (head %s)", in, out, e.headCommit(t))
	}

	m = start(`"commitId":"` + first + `","mainRepoGitRef":{"type":"branches","value":"dev"},"overrideHardwareTierId":"medium-k8s","environmentId":"` + envID + `"`)
	ref, _ := m["mainRepoGitRef"].(map[string]any)
	if in, _ := commitOf(m); in != first || m["hardwareTierId"] != "medium-k8s" || ref["type"] != "branches" || ref["value"] != "dev" {
		t.Errorf("chosen: %v", m)
	}
	if again := get(m["id"]); again["mainRepoGitRef"] == nil || again["hardwareTierId"] != "medium-k8s" {
		t.Errorf("read back: %v", again)
	}
	// The project's settings' defaults.
	e.must(200, e.proxy, "PUT", "/v4/projects/"+projectID+"/settings", `{"defaultHardwareTierId":"medium-k8s"}`)
	if m := start(`"overrideHardwareTierId":null`); m["hardwareTierId"] != "medium-k8s" {
		t.Errorf("settings' tier: %v", m["hardwareTierId"])
	}

	for body, part := range map[string]string{
		`"commitId":"0123456789abcdef0123456789abcdef01234567"`: "commitId",
		`"mainRepoGitRef":{"type":"branch","value":"dev"}`:      "mainRepoGitRef",
		`"mainRepoGitRef":{"type":"tags"}`:                      "mainRepoGitRef",
		`"mainRepoGitRef":"main"`:                               "mainRepoGitRef",
		`"overrideHardwareTierId":"huge"`:                       "overrideHardwareTierId",
	} {
		wantError(t, e.do(e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"x",`+body+`}`, bearer(tok)...), 400, part)
	}

	// The public API takes its GitRefV1 and shows it back.
	pub := e.must(200, e.api, "POST", "/api/jobs/v1/jobs", `{"projectId":"`+projectID+`","runCommand":"x","mainRepoGitRef":{"refType":"tags","value":"v1"},"commitId":"`+first+`"}`, bearer(tok)...).obj(t)
	j, _ := pub["job"].(map[string]any)
	pref, _ := j["mainRepoGitRef"].(map[string]any)
	if pref["refType"] != "tags" || pref["value"] != "v1" {
		t.Errorf("public API job's ref: %v", j)
	}
	if d, _ := j["commitDetails"].(map[string]any); d["inputCommitId"] != first {
		t.Errorf("public API job's commit: %v", j["commitDetails"])
	}
	wantError(t, e.do(e.api, "POST", "/api/jobs/v1/jobs", `{"projectId":"`+projectID+`","runCommand":"x","mainRepoGitRef":{"refType":"nope"}}`, bearer(tok)...), 400, "mainRepoGitRef")
}
