package store

import (
	"container/heap"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/cron"
)

// Scheduled jobs: a project's jobs started on a Quartz cron schedule
// (/v4/projects/{projectId}/scheduledjobs). Each firing starts a job by
// StartJob's rules, as the schedule's user, submitted at the time the
// schedule named. Nothing runs in the background: firings are made when
// they are observed, under the write lock, by fireDue, which every method
// that reads or starts jobs, or reads schedules, calls first, and which
// AdvanceClock calls once the clock has moved.

// Limits of scheduled jobs: mockdomino's, not Domino's (inferred).
const (
	// MaxScheduledJobsPerProject bounds what one project's schedules make
	// the mock hold and check at each catch-up.
	MaxScheduledJobsPerProject = 1000
	// MaxFiringsPerCatchUp bounds the jobs one schedule starts at one
	// catch-up: a schedule of every second and a clock moved on ten years
	// start this many jobs, its first due firings, and the rest are missed,
	// as a scheduler that was down misses them.
	MaxFiringsPerCatchUp = 100
	maxNotifyAddresses   = 100
	maxDatasetConfigLen  = 1 << 10
)

// CapacityTypes are the spec's capacityType values.
var CapacityTypes = []string{"on-demand", "spot"}

type scheduledJob struct {
	id         string
	project    *project
	title      string
	command    string
	cronString string
	isCustom   bool
	cron       *cron.Schedule
	timezone   string // "" is UTC
	loc        *time.Location
	paused     bool
	concurrent bool
	tier       string       // a hardware tier's id
	env        *environment // overrideEnvironmentId; nil: the default environment
	spec       fixtures.RevisionSpec
	by         *user // scheduledBy: the jobs are started as this user
	notify     []string
	created    time.Time
	// Echoed settings the mock does nothing with.
	capacityType, datasetConfig                                     string
	snapshotDatasetsOnCompletion, snapshotNetAppVolumesOnCompletion bool
	gitRef                                                          *Ref

	// Where its firings stand.
	next      time.Time // the next firing not yet made; zero: none known yet
	exhausted bool      // the cron expression fires no more (not kept: found again)
	waiting   time.Time // a firing waiting for lastJob to complete (not concurrent); zero: none
	lastJob   *job      // the last job it started
}

// scheduleState is every project's scheduled jobs.
type scheduleState struct {
	byID      map[string]*scheduledJob
	order     []*scheduledJob            // creation order: the order firings due at once are made in
	byProject map[string][]*scheduledJob // creation order
	// due is when fireDue next has work: the earliest next firing of a
	// schedule that may fire. Known is false after any change to the
	// schedules, and while a firing waits for a job.
	due   time.Time
	known bool
}

func newScheduleState() scheduleState {
	return scheduleState{byID: map[string]*scheduledJob{}, byProject: map[string][]*scheduledJob{}}
}

func (st *state) addSchedule(sj *scheduledJob) {
	st.sched.byID[sj.id] = sj
	st.sched.order = append(st.sched.order, sj)
	st.sched.byProject[sj.project.id] = append(st.sched.byProject[sj.project.id], sj)
	st.sched.known = false
}

func (st *state) removeSchedule(sj *scheduledJob) {
	delete(st.sched.byID, sj.id)
	st.sched.order = slices.DeleteFunc(st.sched.order, func(o *scheduledJob) bool { return o == sj })
	pid := sj.project.id
	st.sched.byProject[pid] = slices.DeleteFunc(st.sched.byProject[pid], func(o *scheduledJob) bool { return o == sj })
	if len(st.sched.byProject[pid]) == 0 {
		delete(st.sched.byProject, pid)
	}
	st.sched.known = false
}

// mayFire: not paused, and its project not archived.
func (sj *scheduledJob) mayFire() bool { return !sj.paused && !sj.project.archived }

// canEdit: administrators, the project's owner and Owner collaborators
// change any of its schedules; a Contributor only those it scheduled
// (inferred: ScheduledJobForRequestingUserDto's canEdit says it depends on
// the caller).
func (sj *scheduledJob) canEdit(c Caller) bool {
	p := sj.project
	return p.canManage(c) || sj.by.id == c.ID && p.canStartJobs(c)
}

// nextAfter is the schedule's first firing after t, in UTC as the store
// keeps times; zero when it fires no more.
func (sj *scheduledJob) nextAfter(t time.Time) time.Time {
	next, ok := sj.cron.Next(t, sj.loc)
	sj.exhausted = !ok
	if !ok {
		return time.Time{}
	}
	return next.UTC()
}

