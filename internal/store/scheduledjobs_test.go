package store

import (
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// schedStart is the fixed wall clock of the scheduling tests: a Monday,
// 30 seconds past 08:00 UTC.
var schedStart = time.Date(2025, 3, 10, 8, 0, 30, 0, time.UTC)

// schedStore is jobStore's store and callers on a wall clock that stands
// still at schedStart: only AdvanceClock moves the mock's time.
func schedStore(t *testing.T) (*Store, map[string]Caller) {
	t.Helper()
	fx, err := fixtures.Parse([]byte(richFixturesJSON), "rich test fixtures")
	if err != nil {
		t.Fatal(err)
	}
	s := newStoreWith(t, Config{Fixtures: fx, Clock: NewClock(func() time.Time { return schedStart })})
	admin := caller(t, s, "admin")
	callers := map[string]Caller{
		"admin": admin, "bob": caller(t, s, "bob"), "carol": caller(t, s, "carol"),
		"alice": caller(t, s, "alice"), "dave": caller(t, s, "dave"),
	}
	for _, role := range []string{"Owner", "Contributor", "LauncherUser", "ResultsConsumer", "ProjectImporter"} {
		sa := newAccount(t, s, "sa-"+role)
		must(s.AddCollaborator(admin, bobLabID, sa.ID, role)).ok(t)
		callers[role] = saCaller(sa)
	}
	return s, callers
}

// everyMinute is a schedule input that fires at second 0 of every minute.
func everyMinute(command string) ScheduledJobInput {
	return ScheduledJobInput{Title: "t-" + command, Command: command, CronString: "0 * * * * ?", AllowConcurrentExecution: true}
}

func moveClock(t *testing.T, s *Store, d time.Duration) {
	t.Helper()
	must(s.AdvanceClock(d)).ok(t)
}

// submitted lists a project's jobs, oldest first, as "number command
// submitted-time".
func submitted(t *testing.T, s *Store, c Caller, projectID string) []string {
	t.Helper()
	jobs := must(s.Jobs(c, projectID)).ok(t)
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[len(jobs)-1-i] = j.Command + "@" + j.Submitted.Format("15:04:05")
		if j.Number != len(jobs)-i {
			t.Errorf("job %s is number %d, want %d", j.ID, j.Number, len(jobs)-i)
		}
	}
	return out
}

func wantList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func TestCreateScheduledJob(t *testing.T) {
	s, callers := schedStore(t)
	carol := callers["carol"]
	in := ScheduledJobInput{Title: "nightly", Command: "train.py --all", CronString: "0 30 2 ? * MON-FRI", IsCustom: true,
		TimezoneID: "Europe/Paris", HardwareTier: "Medium", EnvironmentID: gpuEnvID,
		EnvironmentRevisionSpec: fixtures.RevisionSpec{Named: "LatestRevision"},
		Notify:                  []string{"ops@example.com"}, CapacityType: "spot", DatasetConfig: "default",
		SnapshotDatasetsOnCompletion: true, MainRepoGitRef: &Ref{Type: "branches", Value: "main"}}
	sj := must(s.CreateScheduledJob(carol, bobLabID, in)).ok(t)
	if !objectIDRE.MatchString(sj.ID) || sj.ProjectID != bobLabID || sj.ScheduledByID != carolID || sj.ScheduledByUserName != "carol" {
		t.Errorf("created %+v", sj)
	}
	if sj.HardwareTierID != "medium-k8s" || sj.HardwareTierName != "Medium" || sj.EnvironmentID != gpuEnvID || sj.TimezoneID != "Europe/Paris" {
		t.Errorf("tier, environment or zone: %+v", sj)
	}
	if sj.HumanReadableCronString != "At 02:30, on Monday through Friday" || !sj.IsCustom || !sj.CanEdit {
		t.Errorf("schedule: %+v", sj)
	}
	if !sj.Created.Equal(schedStart) {
		t.Errorf("created at %s, want %s", sj.Created, schedStart)
	}
	// 02:30 in Paris (CET, UTC+1) on Tuesday the 11th.
	if want := time.Date(2025, 3, 11, 1, 30, 0, 0, time.UTC); !sj.NextFire.Equal(want) {
		t.Errorf("next fire %s, want %s", sj.NextFire, want)
	}
	got := must(s.ScheduledJob(callers["bob"], bobLabID, sj.ID)).ok(t)
	if got.Command != in.Command || got.MainRepoGitRef.Value != "main" || got.CapacityType != "spot" || len(got.NotifyOnCompleteEmailAddresses) != 1 {
		t.Errorf("read back %+v", got)
	}
	// The defaults: UTC, the default tier and environment, ActiveRevision,
	// the caller.
	d := must(s.CreateScheduledJob(carol, bobLabID, everyMinute("a.py"))).ok(t)
	if d.TimezoneID != "UTC" || d.HardwareTierID != "small-k8s" || d.EnvironmentID != "" ||
		d.EnvironmentRevisionSpec.Named != "ActiveRevision" || d.ScheduledByID != carolID {
		t.Errorf("defaults: %+v", d)
	}
	list := must(s.ScheduledJobs(carol, bobLabID)).ok(t)
	if len(list) != 2 || list[0].ID != sj.ID || list[1].ID != d.ID {
		t.Errorf("list %+v", list)
	}
}

