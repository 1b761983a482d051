package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const wrkOutput = `Running 5s test @ http://127.0.0.1:40000/v4/users/self
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms    1.10ms  20.01ms   85.12%
    Req/Sec    10.61k     1.02k   12.90k    70.00%
  105612 requests in 5.00s, 52.41MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  21122.40
Transfer/sec:     10.48MB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	if r.rps != 21122.40 || r.requests != 105612 || r.bad != 7 {
		t.Errorf("got %+v", r)
	}
	if _, err := parseWrk("unable to connect to 127.0.0.1:1 Connection refused"); err == nil {
		t.Error("no error for output without Requests/sec")
	}
}

// uniqueNames is a server that records the "name" of every POST body.
func uniqueNames(t *testing.T) (*httptest.Server, func() (total, distinct int)) {
	var mu sync.Mutex
	names := map[string]int{}
	total := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Name string }
		if r.Method != "POST" || json.NewDecoder(r.Body).Decode(&in) != nil || in.Name == "" {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		mu.Lock()
		names[in.Name]++
		total++
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(srv.Close)
	return srv, func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return total, len(names)
	}
}

// Both load generators send a different body on every POST (token names
// must be unique) and count what they did; the time taken is not checked.
func TestLoadersSendUniqueBodies(t *testing.T) {
	loaders := map[string]*loader{"go": {conns: 4, duration: 200 * time.Millisecond, tmp: t.TempDir()}}
	if wrk, err := exec.LookPath("wrk"); err == nil {
		loaders["wrk"] = &loader{wrk: wrk, threads: 2, conns: 4, duration: time.Second, tmp: t.TempDir()}
	}
	for name, l := range loaders {
		t.Run(name, func(t *testing.T) {
			srv, counts := uniqueNames(t)
			r, err := l.run(context.Background(), loadSpec{method: "POST", url: srv.URL, bodyFmt: `{"name":"n-%s"}`,
				header: http.Header{"Content-Type": {"application/json"}}})
			if err != nil {
				t.Fatal(err)
			}
			total, distinct := counts()
			if r.bad != 0 || total == 0 || distinct != total {
				t.Errorf("%+v: %d requests, %d distinct names", r, total, distinct)
			}
		})
	}
}

func TestRSSOfThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	rss, peak, err := rssOf(os.Getpid())
	if err != nil || rss <= 0 || peak < rss/2 {
		t.Errorf("rss %d, peak %d, %v", rss, peak, err)
	}
}

// Stopping a child stops what it started too (WireMock's wrapper starts java).
func TestChildStopsItsWholeGroup(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("process groups and /proc")
	}
	pr, pw := io.Pipe()
	c, err := startChild("sleeper", "sh", []string{"-c", "sleep 60 & echo $!; wait"}, pw)
	if err != nil {
		t.Fatal(err)
	}
	var grandchild int
	if _, err := fmt.Fscan(pr, &grandchild); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	c.stop()
	pw.Close()
	select {
	case <-c.done:
	default:
		t.Fatal("not stopped")
	}
	for i := 0; ; i++ {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", grandchild))
		if err != nil || strings.Contains(string(data), ") Z ") {
			break // gone, or a zombie waiting for init
		}
		if i == 500 {
			t.Fatalf("the grandchild %d still runs: %s", grandchild, data)
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.stop() // stopping twice is harmless
}
