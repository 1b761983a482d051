package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cucumber/godog"
)

func registerJobSteps(sc *godog.ScenarioContext, w *world) {
	sc.Given(`^a caller with the token "([^"]*)" has started a job running "([^"]*)"$`, func(ctx context.Context, name, command string) error {
		if err := w.startJob(ctx, fmt.Sprintf("a caller with the token %q", name), "public API", command); err != nil {
			return err
		}
		if w.resp.Status != http.StatusOK || w.job == nil {
			return fmt.Errorf("precondition failed: starting a job: %s", w.resp)
		}
		return nil
	})
	sc.When(`^`+callerRE+` starts a job running "([^"]*)" through the (public API|v4 API)$`, func(ctx context.Context, who, command, api string) error {
		return w.startJob(ctx, who, api, command)
	})
	sc.When(`^`+callerRE+` starts a job running "([^"]*)" the way python-domino does$`, func(ctx context.Context, who, command string) error {
		return w.startJobLikePythonDomino(ctx, who, command)
	})
	sc.When(`^`+callerRE+` starts a job through the public API without a "([^"]*)"$`, func(ctx context.Context, who, field string) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		body := map[string]string{"projectId": p.id, "runCommand": "main.py"}
		delete(body, field)
		return w.postJob(ctx, who, "/api/jobs/v1/jobs", body, "main.py")
	})
	sc.When(`^`+callerRE+` lists the project's jobs$`, func(ctx context.Context, who string) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, "/v4/jobs?"+url.Values{"projectId": {p.id}}.Encode(), nil)
	})
	sc.When(`^`+callerRE+` stops the job$`, func(ctx context.Context, who string) error {
		j, p, err := w.jobAndProject(ctx)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodPost, "/v4/jobs/stop",
			map[string]any{"projectId": p.id, "jobId": j.id, "commitResults": false})
	})
	sc.When(`^`+callerRE+` reads the job's output$`, func(ctx context.Context, who string) error {
		j, p, err := w.jobAndProject(ctx)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet,
			"/v1/projects/"+url.PathEscape(p.owner)+"/"+url.PathEscape(p.name)+"/run/"+url.PathEscape(j.id)+"/stdout", nil)
	})
	sc.When(`^`+callerRE+` views a job that does not exist$`, func(ctx context.Context, who string) error {
		return w.callAs(ctx, who, http.MethodGet, "/v4/jobs/"+randomObjectID(), nil)
	})
	sc.When(`^the job has completed$`, func(ctx context.Context) error {
		_, err := w.awaitJob(ctx)
		return err
	})

	sc.Then(`^the public API describes the job running "([^"]*)", started by "([^"]*)"$`, func(command, alias string) error {
		a, o, err := w.answerAbout(alias, http.StatusOK)
		if err != nil {
			return err
		}
		c := o.check()
		j := c.in("job").nonEmpty("id").number("number").equal("runCommand", command).str("title")
		j.in("status").apply(checkJobStatus)
		j.in("stageTimes").apply(func(times obj) error {
			if _, ok := times["submissionTime"]; !ok {
				return fmt.Errorf("stageTimes has no submissionTime: %v", map[string]any(times))
			}
			return nil
		})
		j.equal("startedById", a.id)
		return c.apply(checkMetadata).err()
	})
	sc.Then(`^the v4 API describes the job running "([^"]*)" in the project, started by "([^"]*)"$`, func(ctx context.Context, command, alias string) error {
		a, p, err := w.accountAndProject(ctx, alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		c := o.check().apply(checkV4Job).equal("jobRunCommand", command).equal("projectId", p.id)
		c.in("startedBy").equal("id", a.id).equal("username", a.username)
		return c.err()
	})
	sc.Then(`^the v4 API describes the job as "([^"]*)"$`, func(status string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		c := o.check().apply(checkV4Job).equal("id", w.job.id)
		c.in("statuses").equal("executionStatus", status)
		return c.err()
	})
	sc.Then(`^the job eventually completes successfully$`, func(ctx context.Context) error {
		st, err := w.awaitJob(ctx)
		if err != nil {
			return err
		}
		return st.equal("executionStatus", "Succeeded")
	})
	sc.Then(`^the job is "([^"]*)" and (not completed|completed)$`, func(ctx context.Context, status, completed string) error {
		st, err := w.jobStatus(ctx)
		if err != nil {
			return err
		}
		if err := st.equal("executionStatus", status); err != nil {
			return err
		}
		done, err := st.boolean("isCompleted")
		if err != nil {
			return err
		}
		if done != (completed == "completed") {
			return fmt.Errorf("the job has isCompleted %v, want %v", done, completed == "completed")
		}
		return nil
	})
	sc.Then(`^the job has not been stopped$`, func(ctx context.Context) error {
		st, err := w.jobStatus(ctx)
		if err != nil {
			return err
		}
		if s, _ := st.str("executionStatus"); s == "Stopped" {
			return fmt.Errorf("the job has been stopped: %v", map[string]any(st))
		}
		return nil
	})
	sc.Then(`^the job list includes the job and counts it$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		jobs, err := o.list("jobs")
		if err != nil {
			return err
		}
		total, err := o.number("totalCount")
		if err != nil {
			return err
		}
		if int(total) < len(jobs) || total < 1 {
			return fmt.Errorf("totalCount is %v for %d listed jobs", total, len(jobs))
		}
		for _, j := range jobs {
			if m, ok := j.(map[string]any); ok && m["id"] == w.job.id {
				return checkV4Job(m)
			}
		}
		return fmt.Errorf("the job %s is not listed: %s", w.job.id, w.resp)
	})
	sc.Then(`^the answer holds the job's output and its setup output$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.check().str("stdout", "setup").err()
	})
	sc.Then(`^the output is "([^"]*)"$`, func(want string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		got, err := o.str("stdout")
		if err != nil {
			return err
		}
		if strings.TrimSpace(got) != want {
			return fmt.Errorf("stdout is %q, want %q", got, want)
		}
		_, err = o.str("setup")
		return err
	})
}

