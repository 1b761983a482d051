package store

import (
	"strings"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Runs and what is done to a job after it starts. A legacy run (python-
// domino's runs_start, the /v1 runs routes) IS a job: the same job, the
// same rules (StartJob's newJob), numbered with the project's other jobs,
// seen by every job route. Restart, rename and archive are the /v4 jobs
// API's; who may do them is who may start and stop jobs (inferred).

// StartRun starts a job in the project owner/name, for the legacy runs
// route; in names no project.
func (s *Store) StartRun(c Caller, owner, name string, in JobInput) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	p, err := s.st.projectNamed(c, owner, name)
	if err != nil {
		return Job{}, err
	}
	in.ProjectID = p.id
	j, err := s.newJob(c, p, in)
	if err != nil {
		return Job{}, err
	}
	return s.commitNewJob(j)
}

// MayStartRun says whether c may start runs in project owner/name: the
// legacy start route asks before its body is read.
func (s *Store) MayStartRun(c Caller, owner, name string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.projectNamed(c, owner, name)
	if err != nil {
		return err
	}
	return mayStartJobs(c, p)
}

// MayChangeJob says whether c may change (rename) the job jobID: the rename
// route asks before its body is read.
func (s *Store) MayChangeJob(c Caller, jobID string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, _, err := s.st.changeableJob(c, jobID, "change")
	return err
}

// Runs lists the jobs of project owner/name, newest first, brought up to
// date. Each listing is a status read of every run it lists: python-
// domino's runs_start_blocking follows a run only through this list
// (get_run_info), so a run under the "polls" lifecycle finishes by it.
func (s *Store) Runs(c Caller, owner, name string) ([]Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	p, err := s.st.projectNamed(c, owner, name)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now()
	jobs := s.st.projectJobs[p.id]
	out := make([]Job, 0, len(jobs))
	for i := len(jobs) - 1; i >= 0; i-- {
		s.progress(jobs[i], now, true)
		out = append(out, jobs[i].view())
	}
	return out, nil
}

// Run is one job of project owner/name, brought up to date; each call is a
// status poll.
func (s *Store) Run(c Caller, owner, name, runID string) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	j, err := s.st.runOf(c, owner, name, runID)
	if err != nil {
		return Job{}, err
	}
	s.progress(j, s.cfg.Clock.Now(), true)
	return j.view(), nil
}

// runOf is the job runID of project owner/name, which c may read.
func (st *state) runOf(c Caller, owner, name, runID string) (*job, error) {
	p, err := st.projectNamed(c, owner, name)
	if err != nil {
		return nil, err
	}
	j := st.jobs[runID]
	if j == nil || j.projectID != p.id {
		return nil, errorf(KindNotFound, "Run %s not found in project %s/%s", clip(runID), clip(owner), clip(name))
	}
	return j, nil
}

// changeableJob is a job of a live project in which c may start and stop
// jobs.
func (st *state) changeableJob(c Caller, id, action string) (*job, *project, error) {
	if id == "" {
		return nil, nil, errorf(KindInvalid, "jobId is required")
	}
	j := st.jobs[id]
	if j == nil {
		return nil, nil, errorf(KindNotFound, "Job %s not found", clip(id))
	}
	p, err := st.readableProject(c, j.projectID)
	if err != nil {
		return nil, nil, err
	}
	if !p.canStartJobs(c) {
		return nil, nil, errorf(KindForbidden, "Forbidden: %s may not %s jobs in project %s", c.UserName, action, p.name)
	}
	return j, p, nil
}

// RestartJob starts the job again as a new job, numbered after the
// project's others and started by c: the same command, title, hardware
// tier, environment revision and git ref; from the original's input commit,
// or, without useOriginalCommit, from the project's head (inferred: the
// spec names the choice shouldUseOriginalInputCommit and nothing else).
func (s *Store) RestartJob(c Caller, jobID string, useOriginalCommit bool) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	orig, p, err := s.st.changeableJob(c, jobID, "restart")
	if err != nil {
		return Job{}, err
	}
	j := &job{
		projectID: p.id, command: orig.command, title: orig.title, hardwareTier: orig.hardwareTier,
		environmentID: orig.environmentID, revision: orig.revision, revisionSpec: orig.revisionSpec,
		commitID: orig.commitID, startedBy: s.st.users[c.ID], status: StatusQueued, lifecycle: s.st.lifecycle,
	}
	if orig.gitRef != nil {
		ref := *orig.gitRef
		j.gitRef = &ref
	}
	if head := s.st.files.repos[p.id].headID(); !useOriginalCommit && head != "" {
		j.commitID = head
	}
	if j.startedBy == nil {
		return Job{}, errCallerGone
	}
	return s.commitNewJob(j)
}

// RenameJob sets a job's title (observed: POST /v4/jobs/{jobId}/name
// answers the job with the new title). A blank name is refused (inferred).
func (s *Store) RenameJob(c Caller, jobID, name string) (Job, error) {
	if strings.TrimSpace(name) == "" {
		return Job{}, errorf(KindInvalid, "name is required")
	}
	if len(name) > maxJobTitleBytes {
		return Job{}, errorf(KindInvalid, "name is longer than %d bytes, the most mockdomino keeps", maxJobTitleBytes)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	j, _, err := s.st.changeableJob(c, jobID, "rename")
	if err != nil {
		return Job{}, err
	}
	if err := s.writable(); err != nil {
		return Job{}, err
	}
	j.title = name
	return j.view(), s.commit(change{jobs: []*job{j}})
}

// ArchiveJob archives a finished job: it is still found, and leaves the
// project's job list unless archived ones are asked for (the spec's
// show_archived). A job that has not finished is refused (inferred), and
// archiving again answers as the first time.
func (s *Store) ArchiveJob(c Caller, jobID string) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	j, _, err := s.st.changeableJob(c, jobID, "archive")
	if err != nil {
		return Job{}, err
	}
	s.progress(j, s.cfg.Clock.Now(), false)
	if !j.completedStatus() {
		return Job{}, errorf(KindInvalid, "Job %s is %s: only a completed job can be archived", j.id, j.status)
	}
	if j.archived {
		return j.view(), nil
	}
	if err := s.writable(); err != nil {
		return Job{}, err
	}
	j.archived = true
	return j.view(), s.commit(change{jobs: []*job{j}})
}

// RuntimeDetails is what a job runs with (the spec's
// JobRuntimeExecutionDetails): its environment's revision, how it was
// chosen, and its hardware tier.
type RuntimeDetails struct {
	EnvironmentID, EnvironmentName string
	RevisionID                     string // "" and 0 for a job that recorded none
	RevisionNumber                 int
	RevisionSpec                   fixtures.RevisionSpec
	HardwareTierID                 string
	HardwareTierName               string // the id when the tier is not known
}

// JobRuntimeDetails returns what a job c may read runs with.
func (s *Store) JobRuntimeDetails(c Caller, jobID string) (RuntimeDetails, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	j, err := s.st.readableJob(c, jobID)
	if err != nil {
		return RuntimeDetails{}, err
	}
	d := RuntimeDetails{EnvironmentID: j.environmentID, RevisionSpec: j.spec(), HardwareTierID: j.hardwareTier,
		HardwareTierName: j.hardwareTier}
	if e := s.st.environments[j.environmentID]; e != nil {
		d.EnvironmentName = e.name
	}
	if r := j.revision; r != nil {
		d.RevisionID, d.RevisionNumber = r.id, r.number
	}
	for _, t := range s.st.tiers {
		if t.ID == j.hardwareTier {
			d.HardwareTierName = t.Name
		}
	}
	return d, nil
}
