package conformance

// Tests of the runner itself, as a CI job uses it (issue 12): what it writes
// where, which tag expressions it takes, how it checks its set-up, what it
// leaves in a mock, and how it stops.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	messages "github.com/cucumber/messages/go/v21"

	"github.com/mockdomino/mockdomino/features"
	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/server"
)

// summaryCounts reads "N passed, N failed[, N skipped]".
func summaryCounts(t *testing.T, line string) (passed, failed, skipped int) {
	t.Helper()
	m := regexp.MustCompile(`^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("%q is not the summary", line)
	}
	passed, _ = strconv.Atoi(m[1])
	failed, _ = strconv.Atoi(m[2])
	if m[3] != "" {
		skipped, _ = strconv.Atoi(m[3])
	}
	return passed, failed, skipped
}

// junitReport is the part of a JUnit XML report CI tools read.
type junitReport struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// parseJUnit decodes a whole JUnit document: one root element and nothing
// after it but white space.
func parseJUnit(data []byte) (junitReport, error) {
	var r junitReport
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return r, err
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return r, fmt.Errorf("content after the root element: %q", rest)
	}
	return r, nil
}

// cucumberReport is the part of a Cucumber JSON report CI tools read.
type cucumberReport []struct {
	Name     string `json:"name"`
	Elements []struct {
		Name  string `json:"name"`
		Type  string `json:"type"`
		Steps []struct {
			Result struct {
				Status string `json:"status"`
			} `json:"result"`
		} `json:"steps"`
	} `json:"elements"`
}

// TestMachineFormatsOnStdout: --format junit or cucumber on stdout is that
// document alone, which encoding/xml and encoding/json parse whole; the
// summary goes to stderr; and the report counts what the summary counts,
// the scenarios the runner skipped included.
func TestMachineFormatsOnStdout(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"junit", "cucumber"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			// The observed profile skips the @strict outline (2 runs).
			code := Main(context.Background(), []string{"--mock", "--tags", "@tokens", "--format", format}, &stdout, &stderr, noEnv)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
			}
			passed, failed, skipped := summaryCounts(t, lastLine(stderr.String()))
			if skipped == 0 {
				t.Fatalf("nothing was skipped, so the test proves nothing: %s", stderr.String())
			}
			switch format {
			case "junit":
				r, err := parseJUnit(stdout.Bytes())
				if err != nil {
					t.Fatalf("stdout is not one JUnit XML document: %v\n%s", err, stdout.String())
				}
				if r.Tests != passed+failed+skipped || r.Failures != failed || r.Skipped != skipped {
					t.Errorf("report: tests=%d failures=%d skipped=%d; summary: %d passed, %d failed, %d skipped",
						r.Tests, r.Failures, r.Skipped, passed, failed, skipped)
				}
				cases, skippedCases, suiteSkipped := 0, 0, 0
				for _, s := range r.Suites {
					suiteSkipped += s.Skipped
					for _, c := range s.Cases {
						cases++
						if c.Skipped != nil {
							skippedCases++
							if !strings.Contains(c.Skipped.Message, "expect the strict behaviour") {
								t.Errorf("test case %q is skipped with %q, want the reason", c.Name, c.Skipped.Message)
							}
						}
					}
				}
				if cases != r.Tests || skippedCases != skipped || suiteSkipped != skipped {
					t.Errorf("%d test cases, %d of them skipped, suites' skipped add up to %d; want %d, %d, %d",
						cases, skippedCases, suiteSkipped, r.Tests, skipped, skipped)
				}
			case "cucumber":
				var r cucumberReport
				if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
					t.Fatalf("stdout is not one Cucumber JSON document: %v\n%s", err, stdout.String())
				}
				scenarios, allSkipped := 0, 0
				for _, f := range r {
					for _, e := range f.Elements {
						if e.Type != "scenario" {
							continue
						}
						scenarios++
						skippedSteps := 0
						for _, s := range e.Steps {
							if s.Result.Status == "skipped" {
								skippedSteps++
							}
						}
						if skippedSteps == len(e.Steps) {
							allSkipped++
						}
					}
				}
				if scenarios != passed+failed+skipped || allSkipped != skipped {
					t.Errorf("report: %d scenarios, %d of them skipped; summary: %d passed, %d failed, %d skipped",
						scenarios, allSkipped, passed, failed, skipped)
				}
			}
		})
	}
}

// TestJUnitCountsFailures: a failed scenario is a test case with a failure
// that names its step, and the report's counts are the summary's.
func TestJUnitCountsFailures(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	u, _ := url.Parse(m.srv.APIURL())
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(r *http.Response) error {
		if strings.HasPrefix(r.Request.Header.Get("Authorization"), "Bearer ") {
			r.StatusCode = http.StatusUnauthorized
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"--api-host", srv.URL, "--api-proxy", m.srv.ProxyURL(), "--tags", "@users", "--format", "junit"}, &stdout, &stderr, noEnv)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout.String(), stderr.String())
	}
	passed, failed, skipped := summaryCounts(t, lastLine(stderr.String()))
	r, err := parseJUnit(stdout.Bytes())
	if err != nil {
		t.Fatalf("stdout is not one JUnit XML document: %v\n%s", err, stdout.String())
	}
	if failed == 0 || r.Failures != failed || r.Tests != passed+failed+skipped {
		t.Fatalf("report: tests=%d failures=%d; summary: %d passed, %d failed, %d skipped", r.Tests, r.Failures, passed, failed, skipped)
	}
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil && !strings.HasPrefix(c.Failure.Message, "Step ") {
				t.Errorf("test case %q fails with %q, which names no step", c.Name, c.Failure.Message)
			}
		}
	}
}

// TestMainTagExpressions: godog's and Cucumber's tag syntax both select
// scenarios; a selection of nothing, a tag no scenario has and a malformed
// expression are usage errors (exit 2) that say what is wrong, never a panic.
func TestMainTagExpressions(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, tags string) (code int, stdout, stderr string) {
		t.Helper()
		var out, errOut bytes.Buffer
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("--tags %q panics: %v", tags, p)
			}
		}()
		code = Main(context.Background(), []string{"--mock", "--tags", tags}, &out, &errOut, noEnv)
		return code, out.String(), errOut.String()
	}
	for _, c := range []struct {
		tags string
		code int
		same string // for 0: the godog expression that selects the same scenarios
		want string // for 2: in stderr
	}{
		{tags: "@jwt && ~@inferred", code: 0},
		{tags: "@jwt and not @inferred", code: 0, same: "@jwt && ~@inferred"},
		{tags: "(@jwt or @users) and not @inferred", code: 0, same: "@jwt,@users && ~@inferred"},
		{tags: "not @inferred and @jwt", code: 0, same: "@jwt && ~@inferred"},
		{tags: "@tokenz", code: 2, want: "no scenario has the tag @tokenz"},
		{tags: "@jwt && ~@inferd", code: 2, want: "no scenario has the tag @inferd"},
		{tags: "@jwt and @tokens", code: 2, want: "select no scenario"},
		{tags: "~@inferred &&", code: 2, want: "a tag"},
		{tags: "@jwt and", code: 2, want: "a tag"},
		{tags: "(@jwt or @users", code: 2, want: ")"},
		{tags: "@jwt or @users)", code: 2, want: ")"},
		{tags: "jwt", code: 2, want: "start with @"},
		{tags: "@jwt @users", code: 2, want: "@users"},
	} {
		t.Run(c.tags, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, c.tags)
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, c.code, stdout, stderr)
			}
			switch {
			case c.code == 2:
				if !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
					t.Errorf("stderr %q: want one message containing %q", stderr, c.want)
				}
			case c.same != "":
				passed, _, _ := summaryCounts(t, lastLine(stdout))
				_, same, _ := run(t, c.same)
				if want, _, _ := summaryCounts(t, lastLine(same)); passed != want || passed == 0 {
					t.Errorf("%d passed; %q passes %d", passed, c.same, want)
				}
			}
		})
	}
}

// TestTagExpressions: both syntaxes, and mixtures, in godog's form; every
// malformed expression is an error, never a panic.
func TestTagExpressions(t *testing.T) {
	for _, c := range []struct{ in, godog, err string }{
		{"", "", ""},
		{"   ", "", ""},
		{"@a", "@a", ""},
		{"~@a", "~@a", ""},
		{"@a && ~@b", "@a && ~@b", ""},
		{"@a,@b && @c", "@a,@b && @c", ""},
		{"@a && @b,@c", "@a && @b,@c", ""},
		{"@a and not @b", "@a && ~@b", ""},
		{"not @a and @b", "~@a && @b", ""},
		{"@a or @b and @c", "@a,@b && @a,@c", ""},
		{"(@a or @b) and @c", "@a,@b && @c", ""},
		{"not (@a or @b)", "~@a && ~@b", ""},
		{"not (@a and @b)", "~@a,~@b", ""},
		{"not not @a", "@a", ""},
		{"~(@a && @b)", "~@a,~@b", ""},
		{"(@a or @b) and not @c or @d", "@a,@b,@d && ~@c,@d", ""},
		{"@a or not @a", "", ""},
		{"@a or @a", "@a", ""},
		{"@mock-only&&~@non-admin", "@mock-only && ~@non-admin", ""},

		{"~@inferred &&", "", `missing after "&&" at the end`},
		{"@a and", "", `missing after "and" at the end`},
		{"@a ,", "", `missing after "," at the end`},
		{"not", "", `missing after "not" at the end`},
		{"~", "", `missing after "~" at the end`},
		{"and @a", "", `a tag is missing before "and"`},
		{"&& @a", "", `a tag is missing before "&&"`},
		{",@a", "", `a tag is missing before ","`},
		{"@a,,@b", "", `a tag is missing before ","`},
		{"@a and or @b", "", `a tag is missing before "or"`},
		{"()", "", `a tag is missing before ")"`},
		{"(@a", "", `never closed`},
		{"@a)", "", `no "(" before it`},
		{"@a @b", "", `"@b" after a complete expression`},
		{"a", "", `"a" is not a tag (tags start with @)`},
		{"@", "", `"@" is not a tag`},
		{"@a@b", "", `"@a@b" is not a tag`},
		{"@a & @b", "", `"&" is not a tag`},
		{"@a || @b", "", `"||" is not a tag`},
		{"AND", "", `"AND" is not a tag`},
	} {
		got, _, err := godogTagExpression(c.in)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.in, err)
		case c.err == "" && got != c.godog:
			t.Errorf("%q: %q, want %q", c.in, got, c.godog)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one containing %q", c.in, err, c.err)
		}
	}
	// An expression that would grow past the bound in godog's form is refused.
	var big []string
	for i := range 10 {
		big = append(big, fmt.Sprintf("(@a%d and @b%d)", i, i))
	}
	if _, _, err := godogTagExpression(strings.Join(big, " or ")); err == nil || !strings.Contains(err.Error(), "too complex") {
		t.Errorf("2^10 clauses: %v, want too complex", err)
	}
}

// FuzzTagExpressions: no input panics, and what parses gives godog an
// expression it reads the same way.
func FuzzTagExpressions(f *testing.F) {
	for _, s := range []string{"@a && ~@b,@c", "(@a or @b) and not @c", "~@inferred &&", "not (", "@a,,", "(((@a)))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		godog, _, err := godogTagExpression(s)
		if err != nil {
			return
		}
		again, _, err := godogTagExpression(godog)
		if err != nil || again != godog {
			t.Fatalf("%q gives %q, which gives %q, %v", s, godog, again, err)
		}
	})
}

// closedURL is the URL of a loopback port where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

// TestMainChecksItsSetUp: a mistake in the set-up is found once, before
// the first scenario, and reported as one message that says what to fix,
// with exit 2, instead of as every scenario failing.
func TestMainChecksItsSetUp(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	api, proxy := m.srv.APIURL(), m.srv.ProxyURL()
	keys := []string{"--admin-api-key", fixtures.DefaultAdminAPIKey, "--user-api-key", fixtures.DefaultUserAPIKey}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"nothing listens at the API host", append([]string{"--api-host", closedURL(t)}, keys...),
			"nothing answers at --api-host"},
		{"the API host has no scheme", []string{"--api-host", strings.TrimPrefix(api, "http://"), "--api-proxy", proxy},
			"--api-host " + strconv.Quote(strings.TrimPrefix(api, "http://")) + " is not an http:// or https:// URL"},
		{"the API host is a host name and port", []string{"--api-host", "localhost:8080"},
			`--api-host "localhost:8080" is not an http:// or https:// URL`},
		{"the API proxy has no scheme", []string{"--api-host", api, "--api-proxy", strings.TrimPrefix(proxy, "http://")},
			"--api-proxy " + strconv.Quote(strings.TrimPrefix(proxy, "http://")) + " is not an http:// or https:// URL"},
		{"the external URL has no scheme", append([]string{"--api-host", api, "--api-proxy", proxy, "--external-url", "domino.example.com"}, keys...),
			`--external-url "domino.example.com" is not an http:// or https:// URL`},
		{"nothing listens at the API proxy", []string{"--api-host", api, "--api-proxy", closedURL(t)},
			"nothing answers at --api-proxy"},
		{"the project does not exist", []string{"--api-host", api, "--api-proxy", proxy, "--project", "admin/no-such-project"},
			"--project admin/no-such-project does not exist"},
		{"the administrator's key is refused", []string{"--api-host", api, "--api-proxy", proxy,
			"--admin-api-key", "not-a-key", "--user-api-key", fixtures.DefaultUserAPIKey},
			"the administrator's API key (--admin-api-key, DOMINO_USER_API_KEY) is refused"},
		{"the administrator's key is a user's", []string{"--api-host", api, "--api-proxy", proxy,
			"--admin-api-key", fixtures.DefaultUserAPIKey, "--user-api-key", fixtures.DefaultUserAPIKey},
			"the administrator's API key (--admin-api-key, DOMINO_USER_API_KEY) is not an administrator's"},
		{"the user's key is refused", []string{"--api-host", api, "--api-proxy", proxy,
			"--admin-api-key", fixtures.DefaultAdminAPIKey, "--user-api-key", "not-a-key"},
			"the non-admin user's API key (--user-api-key, DOMINO_NONADMIN_API_KEY) is refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), append(c.args, "--tags", "@users"), &stdout, &stderr, noEnv)
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s\n%s", code, stdout.String(), stderr.String())
			}
			if stdout.Len() > 0 || !strings.Contains(stderr.String(), c.want) || strings.Count(stderr.String(), "\n") > 2 {
				t.Errorf("stdout %q, stderr %q: want nothing on stdout and one message containing %q", stdout.String(), stderr.String(), c.want)
			}
		})
	}
}

