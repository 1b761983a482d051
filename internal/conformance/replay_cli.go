package conformance

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/internal/replay"
	"github.com/mockdomino/mockdomino/internal/report"
	"github.com/mockdomino/mockdomino/internal/transcript"
)

// listFlag is a flag that may be given many times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// ReplayMain is `conformance replay FILE [flags]`: it replays a transcript
// (conformance --record, mockdomino record) against a target and reports
// every drift. It returns 0 when nothing drifted, 1 when something did, 2
// when the replay could not run (a bad file or flag, a target that does not
// answer), ExitInterrupted when ctx is cancelled.
func ReplayMain(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("conformance replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		useMock  = fs.Bool("mock", false, "replay against a fresh in-process mockdomino")
		prof     = fs.String("profile", "observed", "with --mock: the profile the mock plays (observed, strict, or a profile JSON file)")
		apiHost  = fs.String("api-host", getenv("DOMINO_API_HOST"), "base URL of the target's API host (env DOMINO_API_HOST)")
		apiProxy = fs.String("api-proxy", getenv("DOMINO_API_PROXY"), "base URL of the target's API proxy (env DOMINO_API_PROXY)")
		adminKey = fs.String("admin-api-key", "", "the target's administrator API key: <admin-api-key-N> becomes it, and <api-key-N> in a transcript that does not label its keys (env DOMINO_USER_API_KEY)")
		userKey  = fs.String("user-api-key", "", "the target's non-administrator API key: <user-api-key-N> becomes it (env DOMINO_NONADMIN_API_KEY)")
		format   = fs.String("format", "text", "report format: text (one line per difference), json, html (one self-contained page) or markdown")
		output   = fs.String("output", "", "write the report to this file instead of stdout")
		ignores  listFlag
		mapHosts listFlag
		creds    listFlag
	)
	fs.Var(&ignores, "ignore", "leave a field out of the comparison: [METHOD PATH ]FIELD, e.g. '$.metadata.requestId', '$..lastModified', 'GET /v4/projects/* $.created' (repeatable)")
	fs.Var(&mapHosts, "map-host", "send a recorded host's requests to a base URL: RECORDED=URL, e.g. 127.0.0.1:8080=https://domino.example.com (repeatable)")
	fs.Var(&creds, "credential", "give a placeholder its value: '<api-key-3>=user', =admin, =recorded (send it as it is) or =env:VAR (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: conformance replay FILE [--mock [--profile P] | --api-host URL [--api-proxy URL] --admin-api-key K --user-api-key K] [--ignore FIELD ...] [--format text|json|html|markdown] [--output FILE]")
		fs.PrintDefaults()
	}
	// The file may come before the flags or after them.
	var files []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "conformance replay: "+format+"\n", args...)
		return 2
	}
	if len(files) != 1 {
		return fail("want one transcript file, got %d: conformance replay FILE [flags]", len(files))
	}
	set := keysFromEnv(fs, adminKey, userKey, getenv)
	switch *format {
	case "text", "json", "html", "markdown":
	default:
		return fail("--format %q is not text, json, html or markdown", *format)
	}
	opt := replay.Options{Ignore: ignores, Hosts: map[string]string{}, Credentials: map[string]replay.Credential{}}
	for _, s := range ignores {
		if _, err := replay.ParseIgnore(s); err != nil {
			return fail("%v", err)
		}
	}
	for _, s := range mapHosts {
		recorded, base, err := replay.ParseMapHost(s)
		if err != nil {
			return fail("%v", err)
		}
		opt.Hosts[recorded] = base
	}
	for _, s := range creds {
		p, c, err := replay.ParseCredential(s, getenv)
		if err != nil {
			return fail("%v", err)
		}
		opt.Credentials[p] = c
	}
	if *useMock && (set["api-host"] || set["api-proxy"]) {
		return fail("give either --mock or --api-host (and --api-proxy), not both")
	}
	if !*useMock && set["profile"] {
		return fail("--profile is for --mock: the target plays its own")
	}
	xs, err := transcript.ReadFile(files[0])
	if err != nil {
		return fail("%v", err)
	}

	target := Target{APIHost: *apiHost, APIProxy: *apiProxy, AdminAPIKey: *adminKey, UserAPIKey: *userKey}
	if *useMock {
		m, err := StartMock(*prof)
		if err != nil {
			return fail("starting the mock: %v", err)
		}
		defer m.Close()
		target = m.Target()
		opt.Controls = replay.ControlsReplay
	} else if target.APIHost == "" && len(opt.Hosts) == 0 {
		return fail("give --mock, or the target: --api-host URL (env DOMINO_API_HOST)")
	} else if _, isMock := target.MockHealth(ctx); target.APIHost != "" && isMock {
		// A running mockdomino: its fixtures' keys unless others are given,
		// as the runner does, and its control calls replayed (Run need not
		// ask again). Anything else, Run asks whether it answers at all.
		target = target.WithMockDefaults()
		opt.Controls = replay.ControlsReplay
	}
	opt.APIHost, opt.APIProxy = target.APIHost, target.APIProxy
	opt.AdminAPIKey, opt.UserAPIKey = target.AdminAPIKey, target.UserAPIKey

	res, err := replay.Run(ctx, xs, opt)
	for _, h := range res.Hosts {
		fmt.Fprintf(stderr, "conformance replay: %s (%s) → %s\n", h.Recorded, h.Role, h.URL)
	}
	if err != nil {
		fmt.Fprintf(stderr, "conformance replay: %v\n", err)
		if len(res.Drifts) > 0 {
			fmt.Fprintf(stderr, "conformance replay: before stopping: %s\n", res.Summary())
		}
		if ctx.Err() != nil {
			return ExitInterrupted
		}
		return 2
	}

	out := stdout
	if *output != "" {
		f, err := os.OpenFile(*output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return fail("%v", err)
		}
		defer f.Close()
		out = f
	}
	switch *format {
	case "json":
		err = res.WriteJSON(out)
	case "html", "markdown":
		err = writeReplayReport(out, *format, files[0], describe(target, *useMock), res)
	default:
		err = res.WriteText(out)
	}
	if err != nil {
		return fail("writing the report: %v", err)
	}
	// The summary for people, wherever the report went.
	if *format != "text" || *output != "" {
		human := stdout
		if *format != "text" && *output == "" {
			human = stderr
		}
		fmt.Fprintln(human, res.Summary())
	}
	if !res.OK() {
		return 1
	}
	return 0
}

// writeReplayReport writes a replay's drift as the run reports are written
// (internal/report): the drift table, the notes and what was skipped.
func writeReplayReport(w io.Writer, format, file, target string, res replay.Result) error {
	r := report.Report{Title: "Replay of " + filepath.Base(file), Target: target, Generated: time.Now(),
		Duration: res.Duration, Summary: res.Summary(), Drifts: res.Drifts, Notes: res.Notes}
	for _, s := range res.Skips {
		r.Notes = append(r.Notes, fmt.Sprintf("%d exchange(s) not replayed: %s", s.Count, s.Reason))
	}
	if format == "html" {
		return report.WriteHTML(w, r)
	}
	return report.WriteMarkdown(w, r)
}
