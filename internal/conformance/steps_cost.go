package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/cucumber/godog"
)

// Steps of cost.feature: budgets, the budget alert settings, billing tags
// and projects' billing tags, called as python-domino calls them. These
// are global settings of a Domino: each step that changes one reads it
// first and puts it back after the scenario; overrides are deleted after
// it, billing tags archived (Domino deletes none).

const (
	budgetDefaults  = "/v4/cost/budgets/defaults"
	budgetOverrides = "/v4/cost/budgets/overrides"
	budgetAlerts    = "/v4/cost/budgets/global/alertsSettings"
	billingTags     = "/v4/cost/billingtags"
	billingSettings = "/v4/cost/billingtagSettings"
	billingMode     = "/v4/cost/billingtagSettings/mode"
	projectsByTag   = "/v4/projects/billingtags/projects"
)

// costSteps is what one scenario's cost steps remember.
type costSteps struct {
	w         *world
	tags      map[string]string // billing tag alias → name
	overrides map[string]string // project alias → the label of its override
}

func registerCostSteps(sc *godog.ScenarioContext, w *world) {
	c := &costSteps{w: w, tags: map[string]string{}, overrides: map[string]string{}}

	// Budgets.
	sc.When(`^the administrator sets the default "([^"]*)" budget to (-?[0-9.]+)$`, func(ctx context.Context, label string, limit float64) error {
		if err := c.restoreDefaultAfterwards(ctx, label); err != nil {
			return err
		}
		_, err := w.call(ctx, http.MethodPut, budgetDefaults+"/"+url.PathEscape(label), w.admin(),
			map[string]any{"budgetLabel": label, "budgetType": "Default", "limit": limit, "window": "monthly"})
		return err
	})
	sc.When(`^the administrator overrides the "([^"]*)" budget of the project "([^"]*)" with (-?[0-9.]+)$`, func(ctx context.Context, label, alias string, limit float64) error {
		return c.override(ctx, label, alias, limit)
	})
	sc.Given(`^the administrator has overridden the "([^"]*)" budget of the project "([^"]*)" with ([0-9.]+)$`, func(ctx context.Context, label, alias string, limit float64) error {
		if err := c.override(ctx, label, alias, limit); err != nil {
			return err
		}
		return expectStatus(w.resp, http.StatusOK)
	})
	sc.When(`^the administrator changes the override of the project "([^"]*)" to ([0-9.]+)$`, func(ctx context.Context, alias string, limit float64) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodPut, budgetOverrides+"/"+p.id, w.admin(), budgetBody(c.overrides[alias], p.id, limit))
		return err
	})
	sc.When(`^the administrator deletes the override of the project "([^"]*)"$`, func(ctx context.Context, alias string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodDelete, budgetOverrides+"/"+p.id, w.admin(), nil)
		return err
	})
	sc.When(`^`+callerRE+` (lists the default budgets|lists the budget overrides|reads the budget alert settings|reads the billing tag settings)$`, func(ctx context.Context, who, what string) error {
		path := map[string]string{"lists the default budgets": budgetDefaults, "lists the budget overrides": budgetOverrides,
			"reads the budget alert settings": budgetAlerts, "reads the billing tag settings": billingSettings}[what]
		return w.callAs(ctx, who, http.MethodGet, path, nil)
	})
	sc.When(`^the administrator turns budget alerts on, with "([^"]*)" alerted for "([^"]*)" budgets$`, func(ctx context.Context, email, label string) error {
		settings, err := w.mustGetObject(ctx, budgetAlerts, w.admin())
		if err != nil {
			return err
		}
		w.afterwards("put back the budget alert settings", func(ctx context.Context) error {
			_, err := w.must(ctx, http.MethodPut, budgetAlerts, w.admin(), map[string]any(settings), http.StatusOK)
			return err
		})
		// As python-domino's budget_alerts_settings_update and
		// budget_alerts_targets_update change what they read.
		targets, err := settings.list("alertTargets")
		if err != nil {
			return err
		}
		changed := []any{}
		found := false
		for _, t := range targets {
			if m, ok := t.(map[string]any); ok && m["label"] == label {
				t, found = map[string]any{"label": label, "emails": []string{email}}, true
			}
			changed = append(changed, t)
		}
		if !found {
			changed = append(changed, map[string]any{"label": label, "emails": []string{email}})
		}
		body := map[string]any{}
		for k, v := range settings {
			body[k] = v
		}
		body["alertsEnabled"], body["alertTargets"] = true, changed
		_, err = w.call(ctx, http.MethodPut, budgetAlerts, w.admin(), body)
		return err
	})

	// Billing tags and the mode.
	sc.Given(`^the billing tag "([^"]*)"$`, func(ctx context.Context, alias string) error {
		if err := c.createTags(ctx, "the administrator", alias); err != nil {
			return err
		}
		return expectStatus(w.resp, http.StatusOK)
	})
	sc.Given(`^the archived billing tag "([^"]*)"$`, func(ctx context.Context, alias string) error {
		if err := c.createTags(ctx, "the administrator", alias); err != nil {
			return err
		}
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		_, err := w.must(ctx, http.MethodDelete, billingTags+"/"+url.PathEscape(c.tags[alias]), w.admin(), nil, http.StatusOK)
		return err
	})
	sc.Given(`^no billing tag "([^"]*)"$`, func(alias string) error {
		c.tags[alias] = w.uniqueName(alias) // a name no run made
		return nil
	})
	sc.When(`^`+callerRE+` creates the billing tags? "([^"]*)"(?: and "([^"]*)")?$`, func(ctx context.Context, who, a1, a2 string) error {
		return c.createTags(ctx, who, a1, a2)
	})
	sc.When(`^the administrator archives the billing tag "([^"]*)"$`, func(ctx context.Context, alias string) error {
		name, err := c.tag(alias)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodDelete, billingTags+"/"+url.PathEscape(name), w.admin(), nil)
		return err
	})
	sc.When(`^`+callerRE+` lists the active billing tags$`, func(ctx context.Context, who string) error {
		return w.callAs(ctx, who, http.MethodGet, billingTags, nil)
	})
	sc.When(`^`+callerRE+` sets the billing tag mode to "([^"]*)"$`, func(ctx context.Context, who, mode string) error {
		if err := c.restoreModeAfterwards(ctx); err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodPut, billingMode, map[string]string{"mode": mode})
	})
	sc.Given(`^the billing tag mode is "([^"]*)"$`, func(ctx context.Context, mode string) error {
		if err := c.restoreModeAfterwards(ctx); err != nil {
			return err
		}
		_, err := w.must(ctx, http.MethodPut, billingMode, w.admin(), map[string]string{"mode": mode}, http.StatusOK)
		return err
	})

	// Projects' billing tags.
	sc.When(`^the administrator creates a project "([^"]*)" charged to the billing tag "([^"]*)"$`, func(ctx context.Context, alias, tag string) error {
		name, err := c.tag(tag)
		if err != nil {
			return err
		}
		return w.createProject(ctx, "the administrator", alias, map[string]any{"billingTag": map[string]string{"tag": name}})
	})
	sc.Given(`^a project "([^"]*)" charged to the billing tag "([^"]*)"$`, func(ctx context.Context, alias, tag string) error {
		name, err := c.tag(tag)
		if err != nil {
			return err
		}
		if err := w.givenProject(ctx, alias, map[string]any{}); err != nil {
			return err
		}
		path, err := w.projectPath(alias, "/billingtag")
		if err != nil {
			return err
		}
		_, err = w.must(ctx, http.MethodPost, path, w.admin(), map[string]string{"tag": name}, http.StatusOK)
		return err
	})
	sc.When(`^`+callerRE+` asks for the billing tag of the project "([^"]*)"$`, func(ctx context.Context, who, alias string) error {
		path, err := w.projectPath(alias, "/billingtag")
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, path, nil)
	})
	sc.When(`^the administrator charges the project "([^"]*)" to the billing tag "([^"]*)"$`, func(ctx context.Context, alias, tag string) error {
		name, err := c.tag(tag)
		if err != nil {
			return err
		}
		path, err := w.projectPath(alias, "/billingtag")
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodPost, path, w.admin(), map[string]string{"tag": name})
		return err
	})
	sc.When(`^the administrator takes the billing tag of the project "([^"]*)" away$`, func(ctx context.Context, alias string) error {
		path, err := w.projectPath(alias, "/billingtag")
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodDelete, path, w.admin(), nil)
		return err
	})
	sc.When(`^the administrator charges the projects "([^"]*)" and "([^"]*)" to the billing tag "([^"]*)" at once$`, func(ctx context.Context, a1, a2, tag string) error {
		name, err := c.tag(tag)
		if err != nil {
			return err
		}
		var entries []map[string]any
		for _, alias := range []string{a1, a2} {
			p, err := w.madeProject(alias)
			if err != nil {
				return err
			}
			entries = append(entries, map[string]any{"projectId": p.id, "billingTag": map[string]string{"tag": name}})
		}
		_, err = w.call(ctx, http.MethodPost, projectsByTag, w.admin(), map[string]any{"projectsBillingTags": entries})
		return err
	})
	sc.When(`^the administrator lists the projects charged to the billing tag "([^"]*)"$`, func(ctx context.Context, tag string) error {
		name, err := c.tag(tag)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, projectsByTag+"?"+byTagQuery(name), w.admin(), nil)
		return err
	})

	// Budgets' answers.
	sc.Then(`^the answer is the default "([^"]*)" budget of ([0-9.]+)$`, func(label string, limit float64) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.check().equal("budgetLabel", label).apply(limited(limit)).err()
	})
	sc.Then(`^the default budgets list the three labels, "([^"]*)" with ([0-9.]+)$`, func(ctx context.Context, label string, limit float64) error {
		r, err := w.must(ctx, http.MethodGet, budgetDefaults, w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		list, err := r.Array()
		if err != nil {
			return err
		}
		var labels []string
		for _, b := range list {
			l, err := b.str("budgetLabel")
			if err != nil {
				return err
			}
			labels = append(labels, l)
			if l == label {
				if err := limited(limit)(b); err != nil {
					return err
				}
			}
		}
		slices.Sort(labels)
		if !slices.Equal(labels, []string{"BillingTag", "Organization", "Project"}) {
			return fmt.Errorf("the default budgets are of %v, want BillingTag, Organization and Project once each: %s", labels, r)
		}
		return nil
	})
	sc.Then(`^the answer is an? "([^"]*)" override of ([0-9.]+) for the project "([^"]*)"$`, func(label string, limit float64, alias string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.check().equal("labelId", p.id).equal("budgetLabel", label).apply(limited(limit)).err()
	})
	sc.Then(`^the budget overrides list the project "([^"]*)" with ([0-9.]+)$`, func(ctx context.Context, alias string, limit float64) error {
		o, err := c.listedOverride(ctx, alias)
		if err == nil && o == nil {
			err = fmt.Errorf("the budget overrides do not list the project %q: %s", alias, w.resp)
		}
		if err != nil {
			return err
		}
		return limited(limit)(o)
	})
	sc.Then(`^the budget overrides do not list the project "([^"]*)"$`, func(ctx context.Context, alias string) error {
		o, err := c.listedOverride(ctx, alias)
		if err == nil && o != nil {
			err = fmt.Errorf("the budget overrides still list the project %q: %v", alias, map[string]any(o))
		}
		return err
	})
	sc.Then(`^the budget alert settings have alerts on and "([^"]*)" for "([^"]*)"$`, func(ctx context.Context, email, label string) error {
		o, err := w.mustGetObject(ctx, budgetAlerts, w.admin())
		if err != nil {
			return err
		}
		if on, err := o.boolean("alertsEnabled"); err != nil || !on {
			return fmt.Errorf("alerts are not on (%v): %v", err, map[string]any(o))
		}
		targets, err := o.list("alertTargets")
		if err != nil {
			return err
		}
		for _, t := range targets {
			if m, ok := t.(map[string]any); ok && m["label"] == label {
				emails, _ := m["emails"].([]any)
				if len(emails) == 1 && emails[0] == email {
					return nil
				}
				return fmt.Errorf("the %s budgets alert %v, want just %s", label, emails, email)
			}
		}
		return fmt.Errorf("no alert target for %s budgets: %v", label, map[string]any(o))
	})

	// Billing tags' answers.
	sc.Then(`^the answer lists the billing tags? "([^"]*)"(?: and "([^"]*)")?$`, func(a1, a2 string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return c.holds(o, true, a1, a2)
	})
	sc.Then(`^the billing tag "([^"]*)" is (active|not active)$`, func(ctx context.Context, alias, state string) error {
		name, err := c.tag(alias)
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, billingTags+"/"+url.PathEscape(name), w.admin())
		if err != nil {
			return err
		}
		return isBillingTag(o, name, state == "active")
	})
	sc.Then(`^the answer is the billing tag "([^"]*)", not active$`, func(alias string) error {
		name, err := c.tag(alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return isBillingTag(o, name, false)
	})
	sc.Then(`^the active billing tags (include|do not include) "([^"]*)"(?: and "([^"]*)")?$`, func(ctx context.Context, which, a1, a2 string) error {
		o, err := w.mustGetObject(ctx, billingTags, w.admin())
		if err != nil {
			return err
		}
		return c.holds(o, which == "include", a1, a2)
	})
	sc.Then(`^the answer is the mode "([^"]*)"$`, func(mode string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.equal("mode", mode)
	})
	sc.Then(`^the billing tag settings and the mode both say "([^"]*)"$`, func(ctx context.Context, mode string) error {
		for _, path := range []string{billingSettings, billingMode} {
			o, err := w.mustGetObject(ctx, path, w.admin())
			if err != nil {
				return err
			}
			if err := o.equal("mode", mode); err != nil {
				return fmt.Errorf("GET %s: %w", path, err)
			}
		}
		return nil
	})

	// Projects' billing tags' answers.
	sc.Then(`^the billing tag of the project "([^"]*)" is "([^"]*)"$`, func(ctx context.Context, alias, tag string) error {
		name, err := c.tag(tag)
		if err != nil {
			return err
		}
		o, err := c.projectTag(ctx, alias)
		if err == nil && o == nil {
			err = fmt.Errorf("the project %q has no billing tag, want %s", alias, name)
		}
		if err != nil {
			return err
		}
		return o.equal("tag", name)
	})
	sc.Then(`^the project "([^"]*)" has no billing tag$`, func(ctx context.Context, alias string) error {
		o, err := c.projectTag(ctx, alias)
		if err == nil && o != nil {
			err = fmt.Errorf("the project %q has the billing tag %v, want none", alias, map[string]any(o))
		}
		return err
	})
	sc.Then(`^the answer is the project "([^"]*)" charged to "([^"]*)"$`, func(alias, tag string) error {
		p, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		name, err := c.tag(tag)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		ch := o.check().equal("id", p.id)
		ch.in("billingTag").equal("tag", name)
		return ch.err()
	})
	sc.Then(`^the page holds exactly the project "([^"]*)", charged to "([^"]*)"$`, func(alias, tag string) error {
		return c.page(w.resp, tag, alias)
	})
	sc.Then(`^listing the projects charged to the billing tag "([^"]*)" gives "([^"]*)" and "([^"]*)"$`, func(ctx context.Context, tag, a1, a2 string) error {
		name, err := c.tag(tag)
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, projectsByTag+"?"+byTagQuery(name), w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		return c.page(r, tag, a1, a2)
	})
}

