package api

import (
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// The routes of projects' files and commits, as python-domino calls them:
// files_upload (PUT, the file's bytes as the body), files_list, commits_list,
// blobs_get (by key) and blobs_get_v2 / files_download (by commit and path).
// Uploads and downloads stream: the body goes to the store as it arrives,
// and a content is written as it is read, never held whole here.

// maxBodyFiles marks the upload route: its body limit is the store's
// Limits.FileBytes (--max-file-bytes), not a constant.
const maxBodyFiles = -1

// uploadedFile is an upload's answer: the v4 spec's ProjectFile.
type uploadedFile struct {
	Path         string   `json:"path"`
	Key          string   `json:"key"`
	Size         int64    `json:"size"`
	LastModified int64    `json:"lastModified"`
	GoalIDs      []string `json:"goalIds"`
}

func uploadFile(q *request) (int, any, error) {
	rc := http.NewResponseController(q.w)
	var body io.Reader = http.NoBody
	if q.Body != nil {
		body = &arrivingBody{r: q.Body, rc: rc, timeout: q.readTimeout}
	}
	f, err := q.st.UploadFile(q.caller, q.vars("owner"), q.vars("name"), q.vars("path"), body)
	// However long the file took to arrive, the answer has its own time.
	if q.writeTimeout > 0 {
		rc.SetWriteDeadline(time.Now().Add(q.writeTimeout))
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, uploadedFile{Path: f.Path, Key: f.Key, Size: f.Size, LastModified: f.LastModified, GoalIDs: []string{}}, nil
}

func listProjectCommits(q *request) (int, any, error) {
	list, err := q.st.ProjectCommits(q.caller, q.vars("owner"), q.vars("name"))
	return http.StatusOK, list, err
}

// fileList is files_list's answer.
type fileList struct {
	Data []store.ProjectFile `json:"data"`
}

func listProjectFiles(q *request) (int, any, error) {
	list, err := q.st.ListFiles(q.caller, q.vars("owner"), q.vars("name"), q.vars("commitId"), q.vars("path"))
	return http.StatusOK, fileList{Data: list}, err
}

func getBlob(q *request) (int, any, error) {
	f, err := q.st.OpenBlob(q.caller, q.vars("owner"), q.vars("name"), q.vars("key"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, q.fileAnswer(f), nil
}

func getFileContent(q *request) (int, any, error) {
	f, err := q.st.OpenFile(q.caller, q.vars("projectId"), q.vars("commitId"), q.vars("path"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, q.fileAnswer(f), nil
}

// fileAnswer is a file's content as an answer: writeBody streams it.
type fileAnswer struct {
	f            *store.FileContent
	head         bool
	writeTimeout time.Duration
}

func (q *request) fileAnswer(f *store.FileContent) *fileAnswer {
	return &fileAnswer{f: f, head: clientMethod(q.Request) == http.MethodHead, writeTimeout: q.writeTimeout}
}

// write sends the content with its size and a media type guessed from the
// path's extension (as the public API's spec says: best effort).
func (a *fileAnswer) write(w http.ResponseWriter, status int) {
	defer a.f.Close()
	ct := mime.TypeByExtension(path.Ext(a.f.Path))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.FormatInt(a.f.Size, 10))
	w.WriteHeader(status)
	if a.head {
		return
	}
	var dst io.Writer = w
	if a.writeTimeout > 0 {
		dst = &leavingBody{w: w, rc: http.NewResponseController(w), timeout: a.writeTimeout}
	}
	// An error here comes after the status: the client sees the body end
	// short of its Content-Length.
	io.Copy(dst, a.f)
}

// A file may take longer than --read-timeout to arrive, or its content
// longer than the write timeout to leave: while bytes move, the
// connection's deadline moves on, so only a connection where nothing moves
// for that long is cut.
const deadlineStep = time.Second // how often the deadline is moved, at most

type arrivingBody struct {
	r       io.Reader
	rc      *http.ResponseController
	timeout time.Duration
	next    time.Time
}

func (b *arrivingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 && b.rc != nil && b.timeout > 0 {
		if now := time.Now(); now.After(b.next) {
			b.rc.SetReadDeadline(now.Add(b.timeout))
			b.next = now.Add(deadlineStep)
		}
	}
	return n, err
}

type leavingBody struct {
	w       io.Writer
	rc      *http.ResponseController
	timeout time.Duration
	next    time.Time
}

func (b *leavingBody) Write(p []byte) (int, error) {
	if now := time.Now(); now.After(b.next) {
		b.rc.SetWriteDeadline(now.Add(b.timeout))
		b.next = now.Add(deadlineStep)
	}
	return b.w.Write(p)
}
