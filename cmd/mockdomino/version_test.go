package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// --version prints the version stamped at build time (-ldflags -X, as the
// Dockerfile does), on both binaries (issue 12, item 15).
func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run([]string{"--version"}, &stdout, &stderr, func(string) (string, bool) { return "", false }); err != nil {
		t.Fatalf("--version: %v\n%s", err, stderr.String())
	}
	if !regexp.MustCompile(`^mockdomino \S+\n$`).MatchString(stdout.String()) {
		t.Errorf("--version printed %q", stdout.String())
	}
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	dir := t.TempDir()
	const stamp = "-X github.com/mockdomino/mockdomino/internal/version.stamped=v9.8.7-test"
	for name, pkg := range map[string]string{"mockdomino": ".", "conformance": "../conformance"} {
		bin := filepath.Join(dir, name)
		if out, err := exec.Command("go", "build", "-ldflags", stamp, "-o", bin, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
		out, err := exec.Command(bin, "--version").Output()
		if err != nil || string(out) != name+" v9.8.7-test\n" {
			t.Errorf("%s --version: %q, %v", name, out, err)
		}
	}
}

// The Dockerfile's VERSION build argument must reach the variable the
// binaries print.
func TestDockerfileStampsTheVersion(t *testing.T) {
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ARG VERSION", "-X github.com/mockdomino/mockdomino/internal/version.stamped=${VERSION}"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	if n := strings.Count(string(data), `-ldflags="$ldflags"`); n != 2 {
		t.Errorf("%d builds use the stamped ldflags, want both", n)
	}
}
