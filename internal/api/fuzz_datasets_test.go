package api_test

// Fuzz tests of the dataset routes' decoders: the create bodies (legacy and
// /v4), the update bodies, the grants, the upload's start, the download
// archive's, and a chunk (its query and multipart body). The properties of
// fuzz_test.go hold (no panic, no 5xx but the duplicate status, errors in
// the route's shape), plus each target's own: nothing the rules refuse is
// made, and a chunk accepted reads back byte for byte once its session ends.

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var validDatasetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

func FuzzCreateDataset(f *testing.F) {
	for _, s := range []string{
		`{"datasetName":"d1","projectId":"` + projectID + `","description":"x"}`, `{"datasetName":"fuzz","projectId":"` + projectID + `"}`,
		`{"datasetName":"g","projectId":"` + projectID + `","grants":[{"targetId":"` + aliceID + `","targetRole":"DatasetRwReader"}]}`,
		`{"datasetName":"g","projectId":"` + projectID + `","grants":[null]}`, `{"datasetName":"a b","projectId":"` + projectID + `"}`,
		`{"datasetName":"x","projectId":"bad"}`, `{"datasetName":"x","projectId":"` + projectID + `","datasetStorageId":"x"}`,
		`{"datasetName":1}`, `[]`, `null`, `{"datasetName":"` + strings.Repeat("n", 101) + `","projectId":"` + projectID + `"}`,
	} {
		f.Add([]byte(s), false, false)
		f.Add([]byte(s), true, true)
	}
	f.Fuzz(func(t *testing.T, body []byte, legacy, asAdmin bool) {
		w := worldFor(t)
		path := "/v4/datasetrw"
		if legacy {
			path = "/dataset"
		}
		r := fuzzBody(t, w.api, "POST", path, body, "application/json", callerOf(asAdmin)...)
		if r.code != 200 {
			return
		}
		m := r.obj(t)
		name, id := str(m["name"]), str(m["id"])
		if legacy {
			name, id = str(m["datasetName"]), str(m["datasetId"])
		}
		if !asAdmin || !validDatasetName.MatchString(name) || !objectIDRE.MatchString(id) {
			t.Fatalf("created %q named %q (as admin %v): %s", id, name, asAdmin, r)
		}
		w.must(200, w.api, "DELETE", "/v4/datasetrw/dataset/"+id, "", fixturesAdminKey()...) // keep under the per-project limit
	})
}

func FuzzUpdateDataset(f *testing.F) {
	for _, s := range []string{`{"datasetName":"renamed"}`, `{"description":"d"}`, `{"datasetName":""}`, `{"datasetName":"a/b"}`,
		`{"datasetName":null,"description":null}`, `{}`, `[]`, `{"description":1}`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, legacy bool) {
		w := worldFor(t)
		method, path := "PUT", "/v4/datasetrw/dataset/"+w.dataset
		if legacy {
			method, path = "PATCH", "/dataset/"+w.dataset
		}
		r := fuzzBody(t, w.api, method, path, body, "application/json", fixturesAdminKey()...)
		if r.code != 200 {
			return
		}
		m := r.obj(t)
		name := str(m["name"])
		if legacy {
			name = str(m["datasetName"])
		}
		if !validDatasetName.MatchString(name) {
			t.Fatalf("renamed to %q: %s", name, r)
		}
	})
}

func FuzzDatasetGrants(f *testing.F) {
	for _, s := range []string{`{"grants":[]}`, `{"grants":[{"targetId":"` + aliceID + `","targetRole":"DatasetRwEditor"}]}`,
		`{"grants":[{"targetId":"` + aliceID + `","targetRole":"Boss"}]}`, `{"grants":[{"targetId":"x"}]}`, `{"grants":null}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	roles := map[string]bool{"DatasetRwReader": true, "DatasetRwEditor": true, "DatasetRwOwner": true}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := worldFor(t)
		r := fuzzBody(t, w.api, "PUT", "/v4/datasetrw/dataset/"+w.dataset+"/grants", body, "application/json", fixturesAdminKey()...)
		if r.code != 200 {
			return
		}
		for _, g := range r.list(t) {
			if !roles[str(g["targetRole"])] || !objectIDRE.MatchString(str(g["targetId"])) {
				t.Fatalf("a grant the rules refuse: %s", r)
			}
		}
	})
}

func FuzzStartDatasetUpload(f *testing.F) {
	for _, s := range []string{`{"filePaths":[],"fileCollisionSetting":"Ignore"}`, `{"filePaths":["a"],"fileCollisionSetting":"rename"}`,
		`{"filePaths":[],"targetRelativePath":"data"}`, `{"filePaths":[],"targetRelativePath":"../x"}`, `{"filePaths":[],"fileCollisionSetting":"x"}`,
		`{"filePaths":null}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := worldFor(t)
		r := fuzzBody(t, w.api, "POST", "/v4/datasetrw/datasets/"+w.dataset+"/snapshot/file/start", body, "application/json", fixturesAdminKey()...)
		if r.code != 200 {
			return
		}
		var key string
		if err := json.Unmarshal(r.body, &key); err != nil || key == "" {
			t.Fatalf("start answered %s", r)
		}
		w.must(200, w.api, "GET", "/v4/datasetrw/datasets/"+w.dataset+"/snapshot/file/cancel/"+key, "", fixturesAdminKey()...)
	})
}

