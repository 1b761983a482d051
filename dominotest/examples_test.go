package dominotest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/dominotest"
)

// The examples call the E twins, having no testing.TB; a test calls the
// helper itself, as each example's comment shows.

func ExampleServer_CreateServiceAccount() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: sa := srv.CreateServiceAccount(t, "ci-bot")
	sa, err := srv.CreateServiceAccountE("ci-bot")
	if err != nil {
		panic(err)
	}
	fmt.Println(sa.Username, sa.Email, sa.TokenName)
	// Output: ci-bot ci-bot@example.com ci-bot-token
}

func ExampleServer_CreateToken() {
	srv, err := dominotest.Start(dominotest.WithTokenTTL(24 * time.Hour))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	sa, err := srv.CreateServiceAccountE("ci-bot")
	if err != nil {
		panic(err)
	}

	// In a test: tok := srv.CreateToken(t, sa.IdpID, "deploy")
	tok, err := srv.CreateTokenE(sa.IdpID, "deploy")
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.Name, tok.IsValid, tok.ExpiresAt.Sub(tok.CreatedAt))

	req, _ := http.NewRequest("GET", srv.APIURL+"/v4/users/self", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	var self struct{ UserName string }
	json.NewDecoder(resp.Body).Decode(&self)
	resp.Body.Close()
	fmt.Println(resp.Status, self.UserName)
	// Output:
	// deploy true 24h0m0s
	// 200 OK ci-bot
}

// status is the status of GET /v4/users/self with a bearer token.
func status(srv *dominotest.Server, token string) string {
	req, _ := http.NewRequest("GET", srv.APIURL+"/v4/users/self", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	return resp.Status
}

func ExampleServer_InvalidateToken() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	sa, err := srv.CreateServiceAccountE("ci-bot")
	if err != nil {
		panic(err)
	}
	fmt.Println(status(srv, sa.Token))

	// In a test: srv.InvalidateToken(t, sa.IdpID, sa.TokenName)
	if err := srv.InvalidateTokenE(sa.IdpID, sa.TokenName); err != nil {
		panic(err)
	}
	fmt.Println(status(srv, sa.Token))
	// Output:
	// 200 OK
	// 401 Unauthorized
}

func ExampleServer_DeactivateServiceAccount() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	sa, err := srv.CreateServiceAccountE("ci-bot")
	if err != nil {
		panic(err)
	}

	// In a test: srv.DeactivateServiceAccount(t, sa.IdpID)
	if err := srv.DeactivateServiceAccountE(sa.IdpID); err != nil {
		panic(err)
	}
	fmt.Println(status(srv, sa.Token))
	_, err = srv.CreateTokenE(sa.IdpID, "another")
	fmt.Println(err != nil)
	// Output:
	// 401 Unauthorized
	// true
}

// Under the strict profile a reactivated account's new tokens work; under
// "observed" they do not, as in Domino.
func ExampleServer_ActivateServiceAccount() {
	srv, err := dominotest.Start(dominotest.WithProfile("strict"))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	sa, err := srv.CreateServiceAccountE("ci-bot")
	if err != nil {
		panic(err)
	}
	if err := srv.DeactivateServiceAccountE(sa.IdpID); err != nil {
		panic(err)
	}

	// In a test: srv.ActivateServiceAccount(t, sa.IdpID)
	if err := srv.ActivateServiceAccountE(sa.IdpID); err != nil {
		panic(err)
	}
	tok, err := srv.CreateTokenE(sa.IdpID, "after")
	if err != nil {
		panic(err)
	}
	fmt.Println("old token:", status(srv, sa.Token))
	fmt.Println("new token:", status(srv, tok.Value))
	// Output:
	// old token: 401 Unauthorized
	// new token: 200 OK
}

