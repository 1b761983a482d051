package store

import (
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// The commit a job starts from: the one it names, which must be one of its
// project's, else the project's head (the public spec: "Defaults to head
// commitId for the project").
func TestStartJobCommit(t *testing.T) {
	s, callers := jobStore(t)
	bob := callers["bob"]
	// bob-lab has no commit yet: a job still gets a commit id.
	if j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t); !commitRE.MatchString(j.CommitID) {
		t.Errorf("a job of a project without commits has commit %q", j.CommitID)
	}
	first := upload(t, s, bob, "bob", "bob-lab", "a.txt", "1").CommitID
	if j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t); j.CommitID != first {
		t.Errorf("job without commitId runs on %q, want the head %q", j.CommitID, first)
	}
	second := upload(t, s, bob, "bob", "bob-lab", "a.txt", "2").CommitID
	if j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t); j.CommitID != second {
		t.Errorf("job without commitId runs on %q, want the new head %q", j.CommitID, second)
	}
	if j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x", CommitID: first})).ok(t); j.CommitID != first {
		t.Errorf("job given commit %q runs on %q", first, j.CommitID)
	}
	other := upload(t, s, bob, "bob", "open-data", "b.txt", "b").CommitID
	for name, id := range map[string]string{
		"made-up commit":            "abc123",
		"40 hex, no such commit":    "0123456789abcdef0123456789abcdef01234567",
		"another project's commit":  other,
		"upper case of a commit id": upperHex(first),
	} {
		_, err := s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x", CommitID: id})
		wantKind(t, name, err, KindInvalid)
		wantErrContains(t, name, err, "commitId")
	}
}

