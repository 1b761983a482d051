package api_test

import (
	"testing"
)

// POST /v4/jobs/start honours the choices python-domino's job_start sends
// (commitId, mainRepoGitRef, overrideHardwareTierId, environmentId), and
// the job shows each as Domino's Job names it; what it leaves out comes
// from the project's settings, then the deployment's defaults.
func TestStartJobHonoursItsChoices(t *testing.T) {
	e := newEnv(t)
	_, tok := e.saWithToken("chooser", "Contributor")
	start := func(body string) map[string]any {
		t.Helper()
		return e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"main.py",`+body+`}`, bearer(tok)...).obj(t)
	}
	get := func(id any) map[string]any {
		t.Helper()
		return e.must(200, e.api, "GET", "/v4/jobs/"+str(id), "", bearer(tok)...).obj(t)
	}
	commitOf := func(m map[string]any) (in, out any) {
		d, _ := m["commitDetails"].(map[string]any)
		return d["inputCommitId"], d["outputCommitId"]
	}
	e.put(e.proxy, "/a.txt", "a")
	first := e.headCommit(t)
	e.put(e.proxy, "/a.txt", "b")
	head := e.headCommit(t)

	// python-domino's nulls: the head commit, the defaults.
	m := start(`"commitId":null,"mainRepoGitRef":null,"overrideHardwareTierId":null,"environmentId":null,"title":null`)
	if in, out := commitOf(m); in != head || out != nil {
		t.Errorf("defaults: input %v output %v, want %s and null", in, out, head)
	}
	if m["hardwareTierId"] != "small-k8s" || m["environmentId"] != envID || m["mainRepoGitRef"] != nil {
		t.Errorf("defaults: %v", m)
	}
	// Once it finished, its results are a commit of their own, the new head.
	done := get(m["id"])
	if in, out := commitOf(done); in != head || out == nil || out == head || out != e.headCommit(t) {
		t.Errorf("finished: input %v output %v (head %s)", in, out, e.headCommit(t))
	}

	m = start(`"commitId":"` + first + `","mainRepoGitRef":{"type":"branches","value":"dev"},"overrideHardwareTierId":"medium-k8s","environmentId":"` + envID + `"`)
	ref, _ := m["mainRepoGitRef"].(map[string]any)
	if in, _ := commitOf(m); in != first || m["hardwareTierId"] != "medium-k8s" || ref["type"] != "branches" || ref["value"] != "dev" {
		t.Errorf("chosen: %v", m)
	}
	if again := get(m["id"]); again["mainRepoGitRef"] == nil || again["hardwareTierId"] != "medium-k8s" {
		t.Errorf("read back: %v", again)
	}
	// The project's settings' defaults.
	e.must(200, e.proxy, "PUT", "/v4/projects/"+projectID+"/settings", `{"defaultHardwareTierId":"medium-k8s"}`)
	if m := start(`"overrideHardwareTierId":null`); m["hardwareTierId"] != "medium-k8s" {
		t.Errorf("settings' tier: %v", m["hardwareTierId"])
	}

	for body, part := range map[string]string{
		`"commitId":"0123456789abcdef0123456789abcdef01234567"`: "commitId",
		`"mainRepoGitRef":{"type":"branch","value":"dev"}`:      "mainRepoGitRef",
		`"mainRepoGitRef":{"type":"tags"}`:                      "mainRepoGitRef",
		`"mainRepoGitRef":"main"`:                               "mainRepoGitRef",
		`"overrideHardwareTierId":"huge"`:                       "overrideHardwareTierId",
	} {
		wantError(t, e.do(e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"x",`+body+`}`, bearer(tok)...), 400, part)
	}

	// The public API takes its GitRefV1 and shows it back.
	pub := e.must(200, e.api, "POST", "/api/jobs/v1/jobs", `{"projectId":"`+projectID+`","runCommand":"x","mainRepoGitRef":{"refType":"tags","value":"v1"},"commitId":"`+first+`"}`, bearer(tok)...).obj(t)
	j, _ := pub["job"].(map[string]any)
	pref, _ := j["mainRepoGitRef"].(map[string]any)
	if pref["refType"] != "tags" || pref["value"] != "v1" {
		t.Errorf("public API job's ref: %v", j)
	}
	if d, _ := j["commitDetails"].(map[string]any); d["inputCommitId"] != first {
		t.Errorf("public API job's commit: %v", j["commitDetails"])
	}
	wantError(t, e.do(e.api, "POST", "/api/jobs/v1/jobs", `{"projectId":"`+projectID+`","runCommand":"x","mainRepoGitRef":{"refType":"nope"}}`, bearer(tok)...), 400, "mainRepoGitRef")
}