// byTagQuery is python-domino's projects_by_billing_tag query for one tag.
func byTagQuery(name string) string {
	return url.Values{"billingTag": {name}, "offset": {"0"}, "pageSize": {"10"}, "missingBillingTagOnly": {"false"}}.Encode()
}

func budgetBody(label, labelID string, limit float64) map[string]any {
	return map[string]any{"budgetLabel": label, "budgetType": "Override", "labelId": labelID, "limit": limit, "window": "monthly"}
}

// limited checks a budget's limit.
func limited(limit float64) func(obj) error {
	return func(o obj) error {
		got, err := o.number("limit")
		if err == nil && got != limit {
			err = fmt.Errorf("the limit is %v, want %v: %v", got, limit, map[string]any(o))
		}
		return err
	}
}

// isBillingTag checks a {"billingTag": {"tag", "active"}} answer.
func isBillingTag(o obj, name string, active bool) error {
	t, err := o.object("billingTag")
	if err != nil {
		return err
	}
	if err := t.equal("tag", name); err != nil {
		return err
	}
	got, err := t.boolean("active")
	if err == nil && got != active {
		err = fmt.Errorf("the billing tag %s is active: %v, want %v", name, got, active)
	}
	return err
}

func (c *costSteps) tag(alias string) (string, error) {
	name, ok := c.tags[alias]
	if !ok {
		return "", fmt.Errorf("the scenario has no billing tag %q", alias)
	}
	return name, nil
}