func upperHex(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// A job that names no hardware tier or environment gets the project's
// defaults (its settings), and those the project's settings leave out are
// the deployment's. The settings' revision spec chooses the revision of the
// project's default environment.
func TestStartJobProjectDefaults(t *testing.T) {
	s, callers := jobStore(t)
	bob := callers["bob"]
	gpu := s.st.environments[gpuEnvID]
	if len(gpu.revisions) != 3 {
		t.Fatalf("GPU has %d revisions", len(gpu.revisions))
	}
	second := gpu.revisions[1]
	// The deployment's defaults.
	j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t)
	if j.HardwareTierID != "small-k8s" || j.EnvironmentID != defEnvID {
		t.Errorf("no settings: tier %q env %q", j.HardwareTierID, j.EnvironmentID)
	}
	medium, env := "medium-k8s", gpuEnvID
	must(s.UpdateProjectSettings(bob, bobLabID, SettingsInput{DefaultHardwareTierID: &medium, DefaultEnvironmentID: &env})).ok(t)
	j = must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t)
	if j.HardwareTierID != "medium-k8s" || j.EnvironmentID != gpuEnvID || j.EnvironmentRevisionNumber != 3 {
		t.Errorf("settings' defaults: tier %q env %q revision %d", j.HardwareTierID, j.EnvironmentID, j.EnvironmentRevisionNumber)
	}
	if j.EnvironmentRevisionSpec != (fixtures.RevisionSpec{Named: "ActiveRevision"}) {
		t.Errorf("revision spec %+v, want ActiveRevision", j.EnvironmentRevisionSpec)
	}
	// A job's own choices win over the settings.
	j = must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x", HardwareTier: "Small", EnvironmentID: defEnvID})).ok(t)
	if j.HardwareTierID != "small-k8s" || j.EnvironmentID != defEnvID {
		t.Errorf("explicit: tier %q env %q", j.HardwareTierID, j.EnvironmentID)
	}
	// The settings' revision spec picks the default environment's revision.
	for _, tc := range []struct {
		spec fixtures.RevisionSpec
		want int
	}{
		{fixtures.RevisionSpec{RevisionID: second.id}, 2},
		{fixtures.RevisionSpec{Named: "LatestRevision"}, 3},
		{fixtures.RevisionSpec{Named: "ActiveRevision"}, 3},
	} {
		spec := tc.spec
		must(s.UpdateProjectSettings(bob, bobLabID, SettingsInput{DefaultEnvironmentRevisionSpec: &spec})).ok(t)
		j = must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t)
		if j.EnvironmentRevisionNumber != tc.want || j.EnvironmentRevisionSpec != tc.spec {
			t.Errorf("settings' spec %+v: revision %d, spec %+v; want %d", tc.spec, j.EnvironmentRevisionNumber, j.EnvironmentRevisionSpec, tc.want)
		}
		// An environment the job names runs its active revision.
		if j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x", EnvironmentID: gpuEnvID})).ok(t); j.EnvironmentRevisionNumber != 3 ||
			j.EnvironmentRevisionSpec != (fixtures.RevisionSpec{Named: "ActiveRevision"}) {
			t.Errorf("named environment under settings' spec %+v: revision %d spec %+v", tc.spec, j.EnvironmentRevisionNumber, j.EnvironmentRevisionSpec)
		}
	}
	// RestrictedRevision with no restricted revision, and a revision id that
	// is not the environment's: the job cannot start.
	for name, spec := range map[string]fixtures.RevisionSpec{
		"no restricted revision": {Named: "RestrictedRevision"},
		"another revision":       {RevisionID: unknownID},
	} {
		must(s.UpdateProjectSettings(bob, bobLabID, SettingsInput{DefaultEnvironmentRevisionSpec: &spec})).ok(t)
		_, err := s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})
		wantKind(t, name, err, KindInvalid)
	}
	// Restricting a revision makes RestrictedRevision choose it.
	must(s.RestrictEnvironmentRevision(callers["admin"], gpuEnvID, second.id, true)).ok(t)
	spec := fixtures.RevisionSpec{Named: "RestrictedRevision"}
	must(s.UpdateProjectSettings(bob, bobLabID, SettingsInput{DefaultEnvironmentRevisionSpec: &spec})).ok(t)
	if j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t); j.EnvironmentRevisionNumber != 2 {
		t.Errorf("RestrictedRevision: revision %d, want 2", j.EnvironmentRevisionNumber)
	}
	// A default environment since archived starts no job.
	must(s.ArchiveEnvironment(callers["admin"], gpuEnvID)).ok(t)
	_, err := s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})
	wantKind(t, "archived default environment", err, KindInvalid)
	if j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x", EnvironmentID: defEnvID})).ok(t); j.EnvironmentID != defEnvID {
		t.Errorf("explicit environment with an archived default: %q", j.EnvironmentID)
	}
}

// mainRepoGitRef: a git-backed project's job records the ref it was started
// from; the ref is checked as a repository's default ref is.
func TestStartJobMainRepoGitRef(t *testing.T) {
	s, callers := jobStore(t)
	bob := callers["bob"]
	if j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t); j.MainRepoGitRef != nil {
		t.Errorf("no ref given: %+v", j.MainRepoGitRef)
	}
	for _, ref := range []Ref{{Type: "branches", Value: "feature"}, {Type: "tags", Value: "v1"}, {Type: "commitId", Value: "960a4c99a4cc38194cbacbcce41caa68ba5369ea"}, {Type: "head"}} {
		j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x", MainRepoGitRef: &ref})).ok(t)
		if j.MainRepoGitRef == nil || *j.MainRepoGitRef != ref {
			t.Errorf("ref %+v: job has %+v", ref, j.MainRepoGitRef)
		}
		if got := must(s.Job(bob, j.ID)).ok(t); got.MainRepoGitRef == nil || *got.MainRepoGitRef != ref {
			t.Errorf("ref %+v: read back %+v", ref, got.MainRepoGitRef)
		}
	}
	for name, ref := range map[string]Ref{
		"unknown type":          {Type: "branch", Value: "main"},
		"branch without a name": {Type: "branches"},
		"empty":                 {},
		"a name past 1 KiB":     {Type: "branches", Value: strings.Repeat("b", maxGitRefBytes+1)},
	} {
		_, err := s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x", MainRepoGitRef: &ref})
		wantKind(t, name, err, KindInvalid)
		wantErrContains(t, name, err, "mainRepoGitRef")
	}
	// open-data has no git repository.
	_, err := s.StartJob(bob, JobInput{ProjectID: openDataID, Command: "x", MainRepoGitRef: &Ref{Type: "branches", Value: "main"}})
	wantKind(t, "project without a repository", err, KindInvalid)
}

