package conformance

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	messages "github.com/cucumber/messages/go/v21"

	"github.com/mockdomino/mockdomino/features"
)

const inferredSuffix = " inferred behaviour (@inferred): the mock's guesses, not observed or documented facts"

func TestInferredNote(t *testing.T) {
	for _, c := range []struct {
		failed, inferred int
		want             string
	}{
		{0, 0, ""},
		{3, 0, ""},
		{1, 1, "1 of the 1 failure checks" + inferredSuffix},
		{3, 1, "1 of the 3 failures checks" + inferredSuffix},
		{3, 2, "2 of the 3 failures check" + inferredSuffix},
		{2, 2, "2 of the 2 failures check" + inferredSuffix},
	} {
		r := Result{Passed: 5, Failed: c.failed, FailedInferred: c.inferred}
		if got := r.InferredNote(); got != c.want {
			t.Errorf("%d failed, %d of them @inferred: %q, want %q", c.failed, c.inferred, got, c.want)
		}
	}
}

// TestMainNamesInferredFailures runs the command line through a proxy that
// breaks behaviours, as breaks_test.go does: the line before the summary
// counts the failed scenarios tagged @inferred, and is absent when none is.
func TestMainNamesInferredFailures(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")

	// inferred: the azp claim (jwt.feature, "Keycloak client").
	azp := func(r *http.Response) { editClaims(r, func(c map[string]any) { c["azp"] = "domino-cli" }) }
	// documented: the version's build id (jwt.feature, "version").
	noBuildID := func(r *http.Response) {
		if r.Request.URL.Path == "/version" {
			eachObject(r, func(o map[string]any) { delete(o, "buildId") })
		}
	}
	// Every invalid email accepted: one Examples block of the outline is
	// @inferred (a dotless domain), the other is not.
	anyEmail := func(r *http.Response) {
		if is(r.Request, "POST", saListRE) && r.StatusCode == http.StatusBadRequest {
			// accepted, on either surface
			respond(r, http.StatusCreated, map[string]any{"id": randomObjectID(), "idpId": "00000000-0000-4000-8000-000000000000"})
		}
	}
	jwtPair := []string{"--tags", "@jwt", "--name", "Keycloak client|version is published"}

	for _, c := range []struct {
		name   string
		breaks []func(*http.Response)
		args   []string
		code   int
		note   string // "" for none
		last   string
	}{
		{"nothing broken", nil, jwtPair, 0, "", "2 passed, 0 failed"},
		{"an inferred behaviour broken", []func(*http.Response){azp}, jwtPair, 1,
			"1 of the 1 failure checks" + inferredSuffix, "1 passed, 1 failed"},
		{"an observed behaviour broken", []func(*http.Response){noBuildID}, jwtPair, 1, "", "1 passed, 1 failed"},
		{"both broken", []func(*http.Response){azp, noBuildID}, jwtPair, 1,
			"1 of the 2 failures checks" + inferredSuffix, "0 passed, 2 failed"},
		{"an @inferred Examples block among others", []func(*http.Response){anyEmail},
			[]string{"--tags", "@service-accounts", "--name", "invalid email"}, 1,
			"2 of the 8 failures check" + inferredSuffix, "0 passed, 8 failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rule := breakRule{name: c.name, response: func(_ *breaker, r *http.Response, _ []byte) {
				for _, f := range c.breaks {
					f(r)
				}
			}}
			host := newBreaker(rule, m.Target()).serve(t, m.srv.APIURL(), true)
			var stdout, stderr bytes.Buffer
			// The mock is the test's: no proxy to save its state through.
			code := Main(context.Background(), append([]string{"--api-host", host, "--allow-mock-changes"}, c.args...), &stdout, &stderr, noEnv)
			out := stdout.String()
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, c.code, out, stderr.String())
			}
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			if last := lines[len(lines)-1]; last != c.last || !summaryRE.MatchString(last) {
				t.Errorf("last line %q, want %q", last, c.last)
			}
			if c.note == "" {
				if strings.Contains(out, "(@inferred)") {
					t.Errorf("the output names inferred failures, but none failed:\n%s", out)
				}
				return
			}
			if len(lines) < 2 || lines[len(lines)-2] != c.note {
				t.Errorf("the line before the summary is not %q:\n%s", c.note, out)
			}
		})
	}
}

// TestInferredTagsAreExplained keeps the @inferred tags as precise as they
// were written: on scenarios, outlines or Examples blocks only (never a
// whole feature or rule), each right under a one-line "# inferred: …"
// comment naming the fact, and every such comment over an @inferred tag.
func TestInferredTagsAreExplained(t *testing.T) {
	files, err := fs.Glob(features.FS, "*.feature")
	if err != nil || len(files) == 0 {
		t.Fatalf("no feature files: %v", err)
	}
	tagged := 0
	for _, name := range files {
		data, err := fs.ReadFile(features.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			lines = append(lines, strings.TrimSpace(sc.Text()))
		}
		for i, line := range lines {
			if strings.HasPrefix(line, "# inferred:") {
				if strings.TrimSpace(strings.TrimPrefix(line, "# inferred:")) == "" {
					t.Errorf("%s:%d: the comment names no inferred fact", name, i+1)
				}
				if i+1 >= len(lines) || !hasTagWord(lines[i+1], InferredTag) {
					t.Errorf("%s:%d: a \"# inferred:\" comment is not right above an %s tag", name, i+1, InferredTag)
				}
			}
			if !strings.HasPrefix(line, "@") || !hasTagWord(line, InferredTag) {
				continue
			}
			tagged++
			if i == 0 || !strings.HasPrefix(lines[i-1], "# inferred:") {
				t.Errorf("%s:%d: %s without a \"# inferred: <the fact>\" comment right above", name, i+1, InferredTag)
			}
			next := ""
			for _, l := range lines[i+1:] {
				if l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "@") {
					next = l
					break
				}
			}
			if !strings.HasPrefix(next, "Scenario:") && !strings.HasPrefix(next, "Scenario Outline:") && !strings.HasPrefix(next, "Examples:") {
				t.Errorf("%s:%d: %s tags %q; tag scenarios, outlines or Examples blocks only", name, i+1, InferredTag, next)
			}
		}
	}
	if tagged == 0 {
		t.Fatalf("no scenario is tagged %s", InferredTag)
	}
	// Both selections a platform team uses must be non-empty.
	for _, expr := range []string{InferredTag, "~" + InferredTag} {
		n := 0
		if err := eachPickle(features.FS, []string{"."}, expr, func(*messages.Pickle, int64) { n++ }); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("--tags %q selects no scenario", expr)
		}
	}
}

func hasTagWord(line, tag string) bool {
	for _, f := range strings.Fields(line) {
		if f == tag {
			return true
		}
	}
	return false
}
