package dominotest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/dominotest"
)

// A script under test starts a legacy run over HTTP, as python-domino's
// runs_start does; the test waits for it, reads what it printed, and reads
// the files at the commit it ran on and at the commit of its results.
func TestRunsAndJobs(t *testing.T) {
	srv := dominotest.NewServer(t)
	const project = dominotest.ProjectID
	commit := srv.UploadFile(t, "admin", "quick-start", "train.py", []byte("print('hi')\n"))
	srv.SetJobLifecycle(t, dominotest.JobLifecycle{Mode: "manual", Stdout: "hi\n"})

	req, _ := http.NewRequest("POST", srv.APIURL+"/v1/projects/admin/quick-start/runs",
		strings.NewReader(`{"command":["train.py","--epochs","3"],"isDirect":false,"title":"nightly"}`))
	req.Header.Set("X-Domino-Api-Key", srv.AdminAPIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var started struct{ RunID string }
	json.NewDecoder(resp.Body).Decode(&started)
	resp.Body.Close()

	run := srv.Job(t, started.RunID)
	if run.Status != "Queued" || run.Command != "train.py --epochs 3" || run.CommitID != commit {
		t.Fatalf("run %+v", run)
	}
	done := srv.WaitJob(t, started.RunID) // the manual lifecycle holds it: WaitJob moves it on
	if done.Status != "Succeeded" || done.OutputCommitID == "" {
		t.Fatalf("waited for: %+v", done)
	}
	if out := srv.JobStdout(t, started.RunID); out != "hi\n" {
		t.Errorf("stdout %q", out)
	}
	if got := string(srv.ReadFile(t, project, done.CommitID, "train.py")); got != "print('hi')\n" {
		t.Errorf("train.py at the run's commit: %q", got)
	}
	if got := string(srv.ReadFile(t, project, done.OutputCommitID, "train.py")); got != "print('hi')\n" {
		t.Errorf("train.py at the run's output commit: %q", got)
	}

	// The same, started from Go: a run by owner and name, a job by project
	// id as a collaborator.
	sa := srv.CreateServiceAccount(t, "ci-bot")
	srv.AddCollaborator(t, project, sa.ID, "Contributor")
	j := srv.StartJob(t, "ci-bot", project, "python evaluate.py")
	if j.StartedBy != "ci-bot" || j.Number != run.Number+1 {
		t.Errorf("job %+v", j)
	}
	r := srv.StartRun(t, "admin", "quick-start", "main.py", "a b")
	if r.Command != "main.py a b" || r.Number != j.Number+1 {
		t.Errorf("run %+v", r)
	}
	if w := srv.WaitJob(t, r.ID); !w.IsCompleted {
		t.Errorf("run not completed: %+v", w)
	}
}