// ScheduledJob is a scheduled job as the store shows it; the API shapes it.
type ScheduledJob struct {
	ID, ProjectID, ProjectName, ProjectOwnerName string
	Created                                      time.Time
	Title, Command                               string
	CronString, HumanReadableCronString          string
	IsCustom                                     bool
	TimezoneID                                   string
	IsPaused, AllowConcurrentExecution           bool
	HardwareTierID, HardwareTierName             string
	EnvironmentID                                string // overrideEnvironmentId; "" for none
	EnvironmentRevisionSpec                      fixtures.RevisionSpec
	ScheduledByID, ScheduledByUserName           string
	NotifyOnCompleteEmailAddresses               []string
	CapacityType                                 string // "" for none
	DatasetConfig                                string
	SnapshotDatasetsOnCompletion                 bool
	SnapshotNetAppVolumesOnCompletion            bool
	MainRepoGitRef                               *Ref
	// NextFire is when it fires next; zero while paused or when it fires
	// no more. Not Domino's: for dominotest.
	NextFire time.Time
	CanEdit  bool // whether the caller may change or delete it
}

func (st *state) scheduleView(sj *scheduledJob, c Caller) ScheduledJob {
	v := ScheduledJob{
		ID: sj.id, ProjectID: sj.project.id, ProjectName: sj.project.name, ProjectOwnerName: sj.project.owner.userName,
		Created: sj.created, Title: sj.title, Command: sj.command, CronString: sj.cronString,
		HumanReadableCronString: sj.cron.Describe(), IsCustom: sj.isCustom, TimezoneID: sj.timezone,
		IsPaused: sj.paused, AllowConcurrentExecution: sj.concurrent, HardwareTierID: sj.tier,
		EnvironmentRevisionSpec: sj.spec, ScheduledByID: sj.by.id, ScheduledByUserName: sj.by.userName,
		NotifyOnCompleteEmailAddresses: append([]string{}, sj.notify...), CapacityType: sj.capacityType,
		DatasetConfig: sj.datasetConfig, SnapshotDatasetsOnCompletion: sj.snapshotDatasetsOnCompletion,
		SnapshotNetAppVolumesOnCompletion: sj.snapshotNetAppVolumesOnCompletion, CanEdit: sj.canEdit(c),
	}
	if v.TimezoneID == "" {
		v.TimezoneID = "UTC"
	}
	if v.EnvironmentRevisionSpec == (fixtures.RevisionSpec{}) {
		v.EnvironmentRevisionSpec.Named = "ActiveRevision"
	}
	for _, t := range st.tiers {
		if t.ID == sj.tier {
			v.HardwareTierName = t.Name
		}
	}
	if sj.env != nil {
		v.EnvironmentID = sj.env.id
	}
	if sj.gitRef != nil {
		ref := *sj.gitRef
		v.MainRepoGitRef = &ref
	}
	if !sj.paused && !sj.exhausted {
		v.NextFire = sj.next
		if !sj.waiting.IsZero() {
			v.NextFire = sj.waiting
		}
	}
	return v
}

// ScheduledJobInput is a new scheduled job, or a scheduled job's new
// settings (the spec's NewScheduledJobDto and UpdatedScheduledJobDTO).
type ScheduledJobInput struct {
	Title, Command                                                  string
	CronString                                                      string // Quartz
	IsCustom                                                        bool
	TimezoneID                                                      string // IANA; "" is UTC
	IsPaused                                                        bool
	AllowConcurrentExecution                                        bool
	HardwareTier                                                    string                // hardwareTierIdentifier: a tier's id or name; "" the default one
	EnvironmentID                                                   string                // overrideEnvironmentId; "" the default environment
	EnvironmentRevisionSpec                                         fixtures.RevisionSpec // zero: ActiveRevision
	ScheduledByID                                                   string                // "" is the caller
	Notify                                                          []string
	CapacityType                                                    string
	DatasetConfig                                                   string
	SnapshotDatasetsOnCompletion, SnapshotNetAppVolumesOnCompletion bool
	MainRepoGitRef                                                  *Ref
}