// get is the status of a GET with a bearer token.
func get(srv *dominotest.Server, path, token string) string {
	req, _ := http.NewRequest("GET", srv.APIURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	return resp.Status
}

func ExampleServer_AddCollaborator() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	sa, err := srv.CreateServiceAccountE("ci-bot")
	if err != nil {
		panic(err)
	}
	fmt.Println(get(srv, "/v4/projects/"+dominotest.ProjectID, sa.Token))

	// In a test: srv.AddCollaborator(t, dominotest.ProjectID, sa.ID, "Contributor")
	if err := srv.AddCollaboratorE(dominotest.ProjectID, sa.ID, "Contributor"); err != nil {
		panic(err)
	}
	fmt.Println(get(srv, "/v4/projects/"+dominotest.ProjectID, sa.Token))
	// Output:
	// 403 Forbidden
	// 200 OK
}

func ExampleServer_AdvanceClock() {
	srv, err := dominotest.Start(dominotest.WithTokenTTL(time.Hour))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	sa, err := srv.CreateServiceAccountE("ci-bot")
	if err != nil {
		panic(err)
	}
	before := srv.Now()

	// In a test: now := srv.AdvanceClock(t, 61*time.Minute)
	now, err := srv.AdvanceClockE(61 * time.Minute)
	if err != nil {
		panic(err)
	}
	fmt.Println(now.Sub(before).Round(time.Minute), status(srv, sa.Token))
	// Output: 1h1m0s 401 Unauthorized
}

func ExampleServer_SetClock() {
	srv, err := dominotest.Start(dominotest.WithStartTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	sa, err := srv.CreateServiceAccountE("ci-bot") // its token expires 120 days on
	if err != nil {
		panic(err)
	}
	// In a test: srv.SetClock(t, …)
	if err := srv.SetClockE(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		panic(err)
	}
	fmt.Println(srv.Now().Format(time.DateOnly), status(srv, sa.Token))
	// Back: the token is usable again.
	if err := srv.SetClockE(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)); err != nil {
		panic(err)
	}
	fmt.Println(srv.Now().Format(time.DateOnly), status(srv, sa.Token))
	// Output:
	// 2026-06-01 401 Unauthorized
	// 2026-01-02 200 OK
}

func ExampleServer_FreezeClock() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	// In a test: srv.FreezeClock(t)
	if err := srv.FreezeClockE(); err != nil {
		panic(err)
	}
	before := srv.Now()
	time.Sleep(10 * time.Millisecond)
	fmt.Println(srv.Now().Equal(before))
	if _, err := srv.AdvanceClockE(time.Hour); err != nil { // a frozen clock still moves when told
		panic(err)
	}
	fmt.Println(srv.Now().Sub(before))
	// Output:
	// true
	// 1h0m0s
}

func ExampleServer_ResumeClock() {
	srv, err := dominotest.Start(dominotest.WithStartTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	// In a test: srv.ResumeClock(t)
	if err := srv.ResumeClockE(); err != nil {
		panic(err)
	}
	time.Sleep(10 * time.Millisecond)
	now := srv.Now()
	fmt.Println(now.Format(time.DateOnly), now.After(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	// Output: 2026-01-01 true
}

func ExampleServer_Now() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	before := srv.Now()
	if _, err := srv.AdvanceClockE(48 * time.Hour); err != nil {
		panic(err)
	}
	fmt.Println(srv.Now().Sub(before).Round(time.Hour))
	// Output: 48h0m0s
}

// job starts a job in the fixtures' project through the proxy (as admin)
// and returns a function that reads its status.
func job(srv *dominotest.Server) (id string, read func() string) {
	resp, err := http.Post(srv.ProxyURL+"/v4/jobs/start", "application/json",
		strings.NewReader(`{"projectId":"`+dominotest.ProjectID+`","commandToRun":"python train.py"}`))
	if err != nil {
		panic(err)
	}
	var started struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&started)
	resp.Body.Close()
	return started.ID, func() string {
		resp, err := http.Get(srv.ProxyURL + "/v4/jobs/" + started.ID)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		var j struct {
			Statuses struct{ ExecutionStatus string }
		}
		json.NewDecoder(resp.Body).Decode(&j)
		return j.Statuses.ExecutionStatus
	}
}

func ExampleServer_SetJobLifecycle() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: srv.SetJobLifecycle(t, dominotest.JobLifecycle{…})
	err = srv.SetJobLifecycleE(dominotest.JobLifecycle{Mode: "polls", Polls: 3, FinalStatus: "Failed"})
	if err != nil {
		panic(err)
	}
	_, read := job(srv)
	fmt.Println(read(), read(), read())

	err = srv.SetJobLifecycleE(dominotest.JobLifecycle{Mode: "clock", QueuedFor: time.Minute, RunFor: time.Hour})
	if err != nil {
		panic(err)
	}
	_, read = job(srv)
	fmt.Print(read())
	for _, d := range []time.Duration{time.Minute, time.Hour} {
		if _, err := srv.AdvanceClockE(d); err != nil {
			panic(err)
		}
		fmt.Print(" ", read())
	}
	fmt.Println()
	// Output:
	// Running Running Failed
	// Queued Running Succeeded
}

