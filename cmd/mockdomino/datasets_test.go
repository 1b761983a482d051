package main

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// TestDatasetUploadStaysBounded: a dataset upload of many files through
// the chunked protocol (chunks out of order, by several clients at once),
// with --state, reads back byte for byte, and the mock's peak resident
// memory stays less than 64 MiB above idle (the bound; the chunks
// stream to the blob store, and a snapshot holds no bytes).
func TestDatasetUploadStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary with a 64 MiB dataset upload")
	}
	const (
		files   = 256
		size    = 256 << 10 // each
		chunk   = 100 << 10 // so a file is three chunks, the last short
		workers = 6
	)
	bin := buildBinary(t)
	cmd, api, _, stderr := startBinary(t, bin, nil, "--listen", "127.0.0.1:0", "--proxy-listen=", "--log-level", "error", "--state", t.TempDir())
	c := &http.Client{Timeout: time.Minute}
	call := func(method, target, ct string, body []byte, out any) int {
		t.Helper()
		req, _ := http.NewRequest(method, api+target, bytes.NewReader(body))
		req.Header.Set("X-Domino-Api-Key", fixtures.DefaultAdminAPIKey)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if out != nil {
			if b, ok := out.(*[]byte); ok {
				*b = data
			} else if err := json.Unmarshal(data, out); err != nil {
				t.Fatalf("%s %s: %d %s", method, target, resp.StatusCode, data)
			}
		}
		return resp.StatusCode
	}
	content := func(i int) []byte {
		var b bytes.Buffer
		io.Copy(&b, newPattern(byte(i), size))
		return b.Bytes()
	}
	upload := func(dsID string, n int) {
		t.Helper()
		base := "/v4/datasetrw/datasets/" + dsID + "/snapshot/file"
		var key string
		if code := call("POST", base+"/start", "application/json", []byte(`{"filePaths":[]}`), &key); code != 200 {
			t.Fatalf("start: %d\n%s", code, stderr)
		}
		type job struct{ file, n, total int }
		var jobs []job
		for i := range n {
			total := (size + chunk - 1) / chunk
			for k := total; k >= 1; k-- { // the last chunk first
				jobs = append(jobs, job{i, k, total})
			}
		}
		work := make(chan job)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range work {
					data := content(j.file)[(j.n-1)*chunk : min(j.n*chunk, size)]
					rel := fmt.Sprintf("d%d/f%03d.bin", j.file%8, j.file)
					sum := md5.Sum(data)
					q := url.Values{"key": {key}, "resumableChunkNumber": {fmt.Sprint(j.n)}, "resumableTotalChunks": {fmt.Sprint(j.total)},
						"resumableIdentifier": {rel}, "resumableRelativePath": {rel}, "checksum": {hex.EncodeToString(sum[:])}}
					var body bytes.Buffer
					mw := multipart.NewWriter(&body)
					fw, _ := mw.CreateFormFile(rel, "f")
					fw.Write(data)
					mw.Close()
					if code := call("POST", base+"?"+q.Encode(), mw.FormDataContentType(), body.Bytes(), nil); code != 200 {
						t.Errorf("chunk %d of %s: %d", j.n, rel, code)
					}
				}
			}()
		}
		for _, j := range jobs {
			work <- j
		}
		close(work)
		wg.Wait()
		if code := call("GET", base+"/end/"+key, "", nil, nil); code != 200 {
			t.Fatalf("end: %d\n%s", code, stderr)
		}
	}
	newDataset := func(name string) string {
		var d struct{ ID string }
		if code := call("POST", "/v4/datasetrw", "application/json", []byte(`{"datasetName":"`+name+`","projectId":"`+filesProjectID+`"}`), &d); code != 200 {
			t.Fatalf("create: %d", code)
		}
		return d.ID
	}
	upload(newDataset("warm-up"), 1) // the routes' first use
	idle := vmRSS(t, cmd.Process.Pid)
	id := newDataset("big")
	upload(id, files)
	var d struct{ ReadWriteSnapshotID string }
	call("GET", "/v4/datasetrw/datasets/"+id, "", nil, &d)
	for i := range files {
		var got []byte
		rel := fmt.Sprintf("d%d/f%03d.bin", i%8, i)
		if code := call("GET", "/v4/datasetrw/snapshot/"+d.ReadWriteSnapshotID+"/file/raw?path="+url.QueryEscape(rel), "", nil, &got); code != 200 || !bytes.Equal(got, content(i)) {
			t.Fatalf("%s: %d, %d bytes: not what was uploaded", rel, code, len(got))
		}
	}
	peak := peakRSS(t, cmd.Process.Pid)
	t.Logf("%d files, %d MiB: idle %.1f MB, peak %.1f MB (%.1f MB above idle)", files, files*size/mib,
		float64(idle)/1e6, float64(peak)/1e6, float64(peak-idle)/1e6)
	if peak-idle > 64*mib {
		t.Errorf("peak RSS %.1f MB above idle, want at most 64 MiB", float64(peak-idle)/1e6)
	}
}
