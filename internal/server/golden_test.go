package server

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

var update = flag.Bool("update", false, "rewrite testdata/seeded.golden from this run")

// goldenRun sends one fixed sequence of requests to a new mock started with
// cfg and returns every answer's status and body, in order. The requests
// touch what a mock draws or stamps: ids, token values (iat, exp), creation
// times, job times, request ids, the state document and the clock.
func goldenRun(t *testing.T, cfg Config) string {
	t.Helper()
	s := start(t, cfg)
	var out strings.Builder
	send := func(base, method, path, body string) map[string]any {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if base == s.APIURL() {
			req.Header.Set("X-Domino-Api-Key", fixtures.DefaultAdminAPIKey)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(&out, "%s %s\n%d %s\n\n", method, path, resp.StatusCode, bytes.TrimSpace(b))
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return m
	}
	api, proxy := s.APIURL(), s.ProxyURL()
	sa := send(api, "POST", "/v4/serviceAccounts", `{"username":"golden-bot","email":"golden-bot@example.com"}`)
	idp, _ := sa["idpId"].(string)
	send(api, "POST", "/v4/serviceAccounts/"+idp+"/tokens", `{"name":"first"}`)
	send(api, "GET", "/v4/serviceAccounts/"+idp+"/tokens", "")
	send(api, "POST", "/api/serviceAccounts/v1/serviceAccounts", `{"username":"golden-public","email":"golden-public@example.com"}`)
	send(api, "GET", "/api/serviceAccounts/v1/serviceAccounts/nobody", "")
	p := send(api, "POST", "/v4/projects", `{"name":"golden","visibility":"Private"}`)
	pid, _ := p["id"].(string)
	j := send(api, "POST", "/v4/jobs/start", `{"projectId":"`+pid+`","commandToRun":"main.py"}`)
	jid, _ := j["id"].(string)
	send(api, "GET", "/v4/jobs/"+jid, "")
	send(api, "POST", "/api/jobs/v1/jobs", `{"projectId":"`+pid+`","runCommand":"main.py"}`)
	send(proxy, "POST", "/__mock/clock", `{"advance":"25h"}`)
	send(api, "POST", "/v4/serviceAccounts/"+idp+"/tokens", `{"name":"second"}`)
	send(proxy, "GET", "/__mock/clock", "")
	send(proxy, "GET", "/__mock/state?secrets=true", "")
	return out.String()
}

// TestSeedAndStartTimeAreDeterministic is issue 12's item 10: with --seed
// and --start-time (and an --external-url, which the tokens' iss carries,
// instead of a free port's), two runs of the same requests get
// byte-identical answers, and the answers are those of
// testdata/seeded.golden (go test -run Deterministic -update rewrites it).
func TestSeedAndStartTimeAreDeterministic(t *testing.T) {
	cfg := Config{Seed: 42, StartTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ExternalURL: "http://mockdomino.test"}
	first := goldenRun(t, cfg)
	time.Sleep(10 * time.Millisecond) // the wall clock moves on between the runs
	second := goldenRun(t, cfg)
	if first != second {
		a, b := strings.Split(first, "\n"), strings.Split(second, "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("two runs differ at line %d:\n first  %.400s\n second %.400s", i+1, a[i], b[i])
			}
		}
		t.Fatalf("two runs differ in length: %d and %d lines", len(a), len(b))
	}
	golden := filepath.Join("testdata", "seeded.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(first), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -run Deterministic -update ./internal/server writes it)", err)
	}
	if string(want) != first {
		a, b := strings.Split(string(want), "\n"), strings.Split(first, "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("the answers differ from %s at line %d (if the change is meant, rewrite it with -update):\n want %.400s\n got  %.400s", golden, i+1, a[i], b[i])
			}
		}
		t.Fatalf("the answers differ from %s in length (rewrite it with -update if meant)", golden)
	}
}

// TestStartTime: the clock starts frozen at StartTime, or at the fixtures'
// startTime without one; a state directory that holds a state keeps its
// own clock across restarts, as it keeps everything the fixtures give.
func TestStartTime(t *testing.T) {
	clockOf := func(s *Server) string {
		_, body := do(t, "GET", s.ProxyURL()+"/__mock/clock", "")
		return body
	}
	fx := fixtures.Default()
	at := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	fx.StartTime = &at
	data, err := json.Marshal(fx)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fixtures.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := clockOf(start(t, Config{FixturesPath: path})); got != `{"frozen":true,"now":"2030-06-01T12:00:00.000Z"}` {
		t.Errorf("with the fixtures' startTime: %s", got)
	}
	flag := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := clockOf(start(t, Config{FixturesPath: path, StartTime: flag})); got != `{"frozen":true,"now":"2026-01-01T00:00:00.000Z"}` {
		t.Errorf("--start-time and the fixtures' startTime: %s", got)
	}

	dir := t.TempDir()
	s := start(t, Config{StateDir: dir, StartTime: flag})
	do(t, "POST", s.ProxyURL()+"/__mock/clock", `{"advance":"-48h"}`)
	want := clockOf(s)
	s.Close()
	if got := clockOf(start(t, Config{StateDir: dir, StartTime: flag})); got != want || !strings.Contains(got, "2025-12-30T00:00:00.000Z") {
		t.Errorf("after a restart on the state directory the clock is %s, want the state's %s", got, want)
	}
}
