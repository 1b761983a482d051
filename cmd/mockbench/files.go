package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mockdomino/mockdomino/cmd/mockbench/internal/bare"
)

// A large file's upload and download (python-domino's files_upload and
// blobs_get_v2), on mockdomino and on the bare server copying the body to
// the same kind of place: with --state a file (fsynced before the answer,
// as mockdomino's is), without it memory. Throughput is the file's size
// over the time from the request's first byte to the answer's last; the
// rounds alternate bare and mockdomino. Memory is each server's resident
// memory when idle (after a first small upload) and its peak (VmHWM) after
// the rounds.

// fileRow is one way of keeping files.
type fileRow struct {
	mode               string
	target             float64 // minimum ratio of throughputs
	upMock, upBare     []time.Duration
	downMock, downBare []time.Duration
	idleMock, peakMock int64
	idleBare, peakBare int64
	peakBound          int64 // most the mock may take above idle; 0: reported only
	size               int64
	err                string
}

// ratios are the rounds' mock/bare throughput ratios: median and range.
func ratios(mock, bare []time.Duration) (med, lo, hi float64) {
	var rs []float64
	for i := range mock {
		rs = append(rs, bare[i].Seconds()/mock[i].Seconds())
	}
	slices.Sort(rs)
	return rs[len(rs)/2], rs[0], rs[len(rs)-1]
}

func mbps(size int64, ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("%.0f MB/s", float64(size)/(1<<20)/s[len(s)/2].Seconds())
}

// cycling is n bytes of a 1 MiB random buffer, over and over; the first 8
// bytes are the round's, so no two uploads are the same content.
type cycling struct {
	buf  []byte
	off  int
	left int64
}

func newCycling(round int, n int64) *cycling {
	buf := make([]byte, 1<<20)
	r := rand.NewChaCha8([32]byte{byte(round), 42})
	r.Read(buf)
	return &cycling{buf: buf, left: n}
}

func (c *cycling) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n := 0
	for n < len(p) {
		k := copy(p[n:], c.buf[c.off:])
		n += k
		c.off = (c.off + k) % len(c.buf)
	}
	c.left -= int64(n)
	return n, nil
}

func (b *bench) files(ctx context.Context, rep *report) {
	size := int64(b.cfg.fileMiB) << 20
	for _, mode := range []struct {
		name      string
		state     bool
		peakBound int64
	}{{"`--state` (bare: a file, fsynced)", true, 64 << 20}, {"in memory (bare: memory, in 1 MiB pieces)", false, 0}} {
		row := &fileRow{mode: mode.name, target: 0.5, peakBound: mode.peakBound, size: size}
		if err := b.fileRow(ctx, row, mode.state); err != nil {
			row.err = err.Error()
			b.logf("files (%s): %v", mode.name, err)
		}
		rep.files = append(rep.files, row)
	}
}

