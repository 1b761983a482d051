package bare

import (
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Datasets is the baseline of a dataset's chunked upload: the same
// requests python-domino's datasets_upload_files sends (start, test,
// chunk, end), answered with no routing library, authentication, hashing,
// checksum, session or snapshot. A chunk, one multipart file part, is
// copied to a file of its own in the directory and fsynced before the
// answer, as mockdomino with --state stores it; in memory without one.
type Datasets struct {
	dir string

	mu  sync.Mutex
	mem map[string][]byte
}

// DatasetsPrefix is the path under which Datasets serves: POST
// <prefix>start, GET <prefix>test, POST <prefix>chunk, GET <prefix>end.
const DatasetsPrefix = "/datasets/"

// NewDatasets keeps chunks in dir, or in memory when dir is "".
func NewDatasets(dir string) *Datasets { return &Datasets{dir: dir, mem: map[string][]byte{}} }

func (d *Datasets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	step, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, DatasetsPrefix), "/") // end/<key>
	switch step {
	case "start":
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `"bare-session"`)
	case "test":
		w.WriteHeader(http.StatusNoContent) // never held: send it
	case "chunk":
		if err := d.chunk(r); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `"bare-session"`)
	case "end":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `""`)
	default:
		http.NotFound(w, r)
	}
}

func (d *Datasets) chunk(r *http.Request) error {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	part, err := multipart.NewReader(r.Body, params["boundary"]).NextPart()
	if err != nil {
		return err
	}
	name := "chunk-" + strings.ReplaceAll(r.URL.Query().Get("resumableRelativePath"), "/", "_") + "-" + r.URL.Query().Get("resumableChunkNumber")
	if d.dir == "" {
		data, err := io.ReadAll(part)
		if err != nil {
			return err
		}
		d.mu.Lock()
		d.mem[name] = data
		d.mu.Unlock()
	} else {
		out, err := os.OpenFile(filepath.Join(d.dir, name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		_, err = io.CopyBuffer(out, struct{ io.Reader }{part}, make([]byte, 256<<10))
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	_, err = io.Copy(io.Discard, r.Body) // the closing boundary
	return err
}