// scheduleSettings checks in for a schedule of p that c makes or changes
// and applies it to sj.
func (s *Store) scheduleSettings(c Caller, p *project, in ScheduledJobInput, sj *scheduledJob) error {
	if strings.TrimSpace(in.Command) == "" {
		return errorf(KindInvalid, "command is required")
	}
	if err := checkJobFields(JobInput{CommandField: "command", Command: in.Command, Title: in.Title}); err != nil {
		return err
	}
	if err := fixtures.CheckCron("schedule.cronString", in.CronString); err != nil {
		return invalid(err)
	}
	sched, _ := cron.Parse(in.CronString) // checked just above
	loc := time.UTC
	if in.TimezoneID != "" {
		l, err := cron.Location(in.TimezoneID)
		if err != nil {
			return errorf(KindInvalid, "timezoneId %q %v", clip(in.TimezoneID), err)
		}
		loc = l
	}
	if _, ok := sched.Next(s.cfg.Clock.Now(), loc); !ok {
		return errorf(KindInvalid, "schedule.cronString %q never fires after now: the scheduled job would never run", clip(in.CronString))
	}
	by := s.st.users[c.ID]
	if in.ScheduledByID != "" && in.ScheduledByID != c.ID {
		if by = s.st.users[in.ScheduledByID]; by == nil || !by.active {
			return errorf(KindInvalid, "scheduledByUserId %q is not a user", clip(in.ScheduledByID))
		}
		// An update may keep the schedule's user (inferred).
		if kept := sj.by != nil && sj.by == by; !kept && !c.IsAdmin {
			return errorf(KindForbidden, "Forbidden: only an administrator may schedule jobs that run as another user")
		}
	}
	if by == nil {
		return errCallerGone
	}
	runAs := callerOf(by)
	if !p.canStartJobs(runAs) {
		return errorf(KindInvalid, "scheduledByUserId: %s may not start jobs in project %s (needs to be a collaborator with the Contributor or Owner role)", by.userName, p.name)
	}
	tier, err := s.st.hardwareTier(in.HardwareTier, "hardwareTierIdentifier")
	if err != nil {
		return err
	}
	env, err := s.st.jobEnvironment(runAs, p, in.EnvironmentID)
	if err != nil {
		return errorf(KindInvalid, "overrideEnvironmentId %q is not an environment this project may use", clip(in.EnvironmentID))
	}
	if err := checkRevisionSpec(env, in.EnvironmentRevisionSpec); err != nil {
		return err
	}
	if len(in.Notify) > maxNotifyAddresses {
		return errorf(KindInvalid, "notifyOnCompleteEmailAddresses holds %d addresses, more than the %d mockdomino keeps", len(in.Notify), maxNotifyAddresses)
	}
	for i, email := range in.Notify {
		if err := fixtures.CheckEmail(fmt.Sprintf("notifyOnCompleteEmailAddresses[%d]", i), email); err != nil {
			return invalid(err)
		}
	}
	if in.CapacityType != "" && !slices.Contains(CapacityTypes, in.CapacityType) {
		return errorf(KindInvalid, "capacityType %q is invalid: must be one of %s", clip(in.CapacityType), strings.Join(CapacityTypes, ", "))
	}
	if len(in.DatasetConfig) > maxDatasetConfigLen {
		return errorf(KindInvalid, "datasetConfig is longer than %d bytes, the most mockdomino keeps", maxDatasetConfigLen)
	}
	if r := in.MainRepoGitRef; r != nil {
		if err := fixtures.CheckGitRef("mainRepoGitRef", r.Type, r.Value); err != nil {
			return invalid(err)
		}
	}
	sj.project, sj.title, sj.command, sj.cronString, sj.isCustom, sj.cron = p, in.Title, in.Command, in.CronString, in.IsCustom, sched
	sj.timezone, sj.loc, sj.paused, sj.concurrent, sj.tier = in.TimezoneID, loc, in.IsPaused, in.AllowConcurrentExecution, tier
	sj.env, sj.spec, sj.by, sj.notify = nil, in.EnvironmentRevisionSpec, by, slices.Clone(in.Notify)
	if in.EnvironmentID != "" {
		sj.env = env
	}
	sj.capacityType, sj.datasetConfig, sj.gitRef = in.CapacityType, in.DatasetConfig, nil
	sj.snapshotDatasetsOnCompletion, sj.snapshotNetAppVolumesOnCompletion = in.SnapshotDatasetsOnCompletion, in.SnapshotNetAppVolumesOnCompletion
	if r := in.MainRepoGitRef; r != nil {
		ref := *r
		sj.gitRef = &ref
	}
	// From now on: firings missed while it was paused, or under its old
	// schedule, are not made (inferred).
	sj.next, sj.waiting = sj.nextAfter(s.cfg.Clock.Now()), time.Time{}
	return nil
}

// checkRevisionSpec: a revision by id is one of env's, and a restricted
// revision is asked for only of an environment that has one (inferred).
func checkRevisionSpec(env *environment, spec fixtures.RevisionSpec) error {
	switch {
	case spec.RevisionID != "":
		if env == nil {
			return errorf(KindInvalid, "environmentRevisionSpec.revisionId %q: there is no environment to run in", clip(spec.RevisionID))
		}
		if _, err := env.revision(spec.RevisionID); err != nil {
			return errorf(KindInvalid, "environmentRevisionSpec.revisionId %q is not a revision of environment %s", clip(spec.RevisionID), env.id)
		}
	case spec.Named == "RestrictedRevision" && (env == nil || env.restrictedRevision() == nil):
		return errorf(KindInvalid, "environmentRevisionSpec RestrictedRevision: the environment has no restricted revision")
	}
	return nil
}

