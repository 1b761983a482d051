package mockdomino_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/conformance"
	"github.com/mockdomino/mockdomino/internal/server"
)

// TestReadmeExamples runs the README's shell examples (the blocks fenced as
// sh; blocks for other targets are fenced as shell), as printed, against a
// fresh mock, so the documentation cannot drift from the code. It runs them
// twice on the same mock, as a reader who pastes them again does, and checks
// each run's output: they must work the second time too.
func TestReadmeExamples(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	var script strings.Builder
	script.WriteString("set -eu\n")
	for _, b := range blocks {
		if strings.Contains(b[1], "go run ./cmd/mockdomino") {
			continue // the two set-up commands, not examples
		}
		script.WriteString(b[1])
	}
	if !strings.Contains(script.String(), "/api/jobs/v1/jobs") {
		t.Fatal("README lost its job example")
	}

	srv, err := server.Start(server.Config{Listen: "127.0.0.1:0", ProxyListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// The README exports the default addresses; point them at this server instead.
	body := regexp.MustCompile(`(?m)^export DOMINO_API_PROXY=.*$`).ReplaceAllString(script.String(),
		"export DOMINO_API_PROXY="+srv.ProxyURL()+" DOMINO_API_HOST="+srv.APIURL())
	for run := 1; run <= 2; run++ {
		cmd := exec.Command("bash", "-c", body)
		cmd.Env = append(os.Environ(), "CURL_HOME=/nonexistent")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("README examples failed (run %d): %v\n%s", run, err, out)
		}
		for _, want := range []string{
			`"userName":"admin"`, `"userName":"alice"`, // self via proxy and via API key
			`"username":"demo-sa"`,                    // account created
			`"name":"token-for-circleci"`,             // token created
			`"projectRole":"Contributor"`,             // collaborator added
			`"runCommand":"main.py"`,                  // job started with the token
			`"isValid":false`,                         // invalidated
			"HTTP/1.1 401",                            // refused after deactivation
			`"keys":[{`, `"public_key":`, `"issuer":`, // Keycloak endpoints
			`"path":"config/train.yaml"`, "epochs: 3", // a file uploaded twice, read at its first commit
		} {
			if !strings.Contains(string(out), want) {
				t.Errorf("README examples' output (run %d) lacks %s\n%s", run, want, out)
			}
		}
	}
}

// TestReadmeVerificationLoop runs the README's verification-loop block as
// printed, each conformance command in process (go run ./cmd/conformance
// ARGS is conformance.Main(ARGS)) in a directory of its own, and checks each
// exit status against the one its comment gives (0 when it gives none).
func TestReadmeVerificationLoop(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "### The verification loop")
	block := regexp.MustCompile("(?s)```shell\n(.*?)```").FindStringSubmatch(after)
	if !ok || block == nil {
		t.Fatal("the README lost its verification-loop block")
	}
	t.Chdir(t.TempDir())
	lines := strings.Split(block[1], "\n")
	ran := 0
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if m := regexp.MustCompile(`^cat > (\S+) <<'EOF'$`).FindStringSubmatch(line); m != nil {
			var text strings.Builder
			for i++; i < len(lines) && lines[i] != "EOF"; i++ {
				text.WriteString(lines[i] + "\n")
			}
			if err := os.WriteFile(m[1], []byte(text.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if line == "" {
			continue
		}
		cmd, comment, _ := strings.Cut(line, "#")
		args := shellWords(t, cmd)
		if len(args) < 3 || strings.Join(args[:3], " ") != "go run ./cmd/conformance" {
			t.Fatalf("a line the test cannot run: %s", line)
		}
		args = args[3:]
		var stdout, stderr bytes.Buffer
		out := io.Writer(&stdout)
		if n := len(args); n >= 2 && args[n-2] == ">" {
			f, err := os.Create(args[n-1])
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			out, args = f, args[:n-2]
		}
		want := 0
		if m := regexp.MustCompile(`exit (\d)`).FindStringSubmatch(comment); m != nil {
			want, _ = strconv.Atoi(m[1])
		}
		if code := conformance.Main(context.Background(), args, out, &stderr, func(string) string { return "" }); code != want {
			t.Fatalf("%s\nexit %d, the README says %d\n%s\n%s", line, code, want, stdout.String(), stderr.String())
		}
		ran++
	}
	if ran != 5 {
		t.Errorf("ran %d commands, want the README's 5", ran)
	}
	// What the loop made: a learned profile that names its origin, a page
	// and a summary with the differences the profile made.
	for file, want := range map[string]string{
		"learned.json": `"dominoVersion": "`, "drift.html": `<a href="#drift">Drift (`, "drift.md": "## Drift (",
	} {
		data, err := os.ReadFile(file)
		if err != nil || !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q (%v)", file, want, err)
		}
	}
}

// shellWords splits a command line as a shell would for the README's
// commands: words, double-quoted strings.
func shellWords(t *testing.T, s string) []string {
	var words []string
	for _, m := range regexp.MustCompile(`"([^"]*)"|(\S+)`).FindAllStringSubmatch(s, -1) {
		if strings.HasPrefix(m[0], `"`) {
			words = append(words, m[1])
		} else {
			words = append(words, m[2])
		}
	}
	if strings.ContainsAny(strings.Join(words, ""), `'$\`) {
		t.Fatalf("the test does not read this shell: %s", s)
	}
	return words
}
