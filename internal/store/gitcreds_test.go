package store

import (
	"encoding/json"
	"strings"
	"testing"
)

// Secrets used in these tests: each must never appear in anything the store returns.
const (
	secretToken      = "ghp_S3cretTokenValue0123456789abcdef"
	secretPassword   = "hunter2-Pa55word-never-shown"
	secretKey        = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-never-shown\n-----END OPENSSH PRIVATE KEY-----\n"
	secretPassphrase = "open-sesame-never-shown"
)

func tokenCred(name string) GitCredentialInput {
	return GitCredentialInput{Name: name, GitServiceProvider: "github", AccessType: "token", Token: secretToken, Type: "TokenGitCredentialDto"}
}

// noSecret fails if any secret of these tests is in v's JSON.
func noSecret(t *testing.T, what string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{secretToken, secretPassword, "never-shown", secretPassphrase, "OPENSSH"} {
		if strings.Contains(string(data), secret) {
			t.Errorf("%s: JSON carries the secret %q: %s", what, secret, data)
		}
	}
}

func TestGitCredentialTypes(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "bot")
	cases := []struct {
		in   GitCredentialInput
		want GitCredential
	}{
		{tokenCred("gh token"),
			GitCredential{Name: "gh token", GitServiceProvider: "github", Domain: "github.com", Protocol: "https"}},
		{GitCredentialInput{Name: "gitlab pw", GitServiceProvider: "gitlab", AccessType: "password",
			Username: "bot-user", Password: secretPassword, Type: "PasswordGitCredentialDto"},
			GitCredential{Name: "gitlab pw", GitServiceProvider: "gitlab", Domain: "gitlab.com", Protocol: "https"}},
		{GitCredentialInput{Name: "ghe key", GitServiceProvider: "githubEnterprise", AccessType: "key",
			Key: secretKey, Passphrase: secretPassphrase, Domain: "git.corp.example", Type: "SshGitCredentialDto"},
			GitCredential{Name: "ghe key", GitServiceProvider: "githubEnterprise", Domain: "git.corp.example", Protocol: "ssh"}},
		{GitCredentialInput{Name: "bb token, no type", GitServiceProvider: "bitbucket", AccessType: "token", Token: secretToken},
			GitCredential{Name: "bb token, no type", GitServiceProvider: "bitbucket", Domain: "bitbucket.org", Protocol: "https"}},
		{GitCredentialInput{Name: "own domain", GitServiceProvider: "github", AccessType: "token", Token: secretToken, Domain: "github.example"},
			GitCredential{Name: "own domain", GitServiceProvider: "github", Domain: "github.example", Protocol: "https"}},
	}
	var made []GitCredential
	for _, tc := range cases {
		got := must(s.AddGitCredential(admin, sa.ID, tc.in)).ok(t)
		noSecret(t, "AddGitCredential "+tc.in.Name, got)
		if !objectIDRE.MatchString(got.ID) {
			t.Errorf("%s: id %q", tc.in.Name, got.ID)
		}
		if tc.in.AccessType == "key" {
			if !strings.HasPrefix(got.Fingerprint, "SHA256:") || len(got.Fingerprint) < 40 {
				t.Errorf("%s: fingerprint %q", tc.in.Name, got.Fingerprint)
			}
		} else if got.Fingerprint != "" {
			t.Errorf("%s: fingerprint %q for a non-key credential", tc.in.Name, got.Fingerprint)
		}
		tc.want.ID, tc.want.Fingerprint = got.ID, got.Fingerprint
		if got != tc.want {
			t.Errorf("AddGitCredential(%s) = %+v\nwant %+v", tc.in.Name, got, tc.want)
		}
		made = append(made, got)
	}
	// Both the account itself and an admin see the list; no secret in it.
	for _, c := range []Caller{admin, saCaller(sa)} {
		list := must(s.GitCredentials(c, sa.ID)).ok(t)
		noSecret(t, "GitCredentials", list)
		if len(list) != len(made) {
			t.Fatalf("listed %d credentials, want %d", len(list), len(made))
		}
		for _, m := range made {
			var found bool
			for _, l := range list {
				found = found || l == m
			}
			if !found {
				t.Errorf("credential %+v is not listed", m)
			}
		}
	}
	// Others' lists do not show them.
	if l := must(s.GitCredentials(admin, defAdminID)).ok(t); len(l) != 0 {
		t.Errorf("admin's own list shows %+v", l)
	}
	// Nor does anything else the store hands out without secrets.
	noSecret(t, "Export(false)", s.Export(false))
	for _, m := range made {
		noSecret(t, "DeleteGitCredential", must(s.DeleteGitCredential(admin, sa.ID, m.ID)).ok(t))
	}
	if l := must(s.GitCredentials(admin, sa.ID)).ok(t); len(l) != 0 {
		t.Errorf("after deleting all, list = %+v", l)
	}
}