func ExampleServer_AdvanceJob() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.SetJobLifecycleE(dominotest.JobLifecycle{Mode: "manual"}); err != nil {
		panic(err)
	}
	id, read := job(srv)
	fmt.Println(read())

	// In a test: status := srv.AdvanceJob(t, id)
	for range 2 {
		status, err := srv.AdvanceJobE(id)
		if err != nil {
			panic(err)
		}
		fmt.Println(status, read())
	}
	_, err = srv.AdvanceJobE(id)
	fmt.Println(err != nil)
	// Output:
	// Queued
	// Running Running
	// Succeeded Succeeded
	// true
}

func ExampleServer_Reset() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	sa, err := srv.CreateServiceAccountE("ci-bot")
	if err != nil {
		panic(err)
	}

	// In a test: srv.Reset(t)
	if err := srv.ResetE(); err != nil {
		panic(err)
	}
	fmt.Println(status(srv, sa.Token))
	_, err = srv.CreateServiceAccountE("ci-bot") // the name is free again
	fmt.Println(err)
	// Output:
	// 401 Unauthorized
	// <nil>
}

func ExampleServer_UploadFile() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: commit := srv.UploadFile(t, dominotest.ProjectOwner, dominotest.ProjectName, "train.py", []byte(…))
	commit, err := srv.UploadFileE(dominotest.ProjectOwner, dominotest.ProjectName, "train.py", []byte("print('hi')\n"))
	if err != nil {
		panic(err)
	}
	// python-domino's files_list reads the commit's files.
	resp, err := http.Get(srv.ProxyURL + "/v1/projects/admin/quick-start/files/" + commit + "/")
	if err != nil {
		panic(err)
	}
	var files struct {
		Data []struct {
			Path string
			Size int
		}
	}
	json.NewDecoder(resp.Body).Decode(&files)
	resp.Body.Close()
	fmt.Printf("%+v\n", files.Data)
	// Output: [{Path:train.py Size:12}]
}

func ExampleServer_ReadFile() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	first, err := srv.UploadFileE(dominotest.ProjectOwner, dominotest.ProjectName, "config.yaml", []byte("epochs: 1\n"))
	if err != nil {
		panic(err)
	}
	if _, err := srv.UploadFileE(dominotest.ProjectOwner, dominotest.ProjectName, "config.yaml", []byte("epochs: 2\n")); err != nil {
		panic(err)
	}

	// In a test: data := srv.ReadFile(t, dominotest.ProjectID, first, "config.yaml")
	data, err := srv.ReadFileE(dominotest.ProjectID, first, "config.yaml")
	if err != nil {
		panic(err)
	}
	fmt.Print(string(data))
	// Output: epochs: 1
}

func ExampleServer_Commits() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	for _, v := range []string{"1", "2"} {
		if _, err := srv.UploadFileE(dominotest.ProjectOwner, dominotest.ProjectName, "v.txt", []byte(v)); err != nil {
			panic(err)
		}
	}

	// In a test: commits := srv.Commits(t, dominotest.ProjectID)
	commits, err := srv.CommitsE(dominotest.ProjectID)
	if err != nil {
		panic(err)
	}
	for _, c := range commits { // newest first
		data, _ := srv.ReadFileE(dominotest.ProjectID, c.ID, "v.txt")
		fmt.Println(string(data), c.Name != "", !c.Time.IsZero())
	}
	// Output:
	// 2 true true
	// 1 true true
}

