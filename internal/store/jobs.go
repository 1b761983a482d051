package store

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Job lifecycle modes: how a started job moves Queued → Running → final.
const (
	ModeImmediate = "immediate" // final at the first read after start (the default)
	ModeClock     = "clock"     // after QueuedFor and RunFor of mock-clock time
	ModePolls     = "polls"     // Running at the first status read, final at the Polls-th
	ModeManual    = "manual"    // only when told, by AdvanceJob
)

// Execution statuses.
const (
	StatusQueued    = "Queued"
	StatusRunning   = "Running"
	StatusSucceeded = "Succeeded"
	StatusFailed    = "Failed"
	StatusError     = "Error"
	StatusStopped   = "Stopped"
)

// JobLifecycle says how jobs started from now on progress.
type JobLifecycle struct {
	Mode        string   `json:"mode"`
	QueuedFor   Duration `json:"queuedFor"`
	RunFor      Duration `json:"runFor"`
	Polls       int      `json:"polls"`
	FinalStatus string   `json:"finalStatus"`
	Stdout      string   `json:"stdout"`
}

// Duration reads and writes Go duration strings such as "90s" or "2h".
type Duration time.Duration

// MarshalJSON writes e.g. "1m30s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if len(b) < 2 || b[0] != '"' {
		return fmt.Errorf("want a duration string such as \"90s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"90s\"", s)
	}
	*d = Duration(v)
	return nil
}

// DefaultJobLifecycle: jobs succeed at once.
func DefaultJobLifecycle() JobLifecycle {
	return JobLifecycle{Mode: ModeImmediate, FinalStatus: StatusSucceeded, Polls: 1}
}

func (l JobLifecycle) validate() (JobLifecycle, error) {
	switch l.Mode {
	case ModeImmediate, ModeClock, ModePolls, ModeManual:
	default:
		return l, errorf(KindInvalid, "mode %q is invalid: must be immediate, clock, polls or manual", clip(l.Mode))
	}
	switch l.FinalStatus {
	case "":
		l.FinalStatus = StatusSucceeded
	case StatusSucceeded, StatusFailed, StatusError:
	default:
		return l, errorf(KindInvalid, "finalStatus %q is invalid: must be Succeeded, Failed or Error", clip(l.FinalStatus))
	}
	if l.QueuedFor < 0 || l.RunFor < 0 {
		return l, errorf(KindInvalid, "queuedFor and runFor must not be negative")
	}
	if l.Polls < 0 {
		return l, errorf(KindInvalid, "polls must not be negative")
	}
	if l.Polls == 0 {
		l.Polls = 1
	}
	return l, nil
}

// sharedLifecycle is a validated lifecycle that every job started under it
// points to, so its stdout is held, logged and exported once, not once per
// job. It never changes; id is a digest of its content, so equal
// lifecycles have equal ids wherever they were made (a log replayed, a
// state document imported).
type sharedLifecycle struct {
	id string
	JobLifecycle
}

func newSharedLifecycle(l JobLifecycle) *sharedLifecycle {
	return &sharedLifecycle{id: lifecycleID(l), JobLifecycle: l}
}

// lifecycleID is the first 128 bits of the SHA-256 of the lifecycle's JSON.
func lifecycleID(l JobLifecycle) string {
	data, _ := json.Marshal(l) // a struct of strings, ints and durations: cannot fail
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// LifecycleRecord is a lifecycle that jobs of a state document started
// under, with the id they refer to it by.
type LifecycleRecord struct {
	ID string `json:"id"`
	JobLifecycle
}

// SetJobLifecycle changes how jobs started from now on progress.
func (s *Store) SetJobLifecycle(l JobLifecycle) (JobLifecycle, error) {
	l, err := l.validate()
	if err != nil {
		return l, err
	}
	shared := newSharedLifecycle(l) // hashes the stdout: outside the lock
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return l, err
	}
	s.st.lifecycle = shared
	return l, s.commit(change{lifecycle: true})
}

// JobLifecycle returns the lifecycle new jobs get.
func (s *Store) JobLifecycle() JobLifecycle {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.lifecycle.JobLifecycle
}

