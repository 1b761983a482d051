package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cucumber/godog"
)

// Steps of environments.feature. Environments are made through the public
// API, as python-domino makes them, from the default environment's image;
// each one a scenario makes is archived after it (Domino deletes none).

const (
	envsBeta  = "/api/environments/beta/environments"
	envPublic = "/api/environments/v1/environments/"
	envV4     = "/v4/environments/"
)

// environment is one the scenario made.
type environment struct {
	id, name  string
	revisions []string   // ids, revision 1 first
	cred      Credential // who made it, who archives it
}

// envSteps is what one scenario's environment steps remember.
type envSteps struct {
	w    *world
	envs map[string]*environment // by alias
	list []obj                   // the environments a list step collected
}

func registerEnvironmentSteps(sc *godog.ScenarioContext, w *world) {
	e := &envSteps{w: w, envs: map[string]*environment{}}
	sc.When(`^`+callerRE+` creates an? "([^"]*)" environment "([^"]*)" through the public API$`, func(ctx context.Context, who, visibility, alias string) error {
		return e.create(ctx, who, visibility, alias, false)
	})
	sc.Given(`^`+callerRE+` has created an? "([^"]*)" environment "([^"]*)"$`, func(ctx context.Context, who, visibility, alias string) error {
		if err := e.create(ctx, who, visibility, alias, false); err != nil {
			return err
		}
		return expectStatus(w.resp, http.StatusOK)
	})
	sc.When(`^the administrator creates an? "([^"]*)" environment "([^"]*)" through the v1 API$`, func(ctx context.Context, visibility, alias string) error {
		return e.create(ctx, "the administrator", visibility, alias, true)
	})
	sc.When(`^the administrator adds a revision to the environment "([^"]*)"$`, func(ctx context.Context, alias string) error {
		env, err := e.env(alias)
		if err != nil {
			return err
		}
		body, err := e.definition(ctx, w.admin())
		if err != nil {
			return err
		}
		r, err := w.call(ctx, http.MethodPost, envsBeta+"/"+env.id+"/revisions", w.admin(), body)
		if err != nil || r.Status != http.StatusOK {
			return err
		}
		o, err := r.Object()
		if err == nil {
			var rev obj
			if rev, err = o.object("environmentRevision"); err == nil {
				var id string
				id, err = rev.objectID("id")
				env.revisions = append(env.revisions, id)
			}
		}
		return err
	})
	sc.When(`^`+callerRE+` restricts the first revision of the environment "([^"]*)"$`, func(ctx context.Context, who, alias string) error {
		env, err := e.env(alias)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodPatch, envsBeta+"/"+env.id+"/revisions/"+env.revisions[0], map[string]bool{"isRestricted": true})
	})
	sc.When(`^the administrator archives the environment "([^"]*)" through the public API$`, func(ctx context.Context, alias string) error {
		env, err := e.env(alias)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodDelete, envPublic+env.id, w.admin(), nil)
		return err
	})
	sc.Given(`^the administrator has archived the environment "([^"]*)"$`, func(ctx context.Context, alias string) error {
		env, err := e.env(alias)
		if err != nil {
			return err
		}
		_, err = w.must(ctx, http.MethodDelete, envPublic+env.id, w.admin(), nil, http.StatusOK)
		return err
	})
	sc.Given(`^the administrator has pinned the active revision of the environment "([^"]*)"$`, func(ctx context.Context, alias string) error {
		env, err := e.env(alias)
		if err != nil {
			return err
		}
		_, err = w.must(ctx, http.MethodPatch, envV4+env.id, w.admin(), map[string]bool{"assignLatestRevisionAsActive": false}, http.StatusOK)
		return err
	})
	sc.When(`^the administrator lists the environments through the public API$`, func(ctx context.Context) error {
		e.list = nil
		// Page through all of them: a real Domino may have many.
		const limit = 100
		for offset := 0; ; offset += limit {
			r, err := w.must(ctx, http.MethodGet, envsBeta+"?offset="+strconv.Itoa(offset)+"&limit="+strconv.Itoa(limit), w.admin(), nil, http.StatusOK)
			if err != nil {
				return err
			}
			o, err := r.Object()
			if err != nil {
				return err
			}
			page, err := o.list("environments")
			if err != nil {
				return err
			}
			for _, x := range page {
				m, _ := x.(map[string]any)
				e.list = append(e.list, m)
			}
			if len(page) < limit {
				return nil
			}
		}
	})
	sc.When(`^the administrator lists the environments through the v1 API$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, "/v1/environments", w.admin(), nil)
		return err
	})
	sc.When(`^the administrator asks for the default environment$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, envV4+"defaultEnvironment", w.admin(), nil)
		return err
	})
	sc.When(`^the administrator asks for an environment that does not exist through (the v4 API|the public API)$`, func(ctx context.Context, api string) error {
		_, err := w.call(ctx, http.MethodGet, envPath(api, randomObjectID()), w.admin(), nil)
		return err
	})
	sc.When(`^the administrator asks for the environment "([^"]*)" through (the v4 API|the public API)$`, func(ctx context.Context, id, api string) error {
		_, err := w.call(ctx, http.MethodGet, envPath(api, id), w.admin(), nil)
		return err
	})
	sc.When(`^`+callerRE+` asks for the environment "([^"]*)"$`, func(ctx context.Context, who, alias string) error {
		env, err := e.env(alias)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, envV4+env.id, nil)
	})

	sc.Then(`^the answer describes the environment "([^"]*)" as "([^"]*)", owned by the caller$`, func(ctx context.Context, alias, visibility string) error {
		o, env, err := e.answered(alias)
		if err != nil {
			return err
		}
		self, err := w.mustGetObject(ctx, "/v4/users/self", env.cred)
		if err != nil {
			return err
		}
		me, err := self.nonEmpty("userName")
		if err != nil {
			return err
		}
		c := o.check().equal("id", env.id).equal("name", env.name).equal("visibility", strings.ToLower(visibility))
		c.in("owner").equal("username", me)
		return c.err()
	})
	sc.Then(`^the answer describes the environment "([^"]*)" as "([^"]*)", with no owner$`, func(alias, visibility string) error {
		o, env, err := e.answered(alias)
		if err != nil {
			return err
		}
		if err := o.check().equal("id", env.id).equal("name", env.name).equal("visibility", visibility).err(); err != nil {
			return err
		}
		if owner, ok := o["owner"]; ok && owner != nil {
			return fmt.Errorf("a %s environment has the owner %v", visibility, owner)
		}
		return nil
	})
	sc.Then(`^the answer describes the environment "([^"]*)" as archived$`, func(alias string) error {
		o, env, err := e.answered(alias)
		if err != nil {
			return err
		}
		return o.check().equal("id", env.id).apply(isArchived).err()
	})
	sc.Then(`^its latest revision is number 1$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.check().in("environment").in("latestRevision").objectID("id").apply(numbered(1)).err()
	})
	sc.Then(`^the new revision is number (\d+)$`, func(n int) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.check().in("environmentRevision").objectID("id").apply(numbered(n)).err()
	})
	sc.Then(`^the answer names that revision$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		for _, env := range e.envs {
			if id, _ := o.str("id"); id == env.revisions[0] {
				return nil
			}
		}
		return fmt.Errorf("the answer names no revision the scenario restricted: %s", w.resp)
	})
	sc.Then(`^the v4 API shows the latest revision of the environment "([^"]*)"$`, func(ctx context.Context, alias string) error {
		o, env, err := e.v4(ctx, alias)
		if err != nil {
			return err
		}
		return o.check().in("latestRevision").equal("id", env.revisions[len(env.revisions)-1]).apply(numbered(len(env.revisions))).err()
	})
	sc.Then(`^the v4 API shows the first revision of the environment "([^"]*)" as the (restricted|active) one$`, func(ctx context.Context, alias, which string) error {
		o, env, err := e.v4(ctx, alias)
		if err != nil {
			return err
		}
		field := map[string]string{"restricted": "restrictedRevision", "active": "selectedRevision"}[which]
		c := o.check()
		c.in(field).equal("id", env.revisions[0]).apply(numbered(1))
		c.in("latestRevision").apply(numbered(len(env.revisions)))
		return c.err()
	})
	sc.Then(`^the v4 API shows the environment "([^"]*)" as archived$`, func(ctx context.Context, alias string) error {
		o, _, err := e.v4(ctx, alias)
		if err != nil {
			return err
		}
		return o.check().apply(isArchived).err()
	})
	sc.Then(`^the list does not include the environment "([^"]*)"$`, func(alias string) error {
		env, err := e.env(alias)
		if err != nil {
			return err
		}
		for _, o := range e.list {
			if id, _ := o.str("id"); id == env.id {
				return fmt.Errorf("the list includes %s (%s): %v", env.name, env.id, map[string]any(o))
			}
		}
		return nil
	})
	sc.Then(`^the answer is a global environment whose latest revision has a docker image$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		c := o.check().objectID("id").nonEmpty("name").equal("visibility", "Global")
		c.in("latestRevision").objectID("id").number("number")
		c.in("latestRevisionDetails").nonEmpty("dockerImage")
		return c.err()
	})
	sc.Then(`^the answer is a v1 list that includes the default environment$`, func(ctx context.Context) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		if err := o.equal("objectType", "list"); err != nil {
			return err
		}
		data, err := o.list("data")
		if err != nil {
			return err
		}
		def, err := w.mustGetObject(ctx, envV4+"defaultEnvironment", w.admin())
		if err != nil {
			return err
		}
		id, err := def.objectID("id")
		if err != nil {
			return err
		}
		for _, x := range data {
			m, _ := x.(map[string]any)
			if item := obj(m); item["id"] == id {
				return item.check().nonEmpty("name").equal("visibility", "Global").err()
			}
		}
		return fmt.Errorf("the v1 list does not include the default environment %s: %s", id, w.resp)
	})
	sc.Then(`^the answer names the environment "([^"]*)" by both _id and id$`, func(alias string) error {
		o, env, err := e.answered(alias)
		if err != nil {
			return err
		}
		return o.check().equal("_id", env.id).equal("name", env.name).err()
	})
	sc.Then(`^the project's selected environment is one it offers$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		selected, err := o.object("currentlySelectedEnvironment")
		if err != nil {
			return err
		}
		id, err := selected.nonEmpty("id")
		if err != nil {
			return err
		}
		return e.offers(o, id)
	})
	sc.Then(`^the project offers the environment "([^"]*)"$`, func(alias string) error {
		env, err := e.env(alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return e.offers(o, env.id)
	})
}

