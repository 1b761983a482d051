// Package conformance checks that a target behaves like Domino's API, the
// behaviour described in docs/. The scenarios are Gherkin, in
// features/; the steps here turn them into calls. The same scenarios run
// against the in-process mock (go test), a running mockdomino, or a real
// Domino: the suite reaches its target only through a Target.
package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/mockdomino/mockdomino/features"
	"github.com/mockdomino/mockdomino/internal/profile"
	"github.com/mockdomino/mockdomino/internal/transcript"
)

// Options configure one run of the suite.
type Options struct {
	Target Target
	// Profile is "observed" (default), "strict" or a profile JSON file: which
	// variant of Domino's behaviour to expect.
	Profile string
	// Expect, if set, is the profile to expect, and Profile is not read:
	// the one a running mock reports, or one just learned.
	Expect *profile.Profile
	// Tags is a godog tag expression selecting scenarios, e.g. "@tokens && ~@jobs".
	Tags string
	// Scenarios, if set, is a regular expression: only scenarios whose name
	// matches it run (all examples of a matching outline).
	Scenarios string
	// Format is pretty, progress (default), junit, cucumber, html or
	// markdown; Output receives it.
	Format string
	Output io.Writer
	// Log receives warnings, e.g. a cleanup that failed. nil: discarded.
	Log io.Writer
	// Features holds the .feature files; nil means the embedded ones.
	Features fs.FS
	// JobTimeout bounds how long a job may take to complete (default 10 min).
	JobTimeout time.Duration
	// Prefix starts every name the run creates; "" makes a random one.
	Prefix   string
	NoColors bool
	// TestingT, if set, runs each scenario as a subtest of it.
	TestingT *testing.T
	// RestoreMock: against a mockdomino, save its state (with its secrets,
	// through the API proxy, which APIProxy must name) before the first
	// scenario, and put it back, clock included, after the last. For a mock
	// the run does not own, such as a developer's. Whether or not it is
	// set, a run against a mock sets the job lifecycle and clears the fault
	// rules for its scenarios, and puts them and the clock back afterwards.
	RestoreMock bool
	// AllowMockChanges: with RestoreMock and no APIProxy, run without
	// saving the state (the clock, lifecycles and faults are still put back).
	AllowMockChanges bool

	// exchanges, for an html or markdown report, is the tail that Main's
	// transcript recorder writes to; nil: Run makes its own.
	exchanges *exchangeTail
	// scrub replaces the secrets the run's recorder has met in a text, for
	// a failure message a report shows (it may quote an answer); nil: none.
	scrub func(string) string
}

// InferredTag marks the scenarios that check at least one behaviour the
// docs (each page's "Inferred" section, listed in docs/README.md) call inferred:
// the mock's guesses, not what Domino was observed or documented to do.
const InferredTag = "@inferred"

// Result counts scenarios by outcome.
type Result struct {
	Passed, Failed, Skipped int
	// FailedInferred is how many of the Failed scenarios are tagged @inferred.
	FailedInferred int
	// Failures are the failed scenarios, in run order.
	Failures []Failure
	// Skips says why scenarios were skipped: one entry per reason.
	Skips    []Skip
	IsMock   bool
	Duration time.Duration
	// Status is godog's exit status: 0 when every run scenario passed.
	Status int
	// RestoreErr is what the run could not put back in the mock it ran
	// against; nil when it left the mock as it found it (or the target is
	// not a mock).
	RestoreErr error
	// Interrupted: the run's context was cancelled (Ctrl-C) before the last
	// scenario; Cut of the selected scenarios were cut short or never begun.
	Interrupted bool
	Cut         int
}

// Failure is one failed scenario: its feature, name and tags, and the first
// step that failed with why ("Step <text>: <error>").
type Failure struct {
	Feature, Scenario, Message string
	Tags                       []string
}

// Skip is a number of scenarios the target cannot run, and why.
type Skip struct {
	Tag, Reason string
	Count       int
}

