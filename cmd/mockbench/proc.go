package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// child is a server process mockbench started; stop ends it and everything
// it started (WireMock's npm wrapper starts java).
type child struct {
	name     string
	cmd      *exec.Cmd
	url      string // base URL, once known
	proxyURL string
	done     chan struct{}
}

func startChild(name, bin string, args []string, stdout io.Writer) (*child, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = stdout, io.Discard
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(c.done) }()
	return c, nil
}

// startAnnounced starts a process that prints "api listening on URL"
// (mockdomino, and mockbench --bare-server) and waits for that line, and for
// "proxy listening on URL" too when wantProxy.
func startAnnounced(name string, wantProxy bool, bin string, args ...string) (*child, error) {
	pr, pw := io.Pipe()
	c, err := startChild(name, bin, args, pw)
	if err != nil {
		return nil, err
	}
	lines := make(chan string, 2)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		io.Copy(io.Discard, pr)
	}()
	go func() { <-c.done; pw.Close() }()
	timeout := time.After(30 * time.Second)
	for c.url == "" || wantProxy && c.proxyURL == "" {
		select {
		case line := <-lines:
			if u, ok := strings.CutPrefix(line, "api listening on "); ok {
				c.url = u
			}
			if u, ok := strings.CutPrefix(line, "proxy listening on "); ok {
				c.proxyURL = u
			}
		case <-c.done:
			return nil, fmt.Errorf("%s exited before listening", name)
		case <-timeout:
			c.stop()
			return nil, fmt.Errorf("%s did not announce its address within 30s", name)
		}
	}
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) stop() {
	if c == nil {
		return
	}
	select {
	case <-c.done: // already reaped: its id may belong to another process now
		return
	default:
	}
	signalGroup(c.cmd, false)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		signalGroup(c.cmd, true)
		<-c.done
	}
}

// freePort finds a loopback port that is free now (for children that must
// be told their port before they start).
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// timeToFirst200 starts a process and polls url until it answers 200; it
// returns the time from just before exec to that answer, then stops it.
func timeToFirst200(ctx context.Context, name, bin string, args []string, url string, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	c, err := startChild(name, bin, args, io.Discard)
	if err != nil {
		return 0, err
	}
	defer c.stop()
	if err := waitFor200(ctx, c, url, start, limit); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// waitFor200 polls url every 200µs until it answers 200.
func waitFor200(ctx context.Context, c *child, url string, start time.Time, limit time.Duration) error {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	for time.Since(start) < limit {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-c.done:
			return fmt.Errorf("%s exited before answering", c.name)
		case <-time.After(200 * time.Microsecond):
		}
	}
	return fmt.Errorf("%s did not answer 200 on %s within %s", c.name, url, limit)
}

// rssOf is the resident memory of a process and all its descendants, and
// the peak (VmHWM) of the process itself, in bytes.
func rssOf(pid int) (rss, peak int64, err error) {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 {
			if pp, err := strconv.Atoi(fields[1]); err == nil {
				children[pp] = append(children[pp], p)
			}
		}
	}
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		queue = append(queue, children[p]...)
		r, hwm, e := statusKB(p)
		if e != nil {
			if p == pid {
				return 0, 0, e
			}
			continue
		}
		rss += r << 10
		if p == pid {
			peak = hwm << 10
		}
	}
	return rss, peak, nil
}

// statusKB reads VmRSS and VmHWM (kB) from /proc/PID/status.
func statusKB(pid int) (rss, hwm int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	found := false
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			rss, found = n, true
		case "VmHWM":
			hwm = n
		}
	}
	if !found {
		return 0, 0, errors.New("no VmRSS (is this Linux?)")
	}
	return rss, hwm, nil
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
