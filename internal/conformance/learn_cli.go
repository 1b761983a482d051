package conformance

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/mockdomino/mockdomino/internal/profile"
)

// checkLearnFlags refuses, before anything runs, what --learn-profile
// cannot do: its run of the @inferred scenarios writes no report (the
// profile file is its report).
func checkLearnFlags(set map[string]bool) error {
	for _, f := range []string{"format", "output"} {
		if set[f] {
			return fmt.Errorf("--learn-profile writes a profile file, not a report: leave out --%s", f)
		}
	}
	return nil
}

// learnMain is conformance --learn-profile FILE, with the Options Main made
// for a run (its Profile, or Expect, is the base). It exits 0 when the file
// is written, guesses disproved or not: saying which is what it is for; 2
// when it could not learn or write; ExitInterrupted when interrupted. The
// file is written only at the end, whole.
func learnMain(ctx context.Context, path string, opt Options, mock bool, stdout, stderr io.Writer) int {
	if err := checkWritable(path); err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 2
	}
	base, err := opt.expected()
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "conformance: learning a profile from %s (base profile %s; names start with %s-)\n", describe(opt.Target, mock), base.Name, opt.Prefix)
	learned, err := LearnProfile(ctx, opt.Target, LearnOptions{
		Base: base, Prefix: opt.Prefix, Tags: opt.Tags, Scenarios: opt.Scenarios, Features: opt.Features,
		JobTimeout: opt.JobTimeout, RestoreMock: opt.RestoreMock, AllowMockChanges: opt.AllowMockChanges, Log: stderr,
	})
	if learned.RestoreErr != nil {
		fmt.Fprintf(stderr, "conformance: warning: the mock is not as the learning found it: %v\n", learned.RestoreErr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "conformance: could not learn a profile: %v\n", err)
		if ctx.Err() != nil {
			return ExitInterrupted
		}
		return 2
	}
	doc := learned.Document
	observed := profile.Observed()
	differ := doc.Profile.Differences(observed)
	fmt.Fprintf(stdout, "%s:\n", doc.Profile.Name)
	theirs := observed.Behaviours()
	for i, b := range doc.Profile.Behaviours() {
		line := fmt.Sprintf("  %-26s %v", b.Field, b.Value)
		if b.Value != theirs[i].Value {
			line = fmt.Sprintf("  %-26s %-7v (observed: %v)", b.Field, b.Value, theirs[i].Value)
		}
		fmt.Fprintln(stdout, line)
	}
	for _, n := range doc.LearnedFrom.Notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	if res := learned.Inferred; res.Passed+res.Failed+res.Skipped > 0 {
		fmt.Fprintf(stdout, "@inferred scenarios with the learned profile: %s\n", res.Summary())
		for _, s := range res.Skips {
			fmt.Fprintf(stdout, "skipped %d %s scenario(s): they %s\n", s.Count, s.Tag, s.Reason)
		}
	}
	for _, d := range doc.Disproved {
		fmt.Fprintf(stdout, "disproved: %s: %s: %s\n", d.Feature, d.Scenario, firstLine(d.Message))
	}
	if err := WriteProfileFile(path, doc); err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 2
	}
	which := ""
	if len(differ) > 0 {
		which = " (" + strings.Join(differ, ", ") + ")"
	}
	fmt.Fprintf(stdout, "wrote %s: %d of %d fields differ from observed%s; %d @inferred %s disproved\n",
		path, len(differ), len(theirs), which, len(doc.Disproved), plural(len(doc.Disproved), "guess", "guesses"))
	return 0
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
