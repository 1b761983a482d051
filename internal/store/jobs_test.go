package store

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

var commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// jobStore is a rich store where carol is Contributor of bob-lab, and each
// other role has a user (service accounts) of its own.
func jobStore(t *testing.T) (*Store, map[string]Caller) {
	s := richStore(t)
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

func TestStartJobPermissions(t *testing.T) {
	s, callers := jobStore(t)
	cases := []struct {
		who, project string
		want         Kind
	}{
		{"admin", bobLabID, 0}, // admin, not a member
		{"bob", bobLabID, 0},   // owner
		{"carol", bobLabID, 0}, // Contributor (fixtures)
		{"Contributor", bobLabID, 0},
		{"Owner", bobLabID, 0},
		{"LauncherUser", bobLabID, KindForbidden},
		{"ResultsConsumer", bobLabID, KindForbidden},
		{"ProjectImporter", bobLabID, KindForbidden},
		{"alice", bobLabID, KindForbidden},   // not a member
		{"alice", openDataID, KindForbidden}, // public is readable, not runnable
		{"bob", openDataID, 0},
		{"alice", unknownID, KindNotFound},
		{"admin", unknownID, KindNotFound},
	}
	for _, tc := range cases {
		c := callers[tc.who]
		what := tc.who + " starts a job in " + tc.project
		j, err := s.StartJob(c, JobInput{ProjectID: tc.project, Command: "python train.py"})
		if tc.want != 0 {
			wantKind(t, what, err, tc.want)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		if j.StartedByID != c.ID || j.StartedByUserName != c.UserName || j.ProjectID != tc.project {
			t.Errorf("%s: job %+v", what, j)
		}
	}
	// Readers that may not start may still read jobs and stop none.
	j := must(s.StartJob(callers["carol"], JobInput{ProjectID: bobLabID, Command: "x"})).ok(t)
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).ok(t)
	manual := must(s.StartJob(callers["carol"], JobInput{ProjectID: bobLabID, Command: "y"})).ok(t)
	for _, who := range []string{"LauncherUser", "ResultsConsumer"} {
		must(s.Job(callers[who], j.ID)).ok(t)
		_, err := s.StopJob(callers[who], bobLabID, manual.ID)
		wantKind(t, who+" stops a job", err, KindForbidden)
	}
	_, err := s.Job(callers["alice"], j.ID)
	wantKind(t, "alice reads a job of a private project", err, KindForbidden)
	_, err = s.Job(callers["admin"], unknownID)
	wantKind(t, "unknown job", err, KindNotFound)
	if got := must(s.Job(callers["admin"], manual.ID)).ok(t); got.Status != StatusQueued {
		t.Errorf("refused stops moved the job to %s", got.Status)
	}
}

func TestStartJobInput(t *testing.T) {
	s, callers := jobStore(t)
	bob := callers["bob"]
	for _, tc := range []struct {
		name string
		in   JobInput
		want Kind
	}{
		{"no project", JobInput{Command: "x"}, KindInvalid},
		{"no command", JobInput{ProjectID: bobLabID}, KindInvalid},
		{"blank command", JobInput{ProjectID: bobLabID, Command: " \t\n"}, KindInvalid},
		{"unknown tier", JobInput{ProjectID: bobLabID, Command: "x", HardwareTier: "Large"}, KindInvalid},
		{"tier name in other case", JobInput{ProjectID: bobLabID, Command: "x", HardwareTier: "medium"}, KindInvalid},
		{"unknown environment", JobInput{ProjectID: bobLabID, Command: "x", EnvironmentID: unknownID}, KindInvalid},
	} {
		_, err := s.StartJob(bob, tc.in)
		wantKind(t, tc.name, err, tc.want)
	}
	if l := must(s.Jobs(bob, bobLabID)).ok(t); len(l) != 0 {
		t.Errorf("refused starts made jobs: %+v", l)
	}
	for _, tc := range []struct {
		tier, wantTier string
		env, wantEnv   string
	}{
		{"", "small-k8s", "", defEnvID}, // defaults: the default tier, the first environment
		{"medium-k8s", "medium-k8s", gpuEnvID, gpuEnvID},
		{"Medium", "medium-k8s", "", defEnvID}, // by name
		{"small-k8s", "small-k8s", defEnvID, defEnvID},
	} {
		j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "python a.py", Title: "t",
			HardwareTier: tc.tier, EnvironmentID: tc.env})).ok(t)
		if j.HardwareTierID != tc.wantTier || j.EnvironmentID != tc.wantEnv {
			t.Errorf("tier %q env %q: job has tier %q env %q, want %q %q", tc.tier, tc.env, j.HardwareTierID, j.EnvironmentID, tc.wantTier, tc.wantEnv)
		}
		if !commitRE.MatchString(j.CommitID) {
			t.Errorf("default commitId %q is not 40 hex", j.CommitID)
		}
		if j.Command != "python a.py" || j.Title != "t" || !objectIDRE.MatchString(j.ID) {
			t.Errorf("job = %+v", j)
		}
	}
	commit := upload(t, s, bob, "bob", "bob-lab", "x.txt", "x").CommitID
	j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x", CommitID: commit})).ok(t)
	if j.CommitID != commit {
		t.Errorf("given commitId became %q", j.CommitID)
	}
}

