package dominotest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/dominotest"
)

// A test starts a mock, makes a service account with a token, and calls the
// API host with it.
func Example() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	sa, err := srv.CreateServiceAccountE("ci-bot")
	if err != nil {
		panic(err)
	}

	req, _ := http.NewRequest("GET", srv.APIURL+"/v4/users/self", nil)
	req.Header.Set("Authorization", "Bearer "+sa.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)

	// Four months later the token has expired.
	if _, err := srv.AdvanceClockE(121 * 24 * time.Hour); err != nil {
		panic(err)
	}
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// 200 OK
	// 401 Unauthorized
}

func TestNewServer(t *testing.T) {
	srv := dominotest.NewServer(t, dominotest.WithProfile("strict"))
	sa := srv.CreateServiceAccount(t, "builder")
	srv.AddCollaborator(t, dominotest.ProjectID, sa.ID, "Contributor")

	req, _ := http.NewRequest("GET", srv.APIURL+"/v4/projects/"+dominotest.ProjectID, nil)
	req.Header.Set("Authorization", "Bearer "+sa.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("collaborator reading the project: %s", resp.Status)
	}

	// The proxy needs no credentials and acts as the admin.
	resp, err = http.Post(srv.ProxyURL+"/v4/serviceAccounts", "application/json",
		strings.NewReader(`{"username":"builder","email":"other@example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("duplicate under the strict profile: %s, want 409", resp.Status)
	}

	srv.Reset(t)
	req, _ = http.NewRequest("GET", srv.APIURL+"/v4/users/self", nil)
	req.Header.Set("Authorization", "Bearer "+sa.Token)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("token after reset: %s, want 401", resp.Status)
	}
	if srv.AdminAPIKey == "" || srv.UserAPIKey == "" {
		t.Fatal("default keys not exposed")
	}
}

// The public API of Domino 6.2 serves the same accounts: one made through
// /api/serviceAccounts/v1 gets a token there that works on /v4, and an
// account made by CreateServiceAccount is listed there.
func Example_publicAPI() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if _, err := srv.CreateServiceAccountE("made-on-v4"); err != nil {
		panic(err)
	}
	post := func(path, body string) map[string]any {
		resp, err := http.Post(srv.ProxyURL+path, "application/json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return m
	}
	const accounts = "/api/serviceAccounts/v1/serviceAccounts"
	sa := post(accounts, `{"username":"made-on-public","email":"p@example.com"}`)["serviceAccount"].(map[string]any)
	token := post(accounts+"/"+sa["idpId"].(string)+"/tokens", `{"name":"deploy"}`)["token"].(string)

	req, _ := http.NewRequest("GET", srv.APIURL+"/v4/users/self", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	var self struct{ UserName string }
	json.NewDecoder(resp.Body).Decode(&self)
	resp.Body.Close()
	fmt.Println(resp.Status, self.UserName)

	resp, err = http.Get(srv.ProxyURL + accounts + "?limit=10")
	if err != nil {
		panic(err)
	}
	var page struct {
		ServiceAccounts []struct{ Username string }
		Metadata        struct{ TotalCount int }
	}
	json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	fmt.Println(page.Metadata.TotalCount, page.ServiceAccounts[0].Username, page.ServiceAccounts[1].Username)
	// Output:
	// 200 OK made-on-public
	// 2 made-on-v4 made-on-public
}

// A script uploads a file with python-domino's files_upload; the test reads
// it at the commit the upload made, and an earlier commit still holds the
// file as it was.
func TestProjectFiles(t *testing.T) {
	srv := dominotest.NewServer(t)
	const project = dominotest.ProjectID // admin/quick-start
	first := srv.UploadFile(t, "admin", "quick-start", "/config.yaml", []byte("epochs: 1\n"))
	req, _ := http.NewRequest("PUT", srv.APIURL+"/v1/projects/admin/quick-start/config.yaml", strings.NewReader("epochs: 2\n"))
	req.Header.Set("X-Domino-Api-Key", srv.AdminAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("upload: %s", resp.Status)
	}
	commits := srv.Commits(t, project)
	if len(commits) != 2 || commits[1].ID != first {
		t.Fatalf("commits %+v", commits)
	}
	if got := string(srv.ReadFile(t, project, commits[0].ID, "config.yaml")); got != "epochs: 2\n" {
		t.Errorf("at the head: %q", got)
	}
	if got := string(srv.ReadFile(t, project, first, "config.yaml")); got != "epochs: 1\n" {
		t.Errorf("at the first commit: %q", got)
	}
}

// Environments: one a test makes gets numbered revisions, and a job started
// in it records the active one.
func TestEnvironments(t *testing.T) {
	srv := dominotest.NewServer(t)
	env := srv.CreateEnvironment(t, "alice", "alice-env", "Private")
	if env.Revision.Number != 1 || env.Visibility != "Private" {
		t.Fatalf("environment %+v", env)
	}
	second := srv.AddEnvironmentRevision(t, env.ID, "python:3.13")
	if second.Number != 2 || srv.ActiveRevision(t, env.ID) != second {
		t.Fatalf("second revision %+v, active %+v", second, srv.ActiveRevision(t, env.ID))
	}

	req, _ := http.NewRequest("GET", srv.APIURL+"/v4/environments/"+env.ID, nil)
	req.Header.Set("X-Domino-Api-Key", srv.UserAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		LatestRevision        struct{ ID string }
		LatestRevisionDetails struct{ DockerImage string }
	}
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if got.LatestRevision.ID != second.ID || got.LatestRevisionDetails.DockerImage != "python:3.13" {
		t.Fatalf("GET /v4/environments/%s: %+v", env.ID, got)
	}

	// A job started in the environment runs with its active revision.
	srv.AddCollaborator(t, dominotest.ProjectID, dominotest.AliceID, "Contributor")
	req, _ = http.NewRequest("POST", srv.APIURL+"/v4/jobs/start", strings.NewReader(
		`{"projectId":"`+dominotest.ProjectID+`","commandToRun":"main.py","environmentId":"`+env.ID+`"}`))
	req.Header.Set("X-Domino-Api-Key", srv.UserAPIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("job in alice's environment: %s", resp.Status)
	}
	// Global environments are for administrators to make.
	global := srv.CreateEnvironment(t, "admin", "shared", "Global")
	if global.Visibility != "Global" {
		t.Fatalf("global %+v", global)
	}
}
