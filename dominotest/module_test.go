package dominotest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// userTest is a test as a user writes it in a module of their own: it
// must compile there, with the standard library's types.
const userTest = `package user

import (
	"net/http"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/dominotest"
)

func TestUser(t *testing.T) {
	srv := dominotest.NewServer(t, dominotest.WithTokenTTL(time.Hour))
	srv.SetJobLifecycle(t, dominotest.JobLifecycle{Mode: "clock", QueuedFor: time.Minute, RunFor: 10 * time.Minute})
	srv.UploadFile(t, dominotest.ProjectOwner, dominotest.ProjectName, "train.py", []byte("print(1)\n"))
	var created time.Time = srv.Commits(t, dominotest.ProjectID)[0].Time
	if created.IsZero() {
		t.Fatal("a commit without a time")
	}

	sa := srv.CreateServiceAccount(t, "ci-bot")
	tok := srv.CreateToken(t, sa.IdpID, "second")
	var expires time.Time = tok.ExpiresAt
	srv.AddFault(t, dominotest.Fault{Route: "/v4/users/self", Delay: 10 * time.Millisecond, Times: 1})
	req, _ := http.NewRequest("GET", srv.APIURL+"/v4/users/self", nil)
	req.Header.Set("X-Domino-Api-Key", dominotest.AliceAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var took time.Duration = srv.Journal(dominotest.JournalFilter{Caller: dominotest.AliceUserName})[0].Duration
	if took < 10*time.Millisecond {
		t.Errorf("the delayed request took %v", took)
	}
	if now := srv.AdvanceClock(t, 2*time.Hour); now.Before(expires) {
		t.Errorf("%v is before the token's expiry %v", now, expires)
	}
	srv.InvalidateToken(t, sa.IdpID, "second")
	srv.DeactivateServiceAccount(t, sa.IdpID)
	srv.Reset(t)
}
`

// TestFromAnotherModule builds and runs userTest in a throwaway module that
// requires this one (replaced by this checkout), as a user's module would,
// and reads the package's documentation there: every exported type shows
// its fields, and nothing names an internal package, which a user can
// neither import nor name.
func TestFromAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module: not in -short")
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go command")
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go \S+$`).Find(mod)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/user\n\n"+string(goLine)+"\n\nrequire github.com/mockdomino/mockdomino v0.0.0\n\nreplace github.com/mockdomino/mockdomino => "+root+"\n")
	write("go.sum", string(sum)) // the same dependencies, so nothing is looked up
	write("user_test.go", userTest)

	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(goTool, args...)
		cmd.Dir = dir
		// Offline, from the module cache this module's own build filled;
		// -mod=mod lets go complete go.mod as a user's "go get" would.
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("test", "-count=1", ".")

	doc := run("doc", "-all", "github.com/mockdomino/mockdomino/dominotest")
	if m := regexp.MustCompile(`\b(store|server|api|profile|signing)\.[A-Z]\w*`).FindAllString(doc, -1); m != nil {
		t.Errorf("go doc names internal types a user cannot use: %v\n%s", m, doc)
	}
	for _, field := range []string{
		"QueuedFor time.Duration", "RunFor time.Duration", // JobLifecycle
		"Time time.Time",                                  // Commit
		"Created time.Time", "MainRepository *Repository", // Project
		"IdpID string", "TokenName string", // ServiceAccount
		"Value string", "ExpiresAt time.Time", // Token
		"Delay time.Duration", "Fired int", // Fault
		"Duration time.Duration", "Body json.RawMessage", // JournalEntry
		`ProjectID = "64b7f0a1c2d3e4f5a6b7c901`, `AliceAPIKey = "mockdomino-alice-key-1e8b6d2f9a0c7e35`, // constants
	} {
		if !regexp.MustCompile(`\b` + strings.ReplaceAll(regexp.QuoteMeta(field), " ", `\s+`) + `\b`).MatchString(doc) {
			t.Errorf("go doc shows no field %q", field)
		}
	}
}