func TestScheduledJobInputRefused(t *testing.T) {
	s, callers := schedStore(t)
	carol, admin := callers["carol"], callers["admin"]
	base := everyMinute("a.py")
	for _, tc := range []struct {
		name string
		who  Caller
		edit func(in *ScheduledJobInput)
		kind Kind
		msg  string
	}{
		{"no command", carol, func(in *ScheduledJobInput) { in.Command = "  " }, KindInvalid, "command is required"},
		{"a long command", carol, func(in *ScheduledJobInput) { in.Command = strings.Repeat("x", 9000) }, KindInvalid, "command is longer than 8192 bytes"},
		{"a long title", carol, func(in *ScheduledJobInput) { in.Title = strings.Repeat("x", 2000) }, KindInvalid, "title is longer"},
		{"no cron", carol, func(in *ScheduledJobInput) { in.CronString = "" }, KindInvalid, "schedule.cronString is required"},
		{"a Unix cron", carol, func(in *ScheduledJobInput) { in.CronString = "*/5 * * * *" }, KindInvalid, `schedule.cronString "*/5 * * * *" is not a Quartz cron expression`},
		{"a cron of the past", carol, func(in *ScheduledJobInput) { in.CronString = "0 0 0 1 1 ? 2020" }, KindInvalid, "never fires after now"},
		{"an unknown zone", carol, func(in *ScheduledJobInput) { in.TimezoneID = "Mars/Olympus" }, KindInvalid, `timezoneId "Mars/Olympus" is not a time zone`},
		{"an unknown tier", carol, func(in *ScheduledJobInput) { in.HardwareTier = "huge" }, KindInvalid, `hardwareTierIdentifier "huge"`},
		{"an unknown environment", carol, func(in *ScheduledJobInput) { in.EnvironmentID = unknownID }, KindInvalid, "overrideEnvironmentId"},
		{"a revision of another environment", carol, func(in *ScheduledJobInput) {
			in.EnvironmentRevisionSpec = fixtures.RevisionSpec{RevisionID: fixtures.RevisionsOf(fixtures.Environment{ID: gpuEnvID, Version: 3})[0].ID}
		}, KindInvalid, "is not a revision of environment " + defEnvID},
		{"no restricted revision", carol, func(in *ScheduledJobInput) {
			in.EnvironmentRevisionSpec = fixtures.RevisionSpec{Named: "RestrictedRevision"}
		}, KindInvalid, "no restricted revision"},
		{"a bad email", carol, func(in *ScheduledJobInput) { in.Notify = []string{"ops"} }, KindInvalid, `notifyOnCompleteEmailAddresses[0] "ops"`},
		{"too many emails", carol, func(in *ScheduledJobInput) { in.Notify = make([]string, 101) }, KindInvalid, "more than the 100"},
		{"a bad capacity type", carol, func(in *ScheduledJobInput) { in.CapacityType = "cheap" }, KindInvalid, `capacityType "cheap"`},
		{"a bad git ref", carol, func(in *ScheduledJobInput) { in.MainRepoGitRef = &Ref{Type: "branches"} }, KindInvalid, "mainRepoGitRef.value is required"},
		{"another user, not as an administrator", carol, func(in *ScheduledJobInput) { in.ScheduledByID = bobID }, KindForbidden, "only an administrator"},
		{"an unknown user", admin, func(in *ScheduledJobInput) { in.ScheduledByID = unknownID }, KindInvalid, "scheduledByUserId"},
		{"a user who may not start jobs", admin, func(in *ScheduledJobInput) { in.ScheduledByID = daveID }, KindInvalid, "dave may not start jobs"},
	} {
		in := base
		tc.edit(&in)
		_, err := s.CreateScheduledJob(tc.who, bobLabID, in)
		wantKind(t, tc.name, err, tc.kind)
		wantErrContains(t, tc.name, err, tc.msg)
	}
	// An administrator schedules a job that runs as the project's
	// Contributor.
	sj := must(s.CreateScheduledJob(admin, bobLabID, ScheduledJobInput{Command: "a.py", CronString: "0 0 * * * ?", ScheduledByID: carolID})).ok(t)
	if sj.ScheduledByUserName != "carol" {
		t.Errorf("scheduled by %s, want carol", sj.ScheduledByUserName)
	}
	if n := len(must(s.ScheduledJobs(admin, bobLabID)).ok(t)); n != 1 {
		t.Errorf("%d scheduled jobs after the refusals, want 1", n)
	}
}