// What a job was started with (its git ref and revision spec) is kept by
// --state, from the log and from the snapshot, and by an export imported.
func TestPersistJobChoices(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	first := walOK(s.ActiveRevision(a, defEnvID)).must(t)
	walOK(s.CreateEnvironmentRevision(a, defEnvID, RevisionDefinition{})).must(t)
	spec := fixtures.RevisionSpec{RevisionID: first.ID}
	walOK(s.UpdateProjectSettings(a, walProject, SettingsInput{DefaultEnvironmentRevisionSpec: &spec})).must(t)
	j := walOK(s.StartJob(a, JobInput{ProjectID: walProject, Command: "x", MainRepoGitRef: &Ref{Type: "branches", Value: "dev"}})).must(t)
	check := func(what string, s *Store) {
		t.Helper()
		got := walOK(s.Job(a, j.ID)).must(t)
		if got.MainRepoGitRef == nil || *got.MainRepoGitRef != (Ref{Type: "branches", Value: "dev"}) ||
			got.EnvironmentRevisionSpec != spec || got.EnvironmentRevisionID != first.ID {
			t.Errorf("%s: job %+v", what, got)
		}
	}
	check("started", s)
	s = walReopen(t, s, dir)
	check("from the log", s)
	s = walReopen(t, s, dir)
	check("from the snapshot", s)
	if err := s.Import(s.Export(true)); err != nil {
		t.Fatal(err)
	}
	check("imported", s)
	walClose(t, s)
}

// A state document's job with a ref no repository could have is refused,
// as the fixtures' checks refuse a bad default ref.
func TestImportChecksJobGitRef(t *testing.T) {
	s := newStore(t)
	a := caller(t, s, "admin")
	must(s.StartJob(a, JobInput{ProjectID: defProjectID, Command: "x", MainRepoGitRef: &Ref{Type: "tags", Value: "v1"}})).ok(t)
	doc := s.Export(true)
	doc.Jobs[0].MainRepoGitRef = &Ref{Type: "branch", Value: "main"}
	err := s.Import(doc)
	wantKind(t, "import of a bad ref", err, KindInvalid)
	wantErrContains(t, "import of a bad ref", err, "jobs[0].mainRepoGitRef")
}

