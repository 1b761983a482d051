package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cucumber/godog"
)

// Steps of models.feature, in the scenario's own project, as python-domino
// calls the routes. A real Domino deploys what is published: each version a
// scenario publishes has its deployment stopped after it (the mock serves no
// such route and answers 404, which the cleanup takes as done), and the
// project's endpoint is unpublished.

// madeModel is a model the scenario published.
type madeModel struct {
	id       string
	versions []string // ids, version 1 first
}

type modelSteps struct {
	w      *world
	models map[string]*madeModel // by alias
	export string                // the last export's id
}

func registerModelSteps(sc *godog.ScenarioContext, w *world) {
	m := &modelSteps{w: w, models: map[string]*madeModel{}}
	sc.When(`^`+callerRE+` publishes a model "([^"]*)" the way python-domino does$`, func(ctx context.Context, who, alias string) error {
		return m.publish(ctx, who, alias, true)
	})
	sc.When(`^the administrator publishes a model "([^"]*)" without a file$`, func(ctx context.Context, alias string) error {
		return m.publish(ctx, "the administrator", alias, false)
	})
	sc.Given(`^the administrator has published a model "([^"]*)"$`, func(ctx context.Context, alias string) error {
		if err := m.publish(ctx, "the administrator", alias, true); err != nil {
			return err
		}
		return expectStatus(w.resp, http.StatusOK)
	})
	sc.When(`^the administrator publishes a new version of the model "([^"]*)"$`, func(ctx context.Context, alias string) error {
		md, err := m.model(alias)
		if err != nil {
			return err
		}
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		body := map[string]any{"description": "v2", "projectId": p.id, "file": "predict.py", "function": "predict",
			"excludeFiles": []any{}, "environmentId": nil}
		if _, err := w.call(ctx, http.MethodPost, "/v1/models/"+md.id+"/versions", w.admin(), body); err != nil {
			return err
		}
		if w.resp.Status == http.StatusOK {
			if o, err := w.resp.Object(); err == nil {
				if d, err := o.object("data"); err == nil {
					if id, err := d.objectID("_id"); err == nil {
						md.versions = append(md.versions, id)
						m.stopAfterwards(md.id, id)
					}
				}
			}
		}
		return nil
	})
	sc.When(`^the administrator exports the latest version of the model "([^"]*)" to a registry$`, func(ctx context.Context, alias string) error {
		md, err := m.model(alias)
		if err != nil {
			return err
		}
		body := map[string]any{"registryUrl": "registry.example.com", "username": "conformance",
			"password": "not-a-real-password", "repository": w.uniqueName("model"), "tag": "v1"}
		_, err = w.call(ctx, http.MethodPost, "/v4/models/"+md.id+"/"+md.versions[len(md.versions)-1]+"/exportImageToRegistry", w.admin(), body)
		return err
	})
	sc.When(`^the administrator reads the status of an export that does not exist$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, "/v4/models/"+randomObjectID()+"/getExportImageStatus", w.admin(), nil)
		return err
	})
	sc.When(`^the administrator reads the status of the export with the id "([^"]*)"$`, func(ctx context.Context, id string) error {
		_, err := w.call(ctx, http.MethodGet, "/v4/models/"+url.PathEscape(id)+"/getExportImageStatus", w.admin(), nil)
		return err
	})
	sc.When(`^`+callerRE+` lists the project's models$`, func(ctx context.Context, who string) error {
		path, err := m.projectPath(ctx, "/v1/projects/", "/models")
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, path, nil)
	})
	sc.When(`^the administrator publishes the project's API endpoint serving "([^"]*)" "([^"]*)"$`, func(ctx context.Context, file, function string) error {
		path, err := m.projectPath(ctx, "/v1/", "/endpoint")
		if err != nil {
			return err
		}
		w.undoAfterwards("unpublish the project's API endpoint", http.MethodDelete, path, w.admin())
		// python-domino's endpoint_publish without a commit: commitId null.
		body := map[string]any{"commitId": nil, "bindingDefinition": map[string]any{"file": file, "function": function}}
		_, err = w.call(ctx, http.MethodPost, path+"/publishRelease", w.admin(), body)
		return err
	})
	sc.When(`^the administrator unpublishes the project's API endpoint$`, func(ctx context.Context) error {
		path, err := m.projectPath(ctx, "/v1/", "/endpoint")
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodDelete, path, w.admin(), nil)
		return err
	})
	sc.When(`^the administrator reads the state of the project's API endpoint$`, func(ctx context.Context) error {
		path, err := m.projectPath(ctx, "/v1/", "/endpoint/state")
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, path, w.admin(), nil)
		return err
	})

	sc.Then(`^the answer is the model "([^"]*)" with its id as "_id" and "id"$`, func(alias string) error {
		md, err := m.model(alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		c := o.check()
		c.in("data").equal("_id", md.id).equal("id", md.id).equal("name", w.uniqueName(alias))
		return c.err()
	})
	sc.Then(`^the project's models list "([^"]*)"$`, func(ctx context.Context, alias string) error {
		md, err := m.model(alias)
		if err != nil {
			return err
		}
		path, err := m.projectPath(ctx, "/v1/projects/", "/models")
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, path, w.admin())
		if err != nil {
			return err
		}
		data, err := o.list("data")
		if err != nil {
			return err
		}
		for _, x := range data {
			if mo, _ := x.(map[string]any); mo != nil && mo["id"] == md.id {
				return nil
			}
		}
		return fmt.Errorf("the project's models do not list %s: %v", md.id, data)
	})
	sc.Then(`^the new version is number (\d+)$`, func(n int) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		c := o.check()
		c.in("data").objectID("_id").in("metadata").apply(func(md obj) error {
			got, err := md.number("number")
			if err == nil && int(got) != n {
				err = fmt.Errorf("the new version is number %v, want %d", got, n)
			}
			return err
		})
		return c.err()
	})
	sc.Then(`^the model "([^"]*)" lists versions 1 and 2$`, func(ctx context.Context, alias string) error {
		md, err := m.model(alias)
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, "/v1/models/"+md.id+"/versions", w.admin())
		if err != nil {
			return err
		}
		data, err := o.list("data")
		if err != nil {
			return err
		}
		numbers := map[float64]string{}
		for _, x := range data {
			v, _ := x.(map[string]any)
			meta, _ := v["metadata"].(map[string]any)
			n, _ := meta["number"].(float64)
			id, _ := v["_id"].(string)
			numbers[n] = id
		}
		if len(data) != 2 || numbers[1] != md.versions[0] || numbers[2] != md.versions[1] {
			return fmt.Errorf("the versions are %v, want %v numbered 1 and 2", data, md.versions)
		}
		return nil
	})
	sc.Then(`^the export is answered with its id and a status$`, func() error {
		if err := expectStatus(w.resp, http.StatusAccepted); err != nil {
			return err
		}
		o, err := w.resp.Object()
		if err != nil {
			return err
		}
		if m.export, err = o.objectID("exportId"); err != nil {
			return err
		}
		return o.check().nonEmpty("status").objectID("modelId", "modelVersionId").err()
	})
	sc.Then(`^the export eventually ends$`, func(ctx context.Context) error {
		deadline := time.Now().Add(w.run.jobTimeout)
		wait := 20 * time.Millisecond
		for {
			o, err := w.mustGetObject(ctx, "/v4/models/"+m.export+"/getExportImageStatus", w.admin())
			if err != nil {
				return err
			}
			status, err := o.str("status")
			if err != nil {
				return err
			}
			// python-domino's export example waits for these two.
			if status == "complete" || status == "failed" {
				return o.equal("exportId", m.export)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the export is %q after %s, neither complete nor failed", status, w.run.jobTimeout)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			if wait < 5*time.Second {
				wait *= 2
			}
		}
	})
	sc.Then(`^the export's logs are read with its status$`, func(ctx context.Context) error {
		o, err := w.mustGetObject(ctx, "/v4/models/"+m.export+"/getExportLogs", w.admin())
		if err != nil {
			return err
		}
		return o.check().equal("exportId", m.export).nonEmpty("status").str("logs").err()
	})
	sc.Then(`^the project's API endpoint is published, serving "([^"]*)" "([^"]*)"$`, func(ctx context.Context, file, function string) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		path, err := m.projectPath(ctx, "/v1/", "/endpoint/state")
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, path, w.admin())
		if err != nil {
			return err
		}
		c := o.check().apply(func(o obj) error {
			if b, err := o.boolean("isPublished"); err != nil || !b {
				return fmt.Errorf("the endpoint is not published: %v", map[string]any(o))
			}
			return nil
		})
		c.in("bindingDefinition").equal("file", file).equal("function", function)
		return c.err()
	})
	sc.Then(`^the project's API endpoint is not published$`, func(ctx context.Context) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		path, err := m.projectPath(ctx, "/v1/", "/endpoint/state")
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, path, w.admin())
		if err != nil {
			return err
		}
		if b, err := o.boolean("isPublished"); err != nil || b {
			return fmt.Errorf("want isPublished false: %v (%v)", map[string]any(o), err)
		}
		return nil
	})
}