type job struct {
	id, projectID           string
	number                  int
	command, title          string
	hardwareTier            string
	environmentID, commitID string
	startedBy               *user
	submitted               time.Time
	runStart, completed     time.Time
	status                  string
	lifecycle               *sharedLifecycle // the one in force when it started
	polls                   int
	revision                *envRevision // of its environment, chosen when it started; nil: none recorded
	// revisionSpec is how revision was chosen; zero: ActiveRevision.
	revisionSpec fixtures.RevisionSpec
	gitRef       *Ref // the main repository's ref it was started from; nil: none given
	archived     bool
	outputCommit string // the commit of its results, once it finished; "" before, and for a stopped job
}

// Job is a job as the store sees it; the API shapes it for each route.
type Job struct {
	ID, ProjectID  string
	Number         int
	Command, Title string
	HardwareTierID string
	EnvironmentID  string
	// The revision of its environment the job runs with (the active one
	// when it started); "" and 0 for a job that recorded none.
	EnvironmentRevisionID     string
	EnvironmentRevisionNumber int
	EnvironmentName           string
	CommitID                  string
	StartedByID               string
	StartedByUserName         string
	Status                    string
	IsCompleted               bool
	Submitted                 time.Time
	RunStart, Completed       time.Time // zero until reached
	Stdout, Setup             string
	// EnvironmentRevisionSpec is how its revision was chosen.
	EnvironmentRevisionSpec fixtures.RevisionSpec
	MainRepoGitRef          *Ref // nil: none given
	Archived                bool
	// OutputCommitID is the commit its results are in once it finished
	// (not stopped); "" before.
	OutputCommitID string
}

func (j *job) view() Job {
	v := Job{
		ID: j.id, ProjectID: j.projectID, Number: j.number, Command: j.command, Title: j.title,
		HardwareTierID: j.hardwareTier, EnvironmentID: j.environmentID, CommitID: j.commitID,
		StartedByID: j.startedBy.id, StartedByUserName: j.startedBy.userName,
		Status: j.status, IsCompleted: j.completedStatus(), Submitted: j.submitted,
		RunStart: j.runStart, Completed: j.completed, EnvironmentRevisionSpec: j.spec(), Archived: j.archived,
	}
	if j.gitRef != nil {
		ref := *j.gitRef
		v.MainRepoGitRef = &ref
	}
	v.OutputCommitID = j.outputCommit
	if r := j.revision; r != nil {
		v.EnvironmentRevisionID, v.EnvironmentRevisionNumber, v.EnvironmentName = r.id, r.number, r.env.name
	}
	if v.Status != StatusQueued {
		v.Setup = "Pulling environment " + j.environmentID + "\nmockdomino: preparing run (nothing is executed)\n"
	}
	if v.IsCompleted && v.Status != StatusStopped {
		v.Stdout = j.lifecycle.Stdout
		if v.Stdout == "" {
			v.Stdout = "$ " + j.command + "\n"
		}
	}
	return v
}

// spec is how the job's revision was chosen.
func (j *job) spec() fixtures.RevisionSpec {
	if j.revisionSpec == (fixtures.RevisionSpec{}) {
		return fixtures.RevisionSpec{Named: "ActiveRevision"}
	}
	return j.revisionSpec
}

func (j *job) completedStatus() bool {
	switch j.status {
	case StatusSucceeded, StatusFailed, StatusError, StatusStopped:
		return true
	}
	return false
}

// advance moves a job one stage on.
func (j *job) advance(at time.Time) {
	switch j.status {
	case StatusQueued:
		j.status, j.runStart = StatusRunning, notBefore(at, j.submitted)
	case StatusRunning:
		j.status, j.completed = j.lifecycle.FinalStatus, notBefore(at, j.runStart)
	}
}

// progress brings a job up to date with its lifecycle; poll says whether
// this is a status read that counts for ModePolls.
func (j *job) progress(now time.Time, poll bool) {
	if j.completedStatus() {
		return
	}
	j.lifecycle.step(j.submitted, now, poll, &j.polls, func() stage { return stageOf(j.status) }, j.advance)
}

