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
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
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
