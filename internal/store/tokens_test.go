package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func tokenNames(t testing.TB, s *Store, admin Caller, idp string) string {
	t.Helper()
	var names []string
	for _, tok := range must(s.Tokens(admin, idp)).ok(t) {
		names = append(names, tok.Name)
	}
	return strings.Join(names, ",")
}

// TestTokensListedInCreationOrder: an account's tokens are listed as they
// were created, tokens made in the same millisecond included, and keep that
// order through deletion, export and import, and a restart.
func TestTokensListedInCreationOrder(t *testing.T) {
	frozen := time.Date(2025, 9, 4, 19, 28, 34, 12e6, time.UTC)
	cfg := walConfig(t)
	cfg.Clock = NewClock(func() time.Time { return frozen })
	dir := t.TempDir()
	s, err := Open(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	admin := caller(t, s, "admin")
	sa := must(s.CreateServiceAccount(admin, "ordered", "ordered@example.com")).ok(t)
	for _, name := range []string{"b", "a", "d", "c"} {
		must(s.CreateToken(admin, sa.IdpID, name)).ok(t)
	}
	if got := tokenNames(t, s, admin, sa.IdpID); got != "b,a,d,c" {
		t.Fatalf("listed %s, want creation order b,a,d,c", got)
	}
	must(s.DeleteToken(admin, sa.IdpID, "a")).ok(t)
	must(s.CreateToken(admin, sa.IdpID, "a")).ok(t)
	must(s.InvalidateToken(admin, sa.IdpID, "d")).ok(t)
	const want = "b,d,c,a"
	if got := tokenNames(t, s, admin, sa.IdpID); got != want {
		t.Fatalf("after deleting and re-creating a: listed %s, want %s", got, want)
	}
	if err := s.Import(s.Export(true)); err != nil {
		t.Fatal(err)
	}
	if got := tokenNames(t, s, admin, sa.IdpID); got != want {
		t.Fatalf("after export and import: listed %s, want %s", got, want)
	}
	must(s.CreateToken(admin, sa.IdpID, "e")).ok(t) // in the log, not the snapshot
	walClose(t, s)
	s2, err := Open(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer walClose(t, s2)
	if got := tokenNames(t, s2, admin, sa.IdpID); got != want+",e" {
		t.Fatalf("after a restart: listed %s, want %s,e", got, want)
	}
}

// TestTokenOrderStaysSmall counts what a listing walks: deleted tokens may
// linger in the account's order, but never more than the live ones, so
// listing stays linear in the tokens listed and deleting stays amortized
// constant, whatever order tokens are deleted in.
func TestTokenOrderStaysSmall(t *testing.T) {
	const n = 1000
	for _, tc := range []struct {
		name string
		pick func(i int) int // the i-th token deleted
	}{
		{"oldest first", func(i int) int { return i }},
		{"newest first", func(i int) int { return n - 1 - i }},
		{"every other, then the rest", func(i int) int {
			if i < n/2 {
				return 2 * i
			}
			return 2*(i-n/2) + 1
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, admin, idp := storeWithManyTokens(t, n)
			u := s.st.usersByIdp[idp]
			for i := range n {
				must(s.DeleteToken(admin, idp, fmt.Sprintf("t%d", tc.pick(i)))).ok(t)
				if live, walked := len(u.tokens), len(u.tokenOrder); walked > 2*live+1 {
					t.Fatalf("after %d deletions: a listing walks %d entries for %d live tokens", i+1, walked, live)
				}
			}
			if got := tokenNames(t, s, admin, idp); got != "" {
				t.Fatalf("left %s", got)
			}
		})
	}
}
