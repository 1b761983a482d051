package conformance

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/internal/profile"
	"github.com/mockdomino/mockdomino/internal/transcript"
	"github.com/mockdomino/mockdomino/internal/version"
)

// ExitInterrupted is Main's exit status for a run its context stopped: a
// shell's for a command that SIGINT ended (128+2).
const ExitInterrupted = 130

// Main is the conformance runner's command line; cmd/conformance is a thin
// shell around it. It returns the exit status: 0 when every scenario that
// ran passed, 1 when one failed, 2 when the run could not start, and
// ExitInterrupted when ctx is cancelled (an interrupt) before the run ends:
// the scenario under way is stopped and cleaned up, the rest are not run, and
// a mock is put back as the run found it. The last line it writes to stdout
// (to stderr when stdout holds a JUnit, Cucumber, HTML or Markdown report) is the summary
// "N passed, N failed[, N skipped][, N interrupted]";
// when failed scenarios are tagged @inferred, the line before it says how
// many (Result.InferredNote).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) > 0 && args[0] == "replay" {
		return ReplayMain(ctx, args[1:], stdout, stderr, getenv)
	}
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: conformance [flags]\n       conformance replay FILE [flags]   replay a transcript against a target and report the drift (conformance replay -h)")
		fs.PrintDefaults()
	}
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var (
		apiHost    = fs.String("api-host", env("DOMINO_API_HOST", ""), "base URL of the API host (env DOMINO_API_HOST)")
		apiProxy   = fs.String("api-proxy", env("DOMINO_API_PROXY", ""), "base URL of the API proxy (env DOMINO_API_PROXY)")
		external   = fs.String("external-url", env("DOMINO_EXTERNAL_URL", ""), "base URL in the tokens' iss (<url>/auth/realms/DominoRealm), when it is not --api-host: Domino's external URL, or a mockdomino's --external-url (env DOMINO_EXTERNAL_URL)")
		adminKey   = fs.String("admin-api-key", "", "an administrator's API key (env DOMINO_USER_API_KEY)")
		userKey    = fs.String("user-api-key", "", "API key of a user who is not an administrator nor a collaborator of --project (env DOMINO_NONADMIN_API_KEY)")
		project    = fs.String("project", DefaultProject, "owner/name of a git-backed project the suite may use")
		prof       = fs.String("profile", "observed", "which Domino behaviour to expect: observed, strict, or a profile JSON file")
		tags       = fs.String("tags", "", `tag expression selecting scenarios, e.g. "@tokens && ~@destructive"; "~@inferred" leaves out the behaviour the mock only guesses`)
		name       = fs.String("name", "", "run only scenarios whose name matches this regular expression")
		format     = fs.String("format", "progress", "output format: pretty, progress, junit, cucumber, html (one self-contained page) or markdown (for a CI job's summary)")
		output     = fs.String("output", "", "write the formatted report to this file instead of stdout")
		useMock    = fs.Bool("mock", false, "start an in-process mockdomino and check it")
		featDir    = fs.String("features", "", "read .feature files from this directory instead of the built-in ones")
		jobTimeout = fs.Duration("job-timeout", 10*time.Minute, "how long a job may take to complete")
		prefix     = fs.String("prefix", "", "start every name the run creates with this (default: random)")
		record     = fs.String("record", "", "write every HTTP exchange of the run to this file, one JSON object a line, its secrets replaced by placeholders")
		modelID    = fs.String("model-monitoring-id", env("DOMINO_MODEL_MONITORING_ID", ""), "a model registered in the target's Model Monitor, for the custom-metric scenarios (env DOMINO_MODEL_MONITORING_ID)")
		learnTo    = fs.String("learn-profile", "", "probe the target for every behaviour of the profile table, check the @inferred scenarios with what it learned, and write a profile file that mockdomino --profile loads")
		allow      = fs.Bool("allow-mock-changes", false, "against a running mockdomino without --api-proxy, run without saving its state (its clock, lifecycles and fault rules are still put back)")
	)
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, "conformance", version.String())
		return 0
	}
	set := keysFromEnv(fs, adminKey, userKey, getenv)
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "conformance: unexpected arguments %v\n", fs.Args())
		return 2
	}
	switch *format {
	case "pretty", "progress", "junit", "cucumber", "html", "markdown":
	default:
		fmt.Fprintf(stderr, "conformance: --format %q is not pretty, progress, junit, cucumber, html or markdown\n", *format)
		return 2
	}
	if err := checkLearnFlags(set); *learnTo != "" && err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 2
	}

	var expect *profile.Profile // what a running mock says it plays
	target := Target{APIHost: *apiHost, APIProxy: *apiProxy, ExternalURL: *external, AdminAPIKey: *adminKey, UserAPIKey: *userKey, Project: *project, ModelMonitoringID: *modelID}
	var rec *transcript.Recorder
	var transcriptFile io.Writer
	if *record != "" {
		f, err := os.OpenFile(*record, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: %v\n", err)
			return 2
		}
		defer f.Close()
		transcriptFile = f
	}
	// An html or markdown report shows the calls of each failure: the same
	// recorder feeds it (report_formats.go).
	rec, tail := newRecorder(*format, transcriptFile)
	if rec != nil {
		target.HTTPClient = rec.Client(nil)
	}
	if *useMock {
		if set["api-host"] || set["external-url"] {
			fmt.Fprintln(stderr, "conformance: give either --mock or --api-host (and --external-url), not both")
			return 2
		}
		m, err := StartMock(*prof)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: starting the mock: %v\n", err)
			return 2
		}
		defer m.Close()
		target = m.Target()
		if rec != nil {
			target.HTTPClient = rec.Client(nil)
		}
	} else if h, isMock := target.MockHealth(ctx); target.APIHost != "" && isMock {
		target = target.WithMockDefaults()
		// A mockdomino says which profile it plays and the URL its tokens
		// name; expect those unless told otherwise.
		if p := h.Profile; p != "" && !set["profile"] {
			*prof = p
			var err error
			if expect, err = h.profile(); err != nil {
				fmt.Fprintf(stderr, "conformance: %v\n", err)
				return 2
			}
		} else if p != "" && p != *prof {
			fmt.Fprintf(stderr, "conformance: warning: the mock plays the %s profile, but --profile %s was given\n", p, *prof)
		}
		if h.ExternalURL != "" && target.ExternalURL == "" {
			target.ExternalURL = h.ExternalURL
		}
	}

	if rec != nil {
		// The keys the run was given, or a mock's own (WithMockDefaults),
		// known now that the target is (its first call, the health check,
		// is recorded already).
		labelKeys(rec, target)
	}

	opt := Options{
		Target: target, Profile: *prof, Expect: expect, Tags: *tags, Scenarios: *name, Format: *format, Output: stdout,
		Log: stderr, JobTimeout: *jobTimeout, Prefix: *prefix, NoColors: !isTerminal(stdout),
		// A mock the runner did not start is someone's: leave it as found.
		RestoreMock: !*useMock, AllowMockChanges: *allow, exchanges: tail,
	}
	if rec != nil {
		opt.scrub = rec.Scrub
	}
	if *featDir != "" {
		opt.Features = os.DirFS(*featDir)
	}
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: %v\n", err)
			return 2
		}
		defer f.Close()
		opt.Output, opt.NoColors = f, true
	}
	if opt.Prefix == "" {
		// Made here to be printed: it finds what a run stopped before its
		// cleanups (a second Ctrl-C) left.
		opt.Prefix = newPrefix()
	}
	if *learnTo != "" {
		code := learnMain(ctx, *learnTo, opt, *useMock, stdout, stderr)
		if rec != nil && rec.Err() != nil {
			fmt.Fprintf(stderr, "conformance: writing the transcript: %v\n", rec.Err())
			return 2
		}
		return code
	}
	fmt.Fprintf(stderr, "conformance: checking %s (profile %s; names start with %s-)\n", describe(target, *useMock), *prof, opt.Prefix)

	res, err := Run(ctx, opt)
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		if ctx.Err() != nil {
			return ExitInterrupted
		}
		return 2
	}
	// A JUnit, Cucumber, HTML or Markdown report on stdout is that document
	// alone, for a tool (or a CI summary page) to read; the lines for
	// people then go to stderr.
	human := stdout
	if machineFormat(*format) && *output == "" {
		human = stderr
	}
	fmt.Fprintln(human)
	for _, s := range res.Skips {
		fmt.Fprintf(human, "skipped %d %s scenario(s): they %s\n", s.Count, s.Tag, s.Reason)
	}
	fmt.Fprintf(human, "finished in %s\n", res.Duration.Round(time.Millisecond))
	if note := res.InferredNote(); note != "" {
		fmt.Fprintln(human, note)
	}
	fmt.Fprintln(human, res.Summary())
	if rec != nil && rec.Err() != nil {
		fmt.Fprintf(stderr, "conformance: writing the transcript: %v\n", rec.Err())
		return 2
	}
	if res.RestoreErr != nil {
		fmt.Fprintf(stderr, "conformance: the mock is not as the run found it: %v\n", res.RestoreErr)
	}
	switch {
	case res.Interrupted:
		return ExitInterrupted
	case res.RestoreErr != nil:
		return 1
	}
	if !res.OK() {
		return 1
	}
	return 0
}

