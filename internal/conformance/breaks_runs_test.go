package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Deliberate breaks of runs.feature's behaviours, each caught by the
// scenario it names, added to breakRules when the tests start.
func init() { breakRules = append(breakRules, runBreaks...) }

var (
	runsRE       = re(`^/v1/projects/[^/]+/[^/]+/runs$`)
	runRE        = re(`^/v1/projects/[^/]+/[^/]+/runs/[^/]+$`)
	jobV4StartRE = re(`^/v4/jobs/start$`)
	jobRestartRE = re(`^/v4/jobs/restart$`)
	jobNameRE    = re(`^/v4/jobs/[^/]+/name$`)
	jobDetailsRE = re(`^/v4/jobs/[^/]+/runtimeExecutionDetails$`)
	jobsListRE   = re(`^/v4/jobs/?$`)
)

// jsonBody is a JSON request body as an object (nil if it is none).
func jsonBody(body []byte) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return m
}

// withoutField is a JSON request body without one field.
func withoutField(body []byte, key string) []byte {
	m := jsonBody(body)
	if m == nil {
		return body
	}
	delete(m, key)
	out, _ := json.Marshal(m)
	return out
}

// aJob is a job answer for a break that accepts what it should refuse.
func aJob() map[string]any {
	return map[string]any{"id": randomObjectID(), "number": 1, "jobRunCommand": "echo hi", "projectId": randomObjectID(),
		"statuses":  map[string]any{"isCompleted": false, "isArchived": false, "isScheduled": false, "executionStatus": "Queued"},
		"stageTime": map[string]any{"submissionTime": 1}}
}

var runBreaks = []breakRule{
	{name: "a run start answers the run's id as id", tags: "@runs", scenarios: `started the way python-domino does`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", runsRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) { o["id"], o["runId"] = o["runId"], nil })
			}
		}},
	{name: "a run runs another command", tags: "@runs", scenarios: `started the way python-domino does`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "POST", runsRE) {
				return rewriteBody(body, "command", []string{"echo something else"})
			}
			return body
		}},
	{name: "the runs are listed oldest first", tags: "@runs", scenarios: `listed newest first`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", runsRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) {
					if data, ok := o["data"].([]any); ok {
						slices.Reverse(data)
					}
				})
			}
		}},
	{name: "a listed run never gets its output commit", tags: "@runs", scenarios: `followed to its end`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", runsRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) {
					if data, ok := o["data"].([]any); ok {
						editEach(data, func(run map[string]any) { run["outputCommitId"] = nil })
					}
				})
			}
		}},
	{name: "a run's status is the runs list", tags: "@runs", scenarios: `status is read by its id`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", runRE) {
				setPath(out, out.URL.Path[:strings.LastIndex(out.URL.Path, "/")])
			}
			return body
		}},
	{name: "a job's commitId is ignored", tags: "@runs", scenarios: `latest commit unless it names one`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "POST", jobV4StartRE) {
				return withoutField(body, "commitId")
			}
			return body
		}},
	{name: "a job starts from a commit its project does not have", tags: "@runs", scenarios: `commit its project does not have`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", jobV4StartRE) && r.StatusCode == 400 {
				respond(r, 200, aJob())
			}
		}},
	{name: "a job runs on the deployment's default tier whatever the project's settings", tags: "@runs", scenarios: `project's settings name`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if m := jsonBody(body); is(out, "POST", jobV4StartRE) && m["overrideHardwareTierId"] == nil {
				return rewriteBody(body, "overrideHardwareTierId", "small-k8s")
			}
			return body
		}},
	{name: "a job forgets its git ref", tags: "@runs", scenarios: `shows the branch`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", jobV4StartRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) { o["mainRepoGitRef"] = nil })
			}
		}},
	{name: "a project without a git repository takes a git ref", tags: "@runs", scenarios: `refuses a git ref`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", jobV4StartRE) && r.StatusCode == 400 {
				respond(r, 200, aJob())
			}
		}},
	{name: "a restart answers the original job", tags: "@runs", scenarios: `restarted on its original commit`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "POST", jobRestartRE) {
				out.Method = http.MethodGet
				setPath(out, "/v4/jobs/"+fmt.Sprint(jsonBody(body)["jobId"]))
				return nil
			}
			return body
		}},
	{name: "a restart always uses the original commit", tags: "@runs", scenarios: `restarted on the latest commit`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "POST", jobRestartRE) {
				return rewriteBody(body, "shouldUseOriginalInputCommit", true)
			}
			return body
		}},
	{name: "a rename changes nothing", tags: "@runs", scenarios: `job is renamed`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "POST", jobNameRE) {
				out.Method = http.MethodGet
				setPath(out, strings.TrimSuffix(out.URL.Path, "/name"))
				return nil
			}
			return body
		}},
	{name: "a job that does not exist is renamed", tags: "@runs", scenarios: `does not exist cannot be renamed`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", jobNameRE) && r.StatusCode == 404 {
				respond(r, 200, aJob())
			}
		}},
	{name: "a malformed job id to rename is not found", tags: "@runs", scenarios: `malformed id cannot be renamed`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", jobNameRE) && r.StatusCode == 400 {
				respond(r, 404, map[string]any{"message": "Job not found", "success": false})
			}
		}},
	{name: "the runtime details name the hardware tier by its id", tags: "@runs", scenarios: `tells what it runs with`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", jobDetailsRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) {
					if t, ok := o["hardwareTier"].(map[string]any); ok {
						t["name"] = t["id"]
					}
				})
			}
		}},
	{name: "the runtime details lack the revision number", tags: "@runs", scenarios: `tells what it runs with`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", jobDetailsRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) {
					if e, ok := o["environment"].(map[string]any); ok {
						delete(e, "revisionNumber")
					}
				})
			}
		}},
	{name: "an archived job stays in the job list", tags: "@runs", scenarios: `archived job leaves the job list`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", jobsListRE) {
				q := out.URL.Query()
				q.Set("show_archived", "true")
				out.URL.RawQuery = q.Encode()
			}
			return body
		}},
	{name: "a finished job makes no output commit", tags: "@runs", scenarios: `results are its project's latest commit`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", jobRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) {
					if d, ok := o["commitDetails"].(map[string]any); ok {
						d["outputCommitId"] = nil
					}
				})
			}
		}},
}
