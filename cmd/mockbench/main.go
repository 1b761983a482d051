// Command mockbench measures mockdomino over real sockets, in one run, as
// ratios against a bare net/http server serving the same bytes on the same
// machine: requests/s of the authenticated routes, token creations/s,
// start-up time, resident memory idle and with 100,000 service accounts
// each holding a token, and the conformance suite's time. With --wiremock
// and --prism it installs those peers from npm into a temporary directory
// and loads a static stub of GET /v4/users/self on each the same way.
//
//	go run ./cmd/mockbench                 # everything but the peers
//	go run ./cmd/mockbench --accounts 0    # skip the 100,000-account phase
//	go run ./cmd/mockbench --wiremock --prism
//	go run ./cmd/mockbench --cpuprofile self.prof --profile-route self-bearer
//
// It uses wrk (Debian package wrk) when it is on PATH, otherwise a built-in
// Go load generator, and says which. Every process it starts listens on
// 127.0.0.1 only, and every load stops by itself after --duration. It prints
// a Markdown report on stdout and its progress on stderr.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mockdomino/mockdomino/cmd/mockbench/internal/bare"
)

// The default fixtures' values mockbench relies on.
const (
	adminAPIKey = "mockdomino-admin-key-7c3f0e9a2b5d4c18"
	projectID   = "64b7f0a1c2d3e4f5a6b7c901" // admin/quick-start, owned by admin
)

type config struct {
	duration, warmup   time.Duration
	peerWarmup         time.Duration
	threads, conns     int
	rounds             int
	starts             int
	accounts, workers  int
	loader             string
	suite              bool
	fileMiB            int    // the file the files phase moves, in MiB; 0 skips it
	only               string // "files" or "datasets": only that phase
	datasetFiles       int    // the files of the dataset upload phase (--file-mib in all); 0 skips it
	wiremock, prism    bool
	mockBin, keepPeers string
	args               []string
}

func main() {
	fs := flag.NewFlagSet("mockbench", flag.ContinueOnError)
	var cfg config
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "how long each load runs")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "load each target this long, unmeasured, before measuring it")
	fs.DurationVar(&cfg.peerWarmup, "peer-warmup", 15*time.Second, "unmeasured warm-up of each peer (the JVM's JIT needs seconds of load to reach its steady state)")
	fs.IntVar(&cfg.rounds, "rounds", 3, "alternate bare and mockdomino loads of each route this many times; the ratio is the median of the rounds' ratios")
	fs.IntVar(&cfg.threads, "threads", 2, "wrk threads (-t)")
	fs.IntVar(&cfg.conns, "connections", 32, "concurrent keep-alive connections (wrk -c)")
	fs.IntVar(&cfg.starts, "starts", 20, "start-ups of each server to take the median of")
	fs.IntVar(&cfg.accounts, "accounts", 100_000, "service accounts (each with a token) for the memory and scale phase; 0 skips it")
	fs.IntVar(&cfg.workers, "workers", 16, "parallel HTTP clients that create the accounts and tokens")
	fs.StringVar(&cfg.loader, "loader", "auto", "auto (wrk if on PATH, else go), wrk, or go")
	fs.BoolVar(&cfg.suite, "suite", true, "time the conformance suite (cmd/conformance --mock)")
	fs.IntVar(&cfg.fileMiB, "file-mib", 256, "size in MiB of the file uploaded and downloaded, with --state and in memory; 0 skips it")
	fs.StringVar(&cfg.only, "only", "", `"files", "datasets", "proxy" or "replay": build, then only the file upload and download phase, the dataset upload phase, the recording proxy's added latency (proxy.go), or the replay of a 10,000-exchange transcript (replay.go)`)
	fs.IntVar(&cfg.datasetFiles, "dataset-files", 1000, "files of the dataset upload (--file-mib in all); 0 skips it")
	fs.BoolVar(&cfg.wiremock, "wiremock", false, "also install WireMock from npm (needs java) into a temporary directory and load it")
	fs.BoolVar(&cfg.prism, "prism", false, "also install Prism (@stoplight/prism-cli) from npm into a temporary directory and load it")
	fs.StringVar(&cfg.mockBin, "mock-bin", "", "a mockdomino binary to measure instead of building ./cmd/mockdomino")
	cpuprofile := fs.String("cpuprofile", "", "instead of the full run: serve the mock in this process, load --profile-route for --duration, and write its CPU profile here")
	profRoute := fs.String("profile-route", "self-bearer", "with --cpuprofile: one of "+strings.Join(profileRoutes, ", "))
	fs.StringVar(&cfg.keepPeers, "peers-dir", "", "install the peers here (and keep them) instead of a temporary directory")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}
	if cfg.only == "replay" {
		if err := replayOnly(context.Background(), os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "mockbench:", err)
			os.Exit(1)
		}
		return
	}
	if cfg.only != "" && cfg.only != "proxy" && (cfg.only != "files" && (cfg.only != "datasets" || cfg.datasetFiles < 1) || cfg.fileMiB < 1) {
		fmt.Fprintln(os.Stderr, `mockbench: --only takes "proxy", "replay", or "files" or "datasets" (with a --dataset-files of at least 1) with a --file-mib of at least 1`)
		os.Exit(2)
	}
	if cfg.rounds < 1 || cfg.starts < 1 || cfg.conns < 1 || cfg.threads < 1 || cfg.workers < 1 || cfg.duration < time.Second {
		fmt.Fprintln(os.Stderr, "mockbench: --rounds, --starts, --connections, --threads and --workers must be at least 1, --duration at least 1s")
		os.Exit(2)
	}
	cfg.args = os.Args[1:]
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *cpuprofile != "" {
		if err := cpuProfile(ctx, cfg, *cpuprofile, *profRoute); err != nil {
			fmt.Fprintln(os.Stderr, "mockbench:", err)
			stop()
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mockbench:", err)
		stop()
		os.Exit(1)
	}
}

