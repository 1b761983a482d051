package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
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
