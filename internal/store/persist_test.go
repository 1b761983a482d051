package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/signing"
)

// Tests of --state persistence: every change survives a reopen, a torn last
// record is cut off, any other damage stops Open with the file (and line),
// compaction, the directory lock, and refusing writes once the log fails.
//
// Helper names start with "wal" so they do not collide with other test files
// of this package.

var (
	walKeysOnce sync.Once
	walKeysVal  *signing.Keys
	walKeysErr  error
)

// walConfig is a store config sharing one signing key across the tests (RSA
// key generation is slow), with a fresh clock and ids each time, so that
// what a reopened store knows can only have come from the directory.
func walConfig(t testing.TB) Config {
	t.Helper()
	walKeysOnce.Do(func() { walKeysVal, walKeysErr = signing.Generate() })
	if walKeysErr != nil {
		t.Fatal(walKeysErr)
	}
	return Config{Keys: walKeysVal, ExternalURL: "http://persist.test"}
}

func walOpen(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(walConfig(t), dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return s
}

func walClose(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// walJSON is the state with its secrets, as one comparable document.
func walJSON(t testing.TB, s *Store) string {
	t.Helper()
	data, err := json.MarshalIndent(s.Export(true), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// walSameState fails with the first differing line of two exports.
func walSameState(t testing.TB, what, want, got string) {
	t.Helper()
	if want == got {
		return
	}
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			t.Fatalf("%s: state differs at line %d of the export:\n want %s\n  got %s", what, i+1, w, g)
		}
	}
	t.Fatalf("%s: state differs", what)
}

// walReopen closes s, opens dir again and checks that the state is exactly
// what it was.
func walReopen(t testing.TB, s *Store, dir string) *Store {
	t.Helper()
	before := walJSON(t, s)
	walClose(t, s)
	s2 := walOpen(t, dir)
	walSameState(t, "after reopen", before, walJSON(t, s2))
	return s2
}

func walAdmin(t testing.TB, s *Store) Caller {
	t.Helper()
	c, err := s.CallerByUserName("admin")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// walOK(f()).must(t) is f's value, failing the test on f's error.
func walOK[V any](v V, err error) walResult[V] { return walResult[V]{v, err} }

type walResult[V any] struct {
	v   V
	err error
}

func (r walResult[V]) must(t testing.TB) V {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

const (
	walProject = "64b7f0a1c2d3e4f5a6b7c901"
	walRepo    = "64b7f0a1c2d3e4f5a6b7ca01"
	walAdminID = "64b7f0a1c2d3e4f5a6b7c801"
	walAliceID = "64b7f0a1c2d3e4f5a6b7c802"
)

func walTokenCred(name string) GitCredentialInput {
	return GitCredentialInput{Name: name, GitServiceProvider: "github", AccessType: "token", Token: "ghp_" + name}
}

func TestPersistOpenEmptyDirStartsFromFixtures(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet", "there")
	s := walOpen(t, dir)
	defer func() { s.Close() }()
	walSameState(t, "fresh state directory", walJSON(t, New(walConfig(t))), walJSON(t, s))
	for _, f := range []string{snapshotFile, walFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s was not written: %v", f, err)
		}
	}
	if n, h := len(walLines(t, dir)), walHeaderLines(t, dir); n != 1 || h != 1 {
		t.Errorf("fresh %s holds %d lines (%d of them a header), want the header alone", walFile, n, h)
	}
	s = walReopen(t, s, dir)
	walSameState(t, "reopened fresh directory", walJSON(t, New(walConfig(t))), walJSON(t, s))
}

func TestPersistEveryChangeSurvivesReopen(t *testing.T) {
	// Each case gets its own directory; setup runs before the first reopen
	// (so its changes come back from the snapshot), change after it (so they
	// come back from the log), and then the state is compared once more
	// after a second reopen.
	type tc struct {
		name   string
		setup  func(t *testing.T, s *Store, a Caller) map[string]string
		change func(t *testing.T, s *Store, a Caller, v map[string]string)
	}
	account := func(t *testing.T, s *Store, a Caller, name string) ServiceAccount {
		return walOK(s.CreateServiceAccount(a, name, name+"@example.com")).must(t)
	}
	withToken := func(t *testing.T, s *Store, a Caller) map[string]string {
		sa := account(t, s, a, "bot")
		tok := walOK(s.CreateToken(a, sa.IdpID, "t1")).must(t)
		return map[string]string{"idp": sa.IdpID, "id": sa.ID, "token": tok.Token}
	}
	withCredMapping := func(t *testing.T, s *Store, a Caller) map[string]string {
		cr := walOK(s.AddGitCredential(a, walAdminID, walTokenCred("mine"))).must(t)
		walOK(s.SetCredentialMapping(a, walProject, walRepo, cr.ID)).must(t)
		return map[string]string{"cred": cr.ID}
	}
	manualJob := func(t *testing.T, s *Store, a Caller) map[string]string {
		walOK(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).must(t)
		j := walOK(s.StartJob(a, JobInput{ProjectID: walProject, Command: "python main.py"})).must(t)
		return map[string]string{"job": j.ID}
	}
	cases := []tc{
		{name: "create service account", change: func(t *testing.T, s *Store, a Caller, _ map[string]string) {
			account(t, s, a, "ci-bot")
			account(t, s, a, "other.bot")
		}},
		{name: "deactivate service account, with its tokens", setup: withToken, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.DeactivateServiceAccount(a, v["idp"])).must(t)
		}},
		{name: "deactivate then activate", setup: withToken, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.DeactivateServiceAccount(a, v["idp"])).must(t)
			walOK(s.ActivateServiceAccount(a, v["idp"])).must(t)
			walOK(s.CreateToken(a, v["idp"], "after-reactivation")).must(t)
		}},
		{name: "reset a service account's password", setup: withToken, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.ResetServiceAccountPassword(a, v["idp"])).must(t)
		}},
		{name: "create token", change: func(t *testing.T, s *Store, a Caller, _ map[string]string) {
			sa := account(t, s, a, "bot")
			walOK(s.CreateToken(a, sa.IdpID, "t1")).must(t)
			walOK(s.CreateToken(a, sa.IdpID, "t2")).must(t)
		}},
		{name: "invalidate token", setup: withToken, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.InvalidateToken(a, v["idp"], "t1")).must(t)
		}},
		{name: "delete token, then reuse its name", setup: withToken, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.DeleteToken(a, v["idp"], "t1")).must(t)
			walOK(s.CreateToken(a, v["idp"], "t1")).must(t)
			walOK(s.CreateToken(a, v["idp"], "t2")).must(t)
			walOK(s.DeleteToken(a, v["idp"], "t2")).must(t)
		}},
		{name: "access token", change: func(t *testing.T, s *Store, a Caller, _ map[string]string) {
			walOK(s.IssueAccessToken(a)).must(t)
			alice := walOK(s.CallerByUserName("alice")).must(t)
			walOK(s.IssueAccessToken(alice)).must(t)
		}},
		{name: "add collaborator, change its role", setup: withToken, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.AddCollaborator(a, walProject, v["id"], "Contributor")).must(t)
			walOK(s.AddCollaborator(a, walProject, walAliceID, "LauncherUser")).must(t)
			walOK(s.AddCollaborator(a, walProject, v["id"], "ResultsConsumer")).must(t)
		}},
		{name: "remove collaborator", setup: func(t *testing.T, s *Store, a Caller) map[string]string {
			walOK(s.AddCollaborator(a, walProject, walAliceID, "Contributor")).must(t)
			return nil
		}, change: func(t *testing.T, s *Store, a Caller, _ map[string]string) {
			walOK(s.RemoveCollaborator(a, walProject, walAliceID)).must(t)
		}},
		{name: "add git credentials of every access type", change: func(t *testing.T, s *Store, a Caller, _ map[string]string) {
			walOK(s.AddGitCredential(a, walAdminID, walTokenCred("tok"))).must(t)
			walOK(s.AddGitCredential(a, walAliceID, GitCredentialInput{Name: "pw", GitServiceProvider: "gitlab", AccessType: "password", Username: "u", Password: "p"})).must(t)
			walOK(s.AddGitCredential(a, walAdminID, GitCredentialInput{Name: "ssh", GitServiceProvider: "githubEnterprise", Domain: "git.example.com", AccessType: "key", Key: "-----BEGIN KEY-----"})).must(t)
		}},
		{name: "replace a token git credential", setup: withCredMapping, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.UpdateTokenGitCredential(a, walAdminID, v["cred"], GitCredentialInput{Name: "renamed", GitServiceProvider: "gitlab", Token: "new-secret"})).must(t)
		}},
		{name: "delete git credential drops its mappings", setup: withCredMapping, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.DeleteGitCredential(a, walAdminID, v["cred"])).must(t)
		}},
		{name: "set credential mapping", change: func(t *testing.T, s *Store, a Caller, _ map[string]string) {
			withCredMapping(t, s, a)
			other := walOK(s.AddGitCredential(a, walAdminID, walTokenCred("other"))).must(t)
			walOK(s.SetCredentialMapping(a, walProject, walRepo, other.ID)).must(t)
		}},
		{name: "delete credential mapping", setup: withCredMapping, change: func(t *testing.T, s *Store, a Caller, _ map[string]string) {
			walOK(s.DeleteCredentialMapping(a, walProject, walRepo)).must(t)
		}},
		{name: "start job (immediate, progressed by a read)", change: func(t *testing.T, s *Store, a Caller, _ map[string]string) {
			j := walOK(s.StartJob(a, JobInput{ProjectID: walProject, Command: "python a.py", Title: "a"})).must(t)
			if got := walOK(s.Job(a, j.ID)).must(t); got.Status != StatusSucceeded {
				t.Fatalf("immediate job is %s", got.Status)
			}
			walOK(s.StartJob(a, JobInput{ProjectID: walProject, Command: "python b.py", HardwareTier: "medium-k8s"})).must(t)
		}},
		{name: "job progress (advance, polls)", setup: manualJob, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.AdvanceJob(v["job"])).must(t)
			walOK(s.SetJobLifecycle(JobLifecycle{Mode: ModePolls, Polls: 3, FinalStatus: StatusFailed})).must(t)
			j := walOK(s.StartJob(a, JobInput{ProjectID: walProject, Command: "python p.py"})).must(t)
			walOK(s.Job(a, j.ID)).must(t)
			walOK(s.Job(a, j.ID)).must(t)
		}},
		{name: "stop job", setup: manualJob, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.StopJob(a, walProject, v["job"])).must(t)
		}},
		{name: "job lifecycle", change: func(t *testing.T, s *Store, _ Caller, _ map[string]string) {
			walOK(s.SetJobLifecycle(JobLifecycle{Mode: ModeClock, QueuedFor: Duration(time.Minute), RunFor: Duration(90 * time.Second), FinalStatus: StatusError, Stdout: "hello\n"})).must(t)
		}},
		{name: "clock offset", change: func(t *testing.T, s *Store, _ Caller, _ map[string]string) {
			walOK(s.AdvanceClock(36 * time.Hour)).must(t)
			walOK(s.AdvanceClock(90 * time.Minute)).must(t)
		}},
		{name: "clock moved back", change: func(t *testing.T, s *Store, _ Caller, _ map[string]string) {
			walOK(s.AdvanceClock(36 * time.Hour)).must(t)
			walOK(s.AdvanceClock(-90 * time.Hour)).must(t)
		}},
		{name: "clock set back and frozen", change: func(t *testing.T, s *Store, _ Caller, _ map[string]string) {
			at, yes := time.Date(2001, 2, 3, 4, 5, 6, 789, time.UTC), true
			walOK(s.MoveClock(ClockMove{Set: &at, Frozen: &yes})).must(t)
		}},
		{name: "clock frozen, moved back and resumed", change: func(t *testing.T, s *Store, _ Caller, _ map[string]string) {
			yes, no := true, false
			walOK(s.MoveClock(ClockMove{Frozen: &yes})).must(t)
			walOK(s.AdvanceClock(-time.Hour)).must(t)
			walOK(s.MoveClock(ClockMove{Frozen: &no})).must(t)
		}},
		{name: "import of an earlier clock", setup: withToken, change: func(t *testing.T, s *Store, _ Caller, _ map[string]string) {
			snap := s.Export(true)
			walOK(s.AdvanceClock(2904 * time.Hour)).must(t)
			if err := s.Import(snap); err != nil {
				t.Fatal(err)
			}
			walOK(s.AdvanceClock(-time.Hour)).must(t)
		}},
		{name: "reset", setup: withToken, change: func(t *testing.T, s *Store, a Caller, _ map[string]string) {
			walOK(s.AdvanceClock(time.Hour)).must(t) // a reset keeps the clock
			if err := s.Reset(); err != nil {
				t.Fatal(err)
			}
			account(t, s, a, "after-reset")
		}},
		{name: "import", setup: withToken, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			snap := s.Export(true)
			snap.Users = append(snap.Users, UserRecord{User: fixtures.User{ID: "64b7f0a1c2d3e4f5a6b7c8ff", IdpID: "6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4aff", UserName: "imported",
				Email: "imported@example.com", Roles: []string{"Practitioner"}, APIKey: "imported-key"}, Active: true})
			snap.Lifecycle = JobLifecycle{Mode: ModePolls, Polls: 2, FinalStatus: StatusSucceeded}
			snap.ClockOffset = Duration(48 * time.Hour)
			if err := s.Import(snap); err != nil {
				t.Fatal(err)
			}
			walOK(s.CreateToken(a, v["idp"], "after-import")).must(t)
		}},
		{name: "import of a redacted export", setup: withToken, change: func(t *testing.T, s *Store, _ Caller, _ map[string]string) {
			if err := s.Import(s.Export(false)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			a := walAdmin(t, s)
			var v map[string]string
			if c.setup != nil {
				v = c.setup(t, s, a)
				s = walReopen(t, s, dir)
			}
			fresh := walJSON(t, s)
			c.change(t, s, a, v)
			if walJSON(t, s) == fresh {
				t.Fatal("the change changed nothing")
			}
			s = walReopen(t, s, dir)
			s = walReopen(t, s, dir) // and again from the snapshot written at open
			walClose(t, s)
		})
	}

	t.Run("a mix in one directory", func(t *testing.T) {
		dir := t.TempDir()
		s := walOpen(t, dir)
		a := walAdmin(t, s)
		sa := account(t, s, a, "mix-bot")
		tok := walOK(s.CreateToken(a, sa.IdpID, "keep")).must(t)
		walOK(s.CreateToken(a, sa.IdpID, "drop")).must(t)
		walOK(s.InvalidateToken(a, sa.IdpID, "drop")).must(t)
		walOK(s.IssueAccessToken(a)).must(t)
		walOK(s.AddCollaborator(a, walProject, sa.ID, "Contributor")).must(t)
		cr := walOK(s.AddGitCredential(a, walAdminID, walTokenCred("c"))).must(t)
		walOK(s.SetCredentialMapping(a, walProject, walRepo, cr.ID)).must(t)
		walOK(s.AdvanceClock(time.Hour)).must(t)
		walOK(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).must(t)
		j := walOK(s.StartJob(a, JobInput{ProjectID: walProject, Command: "x"})).must(t)
		walOK(s.AdvanceJob(j.ID)).must(t)
		s = walReopen(t, s, dir)
		walOK(s.DeleteGitCredential(a, walAdminID, cr.ID)).must(t)
		walOK(s.StopJob(a, "", j.ID)).must(t)
		walOK(s.DeactivateServiceAccount(a, sa.IdpID)).must(t)
		walOK(s.ActivateServiceAccount(a, sa.IdpID)).must(t)
		s = walReopen(t, s, dir)
		if _, err := s.AuthenticateBearer(tok.Token); err == nil {
			t.Fatal("a token of a deactivated account authenticates after reopen")
		}
		walClose(t, s)
	})
}

