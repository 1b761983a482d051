package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestCreateAppRules(t *testing.T) {
	s := richStore(t)
	admin, bob, carol, dave := caller(t, s, "admin"), caller(t, s, "bob"), caller(t, s, "carol"), caller(t, s, "dave")
	must(s.AddCollaborator(bob, bobLabID, daveID, "ResultsConsumer")).ok(t)
	must(s.CreateApp(bob, AppInput{ProjectID: bobLabID, Name: "taken"})).ok(t)
	for _, tc := range []struct {
		name string
		c    Caller
		in   AppInput
		want Kind // 0: created
	}{
		{"owner", bob, AppInput{ProjectID: bobLabID, Name: "dash"}, 0},
		{"contributor", carol, AppInput{ProjectID: bobLabID, Name: "carol's"}, 0},
		{"administrator", admin, AppInput{ProjectID: bobLabID, Name: "admin's"}, 0},
		{"python-domino's unnamed app", bob, AppInput{ProjectID: bobLabID, Name: ""}, 0},
		{"a name another app has", carol, AppInput{ProjectID: bobLabID, Name: "taken"}, KindDuplicate},
		{"the same name in another project", bob, AppInput{ProjectID: openDataID, Name: "taken"}, 0},
		{"a name in another case is another name", bob, AppInput{ProjectID: bobLabID, Name: "TAKEN"}, 0},
		{"ResultsConsumer may not publish", dave, AppInput{ProjectID: bobLabID, Name: "x"}, KindForbidden},
		{"a reader of a public project may not publish", dave, AppInput{ProjectID: openDataID, Name: "x"}, KindForbidden},
		{"no project", bob, AppInput{Name: "x"}, KindInvalid},
		{"unknown project", bob, AppInput{ProjectID: unknownID, Name: "x"}, KindNotFound},
		{"a type the spec does not name", bob, AppInput{ProjectID: bobLabID, Name: "y", Type: "MODEL"}, KindInvalid},
		{"a visibility the spec does not name", bob, AppInput{ProjectID: bobLabID, Name: "y", Visibility: "SECRET"}, KindInvalid},
		{"an unknown hardware tier", bob, AppInput{ProjectID: bobLabID, Name: "y", HardwareTier: "huge"}, KindInvalid},
		{"an unknown environment", bob, AppInput{ProjectID: bobLabID, Name: "y", EnvironmentID: unknownID}, KindInvalid},
		{"a control character in the name", bob, AppInput{ProjectID: bobLabID, Name: "a\x00b"}, KindInvalid},
		{"a name too long", bob, AppInput{ProjectID: bobLabID, Name: strings.Repeat("n", 257)}, KindInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := s.CreateApp(tc.c, tc.in)
			if tc.want != 0 {
				wantKind(t, tc.name, err, tc.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != tc.in.Name || a.ProjectID != tc.in.ProjectID || a.Type != "APP" || a.Status != AppStopped ||
				a.PublisherID != tc.c.ID || a.Visibility != "GRANT_BASED" || a.InstanceID != "" {
				t.Errorf("created %+v", a)
			}
		})
	}
}

func TestAppsListedByProjectAndType(t *testing.T) {
	s := richStore(t)
	bob, dave := caller(t, s, "bob"), caller(t, s, "dave")
	a := must(s.CreateApp(bob, AppInput{ProjectID: bobLabID, Name: "a"})).ok(t)
	b := must(s.CreateApp(bob, AppInput{ProjectID: bobLabID, Name: "b", Type: "REPORT"})).ok(t)
	must(s.CreateApp(bob, AppInput{ProjectID: openDataID, Name: "elsewhere"})).ok(t)
	ids := func(apps []App) (out []string) {
		for _, a := range apps {
			out = append(out, a.ID)
		}
		return out
	}
	if got := ids(must(s.Apps(bob, bobLabID, "")).ok(t)); strings.Join(got, ",") != a.ID+","+b.ID {
		t.Errorf("all: %v, want %s,%s in creation order", got, a.ID, b.ID)
	}
	if got := ids(must(s.Apps(bob, bobLabID, "APP")).ok(t)); strings.Join(got, ",") != a.ID {
		t.Errorf("APP: %v, want %s", got, a.ID)
	}
	_, err := s.Apps(bob, bobLabID, "app")
	wantKind(t, "a type in lower case", err, KindInvalid)
	_, err = s.Apps(dave, bobLabID, "")
	wantKind(t, "a private project's apps for a non-member", err, KindForbidden)
	_, err = s.App(dave, a.ID)
	wantKind(t, "a private project's app for a non-member", err, KindForbidden)
	_, err = s.Apps(bob, "", "")
	wantKind(t, "no project", err, KindInvalid)
	_, err = s.App(bob, unknownID)
	wantKind(t, "unknown app", err, KindNotFound)
	if got := must(s.Apps(bob, openDataID, "")).ok(t); len(got) != 1 {
		t.Errorf("open-data: %d apps, want 1", len(got))
	}
}

// TestAppLifecycle: an app's instance moves as a job does under each mode
// of the shared lifecycle, and a stop ends it.
func TestAppLifecycle(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lc        JobLifecycle
		steps     []func(s *Store, c Caller, id string)
		want      []string // the status read after each step
		completed bool
	}{
		{name: "immediate: running at the first read", lc: DefaultJobLifecycle(),
			want: []string{AppRunning, AppRunning}},
		{name: "immediate, failing: failed at once", lc: JobLifecycle{Mode: ModeImmediate, FinalStatus: StatusFailed},
			want: []string{AppFailed}},
		{name: "polls: running at the first, failing at the third", lc: JobLifecycle{Mode: ModePolls, Polls: 3, FinalStatus: StatusError},
			want: []string{AppRunning, AppRunning, AppFailed}},
		{name: "polls, succeeding: running for good", lc: JobLifecycle{Mode: ModePolls, Polls: 2},
			want: []string{AppRunning, AppRunning, AppRunning}},
		{name: "clock", lc: JobLifecycle{Mode: ModeClock, QueuedFor: Duration(time.Minute), RunFor: Duration(time.Hour), FinalStatus: StatusFailed},
			steps: []func(*Store, Caller, string){
				func(s *Store, _ Caller, _ string) {},
				func(s *Store, _ Caller, _ string) { must(s.AdvanceClock(time.Minute)).ok(t) },
				func(s *Store, _ Caller, _ string) { must(s.AdvanceClock(time.Hour)).ok(t) },
			},
			want: []string{AppPending, AppRunning, AppFailed}},
		{name: "manual: only when told", lc: JobLifecycle{Mode: ModeManual},
			steps: []func(*Store, Caller, string){
				func(s *Store, _ Caller, _ string) {},
				func(s *Store, _ Caller, id string) { must(s.AdvanceApp(id)).ok(t) },
			},
			want: []string{AppPending, AppRunning}},
		{name: "stopped while pending", lc: JobLifecycle{Mode: ModeManual},
			steps: []func(*Store, Caller, string){
				func(s *Store, c Caller, id string) { must(s.StopApp(c, id)).ok(t) },
			},
			want: []string{AppStopped}},
		{name: "stopped while running", lc: DefaultJobLifecycle(),
			steps: []func(*Store, Caller, string){
				func(s *Store, _ Caller, _ string) {},
				func(s *Store, c Caller, id string) { must(s.StopApp(c, id)).ok(t) },
			},
			want: []string{AppRunning, AppStopped}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := richStore(t)
			bob := caller(t, s, "bob")
			must(s.SetJobLifecycle(tc.lc)).ok(t)
			a := must(s.CreateApp(bob, AppInput{ProjectID: bobLabID, Name: "dash"})).ok(t)
			started := must(s.StartApp(bob, a.ID, AppStart{})).ok(t)
			if started.Status != AppPending || started.InstanceID == "" || started.InstanceHardwareTierID != "small-k8s" {
				t.Fatalf("started: %+v", started)
			}
			for i, want := range tc.want {
				if i < len(tc.steps) {
					tc.steps[i](s, bob, a.ID)
				}
				if got := must(s.App(bob, a.ID)).ok(t); got.Status != want {
					t.Fatalf("read %d: status %s, want %s", i+1, got.Status, want)
				}
			}
		})
	}
}

