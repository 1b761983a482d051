package api_test

import (
	"strings"
	"testing"
)

// TestSpecDeclaredFieldsAreAccepted: a body that carries every field Domino's
// OpenAPI specs declare for a route the mock serves (the /v4 spec and the
// 6.2 public API spec, with values of the declared types) is accepted, not
// refused; the mock uses the fields it models and ignores the others. A
// field no spec declares is ignored too (inferred; decode is the one place
// that decides it).
func TestSpecDeclaredFieldsAreAccepted(t *testing.T) {
	e := newEnv(t)
	a, tok := e.saWithToken("spec-fields", "Contributor")
	job := str(e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(tok)...).obj(t)["id"])
	cred := e.addGitCredential(a.ID, "gh")
	e.put(e.proxy, "/spec.txt", "x")
	commit := e.headCommit(t) // a job's commitId must be one of its project's
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v4/jobs/start", `{"projectId":"` + projectID + `","commandToRun":"python train.py","capacityType":"spot",
			"commitId":"` + commit + `",
			"computeClusterProperties":{"clusterType":"Spark","computeEnvironmentId":"` + envID + `","computeEnvironmentRevisionSpec":"ActiveRevision",
			  "masterHardwareTierId":"small-k8s","workerCount":2,"workerHardwareTierId":"small-k8s","workerStorage":{"value":10,"unit":"GiB"},"maxWorkerCount":3},
			"environmentId":"` + envID + `","environmentRevisionSpec":{"revisionId":"` + envID + `"},"externalVolumeMounts":["` + envID + `"],
			"mainRepoGitRef":{"type":"branches","value":"main"},"netAppVolumeIds":["31c4a22a-5571-4e9b-b7ac-921d241acd00"],
			"onDemandSparkClusterProperties":{"computeEnvironmentId":"` + envID + `","executorCount":2,"executorHardwareTierId":"small-k8s",
			  "masterHardwareTierId":"small-k8s","executorStorageMB":1024},
			"overrideHardwareTierId":"medium-k8s","overrideVolumeSizeGiB":12.5,"snapshotDatasetsOnCompletion":true,
			"snapshotNetAppVolumesOnCompletion":false,"title":"spec fields"}`},
		{"POST", "/api/jobs/v1/jobs", `{"projectId":"` + projectID + `","runCommand":"main.py","capacityType":"on-demand",
			"commitId":"` + commit + `","computeCluster":{"clusterType":"Ray","computeEnvironmentId":"` + envID + `"},
			"environmentId":"` + envID + `","environmentRevisionSpec":"ActiveRevision","externalVolumeMountIds":["` + envID + `"],
			"hardwareTier":"small-k8s","mainRepoGitRef":{"refType":"branches","value":"main"},"netAppVolumeIds":[],
			"snapshotDatasetsOnCompletion":false,"snapshotNetAppVolumesOnCompletion":true,"title":"K-means clustering"}`},
		{"POST", "/v4/jobs/stop", `{"projectId":"` + projectID + `","jobId":"` + job + `","commitResults":true,"source":"user"}`},
		{"POST", "/v4/serviceAccounts", `{"username":"spec-bot","email":"spec-bot@example.com"}`},
		{"POST", "/v4/serviceAccounts/" + a.IdpID + "/tokens", `{"name":"spec"}`},
		{"POST", "/v4/projects/" + projectID + "/collaborators", `{"collaboratorId":"` + aliceID + `","projectRole":"ResultsConsumer"}`},
		{"PUT", "/v4/projects/" + projectID + "/repository/" + repoID + "/credentialMapping", `{"credentialId":"` + e.addGitCredential(adminID, "mine") + `"}`},
		{"POST", saV1, `{"username":"spec-pub","email":"spec-pub@example.com"}`},
		{"POST", saV1 + "/" + a.IdpID + "/tokens", `{"name":"spec-pub"}`},
		{"POST", saV1 + "/" + a.IdpID + "/tokengitcredentials", `{"name":"t","gitServiceProvider":"github","domain":"github.com","token":"x"}`},
		{"POST", saV1 + "/" + a.IdpID + "/passwordgitcredentials", `{"name":"p","gitServiceProvider":"github","domain":"github.com","username":"u","password":"x"}`},
		{"POST", saV1 + "/" + a.IdpID + "/sshgitcredentials", `{"name":"s","gitServiceProvider":"github","domain":"github.com","key":"k","passphrase":"x"}`},
		{"PUT", "/api/users/v1/user/" + a.ID + "/tokenCredentials/" + cred, `{"name":"n","gitServiceProvider":"github","domain":"github.com","token":"x"}`},
		{"POST", "/api/projects/v1/projects/" + projectID + "/collaborators", `{"id":"` + a.ID + `","role":"contributor"}`},
		// A field no spec declares is ignored (inferred).
		{"POST", "/v4/serviceAccounts", `{"username":"extra-bot","email":"extra-bot@example.com","color":"blue","nested":{"a":[1]}}`},
	} {
		body := strings.Join(strings.Fields(c.body), " ")
		if r := e.do(e.api, c.method, c.path, body, asAdmin...); r.code/100 != 2 {
			t.Errorf("%s: a body of the spec's fields is refused", r)
		}
	}
	// The fields the mock models are used: the public job's hardware tier and title.
	m := e.must(200, e.api, "POST", "/api/jobs/v1/jobs", `{"projectId":"`+projectID+`","runCommand":"x","hardwareTier":"medium-k8s","title":"t1"}`, asAdmin...).obj(t)
	if j, _ := m["job"].(map[string]any); j["title"] != "t1" {
		t.Errorf("title not used: %v", m)
	}
}
