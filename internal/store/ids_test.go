package store

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Tests of generated ids (issue 14, item 1): a seeded stream gives the same
// ids as ever, continues across restarts of a state directory, and never
// hands out an id already in use; the log says which entities a change
// created, and replay refuses a created id that exists.

func TestSeededIDsAsBefore(t *testing.T) {
	// The ids seed 42 gave before streams were kept across restarts:
	// golden files made with --seed must stay valid. A refused duplicate
	// still draws its ids, as it always did.
	s := newStoreWith(t, Config{IDs: SeededIDs(42)})
	admin := caller(t, s, "admin")
	sa := must(s.CreateServiceAccount(admin, "bot", "bot@example.com")).ok(t)
	if _, err := s.CreateServiceAccount(admin, "bot", "bot2@example.com"); KindOf(err) != KindDuplicate {
		t.Fatalf("duplicate: %v", err)
	}
	must(s.CreateToken(admin, sa.IdpID, "t1")).ok(t)
	must(s.IssueAccessToken(admin)).ok(t)
	cr := must(s.AddGitCredential(admin, sa.ID, tokenCred("c"))).ok(t)
	j := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	sa2 := must(s.CreateServiceAccount(admin, "bot2", "bot2@example.com")).ok(t)
	exp := s.Export(true)
	for what, c := range map[string][2]string{
		"account id":        {sa.ID, "22301fb8d82978daf007b056"},
		"account idpId":     {sa.IdpID, "14969f34-03d0-4626-b3f5-594495798d34"},
		"token jti":         {exp.Tokens[0].JTI, "8f6d62c6-3416-4cd2-b690-fc649a578c0a"},
		"access token jti":  {exp.AccessTokens[0].JTI, "530704fa-a352-47ac-9f36-547eab8c3e98"},
		"credential id":     {cr.ID, "103f80939ce624cae2f6ce96"},
		"job id":            {j.ID, "7dacf81ce20b87967fe54e14"},
		"job commit":        {j.CommitID, "f7eebaf334d23b5b9d24e3c46a302e5ead9a9ed3"},
		"second account":    {sa2.ID, "8e6d4b6977b7fc7309a55fd3"},
		"second account id": {sa2.IdpID, "bb467052-59a1-4cc1-bd03-95a1a9520314"},
	} {
		if c[0] != c[1] {
			t.Errorf("%s = %s, want %s", what, c[0], c[1])
		}
	}
}

