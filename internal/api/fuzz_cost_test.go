package api_test

// Fuzz tests of the cost routes' decoders: a budget (the defaults' and the
// overrides'), the alert settings, billing tags, the mode, a project's
// billing tag and the bulk update, and the query of projects by billing
// tag. The properties of fuzz_test.go hold (no panic, no 5xx but the
// duplicate override, errors in the route's shape), plus each target's own:
// nothing the rules refuse is stored (a negative or missing limit, an
// unknown label, an invalid email or tag name, a mode not in the list, an
// archived or unknown tag on a project), and what is answered reads back.

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/store"
)

var costRoutes = []struct{ method, path string }{
	{"PUT", "/v4/cost/budgets/defaults/Project"},
	{"POST", "/v4/cost/budgets/overrides"},
	{"PUT", "/v4/cost/budgets/overrides/" + override1},
}

// costWorld is the fuzz world with an override (override1), an active tag
// (cc-1) and an archived one (old).
func costWorld(t *testing.T) *world {
	w := worldFor(t)
	if r := send(w.proxy, "GET", "/v4/cost/billingtags/cc-1", nil, ""); r.code == 404 {
		w.must(200, w.proxy, "POST", costTags, `{"billingTags":["cc-1","old"]}`)
		w.must(200, w.proxy, "DELETE", costTags+"/old", "")
		w.must(200, w.proxy, "POST", costOverrides, pyOverride("Project", override1, 1))
	}
	return w
}

func FuzzBudgetBody(f *testing.F) {
	for _, s := range []string{
		`{"budgetLabel": "Project", "budgetType": "Default", "limit": 0.0006, "window": "monthly"}`,
		pyOverride("BillingTag", override2, 0.2048), pyOverride("Project", override1, 0.1024),
		`{"limit":null}`, `{"limit":-1}`, `{"limit":1e400}`, `{"limit":"1"}`, `{"limit":-0}`, `{"limit":1,"window":"weekly"}`,
		`{"limit":1,"budgetLabel":"Team","labelId":"` + override2 + `"}`, `{"limit":1,"labelId":"x","budgetLabel":"Project"}`, `[]`, `null`,
	} {
		for i := range costRoutes {
			f.Add([]byte(s), uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, route uint8) {
		w := costWorld(t)
		rt := costRoutes[int(route)%len(costRoutes)]
		r := fuzzBody(t, w.proxy, rt.method, rt.path, body, "application/json")
		if r.code != 200 {
			return
		}
		var b store.Budget
		if err := json.Unmarshal(r.body, &b); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		override := rt.method == "POST" || strings.Contains(rt.path, "overrides")
		if b.Limit == nil && override || b.Limit != nil && *b.Limit < 0 || !slices.Contains(store.BudgetLabels, b.BudgetLabel) || b.Window != "monthly" {
			t.Fatalf("stored a budget the rules refuse from %q: %s", body, r)
		}
		// It reads back as answered.
		list := "/v4/cost/budgets/defaults"
		if override {
			list = "/v4/cost/budgets/overrides"
		}
		var all []store.Budget
		json.Unmarshal(send(w.proxy, "GET", list, nil, "").body, &all)
		if !slices.ContainsFunc(all, func(x store.Budget) bool {
			return x.LabelID == b.LabelID && x.BudgetLabel == b.BudgetLabel && (x.Limit == nil) == (b.Limit == nil) && (x.Limit == nil || *x.Limit == *b.Limit)
		}) {
			t.Fatalf("answered %s, lists %v", r.body, all)
		}
	})
}

func FuzzBudgetAlerts(f *testing.F) {
	for _, s := range []string{
		`{"alertsEnabled": true, "notifyOrgOwner": true, "alertTargets": [{"label": "Project", "emails": ["projectszzz@gmail.com"]}]}`,
		`{"alertsEnabled":false,"notifyOrgOwner":false,"alertTargets":[]}`,
		`{"alertsEnabled":false,"notifyOrgOwner":false,"alertTargets":[{"label":"Project"},{"label":"Project"}]}`,
		`{"alertsEnabled":false,"notifyOrgOwner":false,"alertTargets":[{"label":"Team","emails":[]}]}`,
		`{"alertsEnabled":false,"notifyOrgOwner":false,"alertTargets":[{"label":"BillingTag","emails":["a@b","x@y.z"]}]}`,
		`{"alertsEnabled":false,"notifyOrgOwner":false,"alertTargets":null}`, `{"alertsEnabled":1}`, `[]`,
	} {
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		w := costWorld(t)
		r := fuzzBody(t, w.proxy, "PUT", costAlerts, body, ct)
		if r.code != 200 {
			return
		}
		var a store.BudgetAlertSettings
		json.Unmarshal(r.body, &a)
		if len(a.AlertTargets) != len(store.BudgetLabels) {
			t.Fatalf("targets %s", r.body)
		}
		for i, target := range a.AlertTargets {
			if target.Label != store.BudgetLabels[i] || target.Emails == nil {
				t.Fatalf("targets %s", r.body)
			}
			for _, e := range target.Emails {
				if fixtures.CheckEmail("email", e) != nil {
					t.Fatalf("stored the email %q from %q", e, body)
				}
			}
		}
		if got := send(w.proxy, "GET", costAlerts, nil, ""); compact(t, got.body) != compact(t, r.body) {
			t.Fatalf("answered %s, reads back %s", r.body, got.body)
		}
	})
}

