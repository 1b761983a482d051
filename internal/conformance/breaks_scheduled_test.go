package conformance

import (
	"net/http"
)

// Deliberate breaks of the scheduled-job behaviours (scheduled_jobs.feature),
// each caught by the scenarios named, added to breakRules when the tests
// start.
func init() { breakRules = append(breakRules, scheduledJobBreaks()...) }

var (
	schedListRE    = re(`^/v4/projects/[^/]+/scheduledjobs$`)
	schedForUserRE = re(`^/v4/projects/[^/]+/scheduledjobs/forRequestingUser$`)
	schedOneRE     = re(`^/v4/projects/[^/]+/scheduledjobs/(?:[^/f][^/]*|f[^o][^/]*)$`) // a key, not forRequestingUser
	schedRunsRE    = re(`^/v4/scheduledruns$`)
	jobListRE      = re(`^/v4/jobs/?$`)
)

// editJobList edits each job of a GET /v4/jobs answer.
func editJobList(r *http.Response, f func(j map[string]any)) {
	editJSON(r, func(v any) any {
		if o, ok := v.(map[string]any); ok {
			if jobs, ok := o["jobs"].([]any); ok {
				editEach(jobs, f)
			}
		}
		return v
	})
}

// newScheduledJob rewrites the body that schedules a job.
func newScheduledJob(key string, value any) func(b *breaker, out *http.Request, body []byte) []byte {
	return func(_ *breaker, out *http.Request, body []byte) []byte {
		if is(out, "POST", schedListRE) {
			return rewriteBody(body, key, value)
		}
		return body
	}
}

func scheduledJobBreaks() []breakRule {
	const tags = "@scheduled-jobs"
	return []breakRule{
		{name: "a scheduled job is made with another schedule", tags: tags, scenarios: `administrator schedules a job in a project`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", schedListRE) && r.StatusCode == http.StatusOK {
					eachObject(r, func(o map[string]any) {
						o["schedule"] = map[string]any{"cronString": "0 0 0 * * ?", "isCustom": true, "humanReadableCronString": ""}
					})
				}
			}},
		{name: "a scheduled job runs as someone else", tags: tags, scenarios: `administrator schedules a job in a project|contributor schedules a job`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", schedListRE) && r.StatusCode == http.StatusOK {
					eachObject(r, func(o map[string]any) { o["scheduledByUserId"] = randomObjectID() })
				}
			}},
		{name: "a contributor may not schedule jobs", tags: tags, scenarios: `contributor schedules a job`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", schedListRE) && r.StatusCode == http.StatusOK && bearer(r.Request) != "" {
					respond(r, http.StatusForbidden, map[string]any{"message": "Forbidden", "success": false})
				}
			}},
		{name: "a project does not list its scheduled jobs", tags: tags, scenarios: `project lists its scheduled jobs`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", schedListRE) && r.StatusCode == http.StatusOK {
					filterList(r, func(map[string]any) bool { return false })
				}
			}},
		{name: "a scheduled job is not found by its id", tags: tags, scenarios: `read by its id`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", schedOneRE) && r.StatusCode == http.StatusOK {
					respond(r, http.StatusNotFound, map[string]any{"message": "Scheduled job not found", "success": false})
				}
			}},
		{name: "pausing a scheduled job is ignored", tags: tags, scenarios: `scheduled job is paused`,
			request: func(_ *breaker, out *http.Request, body []byte) []byte {
				if is(out, "PUT", schedOneRE) {
					return rewriteBody(body, "isPaused", false)
				}
				return body
			}},
		{name: "a paused scheduled job reads back as running", tags: tags, scenarios: `scheduled job is paused`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", schedOneRE) && r.StatusCode == http.StatusOK {
					eachObject(r, func(o map[string]any) { o["isPaused"] = false })
				}
			}},
		{name: "a changed schedule answers the old one", tags: tags, scenarios: `schedule is changed`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "PUT", schedOneRE) && r.StatusCode == http.StatusOK {
					eachObject(r, func(o map[string]any) {
						if s, ok := o["schedule"].(map[string]any); ok {
							s["cronString"] = "0 0 2 * * ?"
						}
					})
				}
			}},
		{name: "unscheduling leaves the scheduled job", tags: tags, scenarios: `unscheduled job is no longer found`,
			request: func(_ *breaker, out *http.Request, body []byte) []byte {
				if is(out, "DELETE", schedOneRE) {
					out.Method = http.MethodGet
				}
				return body
			}},
		{name: "an unknown scheduled job is found", tags: tags, scenarios: `scheduled job that does not exist`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", schedOneRE) && r.StatusCode == http.StatusNotFound {
					respond(r, http.StatusOK, map[string]any{"id": randomObjectID()})
				}
			}},
		{name: "a Unix cron expression is accepted", tags: tags, scenarios: `not a Quartz cron expression`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", schedListRE) && r.StatusCode == http.StatusBadRequest {
					respond(r, http.StatusOK, map[string]any{"id": randomObjectID()})
				}
			}},
		{name: "the administrator may not edit a scheduled job", tags: tags, scenarios: `may change every scheduled job`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", schedForUserRE) && r.StatusCode == http.StatusOK {
					eachObject(r, func(o map[string]any) { o["canEdit"] = false })
				}
			}},
		{name: "a role that may not start jobs schedules them", tags: tags, scenarios: `may not schedule them`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", schedListRE) && r.StatusCode == http.StatusForbidden {
					respond(r, http.StatusOK, map[string]any{"id": randomObjectID()})
				}
			}},
		{name: "scheduled runs are an object", tags: tags, scenarios: `caller's scheduled runs are a list`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", schedRunsRE) && r.StatusCode == http.StatusOK {
					editJSON(r, func(v any) any { return map[string]any{"runs": v} })
				}
			}},
		{name: "the scheduled runs of an unknown user are empty", tags: tags, scenarios: `user that does not exist are not found`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", schedRunsRE) && r.StatusCode == http.StatusNotFound {
					respond(r, http.StatusOK, []any{})
				}
			}},
		{name: "scheduled runs leave a scheduled job out", tags: tags, scenarios: `among its user's scheduled runs`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", schedRunsRE) && r.StatusCode == http.StatusOK {
					filterList(r, func(map[string]any) bool { return false })
				}
			}},
		{name: "a scheduled job never fires", tags: tags, scenarios: `starts a job when its time comes|one job per firing`,
			request: newScheduledJob("isPaused", true)},
		{name: "a paused scheduled job fires", tags: tags, scenarios: `paused scheduled job starts no job`,
			request: newScheduledJob("isPaused", false)},
		{name: "a fired job is submitted a second after its time", tags: tags, scenarios: `one job per firing`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", jobListRE) && r.StatusCode == http.StatusOK {
					editJobList(r, func(j map[string]any) {
						if st, ok := j["stageTime"].(map[string]any); ok {
							if t, ok := st["submissionTime"].(float64); ok {
								st["submissionTime"] = t + 1000
							}
						}
					})
				}
			}},
		{name: "a sequential scheduled job runs concurrently", tags: tags, scenarios: `runs sequentially waits`,
			request: newScheduledJob("allowConcurrentExecution", true)},
		{name: "a scheduled job's firing is not started by its user", tags: tags, scenarios: `starts a job when its time comes`,
			response: func(_ *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", jobListRE) && r.StatusCode == http.StatusOK {
					editJobList(r, func(j map[string]any) {
						j["startedBy"] = map[string]any{"id": randomObjectID(), "username": "scheduler"}
					})
				}
			}},
	}
}