// A job that finishes (not one stopped) commits its results: a commit on
// top of its project's files, with the files unchanged (a mock job writes
// none), which is its outputCommitId and the project's new head.
func TestJobOutputCommit(t *testing.T) {
	s, callers := jobStore(t)
	bob := callers["bob"]
	in := upload(t, s, bob, "bob", "bob-lab", "data/a.txt", "a").CommitID
	j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "python a.py"})).ok(t)
	if j.OutputCommitID != "" {
		t.Errorf("a queued job has output commit %q", j.OutputCommitID)
	}
	j = must(s.Job(bob, j.ID)).ok(t)
	if j.Status != StatusSucceeded || j.OutputCommitID == "" || j.OutputCommitID == in || j.CommitID != in {
		t.Fatalf("finished job: status %s input %s output %q", j.Status, j.CommitID, j.OutputCommitID)
	}
	commits := must(s.Commits(bob, bobLabID)).ok(t)
	if len(commits) != 2 || commits[0].ID != j.OutputCommitID || commits[1].ID != in {
		t.Errorf("commits after the job: %+v", commits)
	}
	if !strings.Contains(commits[0].Name, "#1") {
		t.Errorf("output commit's message %q does not name run #1", commits[0].Name)
	}
	files := must(s.ListFiles(bob, "bob", "bob-lab", j.OutputCommitID, "")).ok(t)
	if len(files) != 1 || files[0].Path != "data/a.txt" {
		t.Errorf("files at the output commit: %+v", files)
	}
	// Reading it again makes no other commit.
	if again := must(s.Job(bob, j.ID)).ok(t); again.OutputCommitID != j.OutputCommitID || len(must(s.Commits(bob, bobLabID)).ok(t)) != 2 {
		t.Errorf("a second read: %+v", again)
	}
	// The next job starts from the output commit, the head.
	if next := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t); next.CommitID != j.OutputCommitID {
		t.Errorf("next job starts from %s, want the output commit %s", next.CommitID, j.OutputCommitID)
	}

	// Held by hand: no output until it finishes, whatever it finishes with;
	// a stopped job commits nothing.
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual, FinalStatus: StatusFailed})).ok(t)
	failed := must(s.StartJob(bob, JobInput{ProjectID: openDataID, Command: "x"})).ok(t)
	stopped := must(s.StartJob(bob, JobInput{ProjectID: openDataID, Command: "y"})).ok(t)
	must(s.AdvanceJob(failed.ID)).ok(t)
	if got := must(s.Job(bob, failed.ID)).ok(t); got.OutputCommitID != "" {
		t.Errorf("a running job has output commit %q", got.OutputCommitID)
	}
	failed = must(s.AdvanceJob(failed.ID)).ok(t)
	if failed.Status != StatusFailed || failed.OutputCommitID == "" {
		t.Errorf("failed job: %s output %q", failed.Status, failed.OutputCommitID)
	}
	// open-data had no commit: the output commit is its first, with no file.
	if files := must(s.ListFiles(bob, "bob", "open-data", failed.OutputCommitID, "")).ok(t); len(files) != 0 {
		t.Errorf("files at the first output commit: %+v", files)
	}
	stopped = must(s.StopJob(bob, openDataID, stopped.ID)).ok(t)
	if stopped.OutputCommitID != "" || len(must(s.Commits(bob, openDataID)).ok(t)) != 1 {
		t.Errorf("a stopped job committed %q", stopped.OutputCommitID)
	}
}

// A job's output commit is kept by --state, with the job.
func TestPersistJobOutputCommit(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	j := walOK(s.StartJob(a, JobInput{ProjectID: walProject, Command: "x"})).must(t)
	out := walOK(s.Job(a, j.ID)).must(t).OutputCommitID
	if out == "" {
		t.Fatal("no output commit")
	}
	for _, what := range []string{"from the log", "from the snapshot"} {
		s = walReopen(t, s, dir)
		if got := walOK(s.Job(a, j.ID)).must(t); got.OutputCommitID != out || !s.CommitExists(walProject, out) {
			t.Errorf("%s: output commit %q (want %s)", what, got.OutputCommitID, out)
		}
	}
	doc := s.Export(true)
	doc.Jobs[0].OutputCommitID = "0123456789abcdef0123456789abcdef01234567"
	err := s.Import(doc)
	wantKind(t, "import of a job whose output commit does not exist", err, KindInvalid)
	wantErrContains(t, "import of a job whose output commit does not exist", err, "jobs[0].outputCommitId")
	walClose(t, s)
}

