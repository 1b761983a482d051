package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Route cases of the cost controls (one per route, as routes_test.go has
// them for the others), added to routeCases when the package's tests start.
// The bodies are python-domino's, byte for byte where it matters (no
// Content-Type on the three it sends without one).
func init() {
	for name, c := range costRouteCases {
		if routeCases[name] != nil {
			panic("two route cases for " + name)
		}
		routeCases[name] = c
	}
}

const (
	costDefaults  = "/v4/cost/budgets/defaults"
	costOverrides = "/v4/cost/budgets/overrides"
	costAlerts    = "/v4/cost/budgets/global/alertsSettings"
	costTags      = "/v4/cost/billingtags"
	costSettings  = "/v4/cost/billingtagSettings"
	projectsByTag = "/v4/projects/billingtags/projects"
	override1     = "6626b3c64fa2ef89b5def375" // python-domino's live test's ids
	override2     = "6626b3cf9106c3938a2c5f01"
)

var (
	defaultBudgetFields  = map[string]string{"budgetLabel": "string", "budgetType": "string", "limit": "number", "window": "string"}
	overrideBudgetFields = map[string]string{"labelId": "id", "budgetLabel": "string", "budgetType": "string", "limit": "number", "window": "string"}
	tagStatusFields      = map[string]string{"tag": "string", "tagId": "id", "active": "bool"}
)

// noContentType: the header pair that sends a body without a Content-Type,
// as python-domino's requests do for a str body with no headers.
var noContentType = []string{"Content-Type", ""}

func withHeaders(a []string, b ...string) []string { return append(append([]string{}, a...), b...) }

// pyOverride is python-domino's _generate_budget.
func pyOverride(label, id string, limit float64) string {
	return fmt.Sprintf(`{"limit": %v, "labelId": %q, "window": "monthly", "budgetLabel": %q, "budgetType": "Override"}`, limit, id, label)
}

func (e *env) createTags(names ...string) {
	e.t.Helper()
	e.must(200, e.proxy, "POST", costTags, `{"billingTags":["`+strings.Join(names, `","`)+`"]}`)
}

// projectSummary checks a project answered by a billing-tag route: the
// project's shape, and its billing tag (none for "").
func projectSummary(t *testing.T, what string, m map[string]any, id, tag string) {
	t.Helper()
	fields(t, what, m, projectFields)
	bt, has := m["billingTag"]
	switch {
	case m["id"] != id:
		t.Errorf("%s: project %v, want %s", what, m["id"], id)
	case tag == "" && has:
		t.Errorf("%s: billingTag %v, want none", what, bt)
	case tag != "" && fmt.Sprint(bt) != "map[tag:"+tag+"]":
		t.Errorf("%s: billingTag %v, want {tag: %s}", what, bt, tag)
	}
}

var costRouteCases = map[string]routeCase{
	"GET /v4/cost/budgets/defaults": func(t *testing.T, e *env) {
		l := e.must(200, e.api, "GET", costDefaults, "", asAdmin...).list(t)
		// python-domino's live test: three, one per label; no limit until set (documented).
		if len(l) != 3 {
			t.Fatalf("defaults %v", l)
		}
		for i, label := range []string{"BillingTag", "Organization", "Project"} {
			want := map[string]string{"budgetLabel": "string", "budgetType": "string", "limit": "null", "window": "string"}
			exactFields(t, "default budget", l[i], want)
			if l[i]["budgetLabel"] != label || l[i]["budgetType"] != "Default" || l[i]["window"] != "monthly" {
				t.Errorf("default %d: %v", i, l[i])
			}
		}
		wantError(t, e.do(e.api, "GET", costDefaults, "", asAlice...), 403, "only administrators")
		wantError(t, e.do(e.api, "GET", costDefaults, ""), 401)
	},

	"PUT /v4/cost/budgets/defaults/{budgetLabel}": func(t *testing.T, e *env) {
		// python-domino's budget_defaults_update, with its Content-Type.
		body := `{"budgetLabel": "Project", "budgetType": "Default", "limit": 0.0006, "window": "monthly"}`
		m := e.must(200, e.api, "PUT", costDefaults+"/Project", body, asAdmin...).obj(t)
		exactFields(t, "updated default", m, defaultBudgetFields)
		if m["limit"] != 0.0006 || m["budgetLabel"] != "Project" {
			t.Errorf("updated %v", m)
		}
		if l := e.must(200, e.api, "GET", costDefaults, "", asAdmin...).list(t); l[2]["limit"] != 0.0006 || l[0]["limit"] != nil {
			t.Errorf("defaults after the update %v", l)
		}
		// null takes the limit away (inferred), as it was.
		if m := e.must(200, e.api, "PUT", costDefaults+"/Project", `{"limit":null}`, asAdmin...).obj(t); m["limit"] != nil {
			t.Errorf("null limit %v", m)
		}
		wantError(t, e.do(e.api, "PUT", costDefaults+"/Project", `{"limit":-1}`, asAdmin...), 400, "non-negative")
		wantError(t, e.do(e.api, "PUT", costDefaults+"/Project", `{"budgetLabel":"Project"}`, asAdmin...), 400, "limit is required")
		wantError(t, e.do(e.api, "PUT", costDefaults+"/Project", `{"limit":"10"}`, asAdmin...), 400, "limit", "a number or null")
		wantError(t, e.do(e.api, "PUT", costDefaults+"/Project", `{"limit":1e400}`, asAdmin...), 400, "limit")
		wantError(t, e.do(e.api, "PUT", costDefaults+"/Project", `{"limit":1,"budgetLabel":"BillingTag"}`, asAdmin...), 400, "not the label of the path")
		wantError(t, e.do(e.api, "PUT", costDefaults+"/Project", `{"limit":1,"window":"weekly"}`, asAdmin...), 400, "window")
		wantError(t, e.do(e.api, "PUT", costDefaults+"/Team", `{"limit":1}`, asAdmin...), 404, "Team")
		wantError(t, e.do(e.api, "PUT", costDefaults+"/Project", body, asAlice...), 403)
		wantError(t, e.do(e.api, "PUT", costDefaults+"/Project", body), 401)
	},

	"GET /v4/cost/budgets/overrides": func(t *testing.T, e *env) {
		if l := e.must(200, e.api, "GET", costOverrides, "", asAdmin...).list(t); len(l) != 0 {
			t.Fatalf("overrides %v", l)
		}
		e.must(200, e.proxy, "POST", costOverrides, pyOverride("Project", override1, 0.2048))
		e.must(200, e.proxy, "POST", costOverrides, pyOverride("BillingTag", override2, 1))
		l := e.must(200, e.api, "GET", costOverrides, "", asAdmin...).list(t)
		if len(l) != 2 || l[0]["labelId"] != override1 || l[1]["labelId"] != override2 || l[0]["limit"] != 0.2048 {
			t.Fatalf("overrides %v", l)
		}
		exactFields(t, "override", l[0], overrideBudgetFields)
		wantError(t, e.do(e.api, "GET", costOverrides, "", asAlice...), 403)
	},

	"POST /v4/cost/budgets/overrides": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "POST", costOverrides, pyOverride("Organization", override1, 0.2048), asAdmin...).obj(t)
		exactFields(t, "override", m, overrideBudgetFields)
		if m["labelId"] != override1 || m["budgetLabel"] != "Organization" || m["budgetType"] != "Override" || m["limit"] != 0.2048 || m["window"] != "monthly" {
			t.Errorf("created %v", m)
		}
		// One per id: the profile's duplicate status (500 observed for the others).
		wantError(t, e.do(e.api, "POST", costOverrides, pyOverride("Organization", override1, 1), asAdmin...), 500, "already exists")
		wantError(t, e.do(e.api, "POST", costOverrides, pyOverride("Team", override2, 1), asAdmin...), 400, "budgetLabel")
		wantError(t, e.do(e.api, "POST", costOverrides, pyOverride("Project", override2, -1), asAdmin...), 400, "non-negative")
		wantError(t, e.do(e.api, "POST", costOverrides, pyOverride("Project", "quick-start", 1), asAdmin...), 400, "Json validation error", "labelId")
		wantError(t, e.do(e.api, "POST", costOverrides, `{"budgetLabel":"Project","limit":1}`, asAdmin...), 400, "labelId is required")
		wantError(t, e.do(e.api, "POST", costOverrides, `{"budgetLabel":"Project","labelId":"`+override2+`","limit":null}`, asAdmin...), 400, "limit is required")
		wantError(t, e.do(e.api, "POST", costOverrides, pyOverride("Project", override2, 1), asAlice...), 403)
		wantError(t, e.do(e.api, "POST", costOverrides, pyOverride("Project", override2, 1)), 401)
		if l := e.must(200, e.api, "GET", costOverrides, "", asAdmin...).list(t); len(l) != 1 {
			t.Errorf("refused overrides were made: %v", l)
		}
	},

	"PUT /v4/cost/budgets/overrides/{budgetId}": func(t *testing.T, e *env) {
		e.must(200, e.proxy, "POST", costOverrides, pyOverride("BillingTag", override1, 0.2048))
		m := e.must(200, e.api, "PUT", costOverrides+"/"+override1, pyOverride("BillingTag", override1, 0.1024), asAdmin...).obj(t)
		exactFields(t, "updated override", m, overrideBudgetFields)
		if m["limit"] != 0.1024 || m["labelId"] != override1 {
			t.Errorf("updated %v", m)
		}
		if l := e.must(200, e.api, "GET", costOverrides, "", asAdmin...).list(t); l[0]["limit"] != 0.1024 {
			t.Errorf("reads back %v", l)
		}
		wantError(t, e.do(e.api, "PUT", costOverrides+"/"+override2, pyOverride("BillingTag", override2, 1), asAdmin...), 404, "Budget override "+override2+" not found")
		wantError(t, e.do(e.api, "PUT", costOverrides+"/"+override1, pyOverride("BillingTag", override2, 1), asAdmin...), 400, "not the override's id")
		wantError(t, e.do(e.api, "PUT", costOverrides+"/"+override1, pyOverride("BillingTag", override1, -2), asAdmin...), 400, "non-negative")
		wantError(t, e.do(e.api, "PUT", costOverrides+"/"+override1, pyOverride("BillingTag", override1, 1), asAlice...), 403)
	},

	"DELETE /v4/cost/budgets/overrides/{budgetId}": func(t *testing.T, e *env) {
		e.must(200, e.proxy, "POST", costOverrides, pyOverride("Project", override1, 1))
		e.must(200, e.proxy, "POST", costOverrides, pyOverride("Project", override2, 1))
		r := e.must(200, e.api, "DELETE", costOverrides+"/"+override1, "", asAdmin...)
		var msgs []string
		if err := json.Unmarshal(r.body, &msgs); err != nil || len(msgs) != 1 || !strings.Contains(msgs[0], override1) {
			t.Errorf("delete answered %s", r.body)
		}
		if l := e.must(200, e.api, "GET", costOverrides, "", asAdmin...).list(t); len(l) != 1 || l[0]["labelId"] != override2 {
			t.Errorf("after delete %v", l)
		}
		wantError(t, e.do(e.api, "DELETE", costOverrides+"/"+override1, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", costOverrides+"/"+override2, "", asAlice...), 403)
	},

	"GET /v4/cost/budgets/global/alertsSettings": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", costAlerts, "", asAdmin...).obj(t)
		exactFields(t, "alert settings", m, map[string]string{"alertsEnabled": "bool", "notifyOrgOwner": "bool", "alertTargets": "array"})
		if compact(t, e.must(200, e.api, "GET", costAlerts, "", asAdmin...).body) != `{"alertsEnabled":false,"notifyOrgOwner":false,"alertTargets":`+
			`[{"label":"BillingTag","emails":[]},{"label":"Organization","emails":[]},{"label":"Project","emails":[]}]}` {
			t.Errorf("default settings %v", m)
		}
		wantError(t, e.do(e.api, "GET", costAlerts, "", asAlice...), 403)
	},

	"PUT /v4/cost/budgets/global/alertsSettings": func(t *testing.T, e *env) {
		// python-domino's budget_alerts_targets_update: what it read, with one
		// label's emails replaced, sent with no Content-Type.
		body := `{"alertsEnabled": true, "notifyOrgOwner": true, "alertTargets": [{"label": "BillingTag", "emails": ["billing-tag@gmail.com"]}, ` +
			`{"label": "Organization", "emails": []}, {"label": "Project", "emails": ["projectszzz@gmail.com"]}]}`
		r := e.must(200, e.api, "PUT", costAlerts, body, withHeaders(asAdmin, noContentType...)...)
		if compact(t, r.body) != compact(t, []byte(body)) {
			t.Errorf("answered %s", r.body)
		}
		if got := e.must(200, e.api, "GET", costAlerts, "", asAdmin...); compact(t, got.body) != compact(t, []byte(body)) {
			t.Errorf("reads back %s", got.body)
		}
		wantError(t, e.do(e.api, "PUT", costAlerts, `{"alertsEnabled":false,"alertTargets":[]}`, asAdmin...), 400, "notifyOrgOwner is required")
		wantError(t, e.do(e.api, "PUT", costAlerts, `{"alertsEnabled":false,"notifyOrgOwner":false,"alertTargets":[{"label":"Team","emails":[]}]}`, asAdmin...), 400, "alertTargets[0].label")
		wantError(t, e.do(e.api, "PUT", costAlerts, `{"alertsEnabled":false,"notifyOrgOwner":false,"alertTargets":[{"label":"Project","emails":["not-an-email"]}]}`, asAdmin...), 400, "emails[0]")
		wantError(t, e.do(e.api, "PUT", costAlerts, `{"alertsEnabled":"no","notifyOrgOwner":false,"alertTargets":[]}`, asAdmin...), 400, "alertsEnabled")
		wantError(t, e.do(e.api, "PUT", costAlerts, body, withHeaders(asAlice, noContentType...)...), 403)
		wantError(t, e.do(e.api, "PUT", costAlerts, body, "Content-Type", "text/plain"), 401)
	},

	"GET /v4/cost/billingtagSettings": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", costSettings, "", asAdmin...).obj(t)
		exactFields(t, "billing tag settings", m, map[string]string{"mode": "string", "notifications": "bool"})
		if m["mode"] != "Optional" || m["notifications"] != false {
			t.Errorf("settings %v", m)
		}
		wantError(t, e.do(e.api, "GET", costSettings, "", asAlice...), 403)
	},

	"GET /v4/cost/billingtagSettings/mode": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", costSettings+"/mode", "", asAdmin...).obj(t)
		exactFields(t, "mode", m, map[string]string{"mode": "string"})
		if m["mode"] != "Optional" {
			t.Errorf("mode %v", m)
		}
		wantError(t, e.do(e.api, "GET", costSettings+"/mode", "", asAlice...), 403)
	},

	"PUT /v4/cost/billingtagSettings/mode": func(t *testing.T, e *env) {
		if m := e.must(200, e.api, "PUT", costSettings+"/mode", `{"mode": "Required"}`, asAdmin...).obj(t); len(m) != 1 || m["mode"] != "Required" {
			t.Errorf("answered %v", m)
		}
		if m := e.must(200, e.api, "GET", costSettings, "", asAdmin...).obj(t); m["mode"] != "Required" {
			t.Errorf("reads back %v", m)
		}
		// The 6.2 spec's spelling, answered as python-domino reads it.
		if m := e.must(200, e.api, "PUT", costSettings+"/mode", `{"mode":"disabled"}`, asAdmin...).obj(t); m["mode"] != "Disabled" {
			t.Errorf("answered %v", m)
		}
		wantError(t, e.do(e.api, "PUT", costSettings+"/mode", `{"mode":"Sometimes"}`, asAdmin...), 400, "Disabled, Optional, Required")
		wantError(t, e.do(e.api, "PUT", costSettings+"/mode", `{}`, asAdmin...), 400, "mode is required")
		wantError(t, e.do(e.api, "PUT", costSettings+"/mode", `{"mode":"Optional"}`, asAlice...), 403)
	},

	"GET /v4/cost/billingtags": func(t *testing.T, e *env) {
		if m := e.must(200, e.api, "GET", costTags, "", asAdmin...).obj(t); fmt.Sprint(m) != "map[billingTags:[]]" {
			t.Errorf("no tags: %v", m)
		}
		e.createTags("cc-1", "cc-2", "cc-3")
		e.must(200, e.proxy, "DELETE", costTags+"/cc-2", "")
		// Any user sees the active ones (the 6.2 spec: "billing codes that a user can see").
		r := e.must(200, e.api, "GET", costTags, "", asAlice...)
		if compact(t, r.body) != `{"billingTags":[{"tag":"cc-1"},{"tag":"cc-3"}]}` {
			t.Errorf("active tags %s", r.body)
		}
		wantError(t, e.do(e.api, "GET", costTags, ""), 401)
	},

	"POST /v4/cost/billingtags": func(t *testing.T, e *env) {
		r := e.must(200, e.api, "POST", costTags, `{"billingTags": ["PYTHON-DOMINO-ACTIVE-tag-001", "PYTHON-DOMINO-ACTIVE-tag-002", "PYTHON-DOMINO-ACTIVE-tag-003"]}`, asAdmin...)
		// python-domino's live test counts three.
		if compact(t, r.body) != `{"billingTags":[{"tag":"PYTHON-DOMINO-ACTIVE-tag-001"},{"tag":"PYTHON-DOMINO-ACTIVE-tag-002"},{"tag":"PYTHON-DOMINO-ACTIVE-tag-003"}]}` {
			t.Errorf("created %s", r.body)
		}
		// An archived tag is made active again, keeping its id.
		id := e.must(200, e.api, "DELETE", costTags+"/PYTHON-DOMINO-ACTIVE-tag-001", "", asAdmin...).obj(t)["billingTag"].(map[string]any)["tagId"]
		e.must(200, e.api, "POST", costTags, `{"billingTags":["PYTHON-DOMINO-ACTIVE-tag-001"]}`, asAdmin...)
		m := e.must(200, e.api, "GET", costTags+"/PYTHON-DOMINO-ACTIVE-tag-001", "", asAdmin...).obj(t)["billingTag"].(map[string]any)
		if m["active"] != true || m["tagId"] != id {
			t.Errorf("unarchived %v", m)
		}
		wantError(t, e.do(e.api, "POST", costTags, `{"billingTags":["a/b"]}`, asAdmin...), 400, `billingTags[0] "a/b" is invalid`)
		wantError(t, e.do(e.api, "POST", costTags, `{"billingTags":[""]}`, asAdmin...), 400, "billingTags[0] is required")
		wantError(t, e.do(e.api, "POST", costTags, `{}`, asAdmin...), 400, "billingTags is required")
		wantError(t, e.do(e.api, "POST", costTags, `{"billingTags":"x"}`, asAdmin...), 400, "billingTags")
		wantError(t, e.do(e.api, "POST", costTags, `{"billingTags":["x"]}`, asAlice...), 403)
	},

	"GET /v4/cost/billingtags/{tag}": func(t *testing.T, e *env) {
		e.createTags("cc-1")
		m := e.must(200, e.api, "GET", costTags+"/cc-1", "", asAdmin...).obj(t)
		exactFields(t, "tag envelope", m, map[string]string{"billingTag": "object"})
		tag := m["billingTag"].(map[string]any)
		exactFields(t, "tag", tag, tagStatusFields)
		if tag["tag"] != "cc-1" || tag["active"] != true {
			t.Errorf("tag %v", tag)
		}
		wantError(t, e.do(e.api, "GET", costTags+"/nope", "", asAdmin...), 404, "Billing tag nope not found")
		wantError(t, e.do(e.api, "GET", costTags+"/cc-1", "", asAlice...), 403)
	},

	"DELETE /v4/cost/billingtags/{tag}": func(t *testing.T, e *env) {
		e.createTags("cc-1")
		tag := e.must(200, e.api, "DELETE", costTags+"/cc-1", "", asAdmin...).obj(t)["billingTag"].(map[string]any)
		exactFields(t, "archived tag", tag, tagStatusFields)
		if tag["tag"] != "cc-1" || tag["active"] != false {
			t.Errorf("archived %v", tag)
		}
		// Again: as the first time (inferred).
		if again := e.must(200, e.api, "DELETE", costTags+"/cc-1", "", asAdmin...).obj(t)["billingTag"].(map[string]any); fmt.Sprint(again) != fmt.Sprint(tag) {
			t.Errorf("archived again %v", again)
		}
		wantError(t, e.do(e.api, "DELETE", costTags+"/nope", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", costTags+"/cc-1", "", asAlice...), 403)
	},

	"GET /v4/projects/billingtags/projects": func(t *testing.T, e *env) {
		e.createTags("bt-a", "bt-b")
		ids := map[string]string{}
		for _, p := range []struct{ name, tag string }{{"alpha", "bt-a"}, {"beta", "bt-a"}, {"gamma", "bt-b"}} {
			ids[p.name] = str(e.must(200, e.proxy, "POST", "/v4/projects", fmt.Sprintf(`{"name":%q,"billingTag":{"tag":%q}}`, p.name, p.tag)).obj(t)["id"])
		}
		// As python-domino's projects_by_billing_tag asks.
		m := e.must(200, e.api, "GET", projectsByTag+"?offset=0&pageSize=10&missingBillingTagOnly=false&billingTag=bt-a", "", asAdmin...).obj(t)
		exactFields(t, "page", m, map[string]string{"page": "array", "totalMatches": "number"})
		page := m["page"].([]any)
		if m["totalMatches"] != 2.0 || len(page) != 2 {
			t.Fatalf("page %v", m)
		}
		projectSummary(t, "first of the page", obj(page[0]), ids["beta"], "bt-a") // name, descending: the spec's defaults
		projectSummary(t, "second of the page", obj(page[1]), ids["alpha"], "bt-a")
		// Paged from a checkpoint, ascending; projects without a tag.
		m = e.must(200, e.api, "GET", projectsByTag+"?pageSize=1&offset=1&sortOrder=asc&checkpointProjectId="+ids["alpha"], "", asAdmin...).obj(t)
		if page := m["page"].([]any); m["totalMatches"] != 4.0 || len(page) != 1 || obj(page[0])["id"] != ids["beta"] {
			t.Errorf("from a checkpoint %v", m)
		}
		m = e.must(200, e.api, "GET", projectsByTag+"?missingBillingTagOnly=true", "", asAdmin...).obj(t)
		if page := m["page"].([]any); len(page) != 1 || obj(page[0])["id"] != projectID {
			t.Errorf("without a tag %v", m)
		}
		wantError(t, e.do(e.api, "GET", projectsByTag+"?pageSize=ten", "", asAdmin...), 400, "pageSize")
		wantError(t, e.do(e.api, "GET", projectsByTag+"?offset=4294967296", "", asAdmin...), 400, "offset")
		wantError(t, e.do(e.api, "GET", projectsByTag+"?pageSize=-1", "", asAdmin...), 400, "pageSize")
		wantError(t, e.do(e.api, "GET", projectsByTag+"?missingBillingTagOnly=yes", "", asAdmin...), 400, "missingBillingTagOnly")
		wantError(t, e.do(e.api, "GET", projectsByTag+"?sortBy=size", "", asAdmin...), 400, "sortBy")
		wantError(t, e.do(e.api, "GET", projectsByTag+"?sortOrder=up", "", asAdmin...), 400, "sortOrder")
		wantError(t, e.do(e.api, "GET", projectsByTag+"?checkpointProjectId=x", "", asAdmin...), 400, "x is not a valid ID")
		wantError(t, e.do(e.api, "GET", projectsByTag+"?checkpointProjectId="+unknownObjectID, "", asAdmin...), 400, "not among")
		wantError(t, e.do(e.api, "GET", projectsByTag, "", asAlice...), 403)
	},

	"POST /v4/projects/billingtags/projects": func(t *testing.T, e *env) {
		e.createTags("bt-a", "old")
		e.must(200, e.proxy, "DELETE", costTags+"/old", "")
		other := str(e.must(200, e.proxy, "POST", "/v4/projects", `{"name":"other"}`).obj(t)["id"])
		// python-domino's project_bulk_update body.
		body := fmt.Sprintf(`{"projectsBillingTags": [{"projectId": %q, "billingTag": {"tag": "bt-a"}}, {"projectId": %q, "billingTag": {"tag": "bt-a"}}]}`, projectID, other)
		m := e.must(200, e.api, "POST", projectsByTag, body, withHeaders(asAdmin, noContentType...)...).obj(t)
		exactFields(t, "summaries", m, map[string]string{"summaries": "array"})
		s := m["summaries"].([]any)
		if len(s) != 2 {
			t.Fatalf("summaries %v", m)
		}
		projectSummary(t, "first summary", obj(s[0]), projectID, "bt-a")
		projectSummary(t, "second summary", obj(s[1]), other, "bt-a")
		// A null billing tag takes it away; one entry refused refuses all.
		m = e.must(200, e.api, "POST", projectsByTag, `{"projectsBillingTags":[{"projectId":"`+other+`","billingTag":null}]}`, asAdmin...).obj(t)
		projectSummary(t, "reset", obj(m["summaries"].([]any)[0]), other, "")
		wantError(t, e.do(e.api, "POST", projectsByTag, `{"projectsBillingTags":[{"projectId":"`+other+`","billingTag":{"tag":"bt-a"}},{"projectId":"`+projectID+`","billingTag":{"tag":"old"}}]}`, asAdmin...), 400, "archived")
		if r := e.must(200, e.api, "GET", "/v4/projects/"+other+"/billingtag", "", asAdmin...); string(r.body) != "null" {
			t.Errorf("a refused bulk update charged the project: %s", r.body)
		}
		wantError(t, e.do(e.api, "POST", projectsByTag, `{"projectsBillingTags":[{"projectId":"x","billingTag":null}]}`, asAdmin...), 400, "Json validation error", "projectsBillingTags[0].projectId")
		wantError(t, e.do(e.api, "POST", projectsByTag, `{"projectsBillingTags":[{"projectId":"`+unknownObjectID+`","billingTag":null}]}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", projectsByTag, `{}`, asAdmin...), 400, "projectsBillingTags is required")
		wantError(t, e.do(e.api, "POST", projectsByTag, body, asAlice...), 403)
	},

	"GET /v4/projects/{projectId}/billingtag": func(t *testing.T, e *env) {
		// None: null, which python-domino reads as None (its live test).
		if r := e.must(200, e.api, "GET", "/v4/projects/"+projectID+"/billingtag", "", asAdmin...); string(r.body) != "null" {
			t.Errorf("no tag: %s", r.body)
		}
		e.createTags("cc-1")
		e.must(200, e.proxy, "POST", "/v4/projects/"+projectID+"/billingtag", `{"tag":"cc-1"}`)
		if r := e.must(200, e.api, "GET", "/v4/projects/"+projectID+"/billingtag", "", asAdmin...); compact(t, r.body) != `{"tag":"cc-1"}` {
			t.Errorf("tag: %s", r.body)
		}
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+unknownObjectID+"/billingtag", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/projects/quick-start/billingtag", "", asAdmin...), 400, "quick-start is not a valid ID")
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+projectID+"/billingtag", "", asAlice...), 403)
	},

	"POST /v4/projects/{projectId}/billingtag": func(t *testing.T, e *env) {
		e.createTags("cc-1", "old")
		e.must(200, e.proxy, "DELETE", costTags+"/old", "")
		// python-domino's project_billing_tag_update: no Content-Type.
		m := e.must(200, e.api, "POST", "/v4/projects/"+projectID+"/billingtag", `{"tag": "cc-1"}`, withHeaders(asAdmin, noContentType...)...).obj(t)
		projectSummary(t, "charged", m, projectID, "cc-1")
		// The project shows it to whoever reads it.
		e.addCollaborator(aliceID, "ResultsConsumer")
		projectSummary(t, "the project", e.must(200, e.api, "GET", "/v4/projects/"+projectID, "", asAlice...).obj(t), projectID, "cc-1")
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+projectID+"/billingtag", `{"tag":"nope"}`, asAdmin...), 400, "does not exist")
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+projectID+"/billingtag", `{"tag":"old"}`, asAdmin...), 400, "archived")
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+projectID+"/billingtag", `{}`, asAdmin...), 400, "tag is required")
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+unknownObjectID+"/billingtag", `{"tag":"cc-1"}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+projectID+"/billingtag", `{"tag":"cc-1"}`, asAlice...), 403)
	},

	"DELETE /v4/projects/{projectId}/billingtag": func(t *testing.T, e *env) {
		e.createTags("cc-1")
		e.must(200, e.proxy, "POST", "/v4/projects/"+projectID+"/billingtag", `{"tag":"cc-1"}`)
		projectSummary(t, "reset", e.must(200, e.api, "DELETE", "/v4/projects/"+projectID+"/billingtag", "", asAdmin...).obj(t), projectID, "")
		if r := e.must(200, e.api, "GET", "/v4/projects/"+projectID+"/billingtag", "", asAdmin...); string(r.body) != "null" {
			t.Errorf("after reset: %s", r.body)
		}
		projectSummary(t, "reset again", e.must(200, e.api, "DELETE", "/v4/projects/"+projectID+"/billingtag", "", asAdmin...).obj(t), projectID, "")
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/"+unknownObjectID+"/billingtag", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/"+projectID+"/billingtag", "", asAlice...), 403)
	},
}

