package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cucumber/godog"
)

// Steps of workspaces.feature. Workspaces are made in projects the
// scenario makes, with what the project's settings name (its default
// environment and hardware tier) and the first tool its environment
// offers, so that they run on any Domino. Each one is stopped, once stopped
// deleted, after the scenario; the project's archive comes after that.

// madeWorkspace is one the scenario made.
type madeWorkspace struct {
	name, id, projectID string
}

// wsSteps is what one scenario's workspace steps remember.
type wsSteps struct {
	w    *world
	made map[string]*madeWorkspace // by alias
}

func wsProjectPath(projectID string) string { return "/v4/workspace/project/" + projectID }

func (m *madeWorkspace) path(suffix string) string {
	return wsProjectPath(m.projectID) + "/workspace/" + m.id + suffix
}

func registerWorkspaceSteps(sc *godog.ScenarioContext, w *world) {
	s := &wsSteps{w: w, made: map[string]*madeWorkspace{}}
	sc.When(`^`+callerRE+` creates a workspace "([^"]*)" in the project "([^"]*)"$`, func(ctx context.Context, who, alias, project string) error {
		return s.create(ctx, who, alias, project, true)
	})
	sc.When(`^the administrator creates a workspace "([^"]*)" in the project "([^"]*)" giving only its name$`, func(ctx context.Context, alias, project string) error {
		return s.create(ctx, "the administrator", alias, project, false)
	})
	sc.Given(`^`+callerRE+` has a( running| stopped)? workspace "([^"]*)" in the project "([^"]*)"$`, func(ctx context.Context, who, state, alias, project string) error {
		if err := s.create(ctx, who, alias, project, true); err != nil {
			return err
		}
		if w.resp.Status != http.StatusOK {
			return fmt.Errorf("precondition failed: creating workspace %s: %s", alias, w.resp)
		}
		if state == "" {
			return nil
		}
		if _, err := s.await(ctx, alias, "run"); err != nil {
			return fmt.Errorf("precondition failed: %w", err)
		}
		if state == " running" {
			return nil
		}
		m := s.made[alias]
		if _, err := w.must(ctx, http.MethodPost, m.path("/stop"), w.admin(), nil, http.StatusOK); err != nil {
			return err
		}
		_, err := s.await(ctx, alias, "stop")
		return err
	})
	sc.When(`^`+callerRE+` (views|stops|deletes) the workspace "([^"]*)"$`, func(ctx context.Context, who, verb, alias string) error {
		m, err := s.workspace(alias)
		if err != nil {
			return err
		}
		method, suffix := map[string]string{"views": http.MethodGet, "stops": http.MethodPost, "deletes": http.MethodDelete}[verb], ""
		if verb == "stops" {
			suffix = "/stop"
		}
		return w.callAs(ctx, who, method, m.path(suffix), nil)
	})
	sc.When(`^the administrator starts a session of the workspace "([^"]*)"$`, func(ctx context.Context, alias string) error {
		m, err := s.workspace(alias)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodPost, m.path("/sessions"), w.admin(), nil)
		return err
	})
	sc.When(`^the administrator views a workspace that does not exist in the project "([^"]*)"$`, func(ctx context.Context, project string) error {
		p, err := w.madeProject(project)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, wsProjectPath(p.id)+"/workspace/"+randomObjectID(), w.admin(), nil)
		return err
	})
	sc.When(`^the administrator lists the workspace tools of the project "([^"]*)"$`, func(ctx context.Context, project string) error {
		p, err := w.madeProject(project)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, "/v4/workspaces/definitions?projectId="+p.id, w.admin(), nil)
		return err
	})
	sc.When(`^the administrator lists the tools the default environment of the project "([^"]*)" offers$`, func(ctx context.Context, project string) error {
		p, err := w.madeProject(project)
		if err != nil {
			return err
		}
		settings, err := w.mustGetObject(ctx, "/v4/projects/"+p.id+"/settings", w.admin())
		if err != nil {
			return err
		}
		envID, err := settings.objectID("defaultEnvironmentId")
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, "/v4/workspaces/project/"+p.id+"/environment/"+envID+"/availableTools", w.admin(), nil)
		return err
	})
	sc.When(`^the administrator lists its workspaces across projects$`, func(ctx context.Context) error {
		// q narrows the list to this run's names: an administrator of a
		// real Domino may own many workspaces.
		_, err := w.call(ctx, http.MethodGet, "/v4/workspace?"+url.Values{"q": {w.uniqueName("")}, "pageSize": {"100"}}.Encode(), w.admin(), nil)
		return err
	})

	sc.Then(`^the answer describes the workspace "([^"]*)" owned by (the administrator|"[^"]+")$`, func(ctx context.Context, alias, owner string) error {
		m, err := s.workspace(alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		var ownerName string
		if owner == "the administrator" {
			me, err := w.whoIs(ctx, owner)
			if err != nil {
				return err
			}
			ownerName = me.userName
		} else {
			a, err := w.account(owner[1 : len(owner)-1])
			if err != nil {
				return err
			}
			ownerName = a.username
		}
		c := o.check().equal("id", m.id).equal("name", m.name).equal("projectId", m.projectID).equal("ownerName", ownerName).
			objectID("ownerId").nonEmpty("state").boolean("deleted")
		c.in("configTemplate").list("tools")
		c.in("configTemplate").in("environment").objectID("id", "revisionId")
		return c.err()
	})
	sc.Then(`^the workspace "([^"]*)" eventually (runs|stops)$`, func(ctx context.Context, alias, what string) error {
		_, err := s.await(ctx, alias, map[string]string{"runs": "run", "stops": "stop"}[what])
		return err
	})
	sc.Then(`^the answer describes the workspace "([^"]*)" as deleted$`, func(alias string) error {
		m, err := s.workspace(alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.check().equal("id", m.id).apply(func(o obj) error {
			if d, err := o.boolean("deleted"); err != nil || !d {
				return fmt.Errorf("deleted is not true: %v (%v)", map[string]any(o), err)
			}
			return nil
		}).err()
	})
	sc.Then(`^the workspace "([^"]*)" is not deleted$`, func(ctx context.Context, alias string) error {
		m, err := s.workspace(alias)
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, m.path(""), w.admin())
		if err != nil {
			return err
		}
		if d, err := o.boolean("deleted"); err != nil || d {
			return fmt.Errorf("the workspace reads as deleted: %v (%v)", map[string]any(o), err)
		}
		return nil
	})
	sc.Then(`^the (deleted|provisioned) workspaces of the project "([^"]*)" (include|do not include) "([^"]*)"$`, func(ctx context.Context, which, project, verb, alias string) error {
		m, err := s.workspace(alias)
		if err != nil {
			return err
		}
		path := wsProjectPath(m.projectID) + "/workspace?offset=0&limit=100"
		if which == "deleted" {
			path = wsProjectPath(m.projectID) + "/deleted?offset=0&limit=100"
		}
		o, err := w.mustGetObject(ctx, path, w.admin())
		if err != nil {
			return err
		}
		return listsWorkspace(o, "workspaces", m, verb == "include")
	})
	sc.Then(`^the list includes the workspace "([^"]*)"$`, func(alias string) error {
		m, err := s.workspace(alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return listsWorkspace(o, "items", m, true)
	})
	sc.Then(`^the workspace "([^"]*)" uses the project "([^"]*)"'s default environment and hardware tier$`, func(ctx context.Context, alias, project string) error {
		if _, err := s.workspace(alias); err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		p, err := w.madeProject(project)
		if err != nil {
			return err
		}
		settings, err := w.mustGetObject(ctx, "/v4/projects/"+p.id+"/settings", w.admin())
		if err != nil {
			return err
		}
		env, err1 := settings.str("defaultEnvironmentId")
		tier, err2 := settings.str("defaultHardwareTierId")
		if err := firstErr(err1, err2); err != nil {
			return err
		}
		c := o.check()
		c.in("configTemplate").in("environment").equal("id", env)
		c.in("configTemplate").in("hardwareTier").in("id").equal("value", tier)
		return c.err()
	})
	sc.Then(`^the answer lists workspace tools, each with an id, a name and a title$`, func() error {
		list, err := listed(w.resp)
		if err != nil {
			return err
		}
		return eachTool(list)
	})
	sc.Then(`^the answer's workspaceTools each have an id, a name and a title$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		raw, err := o.list("workspaceTools")
		if err != nil {
			return err
		}
		var list []obj
		for _, x := range raw {
			t, _ := x.(map[string]any)
			list = append(list, t)
		}
		return eachTool(list)
	})

	// The mock's control of sessions (@mock-only).
	sc.Given(`^the mock holds each workspace session at each stage until it is advanced$`, func(ctx context.Context) error {
		return w.setWorkspaceLifecycle(ctx, map[string]any{"mode": "manual"})
	})
	sc.When(`^the mock advances the workspace "([^"]*)"$`, func(ctx context.Context, alias string) error {
		m, err := s.workspace(alias)
		if err != nil {
			return err
		}
		_, err = w.must(ctx, http.MethodPost, "/__mock/workspaces/"+m.id+"/advance", w.admin(), nil, http.StatusOK)
		return err
	})
	sc.Then(`^the workspace "([^"]*)" is "([^"]*)", its session "([^"]*)"$`, func(ctx context.Context, alias, state, status string) error {
		m, err := s.workspace(alias)
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, m.path(""), w.admin())
		if err != nil {
			return err
		}
		c := o.check().equal("state", state)
		c.in("mostRecentSession").in("sessionStatusInfo").equal("rawExecutionDisplayStatus", status)
		return c.err()
	})
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// eachTool checks a list of the spec's WorkspaceDefinitionDto: at least
// one, each with an id, a name and a title.
func eachTool(list []obj) error {
	if len(list) == 0 {
		return fmt.Errorf("no workspace tools")
	}
	for _, t := range list {
		if err := t.check().nonEmpty("id", "name", "title").err(); err != nil {
			return err
		}
	}
	return nil
}

