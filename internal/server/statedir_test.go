package server

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Tests of --state at assembly (issue 14): a mock refused a directory in use
// changes nothing in it, the signing key is written atomically, and never
// through a symbolic link.

func stateFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			data = []byte("unreadable: " + err.Error())
		}
		files[e.Name()] = data
	}
	return files
}

func sameStateFiles(t *testing.T, what string, before, after map[string][]byte) {
	t.Helper()
	for name, data := range before {
		if now, ok := after[name]; !ok {
			t.Errorf("%s: %s was removed", what, name)
		} else if !bytes.Equal(now, data) {
			t.Errorf("%s: %s changed", what, name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s: %s was created", what, name)
		}
	}
}

func startState(t *testing.T, dir string, extra ...func(*Config)) (*Server, error) {
	t.Helper()
	cfg := Config{Listen: "127.0.0.1:0", StateDir: dir, ExternalURL: "http://state.test"}
	for _, f := range extra {
		f(&cfg)
	}
	return Start(cfg)
}

// useToken creates a service account and a token on s and returns the token.
func useToken(t *testing.T, s *Server) string {
	t.Helper()
	st := s.Store()
	admin, err := st.CallerByUserName("admin")
	if err != nil {
		t.Fatal(err)
	}
	sa, err := st.CreateServiceAccount(admin, "kept-bot", "kept-bot@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := st.CreateToken(admin, sa.IdpID, "kept")
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

func wantAuthenticates(t *testing.T, s *Server, token string) {
	t.Helper()
	c, err := s.Store().AuthenticateBearer(token)
	if err != nil || c.UserName != "kept-bot" {
		t.Fatalf("the token no longer authenticates: %v %+v", err, c)
	}
}

func TestStateDirInUseIsLeftAlone(t *testing.T) {
	// The running mock keeps its key outside the directory (--signing-key),
	// so the directory holds no signing-key.pem: a second mock that wrote
	// one before finding the directory locked would leave a key the first
	// never signed with, and the directory unloadable after its restart.
	keyPath := filepath.Join(t.TempDir(), "key.pem")
	first0, err := Start(Config{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := first0.Store().Keys().Wait(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, first0.Store().Keys().PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	first0.Close()

	dir := filepath.Join(t.TempDir(), "state")
	withKey := func(c *Config) { c.SigningKey = keyPath }
	first, err := startState(t, dir, withKey)
	if err != nil {
		t.Fatal(err)
	}
	token := useToken(t, first)
	before := stateFiles(t, dir)
	second, err := startState(t, dir)
	if err == nil {
		second.Close()
		first.Close()
		t.Fatal("a second mock started on a state directory in use")
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Errorf("error %q does not say the directory is in use", err)
	}
	sameStateFiles(t, "the refused start", before, stateFiles(t, dir))
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := startState(t, dir, withKey)
	if err != nil {
		t.Fatalf("the directory no longer loads: %v", err)
	}
	defer again.Close()
	wantAuthenticates(t, again, token)
}

func TestStateDirTwoStartsAtOnce(t *testing.T) {
	// Two mocks started together on a fresh directory: one is refused, and
	// the directory is the survivor's, loadable after its restart.
	for round := 0; round < 3; round++ {
		dir := filepath.Join(t.TempDir(), "state")
		var wg sync.WaitGroup
		servers := make([]*Server, 2)
		errs := make([]error, 2)
		for i := range servers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				servers[i], errs[i] = startState(t, dir)
			}()
		}
		wg.Wait()
		var survivor *Server
		for i, err := range errs {
			switch {
			case err == nil && survivor != nil:
				survivor.Close()
				servers[i].Close()
				t.Fatal("both mocks started on one state directory")
			case err == nil:
				survivor = servers[i]
			case !strings.Contains(err.Error(), "in use"):
				t.Fatalf("round %d: start failed: %v", round, err)
			}
		}
		if survivor == nil {
			t.Fatalf("round %d: neither mock started: %v", round, errs)
		}
		token := useToken(t, survivor)
		if err := survivor.Close(); err != nil {
			t.Fatal(err)
		}
		again, err := startState(t, dir)
		if err != nil {
			t.Fatalf("round %d: after the survivor's restart: %v", round, err)
		}
		wantAuthenticates(t, again, token)
		again.Close()
	}
}

func TestStateDirKeyIsNotWrittenThroughALink(t *testing.T) {
	for _, name := range []string{keyFile + ".tmp", keyFile} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			victim := filepath.Join(t.TempDir(), "victim")
			if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(victim, filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
			s, err := startState(t, dir)
			if err == nil {
				s.Close()
				t.Errorf("started with %s a symbolic link", name)
			} else if !strings.Contains(err.Error(), "link") {
				t.Errorf("error %q does not say %s is a link", err, name)
			}
			if data, _ := os.ReadFile(victim); string(data) != "precious" {
				t.Errorf("the link's target was overwritten")
			}
		})
	}
}

func TestStateDirKeyIsKept(t *testing.T) {
	dir := t.TempDir()
	s, err := startState(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	token := useToken(t, s)
	s.Close()
	fi, err := os.Lstat(filepath.Join(dir, keyFile))
	if err != nil || fi.Mode() != 0o600 {
		t.Fatalf("%s: %v, mode %v; want a regular file of mode 0600", keyFile, err, fi.Mode())
	}
	if _, err := os.Lstat(filepath.Join(dir, keyFile+".tmp")); err == nil {
		t.Errorf("%s.tmp was left behind", keyFile)
	}
	s, err = startState(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wantAuthenticates(t, s, token)
}