// stage is where a thing a lifecycle moves is: waiting to run, or running.
// Jobs, app instances and model exports name their stages differently and
// share the stepping (JobLifecycle.step).
type stage int

const (
	stageWaiting stage = iota
	stageRunning
	stageOther
)

// stageOf is the stage of a job's or an export's status.
func stageOf(status string) stage {
	switch status {
	case StatusQueued:
		return stageWaiting
	case StatusRunning:
		return stageRunning
	}
	return stageOther
}

// step brings something started at start up to date with the lifecycle:
// immediate at once; clock after queuedFor (running) and runFor more (its
// end); polls at the first status read (poll) and at the polls-th; manual
// only when told. at says its stage now; advance moves it one stage on,
// at the time it happened.
func (l JobLifecycle) step(start, now time.Time, poll bool, polls *int, at func() stage, advance func(time.Time)) {
	switch l.Mode {
	case ModeImmediate:
		advance(start)
		advance(start)
	case ModeClock:
		run := start.Add(time.Duration(l.QueuedFor))
		end := run.Add(time.Duration(l.RunFor))
		if !now.Before(run) && at() == stageWaiting {
			advance(run)
		}
		if !now.Before(end) && at() == stageRunning {
			advance(end)
		}
	case ModePolls:
		if !poll {
			return
		}
		*polls++
		if at() == stageWaiting {
			advance(now)
		}
		if *polls >= l.Polls && at() == stageRunning {
			advance(now)
		}
	}
}

// JobInput is a job start request, from any start route.
type JobInput struct {
	ProjectID     string
	Command       string
	Title         string
	HardwareTier  string // id or name; "": the project's default tier, else the deployment's
	EnvironmentID string // "": the project's default environment, else the deployment's
	CommitID      string // "": the project's head commit
	// MainRepoGitRef is the ref of a git-backed project's main repository
	// the job runs from; nil: none given.
	MainRepoGitRef *Ref
	// The fields' names in the route's body, for errors: the start routes
	// name them differently.
	CommandField, HardwareTierField string
}

// StartJob starts a job; the caller needs a role that may start jobs.
func (s *Store) StartJob(c Caller, in JobInput) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	v, err := s.startJob(c, in)
	if err != nil {
		return Job{}, err
	}
	return v, s.commit(change{jobs: []*job{s.st.jobs[v.ID]}, creates: true})
}

// startJob adds a job to the state by StartJob's rules and leaves it to
// the caller to commit (a schedule's firings commit together); the caller
// holds the write lock.
func (s *Store) startJob(c Caller, in JobInput) (Job, error) {
	if in.ProjectID == "" {
		return Job{}, errorf(KindInvalid, "projectId is required")
	}
	p, err := s.st.project(in.ProjectID)
	if err != nil {
		return Job{}, err
	}
	j, err := s.newJob(c, p, in)
	if err != nil {
		return Job{}, err
	}
	return s.addNewJob(j)
}

// newJob is the job c starts in p, every rule checked, not yet added: the
// one place the start routes' rules live (the legacy runs and restarts
// too). The caller holds the write lock.
func (s *Store) newJob(c Caller, p *project, in JobInput) (*job, error) {
	if err := mayStartJobs(c, p); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Command) == "" {
		field := in.CommandField
		if field == "" {
			field = "the command to run"
		}
		return nil, errorf(KindInvalid, "%s is required", field)
	}
	tierIn := in.HardwareTier
	if tierIn == "" {
		tierIn = p.settings.DefaultHardwareTierID
	}
	tier, err := s.st.hardwareTier(tierIn, in.HardwareTierField)
	if err != nil {
		return nil, err
	}
	env, rev, spec, err := s.st.jobRevision(c, p, in.EnvironmentID)
	if err != nil {
		return nil, err
	}
	commit, err := s.jobCommit(p, in.CommitID)
	if err != nil {
		return nil, err
	}
	var ref *Ref
	if in.MainRepoGitRef != nil {
		if p.repo == nil {
			return nil, errorf(KindInvalid, "mainRepoGitRef is for a project with a git repository; project %s has none", p.name)
		}
		if err := fixtures.CheckGitRef("mainRepoGitRef", in.MainRepoGitRef.Type, in.MainRepoGitRef.Value); err != nil {
			return nil, invalid(err)
		}
		if len(in.MainRepoGitRef.Value) > maxGitRefBytes {
			return nil, errorf(KindInvalid, "mainRepoGitRef.value is longer than %d bytes, the most mockdomino keeps", maxGitRefBytes)
		}
		r := *in.MainRepoGitRef
		ref = &r
	}
	if err := checkJobFields(in); err != nil {
		return nil, err
	}
	j := &job{
		projectID: p.id, command: in.Command, title: in.Title, hardwareTier: tier, commitID: commit,
		startedBy: s.st.users[c.ID], status: StatusQueued, lifecycle: s.st.lifecycle,
		revisionSpec: spec, gitRef: ref,
	}
	if env != nil {
		j.environmentID, j.revision = env.id, rev
	}
	if j.startedBy == nil {
		return nil, errCallerGone
	}
	return j, nil
}

