package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cucumber/godog"
)

// projectInfo is the project the suite may use, discovered through the API.
type projectInfo struct {
	id, owner, name, ownerID, repoID string
}

// project discovers the run's project once: its id by owner and name, and
// the id of its main repository.
//
// A scenario that works in a project of its own (ownProject) gets that
// one instead, and so do all the steps that say "the project".
func (w *world) project(ctx context.Context) (*projectInfo, error) {
	if w.own != nil {
		return w.own, nil
	}
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
	registerProjectLifeSteps(sc, w)
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

// The steps of projects.feature: projects a scenario makes, lists,
// archives, forks, tags, configures and gives environment variables.
// Every project it makes is archived in its After hook.

// madeProjects is what a scenario made and learned about projects.
type madeProjects struct {
	byAlias map[string]*madeProject
	tags    map[string]string // tag alias → name
	tagIDs  map[string]string // tag alias → id, once an answer gave it
	selves  map[string]self   // by caller: who the caller is
	tierID  string            // the hardware tier a settings step chose
}

type madeProject struct {
	alias, name, id string
}

type self struct{ id, userName string }

func (w *world) projectsMade() *madeProjects {
	if w.made == nil {
		w.made = &madeProjects{byAlias: map[string]*madeProject{}, tags: map[string]string{},
			tagIDs: map[string]string{}, selves: map[string]self{}}
	}
	return w.made
}

func (w *world) madeProject(alias string) (*madeProject, error) {
	p, ok := w.projectsMade().byAlias[alias]
	if !ok {
		return nil, fmt.Errorf("the scenario has made no project %q", alias)
	}
	return p, nil
}

// whoIs is the caller's own user, from GET /v4/users/self.
func (w *world) whoIs(ctx context.Context, who string) (self, error) {
	m := w.projectsMade()
	if s, ok := m.selves[who]; ok {
		return s, nil
	}
	cred, err := w.caller(ctx, who)
	if err != nil {
		return self{}, err
	}
	o, err := w.mustGetObject(ctx, "/v4/users/self", cred)
	if err != nil {
		return self{}, err
	}
	s := self{}
	if s.id, err = o.objectID("id"); err != nil {
		return self{}, err
	}
	if s.userName, err = o.nonEmpty("userName"); err != nil {
		return self{}, err
	}
	m.selves[who] = s
	return s, nil
}

// createProject asks to create a project named for the scenario; whatever
// the target creates (rightly or not) is archived afterwards.
func (w *world) createProject(ctx context.Context, who, alias string, body map[string]any) error {
	name := w.uniqueName(alias)
	body["name"] = name
	if _, ok := body["visibility"]; !ok {
		body["visibility"] = "Private"
	}
	if _, ok := body["description"]; !ok {
		body["description"] = "made by the conformance suite"
	}
	if err := w.callAs(ctx, who, http.MethodPost, "/v4/projects", body); err != nil {
		return err
	}
	if w.resp.Status/100 == 2 {
		o, err := w.resp.Object()
		if err != nil {
			return err
		}
		id, err := o.objectID("id")
		if err != nil {
			return fmt.Errorf("a created project: %w", err)
		}
		w.rememberProject(alias, name, id)
	}
	return nil
}

func (w *world) rememberProject(alias, name, id string) {
	w.projectsMade().byAlias[alias] = &madeProject{alias: alias, name: name, id: id}
	w.undoAfterwards("archive project "+name, http.MethodDelete, "/v4/projects/"+id, w.admin())
}

// givenProject makes a project as the administrator, as a precondition.
func (w *world) givenProject(ctx context.Context, alias string, body map[string]any) error {
	if err := w.createProject(ctx, "the administrator", alias, body); err != nil {
		return err
	}
	if w.resp.Status != http.StatusOK {
		return fmt.Errorf("precondition failed: creating project %s: %s", alias, w.resp)
	}
	return nil
}

func collaboratorsBody(entries ...string) []map[string]string {
	var out []map[string]string
	for i := 0; i+1 < len(entries); i += 2 {
		out = append(out, map[string]string{"collaboratorId": entries[i], "projectRole": entries[i+1]})
	}
	return out
}

// projectPath is a made project's path plus a suffix.
func (w *world) projectPath(alias, suffix string) (string, error) {
	p, err := w.madeProject(alias)
	if err != nil {
		return "", err
	}
	return "/v4/projects/" + p.id + suffix, nil
}

// listed is the objects of a 200 list answer.
func listed(r *Response) ([]obj, error) {
	if err := expectStatus(r, http.StatusOK); err != nil {
		return nil, err
	}
	return r.Array()
}

// ownProject makes a private project for the scenario, as the
// administrator, and makes it "the project" of the scenario's other steps:
// what the scenario writes there is archived with it afterwards, and the
// run's --project is left alone.
func (w *world) ownProject(ctx context.Context) error {
	const alias = "own"
	if err := w.givenProject(ctx, alias, map[string]any{}); err != nil {
		return err
	}
	p, err := w.madeProject(alias)
	if err != nil {
		return err
	}
	admin, err := w.whoIs(ctx, "the administrator")
	if err != nil {
		return err
	}
	w.own = &projectInfo{id: p.id, name: p.name, owner: admin.userName, ownerID: admin.id}
	return nil
}

func registerProjectLifeSteps(sc *godog.ScenarioContext, w *world) {
	sc.Given(`^the scenario works in a project of its own$`, w.ownProject)
	sc.Given(`^a project "([^"]*)"$`, func(ctx context.Context, alias string) error {
		return w.givenProject(ctx, alias, map[string]any{})
	})
	sc.Given(`^a "(Private|Public|Searchable)" project "([^"]*)"$`, func(ctx context.Context, visibility, alias string) error {
		return w.givenProject(ctx, alias, map[string]any{"visibility": visibility})
	})
	sc.Given(`^a project "([^"]*)" with "([^"]*)" as a "([^"]*)"(?: and "([^"]*)" as a "([^"]*)")?$`, func(ctx context.Context, alias, a1, r1, a2, r2 string) error {
		var entries []string
		for _, c := range [][2]string{{a1, r1}, {a2, r2}} {
			if c[0] == "" {
				continue
			}
			a, err := w.account(c[0])
			if err != nil {
				return err
			}
			entries = append(entries, a.id, c[1])
		}
		return w.givenProject(ctx, alias, map[string]any{"collaborators": collaboratorsBody(entries...)})
	})
	sc.Given(`^the administrator has archived the project "([^"]*)"$`, func(ctx context.Context, alias string) error {
		path, err := w.projectPath(alias, "")
		if err != nil {
			return err
		}
		_, err = w.must(ctx, http.MethodDelete, path, w.admin(), nil, http.StatusOK)
		return err
	})

	sc.When(`^the administrator creates a project "([^"]*)" tagged "([^"]*)" with "([^"]*)" as a "([^"]*)"$`, func(ctx context.Context, alias, tag, collaborator, role string) error {
		me, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		a, err := w.account(collaborator)
		if err != nil {
			return err
		}
		// Every field the spec's NewProject requires.
		return w.createProject(ctx, "the administrator", alias, map[string]any{
			"ownerId": me.id, "collaborators": collaboratorsBody(a.id, role), "tags": map[string]any{"tagNames": []string{tag}},
		})
	})
	sc.When(`^`+callerRE+` creates a project "([^"]*)"$`, func(ctx context.Context, who, alias string) error {
		return w.createProject(ctx, who, alias, map[string]any{})
	})
	sc.When(`^a non-admin user creates a project "([^"]*)" for the administrator$`, func(ctx context.Context, alias string) error {
		me, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		return w.createProject(ctx, "a non-admin user", alias, map[string]any{"ownerId": me.id})
	})
	sc.When(`^the administrator creates another project with the name of "([^"]*)"$`, func(ctx context.Context, alias string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		if _, err := w.call(ctx, http.MethodPost, "/v4/projects", w.admin(),
			map[string]any{"name": p.name, "description": "", "visibility": "Private"}); err != nil {
			return err
		}
		if w.resp.Status/100 == 2 {
			if o, err := w.resp.Object(); err == nil {
				if id, err := o.objectID("id"); err == nil {
					w.rememberProject(alias+" (again)", p.name, id)
				}
			}
		}
		return nil
	})
	sc.When(`^the administrator creates a project "([^"]*)" the way python-domino's project_create does$`, func(ctx context.Context, alias string) error {
		me, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		name := w.uniqueName(alias)
		if _, err := w.call(ctx, http.MethodPost, "/project", w.admin(), url.Values{"projectName": {name}}); err != nil {
			return err
		}
		answer := w.resp
		if answer.Status/100 == 2 {
			// Its answer is not JSON everywhere: the project is found by name.
			r, err := w.run.client.Do(ctx, http.MethodGet, findProjectPath(me.userName, name), w.admin(), nil)
			if err != nil {
				return err
			}
			if o, err := r.Object(); r.Status == http.StatusOK && err == nil {
				if id, err := o.objectID("id"); err == nil {
					w.rememberProject(alias, name, id)
				}
			}
		}
		w.resp = answer
		return nil
	})
	sc.When(`^`+callerRE+` lists the projects named "([^"]*)" owned by the administrator$`, func(ctx context.Context, who, alias string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		me, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, "/v4/projects?"+url.Values{"name": {p.name}, "ownerUsername": {me.userName}}.Encode(), nil)
	})
	sc.When(`^the administrator lists the projects with the relationship "([^"]*)"$`, func(ctx context.Context, rel string) error {
		_, err := w.call(ctx, http.MethodGet, "/v4/gateway/projects?"+url.Values{"relationship": {rel}, "showCompleted": {"true"}}.Encode(), w.admin(), nil)
		return err
	})
	sc.When(`^`+callerRE+` (archives|views) the project "([^"]*)"$`, func(ctx context.Context, who, verb, alias string) error {
		path, err := w.projectPath(alias, "")
		if err != nil {
			return err
		}
		method := http.MethodGet
		if verb == "archives" {
			method = http.MethodDelete
		}
		return w.callAs(ctx, who, method, path, nil)
	})
	sc.When(`^the administrator starts a job in the project "([^"]*)"$`, func(ctx context.Context, alias string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		if _, err := w.call(ctx, http.MethodPost, "/v4/jobs/start", w.admin(), map[string]any{"projectId": p.id, "commandToRun": "echo conformance"}); err != nil {
			return err
		}
		if w.resp.Status/100 == 2 {
			if o, err := w.resp.Object(); err == nil {
				if id, err := o.objectID("id"); err == nil {
					w.afterwards("stop job "+id, func(ctx context.Context) error {
						_, err := w.run.client.Do(ctx, http.MethodPost, "/v4/jobs/stop", w.admin(),
							map[string]any{"projectId": p.id, "jobId": id, "commitResults": false})
						return err
					})
				}
			}
		}
		return nil
	})
	sc.When(`^`+callerRE+` forks the project "([^"]*)" as "([^"]*)"$`, func(ctx context.Context, who, alias, fork string) error {
		path, err := w.projectPath(alias, "/fork")
		if err != nil {
			return err
		}
		name := w.uniqueName(fork)
		if err := w.callAs(ctx, who, http.MethodPost, path, map[string]any{"name": name}); err != nil {
			return err
		}
		if w.resp.Status/100 == 2 {
			if o, err := w.resp.Object(); err == nil {
				if id, err := o.objectID("id"); err == nil {
					w.rememberProject(fork, name, id)
				}
			}
		}
		return nil
	})

	// Environment variables.
	sc.When(`^`+callerRE+` sets the environment variable "([^"]*)" to "([^"]*)" in the project "([^"]*)"$`, func(ctx context.Context, who, name, value, alias string) error {
		path, err := w.projectPath(alias, "/environmentVariables")
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodPost, path, map[string]string{"name": name, "value": value})
	})
	sc.When(`^the administrator sets an environment variable (without a value|without a name or value) in the project "([^"]*)"$`, func(ctx context.Context, without, alias string) error {
		path, err := w.projectPath(alias, "/environmentVariables")
		if err != nil {
			return err
		}
		body := map[string]string{"name": "ISQUICKSTART"}
		if without == "without a name or value" {
			body = map[string]string{}
		}
		_, err = w.call(ctx, http.MethodPost, path, w.admin(), body)
		return err
	})
	sc.When(`^`+callerRE+` removes the environment variable "([^"]*)" from the project "([^"]*)"$`, func(ctx context.Context, who, name, alias string) error {
		path, err := w.projectPath(alias, "/environmentVariables/"+url.PathEscape(name))
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodDelete, path, nil)
	})
	sc.When(`^the administrator (lists|sets|removes) environment variables of a project that does not exist$`, func(ctx context.Context, verb string) error {
		path := "/v4/projects/" + randomObjectID() + "/environmentVariables"
		var err error
		switch verb {
		case "lists":
			_, err = w.call(ctx, http.MethodGet, path, w.admin(), nil)
		case "sets":
			_, err = w.call(ctx, http.MethodPost, path, w.admin(), map[string]string{"name": "ISQUICKSTART", "value": "true"})
		default:
			_, err = w.call(ctx, http.MethodDelete, path+"/ISQUICKSTART", w.admin(), nil)
		}
		return err
	})
	sc.When(`^the administrator lists the environment variables of the project with the id "([^"]*)"$`, func(ctx context.Context, id string) error {
		_, err := w.call(ctx, http.MethodGet, "/v4/projects/"+url.PathEscape(id)+"/environmentVariables", w.admin(), nil)
		return err
	})

	// Tags.
	sc.When(`^the administrator tags the project "([^"]*)" with "([^"]*)" and "([^"]*)"$`, func(ctx context.Context, alias, a, b string) error {
		path, err := w.projectPath(alias, "/tags")
		if err != nil {
			return err
		}
		m := w.projectsMade()
		for _, t := range []string{a, b} {
			m.tags[t] = w.uniqueName(t)
		}
		_, err = w.call(ctx, http.MethodPost, path, w.admin(), map[string]any{"tagNames": []string{m.tags[a], m.tags[b]}})
		return err
	})
	sc.When(`^the administrator reads the tag "([^"]*)"$`, func(ctx context.Context, tag string) error {
		id, ok := w.projectsMade().tagIDs[tag]
		if !ok {
			return fmt.Errorf("no answer has given the id of the tag %q", tag)
		}
		_, err := w.call(ctx, http.MethodGet, "/projectTags/"+id, w.admin(), nil)
		return err
	})
	sc.When(`^the administrator removes the tag "([^"]*)" from the project "([^"]*)"$`, func(ctx context.Context, tag, alias string) error {
		id, ok := w.projectsMade().tagIDs[tag]
		if !ok {
			return fmt.Errorf("no answer has given the id of the tag %q", tag)
		}
		path, err := w.projectPath(alias, "/tags/"+id)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodDelete, path, w.admin(), nil)
		return err
	})

	// Settings.
	sc.When(`^the administrator reads the settings of the project "([^"]*)"$`, func(ctx context.Context, alias string) error {
		path, err := w.projectPath(alias, "/settings")
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, path, w.admin(), nil)
		return err
	})
	sc.When(`^the administrator sets the default hardware tier of the project "([^"]*)" to the last tier it may use$`, func(ctx context.Context, alias string) error {
		tiersPath, err := w.projectPath(alias, "/hardwareTiers")
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, tiersPath, w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		tiers, err := r.Array()
		if err != nil || len(tiers) == 0 {
			return fmt.Errorf("precondition failed: the project offers no hardware tier: %s", r)
		}
		tier, err := tiers[len(tiers)-1].object("hardwareTier")
		if err != nil {
			return err
		}
		m := w.projectsMade()
		if m.tierID, err = tier.nonEmpty("id"); err != nil {
			return err
		}
		path, _ := w.projectPath(alias, "/settings")
		_, err = w.call(ctx, http.MethodPut, path, w.admin(), map[string]string{"defaultHardwareTierId": m.tierID})
		return err
	})

	// The legacy collaborators route.
	sc.When(`^the administrator lists the collaborators of the project "([^"]*)" the legacy way$`, func(ctx context.Context, alias string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		me, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, "/"+url.PathEscape(me.userName)+"/"+url.PathEscape(p.name)+"/collaborators", w.admin(), nil)
		return err
	})

	// Then.
	sc.Then(`^the project "([^"]*)" is created with an id, owned by (the administrator|"[^"]*")$`, func(ctx context.Context, alias, owner string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return fmt.Errorf("%w: %s", err, w.resp)
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		var ownerID, ownerName string
		if owner == "the administrator" {
			me, err := w.whoIs(ctx, owner)
			if err != nil {
				return err
			}
			ownerID, ownerName = me.id, me.userName
		} else {
			a, err := w.account(strings.Trim(owner, `"`))
			if err != nil {
				return err
			}
			ownerID, ownerName = a.id, a.username
		}
		return o.check().equal("id", p.id).equal("name", p.name).equal("ownerId", ownerID).equal("ownerUsername", ownerName).err()
	})
	sc.Then(`^the answer lists "([^"]*)" as a "([^"]*)" and the tag "([^"]*)"$`, func(alias, role, tag string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		cols, err := o.list("collaborators")
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(cols, func(c any) bool {
			m, _ := c.(map[string]any)
			return m["collaboratorId"] == a.id && m["projectRole"] == role
		}) {
			return fmt.Errorf("the collaborators %v do not list %s as %s", cols, a.username, role)
		}
		tags, err := o.list("tags")
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(tags, func(t any) bool { m, _ := t.(map[string]any); return m["name"] == tag }) {
			return fmt.Errorf("the tags %v do not include %q", tags, tag)
		}
		return nil
	})
	sc.Then(`^the administrator finds the project "([^"]*)" by owner and name$`, func(ctx context.Context, alias string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		me, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, findProjectPath(me.userName, p.name), w.admin())
		if err != nil {
			return err
		}
		return o.equal("id", p.id)
	})
	sc.Then(`^the list holds exactly the project "([^"]*)" with its id, name and owner's username$`, func(ctx context.Context, alias string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		me, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		l, err := listed(w.resp)
		if err != nil {
			return err
		}
		if len(l) != 1 {
			return fmt.Errorf("want exactly the project %s: %s", p.name, w.resp)
		}
		return l[0].check().equal("id", p.id).equal("name", p.name).equal("ownerUsername", me.userName).err()
	})
	sc.Then(`^the list is empty$`, func() error {
		l, err := listed(w.resp)
		if err == nil && len(l) != 0 {
			err = fmt.Errorf("want an empty list: %s", w.resp)
		}
		return err
	})
	sc.Then(`^the list includes the project "([^"]*)"$`, func(alias string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		if _, err := listed(w.resp); err != nil {
			return err
		}
		_, err = findListed(w.resp, "id", p.id, fmt.Sprintf("the list does not include the project %s", p.name))
		return err
	})
	sc.Then(`^the project "([^"]*)" is among the administrator's owned projects$`, func(ctx context.Context, alias string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, "/v4/gateway/projects?relationship=Owned&showCompleted=true", w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		o, err := findListed(r, "id", p.id, fmt.Sprintf("the administrator's owned projects do not include %s", p.name))
		if err != nil {
			return err
		}
		return o.equal("name", p.name)
	})
	sc.Then(`^the call fails with a server error(?: saying "([^"]*)")?$`, func(text string) error {
		if err := expectStatus(w.resp, http.StatusInternalServerError); err != nil {
			return err
		}
		if text != "" {
			return w.messageNames(text)
		}
		return nil
	})
	sc.Then(`^the project "([^"]*)" is (no longer|still) found$`, func(ctx context.Context, alias, verb string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		want := http.StatusOK
		if verb == "no longer" {
			want = http.StatusNotFound
		}
		if _, err := w.must(ctx, http.MethodGet, "/v4/projects/"+p.id, w.admin(), nil, want); err != nil {
			return err
		}
		if verb == "still" {
			return nil
		}
		me, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		for _, path := range []string{
			"/v4/projects?" + url.Values{"name": {p.name}, "ownerUsername": {me.userName}}.Encode(),
			"/v4/gateway/projects?relationship=Owned&showCompleted=true",
		} {
			r, err := w.must(ctx, http.MethodGet, path, w.admin(), nil, http.StatusOK)
			if err != nil {
				return err
			}
			if o, err := find(r, "id", p.id); err != nil || o != nil {
				return fmt.Errorf("the archived project %s is still listed: %s", p.name, r)
			}
		}
		return nil
	})
	sc.Then(`^the answer describes the project "([^"]*)"$`, func(alias string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.check().equal("id", p.id).equal("name", p.name).err()
	})
	sc.Then(`^the answer is the environment variable "([^"]*)" with the value "([^"]*)"$`, func(name, value string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.check().equal("name", name).equal("value", value).err()
	})
	sc.Then(`^the project "([^"]*)" (lists|does not list) the environment variable "([^"]*)"(?: with the value "([^"]*)")?$`, func(ctx context.Context, alias, verb, name, value string) error {
		path, err := w.projectPath(alias, "/environmentVariables")
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, path, w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		o, err := find(r, "name", name)
		switch {
		case err != nil:
			return err
		case verb == "does not list" && o != nil:
			return fmt.Errorf("the project still lists %s: %s", name, r)
		case verb == "lists" && o == nil:
			return fmt.Errorf("the project does not list %s: %s", name, r)
		case verb == "lists":
			return o.equal("value", value)
		}
		return nil
	})
	sc.Then(`^the answer lists the tags "([^"]*)" and "([^"]*)" with their ids$`, func(a, b string) error {
		m := w.projectsMade()
		if _, err := listed(w.resp); err != nil {
			return err
		}
		for _, t := range []string{a, b} {
			o, err := findListed(w.resp, "name", m.tags[t], fmt.Sprintf("the answer does not list the tag %s", m.tags[t]))
			if err != nil {
				return err
			}
			if m.tagIDs[t], err = o.objectID("id"); err != nil {
				return err
			}
		}
		return nil
	})
	sc.Then(`^the project "([^"]*)" has the tags "([^"]*)"$`, func(ctx context.Context, alias, list string) error {
		path, err := w.projectPath(alias, "")
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, path, w.admin())
		if err != nil {
			return err
		}
		tags, err := o.list("tags")
		if err != nil {
			return err
		}
		var got, want []string
		for _, t := range tags {
			m, _ := t.(map[string]any)
			got = append(got, fmt.Sprint(m["name"]))
		}
		for _, alias := range strings.Split(list, ", ") {
			want = append(want, w.projectsMade().tags[alias])
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return fmt.Errorf("the project's tags are %v, want %v", got, want)
		}
		return nil
	})
	sc.Then(`^the answer describes the tag "([^"]*)" with its id and when it was last added$`, func(tag string) error {
		m := w.projectsMade()
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.check().equal("_id", m.tagIDs[tag]).equal("name", m.tags[tag]).nonEmpty("lastAdded").err()
	})
	sc.Then(`^the answer gives the project's default environment, hardware tier and volume sizes$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.check().objectID("defaultEnvironmentId").nonEmpty("defaultHardwareTierId").
			number("defaultVolumeSizeGiB", "minVolumeSizeGiB", "maxVolumeSizeGiB").err()
	})
	sc.Then(`^the settings of the project "([^"]*)" name that hardware tier$`, func(ctx context.Context, alias string) error {
		path, err := w.projectPath(alias, "/settings")
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, path, w.admin())
		if err != nil {
			return err
		}
		return o.equal("defaultHardwareTierId", w.projectsMade().tierID)
	})
	sc.Then(`^the list names the administrator by "username"$`, func(ctx context.Context) error {
		me, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		if _, err := listed(w.resp); err != nil {
			return err
		}
		_, err = findListed(w.resp, "username", me.userName, "the list does not name the administrator by username")
		return err
	})
}
