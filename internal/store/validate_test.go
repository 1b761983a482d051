package store

// Tests of the rules a whole document must keep: a state document (PUT
// /__mock/state, and a --state directory at start-up) is checked by the same
// rules, with the same messages, as a fixtures file.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// validationWorld is the rich fixtures plus one of everything the API adds:
// a service account "bot" (users[5]) with tokens, git credentials of carol
// and alice, carol's mapping on bob-lab and carol's job there.
type validationWorld struct {
	s                    *Store
	carolCred, aliceCred string
}

func newValidationWorld(t *testing.T) validationWorld {
	t.Helper()
	s := richStore(t)
	bot := newAccount(t, s, "bot")
	newToken(t, s, bot, "t1")
	newToken(t, s, bot, "t2")
	carol, alice := caller(t, s, "carol"), caller(t, s, "alice")
	carolCred := must(s.AddGitCredential(carol, carolID, tokenCred("carol-gh"))).ok(t)
	aliceCred := must(s.AddGitCredential(alice, defAliceID, tokenCred("alice-gh"))).ok(t)
	must(s.SetCredentialMapping(carol, bobLabID, bobLabRepo, carolCred.ID)).ok(t)
	must(s.StartJob(carol, JobInput{ProjectID: bobLabID, Command: "python train.py"})).ok(t)
	must(s.IssueAccessToken(caller(t, s, "admin"))).ok(t)
	return validationWorld{s: s, carolCred: carolCred.ID, aliceCred: aliceCred.ID}
}