// revisionFor is the revision of env a firing's job runs with; a spec
// that no longer names one of env's revisions runs the active one.
func revisionFor(env *environment, spec fixtures.RevisionSpec) *envRevision {
	switch {
	case spec.RevisionID != "":
		if r, err := env.revision(spec.RevisionID); err == nil {
			return r
		}
	case spec.Named == "LatestRevision":
		return env.latest()
	case spec.Named == "RestrictedRevision":
		if r := env.restrictedRevision(); r != nil {
			return r
		}
	}
	return env.active()
}

// schedulingProject is a live project c may read, and may schedule jobs
// in.
func (st *state) schedulingProject(c Caller, id string) (*project, error) {
	p, err := st.readableProject(c, id)
	if err != nil {
		return nil, err
	}
	if !p.canStartJobs(c) {
		return nil, errorf(KindForbidden, "Forbidden: %s may not schedule jobs in project %s (needs to be a collaborator with the Contributor or Owner role)", c.UserName, p.name)
	}
	return p, nil
}

// MayScheduleJobs says whether c may schedule jobs in a project, for the
// HTTP layer to ask before it reads a body.
func (s *Store) MayScheduleJobs(c Caller, projectID string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, err := s.st.schedulingProject(c, projectID)
	return err
}

// CreateScheduledJob schedules a job in a project: the owner,
// administrators, and Contributor and Owner collaborators may (the roles
// that may start jobs).
func (s *Store) CreateScheduledJob(c Caller, projectID string, in ScheduledJobInput) (ScheduledJob, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	p, err := s.st.schedulingProject(c, projectID)
	if err != nil {
		return ScheduledJob{}, err
	}
	if n := len(s.st.sched.byProject[p.id]); n >= MaxScheduledJobsPerProject {
		return ScheduledJob{}, errorf(KindInvalid, "Project %s already holds %d scheduled jobs, the most one project may hold (mockdomino's limit)", p.name, n)
	}
	sj := &scheduledJob{}
	if err := s.scheduleSettings(c, p, in, sj); err != nil {
		return ScheduledJob{}, err
	}
	if err := s.writable(); err != nil {
		return ScheduledJob{}, err
	}
	sj.id, sj.created = s.newObjectID(), s.cfg.Clock.Now().Truncate(time.Millisecond)
	s.st.addSchedule(sj)
	return s.st.scheduleView(sj, c), s.commit(change{schedules: []*scheduledJob{sj}, createdSchedules: []*scheduledJob{sj}})
}

// schedule is a scheduled job of a project c may read.
func (st *state) schedule(c Caller, projectID, key string) (*scheduledJob, error) {
	p, err := st.readableProject(c, projectID)
	if err != nil {
		return nil, err
	}
	sj := st.sched.byID[key]
	if sj == nil || sj.project != p {
		return nil, errorf(KindNotFound, "Scheduled job %s not found in project %s", clip(key), p.id)
	}
	return sj, nil
}

// editableSchedule is a scheduled job c may change or delete.
func (st *state) editableSchedule(c Caller, projectID, key string) (*scheduledJob, error) {
	sj, err := st.schedule(c, projectID, key)
	if err != nil {
		return nil, err
	}
	if !sj.canEdit(c) {
		return nil, errorf(KindForbidden, "Forbidden: %s may not change scheduled job %s of project %s (only its own, as a Contributor; any, as the project's owner or an administrator)", c.UserName, sj.id, sj.project.name)
	}
	return sj, nil
}

// MayEditScheduledJob says whether c may change or delete a scheduled job,
// for the HTTP layer to ask before it reads a body.
func (s *Store) MayEditScheduledJob(c Caller, projectID, key string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, err := s.st.editableSchedule(c, projectID, key)
	return err
}

// ScheduledJobs lists a project's scheduled jobs, in creation order, to any
// caller who may read the project.
func (s *Store) ScheduledJobs(c Caller, projectID string) ([]ScheduledJob, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	p, err := s.st.readableProject(c, projectID)
	if err != nil {
		return nil, err
	}
	out := []ScheduledJob{}
	for _, sj := range s.st.sched.byProject[p.id] {
		out = append(out, s.st.scheduleView(sj, c))
	}
	return out, nil
}

// ScheduledJob returns one of a project's scheduled jobs.
func (s *Store) ScheduledJob(c Caller, projectID, key string) (ScheduledJob, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	sj, err := s.st.schedule(c, projectID, key)
	if err != nil {
		return ScheduledJob{}, err
	}
	return s.st.scheduleView(sj, c), nil
}

