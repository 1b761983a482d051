package store

// Benchmarks of the store's hot reads at scale: bearer authentication among
// 1, 1,000 and 100,000 live tokens (it should cost the same), and listing
// 100,000 service accounts. Every token is made by CreateToken (RS256) and
// used once before timing, as on a mock whose clients have each used theirs.
//
//	go test -run '^$' -bench . -benchmem ./internal/store/
//
// The 100,000-token store takes about 100 CPU-seconds of RSA signing to
// build (spread over every core); -short leaves it out. heap-B/token is the
// live heap per account and token after building (see go run ./cmd/mockbench
// for the resident memory).

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/signing"
)

var benchKeyPEM = sync.OnceValues(func() ([]byte, error) {
	k, err := signing.Generate()
	if err != nil {
		return nil, err
	}
	return k.PEM(), nil
})

// benchNewStore is a store with its own key.
func benchNewStore(b *testing.B) (*Store, Caller) {
	b.Helper()
	pem, err := benchKeyPEM()
	if err != nil {
		b.Fatal(err)
	}
	keys, err := signing.ParsePEM(pem, "bench")
	if err != nil {
		b.Fatal(err)
	}
	s := New(Config{Keys: keys, ExternalURL: "http://127.0.0.1:8080"})
	admin, err := s.CallerByUserName("admin")
	if err != nil {
		b.Fatal(err)
	}
	return s, admin
}

type benchTokenStore struct {
	s         *Store
	tokens    []string
	heapBytes uint64 // heap in use after building, for B/token
}

var (
	benchTokenStoresMu sync.Mutex
	benchTokenStores   = map[int]*benchTokenStore{}
)

// benchStoreWithTokens builds (once per size) a store holding n service
// accounts, each with one token that has been used once.
func benchStoreWithTokens(b *testing.B, n int) *benchTokenStore {
	b.Helper()
	benchTokenStoresMu.Lock()
	defer benchTokenStoresMu.Unlock()
	if ts := benchTokenStores[n]; ts != nil {
		return ts
	}
	start := time.Now()
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, admin := benchNewStore(b)
	ts := &benchTokenStore{s: s, tokens: make([]string, n)}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, runtime.GOMAXPROCS(0))
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				name := fmt.Sprintf("bench-%d", i)
				sa, err := s.CreateServiceAccount(admin, name, name+"@example.com")
				if err != nil {
					errs <- err
					return
				}
				tok, err := s.CreateToken(admin, sa.IdpID, "t")
				if err != nil {
					errs <- err
					return
				}
				if c, err := s.AuthenticateBearer(tok.Token); err != nil || c.IdpID != sa.IdpID {
					errs <- fmt.Errorf("token %d: %v authenticates as %q", i, err, c.IdpID)
					return
				}
				ts.tokens[i] = tok.Token
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc {
		ts.heapBytes = after.HeapAlloc - before.HeapAlloc
	}
	b.Logf("built a store with %d tokens in %s (heap +%d MB)", n, time.Since(start).Round(time.Millisecond), ts.heapBytes>>20)
	benchTokenStores[n] = ts
	return ts
}

// BenchmarkAuthenticateBearer authenticates among n live tokens: "same" uses
// one token throughout, "any" a random one of the n each time (so big maps
// also pay their cache misses).
func BenchmarkAuthenticateBearer(b *testing.B) {
	for _, n := range []int{1, 1_000, 100_000} {
		for _, which := range []string{"same", "any"} {
			b.Run(fmt.Sprintf("tokens=%d/%s", n, which), func(b *testing.B) {
				if n > 10_000 && testing.Short() {
					b.Skip("-short: the 100,000-token store takes minutes of RSA signing to build")
				}
				ts := benchStoreWithTokens(b, n)
				same := ts.tokens[n/2]
				var bad atomic.Int64
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					r := rand.New(rand.NewPCG(rand.Uint64(), 1))
					for pb.Next() {
						tok := same
						if which == "any" {
							tok = ts.tokens[r.IntN(n)]
						}
						if _, err := ts.s.AuthenticateBearer(tok); err != nil {
							bad.Add(1)
						}
					}
				})
				b.StopTimer()
				if c := bad.Load(); c > 0 {
					b.Fatalf("%d of %d authentications failed", c, b.N)
				}
				if n >= 1_000 {
					b.ReportMetric(float64(ts.heapBytes)/float64(n), "heap-B/token")
				}
			})
		}
	}
}

// BenchmarkVerifyRS256 is what AuthenticateBearer saves by comparing the
// presented string with the issued one: one full RS256 verification of a
// mock token, as a JWT library does it.
func BenchmarkVerifyRS256(b *testing.B) {
	s, admin := benchNewStore(b)
	sa, err := s.CreateServiceAccount(admin, "bench", "bench@example.com")
	if err != nil {
		b.Fatal(err)
	}
	tok, err := s.CreateToken(admin, sa.IdpID, "t")
	if err != nil {
		b.Fatal(err)
	}
	pem, _ := benchKeyPEM()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		k, err := signing.ParsePEM(pem, "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := k.Verify(tok.Token); err != nil {
			b.Fatal(err)
		}
	}
}

var (
	benchAccountStoresMu sync.Mutex
	benchAccountStores   = map[int]*Store{}
)

// BenchmarkServiceAccounts lists every service account as an admin.
func BenchmarkServiceAccounts(b *testing.B) {
	for _, n := range []int{10, 100_000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			benchAccountStoresMu.Lock()
			s := benchAccountStores[n]
			admin := Caller{}
			if s == nil {
				s, admin = benchNewStore(b)
				for i := range n {
					name := fmt.Sprintf("bench-%d", i)
					if _, err := s.CreateServiceAccount(admin, name, name+"@example.com"); err != nil {
						b.Fatal(err)
					}
				}
				benchAccountStores[n] = s
			}
			benchAccountStoresMu.Unlock()
			admin, err := s.CallerByUserName("admin")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				list, err := s.ServiceAccounts(admin, false)
				if err != nil {
					b.Fatal(err)
				}
				if len(list) != n {
					b.Fatalf("listed %d service accounts, want %d", len(list), n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/account")
		})
	}
}
