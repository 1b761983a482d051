package dominotest

import (
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Job is a job, or a legacy run (a run is a job), as the mock holds it.
type Job = store.Job

// StartJob starts a job in a project (by id) as the user or service account
// named as would with POST /v4/jobs/start: on the project's head commit,
// with the project's default hardware tier and environment. as must be
// allowed to start jobs there (the owner, an administrator, a Contributor
// or Owner collaborator).
func (s *Server) StartJob(t testing.TB, as, projectID, command string) Job {
	t.Helper()
	st := s.srv.Store()
	c, err := st.CallerByUserName(as)
	if err == nil {
		var j Job
		if j, err = st.StartJob(c, store.JobInput{ProjectID: projectID, Command: command}); err == nil {
			return j
		}
	}
	t.Fatalf("dominotest: starting %q: %v", command, err)
	return Job{}
}

// StartRun starts a legacy run in the project owner/name as the admin, as
// python-domino's runs_start would: the command's words joined by spaces.
func (s *Server) StartRun(t testing.TB, owner, name string, command ...string) Job {
	t.Helper()
	admin, err := s.admin()
	if err == nil {
		var j Job
		if j, err = s.srv.Store().StartRun(admin, owner, name, store.JobInput{Command: strings.Join(command, " ")}); err == nil {
			return j
		}
	}
	t.Fatalf("dominotest: starting a run of %s/%s: %v", owner, name, err)
	return Job{}
}

// Job reads a job as the admin: a status read, as GET /v4/jobs/{id}, so
// it moves the job on as its lifecycle says.
func (s *Server) Job(t testing.TB, jobID string) Job {
	t.Helper()
	admin, err := s.admin()
	if err == nil {
		var j Job
		if j, err = s.srv.Store().Job(admin, jobID); err == nil {
			return j
		}
	}
	t.Fatalf("dominotest: %v", err)
	return Job{}
}

// WaitJob returns the job once it has completed: it reads it, and moves a
// job its lifecycle holds (manual, polls, clock) on to its final status as
// POST /__mock/jobs/{id}/advance does, without moving the mock's clock.
func (s *Server) WaitJob(t testing.TB, jobID string) Job {
	t.Helper()
	for {
		j := s.Job(t, jobID)
		if j.IsCompleted {
			return j
		}
		if _, err := s.srv.Store().AdvanceJob(jobID); err != nil {
			t.Fatalf("dominotest: %v", err)
		}
	}
}

// JobStdout is what a job printed ("" until it has completed), as
// python-domino's runs_stdout reads it.
func (s *Server) JobStdout(t testing.TB, jobID string) string {
	t.Helper()
	return s.Job(t, jobID).Stdout
}
