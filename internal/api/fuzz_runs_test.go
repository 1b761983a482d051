package api_test

// Fuzz tests of the decoders of the runs routes and of the jobs routes that
// act on a started job: runs_start's body, a start's mainRepoGitRef,
// restart, rename and archive. The properties of fuzz_test.go hold (no
// panic, no 5xx, errors in the route's shape), plus each target's own: no
// success a LauncherUser (who may not start or change jobs) earns, and
// what an accepted request made reads back as the rules say.

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
)

// jobAs reads a job as the world's Contributor.
func jobAs(t *testing.T, w *world, id string) map[string]any {
	t.Helper()
	r := send(w.api, "GET", "/v4/jobs/"+id, nil, "", "Authorization", "Bearer "+w.tok)
	check(t, r)
	if r.code != 200 {
		t.Fatalf("reading job %s: %s", id, r)
	}
	return r.obj(t)
}

func FuzzStartRun(f *testing.F) {
	for _, s := range []string{
		`{"command":["main.py","a","b"],"isDirect":false,"commitId":null,"title":null,"tier":null,"publishApiEndpoint":null}`,
		`{"command":"main.py","isDirect":true,"title":"t","tier":"Medium"}`,
		`{"command":["echo 'Hello, World!'"],"isDirect":true}`,
		`{"command":[]}`, `{"command":[1,2]}`, `{"command":null}`, `{"command":{"a":"b"}}`, `{"command":["x"],"tier":"Huge"}`,
		`{"command":["x"],"commitId":"abc123"}`, `{"command":["x"],"isDirect":"yes"}`, `[]`, `null`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asLauncher bool) {
		w := worldFor(t)
		tok, id := w.tok, w.sa.ID
		if asLauncher {
			tok, id = w.otherTok, w.other.ID
		}
		r := fuzzBody(t, w.api, "POST", "/v1/projects/admin/quick-start/runs", body, "application/json", "Authorization", "Bearer "+tok)
		if r.code != 200 {
			return
		}
		if asLauncher {
			t.Fatalf("a LauncherUser started a run: %s", r)
		}
		run := str(r.obj(t)["runId"])
		if !objectIDRE.MatchString(run) {
			t.Fatalf("runId %q: %s", run, r)
		}
		j := jobAs(t, w, run)
		if by, _ := j["startedBy"].(map[string]any); by["id"] != id || j["projectId"] != projectID || strings.TrimSpace(str(j["jobRunCommand"])) == "" {
			t.Fatalf("the run as a job: %v", j)
		}
	})
}

