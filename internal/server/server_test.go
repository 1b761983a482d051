package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/mockdomino/mockdomino/internal/store"
)

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.ProxyListen == "" {
		cfg.ProxyListen = "127.0.0.1:0"
	}
	if cfg.Seed == 0 {
		cfg.Seed = 7 // a seeded key: no slow RSA generation
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// breakProxyUser changes the exported state so that the proxy's user
// ("admin") can no longer be acted as.
var breakProxyUser = map[string]func(*store.Snapshot){
	"deactivated": func(s *store.Snapshot) { s.Users[0].Active = false },
	"missing":     func(s *store.Snapshot) { s.Users, s.Projects = s.Users[1:], nil }, // admin owned the project
	"a service account": func(s *store.Snapshot) {
		s.Users[0].ServiceAccount, s.Users[0].APIKey, s.Users[0].Roles = true, "", nil
	},
	"renamed": func(s *store.Snapshot) { s.Users[0].UserName = "root" },
}

// TestImportCannotLockOutTheProxy: an import that leaves the proxy without
// its user is refused with 400 saying why, and the control plane on the
// proxy keeps working (issue 14, item 5).
func TestImportCannotLockOutTheProxy(t *testing.T) {
	s := start(t, Config{})
	for name, breakIt := range breakProxyUser {
		t.Run(name, func(t *testing.T) {
			snap := s.Store().Export(true)
			breakIt(&snap)
			doc, _ := json.Marshal(snap)
			code, body := do(t, "PUT", s.ProxyURL()+"/__mock/state", string(doc))
			if code != 400 || !strings.Contains(body, `API proxy acts as \"admin\"`) {
				t.Errorf("import: %d %s, want 400 naming the proxy's user", code, body)
			}
			for _, path := range []string{"/__mock/state", "/v4/users/self"} {
				if code, body := do(t, "GET", s.ProxyURL()+path, ""); code != 200 {
					t.Errorf("GET %s on the proxy after the import: %d %s", path, code, body)
				}
			}
		})
	}
}

// lockedStateDir is a state directory whose state the proxy's user cannot
// be acted in: written by a store that does not know of a proxy, as an
// older mockdomino would have written it.
func lockedStateDir(t *testing.T, breakIt func(*store.Snapshot)) string {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(store.Config{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	snap := st.Export(true)
	breakIt(&snap)
	if err := st.Import(snap); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestStateDirWithoutTheProxyUser: a --state directory whose state the
// proxy's user cannot be acted in still starts; the start-up log says what
// is wrong and how to get out, and the proxy's control routes work, so a
// reset or an import repairs it without deleting the directory.
func TestStateDirWithoutTheProxyUser(t *testing.T) {
	for name, breakIt := range breakProxyUser {
		t.Run(name, func(t *testing.T) {
			dir := lockedStateDir(t, breakIt)
			var log logBuffer
			s := start(t, Config{StateDir: dir, Logger: slog.New(slog.NewTextHandler(&log, nil))})
			if got := log.String(); !strings.Contains(got, `acts as \"admin\"`) || !strings.Contains(got, "/__mock/reset") {
				t.Errorf("start-up log does not say the proxy user is unusable and how to repair it:\n%s", got)
			}
			if code, body := do(t, "GET", s.ProxyURL()+"/v4/users/self", ""); code != 401 {
				t.Errorf("a Domino route through the proxy: %d %s, want 401", code, body)
			}
			if code, body := do(t, "GET", s.ProxyURL()+"/__mock/state", ""); code != 200 {
				t.Errorf("GET /__mock/state on the proxy: %d %s", code, body)
			}
			if code, body := do(t, "POST", s.ProxyURL()+"/__mock/reset", ""); code != 200 {
				t.Fatalf("POST /__mock/reset on the proxy: %d %s", code, body)
			}
			if code, body := do(t, "GET", s.ProxyURL()+"/v4/users/self", ""); code != 200 || !strings.Contains(body, `"userName":"admin"`) {
				t.Errorf("the proxy after the reset: %d %s", code, body)
			}
		})
	}
}

// TestProxyUserMustBeAFixturesUser: the proxy's user must be in the
// fixtures, which a reset returns to, even when a --state directory holds a
// user of that name.
func TestProxyUserMustBeAFixturesUser(t *testing.T) {
	dir := lockedStateDir(t, func(s *store.Snapshot) { s.Users[1].UserName = "imported" })
	_, err := Start(Config{Listen: "127.0.0.1:0", ProxyListen: "127.0.0.1:0", Seed: 7, StateDir: dir, ProxyUser: "imported"})
	if err == nil || !strings.Contains(err.Error(), `proxy user "imported" is not a user in the fixtures`) {
		t.Fatalf("Start = %v, want the proxy user refused", err)
	}
}