// bench is one run.
type bench struct {
	cfg     config
	log     io.Writer
	tmp     string
	root    string // module root
	mock    string // mockdomino binary
	bareBin string // the baseline, ./cmd/mockbench/bareserver
	ld      *loader
	client  *http.Client

	bodiesFile string // the bare server's bodies
	bare       *child // the bare server loaded beside the mock (and the peers)

	mu       sync.Mutex
	children []*child
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "mockbench: "+format+"\n", args...)
}

func (b *bench) start(name string, wantProxy bool, bin string, args ...string) (*child, error) {
	c, err := startAnnounced(name, wantProxy, bin, args...)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.children = append(b.children, c)
	b.mu.Unlock()
	return c, nil
}

func (b *bench) stopAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.children {
		c.stop()
	}
	b.children = nil
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	b := &bench{cfg: cfg, log: stderr, client: &http.Client{Timeout: 60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	var err error
	if b.tmp, err = os.MkdirTemp("", "mockbench-"); err != nil {
		return err
	}
	defer os.RemoveAll(b.tmp)
	defer b.stopAll()
	rep := &report{cfg: cfg, machine: machine()}
	b.logf("machine: %s", rep.machine)
	if err := b.setupLoader(); err != nil {
		return err
	}
	rep.loader = b.ld.name()
	if err := b.build(rep); err != nil {
		return err
	}
	if cfg.only == "proxy" {
		return b.proxyLatency(ctx, rep, stdout)
	}
	if cfg.only == "files" || cfg.only == "datasets" {
		if cfg.only == "files" {
			b.files(ctx, rep)
		} else {
			b.datasets(ctx, rep)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rep.write(stdout)
		return nil
	}

	if err := b.loadRoutes(ctx, rep); err != nil {
		return err
	}
	if err := b.loadPublicPage(ctx, rep); err != nil {
		return err
	}
	if err := b.loadProjectList(ctx, rep); err != nil {
		return err
	}
	if err := b.startup(ctx, rep); err != nil {
		return err
	}
	if err := b.idleMemory(ctx, rep); err != nil {
		return err
	}
	if cfg.accounts > 0 {
		if err := b.scale(ctx, rep); err != nil {
			rep.notes = append(rep.notes, "scale phase failed: "+err.Error())
			b.logf("scale phase failed: %v", err)
		}
	}
	if cfg.suite {
		b.suite(ctx, rep)
	}
	if cfg.fileMiB > 0 {
		b.files(ctx, rep)
		if cfg.datasetFiles > 0 {
			b.datasets(ctx, rep)
		}
	}
	if cfg.wiremock || cfg.prism {
		b.peers(ctx, rep)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	rep.write(stdout)
	return nil
}

func (b *bench) setupLoader() error {
	b.ld = &loader{threads: b.cfg.threads, conns: b.cfg.conns, duration: b.cfg.duration, tmp: b.tmp}
	switch b.cfg.loader {
	case "auto", "wrk":
		if p, err := exec.LookPath("wrk"); err == nil {
			b.ld.wrk = p
		} else if b.cfg.loader == "wrk" {
			return errors.New("--loader wrk: wrk is not on PATH (apt-get install wrk)")
		}
	case "go":
	default:
		return fmt.Errorf("--loader %q: want auto, wrk or go", b.cfg.loader)
	}
	b.logf("load: %s", b.ld.name())
	return nil
}

// build compiles mockdomino (unless --mock-bin) and the bare server, the
// way a user would (go build, default flags).
func (b *bench) build(rep *report) error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" || strings.TrimSpace(string(out)) == os.DevNull {
		return errors.New("run mockbench inside the mockdomino module (go run ./cmd/mockbench)")
	}
	b.root = filepath.Dir(strings.TrimSpace(string(out)))
	b.mock = filepath.Join(b.tmp, "mockdomino")
	b.bareBin = filepath.Join(b.tmp, "bareserver")
	builds := [][2]string{{b.bareBin, "./cmd/mockbench/bareserver"}}
	if b.cfg.mockBin != "" {
		b.mock = b.cfg.mockBin
	} else {
		builds = append(builds, [2]string{b.mock, "./cmd/mockdomino"})
	}
	for _, bu := range builds {
		start := time.Now()
		cmd := exec.Command("go", "build", "-o", bu[0], bu[1])
		cmd.Dir = b.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", bu[1], err, out)
		}
		b.logf("built %s in %s", bu[1], time.Since(start).Round(time.Millisecond))
	}
	for _, bin := range []string{b.mock, b.bareBin} {
		if fi, err := os.Stat(bin); err == nil {
			rep.binSizes = append(rep.binSizes, fi.Size())
		}
	}
	return nil
}