// listsWorkspace checks that a page's list (under key) holds the
// workspace, or (want false) does not.
func listsWorkspace(o obj, key string, m *madeWorkspace, want bool) error {
	raw, err := o.list(key)
	if err != nil {
		return err
	}
	for _, x := range raw {
		if item, _ := x.(map[string]any); item != nil && item["id"] == m.id {
			if !want {
				return fmt.Errorf("the list holds the workspace %s: %v", m.name, map[string]any(o))
			}
			return nil
		}
	}
	if want {
		return fmt.Errorf("the list does not hold the workspace %s: %v", m.name, map[string]any(o))
	}
	return nil
}

func (s *wsSteps) workspace(alias string) (*madeWorkspace, error) {
	m, ok := s.made[alias]
	if !ok {
		return nil, fmt.Errorf("the scenario has made no workspace %q", alias)
	}
	return m, nil
}

// create asks to create a workspace named for the scenario in a project it
// made: full, with every field the spec requires (the project's default
// environment and hardware tier, and the first tool the project's
// workspace definitions offer), or with its name alone. Whatever the
// target creates (rightly or not) is stopped and deleted afterwards.
func (s *wsSteps) create(ctx context.Context, who, alias, project string, full bool) error {
	w := s.w
	p, err := w.madeProject(project)
	if err != nil {
		return err
	}
	name := w.uniqueName(alias)
	body := map[string]any{"name": name}
	if full {
		settings, err := w.mustGetObject(ctx, "/v4/projects/"+p.id+"/settings", w.admin())
		if err != nil {
			return err
		}
		env, err1 := settings.str("defaultEnvironmentId")
		tier, err2 := settings.str("defaultHardwareTierId")
		if err := firstErr(err1, err2); err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, "/v4/workspaces/definitions?projectId="+p.id, w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		tools, err := r.Array()
		if err != nil || len(tools) == 0 {
			return fmt.Errorf("the project's environment offers no workspace tools: %s (%v)", r, err)
		}
		tool, err := tools[0].nonEmpty("id")
		if err != nil {
			return err
		}
		body["environmentId"], body["hardwareTierId"] = env, map[string]string{"value": tier}
		body["tools"], body["externalVolumeMounts"] = []string{tool}, []string{}
	}
	if err := w.callAs(ctx, who, http.MethodPost, wsProjectPath(p.id)+"/workspace", body); err != nil {
		return err
	}
	if w.resp.Status/100 != 2 {
		return nil
	}
	o, err := w.resp.Object()
	if err != nil {
		return err
	}
	id, err := o.objectID("id")
	if err != nil {
		return fmt.Errorf("a created workspace: %w", err)
	}
	m := &madeWorkspace{name: name, id: id, projectID: p.id}
	s.made[alias] = m
	w.afterwards("stop and delete workspace "+name, func(ctx context.Context) error { return s.remove(ctx, m) })
	return nil
}