// richFixtures is a fresh copy of the rich fixtures, to break in one place.
func richFixtures(t *testing.T) *fixtures.Set {
	t.Helper()
	fx, err := fixtures.Parse([]byte(richFixturesJSON), "rich test fixtures")
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

// TestDocumentRules has one row per kind of inconsistency that a state
// import once accepted (issue 14). Every row is refused by the import with a
// message naming the entry; where the rule concerns what fixtures hold, the
// same break in a fixtures file is refused by the fixtures loader with the
// very same message.
func TestDocumentRules(t *testing.T) {
	w := newValidationWorld(t)
	base := w.s.Export(true)
	// The indices the rows use.
	if base.Users[4].UserName != "dave" || base.Users[5].UserName != "bot" || base.Projects[1].Name != "bob-lab" ||
		len(base.Projects[1].Collaborators) != 1 || len(base.Tokens) != 2 || len(base.Mappings) != 1 || len(base.Jobs) != 1 {
		t.Fatalf("unexpected base state: %s", base)
	}
	for _, c := range []struct {
		name string
		fx   func(*fixtures.Set) // nil: the rule has no fixtures counterpart
		snap func(*Snapshot)
		want string // the message after the loader's own prefix
	}{
		{
			name: "visibility in lower case",
			fx:   func(f *fixtures.Set) { f.Projects[1].Visibility = "private" },
			snap: func(s *Snapshot) { s.Projects[1].Visibility = "private" },
			want: `projects[1].visibility "private" is invalid: must be one of Private, Public, Searchable`,
		},
		{
			name: "two users share an API key",
			fx:   func(f *fixtures.Set) { f.Users[2].APIKey = f.Users[1].APIKey },
			snap: func(s *Snapshot) { s.Users[2].APIKey = s.Users[1].APIKey },
			want: `users[2].apiKey is already the apiKey of users[1]`,
		},
		{
			name: "two users share an email, in another case",
			fx:   func(f *fixtures.Set) { f.Users[2].Email = "ALICE@mockdomino.local" },
			snap: func(s *Snapshot) { s.Users[2].Email = "ALICE@mockdomino.local" },
			want: `users[2].email "ALICE@mockdomino.local" is already the email of users[1]`,
		},
		{
			name: "the owner listed as a collaborator",
			fx: func(f *fixtures.Set) {
				f.Projects[1].Collaborators = append(f.Projects[1].Collaborators, fixtures.Collaborator{UserName: "bob", Role: "Contributor"})
			},
			snap: func(s *Snapshot) {
				s.Projects[1].Collaborators = append(s.Projects[1].Collaborators, CollaboratorRecord{UserID: bobID, Role: "Contributor"})
			},
			want: `projects[1].collaborators[1]: "bob" owns the project and cannot also be a collaborator`,
		},
		{
			name: "the same collaborator twice",
			fx: func(f *fixtures.Set) {
				f.Projects[1].Collaborators = append(f.Projects[1].Collaborators, fixtures.Collaborator{UserName: "carol", Role: "Owner"})
			},
			snap: func(s *Snapshot) {
				s.Projects[1].Collaborators = append(s.Projects[1].Collaborators, CollaboratorRecord{UserID: carolID, Role: "Owner"})
			},
			want: `projects[1].collaborators[1]: "carol" is already collaborators[0]`,
		},
		{
			name: "a user name with a path and control characters",
			fx:   func(f *fixtures.Set) { f.Users[4].UserName = "../../etc/x y\x00" },
			snap: func(s *Snapshot) { s.Users[4].UserName = "../../etc/x y\x00" },
			want: "users[4].userName \"../../etc/x y\uFFFD\" is invalid: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
		},
		{
			name: "a user id that is not 24 hex",
			fx:   func(f *fixtures.Set) { f.Users[4].ID = "64B7F0A1C2D3E4F5A6B7C805" },
			snap: func(s *Snapshot) { s.Users[4].ID = "64B7F0A1C2D3E4F5A6B7C805" },
			want: `users[4].id "64B7F0A1C2D3E4F5A6B7C805" must be 24 lower-case hex characters`,
		},
		{
			name: "a project id that is not 24 hex",
			fx:   func(f *fixtures.Set) { f.Projects[2].ID = "open-data" },
			snap: func(s *Snapshot) { s.Projects[2].ID = "open-data" },
			want: `projects[2].id "open-data" must be 24 lower-case hex characters`,
		},
		{
			name: "an idpId that is not a UUID",
			fx:   func(f *fixtures.Set) { f.Users[4].IdpID = "dave" },
			snap: func(s *Snapshot) { s.Users[4].IdpID = "dave" },
			want: `users[4].idpId "dave" must be a lower-case UUID`,
		},
		{
			name: "no default hardware tier",
			fx:   func(f *fixtures.Set) { f.HardwareTiers[0].IsDefault = false },
			snap: func(s *Snapshot) { s.HardwareTiers[0].IsDefault = false },
			want: `hardwareTiers: exactly one must be the default (isDefault), found 0`,
		},
		{
			name: "two projects with the same owner and name",
			fx:   func(f *fixtures.Set) { f.Projects[2].Name = "bob-lab" },
			snap: func(s *Snapshot) { s.Projects[2].Name = "bob-lab" },
			want: `projects[2].name "bob-lab" is already the name of projects[1], which bob owns too`,
		},
		{
			name: "a mapping to another user's credential",
			snap: func(s *Snapshot) { s.Mappings[0].CredentialID = w.aliceCred },
			want: `credentialMappings[0].credentialId "` + w.aliceCred + `" is a git credential of alice, not of carol`,
		},
		{
			name: "an empty token id",
			snap: func(s *Snapshot) { s.Tokens[0].JTI = "" },
			want: `tokens[0].jti is required`,
		},
		{
			name: "a token id used twice",
			snap: func(s *Snapshot) { s.Tokens[1].JTI = s.Tokens[0].JTI },
			want: `tokens[1].jti "` + base.Tokens[0].JTI + `" is already the jti of tokens[0]`,
		},
		{
			name: "a frozen clock before the Unix epoch",
			snap: func(s *Snapshot) {
				at := time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)
				s.ClockFrozenAt = &at
			},
			want: `clockFrozenAt: the mock clock would show 1969-12-31T23:59:59Z, before 1970-01-01T00:00:00Z (tokens count their times from it)`,
		},
		{
			name: "a frozen clock with an offset",
			snap: func(s *Snapshot) {
				at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
				s.ClockOffset, s.ClockFrozenAt = Duration(time.Hour), &at
			},
			want: `clockOffset 1h0m0s and clockFrozenAt: a frozen clock has no offset, give one of them`,
		},
		{
			name: "a job with an unknown status, which would never complete",
			snap: func(s *Snapshot) { s.Jobs[0].Status = "Pending" },
			want: `jobs[0].status "Pending" is invalid: must be one of Queued, Running, Succeeded, Failed, Error, Stopped`,
		},
		// What only a state holds, by the rules the routes apply.
		{
			name: "a service account with an API key",
			snap: func(s *Snapshot) { s.Users[5].APIKey = "bot-key" },
			want: `users[5].apiKey must be empty: a service account authenticates with its tokens`,
		},
		{
			name: "a service account without an email",
			snap: func(s *Snapshot) { s.Users[5].Email = "" },
			want: `users[5].email is required`,
		},
		{
			name: "a collaborator who is not a user",
			snap: func(s *Snapshot) { s.Projects[1].Collaborators[0].UserID = unknownID },
			want: `projects[1].collaborators[0].userId "` + unknownID + `" is not a user`,
		},
		{
			name: "a token of a person",
			snap: func(s *Snapshot) { s.Tokens[0].AccountID = defAliceID },
			want: `tokens[0].accountId "` + defAliceID + `" is not a service account`,
		},
		{
			name: "a token name the routes refuse",
			snap: func(s *Snapshot) { s.Tokens[0].Name = "a/b" },
			want: `tokens[0].name "a/b" is invalid: use 1 to 128 printable characters without '/', '\' or surrounding spaces, and not . or ..`,
		},
		{
			name: "an access token with a token's id",
			snap: func(s *Snapshot) { s.AccessTokens[0].JTI = s.Tokens[1].JTI },
			want: `accessTokens[0].jti "` + base.Tokens[1].JTI + `" is already the jti of tokens[1]`,
		},
		{
			name: "a git credential of an unknown provider",
			snap: func(s *Snapshot) { s.Credentials[0].GitServiceProvider = "GitHub" },
			want: `gitCredentials[0].gitServiceProvider "GitHub" is invalid: must be one of github, gitlab, githubEnterprise, gitlabEnterprise, bitbucket, bitbucketServer, unknown`,
		},
		{
			name: "a git credential with a project's id",
			snap: func(s *Snapshot) { s.Credentials[0].ID = bobLabID },
			want: `gitCredentials[0].id "` + bobLabID + `" is already projects[1].id`,
		},
		{
			name: "a mapping of another repository",
			snap: func(s *Snapshot) { s.Mappings[0].RepoID = defRepoID },
			want: `credentialMappings[0].repoId "` + defRepoID + `" is not the main repository of project bob-lab`,
		},
		{
			name: "the same mapping twice",
			snap: func(s *Snapshot) { s.Mappings = append(s.Mappings, s.Mappings[0]) },
			want: `credentialMappings[1] is for the same user, project and repository as credentialMappings[0]`,
		},
		{
			name: "a job whose lifecycle cannot move it",
			snap: func(s *Snapshot) {
				s.Jobs[0].Status, s.Jobs[0].LifecycleID = StatusQueued, ""
				s.Jobs[0].Lifecycle = &JobLifecycle{Mode: "someday"}
			},
			want: `jobs[0]: lifecycle: mode "someday" is invalid: must be immediate, clock, polls or manual`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap := w.s.Export(true)
			c.snap(&snap)
			before := compactExport(t, w.s)
			err := w.s.Import(snap)
			wantKind(t, "import", err, KindInvalid)
			if err != nil && err.Error() != "state document: "+c.want {
				t.Errorf("import refused with\n  %q\nwant\n  %q", err, "state document: "+c.want)
			}
			if after := compactExport(t, w.s); after != before {
				t.Errorf("a refused import changed the state")
			}
			if c.fx == nil {
				return
			}
			fx := richFixtures(t)
			c.fx(fx)
			doc, err := json.Marshal(fx)
			if err != nil {
				t.Fatal(err)
			}
			_, err = fixtures.Parse(doc, "broken")
			if err == nil || err.Error() != "fixtures broken: "+c.want {
				t.Errorf("fixtures loader: %v\nwant\n  %q", err, "fixtures broken: "+c.want)
			}
		})
	}
}