// call does one request and returns the status and body.
func (b *bench) call(ctx context.Context, method, url string, header http.Header, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// must does one request that must answer want, decoding the body into out.
func (b *bench) must(ctx context.Context, want int, method, url string, header http.Header, body, out any) ([]byte, error) {
	code, data, err := b.call(ctx, method, url, header, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	if code != want {
		return nil, fmt.Errorf("%s %s: %d %s (want %d)", method, url, code, clip(data), want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, url, err)
		}
	}
	return data, nil
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

type serviceAccount struct {
	ID       string `json:"id"`
	IdpID    string `json:"idpId"`
	Username string `json:"username"`
	token    string
}

// createAccount makes a service account through the proxy, with a token
// when tokenName is not empty.
func (b *bench) createAccount(ctx context.Context, proxy, name, tokenName string) (serviceAccount, error) {
	var sa serviceAccount
	if _, err := b.must(ctx, http.StatusCreated, "POST", proxy+"/v4/serviceAccounts", nil,
		map[string]string{"username": name, "email": name + "@example.com"}, &sa); err != nil {
		return sa, err
	}
	if tokenName != "" {
		var tok struct {
			Token string `json:"token"`
		}
		if _, err := b.must(ctx, http.StatusCreated, "POST", proxy+"/v4/serviceAccounts/"+sa.IdpID+"/tokens", nil,
			map[string]string{"name": tokenName}, &tok); err != nil {
			return sa, err
		}
		sa.token = tok.Token
	}
	return sa, nil
}

func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

func apiKey() http.Header { return http.Header{"X-Domino-Api-Key": {adminAPIKey}} }

// routeSpec is one route loaded on mockdomino and on the bare server.
type routeSpec struct {
	label, method, path string
	header              http.Header
	target              float64 // minimum ratio; 0 = reported only
	body                []byte
}

// loadRoutes loads each route on a mock holding ten service accounts (the
// first a Contributor on the project, with a token) and on the bare server
// answering the same bytes, then token creation.
func (b *bench) loadRoutes(ctx context.Context, rep *report) error {
	m, err := b.start("mockdomino", true, b.mock, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer m.stop()
	var sas []serviceAccount
	for i := range 10 {
		tokenName := ""
		if i == 0 {
			tokenName = "bench"
		}
		sa, err := b.createAccount(ctx, m.proxyURL, fmt.Sprintf("bench-sa-%d", i), tokenName)
		if err != nil {
			return err
		}
		sas = append(sas, sa)
	}
	if _, err := b.must(ctx, http.StatusOK, "POST", m.proxyURL+"/v4/projects/"+projectID+"/collaborators", nil,
		map[string]string{"collaboratorId": sas[0].ID, "projectRole": "Contributor"}, nil); err != nil {
		return err
	}
	routes := []routeSpec{
		{label: "`GET /v4/users/self`, service-account Bearer token", method: "GET", path: "/v4/users/self", header: bearer(sas[0].token), target: 0.6},
		{label: "`GET /v4/projects/{id}`, Contributor service account, Bearer", method: "GET", path: "/v4/projects/" + projectID, header: bearer(sas[0].token), target: 0.6},
		{label: "`GET /v4/serviceAccounts` (10 accounts), admin API key", method: "GET", path: "/v4/serviceAccounts", header: apiKey(), target: 0.6},
		{label: "`GET /v4/users/self`, admin API key", method: "GET", path: "/v4/users/self", header: apiKey()},
	}
	bodies := bare.Bodies{}
	for i, rt := range routes {
		data, err := b.must(ctx, http.StatusOK, rt.method, m.url+rt.path, rt.header, nil, nil)
		if err != nil {
			return err
		}
		routes[i].body = data
		bodies[bare.Key(rt.method, rt.path, rt.header)] = data
	}
	health, err := b.must(ctx, http.StatusOK, "GET", m.url+"/__mock/health", nil, nil, nil)
	if err != nil {
		return err
	}
	bodies[bare.HealthKey] = health
	rep.selfBody = routes[0].body
	rep.selfHeader = routes[0].header
	data, _ := json.Marshal(bodies)
	b.bodiesFile = filepath.Join(b.tmp, "bodies.json")
	if err := os.WriteFile(b.bodiesFile, data, 0o600); err != nil {
		return err
	}
	bs, err := b.start("bare", false, b.bareBin, "--listen", "127.0.0.1:0", "--bodies", b.bodiesFile)
	if err != nil {
		return err
	}
	b.bare = bs
	for _, rt := range routes {
		got, err := b.must(ctx, http.StatusOK, rt.method, bs.url+rt.path, rt.header, nil, nil)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, rt.body) {
			return fmt.Errorf("the bare server answers %s with other bytes", rt.path)
		}
	}

	for _, rt := range routes {
		row := routeRow{label: rt.label, target: rt.target}
		b.logf("load %s %s (%s), %d rounds", rt.method, rt.path, authName(rt.header), b.cfg.rounds)
		for round := range b.cfg.rounds {
			warmup := b.cfg.warmup
			if round > 0 {
				warmup = 0
			}
			r, err := b.measureWarm(ctx, "bare", loadSpec{method: rt.method, url: bs.url + rt.path, header: rt.header}, warmup)
			if err != nil {
				return err
			}
			row.bare = append(row.bare, r)
			if r, err = b.measureWarm(ctx, "mockdomino", loadSpec{method: rt.method, url: m.url + rt.path, header: rt.header}, warmup); err != nil {
				return err
			}
			row.mock = append(row.mock, r)
		}
		rep.routes = append(rep.routes, row)
	}

	b.logf("load POST /v4/serviceAccounts/{idpId}/tokens (admin API key)")
	tokens := loadSpec{method: "POST", url: m.url + "/v4/serviceAccounts/" + sas[1].IdpID + "/tokens",
		header:  http.Header{"X-Domino-Api-Key": {adminAPIKey}, "Content-Type": {"application/json"}},
		bodyFmt: `{"name":"load-%s"}`}
	if rep.tokens, err = b.ld.run(ctx, tokens); err != nil {
		return err
	}
	b.logf("  mockdomino: %s", rep.tokens)
	var list []json.RawMessage
	if _, err := b.must(ctx, http.StatusOK, "GET", m.proxyURL+"/v4/serviceAccounts/"+sas[1].IdpID+"/tokens", nil, nil, &list); err != nil {
		return err
	}
	rep.tokensListed = len(list)
	if rep.rssAfterLoad, rep.peakAfterLoad, err = rssOf(m.pid()); err != nil {
		rep.notes = append(rep.notes, "memory: "+err.Error())
	}
	return nil
}

// publicPageAccounts is how many service accounts the mock holds while the
// public API's first page of them is loaded.
const publicPageAccounts = 10000

// loadPublicPage loads the public API's service-account list, its first page
// of 50 out of 10,000 accounts, on a mock of its own and on a bare server
// answering the same bytes: a page must cost what it holds, not the whole list.
func (b *bench) loadPublicPage(ctx context.Context, rep *report) error {
	m, err := b.start("mockdomino", true, b.mock, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer m.stop()
	b.logf("creating %d service accounts", publicPageAccounts)
	names := make(chan int)
	errc := make(chan error, 16)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range names {
				if _, err := b.createAccount(ctx, m.proxyURL, fmt.Sprintf("page-sa-%05d", i), ""); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	for i := range publicPageAccounts {
		select {
		case names <- i:
		case err := <-errc:
			close(names)
			wg.Wait()
			return err
		}
	}
	close(names)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	rt := routeSpec{label: fmt.Sprintf("`GET /api/serviceAccounts/v1/serviceAccounts` (first page of 50 of %d accounts), admin API key", publicPageAccounts),
		method: "GET", path: "/api/serviceAccounts/v1/serviceAccounts", header: apiKey(), target: 0.6}
	var page struct {
		ServiceAccounts []json.RawMessage
		Metadata        struct{ TotalCount int }
	}
	data, err := b.must(ctx, http.StatusOK, rt.method, m.url+rt.path, rt.header, nil, &page)
	if err != nil {
		return err
	}
	if len(page.ServiceAccounts) != 50 || page.Metadata.TotalCount != publicPageAccounts {
		return fmt.Errorf("the first page holds %d of %d accounts, want 50 of %d", len(page.ServiceAccounts), page.Metadata.TotalCount, publicPageAccounts)
	}
	return b.loadBeside(ctx, rep, m, rt, data, "public-page.json")
}

// loadBeside loads one route of the mock m, which answered it data, and a
// bare server answering the same bytes, alternating for the rounds, and
// adds the row to the report.
func (b *bench) loadBeside(ctx context.Context, rep *report, m *child, rt routeSpec, data []byte, bodiesName string) error {
	file := filepath.Join(b.tmp, bodiesName)
	path, _, _ := strings.Cut(rt.path, "?") // the bare server answers by path alone
	bodies, _ := json.Marshal(bare.Bodies{bare.Key(rt.method, path, rt.header): data, bare.HealthKey: []byte(`{"status":"ok"}`)})
	if err := os.WriteFile(file, bodies, 0o600); err != nil {
		return err
	}
	bs, err := b.start("bare", false, b.bareBin, "--listen", "127.0.0.1:0", "--bodies", file)
	if err != nil {
		return err
	}
	defer bs.stop()
	row := routeRow{label: rt.label, target: rt.target}
	b.logf("load %s %s (%s), %d rounds", rt.method, rt.path, authName(rt.header), b.cfg.rounds)
	for round := range b.cfg.rounds {
		warmup := b.cfg.warmup
		if round > 0 {
			warmup = 0
		}
		r, err := b.measureWarm(ctx, "bare", loadSpec{method: rt.method, url: bs.url + rt.path, header: rt.header}, warmup)
		if err != nil {
			return err
		}
		row.bare = append(row.bare, r)
		if r, err = b.measureWarm(ctx, "mockdomino", loadSpec{method: rt.method, url: m.url + rt.path, header: rt.header}, warmup); err != nil {
			return err
		}
		row.mock = append(row.mock, r)
	}
	rep.routes = append(rep.routes, row)
	return nil
}

// measure warms a target up, unmeasured, then loads it.
func (b *bench) measure(ctx context.Context, who string, spec loadSpec) (loadResult, error) {
	return b.measureWarm(ctx, who, spec, b.cfg.warmup)
}

func (b *bench) measureWarm(ctx context.Context, who string, spec loadSpec, warmup time.Duration) (loadResult, error) {
	if warmup > 0 {
		if _, err := b.ld.runFor(ctx, spec, warmup); err != nil {
			return loadResult{}, fmt.Errorf("%s: %w", who, err)
		}
	}
	r, err := b.ld.run(ctx, spec)
	if err != nil {
		return r, fmt.Errorf("%s: %w", who, err)
	}
	b.logf("  %-10s %s", who+":", r)
	return r, nil
}

func authName(h http.Header) string {
	switch {
	case h.Get("Authorization") != "":
		return "Bearer"
	case h.Get("X-Domino-Api-Key") != "":
		return "API key"
	}
	return "no credentials"
}

// startup times process start to the first 200 from /__mock/health,
// alternating bare and mock so that both see the same noise.
func (b *bench) startup(ctx context.Context, rep *report) error {
	b.logf("start-up: %d starts of each", b.cfg.starts)
	for i := 0; i < b.cfg.starts; i++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		url := fmt.Sprintf("http://127.0.0.1:%d/__mock/health", port)
		d, err := timeToFirst200(ctx, "bare", b.bareBin, []string{"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--bodies", b.bodiesFile}, url, 10*time.Second)
		if err != nil {
			return err
		}
		rep.startBare = append(rep.startBare, d)
		if port, err = freePort(); err != nil {
			return err
		}
		url = fmt.Sprintf("http://127.0.0.1:%d/__mock/health", port)
		d, err = timeToFirst200(ctx, "mockdomino", b.mock, []string{"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--proxy-listen", "127.0.0.1:0"}, url, 10*time.Second)
		if err != nil {
			return err
		}
		rep.startMock = append(rep.startMock, d)
	}
	b.logf("  median: mockdomino %s, bare %s", median(rep.startMock), median(rep.startBare))
	return nil
}

// idleMemory is the resident memory of a freshly started mock (after its
// signing key exists) and of the bare server, both idle.
func (b *bench) idleMemory(ctx context.Context, rep *report) error {
	m, err := b.start("mockdomino", true, b.mock, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer m.stop()
	bs, err := b.start("bare", false, b.bareBin, "--listen", "127.0.0.1:0", "--bodies", b.bodiesFile)
	if err != nil {
		return err
	}
	defer bs.stop()
	// The JWKS waits for the signing key, so after it the mock is fully up.
	if _, err := b.must(ctx, http.StatusOK, "GET", m.url+"/auth/realms/DominoRealm/protocol/openid-connect/certs", nil, nil, nil); err != nil {
		return err
	}
	if _, err := b.must(ctx, http.StatusOK, "GET", bs.url+"/__mock/health", nil, nil, nil); err != nil {
		return err
	}
	time.Sleep(time.Second)
	if rep.rssIdleMock, _, err = rssOf(m.pid()); err != nil {
		return err
	}
	if rep.rssIdleBare, _, err = rssOf(bs.pid()); err != nil {
		return err
	}
	b.logf("idle memory: mockdomino %s, bare %s", mb(rep.rssIdleMock), mb(rep.rssIdleBare))
	return nil
}

// latency does n sequential requests on one keep-alive connection and
// returns the median and 99th percentile.
func (b *bench) latency(ctx context.Context, n int, url string, headers func(i int) http.Header) (med, p99 time.Duration, err error) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ds := make([]time.Duration, 0, n)
	for i := range n {
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			return 0, 0, err
		}
		req.Header = headers(i)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ds = append(ds, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("GET %s: %d", url, resp.StatusCode)
		}
	}
	slices.Sort(ds)
	return ds[len(ds)/2], ds[len(ds)*99/100], nil
}

// scale fills a fresh mock with cfg.accounts service accounts each holding
// a token, over HTTP, and measures memory, listing, and whether bearer
// authentication costs the same among them as among one.
func (b *bench) scale(ctx context.Context, rep *report) error {
	n := b.cfg.accounts
	s := &scaleResult{accounts: n, workers: b.cfg.workers}
	rep.scale = s
	m, err := b.start("mockdomino", true, b.mock, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer m.stop()
	accounts := make([]serviceAccount, n)
	if accounts[0], err = b.createAccount(ctx, m.proxyURL, "scale-0", "t"); err != nil {
		return err
	}
	self := m.url + "/v4/users/self"
	first := bearer(accounts[0].token)
	same := func(int) http.Header { return first }
	const samples = 2000
	if s.lat1, s.p99at1, err = b.latency(ctx, samples, self, same); err != nil {
		return err
	}
	short := min(b.cfg.duration, 3*time.Second)
	if s.rps1, err = b.ld.runFor(ctx, loadSpec{method: "GET", url: self, header: first}, short); err != nil {
		return err
	}
	b.logf("scale: with 1 token: self-bearer median %s, p99 %s, %s", s.lat1, s.p99at1, s.rps1)

	b.logf("scale: creating %d service accounts, each with a token, over HTTP with %d clients", n-1, b.cfg.workers)
	start := time.Now()
	err = parallel(ctx, b.cfg.workers, 1, n, func(i int) error {
		sa, err := b.createAccount(ctx, m.proxyURL, fmt.Sprintf("scale-%d", i), "t")
		accounts[i] = sa
		return err
	}, func(done int) { b.logf("  %d/%d accounts (%s)", done, n, time.Since(start).Round(time.Second)) })
	if err != nil {
		return err
	}
	s.create = time.Since(start)
	if s.rssCreated, _, err = rssOf(m.pid()); err != nil {
		return err
	}
	b.logf("scale: created in %s; RSS %s", s.create.Round(time.Millisecond), mb(s.rssCreated))

	// Every client uses its token once: each is verified (RS256) and must
	// authenticate as its own account.
	start = time.Now()
	var wrong atomic.Int64
	err = parallel(ctx, b.cfg.workers, 0, n, func(i int) error {
		var u struct {
			UserName string `json:"userName"`
		}
		if _, err := b.must(ctx, http.StatusOK, "GET", self, bearer(accounts[i].token), nil, &u); err != nil {
			return err
		}
		if u.UserName != accounts[i].Username {
			wrong.Add(1)
		}
		return nil
	}, func(done int) { b.logf("  %d/%d tokens used", done, n) })
	if err != nil {
		return err
	}
	s.firstUse, s.wrongCaller = time.Since(start), wrong.Load()
	if s.rss, s.peak, err = rssOf(m.pid()); err != nil {
		return err
	}
	b.logf("scale: every token used once in %s; RSS %s (peak %s)", s.firstUse.Round(time.Millisecond), mb(s.rss), mb(s.peak))

	start = time.Now()
	data, err := b.must(ctx, http.StatusOK, "GET", m.proxyURL+"/v4/serviceAccounts", nil, nil, nil)
	if err != nil {
		return err
	}
	s.list, s.listBytes = time.Since(start), len(data)
	var listed []serviceAccount
	if err := json.Unmarshal(data, &listed); err != nil {
		return err
	}
	s.listed = len(listed)
	seen := make(map[string]bool, len(listed))
	for _, sa := range listed {
		seen[sa.IdpID] = true
	}
	s.listCorrect = len(seen) == len(listed)
	for _, sa := range accounts {
		s.listCorrect = s.listCorrect && seen[sa.IdpID]
	}
	b.logf("scale: listed %d accounts (%d bytes) in %s, correct: %v", s.listed, s.listBytes, s.list.Round(time.Millisecond), s.listCorrect)

	if s.latN, s.p99atN, err = b.latency(ctx, samples, self, same); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(1, 2))
	if s.latAny, s.p99Any, err = b.latency(ctx, samples, self, func(int) http.Header { return bearer(accounts[r.IntN(n)].token) }); err != nil {
		return err
	}
	if s.rpsN, err = b.ld.runFor(ctx, loadSpec{method: "GET", url: self, header: first}, short); err != nil {
		return err
	}
	b.logf("scale: with %d tokens: self-bearer median %s (p99 %s), any token %s (p99 %s), %s", n, s.latN, s.p99atN, s.latAny, s.p99Any, s.rpsN)
	if s.rssEnd, s.peakEnd, err = rssOf(m.pid()); err != nil {
		return err
	}
	return nil
}

// parallel calls f(i) for i in [from, to) from workers goroutines, reporting
// progress every 10 seconds; it stops at the first error.
func parallel(ctx context.Context, workers, from, to int, f func(i int) error, progress func(done int)) error {
	var next, done atomic.Int64
	next.Store(int64(from))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				if err := f(i); err != nil {
					cancel(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-finished:
			return context.Cause(ctx)
		case <-tick.C:
			progress(from + int(done.Load()))
		}
	}
}

// suite times the conformance runner against its in-process mock.
func (b *bench) suite(ctx context.Context, rep *report) {
	s := &suiteResult{command: "go run ./cmd/conformance --mock"}
	rep.suite = s
	if _, err := os.Stat(filepath.Join(b.root, "cmd", "conformance")); err != nil {
		s.err = "cmd/conformance is absent"
		return
	}
	bin := filepath.Join(b.tmp, "conformance")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/conformance")
	cmd.Dir = b.root
	if out, err := cmd.CombinedOutput(); err != nil {
		s.err = fmt.Sprintf("go build ./cmd/conformance: %v: %s", err, clip(out))
		return
	}
	b.logf("conformance suite: %s (timed without the build)", s.command)
	cmd = exec.CommandContext(ctx, bin, "--mock")
	cmd.Dir = b.root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, io.Discard
	start := time.Now()
	err := cmd.Run()
	s.took = time.Since(start)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	s.summary = lines[len(lines)-1]
	if err != nil {
		s.err = fmt.Sprintf("exit: %v", err)
	}
	b.logf("  %s in %s", s.summary, s.took.Round(time.Millisecond))
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// machineInfo says where the numbers came from.
type machineInfo struct {
	cpus               int
	model, kernel, go_ string
	memTotal, loadAvg  string
}

func (m machineInfo) String() string {
	return fmt.Sprintf("%d × %s, %s RAM, Linux %s, %s (load average at start: %s)", m.cpus, m.model, m.memTotal, m.kernel, m.go_, m.loadAvg)
}

func machine() machineInfo {
	m := machineInfo{cpus: runtime.NumCPU(), model: "unknown CPU", kernel: "?", go_: runtime.Version(), memTotal: "?", loadAvg: "?"}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.model = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(data))
	}
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.go_ = strings.TrimSpace(string(out))
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(string(data), "MemTotal: %d kB", &kb)
		m.memTotal = fmt.Sprintf("%.0f GB", float64(kb)/(1<<20))
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(data))
		if len(f) >= 3 {
			m.loadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}