func TestPersistTokensAuthenticateAfterReopen(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	sa := walOK(s.CreateServiceAccount(a, "auth-bot", "auth-bot@example.com")).must(t)
	good := walOK(s.CreateToken(a, sa.IdpID, "good")).must(t)
	bad := walOK(s.CreateToken(a, sa.IdpID, "bad")).must(t)
	walOK(s.InvalidateToken(a, sa.IdpID, "bad")).must(t)
	gone := walOK(s.CreateToken(a, sa.IdpID, "gone")).must(t)
	walOK(s.DeleteToken(a, sa.IdpID, "gone")).must(t)
	access := walOK(s.IssueAccessToken(a)).must(t)
	walOK(s.AdvanceClock(time.Minute)).must(t)
	s = walReopen(t, s, dir)
	defer s.Close()

	for _, c := range []struct {
		name, token, user string // user "": must not authenticate
	}{
		{"valid service-account token", good.Token, "auth-bot"},
		{"access token", access, "admin"},
		{"invalidated token", bad.Token, ""},
		{"deleted token", gone.Token, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			caller, err := s.AuthenticateBearer(c.token)
			switch {
			case c.user == "" && err == nil:
				t.Fatalf("authenticated as %s after reopen", caller.UserName)
			case c.user != "" && err != nil:
				t.Fatalf("no longer authenticates after reopen: %v", err)
			case c.user != "" && caller.UserName != c.user:
				t.Fatalf("authenticates as %s, want %s", caller.UserName, c.user)
			}
		})
	}
	// The clock offset came back too: a token expires on the restored clock.
	walOK(s.AdvanceClock(5 * time.Minute)).must(t)
	if _, err := s.AuthenticateBearer(access); err == nil {
		t.Fatal("the access token outlived its 5 minutes on the restored clock")
	}
}