func mayStartJobs(c Caller, p *project) error {
	if !p.canStartJobs(c) {
		return errorf(KindForbidden, "Forbidden: %s may not start jobs in project %s (needs to be a collaborator with the Contributor or Owner role)", c.UserName, p.name)
	}
	return nil
}

// addNewJob numbers a job checked by newJob after its project's others,
// gives it an id and its submission time, and adds it; the caller commits
// it (commitNewJob, or a schedule's firings together).
func (s *Store) addNewJob(j *job) (Job, error) {
	jobs := s.st.projectJobs[j.projectID]
	if len(jobs) >= s.cfg.Limits.JobsPerProject {
		return Job{}, errorf(KindInvalid, "Project %s already holds %d jobs, the most one project may hold (mockdomino's limit, --max-jobs)", s.st.projects[j.projectID].name, len(jobs))
	}
	if err := s.writable(); err != nil {
		return Job{}, err
	}
	j.number = 1
	if len(jobs) > 0 {
		j.number = jobs[len(jobs)-1].number + 1
	}
	j.id, j.submitted = s.newObjectID(), s.cfg.Clock.Now().Truncate(time.Millisecond)
	s.st.addJob(j)
	return j.view(), nil
}

// commitNewJob adds a job checked by newJob, as addNewJob does, and
// commits it on its own.
func (s *Store) commitNewJob(j *job) (Job, error) {
	v, err := s.addNewJob(j)
	if err != nil {
		return Job{}, err
	}
	return v, s.commit(change{jobs: []*job{j}, creates: true})
}

// jobCommit is the commit a job in p starts from: the one named, which must
// be one of p's, else p's head. A project with no commit yet gets a made-up
// id, as git's (inferred: Domino's projects always have one).
func (s *Store) jobCommit(p *project, id string) (string, error) {
	if id != "" {
		if cm := s.st.files.commits[id]; cm == nil || cm.projectID != p.id {
			return "", errorf(KindInvalid, "commitId %q is not a commit of project %s", clip(id), p.name)
		}
		return id, nil
	}
	if head := s.st.files.repos[p.id].headID(); head != "" {
		return head, nil
	}
	return s.cfg.IDs.ObjectID() + s.cfg.IDs.ObjectID()[:16], nil // 40 hex, like a git sha
}

// addJob adds a job numbered after its project's others.
func (st *state) addJob(j *job) {
	st.jobs[j.id] = j
	st.projectJobs[j.projectID] = append(st.projectJobs[j.projectID], j)
}

// The longest command, title and git ref value a job keeps: Domino's are not known; these
// bound what one request can make the mock hold (inferred). A commit id
// must name a commit of the project, which bounds it.
const (
	maxJobCommandBytes = 8 << 10
	maxJobTitleBytes   = 1 << 10
	maxGitRefBytes     = 1 << 10
)

func checkJobFields(in JobInput) error {
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{in.CommandField, in.Command, maxJobCommandBytes},
		{"title", in.Title, maxJobTitleBytes},
	} {
		if len(f.value) > f.max {
			name := f.name
			if name == "" {
				name = "the command to run"
			}
			return errorf(KindInvalid, "%s is longer than %d bytes, the most mockdomino keeps", name, f.max)
		}
	}
	return nil
}

