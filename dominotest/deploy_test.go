package dominotest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/dominotest"
)

// A deploy script as a CI job would write it, using only HTTP: an
// administrator's API key for what only an administrator may do (make the
// project, add the account to it) and a service account's token for the
// rest. It finds or creates each thing it needs, so a second run changes
// nothing but what a deploy is for: a new commit and a new run.

type deployConfig struct {
	apiURL, adminKey, token string
	project, environment    string
	file, content, command  string
}

type deployResult struct {
	projectID, environmentID, commitID, jobID, stdout string
	createdProject, createdEnvironment, addedAccount  bool
}

// client sends JSON (or a file's bytes) with one credential and decodes a
// JSON answer; a status other than want is an error naming the call.
type client struct {
	base string
	auth func(*http.Request)
}

func (c client) do(method, path string, body any, want int, out any) error {
	var rd io.Reader
	contentType := ""
	switch b := body.(type) {
	case nil:
	case []byte: // a file's bytes, as python-domino's files_upload sends them
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return err
		}
		rd, contentType = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	c.auth(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s %s", method, path, resp.Status, data)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

func deploy(cfg deployConfig) (deployResult, error) {
	var res deployResult
	admin := client{cfg.apiURL, func(r *http.Request) { r.Header.Set("X-Domino-Api-Key", cfg.adminKey) }}
	bot := client{cfg.apiURL, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+cfg.token) }}

	var me struct{ ID, UserName string }
	if err := admin.do("GET", "/v4/users/self", nil, 200, &me); err != nil {
		return res, err
	}
	var account struct{ ID string }
	if err := bot.do("GET", "/v4/users/self", nil, 200, &account); err != nil {
		return res, err
	}

	// The project, found by name and owner or created.
	var projects []struct{ ID, Name, OwnerUsername string }
	q := url.Values{"name": {cfg.project}, "ownerUsername": {me.UserName}}
	if err := admin.do("GET", "/v4/projects?"+q.Encode(), nil, 200, &projects); err != nil {
		return res, err
	}
	switch len(projects) {
	case 0:
		var p struct{ ID string }
		if err := admin.do("POST", "/v4/projects", map[string]any{"name": cfg.project, "visibility": "Private",
			"description": "deployed by CI"}, 200, &p); err != nil {
			return res, err
		}
		res.projectID, res.createdProject = p.ID, true
	case 1:
		res.projectID = projects[0].ID
	default:
		return res, fmt.Errorf("%d projects named %s", len(projects), cfg.project)
	}

	// The account, a Contributor of the project (the project lists its
	// collaborators with their roles; GET …/collaborators, people only).
	var project struct {
		Collaborators []struct{ CollaboratorID, ProjectRole string }
	}
	if err := admin.do("GET", "/v4/projects/"+res.projectID, nil, 200, &project); err != nil {
		return res, err
	}
	member := false
	for _, c := range project.Collaborators {
		member = member || c.CollaboratorID == account.ID && c.ProjectRole == "Contributor"
	}
	if !member {
		if err := admin.do("POST", "/v4/projects/"+res.projectID+"/collaborators",
			map[string]string{"collaboratorId": account.ID, "projectRole": "Contributor"}, 200, nil); err != nil {
			return res, err
		}
		res.addedAccount = true
	}

	// The environment, the account's own, found by name or created.
	var envs struct {
		Data []struct{ ID, Name string }
	}
	if err := bot.do("GET", "/v1/environments", nil, 200, &envs); err != nil {
		return res, err
	}
	for _, e := range envs.Data {
		if e.Name == cfg.environment {
			res.environmentID = e.ID
		}
	}
	if res.environmentID == "" {
		var e struct{ ID string }
		if err := bot.do("POST", "/v1/environments", map[string]string{"name": cfg.environment, "visibility": "Private",
			"image": "python:3.12"}, 200, &e); err != nil {
			return res, err
		}
		res.environmentID, res.createdEnvironment = e.ID, true
	}

	// The code, uploaded: a new commit.
	files := "/v1/projects/" + url.PathEscape(me.UserName) + "/" + url.PathEscape(cfg.project)
	if err := bot.do("PUT", files+"/"+cfg.file, []byte(cfg.content), 201, nil); err != nil {
		return res, err
	}
	var commits []struct{ ID string }
	if err := bot.do("GET", files+"/commits", nil, 200, &commits); err != nil {
		return res, err
	}
	if len(commits) == 0 {
		return res, fmt.Errorf("no commit after the upload")
	}
	res.commitID = commits[0].ID

	// A run on that commit, waited for, and its output.
	var job struct{ ID string }
	if err := bot.do("POST", "/v4/jobs/start", map[string]string{"projectId": res.projectID, "commandToRun": "python " + cfg.file,
		"commitId": res.commitID, "environmentId": res.environmentID}, 200, &job); err != nil {
		return res, err
	}
	res.jobID = job.ID
	var status struct {
		CommitDetails struct{ InputCommitID string }
		EnvironmentID string
		Statuses      struct {
			IsCompleted     bool
			ExecutionStatus string
		}
	}
	for polls := 0; !status.Statuses.IsCompleted; polls++ {
		if polls == 100 {
			return res, fmt.Errorf("job %s still %s after %d polls", job.ID, status.Statuses.ExecutionStatus, polls)
		}
		if err := bot.do("GET", "/v4/jobs/"+job.ID, nil, 200, &status); err != nil {
			return res, err
		}
	}
	if status.Statuses.ExecutionStatus != "Succeeded" || status.CommitDetails.InputCommitID != res.commitID || status.EnvironmentID != res.environmentID {
		return res, fmt.Errorf("job %s: %+v, want Succeeded on commit %s in environment %s", job.ID, status, res.commitID, res.environmentID)
	}
	var out struct{ Stdout string }
	if err := bot.do("GET", files+"/run/"+job.ID+"/stdout", nil, 200, &out); err != nil {
		return res, err
	}
	res.stdout = out.Stdout
	return res, nil
}