func TestJobNumberingPerProject(t *testing.T) {
	s, callers := jobStore(t)
	bob := callers["bob"]
	var lab []Job
	for i := 0; i < 3; i++ {
		lab = append(lab, must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t))
	}
	open := must(s.StartJob(bob, JobInput{ProjectID: openDataID, Command: "x"})).ok(t)
	qs := must(s.StartJob(callers["admin"], JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	lab = append(lab, must(s.StartJob(callers["carol"], JobInput{ProjectID: bobLabID, Command: "x"})).ok(t))
	for i, j := range lab {
		if j.Number != i+1 {
			t.Errorf("bob-lab job %d has number %d", i, j.Number)
		}
	}
	if open.Number != 1 || qs.Number != 1 {
		t.Errorf("first jobs of other projects have numbers %d and %d, want 1", open.Number, qs.Number)
	}
	ids := map[string]bool{}
	for _, j := range append(lab, open, qs) {
		if ids[j.ID] {
			t.Errorf("job id %s used twice", j.ID)
		}
		ids[j.ID] = true
	}
	list := must(s.Jobs(bob, bobLabID)).ok(t)
	if len(list) != 4 {
		t.Fatalf("Jobs(bob-lab) has %d jobs, want 4", len(list))
	}
	for i, j := range list {
		if j.Number != 4-i || j.ProjectID != bobLabID {
			t.Errorf("Jobs(bob-lab)[%d] = number %d of %s, want newest first", i, j.Number, j.ProjectID)
		}
	}
	_, err := s.Jobs(bob, "")
	wantKind(t, "Jobs without project", err, KindInvalid)
}

func TestJobLifecycleImmediate(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	if l := s.JobLifecycle(); l.Mode != ModeImmediate || l.FinalStatus != StatusSucceeded {
		t.Errorf("default lifecycle = %+v", l)
	}
	j := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "python main.py"})).ok(t)
	if j.Status != StatusQueued || j.IsCompleted || j.Stdout != "" || !j.RunStart.IsZero() {
		t.Errorf("just started: %+v", j)
	}
	got := must(s.Job(admin, j.ID)).ok(t)
	if got.Status != StatusSucceeded || !got.IsCompleted || got.RunStart.IsZero() || got.Completed.IsZero() {
		t.Errorf("first read: %+v, want Succeeded", got)
	}
	if got.Stdout != "$ python main.py\n" || got.Setup == "" {
		t.Errorf("stdout %q setup %q", got.Stdout, got.Setup)
	}
	// Also through the list, which is not a poll.
	j2 := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "y"})).ok(t)
	if l := must(s.Jobs(admin, defProjectID)).ok(t); l[0].ID != j2.ID || l[0].Status != StatusSucceeded {
		t.Errorf("list shows %+v", l[0])
	}
}

