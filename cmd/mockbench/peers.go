package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// peerResult is one peer tool serving a static stub of GET /v4/users/self.
type peerResult struct {
	name, pkg, version string
	how                string // how it was run
	startup            time.Duration
	rssIdle, rssLoad   int64
	load, bare         loadResult // bare: loaded right after the peer
	sameBytes          bool
	err                string
}

// peer describes how to run one tool.
type peer struct {
	name, pkg string
	// prepare writes the stub and returns the command line for a port.
	prepare func(dir string, self []byte) (bin string, args func(port int) []string, how string, err error)
}

var wiremockPeer = peer{name: "WireMock", pkg: "wiremock", prepare: func(dir string, self []byte) (string, func(int) []string, string, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return "", nil, "", fmt.Errorf("java is not on PATH (WireMock runs on the JVM)")
	}
	jars, _ := filepath.Glob(filepath.Join(dir, "node_modules", "wiremock", "build", "*.jar"))
	if len(jars) != 1 {
		return "", nil, "", fmt.Errorf("found %d WireMock jars in the npm package", len(jars))
	}
	root := filepath.Join(dir, "wiremock-root")
	if err := os.MkdirAll(filepath.Join(root, "mappings"), 0o755); err != nil {
		return "", nil, "", err
	}
	stub, _ := json.Marshal(map[string]any{
		"request":  map[string]any{"method": "GET", "url": "/v4/users/self"},
		"response": map[string]any{"status": 200, "body": string(self), "headers": map[string]string{"Content-Type": "application/json"}},
	})
	if err := os.WriteFile(filepath.Join(root, "mappings", "self.json"), stub, 0o644); err != nil {
		return "", nil, "", err
	}
	// What the npm package's bin runs, without its node wrapper in between;
	// the journal is bounded like mockdomino's (1,000 requests).
	args := func(port int) []string {
		return []string{"-jar", jars[0], "--port", fmt.Sprint(port), "--bind-address", "127.0.0.1",
			"--root-dir", root, "--disable-banner", "--max-request-journal-entries", "1000"}
	}
	return java, args, "java -jar wiremock-standalone.jar --max-request-journal-entries 1000, one JSON stub mapping", nil
}}

var prismPeer = peer{name: "Prism", pkg: "@stoplight/prism-cli", prepare: func(dir string, self []byte) (string, func(int) []string, string, error) {
	spec, _ := json.Marshal(map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]string{"title": "mockbench stub", "version": "1"},
		"paths": map[string]any{"/v4/users/self": map[string]any{"get": map[string]any{"responses": map[string]any{
			"200": map[string]any{"description": "the caller", "content": map[string]any{
				"application/json": map[string]any{"example": json.RawMessage(self)}}}}}}},
	})
	path := filepath.Join(dir, "prism-stub.json")
	if err := os.WriteFile(path, spec, 0o644); err != nil {
		return "", nil, "", err
	}
	bin := filepath.Join(dir, "node_modules", ".bin", "prism")
	args := func(port int) []string {
		return []string{"mock", "-h", "127.0.0.1", "-p", fmt.Sprint(port), "-v", "warn", path}
	}
	return bin, args, "prism mock -v warn, an OpenAPI 3 document with the body as its static example", nil
}}

// peers installs the requested tools from npm and loads each like the mock.
func (b *bench) peers(ctx context.Context, rep *report) {
	var want []peer
	if b.cfg.wiremock {
		want = append(want, wiremockPeer)
	}
	if b.cfg.prism {
		want = append(want, prismPeer)
	}
	dir := b.cfg.keepPeers
	if dir == "" {
		dir = filepath.Join(b.tmp, "peers")
	}
	fail := func(err string) {
		for _, p := range want {
			rep.peers = append(rep.peers, peerResult{name: p.name, pkg: p.pkg, err: err})
		}
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		fail("npm is not on PATH")
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fail(err.Error())
		return
	}
	args := []string{"install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error"}
	for _, p := range want {
		args = append(args, p.pkg)
	}
	b.logf("peers: npm %v", args)
	start := time.Now()
	if out, err := exec.CommandContext(ctx, npm, args...).CombinedOutput(); err != nil {
		fail(fmt.Sprintf("npm install: %v: %s", err, clip(out)))
		return
	}
	rep.peerInstall = time.Since(start)

	for _, p := range want {
		r := b.peer(ctx, dir, p, rep)
		if r.err != "" {
			b.logf("peers: %s: %s", p.name, r.err)
		}
		rep.peers = append(rep.peers, r)
	}
}

func (b *bench) peer(ctx context.Context, dir string, p peer, rep *report) peerResult {
	r := peerResult{name: p.name, pkg: p.pkg}
	var pkg struct {
		Version string `json:"version"`
	}
	if data, err := os.ReadFile(filepath.Join(dir, "node_modules", p.pkg, "package.json")); err == nil {
		json.Unmarshal(data, &pkg)
	}
	r.version = pkg.Version
	bin, args, how, err := p.prepare(dir, rep.selfBody)
	if err != nil {
		r.err = err.Error()
		return r
	}
	r.how = how
	const trials = 3
	var starts []time.Duration
	for range trials {
		port, err := freePort()
		if err != nil {
			r.err = err.Error()
			return r
		}
		d, err := timeToFirst200(ctx, p.name, bin, args(port), fmt.Sprintf("http://127.0.0.1:%d/v4/users/self", port), 2*time.Minute)
		if err != nil {
			r.err = err.Error()
			return r
		}
		starts = append(starts, d)
	}
	r.startup = median(starts)
	b.logf("peers: %s %s starts in %s (median of %d)", p.name, r.version, r.startup, trials)

	port, err := freePort()
	if err != nil {
		r.err = err.Error()
		return r
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/v4/users/self", port)
	c, err := startChild(p.name, bin, args(port), nil)
	if err != nil {
		r.err = err.Error()
		return r
	}
	b.mu.Lock()
	b.children = append(b.children, c)
	b.mu.Unlock()
	defer c.stop()
	if err := waitFor200(ctx, c, url, time.Now(), 2*time.Minute); err != nil {
		r.err = err.Error()
		return r
	}
	got, err := b.must(ctx, http.StatusOK, "GET", url, rep.selfHeader, nil, nil)
	if err != nil {
		r.err = err.Error()
		return r
	}
	r.sameBytes = bytes.Equal(got, rep.selfBody)
	time.Sleep(time.Second)
	r.rssIdle, _, _ = rssOf(c.pid())
	if r.load, err = b.measureWarm(ctx, p.name, loadSpec{method: "GET", url: url, header: rep.selfHeader}, b.cfg.peerWarmup); err != nil {
		r.err = err.Error()
		return r
	}
	r.rssLoad, _, _ = rssOf(c.pid())
	// The bare server again, now, so the peer's ratio sees the same noise.
	if r.bare, err = b.measure(ctx, "bare", loadSpec{method: "GET", url: b.bare.url + "/v4/users/self", header: rep.selfHeader}); err != nil {
		r.err = err.Error()
	}
	return r
}
