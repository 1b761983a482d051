package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/profile"
	"github.com/mockdomino/mockdomino/internal/replay"
)

// roundTripTags select the scenarios whose answers the profile table
// governs: accounts and their actions, tokens, the public API's duplicates
// and paging, through both surfaces.
const roundTripTags = "@tokens or @service-accounts or @public-api"

// TestVerificationRoundTrip is the verification loop end to end, with no
// network beyond loopback. A mock started with a profile unlike observed in
// every field stands in for a Domino that differs from the mock's default:
//  1. the suite runs against it with --record;
//  2. --learn-profile learns a profile from it;
//  3. a fresh mock started with the learned profile
//  4. replays the recording with no drift;
//  5. a default mock replays it with exactly the differences the profile
//     made: every drift is one of the profile's fields, on the route that
//     field governs, and every field shows at least once.
func TestVerificationRoundTrip(t *testing.T) {
	dir := t.TempDir()
	custom := writeFile(t, "unlike.json", unlikeObserved)
	run, learned := filepath.Join(dir, "run.jsonl"), filepath.Join(dir, "learned.json")
	cli := func(args ...string) (int, string) {
		var out, errs bytes.Buffer
		code := Main(context.Background(), args, &out, &errs, func(string) string { return "" })
		return code, out.String() + errs.String()
	}

	if code, out := cli("--mock", "--profile", custom, "--record", run, "--tags", roundTripTags); code != 0 {
		t.Fatalf("1. recording: exit %d\n%s", code, out)
	}
	if code, out := cli("--mock", "--profile", custom, "--learn-profile", learned, "--tags", roundTripTags); code != 0 {
		t.Fatalf("2. learning: exit %d\n%s", code, out)
	}
	want, err := profile.Load(custom)
	if err != nil {
		t.Fatal(err)
	}
	got, err := profile.Load(learned)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Differences(want); len(d) != 0 {
		t.Fatalf("2. the learned profile differs from the one the target plays in %v", d)
	}

	code, out := cli("replay", run, "--mock", "--profile", learned)
	if code != 0 || !regexp.MustCompile(`\n[1-9]\d* exchanges replayed \(0 skipped\), 0 drifted, 0 differences\n`).MatchString(out) {
		t.Fatalf("4. replaying against a mock with the learned profile: exit %d, want 0 and no drift\n%s", code, out)
	}

	var stdout, stderr bytes.Buffer
	code = Main(context.Background(), []string{"replay", run, "--mock", "--format", "json"}, &stdout, &stderr, func(string) string { return "" })
	var res replay.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); code != 1 || err != nil {
		t.Fatalf("5. replaying against a default mock: exit %d (want 1), %v\n%s", code, err, stderr.String())
	}
	observed := profile.Observed()
	seen := map[string]int{}
	for _, d := range res.Drifts {
		field, ok := profileDrift(d.Method, d.Path, d.Kind, d.Field, d.Scenario, d.Recorded, d.Got, want, observed)
		if !ok {
			t.Errorf("5. a drift the profile does not explain: %s", d)
			continue
		}
		seen[field]++
	}
	for _, field := range want.Differences(observed) {
		if seen[field] == 0 {
			t.Errorf("5. the profile's %s differs from observed, and no drift shows it (drifts by field: %v)", field, seen)
		}
	}
	if t.Failed() {
		t.Logf("%d drifts, by field: %v", len(res.Drifts), seen)
	}
}

// Routes of the actions whose statuses the profile sets, on /v4.
var (
	saRoute      = `/v4/serviceAccounts/[^/?]+`
	profileRoute = map[string]*regexp.Regexp{
		"createAccountStatus": regexp.MustCompile(`^POST /v4/serviceAccounts$`),
		"deactivateStatus":    regexp.MustCompile(`^POST ` + saRoute + `/deactivate$`),
		"activateStatus":      regexp.MustCompile(`^POST ` + saRoute + `/activate$`),
		"resetPasswordStatus": regexp.MustCompile(`^POST ` + saRoute + `/resetpassword$`),
		"createTokenStatus":   regexp.MustCompile(`^POST ` + saRoute + `/tokens$`),
		"invalidateStatus":    regexp.MustCompile(`^POST ` + saRoute + `/tokens/[^/]+/invalidate$`),
		"deleteTokenStatus":   regexp.MustCompile(`^DELETE ` + saRoute + `/tokens/[^/]+$`),
	}
)