func ExampleServer_CreateEnvironment() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: env := srv.CreateEnvironment(t, dominotest.AliceUserName, "alice-env", "Private")
	env, err := srv.CreateEnvironmentE(dominotest.AliceUserName, "alice-env", "Private")
	if err != nil {
		panic(err)
	}
	fmt.Println(env.Name, env.Visibility, env.Revision.Number)
	_, err = srv.CreateEnvironmentE(dominotest.AliceUserName, "shared", "Global") // only administrators make Global ones
	fmt.Println(err != nil)
	// Output:
	// alice-env Private 1
	// true
}

func ExampleServer_AddEnvironmentRevision() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	env, err := srv.CreateEnvironmentE(dominotest.AdminUserName, "team-env", "Global")
	if err != nil {
		panic(err)
	}

	// In a test: rev := srv.AddEnvironmentRevision(t, env.ID, "python:3.13")
	rev, err := srv.AddEnvironmentRevisionE(env.ID, "python:3.13")
	if err != nil {
		panic(err)
	}
	active, _ := srv.ActiveRevisionE(env.ID)
	fmt.Println(rev.Number, active == rev)
	// Output: 2 true
}

func ExampleServer_ActiveRevision() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: rev := srv.ActiveRevision(t, dominotest.DefaultEnvironmentID)
	rev, err := srv.ActiveRevisionE(dominotest.DefaultEnvironmentID)
	if err != nil {
		panic(err)
	}
	fmt.Println(rev.Number, rev.ID == dominotest.DefaultEnvironmentRevisionID)
	// Output: 1 true
}

func ExampleServer_CreateProject() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: p := srv.CreateProject(t, "churn", dominotest.ProjectOptions{…})
	p, err := srv.CreateProjectE("churn", dominotest.ProjectOptions{Owner: dominotest.AliceUserName, Visibility: "Private",
		Tags: []string{"ml"}, RepositoryURI: "https://github.com/org/churn.git"})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.OwnerUsername, p.OwnerID == dominotest.AliceID, p.Visibility, p.Tags[0].Name, p.MainRepository.URI)
	// Output: alice true Private ml https://github.com/org/churn.git
}

// getJSON reads a route through the proxy, as the admin.
func getJSON(srv *dominotest.Server, path string, out any) string {
	resp, err := http.Get(srv.ProxyURL + path)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.Status
}

func ExampleServer_ArchiveProject() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	p, err := srv.CreateProjectE("old", dominotest.ProjectOptions{})
	if err != nil {
		panic(err)
	}

	// In a test: srv.ArchiveProject(t, p.ID)
	if err := srv.ArchiveProjectE(p.ID); err != nil {
		panic(err)
	}
	fmt.Println(getJSON(srv, "/v4/projects/"+p.ID, nil))
	// Output: 404 Not Found
}

func ExampleServer_SetProjectEnvVar() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: srv.SetProjectEnvVar(t, dominotest.ProjectID, "STAGE", "test")
	if err := srv.SetProjectEnvVarE(dominotest.ProjectID, "STAGE", "test"); err != nil {
		panic(err)
	}
	var vars []struct{ Name, Value string }
	getJSON(srv, "/v4/projects/"+dominotest.ProjectID+"/environmentVariables", &vars)
	fmt.Printf("%+v\n", vars)
	// Output: [{Name:STAGE Value:test}]
}

func ExampleServer_TagProject() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: srv.TagProject(t, dominotest.ProjectID, "nlp", "prod")
	if err := srv.TagProjectE(dominotest.ProjectID, "nlp", "prod"); err != nil {
		panic(err)
	}
	var p struct{ Tags []struct{ Name string } }
	getJSON(srv, "/v4/projects/"+dominotest.ProjectID, &p)
	fmt.Printf("%+v\n", p.Tags)
	// Output: [{Name:nlp} {Name:prod}]
}