// FuzzStartJobGitRef: any mainRepoGitRef in either start route's body. A
// job started shows back a ref the rules allow.
func FuzzStartJobGitRef(f *testing.F) {
	for _, s := range []string{`{"type":"branches","value":"main"}`, `{"type":"head"}`, `{"type":"commitId","value":"960a4c99"}`,
		`{"type":"tags"}`, `{"type":"branch","value":"x"}`, `{"refType":"tags","value":"v1"}`, `{"refType":"custom","value":"x"}`,
		`null`, `"main"`, `{"type":"branches","value":7}`, `{}`, `[]`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, ref []byte, public bool) {
		w := worldFor(t)
		path, body := "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls","mainRepoGitRef":`
		if public {
			path, body = "/api/jobs/v1/jobs", `{"projectId":"`+projectID+`","runCommand":"ls","mainRepoGitRef":`
		}
		r := fuzzBody(t, w.api, "POST", path, append(append([]byte(body), ref...), '}'), "application/json", "Authorization", "Bearer "+w.tok)
		if r.code != 200 {
			return
		}
		j := r.obj(t)
		typeKey := "type"
		if public {
			j, _ = j["job"].(map[string]any)
			typeKey = "refType"
		}
		got, _ := j["mainRepoGitRef"].(map[string]any)
		if got == nil {
			if !bytes.Equal(bytes.TrimSpace(ref), []byte("null")) {
				t.Fatalf("ref %q dropped: %v", ref, j)
			}
			return
		}
		var sent map[string]any
		if err := json.Unmarshal(ref, &sent); err != nil {
			t.Fatalf("accepted ref %q that is no object", ref)
		}
		kind, value := str(got[typeKey]), str(got["value"])
		if fixtures.CheckGitRef("ref", kind, value) != nil || !slices.Contains(fixtures.GitRefTypes, kind) || len(value) > 1024 {
			t.Fatalf("ref %q became %v", ref, got)
		}
	})
}

func FuzzRestartJob(f *testing.F) {
	for _, s := range []string{`{"jobId":"JOB","shouldUseOriginalInputCommit":true}`, `{"jobId":"JOB","shouldUseOriginalInputCommit":false}`,
		`{"jobId":"JOB"}`, `{"shouldUseOriginalInputCommit":true}`, `{"jobId":"x","shouldUseOriginalInputCommit":true}`,
		`{"jobId":"` + unknownObjectID + `","shouldUseOriginalInputCommit":true}`, `{"jobId":"JOB","shouldUseOriginalInputCommit":"yes"}`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asLauncher bool) {
		w := worldFor(t)
		body = bytes.ReplaceAll(body, []byte("JOB"), []byte(w.job))
		tok, id := w.tok, w.sa.ID
		if asLauncher {
			tok, id = w.otherTok, w.other.ID
		}
		r := fuzzBody(t, w.api, "POST", "/v4/jobs/restart", body, "application/json", "Authorization", "Bearer "+tok)
		if r.code != 200 {
			return
		}
		if asLauncher {
			t.Fatalf("a LauncherUser restarted a job: %s", r)
		}
		j := r.obj(t)
		if by, _ := j["startedBy"].(map[string]any); j["id"] == w.job || j["jobRunCommand"] != "ls" || by["id"] != id {
			t.Fatalf("restart of %s: %v", w.job, j)
		}
	})
}

func FuzzRenameJob(f *testing.F) {
	for _, s := range []string{`{"name":"Hello World"}`, `{"name":""}`, `{"name":" "}`, `{"name":null}`, `{"name":7}`, `{}`,
		`{"name":"a\u0000b"}`, `{"name":"` + strings.Repeat("n", 1025) + `"}`, `{"name":"x","name":"y"}`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asLauncher bool) {
		w := worldFor(t)
		tok := w.tok
		if asLauncher {
			tok = w.otherTok
		}
		r := fuzzBody(t, w.api, "POST", "/v4/jobs/"+w.job+"/name", body, "application/json", "Authorization", "Bearer "+tok)
		if r.code != 200 {
			return
		}
		if asLauncher {
			t.Fatalf("a LauncherUser renamed a job: %s", r)
		}
		title := str(jobAs(t, w, w.job)["title"])
		if strings.TrimSpace(title) == "" || len(title) > 1024 || title != str(r.obj(t)["title"]) {
			t.Fatalf("renamed to %q by %q: %s", title, body, r)
		}
	})
}

func FuzzArchiveJob(f *testing.F) {
	for _, s := range []string{`{"jobId":"JOB"}`, `{"jobId":""}`, `{}`, `{"jobId":"x"}`, `{"jobId":"` + unknownObjectID + `"}`, `{"jobId":7}`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asLauncher bool) {
		w := worldFor(t)
		body = bytes.ReplaceAll(body, []byte("JOB"), []byte(w.job))
		tok := w.tok
		if asLauncher {
			tok = w.otherTok
		}
		r := fuzzBody(t, w.api, "POST", "/v4/jobs/archive", body, "application/json", "Authorization", "Bearer "+tok)
		if r.code != 200 {
			return
		}
		if asLauncher {
			t.Fatalf("a LauncherUser archived a job: %s", r)
		}
		if st, _ := jobAs(t, w, w.job)["statuses"].(map[string]any); st["isArchived"] != true || st["isCompleted"] != true {
			t.Fatalf("archived job reads %v", st)
		}
	})
}