// UpdateScheduledJob replaces a scheduled job's settings; its next firing
// is the first of its schedule from now on.
func (s *Store) UpdateScheduledJob(c Caller, projectID, key string, in ScheduledJobInput) (ScheduledJob, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	sj, err := s.st.editableSchedule(c, projectID, key)
	if err != nil {
		return ScheduledJob{}, err
	}
	next := *sj
	if err := s.scheduleSettings(c, sj.project, in, &next); err != nil {
		return ScheduledJob{}, err
	}
	if err := s.writable(); err != nil {
		return ScheduledJob{}, err
	}
	*sj = next
	s.st.sched.known = false
	return s.st.scheduleView(sj, c), s.commit(change{schedules: []*scheduledJob{sj}})
}

// DeleteScheduledJob unschedules a job; the jobs it started stay.
func (s *Store) DeleteScheduledJob(c Caller, projectID, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	sj, err := s.st.editableSchedule(c, projectID, key)
	if err != nil {
		return err
	}
	if err := s.writable(); err != nil {
		return err
	}
	s.st.removeSchedule(sj)
	return s.commit(change{delSchedules: []string{sj.id}})
}

// ScheduledRuns lists the scheduled jobs a user scheduled, in live
// projects, in creation order (GET /v4/scheduledruns?userId=): a user's
// own, or anyone's for an administrator (inferred). userID "" is the
// caller.
func (s *Store) ScheduledRuns(c Caller, userID string) ([]ScheduledJob, error) {
	if userID == "" {
		userID = c.ID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
	u := s.st.users[userID]
	if u == nil {
		return nil, errorf(KindNotFound, "User %s not found", clip(userID))
	}
	if u.id != c.ID && !c.IsAdmin {
		return nil, errorf(KindForbidden, "Forbidden: %s may not list the scheduled jobs of another user", c.UserName)
	}
	out := []ScheduledJob{}
	for _, sj := range s.st.sched.order {
		if sj.by == u && !sj.project.archived {
			out = append(out, s.st.scheduleView(sj, c))
		}
	}
	return out, nil
}

// CatchUpSchedules makes every firing due by now; reads that observe jobs
// do it themselves, so only a caller that reads nothing else needs it.
func (s *Store) CatchUpSchedules() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue()
}

// ---- firing ----

// firing is a schedule's next job to start, and when.
type firing struct {
	sj      *scheduledJob
	at      time.Time
	waited  bool // the firing that waited for the schedule's last job
	ordinal int  // the schedule's place in creation order: firings at once go in it
}

type firings []firing

func (f firings) Len() int { return len(f) }
func (f firings) Less(i, j int) bool {
	if !f[i].at.Equal(f[j].at) {
		return f[i].at.Before(f[j].at)
	}
	return f[i].ordinal < f[j].ordinal
}
func (f firings) Swap(i, j int) { f[i], f[j] = f[j], f[i] }
func (f *firings) Push(x any)   { *f = append(*f, x.(firing)) }
func (f *firings) Pop() any {
	old := *f
	x := old[len(old)-1]
	*f = old[:len(old)-1]
	return x
}

// fireDue makes every firing due by the mock clock's now, in time order
// across schedules (so jobs are numbered in the order they were
// submitted), each job submitted at its firing's time, and keeps the jobs
// and where each schedule stands in one record. A schedule that may not run
// two jobs at once and whose last job has not completed keeps one firing
// waiting, made when the job completes (Domino's documented "Run
// sequentially"). A firing whose job cannot start (its user deactivated or
// no longer allowed, the project's job limit reached) is missed. The caller
// holds the write lock. Cheap when nothing is due.
func (s *Store) fireDue() {
	sc := &s.st.sched
	now := s.cfg.Clock.Now()
	if sc.known && sc.due.After(now) || s.writable() != nil {
		return
	}
	touched := map[*scheduledJob]bool{}
	var queue firings
	for i, sj := range sc.order {
		if !sj.mayFire() {
			continue
		}
		if sj.next.IsZero() && !sj.exhausted && sj.waiting.IsZero() {
			// A schedule from the fixtures or a state document that gave
			// no next firing: its first is after now.
			sj.next = sj.nextAfter(now)
			touched[sj] = true
		}
		if f, ok := s.nextFiring(sj, now, touched, nil); ok {
			f.ordinal = i
			queue = append(queue, f)
		}
	}
	heap.Init(&queue)
	var started []*job
	fresh := map[*job]bool{} // started now: logged as made, with the rest
	made := map[*scheduledJob]int{}
	for queue.Len() > 0 {
		f := heap.Pop(&queue).(firing)
		sj := f.sj
		touched[sj] = true
		made[sj]++
		if f.waited {
			sj.waiting = time.Time{}
		} else {
			sj.next = sj.nextAfter(f.at)
		}
		if f.waited || sj.concurrent || s.completedBy(sj.lastJob, f.at, now, fresh) {
			if j := s.fire(sj, f.at); j != nil {
				started = append(started, j)
				fresh[j] = true
			}
		} else {
			sj.waiting = f.at
		}
		if made[sj] >= MaxFiringsPerCatchUp {
			if !sj.next.IsZero() && !sj.next.After(now) {
				sj.next = sj.nextAfter(now) // the rest are missed
			}
			continue
		}
		if next, ok := s.nextFiring(sj, now, touched, fresh); ok {
			next.ordinal = f.ordinal
			heap.Push(&queue, next)
		}
	}
	sc.due, sc.known = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), true
	for _, sj := range sc.order {
		switch {
		case !sj.mayFire() || sj.exhausted:
		case !sj.waiting.IsZero():
			sc.known = false // made when its job completes, which any request may see
		case sj.next.Before(sc.due):
			sc.due = sj.next
		}
	}
	if len(touched) == 0 {
		return
	}
	c := change{jobs: started, creates: len(started) > 0}
	for _, sj := range sc.order {
		if touched[sj] {
			c.schedules = append(c.schedules, sj)
		}
	}
	// A read still answers if the state directory fails; the failure then
	// refuses the next write, as job progress does.
	_ = s.commit(c)
}