// TestDeployScript runs the deploy twice against a fresh mock: the first
// run makes what is missing, the second finds it all and only commits and
// runs again.
func TestDeployScript(t *testing.T) {
	srv := dominotest.NewServer(t)
	// Jobs take three polls and print what the script reads back.
	srv.SetJobLifecycle(t, dominotest.JobLifecycle{Mode: "polls", Polls: 3, FinalStatus: "Succeeded",
		Stdout: "epoch 1 loss 0.3\ntraining done\n"})
	sa := srv.CreateServiceAccount(t, "deployer")
	cfg := deployConfig{apiURL: srv.APIURL, adminKey: srv.AdminAPIKey, token: sa.Token,
		project: "churn-model", environment: "churn-env", file: "train.py", content: "print('v1')\n"}

	first, err := deploy(cfg)
	if err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	if !first.createdProject || !first.createdEnvironment || !first.addedAccount || !strings.Contains(first.stdout, "training done") {
		t.Fatalf("first deploy %+v", first)
	}
	cfg.content = "print('v2')\n"
	second, err := deploy(cfg)
	if err != nil {
		t.Fatalf("second deploy: %v", err)
	}
	if second.createdProject || second.createdEnvironment || second.addedAccount ||
		second.projectID != first.projectID || second.environmentID != first.environmentID {
		t.Fatalf("second deploy made or changed what the first made: %+v, first %+v", second, first)
	}
	if second.commitID == first.commitID || second.jobID == first.jobID || !strings.Contains(second.stdout, "training done") {
		t.Fatalf("second deploy did not commit and run again: %+v, first %+v", second, first)
	}

	// Each commit holds its own version of the code.
	for commit, want := range map[string]string{first.commitID: "print('v1')\n", second.commitID: "print('v2')\n"} {
		if got := string(srv.ReadFile(t, first.projectID, commit, "train.py")); got != want {
			t.Errorf("train.py at %s = %q, want %q", commit, got, want)
		}
	}
	// One project, one environment of that name, the account listed once.
	var projects []json.RawMessage
	admin := client{srv.APIURL, func(r *http.Request) { r.Header.Set("X-Domino-Api-Key", srv.AdminAPIKey) }}
	if err := admin.do("GET", "/v4/projects?name=churn-model", nil, 200, &projects); err != nil || len(projects) != 1 {
		t.Errorf("projects named churn-model: %d (%v)", len(projects), err)
	}
	var collaborators []struct{ ID string }
	if err := admin.do("GET", "/v4/projects/"+first.projectID+"/collaborators", nil, 200, &collaborators); err != nil {
		t.Fatal(err)
	}
	listed := 0
	for _, c := range collaborators {
		if c.ID == sa.ID {
			listed++
		}
	}
	if listed != 1 {
		t.Errorf("the account is listed %d times among the collaborators", listed)
	}
	var envs struct{ Data []struct{ Name string } }
	bot := client{srv.APIURL, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+sa.Token) }}
	if err := bot.do("GET", "/v1/environments", nil, 200, &envs); err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, e := range envs.Data {
		if e.Name == "churn-env" {
			named++
		}
	}
	if named != 1 {
		t.Errorf("%d environments named churn-env", named)
	}
}