func FuzzDatasetDownload(f *testing.F) {
	for _, s := range []string{`{"relativePaths":[]}`, `{"relativePaths":["data"]}`, `{"relativePaths":["data/x.csv",""]}`,
		`{"relativePaths":["/"]}`, `{"relativePaths":["../x"]}`, `{"relativePaths":[1]}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := worldFor(t)
		r := fuzzBody(t, w.api, "POST", "/v4/datasetrw/snapshot/"+w.dsSnap+"/download", body, "application/json", fixturesAdminKey()...)
		if r.code != 200 {
			return
		}
		key := str(r.obj(t)["taskKey"])
		check(t, send(w.api, "GET", "/v4/datasetrw/snapshot/"+w.dsSnap+"/download-local/"+key, nil, "", fixturesAdminKey()...))
	})
}

// FuzzDatasetChunk: a chunk with any relative path, numbers, checksum and
// bytes, in any multipart body. One accepted is in the snapshot its session
// ends in, at its path, byte for byte.
func FuzzDatasetChunk(f *testing.F) {
	for _, s := range []struct {
		rel, number, total, checksum string
		data                         []byte
		raw                          bool
	}{
		{"a.txt", "1", "1", "", []byte("a"), false}, {"d/b.bin", "1", "1", "good", []byte{0, 255}, false},
		{"../x", "1", "1", "", []byte("x"), false}, {"x", "0", "1", "", nil, false}, {"x", "2", "1", "", nil, false},
		{"x", "1", "-1", "", nil, false}, {"x", "1", "1", "ZZ", nil, false}, {"", "1", "1", "", nil, false},
		{"x", "1", "1", "", []byte("--boundary\r\n"), true}, {"data", "1", "1", "", []byte("over a folder"), false},
	} {
		f.Add(s.rel, s.number, s.total, s.checksum, s.data, s.raw)
	}
	f.Fuzz(func(t *testing.T, rel, number, total, checksum string, data []byte, raw bool) {
		w := worldFor(t)
		key := ""
		r := w.must(200, w.api, "POST", "/v4/datasetrw/datasets/"+w.dataset+"/snapshot/file/start", `{"filePaths":[],"fileCollisionSetting":"Overwrite"}`, fixturesAdminKey()...)
		json.Unmarshal(r.body, &key)
		if checksum == "good" {
			sum := md5.Sum(data)
			checksum = hex.EncodeToString(sum[:])
		}
		var body bytes.Buffer
		ct := "multipart/form-data; boundary=boundary"
		if raw {
			body.Write(data)
		} else {
			mw := multipart.NewWriter(&body)
			fw, _ := mw.CreateFormFile("file", "f")
			fw.Write(data)
			mw.Close()
			ct = mw.FormDataContentType()
		}
		q := url.Values{"key": {key}, "resumableChunkNumber": {number}, "resumableTotalChunks": {total},
			"resumableIdentifier": {"id"}, "resumableRelativePath": {rel}, "checksum": {checksum}}
		req := httptest.NewRequest("POST", "/v4/datasetrw/datasets/"+w.dataset+"/snapshot/file?"+q.Encode(), &body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-Domino-Api-Key", fixturesAdminKey()[1])
		r = serveReq(w.api, req)
		check(t, r)
		if r.code != 200 {
			w.must(200, w.api, "GET", "/v4/datasetrw/datasets/"+w.dataset+"/snapshot/file/cancel/"+key, "", fixturesAdminKey()...)
			return
		}
		end := send(w.api, "GET", "/v4/datasetrw/datasets/"+w.dataset+"/snapshot/file/end/"+key, nil, "", fixturesAdminKey()...)
		check(t, end)
		if end.code != 200 {
			// Only a chunk short of its file's others, or one where a folder is, may not end.
			if end.code != 400 || total == "1" && !strings.Contains(string(end.body), "folder") {
				t.Fatalf("a session with one accepted chunk of %s/%s: %s", number, total, end)
			}
			w.must(200, w.api, "GET", "/v4/datasetrw/datasets/"+w.dataset+"/snapshot/file/cancel/"+key, "", fixturesAdminKey()...)
			return
		}
		sn := str(w.must(200, w.api, "GET", "/v4/datasetrw/datasets/"+w.dataset, "", fixturesAdminKey()...).obj(t)["readWriteSnapshotId"])
		get := httptest.NewRequest("GET", "/v4/datasetrw/snapshot/"+sn+"/file/raw?path="+url.QueryEscape(strings.TrimPrefix(rel, "/")), nil)
		get.Header.Set("X-Domino-Api-Key", fixturesAdminKey()[1])
		got := serveReq(w.api, get)
		if got.code != 200 || !bytes.Equal(got.body, data) {
			t.Fatalf("a chunk of %d bytes at %q reads back %s", len(data), rel, got)
		}
	})
}