func envPath(api, id string) string {
	if api == "the public API" {
		return envPublic + id
	}
	return envV4 + id
}

func isArchived(o obj) error {
	archived, err := o.boolean("archived")
	if err == nil && !archived {
		err = fmt.Errorf("archived is false: %v", map[string]any(o))
	}
	return err
}

func numbered(n int) func(obj) error {
	return func(o obj) error {
		got, err := o.number("number")
		if err == nil && got != float64(n) {
			err = fmt.Errorf("revision number %v, want %d: %v", got, n, map[string]any(o))
		}
		return err
	}
}

func (e *envSteps) env(alias string) (*environment, error) {
	env, ok := e.envs[alias]
	if !ok {
		return nil, fmt.Errorf("the scenario has no environment %q", alias)
	}
	return env, nil
}

// definition is a revision's definition as python-domino sends it, built
// from the default environment's image.
func (e *envSteps) definition(ctx context.Context, cred Credential) (map[string]any, error) {
	def, err := e.w.mustGetObject(ctx, envV4+"defaultEnvironment", cred)
	if err != nil {
		return nil, err
	}
	details, err := def.object("latestRevisionDetails")
	if err != nil {
		return nil, err
	}
	image, err := details.nonEmpty("dockerImage")
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"dockerfileInstructions": "", "environmentVariables": []any{}, "image": image, "postRunScript": "",
		"postSetupScript": "", "preRunScript": "", "preSetupScript": "", "skipCache": false, "summary": "conformance",
		"supportedClusters": []any{}, "tags": []any{}, "useVpn": false, "workspaceTools": []any{},
	}, nil
}

