package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cucumber/godog"
)

// The steps of scheduled_jobs.feature: scheduled jobs a scenario makes in
// the projects it makes, reads, pauses, changes and unschedules, and the
// jobs they start. Every scheduled job it makes is unscheduled in its After
// hook (before its project is archived) and the jobs its project ran are
// stopped.

// schedWorld is what a scenario made and learned about scheduled jobs.
type schedWorld struct {
	id, projectID string
	body          map[string]any // what made it, for the changes a scenario makes
	// clockAtSchedule is the mock's time when the scenario scheduled the
	// job: firings are counted from it (the mock's clock runs on).
	clockAtSchedule time.Time
}

func (w *world) scheduled() (*schedWorld, error) {
	if w.sched == nil || w.sched.id == "" {
		return nil, fmt.Errorf("the scenario has scheduled no job")
	}
	return w.sched, nil
}

func schedulesPath(projectID string) string { return "/v4/projects/" + projectID + "/scheduledjobs" }

// scheduleBody is a body with every field the v4 spec's NewScheduledJobDto
// requires: the project's default hardware tier, the active revision of
// the default environment, UTC, and the caller as the user it runs as.
func (w *world) scheduleBody(ctx context.Context, who, projectID, command, cron, how string) (map[string]any, error) {
	me, err := w.whoIs(ctx, who)
	if err != nil {
		return nil, err
	}
	cred, err := w.caller(ctx, who)
	if err != nil {
		return nil, err
	}
	tier, err := w.defaultTier(ctx, projectID, cred)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"title": "conformance " + w.uniqueName("schedule"), "command": command,
		"schedule":   map[string]any{"cronString": cron, "isCustom": true},
		"timezoneId": "UTC", "isPaused": how == ", paused", "allowConcurrentExecution": how != ", sequentially",
		"hardwareTierIdentifier": tier, "environmentRevisionSpec": "ActiveRevision",
		"scheduledByUserId": me.id, "notifyOnCompleteEmailAddresses": []string{},
	}, nil
}

// defaultTier is the id of the hardware tier a project offers as its
// default, as python-domino finds it.
func (w *world) defaultTier(ctx context.Context, projectID string, cred Credential) (string, error) {
	r, err := w.must(ctx, http.MethodGet, "/v4/projects/"+projectID+"/hardwareTiers", cred, nil, http.StatusOK)
	if err != nil {
		return "", err
	}
	list, err := r.Array()
	if err != nil {
		return "", err
	}
	first := ""
	for _, t := range list {
		ht, err := t.object("hardwareTier")
		if err != nil {
			return "", err
		}
		id, _ := ht.str("id")
		if first == "" {
			first = id
		}
		if f, err := ht.object("hwtFlags"); err == nil && f["isDefault"] == true {
			return id, nil
		}
	}
	if first == "" {
		return "", fmt.Errorf("the project offers no hardware tier: %s", r)
	}
	return first, nil
}

// schedule asks to schedule a job; whatever the target schedules (rightly
// or not) is unscheduled afterwards, and its project's jobs stopped.
func (w *world) schedule(ctx context.Context, who, alias, command, cron, how string) error {
	p, err := w.madeProject(alias)
	if err != nil {
		return err
	}
	body, err := w.scheduleBody(ctx, who, p.id, command, cron, how)
	if err != nil {
		return err
	}
	var at time.Time
	if w.run.isMock {
		if at, err = w.mockNow(ctx); err != nil {
			return err
		}
	}
	if err := w.callAs(ctx, who, http.MethodPost, schedulesPath(p.id), body); err != nil {
		return err
	}
	if w.resp.Status != http.StatusOK {
		return nil
	}
	o, err := w.resp.Object()
	if err != nil {
		return err
	}
	id, err := o.nonEmpty("id")
	if err != nil {
		return fmt.Errorf("a scheduled job: %w", err)
	}
	w.sched = &schedWorld{id: id, projectID: p.id, body: body, clockAtSchedule: at}
	w.stopJobsAfterwards(p.id)
	w.undoAfterwards("unschedule job "+id, http.MethodDelete, schedulesPath(p.id)+"/"+url.PathEscape(id), w.admin())
	return nil
}

// stopJobsAfterwards stops, after the scenario, every job of the project
// that has not completed (a scheduled job may have started several).
func (w *world) stopJobsAfterwards(projectID string) {
	w.afterwards("stop the jobs of project "+projectID, func(ctx context.Context) error {
		jobs, err := w.projectJobs(ctx, projectID)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if st, err := j.object("statuses"); err == nil && st["isCompleted"] == true {
				continue
			}
			id, _ := j.str("id")
			r, err := w.run.client.Do(ctx, http.MethodPost, "/v4/jobs/stop", w.admin(),
				map[string]any{"projectId": projectID, "jobId": id, "commitResults": false})
			if err != nil {
				return err
			}
			if r.Status >= 300 && r.Status != http.StatusNotFound {
				return fmt.Errorf("%s", r)
			}
		}
		return nil
	})
}