func TestJobLifecycleClock(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeClock, QueuedFor: Duration(time.Minute), RunFor: Duration(2 * time.Minute)})).ok(t)
	j := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	status := func() Job { return must(s.Job(admin, j.ID)).ok(t) }
	if got := status(); got.Status != StatusQueued {
		t.Errorf("at once: %s", got.Status)
	}
	must(s.AdvanceClock(59 * time.Second)).ok(t)
	if got := status(); got.Status != StatusQueued {
		t.Errorf("after 59s: %s", got.Status)
	}
	must(s.AdvanceClock(time.Second)).ok(t)
	got := status()
	if got.Status != StatusRunning || !got.RunStart.Equal(j.Submitted.Add(time.Minute)) {
		t.Errorf("after 1m: %s, runStart %v (submitted %v)", got.Status, got.RunStart, j.Submitted)
	}
	must(s.AdvanceClock(2 * time.Minute)).ok(t)
	got = status()
	if got.Status != StatusSucceeded || !got.Completed.Equal(j.Submitted.Add(3*time.Minute)) {
		t.Errorf("after 3m: %s, completed %v", got.Status, got.Completed)
	}
	// A job read long after skips straight to the end, with the scheduled times.
	j2 := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	must(s.AdvanceClock(time.Hour)).ok(t)
	got = must(s.Job(admin, j2.ID)).ok(t)
	if got.Status != StatusSucceeded || !got.RunStart.Equal(j2.Submitted.Add(time.Minute)) || !got.Completed.Equal(j2.Submitted.Add(3*time.Minute)) {
		t.Errorf("read an hour later: %+v", got)
	}
}

func TestJobLifecyclePolls(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModePolls, Polls: 3, FinalStatus: StatusFailed, Stdout: "boom\n"})).ok(t)
	j := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	// Listing and reading stdout are not polls.
	must(s.Jobs(admin, defProjectID)).ok(t)
	must(s.JobStdout(admin, "admin", "quick-start", j.ID)).ok(t)
	want := []string{StatusRunning, StatusRunning, StatusFailed, StatusFailed}
	for i, w := range want {
		got := must(s.Job(admin, j.ID)).ok(t)
		if got.Status != w {
			t.Errorf("poll %d: %s, want %s", i+1, got.Status, w)
		}
		if w == StatusFailed && (got.Stdout != "boom\n" || !got.IsCompleted) {
			t.Errorf("failed job: stdout %q completed %v", got.Stdout, got.IsCompleted)
		}
	}
}

func TestJobLifecycleManualAndAdvance(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual, FinalStatus: StatusError})).ok(t)
	j := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	must(s.AdvanceClock(24 * time.Hour)).ok(t)
	for i := 0; i < 3; i++ {
		if got := must(s.Job(admin, j.ID)).ok(t); got.Status != StatusQueued {
			t.Fatalf("manual job moved by itself to %s", got.Status)
		}
	}
	if got := must(s.AdvanceJob(j.ID)).ok(t); got.Status != StatusRunning || got.RunStart.IsZero() {
		t.Errorf("first advance: %+v", got)
	}
	if got := must(s.AdvanceJob(j.ID)).ok(t); got.Status != StatusError || !got.IsCompleted {
		t.Errorf("second advance: %+v", got)
	}
	_, err := s.AdvanceJob(j.ID)
	wantKind(t, "advance a completed job", err, KindInvalid)
	_, err = s.AdvanceJob(unknownID)
	wantKind(t, "advance an unknown job", err, KindNotFound)

	// The lifecycle is fixed when a job starts.
	j2 := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	must(s.SetJobLifecycle(DefaultJobLifecycle())).ok(t)
	if got := must(s.Job(admin, j2.ID)).ok(t); got.Status != StatusQueued {
		t.Errorf("a manual job took the new lifecycle: %s", got.Status)
	}
	j3 := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	if got := must(s.Job(admin, j3.ID)).ok(t); got.Status != StatusSucceeded {
		t.Errorf("a new job did not take the new lifecycle: %s", got.Status)
	}
}