// walLine encodes a record as the log does.
func walLine(t testing.TB, rec walRecord, sum func(uint32) uint32) []byte {
	t.Helper()
	data, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	crc := crc32.ChecksumIEEE(data)
	if sum != nil {
		crc = sum(crc)
	}
	return append([]byte(fmt.Sprintf("%08x %s", crc, data)), '\n')
}

func walAppend(t testing.TB, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
}

func walLines(t testing.TB, dir string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, walFile))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.SplitAfter(data, []byte("\n"))[:bytes.Count(data, []byte("\n"))]
}

// walHeaderLines is how many lines of the log come before its records.
func walHeaderLines(t testing.TB, dir string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, walFile))
	if err != nil {
		return 0
	}
	if bytes.Contains(bytes.SplitN(data, []byte("\n"), 2)[0], []byte(`"format"`)) {
		return 1
	}
	return 0
}

// walSnapshotDoc is what snapshot.json holds.
func walSnapshotDoc(t testing.TB, dir string) snapshotFileDoc {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, snapshotFile))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := decodeSnapshotFile(data)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// walEditSnapshot changes snapshot.json and writes it back as the store
// would, checksum included.
func walEditSnapshot(t testing.TB, dir string, f func(doc *snapshotFileDoc)) {
	t.Helper()
	doc := walSnapshotDoc(t, dir)
	f(&doc)
	data, err := encodeSnapshotFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, snapshotFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// walWithWrites opens a directory, makes n acknowledged writes that stay in
// the log, closes it and returns the state they made.
func walWithWrites(t testing.TB, dir string, n int) string {
	t.Helper()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	for i := 0; i < n; i++ {
		walOK(s.CreateServiceAccount(a, fmt.Sprintf("acked-%d", i), fmt.Sprintf("acked-%d@example.com", i))).must(t)
	}
	want := walJSON(t, s)
	walClose(t, s)
	if got := len(walLines(t, dir)) - walHeaderLines(t, dir); got != n {
		t.Fatalf("the log holds %d records after %d writes", got, n)
	}
	return want
}

func TestPersistTornLastLineIsCutOff(t *testing.T) {
	// What a crash in the middle of an append can leave behind: a last line
	// without its newline. It was not acknowledged (the append had not
	// returned), so recovery drops it and restores exactly the acknowledged
	// state. A last line that has its newline is damage, not a torn write
	// (TestPersistCorruptDirectoryStopsOpen).
	next := walRecord{Seq: 4, Lifecycle: &JobLifecycle{Mode: ModeManual, FinalStatus: StatusSucceeded, Polls: 1},
		Users: []UserRecord{{User: fixtures.User{ID: "64b7f0a1c2d3e4f5a6b7c8aa", IdpID: "torn", UserName: "torn", Email: "torn@example.com"}, Active: true, ServiceAccount: true}}}
	for _, c := range []struct {
		name string
		tail func(t *testing.T) []byte
	}{
		{"half a line without newline", func(t *testing.T) []byte {
			l := walLine(t, next, nil)
			return l[:len(l)/2]
		}},
		{"a whole line but its newline", func(t *testing.T) []byte {
			l := walLine(t, next, nil)
			return l[:len(l)-1]
		}},
		{"only the checksum", func(t *testing.T) []byte { return walLine(t, next, nil)[:8] }},
		{"zeros, as a filesystem may leave", func(t *testing.T) []byte { return make([]byte, 37) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			want := walWithWrites(t, dir, 3)
			walAppend(t, filepath.Join(dir, walFile), c.tail(t))
			s := walOpen(t, dir)
			walSameState(t, "after a torn last line", want, walJSON(t, s))
			// The torn line is gone for good: later writes follow the good
			// records, and the directory opens again with them.
			a := walAdmin(t, s)
			walOK(s.CreateServiceAccount(a, "after-torn", "after-torn@example.com")).must(t)
			s = walReopen(t, s, dir)
			walClose(t, s)
		})
	}
}

func TestPersistCorruptDirectoryStopsOpen(t *testing.T) {
	type damage struct {
		name  string
		wreck func(t *testing.T, dir string)
		want  []string // each must appear in the error; "$WAL" and "$SNAP" are the paths
	}
	// rewriteLine changes the line of record i (0: the first record).
	rewriteLine := func(t *testing.T, dir string, i int, f func(line []byte) []byte) {
		lines := walLines(t, dir)
		i += walHeaderLines(t, dir)
		lines[i] = f(lines[i])
		if err := os.WriteFile(filepath.Join(dir, walFile), bytes.Join(lines, nil), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	recordOf := func(t *testing.T, line []byte) walRecord {
		rec, err := parseLine(line)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	next := walRecord{Seq: 4, Users: []UserRecord{{User: fixtures.User{ID: "64b7f0a1c2d3e4f5a6b7c8aa", IdpID: "unacked", UserName: "unacked", Email: "unacked@example.com"}, Active: true, ServiceAccount: true}}}
	for _, c := range []damage{
		{"bad checksum on a middle line", func(t *testing.T, dir string) {
			rewriteLine(t, dir, 1, func(l []byte) []byte { return bytes.Replace(l, []byte("acked-1"), []byte("acked-X"), 1) })
		}, []string{"$WAL", "$REC1", "checksum"}},
		{"bad checksum on the first record", func(t *testing.T, dir string) {
			rewriteLine(t, dir, 0, func(l []byte) []byte { l[0] ^= 0x01; return l })
		}, []string{"$WAL", "$REC0"}},
		{"a flipped byte in the last complete line", func(t *testing.T, dir string) {
			rewriteLine(t, dir, 2, func(l []byte) []byte { return bytes.Replace(l, []byte("acked-2"), []byte("acked-X"), 1) })
		}, []string{"$WAL", "$REC2", "checksum"}},
		{"the last line's checksum zeroed", func(t *testing.T, dir string) {
			rewriteLine(t, dir, 2, func(l []byte) []byte { return append([]byte("00000000"), l[8:]...) })
		}, []string{"$WAL", "$REC2", "checksum"}},
		{"a whole unacknowledged line with a bad checksum", func(t *testing.T, dir string) {
			walAppend(t, filepath.Join(dir, walFile), walLine(t, next, func(c uint32) uint32 { return c ^ 1 }))
		}, []string{"$WAL", "$REC3", "checksum"}},
		{"a last line cut short but ending in a newline", func(t *testing.T, dir string) {
			l := walLine(t, next, nil)
			walAppend(t, filepath.Join(dir, walFile), append(l[:len(l)/2:len(l)/2], '\n'))
		}, []string{"$WAL", "$REC3"}},
		{"an empty last line", func(t *testing.T, dir string) {
			walAppend(t, filepath.Join(dir, walFile), []byte("\n"))
		}, []string{"$WAL", "$REC3"}},
		{"a middle line cut short", func(t *testing.T, dir string) {
			rewriteLine(t, dir, 1, func(l []byte) []byte { return append(l[:20:20], '\n') })
		}, []string{"$WAL", "$REC1"}},
		{"a good checksum over a bad record", func(t *testing.T, dir string) {
			rewriteLine(t, dir, 1, func([]byte) []byte {
				data := []byte(`{"seq":"two"}`)
				return []byte(fmt.Sprintf("%08x %s\n", crc32.ChecksumIEEE(data), data))
			})
		}, []string{"$WAL", "$REC1", "bad record"}},
		{"a sequence gap", func(t *testing.T, dir string) {
			rewriteLine(t, dir, 1, func(l []byte) []byte {
				rec := recordOf(t, l)
				rec.Seq += 5
				return walLine(t, rec, nil)
			})
		}, []string{"$WAL", "$REC1", "record 7 follows 1"}},
		{"a missing record in the middle is a gap too", func(t *testing.T, dir string) {
			rewriteLine(t, dir, 1, func([]byte) []byte { return nil })
		}, []string{"$WAL", "$REC1", "record 3 follows 1"}},
		{"a torn line followed by a good one", func(t *testing.T, dir string) {
			rewriteLine(t, dir, 1, func(l []byte) []byte { return append(l[:len(l)/2:len(l)/2], '\n') })
		}, []string{"$WAL", "$REC1"}},
		{"the log's header names a later snapshot", func(t *testing.T, dir string) {
			lines := walLines(t, dir)
			header, _ := json.Marshal(walHeader{Format: stateFormat, Follows: 9})
			lines[0] = line(header)
			if err := os.WriteFile(filepath.Join(dir, walFile), bytes.Join(lines, nil), 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"$WAL", "$SNAP", "follows record 9"}},
		{"wal.log removed", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, walFile)); err != nil {
				t.Fatal(err)
			}
		}, []string{"$WAL", "missing"}},
		{"wal.log emptied", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, walFile), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"$WAL"}},
		{"the snapshot's seq raised in place", func(t *testing.T, dir string) {
			data, err := os.ReadFile(filepath.Join(dir, snapshotFile))
			if err != nil {
				t.Fatal(err)
			}
			raised := regexp.MustCompile(`"seq":\d+`).ReplaceAllLiteral(data, []byte(`"seq":2`))
			if bytes.Equal(raised, data) {
				t.Fatal("no seq in snapshot.json")
			}
			if err := os.WriteFile(filepath.Join(dir, snapshotFile), raised, 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"$SNAP"}},
		{"the snapshot's seq raised past the log, its checksum made to match", func(t *testing.T, dir string) {
			// The log's records stop at 3: a snapshot that holds record 5
			// cannot have been written from them.
			walEditSnapshot(t, dir, func(doc *snapshotFileDoc) { doc.Seq = 5 })
		}, []string{"$SNAP", "$WAL", "5"}},
		{"a flipped byte in snapshot.json", func(t *testing.T, dir string) {
			data, err := os.ReadFile(filepath.Join(dir, snapshotFile))
			if err != nil {
				t.Fatal(err)
			}
			data = bytes.Replace(data, []byte(`"admin"`), []byte(`"admiN"`), 1)
			if err := os.WriteFile(filepath.Join(dir, snapshotFile), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"$SNAP"}},
		{"garbage in snapshot.json", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, snapshotFile), []byte("not json at all"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"$SNAP", "corrupt", "line 1, column 2"}},
		{"empty snapshot.json", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, snapshotFile), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"$SNAP", "is empty"}},
		{"truncated snapshot.json", func(t *testing.T, dir string) {
			data, err := os.ReadFile(filepath.Join(dir, snapshotFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, snapshotFile), data[:len(data)/2], 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"$SNAP", "corrupt"}},
		{"garbage after the snapshot document", func(t *testing.T, dir string) {
			walAppend(t, filepath.Join(dir, snapshotFile), []byte(`{"seq": 99} trailing garbage`))
		}, []string{"$SNAP", "corrupt"}},
		{"unknown field in snapshot.json", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, snapshotFile), []byte(`{"seq":0,"state":{},"extra":1}`), 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"$SNAP", "corrupt", "extra"}},
		{"snapshot.json removed while the log holds records", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, snapshotFile)); err != nil {
				t.Fatal(err)
			}
		}, []string{"$SNAP", "$WAL"}},
		{"a snapshot whose tokens belong to nobody", func(t *testing.T, dir string) {
			walEditSnapshot(t, dir, func(doc *snapshotFileDoc) {
				doc.State.Tokens = append(doc.State.Tokens, TokenRecord{JTI: "j", Name: "n", AccountID: "nobody"})
			})
		}, []string{"$SNAP", "inconsistent", "nobody"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			walWithWrites(t, dir, 3)
			c.wreck(t, dir)
			files := map[string][]byte{}
			for _, f := range []string{walFile, snapshotFile} {
				if data, err := os.ReadFile(filepath.Join(dir, f)); err == nil {
					files[f] = data
				}
			}
			s, err := Open(walConfig(t), dir)
			if err == nil {
				s.Close()
				t.Fatal("Open accepted a damaged state directory")
			}
			recLine := func(i int) string { return fmt.Sprintf("line %d", walHeaderLines(t, dir)+i+1) }
			for _, w := range c.want {
				w = strings.NewReplacer("$WAL", filepath.Join(dir, walFile), "$SNAP", filepath.Join(dir, snapshotFile),
					"$REC0", recLine(0), "$REC1", recLine(1), "$REC2", recLine(2), "$REC3", recLine(3)).Replace(w)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			// Nothing was dropped: the files are as they were, for a human to repair.
			for f, data := range files {
				if now, _ := os.ReadFile(filepath.Join(dir, f)); !bytes.Equal(now, data) {
					t.Errorf("the failed Open changed %s", f)
				}
			}
			// And the failed Open let go of the directory.
			if f, err := lockDir(dir); err != nil {
				t.Errorf("the failed Open kept the lock: %v", err)
			} else {
				f.Close()
			}
		})
	}
}

