package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mockdomino/mockdomino/cmd/mockbench/internal/bare"
)

// A dataset upload as python-domino's datasets_upload_files drives it: one
// session (start), then for each chunk a test and, as the test asks, the
// chunk itself as one multipart file part, by several workers at once and
// so out of order, then end. mockdomino keeps its state in a directory
// (--state); the bare server answers the same requests, writing each chunk
// to a file of its own, fsynced, and nothing else. Throughput is the
// files' size over the time from the start to the end's answer; the rounds
// alternate bare and mockdomino. After each of mockdomino's rounds every
// file is read back (GET /v4/datasetrw/snapshot/{id}/file/raw) and
// compared byte for byte, untimed. Memory is mockdomino's resident memory
// idle (after a first small upload) and its peak (VmHWM) after the rounds.

const (
	datasetChunkBytes = 128 << 10 // python-domino's default is 8 MiB; smaller makes every file several chunks
	datasetWorkers    = 8         // python-domino's default is 10 threads
)

type datasetRow struct {
	files              int
	size               int64 // all files together
	chunks             int
	mock, bare         []time.Duration
	idleMock, peakMock int64
	peakBound          int64
	readBack           int // files read back byte for byte in the last round
	err                string
}

// datasetFile is one file of the upload: its path and size; its bytes
// are derived from the round's buffer and its index, never all held.
type datasetFile struct {
	path string
	size int
}

func datasetFiles(n int, total int64) []datasetFile {
	each := total / int64(n)
	out := make([]datasetFile, n)
	for i := range out {
		size := each
		if i == n-1 {
			size = total - each*int64(n-1)
		}
		out[i] = datasetFile{path: fmt.Sprintf("part-%02d/file-%04d.bin", i%16, i), size: int(size)}
	}
	return out
}

// bytesOf fills p with chunk bytes of file i at offset off: the round's
// 1 MiB buffer from a place of the file's own, so no two files share
// content (mockdomino would store a shared one once).
func bytesOf(buf []byte, i, off int, p []byte) {
	start := (i*7919 + off) % len(buf)
	for n := 0; n < len(p); {
		k := copy(p[n:], buf[start:])
		n += k
		start = (start + k) % len(buf)
	}
}

type uploadChunk struct {
	file, n, total int
}

func (b *bench) datasets(ctx context.Context, rep *report) {
	row := &datasetRow{files: b.cfg.datasetFiles, size: int64(b.cfg.fileMiB) << 20, peakBound: 64 << 20}
	if err := b.datasetRow(ctx, row); err != nil {
		row.err = err.Error()
		b.logf("datasets: %v", err)
	}
	rep.datasets = row
}