// A restart is a new job, numbered after the others, with the original's
// command, title, hardware tier, environment revision and git ref, started
// by the caller, from the original's commit or the project's head.
func TestRestartJob(t *testing.T) {
	s, callers := jobStore(t)
	bob, carol := callers["bob"], callers["carol"]
	first := upload(t, s, bob, "bob", "bob-lab", "a.txt", "1").CommitID
	orig := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "python train.py", Title: "train",
		HardwareTier: "medium-k8s", EnvironmentID: gpuEnvID, MainRepoGitRef: &Ref{Type: "branches", Value: "dev"}})).ok(t)
	orig = must(s.Job(bob, orig.ID)).ok(t) // finished: its output commit is the head
	must(s.CreateEnvironmentRevision(callers["admin"], gpuEnvID, RevisionDefinition{})).ok(t)

	same := must(s.RestartJob(carol, orig.ID, true)).ok(t)
	if same.ID == orig.ID || same.Number != orig.Number+1 || same.Command != orig.Command || same.Title != orig.Title ||
		same.HardwareTierID != "medium-k8s" || same.EnvironmentID != gpuEnvID || same.EnvironmentRevisionID != orig.EnvironmentRevisionID ||
		same.MainRepoGitRef == nil || *same.MainRepoGitRef != *orig.MainRepoGitRef || same.CommitID != first ||
		same.StartedByID != carol.ID || same.Status != StatusQueued {
		t.Errorf("restart on the original commit:\n orig %+v\n new  %+v", orig, same)
	}
	head := must(s.RestartJob(bob, orig.ID, false)).ok(t)
	if head.CommitID != orig.OutputCommitID || head.Number != orig.Number+2 {
		t.Errorf("restart on the head: commit %s number %d, want %s and %d", head.CommitID, head.Number, orig.OutputCommitID, orig.Number+2)
	}
	for _, tc := range []struct {
		who, id string
		want    Kind
	}{
		{"LauncherUser", orig.ID, KindForbidden},
		{"alice", orig.ID, KindForbidden},
		{"bob", unknownID, KindNotFound},
		{"bob", "", KindInvalid},
	} {
		_, err := s.RestartJob(callers[tc.who], tc.id, true)
		wantKind(t, tc.who+" restarts "+tc.id, err, tc.want)
	}
	// An archived project's jobs restart no more.
	must(0, s.ArchiveProject(bob, bobLabID)).ok(t)
	_, err := s.RestartJob(bob, orig.ID, true)
	wantKind(t, "restart in an archived project", err, KindNotFound)
}

// Renaming sets a job's title (observed: POST /v4/jobs/{id}/name answers the
// job with the new title).
func TestRenameJob(t *testing.T) {
	s, callers := jobStore(t)
	j := must(s.StartJob(callers["bob"], JobInput{ProjectID: bobLabID, Command: "x"})).ok(t)
	got := must(s.RenameJob(callers["carol"], j.ID, "Hello World")).ok(t)
	if got.ID != j.ID || got.Title != "Hello World" || must(s.Job(callers["bob"], j.ID)).ok(t).Title != "Hello World" {
		t.Errorf("renamed: %+v", got)
	}
	for _, tc := range []struct {
		who, id, name string
		want          Kind
	}{
		{"bob", j.ID, "", KindInvalid},
		{"bob", j.ID, " \t", KindInvalid},
		{"bob", j.ID, strings.Repeat("t", maxJobTitleBytes+1), KindInvalid},
		{"ResultsConsumer", j.ID, "n", KindForbidden},
		{"alice", j.ID, "n", KindForbidden},
		{"bob", unknownID, "n", KindNotFound},
	} {
		_, err := s.RenameJob(callers[tc.who], tc.id, tc.name)
		wantKind(t, tc.who+" renames to "+tc.name, err, tc.want)
	}
}