// OK tells whether the run passed.
func (r Result) OK() bool { return r.Failed == 0 && r.Status == 0 && !r.Interrupted }

// Summary is the one-line verdict: "N passed, N failed[, N skipped][, N
// interrupted]".
func (r Result) Summary() string {
	s := fmt.Sprintf("%d passed, %d failed", r.Passed, r.Failed)
	if r.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", r.Skipped)
	}
	if r.Interrupted {
		s += fmt.Sprintf(", %d interrupted", r.Cut)
	}
	return s
}

// InferredNote says how many failures concern inferred behaviour, e.g.
// "2 of the 3 failures check inferred behaviour (@inferred): the mock's
// guesses, not observed or documented facts"; "" when none does.
func (r Result) InferredNote() string {
	if r.FailedInferred == 0 {
		return ""
	}
	noun, verb := "failures", "check"
	if r.Failed == 1 {
		noun = "failure"
	}
	if r.FailedInferred == 1 {
		verb = "checks"
	}
	return fmt.Sprintf("%d of the %d %s %s inferred behaviour (%s): the mock's guesses, not observed or documented facts",
		r.FailedInferred, r.Failed, noun, verb, InferredTag)
}

// run is what all scenarios of one run share. It is read-only for them,
// except for the counters and caches, which are guarded.
type run struct {
	target     Target
	client     *Client
	profile    profile.Profile
	isMock     bool
	prefix     string
	jobTimeout time.Duration
	counter    atomic.Int64

	logMu sync.Mutex
	log   io.Writer

	projMu  sync.Mutex
	project *projectInfo

	tallyMu                        sync.Mutex
	passed, failed, failedInferred int

	// ctx is the run's: cancelled, it stops the run (stopped).
	ctx context.Context

	// restoreMock and allowMockChanges are Options' RestoreMock and
	// AllowMockChanges.
	restoreMock, allowMockChanges bool

	// active are the skip rules that apply to this target, in skipRules' order.
	active  []Skip
	records records
}

// stopped tells whether the run was interrupted: its context is done.
func (r *run) stopped() bool { return r.ctx.Err() != nil }

// errStopped stops godog's run of the scenarios from the scenario
// initializer, the only code of ours godog calls between two scenarios:
// godog runs every scenario it was given, and registering the steps of one
// just to skip it takes tens of milliseconds.
var errStopped = errors.New("the run was interrupted")

func (r *run) warnf(format string, args ...any) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	fmt.Fprintf(r.log, "warning: "+format+"\n", args...)
}

// skipRule names a tag whose scenarios the target may be unable to run.
type skipRule struct {
	tag    string
	reason func(r *run) string // "" when the target can run them
}

var skipRules = []skipRule{
	{"@mock-only", func(r *run) string {
		if r.isMock {
			return ""
		}
		return "need the mock's control routes; the target does not answer GET /__mock/health"
	}},
	{"@admin", func(r *run) string {
		if r.target.AdminAPIKey != "" {
			return ""
		}
		return "need an administrator's API key (--admin-api-key, DOMINO_USER_API_KEY)"
	}},
	{"@non-admin", func(r *run) string {
		if r.target.UserAPIKey != "" {
			return ""
		}
		return "need a non-admin user's API key (--user-api-key, DOMINO_NONADMIN_API_KEY)"
	}},
	{"@proxy", func(r *run) string {
		if r.target.APIProxy != "" {
			return ""
		}
		return "need the API proxy (--api-proxy, DOMINO_API_PROXY)"
	}},
	{"@model-monitoring", func(r *run) string {
		if r.isMock || r.target.ModelMonitoringID != "" {
			return ""
		}
		return "need a model registered in the target's Model Monitor (--model-monitoring-id, DOMINO_MODEL_MONITORING_ID)"
	}},
	// @observed and @strict mark the two answers to the one behaviour the
	// built-in profiles disagree on beyond statuses: whether a token made
	// after an account was deactivated and activated again lacks "sub".
	// They follow the profile's field, not its name, so a profile file (a
	// learned one) runs the scenario its field chooses.
	{"@observed", func(r *run) string {
		if r.profile.ReactivatedTokensLackSub {
			return ""
		}
		return fmt.Sprintf("expect the observed defect (reactivatedTokensLackSub), which profile %q does not have", r.profile.Name)
	}},
	{"@strict", func(r *run) string {
		if !r.profile.ReactivatedTokensLackSub {
			return ""
		}
		return fmt.Sprintf("expect the strict behaviour (no reactivatedTokensLackSub), which profile %q does not have", r.profile.Name)
	}},
}