func TestScheduledJobPermissions(t *testing.T) {
	s, callers := schedStore(t)
	byCarol := must(s.CreateScheduledJob(callers["carol"], bobLabID, everyMinute("carol.py"))).ok(t)
	for _, tc := range []struct {
		who                string
		create, read, edit Kind // edit: update and delete carol's schedule
	}{
		{"admin", 0, 0, 0},
		{"bob", 0, 0, 0},   // the owner
		{"carol", 0, 0, 0}, // a Contributor, her own
		{"Owner", 0, 0, 0},
		{"Contributor", 0, 0, KindForbidden}, // another Contributor's
		{"LauncherUser", KindForbidden, 0, KindForbidden},
		{"ResultsConsumer", KindForbidden, 0, KindForbidden},
		{"ProjectImporter", KindForbidden, 0, KindForbidden},
		{"alice", KindForbidden, KindForbidden, KindForbidden}, // not a member of a private project
	} {
		c := callers[tc.who]
		_, err := s.CreateScheduledJob(c, bobLabID, everyMinute(tc.who+".py"))
		if tc.create == 0 && err != nil {
			t.Errorf("%s creates: %v", tc.who, err)
		} else if tc.create != 0 {
			wantKind(t, tc.who+" creates", err, tc.create)
		}
		for what, err := range map[string]error{
			"lists": second(s.ScheduledJobs(c, bobLabID)),
			"reads": second(s.ScheduledJob(c, bobLabID, byCarol.ID)),
		} {
			if tc.read == 0 && err != nil {
				t.Errorf("%s %s: %v", tc.who, what, err)
			} else if tc.read != 0 {
				wantKind(t, tc.who+" "+what, err, tc.read)
			}
		}
		upd := everyMinute("changed-by-" + tc.who + ".py")
		upd.ScheduledByID = carolID
		_, err = s.UpdateScheduledJob(c, bobLabID, byCarol.ID, upd)
		if tc.edit == 0 && err != nil {
			t.Errorf("%s updates: %v", tc.who, err)
		} else if tc.edit != 0 {
			wantKind(t, tc.who+" updates", err, tc.edit)
		}
		if tc.edit == 0 && tc.read == 0 {
			if v := must(s.ScheduledJob(c, bobLabID, byCarol.ID)).ok(t); !v.CanEdit {
				t.Errorf("%s: canEdit false", tc.who)
			}
		}
		if tc.edit != 0 && tc.read == 0 {
			if v := must(s.ScheduledJob(c, bobLabID, byCarol.ID)).ok(t); v.CanEdit {
				t.Errorf("%s: canEdit true", tc.who)
			}
			wantKind(t, tc.who+" deletes", s.DeleteScheduledJob(c, bobLabID, byCarol.ID), tc.edit)
		}
	}
	// Unknown schedules and projects; a schedule through another project.
	wantKind(t, "unknown key", second(s.ScheduledJob(callers["bob"], bobLabID, "nope")), KindNotFound)
	wantKind(t, "unknown project", second(s.ScheduledJobs(callers["admin"], unknownID)), KindNotFound)
	wantKind(t, "through another project", second(s.ScheduledJob(callers["bob"], openDataID, byCarol.ID)), KindNotFound)
	must(struct{}{}, s.DeleteScheduledJob(callers["carol"], bobLabID, byCarol.ID)).ok(t)
	wantKind(t, "deleted", second(s.ScheduledJob(callers["bob"], bobLabID, byCarol.ID)), KindNotFound)
	wantKind(t, "deleted twice", s.DeleteScheduledJob(callers["bob"], bobLabID, byCarol.ID), KindNotFound)
}

