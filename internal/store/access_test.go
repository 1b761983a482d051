package store

import (
	"testing"
	"time"
)

// TestAccessTokenEndsWithItsRoot: an access token the proxy hands out is
// refused as soon as the credential it was obtained with is, and one
// obtained with an access token inherits that credential.
func TestAccessTokenEndsWithItsRoot(t *testing.T) {
	type world struct {
		s           *Store
		admin       Caller
		sa          ServiceAccount
		access      string // obtained with the service account's token t1
		renewed     string // obtained with access
		unaffected  []string
		unaffectedC []string // whom each of unaffected authenticates as
	}
	setup := func(t *testing.T) *world {
		t.Helper()
		w := &world{s: newStoreWith(t, Config{TokenTTL: 2 * DefaultAccessTokenTTL})}
		w.admin = caller(t, w.s, "admin")
		w.sa = newAccount(t, w.s, "bot")
		t1 := newToken(t, w.s, w.sa, "t1")
		t2 := newToken(t, w.s, w.sa, "t2")
		w.access = must(w.s.IssueAccessToken(authOK(t, w.s, "t1", t1.Token, w.sa.ID))).ok(t)
		w.renewed = must(w.s.IssueAccessToken(authOK(t, w.s, "access", w.access, w.sa.ID))).ok(t)
		// The same account's other token, and the proxy user's own.
		fromT2 := must(w.s.IssueAccessToken(authOK(t, w.s, "t2", t2.Token, w.sa.ID))).ok(t)
		proxy := must(w.s.IssueAccessToken(w.admin)).ok(t)
		w.unaffected, w.unaffectedC = []string{fromT2, proxy}, []string{w.sa.ID, defAdminID}
		return w
	}
	for _, tc := range []struct {
		name      string
		revoke    func(t *testing.T, w *world)
		sibling   bool // the revocation leaves the account's other token (t2) usable
		advanceBy time.Duration
	}{
		{name: "token invalidated", sibling: true, revoke: func(t *testing.T, w *world) {
			must(w.s.InvalidateToken(w.admin, w.sa.IdpID, "t1")).ok(t)
		}},
		{name: "token deleted", sibling: true, revoke: func(t *testing.T, w *world) {
			must(w.s.DeleteToken(w.admin, w.sa.IdpID, "t1")).ok(t)
		}},
		{name: "token deleted, its name used again", sibling: true, revoke: func(t *testing.T, w *world) {
			must(w.s.DeleteToken(w.admin, w.sa.IdpID, "t1")).ok(t)
			newToken(t, w.s, w.sa, "t1")
		}},
		{name: "account deactivated", revoke: func(t *testing.T, w *world) {
			must(w.s.DeactivateServiceAccount(w.admin, w.sa.IdpID)).ok(t)
		}},
		{name: "account deactivated and activated again", revoke: func(t *testing.T, w *world) {
			must(w.s.DeactivateServiceAccount(w.admin, w.sa.IdpID)).ok(t)
			must(w.s.ActivateServiceAccount(w.admin, w.sa.IdpID)).ok(t)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := setup(t)
			authOK(t, w.s, "access token before", w.access, w.sa.ID)
			authOK(t, w.s, "renewed access token before", w.renewed, w.sa.ID)
			// A request authenticated just before the revocation asks for
			// a new access token just after it.
			racing := authOK(t, w.s, "access token before", w.access, w.sa.ID)
			tc.revoke(t, w)
			authRefused(t, w.s, "access token", w.access)
			authRefused(t, w.s, "access token obtained with the access token", w.renewed)
			_, err := w.s.IssueAccessToken(racing)
			wantKind(t, "a new access token for a caller whose credential is gone", err, KindUnauthenticated)
			if tc.sibling {
				authOK(t, w.s, "access token of the account's other token", w.unaffected[0], w.unaffectedC[0])
			}
			authOK(t, w.s, "the proxy user's access token", w.unaffected[1], w.unaffectedC[1])
		})
	}

	t.Run("token expired", func(t *testing.T) {
		w := setup(t) // t1 lives 10 minutes, access tokens 5: renew every 4
		renewed := w.renewed
		for range 2 {
			must(w.s.AdvanceClock(4 * time.Minute)).ok(t)
			renewed = must(w.s.IssueAccessToken(authOK(t, w.s, "renewed", renewed, w.sa.ID))).ok(t)
		}
		// 8 minutes in, renewed lives until 13; t1 expires at 10.
		must(w.s.AdvanceClock(2*time.Minute + time.Second)).ok(t)
		authRefused(t, w.s, "access token renewed from a token that has since expired", renewed)
	})

	t.Run("API key's user deactivated", func(t *testing.T) {
		s := newStore(t)
		alice := must(s.AuthenticateAPIKey("mockdomino-alice-key-1e8b6d2f9a0c7e35")).ok(t)
		access := must(s.IssueAccessToken(alice)).ok(t)
		renewed := must(s.IssueAccessToken(authOK(t, s, "access", access, defAliceID))).ok(t)
		snap := s.Export(true)
		for i := range snap.Users {
			if snap.Users[i].ID == defAliceID {
				snap.Users[i].Active = false
			}
		}
		must(0, s.Import(snap)).ok(t)
		authRefused(t, s, "access token of a deactivated user", access)
		authRefused(t, s, "renewed access token of a deactivated user", renewed)
	})

	t.Run("kept across a restart", func(t *testing.T) {
		dir := t.TempDir()
		s := walOpen(t, dir)
		admin := walAdmin(t, s)
		sa := must(s.CreateServiceAccount(admin, "bot", "bot@example.com")).ok(t)
		tok := must(s.CreateToken(admin, sa.IdpID, "t1")).ok(t)
		access := must(s.IssueAccessToken(authOK(t, s, "t1", tok.Token, sa.ID))).ok(t)
		s = walReopen(t, s, dir)
		defer walClose(t, s)
		authOK(t, s, "access token after a restart", access, sa.ID)
		must(s.InvalidateToken(admin, sa.IdpID, "t1")).ok(t)
		authRefused(t, s, "access token after a restart, its token invalidated", access)
	})
}

// TestDeletedTokensTakeTheirAccessTokens: deleting a token deletes the
// access tokens obtained with it, and a state document whose access token
// names a token that is not there (or not its user's) is refused.
func TestDeletedTokensTakeTheirAccessTokens(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "rooted")
	tok := newToken(t, s, sa, "root")
	c, err := s.AuthenticateBearer(tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	must(s.IssueAccessToken(c)).ok(t)
	if n := len(s.Export(true).AccessTokens); n != 1 {
		t.Fatalf("%d access tokens, want 1", n)
	}
	doc := s.Export(true)
	doc.AccessTokens[0].TokenJTI = unknownUUID
	err = s.Import(doc)
	wantKind(t, "an access token of no token", err, KindInvalid)
	wantErrContains(t, "an access token of no token", err, "accessTokens[0].tokenJti")
	must(s.DeleteToken(admin, sa.IdpID, "root")).ok(t)
	if n := len(s.Export(true).AccessTokens); n != 0 {
		t.Errorf("%d access tokens after their token was deleted, want 0", n)
	}
	if err := s.Import(s.Export(true)); err != nil {
		t.Errorf("the export after the deletion does not import: %v", err)
	}
}