// createAccount posts a service account through the proxy and returns the
// status answered.
func createAccount(srv *dominotest.Server, username string) string {
	resp, err := http.Post(srv.ProxyURL+"/v4/serviceAccounts", "application/json",
		strings.NewReader(`{"username":"`+username+`","email":"`+username+`@example.com"}`))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	return resp.Status
}

// The next two creations of a service account fail with 503; the third
// goes through.
func ExampleServer_AddFault() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: srv.AddFault(t, dominotest.Fault{…})
	_, err = srv.AddFaultE(dominotest.Fault{Method: "POST", Route: "/v4/serviceAccounts", Status: 503, Message: "try again", Times: 2})
	if err != nil {
		panic(err)
	}
	for range 3 {
		fmt.Println(createAccount(srv, "flaky"))
	}
	// Output:
	// 503 Service Unavailable
	// 503 Service Unavailable
	// 201 Created
}

func ExampleServer_Faults() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if _, err := srv.AddFaultE(dominotest.Fault{PathPrefix: "/v4/serviceAccounts", Status: 500}); err != nil {
		panic(err)
	}
	createAccount(srv, "a")
	createAccount(srv, "b")
	for _, f := range srv.Faults() {
		fmt.Println(f.ID, f.PathPrefix, f.Status, f.Fired)
	}
	// Output: fault-1 /v4/serviceAccounts 500 2
}

// One rule removed by its id; the other still fires.
func ExampleServer_RemoveFault() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	flaky, err := srv.AddFaultE(dominotest.Fault{Method: "POST", Route: "/v4/serviceAccounts", Status: 503})
	if err != nil {
		panic(err)
	}
	if _, err := srv.AddFaultE(dominotest.Fault{Route: "/v4/users/self", Status: 500}); err != nil {
		panic(err)
	}
	// In a test: srv.RemoveFault(t, flaky)
	if err := srv.RemoveFaultE(flaky); err != nil {
		panic(err)
	}
	fmt.Println(createAccount(srv, "a"))
	for _, f := range srv.Faults() {
		fmt.Println(f.ID, f.Route)
	}
	fmt.Println(srv.RemoveFaultE(flaky))
	// Output:
	// 201 Created
	// fault-2 /v4/users/self
	// dominotest: RemoveFault: No fault rule fault-1 (GET /__mock/faults lists them)
}

func ExampleServer_ClearFaults() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if _, err := srv.AddFaultE(dominotest.Fault{Status: 500}); err != nil {
		panic(err)
	}
	fmt.Println(createAccount(srv, "a"))
	srv.ClearFaults()
	fmt.Println(createAccount(srv, "a"), len(srv.Faults()))
	// Output:
	// 500 Internal Server Error
	// 201 Created 0
}

// What a client sent, and what it was answered, with secrets redacted.
func ExampleServer_Journal() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	sa, err := srv.CreateServiceAccountE("ci-bot")
	if err != nil {
		panic(err)
	}
	status(srv, sa.Token)
	status(srv, "expired-or-made-up")
	createAccount(srv, "ci-bot") // a duplicate: 500, as Domino answers

	for _, e := range srv.Journal(dominotest.JournalFilter{}) {
		fmt.Printf("%d %s %s %d %s caller=%q\n", e.Seq, e.Method, e.Route, e.Status, e.Auth, e.Caller)
		if e.Body != nil {
			fmt.Println("  body:", string(e.Body))
		}
	}
	// Why a 401 or 403 was refused, which the answer does not say.
	refused := srv.Journal(dominotest.JournalFilter{Status: 401})
	fmt.Println(len(refused), refused[0].Path, refused[0].Refusal)
	// Output:
	// 1 GET /v4/users/self 200 bearer caller="ci-bot"
	// 2 GET /v4/users/self 401 bearer caller=""
	// 3 POST /v4/serviceAccounts 500 proxy caller="admin"
	//   body: {"email":"ci-bot@example.com","username":"ci-bot"}
	// 1 /v4/users/self not a token the mock issued: not a JWT with a jti
}

