package api_test

// TestNotebookReplay replays the service-account notebook (docs/sources.md),
// a notebook run against a real Domino through its API proxy, in order, and
// checks what it printed. The notebook's first cells found the accounts
// already there; the replay creates them first, then does what it did.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"
)

func TestNotebookReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	proxy := e.proxy
	// requests.post(..., json=data, headers={'Content-Type':'application/json'})
	jsonHdr := []string{"Content-Type", "application/json"}
	svc := "/v4/serviceAccounts"
	users := []string{"svc-user-ds-u1", "svc-admin-u2", "svc-user-ds-u3"}

	// In [7] create_sa for each: 201 the first time...
	for _, u := range users {
		r := e.do(proxy, "POST", svc, fmt.Sprintf(`{"username":%q,"email":"%s@xyz.com"}`, u, u), jsonHdr...)
		if r.code != 201 {
			t.Fatalf("create %s: %s", u, r)
		}
	}
	// ...and, as printed, 500 with the exact body once they exist.
	for _, u := range users {
		r := e.do(proxy, "POST", svc, fmt.Sprintf(`{"username":%q,"email":"%s@xyz.com"}`, u, u), jsonHdr...)
		want := fmt.Sprintf(`{"message":"A user with the username %s already exists.","success":false}`, u)
		if r.code != 500 || compact(t, r.body) != want {
			t.Errorf("create %s again: %s, want 500 %s", u, r, want)
		}
	}

	// In [6] / In [8] get_all_service_accounts, get_idp_id_by_sa.
	r := e.must(200, proxy, "GET", svc, "")
	var list []map[string]any
	if err := json.Unmarshal(r.body, &list); err != nil || len(list) != 3 {
		t.Fatalf("list: %s", r)
	}
	idp, id := map[string]string{}, map[string]string{}
	for i, m := range list {
		exactFields(t, "listed account", m, saFields)
		if m["username"] != users[i] || m["email"] != users[i]+"@xyz.com" {
			t.Errorf("account %d: %v", i, m)
		}
		idp[str(m["username"])], id[str(m["username"])] = str(m["idpId"]), str(m["id"])
	}

	// In [9] create_token for each: printed 500 there because they existed;
	// here 201 first, then 500.
	tokens := map[string]string{}
	for _, u := range users {
		r := e.do(proxy, "POST", svc+"/"+idp[u]+"/tokens", `{"name":"`+u+`-token-app"}`, jsonHdr...)
		if r.code != 201 {
			t.Fatalf("create token: %s", r)
		}
		tokens[u] = str(r.obj(t)["token"])
	}
	for _, u := range users {
		wantError(t, e.do(proxy, "POST", svc+"/"+idp[u]+"/tokens", `{"name":"`+u+`-token-app"}`, jsonHdr...), 500, u+"-token-app")
	}

	// In [11] list_all_tokens (a GET that sends Content-Type and no body).
	for _, u := range users {
		r := e.must(200, proxy, "GET", svc+"/"+idp[u]+"/tokens", "", jsonHdr...)
		var ts []map[string]any
		if err := json.Unmarshal(r.body, &ts); err != nil || len(ts) != 1 {
			t.Fatalf("tokens of %s: %s", u, r)
		}
		tk := ts[0]
		exactFields(t, "listed token", tk, tokenListFields)
		if tk["name"] != u+"-token-app" || tk["serviceAccountIdpId"] != idp[u] || tk["isValid"] != true {
			t.Errorf("token %v", tk)
		}
		// "2025-09-04T19:28:34.012Z": UTC, milliseconds.
		created, err1 := time.Parse("2006-01-02T15:04:05.000Z", str(tk["createdAt"]))
		expires, err2 := time.Parse("2006-01-02T15:04:05.000Z", str(tk["expiresAt"]))
		if err1 != nil || err2 != nil {
			t.Fatalf("times %v %v", tk["createdAt"], tk["expiresAt"])
		}
		// Observed: 120 days less a few milliseconds.
		if d := expires.Sub(created); d > 120*24*time.Hour || d < 120*24*time.Hour-time.Second {
			t.Errorf("expiresAt - createdAt = %v, want 120 days", d)
		}
	}

	// In [12] invalidate_token then delete_token (POST and DELETE with a
	// Content-Type header and no body): 200 each.
	for _, u := range users {
		e.must(200, proxy, "POST", svc+"/"+idp[u]+"/tokens/"+u+"-token-app/invalidate", "", jsonHdr...)
	}
	for _, u := range users {
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(tokens[u])...), 401)
	}
	for _, u := range users {
		e.must(200, proxy, "DELETE", svc+"/"+idp[u]+"/tokens/"+u+"-token-app", "", jsonHdr...)
	}

	// In [14] recreate: 201, a new token.
	for _, u := range users {
		r := e.must(201, proxy, "POST", svc+"/"+idp[u]+"/tokens", `{"name":"`+u+`-token-app"}`, jsonHdr...)
		tok := str(r.obj(t)["token"])
		if tok == "" || tok == tokens[u] {
			t.Errorf("recreated token of %s is empty or the old one", u)
		}
		tokens[u] = tok
		e.must(200, e.api, "GET", "/v4/users/self", "", bearer(tok)...)
	}

	// add_sa_as_project_collaborator(project_id, id, "Contributor").
	for _, u := range users {
		r := e.must(200, proxy, "POST", "/v4/projects/"+projectID+"/collaborators",
			fmt.Sprintf(`{"collaboratorId":%q,"projectRole":"Contributor"}`, id[u]), jsonHdr...)
		if m := r.obj(t); m["collaboratorId"] != id[u] || m["projectRole"] != "Contributor" {
			t.Errorf("collaborator %v", m)
		}
	}

	// Git credentials of one account, as the admin through the proxy:
	// get, delete each, add, get.
	u := "svc-user-ds-u1"
	svcToken := tokens[u]
	gc := "/v4/accounts/" + id[u] + "/gitcredentials"
	if creds := e.must(200, proxy, "GET", gc, "", jsonHdr...).list(t); len(creds) != 0 {
		for _, c := range creds {
			e.must(200, proxy, "DELETE", gc+"/"+str(c["id"]), "", jsonHdr...)
		}
	}
	r = e.must(200, proxy, "POST", gc, `{"name":"my-token","gitServiceProvider":"github","accessType":"token","token":"ghp_notebook","type":"TokenGitCredentialDto"}`, jsonHdr...)
	added := r.obj(t)
	exactFields(t, "added credential", added, gitCredFields)
	creds := e.must(200, proxy, "GET", gc, "", jsonHdr...).list(t)
	if len(creds) != 1 || creds[0]["id"] != added["id"] || creds[0]["name"] != "my-token" {
		t.Fatalf("credentials %v", creds)
	}
	credentialID := str(creds[0]["id"])

	// get_project_repo_id(project_id, svc_token): the proxy URL with the SA's Bearer.
	p := e.must(200, proxy, "GET", "/v4/projects/"+projectID, "", append(jsonHdr, bearer(svcToken)...)...).obj(t)
	repo, _ := p["mainRepository"].(map[string]any)
	if repo["id"] != repoID {
		t.Fatalf("repo id %v", repo)
	}

	// Credential mapping with the SA's token: get (none yet), delete, add
	// (the add goes to the API host, as in the notebook), then get it.
	auth := append(append([]string{}, jsonHdr...), bearer(svcToken)...)
	mp := "/v4/projects/" + projectID + "/repository/" + repoID + "/credentialMapping"
	wantError(t, e.do(proxy, "GET", mp, "", auth...), 404)
	e.must(200, proxy, "DELETE", mp, "", auth...)
	m := e.must(200, e.api, "PUT", mp, `{"credentialId":"`+credentialID+`"}`, auth...).obj(t)
	if m["userId"] != id[u] || m["credentialId"] != credentialID {
		t.Errorf("mapping %v", m)
	}
	if m := e.must(200, proxy, "GET", mp, "", auth...).obj(t); m["raw"] != credentialID {
		t.Errorf("mapping get %v", m)
	}

	// domino.job_start(...) with the SA's token on the API host, as
	// python-domino does it: version, find project, tiers, environments, start.
	api := e.api
	if v := e.must(200, api, "GET", "/version", "").obj(t); v["version"] != "6.2.0" {
		t.Errorf("version %v", v)
	}
	q := url.Values{"ownerName": {"admin"}, "projectName": {"quick-start"}}
	proj := e.must(200, api, "GET", "/v4/gateway/projects/findProjectByOwnerAndName?"+q.Encode(), "", bearer(svcToken)...).obj(t)
	if proj["id"] != projectID {
		t.Fatalf("project %v", proj)
	}
	var tiers []struct {
		HardwareTier struct{ ID, Name string } `json:"hardwareTier"`
	}
	json.Unmarshal(e.must(200, api, "GET", "/v4/projects/"+projectID+"/hardwareTiers", "", bearer(svcToken)...).body, &tiers)
	tierID := ""
	for _, tr := range tiers {
		if tr.HardwareTier.Name == "Small" {
			tierID = tr.HardwareTier.ID
		}
	}
	envs := e.must(200, api, "GET", "/v4/projects/"+projectID+"/useableEnvironments", "", bearer(svcToken)...).obj(t)
	envList, _ := envs["environments"].([]any)
	if tierID == "" || len(envList) == 0 {
		t.Fatalf("tiers %v envs %v", tiers, envs)
	}
	envID := str(envList[0].(map[string]any)["id"])
	job := e.must(200, api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"/tmp/ls","commitId":null,`+
		`"overrideHardwareTierId":"`+tierID+`","onDemandSparkClusterProperties":null,"computeClusterProperties":null,`+
		`"environmentId":"`+envID+`","title":"Test Job for SVC Account","externalVolumeMounts":null}`, bearer(svcToken)...).obj(t)
	by, _ := job["startedBy"].(map[string]any)
	if job["jobRunCommand"] != "/tmp/ls" || job["title"] != "Test Job for SVC Account" || by["username"] != u || job["hardwareTierId"] != tierID {
		t.Errorf("job %v", job)
	}
	got := e.must(200, api, "GET", "/v4/jobs/"+str(job["id"]), "", bearer(svcToken)...).obj(t)
	if st, _ := got["statuses"].(map[string]any); st["executionStatus"] != "Succeeded" {
		t.Errorf("job status %v", got["statuses"])
	}
}