func TestGitCredentialValidation(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	base := tokenCred("x")
	with := func(f func(*GitCredentialInput)) GitCredentialInput { in := base; f(&in); return in }
	cases := []struct {
		name  string
		in    GitCredentialInput
		field string // the error names it
	}{
		{"no name", with(func(in *GitCredentialInput) { in.Name = "" }), "name"},
		{"blank name", with(func(in *GitCredentialInput) { in.Name = "  " }), "name"},
		{"control char in name", with(func(in *GitCredentialInput) { in.Name = "a\nb" }), "name"},
		{"name too long", with(func(in *GitCredentialInput) { in.Name = strings.Repeat("n", 257) }), "name"},
		{"no provider", with(func(in *GitCredentialInput) { in.GitServiceProvider = "" }), "gitServiceProvider"},
		{"unknown provider", with(func(in *GitCredentialInput) { in.GitServiceProvider = "sourceforge" }), "gitServiceProvider"},
		{"provider in other case", with(func(in *GitCredentialInput) { in.GitServiceProvider = "GitHub" }), "gitServiceProvider"},
		{"no accessType", with(func(in *GitCredentialInput) { in.AccessType = "" }), "accessType"},
		{"unknown accessType", with(func(in *GitCredentialInput) { in.AccessType = "oauth" }), "accessType"},
		{"type does not match", with(func(in *GitCredentialInput) { in.Type = "PasswordGitCredentialDto" }), "type"},
		{"unknown type", with(func(in *GitCredentialInput) { in.Type = "FooDto" }), "type"},
		{"token missing", with(func(in *GitCredentialInput) { in.Token = "" }), "token"},
		{"password: no username", GitCredentialInput{Name: "p", GitServiceProvider: "github", AccessType: "password", Password: secretPassword}, "username"},
		{"password: no password", GitCredentialInput{Name: "p", GitServiceProvider: "github", AccessType: "password", Username: "u"}, "password"},
		{"key missing", GitCredentialInput{Name: "k", GitServiceProvider: "github", AccessType: "key", Passphrase: "p"}, "key"},
		{"key with token type", GitCredentialInput{Name: "k", GitServiceProvider: "github", AccessType: "key", Key: secretKey, Type: "TokenGitCredentialDto"}, "type"},
		{"enterprise without domain", with(func(in *GitCredentialInput) { in.GitServiceProvider = "githubEnterprise" }), "domain"},
		{"gitlabEnterprise without domain", with(func(in *GitCredentialInput) { in.GitServiceProvider = "gitlabEnterprise" }), "domain"},
		{"bitbucketServer without domain", with(func(in *GitCredentialInput) { in.GitServiceProvider = "bitbucketServer" }), "domain"},
		{"unknown provider without domain", with(func(in *GitCredentialInput) { in.GitServiceProvider = "unknown" }), "domain"},
		{"domain with a path", with(func(in *GitCredentialInput) { in.Domain = "github.com/org" }), "domain"},
		{"domain with a space", with(func(in *GitCredentialInput) { in.Domain = "git hub.com" }), "domain"},
	}
	for _, tc := range cases {
		_, err := s.AddGitCredential(admin, defAdminID, tc.in)
		wantKind(t, tc.name, err, KindInvalid)
		wantErrContains(t, tc.name, err, tc.field)
		if err != nil {
			for _, secret := range []string{secretToken, secretPassword, "never-shown"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("%s: error %q shows the secret", tc.name, err)
				}
			}
		}
	}
	if l := must(s.GitCredentials(admin, defAdminID)).ok(t); len(l) != 0 {
		t.Errorf("refused credentials were stored: %+v", l)
	}
	// Every listed provider is accepted (with a domain where needed).
	for _, p := range GitProviders {
		in := tokenCred("p-" + p)
		in.GitServiceProvider, in.Domain = p, "git.example.org"
		must(s.AddGitCredential(admin, defAdminID, in)).ok(t)
	}
}