func ExampleServer_ClearJournal() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	createAccount(srv, "a")
	srv.ClearJournal()
	createAccount(srv, "b")
	entries := srv.Journal(dominotest.JournalFilter{})
	fmt.Println(len(entries), entries[0].Seq, string(entries[0].Body))
	// Output: 1 2 {"email":"b@example.com","username":"b"}
}

func ExampleServer_Close() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	fmt.Println(srv.Close())
	_, err = http.Get(srv.ProxyURL + "/__mock/health")
	fmt.Println(err != nil)
	// Output:
	// <nil>
	// true
}

func ExampleServer_StartJob() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: j := srv.StartJob(t, "admin", dominotest.ProjectID, "python train.py")
	j, err := srv.StartJobE("admin", dominotest.ProjectID, "python train.py")
	if err != nil {
		panic(err)
	}
	fmt.Println(j.Command, j.Status, j.StartedBy)
	_, err = srv.StartJobE("nobody", dominotest.ProjectID, "python train.py")
	fmt.Println(err != nil)
	// Output:
	// python train.py Queued admin
	// true
}

func ExampleServer_StartRun() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: run := srv.StartRun(t, dominotest.ProjectOwner, dominotest.ProjectName, "main.py", "--epochs", "3")
	run, err := srv.StartRunE(dominotest.ProjectOwner, dominotest.ProjectName, "main.py", "--epochs", "3")
	if err != nil {
		panic(err)
	}
	fmt.Println(run.Command, run.ProjectID == dominotest.ProjectID)
	// Output:
	// main.py --epochs 3 true
}

func ExampleServer_Job() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.SetJobLifecycleE(dominotest.JobLifecycle{Mode: "polls", Polls: 2}); err != nil {
		panic(err)
	}
	started, err := srv.StartJobE("admin", dominotest.ProjectID, "python train.py")
	if err != nil {
		panic(err)
	}

	// In a test: j := srv.Job(t, started.ID)
	for range 3 {
		j, err := srv.JobE(started.ID) // each read is a poll
		if err != nil {
			panic(err)
		}
		fmt.Println(j.Status)
	}
	// Output:
	// Running
	// Succeeded
	// Succeeded
}

func ExampleServer_WaitJob() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.SetJobLifecycleE(dominotest.JobLifecycle{Mode: "manual"}); err != nil {
		panic(err)
	}
	started, err := srv.StartJobE("admin", dominotest.ProjectID, "python train.py")
	if err != nil {
		panic(err)
	}

	// In a test: j := srv.WaitJob(t, started.ID)
	j, err := srv.WaitJobE(started.ID) // the manual lifecycle holds it: WaitJob moves it on
	if err != nil {
		panic(err)
	}
	fmt.Println(j.Status, j.IsCompleted, j.OutputCommitID != "")
	// Output:
	// Succeeded true true
}

func ExampleServer_JobStdout() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.SetJobLifecycleE(dominotest.JobLifecycle{Mode: "manual", Stdout: "accuracy 0.93\n"}); err != nil {
		panic(err)
	}
	started, err := srv.StartJobE("admin", dominotest.ProjectID, "python train.py")
	if err != nil {
		panic(err)
	}
	if _, err := srv.WaitJobE(started.ID); err != nil {
		panic(err)
	}

	// In a test: out := srv.JobStdout(t, started.ID)
	out, err := srv.JobStdoutE(started.ID)
	if err != nil {
		panic(err)
	}
	fmt.Print(out)
	// Output:
	// accuracy 0.93
}

func ExampleServer_CreateScheduledJob() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: sj := srv.CreateScheduledJob(t, dominotest.ProjectID, dominotest.ScheduleOptions{…})
	sj, err := srv.CreateScheduledJobE(dominotest.ProjectID, dominotest.ScheduleOptions{
		Title: "nightly", Command: "etl.py", Cron: "0 0 2 * * ?"})
	if err != nil {
		panic(err)
	}
	fmt.Println(sj.Title, sj.Cron, sj.Timezone, sj.NextFire.Hour())
	_, err = srv.CreateScheduledJobE(dominotest.ProjectID, dominotest.ScheduleOptions{Command: "etl.py", Cron: "every night"})
	fmt.Println(err != nil)
	// Output:
	// nightly 0 0 2 * * ? UTC 2
	// true
}

