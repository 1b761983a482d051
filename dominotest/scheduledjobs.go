package dominotest

import (
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/store"
)

// ScheduledJob is a scheduled job as the store shows it; NextFire is when
// it fires next (zero while paused).
type ScheduledJob = store.ScheduledJob

// ProjectJob is a job of a project, as ProjectJobs lists it.
type ProjectJob = store.Job

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
	if err != nil {
		t.Fatalf("dominotest: %v", err)
	}
	return sj
}

// CreateScheduledJobE is CreateScheduledJob for code without a testing.TB.
func (s *Server) CreateScheduledJobE(projectID string, o ScheduleOptions) (ScheduledJob, error) {
	st := s.srv.Store()
	admin, err := s.admin()
	if err != nil {
		return ScheduledJob{}, err
	}
	in := store.ScheduledJobInput{Title: o.Title, Command: o.Command, CronString: o.Cron, IsCustom: true, TimezoneID: o.Timezone,
		IsPaused: o.Paused, AllowConcurrentExecution: !o.Sequential, HardwareTier: o.HardwareTier, EnvironmentID: o.EnvironmentID,
		EnvironmentRevisionSpec: fixtures.RevisionSpec{Named: "ActiveRevision"}}
	if o.ScheduledBy != "" {
		u, err := st.CallerByUserName(o.ScheduledBy)
		if err != nil {
			return ScheduledJob{}, err
		}
		in.ScheduledByID = u.ID
	}
	return st.CreateScheduledJob(admin, projectID, in)
}

// ScheduledJobs lists a project's scheduled jobs, in creation order.
func (s *Server) ScheduledJobs(t testing.TB, projectID string) []ScheduledJob {
	t.Helper()
	admin, err := s.admin()
	if err == nil {
		var list []ScheduledJob
		if list, err = s.srv.Store().ScheduledJobs(admin, projectID); err == nil {
			return list
		}
	}
	t.Fatalf("dominotest: %v", err)
	return nil
}

// ProjectJobs lists a project's jobs, newest first, as they are now: the
// scheduled jobs' firings due by the mock's clock included.
func (s *Server) ProjectJobs(t testing.TB, projectID string) []ProjectJob {
	t.Helper()
	admin, err := s.admin()
	if err == nil {
		var list []ProjectJob
		if list, err = s.srv.Store().Jobs(admin, projectID); err == nil {
			return list
		}
	}
	t.Fatalf("dominotest: %v", err)
	return nil
}