// nextFiring is sj's next firing due by now, if it has one: the one
// waiting, once its last job has completed (at the later of the two
// times), or its next scheduled one. While one waits, the firings due
// meanwhile join it.
func (s *Store) nextFiring(sj *scheduledJob, now time.Time, touched map[*scheduledJob]bool, fresh map[*job]bool) (firing, bool) {
	if !sj.waiting.IsZero() {
		if j := sj.lastJob; j == nil || s.completedBy(j, now, now, fresh) {
			at := sj.waiting
			if j != nil && j.completed.After(at) {
				at = j.completed
			}
			return firing{sj: sj, at: at, waited: true}, true
		}
		if !sj.next.IsZero() && !sj.next.After(now) {
			sj.next = sj.nextAfter(now)
			touched[sj] = true
		}
		return firing{}, false
	}
	if !sj.next.IsZero() && !sj.next.After(now) {
		return firing{sj: sj, at: sj.next}, true
	}
	return firing{}, false
}

// completedBy says whether j (brought up to date at now) had completed by
// t; no job has. A job started in this catch-up (fresh) is logged with
// the others it made, so its progress is not logged apart: replay would
// meet it before the record that makes it.
func (s *Store) completedBy(j *job, t, now time.Time, fresh map[*job]bool) bool {
	if j == nil {
		return true
	}
	if fresh[j] {
		j.progress(now, false)
	} else {
		s.progress(j, now, false)
	}
	return j.completedStatus() && !j.completed.After(t)
}

// fire starts sj's job submitted at `at`, as its user, by StartJob's rules;
// nil if it cannot start.
func (s *Store) fire(sj *scheduledJob, at time.Time) *job {
	if !sj.by.active {
		return nil
	}
	in := JobInput{ProjectID: sj.project.id, Command: sj.command, Title: sj.title, HardwareTier: sj.tier,
		CommandField: "command", HardwareTierField: "hardwareTierIdentifier"}
	if sj.env != nil {
		in.EnvironmentID = sj.env.id
	}
	v, err := s.startJob(callerOf(sj.by), in)
	if err != nil {
		return nil
	}
	j := s.st.jobs[v.ID]
	j.submitted = at.Truncate(time.Millisecond)
	if env := s.st.environments[j.environmentID]; env != nil {
		j.revision = revisionFor(env, sj.spec)
	}
	sj.lastJob = j
	return j
}

// ---- persistence ----