// createTags asks to create billing tags named after the aliases; the
// ones the target makes (rightly or not) are archived after the scenario.
func (c *costSteps) createTags(ctx context.Context, who string, aliases ...string) error {
	var names []string
	for _, alias := range aliases {
		if alias != "" {
			c.tags[alias] = c.w.uniqueName(alias)
			names = append(names, c.tags[alias])
		}
	}
	if err := c.w.callAs(ctx, who, http.MethodPost, billingTags, map[string]any{"billingTags": names}); err != nil {
		return err
	}
	if c.w.resp.Status/100 == 2 {
		for _, name := range names {
			c.w.undoAfterwards("archive billing tag "+name, http.MethodDelete, billingTags+"/"+url.PathEscape(name), c.w.admin())
		}
	}
	return nil
}

// holds checks that {"billingTags": [{"tag"}…]} lists (or does not list)
// the tags the aliases name.
func (c *costSteps) holds(o obj, want bool, aliases ...string) error {
	list, err := o.list("billingTags")
	if err != nil {
		return err
	}
	for _, alias := range aliases {
		if alias == "" {
			continue
		}
		name, err := c.tag(alias)
		if err != nil {
			return err
		}
		found := slices.ContainsFunc(list, func(x any) bool {
			m, _ := x.(map[string]any)
			return m["tag"] == name
		})
		if found != want {
			return fmt.Errorf("the billing tags list %s: %v, want %v: %v", name, found, want, list)
		}
	}
	return nil
}