func FuzzBillingTags(f *testing.F) {
	for _, s := range []string{
		`{"billingTags": ["PYTHON-DOMINO-ACTIVE-tag-001", "PYTHON-DOMINO-ACTIVE-tag-002"]}`, `{"billingTags":["old"]}`,
		`{"billingTags":[]}`, `{"billingTags":["a/b"]}`, `{"billingTags":[" x"]}`, `{"billingTags":["é ü"]}`, `{"billingTags":["%2F"]}`,
		`{"billingTags":["a\u0000"]}`, `{"billingTags":null}`, `{"billingTags":[1]}`,
	} {
		f.Add([]byte(s), "application/json")
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		w := costWorld(t)
		r := fuzzBody(t, w.proxy, "POST", costTags, body, ct)
		if r.code != 200 {
			return
		}
		var got struct{ BillingTags []store.BillingTag }
		json.Unmarshal(r.body, &got)
		for _, tag := range got.BillingTags {
			name := tag.Tag
			if name == "" || strings.ContainsAny(name, `/\`) || strings.TrimSpace(name) != name || fixtures.HasControl(name) {
				t.Fatalf("made the billing tag %q from %q", name, body)
			}
			// Found again by its name in a path, active.
			rb := send(w.proxy, "GET", "/v4/cost/billingtags/"+name, nil, "") // the decoded path
			var st struct{ BillingTag store.BillingTagStatus }
			json.Unmarshal(rb.body, &st)
			if rb.code != 200 || st.BillingTag.Tag != name || !st.BillingTag.Active {
				t.Fatalf("tag %q reads back as %s", name, rb)
			}
		}
	})
}

func FuzzBillingTagMode(f *testing.F) {
	for _, s := range []string{`{"mode": "Required"}`, `{"mode":"optional"}`, `{"mode":"DISABLED"}`, `{"mode":""}`, `{"mode":"Sometimes"}`, `{"mode":1}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := costWorld(t)
		r := fuzzBody(t, w.proxy, "PUT", costSettings+"/mode", body, "application/json")
		if r.code != 200 {
			return
		}
		var m struct{ Mode string }
		json.Unmarshal(r.body, &m)
		if !slices.Contains(store.BillingTagModes, m.Mode) {
			t.Fatalf("mode %q from %q", m.Mode, body)
		}
		// Put back, so that the world's projects can be made.
		w.must(200, w.proxy, "PUT", costSettings+"/mode", `{"mode":"Optional"}`)
	})
}

func FuzzProjectBillingTag(f *testing.F) {
	for _, s := range []string{`{"tag": "cc-1"}`, `{"tag":"old"}`, `{"tag":"nope"}`, `{"tag":""}`, `{}`, `{"tag":null}`} {
		f.Add([]byte(s), false)
	}
	for _, s := range []string{
		`{"projectsBillingTags": [{"projectId": "` + projectID + `", "billingTag": {"tag": "cc-1"}}]}`,
		`{"projectsBillingTags":[{"projectId":"` + projectID + `","billingTag":null}]}`,
		`{"projectsBillingTags":[{"projectId":"` + projectID + `","billingTag":{"tag":"old"}}]}`,
		`{"projectsBillingTags":[{"projectId":"` + projectID + `"},{"projectId":"` + projectID + `"}]}`,
		`{"projectsBillingTags":[{"projectId":"x"}]}`, `{"projectsBillingTags":[]}`, `{"projectsBillingTags":{}}`,
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, bulk bool) {
		w := costWorld(t)
		path := "/v4/projects/" + projectID + "/billingtag"
		if bulk {
			path = projectsByTag
		}
		before := string(send(w.proxy, "GET", "/v4/projects/"+projectID+"/billingtag", nil, "").body)
		r := fuzzBody(t, w.proxy, "POST", path, body, "application/json")
		after := string(send(w.proxy, "GET", "/v4/projects/"+projectID+"/billingtag", nil, "").body)
		if r.code != 200 {
			if after != before {
				t.Fatalf("a refused request changed the project's tag: %s → %s (%s)", before, after, r)
			}
			return
		}
		// The project is charged to an active tag or to none.
		if after != "null" && after != `{"tag":"cc-1"}` && after != before {
			t.Fatalf("the project's tag is %s after %q", after, body)
		}
	})
}

func FuzzProjectsByBillingTag(f *testing.F) {
	for _, q := range []string{"offset=0&pageSize=10&missingBillingTagOnly=false&billingTag=cc-1", "pageSize=1&offset=-1",
		"offset=-2147483648&pageSize=2147483647", "checkpointProjectId=" + projectID + "&offset=3", "sortBy=created&sortOrder=ASC",
		"sortBy=billingTag", "nameFilter=QUICK", "missingBillingTagOnly=1", "pageSize=-1", "offset=1.5", "checkpointProjectId=x", "%zz"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, query string) {
		w := costWorld(t)
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.URL.RawQuery = projectsByTag, query
		r := serveReq(w.proxy, req)
		check(t, r)
		if r.code != 200 {
			return
		}
		var p struct {
			Page         []map[string]any
			TotalMatches int
		}
		json.Unmarshal(r.body, &p)
		v := req.URL.Query()
		size := 10
		if s := v.Get("pageSize"); s != "" {
			json.Unmarshal([]byte(s), &size)
		}
		if len(p.Page) > size || len(p.Page) > p.TotalMatches || p.Page == nil {
			t.Fatalf("?%s: a page of %d of %d (page size %d)", query, len(p.Page), p.TotalMatches, size)
		}
	})
}