// An archived job is still found, shows it is archived, and leaves the
// project's job list unless archived ones are asked for; only a finished
// job is archived.
func TestArchiveJob(t *testing.T) {
	s, callers := jobStore(t)
	bob := callers["bob"]
	done := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "a"})).ok(t)
	must(s.Job(bob, done.ID)).ok(t)
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).ok(t)
	queued := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "b"})).ok(t)
	_, err := s.ArchiveJob(bob, queued.ID)
	wantKind(t, "archive a queued job", err, KindInvalid)
	_, err = s.ArchiveJob(callers["LauncherUser"], done.ID)
	wantKind(t, "a LauncherUser archives", err, KindForbidden)
	got := must(s.ArchiveJob(callers["carol"], done.ID)).ok(t)
	if !got.Archived || !must(s.Job(bob, done.ID)).ok(t).Archived {
		t.Errorf("archived job: %+v", got)
	}
	must(s.ArchiveJob(bob, done.ID)).ok(t) // again: as the first time
	ids := func(q JobQuery) []string {
		list, total, err := s.JobsPage(bob, bobLabID, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, j := range list {
			out = append(out, j.ID)
		}
		if total != len(out) {
			t.Errorf("total %d for %d listed", total, len(out))
		}
		return out
	}
	if got := ids(JobQuery{Limit: -1}); len(got) != 1 || got[0] != queued.ID {
		t.Errorf("list without archived ones: %v", got)
	}
	if got := ids(JobQuery{Limit: -1, ShowArchived: true}); len(got) != 2 {
		t.Errorf("list with archived ones: %v", got)
	}
}

// The runtime details of a job: its environment (name, revision and how it
// was chosen) and hardware tier (observed: environmentName, revisionNumber,
// hardwareTier.name).
func TestJobRuntimeDetails(t *testing.T) {
	s, callers := jobStore(t)
	bob := callers["bob"]
	j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x", HardwareTier: "medium-k8s", EnvironmentID: gpuEnvID})).ok(t)
	d := must(s.JobRuntimeDetails(callers["LauncherUser"], j.ID)).ok(t)
	if d.EnvironmentID != gpuEnvID || d.EnvironmentName != "GPU" || d.RevisionNumber != 3 || d.RevisionID != j.EnvironmentRevisionID ||
		d.RevisionSpec != (fixtures.RevisionSpec{Named: "ActiveRevision"}) || d.HardwareTierID != "medium-k8s" || d.HardwareTierName != "Medium" {
		t.Errorf("details %+v", d)
	}
	_, err := s.JobRuntimeDetails(callers["alice"], j.ID)
	wantKind(t, "alice", err, KindForbidden)
	_, err = s.JobRuntimeDetails(bob, unknownID)
	wantKind(t, "unknown job", err, KindNotFound)
}

// The legacy runs: a run is a job, started, listed and read by the project's
// owner and name, numbered with the project's jobs.
func TestRuns(t *testing.T) {
	s, callers := jobStore(t)
	bob, carol := callers["bob"], callers["carol"]
	job := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t)
	run := must(s.StartRun(carol, "bob", "bob-lab", JobInput{Command: "main.py a b", Title: "t", HardwareTier: "Medium", CommandField: "command", HardwareTierField: "tier"})).ok(t)
	if run.Number != job.Number+1 || run.ProjectID != bobLabID || run.HardwareTierID != "medium-k8s" || run.StartedByID != carol.ID {
		t.Errorf("run %+v", run)
	}
	// A run is a job: every job route sees it.
	if j := must(s.Job(bob, run.ID)).ok(t); j.Command != "main.py a b" {
		t.Errorf("the run as a job: %+v", j)
	}
	list := must(s.Runs(carol, "bob", "bob-lab")).ok(t)
	if len(list) != 2 || list[0].ID != run.ID || list[1].ID != job.ID {
		t.Errorf("runs, newest first: %+v", list)
	}
	if r := must(s.Run(carol, "bob", "bob-lab", run.ID)).ok(t); r.ID != run.ID || r.Status != StatusSucceeded {
		t.Errorf("run status: %+v", r)
	}
	for _, tc := range []struct {
		name        string
		who, o, n   string
		in          JobInput
		want        Kind
		errContains string
	}{
		{"no command", "bob", "bob", "bob-lab", JobInput{CommandField: "command"}, KindInvalid, "command"},
		{"unknown tier", "bob", "bob", "bob-lab", JobInput{Command: "x", HardwareTier: "Huge", HardwareTierField: "tier"}, KindInvalid, "tier"},
		{"unknown project", "bob", "bob", "nope", JobInput{Command: "x"}, KindNotFound, "bob/nope"},
		{"not a member of a private project", "alice", "bob", "bob-lab", JobInput{Command: "x"}, KindForbidden, ""},
		{"a reader who may not start", "ResultsConsumer", "bob", "bob-lab", JobInput{Command: "x"}, KindForbidden, ""},
	} {
		_, err := s.StartRun(callers[tc.who], tc.o, tc.n, tc.in)
		wantKind(t, tc.name, err, tc.want)
		if tc.errContains != "" {
			wantErrContains(t, tc.name, err, tc.errContains)
		}
	}
	_, err := s.Runs(callers["alice"], "bob", "bob-lab")
	wantKind(t, "alice lists a private project's runs", err, KindForbidden)
	_, err = s.Run(bob, "bob", "open-data", run.ID)
	wantKind(t, "a run of another project", err, KindNotFound)
	_, err = s.Run(bob, "bob", "bob-lab", unknownID)
	wantKind(t, "an unknown run", err, KindNotFound)
}

