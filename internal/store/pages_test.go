package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Tests of the reads the public API pages, the user filters of GET
// /v4/users, and the two changes only the public API (and /v4's
// resetpassword) make.

func TestServiceAccountsPage(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	var made []ServiceAccount
	for i := range 6 {
		made = append(made, newAccount(t, s, fmt.Sprintf("p%d", i)))
	}
	must(s.DeactivateServiceAccount(admin, made[1].IdpID)).ok(t)
	must(s.DeactivateServiceAccount(admin, made[4].IdpID)).ok(t)
	names := func(l []ServiceAccount) string {
		var out []string
		for _, a := range l {
			out = append(out, a.Username)
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		include       bool
		offset, limit int
		want          string
		total         int
	}{
		{false, 0, 50, "p0,p2,p3,p5", 4},
		{false, 1, 2, "p2,p3", 4},
		{false, 3, 2, "p5", 4},
		{false, 4, 2, "", 4},
		{false, 100, 2, "", 4},
		{false, 0, 0, "", 4},
		{true, 0, 50, "p0,p1,p2,p3,p4,p5", 6},
		{true, 1, 3, "p1,p2,p3", 6},
		{true, 4, 10, "p4,p5", 6},
		{false, 0, -1, "p0,p2,p3,p5", 4}, // negative: all (ServiceAccounts)
	} {
		l, total, err := s.ServiceAccountsPage(admin, c.include, c.offset, c.limit)
		if err != nil || names(l) != c.want || total != c.total {
			t.Errorf("page(include %v, %d, %d) = %q of %d, %v; want %q of %d", c.include, c.offset, c.limit, names(l), total, err, c.want, c.total)
		}
	}
	// Activation counts again; the counts follow an import too.
	must(s.ActivateServiceAccount(admin, made[1].IdpID)).ok(t)
	if _, total, _ := s.ServiceAccountsPage(admin, false, 0, 1); total != 5 {
		t.Errorf("after activation %d active, want 5", total)
	}
	if err := s.Import(s.Export(true)); err != nil {
		t.Fatal(err)
	}
	if l, total, _ := s.ServiceAccountsPage(admin, false, 0, 50); total != 5 || names(l) != "p0,p1,p2,p3,p5" {
		t.Errorf("after an import: %q of %d", names(l), total)
	}
	_, _, err := s.ServiceAccountsPage(caller(t, s, "alice"), false, 0, 50)
	wantKind(t, "a non-admin's page", err, KindForbidden)
}

func TestTokensPage(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "paged")
	for i := range 5 {
		newToken(t, s, sa, fmt.Sprintf("t%d", i))
	}
	must(s.DeleteToken(admin, sa.IdpID, "t1")).ok(t)
	for _, c := range []struct {
		offset, limit int
		want          string
	}{
		{0, 50, "t0,t2,t3,t4"}, {1, 2, "t2,t3"}, {3, 5, "t4"}, {4, 5, ""}, {0, 0, ""},
	} {
		l, total, err := s.TokensPage(admin, sa.IdpID, c.offset, c.limit)
		var got []string
		for _, tk := range l {
			got = append(got, tk.Name)
			if tk.Token != "" {
				t.Errorf("a listed token carries its value")
			}
		}
		if err != nil || strings.Join(got, ",") != c.want || total != 4 {
			t.Errorf("page(%d, %d) = %v of %d, %v; want %s of 4", c.offset, c.limit, got, total, err, c.want)
		}
	}
	_, _, err := s.TokensPage(admin, unknownUUID, 0, 10)
	wantKind(t, "an unknown account's tokens", err, KindNotFound)
	_, _, err = s.TokensPage(caller(t, s, "alice"), sa.IdpID, 0, 10)
	wantKind(t, "a non-admin's page", err, KindForbidden)
}