// override asks to override a made project's budget; one the target makes
// is deleted after the scenario.
func (c *costSteps) override(ctx context.Context, label, alias string, limit float64) error {
	w := c.w
	p, err := w.madeProject(alias)
	if err != nil {
		return err
	}
	c.overrides[alias] = label
	if _, err := w.call(ctx, http.MethodPost, budgetOverrides, w.admin(), budgetBody(label, p.id, limit)); err != nil {
		return err
	}
	if w.resp.Status/100 == 2 {
		w.undoAfterwards("delete the budget override of "+p.name, http.MethodDelete, budgetOverrides+"/"+p.id, w.admin())
	}
	return nil
}

// listedOverride is the override of a made project in the list, nil if
// none is.
func (c *costSteps) listedOverride(ctx context.Context, alias string) (obj, error) {
	p, err := c.w.madeProject(alias)
	if err != nil {
		return nil, err
	}
	r, err := c.w.must(ctx, http.MethodGet, budgetOverrides, c.w.admin(), nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return find(r, "labelId", p.id)
}

// restoreDefaultAfterwards puts a label's default budget back as it is
// now after the scenario.
func (c *costSteps) restoreDefaultAfterwards(ctx context.Context, label string) error {
	w := c.w
	r, err := w.must(ctx, http.MethodGet, budgetDefaults, w.admin(), nil, http.StatusOK)
	if err != nil {
		return err
	}
	b, err := findListed(r, "budgetLabel", label, "no default budget has the label "+label)
	if err != nil {
		return err
	}
	limit := b["limit"] // a number, or null: no limit
	w.afterwards("put back the default "+label+" budget", func(ctx context.Context) error {
		_, err := w.must(ctx, http.MethodPut, budgetDefaults+"/"+url.PathEscape(label), w.admin(),
			map[string]any{"budgetLabel": label, "budgetType": "Default", "limit": limit, "window": "monthly"}, http.StatusOK)
		return err
	})
	return nil
}

// restoreModeAfterwards puts the billing tag mode back as it is now after
// the scenario.
func (c *costSteps) restoreModeAfterwards(ctx context.Context) error {
	w := c.w
	o, err := w.mustGetObject(ctx, billingMode, w.admin())
	if err != nil {
		return err
	}
	mode, err := o.nonEmpty("mode")
	if err != nil {
		return err
	}
	w.afterwards("put back the billing tag mode "+mode, func(ctx context.Context) error {
		_, err := w.must(ctx, http.MethodPut, billingMode, w.admin(), map[string]string{"mode": mode}, http.StatusOK)
		return err
	})
	return nil
}

// projectTag is a made project's billing tag as the administrator reads
// it: nil for none (python-domino reads null as None).
func (c *costSteps) projectTag(ctx context.Context, alias string) (obj, error) {
	path, err := c.w.projectPath(alias, "/billingtag")
	if err != nil {
		return nil, err
	}
	r, err := c.w.must(ctx, http.MethodGet, path, c.w.admin(), nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	if string(r.Body) == "null" {
		return nil, nil
	}
	return r.Object()
}

// page checks a page of projects by billing tag: exactly the projects
// named, each charged to the tag.
func (c *costSteps) page(r *Response, tag string, aliases ...string) error {
	name, err := c.tag(tag)
	if err != nil {
		return err
	}
	o, err := okObject(r)
	if err != nil {
		return err
	}
	total, err := o.number("totalMatches")
	if err != nil {
		return err
	}
	page, err := o.list("page")
	if err != nil {
		return err
	}
	if int(total) != len(aliases) || len(page) != len(aliases) {
		return fmt.Errorf("%v matches, %d on the page, want %d: %s", total, len(page), len(aliases), r)
	}
	var want, got []string
	for _, alias := range aliases {
		p, err := c.w.madeProject(alias)
		if err != nil {
			return err
		}
		want = append(want, p.id)
	}
	for i, x := range page {
		m, _ := x.(map[string]any)
		p := obj(m)
		ch := p.check().objectID("id")
		ch.in("billingTag").equal("tag", name)
		if err := ch.err(); err != nil {
			return fmt.Errorf("page[%s]: %w", strconv.Itoa(i), err)
		}
		id, _ := p.str("id")
		got = append(got, id)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		return fmt.Errorf("the page holds %v, want %v: %s", got, want, r)
	}
	return nil
}