func TestPersistCompaction(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	sa := walOK(s.CreateServiceAccount(a, "compact-bot", "compact-bot@example.com")).must(t)
	tok := walOK(s.CreateToken(a, sa.IdpID, "t")).must(t)
	modes := []JobLifecycle{{Mode: ModeManual}, {Mode: ModePolls, Polls: 2}, {Mode: ModeImmediate}}
	const extra = 10
	for i := 2; i < compactEvery+extra; i++ {
		if i%512 == 0 {
			walOK(s.CreateServiceAccount(a, fmt.Sprintf("c-%d", i), fmt.Sprintf("c-%d@example.com", i))).must(t)
			continue
		}
		walOK(s.SetJobLifecycle(modes[i%len(modes)])).must(t)
	}
	// Record compactEvery emptied the log into the snapshot; the log holds
	// the records since.
	if n := len(walLines(t, dir)) - walHeaderLines(t, dir); n != extra {
		t.Errorf("the log holds %d lines after %d writes, want %d", n, compactEvery+extra, extra)
	}
	doc := walSnapshotDoc(t, dir)
	if doc.Seq != compactEvery {
		t.Errorf("snapshot seq = %d, want %d", doc.Seq, compactEvery)
	}
	// 2 fixtures users, compact-bot and c-512 ... c-3584; c-4096 came after.
	if n := len(doc.State.Users); n != 10 {
		t.Errorf("the snapshot holds %d users, want 10", n)
	}
	s = walReopen(t, s, dir)
	defer s.Close()
	if _, err := s.AuthenticateBearer(tok.Token); err != nil {
		t.Fatalf("token from before the compaction: %v", err)
	}
}