func TestGitCredentialOwnerOrAdmin(t *testing.T) {
	s := newStore(t)
	admin, alice := caller(t, s, "admin"), caller(t, s, "alice")
	sa := newAccount(t, s, "bot")
	other := newAccount(t, s, "other-bot")
	own := must(s.AddGitCredential(saCaller(sa), sa.ID, tokenCred("own"))).ok(t)   // the account itself
	byAdmin := must(s.AddGitCredential(admin, sa.ID, tokenCred("by-admin"))).ok(t) // an admin for it
	aliceCred := must(s.AddGitCredential(alice, defAliceID, tokenCred("alice's"))).ok(t)

	refused := []struct {
		name   string
		c      Caller
		userID string
	}{
		{"alice for admin", alice, defAdminID},
		{"alice for the bot", alice, sa.ID},
		{"another bot for the bot", saCaller(other), sa.ID},
		{"the bot for alice", saCaller(sa), defAliceID},
	}
	for _, tc := range refused {
		_, err := s.GitCredentials(tc.c, tc.userID)
		wantKind(t, "list: "+tc.name, err, KindForbidden)
		_, err = s.AddGitCredential(tc.c, tc.userID, tokenCred("nope"))
		wantKind(t, "add: "+tc.name, err, KindForbidden)
		// Forbidden wins over an invalid body.
		_, err = s.AddGitCredential(tc.c, tc.userID, GitCredentialInput{})
		wantKind(t, "add invalid: "+tc.name, err, KindForbidden)
		_, err = s.DeleteGitCredential(tc.c, tc.userID, own.ID)
		wantKind(t, "delete: "+tc.name, err, KindForbidden)
	}
	for name, call := range map[string]func() error{
		"list of unknown user":   func() error { _, err := s.GitCredentials(admin, unknownID); return err },
		"add to unknown user":    func() error { _, err := s.AddGitCredential(admin, unknownID, tokenCred("x")); return err },
		"delete of unknown user": func() error { _, err := s.DeleteGitCredential(admin, unknownID, own.ID); return err },
		"list by idpId":          func() error { _, err := s.GitCredentials(admin, sa.IdpID); return err },
		"delete unknown cred":    func() error { _, err := s.DeleteGitCredential(admin, sa.ID, unknownID); return err },
		// Another user's credential id through one's own path is missing, not someone else's.
		"delete alice's via the bot's path": func() error { _, err := s.DeleteGitCredential(admin, sa.ID, aliceCred.ID); return err },
		"delete the bot's via alice's path": func() error { _, err := s.DeleteGitCredential(alice, defAliceID, own.ID); return err },
	} {
		wantKind(t, name, call(), KindNotFound)
	}
	if l := must(s.GitCredentials(saCaller(sa), sa.ID)).ok(t); len(l) != 2 {
		t.Errorf("bot's credentials after refused calls = %+v", l)
	}
	// The account deletes its own; the admin deletes the other.
	must(s.DeleteGitCredential(saCaller(sa), sa.ID, own.ID)).ok(t)
	must(s.DeleteGitCredential(admin, sa.ID, byAdmin.ID)).ok(t)
	_, err := s.DeleteGitCredential(admin, sa.ID, own.ID)
	wantKind(t, "delete twice", err, KindNotFound)
	if l := must(s.GitCredentials(alice, defAliceID)).ok(t); len(l) != 1 || l[0] != aliceCred {
		t.Errorf("alice's credentials = %+v", l)
	}
	// The SA's idpId resolves to the id these routes take (admin only).
	if id := must(s.ServiceAccountID(admin, sa.IdpID)).ok(t); id != sa.ID {
		t.Errorf("ServiceAccountID = %s, want %s", id, sa.ID)
	}
	_, err = s.ServiceAccountID(admin, unknownUUID)
	wantKind(t, "ServiceAccountID(unknown)", err, KindNotFound)
	_, err = s.ServiceAccountID(admin, defAdminIdp)
	wantKind(t, "ServiceAccountID(human)", err, KindNotFound)
}