func TestStartAndStopAppRules(t *testing.T) {
	s := richStore(t)
	bob, carol, dave := caller(t, s, "bob"), caller(t, s, "carol"), caller(t, s, "dave")
	must(s.AddCollaborator(bob, bobLabID, daveID, "LauncherUser")).ok(t)
	a := must(s.CreateApp(bob, AppInput{ProjectID: bobLabID, Name: "dash", HardwareTier: "Medium", EnvironmentID: gpuEnvID})).ok(t)
	if a.HardwareTierID != "medium-k8s" || a.EnvironmentID != gpuEnvID {
		t.Fatalf("created %+v", a)
	}

	// A stop before any start changes nothing.
	if got := must(s.StopApp(bob, a.ID)).ok(t); got.Status != AppStopped || got.InstanceID != "" {
		t.Errorf("stop before start: %+v", got)
	}
	_, err := s.StartApp(dave, a.ID, AppStart{})
	wantKind(t, "a LauncherUser starts", err, KindForbidden)
	_, err = s.StartApp(bob, a.ID, AppStart{HardwareTier: "huge"})
	wantKind(t, "an unknown tier", err, KindInvalid)
	_, err = s.StartApp(bob, unknownID, AppStart{})
	wantKind(t, "an unknown app", err, KindNotFound)

	first := must(s.StartApp(carol, a.ID, AppStart{CommitID: "abc123"})).ok(t)
	if first.InstanceHardwareTierID != "medium-k8s" || first.InstanceEnvironmentID != gpuEnvID ||
		first.RunningCommitID != "abc123" || first.InstanceStartedByID != carolID {
		t.Errorf("the app's tier, environment and the commit given: %+v", first)
	}
	_, err = s.StartApp(bob, a.ID, AppStart{})
	wantKind(t, "a start while it runs", err, KindInvalid)
	_, err = s.StopApp(dave, a.ID)
	wantKind(t, "a LauncherUser stops", err, KindForbidden)
	if got := must(s.App(bob, a.ID)).ok(t); got.Status != AppRunning {
		t.Errorf("after a refused stop: %s", got.Status)
	}
	stopped := must(s.StopApp(carol, a.ID)).ok(t)
	if stopped.Status != AppStopped || stopped.InstanceStopped.IsZero() {
		t.Errorf("stopped: %+v", stopped)
	}
	second := must(s.StartApp(bob, a.ID, AppStart{HardwareTier: "small-k8s"})).ok(t)
	if second.InstanceID == first.InstanceID || second.InstanceHardwareTierID != "small-k8s" || second.RunningCommitID == "" {
		t.Errorf("a second start is a new instance with its own tier and a commit: %+v", second)
	}
	must(s.App(bob, a.ID)).ok(t) // immediate: running at this read
	_, err = s.AdvanceApp(a.ID)
	wantKind(t, "advance a running app that keeps running", err, KindInvalid)

	// Archiving the project hides its apps.
	must(0, s.ArchiveProject(bob, bobLabID)).ok(t)
	_, err = s.App(bob, a.ID)
	wantKind(t, "an archived project's app", err, KindNotFound)
}

