package api_test

// Handler tests of the dataset routes (datasets.go): the route cases
// TestEveryRouteIsTested counts, with the answers' shapes, and what only
// the HTTP layer does: the multipart chunk, the test route's 200/204, the
// archive, the journal.

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func init() {
	for k, v := range datasetRouteCases {
		if routeCases[k] != nil {
			panic("two cases for " + k)
		}
		routeCases[k] = v
	}
}

const rw = "/v4/datasetrw"

var rwDtoFields = map[string]string{"id": "string", "name": "string", "description": "string", "projectId": "string",
	"author": "string", "createdTime": "number", "datasetPath": "string", "lifecycleStatus": "string",
	"ownerUsernames": "array", "readWriteSnapshotId": "string", "snapshotIds": "array", "sizeInBytes": "number",
	"sizeStatus": "string", "statusLastUpdatedBy": "string", "statusLastUpdatedTime": "number", "tags": "object",
	"datasetStorageId": "string"}

var legacyFields = map[string]string{"datasetId": "string", "datasetName": "string", "description": "string",
	"projectId": "string", "projectName": "string", "projectOwner": "string", "created": "number", "snapshotIds": "array"}

var snapshotFields = map[string]string{"id": "string", "datasetId": "string", "version": "number", "author": "string",
	"creationTime": "number", "lastUsedTime": "null", "lifecycleStatus": "string", "statusLastUpdatedBy": "string",
	"statusLastUpdatedTime": "number", "storageSize": "number", "isPartialSize": "bool", "isReadWrite": "bool",
	"datasetStorageId": "string", "resourceId": "string"}

// newDataset makes a dataset in the fixture project as the admin.
func (e *env) newDataset(name string) map[string]any {
	e.t.Helper()
	return e.must(200, e.api, "POST", rw, `{"datasetName":"`+name+`","projectId":"`+projectID+`","description":"d"}`, asAdmin...).obj(e.t)
}