// startJob starts a job through the public API or the v4 API.
func (w *world) startJob(ctx context.Context, who, api, command string) error {
	p, err := w.project(ctx)
	if err != nil {
		return err
	}
	if api == "public API" {
		return w.postJob(ctx, who, "/api/jobs/v1/jobs", map[string]string{"projectId": p.id, "runCommand": command}, command)
	}
	return w.postJob(ctx, who, "/v4/jobs/start", map[string]any{"projectId": p.id, "commandToRun": command}, command)
}

// startJobLikePythonDomino does what python-domino's job_start does:
// /version, findProjectByOwnerAndName, hardware tiers, environments, then
// POST /v4/jobs/start with every field it knows, unset ones null.
func (w *world) startJobLikePythonDomino(ctx context.Context, who, command string) error {
	cred, err := w.caller(ctx, who)
	if err != nil {
		return err
	}
	owner, name, err := w.run.target.projectParts()
	if err != nil {
		return err
	}
	if o, err := w.mustGetObject(ctx, "/version", cred); err != nil {
		return err
	} else if v, _ := o.str("version"); compareVersions(v, "4.1.0") < 0 {
		return fmt.Errorf("python-domino refuses version %q", v)
	}
	o, err := w.mustGetObject(ctx, findProjectPath(owner, name), cred)
	if err != nil {
		return err
	}
	projectID, err := o.objectID("id")
	if err != nil {
		return err
	}
	tier, env := "", ""
	if r, err := w.must(ctx, http.MethodGet, "/v4/projects/"+projectID+"/hardwareTiers", cred, nil, http.StatusOK); err != nil {
		return err
	} else if list, err := r.Array(); err != nil {
		return err
	} else {
		for _, t := range list {
			ht, err := t.object("hardwareTier")
			if err != nil {
				return err
			}
			if f, err := ht.object("hwtFlags"); err == nil && f["isDefault"] == true {
				tier, _ = ht.str("id")
			}
		}
	}
	if o, err := w.mustGetObject(ctx, "/v4/projects/"+projectID+"/useableEnvironments", cred); err != nil {
		return err
	} else if envs, err := o.list("environments"); err != nil {
		return err
	} else if len(envs) > 0 {
		if e, ok := envs[0].(map[string]any); ok {
			env, _ = e["id"].(string)
		}
	}
	body := map[string]any{
		"projectId":                      projectID,
		"commandToRun":                   command,
		"commitId":                       nil,
		"overrideHardwareTierId":         nullable(tier),
		"onDemandSparkClusterProperties": nil,
		"computeClusterProperties":       nil,
		"environmentId":                  nullable(env),
		"externalVolumeMounts":           nil,
		"title":                          "conformance " + w.uniqueName("job"),
	}
	return w.postJob(ctx, who, "/v4/jobs/start", body, command)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// postJob starts a job; if the target starts one, the scenario stops it
// afterwards unless it has completed.
func (w *world) postJob(ctx context.Context, who, path string, body any, command string) error {
	if err := w.callAs(ctx, who, http.MethodPost, path, body); err != nil {
		return err
	}
	if w.resp.Status != http.StatusOK {
		return nil
	}
	o, err := w.resp.Object()
	if err != nil {
		return nil
	}
	if j, err := o.object("job"); err == nil {
		o = j
	}
	id, _ := o.str("id")
	if id == "" {
		return nil
	}
	w.job = &job{id: id, command: command}
	p, err := w.project(ctx)
	if err != nil {
		return err
	}
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
			map[string]any{"projectId": p.id, "jobId": id, "commitResults": false})
		if err != nil {
			return err
		}
		if r.Status >= 300 {
			return fmt.Errorf("%s", r)
		}
		return nil
	})
	return nil
}

