package conformance

// Tests of conformance --learn-profile (issue 13, item 4): the probes learn
// every field of the profile table from a target, a mock started with the
// learned file behaves like the target, and the @inferred scenarios the
// target fails are written down as disproved guesses.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mockdomino/mockdomino/internal/profile"
)

// unlikeObserved is a profile file in which every behaviour differs from
// observed's, each in a way the mock can play.
const unlikeObserved = `{"name": "unlike observed", "duplicateStatus": 409, "reactivatedTokensLackSub": false,
	"createTokenStatus": 200, "invalidateStatus": 202, "deleteTokenStatus": 202, "createAccountStatus": 200,
	"deactivateStatus": 200, "activateStatus": 202, "resetPasswordStatus": 204, "publicDuplicateStatus": 400,
	"publicPaging": "nested"}`

// Learning from a mock that plays a profile unlike observed in every field
// gives back exactly that profile's fields.
func TestProbeLearnsEveryField(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "unlike.json", unlikeObserved)
	want, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(want.Differences(profile.Observed())); n != len(profile.Observed().Behaviours()) {
		t.Fatalf("the test's profile differs from observed in %d fields, want all", n)
	}
	m := startMock(t, path)
	var log bytes.Buffer
	doc, err := ProbeProfile(context.Background(), m.Target(), LearnOptions{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if d := doc.Profile.Differences(want); len(d) != 0 {
		t.Errorf("learned %+v\nthe mock plays %+v\nthey differ in %v", doc.Profile, want, d)
	}
	if log.Len() != 0 {
		t.Errorf("the probes warned:\n%s", &log)
	}
	// The probes cleaned up: their accounts are deactivated, their tokens gone.
	c := NewClient(m.Target())
	r, err := c.Do(context.Background(), http.MethodGet, "/v4/serviceAccounts", APIKey(m.Target().AdminAPIKey, "admin"), nil)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("listing the service accounts: %v %v", r, err)
	}
	if bytes.Contains(r.Body, []byte("-learn-")) {
		t.Errorf("an account the probes made is still active: %s", r)
	}
	// Deactivated accounts leave that list anyway: their tokens must be
	// gone too.
	r, err = c.Do(context.Background(), http.MethodGet, "/v4/serviceAccounts?includeDeactivated=true", APIKey(m.Target().AdminAPIKey, "admin"), nil)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("listing the service accounts: %v %v", r, err)
	}
	accounts, err := r.Array()
	if err != nil {
		t.Fatal(err)
	}
	probed := 0
	for _, a := range accounts {
		name, _ := a.str("username")
		idp, _ := a.str("idpId")
		if !strings.Contains(name, "-learn-") {
			continue
		}
		probed++
		tr, err := c.Do(context.Background(), http.MethodGet, "/v4/serviceAccounts/"+idp+"/tokens", APIKey(m.Target().AdminAPIKey, "admin"), nil)
		if err != nil || tr.Status != http.StatusOK || strings.TrimSpace(string(tr.Body)) != "[]" {
			t.Errorf("the probes' account %s keeps tokens: %v %v", name, tr, err)
		}
	}
	if probed == 0 {
		t.Error("no account of the probes is listed even with includeDeactivated: the check proves nothing")
	}
}

