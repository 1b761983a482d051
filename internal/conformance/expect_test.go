package conformance

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes a file in the test's directory and gives its path.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A file profile whose name is not a file nor a built-in is still what a
// runner given only the mock's URL expects.
func TestRunnerExpectsTheFileProfileAMockReports(t *testing.T) {
	t.Parallel()
	m := startMock(t, writeFile(t, "mine.json", `{"name":"mine","base":"strict","duplicateStatus":422}`))
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"--api-host", m.srv.APIURL(), "--api-proxy", m.srv.ProxyURL(), "--name", "taken is refused"},
		&stdout, &stderr, noEnv)
	if code != 0 || !strings.Contains(stderr.String(), "(profile mine;") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
}
