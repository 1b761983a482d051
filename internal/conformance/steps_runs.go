package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/cucumber/godog"
)

// The steps of runs.feature: legacy runs (python-domino's runs_start,
// runs_list, runs_status, and runs_start_blocking through the list) and
// what the v4 jobs API does to a job once started (restart, rename,
// archive, runtime details), in projects each scenario makes. Every job a
// scenario starts is stopped in its After hook unless it completed, before
// its project is archived.

// runWorld is what a scenario's run steps remember.
type runWorld struct {
	project *madeProject
	commits []string // the made project's commits the scenario made, oldest first
	started []string // ids of the runs and jobs the scenario started, oldest first
	job     obj      // the last job started, as the start answered it
	final   obj      // the run as the run list last showed it
}

// runsPath is the legacy runs route of a made project.
func (w *world) runsPath(ctx context.Context, alias string) (string, *madeProject, error) {
	p, err := w.madeProject(alias)
	if err != nil {
		return "", nil, err
	}
	me, err := w.whoIs(ctx, "the administrator")
	if err != nil {
		return "", nil, err
	}
	w.runs.project = p
	return "/v1/projects/" + url.PathEscape(me.userName) + "/" + url.PathEscape(p.name) + "/runs", p, nil
}

// startRun does what python-domino's runs_start does, the command passed
// directly to a shell (isDirect), as the administrator.
func (w *world) startRun(ctx context.Context, command, alias string) error {
	path, p, err := w.runsPath(ctx, alias)
	if err != nil {
		return err
	}
	r, err := w.call(ctx, http.MethodPost, path, w.admin(), map[string]any{
		"command": []string{command}, "isDirect": true, "commitId": nil, "title": nil, "tier": nil, "publishApiEndpoint": nil,
	})
	if err != nil || r.Status != http.StatusOK {
		return err
	}
	if o, err := r.Object(); err == nil {
		if id, _ := o.str("runId"); id != "" {
			w.rememberJob(p.id, id)
		}
	}
	return nil
}

// rememberJob remembers a job the scenario started and stops it afterwards
// unless it has completed.
func (w *world) rememberJob(projectID, id string) {
	w.runs.started = append(w.runs.started, id)
	w.stopAfterwards(projectID, id)
}

// stopAfterwards stops a job in the After hook unless it has completed.
func (w *world) stopAfterwards(projectID, id string) {
	w.afterwards("stop job "+id, func(ctx context.Context) error {
		r, err := w.run.client.Do(ctx, http.MethodGet, "/v4/jobs/"+id, w.admin(), nil)
		if err != nil || r.Status != http.StatusOK {
			return err
		}
		if o, err := r.Object(); err == nil {
			if st, err := o.object("statuses"); err == nil && st["isCompleted"] == true {
				return nil
			}
		}
		r, err = w.run.client.Do(ctx, http.MethodPost, "/v4/jobs/stop", w.admin(),
			map[string]any{"projectId": projectID, "jobId": id, "commitResults": false})
		if err != nil {
			return err
		}
		if r.Status >= 300 {
			return fmt.Errorf("%s", r)
		}
		return nil
	})
}

// lastStarted is the id of the last run or job the scenario started.
func (w *world) lastStarted() (string, error) {
	if len(w.runs.started) == 0 {
		return "", fmt.Errorf("the scenario has started no run or job")
	}
	return w.runs.started[len(w.runs.started)-1], nil
}

// startJobIn starts a job through /v4/jobs/start in a made project, with
// the extra fields given, as the administrator.
func (w *world) startJobIn(ctx context.Context, command, alias string, extra map[string]any) error {
	p, err := w.madeProject(alias)
	if err != nil {
		return err
	}
	w.runs.project = p
	body := map[string]any{"projectId": p.id, "commandToRun": command}
	for k, v := range extra {
		body[k] = v
	}
	r, err := w.call(ctx, http.MethodPost, "/v4/jobs/start", w.admin(), body)
	if err != nil || r.Status != http.StatusOK {
		return err
	}
	o, err := r.Object()
	if err != nil {
		return err
	}
	if id, _ := o.str("id"); id != "" {
		w.rememberJob(p.id, id)
		w.runs.job = o
	}
	return nil
}