// profileDrift says which field of the profile explains a drift, if one
// does: a status the field sets (the recorded one the target's, the one got
// the default's) on the route it governs; a duplicate refused (any /v4 or
// public create); the public API's paging fields moved; a token made after
// re-activation refused; or the mock's own control answers, which report
// those statuses and settings.
func profileDrift(method, path, kind, field, scenario, recorded, got string, target, def profile.Profile) (string, bool) {
	route, _, _ := strings.Cut(path, "?")
	call := method + " " + route
	rec, errR := strconv.Atoi(recorded)
	gotS, errG := strconv.Atoi(got)
	isStatus := kind == "status" && errR == nil && errG == nil
	switch {
	case strings.HasPrefix(route, "/__mock/"):
		// The journal and health describe the calls and the profile.
		if kind != "value" {
			return "", false
		}
		return "(control answers)", true
	case isStatus && strings.HasPrefix(route, "/v4/") && method == "POST" && rec == target.DuplicateStatus && gotS == def.DuplicateStatus:
		return "duplicateStatus", true
	case isStatus && strings.HasPrefix(route, "/api/") && method == "POST" && rec == target.PublicDuplicateStatus && gotS == def.PublicDuplicateStatus:
		return "publicDuplicateStatus", true
	case kind == "shape" && strings.HasPrefix(route, "/api/") && strings.HasPrefix(field, "$.metadata.") && target.PublicPaging != def.PublicPaging:
		return "publicPaging", true
	case isStatus && call == "GET /v4/users/self" && rec/100 == 2 && gotS == 401 && strings.Contains(scenario, "activation") &&
		target.ReactivatedTokensLackSub != def.ReactivatedTokensLackSub:
		return "reactivatedTokensLackSub", true
	}
	if !isStatus {
		return "", false
	}
	for name, re := range profileRoute {
		if re.MatchString(call) && behaviour(target, name) == any(rec) && behaviour(def, name) == any(gotS) {
			return name, true
		}
	}
	return "", false
}

// behaviour is the value of one field of p's table, by its JSON name.
func behaviour(p profile.Profile, field string) any {
	for _, b := range p.Behaviours() {
		if b.Field == field {
			return b.Value
		}
	}
	return nil
}

// The rule above refuses what the profile does not explain, so the round
// trip cannot pass on drift of any kind.
func TestProfileDriftRefusesTheUnexplained(t *testing.T) {
	target, def := profile.Observed(), profile.Observed()
	if err := json.Unmarshal([]byte(unlikeObserved), &target); err != nil {
		t.Fatal(err)
	}
	sa := "/v4/serviceAccounts/1744d9ce-cb38-4f3a-b5e8-9d40cc5c3a59"
	for _, c := range []struct {
		method, path, kind, field, scenario, recorded, got string
		want                                               string // "" for refused
	}{
		{"POST", sa + "/tokens", "status", "", "", "200", "201", "createTokenStatus"},
		{"POST", sa + "/tokens", "status", "", "", "201", "200", ""},     // the wrong way round
		{"POST", sa + "/deactivate", "status", "", "", "202", "200", ""}, // another field's pair
		{"POST", sa + "/tokens/deploy/invalidate", "status", "", "", "202", "200", "invalidateStatus"},
		{"POST", sa + "/tokens", "status", "", "", "409", "500", "duplicateStatus"},
		{"GET", "/v4/projects", "status", "", "", "200", "404", ""},
		{"GET", "/v4/serviceAccounts", "value", "$.username", "", `"a"`, `"b"`, ""},
		{"GET", "/api/serviceAccounts/v1/serviceAccounts?limit=2", "shape", "$.metadata.pagination", "", "an object", "no such field", "publicPaging"},
		{"GET", "/api/serviceAccounts/v1/serviceAccounts", "shape", "$.serviceAccounts[0].id", "", "a string", "no such field", ""},
		{"GET", "/v4/users/self", "status", "", "A token created after deactivation and activation works", "200", "401", "reactivatedTokensLackSub"},
		{"GET", "/v4/users/self", "status", "", "A token works until the day it expires", "200", "401", ""},
		{"GET", "/__mock/journal", "value", "$.entries[3].status", "", "200", "201", "(control answers)"},
		{"GET", "/__mock/journal", "shape", "$.entries", "", "a list", "no such field", ""},
	} {
		got, ok := profileDrift(c.method, c.path, c.kind, c.field, c.scenario, c.recorded, c.got, target, def)
		if (c.want == "") == ok || got != c.want {
			t.Errorf("%s %s %s %s→%s: explained by %q (%v), want %q", c.method, c.path, c.kind, c.recorded, c.got, got, ok, c.want)
		}
	}
}