func second[V any](_ V, err error) error { return err }

// Each firing starts a job as StartJob does, as the schedule's user,
// submitted at the scheduled time, numbered in time order across
// schedules.
func TestScheduledJobsFireOnTheMockClock(t *testing.T) {
	s, callers := schedStore(t)
	carol, bob := callers["carol"], callers["bob"]
	must(s.CreateScheduledJob(carol, bobLabID, ScheduledJobInput{Title: "every 2", Command: "two.py", CronString: "0 */2 * * * ?", AllowConcurrentExecution: true})).ok(t)
	must(s.CreateScheduledJob(bob, bobLabID, ScheduledJobInput{Command: "three.py", CronString: "0 */3 * * * ?", AllowConcurrentExecution: true})).ok(t)
	wantList(t, "before the clock moves", submitted(t, s, bob, bobLabID), nil)
	moveClock(t, s, 30*time.Second) // 08:01:00
	wantList(t, "at 08:01", submitted(t, s, bob, bobLabID), nil)
	moveClock(t, s, 5*time.Minute) // 08:06:00
	wantList(t, "at 08:06", submitted(t, s, bob, bobLabID), []string{"two.py@08:02:00", "three.py@08:03:00", "two.py@08:04:00", "two.py@08:06:00", "three.py@08:06:00"})
	jobs := must(s.Jobs(bob, bobLabID)).ok(t)
	if j := jobs[len(jobs)-1]; j.Title != "every 2" || j.StartedByUserName != "carol" || j.HardwareTierID != "small-k8s" ||
		j.EnvironmentID != defEnvID || j.EnvironmentRevisionID == "" || j.Status != StatusSucceeded {
		t.Errorf("the first fired job: %+v", j)
	}
	// A manual start after the clock moved comes after the firings due.
	moveClock(t, s, 2*time.Minute) // 08:08:00
	must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "manual.py"})).ok(t)
	got := submitted(t, s, bob, bobLabID)
	wantList(t, "a manual start", got[5:], []string{"two.py@08:08:00", "manual.py@08:08:00"})
}

// The wall clock moving fires schedules too, at the next read.
func TestScheduledJobsFireAsTheWallClockMoves(t *testing.T) {
	fx, err := fixtures.Parse([]byte(richFixturesJSON), "rich")
	if err != nil {
		t.Fatal(err)
	}
	wall := schedStart
	s := newStoreWith(t, Config{Fixtures: fx, Clock: NewClock(func() time.Time { return wall })})
	bob := caller(t, s, "bob")
	must(s.CreateScheduledJob(bob, bobLabID, everyMinute("tick.py"))).ok(t)
	wall = wall.Add(80 * time.Second)
	wantList(t, "after 80 s", submitted(t, s, bob, bobLabID), []string{"tick.py@08:01:00"})
}