// chunkRequest is python-domino's chunk POST: the bytes as a multipart
// file part named after the relative path.
func chunkRequest(dsID, key, rel string, n, of int, data string, hdr ...string) *http.Request {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile(rel, rel[strings.LastIndex(rel, "/")+1:])
	fw.Write([]byte(data))
	mw.Close()
	sum := md5.Sum([]byte(data))
	q := url.Values{"key": {key}, "resumableChunkNumber": {fmt.Sprint(n)}, "resumableTotalChunks": {fmt.Sprint(of)},
		"resumableChunkSize": {"8388608"}, "resumableCurrentChunkSize": {fmt.Sprint(len(data))},
		"resumableIdentifier": {"id-" + rel}, "resumableRelativePath": {rel},
		"checksum": {strings.ToUpper(hex.EncodeToString(sum[:]))}}
	req := httptest.NewRequest("POST", rw+"/datasets/"+dsID+"/snapshot/file?"+q.Encode(), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return req
}

func (e *env) startUpload(h http.Handler, dsID, body string, hdr ...string) string {
	e.t.Helper()
	var key string
	r := e.must(200, h, "POST", rw+"/datasets/"+dsID+"/snapshot/file/start", body, hdr...)
	if err := json.Unmarshal(r.body, &key); err != nil || key == "" {
		e.t.Fatalf("%s: not a key", r)
	}
	return key
}

// uploadFiles uploads files (path → content), each in one chunk, and ends
// the session; it answers the new read-write snapshot's id.
func (e *env) uploadFiles(dsID string, files map[string]string) string {
	e.t.Helper()
	key := e.startUpload(e.api, dsID, `{"filePaths":[],"fileCollisionSetting":"Overwrite"}`, asAdmin...)
	for p, c := range files {
		if r := serveReq(e.api, chunkRequest(dsID, key, p, 1, 1, c, asAdmin...)); r.code != 200 {
			e.t.Fatalf("%s", r)
		}
	}
	e.must(200, e.api, "GET", rw+"/datasets/"+dsID+"/snapshot/file/end/"+key, "", asAdmin...)
	return str(e.must(200, e.api, "GET", rw+"/datasets/"+dsID, "", asAdmin...).obj(e.t)["readWriteSnapshotId"])
}

var datasetRouteCases = map[string]routeCase{
	"GET /dataset": func(t *testing.T, e *env) {
		d := e.newDataset("listed")
		for _, target := range []string{"/dataset", "/dataset?projectId=" + projectID} {
			list := e.must(200, e.proxy, "GET", target, "").list(t)
			if len(list) != 1 || list[0]["datasetId"] != d["id"] {
				t.Fatalf("%s: %v", target, list)
			}
			exactFields(t, "legacy dataset", list[0], legacyFields)
		}
		if list := e.must(200, e.api, "GET", "/dataset", "", asAlice...).list(t); len(list) != 0 {
			t.Errorf("alice, in no project, lists %v", list)
		}
		if list := e.must(200, e.api, "GET", "/dataset?projectId="+unknownObjectID, "", asAdmin...).list(t); len(list) != 0 {
			t.Errorf("an unknown project lists %v", list)
		}
		wantError(t, e.do(e.api, "GET", "/dataset?projectId=nope", "", asAdmin...), 400, "not a valid ID")
		wantError(t, e.do(e.api, "GET", "/dataset", ""), 401)
	},
	"POST /dataset": func(t *testing.T, e *env) {
		// python-domino's datasets_create body.
		m := e.must(200, e.proxy, "POST", "/dataset", `{"datasetName":"py","description":"from python","projectId":"`+projectID+`"}`).obj(t)
		exactFields(t, "legacy create", m, legacyFields)
		if m["datasetName"] != "py" || m["description"] != "from python" {
			t.Errorf("created %v", m)
		}
		wantError(t, e.do(e.proxy, "POST", "/dataset", `{"datasetName":"py","projectId":"`+projectID+`"}`), 500, "already exists")
		wantError(t, e.do(e.proxy, "POST", "/dataset", `{"datasetName":"a b","projectId":"`+projectID+`"}`), 400, "datasetName")
		wantError(t, e.do(e.proxy, "POST", "/dataset", `{"datasetName":"x"}`), 400, "projectId is required")
		wantError(t, e.do(e.proxy, "POST", "/dataset", `{"datasetName":"x","projectId":"nope"}`), 400, "Json validation error")
		wantError(t, e.do(e.api, "POST", "/dataset", `{"datasetName":"x","projectId":"`+projectID+`"}`, asAlice...), 403)
	},
	"GET /dataset/{datasetId}": func(t *testing.T, e *env) {
		d := e.newDataset("details")
		m := e.must(200, e.proxy, "GET", "/dataset/"+str(d["id"]), "").obj(t)
		exactFields(t, "legacy details", m, legacyFields)
		wantError(t, e.do(e.proxy, "GET", "/dataset/"+unknownObjectID, ""), 404)
		wantError(t, e.do(e.proxy, "GET", "/dataset/nope", ""), 400, "nope is not a valid ID")
		wantError(t, e.do(e.api, "GET", "/dataset/"+str(d["id"]), "", asAlice...), 403)
	},
	"PATCH /dataset/{datasetId}": func(t *testing.T, e *env) {
		d := e.newDataset("before")
		e.newDataset("taken")
		m := e.must(200, e.proxy, "PATCH", "/dataset/"+str(d["id"]), `{"datasetName":"after","description":"new"}`).obj(t)
		if m["datasetName"] != "after" || m["description"] != "new" {
			t.Errorf("patched %v", m)
		}
		wantError(t, e.do(e.proxy, "PATCH", "/dataset/"+str(d["id"]), `{"datasetName":"taken"}`), 500, "already exists")
		wantError(t, e.do(e.proxy, "PATCH", "/dataset/"+str(d["id"]), `{"datasetName":""}`), 400, "datasetName is required")
		wantError(t, e.do(e.api, "PATCH", "/dataset/"+str(d["id"]), `{}`, asAlice...), 403)
	},
	"DELETE /dataset/{datasetId}": func(t *testing.T, e *env) {
		d := e.newDataset("doomed")
		if r := e.must(204, e.proxy, "DELETE", "/dataset/"+str(d["id"]), ""); len(r.body) != 0 {
			t.Errorf("a body: %s", r)
		}
		wantError(t, e.do(e.proxy, "DELETE", "/dataset/"+str(d["id"]), ""), 404)
		e.newDataset("doomed") // the name is free again
	},
	"POST /v4/datasetrw": func(t *testing.T, e *env) {
		m := e.newDataset("v4")
		exactFields(t, "DatasetRwViewDto", m, map[string]string{"id": "string", "name": "string", "description": "string",
			"projectId": "string", "projectName": "string", "projectOwner": "string", "snapshotIds": "array", "tags": "object", "createdTime": "number"})
		if m["projectName"] != "quick-start" || m["projectOwner"] != "admin" || len(m["snapshotIds"].([]any)) != 1 {
			t.Errorf("created %v", m)
		}
		body := `{"datasetName":"granted","projectId":"` + projectID + `","grants":[{"targetId":"` + aliceID + `","targetRole":"DatasetRwReader"}]}`
		g := e.must(200, e.api, "POST", rw, body, asAdmin...).obj(t)
		e.must(200, e.api, "GET", rw+"/datasets/"+str(g["id"]), "", asAlice...)
		wantError(t, e.do(e.api, "POST", rw, `{"datasetName":"x","projectId":"`+projectID+`","grants":[{"targetId":"bad","targetRole":"DatasetRwReader"}]}`, asAdmin...), 400, "Json validation error")
		wantError(t, e.do(e.api, "POST", rw, `{"datasetName":"x","projectId":"`+projectID+`","grants":[{"targetId":"`+aliceID+`","targetRole":"Boss"}]}`, asAdmin...), 400, "targetRole")
		wantError(t, e.do(e.api, "POST", rw, `{"datasetName":"x","projectId":"`+projectID+`","datasetStorageId":"`+unknownObjectID+`"}`, asAdmin...), 400, "datasetStorageId")
		wantError(t, e.do(e.api, "POST", rw, `[]`, asAdmin...), 400)
		for i := 0; i < 3; i++ {
			e.newDataset(fmt.Sprintf("more-%d", i))
		}
		wantError(t, e.do(e.api, "POST", rw, `{"datasetName":"sixth","projectId":"`+projectID+`"}`, asAdmin...), 400, "--max-datasets")
	},
	"GET /v4/datasetrw/datasets-v2": func(t *testing.T, e *env) {
		d := e.newDataset("v2")
		list := e.must(200, e.api, "GET", rw+"/datasets-v2?includeProjectInfo=true&includeHasProjectAccess=true", "", asAdmin...).list(t)
		if len(list) != 1 {
			t.Fatalf("%v", list)
		}
		exactFields(t, "DatasetRwInfoDto", list[0], map[string]string{"datasetRwDto": "object", "projectInfo": "object"})
		exactFields(t, "DatasetRwDto", list[0]["datasetRwDto"].(map[string]any), rwDtoFields)
		// Observed: an unknown id in projectIdsToInclude or datasetIds gives 200 [].
		for _, q := range []string{"projectIdsToInclude=" + unknownObjectID, "datasetIds=" + unknownObjectID, "projectIdsToExclude=" + projectID} {
			if list := e.must(200, e.api, "GET", rw+"/datasets-v2?"+q, "", asAdmin...).list(t); len(list) != 0 {
				t.Errorf("%s: %v", q, list)
			}
		}
		if list := e.must(200, e.api, "GET", rw+"/datasets-v2?datasetIds="+str(d["id"])+","+unknownObjectID, "", asAdmin...).list(t); len(list) != 1 {
			t.Errorf("by id: %v", list)
		}
		wantError(t, e.do(e.api, "GET", rw+"/datasets-v2?datasetIds=nope", "", asAdmin...), 400, "not a valid ID")
		wantError(t, e.do(e.api, "GET", rw+"/datasets-v2?includeProjectInfo=maybe", "", asAdmin...), 400)
	},
	"GET /v4/datasetrw/datasets/name/{datasetName}": func(t *testing.T, e *env) {
		d := e.newDataset("named")
		m := e.must(200, e.api, "GET", rw+"/datasets/name/named?projectOwner=admin&projectName=quick-start", "", asAdmin...).obj(t)
		exactFields(t, "DatasetRwDetailsDto", m, map[string]string{"id": "string", "name": "string", "description": "string",
			"author": "string", "datasetPath": "string", "lifecycleStatus": "string", "readWriteSnapshotId": "string",
			"snapshotIds": "array", "tags": "object", "projects": "object"})
		if m["id"] != d["id"] {
			t.Errorf("found %v", m["id"])
		}
		wantError(t, e.do(e.api, "GET", rw+"/datasets/name/other?projectOwner=admin&projectName=quick-start", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", rw+"/datasets/name/named", "", asAdmin...), 400, "required")
		wantError(t, e.do(e.api, "GET", rw+"/datasets/name/named?projectOwner=admin&projectName=nope", "", asAdmin...), 404)
	},
	"GET /v4/datasetrw/datasets/{datasetId}": func(t *testing.T, e *env) {
		d := e.newDataset("got")
		m := e.must(200, e.api, "GET", rw+"/datasets/"+str(d["id"]), "", asAdmin...).obj(t)
		exactFields(t, "DatasetRwDto", m, rwDtoFields)
		// Observed: a malformed id is 400 "<id> is not a valid ID", an unknown one 404.
		wantError(t, e.do(e.api, "GET", rw+"/datasets/invalid", "", asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "GET", rw+"/datasets/"+unknownObjectID, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", rw+"/datasets/"+str(d["id"]), "", asAlice...), 403)
	},
	"PUT /v4/datasetrw/dataset/{datasetId}": func(t *testing.T, e *env) {
		d := e.newDataset("put")
		m := e.must(200, e.api, "PUT", rw+"/dataset/"+str(d["id"]), `{"description":"changed"}`, asAdmin...).obj(t)
		if m["description"] != "changed" || m["name"] != "put" {
			t.Errorf("%v", m)
		}
		wantError(t, e.do(e.api, "PUT", rw+"/dataset/"+str(d["id"]), `{"datasetName":"a/b"}`, asAdmin...), 400)
	},
	"DELETE /v4/datasetrw/dataset/{datasetId}": func(t *testing.T, e *env) {
		d := e.newDataset("del")
		m := e.must(200, e.api, "DELETE", rw+"/dataset/"+str(d["id"]), "", asAdmin...).obj(t)
		if m["lifecycleStatus"] != "Deleted" {
			t.Errorf("%v", m)
		}
		wantError(t, e.do(e.api, "DELETE", rw+"/dataset/"+str(d["id"]), "", asAdmin...), 404)
	},
	"GET /v4/datasetrw/dataset/{datasetId}/grants": func(t *testing.T, e *env) {
		d := e.newDataset("grants")
		list := e.must(200, e.api, "GET", rw+"/dataset/"+str(d["id"])+"/grants", "", asAdmin...).list(t)
		if len(list) != 1 || list[0]["targetName"] != "admin" || list[0]["targetRole"] != "DatasetRwOwner" {
			t.Errorf("%v", list)
		}
		exactFields(t, "grant", list[0], map[string]string{"targetId": "string", "targetName": "string", "targetRole": "string", "isOrganization": "bool"})
		wantError(t, e.do(e.api, "GET", rw+"/dataset/"+str(d["id"])+"/grants", "", asAlice...), 403)
	},
	"PUT /v4/datasetrw/dataset/{datasetId}/grants": func(t *testing.T, e *env) {
		d := e.newDataset("regrant")
		target := rw + "/dataset/" + str(d["id"]) + "/grants"
		list := e.must(200, e.api, "PUT", target, `{"grants":[{"targetId":"`+aliceID+`","targetRole":"DatasetRwEditor"}]}`, asAdmin...).list(t)
		if len(list) != 1 || list[0]["targetId"] != aliceID {
			t.Errorf("%v", list)
		}
		exactFields(t, "DatasetRwGrant", list[0], map[string]string{"targetId": "string", "targetRole": "string"})
		// alice, an editor now, may upload but not change the grants.
		e.startUpload(e.api, str(d["id"]), `{"filePaths":[]}`, asAlice...)
		wantError(t, e.do(e.api, "PUT", target, `{"grants":[]}`, asAlice...), 403)
		wantError(t, e.do(e.api, "PUT", target, `{}`, asAdmin...), 400, "grants is required")
		wantError(t, e.do(e.api, "PUT", target, `{"grants":[{"targetId":"`+aliceID+`","targetRole":"DatasetRwReader"},{"targetId":"`+aliceID+`","targetRole":"DatasetRwOwner"}]}`, asAdmin...), 400, "twice")
	},
	"GET /v4/datasetrw/snapshots/{datasetId}": func(t *testing.T, e *env) {
		d := e.newDataset("snaps")
		e.uploadFiles(str(d["id"]), map[string]string{"a.txt": "a"})
		list := e.must(200, e.api, "GET", rw+"/snapshots/"+str(d["id"]), "", asAdmin...).list(t)
		if len(list) != 2 || list[0]["version"] != 0.0 || list[1]["version"] != 1.0 || list[1]["isReadWrite"] != true || list[0]["isReadWrite"] != false {
			t.Fatalf("%v", list)
		}
		exactFields(t, "snapshot", list[1], snapshotFields)
		wantError(t, e.do(e.api, "GET", rw+"/snapshots/invalid", "", asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "GET", rw+"/snapshots/"+unknownObjectID, "", asAdmin...), 404)
	},
	"GET /v4/datasetrw/snapshot/{snapshotId}": func(t *testing.T, e *env) {
		d := e.newDataset("snap")
		m := e.must(200, e.api, "GET", rw+"/snapshot/"+str(d["snapshotIds"].([]any)[0]), "", asAdmin...).obj(t)
		exactFields(t, "summary", m, map[string]string{"snapshot": "object", "isReadWrite": "bool", "authorUsername": "string", "datasetDescription": "string"})
		exactFields(t, "snapshot", m["snapshot"].(map[string]any), snapshotFields)
		wantError(t, e.do(e.api, "GET", rw+"/snapshot/invalid", "", asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "GET", rw+"/snapshot/"+unknownObjectID, "", asAdmin...), 404)
	},
	"GET /v4/datasetrw/files/{snapshotId}": func(t *testing.T, e *env) {
		d := e.newDataset("files")
		sn := e.uploadFiles(str(d["id"]), map[string]string{"top.txt": "top", "dir/in.txt": "inside"})
		m := e.must(200, e.api, "GET", rw+"/files/"+sn+"?path=", "", asAdmin...).obj(t)
		rows := m["rows"].([]any)
		if len(rows) != 2 {
			t.Fatalf("%v", m)
		}
		first := rows[0].(map[string]any)
		exactFields(t, "row", first, map[string]string{"name": "object", "size": "object", "lastModified": "number"})
		if n := first["name"].(map[string]any); n["label"] != "dir" || n["isDirectory"] != true {
			t.Errorf("folders first: %v", rows)
		}
		if n := rows[1].(map[string]any)["name"].(map[string]any); n["label"] != "top.txt" || !strings.Contains(str(n["url"]), "/file/raw?path=top.txt") {
			t.Errorf("the file row: %v", n)
		}
		if rows := e.must(200, e.api, "GET", rw+"/files/"+sn+"?path=dir", "", asAdmin...).obj(t)["rows"].([]any); len(rows) != 1 {
			t.Errorf("dir: %v", rows)
		}
		// Observed: "/" is "Invalid path input", an unknown path "file <path> does not exist", both 400.
		wantError(t, e.do(e.api, "GET", rw+"/files/"+sn+"?path=/", "", asAdmin...), 400, "Invalid path input")
		wantError(t, e.do(e.api, "GET", rw+"/files/"+sn+"?path=nope", "", asAdmin...), 400, "file nope does not exist")
		wantError(t, e.do(e.api, "GET", rw+"/files/"+sn, "", asAdmin...), 400, "path is required")
		wantError(t, e.do(e.api, "GET", rw+"/files/invalid?path=", "", asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "GET", rw+"/files/"+unknownObjectID+"?path=", "", asAdmin...), 404)
	},
	"GET /v4/datasetrw/snapshot/{snapshotId}/file/raw": func(t *testing.T, e *env) {
		d := e.newDataset("raw")
		content := strings.Repeat("\x00\xffbytes", 1000)
		sn := e.uploadFiles(str(d["id"]), map[string]string{"b/data.bin": content})
		r := e.must(200, e.api, "GET", rw+"/snapshot/"+sn+"/file/raw?path=b/data.bin", "", asAdmin...)
		if string(r.body) != content || r.header.Get("Content-Length") != fmt.Sprint(len(content)) {
			t.Errorf("read %d bytes", len(r.body))
		}
		if h := e.must(200, e.api, "HEAD", rw+"/snapshot/"+sn+"/file/raw?path=b/data.bin", "", asAdmin...); len(h.body) != 0 {
			t.Error("HEAD has a body")
		}
		wantError(t, e.do(e.api, "GET", rw+"/snapshot/"+sn+"/file/raw?path=/", "", asAdmin...), 400, "Invalid path input")
		wantError(t, e.do(e.api, "GET", rw+"/snapshot/"+sn+"/file/raw?path=nope", "", asAdmin...), 400, "file nope does not exist")
		wantError(t, e.do(e.api, "GET", rw+"/snapshot/"+sn+"/file/raw?path=b", "", asAdmin...), 400, "is a folder")
		wantError(t, e.do(e.api, "GET", rw+"/snapshot/invalid/file/raw?path=x", "", asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "GET", rw+"/snapshot/"+sn+"/file/raw?path=b/data.bin", "", asAlice...), 403)
	},
	"POST /v4/datasetrw/snapshot/{snapshotId}/download": func(t *testing.T, e *env) {
		d := e.newDataset("dl")
		sn := e.uploadFiles(str(d["id"]), map[string]string{"a.txt": "a"})
		m := e.must(200, e.api, "POST", rw+"/snapshot/"+sn+"/download", `{"relativePaths":["a.txt"]}`, asAdmin...).obj(t)
		exactFields(t, "task", m, map[string]string{"taskId": "string", "taskKey": "string", "taskStatus": "string"})
		wantError(t, e.do(e.api, "POST", rw+"/snapshot/"+sn+"/download", `{"relativePaths":["b.txt"]}`, asAdmin...), 400, "does not exist")
		wantError(t, e.do(e.api, "POST", rw+"/snapshot/"+sn+"/download", `{}`, asAdmin...), 400, "relativePaths is required")
	},
	"GET /v4/datasetrw/snapshot/{snapshotId}/download/{taskId}": func(t *testing.T, e *env) {
		d := e.newDataset("dlstatus")
		sn := e.uploadFiles(str(d["id"]), map[string]string{"a.txt": "a"})
		task := e.must(200, e.api, "POST", rw+"/snapshot/"+sn+"/download", `{"relativePaths":[]}`, asAdmin...).obj(t)
		m := e.must(200, e.api, "GET", rw+"/snapshot/"+sn+"/download/"+str(task["taskId"]), "", asAdmin...).obj(t)
		if m["taskStatus"] != "Succeeded" || m["taskKey"] != task["taskKey"] {
			t.Errorf("%v", m)
		}
		wantError(t, e.do(e.api, "GET", rw+"/snapshot/"+sn+"/download/nope", "", asAdmin...), 404)
	},
	"GET /v4/datasetrw/snapshot/{snapshotId}/download-local/{taskKey}": func(t *testing.T, e *env) {
		d := e.newDataset("zip")
		files := map[string]string{"a.txt": "alpha", "d/b.bin": strings.Repeat("b", 70_000)}
		sn := e.uploadFiles(str(d["id"]), files)
		task := e.must(200, e.api, "POST", rw+"/snapshot/"+sn+"/download", `{"relativePaths":[""]}`, asAdmin...).obj(t)
		r := e.must(200, e.api, "GET", rw+"/snapshot/"+sn+"/download-local/"+str(task["taskKey"]), "", asAdmin...)
		z, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
		if err != nil {
			t.Fatal(err)
		}
		if len(z.File) != 2 {
			t.Fatalf("%d files", len(z.File))
		}
		for _, f := range z.File {
			rc, _ := f.Open()
			var b bytes.Buffer
			b.ReadFrom(rc)
			if b.String() != files[f.Name] {
				t.Errorf("%s differs", f.Name)
			}
		}
		wantError(t, e.do(e.api, "GET", rw+"/snapshot/"+sn+"/download-local/"+str(task["taskId"]), "", asAdmin...), 404)
	},
	"POST /v4/datasetrw/datasets/{datasetId}/snapshot/file/start": func(t *testing.T, e *env) {
		d := e.newDataset("start")
		e.startUpload(e.proxy, str(d["id"]), `{"filePaths":[],"fileCollisionSetting":"Ignore"}`)
		wantError(t, e.do(e.proxy, "POST", rw+"/datasets/"+str(d["id"])+"/snapshot/file/start", `{"filePaths":[],"fileCollisionSetting":"Replace"}`), 400, "fileCollisionSetting")
		wantError(t, e.do(e.proxy, "POST", rw+"/datasets/"+str(d["id"])+"/snapshot/file/start", `{}`), 400, "filePaths is required")
		wantError(t, e.do(e.api, "POST", rw+"/datasets/"+str(d["id"])+"/snapshot/file/start", `{"filePaths":[]}`, asAlice...), 403)
	},
	"GET /v4/datasetrw/datasets/{datasetId}/snapshot/file/test": func(t *testing.T, e *env) {
		d := e.newDataset("test")
		id := str(d["id"])
		key := e.startUpload(e.api, id, `{"filePaths":[]}`, asAdmin...)
		sum := md5.Sum([]byte("chunk"))
		q := func(checksum string) string {
			return rw + "/datasets/" + id + "/snapshot/file/test?" + url.Values{"key": {key}, "resumableChunkNumber": {"1"},
				"resumableTotalChunks": {"1"}, "resumableIdentifier": {"id-c.txt"}, "checksum": {checksum}}.Encode()
		}
		want := strings.ToUpper(hex.EncodeToString(sum[:]))
		e.must(204, e.api, "GET", q(want), "", asAdmin...) // not held: send it
		if r := serveReq(e.api, chunkRequest(id, key, "c.txt", 1, 1, "chunk", asAdmin...)); r.code != 200 {
			t.Fatal(r)
		}
		e.must(200, e.api, "GET", q(want), "", asAdmin...)                    // held: skip it
		e.must(204, e.api, "GET", q(strings.Repeat("0", 32)), "", asAdmin...) // another content
		wantError(t, e.do(e.api, "GET", rw+"/datasets/"+id+"/snapshot/file/test?key="+key, "", asAdmin...), 400, "required")
	},
	"POST /v4/datasetrw/datasets/{datasetId}/snapshot/file": func(t *testing.T, e *env) {
		d := e.newDataset("chunk")
		id := str(d["id"])
		key := e.startUpload(e.api, id, `{"filePaths":[]}`, asAdmin...)
		r := serveReq(e.api, chunkRequest(id, key, "x/y.txt", 1, 1, "why", asAdmin...))
		var answered string
		if r.code != 200 || json.Unmarshal(r.body, &answered) != nil || answered != key {
			t.Errorf("%s", r)
		}
		wantError(t, serveReq(e.api, chunkRequest(id, "nope", "y.txt", 1, 1, "y", asAdmin...)), 404, "Upload session")
		wantError(t, serveReq(e.api, chunkRequest(id, key, "../y.txt", 1, 1, "y", asAdmin...)), 400, "resumableRelativePath")
		wantError(t, serveReq(e.api, chunkRequest(id, key, "y.txt", 2, 1, "y", asAdmin...)), 400, "resumableChunkNumber")
		wantError(t, serveReq(e.api, chunkRequest(id, key, "y.txt", 1, 1, "y", asAlice...)), 403)
		bad := chunkRequest(id, key, "y.txt", 1, 1, "y", asAdmin...)
		bad.Header.Set("Content-Type", "application/octet-stream")
		wantError(t, serveReq(e.api, bad), 415, "multipart/form-data")
		// The journal keeps no chunk's bytes.
		j := e.must(200, e.proxy, "GET", "/__mock/journal?path="+url.QueryEscape(rw+"/datasets/"+id+"/snapshot/file"), "").obj(t)
		entries, _ := j["entries"].([]any)
		if len(entries) == 0 {
			t.Fatalf("journal: %v", j)
		}
		for _, en := range entries {
			if m := en.(map[string]any); m["route"] != "/v4/datasetrw/datasets/{datasetId}/snapshot/file" {
				continue
			} else if m["body"] != nil || !strings.Contains(str(m["bodyText"]), "not kept") || strings.Contains(fmt.Sprint(m), "why") {
				t.Errorf("the journal entry of a chunk: %v", m)
			}
		}
	},
	"GET /v4/datasetrw/datasets/{datasetId}/snapshot/file/end/{uploadKey}": func(t *testing.T, e *env) {
		d := e.newDataset("end")
		id := str(d["id"])
		key := e.startUpload(e.api, id, `{"filePaths":[]}`, asAdmin...)
		if r := serveReq(e.api, chunkRequest(id, key, "data/a.txt", 2, 2, "second", asAdmin...)); r.code != 200 {
			t.Fatal(r)
		}
		wantError(t, e.do(e.api, "GET", rw+"/datasets/"+id+"/snapshot/file/end/"+key, "", asAdmin...), 400, "lacks chunk 1 of 2")
		if r := serveReq(e.api, chunkRequest(id, key, "data/a.txt", 1, 2, "first", asAdmin...)); r.code != 200 {
			t.Fatal(r)
		}
		var path string
		json.Unmarshal(e.must(200, e.api, "GET", rw+"/datasets/"+id+"/snapshot/file/end/"+key, "", asAdmin...).body, &path)
		if path != "data/a.txt" {
			t.Errorf("end answered %q", path)
		}
		sn := str(e.must(200, e.api, "GET", rw+"/datasets/"+id, "", asAdmin...).obj(t)["readWriteSnapshotId"])
		if r := e.must(200, e.api, "GET", rw+"/snapshot/"+sn+"/file/raw?path=data/a.txt", "", asAdmin...); string(r.body) != "firstsecond" {
			t.Errorf("read %q", r.body)
		}
		wantError(t, e.do(e.api, "GET", rw+"/datasets/"+id+"/snapshot/file/end/"+key, "", asAdmin...), 404)
		key = e.startUpload(e.api, id, `{"filePaths":[]}`, asAdmin...)
		wantError(t, e.do(e.api, "GET", rw+"/datasets/"+id+"/snapshot/file/end/"+key+"?targetRelativePath=nowhere", "", asAdmin...), 400, "not a folder")
	},
	"GET /v4/datasetrw/datasets/{datasetId}/snapshot/file/cancel/{uploadKey}": func(t *testing.T, e *env) {
		d := e.newDataset("cancel")
		id := str(d["id"])
		key := e.startUpload(e.api, id, `{"filePaths":[]}`, asAdmin...)
		e.must(200, e.api, "GET", rw+"/datasets/"+id+"/snapshot/file/cancel/"+key, "", asAdmin...)
		wantError(t, e.do(e.api, "GET", rw+"/datasets/"+id+"/snapshot/file/end/"+key, "", asAdmin...), 404)
		if list := e.must(200, e.api, "GET", rw+"/snapshots/"+id, "", asAdmin...).list(t); len(list) != 1 {
			t.Errorf("a cancelled session made a snapshot: %v", list)
		}
	},
	"GET /v4/datasetrw/mounts-v2/{projectId}/shared": func(t *testing.T, e *env) {
		d := e.newDataset("mounted")
		other := e.must(200, e.api, "POST", "/v4/projects", `{"name":"consumer"}`, asAdmin...).obj(t)
		e.must(200, e.api, "POST", rw+"/"+str(other["id"])+"/shared/"+str(d["id"]), "", asAdmin...)
		list := e.must(200, e.api, "GET", rw+"/mounts-v2/"+str(other["id"])+"/shared", "", asAdmin...).list(t)
		if len(list) != 1 || list[0]["datasetId"] != d["id"] {
			t.Fatalf("%v", list)
		}
		fields(t, "mount", list[0], map[string]string{"datasetId": "string", "snapshotId": "string", "name": "string",
			"ownerProjectOwnerUsername": "string", "ownerProjectName": "string", "isPartialSize": "bool",
			"availableVersions": "number", "mountPathsForProject": "array", "dataPlanes": "array"})
		wantError(t, e.do(e.api, "GET", rw+"/mounts-v2/invalid/shared", "", asAdmin...), 400, "not a valid ID")
	},
	"POST /v4/datasetrw/{projectId}/shared/{datasetId}": func(t *testing.T, e *env) {
		d := e.newDataset("share")
		other := e.must(200, e.api, "POST", "/v4/projects", `{"name":"sharer"}`, asAdmin...).obj(t)
		m := e.must(200, e.api, "POST", rw+"/"+str(other["id"])+"/shared/"+str(d["id"]), "", asAdmin...).obj(t)
		exactFields(t, "SharedDatasetRwEntryDto", m, map[string]string{"projectId": "string", "sharedDatasets": "array"})
		wantError(t, e.do(e.api, "POST", rw+"/"+projectID+"/shared/"+str(d["id"]), "", asAdmin...), 400, "belongs to project")
	},
	"DELETE /v4/datasetrw/{projectId}/shared/{datasetId}": func(t *testing.T, e *env) {
		d := e.newDataset("unshare")
		other := e.must(200, e.api, "POST", "/v4/projects", `{"name":"unsharer"}`, asAdmin...).obj(t)
		e.must(200, e.api, "POST", rw+"/"+str(other["id"])+"/shared/"+str(d["id"]), "", asAdmin...)
		m := e.must(200, e.api, "DELETE", rw+"/"+str(other["id"])+"/shared/"+str(d["id"]), "", asAdmin...).obj(t)
		if len(m["sharedDatasets"].([]any)) != 0 {
			t.Errorf("%v", m)
		}
		e.must(200, e.api, "DELETE", rw+"/"+str(other["id"])+"/shared/"+str(d["id"]), "", asAdmin...) // again: nothing to do
	},
}
