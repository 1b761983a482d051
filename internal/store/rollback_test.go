package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPersistRefusedWriteIsUndone: a change whose log record cannot be
// written is answered 503, and later reads (and a restart) see the state as
// it was before it, whatever the change was.
func TestPersistRefusedWriteIsUndone(t *testing.T) {
	type fixture struct{ idp, id, cred, spare, job string }
	setup := func(t *testing.T, s *Store, a Caller) fixture {
		sa := walOK(s.CreateServiceAccount(a, "bot", "bot@example.com")).must(t)
		walOK(s.CreateToken(a, sa.IdpID, "t1")).must(t)
		walOK(s.AddCollaborator(a, walProject, walAliceID, "Contributor")).must(t)
		cr := walOK(s.AddGitCredential(a, walAdminID, walTokenCred("mine"))).must(t)
		walOK(s.SetCredentialMapping(a, walProject, walRepo, cr.ID)).must(t)
		spare := walOK(s.AddGitCredential(a, walAdminID, walTokenCred("spare"))).must(t)
		walOK(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).must(t)
		j := walOK(s.StartJob(a, JobInput{ProjectID: walProject, Command: "python main.py"})).must(t)
		walOK(s.AdvanceClock(time.Hour)).must(t)
		return fixture{idp: sa.IdpID, id: sa.ID, cred: cr.ID, spare: spare.ID, job: j.ID}
	}
	ignore := func(_ any, err error) error { return err }
	cases := []struct {
		name   string
		change func(s *Store, a Caller, f fixture) error
	}{
		{"create service account", func(s *Store, a Caller, _ fixture) error {
			return ignore(s.CreateServiceAccount(a, "lost", "lost@example.com"))
		}},
		{"deactivate", func(s *Store, a Caller, f fixture) error { return ignore(s.DeactivateServiceAccount(a, f.idp)) }},
		{"reset password", func(s *Store, a Caller, f fixture) error { return ignore(s.ResetServiceAccountPassword(a, f.idp)) }},
		{"create token", func(s *Store, a Caller, f fixture) error { return ignore(s.CreateToken(a, f.idp, "t2")) }},
		{"invalidate token", func(s *Store, a Caller, f fixture) error { return ignore(s.InvalidateToken(a, f.idp, "t1")) }},
		{"delete token", func(s *Store, a Caller, f fixture) error { return ignore(s.DeleteToken(a, f.idp, "t1")) }},
		{"access token", func(s *Store, a Caller, _ fixture) error { return ignore(s.IssueAccessToken(a)) }},
		{"add collaborator", func(s *Store, a Caller, f fixture) error {
			return ignore(s.AddCollaborator(a, walProject, f.id, "LauncherUser"))
		}},
		{"change a role", func(s *Store, a Caller, _ fixture) error {
			return ignore(s.AddCollaborator(a, walProject, walAliceID, "ResultsConsumer"))
		}},
		{"remove collaborator", func(s *Store, a Caller, _ fixture) error {
			return ignore(s.RemoveCollaborator(a, walProject, walAliceID))
		}},
		{"add git credential", func(s *Store, a Caller, _ fixture) error {
			return ignore(s.AddGitCredential(a, walAdminID, walTokenCred("lost")))
		}},
		{"replace git credential", func(s *Store, a Caller, f fixture) error {
			return ignore(s.UpdateTokenGitCredential(a, walAdminID, f.cred, GitCredentialInput{Name: "lost", GitServiceProvider: "github", Token: "t"}))
		}},
		{"delete git credential", func(s *Store, a Caller, f fixture) error {
			return ignore(s.DeleteGitCredential(a, walAdminID, f.cred))
		}},
		{"set credential mapping", func(s *Store, a Caller, f fixture) error {
			return ignore(s.SetCredentialMapping(a, walProject, walRepo, f.spare))
		}},
		{"delete credential mapping", func(s *Store, a Caller, _ fixture) error {
			return ignore(s.DeleteCredentialMapping(a, walProject, walRepo))
		}},
		{"start job", func(s *Store, a Caller, _ fixture) error {
			return ignore(s.StartJob(a, JobInput{ProjectID: walProject, Command: "python lost.py"}))
		}},
		{"stop job", func(s *Store, a Caller, f fixture) error { return ignore(s.StopJob(a, walProject, f.job)) }},
		{"advance job", func(s *Store, _ Caller, f fixture) error { return ignore(s.AdvanceJob(f.job)) }},
		{"job lifecycle", func(s *Store, _ Caller, _ fixture) error {
			return ignore(s.SetJobLifecycle(JobLifecycle{Mode: ModePolls, Polls: 2, FinalStatus: StatusFailed}))
		}},
		{"advance clock", func(s *Store, _ Caller, _ fixture) error { return ignore(s.AdvanceClock(24 * time.Hour)) }},
		{"reset", func(s *Store, _ Caller, _ fixture) error { return s.Reset() }},
		{"import", func(s *Store, _ Caller, _ fixture) error { return s.Import(New(walConfig(t)).Export(true)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			a := walAdmin(t, s)
			f := setup(t, s, a)
			acked := walJSON(t, s)

			// The log's file descriptor goes away underneath the store, as
			// on a failing disk: the change's record cannot be written. And
			// a directory stands where the snapshot's temporary file goes,
			// so neither can a snapshot (imports and resets are written as one).
			if err := s.p.log.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, snapshotFile+".tmp"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := c.change(s, a, f); KindOf(err) != KindUnavailable {
				t.Fatalf("err = %v, want KindUnavailable", err)
			}
			// The export holds the clock's offset and the job lifecycle too.
			walSameState(t, "in memory after the refused change", acked, walJSON(t, s))
			s.Close()
			if err := os.Remove(filepath.Join(dir, snapshotFile+".tmp")); err != nil {
				t.Fatal(err)
			}
			s = walOpen(t, dir)
			defer s.Close()
			walSameState(t, "after a restart", acked, walJSON(t, s))
		})
	}
}

// TestPersistFailedCompactionKeepsTheChange: when the log is compacted after
// a change and the snapshot cannot be written, the change is already in
// the fsynced log, so it is acknowledged; the changes after it are refused.
func TestPersistFailedCompactionKeepsTheChange(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	// A directory where the snapshot's temporary file goes: creating the
	// file fails, for root too.
	tmp := filepath.Join(dir, snapshotFile+".tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	s.p.pending = compactEvery - 1 // the next change compacts
	kept := walOK(s.CreateServiceAccount(a, "kept", "kept@example.com")).must(t)
	acked := walJSON(t, s)
	_, err := s.CreateServiceAccount(a, "refused", "refused@example.com")
	if KindOf(err) != KindUnavailable || !strings.Contains(err.Error(), "snapshot") {
		t.Fatalf("the change after the failed compaction: err = %v, want KindUnavailable naming the snapshot", err)
	}
	walSameState(t, "in memory", acked, walJSON(t, s))
	s.Close()
	if err := os.Remove(tmp); err != nil {
		t.Fatal(err)
	}
	s = walOpen(t, dir)
	defer s.Close()
	walSameState(t, "after a restart", acked, walJSON(t, s))
	if _, err := s.CallerByUserName(kept.Username); err != nil {
		t.Errorf("the acknowledged account is gone: %v", err)
	}
}