// ScheduledJobRecord is a scheduled job in a state document and the log,
// with where its firings stand.
type ScheduledJobRecord struct {
	ID                                string                    `json:"id"`
	ProjectID                         string                    `json:"projectId"`
	Title                             string                    `json:"title,omitempty"`
	Command                           string                    `json:"command"`
	CronString                        string                    `json:"cronString"`
	IsCustom                          bool                      `json:"isCustom,omitempty"`
	TimezoneID                        string                    `json:"timezoneId,omitempty"`
	IsPaused                          bool                      `json:"isPaused,omitempty"`
	AllowConcurrentExecution          bool                      `json:"allowConcurrentExecution,omitempty"`
	HardwareTierID                    string                    `json:"hardwareTierId,omitempty"`
	EnvironmentID                     string                    `json:"environmentId,omitempty"`
	EnvironmentRevisionSpec           *fixtures.JobRevisionSpec `json:"environmentRevisionSpec,omitempty"`
	ScheduledByID                     string                    `json:"scheduledById"`
	NotifyOnCompleteEmailAddresses    []string                  `json:"notifyOnCompleteEmailAddresses,omitempty"`
	CapacityType                      string                    `json:"capacityType,omitempty"`
	DatasetConfig                     string                    `json:"datasetConfig,omitempty"`
	SnapshotDatasetsOnCompletion      bool                      `json:"snapshotDatasetsOnCompletion,omitempty"`
	SnapshotNetAppVolumesOnCompletion bool                      `json:"snapshotNetAppVolumesOnCompletion,omitempty"`
	MainRepoGitRef                    *Ref                      `json:"mainRepoGitRef,omitempty"`
	Created                           *time.Time                `json:"created,omitempty"`
	// NextFire is its next firing not yet made; without it, its first
	// after the document is loaded. WaitingSince is a firing waiting for
	// LastJobID, the last job it started, to complete.
	NextFire     *time.Time `json:"nextFire,omitempty"`
	WaitingSince *time.Time `json:"waitingSince,omitempty"`
	LastJobID    string     `json:"lastJobId,omitempty"`
}

func (sj *scheduledJob) record() ScheduledJobRecord {
	r := ScheduledJobRecord{ID: sj.id, ProjectID: sj.project.id, Title: sj.title, Command: sj.command,
		CronString: sj.cronString, IsCustom: sj.isCustom, TimezoneID: sj.timezone, IsPaused: sj.paused,
		AllowConcurrentExecution: sj.concurrent, HardwareTierID: sj.tier, ScheduledByID: sj.by.id,
		NotifyOnCompleteEmailAddresses: slices.Clone(sj.notify), CapacityType: sj.capacityType,
		DatasetConfig: sj.datasetConfig, SnapshotDatasetsOnCompletion: sj.snapshotDatasetsOnCompletion,
		SnapshotNetAppVolumesOnCompletion: sj.snapshotNetAppVolumesOnCompletion}
	if sj.env != nil {
		r.EnvironmentID = sj.env.id
	}
	if sj.spec != (fixtures.RevisionSpec{}) {
		r.EnvironmentRevisionSpec = &fixtures.JobRevisionSpec{RevisionSpec: sj.spec}
	}
	if sj.gitRef != nil {
		ref := *sj.gitRef
		r.MainRepoGitRef = &ref
	}
	created := sj.created
	r.Created = &created
	if !sj.next.IsZero() {
		next := sj.next
		r.NextFire = &next
	}
	if !sj.waiting.IsZero() {
		w := sj.waiting
		r.WaitingSince = &w
	}
	if sj.lastJob != nil {
		r.LastJobID = sj.lastJob.id
	}
	return r
}

// fixtureSchedule is a fixtures scheduled job of project p as a record.
func (st *state) fixtureSchedule(p *project, fs fixtures.ScheduledJob) ScheduledJobRecord {
	r := ScheduledJobRecord{ID: fs.ID, ProjectID: p.id, Title: fs.Title, Command: fs.Command, CronString: fs.CronString,
		IsCustom: fs.IsCustom, TimezoneID: fs.TimezoneID, IsPaused: fs.IsPaused,
		AllowConcurrentExecution: fs.AllowConcurrentExecution, HardwareTierID: fs.HardwareTierID,
		EnvironmentID: fs.EnvironmentID, EnvironmentRevisionSpec: fs.EnvironmentRevisionSpec,
		ScheduledByID: p.owner.id, NotifyOnCompleteEmailAddresses: fs.NotifyOnCompleteEmailAddresses}
	if u := st.names[strings.ToLower(fs.ScheduledBy)]; fs.ScheduledBy != "" && u != nil {
		r.ScheduledByID = u.id
	}
	return r
}

// addFixtureSchedules adds the fixtures' scheduled jobs, after their
// projects, users, hardware tiers and environments.
func (st *state) addFixtureSchedules(f *fixtures.Set) {
	for _, fp := range f.Projects {
		for _, fs := range fp.ScheduledJobs {
			st.addSchedule(st.scheduleFrom(st.fixtureSchedule(st.projects[fp.ID], fs)))
		}
	}
}