// python-domino's runs_start_blocking follows a run through the runs list
// only: listing runs is a status read of each, as reading one is.
func TestRunsListIsAStatusRead(t *testing.T) {
	s, callers := jobStore(t)
	bob := callers["bob"]
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModePolls, Polls: 2})).ok(t)
	run := must(s.StartRun(bob, "bob", "bob-lab", JobInput{Command: "x"})).ok(t)
	for i, want := range []string{StatusRunning, StatusSucceeded} {
		list := must(s.Runs(bob, "bob", "bob-lab")).ok(t)
		if list[0].Status != want {
			t.Errorf("list %d: %s, want %s", i+1, list[0].Status, want)
		}
	}
	if list := must(s.Runs(bob, "bob", "bob-lab")).ok(t); list[0].OutputCommitID == "" {
		t.Errorf("a finished run has no output commit: %+v", list[0])
	}
	_ = run
}

// Restarts, renames and archives are kept by --state.
func TestPersistJobOperations(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	j := walOK(s.StartJob(a, JobInput{ProjectID: walProject, Command: "x"})).must(t)
	walOK(s.Job(a, j.ID)).must(t)
	walOK(s.RenameJob(a, j.ID, "renamed")).must(t)
	walOK(s.ArchiveJob(a, j.ID)).must(t)
	r := walOK(s.RestartJob(a, j.ID, true)).must(t)
	run := walOK(s.StartRun(a, "admin", "quick-start", JobInput{Command: "main.py"})).must(t)
	for _, what := range []string{"from the log", "from the snapshot"} {
		s = walReopen(t, s, dir)
		got := walOK(s.Job(a, j.ID)).must(t)
		if got.Title != "renamed" || !got.Archived {
			t.Errorf("%s: %+v", what, got)
		}
		if got := walOK(s.Job(a, r.ID)).must(t); got.Number != 2 {
			t.Errorf("%s: restart %+v", what, got)
		}
		if got := walOK(s.Run(a, "admin", "quick-start", run.ID)).must(t); got.Number != 3 {
			t.Errorf("%s: run %+v", what, got)
		}
	}
	walClose(t, s)
}

// A job that finished before a stop reached it (its time ran out on the
// mock clock) is returned finished, with its output commit.
func TestStopAfterTheEndCommitsResults(t *testing.T) {
	s, callers := jobStore(t)
	bob := callers["bob"]
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeClock, QueuedFor: Duration(time.Minute), RunFor: Duration(time.Minute)})).ok(t)
	j := must(s.StartJob(bob, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t)
	must(s.AdvanceClock(time.Hour)).ok(t)
	got := must(s.StopJob(bob, bobLabID, j.ID)).ok(t)
	if got.Status != StatusSucceeded || got.OutputCommitID == "" {
		t.Errorf("stopped after its end: %s, output commit %q", got.Status, got.OutputCommitID)
	}
}