func (b *bench) fileRow(ctx context.Context, row *fileRow, state bool) error {
	mockArgs := []string{"--listen", "127.0.0.1:0", "--proxy-listen=", "--log-level", "error",
		"--max-file-bytes", fmt.Sprint(row.size), "--max-file-memory-bytes", fmt.Sprint(row.size + 1<<20)}
	bareArgs := []string{"--listen", "127.0.0.1:0"}
	if state {
		dir := filepath.Join(b.tmp, "files-state")
		bareDir := filepath.Join(b.tmp, "files-bare")
		for _, d := range []string{dir, bareDir} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				return err
			}
			defer os.RemoveAll(d)
		}
		mockArgs = append(mockArgs, "--state", dir)
		bareArgs = append(bareArgs, "--files-dir", bareDir)
	}
	m, err := b.start("mockdomino", false, b.mock, mockArgs...)
	if err != nil {
		return err
	}
	defer m.stop()
	bs, err := b.start("bare", false, b.bareBin, bareArgs...)
	if err != nil {
		return err
	}
	defer bs.stop()
	client := &http.Client{Timeout: 10 * time.Minute}
	defer client.CloseIdleConnections()

	mockPut := func(name string) string { return m.url + "/v1/projects/admin/quick-start/bench/" + name }
	var commit string
	mockGet := func(name string) string {
		return m.url + "/api/projects/v1/projects/" + projectID + "/files/" + commit + "/bench/" + name + "/content"
	}
	barePut := func(name string) string { return bs.url + bare.FilesPrefix + name }
	learnCommit := func() error {
		var list []struct{ ID string }
		data, err := b.must(ctx, http.StatusOK, "GET", m.url+"/v1/projects/admin/quick-start/commits", apiKey(), nil, nil)
		if err == nil {
			err = json.Unmarshal(data, &list)
		}
		if err == nil && len(list) == 0 {
			err = fmt.Errorf("no commit after an upload")
		}
		if err != nil {
			return err
		}
		commit = list[0].ID
		return nil
	}
	// transfer uploads n bytes (or downloads them, checking the count) and
	// times it from the first byte sent to the last received.
	transfer := func(method, url string, header http.Header, round int, n int64, want int) (time.Duration, error) {
		var body io.Reader
		if method == "PUT" {
			body = newCycling(round, n)
		}
		req, err := http.NewRequestWithContext(ctx, method, url, body)
		if err != nil {
			return 0, err
		}
		if method == "PUT" {
			req.ContentLength = n
		}
		for k, v := range header {
			req.Header[k] = v
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		got, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		took := time.Since(start)
		switch {
		case err != nil:
			return 0, err
		case resp.StatusCode != want:
			return 0, fmt.Errorf("%s %s: %s", method, url, resp.Status)
		case method == "GET" && got != n:
			return 0, fmt.Errorf("GET %s: %d bytes, want %d", url, got, n)
		}
		return took, nil
	}

	// A first small file, so both are idle with their file routes used once.
	if _, err := transfer("PUT", mockPut("warm-up"), apiKey(), 0, 1, http.StatusCreated); err != nil {
		return err
	}
	if _, err := transfer("PUT", barePut("warm-up"), nil, 0, 1, http.StatusCreated); err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond)
	if row.idleMock, _, err = rssOf(m.pid()); err != nil {
		return err
	}
	if row.idleBare, _, err = rssOf(bs.pid()); err != nil {
		return err
	}
	for round := range b.cfg.rounds {
		// One file at a time on each: the bare server's replaces the last
		// one, and a reset (not timed) removes the mock's.
		name := "big.bin"
		if _, err := b.must(ctx, http.StatusOK, "POST", m.url+"/__mock/reset", apiKey(), nil, nil); err != nil {
			return err
		}
		b.logf("files (%s): round %d of %d, %d MiB up and down", row.mode, round+1, b.cfg.rounds, row.size>>20)
		up, err := transfer("PUT", barePut(name), nil, round+1, row.size, http.StatusCreated)
		if err != nil {
			return err
		}
		down, err := transfer("GET", barePut(name), nil, round+1, row.size, http.StatusOK)
		if err != nil {
			return err
		}
		row.upBare, row.downBare = append(row.upBare, up), append(row.downBare, down)
		if up, err = transfer("PUT", mockPut(name), apiKey(), round+1, row.size, http.StatusCreated); err != nil {
			return err
		}
		if err := learnCommit(); err != nil {
			return err
		}
		if down, err = transfer("GET", mockGet(name), apiKey(), round+1, row.size, http.StatusOK); err != nil {
			return err
		}
		row.upMock, row.downMock = append(row.upMock, up), append(row.downMock, down)
	}
	if _, row.peakMock, err = rssOf(m.pid()); err != nil {
		return err
	}
	_, row.peakBare, err = rssOf(bs.pid())
	return err
}

func (r *report) writeFiles(p func(format string, args ...any)) {
	if len(r.files) == 0 {
		return
	}
	p("")
	p("A %d MiB file uploaded (`PUT /v1/projects/{owner}/{name}/{path}`) and downloaded (`GET /api/projects/v1/projects/{id}/files/{commitId}/{path}/content`), against the bare server copying the body to the same kind of place; throughput is the median of %d rounds, the ratio the median of the rounds' mockdomino/bare ratios (and their range):", r.files[0].size>>20, r.cfg.rounds)
	p("")
	p("| files kept | upload mockdomino | upload bare | ratio | download mockdomino | download bare | ratio | target | memory idle → peak (VmHWM) mockdomino; bare | peak above idle, target | result |")
	p("|---|---:|---:|---:|---:|---:|---:|---|---|---|---|")
	for _, row := range r.files {
		if row.err != "" {
			p("| %s | not measured: %s | | | | | | | | | **FAIL** |", row.mode, row.err)
			continue
		}
		up, upLo, upHi := ratios(row.upMock, row.upBare)
		down, downLo, downHi := ratios(row.downMock, row.downBare)
		above := row.peakMock - row.idleMock
		bound, ok := "reported", true
		if row.peakBound > 0 {
			bound, ok = fmt.Sprintf("< %d MiB", row.peakBound>>20), above < row.peakBound
		}
		p("| %s | %s | %s | %.0f%% (%.0f–%.0f%%) | %s | %s | %.0f%% (%.0f–%.0f%%) | ≥ %.0f%% | %s → %s; %s → %s | %s, %s | %s |",
			row.mode, mbps(row.size, row.upMock), mbps(row.size, row.upBare), 100*up, 100*upLo, 100*upHi,
			mbps(row.size, row.downMock), mbps(row.size, row.downBare), 100*down, 100*downLo, 100*downHi, 100*row.target,
			mb(row.idleMock), mb(row.peakMock), mb(row.idleBare), mb(row.peakBare), mb(above), bound,
			passFail(up >= row.target && down >= row.target && ok))
	}
}