// TestAppsPersist: every app change survives a restart through the log,
// and through the snapshot a compaction writes.
func TestAppsPersist(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	admin := walAdmin(t, s)
	walOK(s.SetJobLifecycle(JobLifecycle{Mode: ModePolls, Polls: 2, FinalStatus: StatusFailed})).must(t)
	a := walOK(s.CreateApp(admin, AppInput{ProjectID: walProject, Name: "dash", Description: "d"})).must(t)
	b := walOK(s.CreateApp(admin, AppInput{ProjectID: walProject, Name: "report", Type: "REPORT"})).must(t)
	walOK(s.StartApp(admin, a.ID, AppStart{})).must(t)
	walOK(s.App(admin, a.ID)).must(t) // a poll: Running, logged
	walOK(s.SetJobLifecycle(DefaultJobLifecycle())).must(t)
	walOK(s.StartApp(admin, b.ID, AppStart{})).must(t)
	walOK(s.StopApp(admin, b.ID)).must(t)
	s = walReopen(t, s, dir)
	if got := walOK(s.App(admin, a.ID)).must(t); got.Status != AppFailed {
		t.Errorf("after reopening, the second poll under the old lifecycle: %s, want %s", got.Status, AppFailed)
	}
	_, err := s.CreateApp(admin, AppInput{ProjectID: walProject, Name: "dash"})
	wantKind(t, "a name taken before the restart", err, KindDuplicate)
	s = walReopen(t, s, dir)
	walClose(t, s)
}