// Run runs the selected scenarios against the target and counts the outcomes.
func Run(ctx context.Context, opt Options) (res Result, err error) {
	start := time.Now()
	opt = withExchangeTail(opt)
	p, err := opt.expected()
	if err != nil {
		return Result{}, err
	}
	if opt.Target.APIHost == "" {
		return Result{}, errors.New("no API host: give --api-host or DOMINO_API_HOST, or --mock")
	}
	health, isMock := opt.Target.MockHealth(ctx)
	if health.Reason != "" {
		return Result{}, fmt.Errorf("the mock is unhealthy: %s", health.Reason)
	}
	r := &run{
		target:     opt.Target,
		client:     NewClient(opt.Target),
		profile:    p,
		isMock:     isMock,
		prefix:     opt.Prefix,
		jobTimeout: opt.JobTimeout,
		log:        opt.Log,
		ctx:        ctx,

		restoreMock:      opt.RestoreMock,
		allowMockChanges: opt.AllowMockChanges,
	}
	r.records.tail, r.records.scrub = opt.exchanges, opt.scrub
	if r.target.Project == "" {
		r.target.Project = DefaultProject
	}
	if _, _, err := r.target.projectParts(); err != nil {
		return Result{}, err
	}
	if r.prefix == "" {
		r.prefix = newPrefix()
	}
	if r.jobTimeout == 0 {
		r.jobTimeout = 10 * time.Minute
	}
	if r.log == nil {
		r.log = io.Discard
	}
	fsys, paths := opt.Features, []string{"."}
	if fsys == nil {
		fsys = features.FS
	}
	format := opt.Format
	if format == "" {
		format = "progress"
	}
	output := opt.Output
	if output == nil {
		output = io.Discard
	}

	selected, err := selectTags(fsys, opt.Tags)
	if err != nil {
		return Result{}, err
	}
	if opt.Scenarios != "" {
		if paths, err = scenarioPaths(fsys, selected, opt.Scenarios); err != nil {
			return Result{}, err
		}
	}

	// Decide, from the tags alone, which selected scenarios the target cannot
	// run, and count them as skipped. A machine format lists them as skipped
	// scenarios (the Before hook skips them); a human one leaves them out and
	// the summary says why.
	res = Result{IsMock: r.isMock}
	var pickles []*messages.Pickle
	if err := eachPickle(fsys, paths, selected, func(pk *messages.Pickle, _ int64) { pickles = append(pickles, pk) }); err != nil {
		return Result{}, err
	}
	if len(pickles) == 0 {
		return Result{}, fmt.Errorf("the tags %q select no scenario", opt.Tags)
	}
	if err := r.preflight(ctx); err != nil {
		return Result{}, err
	}
	if r.isMock {
		keeper, err := r.prepareMock(ctx)
		if err != nil {
			return Result{}, err
		}
		defer func() { res.RestoreErr = keeper.restore(ctx) }()
	}
	if r.records.features, err = featureNames(fsys, paths); err != nil {
		return Result{}, err
	}
	tags := []string{}
	if selected != "" {
		tags = append(tags, selected)
	}
	for _, rule := range skipRules {
		reason := rule.reason(r)
		if reason == "" {
			continue
		}
		if !machineFormat(format) {
			tags = append(tags, "~"+rule.tag)
		}
		n := 0
		for _, pk := range pickles {
			if hasTag(pk.Tags, rule.tag) && !skippedEarlier(pk.Tags, res.Skips) {
				n++
			}
		}
		if n > 0 {
			res.Skips = append(res.Skips, Skip{Tag: rule.tag, Reason: reason, Count: n})
			res.Skipped += n
		}
		r.active = append(r.active, Skip{Tag: rule.tag, Reason: reason})
	}

	// JUnit, HTML and Markdown are written from the run's records once it
	// ends; godog's own output is then not wanted.
	godogFormat, godogOutput := format, output
	if fromRecords(format) {
		godogFormat, godogOutput = "progress", io.Discard
	}
	suite := godog.TestSuite{
		Name:                suiteName,
		ScenarioInitializer: func(sc *godog.ScenarioContext) { initScenario(sc, r) },
		Options: &godog.Options{
			Format:   godogFormat,
			Output:   godogOutput,
			FS:       fsys,
			Paths:    paths,
			Tags:     strings.Join(tags, " && "),
			Strict:   true,
			NoColors: opt.NoColors,
			TestingT: opt.TestingT,

			DefaultContext: ctx,
		},
	}
	res.Status, res.Interrupted = runSuite(suite)
	res.Interrupted = res.Interrupted || r.stopped()
	res.Passed, res.Failed, res.FailedInferred = r.passed, r.failed, r.failedInferred
	for _, rec := range r.records.list {
		if rec.failed {
			res.Failures = append(res.Failures, Failure{Feature: rec.feature, Scenario: rec.name, Message: rec.failure, Tags: rec.tags})
		}
	}
	res.Duration = time.Since(start)
	if res.Interrupted {
		// godog's status then counts the scenario the interrupt cut short as
		// failed; it is counted apart, with those never begun.
		res.Status = 0
		begun := r.records.count()
		if fromRecords(format) {
			// With junit the suite ran exactly the pickles, in their order.
			for _, pk := range pickles[min(begun, len(pickles)):] {
				r.records.notBegun(pk, r.skipReason(pk))
			}
		}
		res.Cut = len(pickles) - res.Skipped - r.passed - r.failed
	}
	if format == "junit" {
		if err := writeJUnit(output, suiteName, r.records.list, res.Duration); err != nil {
			return res, fmt.Errorf("writing the JUnit report: %w", err)
		}
	}
	if reportFormat(format) {
		if err := writeReport(output, format, r, res); err != nil {
			return res, fmt.Errorf("writing the %s report: %w", format, err)
		}
	}
	return res, nil
}

