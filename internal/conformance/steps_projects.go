package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"

	"github.com/cucumber/godog"
)

// projectInfo is the project the suite may use, discovered through the API.
type projectInfo struct {
	id, owner, name, ownerID, repoID string
}

// project discovers the run's project once: its id by owner and name, and
// the id of its main repository.
func (w *world) project(ctx context.Context) (*projectInfo, error) {
	r := w.run
	r.projMu.Lock()
	defer r.projMu.Unlock()
	if r.project != nil {
		return r.project, nil
	}
	owner, name, err := r.target.projectParts()
	if err != nil {
		return nil, err
	}
	o, err := w.mustGetObject(ctx, findProjectPath(owner, name), w.admin())
	if err != nil {
		return nil, fmt.Errorf("finding the project %s: %w", r.target.Project, err)
	}
	p := &projectInfo{owner: owner, name: name}
	if p.id, err = o.objectID("id"); err != nil {
		return nil, err
	}
	if ow, err := o.object("owner"); err == nil {
		p.ownerID, _ = ow.str("id")
	}
	d, err := w.mustGetObject(ctx, "/v4/projects/"+p.id, w.admin())
	if err != nil {
		return nil, err
	}
	repo, err := d.object("mainRepository")
	if err != nil {
		return nil, fmt.Errorf("the project %s must be git-backed: %w", r.target.Project, err)
	}
	if p.repoID, err = repo.objectID("id"); err != nil {
		return nil, err
	}
	r.project = p
	return p, nil
}

func findProjectPath(owner, name string) string {
	return "/v4/gateway/projects/findProjectByOwnerAndName?" + url.Values{"ownerName": {owner}, "projectName": {name}}.Encode()
}