// recordCalls has t's calls pass through rec, which knows t's keys from
// the start.
func recordCalls(t Target, rec *transcript.Recorder) Target {
	labelKeys(rec, t)
	t.HTTPClient = rec.Client(t.HTTPClient)
	return t
}

// labelKeys tells rec the target's API keys, labelled apart
// (<admin-api-key-N>, <user-api-key-N>) so that replay sends each as its
// target's own.
func labelKeys(rec *transcript.Recorder, t Target) {
	rec.Secret("admin-api-key", t.AdminAPIKey)
	rec.Secret("user-api-key", t.UserAPIKey)
}

// keysFromEnv gives the API-key flags not set on the command line their
// variables' values, and returns the flags that were set. The variables are
// read after parsing, not made the flags' defaults, which the usage text
// prints.
func keysFromEnv(fs *flag.FlagSet, adminKey, userKey *string, getenv func(string) string) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["admin-api-key"] {
		*adminKey = getenv("DOMINO_USER_API_KEY")
	}
	if !set["user-api-key"] {
		*userKey = getenv("DOMINO_NONADMIN_API_KEY")
	}
	return set
}

func describe(t Target, mock bool) string {
	var parts []string
	if mock {
		parts = append(parts, "an in-process mock")
	}
	// Without a user or password a URL may carry: this line goes to logs
	// and into a replay's report.
	parts = append(parts, "API host "+displayURL(t.APIHost))
	if u := t.externalURL(); u != strings.TrimRight(t.APIHost, "/") {
		parts = append(parts, "external URL "+displayURL(u))
	}
	if t.APIProxy != "" {
		parts = append(parts, "API proxy "+displayURL(t.APIProxy))
	}
	return strings.Join(parts, ", ")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