// newPrefix makes a run's prefix: "cf" and 6 random hex digits.
func newPrefix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return "cf" + hex.EncodeToString(b)
}

// runSuite runs godog's suite; stopped when the initializer stopped it
// (errStopped). godog calls the initializer in this goroutine: the suite
// runs one scenario at a time (Options.Concurrency is left at 1).
func runSuite(suite godog.TestSuite) (status int, stopped bool) {
	defer func() {
		if e := recover(); e != nil {
			if e != errStopped {
				panic(e)
			}
			stopped = true
		}
	}()
	return suite.Run(), false
}

// suiteName names the run in its reports.
const suiteName = "domino-conformance"

// eachPickle calls f for every scenario (one per example row of an
// outline) that the paths and tags select, with the line of its scenario.
func eachPickle(fsys fs.FS, paths []string, tags string, f func(pk *messages.Pickle, line int64)) error {
	selection := godog.TestSuite{Options: &godog.Options{FS: fsys, Paths: paths, Tags: tags}}
	feats, err := selection.RetrieveFeatures()
	if err != nil {
		return fmt.Errorf("reading the features: %w", err)
	}
	for _, ft := range feats {
		for _, pk := range ft.Pickles {
			line := int64(-1)
			if sc := ft.FindScenario(pk.AstNodeIds[0]); sc != nil {
				line = sc.Location.Line
			}
			f(pk, line)
		}
	}
	return nil
}