// randomObjectID is an id that no object has.
func randomObjectID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func registerProjectSteps(sc *godog.ScenarioContext, w *world) {
	sc.Given(`^a service account "([^"]*)" that is an? "([^"]*)" of the project$`, func(ctx context.Context, alias, role string) error {
		a, err := w.makeAccount(ctx, alias)
		if err != nil {
			return err
		}
		return w.makeCollaborator(ctx, a, role)
	})
	sc.Given(`^a service account "([^"]*)" with a token "([^"]*)" that is an? "([^"]*)" of the project$`, func(ctx context.Context, alias, name, role string) error {
		a, err := w.makeAccount(ctx, alias)
		if err != nil {
			return err
		}
		if _, err := w.makeToken(ctx, a, name); err != nil {
			return err
		}
		return w.makeCollaborator(ctx, a, role)
	})

	sc.When(`^the administrator finds the project by owner and name$`, func(ctx context.Context) error {
		owner, name, err := w.run.target.projectParts()
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, findProjectPath(owner, name), w.admin(), nil)
		return err
	})
	sc.When(`^the administrator finds a project that does not exist by owner and name$`, func(ctx context.Context) error {
		owner, _, err := w.run.target.projectParts()
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, findProjectPath(owner, w.uniqueName("no-such-project")), w.admin(), nil)
		return err
	})
	sc.When(`^`+callerRE+` adds "([^"]*)" to the project as "([^"]*)"$`, func(ctx context.Context, who, alias, role string) error {
		a, p, err := w.accountAndProject(ctx, alias)
		if err != nil {
			return err
		}
		return w.addCollaborator(ctx, who, p.id, a.id, role)
	})
	sc.When(`^the administrator adds "([^"]*)" to the project by its idpId as "([^"]*)"$`, func(ctx context.Context, alias, role string) error {
		a, p, err := w.accountAndProject(ctx, alias)
		if err != nil {
			return err
		}
		return w.addCollaborator(ctx, "the administrator", p.id, a.idpID, role)
	})
	sc.When(`^the administrator adds "([^"]*)" to a project that does not exist as "([^"]*)"$`, func(ctx context.Context, alias, role string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		return w.addCollaborator(ctx, "the administrator", randomObjectID(), a.id, role)
	})
	sc.When(`^the administrator adds a user that does not exist to the project as "([^"]*)"$`, func(ctx context.Context, role string) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		return w.addCollaborator(ctx, "the administrator", p.id, randomObjectID(), role)
	})
	sc.When(`^`+callerRE+` removes "([^"]*)" from the project$`, func(ctx context.Context, who, alias string) error {
		a, p, err := w.accountAndProject(ctx, alias)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodDelete, "/v4/projects/"+p.id+"/collaborators/"+a.id, nil)
	})
	sc.When(`^the administrator removes a user that does not exist from the project$`, func(ctx context.Context) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodDelete, "/v4/projects/"+p.id+"/collaborators/"+randomObjectID(), w.admin(), nil)
		return err
	})
	sc.When(`^`+callerRE+` views the project$`, func(ctx context.Context, who string) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, "/v4/projects/"+p.id, nil)
	})
	sc.When(`^the administrator views a project that does not exist$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, "/v4/projects/"+randomObjectID(), w.admin(), nil)
		return err
	})
	sc.When(`^`+callerRE+` lists the project's (hardware tiers|environments)$`, func(ctx context.Context, who, what string) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		path := "/v4/projects/" + p.id + "/hardwareTiers"
		if what == "environments" {
			path = "/v4/projects/" + p.id + "/useableEnvironments"
		}
		return w.callAs(ctx, who, http.MethodGet, path, nil)
	})

	sc.Then(`^the answer describes the project with its owner$`, func(ctx context.Context) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		owner, name, _ := w.run.target.projectParts()
		c := o.check().objectID("id").equal("name", name)
		c.in("owner").objectID("id").equal("userName", owner)
		return c.err()
	})
	sc.Then(`^the answer describes the project with its main repository$`, func(ctx context.Context) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		c := o.check().equal("id", p.id).equal("name", p.name).equal("ownerUsername", p.owner).
			objectID("ownerId").nonEmpty("visibility").list("collaborators")
		c.in("mainRepository").equal("id", p.repoID).nonEmpty("uri")
		return c.err()
	})
	sc.Then(`^the call succeeds and echoes "([^"]*)" as "([^"]*)"$`, func(alias, role string) error {
		a, o, err := w.answerAbout(alias, http.StatusOK)
		if err != nil {
			return err
		}
		return o.check().equal("collaboratorId", a.id).equal("projectRole", role).err()
	})
	sc.Then(`^the project lists "([^"]*)" as "([^"]*)"$`, func(ctx context.Context, alias, role string) error {
		a, got, err := w.collaboratorRole(ctx, alias)
		if err != nil {
			return err
		}
		if got != role {
			return fmt.Errorf("the project lists %s as %q, want %q", a.username, got, role)
		}
		return nil
	})
	sc.Then(`^the project does not list "([^"]*)"$`, func(ctx context.Context, alias string) error {
		a, got, err := w.collaboratorRole(ctx, alias)
		if err != nil {
			return err
		}
		if got != "" {
			return fmt.Errorf("the project lists %s as %q", a.username, got)
		}
		return nil
	})
	sc.Then(`^the project's collaborators include "([^"]*)"$`, func(ctx context.Context, alias string) error {
		a, p, err := w.accountAndProject(ctx, alias)
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, "/v4/projects/"+p.id+"/collaborators", w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		o, err := findListed(r, "id", a.id, fmt.Sprintf("the project's collaborators do not include %s", a.username))
		if err != nil {
			return err
		}
		return o.equal("userName", a.username)
	})
	sc.Then(`^exactly one hardware tier is the default$`, func() error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		list, err := w.resp.Array()
		if err != nil {
			return err
		}
		defaults := 0
		for _, o := range list {
			flags := o.check().in("hardwareTier").nonEmpty("id", "name").in("hwtFlags").boolean("isDefault")
			if err := flags.err(); err != nil {
				return err
			}
			if isDefault, _ := flags.o.boolean("isDefault"); isDefault {
				defaults++
			}
		}
		if defaults != 1 {
			return fmt.Errorf("%d hardware tiers are the default, want 1: %s", defaults, w.resp)
		}
		return nil
	})
	sc.Then(`^at least one environment is offered$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		envs, err := o.list("environments")
		if err != nil {
			return err
		}
		if len(envs) == 0 {
			return fmt.Errorf("no environment is offered")
		}
		e, ok := envs[0].(map[string]any)
		if !ok {
			return fmt.Errorf("an environment is %T, want an object", envs[0])
		}
		return obj(e).check().nonEmpty("id", "name").err()
	})
}

// addCollaborator asks to add a collaborator; if the target adds it, the
// scenario removes it afterwards.
func (w *world) addCollaborator(ctx context.Context, who, projectID, collaboratorID, role string) error {
	if err := w.callAs(ctx, who, http.MethodPost, "/v4/projects/"+projectID+"/collaborators",
		map[string]string{"collaboratorId": collaboratorID, "projectRole": role}); err != nil {
		return err
	}
	if w.resp.Status/100 == 2 {
		w.scheduleRemoval(projectID, collaboratorID)
	}
	return nil
}

func (w *world) scheduleRemoval(projectID, collaboratorID string) {
	w.undoAfterwards("remove collaborator "+collaboratorID, http.MethodDelete,
		"/v4/projects/"+projectID+"/collaborators/"+collaboratorID, w.admin())
}

// makeCollaborator adds an account to the project as a precondition.
func (w *world) makeCollaborator(ctx context.Context, a *account, role string) error {
	p, err := w.project(ctx)
	if err != nil {
		return err
	}
	if _, err := w.must(ctx, http.MethodPost, "/v4/projects/"+p.id+"/collaborators", w.admin(),
		map[string]string{"collaboratorId": a.id, "projectRole": role}, http.StatusOK); err != nil {
		return err
	}
	w.scheduleRemoval(p.id, a.id)
	return nil
}

// collaboratorRole is the remembered service account alias and the role the
// project gives it, "" for none.
func (w *world) collaboratorRole(ctx context.Context, alias string) (*account, string, error) {
	a, p, err := w.accountAndProject(ctx, alias)
	if err != nil {
		return nil, "", err
	}
	o, err := w.mustGetObject(ctx, "/v4/projects/"+p.id, w.admin())
	if err != nil {
		return nil, "", err
	}
	list, err := o.list("collaborators")
	if err != nil {
		return nil, "", err
	}
	for _, c := range list {
		m, ok := c.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("a collaborator is %T, want an object", c)
		}
		if id, _ := obj(m).str("collaboratorId"); id == a.id {
			role, err := obj(m).nonEmpty("projectRole")
			return a, role, err
		}
	}
	return a, "", nil
}