func compactExport(t *testing.T, s *Store) string {
	t.Helper()
	b, err := json.Marshal(s.Export(true))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestShippedDocumentsLoad: every valid document the project makes still
// loads: the embedded and the tests' fixtures, and the exports (with and
// without secrets) of states the API made.
func TestShippedDocumentsLoad(t *testing.T) {
	if _, err := fixtures.Parse([]byte(richFixturesJSON), "rich"); err != nil {
		t.Errorf("rich test fixtures: %v", err)
	}
	for name, s := range map[string]*Store{
		"embedded fixtures":         newStore(t),
		"rich fixtures":             richStore(t),
		"rich fixtures and the API": newValidationWorld(t).s,
	} {
		for _, secrets := range []bool{true, false} {
			snap := s.Export(secrets)
			if err := s.Import(snap); err != nil {
				t.Errorf("%s, export with secrets=%v: %v", name, secrets, err)
			}
		}
	}
}

// TestDocumentMessagesAreClipped: a huge or unprintable value is not echoed
// whole into the error.
func TestDocumentMessagesAreClipped(t *testing.T) {
	s := newStore(t)
	snap := s.Export(true)
	snap.Users[1].UserName = strings.Repeat("x", 10000)
	err := s.Import(snap)
	wantKind(t, "import", err, KindInvalid)
	if err != nil && len(err.Error()) > 400 {
		t.Errorf("message of %d bytes: %.200s…", len(err.Error()), err)
	}
}

// TestImportKeepsTheProxyUser: an import that the API proxy's user could not
// be acted in is refused, saying why (issue 14, item 5).
func TestImportKeepsTheProxyUser(t *testing.T) {
	s := newStoreWith(t, Config{ProxyUser: "Admin"}) // looked up without regard to case
	for _, c := range []struct {
		name    string
		breakIt func(*Snapshot)
		want    string
	}{
		{"deactivated", func(s *Snapshot) { s.Users[0].Active = false },
			`state document: the API proxy acts as "Admin" (--proxy-user), and users[0] of that name is deactivated; keep that user active, and not a service account`},
		{"renamed", func(s *Snapshot) { s.Users[0].UserName = "root" },
			`state document: the API proxy acts as "Admin" (--proxy-user), and no user has that name; keep that user active, and not a service account`},
		{"a service account", func(s *Snapshot) {
			s.Users[0].ServiceAccount, s.Users[0].APIKey = true, ""
		}, `state document: the API proxy acts as "Admin" (--proxy-user), and users[0] of that name is a service account; keep that user active, and not a service account`},
	} {
		snap := s.Export(true)
		c.breakIt(&snap)
		err := s.Import(snap)
		wantKind(t, c.name, err, KindInvalid)
		if err != nil && err.Error() != c.want {
			t.Errorf("%s: %q\nwant %q", c.name, err, c.want)
		}
		// Without a proxy there is nobody to keep.
		if err := newStore(t).Import(snap); err != nil {
			t.Errorf("%s, no proxy: %v", c.name, err)
		}
	}
	if err := s.ProxyUserProblem(); err != nil {
		t.Errorf("ProxyUserProblem after refused imports: %v", err)
	}
}

// TestLoadedStateIsChecked: a --state directory is loaded through the same
// checks as an import, so a state the rules refuse stops start-up with the
// entry named.
func TestLoadedStateIsChecked(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Config{Keys: testKeys(t)}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, snapshotFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Edited as a tool would, checksum and all: the rules, not the
	// checksum, must refuse it.
	doc, err := decodeSnapshotFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if doc.State.Projects[0].Visibility != "Private" {
		t.Fatalf("project visibility %q in the snapshot", doc.State.Projects[0].Visibility)
	}
	doc.State.Projects[0].Visibility = "private"
	broken, err := encodeSnapshotFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Open(Config{Keys: testKeys(t)}, dir)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a state with a project of visibility \"private\"")
	}
	wantErrContains(t, "Open", err, path, `projects[0].visibility "private" is invalid`)
}