func TestCredentialMapping(t *testing.T) {
	s := richStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "bot")
	bot := saCaller(sa)
	must(s.AddCollaborator(admin, defProjectID, sa.ID, "Contributor")).ok(t)
	cred := must(s.AddGitCredential(admin, sa.ID, tokenCred("bot's"))).ok(t)
	adminCred := must(s.AddGitCredential(admin, defAdminID, tokenCred("admin's"))).ok(t)

	_, err := s.CredentialMapping(bot, defProjectID, defRepoID)
	wantKind(t, "GET before any PUT", err, KindNotFound)

	m := must(s.SetCredentialMapping(bot, defProjectID, defRepoID, cred.ID)).ok(t)
	want := CredentialMapping{UserID: sa.ID, ProjectID: defProjectID, RepoID: defRepoID, CredentialID: cred.ID}
	if m != want {
		t.Errorf("PUT answered %+v, want %+v", m, want)
	}
	if got := must(s.CredentialMapping(bot, defProjectID, defRepoID)).ok(t); got != cred.ID {
		t.Errorf("GET = %q, want %q", got, cred.ID)
	}
	// Mappings are per user: the admin has none on the same repository.
	_, err = s.CredentialMapping(admin, defProjectID, defRepoID)
	wantKind(t, "admin's GET", err, KindNotFound)
	am := must(s.SetCredentialMapping(admin, defProjectID, defRepoID, adminCred.ID)).ok(t)
	if am.UserID != defAdminID {
		t.Errorf("admin's mapping is for %s", am.UserID)
	}
	if got := must(s.CredentialMapping(bot, defProjectID, defRepoID)).ok(t); got != cred.ID {
		t.Errorf("bot's mapping changed to %q by the admin's", got)
	}

	errs := []struct {
		name                string
		c                   Caller
		project, repo, cred string
		want                Kind
	}{
		{"foreign credential", bot, defProjectID, defRepoID, adminCred.ID, KindNotFound},
		{"admin maps the bot's credential", admin, defProjectID, defRepoID, cred.ID, KindNotFound},
		{"unknown credential", bot, defProjectID, defRepoID, unknownID, KindNotFound},
		{"no credential", bot, defProjectID, defRepoID, "", KindInvalid},
		{"wrong repository", bot, defProjectID, bobLabRepo, cred.ID, KindNotFound},
		{"unknown repository", bot, defProjectID, unknownID, cred.ID, KindNotFound},
		{"project has no repository", admin, openDataID, defRepoID, adminCred.ID, KindNotFound},
		{"unknown project", bot, unknownID, defRepoID, cred.ID, KindNotFound},
		{"not a member", bot, bobLabID, bobLabRepo, cred.ID, KindForbidden},
		{"not a member of a public project", caller(t, s, "alice"), openDataID, defRepoID, cred.ID, KindForbidden},
	}
	for _, tc := range errs {
		_, err := s.SetCredentialMapping(tc.c, tc.project, tc.repo, tc.cred)
		wantKind(t, "PUT "+tc.name, err, tc.want)
	}
	_, err = s.CredentialMapping(bot, defProjectID, bobLabRepo)
	wantKind(t, "GET wrong repository", err, KindNotFound)
	_, err = s.CredentialMapping(bot, bobLabID, bobLabRepo)
	wantKind(t, "GET not a member", err, KindForbidden)
	_, err = s.DeleteCredentialMapping(bot, bobLabID, bobLabRepo)
	wantKind(t, "DELETE not a member", err, KindForbidden)
	_, err = s.DeleteCredentialMapping(bot, defProjectID, bobLabRepo)
	wantKind(t, "DELETE wrong repository", err, KindNotFound)
	if got := must(s.CredentialMapping(bot, defProjectID, defRepoID)).ok(t); got != cred.ID {
		t.Errorf("refused requests changed the mapping to %q", got)
	}

	// Collaborators of any role, and the owner, are members.
	carolCred := must(s.AddGitCredential(caller(t, s, "carol"), carolID, tokenCred("carol's"))).ok(t)
	must(s.SetCredentialMapping(caller(t, s, "carol"), bobLabID, bobLabRepo, carolCred.ID)).ok(t)
	bobCred := must(s.AddGitCredential(caller(t, s, "bob"), bobID, tokenCred("bob's"))).ok(t)
	must(s.SetCredentialMapping(caller(t, s, "bob"), bobLabID, bobLabRepo, bobCred.ID)).ok(t)

	// A second credential replaces the first.
	cred2 := must(s.AddGitCredential(bot, sa.ID, tokenCred("bot's second"))).ok(t)
	must(s.SetCredentialMapping(bot, defProjectID, defRepoID, cred2.ID)).ok(t)
	if got := must(s.CredentialMapping(bot, defProjectID, defRepoID)).ok(t); got != cred2.ID {
		t.Errorf("GET after replacing = %q, want %q", got, cred2.ID)
	}

	d := must(s.DeleteCredentialMapping(bot, defProjectID, defRepoID)).ok(t)
	if d != (CredentialMapping{UserID: sa.ID, ProjectID: defProjectID, RepoID: defRepoID}) {
		t.Errorf("DELETE answered %+v", d)
	}
	_, err = s.CredentialMapping(bot, defProjectID, defRepoID)
	wantKind(t, "GET after DELETE", err, KindNotFound)
	must(s.DeleteCredentialMapping(bot, defProjectID, defRepoID)).ok(t) // deleting none is not an error
	if got := must(s.CredentialMapping(admin, defProjectID, defRepoID)).ok(t); got != adminCred.ID {
		t.Errorf("the bot's DELETE removed the admin's mapping")
	}
}