func (b *bench) datasetRow(ctx context.Context, row *datasetRow) error {
	dir := filepath.Join(b.tmp, "datasets-state")
	bareDir := filepath.Join(b.tmp, "datasets-bare")
	for _, d := range []string{dir, bareDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
		defer os.RemoveAll(d)
	}
	m, err := b.start("mockdomino", false, b.mock, "--listen", "127.0.0.1:0", "--proxy-listen=", "--log-level", "error", "--state", dir)
	if err != nil {
		return err
	}
	defer m.stop()
	bs, err := b.start("bare", false, b.bareBin, "--listen", "127.0.0.1:0", "--files-dir", bareDir)
	if err != nil {
		return err
	}
	defer bs.stop()
	client := &http.Client{Timeout: 10 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: datasetWorkers}}
	defer client.CloseIdleConnections()
	files := datasetFiles(row.files, row.size)

	// newDataset makes a dataset in the fixtures' project; its routes.
	newDataset := func() (string, func(string) string, error) {
		var d struct{ ID string }
		_, err := b.must(ctx, http.StatusOK, "POST", m.url+"/v4/datasetrw", apiKey(),
			map[string]any{"datasetName": "bench", "projectId": projectID}, &d)
		if err != nil {
			return "", nil, err
		}
		base := m.url + "/v4/datasetrw/datasets/" + d.ID + "/snapshot/file"
		return d.ID, func(step string) string {
			if step == "chunk" {
				return base
			}
			return base + "/" + step
		}, nil
	}
	bareRoute := func(step string) string { return bs.url + bare.DatasetsPrefix + step }

	// upload runs one session against route and times it.
	upload := func(route func(string) string, header http.Header, round int, files []datasetFile) (time.Duration, int, error) {
		buf := make([]byte, 1<<20)
		rand.NewChaCha8([32]byte{byte(round), 7}).Read(buf)
		var queue []uploadChunk
		for i, f := range files {
			total := max(1, (f.size+datasetChunkBytes-1)/datasetChunkBytes)
			for n := 1; n <= total; n++ {
				queue = append(queue, uploadChunk{file: i, n: n, total: total})
			}
		}
		rand.New(rand.NewPCG(uint64(round), 1)).Shuffle(len(queue), func(i, j int) { queue[i], queue[j] = queue[j], queue[i] })
		start := time.Now()
		var key string
		data, err := b.must(ctx, http.StatusOK, "POST", route("start"), header, map[string]any{"filePaths": []string{}, "fileCollisionSetting": "Overwrite"}, nil)
		if err == nil {
			err = json.Unmarshal(data, &key)
		}
		if err != nil {
			return 0, 0, err
		}
		work := make(chan uploadChunk)
		errs := make(chan error, datasetWorkers)
		var wg sync.WaitGroup
		for range datasetWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				chunk := make([]byte, datasetChunkBytes)
				var body bytes.Buffer
				for c := range work {
					f := files[c.file]
					off := (c.n - 1) * datasetChunkBytes
					p := chunk[:min(datasetChunkBytes, f.size-off)]
					bytesOf(buf, c.file, off, p)
					if err := sendDatasetChunk(ctx, client, route, header, key, f, c, p, &body); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	feed:
		for _, c := range queue {
			select {
			case work <- c:
			case err := <-errs:
				close(work)
				wg.Wait()
				return 0, 0, err
			case <-ctx.Done():
				break feed
			}
		}
		close(work)
		wg.Wait()
		select {
		case err := <-errs:
			return 0, 0, err
		default:
		}
		if _, err := b.must(ctx, http.StatusOK, "GET", route("end/"+url.PathEscape(key)), header, nil, nil); err != nil {
			return 0, 0, err
		}
		return time.Since(start), len(queue), nil
	}

	// A first small upload, so that both are idle with their routes used once.
	_, warm, err := newDataset()
	if err != nil {
		return err
	}
	if _, _, err := upload(warm, apiKey(), 0, []datasetFile{{path: "warm-up.bin", size: 1}}); err != nil {
		return err
	}
	if _, _, err := upload(bareRoute, nil, 0, []datasetFile{{path: "warm-up.bin", size: 1}}); err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond)
	if row.idleMock, _, err = rssOf(m.pid()); err != nil {
		return err
	}
	for round := range b.cfg.rounds {
		b.logf("datasets: round %d of %d, %d files, %d MiB", round+1, b.cfg.rounds, row.files, row.size>>20)
		took, _, err := upload(bareRoute, nil, round+1, files)
		if err != nil {
			return fmt.Errorf("bare: %w", err)
		}
		row.bare = append(row.bare, took)
		// A reset (not timed) drops the last round's dataset and contents.
		if _, err := b.must(ctx, http.StatusOK, "POST", m.url+"/__mock/reset", apiKey(), nil, nil); err != nil {
			return err
		}
		id, route, err := newDataset()
		if err != nil {
			return err
		}
		if took, row.chunks, err = upload(route, apiKey(), round+1, files); err != nil {
			return fmt.Errorf("mockdomino: %w", err)
		}
		row.mock = append(row.mock, took)
		if row.readBack, err = b.readBackDataset(ctx, client, m.url, id, round+1, files); err != nil {
			return err
		}
	}
	_, row.peakMock, err = rssOf(m.pid())
	return err
}