func TestPersistCrashDuringCompaction(t *testing.T) {
	// Compaction writes the snapshot, then a new log holding only its
	// header, each file atomically. Each case is what a crash leaves at one
	// point; the directory must open, to the acknowledged state (or to the
	// unacknowledged change the crash interrupted, complete).
	writeSnapshot := func(t *testing.T, dir string, doc snapshotFileDoc) {
		t.Helper()
		data, err := encodeSnapshotFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, snapshotFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	fixturesState := func(t *testing.T) Snapshot { return New(walConfig(t)).Export(true) }

	t.Run("snapshot written, log not yet replaced", func(t *testing.T) {
		// The snapshot already holds every record the log still holds:
		// replay must skip them, not apply them twice or call them a gap.
		dir := t.TempDir()
		s := walOpen(t, dir)
		a := walAdmin(t, s)
		sa := walOK(s.CreateServiceAccount(a, "bot", "bot@example.com")).must(t)
		walOK(s.CreateToken(a, sa.IdpID, "t")).must(t)
		walOK(s.DeleteToken(a, sa.IdpID, "t")).must(t)
		walOK(s.CreateToken(a, sa.IdpID, "t")).must(t)
		s.mu.Lock()
		doc := snapshotFileDoc{Format: stateFormat, Seq: s.p.seq, State: s.st.snapshot(s.cfg.Clock.State())}
		s.mu.Unlock()
		writeSnapshot(t, dir, doc)
		if n := len(walLines(t, dir)) - walHeaderLines(t, dir); n != 4 {
			t.Fatalf("log holds %d records", n)
		}
		s = walReopen(t, s, dir)
		walClose(t, s)
	})
	t.Run("an import's snapshot written, the log not yet replaced", func(t *testing.T) {
		dir := t.TempDir()
		s := walOpen(t, dir)
		a := walAdmin(t, s)
		walOK(s.CreateServiceAccount(a, "before", "before@example.com")).must(t)
		oldLog, err := os.ReadFile(filepath.Join(dir, walFile))
		if err != nil {
			t.Fatal(err)
		}
		imported := fixturesState(t)
		imported.Lifecycle = JobLifecycle{Mode: ModeManual, FinalStatus: StatusSucceeded, Polls: 1}
		if err := s.Import(imported); err != nil {
			t.Fatal(err)
		}
		want := walJSON(t, s)
		walClose(t, s)
		if err := os.WriteFile(filepath.Join(dir, walFile), oldLog, 0o600); err != nil {
			t.Fatal(err)
		}
		s = walOpen(t, dir)
		walSameState(t, "after the crash", want, walJSON(t, s))
		walClose(t, s)
	})
	t.Run("first start: snapshot written, no log yet", func(t *testing.T) {
		dir := t.TempDir()
		writeSnapshot(t, dir, snapshotFileDoc{Format: stateFormat, LogWas: logNone, State: fixturesState(t)})
		s := walOpen(t, dir)
		walSameState(t, "after the crash", walJSON(t, New(walConfig(t))), walJSON(t, s))
		s = walReopen(t, s, dir)
		walClose(t, s)
		// From now on the snapshot says a log was written: losing it is damage.
		if doc := walSnapshotDoc(t, dir); doc.LogWas != logCurrent {
			t.Fatalf("the snapshot says the log was %q", doc.LogWas)
		}
	})
	t.Run("first start: log written, the snapshot not yet rewritten", func(t *testing.T) {
		dir := t.TempDir()
		writeSnapshot(t, dir, snapshotFileDoc{Format: stateFormat, LogWas: logNone, State: fixturesState(t)})
		header, _ := json.Marshal(walHeader{Format: stateFormat})
		if err := os.WriteFile(filepath.Join(dir, walFile), line(header), 0o600); err != nil {
			t.Fatal(err)
		}
		s := walOpen(t, dir)
		walSameState(t, "after the crash", walJSON(t, New(walConfig(t))), walJSON(t, s))
		walClose(t, s)
	})
	t.Run("converting format 1: snapshot written, old log not yet replaced", func(t *testing.T) {
		dir := t.TempDir()
		recs := walFormat1Records()
		var log []byte
		for _, r := range recs {
			log = append(log, walLine(t, r, nil)...)
		}
		if err := os.WriteFile(filepath.Join(dir, walFile), log, 0o600); err != nil {
			t.Fatal(err)
		}
		// The snapshot holds what the old log does.
		r := newReplay()
		if err := r.full(fixturesState(t)); err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			if err := r.apply(rec); err != nil {
				t.Fatal(err)
			}
		}
		writeSnapshot(t, dir, snapshotFileDoc{Format: stateFormat, Seq: uint64(len(recs)), LogWas: logFormat1, State: r.result()})
		s := walOpen(t, dir)
		walFormat1Check(t, s)
		s = walReopen(t, s, dir)
		walClose(t, s)
	})
	t.Run("a half-written snapshot.json.tmp is ignored", func(t *testing.T) {
		dir := t.TempDir()
		want := walWithWrites(t, dir, 2)
		if err := os.WriteFile(filepath.Join(dir, snapshotFile+".tmp"), []byte(`{"seq":12,"sta`), 0o600); err != nil {
			t.Fatal(err)
		}
		s := walOpen(t, dir)
		walSameState(t, "with a stray snapshot.json.tmp", want, walJSON(t, s))
		walClose(t, s)
	})
}