// A clock moved ten years on starts at most MaxFiringsPerCatchUp jobs per
// schedule, the first ones due; the rest are missed, and the schedule
// goes on from now.
func TestScheduledJobsCatchUpIsBounded(t *testing.T) {
	s, callers := schedStore(t)
	bob := callers["bob"]
	sj := must(s.CreateScheduledJob(bob, bobLabID, ScheduledJobInput{Command: "sec.py", CronString: "* * * * * ?", AllowConcurrentExecution: true})).ok(t)
	moveClock(t, s, 10*365*24*time.Hour)
	jobs := must(s.Jobs(bob, bobLabID)).ok(t)
	if len(jobs) != MaxFiringsPerCatchUp {
		t.Fatalf("%d jobs after ten years of a schedule of every second, want %d", len(jobs), MaxFiringsPerCatchUp)
	}
	if first, last := jobs[len(jobs)-1].Submitted, jobs[0].Submitted; !first.Equal(schedStart.Add(time.Second)) || last.Sub(first) != 99*time.Second {
		t.Errorf("submitted from %s to %s, want the first 100 seconds after %s", first, last, schedStart)
	}
	now := s.Clock().Now()
	v := must(s.ScheduledJob(bob, bobLabID, sj.ID)).ok(t)
	if !v.NextFire.After(now) || v.NextFire.Sub(now) > time.Second {
		t.Errorf("next fire %s, want the second after %s", v.NextFire, now)
	}
	moveClock(t, s, 3*time.Second)
	if n := len(must(s.Jobs(bob, bobLabID)).ok(t)); n != MaxFiringsPerCatchUp+3 {
		t.Errorf("%d jobs three seconds on, want %d", n, MaxFiringsPerCatchUp+3)
	}
}

// A paused schedule, a schedule of an archived project, and one whose user
// may no longer start jobs start nothing; unpaused, a schedule goes on from
// now without making up what it missed.
func TestScheduledJobsThatDoNotFire(t *testing.T) {
	s, callers := schedStore(t)
	bob, admin := callers["bob"], callers["admin"]
	paused := everyMinute("paused.py")
	paused.IsPaused = true
	p := must(s.CreateScheduledJob(bob, bobLabID, paused)).ok(t)
	if !p.NextFire.IsZero() {
		t.Errorf("a paused schedule's next fire is %s", p.NextFire)
	}
	sa := callers["Contributor"]
	must(s.CreateScheduledJob(sa, bobLabID, everyMinute("contributor.py"))).ok(t)
	must(s.RemoveCollaborator(admin, bobLabID, sa.ID)).ok(t)
	moveClock(t, s, 10*time.Minute) // 08:10:30
	wantList(t, "paused, and a user gone", submitted(t, s, bob, bobLabID), nil)
	paused.IsPaused = false
	must(s.UpdateScheduledJob(bob, bobLabID, p.ID, paused)).ok(t)
	moveClock(t, s, time.Minute)
	wantList(t, "unpaused", submitted(t, s, bob, bobLabID), []string{"paused.py@08:11:00"})

	proj := must(s.CreateProject(bob, ProjectInput{Name: "to-archive"})).ok(t)
	must(s.CreateScheduledJob(bob, proj.ID, everyMinute("archived.py"))).ok(t)
	moveClock(t, s, time.Minute) // 08:12:30: one firing, at 08:12
	must(struct{}{}, s.ArchiveProject(bob, proj.ID)).ok(t)
	moveClock(t, s, 10*time.Minute)
	n := 0
	for _, j := range s.Export(false).Jobs {
		if j.ProjectID == proj.ID {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the archived project has %d jobs, want the 1 made before it was archived", n)
	}
	if runs := must(s.ScheduledRuns(bob, "")).ok(t); len(runs) != 1 || runs[0].ID != p.ID {
		t.Errorf("bob's scheduled runs: %+v, want the live project's one", runs)
	}
}

// Without concurrent execution a firing waits for the schedule's last job
// ("Run sequentially ... wait for the last Job it started to complete"),
// and the firings due meanwhile join it.
func TestSequentialScheduleWaitsForItsJob(t *testing.T) {
	s, callers := schedStore(t)
	bob := callers["bob"]
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).ok(t)
	in := everyMinute("seq.py")
	in.AllowConcurrentExecution = false
	sj := must(s.CreateScheduledJob(bob, bobLabID, in)).ok(t)
	moveClock(t, s, time.Minute) // 08:01:30: the 08:01 firing
	moveClock(t, s, 5*time.Minute)
	wantList(t, "while its job is queued", submitted(t, s, bob, bobLabID), []string{"seq.py@08:01:00"})
	if v := must(s.ScheduledJob(bob, bobLabID, sj.ID)).ok(t); !v.NextFire.Equal(time.Date(2025, 3, 10, 8, 2, 0, 0, time.UTC)) {
		t.Errorf("the waiting firing is due at %s, want 08:02", v.NextFire)
	}
	first := must(s.Jobs(bob, bobLabID)).ok(t)[0]
	must(s.AdvanceJob(first.ID)).ok(t)
	must(s.AdvanceJob(first.ID)).ok(t) // completes at 08:06:30
	wantList(t, "once it completed", submitted(t, s, bob, bobLabID), []string{"seq.py@08:01:00", "seq.py@08:06:30"})
	// Concurrent schedules do not wait.
	in.Command, in.AllowConcurrentExecution = "conc.py", true
	must(s.CreateScheduledJob(bob, bobLabID, in)).ok(t)
	moveClock(t, s, 2*time.Minute) // 08:08:30
	got := submitted(t, s, bob, bobLabID)
	wantList(t, "a concurrent one beside it", got[2:], []string{"conc.py@08:07:00", "conc.py@08:08:00"})
}

