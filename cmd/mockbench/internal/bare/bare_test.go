package bare

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHandlerAnswersTheBytesForEachCaller(t *testing.T) {
	bodies := Bodies{
		"GET /v4/users/self bearer": []byte(`{"userName":"sa"}`),
		"GET /v4/users/self apikey": []byte(`{"userName":"admin"}`),
	}
	h := Handler(bodies)
	for _, tc := range []struct {
		header, value, want string
		code                int
	}{
		{"Authorization", "Bearer x", `{"userName":"sa"}`, 200},
		{"X-Domino-Api-Key", "k", `{"userName":"admin"}`, 200},
		{"", "", "404 page not found\n", 404},
	} {
		r := httptest.NewRequest("GET", "/v4/users/self", nil)
		if tc.header != "" {
			r.Header.Set(tc.header, tc.value)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.code || w.Body.String() != tc.want {
			t.Errorf("%s: %d %q, want %d %q", tc.header, w.Code, w.Body, tc.code, tc.want)
		}
		if tc.code == 200 && w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Type %q", tc.header, w.Header().Get("Content-Type"))
		}
	}
	if got := Key("GET", "/__mock/health", http.Header{}); got != HealthKey {
		t.Errorf("health key %q, want %q", got, HealthKey)
	}
}

func TestFilesKeepWhatWasPut(t *testing.T) {
	content := strings.Repeat("0123456789", 300_000) // 3 MB: more than one piece in memory
	for _, dir := range []string{"", t.TempDir()} {
		f := NewFiles(dir)
		w := httptest.NewRecorder()
		f.ServeHTTP(w, httptest.NewRequest("PUT", FilesPrefix+"big.bin", strings.NewReader(content)))
		if w.Code != http.StatusCreated {
			t.Fatalf("dir %q: PUT %d %s", dir, w.Code, w.Body)
		}
		w = httptest.NewRecorder()
		f.ServeHTTP(w, httptest.NewRequest("GET", FilesPrefix+"big.bin", nil))
		if w.Code != 200 || w.Body.String() != content || w.Header().Get("Content-Length") != "3000000" {
			t.Errorf("dir %q: GET %d, %d bytes, Content-Length %q", dir, w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
		}
		w = httptest.NewRecorder()
		f.ServeHTTP(w, httptest.NewRequest("PUT", FilesPrefix+"..", strings.NewReader("x")))
		if w.Code != http.StatusBadRequest {
			t.Errorf("dir %q: PUT .. answered %d", dir, w.Code)
		}
	}
}

func TestDatasetsKeepEachChunk(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		d := NewDatasets(dir)
		var body strings.Builder
		body.WriteString("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\nchunk bytes\r\n--b--\r\n")
		r := httptest.NewRequest("POST", DatasetsPrefix+"chunk?resumableRelativePath=a/b.bin&resumableChunkNumber=2", strings.NewReader(body.String()))
		r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		w := httptest.NewRecorder()
		d.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("dir %q: chunk %d %s", dir, w.Code, w.Body)
		}
		var got []byte
		if dir == "" {
			got = d.mem["chunk-a_b.bin-2"]
		} else {
			got, _ = os.ReadFile(filepath.Join(dir, "chunk-a_b.bin-2"))
		}
		if string(got) != "chunk bytes" {
			t.Errorf("dir %q: kept %q", dir, got)
		}
		w = httptest.NewRecorder()
		d.ServeHTTP(w, httptest.NewRequest("GET", DatasetsPrefix+"test", nil))
		if w.Code != http.StatusNoContent {
			t.Errorf("test answered %d", w.Code)
		}
	}
}