// madeCommits lists a made project's commits, newest first.
func (w *world) madeCommits(ctx context.Context, alias string) ([]obj, error) {
	path, _, err := w.runsPath(ctx, alias)
	if err != nil {
		return nil, err
	}
	r, err := w.must(ctx, http.MethodGet, path[:len(path)-len("/runs")]+"/commits", w.admin(), nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return r.Array()
}

// commitNamed is the first commit the scenario made or the project's latest.
func (w *world) commitNamed(ctx context.Context, which string) (string, error) {
	if which == "first" {
		if len(w.runs.commits) == 0 {
			return "", fmt.Errorf("the scenario has made no commit")
		}
		return w.runs.commits[0], nil
	}
	if w.runs.project == nil {
		return "", fmt.Errorf("the scenario has no project")
	}
	list, err := w.madeCommits(ctx, w.runs.project.alias)
	if err != nil {
		return "", err
	}
	if len(list) == 0 {
		return "", fmt.Errorf("the project has no commit")
	}
	return list[0].nonEmpty("id")
}

// awaitJobByID polls a job through the v4 API until it completes.
func (w *world) awaitJobByID(ctx context.Context, id string) (obj, error) {
	deadline := time.Now().Add(w.run.jobTimeout)
	for wait := 20 * time.Millisecond; ; wait = min(wait*2, 5*time.Second) {
		o, err := w.mustGetObject(ctx, "/v4/jobs/"+id, w.admin())
		if err != nil {
			return nil, err
		}
		if st, err := o.object("statuses"); err != nil {
			return nil, err
		} else if st["isCompleted"] == true {
			return o, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the job %s has not completed after %s", id, w.run.jobTimeout)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// checkRunV1 checks the fields of a legacy run that python-domino and the
// v1 API's example read.
func checkRunV1(o obj) error {
	c := o.check().objectID("id").number("number", "queued").nonEmpty("status", "commitId").boolean("isCompleted", "isArchived")
	return c.apply(func(o obj) error {
		if v, ok := o["outputCommitId"]; !ok {
			return fmt.Errorf("the run has no outputCommitId: %v", map[string]any(o))
		} else if _, isString := v.(string); v != nil && !isString {
			return fmt.Errorf("outputCommitId is %T: %v", v, v)
		}
		return nil
	}).err()
}

func registerRunSteps(sc *godog.ScenarioContext, w *world) {
	sc.Given(`^a project "([^"]*)" with the file "([^"]*)" uploaded twice$`, func(ctx context.Context, alias, file string) error {
		if err := w.givenProject(ctx, alias, map[string]any{}); err != nil {
			return err
		}
		path, _, err := w.runsPath(ctx, alias)
		if err != nil {
			return err
		}
		base := path[:len(path)-len("/runs")]
		for i := range 2 {
			r, err := w.call(ctx, http.MethodPut, base+"/"+escapePath(file), w.admin(), FileBytes(fmt.Sprintf("version %d\n", i+1)))
			if err != nil {
				return err
			}
			if r.Status/100 != 2 {
				return fmt.Errorf("precondition failed: uploading %s: %s", file, r)
			}
			id, err := w.commitNamed(ctx, "latest")
			if err != nil {
				return err
			}
			w.runs.commits = append(w.runs.commits, id)
		}
		return nil
	})
	sc.Given(`^the administrator has started a run of "([^"]*)" in the project "([^"]*)"$`, func(ctx context.Context, command, alias string) error {
		if err := w.startRun(ctx, command, alias); err != nil {
			return err
		}
		if w.resp.Status != http.StatusOK {
			return fmt.Errorf("precondition failed: starting a run: %s", w.resp)
		}
		return nil
	})
	sc.Given(`^the administrator has started a job running "([^"]*)" in the project "([^"]*)"( on its first commit)?(, and it has completed)?$`, func(ctx context.Context, command, alias, first, completed string) error {
		extra := map[string]any{}
		if first != "" {
			id, err := w.commitNamed(ctx, "first")
			if err != nil {
				return err
			}
			extra["commitId"] = id
		}
		if err := w.startJobIn(ctx, command, alias, extra); err != nil {
			return err
		}
		if w.resp.Status != http.StatusOK || w.runs.job == nil {
			return fmt.Errorf("precondition failed: starting a job: %s", w.resp)
		}
		if completed != "" {
			id, _ := w.lastStarted()
			if _, err := w.awaitJobByID(ctx, id); err != nil {
				return fmt.Errorf("precondition failed: %w", err)
			}
		}
		return nil
	})

	sc.When(`^the administrator starts a run of "([^"]*)" in the project "([^"]*)" the way python-domino does$`, func(ctx context.Context, command, alias string) error {
		return w.startRun(ctx, command, alias)
	})
	sc.When(`^the administrator lists the runs of the project "([^"]*)"$`, func(ctx context.Context, alias string) error {
		path, _, err := w.runsPath(ctx, alias)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, path, w.admin(), nil)
		return err
	})
	sc.When(`^the administrator reads the run$`, func(ctx context.Context) error {
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		path, _, err := w.runsPath(ctx, w.runs.project.alias)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, path+"/"+url.PathEscape(id), w.admin(), nil)
		return err
	})
	// As runs_start_blocking does: read the list until the run has an
	// outputCommitId.
	sc.When(`^the administrator follows the run to its end through the run list$`, func(ctx context.Context) error {
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		path, _, err := w.runsPath(ctx, w.runs.project.alias)
		if err != nil {
			return err
		}
		deadline := time.Now().Add(w.run.jobTimeout)
		for wait := 20 * time.Millisecond; ; wait = min(wait*2, 5*time.Second) {
			r, err := w.must(ctx, http.MethodGet, path, w.admin(), nil, http.StatusOK)
			if err != nil {
				return err
			}
			o, err := r.Object()
			if err != nil {
				return err
			}
			data, err := o.list("data")
			if err != nil {
				return err
			}
			var run obj
			for _, d := range data {
				if m, ok := d.(map[string]any); ok && m["id"] == id {
					run = m
				}
			}
			if run == nil {
				return fmt.Errorf("the run list leaves out the run %s: %s", id, r)
			}
			if out, _ := run.str("outputCommitId"); out != "" {
				w.runs.final = run
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the run has no outputCommitId after %s: %v", w.run.jobTimeout, map[string]any(run))
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
	})
	sc.When(`^the administrator starts a job running "([^"]*)" in the project "([^"]*)"( on its first commit| on a commit the project does not have)?$`, func(ctx context.Context, command, alias, on string) error {
		extra := map[string]any{}
		switch on {
		case " on its first commit":
			id, err := w.commitNamed(ctx, "first")
			if err != nil {
				return err
			}
			extra["commitId"] = id
		case " on a commit the project does not have":
			extra["commitId"] = randomObjectID() + "0123456789abcdef"
		}
		return w.startJobIn(ctx, command, alias, extra)
	})
	sc.When(`^the administrator starts a job running "([^"]*)" in the project "([^"]*)" from the branch "([^"]*)"$`, func(ctx context.Context, command, alias, branch string) error {
		return w.startJobIn(ctx, command, alias, map[string]any{"mainRepoGitRef": map[string]string{"type": "branches", "value": branch}})
	})
	sc.When(`^the administrator starts a job running "([^"]*)" from the branch "([^"]*)" of the project's main repository$`, func(ctx context.Context, command, branch string) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		r, err := w.call(ctx, http.MethodPost, "/v4/jobs/start", w.admin(), map[string]any{
			"projectId": p.id, "commandToRun": command, "mainRepoGitRef": map[string]string{"type": "branches", "value": branch},
		})
		if err != nil || r.Status != http.StatusOK {
			return err
		}
		if o, err := r.Object(); err == nil {
			if id, _ := o.str("id"); id != "" {
				w.rememberJob(p.id, id)
				w.runs.job = o
			}
		}
		return nil
	})
	sc.When(`^the administrator restarts the job on (its original|the latest) commit$`, func(ctx context.Context, which string) error {
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		r, err := w.call(ctx, http.MethodPost, "/v4/jobs/restart", w.admin(),
			map[string]any{"jobId": id, "shouldUseOriginalInputCommit": which == "its original"})
		if err != nil || r.Status != http.StatusOK {
			return err
		}
		if o, err := r.Object(); err == nil {
			if nid, _ := o.str("id"); nid != "" && nid != id && w.runs.project != nil {
				w.stopAfterwards(w.runs.project.id, nid) // not remembered as started: it is checked against the original
			}
		}
		return nil
	})
	sc.When(`^the administrator renames the job "([^"]*)"$`, func(ctx context.Context, name string) error {
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodPost, "/v4/jobs/"+id+"/name", w.admin(), map[string]string{"name": name})
		return err
	})
	sc.When(`^the administrator renames a job (that does not exist|with a malformed id)$`, func(ctx context.Context, which string) error {
		id := randomObjectID()
		if which == "with a malformed id" {
			id = "invalid"
		}
		_, err := w.call(ctx, http.MethodPost, "/v4/jobs/"+id+"/name", w.admin(), map[string]string{"name": "Hello World"})
		return err
	})
	sc.When(`^the administrator reads the job's runtime execution details$`, func(ctx context.Context) error {
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, "/v4/jobs/"+id+"/runtimeExecutionDetails", w.admin(), nil)
		return err
	})
	sc.When(`^the administrator archives the job$`, func(ctx context.Context) error {
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodPost, "/v4/jobs/archive", w.admin(), map[string]string{"jobId": id})
		return err
	})
	sc.When(`^the administrator lists the jobs of the project "([^"]*)"( with archived ones)?$`, func(ctx context.Context, alias, archived string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		q := url.Values{"projectId": {p.id}, "page_size": {"100"}}
		if archived != "" {
			q.Set("show_archived", "true")
		}
		_, err = w.call(ctx, http.MethodGet, "/v4/jobs?"+q.Encode(), w.admin(), nil)
		return err
	})

	sc.Then(`^the answer gives the run's id$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		_, err = o.objectID("runId")
		return err
	})
	sc.Then(`^the v4 API describes the run as a job of the project "([^"]*)" running "([^"]*)"$`, func(ctx context.Context, alias, command string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, "/v4/jobs/"+id, w.admin())
		if err != nil {
			return err
		}
		return o.check().apply(checkV4Job).equal("id", id).equal("projectId", p.id).equal("jobRunCommand", command).err()
	})
	sc.Then(`^the run list holds the two runs, newest first$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		if err := o.check().equal("objectType", "list").err(); err != nil {
			return err
		}
		data, err := o.list("data")
		if err != nil {
			return err
		}
		var ids []string
		for _, d := range data {
			m, ok := d.(map[string]any)
			if !ok {
				return fmt.Errorf("a listed run is %T", d)
			}
			if err := checkRunV1(m); err != nil {
				return err
			}
			ids = append(ids, fmt.Sprint(m["id"]))
		}
		want := []string{w.runs.started[1], w.runs.started[0]}
		if !slices.Equal(ids, want) {
			return fmt.Errorf("the runs listed are %v, want %v (newest first)", ids, want)
		}
		return nil
	})
	sc.Then(`^the run has succeeded with an output commit$`, func() error {
		if w.runs.final == nil {
			return fmt.Errorf("the run was not followed to its end")
		}
		return w.runs.final.check().apply(checkRunV1).equal("status", "Succeeded").nonEmpty("outputCommitId").err()
	})
	sc.Then(`^the answer describes the run in the v1 shape$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		return o.check().apply(checkRunV1).equal("id", id).err()
	})
	sc.Then(`^the job starts from the project's (latest|first) commit$`, func(ctx context.Context, which string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		want, err := w.commitNamed(ctx, which)
		if err != nil {
			return err
		}
		return o.check().apply(checkV4Job).in("commitDetails").equal("inputCommitId", want).err()
	})
	sc.Then(`^the job runs on the hardware tier the project's settings name$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.equal("hardwareTierId", w.projectsMade().tierID)
	})
	sc.Then(`^the job shows the branch "([^"]*)" as its main repository's ref$`, func(ctx context.Context, branch string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		if err := o.check().apply(checkV4Job).in("mainRepoGitRef").equal("type", "branches").equal("value", branch).err(); err != nil {
			return err
		}
		id, _ := o.str("id")
		again, err := w.mustGetObject(ctx, "/v4/jobs/"+id, w.admin())
		if err != nil {
			return err
		}
		return again.check().in("mainRepoGitRef").equal("type", "branches").equal("value", branch).err()
	})
	sc.Then(`^the answer is a new job running "([^"]*)" from the project's (first|latest) commit$`, func(ctx context.Context, command, which string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		orig, err := w.lastStarted()
		if err != nil {
			return err
		}
		want, err := w.commitNamed(ctx, which)
		if err != nil {
			return err
		}
		c := o.check().apply(checkV4Job).equal("jobRunCommand", command)
		c.in("commitDetails").equal("inputCommitId", want)
		if err := c.err(); err != nil {
			return err
		}
		id, _ := o.str("id")
		n, _ := o.number("number")
		if first, _ := w.runs.job.number("number"); id == orig || n <= first {
			return fmt.Errorf("the restart is job %s number %v; the original is %s number %v", id, n, orig, first)
		}
		return nil
	})
	sc.Then(`^the answer is the job titled "([^"]*)"$`, func(title string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		return o.check().apply(checkV4Job).equal("id", id).equal("title", title).err()
	})
	sc.Then(`^the job is titled "([^"]*)" when it is read again$`, func(ctx context.Context, title string) error {
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, "/v4/jobs/"+id, w.admin())
		if err != nil {
			return err
		}
		return o.equal("title", title)
	})
	sc.Then(`^the answer names the job's environment, its revision and its hardware tier$`, func(ctx context.Context) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		job := w.runs.job
		tierID, err := job.nonEmpty("hardwareTierId")
		if err != nil {
			return err
		}
		tiers, err := w.must(ctx, http.MethodGet, "/v4/projects/"+w.runs.project.id+"/hardwareTiers", w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		list, err := tiers.Array()
		if err != nil {
			return err
		}
		tierName := ""
		for _, t := range list {
			if ht, err := t.object("hardwareTier"); err == nil && ht["id"] == tierID {
				tierName, _ = ht.str("name")
			}
		}
		c := o.check()
		env := c.in("environment").objectID("environmentId").nonEmpty("environmentName").number("revisionNumber")
		env.apply(func(e obj) error {
			if _, ok := e["environmentRevisionSpec"]; !ok || e["environmentRevisionSpec"] == nil {
				return fmt.Errorf("the environment has no environmentRevisionSpec: %v", map[string]any(e))
			}
			if n, _ := e.number("revisionNumber"); n < 1 {
				return fmt.Errorf("revisionNumber %v", n)
			}
			return nil
		})
		if envID, _ := job.str("environmentId"); envID != "" {
			env.equal("environmentId", envID)
		}
		c.in("hardwareTier").equal("id", tierID).equal("name", tierName)
		return c.err()
	})
	sc.Then(`^the answer is the job, archived$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		c := o.check().apply(checkV4Job).equal("id", id)
		c.in("statuses").apply(func(st obj) error {
			if st["isArchived"] != true {
				return fmt.Errorf("the job is not archived: %v", map[string]any(st))
			}
			return nil
		})
		return c.err()
	})
	sc.Then(`^the job list (leaves out|includes) the job(, archived)?$`, func(which, _ string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		jobs, err := o.list("jobs")
		if err != nil {
			return err
		}
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		for _, j := range jobs {
			m, _ := j.(map[string]any)
			if m == nil || m["id"] != id {
				continue
			}
			if which == "leaves out" {
				return fmt.Errorf("the job list includes the archived job %s", id)
			}
			if st, _ := m["statuses"].(map[string]any); st["isArchived"] != true {
				return fmt.Errorf("the listed job is not archived: %v", m["statuses"])
			}
			return nil
		}
		if which == "includes" {
			return fmt.Errorf("the job list leaves out the job %s: %s", id, w.resp)
		}
		return nil
	})
	sc.Then(`^the job's output commit is the project's latest commit$`, func(ctx context.Context) error {
		id, err := w.lastStarted()
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, "/v4/jobs/"+id, w.admin())
		if err != nil {
			return err
		}
		cd, err := o.object("commitDetails")
		if err != nil {
			return err
		}
		out, err := cd.nonEmpty("outputCommitId")
		if err != nil {
			return fmt.Errorf("the finished job: %w", err)
		}
		latest, err := w.commitNamed(ctx, "latest")
		if err != nil {
			return err
		}
		if out != latest || slices.Contains(w.runs.commits, out) {
			return fmt.Errorf("the job's output commit is %s; the project's latest is %s (the scenario's uploads made %v)", out, latest, w.runs.commits)
		}
		return nil
	})
}