// Under the clock lifecycle, a sequential schedule's firing waits exactly
// until its job's run ends.
func TestSequentialScheduleUnderTheClockLifecycle(t *testing.T) {
	s, callers := schedStore(t)
	bob := callers["bob"]
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeClock, QueuedFor: Duration(30 * time.Second), RunFor: Duration(2 * time.Minute)})).ok(t)
	in := everyMinute("seq.py")
	in.AllowConcurrentExecution = false
	must(s.CreateScheduledJob(bob, bobLabID, in)).ok(t)
	moveClock(t, s, 10*time.Minute) // 08:10:30
	// 08:01 runs until 08:03:30; the firing of 08:02 waits, starts then and
	// runs until 08:06; 08:04's until 08:08:30; 08:06's until 08:11.
	wantList(t, "ten minutes", submitted(t, s, bob, bobLabID), []string{"seq.py@08:01:00", "seq.py@08:03:30", "seq.py@08:06:00", "seq.py@08:08:30"})
}

func TestUpdateAndDeleteScheduledJob(t *testing.T) {
	s, callers := schedStore(t)
	bob := callers["bob"]
	sj := must(s.CreateScheduledJob(bob, bobLabID, everyMinute("a.py"))).ok(t)
	upd := ScheduledJobInput{Title: "hourly", Command: "b.py", CronString: "0 0 * * * ?", TimezoneID: "Asia/Kolkata", HardwareTier: "medium-k8s", AllowConcurrentExecution: true}
	v := must(s.UpdateScheduledJob(bob, bobLabID, sj.ID, upd)).ok(t)
	if v.ID != sj.ID || v.Command != "b.py" || v.CronString != "0 0 * * * ?" || v.HardwareTierID != "medium-k8s" || !v.Created.Equal(sj.Created) {
		t.Errorf("updated %+v", v)
	}
	// Kolkata is UTC+05:30: its whole hours are at half past in UTC.
	if want := time.Date(2025, 3, 10, 8, 30, 0, 0, time.UTC); !v.NextFire.Equal(want) {
		t.Errorf("next fire %s, want %s", v.NextFire, want)
	}
	bad := upd
	bad.CronString = "nope"
	wantKind(t, "a bad update", second(s.UpdateScheduledJob(bob, bobLabID, sj.ID, bad)), KindInvalid)
	if v := must(s.ScheduledJob(bob, bobLabID, sj.ID)).ok(t); v.Command != "b.py" {
		t.Errorf("a refused update changed the schedule: %+v", v)
	}
	must(struct{}{}, s.DeleteScheduledJob(bob, bobLabID, sj.ID)).ok(t)
	moveClock(t, s, time.Hour)
	wantList(t, "after the delete", submitted(t, s, bob, bobLabID), nil)
}

