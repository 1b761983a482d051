package mockdomino_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

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