func (m *modelSteps) model(alias string) (*madeModel, error) {
	md, ok := m.models[alias]
	if !ok || len(md.versions) == 0 {
		return nil, fmt.Errorf("the scenario has published no model %q", alias)
	}
	return md, nil
}

// projectPath is prefix + owner/name of the scenario's project + suffix.
func (m *modelSteps) projectPath(ctx context.Context, prefix, suffix string) (string, error) {
	p, err := m.w.project(ctx)
	if err != nil {
		return "", err
	}
	return prefix + url.PathEscape(p.owner) + "/" + url.PathEscape(p.name) + suffix, nil
}

// publish posts python-domino's model_publish body (without its file if
// withFile is false).
func (m *modelSteps) publish(ctx context.Context, who, alias string, withFile bool) error {
	w := m.w
	p, err := w.project(ctx)
	if err != nil {
		return err
	}
	body := map[string]any{"name": w.uniqueName(alias), "description": "v1", "projectId": p.id,
		"file": "predict.py", "function": "predict", "excludeFiles": []any{}, "environmentId": nil}
	if !withFile {
		delete(body, "file")
	}
	if err := w.callAs(ctx, who, http.MethodPost, "/v1/models", body); err != nil {
		return err
	}
	if w.resp.Status/100 != 2 {
		return nil
	}
	o, err := w.resp.Object()
	if err != nil {
		return err
	}
	d, err := o.object("data")
	if err != nil {
		return err
	}
	id, err := d.objectID("_id")
	if err != nil {
		return fmt.Errorf("a published model: %w", err)
	}
	md := &madeModel{id: id}
	m.models[alias] = md
	// The first version: from the answer if it has it, else the list.
	version := ""
	if v, err := d.object("version"); err == nil {
		version, _ = v.str("_id")
	}
	if version == "" {
		vs, err := w.mustGetObject(ctx, "/v1/models/"+id+"/versions", w.admin())
		if err != nil {
			return err
		}
		if list, err := vs.list("data"); err == nil && len(list) > 0 {
			if v, ok := list[0].(map[string]any); ok {
				version, _ = v["_id"].(string)
			}
		}
	}
	if version == "" {
		return fmt.Errorf("a published model's first version is found nowhere: %s", w.resp)
	}
	md.versions = append(md.versions, version)
	m.stopAfterwards(id, version)
	return nil
}

// stopAfterwards stops a version's deployment in the After hook (the v4
// spec's stopModelDeployment; 404 where there is none to stop).
func (m *modelSteps) stopAfterwards(modelID, versionID string) {
	m.w.undoAfterwards("stop the deployment of model "+modelID+" version "+versionID, http.MethodPost,
		"/v4/models/"+modelID+"/"+versionID+"/stopModelDeployment", m.w.admin())
}
