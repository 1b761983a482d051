package api_test

// Handler tests of projects' files and commits (files.go): the route cases
// TestEveryRouteIsTested counts, and what only the HTTP layer does: the
// upload's own body limit, streaming, HEAD, media types, the journal.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/store"
)

func init() {
	for k, v := range fileRouteCases {
		routeCases[k] = v
	}
}

var projectFileFields = map[string]string{"path": "string", "key": "string", "size": "number", "lastModified": "number", "url": "string"}
var commitFields = map[string]string{"id": "string", "name": "string", "commitTime": "number"}

const qs = "/v1/projects/admin/quick-start"

// put uploads content to path (python-domino's files_upload: the file's
// bytes as the body, no Content-Type).
func (e *env) put(h http.Handler, path, content string, hdr ...string) *resp {
	return e.do(h, "PUT", qs+path, content, append([]string{"Content-Type", ""}, hdr...)...)
}

// headCommit is the id of the project's newest commit.
func (e *env) headCommit(t testing.TB) string {
	t.Helper()
	list := e.must(200, e.proxy, "GET", qs+"/commits", "").list(t)
	if len(list) == 0 {
		t.Fatal("no commits")
	}
	return str(list[0]["id"])
}

var fileRouteCases = map[string]routeCase{
	"PUT /v1/projects/{owner}/{name}/{path:.+}": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("uploader", "Contributor")
		_, launcher := e.saWithToken("launcher", "LauncherUser")
		r := e.put(e.api, "/data/train.csv", "a,b\n1,2\n", bearer(tok)...)
		if r.code != 201 {
			t.Fatalf("%s: want 201", r)
		}
		m := r.obj(t)
		exactFields(t, "upload", m, map[string]string{"path": "string", "key": "string", "size": "number", "lastModified": "number", "goalIds": "array"})
		if m["path"] != "data/train.csv" || m["size"] != 8.0 || len(str(m["key"])) != 40 {
			t.Errorf("upload answered %v", m)
		}
		// python-domino's live test uploads to "/test_file.py" and reads "test_file.py".
		if m := e.put(e.proxy, "/test_file.py", "print(1)\n").obj(t); m["path"] != "test_file.py" {
			t.Errorf("path %v", m["path"])
		}
		e.put(e.api, "/empty.txt", "", asAdmin...) // an empty file is a file
		wantError(t, e.put(e.api, "/x.txt", "x", asAlice...), 403)
		wantError(t, e.put(e.api, "/x.txt", "x", bearer(launcher)...), 403)
		wantError(t, e.put(e.api, "/x.txt", "x"), 401)
		wantError(t, e.do(e.api, "PUT", "/v1/projects/admin/nope/x.txt", "x", asAdmin...), 404)
		// One leading "/" of the path is the project's root (qs+"//x" is x);
		// a second is an empty name.
		for _, bad := range []string{"/../x", "/a/../../x", "/./x", "///x", "/a//b", `/a\b`, "/x%00y", "/a/", "/data"} {
			wantError(t, e.put(e.api, bad, "x", asAdmin...), 400, "path")
		}
		wantError(t, e.put(e.api, "/data/train.csv/inner", "x", asAdmin...), 400, "is a file")
	},

	"GET /v1/projects/{owner}/{name}/commits": func(t *testing.T, e *env) {
		if list := e.must(200, e.api, "GET", qs+"/commits", "", asAdmin...).list(t); len(list) != 0 {
			t.Errorf("a project without files lists commits %v", list)
		}
		e.put(e.api, "/a.txt", "1", asAdmin...)
		e.put(e.api, "/a.txt", "2", asAdmin...)
		list := e.must(200, e.api, "GET", qs+"/commits", "", asAdmin...).list(t)
		if len(list) != 2 {
			t.Fatalf("commits %v", list)
		}
		for _, c := range list {
			exactFields(t, "commit", c, commitFields)
		}
		if list[0]["commitTime"].(float64) < list[1]["commitTime"].(float64) {
			t.Errorf("not newest first: %v", list)
		}
		wantError(t, e.do(e.api, "GET", qs+"/commits", "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v1/projects/admin/nope/commits", "", asAdmin...), 404)
	},

	"GET /v1/projects/{owner}/{name}/files/{commitId}/{path:.*}": func(t *testing.T, e *env) {
		e.put(e.api, "/results/out.csv", "o", asAdmin...)
		e.put(e.api, "/main.py", "m", asAdmin...)
		head := e.headCommit(t)
		// python-domino asks for files/<commit>// (its default path "/").
		for _, target := range []string{qs + "/files/" + head + "//", qs + "/files/" + head + "/"} {
			m := e.must(200, e.api, "GET", target, "", asAdmin...).obj(t)
			data, _ := m["data"].([]any)
			if len(m) != 1 || len(data) != 2 {
				t.Fatalf("%s: %v", target, m)
			}
			for _, f := range data {
				exactFields(t, "file", f.(map[string]any), projectFileFields)
			}
			if data[0].(map[string]any)["path"] != "main.py" || data[1].(map[string]any)["path"] != "results/out.csv" {
				t.Errorf("not by path: %v", data)
			}
		}
		m := e.must(200, e.api, "GET", qs+"/files/"+head+"/results/", "", asAdmin...).obj(t)
		if data, _ := m["data"].([]any); len(data) != 1 {
			t.Errorf("results/: %v", m)
		}
		wantError(t, e.do(e.api, "GET", qs+"/files/"+head+"/nothing", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", qs+"/files/"+strings.Repeat("0", 40)+"/", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", qs+"/files/"+head+"/../x", "", asAdmin...), 400)
		wantError(t, e.do(e.api, "GET", qs+"/files/"+head+"/", "", asAlice...), 403)
	},

	"GET /v1/projects/{owner}/{name}/blobs/{key}": func(t *testing.T, e *env) {
		key := str(e.put(e.api, "/notes.md", "# notes\n", asAdmin...).obj(t)["key"])
		r := e.must(200, e.api, "GET", qs+"/blobs/"+key, "", asAdmin...)
		if string(r.body) != "# notes\n" || r.header.Get("Content-Length") != "8" {
			t.Errorf("blob: %s %v", r, r.header)
		}
		wantError(t, e.do(e.api, "GET", qs+"/blobs/"+strings.Repeat("0", 40), "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", qs+"/blobs/notakey", "", asAdmin...), 400)
		wantError(t, e.do(e.api, "GET", qs+"/blobs/"+key, "", asAlice...), 403)
	},

	"GET /api/projects/v1/projects/{projectId}/files/{commitId}/{path:.+}/content": func(t *testing.T, e *env) {
		e.put(e.api, "/nested/folder/file.json", `{"a":1}`, asAdmin...)
		head := e.headCommit(t)
		base := "/api/projects/v1/projects/" + projectID + "/files/" + head + "/"
		// The spec's url-encoded path, python-domino's raw one, and
		// files_download's with its leading "/".
		for _, p := range []string{"nested%2Ffolder%2Ffile.json", "nested/folder/file.json", "/nested/folder/file.json"} {
			r := e.must(200, e.api, "GET", base+p+"/content", "", asAdmin...)
			if string(r.body) != `{"a":1}` || r.header.Get("Content-Type") != "application/json" || r.header.Get("Content-Length") != "7" {
				t.Errorf("%s: %s %v", p, r, r.header)
			}
		}
		wantError(t, e.do(e.api, "GET", base+"nested/none.json/content", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", base+"nested/../nested/folder/file.json/content", "", asAdmin...), 400)
		wantError(t, e.do(e.api, "GET", base+"%00/content", "", asAdmin...), 400)
		wantError(t, e.do(e.api, "GET", "/api/projects/v1/projects/"+projectID+"/files/"+strings.Repeat("0", 40)+"/nested/folder/file.json/content", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/api/projects/v1/projects/nope/files/"+head+"/x/content", "", asAdmin...), 400, "not a valid ID")
		wantError(t, e.do(e.api, "GET", base+"nested/folder/file.json/content", "", asAlice...), 403)
	},
}

// Every earlier commit reads as it was, through the routes python-domino calls.
func TestFilesEarlierCommitsStay(t *testing.T) {
	e := newEnv(t)
	e.put(e.api, "/a.txt", "first", asAdmin...)
	first := e.headCommit(t)
	e.put(e.api, "/a.txt", "second", asAdmin...)
	second := e.headCommit(t)
	for commit, want := range map[string]string{first: "first", second: "second"} {
		r := e.must(200, e.api, "GET", "/api/projects/v1/projects/"+projectID+"/files/"+commit+"/a.txt/content", "", asAdmin...)
		if string(r.body) != want {
			t.Errorf("at %s: %q, want %q", commit, r.body, want)
		}
	}
}

// The upload takes its own limit, --max-file-bytes: a declared body over it
// is refused before credentials are looked at, a chunked one once it passes
// it; 1 MiB, every other route's limit, is no limit here.
func TestFileUploadLimit(t *testing.T) {
	st := store.New(store.Config{Keys: keys(t), ExternalURL: "http://mock.test", Limits: store.Limits{FileBytes: 2 << 20}})
	o := api.Options{Store: st, Journal: api.NewJournal(10)}
	h := api.New(o, api.APIHost)
	e := &env{t: t, st: st, api: h, proxy: api.New(o, api.Proxy)}
	big := strings.Repeat("b", api.MaxBodyBytes+1)
	if r := e.put(h, "/big.bin", big, asAdmin...); r.code != 201 {
		t.Errorf("a 1 MiB + 1 file: %s", r)
	}
	over := strings.Repeat("o", 2<<20+1)
	wantError(t, e.put(h, "/over.bin", over), 413) // declared, no credentials: before them
	chunked := httptest.NewRequest("PUT", qs+"/over.bin", io.NopCloser(strings.NewReader(over)))
	chunked.ContentLength = -1
	chunked.Header.Set(asAdmin[0], asAdmin[1])
	wantError(t, serveReq(h, chunked), 413)
	if r := e.must(200, e.proxy, "GET", qs+"/files/"+e.headCommit(t)+"/", "", asAdmin...).obj(t); len(r["data"].([]any)) != 1 {
		t.Errorf("a refused upload made a file: %v", r)
	}
	// The journal keeps no file content.
	j := e.must(200, e.proxy, "GET", "/__mock/journal?path="+qs+"/big.bin", "").obj(t)
	entries, _ := j["entries"].([]any)
	if len(entries) == 0 {
		t.Fatalf("journal: %v", j)
	}
	for _, en := range entries {
		m := en.(map[string]any)
		if m["body"] != nil || !strings.Contains(str(m["bodyText"]), "not kept") {
			t.Errorf("journal entry of an upload: %v", m)
		}
	}
}

// HEAD answers a download's status and headers with no body; a media type
// is guessed from the extension, else application/octet-stream.
func TestFileDownloadHeadersAndHEAD(t *testing.T) {
	e := newEnv(t)
	e.put(e.api, "/page.html", "<p>hi</p>", asAdmin...)
	e.put(e.api, "/model.weights", "\x00\x01", asAdmin...)
	head := e.headCommit(t)
	base := "/api/projects/v1/projects/" + projectID + "/files/" + head + "/"
	r := e.must(200, e.api, "HEAD", base+"page.html/content", "", asAdmin...)
	if len(r.body) != 0 || r.header.Get("Content-Length") != "9" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("HEAD: %s %v", r, r.header)
	}
	r = e.must(200, e.api, "GET", base+"model.weights/content", "", asAdmin...)
	if r.header.Get("Content-Type") != "application/octet-stream" || string(r.body) != "\x00\x01" {
		t.Errorf("GET: %s %v", r, r.header)
	}
}

// A delay fault on the upload route holds the request without reading the
// file into memory first; the upload then goes through whole.
func TestFileUploadUnderADelayFault(t *testing.T) {
	e := newEnv(t)
	e.must(201, e.proxy, "POST", "/__mock/faults", `{"match":{"method":"PUT","route":"/v1/projects/{owner}/{name}/{path}"},"effect":{"delay":"10ms"}}`)
	content := strings.Repeat("d", 3<<20)
	if r := e.put(e.api, "/delayed.bin", content, asAdmin...); r.code != 201 {
		t.Fatalf("%s", r)
	}
	r := e.must(200, e.api, "GET", "/api/projects/v1/projects/"+projectID+"/files/"+e.headCommit(t)+"/delayed.bin/content", "", asAdmin...)
	if string(r.body) != content {
		t.Errorf("read back %d bytes, want %d", len(r.body), len(content))
	}
}

// countingReader counts what is read of it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// An upload refused for what it names (a project, a path, the caller's
// role) leaves its body unread, and its connection is closed: a file of up
// to --max-file-bytes is not read to be thrown away.
func TestRefusedUploadIsNotRead(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		target string
		hdr    []string
		want   int
	}{
		{qs + "/x.bin", asAlice, 403},
		{"/v1/projects/admin/nope/x.bin", asAdmin, 404},
		{qs + "/../x.bin", asAdmin, 400},
	} {
		body := &countingReader{r: io.LimitReader(zeros{}, 64<<20)}
		req := httptest.NewRequest("PUT", c.target, body)
		req.ContentLength = 64 << 20
		req.Header.Set(c.hdr[0], c.hdr[1])
		r := serveReq(e.api, req)
		wantError(t, r, c.want)
		if body.n > 1<<20 || r.header.Get("Connection") != "close" {
			t.Errorf("%s: %d bytes of the body read, Connection %q", c.target, body.n, r.header.Get("Connection"))
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
