package dominotest_test

import (
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/dominotest"
)

// A scheduled job fires as the mock's clock moves: one job per firing,
// submitted at the scheduled time, as the user it runs as.
func TestScheduledJobs(t *testing.T) {
	srv := dominotest.NewServer(t)
	p := srv.CreateProject(t, "nightly", dominotest.ProjectOptions{})
	sj := srv.CreateScheduledJob(t, p.ID, dominotest.ScheduleOptions{Title: "hourly", Command: "etl.py", Cron: "0 0 * * * ?"})
	if !sj.NextFire.Equal(srv.Now().Truncate(time.Hour).Add(time.Hour)) {
		t.Errorf("next fire %s at %s", sj.NextFire, srv.Now())
	}
	before := srv.Now()
	srv.AdvanceClock(t, 3*time.Hour)
	jobs := srv.ProjectJobs(t, p.ID)
	after := srv.Now()
	want := int(after.Unix()/3600 - before.Unix()/3600) // the hours begun in between
	if len(jobs) != want {
		t.Fatalf("%d jobs after three hours, want %d", len(jobs), want)
	}
	for _, j := range jobs {
		if j.Command != "etl.py" || j.Title != "hourly" || j.StartedBy != "admin" || !j.Submitted.Equal(j.Submitted.Truncate(time.Hour)) {
			t.Errorf("fired job %+v", j)
		}
	}
	// Paused, it fires no more.
	paused := srv.CreateScheduledJob(t, p.ID, dominotest.ScheduleOptions{Command: "x.py", Cron: "* * * * * ?", Paused: true})
	srv.AdvanceClock(t, time.Minute)
	// Only its own command counts: the minute may begin an hour, in which
	// the hourly schedule fires.
	for _, j := range srv.ProjectJobs(t, p.ID) {
		if j.Command == "x.py" {
			t.Errorf("a paused schedule fired: %+v", j)
		}
	}
	if list := srv.ScheduledJobs(t, p.ID); len(list) != 2 || list[1].ID != paused.ID || !list[1].Paused {
		t.Errorf("scheduled jobs %+v", list)
	}
}