// jobStatus reads the job's statuses through the v4 API.
func (w *world) jobStatus(ctx context.Context) (obj, error) {
	j, err := w.startedJob()
	if err != nil {
		return nil, err
	}
	o, err := w.mustGetObject(ctx, "/v4/jobs/"+j.id, w.admin())
	if err != nil {
		return nil, err
	}
	if err := checkV4Job(o); err != nil {
		return nil, err
	}
	return o.object("statuses")
}

// awaitJob polls the job until it completes or the run's job timeout passes.
func (w *world) awaitJob(ctx context.Context) (obj, error) {
	start := time.Now()
	deadline := start.Add(w.run.jobTimeout)
	wait := 20 * time.Millisecond
	for {
		st, err := w.jobStatus(ctx)
		if err != nil {
			return nil, err
		}
		if done, err := st.boolean("isCompleted"); err != nil {
			return nil, err
		} else if done {
			return st, nil
		}
		if time.Now().After(deadline) {
			status, _ := st.str("executionStatus")
			return nil, fmt.Errorf("the job %s is still %s after %s (--job-timeout %s): its last status is %v",
				w.job.id, status, time.Since(start).Round(time.Millisecond), w.run.jobTimeout, map[string]any(st))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(wait, time.Until(deadline)+time.Millisecond)):
		}
		if wait < 5*time.Second {
			wait *= 2
		}
	}
}

// checkV4Job checks the fields every v4 Job has.
func checkV4Job(o obj) error {
	c := o.check().nonEmpty("id").number("number").str("jobRunCommand").objectID("projectId")
	c.in("statuses").apply(checkJobStatus)
	c.in("stageTime").number("submissionTime")
	return c.err()
}

// checkJobStatus checks the status flags and execution status of a job.
func checkJobStatus(st obj) error {
	return st.check().boolean("isCompleted", "isArchived", "isScheduled").nonEmpty("executionStatus").err()
}
