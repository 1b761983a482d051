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
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
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
							if !strings.Contains(c.Skipped.Message, "strict profile") {
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
