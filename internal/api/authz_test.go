package api_test

// Object-level authorization: who may touch which account's credentials,
// which project, and which admin route.

import (
	"strings"
	"testing"
)

func TestGitCredentialsBelongToTheirAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, ta := e.saWithToken("owner-a", "Contributor")
	b, tb := e.saWithToken("owner-b", "Contributor")
	credB := e.addGitCredential(b.ID, "b-cred")

	// An account manages its own credentials.
	r := e.must(200, e.api, "POST", "/v4/accounts/"+a.ID+"/gitcredentials", ghCred, bearer(ta)...)
	credA := str(r.obj(t)["id"])
	if l := e.must(200, e.api, "GET", "/v4/accounts/"+a.ID+"/gitcredentials", "", bearer(ta)...).list(t); len(l) != 1 || l[0]["id"] != credA {
		t.Errorf("own list %v", l)
	}

	// Not another's: read, add, delete.
	wantError(t, e.do(e.api, "GET", "/v4/accounts/"+b.ID+"/gitcredentials", "", bearer(ta)...), 403)
	wantError(t, e.do(e.api, "POST", "/v4/accounts/"+b.ID+"/gitcredentials", ghCred, bearer(ta)...), 403)
	wantError(t, e.do(e.api, "DELETE", "/v4/accounts/"+b.ID+"/gitcredentials/"+credB, "", bearer(ta)...), 403)
	// Nor a human's.
	wantError(t, e.do(e.api, "GET", "/v4/accounts/"+adminID+"/gitcredentials", "", bearer(ta)...), 403)
	wantError(t, e.do(e.api, "GET", "/v4/accounts/"+aliceID+"/gitcredentials", "", bearer(ta)...), 403)
	// Another's credential id under its own account is not found.
	wantError(t, e.do(e.api, "DELETE", "/v4/accounts/"+a.ID+"/gitcredentials/"+credB, "", bearer(ta)...), 404)
	// Alice cannot touch a service account's credentials either.
	wantError(t, e.do(e.api, "GET", "/v4/accounts/"+b.ID+"/gitcredentials", "", asAlice...), 403)
	wantError(t, e.do(e.api, "DELETE", "/v4/accounts/"+b.ID+"/gitcredentials/"+credB, "", asAlice...), 403)
	// The admin-only variant of the routes refuses service accounts, even for their own.
	wantError(t, e.do(e.api, "GET", "/v4/serviceAccounts/"+a.IdpID+"/gitcredentials", "", bearer(ta)...), 403)
	wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/gitcredentials", ghCred, bearer(ta)...), 403)
	wantError(t, e.do(e.api, "DELETE", "/v4/serviceAccounts/"+b.IdpID+"/gitcredentials/"+credB, "", bearer(ta)...), 403)

	// b's credential is intact.
	if l := e.must(200, e.api, "GET", "/v4/accounts/"+b.ID+"/gitcredentials", "", bearer(tb)...).list(t); len(l) != 1 || l[0]["id"] != credB {
		t.Errorf("b's credentials changed: %v", l)
	}

	// Credential mappings act for the caller only.
	mp := "/v4/projects/" + projectID + "/repository/" + repoID + "/credentialMapping"
	e.must(200, e.api, "PUT", mp, `{"credentialId":"`+credB+`"}`, bearer(tb)...)
	// a cannot map b's credential, nor the admin's.
	wantError(t, e.do(e.api, "PUT", mp, `{"credentialId":"`+credB+`"}`, bearer(ta)...), 404)
	adminCred := e.addGitCredential(adminID, "admins")
	wantError(t, e.do(e.api, "PUT", mp, `{"credentialId":"`+adminCred+`"}`, bearer(ta)...), 404)
	// Nor can the admin map b's credential as its own.
	wantError(t, e.do(e.api, "PUT", mp, `{"credentialId":"`+credB+`"}`, asAdmin...), 404)
	// a sees no mapping (b's is b's); deleting a's removes nothing of b's.
	wantError(t, e.do(e.api, "GET", mp, "", bearer(ta)...), 404)
	e.must(200, e.api, "DELETE", mp, "", bearer(ta)...)
	if m := e.must(200, e.api, "GET", mp, "", bearer(tb)...).obj(t); m["raw"] != credB {
		t.Errorf("b's mapping after a's delete: %v", m)
	}
	e.must(200, e.api, "PUT", mp, `{"credentialId":"`+credA+`"}`, bearer(ta)...)
	if m := e.must(200, e.api, "GET", mp, "", bearer(tb)...).obj(t); m["raw"] != credB {
		t.Errorf("b's mapping after a's put: %v", m)
	}
	// A service account that is not a collaborator cannot map anything.
	c, tc := e.saWithToken("outsider", "")
	credC := e.addGitCredential(c.ID, "c-cred")
	wantError(t, e.do(e.api, "PUT", mp, `{"credentialId":"`+credC+`"}`, bearer(tc)...), 403)
	wantError(t, e.do(e.api, "GET", mp, "", bearer(tc)...), 403)
	wantError(t, e.do(e.api, "DELETE", mp, "", bearer(tc)...), 403)
}

func TestProjectAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, outsider := e.saWithToken("outsider", "")
	_, contributor := e.saWithToken("contrib", "Contributor")
	owner, ownerTok := e.saWithToken("co-owner", "Owner")
	other := e.createSA("another")
	job := str(e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(contributor)...).obj(t)["id"])

	type call struct{ method, path, body string }
	everything := []call{
		{"GET", "/v4/projects/" + projectID, ""},
		{"GET", "/v4/gateway/projects/findProjectByOwnerAndName?ownerName=admin&projectName=quick-start", ""},
		{"GET", "/v4/projects/" + projectID + "/collaborators", ""},
		{"POST", "/v4/projects/" + projectID + "/collaborators", `{"collaboratorId":"` + other.ID + `","projectRole":"Contributor"}`},
		{"DELETE", "/v4/projects/" + projectID + "/collaborators/" + owner.ID, ""},
		{"GET", "/v4/projects/" + projectID + "/hardwareTiers", ""},
		{"GET", "/v4/projects/" + projectID + "/useableEnvironments", ""},
		{"GET", "/v4/projects/" + projectID + "/repository/" + repoID + "/credentialMapping", ""},
		{"DELETE", "/v4/projects/" + projectID + "/repository/" + repoID + "/credentialMapping", ""},
		{"POST", "/api/jobs/v1/jobs", `{"projectId":"` + projectID + `","runCommand":"ls"}`},
		{"POST", "/v4/jobs/start", `{"projectId":"` + projectID + `","commandToRun":"ls"}`},
		{"POST", "/v4/jobs/stop", `{"projectId":"` + projectID + `","jobId":"` + job + `"}`},
		{"GET", "/v4/jobs?projectId=" + projectID, ""},
		{"GET", "/v4/jobs/" + job, ""},
		{"GET", "/v1/projects/admin/quick-start/run/" + job + "/stdout", ""},
	}
	for _, who := range []struct {
		name string
		hdr  []string
	}{{"a service account that is not a collaborator", bearer(outsider)}, {"alice", asAlice}} {
		for _, c := range everything {
			if wantError(t, e.do(e.api, c.method, c.path, c.body, who.hdr...), 403); t.Failed() {
				t.Fatalf("%s: %s %s", who.name, c.method, c.path)
			}
		}
	}

	// Roles that may not start or stop jobs, but may read.
	for _, role := range []string{"LauncherUser", "ResultsConsumer"} {
		a, tok := e.saWithToken("role-"+strings.ToLower(role), role)
		e.must(200, e.api, "GET", "/v4/projects/"+projectID, "", bearer(tok)...)
		e.must(200, e.api, "GET", "/v4/jobs/"+job, "", bearer(tok)...)
		wantError(t, e.do(e.api, "POST", "/api/jobs/v1/jobs", `{"projectId":"`+projectID+`","runCommand":"ls"}`, bearer(tok)...), 403)
		wantError(t, e.do(e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(tok)...), 403)
		wantError(t, e.do(e.api, "POST", "/v4/jobs/stop", `{"projectId":"`+projectID+`","jobId":"`+job+`"}`, bearer(tok)...), 403)
		// Nor manage collaborators.
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+projectID+"/collaborators", `{"collaboratorId":"`+other.ID+`","projectRole":"Owner"}`, bearer(tok)...), 403)
		// Promoted to Contributor, it may.
		e.addCollaborator(a.ID, "Contributor")
		e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(tok)...)
	}
	// A Contributor may start jobs but not manage collaborators, nor promote itself.
	wantError(t, e.do(e.api, "POST", "/v4/projects/"+projectID+"/collaborators", `{"collaboratorId":"`+other.ID+`","projectRole":"Contributor"}`, bearer(contributor)...), 403)
	// An Owner collaborator may manage collaborators and start jobs.
	e.must(200, e.api, "POST", "/v4/projects/"+projectID+"/collaborators", `{"collaboratorId":"`+other.ID+`","projectRole":"ResultsConsumer"}`, bearer(ownerTok)...)
	e.must(200, e.api, "POST", "/api/jobs/v1/jobs", `{"projectId":"`+projectID+`","runCommand":"ls"}`, bearer(ownerTok)...)

	// Removing a collaborator takes its access away at once.
	e.must(200, e.proxy, "DELETE", "/v4/projects/"+projectID+"/collaborators/"+owner.ID, "")
	wantError(t, e.do(e.api, "GET", "/v4/projects/"+projectID, "", bearer(ownerTok)...), 403)
	wantError(t, e.do(e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(ownerTok)...), 403)

	// None of the refused calls changed the project.
	cols := e.must(200, e.proxy, "GET", "/v4/projects/"+projectID, "").obj(t)["collaborators"].([]any)
	if len(cols) != 4 { // contrib, two promoted role accounts, another
		t.Errorf("collaborators %v", cols)
	}
}

