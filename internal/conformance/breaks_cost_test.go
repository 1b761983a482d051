package conformance

// Deliberate breaks of the cost controls (cost.feature), joining
// breakRules: each is caught by the scenarios named.

import (
	"encoding/json"
	"net/http"
)

func init() { breakRules = append(breakRules, costBreakRules...) }

var (
	budgetDefaultsRE    = re(`^/v4/cost/budgets/defaults$`)
	budgetDefaultRE     = re(`^/v4/cost/budgets/defaults/[^/]+$`)
	budgetOverridesRE   = re(`^/v4/cost/budgets/overrides$`)
	budgetOverrideRE    = re(`^/v4/cost/budgets/overrides/[^/]+$`)
	budgetAlertsRE      = re(`^/v4/cost/budgets/global/alertsSettings$`)
	billingTagsRE       = re(`^/v4/cost/billingtags$`)
	billingTagRE        = re(`^/v4/cost/billingtags/[^/]+$`)
	billingSettingsRE   = re(`^/v4/cost/billingtagSettings(/mode)?$`)
	projectBillingTagRE = re(`^/v4/projects/[0-9a-f]{24}/billingtag$`)
	projectsByTagRE     = re(`^/v4/projects/billingtags/projects$`)
	costRouteRE         = re(`^/v4/cost/|^/v4/projects/[^/]+/billingtag$|^/v4/projects/billingtags/projects$`)
)

func v4Forbidden(r *http.Response) {
	respond(r, http.StatusForbidden, map[string]any{"message": "Forbidden", "success": false})
}

var costBreakRules = []breakRule{
	{name: "a default budget's limit is not kept", tags: "@cost", scenarios: `sets a label's default budget`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", budgetDefaultsRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) { o["limit"] = nil })
			}
		}},
	{name: "a negative default budget is accepted", tags: "@cost", scenarios: `negative default budget`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "PUT", budgetDefaultRE) && r.StatusCode == 400 {
				respond(r, 200, map[string]any{"budgetLabel": "Project", "budgetType": "Default", "limit": -1, "window": "monthly"})
			}
		}},
	{name: "a budget override is not listed", tags: "@cost", scenarios: `overrides one project's budget`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", budgetOverridesRE) && r.StatusCode == 200 {
				respond(r, 200, []any{})
			}
		}},
	{name: "an override's new limit is not kept", tags: "@cost", scenarios: `override's limit is changed`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "PUT", budgetOverrideRE) {
				return rewriteBody(body, "limit", 0.2048)
			}
			return body
		}},
	{name: "a deleted override stays", tags: "@cost", scenarios: `deleted override is no longer listed`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "DELETE", budgetOverrideRE) {
				out.Method = http.MethodGet
				setPath(out, "/v4/cost/budgets/overrides")
			}
			return body
		}},
	{name: "a negative override is accepted", tags: "@cost", scenarios: `negative override`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", budgetOverridesRE) && r.StatusCode == 400 {
				respond(r, 200, map[string]any{"labelId": randomObjectID(), "budgetLabel": "Project", "budgetType": "Override", "limit": -1, "window": "monthly"})
			}
		}},
	{name: "the budget alert targets are not kept", tags: "@cost", scenarios: `global budget alert settings`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "PUT", budgetAlertsRE) {
				return rewriteBody(body, "alertTargets", []any{})
			}
			return body
		}},
	{name: "a non-admin user manages budgets and billing tags", tags: "@cost", scenarios: `user may not`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if costRouteRE.MatchString(r.Request.URL.Path) && r.StatusCode == http.StatusForbidden {
				respond(r, 200, map[string]any{})
			}
		}},
	{name: "a new billing tag is not active", tags: "@cost", scenarios: `creates billing tags, which are active`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", billingTagRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) {
					if t, ok := o["billingTag"].(map[string]any); ok {
						t["active"] = false
					}
				})
			}
		}},
	{name: "new billing tags are not listed as active", tags: "@cost", scenarios: `creates billing tags, which are active`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", billingTagsRE) && r.StatusCode == 200 {
				respond(r, 200, map[string]any{"billingTags": []any{}})
			}
		}},
	{name: "archiving a billing tag does nothing", tags: "@cost", scenarios: `archived billing tag is no longer active`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "DELETE", billingTagRE) {
				out.Method = http.MethodGet
			}
			return body
		}},
	{name: "a user may not list the active billing tags", tags: "@cost", scenarios: `user lists the active billing tags`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", billingTagsRE) && b.nonAdmin(r.Request) {
				v4Forbidden(r)
			}
		}},
	{name: "the billing tag mode is not kept", tags: "@cost", scenarios: `sets the billing tag mode`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", billingSettingsRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) { o["mode"] = "Optional" })
			}
		}},
	{name: "the mode Required lets a project be made without a billing tag", tags: "@cost", scenarios: `mode Required, a new project needs`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", projectsRE) && r.StatusCode == 400 {
				respond(r, 200, map[string]any{"id": randomObjectID(), "name": "untagged"})
			}
		}},
	{name: "a new project's billing tag is dropped", tags: "@cost", scenarios: `new project is charged to the billing tag it names`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "POST", projectsRE) {
				return rewriteBody(body, "billingTag", nil)
			}
			return body
		}},
	{name: "a project without a billing tag reads one", tags: "@cost", scenarios: `made without a billing tag has none`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", projectBillingTagRE) && r.StatusCode == 200 {
				var v any
				if json.Unmarshal(peekBody(r), &v) == nil && v == nil {
					respond(r, 200, map[string]any{"tag": "someone-elses"})
				}
			}
		}},
	{name: "charging a project to a billing tag does nothing", tags: "@cost", scenarios: `A project is charged to a billing tag$`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "POST", projectBillingTagRE) {
				out.Method = http.MethodGet
			}
			return body
		}},
	{name: "a billing tag taken away stays", tags: "@cost", scenarios: `billing tag is taken away`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "DELETE", projectBillingTagRE) {
				out.Method = http.MethodGet
			}
			return body
		}},
	{name: "a project is charged to a billing tag that does not exist or is archived", tags: "@cost", scenarios: `not charged to a billing tag it may not have`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", projectBillingTagRE) && r.StatusCode == 400 {
				respond(r, 200, map[string]any{"id": randomObjectID()})
			}
		}},
	{name: "projects by billing tag ignore the tag", tags: "@cost", scenarios: `listed by billing tag`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", projectsByTagRE) {
				q := out.URL.Query()
				q.Del("billingTag")
				out.URL.RawQuery = q.Encode()
			}
			return body
		}},
	{name: "a bulk update charges only the first project", tags: "@cost", scenarios: `charged to a billing tag at once`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			var m map[string][]any
			if is(out, "POST", projectsByTagRE) && json.Unmarshal(body, &m) == nil && len(m["projectsBillingTags"]) > 1 {
				return rewriteBody(body, "projectsBillingTags", m["projectsBillingTags"][:1])
			}
			return body
		}},
}