func TestScheduledRuns(t *testing.T) {
	s, callers := schedStore(t)
	carol, admin, bob := callers["carol"], callers["admin"], callers["bob"]
	a := must(s.CreateScheduledJob(carol, bobLabID, everyMinute("a.py"))).ok(t)
	must(s.CreateScheduledJob(bob, bobLabID, everyMinute("b.py"))).ok(t)
	for _, tc := range []struct {
		who    Caller
		userID string
		want   []string
		kind   Kind
	}{
		{carol, "", []string{a.ID}, 0},
		{carol, carolID, []string{a.ID}, 0},
		{admin, carolID, []string{a.ID}, 0},
		{admin, "", nil, 0},
		{bob, carolID, nil, KindForbidden},
		{admin, unknownID, nil, KindNotFound}, // observed: 404 for an unknown user
	} {
		runs, err := s.ScheduledRuns(tc.who, tc.userID)
		if tc.kind != 0 {
			wantKind(t, tc.who.UserName+" lists "+tc.userID, err, tc.kind)
			continue
		}
		var ids []string
		for _, r := range must(runs, err).ok(t) {
			ids = append(ids, r.ID)
		}
		wantList(t, tc.who.UserName+" lists "+tc.userID, ids, tc.want)
	}
}

func TestScheduledJobRevisionSpecs(t *testing.T) {
	s, callers := schedStore(t)
	bob := callers["bob"]
	revs := fixtures.RevisionsOf(fixtures.Environment{ID: gpuEnvID, Version: 3})
	must(s.SetActiveRevision(callers["admin"], gpuEnvID, revs[0].ID)).ok(t)
	for _, tc := range []struct {
		spec fixtures.RevisionSpec
		want string
	}{
		{fixtures.RevisionSpec{}, revs[0].ID}, // ActiveRevision: the pinned one
		{fixtures.RevisionSpec{Named: "LatestRevision"}, revs[2].ID},
		{fixtures.RevisionSpec{RevisionID: revs[1].ID}, revs[1].ID},
	} {
		in := everyMinute("rev.py")
		in.EnvironmentID, in.EnvironmentRevisionSpec = gpuEnvID, tc.spec
		sj := must(s.CreateScheduledJob(bob, bobLabID, in)).ok(t)
		moveClock(t, s, time.Minute)
		jobs := must(s.Jobs(bob, bobLabID)).ok(t)
		if j := jobs[0]; j.EnvironmentID != gpuEnvID || j.EnvironmentRevisionID != tc.want {
			t.Errorf("%+v: the job runs with revision %s of %s, want %s", tc.spec, j.EnvironmentRevisionID, j.EnvironmentID, tc.want)
		}
		must(struct{}{}, s.DeleteScheduledJob(bob, bobLabID, sj.ID)).ok(t)
	}
}

// Scheduled jobs from fixtures fire from the first time they are seen.
func TestFixtureScheduledJobs(t *testing.T) {
	doc := strings.Replace(richFixturesJSON, `"collaborators": [{"userName": "carol", "projectRole": "Contributor"}]}`,
		`"collaborators": [{"userName": "carol", "projectRole": "Contributor"}],
     "scheduledJobs": [{"id": "64b7f0a1c2d3e4f5a6b7ce01", "command": "fx.py", "cronString": "0 */5 * * * ?", "scheduledBy": "carol",
                        "allowConcurrentExecution": true}]}`, 1)
	fx, err := fixtures.Parse([]byte(doc), "with a schedule")
	if err != nil {
		t.Fatal(err)
	}
	s := newStoreWith(t, Config{Fixtures: fx, Clock: NewClock(func() time.Time { return schedStart })})
	bob := caller(t, s, "bob")
	v := must(s.ScheduledJob(bob, bobLabID, "64b7f0a1c2d3e4f5a6b7ce01")).ok(t)
	if v.ScheduledByUserName != "carol" || v.HardwareTierID != "small-k8s" || !v.NextFire.Equal(time.Date(2025, 3, 10, 8, 5, 0, 0, time.UTC)) {
		t.Errorf("fixture schedule %+v", v)
	}
	moveClock(t, s, 10*time.Minute)
	wantList(t, "fixtures", submitted(t, s, bob, bobLabID), []string{"fx.py@08:05:00", "fx.py@08:10:00"})
	must(struct{}{}, s.Reset()).ok(t)
	wantList(t, "after a reset", submitted(t, s, bob, bobLabID), nil)
}