func (st *state) hardwareTier(idOrName, field string) (string, error) {
	for _, t := range st.tiers {
		if idOrName == "" && t.IsDefault || idOrName != "" && (t.ID == idOrName || t.Name == idOrName) {
			return t.ID, nil
		}
	}
	if idOrName == "" {
		return "", nil
	}
	if field == "" {
		field = "hardwareTier"
	}
	return "", errorf(KindInvalid, "%s %q is not a hardware tier this project may use", field, clip(idOrName))
}

// jobEnvironment is the environment a job started by c in p runs in: the
// one it names, which p must be able to use, or the default one (nil if
// there is none).
func (st *state) jobEnvironment(c Caller, p *project, id string) (*environment, error) {
	if id == "" {
		return st.defaultEnvironment(), nil
	}
	if e := st.environments[id]; e != nil && e.usable(c, p) {
		return e, nil
	}
	return nil, errorf(KindInvalid, "environmentId %q is not an environment this project may use", clip(id))
}

// jobRevision is the environment and revision a job started by c in p runs
// with, and the spec that chose the revision. A job that names an
// environment runs its active revision; one that names none runs the
// project's default environment (its settings) with the revision the
// settings' spec chooses, else the deployment's default environment's
// active revision. env is nil when there is no environment at all.
func (st *state) jobRevision(c Caller, p *project, id string) (env *environment, rev *envRevision, spec fixtures.RevisionSpec, err error) {
	spec = fixtures.RevisionSpec{Named: "ActiveRevision"}
	switch {
	case id != "":
		env, err = st.jobEnvironment(c, p, id)
	case p.settings.DefaultEnvironmentID != "":
		env = st.environments[p.settings.DefaultEnvironmentID]
		if env == nil || !env.usable(c, p) {
			return nil, nil, spec, errorf(KindInvalid, "the default environment %q of project %s may no longer be used: name an environmentId", clip(p.settings.DefaultEnvironmentID), p.name)
		}
	default:
		env = st.defaultEnvironment()
	}
	if err != nil || env == nil {
		return env, nil, spec, err
	}
	if s := p.settings.DefaultEnvironmentRevisionSpec; id == "" && s != nil {
		spec = *s
	}
	rev, err = env.revisionFor(spec)
	return env, rev, spec, err
}

// revisionFor is the revision of e that spec chooses.
func (e *environment) revisionFor(spec fixtures.RevisionSpec) (*envRevision, error) {
	switch {
	case spec.RevisionID != "":
		for _, r := range e.revisions {
			if r.id == spec.RevisionID {
				return r, nil
			}
		}
		return nil, errorf(KindInvalid, "revision %q is not a revision of environment %s", clip(spec.RevisionID), e.name)
	case spec.Named == "LatestRevision":
		return e.latest(), nil
	case spec.Named == "RestrictedRevision":
		if r := e.restrictedRevision(); r != nil {
			return r, nil
		}
		return nil, errorf(KindInvalid, "environment %s has no restricted revision", e.name)
	}
	return e.active(), nil
}

func (st *state) readableJob(c Caller, id string) (*job, error) {
	j := st.jobs[id]
	if j == nil {
		return nil, errorf(KindNotFound, "Job %s not found", clip(id))
	}
	if _, err := st.readableProject(c, j.projectID); err != nil {
		return nil, err
	}
	return j, nil
}

// Job returns a job, brought up to date; each call is a status poll.
func (s *Store) Job(c Caller, id string) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	j, err := s.st.readableJob(c, id)
	if err != nil {
		return Job{}, err
	}
	s.progress(j, s.cfg.Clock.Now(), true)
	return j.view(), nil
}

// Jobs lists a project's jobs, archived ones too, newest first.
func (s *Store) Jobs(c Caller, projectID string) ([]Job, error) {
	list, _, err := s.JobsPage(c, projectID, JobQuery{Limit: -1, ShowArchived: true})
	return list, err
}

