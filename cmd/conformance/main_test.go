package main

import (
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// The test binary doubles as the command: with CONFORMANCE_RUN_MAIN=1 it
// runs main with its arguments, so the tests see real exit statuses.
func TestMain(m *testing.M) {
	if os.Getenv("CONFORMANCE_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func runMain(t *testing.T, args ...string) (stdout string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "CONFORMANCE_RUN_MAIN=1", "DOMINO_API_HOST=", "DOMINO_API_PROXY=")
	out, err := cmd.Output()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return string(out), 0
}

func TestMockRunPassesAndEndsWithTheSummary(t *testing.T) {
	out, code := runMain(t, "--mock", "--tags", "@jwt")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if last := lines[len(lines)-1]; !regexp.MustCompile(`^\d+ passed, 0 failed$`).MatchString(last) {
		t.Errorf("last line %q is not the summary", last)
	}
}

func TestBadFlagsExitTwo(t *testing.T) {
	if _, code := runMain(t, "--mock", "--format", "html"); code != 2 {
		t.Errorf("exit %d for an unknown format, want 2", code)
	}
	if _, code := runMain(t, "--mock", "--external-url", "http://domino.example.com"); code != 2 {
		t.Errorf("exit %d for --mock with --external-url, want 2", code)
	}
	if _, code := runMain(t); code != 2 {
		t.Errorf("exit %d with no target, want 2", code)
	}
}