// Learning from a default mock gives observed's fields, a name and origin
// that say where it was learned, and observed as the base.
func TestProbeLearnsObserved(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	doc, err := ProbeProfile(context.Background(), m.Target(), LearnOptions{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	if d := doc.Profile.Differences(profile.Observed()); len(d) != 0 {
		t.Errorf("learned %+v, differs from observed in %v", doc.Profile, d)
	}
	host := m.srv.APIURL()
	if want := "learned from Domino 6.2.0 at " + host; doc.Profile.Name != want {
		t.Errorf("name %q, want %q", doc.Profile.Name, want)
	}
	o := doc.LearnedFrom
	if o == nil || o.DominoVersion != "6.2.0" || o.APIHost != host || !o.Time.Equal(at) || len(o.Notes) != 0 {
		t.Errorf("learnedFrom %+v", o)
	}
	if doc.Base != "observed" || doc.FormatVersion != profile.FormatVersion || doc.Disproved != nil {
		t.Errorf("document %+v", doc)
	}
}

// versionAs answers GET /version with another Domino's version, the rest
// as the target does.
type versionAs struct {
	version string
	next    http.RoundTripper
}

func (v versionAs) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path != "/version" {
		return v.next.RoundTrip(r)
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
		Body: io.NopCloser(strings.NewReader(`{"version":"` + v.version + `","buildId":"b","commitId":"c"}`))}, nil
}

// The file names the version the target's GET /version gave.
func TestProbeNamesTheTargetsVersion(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	target := m.Target()
	target.HTTPClient = &http.Client{Transport: versionAs{"5.10.0", http.DefaultTransport}}
	doc, err := ProbeProfile(context.Background(), target, LearnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.LearnedFrom.DominoVersion != "5.10.0" || !strings.HasPrefix(doc.Profile.Name, "learned from Domino 5.10.0 at http://") {
		t.Errorf("version %q, name %q: want 5.10.0", doc.LearnedFrom.DominoVersion, doc.Profile.Name)
	}
}

// A target without the public API (404) keeps the base's public fields,
// and the file says so; a status no profile can hold is an error naming
// the probe.
func TestProbeWithoutThePublicAPIAndUndecidable(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	var creates atomic.Int32
	for _, tc := range []struct {
		name  string
		edit  func(r *http.Request) *http.Response
		check func(t *testing.T, doc profile.Document, err error)
	}{
		{"no public API", func(r *http.Request) *http.Response {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				return answer(r, http.StatusNotFound, `{"error":"not found"}`)
			}
			return nil
		}, func(t *testing.T, doc profile.Document, err error) {
			if err != nil {
				t.Fatal(err)
			}
			strict := profile.Strict()
			if doc.Profile.PublicPaging != strict.PublicPaging || doc.Profile.PublicDuplicateStatus != strict.PublicDuplicateStatus ||
				doc.Profile.DuplicateStatus != 500 {
				t.Errorf("learned %+v: want strict's public fields and the mock's own /v4 ones", doc.Profile)
			}
			if n := doc.LearnedFrom.Notes; len(n) != 1 || !strings.Contains(n[0], "strict's") || !strings.Contains(n[0], "no public API") {
				t.Errorf("notes %q", n)
			}
		}},
		{"duplicate accepted", func(r *http.Request) *http.Response {
			if r.Method == http.MethodPost && r.URL.Path == "/v4/serviceAccounts" && creates.Add(1) == 2 {
				return answer(r, http.StatusCreated, `{"id":"64b7f0a1c2d3e4f5a6b7cfff","idpId":"00000000-0000-4000-8000-000000000000"}`)
			}
			return nil
		}, func(t *testing.T, doc profile.Document, err error) {
			if err == nil || !strings.Contains(err.Error(), "probe duplicateStatus (a duplicate username): the target accepted the duplicate (201)") {
				t.Errorf("err = %v, want the duplicate username's probe named", err)
			}
		}},
		{"duplicate refused as unauthenticated", func(r *http.Request) *http.Response {
			if r.Method == http.MethodPost && r.URL.Path == "/api/serviceAccounts/v1/serviceAccounts" {
				return answer(r, http.StatusUnauthorized, `{"error":"who?"}`)
			}
			return nil
		}, func(t *testing.T, doc profile.Document, err error) {
			if err == nil || !strings.Contains(err.Error(), "probe publicDuplicateStatus") || !strings.Contains(err.Error(), "not an answer to a duplicate") {
				t.Errorf("err = %v, want the publicDuplicateStatus probe named", err)
			}
		}},
		{"refused as forbidden", func(r *http.Request) *http.Response {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/invalidate") {
				return answer(r, http.StatusForbidden, `{"message":"no","success":false}`)
			}
			return nil
		}, func(t *testing.T, doc profile.Document, err error) {
			if err == nil || !strings.Contains(err.Error(), "probe invalidateStatus") || !strings.Contains(err.Error(), "403") {
				t.Errorf("err = %v, want the invalidateStatus probe named with the 403", err)
			}
		}},
		{"paging nowhere", func(r *http.Request) *http.Response {
			if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/serviceAccounts") {
				return answer(r, http.StatusOK, `{"serviceAccounts":[],"metadata":{"requestId":"r","notices":[]}}`)
			}
			return nil
		}, func(t *testing.T, doc profile.Document, err error) {
			if err == nil || !strings.Contains(err.Error(), "probe publicPaging") {
				t.Errorf("err = %v, want the publicPaging probe named", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := m.Target()
			target.HTTPClient = &http.Client{Transport: editing{tc.edit, http.DefaultTransport}}
			doc, err := ProbeProfile(context.Background(), target, LearnOptions{Base: profile.Strict()})
			tc.check(t, doc, err)
		})
	}
}

// editing answers in place of the target when edit gives an answer.
type editing struct {
	edit func(r *http.Request) *http.Response
	next http.RoundTripper
}

func (e editing) RoundTrip(r *http.Request) (*http.Response, error) {
	if resp := e.edit(r); resp != nil {
		return resp, nil
	}
	return e.next.RoundTrip(r)
}

func answer(r *http.Request, status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
		Body: io.NopCloser(strings.NewReader(body))}
}