// JobQuery selects and orders a page of a project's jobs, as GET /v4/jobs
// does with status, order_by, sort_by, page_size and page_no.
type JobQuery struct {
	Offset, Limit int    // Limit < 0: every job from Offset on
	Status        string // "", "all": every job; "completed": the finished ones; else an execution status, in any case
	OrderBy       string // "", "number" (the default), or another of JobOrders
	Ascending     bool   // sort_by=asc; the default is newest (or largest) first
	ShowArchived  bool   // list archived jobs too (show_archived)
}

// JobOrders are the order_by values the spec's JobPagination names; the
// mock has no comments or Domino stats, so those order by number.
var JobOrders = []string{"number", "duration", "dominoStatsField", "queued", "numberAsDouble", "command", "commentCount", "status", "title", "user"}

// jobKeys compare two jobs for each order_by.
var jobKeys = map[string]func(a, b *job) int{
	"duration": func(a, b *job) int { return cmp.Compare(a.duration(), b.duration()) },
	"queued":   func(a, b *job) int { return a.submitted.Compare(b.submitted) },
	"command":  func(a, b *job) int { return strings.Compare(a.command, b.command) },
	"status":   func(a, b *job) int { return strings.Compare(a.status, b.status) },
	"title":    func(a, b *job) int { return strings.Compare(a.title, b.title) },
	"user":     func(a, b *job) int { return strings.Compare(a.startedBy.userName, b.startedBy.userName) },
}

func (j *job) duration() time.Duration {
	if j.runStart.IsZero() || j.completed.IsZero() {
		return 0
	}
	return j.completed.Sub(j.runStart)
}

