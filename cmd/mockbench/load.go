package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// loadSpec is one request to repeat for a fixed time.
type loadSpec struct {
	method, url string
	header      http.Header
	// bodyFmt, when set, is the body with one %s that each request fills
	// with a different string, so that POSTs can be unique (token names).
	bodyFmt string
}

// loadResult is what one load run measured.
type loadResult struct {
	rps      float64
	requests int64
	bad      int64 // non-2xx answers and socket errors
	tool     string
}

func (r loadResult) String() string {
	s := fmt.Sprintf("%.0f req/s (%s, %d requests", r.rps, r.tool, r.requests)
	if r.bad > 0 {
		s += fmt.Sprintf(", %d bad", r.bad)
	}
	return s + ")"
}

// loader generates load with wrk or, without it, in Go.
type loader struct {
	wrk      string // path of wrk; "" = built-in Go load generator
	threads  int
	conns    int
	duration time.Duration
	tmp      string
}

func (l *loader) name() string {
	if l.wrk != "" {
		return fmt.Sprintf("wrk -t%d -c%d -d%s", l.threads, l.conns, l.duration)
	}
	return fmt.Sprintf("built-in Go load generator (%d keep-alive connections, %s)", l.conns, l.duration)
}

func (l *loader) run(ctx context.Context, spec loadSpec) (loadResult, error) {
	return l.runFor(ctx, spec, l.duration)
}

func (l *loader) runFor(ctx context.Context, spec loadSpec, d time.Duration) (loadResult, error) {
	if l.wrk != "" {
		return l.runWrk(ctx, spec, d)
	}
	return runGoLoad(ctx, spec, l.conns, d)
}

// wrkScript makes each request's body unique per wrk thread and request.
const wrkScript = `wrk.method = %q
wrk.body = %q
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format(wrk.body, tid .. "-" .. n))
end
`

func (l *loader) runWrk(ctx context.Context, spec loadSpec, d time.Duration) (loadResult, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	args := []string{fmt.Sprintf("-t%d", l.threads), fmt.Sprintf("-c%d", l.conns), fmt.Sprintf("-d%ds", secs), "--timeout", "5s"}
	if spec.method != "GET" || spec.bodyFmt != "" {
		script := filepath.Join(l.tmp, "unique.lua")
		if err := os.WriteFile(script, []byte(fmt.Sprintf(wrkScript, spec.method, spec.bodyFmt)), 0o600); err != nil {
			return loadResult{}, err
		}
		args = append(args, "-s", script)
	}
	for k, vs := range spec.header {
		for _, v := range vs {
			args = append(args, "-H", k+": "+v)
		}
	}
	args = append(args, spec.url)
	out, err := exec.CommandContext(ctx, l.wrk, args...).CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	return parseWrk(string(out))
}

var (
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkTotal    = regexp.MustCompile(`(\d+) requests in`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	wrkSocketEr = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// parseWrk reads wrk's summary.
func parseWrk(out string) (loadResult, error) {
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return loadResult{}, fmt.Errorf("no Requests/sec line in wrk's output:\n%s", out)
	}
	r := loadResult{tool: "wrk"}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	if m := wrkTotal.FindStringSubmatch(out); m != nil {
		r.requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.bad += n
	}
	if m := wrkSocketEr.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.ParseInt(s, 10, 64)
			r.bad += n
		}
	}
	return r, nil
}

// runGoLoad keeps conns keep-alive connections busy for d.
func runGoLoad(ctx context.Context, spec loadSpec, conns int, d time.Duration) (loadResult, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var ok, bad, seq atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				var body io.Reader
				if spec.bodyFmt != "" {
					body = strings.NewReader(fmt.Sprintf(spec.bodyFmt, strconv.FormatInt(seq.Add(1), 10)))
				}
				req, err := http.NewRequestWithContext(ctx, spec.method, spec.url, body)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				for k, v := range spec.header {
					req.Header[k] = v
				}
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						bad.Add(1)
						firstErr.CompareAndSwap(nil, err)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := loadResult{tool: "go", requests: ok.Load() + bad.Load(), bad: bad.Load()}
	r.rps = float64(ok.Load()) / elapsed.Seconds()
	if r.requests == 0 {
		if err, _ := firstErr.Load().(error); err != nil {
			return r, err
		}
		return r, fmt.Errorf("no request completed")
	}
	return r, nil
}
