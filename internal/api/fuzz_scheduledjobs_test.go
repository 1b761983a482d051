package api_test

// Fuzz tests of the scheduled-job routes' decoders: the create and update
// bodies and GET /v4/scheduledruns's query. The properties of fuzz_test.go
// hold (no panic, no 5xx, errors in the route's shape), plus each target's
// own: what is accepted reads back as answered, a Contributor schedules
// only as itself, and once the clock has moved every job the schedule
// started was submitted at a time its cron expression names, at most
// store.MaxFiringsPerCatchUp of them.

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/cron"
	"github.com/mockdomino/mockdomino/internal/store"
)

var schedSeeds = []string{
	schedBody(nil),
	schedBody(func(m map[string]any) {
		m["schedule"] = map[string]any{"cronString": "* * * * * ?", "isCustom": true}
		m["timezoneId"], m["allowConcurrentExecution"] = "Asia/Kolkata", false
	}),
	schedBody(func(m map[string]any) {
		m["schedule"] = map[string]any{"cronString": "0 0/7 1-23/2 ? JAN-DEC MON-FRI 2025-2099", "isCustom": true}
		m["environmentRevisionSpec"] = map[string]any{"revisionId": envRevisionID}
		m["overrideEnvironmentId"], m["capacityType"] = envID, "spot"
		m["mainRepoGitRef"] = map[string]any{"type": "tags", "value": "v1"}
		m["notifyOnCompleteEmailAddresses"] = []string{"a@example.com"}
	}),
	schedBody(func(m map[string]any) {
		m["schedule"] = map[string]any{"cronString": "0 0 0 L-3 * ?", "isCustom": false}
	}),
	schedBody(func(m map[string]any) {
		m["schedule"] = map[string]any{"cronString": "0 0 0 ? * 6#5", "isCustom": false}
	}),
	schedBody(func(m map[string]any) {
		m["schedule"] = map[string]any{"cronString": "0 0 0 1 1 ? 2020", "isCustom": false}
	}),
	schedBody(func(m map[string]any) { m["schedule"] = map[string]any{"cronString": "*/5 * * * *", "isCustom": false} }),
	schedBody(func(m map[string]any) { m["timezoneId"] = "Local" }),
	schedBody(func(m map[string]any) { m["scheduledByUserId"] = aliceID }),
	schedBody(func(m map[string]any) { m["environmentRevisionSpec"] = map[string]any{"revisionId": ""} }),
	schedBody(func(m map[string]any) { m["hardwareTierIdentifier"] = "Medium"; m["isPaused"] = true }),
	`{"title":null}`, `{}`, `[]`, `null`, `{"schedule":{"cronString":7}}`,
}

// fuzzSchedule checks an accepted schedule: it reads back as answered, runs
// as the caller unless an administrator named another user, and what it
// fires in the next hour is what its cron expression names.
func fuzzSchedule(t *testing.T, w *world, r *resp, asAdmin bool, sentBy string) {
	t.Helper()
	m := r.obj(t)
	id, cronString, zone := str(m["id"]), str(obj(m["schedule"])["cronString"]), str(m["timezoneId"])
	hdr := callerOf(true)
	back := send(w.api, "GET", schedPath+"/"+id, nil, "", hdr...)
	check(t, back)
	if back.code != 200 || !jsonEqual(back.obj(t), m) {
		t.Fatalf("answered %s, reads back %s", r, back)
	}
	if by := str(m["scheduledByUserId"]); !asAdmin && by != w.sa.ID || asAdmin && by != sentBy {
		t.Fatalf("scheduled by %s (sent %s, as admin %v)", by, sentBy, asAdmin)
	}
	sched, err := cron.Parse(cronString)
	if err != nil {
		t.Fatalf("accepted the cron expression %q: %v", cronString, err)
	}
	loc, err := cron.Location(zone)
	if err != nil {
		t.Fatalf("accepted the zone %q: %v", zone, err)
	}
	from := w.st.Clock().Now()
	if _, err := w.st.AdvanceClock(time.Hour); err != nil {
		t.Fatal(err)
	}
	admin, _ := w.st.CallerByUserName("admin")
	jobs, err := w.st.Jobs(admin, projectID)
	if err != nil {
		t.Fatal(err)
	}
	fired := 0
	for _, j := range jobs {
		if j.Submitted.Before(from) || j.Command != str(m["command"]) {
			continue
		}
		fired++
		if !sched.Matches(j.Submitted, loc) {
			t.Fatalf("%q in %s fired at %s", cronString, zone, j.Submitted)
		}
	}
	if fired > store.MaxFiringsPerCatchUp || m["isPaused"] == true && fired > 0 {
		t.Fatalf("%q (paused %v) fired %d jobs in an hour", cronString, m["isPaused"], fired)
	}
	// Leave the world as it was, bar the jobs.
	check(t, send(w.api, "DELETE", schedPath+"/"+id, nil, "", hdr...))
}