// TestAppsInStateDocuments: an export imports again; a document's apps are
// checked as the routes check them.
func TestAppsInStateDocuments(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	a := must(s.CreateApp(admin, AppInput{ProjectID: defProjectID, Name: "dash"})).ok(t)
	must(s.StartApp(admin, a.ID, AppStart{})).ok(t)
	must(s.App(admin, a.ID)).ok(t) // Running
	doc := s.Export(true)
	if len(doc.Apps) != 1 || doc.Apps[0].Instance == nil {
		t.Fatalf("export: %+v", doc.Apps)
	}
	must(0, s.Import(doc)).ok(t)
	if got := must(s.App(admin, a.ID)).ok(t); got.Name != "dash" || got.Status != AppRunning {
		t.Errorf("after import: %+v", got)
	}

	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"an unknown project", `"projectId":"` + defProjectID + `","name":"dash"`, `"projectId":"` + unknownID + `","name":"dash"`, "apps[0].projectId"},
		{"an unknown status", `"status":"Running"`, `"status":"Sleeping"`, "apps[0].instance.status"},
		{"an unknown type", `"modelProductType":"APP"`, `"modelProductType":"MODEL"`, "apps[0].modelProductType"},
		{"an unknown lifecycle", `"status":"Running","lifecycleId":"`, `"status":"Running","lifecycleId":"x`, "apps[0].instance"},
		{"a malformed id", `"id":"` + a.ID + `"`, `"id":"nope"`, "apps[0].id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(string(raw), tc.old, tc.new, 1)
			if bad == string(raw) {
				t.Fatalf("the document does not hold %s", tc.old)
			}
			var d Snapshot
			if err := json.Unmarshal([]byte(bad), &d); err != nil {
				t.Fatal(err)
			}
			err := s.Import(d)
			wantErrContains(t, tc.name, err, tc.want)
		})
	}
	// Two apps of one name in one project.
	dup := doc
	second := doc.Apps[0]
	second.ID = "64b7f0a1c2d3e4f5a6b7cf99"
	second.Instance = nil
	dup.Apps = append([]AppRecord{}, doc.Apps[0], second)
	wantErrContains(t, "a name twice", s.Import(dup), "apps[1].name")
}

// TestRaceAppNameAndStart: of many concurrent creates of one name exactly
// one app is made, and of many concurrent starts of it exactly one wins.
func TestRaceAppNameAndStart(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).ok(t)
	const n = 32
	made := make([]App, n)
	errs := make([]error, n)
	together(n, func(i int) { made[i], errs[i] = s.CreateApp(admin, AppInput{ProjectID: defProjectID, Name: "dash"}) })
	var app App
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins, app = wins+1, made[i]
		case KindOf(err) != KindDuplicate:
			t.Errorf("create %d: %v, want a duplicate", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d creates succeeded, want 1", wins)
	}
	together(n, func(i int) { _, errs[i] = s.StartApp(admin, app.ID, AppStart{}) })
	wins = 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case KindOf(err) != KindInvalid:
			t.Errorf("start %d: %v, want refused as already pending", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d starts succeeded, want 1", wins)
	}
}
