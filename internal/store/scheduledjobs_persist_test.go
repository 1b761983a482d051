package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Persistence of scheduled jobs: every change and every firing survive a
// restart (from the log, then from the snapshot), firings made before it
// are not made again, and the log says what it created.

// walSchedOpen opens dir on a wall clock that stands still at schedStart.
func walSchedOpen(t *testing.T, dir string) *Store {
	t.Helper()
	cfg := walConfig(t)
	cfg.Clock = NewClock(func() time.Time { return schedStart })
	s, err := Open(cfg, dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return s
}

func walSchedReopen(t *testing.T, s *Store, dir string) *Store {
	t.Helper()
	before := walJSON(t, s)
	walClose(t, s)
	s2 := walSchedOpen(t, dir)
	walSameState(t, "after reopen", before, walJSON(t, s2))
	return s2
}

func TestPersistScheduledJobs(t *testing.T) {
	dir := t.TempDir()
	s := walSchedOpen(t, dir)
	a := walAdmin(t, s)
	walOK(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).must(t)
	seq := walOK(s.CreateScheduledJob(a, walProject, ScheduledJobInput{Title: "seq", Command: "seq.py", CronString: "0 * * * * ?", TimezoneID: "Europe/Paris"})).must(t)
	conc := walOK(s.CreateScheduledJob(a, walProject, everyMinute("conc.py"))).must(t)
	gone := walOK(s.CreateScheduledJob(a, walProject, everyMinute("gone.py"))).must(t)
	walOK(struct{}{}, s.DeleteScheduledJob(a, walProject, gone.ID)).must(t)
	upd := everyMinute("conc2.py")
	upd.CronString = "30 * * * * ?"
	walOK(s.UpdateScheduledJob(a, walProject, conc.ID, upd)).must(t)
	walOK(s.AdvanceClock(3 * time.Minute)).must(t) // 08:03:30: seq fired once and waits; conc2 fired 3 times
	s = walSchedReopen(t, s, dir)
	jobs := walOK(s.Jobs(a, walProject)).must(t)
	if len(jobs) != 4 {
		t.Fatalf("%d jobs after the reopen, want 4", len(jobs))
	}
	// The waiting firing, made once its job completes after the restart.
	var first Job
	for _, j := range jobs {
		if j.Command == "seq.py" {
			first = j
		}
	}
	walOK(s.AdvanceJob(first.ID)).must(t)
	walOK(s.AdvanceJob(first.ID)).must(t)
	walOK(s.AdvanceClock(time.Minute)).must(t) // 08:04:30: seq's waiting firing, then conc2 at 08:04:30
	s = walSchedReopen(t, s, dir)
	got := submitted(t, s, a, walProject)
	wantList(t, "after two restarts", got, []string{"seq.py@08:01:00", "conc2.py@08:01:30", "conc2.py@08:02:30",
		"conc2.py@08:03:30", "seq.py@08:03:30", "conc2.py@08:04:30"})
	if v := walOK(s.ScheduledJob(a, walProject, seq.ID)).must(t); v.TimezoneID != "Europe/Paris" || v.Title != "seq" {
		t.Errorf("read back %+v", v)
	}
	wantKind(t, "the deleted schedule", second(s.ScheduledJob(a, walProject, gone.ID)), KindNotFound)
	// From the snapshot alone (every start compacts), the same.
	s = walSchedReopen(t, s, dir)
	walClose(t, s)
}

// The log records a firing's jobs as created and its schedule as changed,
// in one record, and the schedule it created as created.
func TestPersistScheduledJobRecords(t *testing.T) {
	dir := t.TempDir()
	s := walSchedOpen(t, dir)
	a := walAdmin(t, s)
	sj := walOK(s.CreateScheduledJob(a, walProject, everyMinute("a.py"))).must(t)
	walOK(s.AdvanceClock(2 * time.Minute)).must(t)
	walClose(t, s)
	var created, fired bool
	for _, l := range walLines(t, dir)[1:] {
		rec, err := parseLine(l)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case rec.Created != nil && len(rec.Created.Schedules) == 1:
			created = rec.Created.Schedules[0] == sj.ID && len(rec.ScheduledJobs) == 1
		case len(rec.Jobs) == 2:
			fired = rec.Created != nil && len(rec.Created.Jobs) == 2 && len(rec.Created.Schedules) == 0 &&
				len(rec.ScheduledJobs) == 1 && rec.ScheduledJobs[0].NextFire != nil && rec.ScheduledJobs[0].LastJobID == rec.Jobs[1].ID
		}
	}
	if !created || !fired {
		t.Errorf("the log lacks the schedule's creation (%v) or its firings with the schedule (%v)", created, fired)
	}
	// A record that creates a scheduled job that exists is damage.
	path := filepath.Join(dir, walFile)
	lines := walLines(t, dir)
	var dup []byte
	for _, l := range lines[1:] {
		if strings.Contains(string(l), `"created":{"scheduledJobs"`) {
			dup = l
		}
	}
	rec, _ := parseLine(dup)
	rec.Seq = uint64(len(lines)) // after the last
	walAppend(t, path, walLine(t, rec, nil))
	cfg := walConfig(t)
	if _, err := Open(cfg, dir); err == nil || !strings.Contains(err.Error(), "creates scheduled job "+sj.ID+", which already exists") {
		t.Errorf("replaying a second creation: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