// walFormat1Records are records as mockdomino wrote them before format 2:
// accounts, then an import (a whole state in the log), then one more.
func walFormat1Records() []walRecord {
	user := func(n int, name string) UserRecord {
		return UserRecord{User: fixtures.User{ID: fmt.Sprintf("64b7f0a1c2d3e4f5a6b7c8%02x", n), IdpID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n),
			UserName: name, FirstName: name, Email: name + "@example.com"}, ServiceAccount: true, Active: true}
	}
	full := New(Config{}).Export(true)
	full.Users = append(full.Users, user(0x20, "imported"))
	return []walRecord{
		{Seq: 1, Users: []UserRecord{user(0x10, "lost-in-import")}},
		{Seq: 2, Full: &full},
		{Seq: 3, Users: []UserRecord{user(0x21, "after-import")}},
		{Seq: 4, Lifecycle: &JobLifecycle{Mode: ModeManual, FinalStatus: StatusSucceeded, Polls: 1}},
	}
}

// walFormat1Check checks the state walFormat1Records make.
func walFormat1Check(t *testing.T, s *Store) {
	t.Helper()
	for name, want := range map[string]bool{"admin": true, "imported": true, "after-import": true, "lost-in-import": false} {
		if _, err := s.CallerByUserName(name); (err == nil) != want {
			t.Errorf("user %s: %v, want present %v", name, err, want)
		}
	}
	if got := s.Export(false).Lifecycle.Mode; got != ModeManual {
		t.Errorf("job lifecycle %s, want manual", got)
	}
}

