package store

import (
	"fmt"
	"testing"
	"time"
)

// storeWithManyTokens is a store whose one service account holds n tokens,
// imported rather than signed (their values are unknown, so they are
// listed but unusable): n RSA signatures would take minutes.
func storeWithManyTokens(tb testing.TB, n int) (*Store, Caller, string) {
	tb.Helper()
	s := newStore(tb)
	admin := caller(tb, s, "admin")
	sa := must(s.CreateServiceAccount(admin, "many", "many@example.com")).ok(tb)
	snap := s.Export(true)
	created := time.Date(2025, 9, 4, 0, 0, 0, 0, time.UTC)
	for i := range n {
		snap.Tokens = append(snap.Tokens, TokenRecord{
			JTI: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Name: fmt.Sprintf("t%d", i), AccountID: sa.ID,
			Value: Redacted, CreatedAt: created.Add(time.Duration(i) * time.Millisecond),
			ExpiresAt: created.Add(DefaultTokenTTL),
		})
	}
	if err := s.Import(snap); err != nil {
		tb.Fatal(err)
	}
	return s, admin, sa.IdpID
}

// BenchmarkTokens lists one account's tokens (GET …/tokens) at several
// sizes; the cost per token should not grow with the number of tokens.
func BenchmarkTokens(b *testing.B) {
	for _, n := range []int{1000, 10000, 30000} {
		b.Run(fmt.Sprintf("tokens=%d", n), func(b *testing.B) {
			s, admin, idp := storeWithManyTokens(b, n)
			b.ResetTimer()
			for b.Loop() {
				if list := must(s.Tokens(admin, idp)).ok(b); len(list) != n {
					b.Fatalf("listed %d tokens, want %d", len(list), n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/token")
		})
	}
}

// BenchmarkDeleteTokens deletes every token of an account, oldest first
// and newest first; the cost per deletion should not grow with the number
// of tokens.
func BenchmarkDeleteTokens(b *testing.B) {
	for _, n := range []int{1000, 10000, 30000} {
		for _, order := range []string{"oldest", "newest"} {
			b.Run(fmt.Sprintf("tokens=%d/%s-first", n, order), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					s, admin, idp := storeWithManyTokens(b, n)
					b.StartTimer()
					for i := range n {
						if order == "newest" {
							i = n - 1 - i
						}
						must(s.DeleteToken(admin, idp, fmt.Sprintf("t%d", i))).ok(b)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/delete")
			})
		}
	}
}