func sendDatasetChunk(ctx context.Context, client *http.Client, route func(string) string, header http.Header, key string, f datasetFile, c uploadChunk, p []byte, body *bytes.Buffer) error {
	sum := md5.Sum(p)
	checksum := strings.ToUpper(hex.EncodeToString(sum[:]))
	name := f.path[strings.LastIndex(f.path, "/")+1:]
	ident := fmt.Sprintf("%d-%s", f.size, name)
	q := url.Values{"key": {key}, "resumableChunkNumber": {fmt.Sprint(c.n)}, "resumableIdentifier": {ident},
		"resumableTotalChunks": {fmt.Sprint(c.total)}, "checksum": {checksum}}
	do := func(method, target string, rd io.Reader, ct string) (int, error) {
		req, err := http.NewRequestWithContext(ctx, method, target, rd)
		if err != nil {
			return 0, err
		}
		for k, v := range header {
			req.Header[k] = v
		}
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	code, err := do("GET", route("test")+"?"+q.Encode(), nil, "")
	if err != nil || code == http.StatusOK {
		return err // held already: python-domino skips it
	}
	if code != http.StatusNoContent {
		return fmt.Errorf("test of chunk %d of %s: %d", c.n, f.path, code)
	}
	q.Set("resumableChunkSize", fmt.Sprint(datasetChunkBytes))
	q.Set("resumableCurrentChunkSize", fmt.Sprint(len(p)))
	q.Set("resumableRelativePath", f.path)
	body.Reset()
	mw := multipart.NewWriter(body)
	fw, _ := mw.CreateFormFile(f.path, name)
	fw.Write(p)
	mw.Close()
	if code, err = do("POST", route("chunk")+"?"+q.Encode(), bytes.NewReader(body.Bytes()), mw.FormDataContentType()); err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("chunk %d of %s: %d", c.n, f.path, code)
	}
	return nil
}

// readBackDataset reads every file of the dataset's read-write snapshot
// and compares it with what was sent, byte for byte.
func (b *bench) readBackDataset(ctx context.Context, client *http.Client, base, id string, round int, files []datasetFile) (int, error) {
	var d struct{ ReadWriteSnapshotID string }
	if _, err := b.must(ctx, http.StatusOK, "GET", base+"/v4/datasetrw/datasets/"+id, apiKey(), nil, &d); err != nil {
		return 0, err
	}
	buf := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{byte(round), 7}).Read(buf)
	ok := 0
	for i, f := range files {
		want := make([]byte, f.size)
		bytesOf(buf, i, 0, want)
		req, err := http.NewRequestWithContext(ctx, "GET", base+"/v4/datasetrw/snapshot/"+d.ReadWriteSnapshotID+"/file/raw?path="+url.QueryEscape(f.path), nil)
		if err != nil {
			return ok, err
		}
		req.Header = apiKey()
		resp, err := client.Do(req)
		if err != nil {
			return ok, err
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !bytes.Equal(got, want) {
			return ok, fmt.Errorf("%s reads back %d bytes (status %d), want the %d sent: %v", f.path, len(got), resp.StatusCode, len(want), err)
		}
		ok++
	}
	return ok, nil
}

func (r *report) writeDatasets(p func(format string, args ...any)) {
	row := r.datasets
	if row == nil {
		return
	}
	p("")
	p("A dataset upload of %d files (%d MiB in all) through python-domino's chunked protocol (start; for each %d KiB chunk a test and the chunk, multipart; end), by %d workers out of order, mockdomino with `--state`, against the bare server answering the same requests and writing each chunk to a file, fsynced; throughput is the median of %d rounds, the ratio the median of the rounds' mockdomino/bare ratios (and their range):",
		row.files, row.size>>20, datasetChunkBytes>>10, datasetWorkers, r.cfg.rounds)
	p("")
	p("| upload mockdomino | upload bare | ratio | target | read back byte for byte | memory idle → peak (VmHWM) | peak above idle, target | result |")
	p("|---:|---:|---:|---|---|---|---|---|")
	if row.err != "" {
		p("| not measured: %s | | | | | | | **FAIL** |", row.err)
		return
	}
	ratio, lo, hi := ratios(row.mock, row.bare)
	above := row.peakMock - row.idleMock
	ok := ratio >= 0.5 && above < row.peakBound && row.readBack == row.files
	p("| %s | %s | %.0f%% (%.0f–%.0f%%) | ≥ 50%% | %d of %d files (%d chunks) | %s → %s | %s, < %d MiB | %s |",
		mbps(row.size, row.mock), mbps(row.size, row.bare), 100*ratio, 100*lo, 100*hi, row.readBack, row.files, row.chunks,
		mb(row.idleMock), mb(row.peakMock), mb(above), row.peakBound>>20, passFail(ok))
}