// TestAliceOnAdminRoutes: a non-admin user on every admin route, with
// real ids, gets 403 and changes nothing.
func TestAliceOnAdminRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, tok := e.saWithToken("admin-only", "")
	cred := e.addGitCredential(a.ID, "gh")
	e.must(200, e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"manual"}`)
	job := str(e.must(200, e.proxy, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`).obj(t)["id"])
	before := compact(t, e.must(200, e.proxy, "GET", "/__mock/state", "").body)
	fill := strings.NewReplacer("{idpId}", a.IdpID, "{serviceAccountIdpId}", a.IdpID, "{name}", "t1", "{tokenName}", "t1",
		"{credentialId}", cred, "{jobId}", job, "{workspaceId}", unknownObjectID, "{exportId}", unknownObjectID, "{faultId}", "fault-1")
	bodies := map[string]string{
		"POST /v4/serviceAccounts":                                                                  `{"username":"by-alice","email":"by-alice@example.com"}`,
		"POST /v4/serviceAccounts/{idpId}/tokens":                                                   `{"name":"by-alice"}`,
		"POST /v4/serviceAccounts/{idpId}/gitcredentials":                                           ghCred,
		"POST /api/serviceAccounts/v1/serviceAccounts":                                              `{"username":"by-alice","email":"by-alice@example.com"}`,
		"POST /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/tokens":                 `{"name":"by-alice"}`,
		"POST /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/tokengitcredentials":    `{"name":"gh2","gitServiceProvider":"github","token":"t"}`,
		"POST /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/passwordgitcredentials": `{"name":"pw","gitServiceProvider":"github","username":"u","password":"p"}`,
		"POST /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/sshgitcredentials":      `{"name":"ssh","gitServiceProvider":"github","key":"k"}`,
		"PUT /__mock/state":          `{"version":1}`,
		"POST /__mock/clock":         `{"advance":"1h"}`,
		"PUT /__mock/jobs/lifecycle": `{"mode":"immediate"}`,
		"POST /__mock/faults":        `{"match":{},"effect":{"status":503}}`,
	}
	n := 0
	for _, rt := range registered(t, e.api) {
		method, pattern, _ := strings.Cut(rt, " ")
		admin := strings.HasPrefix(pattern, "/v4/serviceAccounts") || strings.HasPrefix(pattern, "/api/serviceAccounts") ||
			strings.HasPrefix(pattern, "/__mock/") && pattern != "/__mock/health"
		if !admin {
			continue
		}
		n++
		for _, hdr := range [][]string{asAlice, bearer(tok)} {
			r := e.do(e.api, method, fill.Replace(pattern), bodies[rt], hdr...)
			if wantError(t, r, 403); t.Failed() {
				t.Fatalf("route %s", rt)
			}
		}
	}
	if n != 49 {
		t.Errorf("%d admin routes, want 13 /v4 and 15 public service-account routes and 21 control routes", n)
	}
	if after := compact(t, e.must(200, e.proxy, "GET", "/__mock/state", "").body); after != before {
		t.Errorf("refused admin calls changed the state")
	}
	// The token still works: nothing was invalidated or deleted.
	e.must(200, e.api, "GET", "/v4/users/self", "", bearer(tok)...)
}