// create asks to create an environment named after alias; when the target
// makes it (rightly or not) it is remembered and archived after the
// scenario, by whoever made it.
func (e *envSteps) create(ctx context.Context, who, visibility, alias string, v1 bool) error {
	w := e.w
	cred, err := w.caller(ctx, who)
	if err != nil {
		return err
	}
	body, err := e.definition(ctx, cred)
	if err != nil {
		return err
	}
	name := w.uniqueName(alias)
	path := envsBeta
	if v1 {
		path, body = "/v1/environments", map[string]any{"name": name, "visibility": visibility, "image": body["image"]}
	} else {
		body["name"], body["visibility"], body["description"] = name, visibility, "made by the conformance suite"
		body["addBaseDependencies"], body["isRestricted"] = true, false
	}
	r, err := w.call(ctx, http.MethodPost, path, cred, body)
	if err != nil || r.Status/100 != 2 {
		return err
	}
	o, err := r.Object()
	if err != nil {
		return err
	}
	if !v1 {
		if o, err = o.object("environment"); err != nil {
			return err
		}
	}
	id, err := o.objectID("id")
	if err != nil {
		return err
	}
	env := &environment{id: id, name: name, cred: cred}
	e.envs[alias] = env
	w.undoAfterwards("archive environment "+name, http.MethodDelete, envPublic+id, cred)
	// Its first revision, as the v4 API names it (the v1 answer does not).
	details, err := w.mustGetObject(ctx, envV4+id, cred)
	if err != nil {
		return err
	}
	latest, err := details.object("latestRevision")
	if err != nil {
		return err
	}
	rev, err := latest.objectID("id")
	env.revisions = []string{rev}
	return err
}

// answered is the last answer as an environment, unwrapped from the public
// API's envelope, with the environment alias names.
func (e *envSteps) answered(alias string) (obj, *environment, error) {
	o, err := okObject(e.w.resp)
	if err != nil {
		return nil, nil, err
	}
	if inner, err := o.object("environment"); err == nil {
		o = inner
	}
	env, err := e.env(alias)
	return o, env, err
}

// v4 is the environment alias names as GET /v4/environments/{id} shows it
// to whoever made it.
func (e *envSteps) v4(ctx context.Context, alias string) (obj, *environment, error) {
	env, err := e.env(alias)
	if err != nil {
		return nil, nil, err
	}
	o, err := e.w.mustGetObject(ctx, envV4+env.id, env.cred)
	return o, env, err
}

// offers checks that a project's usable environments include id.
func (e *envSteps) offers(o obj, id string) error {
	list, err := o.list("environments")
	if err != nil {
		return err
	}
	for _, x := range list {
		if m, _ := x.(map[string]any); m["id"] == id {
			return nil
		}
	}
	return fmt.Errorf("the project does not offer the environment %s: %s", id, e.w.resp)
}