func TestUsersPageAndFilters(t *testing.T) {
	s := richStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "bob-bot")
	must(s.DeactivateServiceAccount(admin, newAccount(t, s, "gone-bot").IdpID)).ok(t)
	ids := func(l []User) string {
		var out []string
		for _, u := range l {
			out = append(out, u.UserName)
		}
		return strings.Join(out, ",")
	}
	l, total := s.UsersPage(admin, 1, 3)
	if ids(l) != "alice,bob,carol" || total != 6 {
		t.Errorf("users page = %s of %d", ids(l), total)
	}
	if l, _ := s.UsersPage(admin, 5, 10); ids(l) != "bob-bot" {
		t.Errorf("last page = %s", ids(l))
	}
	for _, c := range []struct {
		f    UserFilter
		want string
	}{
		{UserFilter{}, "admin,alice,bob,carol,dave,bob-bot"},
		{UserFilter{UserName: "BOB"}, "bob"},
		{UserFilter{UserName: "bob-bot"}, "bob-bot"},
		{UserFilter{UserName: "gone-bot"}, ""},
		{UserFilter{UserName: "nobody"}, ""},
		{UserFilter{UserIDs: []string{carolID, sa.ID}}, "carol,bob-bot"},
		{UserFilter{UserIDs: []string{unknownID}}, ""},
		{UserFilter{Query: "bo"}, "bob,bob-bot"},
		{UserFilter{Query: "bo", UserIDs: []string{sa.ID}}, "bob-bot"},
		{UserFilter{UserName: "bob", UserIDs: []string{carolID}}, ""},
	} {
		if got := ids(s.Users(admin, c.f)); got != c.want {
			t.Errorf("Users(%+v) = %s, want %s", c.f, got, c.want)
		}
	}
}

func TestResetServiceAccountPassword(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "reset-me")
	tok := newToken(t, s, sa, "t1")
	before := s.Clock().Now().UTC().Truncate(time.Millisecond)
	got := must(s.ResetServiceAccountPassword(admin, sa.IdpID)).ok(t)
	after := s.Clock().Now().UTC()
	if got != sa {
		t.Errorf("reset answers %+v, want %+v", got, sa)
	}
	authOK(t, s, "the token after a reset", tok.Token, sa.ID)
	for _, u := range s.Export(false).Users {
		if u.IdpID == sa.IdpID && (u.PasswordResetAt == nil || u.PasswordResetAt.Before(before) || u.PasswordResetAt.After(after)) {
			t.Errorf("the state records the reset at %v", u.PasswordResetAt)
		}
	}
	_, err := s.ResetServiceAccountPassword(caller(t, s, "alice"), sa.IdpID)
	wantKind(t, "a non-admin's reset", err, KindForbidden)
	_, err = s.ResetServiceAccountPassword(admin, defAdminIdp)
	wantKind(t, "a person's reset", err, KindNotFound)
	_, err = s.ResetServiceAccountPassword(admin, unknownUUID)
	wantKind(t, "an unknown account's reset", err, KindNotFound)
}

func TestUpdateTokenGitCredential(t *testing.T) {
	s := newStore(t)
	admin, alice := caller(t, s, "admin"), caller(t, s, "alice")
	tok := must(s.AddGitCredential(alice, defAliceID, GitCredentialInput{Name: "gh", GitServiceProvider: "github", AccessType: "token", Token: "old"})).ok(t)
	pw := must(s.AddGitCredential(alice, defAliceID, GitCredentialInput{Name: "pw", GitServiceProvider: "github", AccessType: "password", Username: "u", Password: "p"})).ok(t)
	in := GitCredentialInput{Name: "renamed", GitServiceProvider: "gitlabEnterprise", Domain: "git.corp", Token: "new"}
	got := must(s.UpdateTokenGitCredential(alice, defAliceID, tok.ID, in)).ok(t)
	if got.ID != tok.ID || got.Name != "renamed" || got.GitServiceProvider != "gitlabEnterprise" || got.Domain != "git.corp" {
		t.Errorf("updated %+v", got)
	}
	for _, c := range s.Export(true).Credentials {
		if c.ID == tok.ID && c.Secret != "new" {
			t.Errorf("the stored secret is %q, want the new one", c.Secret)
		}
	}
	for _, c := range []struct {
		what   string
		who    Caller
		user   string
		cred   string
		in     GitCredentialInput
		kind   Kind
		naming string
	}{
		{"a password credential", alice, defAliceID, pw.ID, in, KindInvalid, "token"},
		{"another user's credential", admin, defAdminID, tok.ID, in, KindNotFound, tok.ID},
		{"another user", alice, defAdminID, tok.ID, in, KindForbidden, "admin"},
		{"an unknown credential", alice, defAliceID, unknownID, in, KindNotFound, unknownID},
		{"no token", alice, defAliceID, tok.ID, GitCredentialInput{Name: "x", GitServiceProvider: "github"}, KindInvalid, "token"},
		{"a bad provider", alice, defAliceID, tok.ID, GitCredentialInput{Name: "x", GitServiceProvider: "sourceforge", Token: "t"}, KindInvalid, "gitServiceProvider"},
	} {
		_, err := s.UpdateTokenGitCredential(c.who, c.user, c.cred, c.in)
		wantKind(t, c.what, err, c.kind)
		wantErrContains(t, c.what, err, c.naming)
	}
}
