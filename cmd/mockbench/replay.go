package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/internal/replay"
	"github.com/mockdomino/mockdomino/internal/server"
	"github.com/mockdomino/mockdomino/internal/transcript"
)

// The replay phase (--only replay) measures conformance replay: a
// transcript of replayExchanges exchanges is recorded against one
// in-process mock, from a CI client's round repeated with fresh names
// (a service account, its token, a project it joins, a job it starts with
// the token, then all of it undone), and replayed against a fresh
// in-process mock, one request at a time as `conformance replay` does. Every
// id, token and time differs between the two mocks, so the replay maps them
// all; it must end with no drift. The target is 10,000 exchanges in under
// 10 s.

const replayExchanges = 10_000

// replayOnly runs the replay phase alone and prints its report.
func replayOnly(ctx context.Context, stdout, stderr io.Writer) error {
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, "mockbench: "+format+"\n", args...) }
	mach := machine()
	logf("machine: %s", mach)
	file, err := os.CreateTemp("", "mockbench-replay-*.jsonl")
	if err != nil {
		return err
	}
	defer os.Remove(file.Name())
	defer file.Close()

	start := time.Now()
	n, err := recordRounds(ctx, file, replayExchanges)
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	recorded := time.Since(start)
	fi, _ := file.Stat()
	logf("recorded %d exchanges (%.1f MB) in %s", n, float64(fi.Size())/(1<<20), recorded.Round(time.Millisecond))

	start = time.Now()
	xs, err := transcript.ReadFile(file.Name())
	if err != nil {
		return err
	}
	read := time.Since(start)

	target, err := server.Start(server.Config{Listen: "127.0.0.1:0", ProxyListen: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer target.Close()
	start = time.Now()
	res, err := replay.Run(ctx, xs, replay.Options{APIHost: target.APIURL(), APIProxy: target.ProxyURL(),
		AdminAPIKey: adminAPIKey, Controls: replay.ControlsReplay})
	took := time.Since(start)
	if err != nil {
		return fmt.Errorf("replaying: %w", err)
	}
	logf("replayed: %s in %s", res.Summary(), took.Round(time.Millisecond))

	p := func(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) }
	p("## mockbench: replay")
	p("")
	p("- Machine: %s", mach)
	p("- Command: `go run ./cmd/mockbench --only replay`")
	p("- Transcript: %d exchanges, %.1f MB, recorded against one in-process mock in %s (a CI client's round, repeated with fresh names); read in %s",
		len(xs), float64(fi.Size())/(1<<20), recorded.Round(time.Millisecond), read.Round(time.Millisecond))
	p("")
	p("| measure | value | target | result |")
	p("|---|---:|---|---|")
	p("| replay against a fresh in-process mock, one request at a time (wall time) | %s | < 10 s for 10,000 | %s |",
		took.Round(time.Millisecond), passFail(took < 10*time.Second && len(xs) >= replayExchanges && res.OK()))
	p("| exchanges/s | %.0f | — | — |", float64(res.Replayed)/took.Seconds())
	p("| result | %s | no drift | %s |", res.Summary(), passFail(res.OK()))
	for _, d := range res.Drifts[:min(len(res.Drifts), 5)] {
		p("- %s", d)
	}
	return nil
}

// recordRounds records CI-client rounds against a fresh in-process mock
// until the transcript holds at least want exchanges.
func recordRounds(ctx context.Context, w io.Writer, want int) (int, error) {
	srv, err := server.Start(server.Config{Listen: "127.0.0.1:0", ProxyListen: "127.0.0.1:0"})
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	rec := transcript.NewRecorder(w)
	rec.Secret("admin-api-key", adminAPIKey)
	c := &roundClient{ctx: ctx, http: rec.Client(nil), base: srv.APIURL()}
	admin := http.Header{"X-Domino-Api-Key": {adminAPIKey}}
	// Jobs end at once, as the conformance runner sets them.
	c.do("PUT", "/__mock/jobs/lifecycle", admin, map[string]any{"mode": "immediate"}, nil)
	for i := 0; c.n < want && c.err == nil; i++ {
		c.round(fmt.Sprintf("bench-%d", i), admin)
	}
	if c.err == nil {
		c.err = rec.Err()
	}
	return c.n, c.err
}

type roundClient struct {
	ctx  context.Context
	http *http.Client
	base string
	n    int
	err  error
}

// do makes one call and decodes a JSON answer into out; the first failure
// (no answer, or a status that is not 2xx when out is set) stops the rounds.
func (c *roundClient) do(method, path string, h http.Header, body any, out any) int {
	if c.err != nil {
		return 0
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+path, rd)
	if err != nil {
		c.err = err
		return 0
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.err = err
		return 0
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	c.n++
	if out != nil {
		if resp.StatusCode/100 != 2 {
			c.err = fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(data)))
		} else if err := json.Unmarshal(data, out); err != nil {
			c.err = fmt.Errorf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// round is what a CI job does with a service account, 14 calls.
func (c *roundClient) round(name string, admin http.Header) {
	var sa struct{ ID, IdpID string }
	c.do("POST", "/v4/serviceAccounts", admin, map[string]string{"username": name, "email": name + "@example.com"}, &sa)
	var tok struct{ Token string }
	c.do("POST", "/v4/serviceAccounts/"+sa.IdpID+"/tokens", admin, map[string]string{"name": "ci"}, &tok)
	c.do("GET", "/v4/serviceAccounts/"+sa.IdpID+"/tokens/ci", admin, nil, &tok)
	bearer := http.Header{"Authorization": {"Bearer " + tok.Token}}
	var project struct{ ID string }
	c.do("POST", "/v4/projects", admin, map[string]string{"name": name + "-project", "visibility": "Private", "description": "made by mockbench"}, &project)
	c.do("POST", "/v4/projects/"+project.ID+"/collaborators", admin, map[string]string{"collaboratorId": sa.ID, "projectRole": "Contributor"}, &json.RawMessage{})
	c.do("GET", "/v4/projects/"+project.ID+"/collaborators", admin, nil, &json.RawMessage{})
	var job struct {
		Job struct{ ID string } `json:"job"`
	}
	c.do("POST", "/api/jobs/v1/jobs", bearer, map[string]string{"projectId": project.ID, "runCommand": "main.py"}, &job)
	c.do("GET", "/v4/jobs/"+job.Job.ID, bearer, nil, &json.RawMessage{})
	c.do("GET", "/v4/users/self", bearer, nil, &json.RawMessage{})
	c.do("GET", "/v4/serviceAccounts/"+sa.IdpID+"/tokens", admin, nil, &json.RawMessage{})
	c.do("POST", "/v4/serviceAccounts/"+sa.IdpID+"/tokens/ci/invalidate", admin, nil, &json.RawMessage{})
	c.do("POST", "/v4/serviceAccounts/"+sa.IdpID+"/deactivate", admin, nil, &json.RawMessage{})
	c.do("GET", "/v4/users/self", bearer, nil, nil) // refused now: 401
	c.do("DELETE", "/v4/projects/"+project.ID, admin, nil, nil)
}