func TestDeletingACredentialDropsItsMappings(t *testing.T) {
	s := richStore(t)
	bob := caller(t, s, "bob")
	cred := must(s.AddGitCredential(bob, bobID, tokenCred("bob's"))).ok(t)
	keep := must(s.AddGitCredential(bob, bobID, tokenCred("bob's other"))).ok(t)
	must(s.SetCredentialMapping(bob, bobLabID, bobLabRepo, cred.ID)).ok(t)
	carol := caller(t, s, "carol")
	carolCred := must(s.AddGitCredential(carol, carolID, tokenCred("carol's"))).ok(t)
	must(s.SetCredentialMapping(carol, bobLabID, bobLabRepo, carolCred.ID)).ok(t)

	must(s.DeleteGitCredential(bob, bobID, cred.ID)).ok(t)
	_, err := s.CredentialMapping(bob, bobLabID, bobLabRepo)
	wantKind(t, "GET after the credential was deleted", err, KindNotFound)
	if got := must(s.CredentialMapping(carol, bobLabID, bobLabRepo)).ok(t); got != carolCred.ID {
		t.Errorf("carol's mapping = %q, want %q", got, carolCred.ID)
	}
	for _, m := range s.Export(false).Mappings {
		if m.CredentialID == cred.ID {
			t.Errorf("a mapping to the deleted credential remains: %+v", m)
		}
	}
	// The deleted credential cannot be mapped again.
	_, err = s.SetCredentialMapping(bob, bobLabID, bobLabRepo, cred.ID)
	wantKind(t, "PUT a deleted credential", err, KindNotFound)
	must(s.SetCredentialMapping(bob, bobLabID, bobLabRepo, keep.ID)).ok(t)
}