// projectJobs is the first page of a project's jobs, newest first.
func (w *world) projectJobs(ctx context.Context, projectID string) ([]obj, error) {
	o, err := w.mustGetObject(ctx, "/v4/jobs?"+url.Values{"projectId": {projectID}, "page_size": {"100"}}.Encode(), w.admin())
	if err != nil {
		return nil, err
	}
	list, err := o.list("jobs")
	if err != nil {
		return nil, err
	}
	out := make([]obj, 0, len(list))
	for _, j := range list {
		if m, ok := j.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// jobsRunning are the project's jobs running command.
func (w *world) jobsRunning(ctx context.Context, alias, command string) ([]obj, error) {
	p, err := w.madeProject(alias)
	if err != nil {
		return nil, err
	}
	jobs, err := w.projectJobs(ctx, p.id)
	if err != nil {
		return nil, err
	}
	var out []obj
	for _, j := range jobs {
		if c, _ := j.str("jobRunCommand"); c == command {
			out = append(out, j)
		}
	}
	return out, nil
}

// mockNow is the mock's time (/__mock/clock).
func (w *world) mockNow(ctx context.Context) (time.Time, error) {
	o, err := w.mustGetObject(ctx, "/__mock/clock", w.admin())
	if err != nil {
		return time.Time{}, err
	}
	s, err := o.nonEmpty("now")
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, s)
}

// changeSchedule sends the scheduled job's body again with a change.
func (w *world) changeSchedule(ctx context.Context, who string, change func(body map[string]any)) error {
	sj, err := w.scheduled()
	if err != nil {
		return err
	}
	body := map[string]any{}
	for k, v := range sj.body {
		body[k] = v
	}
	change(body)
	return w.callAs(ctx, who, http.MethodPut, schedulesPath(sj.projectID)+"/"+url.PathEscape(sj.id), body)
}

// checkScheduledJob checks an answer is the spec's ScheduledJobDto of the
// scenario's scheduled job, running command on cron as the user by.
func (w *world) checkScheduledJob(o obj, command, cron, byID string) error {
	sj, err := w.scheduled()
	if err != nil {
		return err
	}
	c := o.check().equal("id", sj.id).equal("projectId", sj.projectID).equal("command", command).nonEmpty("created", "timezoneId").
		boolean("isPaused", "allowConcurrentExecution").nonEmpty("hardwareTierIdentifier").equal("scheduledByUserId", byID).
		nonEmpty("scheduledByUserName").list("notifyOnCompleteEmailAddresses")
	c.in("schedule").equal("cronString", cron).boolean("isCustom").str("humanReadableCronString")
	c.in("dataConfig").boolean("snapshotDatasetsOnCompletion", "snapshotNetAppVolumesOnCompletion")
	return c.err()
}

func registerScheduledJobSteps(sc *godog.ScenarioContext, w *world) {
	const how = `(, paused|, sequentially)?`
	sc.Given(`^`+callerRE+` has scheduled "([^"]*)" in the project "([^"]*)" on "([^"]*)"`+how+`$`, func(ctx context.Context, who, command, alias, cron, how string) error {
		if err := w.schedule(ctx, who, alias, command, cron, how); err != nil {
			return err
		}
		if w.resp.Status != http.StatusOK {
			return fmt.Errorf("precondition failed: scheduling %s: %s", command, w.resp)
		}
		return nil
	})
	sc.When(`^`+callerRE+` schedules "([^"]*)" in the project "([^"]*)" on "([^"]*)"$`, func(ctx context.Context, who, command, alias, cron string) error {
		return w.schedule(ctx, who, alias, command, cron, "")
	})
	sc.When(`^the administrator reads the scheduled job$`, func(ctx context.Context) error {
		sj, err := w.scheduled()
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, schedulesPath(sj.projectID)+"/"+url.PathEscape(sj.id), w.admin(), nil)
		return err
	})
	sc.When(`^the administrator reads a scheduled job of the project "([^"]*)" that does not exist$`, func(ctx context.Context, alias string) error {
		path, err := w.projectPath(alias, "/scheduledjobs/"+randomObjectID())
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, path, w.admin(), nil)
		return err
	})
	sc.When(`^the administrator lists the scheduled jobs of the project "([^"]*)"( with what it may do)?$`, func(ctx context.Context, alias, forUser string) error {
		suffix := "/scheduledjobs"
		if forUser != "" {
			suffix += "/forRequestingUser"
		}
		path, err := w.projectPath(alias, suffix)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, path, w.admin(), nil)
		return err
	})
	sc.When(`^the administrator pauses the scheduled job$`, func(ctx context.Context) error {
		return w.changeSchedule(ctx, "the administrator", func(b map[string]any) { b["isPaused"] = true })
	})
	sc.When(`^the administrator changes the schedule of the scheduled job to "([^"]*)"$`, func(ctx context.Context, cron string) error {
		return w.changeSchedule(ctx, "the administrator", func(b map[string]any) {
			b["schedule"] = map[string]any{"cronString": cron, "isCustom": true}
		})
	})
	sc.When(`^the administrator unschedules the scheduled job$`, func(ctx context.Context) error {
		sj, err := w.scheduled()
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodDelete, schedulesPath(sj.projectID)+"/"+url.PathEscape(sj.id), w.admin(), nil)
		return err
	})
	sc.When(`^the administrator lists (its|the) scheduled runs( of a user that does not exist)?$`, func(ctx context.Context, _, unknown string) error {
		id := randomObjectID()
		if unknown == "" {
			me, err := w.whoIs(ctx, "the administrator")
			if err != nil {
				return err
			}
			id = me.id
		}
		_, err := w.call(ctx, http.MethodGet, "/v4/scheduledruns?"+url.Values{"userId": {id}}.Encode(), w.admin(), nil)
		return err
	})
	sc.When(`^the scheduled job's time comes$`, func(ctx context.Context) error {
		return w.awaitFiring(ctx)
	})
	sc.When(`^the mock's clock moves forward by (\d+) minutes?$`, func(ctx context.Context, minutes int) error {
		_, err := w.must(ctx, http.MethodPost, "/__mock/clock", w.admin(),
			map[string]string{"advance": fmt.Sprintf("%dm", minutes)}, http.StatusOK)
		return err
	})
	sc.When(`^the mock completes the jobs of the project "([^"]*)"$`, func(ctx context.Context, alias string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		jobs, err := w.projectJobs(ctx, p.id)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			id, _ := j.str("id")
			for range 2 { // Queued → Running → Succeeded
				if st, err := j.object("statuses"); err == nil && st["isCompleted"] == true {
					break
				}
				r, err := w.must(ctx, http.MethodPost, "/__mock/jobs/"+url.PathEscape(id)+"/advance", w.admin(), nil, http.StatusOK)
				if err != nil {
					return err
				}
				if j, err = r.Object(); err != nil {
					return err
				}
			}
		}
		return nil
	})

	sc.Then(`^the answer describes the scheduled job running "([^"]*)" on "([^"]*)", scheduled by (the administrator|"[^"]*")$`, func(ctx context.Context, command, cron, by string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		byID := ""
		if by == "the administrator" {
			me, err := w.whoIs(ctx, by)
			if err != nil {
				return err
			}
			byID = me.id
		} else {
			a, err := w.account(by[1 : len(by)-1])
			if err != nil {
				return err
			}
			byID = a.id
		}
		return w.checkScheduledJob(o, command, cron, byID)
	})
	sc.Then(`^the list includes the scheduled job$`, func() error {
		sj, err := w.scheduled()
		if err != nil {
			return err
		}
		o, err := findListed(w.resp, "id", sj.id, "the scheduled job "+sj.id)
		if err != nil {
			return err
		}
		return o.check().equal("projectId", sj.projectID).in("schedule").nonEmpty("cronString").err()
	})
	sc.Then(`^the answer says the scheduled job is paused$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return wantPaused(o)
	})
	sc.Then(`^the scheduled job reads back (as paused|on "[^"]*")$`, func(ctx context.Context, what string) error {
		sj, err := w.scheduled()
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, schedulesPath(sj.projectID)+"/"+url.PathEscape(sj.id), w.admin())
		if err != nil {
			return err
		}
		if what == "as paused" {
			return wantPaused(o)
		}
		return o.check().in("schedule").equal("cronString", quotedRE.FindStringSubmatch(what)[1]).err()
	})
	sc.Then(`^the scheduled job is no longer found$`, func(ctx context.Context) error {
		sj, err := w.scheduled()
		if err != nil {
			return err
		}
		r, err := w.run.client.Do(ctx, http.MethodGet, schedulesPath(sj.projectID)+"/"+url.PathEscape(sj.id), w.admin(), nil)
		if err != nil {
			return err
		}
		return expectStatus(r, http.StatusNotFound)
	})
	sc.Then(`^the scheduled jobs of the project "([^"]*)" do not include it$`, func(ctx context.Context, alias string) error {
		sj, err := w.scheduled()
		if err != nil {
			return err
		}
		path, err := w.projectPath(alias, "/scheduledjobs")
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, path, w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		if o, err := find(r, "id", sj.id); err != nil || o != nil {
			return fmt.Errorf("the list still includes the scheduled job %s: %v %s", sj.id, err, r)
		}
		return nil
	})
	sc.Then(`^the list says the administrator may edit the scheduled job$`, func() error {
		sj, err := w.scheduled()
		if err != nil {
			return err
		}
		list, err := listed(w.resp)
		if err != nil {
			return err
		}
		for _, item := range list {
			inner, err := item.object("scheduledJob")
			if err != nil {
				return err
			}
			if id, _ := inner.str("id"); id == sj.id {
				if can, err := item.boolean("canEdit"); err != nil || !can {
					return fmt.Errorf("canEdit is not true for the administrator: %v %v", err, map[string]any(item))
				}
				return nil
			}
		}
		return fmt.Errorf("the list does not include the scheduled job %s: %s", sj.id, w.resp)
	})
	sc.Then(`^the answer is a list$`, func() error {
		_, err := listed(w.resp)
		return err
	})
	sc.Then(`^the list includes the scheduled job as a scheduled run of the project "([^"]*)"$`, func(ctx context.Context, alias string) error {
		sj, err := w.scheduled()
		if err != nil {
			return err
		}
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		me, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		o, err := findListed(w.resp, "id", sj.id, "the scheduled job "+sj.id)
		if err != nil {
			return err
		}
		return o.check().equal("schedulingUserName", me.userName).equal("projectIdentity", me.userName+"/"+p.name).
			nonEmpty("scheduleTime", "hardwareTierName", "launchBehavior").err()
	})
	sc.Then(`^the project "([^"]*)" has a job running "([^"]*)", started by the administrator$`, func(ctx context.Context, alias, command string) error {
		jobs, err := w.jobsRunning(ctx, alias, command)
		if err != nil {
			return err
		}
		if len(jobs) == 0 {
			return fmt.Errorf("the project %s has no job running %q", alias, command)
		}
		me, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		c := jobs[0].check().apply(checkV4Job)
		c.in("startedBy").equal("id", me.id)
		return c.err()
	})
	sc.Then(`^the project "([^"]*)" has (no|\d+) jobs? running "([^"]*)"$`, func(ctx context.Context, alias, n, command string) error {
		jobs, err := w.jobsRunning(ctx, alias, command)
		if err != nil {
			return err
		}
		want := 0
		if n != "no" {
			fmt.Sscan(n, &want)
		}
		if len(jobs) != want {
			return fmt.Errorf("the project %s has %d jobs running %q, want %d: %v", alias, len(jobs), command, want, jobs)
		}
		return nil
	})
	sc.Then(`^the project "([^"]*)" has a job running "([^"]*)" for each minute begun since it was scheduled, each submitted at the start of its minute$`, func(ctx context.Context, alias, command string) error {
		sj, err := w.scheduled()
		if err != nil {
			return err
		}
		jobs, err := w.jobsRunning(ctx, alias, command)
		if err != nil {
			return err
		}
		now, err := w.mockNow(ctx)
		if err != nil {
			return err
		}
		want := int(now.Unix()/60 - sj.clockAtSchedule.Unix()/60)
		if len(jobs) != want {
			return fmt.Errorf("the project %s has %d jobs running %q, want %d (from %s to %s)", alias, len(jobs), command, want, sj.clockAtSchedule, now)
		}
		for _, j := range jobs {
			st, err := j.object("stageTime")
			if err != nil {
				return err
			}
			ms, err := st.number("submissionTime")
			if err != nil {
				return err
			}
			if int64(ms)%60000 != 0 {
				return fmt.Errorf("a job was submitted at %s, not at the start of a minute", time.UnixMilli(int64(ms)).UTC())
			}
		}
		return nil
	})
}

func wantPaused(o obj) error {
	paused, err := o.boolean("isPaused")
	if err != nil {
		return err
	}
	if !paused {
		return fmt.Errorf("the scheduled job is not paused: %v", map[string]any(o))
	}
	return nil
}

// awaitFiring makes the scheduled job's next firing come: on the mock by
// moving its clock a minute on, on a real Domino by waiting (the job
// timeout at most) until its project has a job running the command.
func (w *world) awaitFiring(ctx context.Context) error {
	sj, err := w.scheduled()
	if err != nil {
		return err
	}
	if w.run.isMock {
		_, err := w.must(ctx, http.MethodPost, "/__mock/clock", w.admin(), map[string]string{"advance": "1m"}, http.StatusOK)
		return err
	}
	command, _ := sj.body["command"].(string)
	deadline := time.Now().Add(w.run.jobTimeout)
	for {
		jobs, err := w.projectJobs(ctx, sj.projectID)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if c, _ := j.str("jobRunCommand"); c == command {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no job running %q started in %s", command, w.run.jobTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
}