// TestVerificationHoldsNoSecret: what the verification loop writes — a
// transcript (--record), an HTML report with failures, a learned profile —
// holds none of the tokens, keys and passwords the runs used. A tap in front
// of a running mock sees every exchange as it was on the wire; every secret
// it saw is searched for in the three files. The report run expects the
// strict profile of a mock playing observed, so it fails (duplicates, the
// re-activated account's token) and the page shows those calls.
func TestVerificationHoldsNoSecret(t *testing.T) {
	m := startMock(t, "observed")
	tp := &tap{}
	apiHost, apiProxy := tp.front(t, m.srv.APIURL()), tp.front(t, m.srv.ProxyURL())
	dir := t.TempDir()
	run, page, learned := filepath.Join(dir, "run.jsonl"), filepath.Join(dir, "report.html"), filepath.Join(dir, "learned.json")
	cli := func(args ...string) (int, string) {
		var out, errs bytes.Buffer
		code := Main(context.Background(), append([]string{"--api-host", apiHost, "--api-proxy", apiProxy}, args...), &out, &errs, func(string) string { return "" })
		return code, out.String() + errs.String()
	}
	if code, out := cli("--profile", "strict", "--record", run, "--format", "html", "--output", page,
		"--tags", "@tokens or @git-credentials or @public-api or @jwt"); code != 1 {
		t.Fatalf("the run expecting strict of an observed mock: exit %d, want 1 (failures)\n%s", code, out)
	}
	if code, out := cli("--learn-profile", learned, "--tags", "@tokens"); code != 0 {
		t.Fatalf("learning: exit %d\n%s", code, out)
	}

	secrets := tp.secrets()
	kinds := map[string]int{}
	for _, kind := range secrets {
		kinds[kind]++
	}
	for kind, least := range map[string]int{"jwt": 20, "api key": 2, "git secret": 3, "secret field": 1} {
		if kinds[kind] < least {
			t.Errorf("the runs used %d %s(s), want at least %d: the search would prove little (%v)", kinds[kind], kind, least, kinds)
		}
	}
	for _, file := range []string{run, page, learned} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for s, kind := range secrets {
			escaped := strings.Trim(jsonString(s), `"`)
			if bytes.Contains(data, []byte(s)) || bytes.Contains(data, []byte(escaped)) || bytes.Contains(data, []byte(html.EscapeString(s))) {
				t.Errorf("%s holds a %s the runs used (%.6s…)", filepath.Base(file), kind, s)
			}
		}
	}
	// The page shows the failures' calls, with their credentials as placeholders.
	shown, _ := os.ReadFile(page)
	if !bytes.Contains(shown, []byte(`class="failure`)) || !regexp.MustCompile(`&lt;(jwt|api-key|admin-api-key|credential)-\d+&gt;`).Match(shown) {
		t.Errorf("the report shows no failure with a redacted credential: the search in it proves nothing")
	}
}
