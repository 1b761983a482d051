package store

import (
	"strings"
	"testing"

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