// remove stops a workspace the scenario made, waits for its session to
// stop, and deletes it.
func (s *wsSteps) remove(ctx context.Context, m *madeWorkspace) error {
	w := s.w
	r, err := w.run.client.Do(ctx, http.MethodPost, m.path("/stop"), w.admin(), nil)
	if err != nil {
		return err
	}
	if r.Status == http.StatusNotFound {
		return nil // gone with its project
	}
	o, err := s.awaitPath(ctx, m, "stop")
	if err != nil {
		return err
	}
	if deleted, _ := o.boolean("deleted"); deleted {
		return nil
	}
	if r, err = w.run.client.Do(ctx, http.MethodDelete, m.path(""), w.admin(), nil); err != nil {
		return err
	}
	if r.Status >= 300 && r.Status != http.StatusNotFound {
		return fmt.Errorf("%s", r)
	}
	return nil
}

// await polls a workspace until its most recent session runs (until "run")
// or has stopped ("stop"), or the run's job timeout passes.
func (s *wsSteps) await(ctx context.Context, alias, until string) (obj, error) {
	m, err := s.workspace(alias)
	if err != nil {
		return nil, err
	}
	return s.awaitPath(ctx, m, until)
}

func (s *wsSteps) awaitPath(ctx context.Context, m *madeWorkspace, until string) (obj, error) {
	w := s.w
	deadline := time.Now().Add(w.run.jobTimeout)
	wait := 20 * time.Millisecond
	for {
		o, err := w.mustGetObject(ctx, m.path(""), w.admin())
		if err != nil {
			return nil, err
		}
		info := obj{}
		if session, err := o.object("mostRecentSession"); err == nil {
			if info, err = session.object("sessionStatusInfo"); err != nil {
				return nil, err
			}
		}
		running, _ := info.boolean("isRunning")
		completed, _ := info.boolean("isCompleted")
		switch {
		case until == "run" && running:
			return o, o.equal("state", "Started")
		case until == "run" && completed:
			return nil, fmt.Errorf("the workspace %s stopped before it ran: %v", m.name, map[string]any(o))
		case until == "stop" && completed:
			if deleted, _ := o.boolean("deleted"); deleted {
				return o, nil
			}
			return o, o.equal("state", "Stopped")
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the workspace %s did not %s within %s: %v", m.name, until, w.run.jobTimeout, map[string]any(o))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		if wait < 5*time.Second {
			wait *= 2
		}
	}
}

// setWorkspaceLifecycle changes how the mock runs workspace sessions
// started from now on, and puts the previous setting back after the
// scenario (after the scenario's workspaces are removed: it is scheduled
// first).
func (w *world) setWorkspaceLifecycle(ctx context.Context, lifecycle map[string]any) error {
	r, err := w.must(ctx, http.MethodGet, "/__mock/workspaces/lifecycle", w.admin(), nil, http.StatusOK)
	if err != nil {
		return err
	}
	var previous map[string]any
	if err := json.Unmarshal(r.Body, &previous); err != nil {
		return fmt.Errorf("reading the workspace lifecycle: %w", err)
	}
	if _, err := w.must(ctx, http.MethodPut, "/__mock/workspaces/lifecycle", w.admin(), lifecycle, http.StatusOK); err != nil {
		return err
	}
	w.afterwards("restore the mock's workspace lifecycle", func(ctx context.Context) error {
		_, err := w.must(ctx, http.MethodPut, "/__mock/workspaces/lifecycle", w.admin(), previous, http.StatusOK)
		return err
	})
	return nil
}