// learningFeatures is a small suite for the learning run: two guesses the
// mock gets right, two it gets wrong (one whose failure quotes a token),
// and one failing scenario that is no guess, which learning leaves out.
var learningFeatures = fstest.MapFS{"learning.feature": {Data: []byte(`@learning @admin
Feature: Learning

  @inferred
  Scenario: A guess the target disproves
    Given a service account "ci-bot"
    When the administrator creates another service account with the username of "ci-bot"
    Then the error message is exactly "a message no target gives"

  @inferred
  Scenario: A guess whose failure quotes a token
    Given a service account "ci-bot"
    When the administrator creates a token "deploy" for "ci-bot"
    Then the call is rejected as a duplicate

  @inferred
  Scenario Outline: A guess the target bears out
    Given service accounts are managed through <surface>
    And a service account "ci-bot"
    When the administrator creates another service account with the username of "ci-bot"
    Then the call is rejected as a duplicate

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  Scenario: Not a guess
    Given a service account "ci-bot"
    Then the error message is exactly "never checked"
`)}}

// Each @inferred scenario that fails on the target with the learned
// profile is one note: its feature, its name and why, with no secret in
// it; a scenario that is not @inferred does not run.
func TestLearnNotesDisprovedGuesses(t *testing.T) {
	t.Parallel()
	m := startMock(t, writeFile(t, "unlike.json", unlikeObserved))
	var log bytes.Buffer
	learned, err := LearnProfile(context.Background(), m.Target(), LearnOptions{Features: learningFeatures, Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, &log)
	}
	doc := learned.Document
	if res := learned.Inferred; res.Passed != 2 || res.Failed != 2 || doc.LearnedFrom.InferredChecked != 4 {
		t.Errorf("the @inferred run: %s; file says %d checked; want 2 passed, 2 failed, 4 checked", res.Summary(), doc.LearnedFrom.InferredChecked)
	}
	if len(doc.Disproved) != 2 {
		t.Fatalf("disproved %+v, want 2 notes", doc.Disproved)
	}
	first, second := doc.Disproved[0], doc.Disproved[1]
	if first.Feature != "Learning" || first.Scenario != "A guess the target disproves" ||
		!strings.HasPrefix(first.Message, `Step the error message is exactly "a message no target gives": want the message`) {
		t.Errorf("first note %+v", first)
	}
	// The failure quotes the created token's answer: its value is replaced.
	if second.Scenario != "A guess whose failure quotes a token" || !strings.Contains(second.Message, "<jwt-") || strings.Contains(second.Message, "eyJ") {
		t.Errorf("second note %+v: want the token's value replaced by a placeholder", second)
	}
	// The learned profile is the mock's, whatever the scenarios found.
	want, _ := profile.Parse([]byte(unlikeObserved), "x")
	if d := doc.Profile.Differences(want); len(d) != 0 {
		t.Errorf("learned profile differs from the mock's in %v", d)
	}
}

// A mock started with the learned file behaves like the mock it was
// learned from: the suite's scenarios about duplicates, invalidating,
// deleting, deactivating and activating pass against it, expecting the profile it reports (a runner given only its
// URL), and probing it learns the same profile again.
func TestLearnedProfileMakesTheMockBehaveAlike(t *testing.T) {
	t.Parallel()
	source := startMock(t, writeFile(t, "unlike.json", unlikeObserved))
	learned, err := LearnProfile(context.Background(), source.Target(), LearnOptions{Tags: "@tokens"})
	if err != nil {
		t.Fatal(err)
	}
	if learned.Inferred.Failed != 0 || learned.Inferred.Passed == 0 {
		t.Errorf("the @inferred @tokens scenarios against the source: %s", learned.Inferred.Summary())
	}
	file := filepath.Join(t.TempDir(), "learned.json")
	if err := WriteProfileFile(file, learned.Document); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("the file: %v %v, want mode 0644", fi, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	fresh := startMock(t, file)
	// The runner takes the profile the mock reports, though no --profile
	// can load it by its name ("learned from Domino 6.2.0 at http://…").
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"--api-host", fresh.srv.APIURL(), "--api-proxy", fresh.srv.ProxyURL(),
		"--tags", "@tokens or @service-accounts", "--name", "taken|duplicate|Invalidating and deleting|activat"}, &stdout, &stderr, noEnv)
	if code != 0 {
		t.Fatalf("the suite against the mock started with the learned file: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "(profile learned from Domino 6.2.0 at "+source.srv.APIURL()+";") {
		t.Errorf("the runner does not expect the mock's profile:\n%s", stderr.String())
	}
	again, err := ProbeProfile(context.Background(), fresh.Target(), LearnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := again.Profile.Differences(learned.Document.Profile); len(d) != 0 {
		t.Errorf("probing the fresh mock learns %+v; it differs from the learned file in %v", again.Profile, d)
	}
}
