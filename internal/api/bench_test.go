package api

// In-process benchmarks of the request path (mux → wrap → authenticate →
// handler → writeBody), each beside a bare net/http handler that writes the
// very same response bytes; "%bare" is mockdomino's requests/s as a
// percentage of the bare handler's, measured in the same run:
//
//	go test -run '^$' -bench . -benchmem ./internal/api/
//
// With no socket, parsing or syscalls in the way, the bare handler does
// almost nothing, so these ratios show the cost of mockdomino's own code
// and are far below the over-the-socket ratios that the targets
// are about. Those, with start-up, memory, the conformance suite and the
// peers, come from `go run ./cmd/mockbench`. Benchmarks measure; nothing
// here asserts a time.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/signing"
	"github.com/mockdomino/mockdomino/internal/store"
)

const benchProjectID = "64b7f0a1c2d3e4f5a6b7c901" // the fixtures' project, owned by admin

// benchSigningKeys is generated once per test binary: RSA generation is slow.
var benchSigningKeys = sync.OnceValues(signing.Generate)

// benchEnv is one mock as server.Start builds it (shared journal of the
// default size, fault set with no rules), holding ten service accounts; the
// first has a token and is a Contributor on the fixtures' project.
type benchEnv struct {
	h       http.Handler
	saToken string
	saIdpID string
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	keys, err := benchSigningKeys()
	if err != nil {
		b.Fatal(err)
	}
	// Each env gets its own verification cache, as each server has.
	priv := keys.PEM()
	k, err := signing.ParsePEM(priv, "bench")
	if err != nil {
		b.Fatal(err)
	}
	st := store.New(store.Config{Keys: k, ExternalURL: "http://127.0.0.1:8080"})
	admin, err := st.CallerByUserName("admin")
	if err != nil {
		b.Fatal(err)
	}
	env := &benchEnv{}
	for i := range 10 {
		name := fmt.Sprintf("bench-sa-%d", i)
		sa, err := st.CreateServiceAccount(admin, name, name+"@example.com")
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			tok, err := st.CreateToken(admin, sa.IdpID, "bench")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := st.AddCollaborator(admin, benchProjectID, sa.ID, "Contributor"); err != nil {
				b.Fatal(err)
			}
			env.saToken, env.saIdpID = tok.Token, sa.IdpID
		}
	}
	o := Options{Store: st, Journal: NewJournal(DefaultJournalSize), Faults: NewFaults(1)}
	env.h = New(o, APIHost)
	return env
}

// benchRoute is one request to load.
type benchRoute struct {
	name, method, path string
	header             http.Header
	tmpl               *http.Request // parsed once; request() copies it
}

func (e *benchEnv) routes() []benchRoute {
	bearer := http.Header{"Authorization": {"Bearer " + e.saToken}}
	apiKey := http.Header{"X-Domino-Api-Key": {fixtures.DefaultAdminAPIKey}}
	return []benchRoute{
		{name: "self-bearer", method: "GET", path: "/v4/users/self", header: bearer},
		{name: "project-bearer", method: "GET", path: "/v4/projects/" + benchProjectID, header: bearer},
		{name: "serviceAccounts-apikey", method: "GET", path: "/v4/serviceAccounts", header: apiKey},
		{name: "self-apikey", method: "GET", path: "/v4/users/self", header: apiKey},
	}
}

func (rt benchRoute) withRequest() benchRoute {
	rt.tmpl = httptest.NewRequest(rt.method, rt.path, nil)
	for k, v := range rt.header {
		rt.tmpl.Header[k] = v
	}
	return rt
}

// request is a fresh copy of the parsed request (so that parsing, which
// is the same for both handlers, does not dominate the benchmark); the
// handlers only read the shared URL and headers.
func (rt benchRoute) request() *http.Request {
	r := new(http.Request)
	*r = *rt.tmpl
	r.Body = http.NoBody
	return r
}

// bareHandler is the baseline: net/http writing the same bytes, nothing else.
func bareHandler(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
}

// serveParallel runs the request through h from GOMAXPROCS goroutines and
// reports requests/s; any status but want fails the benchmark.
func serveParallel(b *testing.B, h http.Handler, rt benchRoute, want int) {
	b.Helper()
	var bad atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, rt.request())
			if w.Code != want {
				bad.Add(1)
			}
		}
	})
	b.StopTimer()
	if n := bad.Load(); n > 0 {
		b.Fatalf("%d of %d requests did not answer %d", n, b.N, want)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// timeParallel is serveParallel without the testing package (which cannot
// run a benchmark inside another): ns per request over n requests.
func timeParallel(h http.Handler, rt benchRoute, n int) float64 {
	procs := runtime.GOMAXPROCS(0)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				h.ServeHTTP(httptest.NewRecorder(), rt.request())
			}
		}()
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}

func nsPerOp(b *testing.B) float64 { return float64(b.Elapsed().Nanoseconds()) / float64(b.N) }