// A schedule's firings survive export and import: the jobs made, the next
// firing, and a firing waiting for its job.
func TestScheduledJobsExportImport(t *testing.T) {
	s, callers := schedStore(t)
	bob := callers["bob"]
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).ok(t)
	in := everyMinute("seq.py")
	in.AllowConcurrentExecution = false
	sj := must(s.CreateScheduledJob(bob, bobLabID, in)).ok(t)
	moveClock(t, s, 3*time.Minute) // one job, one firing waiting
	snap := s.Export(true)
	if len(snap.ScheduledJobs) != 1 || snap.ScheduledJobs[0].WaitingSince == nil || snap.ScheduledJobs[0].LastJobID == "" {
		t.Fatalf("exported %+v", snap.ScheduledJobs)
	}
	must(struct{}{}, s.Reset()).ok(t)
	must(struct{}{}, s.Import(snap)).ok(t)
	jobs := must(s.Jobs(bob, bobLabID)).ok(t)
	if len(jobs) != 1 {
		t.Fatalf("%d jobs after the import, want 1", len(jobs))
	}
	must(s.AdvanceJob(jobs[0].ID)).ok(t)
	must(s.AdvanceJob(jobs[0].ID)).ok(t)
	wantList(t, "the waiting firing, imported", submitted(t, s, bob, bobLabID), []string{"seq.py@08:01:00", "seq.py@08:03:30"})
	if v := must(s.ScheduledJob(bob, bobLabID, sj.ID)).ok(t); !v.NextFire.Equal(time.Date(2025, 3, 10, 8, 4, 0, 0, time.UTC)) {
		t.Errorf("next fire %s after the import", v.NextFire)
	}
}

func TestScheduledJobRecordsRefused(t *testing.T) {
	s, callers := schedStore(t)
	must(s.CreateScheduledJob(callers["bob"], bobLabID, everyMinute("a.py"))).ok(t)
	good := s.Export(true)
	for _, tc := range []struct {
		name string
		edit func(r *ScheduledJobRecord)
		want string
	}{
		{"an unknown project", func(r *ScheduledJobRecord) { r.ProjectID = unknownID }, `scheduledJobs[0].projectId "ffffffffffffffffffffffff" is not a project`},
		{"an unknown user", func(r *ScheduledJobRecord) { r.ScheduledByID = unknownID }, `scheduledJobs[0].scheduledById "ffffffffffffffffffffffff" is not a user`},
		{"a bad cron", func(r *ScheduledJobRecord) { r.CronString = "0 0 * * * *" }, `scheduledJobs[0].cronString "0 0 * * * *" is not a Quartz cron expression`},
		{"a bad zone", func(r *ScheduledJobRecord) { r.TimezoneID = "Local" }, `scheduledJobs[0].timezoneId "Local" is not a time zone`},
		{"an id in use", func(r *ScheduledJobRecord) { r.ID = bobLabID }, `scheduledJobs[0].id "64b7f0a1c2d3e4f5a6b7c902" is already projects[1].id`},
		{"an unknown last job", func(r *ScheduledJobRecord) { r.LastJobID = unknownID }, `scheduledJobs[0].lastJobId "ffffffffffffffffffffffff" is not a job of project`},
		{"waiting for no job", func(r *ScheduledJobRecord) { w := schedStart; r.WaitingSince = &w }, "scheduledJobs[0].waitingSince"},
		{"a bad capacity type", func(r *ScheduledJobRecord) { r.CapacityType = "cheap" }, `scheduledJobs[0].capacityType "cheap"`},
	} {
		snap := s.Export(true)
		snap.ScheduledJobs = append([]ScheduledJobRecord(nil), good.ScheduledJobs...)
		tc.edit(&snap.ScheduledJobs[0])
		err := s.Import(snap)
		wantKind(t, tc.name, err, KindInvalid)
		wantErrContains(t, tc.name, err, tc.want)
	}
	snap := s.Export(true)
	snap.ScheduledJobs = append(snap.ScheduledJobs, snap.ScheduledJobs[0])
	wantErrContains(t, "an id twice", s.Import(snap), "is already scheduledJobs[0].id")
}