// schedCaller is the admin's key or the Contributor's token.
func (w *world) schedCaller(asAdmin bool) []string {
	if asAdmin {
		return callerOf(true)
	}
	return bearer(w.tok)
}

func FuzzCreateScheduledJob(f *testing.F) {
	for _, s := range schedSeeds {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		w := worldFor(t)
		r := fuzzBody(t, w.api, "POST", schedPath, body, "application/json", w.schedCaller(asAdmin)...)
		if r.code != 200 {
			return
		}
		var sent struct{ ScheduledByUserID string }
		_ = json.Unmarshal(body, &sent)
		fuzzSchedule(t, w, r, asAdmin, sent.ScheduledByUserID)
	})
}

func FuzzUpdateScheduledJob(f *testing.F) {
	for _, s := range schedSeeds {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		w := worldFor(t)
		// A schedule of the Contributor's own, which it may change.
		made := send(w.api, "POST", schedPath, []byte(schedBody(func(m map[string]any) { m["scheduledByUserId"] = w.sa.ID })), "application/json", bearer(w.tok)...)
		if made.code != 200 {
			t.Fatalf("making the schedule to update: %s", made)
		}
		before := made.obj(t)
		r := fuzzBody(t, w.api, "PUT", schedPath+"/"+str(before["id"]), body, "application/json", w.schedCaller(asAdmin)...)
		if r.code != 200 {
			back := send(w.api, "GET", schedPath+"/"+str(before["id"]), nil, "", callerOf(true)...)
			if !jsonEqual(back.obj(t), before) {
				t.Fatalf("a refused update (%s) changed the schedule: %s", r, back)
			}
			check(t, send(w.api, "DELETE", schedPath+"/"+str(before["id"]), nil, "", callerOf(true)...))
			return
		}
		m := r.obj(t)
		if m["id"] != before["id"] || m["created"] != before["created"] || m["projectId"] != projectID {
			t.Fatalf("an update changed what it may not: %v → %v", before, m)
		}
		var sent struct{ ScheduledByUserID string }
		_ = json.Unmarshal(body, &sent)
		fuzzSchedule(t, w, r, asAdmin, sent.ScheduledByUserID)
	})
}

// FuzzScheduledRunsQuery: any query of GET /v4/scheduledruns.
func FuzzScheduledRunsQuery(f *testing.F) {
	for _, q := range []string{"userId=" + adminID, "userId=" + aliceID, "", "userId=x", "userId=000000000000000000000000",
		"userId=" + adminID + "&userId=" + aliceID, "userId=%zz", "userId=" + url.QueryEscape("a\x00b")} {
		f.Add(q, true)
		f.Add(q, false)
	}
	f.Fuzz(func(t *testing.T, query string, asAdmin bool) {
		w := worldFor(t)
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.URL.RawQuery = "/v4/scheduledruns", query
		hdr := w.schedCaller(asAdmin)
		req.Header.Set(hdr[0], hdr[1])
		r := serveReq(w.api, req)
		check(t, r)
		v, _ := url.ParseQuery(query) // as the handler reads it
		if userID := v.Get("userId"); r.code == 200 && !asAdmin && userID != "" && userID != w.sa.ID {
			t.Fatalf("the Contributor listed the scheduled jobs of %q: %s", userID, r)
		}
	})
}