// control calls one of a mock's control routes through its proxy (which
// needs no credentials) and returns the answer's body.
func control(t *testing.T, m *Mock, method, path, body string) []byte {
	t.Helper()
	req, err := http.NewRequest(method, m.srv.ProxyURL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	return data
}

// mockReadings is what a developer's mock holds that a run could change.
type mockReadings struct {
	clock, lifecycle, wsLifecycle, faults, state string
}

func readMock(t *testing.T, m *Mock) mockReadings {
	t.Helper()
	var clock mockClock
	if err := json.Unmarshal(control(t, m, "GET", "/__mock/clock", ""), &clock); err != nil {
		t.Fatal(err)
	}
	// A rule put back is a new rule: its id and its count of fired requests
	// are new; what it matches, does and has left to do are what count.
	var faults []map[string]any
	if err := json.Unmarshal(control(t, m, "GET", "/__mock/faults", ""), &faults); err != nil {
		t.Fatal(err)
	}
	for _, f := range faults {
		if times, _ := f["times"].(float64); times > 0 {
			fired, _ := f["fired"].(float64)
			f["times"] = times - fired
		}
		delete(f, "id")
		delete(f, "fired")
	}
	fj, _ := json.Marshal(faults)
	return mockReadings{
		clock:       clock.String(), // a running clock's offset, a frozen one's time
		lifecycle:   string(control(t, m, "GET", "/__mock/jobs/lifecycle", "")),
		wsLifecycle: string(control(t, m, "GET", "/__mock/workspaces/lifecycle", "")),
		faults:      string(fj),
		state:       string(control(t, m, "GET", "/__mock/state?secrets=true", "")),
	}
}

// developersMock is a mock as a developer may have left it: jobs held until
// advanced (as the README teaches), workspaces held too, a fault rule on account creation, the
// clock moved on (and frozen there), and an account of their own.
func developersMock(t *testing.T, frozen bool) *Mock {
	t.Helper()
	m := startMock(t, "observed")
	control(t, m, "POST", "/v4/serviceAccounts", `{"username":"my-own-bot","email":"my-own-bot@example.com"}`)
	control(t, m, "PUT", "/__mock/jobs/lifecycle", `{"mode":"manual"}`)
	control(t, m, "PUT", "/__mock/workspaces/lifecycle", `{"mode":"manual"}`)
	control(t, m, "POST", "/__mock/faults", `{"match":{"method":"POST","route":"/v4/serviceAccounts"},"effect":{"status":503,"message":"try again"},"times":2}`)
	control(t, m, "POST", "/__mock/faults", `{"match":{"pathPrefix":"/v4/jobs"},"effect":{"delay":"1ms"}}`)
	control(t, m, "POST", "/__mock/clock", fmt.Sprintf(`{"advance":"1h","frozen":%v}`, frozen))
	return m
}

// TestRunAgainstAMockLeavesItAsFound: against a running mock, the runner
// sets what its scenarios need (jobs that complete, no faults) whatever the
// mock was left with, runs every scenario, those that move the clock
// (@moves-clock) too, and puts back its clock (running or frozen), job
// lifecycle, faults and state. With --allow-mock-changes and no
// --api-proxy it keeps no state, and still puts the rest back.
func TestRunAgainstAMockLeavesItAsFound(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		frozen      bool
		keepsState  bool
		allowNoProx bool
	}{
		{name: "running clock", keepsState: true},
		{name: "frozen clock", frozen: true, keepsState: true},
		{name: "allow-mock-changes without the proxy", allowNoProx: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := developersMock(t, c.frozen)
			before := readMock(t, m)
			args := []string{"--api-host", m.srv.APIURL(), "--tags", "@jobs,@tokens,@workspaces", "--job-timeout", "2s", "--format", "pretty"}
			if c.allowNoProx {
				args = append(args, "--allow-mock-changes")
			} else {
				args = append(args, "--api-proxy", m.srv.ProxyURL())
			}
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), args, &stdout, &stderr, noEnv)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
			}
			after := readMock(t, m)
			if after.lifecycle != before.lifecycle {
				t.Errorf("job lifecycle %s, was %s", after.lifecycle, before.lifecycle)
			}
			if after.wsLifecycle != before.wsLifecycle {
				t.Errorf("workspace lifecycle %s, was %s", after.wsLifecycle, before.wsLifecycle)
			}
			if after.faults != before.faults {
				t.Errorf("faults %s, were %s", after.faults, before.faults)
			}
			if after.clock != before.clock {
				t.Errorf("clock %s, was %s", after.clock, before.clock)
			}
			if c.keepsState && after.state != before.state {
				i := 0
				for i < len(before.state) && i < len(after.state) && before.state[i] == after.state[i] {
					i++
				}
				from := max(i-300, 0)
				t.Errorf("the state differs from the one the run found, at byte %d:\nbefore …%.600s\nafter  …%.600s", i, before.state[from:], after.state[from:])
			}
			if strings.Contains(stdout.String(), "@moves-clock") || !strings.Contains(stdout.String(), "expired token is refused") {
				t.Errorf("the clock-moving scenarios did not run:\n%s", stdout.String())
			}
		})
	}
}

