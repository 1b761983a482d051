package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestFaultRulesAreBounded: a rule's message and match fields have a size
// limit and the number of rules a cap, so that fault rules cannot grow the
// mock's memory (1,000 rules with 1 MiB messages took 1.7 GB, and listing
// them answered 1 GB).
func TestFaultRulesAreBounded(t *testing.T) {
	_, proxy := controlServers(t, 0)
	add := func(rule string) (int, string) {
		t.Helper()
		return call(t, "POST", proxy.URL+"/__mock/faults", rule)
	}
	long := func(n int) string { return strings.Repeat("m", n) }

	for _, c := range []struct {
		rule string
		want int
	}{
		{`{"match":{},"effect":{"status":503,"message":"` + long(MaxFaultMessageBytes) + `"}}`, 201},
		{`{"match":{},"effect":{"status":503,"message":"` + long(MaxFaultMessageBytes+1) + `"}}`, 400},
		{`{"match":{"pathPrefix":"/` + long(maxFaultMatchBytes-1) + `"},"effect":{"status":503}}`, 201},
		{`{"match":{"pathPrefix":"/` + long(maxFaultMatchBytes) + `"},"effect":{"status":503}}`, 400},
		{`{"match":{"route":"/` + long(maxFaultMatchBytes) + `"},"effect":{"status":503}}`, 400},
		{`{"match":{"caller":"` + long(maxFaultMatchBytes+1) + `"},"effect":{"status":503}}`, 400},
		{`{"match":{"method":"` + long(maxFaultMatchBytes+1) + `"},"effect":{"status":503}}`, 400},
	} {
		if code, body := add(c.rule); code != c.want {
			t.Errorf("%.80s…: %d %.200s, want %d", c.rule, code, body, c.want)
		}
	}
	call(t, "DELETE", proxy.URL+"/__mock/faults", "")

	// The default cap, then 400 naming it; clearing makes room again.
	for i := 0; i < DefaultMaxFaultRules; i++ {
		if code, body := add(fmt.Sprintf(`{"match":{"pathPrefix":"/v4/x%d"},"effect":{"status":503}}`, i)); code != 201 {
			t.Fatalf("rule %d: %d %s", i+1, code, body)
		}
	}
	code, body := add(`{"match":{},"effect":{"status":503}}`)
	if code != 400 || !strings.Contains(body, fmt.Sprint(DefaultMaxFaultRules)) {
		t.Fatalf("rule %d: %d %s, want 400 naming the cap", DefaultMaxFaultRules+1, code, body)
	}
	call(t, "DELETE", proxy.URL+"/__mock/faults", "")
	if code, body := add(`{"match":{},"effect":{"status":503}}`); code != 201 {
		t.Fatalf("after clearing: %d %s", code, body)
	}
}

