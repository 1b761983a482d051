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

// Steps of apps.feature. Apps are made in the scenario's own project, the
// way python-domino makes them; every app a scenario made is stopped after
// it (before its project is archived: cleanups run newest first).

const modelProducts = "/v4/modelProducts"

// madeApp is an app the scenario made.
type madeApp struct {
	alias, name, id string
}

type appSteps struct {
	w    *world
	apps map[string]*madeApp // by alias
}

func registerAppSteps(sc *godog.ScenarioContext, w *world) {
	a := &appSteps{w: w, apps: map[string]*madeApp{}}
	sc.When(`^`+callerRE+` creates an app "([^"]*)" in the project the way python-domino does$`, func(ctx context.Context, who, alias string) error {
		return a.create(ctx, who, alias, w.uniqueName(alias))
	})
	sc.Given(`^the administrator has created an app "([^"]*)"$`, func(ctx context.Context, alias string) error {
		if err := a.create(ctx, "the administrator", alias, w.uniqueName(alias)); err != nil {
			return err
		}
		if w.resp.Status != http.StatusOK {
			return fmt.Errorf("precondition failed: creating app %s: %s", alias, w.resp)
		}
		return nil
	})
	sc.When(`^the administrator creates another app with the name of "([^"]*)"$`, func(ctx context.Context, alias string) error {
		app, err := a.app(alias)
		if err != nil {
			return err
		}
		return a.create(ctx, "the administrator", alias+"-again", app.name)
	})
	sc.When(`^`+callerRE+` publishes the app "([^"]*)" the way python-domino does$`, func(ctx context.Context, who, alias string) error {
		return a.publish(ctx, who, alias)
	})
	sc.Given(`^the administrator has published the app "([^"]*)"$`, func(ctx context.Context, alias string) error {
		if err := a.publish(ctx, "the administrator", alias); err != nil {
			return err
		}
		return expectStatus(w.resp, http.StatusOK)
	})
	sc.When(`^`+callerRE+` stops the app "([^"]*)"$`, func(ctx context.Context, who, alias string) error {
		app, err := a.app(alias)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodPost, modelProducts+"/"+app.id+"/stop", nil)
	})
	sc.When(`^`+callerRE+` views the app "([^"]*)"$`, func(ctx context.Context, who, alias string) error {
		app, err := a.app(alias)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, modelProducts+"/"+app.id, nil)
	})
	sc.When(`^`+callerRE+` lists the project's apps$`, func(ctx context.Context, who string) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, modelProducts+"?"+url.Values{"projectId": {p.id}}.Encode(), nil)
	})
	sc.When(`^the administrator views an app that does not exist$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, modelProducts+"/"+randomObjectID(), w.admin(), nil)
		return err
	})
	sc.When(`^the administrator views the app with the id "([^"]*)"$`, func(ctx context.Context, id string) error {
		_, err := w.call(ctx, http.MethodGet, modelProducts+"/"+url.PathEscape(id), w.admin(), nil)
		return err
	})

	sc.Then(`^the answer describes the app "([^"]*)" in the project$`, func(ctx context.Context, alias string) error {
		app, err := a.app(alias)
		if err != nil {
			return err
		}
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		c := o.check().equal("id", app.id).equal("projectId", p.id).equal("name", app.name).
			equal("modelProductType", "APP").str("status").list("media", "tags")
		c.in("permissionsData").str("visibility")
		c.in("stats").number("usageCount")
		return c.err()
	})
	sc.Then(`^the first app the project lists is "([^"]*)"$`, func(ctx context.Context, alias string) error {
		// python-domino's app_id: the id of the list's first app.
		app, err := a.app(alias)
		if err != nil {
			return err
		}
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, modelProducts+"?"+url.Values{"projectId": {p.id}}.Encode(), w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		list, err := r.Array()
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return fmt.Errorf("the project lists no app: %s", r)
		}
		return list[0].equal("id", app.id)
	})
	sc.Then(`^the start is answered with an id$`, func() error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		var id string
		if err := json.Unmarshal(w.resp.Body, &id); err != nil || !objectIDRE.MatchString(id) {
			return fmt.Errorf("expected a JSON string holding an id (the spec's DominoId): %s", w.resp)
		}
		return nil
	})
	sc.Then(`^the app is "([^"]*)"$`, func(status string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.equal("status", status)
	})
	sc.Then(`^the app "([^"]*)" is eventually "([^"]*)"$`, func(ctx context.Context, alias, status string) error {
		return a.await(ctx, alias, status)
	})
}

func (a *appSteps) app(alias string) (*madeApp, error) {
	app, ok := a.apps[alias]
	if !ok {
		return nil, fmt.Errorf("the scenario has made no app %q", alias)
	}
	return app, nil
}

// create posts python-domino's __app_create payload; whatever the target
// creates is stopped afterwards.
func (a *appSteps) create(ctx context.Context, who, alias, name string) error {
	w := a.w
	p, err := w.project(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UnixNano()
	body := map[string]any{
		"modelProductType": "APP", "projectId": p.id, "name": name, "owner": "",
		"created": now, "lastUpdated": now, "status": "", "media": []any{}, "openUrl": "", "tags": []any{},
		"stats": map[string]any{"usageCount": 0}, "appExtension": map[string]any{"appType": ""},
		"id": "000000000000000000000000",
		"permissionsData": map[string]any{"visibility": "GRANT_BASED", "accessRequestStatuses": map[string]any{},
			"pendingInvitations": []any{}, "discoverable": true, "appAccessStatus": "ALLOWED"},
	}
	if err := w.callAs(ctx, who, http.MethodPost, modelProducts, body); err != nil {
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
		return fmt.Errorf("a created app: %w", err)
	}
	a.apps[alias] = &madeApp{alias: alias, name: name, id: id}
	w.undoAfterwards("stop app "+name, http.MethodPost, modelProducts+"/"+id+"/stop", w.admin())
	return nil
}

// publish starts an app as python-domino's app_publish does with no
// hardware tier, environment, commit or branch: an empty StartParams.
func (a *appSteps) publish(ctx context.Context, who, alias string) error {
	app, err := a.app(alias)
	if err != nil {
		return err
	}
	return a.w.callAs(ctx, who, http.MethodPost, modelProducts+"/"+app.id+"/start", map[string]any{})
}

// await reads the app until its status is want, for as long as a job may
// take (--job-timeout).
func (a *appSteps) await(ctx context.Context, alias, want string) error {
	app, err := a.app(alias)
	if err != nil {
		return err
	}
	w := a.w
	deadline := time.Now().Add(w.run.jobTimeout)
	wait := 20 * time.Millisecond
	for {
		o, err := w.mustGetObject(ctx, modelProducts+"/"+app.id, w.admin())
		if err != nil {
			return err
		}
		status, err := o.str("status")
		if err != nil {
			return err
		}
		if status == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the app is %q, not %q, after %s", status, want, w.run.jobTimeout)
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
}