func TestSetJobLifecycleValidation(t *testing.T) {
	s := newStore(t)
	for _, tc := range []struct {
		name string
		l    JobLifecycle
	}{
		{"no mode", JobLifecycle{}},
		{"unknown mode", JobLifecycle{Mode: "later"}},
		{"final Running", JobLifecycle{Mode: ModeImmediate, FinalStatus: StatusRunning}},
		{"final Stopped", JobLifecycle{Mode: ModeImmediate, FinalStatus: StatusStopped}},
		{"negative queuedFor", JobLifecycle{Mode: ModeClock, QueuedFor: -1}},
		{"negative runFor", JobLifecycle{Mode: ModeClock, RunFor: Duration(-time.Second)}},
		{"negative polls", JobLifecycle{Mode: ModePolls, Polls: -1}},
	} {
		_, err := s.SetJobLifecycle(tc.l)
		wantKind(t, tc.name, err, KindInvalid)
	}
	if l := s.JobLifecycle(); l != DefaultJobLifecycle() {
		t.Errorf("refused lifecycles changed it to %+v", l)
	}
	got := must(s.SetJobLifecycle(JobLifecycle{Mode: ModePolls})).ok(t)
	if got.Polls != 1 || got.FinalStatus != StatusSucceeded || s.JobLifecycle() != got {
		t.Errorf("defaults filled in: %+v (stored %+v)", got, s.JobLifecycle())
	}
	// Durations are Go duration strings in JSON.
	data, _ := json.Marshal(JobLifecycle{Mode: ModeClock, QueuedFor: Duration(90 * time.Second)})
	var back JobLifecycle
	if err := json.Unmarshal(data, &back); err != nil || back.QueuedFor != Duration(90*time.Second) {
		t.Errorf("JSON %s read back as %+v, %v", data, back, err)
	}
	for _, bad := range []string{`{"queuedFor": 90}`, `{"queuedFor": "soon"}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}

func TestStopJob(t *testing.T) {
	s, callers := jobStore(t)
	bob, carol := callers["bob"], callers["carol"]
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).ok(t)
	queued := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t)
	running := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t)
	must(s.AdvanceJob(running.ID)).ok(t)

	for _, tc := range []struct {
		name, project, job string
		c                  Caller
		want               Kind
	}{
		{"no job id", bobLabID, "", bob, KindInvalid},
		{"unknown job", bobLabID, unknownID, bob, KindNotFound},
		{"job of another project", openDataID, queued.ID, bob, KindNotFound},
		{"not a member", bobLabID, queued.ID, callers["alice"], KindForbidden},
		{"ResultsConsumer", bobLabID, queued.ID, callers["ResultsConsumer"], KindForbidden},
	} {
		_, err := s.StopJob(tc.c, tc.project, tc.job)
		wantKind(t, tc.name, err, tc.want)
	}

	got := must(s.StopJob(carol, bobLabID, queued.ID)).ok(t)
	if got.Status != StatusStopped || !got.IsCompleted || got.Stdout != "" || got.Completed.IsZero() || got.RunStart.IsZero() {
		t.Errorf("stopped queued job: %+v", got)
	}
	got = must(s.StopJob(bob, "", running.ID)).ok(t) // the project id may be left out
	if got.Status != StatusStopped {
		t.Errorf("stopped running job: %s", got.Status)
	}
	if got := must(s.Job(bob, queued.ID)).ok(t); got.Status != StatusStopped {
		t.Errorf("read after stop: %s", got.Status)
	}
	_, err := s.AdvanceJob(queued.ID)
	wantKind(t, "advance a stopped job", err, KindInvalid)

	// A completed job is returned as it is.
	must(s.SetJobLifecycle(DefaultJobLifecycle())).ok(t)
	done := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t)
	got = must(s.StopJob(bob, bobLabID, done.ID)).ok(t)
	if got.Status != StatusSucceeded || got.Stdout == "" {
		t.Errorf("stopping a finished job changed it: %+v", got)
	}
}

func TestJobStdout(t *testing.T) {
	s, callers := jobStore(t)
	bob := callers["bob"]
	j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "python hello.py"})).ok(t)
	other := must(s.StartJob(bob, JobInput{ProjectID: openDataID, Command: "x"})).ok(t)
	got := must(s.JobStdout(bob, "bob", "bob-lab", j.ID)).ok(t)
	if got.ID != j.ID || got.Stdout != "$ python hello.py\n" || got.Setup == "" {
		t.Errorf("stdout = %+v", got)
	}
	if got := must(s.JobStdout(callers["ResultsConsumer"], "BOB", "bob-lab", j.ID)).ok(t); got.ID != j.ID {
		t.Errorf("a reader got %+v", got)
	}
	for _, tc := range []struct {
		name, owner, project, run string
		c                         Caller
		want                      Kind
	}{
		{"run of another project", "bob", "bob-lab", other.ID, bob, KindNotFound},
		{"unknown run", "bob", "bob-lab", unknownID, bob, KindNotFound},
		{"unknown project", "bob", "nope", j.ID, bob, KindNotFound},
		{"wrong owner", "alice", "bob-lab", j.ID, bob, KindNotFound},
		{"not a member", "bob", "bob-lab", j.ID, callers["alice"], KindForbidden},
	} {
		_, err := s.JobStdout(tc.c, tc.owner, tc.project, tc.run)
		wantKind(t, tc.name, err, tc.want)
	}
}

// TestJobBounds: a project holds at most Limits.JobsPerProject jobs, and a
// job's command, title and commit id are bounded, so a collaborator cannot
// grow the mock without end (the adversarial review's 200 jobs of 1 MB
// commands took it from 14 to 341 MB, and listing them to 1.18 GB).
func TestJobBounds(t *testing.T) {
	s := newStoreWith(t, Config{Limits: Limits{JobsPerProject: 3}})
	admin := caller(t, s, "admin")
	start := func(in JobInput) error {
		in.ProjectID = defProjectID
		if in.Command == "" {
			in.Command = "ls"
		}
		_, err := s.StartJob(admin, in)
		return err
	}
	for _, c := range []struct {
		in   JobInput
		part string
	}{
		{JobInput{Command: strings.Repeat("c", maxJobCommandBytes+1), CommandField: "commandToRun"}, "commandToRun"},
		{JobInput{Title: strings.Repeat("t", maxJobTitleBytes+1)}, "title"},
	} {
		err := start(c.in)
		wantKind(t, c.part, err, KindInvalid)
		wantErrContains(t, c.part, err, c.part)
	}
	for range 3 {
		if err := start(JobInput{Command: strings.Repeat("c", maxJobCommandBytes)}); err != nil {
			t.Fatal(err)
		}
	}
	err := start(JobInput{})
	wantKind(t, "a 4th job", err, KindInvalid)
	wantErrContains(t, "a 4th job", err, "--max-jobs", "3")
	// Numbers go on from the last, also after an import.
	if err := s.Import(s.Export(true)); err != nil {
		t.Fatal(err)
	}
	l, total, err := s.JobsPage(admin, defProjectID, JobQuery{Limit: 1})
	if err != nil || total != 3 || len(l) != 1 || l[0].Number != 3 {
		t.Errorf("JobsPage = %+v of %d, %v", l, total, err)
	}
}

// TestImportRefusesDuplicateJobNumbers: two jobs of one project with the
// same number, or a number below 1, do not load.
func TestImportRefusesDuplicateJobNumbers(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	for range 2 {
		must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "ls"})).ok(t)
	}
	for name, edit := range map[string]func(*Snapshot){
		"same number": func(d *Snapshot) { d.Jobs[1].Number = d.Jobs[0].Number },
		"number 0":    func(d *Snapshot) { d.Jobs[0].Number = 0 },
	} {
		doc := s.Export(true)
		edit(&doc)
		err := s.Import(doc)
		wantKind(t, name, err, KindInvalid)
		wantErrContains(t, name, err, "number")
	}
}