func TestFaultRuleCapIsConfigurable(t *testing.T) {
	f := NewFaults(1)
	f.SetMaxRules(2)
	rule := FaultRule{Do: FaultEffect{Status: 503}}
	for i := 0; i < 2; i++ {
		if _, err := f.Add(rule); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.Add(rule); err == nil || !strings.Contains(err.Error(), "2 fault rules") {
		t.Fatalf("third rule: %v", err)
	}
	f.SetMaxRules(0)
	f.Clear()
	if _, err := f.Add(rule); err == nil {
		t.Fatal("a cap of 0 allowed a rule")
	}
}

// TestFaultRulesRefuseMistakes: a rule that could never do what its author
// meant is refused with 400 naming the mistake, instead of being installed
// (issue 12, item 8): a misspelt field ({"mathc": …} became a rule matching
// every request), a route the mock does not serve, a concrete path given as
// a route, a method the route is not served for.
func TestFaultRulesRefuseMistakes(t *testing.T) {
	_, proxy := controlServers(t, 0)
	for _, c := range []struct {
		rule string
		want []string // in the message
	}{
		{`{"mathc":{"route":"/v4/users/self"},"effect":{"status":503}}`, []string{`"mathc"`, "match, effect, times, probability"}},
		{`{"match":{"rout":"/v4/users/self"},"effect":{"status":503}}`, []string{`"match.rout"`}},
		{`{"match":{"route":"/v4/users/self"},"effect":{"staus":503}}`, []string{`"effect.staus"`}},
		{`{"match":{},"efect":{"status":503},"time":2}`, []string{`"efect"`, `"time"`}},
		{`{"match":{"route":"/v4/no/such/route"},"effect":{"status":503}}`, []string{`"/v4/no/such/route"`, "openapi.json"}},
		{`{"match":{"route":"/v4/jobs/0123456789abcdef01234567"},"effect":{"status":503}}`, []string{`"/v4/jobs/{jobId}"`, "pathPrefix"}},
		{`{"match":{"route":"/v4/jobs/{id}"},"effect":{"status":503}}`, []string{`"/v4/jobs/{jobId}"`}},
		{`{"match":{"route":"/v4/users/self/"},"effect":{"status":503}}`, []string{`"/v4/users/self/"`}},
		{`{"match":{"method":"DELETE","route":"/v4/users/self"},"effect":{"status":503}}`, []string{"DELETE", "GET"}},
		{`{"match":{"method":"PSOT"},"effect":{"status":503}}`, []string{`"PSOT"`}},
		{`{"match":{"method":"G T"},"effect":{"status":503}}`, []string{`"G T"`}},
		{`{"match":{"method":"OPTIONS","pathPrefix":"/v4/"},"effect":{"status":503}}`, []string{`"OPTIONS"`, "GET, HEAD, POST"}},
	} {
		code, body := call(t, "POST", proxy.URL+"/__mock/faults", c.rule)
		if code != 400 {
			t.Errorf("%s: %d %s, want 400", c.rule, code, body)
			continue
		}
		var e struct{ Message string }
		json.Unmarshal([]byte(body), &e)
		for _, w := range c.want {
			if !strings.Contains(e.Message, w) {
				t.Errorf("%s: %s, want it to name %s", c.rule, body, w)
			}
		}
	}
	if _, body := call(t, "GET", proxy.URL+"/__mock/faults", ""); body != "[]" {
		t.Errorf("refused rules were installed: %s", body)
	}

	// What is right is still accepted: any case of a field name, as the
	// JSON decoder matches them; a HEAD rule for a GET route; a method in
	// lower case; a rule as GET /__mock/faults lists it (its id and fired
	// count are the mock's: it gets new ones).
	for _, rule := range []string{
		`{"Match":{"Route":"/v4/users/self"},"EFFECT":{"status":503}}`,
		`{"match":{"method":"HEAD","route":"/v4/users/self"},"effect":{"status":503}}`,
		`{"match":{"method":"post","route":"/v4/serviceAccounts"},"effect":{"status":503}}`,
		`{"match":{"route":"/v1/projects/{owner}/{name}/{path}"},"effect":{"delay":"1ms"}}`,
		`{"id":"fault-9","match":{"route":"/version"},"effect":{"status":503},"fired":4}`,
	} {
		if code, body := call(t, "POST", proxy.URL+"/__mock/faults", rule); code != 201 || strings.Contains(body, "fault-9") || strings.Contains(body, `"fired":4`) {
			t.Errorf("%s: %d %s, want 201 with an id and count of its own", rule, code, body)
		}
	}
}

// TestRemoveOneFaultRule: DELETE /__mock/faults/{id} removes that rule
// alone (issue 12, item 8); an id that names none is 404.
func TestRemoveOneFaultRule(t *testing.T) {
	api, proxy := controlServers(t, 10)
	for _, rule := range []string{
		`{"match":{"route":"/version"},"effect":{"status":503}}`,
		`{"match":{"route":"/v4/users/self"},"effect":{"status":502}}`,
	} {
		if code, body := call(t, "POST", proxy.URL+"/__mock/faults", rule); code != 201 {
			t.Fatalf("%s: %d %s", rule, code, body)
		}
	}
	if code, body := call(t, "DELETE", proxy.URL+"/__mock/faults/fault-1", ""); code != 200 || !strings.Contains(body, `"id":"fault-1"`) {
		t.Fatalf("remove fault-1: %d %s", code, body)
	}
	if code, body := call(t, "GET", api.URL+"/version", ""); code != 200 {
		t.Errorf("after removing its rule: %d %s", code, body)
	}
	if code, _ := call(t, "GET", proxy.URL+"/v4/users/self", ""); code != 502 {
		t.Errorf("the other rule: %d, want 502", code)
	}
	if _, body := call(t, "GET", proxy.URL+"/__mock/faults", ""); strings.Contains(body, "fault-1") || !strings.Contains(body, "fault-2") {
		t.Errorf("rules after removing fault-1: %s", body)
	}
	for _, id := range []string{"fault-1", "fault-3", "nothing"} {
		if code, body := call(t, "DELETE", proxy.URL+"/__mock/faults/"+id, ""); code != 404 || !strings.Contains(body, id) {
			t.Errorf("remove %s: %d %s, want 404 naming it", id, code, body)
		}
	}
	// The journal says which rule answered.
	_, body := call(t, "GET", proxy.URL+"/__mock/journal?path=/v4/users/self", "")
	if !strings.Contains(body, `"fault":"fault-2"`) {
		t.Errorf("journal of the faulted request: %s", body)
	}
}