func TestPersistSeededIDsContinueAcrossRestarts(t *testing.T) {
	// --seed 42 --state DIR: first-sa and its token t1, restarts, then
	// second-sa. second-sa once got first-sa's id and idpId, the next
	// restart kept only one of them, and t1 authenticated as second-sa.
	dir := t.TempDir()
	seeded := func() Config {
		cfg := walConfig(t)
		cfg.IDs = SeededIDs(42)
		return cfg
	}
	open := func() *Store {
		s, err := Open(seeded(), dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	a := walAdmin(t, s)
	first := walOK(s.CreateServiceAccount(a, "first-sa", "first-sa@example.com")).must(t)
	t1 := walOK(s.CreateToken(a, first.IdpID, "t1")).must(t)
	walClose(t, s)
	walClose(t, open()) // a restart with no change: the position is in the snapshot alone
	s = open()
	second := walOK(s.CreateServiceAccount(a, "second-sa", "second-sa@example.com")).must(t)
	walClose(t, s)

	if second.ID == first.ID || second.IdpID == first.IdpID {
		t.Errorf("second-sa got first-sa's ids: %s %s", second.ID, second.IdpID)
	}
	// The stream went on where it stopped: the ids are those one run
	// without restarts gives.
	once := New(seeded())
	walOK(once.CreateServiceAccount(a, "first-sa", "first-sa@example.com")).must(t)
	walOK(once.CreateToken(a, first.IdpID, "t1")).must(t)
	want := walOK(once.CreateServiceAccount(a, "second-sa", "second-sa@example.com")).must(t)
	if second.ID != want.ID || second.IdpID != want.IdpID {
		t.Errorf("after restarts second-sa is %s %s; one run gives %s %s", second.ID, second.IdpID, want.ID, want.IdpID)
	}

	s = open()
	defer s.Close()
	for _, name := range []string{"first-sa", "second-sa"} {
		if _, err := s.CallerByUserName(name); err != nil {
			t.Errorf("%s after the restart: %v", name, err)
		}
	}
	if c, err := s.AuthenticateBearer(t1.Token); err != nil || c.UserName != "first-sa" {
		t.Errorf("t1 authenticates as %q (%v), want first-sa", c.UserName, err)
	}
}

func TestSeededIDsSkipIDsInUse(t *testing.T) {
	// A state made with seed 7, imported into another store seeded with
	// 7: every id that store draws next is already in use.
	made := newStoreWith(t, Config{IDs: SeededIDs(7)})
	a := caller(t, made, "admin")
	sa := must(made.CreateServiceAccount(a, "made", "made@example.com")).ok(t)
	must(made.CreateToken(a, sa.IdpID, "made-token")).ok(t)
	must(made.IssueAccessToken(a)).ok(t)
	must(made.AddGitCredential(a, sa.ID, tokenCred("made-cred"))).ok(t)
	must(made.StartJob(a, JobInput{ProjectID: defProjectID, Command: "made"})).ok(t)
	state := made.Export(true)

	s := newStoreWith(t, Config{IDs: SeededIDs(7)})
	if err := s.Import(state); err != nil {
		t.Fatal(err)
	}
	sa2 := must(s.CreateServiceAccount(a, "again", "again@example.com")).ok(t)
	must(s.CreateToken(a, sa2.IdpID, "again-token")).ok(t)
	must(s.IssueAccessToken(a)).ok(t)
	must(s.AddGitCredential(a, sa2.ID, tokenCred("again-cred"))).ok(t)
	must(s.StartJob(a, JobInput{ProjectID: defProjectID, Command: "again"})).ok(t)

	got := s.Export(true)
	// Everything imported is still there, and everything new is beside it.
	for what, n := range map[string][2]int{
		"users":         {len(got.Users), len(state.Users) + 1},
		"tokens":        {len(got.Tokens), 2},
		"access tokens": {len(got.AccessTokens), 2},
		"credentials":   {len(got.Credentials), 2},
		"jobs":          {len(got.Jobs), 2},
	} {
		if n[0] != n[1] {
			t.Errorf("%d %s, want %d", n[0], what, n[1])
		}
	}
	if c, err := s.CallerByUserName("made"); err != nil || c.ID != sa.ID {
		t.Errorf("the imported account: %+v %v", c, err)
	}
	if c, err := s.CallerByUserName("again"); err != nil || c.ID == sa.ID || c.IdpID == sa.IdpID {
		t.Errorf("the new account has the imported one's ids: %+v %v", c, err)
	}
	if err := s.Import(s.Export(true)); err != nil {
		t.Errorf("the state no longer imports: %v", err)
	}
}

// walLastRecord is the log's last record, as raw JSON fields.
func walLastRecord(t *testing.T, dir string) map[string]json.RawMessage {
	t.Helper()
	lines := walLines(t, dir)
	data, err := checkLine(lines[len(lines)-1])
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestPersistLogSaysWhatWasCreated(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	defer s.Close()
	a := walAdmin(t, s)
	var sa ServiceAccount
	var job Job
	created := func(t *testing.T) map[string][]string {
		var c map[string][]string
		if raw, ok := walLastRecord(t, dir)["created"]; ok {
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	for _, c := range []struct {
		name string
		do   func(t *testing.T) (kind, id string) // kind "": the change creates nothing
	}{
		{"create service account", func(t *testing.T) (string, string) {
			sa = walOK(s.CreateServiceAccount(a, "bot", "bot@example.com")).must(t)
			return "users", sa.ID
		}},
		{"create token", func(t *testing.T) (string, string) {
			walOK(s.CreateToken(a, sa.IdpID, "t1")).must(t)
			return "tokens", s.Export(true).Tokens[0].JTI
		}},
		{"access token", func(t *testing.T) (string, string) {
			walOK(s.IssueAccessToken(a)).must(t)
			return "accessTokens", s.Export(true).AccessTokens[0].JTI
		}},
		{"git credential", func(t *testing.T) (string, string) {
			return "gitCredentials", walOK(s.AddGitCredential(a, walAdminID, walTokenCred("c"))).must(t).ID
		}},
		{"start job", func(t *testing.T) (string, string) {
			walOK(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).must(t)
			job = walOK(s.StartJob(a, JobInput{ProjectID: walProject, Command: "x"})).must(t)
			return "jobs", job.ID
		}},
		{"advance job", func(t *testing.T) (string, string) {
			walOK(s.AdvanceJob(job.ID)).must(t)
			return "", ""
		}},
		{"invalidate token", func(t *testing.T) (string, string) {
			walOK(s.InvalidateToken(a, sa.IdpID, "t1")).must(t)
			return "", ""
		}},
		{"deactivate", func(t *testing.T) (string, string) {
			walOK(s.DeactivateServiceAccount(a, sa.IdpID)).must(t)
			return "", ""
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			kind, id := c.do(t)
			got := created(t)
			if kind == "" {
				if len(got) != 0 {
					t.Errorf("an update says it created %v", got)
				}
				return
			}
			if len(got) != 1 || len(got[kind]) != 1 || got[kind][0] != id {
				t.Errorf("created = %v, want {%s: [%s]}", got, kind, id)
			}
		})
	}
}

func TestPersistReplayRefusesCreatedIDThatExists(t *testing.T) {
	// Records are upserts, so a record saying it creates an entity whose id
	// is already there would silently replace that entity.
	past := time.Unix(1700000000, 0).UTC()
	for _, c := range []struct {
		name string
		rec  func(existing Snapshot) walRecord
	}{
		{"an account", func(ex Snapshot) walRecord {
			u := ex.Users[len(ex.Users)-1]
			u.UserName, u.Email = "impostor", "impostor@example.com"
			return walRecord{Users: []UserRecord{u}, Created: &createdIDs{Users: []string{u.ID}}}
		}},
		{"a token", func(ex Snapshot) walRecord {
			tk := ex.Tokens[0]
			tk.Name = "impostor"
			return walRecord{Tokens: []TokenRecord{tk}, Created: &createdIDs{Tokens: []string{tk.JTI}}}
		}},
		{"an access token", func(ex Snapshot) walRecord {
			at := ex.AccessTokens[0]
			return walRecord{AccessTokens: []AccessTokenRecord{at}, Created: &createdIDs{AccessTokens: []string{at.JTI}}}
		}},
		{"a git credential", func(ex Snapshot) walRecord {
			cr := ex.Credentials[0]
			cr.Name = "impostor"
			return walRecord{Credentials: []CredentialRecord{cr}, Created: &createdIDs{Credentials: []string{cr.ID}}}
		}},
		{"a job", func(ex Snapshot) walRecord {
			j := ex.Jobs[0]
			j.Command, j.Submitted = "impostor", past
			return walRecord{Jobs: []JobRecord{j}, Created: &createdIDs{Jobs: []string{j.ID}}}
		}},
		{"an id the record does not hold", func(ex Snapshot) walRecord {
			return walRecord{Created: &createdIDs{Users: []string{"64b7f0a1c2d3e4f5a6b7c8ee"}}}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			a := walAdmin(t, s)
			sa := walOK(s.CreateServiceAccount(a, "bot", "bot@example.com")).must(t)
			walOK(s.CreateToken(a, sa.IdpID, "t1")).must(t)
			walOK(s.IssueAccessToken(a)).must(t)
			walOK(s.AddGitCredential(a, walAdminID, walTokenCred("c"))).must(t)
			walOK(s.StartJob(a, JobInput{ProjectID: walProject, Command: "x"})).must(t)
			ex := s.Export(true)
			seq := s.p.seq
			walClose(t, s)
			rec := c.rec(ex)
			rec.Seq = seq + 1
			walAppend(t, filepath.Join(dir, walFile), walLine(t, rec, nil))
			before := walDirFiles(t, dir)
			s, err := Open(walConfig(t), dir)
			if err == nil {
				s.Close()
				t.Fatal("Open replayed a record creating an entity that exists")
			}
			line := fmt.Sprintf("line %d", len(walLines(t, dir)))
			if !strings.Contains(err.Error(), filepath.Join(dir, walFile)) || !strings.Contains(err.Error(), line) || !strings.Contains(err.Error(), "creat") {
				t.Errorf("error %q does not name the log's %s and the creation", err, line)
			}
			walSameFiles(t, "the refused Open", before, dir)
		})
	}
}

func TestPersistDuplicateIDsInASnapshotAreRefused(t *testing.T) {
	// snapshot.json is read into maps by id: a second entity with an id
	// must stop start-up, not replace the first.
	at := AccessTokenRecord{JTI: "00000000-0000-4000-8000-000000000001", UserID: walAdminID, ExpiresAt: time.Unix(1700000000, 0).UTC()}
	for _, c := range []struct {
		name string
		edit func(s *Snapshot)
	}{
		{"an account twice", func(s *Snapshot) { s.Users = append(s.Users, s.Users[len(s.Users)-1]) }},
		{"an account's id twice", func(s *Snapshot) {
			u := s.Users[len(s.Users)-1]
			u.UserName, u.Email, u.IdpID = "other", "other@example.com", "00000000-0000-4000-8000-0000000000ff"
			s.Users = append(s.Users, u)
		}},
		{"an access token twice", func(s *Snapshot) { s.AccessTokens = append(s.AccessTokens, at, at) }},
		{"a project twice", func(s *Snapshot) { s.Projects = append(s.Projects, s.Projects[0]) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			walOK(s.CreateServiceAccount(walAdmin(t, s), "bot", "bot@example.com")).must(t)
			walClose(t, s)
			walClose(t, walOpen(t, dir)) // the account is in the snapshot now
			walEditSnapshot(t, dir, func(doc *snapshotFileDoc) { c.edit(&doc.State) })
			s, err := Open(walConfig(t), dir)
			if err == nil {
				s.Close()
				t.Fatal("Open accepted a snapshot with an id twice")
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, snapshotFile)) {
				t.Errorf("error %q does not name the snapshot", err)
			}
		})
	}
	t.Run("an access token twice, imported", func(t *testing.T) {
		s := newStore(t)
		snap := s.Export(true)
		snap.AccessTokens = append(snap.AccessTokens, at, at)
		if err := s.Import(snap); KindOf(err) != KindInvalid {
			t.Fatalf("Import: %v, want KindInvalid", err)
		}
	})
}