// TestNewProjectsAndTheBillingTagMode: POST /v4/projects takes
// python-domino's project_create_v4 billingTag, by the mode.
func TestNewProjectsAndTheBillingTagMode(t *testing.T) {
	e := newEnv(t)
	e.createTags("cc-1")
	create := func(name, extra string) *resp {
		return e.do(e.api, "POST", "/v4/projects", `{"name":"`+name+`","visibility":"Public","ownerId":"`+aliceID+`","description":"",`+
			`"collaborators":[],"tags":{"tagNames":[]}`+extra+`}`, asAlice...)
	}
	if r := create("with", `,"billingTag":{"tag":"cc-1"}`); r.code != 200 || fmt.Sprint(r.obj(t)["billingTag"]) != "map[tag:cc-1]" {
		t.Errorf("with a tag: %s", r)
	}
	wantError(t, create("unknown", `,"billingTag":{"tag":"nope"}`), 400, "does not exist")
	e.must(200, e.proxy, "PUT", costSettings+"/mode", `{"mode":"Required"}`)
	wantError(t, create("without", ""), 400, "billingTag is required")
	wantError(t, e.do(e.api, "POST", "/project", "projectName=legacy", withHeaders(asAlice, "Content-Type", "application/x-www-form-urlencoded")...), 400, "billingTag is required")
	e.must(200, e.proxy, "PUT", costSettings+"/mode", `{"mode":"Disabled"}`)
	wantError(t, create("disabled", `,"billingTag":{"tag":"cc-1"}`), 400, "Disabled")
	if r := create("null", `,"billingTag":null`); r.code != 200 {
		t.Errorf("a null tag while Disabled: %s", r)
	}
	// A fork takes its source's tag, or the one it asks for.
	e.must(200, e.proxy, "PUT", costSettings+"/mode", `{"mode":"Optional"}`)
	src := str(e.must(200, e.proxy, "POST", "/v4/projects", `{"name":"src","billingTag":{"tag":"cc-1"}}`).obj(t)["id"])
	if m := e.must(200, e.proxy, "POST", "/v4/projects/"+src+"/fork", `{"name":"fork"}`).obj(t); fmt.Sprint(m["billingTag"]) != "map[tag:cc-1]" {
		t.Errorf("fork %v", m["billingTag"])
	}
	wantError(t, e.do(e.proxy, "POST", "/v4/projects/"+src+"/fork", `{"name":"fork2","billingTag":{"tag":"nope"}}`), 400, "does not exist")
}
