package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Projects' files on the real binary: the file flags, the memory a large
// upload and download take (VmHWM, never time), and uploads that survive a
// SIGKILL byte for byte while what a crash cut short does not pile up.

const (
	filesProject   = "/v1/projects/admin/quick-start"
	filesProjectID = "64b7f0a1c2d3e4f5a6b7c901"
)

// vmRSS is a process's resident memory now (VmRSS), in bytes.
func vmRSS(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/<pid>/status")
	return 0
}

// pattern is n bytes of a deterministic pseudo-random stream, made as read.
type pattern struct {
	rng  *rand.ChaCha8
	left int64
}

func newPattern(seed byte, n int64) *pattern {
	var s [32]byte
	s[0] = seed
	return &pattern{rng: rand.NewChaCha8(s), left: n}
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	p.rng.Read(b)
	p.left -= int64(len(b))
	return len(b), nil
}

func patternSHA(seed byte, n int64) string {
	h := sha256.New()
	io.Copy(h, newPattern(seed, n))
	return hex.EncodeToString(h.Sum(nil))
}

type filesClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (fc *filesClient) upload(path string, body io.Reader, size int64) (int, map[string]any) {
	fc.t.Helper()
	req, err := http.NewRequest("PUT", fc.base+filesProject+"/"+path, body)
	if err != nil {
		fc.t.Fatal(err)
	}
	req.ContentLength = size
	req.Header.Set("X-Domino-Api-Key", fixtures.DefaultAdminAPIKey)
	resp, err := fc.c.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func (fc *filesClient) get(path string, out any) int {
	fc.t.Helper()
	req, _ := http.NewRequest("GET", fc.base+path, nil)
	req.Header.Set("X-Domino-Api-Key", fixtures.DefaultAdminAPIKey)
	resp, err := fc.c.Do(req)
	if err != nil {
		fc.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// download hashes a file's content at the head as it arrives.
func (fc *filesClient) download(path string) (sha string, n int64) {
	fc.t.Helper()
	var commits []struct{ ID string }
	if code := fc.get(filesProject+"/commits", &commits); code != 200 || len(commits) == 0 {
		fc.t.Fatalf("commits: %d %v", code, commits)
	}
	req, _ := http.NewRequest("GET", fc.base+"/api/projects/v1/projects/"+filesProjectID+"/files/"+commits[0].ID+"/"+path+"/content", nil)
	req.Header.Set("X-Domino-Api-Key", fixtures.DefaultAdminAPIKey)
	resp, err := fc.c.Do(req)
	if err != nil {
		fc.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		fc.t.Fatalf("download %s: %s", path, resp.Status)
	}
	h := sha256.New()
	n, err = io.Copy(h, resp.Body)
	if err != nil {
		fc.t.Fatalf("download %s: %v", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// TestFileFlags: the file limits given by flag or environment reach the store.
func TestFileFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	_, api, _, _ := startBinary(t, bin, []string{"MOCKDOMINO_MAX_FILE_MEMORY_BYTES=100"},
		"--listen", "127.0.0.1:0", "--proxy-listen=", "--max-file-bytes", "64", "--max-commits", "2")
	fc := &filesClient{t: t, base: api, c: &http.Client{Timeout: time.Minute}}
	if code, m := fc.upload("big", strings.NewReader(strings.Repeat("b", 65)), 65); code != 413 || !strings.Contains(fmt.Sprint(m), "64 bytes") {
		t.Errorf("65 bytes with --max-file-bytes 64: %d %v", code, m)
	}
	if code, m := fc.upload("a", strings.NewReader(strings.Repeat("a", 64)), 64); code != 201 {
		t.Errorf("64 bytes: %d %v", code, m)
	}
	if code, m := fc.upload("c", strings.NewReader(strings.Repeat("c", 64)), 64); code != 413 || !strings.Contains(fmt.Sprint(m), "--max-file-memory-bytes") {
		t.Errorf("64 bytes more with MOCKDOMINO_MAX_FILE_MEMORY_BYTES=100: %d %v", code, m)
	}
	fc.upload("d", strings.NewReader("d"), 1)
	if code, m := fc.upload("e", strings.NewReader("e"), 1); code != 400 || !strings.Contains(fmt.Sprint(m), "--max-commits") {
		t.Errorf("a third commit with --max-commits 2: %d %v", code, m)
	}
}

// TestLargeFileStaysBounded: a 256 MiB upload and its download, with
// --state, take the process less than 64 MiB above its idle resident
// memory: the content streams to its file and back, never held. Without
// --state the content is held once, in chunks: less than its size and
// 32 MiB more.
func TestLargeFileStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary with a 256 MiB file")
	}
	bin := buildBinary(t)
	for _, tc := range []struct {
		name  string
		args  []string
		size  int64
		bound int64
	}{
		{"state", []string{"--state", t.TempDir()}, 256 * mib, 64 * mib},
		{"memory", nil, 128 * mib, 128*mib + 32*mib},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--listen", "127.0.0.1:0", "--proxy-listen=", "--log-level", "error"}, tc.args...)
			cmd, api, _, stderr := startBinary(t, bin, nil, args...)
			fc := &filesClient{t: t, base: api, c: &http.Client{Timeout: 5 * time.Minute}}
			fc.upload("warm-up.txt", strings.NewReader("x"), 1) // the routes' first use
			idle := vmRSS(t, cmd.Process.Pid)
			code, m := fc.upload("data/big.bin", newPattern(7, tc.size), tc.size)
			if code != 201 || m["size"] != float64(tc.size) {
				t.Fatalf("upload: %d %v\n%s", code, m, stderr)
			}
			sha, n := fc.download("data/big.bin")
			if n != tc.size || sha != patternSHA(7, tc.size) {
				t.Fatalf("downloaded %d bytes, sha256 %s: not what was uploaded", n, sha)
			}
			peak := peakRSS(t, cmd.Process.Pid)
			t.Logf("%s, %d MiB: idle %.1f MB, peak %.1f MB (%.1f MB above idle)", tc.name, tc.size/mib,
				float64(idle)/1e6, float64(peak)/1e6, float64(peak-idle)/1e6)
			if peak-idle > tc.bound {
				t.Errorf("peak RSS %.1f MB above idle, want at most %d MiB", float64(peak-idle)/1e6, tc.bound/mib)
			}
		})
	}
}

// TestFilesSurviveSIGKILL: writers upload files of up to 3 MiB to paths of
// their own while the binary is killed at a random moment, then started
// again on the same directory, a few times. Every upload answered 201 is
// listed at the head with its key, and reads back byte for byte; blobs/
// holds nothing but the contents the commits name (no temporary file, no
// content of an upload cut short).
func TestFilesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	type ack struct {
		seed byte
		size int64
		key  string
	}
	var mu sync.Mutex
	acked := map[string]ack{} // path → what was acknowledged
	seq := 0
	const kills = 5
	for round := range kills + 1 {
		cmd, api, _, stderr := startBinary(t, bin, nil, "--state", dir, "--listen", "127.0.0.1:0", "--proxy-listen=", "--log-level", "error")
		fc := &filesClient{t: t, base: api, c: &http.Client{Timeout: time.Minute}}
		// What was acknowledged before this start is all there.
		var list struct {
			Data []struct {
				Path, Key string
				Size      int64
			}
		}
		var commits []struct{ ID string }
		if len(acked) > 0 {
			if code := fc.get(filesProject+"/commits", &commits); code != 200 || len(commits) == 0 {
				t.Fatalf("round %d: commits %d\n%s", round, code, stderr)
			}
			if code := fc.get(filesProject+"/files/"+commits[0].ID+"/", &list); code != 200 {
				t.Fatalf("round %d: files %d", round, code)
			}
		}
		listed := map[string]string{}
		for _, f := range list.Data {
			listed[f.Path] = f.Key
		}
		for p, a := range acked {
			if listed[p] != a.key {
				t.Fatalf("round %d: %s was acknowledged with key %s, the head lists %q", round, p, a.key, listed[p])
			}
			if sha, n := fc.download(p); n != a.size || sha != patternSHA(a.seed, a.size) {
				t.Fatalf("round %d: %s reads back %d bytes, sha256 %s: not what was acknowledged", round, p, n, sha)
			}
		}
		keys := map[string]bool{}
		for _, k := range listed {
			keys[k] = true
		}
		entries, err := os.ReadDir(filepath.Join(dir, "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if len(e.Name()) != 64 || !keys[e.Name()[:40]] {
				t.Fatalf("round %d: blobs/ holds %s, which no commit names", round, e.Name())
			}
		}
		if round == kills {
			break // the last start only checks
		}
		// Writers, then SIGKILL in the middle of their uploads.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					seq++
					path := fmt.Sprintf("w%d/f%d.bin", w, seq)
					seed, size := byte(seq), int64(rand.IntN(3*mib))
					mu.Unlock()
					code, m := fc.upload(path, newPattern(seed, size), size)
					if code == 201 {
						mu.Lock()
						acked[path] = ack{seed: seed, size: size, key: fmt.Sprint(m["key"])}
						mu.Unlock()
					} else if code != 0 {
						t.Errorf("round %d: upload %s: %d %v", round, path, code, m)
					}
				}
			})
		}
		time.Sleep(time.Duration(100+rand.IntN(300)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
		if bytes.Contains(stderr.Bytes(), []byte("panic")) {
			t.Fatalf("round %d: panic\n%s", round, stderr)
		}
	}
	t.Logf("%d uploads acknowledged across %d kills", len(acked), kills)
	if len(acked) == 0 {
		t.Error("no upload was acknowledged")
	}
}