func ExampleServer_ScheduledJobs() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	for _, title := range []string{"hourly", "daily"} {
		if _, err := srv.CreateScheduledJobE(dominotest.ProjectID, dominotest.ScheduleOptions{
			Title: title, Command: "etl.py", Cron: "0 0 * * * ?", Paused: title == "daily"}); err != nil {
			panic(err)
		}
	}

	// In a test: list := srv.ScheduledJobs(t, dominotest.ProjectID)
	list, err := srv.ScheduledJobsE(dominotest.ProjectID)
	if err != nil {
		panic(err)
	}
	for _, sj := range list {
		fmt.Println(sj.Title, sj.Paused, sj.NextFire.IsZero())
	}
	// Output:
	// hourly false false
	// daily true true
}

func ExampleServer_ProjectJobs() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if _, err := srv.CreateScheduledJobE(dominotest.ProjectID, dominotest.ScheduleOptions{
		Title: "hourly", Command: "etl.py", Cron: "0 0 * * * ?"}); err != nil {
		panic(err)
	}
	if _, err := srv.AdvanceClockE(2 * time.Hour); err != nil { // two firings come due
		panic(err)
	}

	// In a test: jobs := srv.ProjectJobs(t, dominotest.ProjectID)
	jobs, err := srv.ProjectJobsE(dominotest.ProjectID)
	if err != nil {
		panic(err)
	}
	for _, j := range jobs {
		fmt.Println(j.Title, j.Command, j.Submitted.Minute())
	}
	// Output:
	// hourly etl.py 0
	// hourly etl.py 0
}

func ExampleServer_CreateWorkspace() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: w := srv.CreateWorkspace(t, "admin", dominotest.ProjectID, "notebook")
	w, err := srv.CreateWorkspaceE("admin", dominotest.ProjectID, "notebook")
	if err != nil {
		panic(err)
	}
	fmt.Println(w.Name, w.OwnerName, w.State, w.Session, w.EnvironmentID == dominotest.DefaultEnvironmentID)
	// Output:
	// notebook admin Initializing Queued true
}

func ExampleServer_Workspace() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	w, err := srv.CreateWorkspaceE("admin", dominotest.ProjectID, "notebook")
	if err != nil {
		panic(err)
	}

	// In a test: w = srv.Workspace(t, dominotest.ProjectID, w.ID)
	w, err = srv.WorkspaceE(dominotest.ProjectID, w.ID) // the default lifecycle: running at this read
	if err != nil {
		panic(err)
	}
	fmt.Println(w.State, w.Session)
	// Output:
	// Started Running
}

func ExampleServer_StopWorkspace() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	w, err := srv.CreateWorkspaceE("admin", dominotest.ProjectID, "notebook")
	if err != nil {
		panic(err)
	}

	// In a test: srv.StopWorkspace(t, dominotest.ProjectID, w.ID)
	if err := srv.StopWorkspaceE(dominotest.ProjectID, w.ID); err != nil {
		panic(err)
	}
	w, err = srv.WorkspaceE(dominotest.ProjectID, w.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(w.State, w.Session)
	// Output:
	// Stopped Stopped
}

func ExampleServer_SetWorkspaceLifecycle() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: srv.SetWorkspaceLifecycle(t, dominotest.WorkspaceLifecycle{…})
	if err := srv.SetWorkspaceLifecycleE(dominotest.WorkspaceLifecycle{Mode: "clock", StartingFor: time.Minute}); err != nil {
		panic(err)
	}
	w, err := srv.CreateWorkspaceE("admin", dominotest.ProjectID, "notebook")
	if err != nil {
		panic(err)
	}
	for _, d := range []time.Duration{59 * time.Second, time.Second} {
		if _, err := srv.AdvanceClockE(d); err != nil {
			panic(err)
		}
		w, err := srv.WorkspaceE(dominotest.ProjectID, w.ID)
		if err != nil {
			panic(err)
		}
		fmt.Println(w.State)
	}
	fmt.Println(srv.SetWorkspaceLifecycleE(dominotest.WorkspaceLifecycle{Mode: "later"}) != nil)
	// Output:
	// Initializing
	// Started
	// true
}

