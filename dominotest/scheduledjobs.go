package dominotest

import (
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/store"
)

// ScheduledJob is a scheduled job: the fields of
// GET /v4/projects/{projectId}/scheduledjobs that tests check, and when it
// fires next.
type ScheduledJob struct {
	ID        string
	ProjectID string
	Title     string
	Command   string
	Cron      string // its Quartz cron expression
	// Schedule is the mock's English for Cron ("At 02:00, every day").
	Schedule string
	Timezone string // an IANA name; "UTC" when none was given
	Paused   bool
	// Sequential: a firing waits for the schedule's last job to complete
	// (allowConcurrentExecution false).
	Sequential     bool
	HardwareTierID string
	EnvironmentID  string // "" for the project's default environment
	ScheduledBy    string // the username its jobs run as
	Created        time.Time
	// NextFire is when it fires next; zero while paused or when it fires
	// no more. Domino shows no such field: the mock's, for tests.
	NextFire time.Time
}

func scheduledJobOf(sj store.ScheduledJob) ScheduledJob {
	return ScheduledJob{ID: sj.ID, ProjectID: sj.ProjectID, Title: sj.Title, Command: sj.Command, Cron: sj.CronString,
		Schedule: sj.HumanReadableCronString, Timezone: sj.TimezoneID, Paused: sj.IsPaused,
		Sequential: !sj.AllowConcurrentExecution, HardwareTierID: sj.HardwareTierID, EnvironmentID: sj.EnvironmentID,
		ScheduledBy: sj.ScheduledByUserName, Created: sj.Created.UTC(), NextFire: utcOrZero(sj.NextFire)}
}

// ScheduleOptions are a scheduled job's settings; Command and Cron are
// required.
type ScheduleOptions struct {
	Title, Command string
	Cron           string // a Quartz cron expression: "0 */5 * * * ?" is every five minutes
	Timezone       string // an IANA time zone the expression is read in; "" is UTC
	Paused         bool
	// Sequential waits for the schedule's last job to complete before the
	// next firing starts one (allowConcurrentExecution false).
	Sequential    bool
	HardwareTier  string // a tier's id or name; "" is the default tier
	EnvironmentID string // "" is the default environment
	ScheduledBy   string // the user name its jobs run as (an administrator schedules them); "" is the admin
}

// CreateScheduledJob schedules a job in a project as an administrator
// would. Move the clock (AdvanceClock) and list the project's jobs
// (ProjectJobs) to see what it started.
func (s *Server) CreateScheduledJob(t testing.TB, projectID string, o ScheduleOptions) ScheduledJob {
	t.Helper()
	sj, err := s.CreateScheduledJobE(projectID, o)
	check(t, err)
	return sj
}

// CreateScheduledJobE is CreateScheduledJob returning its error.
func (s *Server) CreateScheduledJobE(projectID string, o ScheduleOptions) (ScheduledJob, error) {
	st := s.srv.Store()
	admin, err := s.admin()
	if err != nil {
		return ScheduledJob{}, fail("CreateScheduledJob", err)
	}
	in := store.ScheduledJobInput{Title: o.Title, Command: o.Command, CronString: o.Cron, IsCustom: true, TimezoneID: o.Timezone,
		IsPaused: o.Paused, AllowConcurrentExecution: !o.Sequential, HardwareTier: o.HardwareTier, EnvironmentID: o.EnvironmentID,
		EnvironmentRevisionSpec: fixtures.RevisionSpec{Named: "ActiveRevision"}}
	if o.ScheduledBy != "" {
		u, err := st.CallerByUserName(o.ScheduledBy)
		if err != nil {
			return ScheduledJob{}, fail("CreateScheduledJob", err)
		}
		in.ScheduledByID = u.ID
	}
	sj, err := st.CreateScheduledJob(admin, projectID, in)
	if err != nil {
		return ScheduledJob{}, fail("CreateScheduledJob", err)
	}
	return scheduledJobOf(sj), nil
}

// ScheduledJobs lists a project's scheduled jobs, in creation order.
func (s *Server) ScheduledJobs(t testing.TB, projectID string) []ScheduledJob {
	t.Helper()
	list, err := s.ScheduledJobsE(projectID)
	check(t, err)
	return list
}

// ScheduledJobsE is ScheduledJobs returning its error.
func (s *Server) ScheduledJobsE(projectID string) ([]ScheduledJob, error) {
	admin, err := s.admin()
	if err != nil {
		return nil, fail("ScheduledJobs", err)
	}
	list, err := s.srv.Store().ScheduledJobs(admin, projectID)
	if err != nil {
		return nil, fail("ScheduledJobs", err)
	}
	out := make([]ScheduledJob, len(list))
	for i, sj := range list {
		out[i] = scheduledJobOf(sj)
	}
	return out, nil
}

// ProjectJobs lists a project's jobs, newest first, as they are now: the
// scheduled jobs' firings due by the mock's clock included.
func (s *Server) ProjectJobs(t testing.TB, projectID string) []Job {
	t.Helper()
	list, err := s.ProjectJobsE(projectID)
	check(t, err)
	return list
}

// ProjectJobsE is ProjectJobs returning its error.
func (s *Server) ProjectJobsE(projectID string) ([]Job, error) {
	admin, err := s.admin()
	if err != nil {
		return nil, fail("ProjectJobs", err)
	}
	list, err := s.srv.Store().Jobs(admin, projectID)
	if err != nil {
		return nil, fail("ProjectJobs", err)
	}
	out := make([]Job, len(list))
	for i, j := range list {
		out[i] = jobOf(j)
	}
	return out, nil
}