// selectTags checks a tag expression in godog's or Cucumber's syntax and
// gives it in godog's. Naming a tag that no scenario has is an error: it is
// a typo, and would select nothing, or (negated) everything.
func selectTags(fsys fs.FS, expr string) (string, error) {
	selected, named, err := godogTagExpression(expr)
	if err != nil || len(named) == 0 {
		return selected, err
	}
	known := map[string]bool{}
	if err := eachPickle(fsys, []string{"."}, "", func(pk *messages.Pickle, _ int64) {
		for _, t := range pk.Tags {
			known[t.Name] = true
		}
	}); err != nil {
		return "", err
	}
	var unknown []string
	for _, t := range named {
		if !known[t] {
			unknown = append(unknown, t)
		}
	}
	if len(unknown) == 0 {
		return selected, nil
	}
	all := make([]string, 0, len(known))
	for t := range known {
		all = append(all, t)
	}
	sort.Strings(all)
	noun := "tag"
	if len(unknown) > 1 {
		noun = "tags"
	}
	return "", fmt.Errorf("tag expression %q: no scenario has the %s %s (the scenarios' tags: %s)",
		expr, noun, strings.Join(unknown, ", "), strings.Join(all, " "))
}

// scenarioPaths turns a name pattern into godog paths "file:line", one for
// each scenario (or outline) whose name matches.
func scenarioPaths(fsys fs.FS, tags, pattern string) ([]string, error) {
	rx, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("scenario name pattern: %w", err)
	}
	var paths []string
	seen := map[string]bool{}
	err = eachPickle(fsys, []string{"."}, tags, func(pk *messages.Pickle, line int64) {
		p := fmt.Sprintf("%s:%d", pk.Uri, line)
		if rx.MatchString(pk.Name) && !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	})
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no scenario selected by the tags %q has a name matching %q", tags, pattern)
	}
	return paths, nil
}

func hasTag(tags []*messages.PickleTag, want string) bool {
	for _, t := range tags {
		if t.Name == want {
			return true
		}
	}
	return false
}

func skippedEarlier(tags []*messages.PickleTag, skips []Skip) bool {
	for _, s := range skips {
		if hasTag(tags, s.Tag) {
			return true
		}
	}
	return false
}

// initScenario makes the scenario's world and registers every step on it.
func initScenario(sc *godog.ScenarioContext, r *run) {
	if r.stopped() {
		panic(errStopped) // recovered by runSuite
	}
	w := newWorld(r)
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		return transcript.WithScenario(ctx, s.Name), nil
	}) // first: the name reaches every call, for --record
	recordHooks(sc, r, w)
	sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
		w.cleanUp(ctx)
		r.records.end(w.record, err)
		r.tallyMu.Lock()
		switch {
		case w.record != nil && w.record.cut:
			// counted by Run with the scenarios never begun
		case w.record != nil && w.record.skip != "":
			// counted with the skips before the run
		case err != nil && !errors.Is(err, godog.ErrSkip):
			r.failed++
			if hasTag(s.Tags, InferredTag) {
				r.failedInferred++
			}
		default:
			r.passed++
		}
		r.tallyMu.Unlock()
		return ctx, nil
	})
	registerAccountSteps(sc, w)
	registerTokenSteps(sc, w)
	registerJWTSteps(sc, w)
	registerUserSteps(sc, w)
	registerProjectSteps(sc, w)
	registerGitSteps(sc, w)
	registerPublicSteps(sc, w)
	registerJobSteps(sc, w)
	registerRunSteps(sc, w)
	registerFileSteps(sc, w)
	registerDatasetSteps(sc, w)
	registerEnvironmentSteps(sc, w)
	registerMetricSteps(sc, w)
	registerScheduledJobSteps(sc, w)
	registerWorkspaceSteps(sc, w)
	registerCostSteps(sc, w)
	registerAppSteps(sc, w)
	registerModelSteps(sc, w)
	registerErrorSteps(sc, w)
	registerMockSteps(sc, w)
}
