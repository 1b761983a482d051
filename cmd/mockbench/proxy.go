package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/internal/server"
	"github.com/mockdomino/mockdomino/internal/transcript"
)

// proxySamples is how many requests are timed each way.
const proxySamples = 2000

// proxyLatency is `mockbench --only proxy`: what the recording proxy
// (mockdomino record, the binary) adds to a request. A mock runs in this
// process; the proxy forwards to it over loopback (--insecure-upstream, the
// mock being plain HTTP) and writes its transcript to a file. GET
// /v4/users/self with the admin key is timed proxySamples times directly
// and as many times through the proxy, alternately, each on one keep-alive
// connection, so that a change of the machine's load falls on both alike.
func (b *bench) proxyLatency(ctx context.Context, rep *report, stdout io.Writer) error {
	srv, err := server.Start(server.Config{Listen: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer srv.Close()
	out := filepath.Join(b.tmp, "proxy.jsonl")
	pr, pw := io.Pipe()
	rec, err := startChild("mockdomino record", b.mock, []string{"record", "--upstream", srv.APIURL(), "--insecure-upstream",
		"--listen", "127.0.0.1:0", "--out", out}, pw)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.children = append(b.children, rec)
	b.mu.Unlock()
	go func() { <-rec.done; pw.Close() }()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "record listening on ") {
		return fmt.Errorf("mockdomino record did not say where it listens (%q)", sc.Text())
	}
	proxyURL := strings.TrimPrefix(sc.Text(), "record listening on ")
	go io.Copy(io.Discard, pr)

	const path = "/v4/users/self"
	direct, proxied := newTimer(srv.APIURL()+path), newTimer(proxyURL+path)
	defer direct.close()
	defer proxied.close()
	const warmup = 200
	b.logf("proxy: %d requests each way, alternately, after %d unmeasured", proxySamples, warmup)
	for i := range warmup + proxySamples {
		d, err := direct.do(ctx)
		if err != nil {
			return err
		}
		p, err := proxied.do(ctx)
		if err != nil {
			return err
		}
		if i >= warmup {
			direct.took, proxied.took = append(direct.took, d), append(proxied.took, p)
		}
	}
	rec.stop() // SIGTERM: it closes the transcript
	xs, err := transcript.ReadFile(out)
	if err != nil {
		return fmt.Errorf("the proxy's transcript: %w", err)
	}
	if len(xs) != warmup+proxySamples {
		return fmt.Errorf("the proxy recorded %d exchanges, %d went through it", len(xs), warmup+proxySamples)
	}

	dMed, dP90 := direct.quantiles()
	pMed, pP90 := proxied.quantiles()
	added := pMed - dMed
	p := func(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) }
	p("## mockbench: the recording proxy")
	p("")
	p("- Machine: %s", rep.machine)
	p("- Command: `go run ./cmd/mockbench %s`", strings.Join(rep.cfg.args, " "))
	p("")
	p("The recording proxy (`mockdomino record --insecure-upstream`, the binary, its transcript on disk) in front of a mock in mockbench's process: `GET %s` with the admin API key, %d times directly and %d times through the proxy, alternately, each on one keep-alive connection, after %d unmeasured; every exchange was recorded (%d lines):", path, proxySamples, proxySamples, warmup, len(xs))
	p("")
	p("| | median | p90 |")
	p("|---|---:|---:|")
	p("| direct | %s | %s |", us(dMed), us(dP90))
	p("| through the proxy | %s | %s |", us(pMed), us(pP90))
	p("| added by the proxy | %s | %s |", us(added), us(pP90-dP90))
	p("")
	p("Target: the added median under 1 ms: %s.", passFail(added < time.Millisecond))
	return nil
}

// timer times one request again and again on its own keep-alive connection.
type timer struct {
	url    string
	tr     *http.Transport
	client *http.Client
	took   []time.Duration
}

func newTimer(url string) *timer {
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	return &timer{url: url, tr: tr, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

func (t *timer) close() { t.tr.CloseIdleConnections() }

func (t *timer) do(ctx context.Context) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", t.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header = apiKey()
	start := time.Now()
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d", t.url, resp.StatusCode)
	}
	return took, err
}

func (t *timer) quantiles() (med, p90 time.Duration) {
	s := slices.Clone(t.took)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)*9/10]
}