// namedSchedule is scheduledJobs[i] as fixtures write it, its user by
// name, so that fixtures.Checker can check it.
func (st *state) namedSchedule(i int, r ScheduledJobRecord) (fixtures.ScheduledJob, error) {
	at := fmt.Sprintf("scheduledJobs[%d]", i)
	fs := fixtures.ScheduledJob{ID: r.ID, Title: r.Title, Command: r.Command, CronString: r.CronString,
		IsCustom: r.IsCustom, TimezoneID: r.TimezoneID, IsPaused: r.IsPaused,
		AllowConcurrentExecution: r.AllowConcurrentExecution, HardwareTierID: r.HardwareTierID,
		EnvironmentID: r.EnvironmentID, EnvironmentRevisionSpec: r.EnvironmentRevisionSpec,
		NotifyOnCompleteEmailAddresses: r.NotifyOnCompleteEmailAddresses}
	if st.projects[r.ProjectID] == nil {
		return fs, fmt.Errorf("%s.projectId %q is not a project", at, clip(r.ProjectID))
	}
	u := st.users[r.ScheduledByID]
	if u == nil {
		return fs, fmt.Errorf("%s.scheduledById %q is not a user", at, clip(r.ScheduledByID))
	}
	fs.ScheduledBy = u.userName
	return fs, nil
}

// checkScheduleRecord checks what only a state document's scheduled job
// holds, once fixtures.Checker has checked the rest: its last job is one
// of its project's, a firing waits only for a job, and the echoed
// settings are valid.
func (st *state) checkScheduleRecord(i int, r ScheduledJobRecord) error {
	at := fmt.Sprintf("scheduledJobs[%d]", i)
	if r.LastJobID != "" {
		if j := st.jobs[r.LastJobID]; j == nil || j.projectID != r.ProjectID {
			return fmt.Errorf("%s.lastJobId %q is not a job of project %s", at, clip(r.LastJobID), r.ProjectID)
		}
	}
	if r.WaitingSince != nil && r.LastJobID == "" {
		return fmt.Errorf("%s.waitingSince: a firing waits only for the last job, and lastJobId names none", at)
	}
	if r.CapacityType != "" && !slices.Contains(CapacityTypes, r.CapacityType) {
		return fmt.Errorf("%s.capacityType %q is invalid: must be one of %s", at, clip(r.CapacityType), strings.Join(CapacityTypes, ", "))
	}
	if g := r.MainRepoGitRef; g != nil {
		if err := fixtures.CheckGitRef(at+".mainRepoGitRef", g.Type, g.Value); err != nil {
			return err
		}
	}
	return nil
}

// scheduleFrom builds a checked record's scheduled job.
func (st *state) scheduleFrom(r ScheduledJobRecord) *scheduledJob {
	sched, _ := cron.Parse(r.CronString) // checked
	loc := time.UTC
	if r.TimezoneID != "" {
		loc, _ = cron.Location(r.TimezoneID) // checked
	}
	sj := &scheduledJob{id: r.ID, project: st.projects[r.ProjectID], title: r.Title, command: r.Command,
		cronString: r.CronString, isCustom: r.IsCustom, cron: sched, timezone: r.TimezoneID, loc: loc,
		paused: r.IsPaused, concurrent: r.AllowConcurrentExecution, tier: r.HardwareTierID,
		by: st.users[r.ScheduledByID], notify: slices.Clone(r.NotifyOnCompleteEmailAddresses),
		capacityType: r.CapacityType, datasetConfig: r.DatasetConfig,
		snapshotDatasetsOnCompletion: r.SnapshotDatasetsOnCompletion, snapshotNetAppVolumesOnCompletion: r.SnapshotNetAppVolumesOnCompletion,
		created: fixturesEpoch, lastJob: st.jobs[r.LastJobID]}
	if sj.tier == "" {
		sj.tier, _ = st.hardwareTier("", "")
	}
	if r.EnvironmentID != "" {
		sj.env = st.environments[r.EnvironmentID]
	}
	if r.EnvironmentRevisionSpec != nil {
		sj.spec = r.EnvironmentRevisionSpec.RevisionSpec
	}
	if g := r.MainRepoGitRef; g != nil {
		ref := *g
		sj.gitRef = &ref
	}
	if r.Created != nil {
		sj.created = *r.Created
	}
	if r.NextFire != nil {
		sj.next = *r.NextFire
	}
	if r.WaitingSince != nil {
		sj.waiting = *r.WaitingSince
	}
	return sj
}

// loadSchedules checks a state document's scheduled jobs, by the fixtures'
// rules and the store's, and adds them; after its jobs.
func (st *state) loadSchedules(check *fixtures.Checker, records []ScheduledJobRecord, envs []fixtures.Environment) error {
	for i, r := range records {
		fs, err := st.namedSchedule(i, r)
		if err != nil {
			return err
		}
		if err := check.ScheduledJob(fmt.Sprintf("scheduledJobs[%d]", i), fs, st.tiers, envs); err != nil {
			return err
		}
		if err := st.checkScheduleRecord(i, r); err != nil {
			return err
		}
		st.addSchedule(st.scheduleFrom(r))
	}
	return nil
}