func TestPersistReadsFormat1(t *testing.T) {
	// Directories written before format 2 (no snapshot checksum, no log
	// header) are read, with the same rule for a torn last line, and
	// written back in format 2.
	format1 := func(t *testing.T, tail []byte) string {
		dir := t.TempDir()
		state, err := json.Marshal(map[string]any{"seq": 0, "state": New(walConfig(t)).Export(true)})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, snapshotFile), state, 0o600); err != nil {
			t.Fatal(err)
		}
		var log []byte
		for _, r := range walFormat1Records() {
			log = append(log, walLine(t, r, nil)...)
		}
		if err := os.WriteFile(filepath.Join(dir, walFile), append(log, tail...), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	next := walLine(t, walRecord{Seq: 5, Lifecycle: &JobLifecycle{Mode: ModeImmediate, FinalStatus: StatusSucceeded, Polls: 1}}, nil)
	for _, c := range []struct {
		name string
		tail []byte
	}{
		{"whole", nil},
		{"with a torn last line", next[:len(next)-1]},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := format1(t, c.tail)
			s := walOpen(t, dir)
			walFormat1Check(t, s)
			s = walReopen(t, s, dir)
			walClose(t, s)
			if doc := walSnapshotDoc(t, dir); doc.Format != stateFormat || doc.LogWas != logCurrent || doc.Seq != 4 {
				t.Errorf("snapshot.json: format %d, seq %d, logWas %q after the conversion", doc.Format, doc.Seq, doc.LogWas)
			}
			if walHeaderLines(t, dir) != 1 {
				t.Errorf("wal.log has no header after the conversion")
			}
		})
	}
	t.Run("with a damaged last line", func(t *testing.T) {
		bad := append([]byte("00000000"), next[8:]...)
		dir := format1(t, bad)
		if s, err := Open(walConfig(t), dir); err == nil {
			s.Close()
			t.Fatal("Open accepted a format 1 log whose last complete line fails its checksum")
		} else if !strings.Contains(err.Error(), filepath.Join(dir, walFile)) || !strings.Contains(err.Error(), "line 5") {
			t.Errorf("error %q does not name the log's line 5", err)
		}
	})
}

func TestPersistDirectoryInUse(t *testing.T) {
	dir := t.TempDir()
	if f1, err := lockDir(dir); err == nil {
		f2, err := lockDir(dir)
		f1.Close()
		if err == nil {
			f2.Close()
			t.Skip("no advisory locks on this platform (lock_other.go)")
		}
	}
	s := walOpen(t, dir)
	s2, err := Open(walConfig(t), dir)
	if err == nil {
		s2.Close()
		t.Fatal("a second Open of a directory in use succeeded")
	}
	if !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("error %q does not say that %s is in use", err, dir)
	}
	walClose(t, s)
	s2 = walOpen(t, dir) // released by Close
	walClose(t, s2)
}

func TestPersistUnwritableLogRefusesWrites(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	sa := walOK(s.CreateServiceAccount(a, "before", "before@example.com")).must(t)
	tok := walOK(s.CreateToken(a, sa.IdpID, "t")).must(t)
	acked := walJSON(t, s)

	// The log's file descriptor goes away underneath the store: the next
	// append fails, as it would on a full or failing disk.
	if err := s.p.log.Close(); err != nil {
		t.Fatal(err)
	}
	wantUnavailable := func(what string, err error) {
		t.Helper()
		if KindOf(err) != KindUnavailable {
			t.Errorf("%s: err = %v (kind %d), want KindUnavailable", what, err, KindOf(err))
		}
	}
	_, err := s.CreateServiceAccount(a, "lost", "lost@example.com")
	wantUnavailable("the write that failed", err)
	if err != nil && !strings.Contains(err.Error(), filepath.Join(dir, walFile)) {
		t.Errorf("error %q does not name the log", err)
	}
	// Every later write keeps failing, even one that would succeed on disk.
	_, err = s.CreateServiceAccount(a, "later", "later@example.com")
	wantUnavailable("create service account", err)
	_, err = s.CreateToken(a, sa.IdpID, "t2")
	wantUnavailable("create token", err)
	_, err = s.InvalidateToken(a, sa.IdpID, "t")
	wantUnavailable("invalidate token", err)
	_, err = s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})
	wantUnavailable("set lifecycle", err)
	_, err = s.AdvanceClock(time.Hour)
	wantUnavailable("advance clock", err)
	wantUnavailable("reset", s.Reset())
	wantUnavailable("import", s.Import(s.Export(true)))
	_, err = s.IssueAccessToken(a)
	wantUnavailable("access token", err)

	// Reads still work.
	if list, err := s.ServiceAccounts(a, true); err != nil || len(list) == 0 {
		t.Errorf("list after the failure: %v %v", list, err)
	}
	if _, err := s.AuthenticateBearer(tok.Token); err != nil {
		t.Errorf("an acknowledged token stopped authenticating: %v", err)
	}
	if _, err := s.Project(a, walProject); err != nil {
		t.Errorf("project read: %v", err)
	}

	// After a restart, the acknowledged state is back and nothing else.
	s.Close() // the log is already closed: its error does not matter here
	s = walOpen(t, dir)
	defer s.Close()
	walSameState(t, "after the failed write and a restart", acked, walJSON(t, s))
}

