package bare

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Files is the baseline of a file's upload and download: PUT /files/<name>
// copies the body to the same kind of place mockdomino keeps a file's
// content, and GET /files/<name> writes it back, with no routing library,
// authentication, hashing or commit. With a directory (mockdomino's
// --state) the place is a file there, fsynced before the answer as
// mockdomino's is; without one, memory, in pieces of at most 1 MiB as
// mockdomino's in-memory store holds a content.
type Files struct {
	dir string // "": in memory

	mu  sync.Mutex
	mem map[string][][]byte
}

// FilesPrefix is the path under which Files serves.
const FilesPrefix = "/files/"

// NewFiles keeps files in dir, or in memory when dir is "".
func NewFiles(dir string) *Files { return &Files{dir: dir, mem: map[string][][]byte{}} }

func (f *Files) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, FilesPrefix)
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		http.Error(w, "bad name", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodPut:
		if err := f.put(name, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated)
	case http.MethodGet:
		f.get(w, name)
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
	}
}

func (f *Files) put(name string, body io.Reader) error {
	if f.dir != "" {
		out, err := os.OpenFile(filepath.Join(f.dir, name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.CopyBuffer(out, struct{ io.Reader }{body}, make([]byte, 256<<10)); err != nil {
			out.Close()
			return err
		}
		if err := out.Sync(); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
	var chunks [][]byte
	for {
		c := make([]byte, 1<<20)
		n, err := io.ReadFull(body, c)
		if n > 0 {
			chunks = append(chunks, c[:n])
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.mem[name] = chunks
	f.mu.Unlock()
	return nil
}

func (f *Files) get(w http.ResponseWriter, name string) {
	if f.dir != "" {
		in, err := os.Open(filepath.Join(f.dir, name))
		if err != nil {
			http.NotFound(w, nil)
			return
		}
		defer in.Close()
		fi, err := in.Stat()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
		io.Copy(w, in)
		return
	}
	f.mu.Lock()
	chunks, ok := f.mem[name]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, nil)
		return
	}
	var n int
	for _, c := range chunks {
		n += len(c)
	}
	w.Header().Set("Content-Length", strconv.Itoa(n))
	for _, c := range chunks {
		if _, err := w.Write(c); err != nil {
			return
		}
	}
}
