package api_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// Route cases of the scheduled-job routes (one per route, as routes_test.go
// has them for the others), added to routeCases when the tests start.
func init() {
	for name, c := range scheduledJobRouteCases {
		if routeCases[name] != nil {
			panic("two route cases for " + name)
		}
		routeCases[name] = c
	}
}

const schedPath = "/v4/projects/" + projectID + "/scheduledjobs"

// scheduledJobFields are the spec's ScheduledJobDto's.
var scheduledJobFields = map[string]string{
	"id": "id", "created": "time", "projectId": "id", "title": "string", "command": "string", "schedule": "object",
	"timezoneId": "string", "isPaused": "bool", "allowConcurrentExecution": "bool", "hardwareTierIdentifier": "string",
	"hardwareTierName": "string", "environmentRevisionSpec": "string", "overrideEnvironmentId": "null",
	"scheduledByUserId": "id", "scheduledByUserName": "string", "notifyOnCompleteEmailAddresses": "array",
	"dataConfig": "object", "capacityType": "null", "mainRepoGitRef": "null", "computeClusterProperties": "null",
	"publishModelId": "null", "volumeSpecificationOverride": "null",
}

// schedBody is a body with every field the spec requires, as the admin
// would send it; edit changes it.
func schedBody(edit func(m map[string]any)) string {
	m := map[string]any{"title": "nightly", "command": "train.py", "schedule": map[string]any{"cronString": "0 0 2 * * ?", "isCustom": true},
		"timezoneId": "UTC", "isPaused": false, "allowConcurrentExecution": true, "hardwareTierIdentifier": "small-k8s",
		"environmentRevisionSpec": "ActiveRevision", "scheduledByUserId": adminID, "notifyOnCompleteEmailAddresses": []string{}}
	if edit != nil {
		edit(m)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// createSched schedules a job in the fixtures' project as the admin.
func (e *env) createSched(edit func(m map[string]any)) map[string]any {
	e.t.Helper()
	return e.must(200, e.api, "POST", schedPath, schedBody(edit), asAdmin...).obj(e.t)
}

var scheduledJobRouteCases = map[string]routeCase{
	"POST /v4/projects/{projectId}/scheduledjobs": func(t *testing.T, e *env) {
		m := e.createSched(nil)
		exactFields(t, "scheduled job", m, scheduledJobFields)
		exactFields(t, "schedule", obj(m["schedule"]), map[string]string{"cronString": "string", "isCustom": "bool", "humanReadableCronString": "string"})
		exactFields(t, "dataConfig", obj(m["dataConfig"]), map[string]string{"datasetConfig": "null", "externalVolumeMounts": "array",
			"netAppVolumeIds": "array", "snapshotDatasetsOnCompletion": "bool", "snapshotNetAppVolumesOnCompletion": "bool"})
		if m["projectId"] != projectID || m["command"] != "train.py" || m["scheduledByUserName"] != "admin" || m["hardwareTierName"] != "Small" ||
			obj(m["schedule"])["humanReadableCronString"] != "At 02:00, every day" || m["environmentRevisionSpec"] != "ActiveRevision" {
			t.Errorf("created %v", m)
		}
		// Every field the spec declares is accepted; those the mock models
		// are answered.
		full := e.createSched(func(m map[string]any) {
			m["overrideEnvironmentId"], m["capacityType"], m["datasetConfig"] = envID, "spot", "default"
			m["environmentRevisionSpec"] = map[string]any{"revisionId": envRevisionID}
			m["mainRepoGitRef"] = map[string]any{"type": "branches", "value": "main"}
			m["computeClusterProperties"] = map[string]any{"clusterType": "Spark", "computeEnvironmentId": envID, "workerCount": 2,
				"workerHardwareTierId": map[string]any{"value": "small-k8s"}}
			m["publishModelId"], m["externalVolumeMounts"], m["netAppVolumeIds"] = envID, []string{envID}, []string{"v1"}
			m["snapshotDatasetsOnCompletion"], m["snapshotNetAppVolumesOnCompletion"] = true, false
			m["volumeSpecificationOverride"] = map[string]any{"size": 10}
			m["notifyOnCompleteEmailAddresses"] = []string{"ops@example.com"}
		})
		if full["overrideEnvironmentId"] != envID || full["capacityType"] != "spot" || obj(full["dataConfig"])["datasetConfig"] != "default" ||
			obj(full["environmentRevisionSpec"])["revisionId"] != envRevisionID || obj(full["mainRepoGitRef"])["value"] != "main" ||
			obj(full["dataConfig"])["snapshotDatasetsOnCompletion"] != true || len(full["notifyOnCompleteEmailAddresses"].([]any)) != 1 {
			t.Errorf("every field: %v", full)
		}
		// Each required field.
		for _, f := range []string{"title", "command", "schedule", "timezoneId", "isPaused", "allowConcurrentExecution",
			"hardwareTierIdentifier", "environmentRevisionSpec", "scheduledByUserId", "notifyOnCompleteEmailAddresses"} {
			wantError(t, e.do(e.api, "POST", schedPath, schedBody(func(m map[string]any) { delete(m, f) }), asAdmin...), 400, f+" is required")
		}
		wantError(t, e.do(e.api, "POST", schedPath, schedBody(func(m map[string]any) { m["schedule"] = map[string]any{"isCustom": false} }), asAdmin...), 400, "schedule.cronString is required")
		wantError(t, e.do(e.api, "POST", schedPath, schedBody(func(m map[string]any) {
			m["schedule"] = map[string]any{"cronString": "0 2 * * *", "isCustom": true}
		}), asAdmin...), 400, "not a Quartz cron expression")
		wantError(t, e.do(e.api, "POST", schedPath, schedBody(func(m map[string]any) { m["environmentRevisionSpec"] = "Newest" }), asAdmin...), 400, "environmentRevisionSpec")
		wantError(t, e.do(e.api, "POST", schedPath, schedBody(func(m map[string]any) { m["scheduledByUserId"] = "admin" }), asAdmin...), 400, "Json validation error", "scheduledByUserId")
		wantError(t, e.do(e.api, "POST", schedPath, schedBody(func(m map[string]any) { m["timezoneId"] = "Mars/Base" }), asAdmin...), 400, "timezoneId")
		wantError(t, e.do(e.api, "POST", schedPath, `[]`, asAdmin...), 400)
		// Who may: not a reader (before the body is read), not a role that
		// may not start jobs, not anyone unknown.
		wantError(t, e.do(e.api, "POST", schedPath, schedBody(func(m map[string]any) { m["scheduledByUserId"] = aliceID }), asAlice...), 403)
		_, launcher := e.saWithToken("launcher", "LauncherUser")
		wantError(t, e.do(e.api, "POST", schedPath, "{", bearer(launcher)...), 403, "may not schedule jobs")
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+unknownObjectID+"/scheduledjobs", schedBody(nil), asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/projects/nope/scheduledjobs", schedBody(nil), asAdmin...), 400, "nope is not a valid ID")
		wantError(t, e.do(e.api, "POST", schedPath, schedBody(nil)), 401)
	},

	"GET /v4/projects/{projectId}/scheduledjobs": func(t *testing.T, e *env) {
		if l := e.must(200, e.api, "GET", schedPath, "", asAdmin...).list(t); len(l) != 0 {
			t.Errorf("no schedules: %v", l)
		}
		a := e.createSched(nil)
		b := e.createSched(func(m map[string]any) { m["command"] = "b.py" })
		l := e.must(200, e.api, "GET", schedPath, "", asAdmin...).list(t)
		if len(l) != 2 || l[0]["id"] != a["id"] || l[1]["id"] != b["id"] {
			t.Errorf("listed %v", l)
		}
		exactFields(t, "listed", l[0], scheduledJobFields)
		wantError(t, e.do(e.api, "GET", schedPath, "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+unknownObjectID+"/scheduledjobs", "", asAdmin...), 404)
	},

	"GET /v4/projects/{projectId}/scheduledjobs/forRequestingUser": func(t *testing.T, e *env) {
		contributor, tok := e.saWithToken("contrib", "Contributor")
		mine := e.must(200, e.api, "POST", schedPath, schedBody(func(m map[string]any) { m["scheduledByUserId"] = contributor.ID }), bearer(tok)...).obj(t)
		admins := e.createSched(nil)
		l := e.must(200, e.api, "GET", schedPath+"/forRequestingUser", "", bearer(tok)...).list(t)
		if len(l) != 2 {
			t.Fatalf("listed %v", l)
		}
		for _, item := range l {
			exactFields(t, "for requesting user", item, map[string]string{"scheduledJob": "object", "canEdit": "bool"})
			exactFields(t, "its scheduled job", obj(item["scheduledJob"]), scheduledJobFields)
		}
		if obj(l[0]["scheduledJob"])["id"] != mine["id"] || l[0]["canEdit"] != true || obj(l[1]["scheduledJob"])["id"] != admins["id"] || l[1]["canEdit"] != false {
			t.Errorf("a Contributor lists %v", l)
		}
		for _, item := range e.must(200, e.api, "GET", schedPath+"/forRequestingUser", "", asAdmin...).list(t) {
			if item["canEdit"] != true {
				t.Errorf("the admin may not edit %v", item)
			}
		}
		wantError(t, e.do(e.api, "GET", schedPath+"/forRequestingUser", "", asAlice...), 403)
	},

	"GET /v4/projects/{projectId}/scheduledjobs/{scheduledJobKey}": func(t *testing.T, e *env) {
		m := e.createSched(nil)
		got := e.must(200, e.api, "GET", schedPath+"/"+str(m["id"]), "", asAdmin...).obj(t)
		if !jsonEqual(m, got) {
			t.Errorf("read back %v, created %v", got, m)
		}
		wantError(t, e.do(e.api, "GET", schedPath+"/"+unknownObjectID, "", asAdmin...), 404, unknownObjectID)
		wantError(t, e.do(e.api, "GET", schedPath+"/not-an-id", "", asAdmin...), 404) // the spec gives the key no pattern
		wantError(t, e.do(e.api, "GET", schedPath+"/"+str(m["id"]), "", asAlice...), 403)
	},

	"PUT /v4/projects/{projectId}/scheduledjobs/{scheduledJobKey}": func(t *testing.T, e *env) {
		m := e.createSched(nil)
		one := schedPath + "/" + str(m["id"])
		got := e.must(200, e.api, "PUT", one, schedBody(func(b map[string]any) {
			b["isPaused"], b["title"], b["hardwareTierIdentifier"] = true, "paused", "Medium"
			b["schedule"] = map[string]any{"cronString": "0 15 10 ? * 6L", "isCustom": true}
		}), asAdmin...).obj(t)
		exactFields(t, "updated", got, scheduledJobFields)
		if got["id"] != m["id"] || got["created"] != m["created"] || got["isPaused"] != true || got["title"] != "paused" ||
			got["hardwareTierIdentifier"] != "medium-k8s" || obj(got["schedule"])["humanReadableCronString"] != "At 10:15, on the last Friday of the month" {
			t.Errorf("updated %v", got)
		}
		wantError(t, e.do(e.api, "PUT", one, schedBody(func(b map[string]any) { delete(b, "isPaused") }), asAdmin...), 400, "isPaused is required")
		_, tok := e.saWithToken("other", "Contributor")
		wantError(t, e.do(e.api, "PUT", one, "{", bearer(tok)...), 403, "may not change scheduled job") // before the body is read
		wantError(t, e.do(e.api, "PUT", schedPath+"/"+unknownObjectID, schedBody(nil), asAdmin...), 404)
	},

	"DELETE /v4/projects/{projectId}/scheduledjobs/{scheduledJobKey}": func(t *testing.T, e *env) {
		m := e.createSched(nil)
		one := schedPath + "/" + str(m["id"])
		_, tok := e.saWithToken("other", "Contributor")
		wantError(t, e.do(e.api, "DELETE", one, "", bearer(tok)...), 403)
		r := e.must(200, e.api, "DELETE", one, "", asAdmin...)
		if len(r.body) != 0 {
			t.Errorf("delete answered %q, want no body", r.body)
		}
		wantError(t, e.do(e.api, "GET", one, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", one, "", asAdmin...), 404)
	},

	"GET /v4/scheduledruns": func(t *testing.T, e *env) {
		m := e.createSched(func(m map[string]any) {
			m["allowConcurrentExecution"], m["notifyOnCompleteEmailAddresses"] = false, []string{"a@example.com", "b@example.com"}
		})
		runFields := map[string]string{"id": "id", "schedulingUserName": "string", "scheduleTime": "string", "hardwareTierName": "string",
			"launchBehavior": "string", "projectIdentity": "string", "title": "string", "emailsToNotify": "string"}
		for _, path := range []string{"/v4/scheduledruns?userId=" + adminID, "/v4/scheduledruns"} {
			l := e.must(200, e.api, "GET", path, "", asAdmin...).list(t)
			if len(l) != 1 {
				t.Fatalf("%s: %v", path, l)
			}
			exactFields(t, "scheduled run", l[0], runFields)
			if l[0]["id"] != m["id"] || l[0]["projectIdentity"] != "admin/quick-start" || l[0]["launchBehavior"] != "Sequential" ||
				l[0]["emailsToNotify"] != "a@example.com,b@example.com" || l[0]["scheduleTime"] != "At 02:00, every day" {
				t.Errorf("%s: %v", path, l[0])
			}
		}
		// Observed (ksmpartners/domino-java-client): an array for the caller, 404 for an unknown user.
		if l := e.must(200, e.api, "GET", "/v4/scheduledruns?userId="+aliceID, "", asAlice...).list(t); len(l) != 0 {
			t.Errorf("alice's: %v", l)
		}
		wantError(t, e.do(e.api, "GET", "/v4/scheduledruns?userId=000000000000000000000000", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/scheduledruns?userId="+adminID, "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v4/scheduledruns?userId=bob", "", asAdmin...), 400, "bob is not a valid ID")
	},
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// A schedule fires when the mock's clock moves: its jobs are in the
// project's list, submitted at the scheduled minutes, as its user.
func TestScheduledJobsFireThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	e.createSched(func(m map[string]any) {
		m["command"], m["schedule"] = "tick.py", map[string]any{"cronString": "0 * * * * ?", "isCustom": true}
	})
	e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"3m"}`)
	m := e.must(200, e.api, "GET", "/v4/jobs?projectId="+projectID+"&page_size=10", "", asAdmin...).obj(t)
	jobs, _ := m["jobs"].([]any)
	if len(jobs) != 3 {
		t.Fatalf("%d jobs after three minutes: %v", len(jobs), m)
	}
	for _, j := range jobs {
		job := obj(j)
		sub, _ := obj(job["stageTime"])["submissionTime"].(float64)
		if job["jobRunCommand"] != "tick.py" || obj(job["startedBy"])["username"] != "admin" || math.Mod(sub, 60000) != 0 {
			t.Errorf("fired job %v", job)
		}
	}
	state := string(e.must(200, e.proxy, "GET", "/__mock/state", "").body)
	if !strings.Contains(state, `"scheduledJobs":[{`) || !strings.Contains(state, `"nextFire"`) {
		t.Errorf("the state export lacks the scheduled job: %s", clip(state))
	}
}
