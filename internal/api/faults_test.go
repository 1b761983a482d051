package api

import (
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
