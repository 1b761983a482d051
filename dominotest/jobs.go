package dominotest

import (
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Job is a job, or a legacy run (a run is a job), as the mock holds it:
// the fields of GET /v4/jobs/{id} that tests check.
type Job struct {
	ID        string
	ProjectID string
	Number    int // its number in its project, from 1
	Command   string
	Title     string
	// Status is its execution status: "Queued", "Running", "Succeeded",
	// "Failed", "Error" or "Stopped".
	Status      string
	IsCompleted bool
	// CommitID is the commit of the project's files it ran on;
	// OutputCommitID the commit its results are in once it finished (not
	// stopped), "" before.
	CommitID       string
	OutputCommitID string
	HardwareTierID string
	EnvironmentID  string
	// EnvironmentRevisionID is the revision of its environment it runs
	// with: the active one when it started.
	EnvironmentRevisionID string
	StartedBy             string // the username of who started it
	Submitted             time.Time
	Started, Completed    time.Time // zero until reached
	Stdout                string    // what it printed: "" until it completed
	Archived              bool
}

func jobOf(j store.Job) Job {
	return Job{ID: j.ID, ProjectID: j.ProjectID, Number: j.Number, Command: j.Command, Title: j.Title,
		Status: j.Status, IsCompleted: j.IsCompleted, CommitID: j.CommitID, OutputCommitID: j.OutputCommitID,
		HardwareTierID: j.HardwareTierID, EnvironmentID: j.EnvironmentID, EnvironmentRevisionID: j.EnvironmentRevisionID,
		StartedBy: j.StartedByUserName, Submitted: j.Submitted.UTC(), Started: utcOrZero(j.RunStart),
		Completed: utcOrZero(j.Completed), Stdout: j.Stdout, Archived: j.Archived}
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// StartJob starts a job in a project (by id) as the user or service account
// named, as POST /v4/jobs/start would: on the project's head commit, with
// the project's default hardware tier and environment. as must be allowed
// to start jobs there (the owner, an administrator, a Contributor or Owner
// collaborator).
func (s *Server) StartJob(t testing.TB, as, projectID, command string) Job {
	t.Helper()
	j, err := s.StartJobE(as, projectID, command)
	check(t, err)
	return j
}

// StartJobE is StartJob returning its error.
func (s *Server) StartJobE(as, projectID, command string) (Job, error) {
	st := s.srv.Store()
	c, err := st.CallerByUserName(as)
	if err != nil {
		return Job{}, fail("StartJob", err)
	}
	j, err := st.StartJob(c, store.JobInput{ProjectID: projectID, Command: command})
	if err != nil {
		return Job{}, fail("StartJob", err)
	}
	return jobOf(j), nil
}

// StartRun starts a legacy run in the project owner/name as the admin, as
// python-domino's runs_start would: the command's words joined by spaces.
func (s *Server) StartRun(t testing.TB, owner, name string, command ...string) Job {
	t.Helper()
	j, err := s.StartRunE(owner, name, command...)
	check(t, err)
	return j
}

// StartRunE is StartRun returning its error.
func (s *Server) StartRunE(owner, name string, command ...string) (Job, error) {
	admin, err := s.admin()
	if err != nil {
		return Job{}, fail("StartRun", err)
	}
	j, err := s.srv.Store().StartRun(admin, owner, name, store.JobInput{Command: strings.Join(command, " ")})
	if err != nil {
		return Job{}, fail("StartRun", err)
	}
	return jobOf(j), nil
}

// Job reads a job as the admin: a status read, as GET /v4/jobs/{id}, so
// it moves the job on as its lifecycle says.
func (s *Server) Job(t testing.TB, jobID string) Job {
	t.Helper()
	j, err := s.JobE(jobID)
	check(t, err)
	return j
}

// JobE is Job returning its error.
func (s *Server) JobE(jobID string) (Job, error) {
	admin, err := s.admin()
	if err != nil {
		return Job{}, fail("Job", err)
	}
	j, err := s.srv.Store().Job(admin, jobID)
	if err != nil {
		return Job{}, fail("Job", err)
	}
	return jobOf(j), nil
}

// WaitJob returns the job once it has completed: it reads it, and moves a
// job its lifecycle holds (manual, polls, clock) on to its final status as
// POST /__mock/jobs/{id}/advance does, without moving the mock's clock.
func (s *Server) WaitJob(t testing.TB, jobID string) Job {
	t.Helper()
	j, err := s.WaitJobE(jobID)
	check(t, err)
	return j
}

// WaitJobE is WaitJob returning its error.
func (s *Server) WaitJobE(jobID string) (Job, error) {
	for {
		j, err := s.JobE(jobID)
		if err != nil || j.IsCompleted {
			return j, err
		}
		if _, err := s.srv.Store().AdvanceJob(jobID); err != nil {
			return Job{}, fail("WaitJob", err)
		}
	}
}

// JobStdout is what a job printed ("" until it has completed), as
// python-domino's runs_stdout reads it.
func (s *Server) JobStdout(t testing.TB, jobID string) string {
	t.Helper()
	out, err := s.JobStdoutE(jobID)
	check(t, err)
	return out
}

// JobStdoutE is JobStdout returning its error.
func (s *Server) JobStdoutE(jobID string) (string, error) {
	j, err := s.JobE(jobID)
	if err != nil {
		return "", fail("JobStdout", err)
	}
	return j.Stdout, nil
}