func TestPersistClosedStoreRefusesWrites(t *testing.T) {
	// A request still running when the server's shutdown gave up must not
	// be answered 2xx once the state directory is released.
	dir := t.TempDir()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	walOK(s.CreateServiceAccount(a, "kept", "kept@example.com")).must(t)
	acked := walJSON(t, s)
	walClose(t, s)
	if _, err := s.CreateServiceAccount(a, "after-close", "after-close@example.com"); KindOf(err) != KindUnavailable {
		t.Fatalf("write after Close: err = %v, want KindUnavailable", err)
	}
	s = walOpen(t, dir)
	defer s.Close()
	walSameState(t, "after Close", acked, walJSON(t, s))
}

func TestPersistExpiredAccessTokensDroppedInMemoryStayDropped(t *testing.T) {
	// IssueAccessToken drops expired access tokens once there are 1024 of
	// them; the reopened state must not bring them back.
	dir := t.TempDir()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	snap := s.Export(true)
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	for i := 0; i < 1100; i++ {
		snap.AccessTokens = append(snap.AccessTokens, AccessTokenRecord{JTI: fmt.Sprintf("expired-%04d", i), UserID: walAdminID, ExpiresAt: past})
	}
	if err := s.Import(snap); err != nil {
		t.Fatal(err)
	}
	walOK(s.IssueAccessToken(a)).must(t)
	if n := len(s.Export(true).AccessTokens); n != 1 {
		t.Fatalf("%d access tokens after the purge, want 1", n)
	}
	s = walReopen(t, s, dir)
	walClose(t, s)
}

func TestPersistOpenOfAFileFails(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(walConfig(t), file); err == nil {
		s.Close()
		t.Fatal("Open of a file succeeded")
	} else if !strings.Contains(err.Error(), file) {
		t.Fatalf("error %q does not name %s", err, file)
	}
}

func walSize(t testing.TB, dir, name string) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func TestPersistImportsAndResetsAreSnapshots(t *testing.T) {
	// An import or a reset replaces the whole state: it is written as the
	// snapshot and empties the log, instead of adding the whole state to
	// the log each time.
	dir := t.TempDir()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	for i := 0; i < 200; i++ {
		walOK(s.CreateServiceAccount(a, fmt.Sprintf("sa-%d", i), fmt.Sprintf("sa-%d@example.com", i))).must(t)
	}
	state := s.Export(true)
	stateBytes := len(walJSON(t, s))
	for i := 0; i < 300; i++ {
		if i%50 == 49 {
			if err := s.Reset(); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Import(state); err != nil {
			t.Fatal(err)
		}
		walOK(s.CreateServiceAccount(a, fmt.Sprintf("between-%d", i), fmt.Sprintf("between-%d@example.com", i))).must(t)
	}
	// What is left in the log is the one account created after the last import.
	if n := len(walLines(t, dir)) - walHeaderLines(t, dir); n != 1 {
		t.Errorf("the log holds %d records after 300 imports and a write, want 1", n)
	}
	if size := walSize(t, dir, walFile); size > 4<<10 {
		t.Errorf("the log is %d bytes after 300 imports of a %d-byte state", size, stateBytes)
	}
	if size := walSize(t, dir, snapshotFile); size > 2*int64(stateBytes) {
		t.Errorf("the snapshot is %d bytes, for a %d-byte state", size, stateBytes)
	}
	s = walReopen(t, s, dir)
	walClose(t, s)
}

func TestPersistCompactsBySize(t *testing.T) {
	// Deactivating an account logs every token of it: with 2,000 tokens a
	// record is about as big as the whole state. The log is compacted when
	// it outgrows the snapshot (or a floor, for small states), so a restart
	// never reads much more than twice the state, however few the records.
	dir := t.TempDir()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	sa := walOK(s.CreateServiceAccount(a, "many-tokens", "many-tokens@example.com")).must(t)
	snap := s.Export(true)
	for i := 0; i < 2000; i++ {
		// Tokens whose value is unknown: they need no signature, and the
		// account's deactivation still lists every one of them.
		snap.Tokens = append(snap.Tokens, TokenRecord{JTI: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Name: fmt.Sprintf("t-%d", i),
			AccountID: sa.ID, CreatedAt: time.Unix(0, 0).UTC(), ExpiresAt: time.Unix(0, 0).UTC()})
	}
	if err := s.Import(snap); err != nil {
		t.Fatal(err)
	}
	var biggest int64
	for i := 0; i < 30; i++ {
		before := walSize(t, dir, walFile)
		walOK(s.DeactivateServiceAccount(a, sa.IdpID)).must(t)
		if after := walSize(t, dir, walFile); after > before {
			biggest = max(biggest, after-before)
		}
		walOK(s.ActivateServiceAccount(a, sa.IdpID)).must(t)
		limit := max(1<<20, walSize(t, dir, snapshotFile)) + biggest
		if size := walSize(t, dir, walFile); size > limit {
			t.Fatalf("after %d deactivations the log is %d bytes, over %d (the snapshot is %d bytes)",
				i+1, size, limit, walSize(t, dir, snapshotFile))
		}
	}
	s = walReopen(t, s, dir)
	walClose(t, s)
}