func ExampleServer_AdvanceWorkspace() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.SetWorkspaceLifecycleE(dominotest.WorkspaceLifecycle{Mode: "manual"}); err != nil {
		panic(err)
	}
	w, err := srv.CreateWorkspaceE("admin", dominotest.ProjectID, "notebook")
	if err != nil {
		panic(err)
	}

	// In a test: w = srv.AdvanceWorkspace(t, w.ID)
	w, err = srv.AdvanceWorkspaceE(w.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(w.State, w.Session)
	// Output:
	// Started Running
}

func ExampleServer_CreateDataset() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: d := srv.CreateDataset(t, dominotest.ProjectID, "training-data")
	d, err := srv.CreateDatasetE(dominotest.ProjectID, "training-data")
	if err != nil {
		panic(err)
	}
	// python-domino's datasets_names lists it.
	resp, err := http.Get(srv.ProxyURL + "/dataset?projectId=" + dominotest.ProjectID)
	if err != nil {
		panic(err)
	}
	var list []struct{ DatasetID, DatasetName string }
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	fmt.Println(list[0].DatasetName, list[0].DatasetID == d.ID)
	_, err = srv.CreateDatasetE(dominotest.ProjectID, "training-data")
	fmt.Println(err)
	// Output:
	// training-data true
	// dominotest: CreateDataset: A dataset with the name training-data already exists in project admin/quick-start.
}

func ExampleServer_UploadDatasetFiles() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	d, err := srv.CreateDatasetE(dominotest.ProjectID, "inputs")
	if err != nil {
		panic(err)
	}

	// In a test: snapshot := srv.UploadDatasetFiles(t, d.ID, map[string][]byte{…})
	snapshot, err := srv.UploadDatasetFilesE(d.ID, map[string][]byte{"raw/a.csv": []byte("x,y\n1,2\n")})
	if err != nil {
		panic(err)
	}
	// The /v4 file browser lists the new snapshot's root.
	resp, err := http.Get(srv.ProxyURL + "/v4/datasetrw/files/" + snapshot + "?path=")
	if err != nil {
		panic(err)
	}
	var files struct {
		Rows []struct{ Name struct{ Label string } }
	}
	json.NewDecoder(resp.Body).Decode(&files)
	resp.Body.Close()
	fmt.Println(files.Rows[0].Name.Label)
	// Output: raw
}

func ExampleServer_ReadDatasetFile() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	d, err := srv.CreateDatasetE(dominotest.ProjectID, "inputs")
	if err != nil {
		panic(err)
	}
	first, err := srv.UploadDatasetFilesE(d.ID, map[string][]byte{"v.txt": []byte("one\n")})
	if err != nil {
		panic(err)
	}
	if _, err := srv.UploadDatasetFilesE(d.ID, map[string][]byte{"v.txt": []byte("two\n")}); err != nil {
		panic(err)
	}

	// In a test: data := srv.ReadDatasetFile(t, first, "v.txt")
	data, err := srv.ReadDatasetFileE(first, "v.txt") // an earlier snapshot reads as it was
	if err != nil {
		panic(err)
	}
	fmt.Print(string(data))
	// Output: one
}

func ExampleServer_DatasetSnapshots() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	d, err := srv.CreateDatasetE(dominotest.ProjectID, "inputs")
	if err != nil {
		panic(err)
	}
	if _, err := srv.UploadDatasetFilesE(d.ID, map[string][]byte{"a.bin": make([]byte, 10)}); err != nil {
		panic(err)
	}

	// In a test: snapshots := srv.DatasetSnapshots(t, d.ID)
	snapshots, err := srv.DatasetSnapshotsE(d.ID)
	if err != nil {
		panic(err)
	}
	for _, sn := range snapshots {
		fmt.Println(sn.Version, sn.Size, sn.IsReadWrite)
	}
	// Output:
	// 0 0 false
	// 1 10 true
}
