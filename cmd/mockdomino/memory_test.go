package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Memory bounds under hostile load, measured on the real binary in its own
// process: its peak resident memory (VmHWM) after the load, against a
// bound. Nothing here is timed.

// peakRSS is a process's peak resident memory in bytes (VmHWM).
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/<pid>/status")
	return 0
}

const mib = 1 << 20

// TestManyConnectionsWithHugeHeadersStayBounded: 600 connections each
// sending 1 MiB of headers, with no credentials. Each connection's headers
// are read only up to the header limit, and only so many connections are
// served at once; the others wait, unread, in the kernel's backlog.
// (Before the limits, 1,500 such connections took 1.6 GB.)
func TestManyConnectionsWithHugeHeadersStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary under load")
	}
	bin := buildBinary(t)
	cmd, api, _, stderr := startBinary(t, bin, nil, "--listen", "127.0.0.1:0", "--proxy-listen=", "--log-level", "error")
	addr := strings.TrimPrefix(api, "http://")

	header := []byte("GET /v4/users/self HTTP/1.1\r\nHost: x\r\nX-Junk: " + strings.Repeat("j", mib) + "\r\n\r\n")
	const conns = 600
	var wg sync.WaitGroup
	answers := make(chan string, conns)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				answers <- "dial: " + err.Error()
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(2 * time.Minute)) // against a hang only
			go c.Write(header)                             // the server stops reading early
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				answers <- "read: " + err.Error()
				return
			}
			answers <- strings.TrimSpace(line)
		}()
	}
	wg.Wait()
	close(answers)
	counts := map[string]int{}
	for a := range answers {
		counts[a]++
	}
	if counts["HTTP/1.1 431 Request Header Fields Too Large"] != conns {
		t.Errorf("answers: %v", counts)
	}
	peak := peakRSS(t, cmd.Process.Pid)
	t.Logf("peak RSS %.1f MB after %d connections with 1 MiB of headers", float64(peak)/1e6, conns)
	if peak > 150*mib {
		t.Errorf("peak RSS %.1f MB, want at most 150 MiB\n%s", float64(peak)/1e6, stderr)
	}
}

// endless is an endless body of one byte.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

// TestUnauthorizedBodiesAreNotRead: eight concurrent chunked PUT
// /__mock/state bodies of 64 MiB each, with no credentials or a
// non-administrator's, are refused (401, 403) before their bodies are read.
// (Before, each body was read into memory first: eight of 255 MiB took the
// mock from 12 MB to 3.9 GB.)
func TestUnauthorizedBodiesAreNotRead(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary under load")
	}
	bin := buildBinary(t)
	cmd, api, _, stderr := startBinary(t, bin, nil, "--listen", "127.0.0.1:0", "--proxy-listen=", "--log-level", "error")
	client := &http.Client{Timeout: 2 * time.Minute} // against a hang only
	var wg sync.WaitGroup
	statuses := make(chan string, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("PUT", api+"/__mock/state", io.LimitReader(endless(' '), 64*mib))
			req.ContentLength = -1 // chunked: the size is known only by reading
			req.Header.Set("Content-Type", "application/json")
			if i%2 == 1 {
				req.Header.Set("X-Domino-Api-Key", fixtures.DefaultUserAPIKey)
			}
			resp, err := client.Do(req)
			if err != nil {
				statuses <- err.Error()
				return
			}
			resp.Body.Close()
			statuses <- resp.Status
		}()
	}
	wg.Wait()
	close(statuses)
	counts := map[string]int{}
	for s := range statuses {
		counts[s]++
	}
	if counts["401 Unauthorized"] != 4 || counts["403 Forbidden"] != 4 {
		t.Errorf("answers %v, want four 401 and four 403", counts)
	}
	peak := peakRSS(t, cmd.Process.Pid)
	t.Logf("peak RSS %.1f MB after 8 refused chunked bodies of 64 MiB", float64(peak)/1e6)
	if peak > 64*mib {
		t.Errorf("peak RSS %.1f MB, want at most 64 MiB: refused bodies were read\n%s", float64(peak)/1e6, stderr)
	}
}

// TestStateImportIsStreamed: an administrator's state document of 200 MiB
// (the exported state, with 200 MiB of JSON whitespace in it) is decoded as
// it arrives, never held whole. (Before, it was read into memory twice
// and decoded from a third copy.)
func TestStateImportIsStreamed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary under load")
	}
	bin := buildBinary(t)
	cmd, _, proxy, stderr := startBinary(t, bin, nil, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0", "--log-level", "error")
	resp, err := http.Get(proxy + "/__mock/state?secrets=true")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || doc[0] != '{' {
		t.Fatalf("export: %v %d %.100s", err, resp.StatusCode, doc)
	}
	body := io.MultiReader(strings.NewReader("{"), io.LimitReader(endless(' '), 200*mib), strings.NewReader(string(doc[1:])))
	req, _ := http.NewRequest("PUT", proxy+"/__mock/state", body)
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	resp, err = (&http.Client{Timeout: 2 * time.Minute}).Do(req) // the timeout only guards against a hang
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("import: %d %s", resp.StatusCode, answer)
	}
	peak := peakRSS(t, cmd.Process.Pid)
	t.Logf("peak RSS %.1f MB after importing a 200 MiB state document", float64(peak)/1e6)
	if peak > 64*mib {
		t.Errorf("peak RSS %.1f MB, want at most 64 MiB: the document was held whole\n%s", float64(peak)/1e6, stderr)
	}
}
