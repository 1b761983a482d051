package store

import (
	"fmt"
	"strings"
	"testing"
)

// TestDefaultLimits: with the default config, one user cannot store more
// than the documented amounts, and exactly those amounts are accepted.
func TestDefaultLimits(t *testing.T) {
	big := strings.Repeat("s", 64<<10)
	secretCases := []struct {
		name string
		in   GitCredentialInput
	}{
		{"token", GitCredentialInput{Name: "c", GitServiceProvider: "github", AccessType: "token", Token: big}},
		{"password", GitCredentialInput{Name: "c", GitServiceProvider: "github", AccessType: "password", Username: "u", Password: big}},
		{"key", GitCredentialInput{Name: "c", GitServiceProvider: "github", AccessType: "key", Key: big}},
		{"passphrase", GitCredentialInput{Name: "c", GitServiceProvider: "github", AccessType: "key", Key: "k", Passphrase: big}},
	}
	for _, tc := range secretCases {
		t.Run("64 KiB "+tc.name, func(t *testing.T) {
			s := newStore(t)
			admin := caller(t, s, "admin")
			must(s.AddGitCredential(admin, defAliceID, tc.in)).ok(t)
			over := tc.in
			switch tc.name {
			case "token":
				over.Token += "s"
			case "password":
				over.Password += "s"
			case "key":
				over.Key += "s"
			case "passphrase":
				over.Passphrase += "s"
			}
			_, err := s.AddGitCredential(admin, defAliceID, over)
			wantKind(t, "a secret of 64 KiB + 1", err, KindInvalid)
			wantErrContains(t, "a secret of 64 KiB + 1", err, tc.name, "65536 bytes")
		})
	}

	t.Run("domain", func(t *testing.T) {
		s := newStore(t)
		admin := caller(t, s, "admin")
		in := GitCredentialInput{Name: "c", GitServiceProvider: "unknown", AccessType: "token", Token: "t", Domain: strings.Repeat("d", 255)}
		must(s.AddGitCredential(admin, defAliceID, in)).ok(t)
		in.Domain += "d"
		_, err := s.AddGitCredential(admin, defAliceID, in)
		wantKind(t, "a domain of 256 characters", err, KindInvalid)
		wantErrContains(t, "a domain of 256 characters", err, "domain", "255")
	})

	t.Run("1,000 git credentials per user", func(t *testing.T) {
		s := newStore(t)
		admin := caller(t, s, "admin")
		alice := caller(t, s, "alice")
		for i := range 1000 {
			must(s.AddGitCredential(alice, defAliceID, tokenCred(fmt.Sprint(i)))).ok(t)
		}
		_, err := s.AddGitCredential(alice, defAliceID, tokenCred("one more"))
		wantKind(t, "the 1,001st credential", err, KindInvalid)
		wantErrContains(t, "the 1,001st credential", err, "1000 git credentials")
		// The limit is per user: the admin's own are not counted with alice's.
		must(s.AddGitCredential(admin, defAdminID, tokenCred("admin's"))).ok(t)
	})

	t.Run("10,000 tokens per service account", func(t *testing.T) {
		s, admin, idp := storeWithManyTokens(t, 10000)
		_, err := s.CreateToken(admin, idp, "one more")
		wantKind(t, "the 10,001st token", err, KindInvalid)
		wantErrContains(t, "the 10,001st token", err, "10000 tokens")
	})
}

// TestConfiguredLimits: Config.Limits sets each limit; what is refused
// names it, and room made by deleting can be used again.
func TestConfiguredLimits(t *testing.T) {
	s := newStoreWith(t, Config{Limits: Limits{GitSecretBytes: 10, GitCredentialsPerUser: 2, TokensPerAccount: 2}})
	admin := caller(t, s, "admin")
	alice := caller(t, s, "alice")
	cred := func(name, secret string) GitCredentialInput {
		return GitCredentialInput{Name: name, GitServiceProvider: "github", AccessType: "token", Token: secret}
	}

	must(s.AddGitCredential(alice, defAliceID, cred("a", "0123456789"))).ok(t)
	_, err := s.AddGitCredential(alice, defAliceID, cred("b", "0123456789+"))
	wantKind(t, "an 11-byte secret", err, KindInvalid)
	wantErrContains(t, "an 11-byte secret", err, "10 bytes", "--max-git-secret-bytes")

	b := must(s.AddGitCredential(alice, defAliceID, cred("b", "s"))).ok(t)
	_, err = s.AddGitCredential(admin, defAliceID, cred("c", "s"))
	wantKind(t, "alice's third credential, added by the admin", err, KindInvalid)
	wantErrContains(t, "alice's third credential", err, "alice", "2 git credentials", "--max-git-credentials")
	must(s.DeleteGitCredential(alice, defAliceID, b.ID)).ok(t)
	must(s.AddGitCredential(alice, defAliceID, cred("c", "s"))).ok(t)
	if n := len(must(s.GitCredentials(alice, defAliceID)).ok(t)); n != 2 {
		t.Fatalf("alice lists %d credentials, want 2", n)
	}

	sa := newAccount(t, s, "capped")
	newToken(t, s, sa, "t1")
	newToken(t, s, sa, "t2")
	must(s.InvalidateToken(admin, sa.IdpID, "t1")).ok(t) // an invalid token is still held
	_, err = s.CreateToken(admin, sa.IdpID, "t3")
	wantKind(t, "a third token", err, KindInvalid)
	wantErrContains(t, "a third token", err, "capped", "2 tokens", "--max-tokens")
	must(s.DeleteToken(admin, sa.IdpID, "t1")).ok(t)
	newToken(t, s, sa, "t3")
}