// BenchmarkRoutes loads each route on mockdomino and on a bare handler
// serving the same response body, and reports mockdomino as %bare.
func BenchmarkRoutes(b *testing.B) {
	env := newBenchEnv(b)
	for _, rt := range env.routes() {
		rt = rt.withRequest()
		w := httptest.NewRecorder()
		env.h.ServeHTTP(w, rt.request())
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", rt.name, w.Code, w.Body)
		}
		body := bytes.Clone(w.Body.Bytes())
		bare := bareHandler(body)
		b.Run(rt.name, func(b *testing.B) {
			var bareNs float64
			b.Run("bare", func(b *testing.B) {
				serveParallel(b, bare, rt, http.StatusOK)
				bareNs = nsPerOp(b)
			})
			b.Run("mockdomino", func(b *testing.B) {
				serveParallel(b, env.h, rt, http.StatusOK)
				ref := bareNs
				if ref == 0 { // the bare sub-benchmark was filtered out
					ref = timeParallel(bare, rt, b.N)
				}
				b.ReportMetric(100*ref/nsPerOp(b), "%bare")
			})
		})
	}
}

// BenchmarkCreateToken is POST /v4/serviceAccounts/{idpId}/tokens with the
// admin's API key and a new name each time: one RS256 signature per request.
func BenchmarkCreateToken(b *testing.B) {
	env := newBenchEnv(b)
	path := "/v4/serviceAccounts/" + env.saIdpID + "/tokens"
	var n atomic.Int64
	var bad atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := fmt.Sprintf(`{"name":"bench-%d"}`, n.Add(1))
			r := httptest.NewRequest("POST", path, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Domino-Api-Key", fixtures.DefaultAdminAPIKey)
			w := httptest.NewRecorder()
			env.h.ServeHTTP(w, r)
			if w.Code != http.StatusCreated {
				bad.Add(1)
			}
		}
	})
	b.StopTimer()
	if c := bad.Load(); c > 0 {
		b.Fatalf("%d of %d token creations did not answer 201", c, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkPublicPage is the public API's first page of 50 service accounts
// out of 10,000, with the admin's API key, beside a bare handler writing
// the same bytes: a page must cost what it holds, not the whole list.
func BenchmarkPublicPage(b *testing.B) {
	keys, err := benchSigningKeys()
	if err != nil {
		b.Fatal(err)
	}
	st := store.New(store.Config{Keys: keys, ExternalURL: "http://127.0.0.1:8080"})
	admin, err := st.CallerByUserName("admin")
	if err != nil {
		b.Fatal(err)
	}
	for i := range 10000 {
		name := fmt.Sprintf("page-sa-%05d", i)
		if _, err := st.CreateServiceAccount(admin, name, name+"@example.com"); err != nil {
			b.Fatal(err)
		}
	}
	h := New(Options{Store: st, Journal: NewJournal(DefaultJournalSize), Faults: NewFaults(1)}, APIHost)
	rt := benchRoute{name: "public-page", method: "GET", path: "/api/serviceAccounts/v1/serviceAccounts",
		header: http.Header{"X-Domino-Api-Key": {fixtures.DefaultAdminAPIKey}}}.withRequest()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, rt.request())
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"totalCount":10000`) {
		b.Fatalf("%d %.300s", w.Code, w.Body)
	}
	bare := bareHandler(bytes.Clone(w.Body.Bytes()))
	var bareNs float64
	b.Run("bare", func(b *testing.B) {
		serveParallel(b, bare, rt, http.StatusOK)
		bareNs = nsPerOp(b)
	})
	b.Run("mockdomino", func(b *testing.B) {
		serveParallel(b, h, rt, http.StatusOK)
		if bareNs == 0 {
			bareNs = timeParallel(bare, rt, b.N)
		}
		b.ReportMetric(100*bareNs/nsPerOp(b), "%bare")
	})
}

// benchProjects is how many projects the mock holds while GET /v4/projects
// filtered by name is loaded.
const benchProjects = 10000

// BenchmarkProjectList is GET /v4/projects?name= (one project out of
// 10,000), with the admin's API key, beside a bare handler writing the same
// bytes: the name is looked up in an index, never by a scan.
func BenchmarkProjectList(b *testing.B) {
	keys, err := benchSigningKeys()
	if err != nil {
		b.Fatal(err)
	}
	st := store.New(store.Config{Keys: keys, ExternalURL: "http://127.0.0.1:8080"})
	admin, err := st.CallerByUserName("admin")
	if err != nil {
		b.Fatal(err)
	}
	for i := range benchProjects {
		if _, err := st.CreateProject(admin, store.ProjectInput{Name: fmt.Sprintf("bench-project-%05d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	h := New(Options{Store: st, Journal: NewJournal(DefaultJournalSize), Faults: NewFaults(1)}, APIHost)
	rt := benchRoute{name: "project-list", method: "GET", path: "/v4/projects?name=bench-project-05000",
		header: http.Header{"X-Domino-Api-Key": {fixtures.DefaultAdminAPIKey}}}.withRequest()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, rt.request())
	if w.Code != http.StatusOK || strings.Count(w.Body.String(), `"name":"bench-project-05000"`) != 1 {
		b.Fatalf("%d %.300s", w.Code, w.Body)
	}
	bare := bareHandler(bytes.Clone(w.Body.Bytes()))
	var bareNs float64
	b.Run("bare", func(b *testing.B) {
		serveParallel(b, bare, rt, http.StatusOK)
		bareNs = nsPerOp(b)
	})
	b.Run("mockdomino", func(b *testing.B) {
		serveParallel(b, h, rt, http.StatusOK)
		if bareNs == 0 {
			bareNs = timeParallel(bare, rt, b.N)
		}
		b.ReportMetric(100*bareNs/nsPerOp(b), "%bare")
	})
}