// TestJobTimeoutIsNamed: against a real Domino (the runner sees no
// /__mock/ routes) a job that does not finish fails its scenario with its
// last status and the time waited, and names --job-timeout.
func TestJobTimeoutIsNamed(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	control(t, m, "PUT", "/__mock/jobs/lifecycle", `{"mode":"manual"}`)
	u, _ := url.Parse(m.srv.APIURL())
	rp := httputil.NewSingleHostReverseProxy(u)
	hidden := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__mock/") {
			http.NotFound(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer hidden.Close()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"--api-host", hidden.URL, "--admin-api-key", fixtures.DefaultAdminAPIKey,
		"--tags", "@jobs", "--name", "starts a job through the public API", "--job-timeout", "300ms"}, &stdout, &stderr, noEnv)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout.String(), stderr.String())
	}
	want := regexp.MustCompile(`the job \w+ is still Queued after [0-9.]+m?s \(--job-timeout 300ms\)`)
	if !want.MatchString(stdout.String()) {
		t.Errorf("the failure does not give the job's last status, the time waited and --job-timeout:\n%s", stdout.String())
	}
}

// TestClockMovingScenariosAreTagged: the runner knows the scenarios that
// move a mock's clock by their tag, so every one must have it.
func TestClockMovingScenariosAreTagged(t *testing.T) {
	n := 0
	err := eachPickle(features.FS, []string{"."}, "", func(pk *messages.Pickle, _ int64) {
		moves := false
		for _, st := range pk.Steps {
			moves = moves || strings.Contains(st.Text, "the mock's clock moves forward")
		}
		if moves {
			n++
		}
		if moves != hasTag(pk.Tags, movesClockTag) {
			t.Errorf("%s %q: moves the clock: %v, tagged %s: %v", pk.Uri, pk.Name, moves, movesClockTag, !moves)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no scenario moves the clock: the step's text has changed")
	}
}

// TestMainRefusesAnUnhealthyMock: a mock that refuses every change (its
// state directory failed) answers /__mock/health 503 with the reason; the
// runner says so once, instead of taking it for a real Domino and failing
// every scenario that writes.
func TestMainRefusesAnUnhealthyMock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, err := server.Start(server.Config{Listen: "127.0.0.1:0", ProxyListen: "127.0.0.1:0", StateDir: dir, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m := &Mock{srv: srv}
	// A directory where the snapshot's temporary file goes: the reset
	// cannot be written, and the mock refuses changes from then on.
	if err := os.Mkdir(filepath.Join(dir, "snapshot.json.tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(srv.ProxyURL()+"/__mock/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("reset: %s, want 503", resp.Status)
	}
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"--api-host", m.srv.APIURL(), "--api-proxy", m.srv.ProxyURL(), "--tags", "@users"}, &stdout, &stderr, noEnv)
	if code != 2 || !strings.Contains(stderr.String(), "the mock is unhealthy: mockdomino cannot write its state directory") {
		t.Fatalf("exit %d, want 2 with the mock's reason\n%s\n%s", code, stdout.String(), stderr.String())
	}
}

// TestInterruptLeavesTheMockAsFound: an interrupt (Main's context
// cancelled), in the run's set-up or in a scenario, stops the run with
// ExitInterrupted: the scenario under way is cut short, no other begins, the
// JUnit report counts what the summary counts, and the mock is put back as
// the run found it.
func TestInterruptLeavesTheMockAsFound(t *testing.T) {
	t.Parallel()
	tokenRE := regexp.MustCompile(`^/v4/serviceAccounts/[^/]+/tokens$`)
	for _, c := range []struct {
		name string
		hold func(r *http.Request) bool
	}{
		// After the job lifecycle is set, before the set-up ends.
		{"in the set-up", func(r *http.Request) bool {
			return r.Method == http.MethodPut && r.URL.Path == "/__mock/workspaces/lifecycle"
		}},
		{"in a scenario", func(r *http.Request) bool { return r.Method == http.MethodPost && tokenRE.MatchString(r.URL.Path) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := developersMock(t, false)
			before := readMock(t, m)
			ctx, interrupt := context.WithCancel(context.Background())
			defer interrupt()
			u, _ := url.Parse(m.srv.APIURL())
			rp := httputil.NewSingleHostReverseProxy(u)
			var held atomic.Bool
			released := make(chan struct{})
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !c.hold(r) || !held.CompareAndSwap(false, true) {
					rp.ServeHTTP(w, r)
					return
				}
				// The server notices a client that leaves once the body is read.
				io.Copy(io.Discard, r.Body)
				interrupt()
				select {
				case <-r.Context().Done():
				case <-released:
				}
			}))
			defer front.Close()
			defer close(released) // before Close, which waits for the handlers

			var stdout, stderr bytes.Buffer
			exited := make(chan int, 1)
			go func() {
				exited <- Main(ctx, []string{"--api-host", front.URL, "--api-proxy", m.srv.ProxyURL(), "--tags", "@tokens", "--format", "junit"}, &stdout, &stderr, noEnv)
			}()
			var code int
			select {
			case code = <-exited:
			case <-time.After(3 * time.Minute): // only keeps a broken run from hanging
				t.Fatal("the run did not end")
			}
			if !held.Load() {
				t.Fatalf("no request was held, so nothing was interrupted\n%s", stderr.String())
			}
			if code != ExitInterrupted {
				t.Errorf("exit %d, want %d\n%s", code, ExitInterrupted, stderr.String())
			}
			after := readMock(t, m)
			for _, v := range []struct{ what, before, after string }{
				{"clock offset", before.clock, after.clock},
				{"job lifecycle", before.lifecycle, after.lifecycle},
				{"workspace lifecycle", before.wsLifecycle, after.wsLifecycle},
				{"faults", before.faults, after.faults},
				{"state", before.state, after.state},
			} {
				if v.after != v.before {
					t.Errorf("%s %.300s, was %.300s", v.what, v.after, v.before)
				}
			}
			if c.name == "in the set-up" || code != ExitInterrupted {
				return
			}
			m2 := regexp.MustCompile(`^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?, (\d+) interrupted$`).FindStringSubmatch(lastLine(stderr.String()))
			if m2 == nil {
				t.Fatalf("the summary does not count the interrupted scenarios:\n%s", stderr.String())
			}
			var n [4]int
			for i := range n {
				n[i], _ = strconv.Atoi(m2[i+1])
			}
			r, err := parseJUnit(stdout.Bytes())
			if err != nil {
				t.Fatalf("stdout is not one JUnit XML document: %v\n%s", err, stdout.String())
			}
			if r.Tests != n[0]+n[1]+n[2]+n[3] || r.Failures != n[1] || r.Skipped != n[2]+n[3] {
				t.Errorf("report: tests=%d failures=%d skipped=%d; summary: %s", r.Tests, r.Failures, r.Skipped, m2[0])
			}
			var cut, notBegun int
			for _, s := range r.Suites {
				for _, tc := range s.Cases {
					switch {
					case tc.Skipped != nil && tc.Skipped.Message == cutShort:
						cut++
					case tc.Skipped != nil && tc.Skipped.Message == notRun:
						notBegun++
					case cut > 0 && (tc.Skipped == nil || !strings.Contains(tc.Skipped.Message, "scenarios are skipped")):
						t.Errorf("scenario %q ran after the interrupt", tc.Name)
					}
				}
			}
			if cut != 1 || notBegun == 0 || cut+notBegun != n[3] {
				t.Errorf("%d scenarios cut short and %d not begun; want 1, and with them the %d the summary calls interrupted", cut, notBegun, n[3])
			}
		})
	}
}
