package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/profile"
)

// conformance --mock --profile strict --learn-profile FILE writes the
// strict profile, learned, and says so in its last line; exit 0.
func TestLearnProfileCommand(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "learned.json")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"--mock", "--profile", "strict", "--learn-profile", file, "--tags", "@jwt"}, &stdout, &stderr, noEnv)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	last := lastLine(stdout.String())
	want := regexp.QuoteMeta("wrote "+file+": 3 of 11 fields differ from observed (duplicateStatus, reactivatedTokensLackSub, publicDuplicateStatus); ") +
		`0 @inferred guesses disproved$`
	if !regexp.MustCompile(want).MatchString(last) {
		t.Errorf("last line %q, want %s", last, want)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := profile.ParseDocument(data, file)
	if err != nil {
		t.Fatal(err)
	}
	if d := doc.Profile.Differences(profile.Strict()); len(d) != 0 || doc.Base != "strict" || doc.LearnedFrom.InferredChecked == 0 {
		t.Errorf("the file: %+v (differs from strict in %v)\n%s", doc, d, data)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	// The file is one a mock loads.
	m := startMock(t, file)
	if got := m.srv.Store().Profile(); got.Name != doc.Profile.Name || len(got.Differences(profile.Strict())) != 0 {
		t.Errorf("the mock started with the file plays %+v", got)
	}
}

// Bad input: the command exits 2 with a clear error and writes no file.
func TestLearnProfileCommandErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	newer := writeFile(t, "newer.json", `{"formatVersion":2,"duplicateStatus":409}`)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"directory missing", []string{"--mock", "--learn-profile", filepath.Join(dir, "missing", "learned.json")}, "cannot be written"},
		{"a directory", []string{"--mock", "--learn-profile", dir}, "is a directory"},
		{"unreachable target", []string{"--api-host", "http://127.0.0.1:1", "--admin-api-key", "k", "--learn-profile", filepath.Join(dir, "a.json")},
			"nothing answers at the API host: GET /version"},
		{"no administrator key", []string{"--api-host", "http://127.0.0.1:1", "--learn-profile", filepath.Join(dir, "b.json")}, "needs an administrator's API key"},
		{"a report format", []string{"--mock", "--format", "junit", "--learn-profile", filepath.Join(dir, "c.json")}, "leave out --format"},
		{"a newer base profile", []string{"--mock", "--profile", newer, "--learn-profile", filepath.Join(dir, "d.json")},
			"is format 2, written by a newer mockdomino; this one reads format 1"},
		{"unknown tag", []string{"--mock", "--tags", "@nonesuch", "--learn-profile", filepath.Join(dir, "e.json")}, "@nonesuch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), tc.args, &stdout, &stderr, noEnv)
			if code != 2 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, want 2 and %q in\n%s%s", code, tc.want, stdout.String(), stderr.String())
			}
		})
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("files left: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A profile file of a newer format given to --profile stops a run before
// it starts, with the mock (--mock) or against a target.
func TestProfileOfANewerFormatIsRefused(t *testing.T) {
	t.Parallel()
	newer := writeFile(t, "newer.json", `{"formatVersion":2}`)
	m := startMock(t, "observed")
	for _, args := range [][]string{
		{"--mock", "--profile", newer, "--tags", "@jwt"},
		{"--api-host", m.srv.APIURL(), "--api-proxy", m.srv.ProxyURL(), "--profile", newer, "--tags", "@jwt"},
	} {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), args, &stdout, &stderr, noEnv)
		if want := "profile " + newer + " is format 2, written by a newer mockdomino; this one reads format 1"; code != 2 || !strings.Contains(stderr.String(), want) {
			t.Errorf("%v: exit %d, want 2 and %q in\n%s", args, code, want, stderr.String())
		}
	}
}

// Learning from a running mock the run does not own leaves it as it found
// it, probes included; one it could not put back (no --api-proxy) is
// refused before the first probe.
func TestLearnLeavesARunningMockAsFound(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	state := func() []byte {
		b, err := json.Marshal(m.srv.Store().Export(true))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before := state()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"--api-host", m.srv.APIURL(), "--learn-profile", filepath.Join(dir, "a.json"), "--tags", "@jwt"},
		&stdout, &stderr, noEnv)
	if code != 2 || !strings.Contains(stderr.String(), "give --api-proxy") {
		t.Errorf("without --api-proxy: exit %d\n%s", code, stderr.String())
	}
	if after := state(); !bytes.Equal(before, after) {
		t.Errorf("refused, the learning still changed the mock:\n%s", after)
	}
	stdout.Reset()
	stderr.Reset()
	code = Main(context.Background(), []string{"--api-host", m.srv.APIURL(), "--api-proxy", m.srv.ProxyURL(),
		"--learn-profile", filepath.Join(dir, "b.json"), "--tags", "@jwt"}, &stdout, &stderr, noEnv)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if after := state(); !bytes.Equal(before, after) {
		t.Errorf("the learning changed the mock:\nbefore %s\nafter  %s", before, after)
	}
}

// Interrupted, the command exits 130 and writes nothing.
func TestLearnProfileInterrupted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	file := filepath.Join(t.TempDir(), "learned.json")
	var stdout, stderr bytes.Buffer
	if code := Main(ctx, []string{"--mock", "--learn-profile", file, "--tags", "@jwt"}, &stdout, &stderr, noEnv); code != ExitInterrupted {
		t.Errorf("exit %d, want %d\n%s", code, ExitInterrupted, stderr.String())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), "*")); len(left) != 0 {
		t.Errorf("files written: %v", left)
	}
}

// A transcript that could not be written fails learning with --record as it
// fails any run: exit 2, saying why.
func TestLearnProfileReportsATranscriptNotWritten(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"--mock", "--tags", "@tokens", "--record", "/dev/full",
		"--learn-profile", filepath.Join(t.TempDir(), "learned.json")}, &stdout, &stderr, noEnv)
	if code != 2 || !strings.Contains(stderr.String(), "writing the transcript: ") {
		t.Errorf("exit %d, want 2 and the transcript's error\n%s%s", code, stdout.String(), stderr.String())
	}
}