// JobsPage is one page of a project's jobs, brought up to date, and how
// many jobs the query selects in all. It costs the project's jobs, not the
// store's.
func (s *Store) JobsPage(c Caller, projectID string, q JobQuery) ([]Job, int, error) {
	if projectID == "" {
		return nil, 0, errorf(KindInvalid, "projectId is required")
	}
	if q.OrderBy != "" && !slices.Contains(JobOrders, q.OrderBy) {
		return nil, 0, errorf(KindInvalid, "order_by %q is invalid: must be one of %s", clip(q.OrderBy), strings.Join(JobOrders, ", "))
	}
	status, err := jobStatusFilter(q.Status)
	if err != nil {
		return nil, 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	if _, err := s.st.readableProject(c, projectID); err != nil {
		return nil, 0, err
	}
	now := s.cfg.Clock.Now()
	all := s.st.projectJobs[projectID]
	selected := make([]*job, 0, len(all))
	for _, j := range all {
		s.progress(j, now, false)
		if status(j) && (q.ShowArchived || !j.archived) {
			selected = append(selected, j)
		}
	}
	// selected is in number order; another order sorts it, stably so that
	// equal keys keep the number order.
	if key := jobKeys[q.OrderBy]; key != nil {
		slices.SortStableFunc(selected, key)
	}
	if !q.Ascending {
		slices.Reverse(selected)
	}
	from := min(max(q.Offset, 0), len(selected))
	to := len(selected)
	if q.Limit >= 0 {
		to = from + min(q.Limit, len(selected)-from)
	}
	out := make([]Job, 0, to-from)
	for _, j := range selected[from:to] {
		out = append(out, j.view())
	}
	return out, len(selected), nil
}

// jobStatusFilter is the status query of GET /v4/jobs: "all" (or none),
// "completed", or an execution status (inferred: Domino's values are not
// documented; python-domino sends "all" and mentions "completed").
func jobStatusFilter(status string) (func(*job) bool, error) {
	switch strings.ToLower(status) {
	case "", "all":
		return func(*job) bool { return true }, nil
	case "completed":
		return (*job).completedStatus, nil
	}
	for _, st := range jobStatuses {
		if strings.EqualFold(st, status) {
			return func(j *job) bool { return j.status == st }, nil
		}
	}
	return nil, errorf(KindInvalid, "status %q is invalid: must be all, completed or one of %s", clip(status), strings.Join(jobStatuses, ", "))
}

// StopJob stops a job that has not completed; a completed job is returned
// as it is (inferred).
func (s *Store) StopJob(c Caller, projectID, jobID string) (Job, error) {
	if jobID == "" {
		return Job{}, errorf(KindInvalid, "jobId is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	j := s.st.jobs[jobID]
	if j == nil || (projectID != "" && j.projectID != projectID) {
		return Job{}, errorf(KindNotFound, "Job %s not found", clip(jobID))
	}
	p, err := s.st.project(j.projectID)
	if err != nil {
		return Job{}, err
	}
	if !p.canStartJobs(c) {
		return Job{}, errorf(KindForbidden, "Forbidden: %s may not stop jobs in project %s", c.UserName, p.name)
	}
	if err := s.writable(); err != nil {
		return Job{}, err
	}
	now := s.cfg.Clock.Now()
	j.progress(now, false)
	ch := s.finish(j) // one that finished before the stop commits its results
	if !j.completedStatus() {
		if j.runStart.IsZero() {
			j.runStart = notBefore(now, j.submitted)
		}
		j.status, j.completed = StatusStopped, notBefore(now, j.runStart)
	}
	return j.view(), s.commit(ch)
}

// JobStdout returns a run's output, found by project owner, name and run id.
func (s *Store) JobStdout(c Caller, ownerName, projectName, runID string) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	p := s.st.projectByOwnerAndName(ownerName, projectName)
	if p == nil {
		return Job{}, errorf(KindNotFound, "Project %s/%s not found", clip(ownerName), clip(projectName))
	}
	j, err := s.st.readableJob(c, runID)
	if err != nil {
		return Job{}, err
	}
	if j.projectID != p.id {
		return Job{}, errorf(KindNotFound, "Run %s not found in project %s/%s", clip(runID), clip(ownerName), clip(projectName))
	}
	s.progress(j, s.cfg.Clock.Now(), false)
	return j.view(), nil
}

// AdvanceJob moves a job one stage on (Queued → Running → final), whatever
// its lifecycle; for the control plane.
func (s *Store) AdvanceJob(id string) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	j := s.st.jobs[id]
	if j == nil {
		return Job{}, errorf(KindNotFound, "Job %s not found", clip(id))
	}
	if j.completedStatus() {
		return Job{}, errorf(KindInvalid, "Job %s has already completed with status %s", id, j.status)
	}
	if err := s.writable(); err != nil {
		return Job{}, err
	}
	j.advance(s.cfg.Clock.Now())
	c := s.finish(j)
	return j.view(), s.commit(c)
}

// progress brings a job up to date during a read and keeps the result when
// it changed. A read still answers if the state directory fails: the
// failure then refuses the next write.
func (s *Store) progress(j *job, now time.Time, poll bool) {
	before := j.stage()
	j.progress(now, poll)
	if j.stage() == before {
		return
	}
	c := s.finish(j)
	if s.writable() == nil {
		_ = s.commit(c)
	}
}

// jobStage is how far a job has come.
type jobStage struct {
	status              string
	runStart, completed time.Time
	polls               int
}

func (j *job) stage() jobStage {
	return jobStage{status: j.status, runStart: j.runStart, completed: j.completed, polls: j.polls}
}

// finish is the change a job's progress makes. A job that has just
// finished (Succeeded, Failed or Error; a stopped one does not) commits its
// results: a commit on top of its project's files, which it does not
// change (a mock job writes none), as Domino commits what a run leaves
// (inferred; python-domino's runs_start_blocking waits for this
// outputCommitId). A project at --max-commits gets none, as a run that
// changed nothing ("may be empty if execution caused no new commits", the
// public spec). The caller holds the write lock.
func (s *Store) finish(j *job) change {
	c := change{jobs: []*job{j}}
	if !j.completedStatus() || j.status == StatusStopped || j.outputCommit != "" {
		return c
	}
	p := s.st.projects[j.projectID]
	if t := s.st.files.repos[p.id]; t != nil && len(t.commits) >= s.cfg.Limits.CommitsPerProject {
		return c
	}
	cm := s.newCommit(p, j.startedBy, fmt.Sprintf("Output of run #%d", j.number), nil)
	cm.time = j.completed
	j.outputCommit = cm.id
	c.commits = []*commit{cm}
	return c
}
