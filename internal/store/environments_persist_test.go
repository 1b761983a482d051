package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Persistence of environments: every change survives a restart (from the
// log, then from the snapshot), the log says what it created and holds a new
// revision alone, replay refuses what it cannot have written, a refused
// write is undone, and a state document's environments are checked as
// fixtures are, plus what only a state holds.

// walEnvironments is a store with a private environment of alice's with two
// revisions, the second restricted, and a job started in it.
func walEnvironments(t *testing.T, s *Store, a Caller) map[string]string {
	alice := walOK(s.CallerByUserName("alice")).must(t)
	e := walOK(s.CreateEnvironment(alice, EnvironmentInput{Name: "alice's", Visibility: "Private", Revision: RevisionDefinition{
		Image: testImage, EnvironmentVariables: []EnvironmentVariable{{Name: "TOKEN", Value: "s3cret"}}}})).must(t)
	r2 := walOK(s.CreateEnvironmentRevision(alice, e.ID, RevisionDefinition{Summary: "two", SupportedClusters: []string{"Dask"}})).must(t)
	walOK(s.RestrictEnvironmentRevision(a, e.ID, r2.ID, true)).must(t)
	j := walOK(s.StartJob(a, JobInput{ProjectID: walProject, Command: "x"})).must(t)
	return map[string]string{"env": e.ID, "rev1": e.Latest.ID, "rev2": r2.ID, "job": j.ID}
}

func TestPersistEnvironmentChangesSurviveReopen(t *testing.T) {
	for _, c := range []struct {
		name   string
		setup  bool
		change func(t *testing.T, s *Store, a Caller, v map[string]string)
	}{
		{name: "create environments, private and global", change: func(t *testing.T, s *Store, a Caller, _ map[string]string) {
			walEnvironments(t, s, a)
			walOK(s.CreateEnvironment(a, EnvironmentInput{Name: "shared", Visibility: "Global", IsRestricted: true,
				Revision: RevisionDefinition{Image: testImage, WorkspaceTools: []WorkspaceTool{{Name: "vscode", Title: "VS Code", StartScripts: []string{"s"}}}}})).must(t)
		}},
		{name: "add a revision", setup: true, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.CreateEnvironmentRevision(a, v["env"], RevisionDefinition{Image: "python:3.13"})).must(t)
		}},
		{name: "move the restricted revision, then lift it", setup: true, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.RestrictEnvironmentRevision(a, v["env"], v["rev1"], true)).must(t)
			walOK(s.RestrictEnvironmentRevision(a, v["env"], v["rev1"], false)).must(t)
		}},
		{name: "pin the active revision", setup: true, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.SetActiveRevision(a, v["env"], v["rev1"])).must(t)
		}},
		{name: "follow the latest revision again", setup: true, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.SetAssignLatestRevisionAsActive(a, v["env"], false)).must(t)
			walOK(s.CreateEnvironmentRevision(a, v["env"], RevisionDefinition{})).must(t)
			walOK(s.SetAssignLatestRevisionAsActive(a, v["env"], true)).must(t)
		}},
		{name: "archive", setup: true, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.ArchiveEnvironment(a, v["env"])).must(t)
		}},
		{name: "a job records its revision", setup: true, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			// alice's own environment, in a project she may start jobs in.
			walOK(s.AddCollaborator(a, walProject, walAliceID, "Contributor")).must(t)
			alice := walOK(s.CallerByUserName("alice")).must(t)
			j := walOK(s.StartJob(alice, JobInput{ProjectID: walProject, Command: "y", EnvironmentID: v["env"]})).must(t)
			if j.EnvironmentRevisionID != v["rev2"] {
				t.Fatalf("job revision %q", j.EnvironmentRevisionID)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			a := walAdmin(t, s)
			var v map[string]string
			if c.setup {
				v = walEnvironments(t, s, a)
				s = walReopen(t, s, dir)
			}
			fresh := walJSON(t, s)
			c.change(t, s, a, v)
			if walJSON(t, s) == fresh {
				t.Fatal("the change changed nothing")
			}
			s = walReopen(t, s, dir)
			s = walReopen(t, s, dir)
			if v != nil {
				// The job started before the reopen still names its revision.
				if j := walOK(s.Job(a, v["job"])).must(t); j.EnvironmentRevisionID != defEnvRevisionID || j.EnvironmentRevisionNumber != 1 {
					t.Errorf("job after reopen: %+v", j)
				}
			}
			walClose(t, s)
		})
	}
}

// TestPersistRevisionIsLoggedAlone: a new revision's record holds that
// revision and no other, whatever came before it; an environment's record
// holds no revisions.
func TestPersistRevisionIsLoggedAlone(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	defer s.Close()
	a := walAdmin(t, s)
	e := walOK(s.CreateEnvironment(a, EnvironmentInput{Name: "big", Visibility: "Private",
		Revision: RevisionDefinition{Image: testImage, DockerfileInstructions: strings.Repeat("RUN true\n", 10000)}})).must(t)
	var r EnvironmentRevision
	for range 3 {
		r = walOK(s.CreateEnvironmentRevision(a, e.ID, RevisionDefinition{Summary: "small"})).must(t)
	}
	rec := walLastRecord(t, dir)
	if _, ok := rec["environments"]; ok {
		t.Errorf("a new revision logged its environment: %s", rec["environments"])
	}
	var revs []RevisionRecord
	if err := json.Unmarshal(rec["environmentRevisions"], &revs); err != nil {
		t.Fatal(err)
	}
	if len(revs) != 1 || revs[0].ID != r.ID || revs[0].EnvironmentID != e.ID || revs[0].Number != 4 {
		t.Errorf("logged revisions %+v, want revision 4 alone", revs)
	}
	if n := len(walLines(t, dir)[len(walLines(t, dir))-1]); n > 1000 {
		t.Errorf("the record of a small revision takes %d bytes", n)
	}
	walOK(s.ArchiveEnvironment(a, e.ID)).must(t)
	var envs []EnvironmentRecord
	if err := json.Unmarshal(walLastRecord(t, dir)["environments"], &envs); err != nil {
		t.Fatal(err)
	}
	if len(envs) != 1 || len(envs[0].Revisions) != 0 || !envs[0].Archived {
		t.Errorf("archive logged %+v, want the environment without its revisions", envs)
	}
}

func TestPersistEnvironmentLogSaysWhatWasCreated(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	defer s.Close()
	a := walAdmin(t, s)
	created := func(t *testing.T) map[string][]string {
		var c map[string][]string
		if raw, ok := walLastRecord(t, dir)["created"]; ok {
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	e := walOK(s.CreateEnvironment(a, EnvironmentInput{Name: "e", Visibility: "Private", Revision: RevisionDefinition{Image: testImage}})).must(t)
	if got := created(t); fmt.Sprint(got) != fmt.Sprint(map[string][]string{"environmentRevisions": {e.Latest.ID}, "environments": {e.ID}}) {
		t.Errorf("create environment: created %v", got)
	}
	r := walOK(s.CreateEnvironmentRevision(a, e.ID, RevisionDefinition{})).must(t)
	if got := created(t); fmt.Sprint(got) != fmt.Sprint(map[string][]string{"environmentRevisions": {r.ID}}) {
		t.Errorf("create revision: created %v", got)
	}
	for _, c := range []struct {
		name string
		do   func() error
	}{
		{"restrict", func() error { _, err := s.RestrictEnvironmentRevision(a, e.ID, r.ID, true); return err }},
		{"pin", func() error { _, err := s.SetActiveRevision(a, e.ID, e.Latest.ID); return err }},
		{"archive", func() error { _, err := s.ArchiveEnvironment(a, e.ID); return err }},
	} {
		if err := c.do(); err != nil {
			t.Fatal(err)
		}
		if got := created(t); len(got) != 0 {
			t.Errorf("%s says it created %v", c.name, got)
		}
	}
}

// TestPersistReplayRefusesEnvironmentRecords: records the mock cannot have
// written stop start-up with the log's line.
func TestPersistReplayRefusesEnvironmentRecords(t *testing.T) {
	for _, c := range []struct {
		name string
		rec  func(ex Snapshot) walRecord
		want string
	}{
		{"an environment that exists, created again", func(ex Snapshot) walRecord {
			e := ex.Environments[1]
			e.Revisions, e.Name = nil, "impostor"
			return walRecord{Environments: []EnvironmentRecord{e}, Created: &createdIDs{Environments: []string{e.ID}}}
		}, "creates environment"},
		{"a revision that exists, created again", func(ex Snapshot) walRecord {
			r := ex.Environments[1].Revisions[0]
			r.EnvironmentID, r.Summary = ex.Environments[1].ID, "impostor"
			return walRecord{EnvironmentRevisions: []RevisionRecord{r}, Created: &createdIDs{Revisions: []string{r.ID}}}
		}, "creates environment revision"},
		{"a revision of an environment that does not exist", func(ex Snapshot) walRecord {
			return walRecord{EnvironmentRevisions: []RevisionRecord{{EnvironmentID: unknownID, ID: "64b7f0a1c2d3e4f5a6b7ccee", Number: 1}}}
		}, "does not exist"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			walEnvironments(t, s, walAdmin(t, s))
			ex := s.Export(true)
			seq := s.p.seq
			walClose(t, s)
			rec := c.rec(ex)
			rec.Seq = seq + 1
			walAppend(t, filepath.Join(dir, walFile), walLine(t, rec, nil))
			before := walDirFiles(t, dir)
			s, err := Open(walConfig(t), dir)
			if err == nil {
				s.Close()
				t.Fatal("Open replayed the record")
			}
			line := fmt.Sprintf("line %d", len(walLines(t, dir)))
			if !strings.Contains(err.Error(), line) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not name %s and %q", err, line, c.want)
			}
			walSameFiles(t, "the refused Open", before, dir)
		})
	}
}

// TestPersistRefusedEnvironmentWriteIsUndone: as for every other change
// (rollback_test.go), a change whose record cannot be written is answered
// 503 and not seen afterwards.
func TestPersistRefusedEnvironmentWriteIsUndone(t *testing.T) {
	ignore := func(_ any, err error) error { return err }
	for _, c := range []struct {
		name   string
		change func(s *Store, a Caller, v map[string]string) error
	}{
		{"create environment", func(s *Store, a Caller, _ map[string]string) error {
			return ignore(s.CreateEnvironment(a, EnvironmentInput{Name: "lost", Visibility: "Global", Revision: RevisionDefinition{Image: testImage}}))
		}},
		{"add a revision", func(s *Store, a Caller, v map[string]string) error {
			return ignore(s.CreateEnvironmentRevision(a, v["env"], RevisionDefinition{}))
		}},
		{"restrict a revision", func(s *Store, a Caller, v map[string]string) error {
			return ignore(s.RestrictEnvironmentRevision(a, v["env"], v["rev1"], true))
		}},
		{"pin a revision", func(s *Store, a Caller, v map[string]string) error {
			return ignore(s.SetActiveRevision(a, v["env"], v["rev1"]))
		}},
		{"archive", func(s *Store, a Caller, v map[string]string) error { return ignore(s.ArchiveEnvironment(a, v["env"])) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			a := walAdmin(t, s)
			v := walEnvironments(t, s, a)
			acked := walJSON(t, s)
			if err := s.p.log.Close(); err != nil {
				t.Fatal(err)
			}
			if err := c.change(s, a, v); KindOf(err) != KindUnavailable {
				t.Fatalf("err = %v, want KindUnavailable", err)
			}
			walSameState(t, "in memory after the refused change", acked, walJSON(t, s))
			s.Close()
			s = walOpen(t, dir)
			defer s.Close()
			walSameState(t, "after a restart", acked, walJSON(t, s))
		})
	}
}

// TestEnvironmentDocumentRules: a state document's environments are checked
// by the fixtures' rules, with their messages, and by what only a state
// holds (numbers, revisions' environments, definitions, jobs' revisions).
func TestEnvironmentDocumentRules(t *testing.T) {
	s := richStore(t)
	a := caller(t, s, "admin")
	v := walEnvironments(t, s, a)
	base := s.Export(true)
	if base.Environments[2].ID != v["env"] || len(base.Environments[2].Revisions) != 2 || len(base.Jobs) != 1 {
		t.Fatalf("unexpected base state: %+v", base.Environments)
	}
	for _, c := range []struct {
		name string
		fx   func(*fixtures.Set) // nil: the rule has no fixtures counterpart
		snap func(*Snapshot)
		want string
	}{
		{
			name: "an environment id that is not 24 hex",
			fx:   func(f *fixtures.Set) { f.Environments[1].ID = "gpu" },
			snap: func(s *Snapshot) { s.Environments[1].ID = "gpu" },
			want: `environments[1].id "gpu" must be 24 lower-case hex characters`,
		},
		{
			name: "a private environment of nobody",
			snap: func(s *Snapshot) { s.Environments[2].OwnerID = unknownID },
			want: `environments[2].ownerId "` + unknownID + `" is not a user`,
		},
		{
			name: "a private environment without an owner",
			fx:   func(f *fixtures.Set) { f.Environments[1].Visibility = "Private" },
			snap: func(s *Snapshot) { s.Environments[1].Visibility = "Private" },
			want: `environments[1].owner is required: a Private environment belongs to a user`,
		},
		{
			name: "a state document's environment without a visibility",
			snap: func(s *Snapshot) { s.Environments[1].Visibility = "" },
			want: `environments[1].visibility is required`,
		},
		{
			name: "a revision with another revision's id",
			snap: func(s *Snapshot) { s.Environments[2].Revisions[1].ID = s.Environments[2].Revisions[0].ID },
			want: `environments[2].revisions[1].id "` + v["rev1"] + `" is already environments[2].revisions[0].id`,
		},
		{
			name: "a revision with a job's id",
			snap: func(s *Snapshot) { s.Environments[2].Revisions[1].ID = v["job"] },
			want: `jobs[0].id "` + v["job"] + `" is already environments[2].revisions[1].id`,
		},
		{
			name: "two restricted revisions",
			fx: func(f *fixtures.Set) {
				f.Environments[1].Version = 0
				f.Environments[1].Revisions = []fixtures.EnvironmentRevision{{ID: "64b7f0a1c2d3e4f5a6b7cc21", IsRestricted: true}, {ID: "64b7f0a1c2d3e4f5a6b7cc22", IsRestricted: true}}
			},
			snap: func(s *Snapshot) {
				s.Environments[1].Version = 0
				s.Environments[1].Revisions = []RevisionRecord{{ID: "64b7f0a1c2d3e4f5a6b7cc21", Number: 1, IsRestricted: true}, {ID: "64b7f0a1c2d3e4f5a6b7cc22", Number: 2, IsRestricted: true}}
			},
			want: `environments[1].revisions[1].isRestricted: revisions[0] is restricted already; at most one revision is`,
		},
		{
			name: "an active revision it does not have",
			fx:   func(f *fixtures.Set) { f.Environments[1].ActiveRevision = 4 },
			snap: func(s *Snapshot) { s.Environments[1].ActiveRevision = 4 },
			want: `environments[1].activeRevision 4 is not the number of one of its revisions (1 to 3, or 0 for the latest)`,
		},
		{
			name: "two default environments",
			fx:   func(f *fixtures.Set) { f.Environments[0].IsDefault, f.Environments[1].IsDefault = true, true },
			snap: func(s *Snapshot) { s.Environments[0].IsDefault, s.Environments[1].IsDefault = true, true },
			want: `environments[1].isDefault: environments[0] is the default already; at most one may be`,
		},
		{
			name: "revisions out of order",
			snap: func(s *Snapshot) { s.Environments[2].Revisions[1].Number = 3 },
			want: `environments[2].revisions[1].number 3 is not 2: revisions are numbered 1, 2, ... in order`,
		},
		{
			name: "a revision listed under another environment than it names",
			snap: func(s *Snapshot) { s.Environments[2].Revisions[1].EnvironmentID = defEnvID },
			want: `environments[2].revisions[1].environmentId "` + defEnvID + `" is not its environment's id`,
		},
		{
			name: "a revision the routes would refuse",
			snap: func(s *Snapshot) { s.Environments[2].Revisions[1].SupportedClusters = []string{"Hadoop"} },
			want: `environments[2].revisions[1].supportedClusters[0] "Hadoop" is invalid: must be one of Spark, Ray, Dask, MPI`,
		},
		{
			name: "a job with a revision of another environment",
			snap: func(s *Snapshot) { s.Jobs[0].EnvironmentRevisionID = v["rev1"] },
			want: `jobs[0].environmentRevisionId "` + v["rev1"] + `" is not a revision of its environment "` + defEnvID + `"`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap := s.Export(true)
			c.snap(&snap)
			before := compactExport(t, s)
			err := s.Import(snap)
			wantKind(t, "import", err, KindInvalid)
			if err != nil && err.Error() != "state document: "+c.want {
				t.Errorf("import refused with\n  %q\nwant\n  %q", err, "state document: "+c.want)
			}
			if after := compactExport(t, s); after != before {
				t.Errorf("a refused import changed the state")
			}
			if c.fx == nil {
				return
			}
			fx := richFixtures(t)
			c.fx(fx)
			doc, err := json.Marshal(fx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fixtures.Parse(doc, "broken"); err == nil || err.Error() != "fixtures broken: "+c.want {
				t.Errorf("fixtures loader: %v\nwant\n  %q", err, "fixtures broken: "+c.want)
			}
		})
	}
}

// TestDocumentsOfBeforeRevisionsLoad: a document whose environments give a
// version and no revisions (version 1 and 2 documents, and the directories
// that hold them) loads with derived revision ids, the same every time, and
// jobs of it record none.
func TestDocumentsOfBeforeRevisionsLoad(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "state-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var snap Snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	if len(snap.Environments) != 1 || snap.Environments[0].Version != 1 || len(snap.Environments[0].Revisions) != 0 {
		t.Fatalf("the test document changed: %+v", snap.Environments)
	}
	derived := fixtures.RevisionsOf(fixtures.Environment{ID: defEnvID, Version: 1})[0].ID
	for range 2 {
		s := newStore(t)
		if err := s.Import(snap); err != nil {
			t.Fatal(err)
		}
		e := must(s.Environment(caller(t, s, "admin"), defEnvID)).ok(t)
		if e.RevisionCount != 1 || e.Latest.ID != derived || e.Visibility != "Global" || !e.IsDefault {
			t.Errorf("loaded %+v", e)
		}
		out := s.Export(true).Environments[0]
		if len(out.Revisions) != 1 || out.Revisions[0].ID != derived || out.Version != 0 {
			t.Errorf("exported as %+v, want its revision listed", out)
		}
	}
	// A document with no environments at all loads, with none.
	snap.Environments = nil
	s := newStore(t)
	if err := s.Import(snap); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DefaultEnvironment(caller(t, s, "admin")); KindOf(err) != KindNotFound {
		t.Errorf("default environment of a document without environments: %v", err)
	}
}

func TestRaceRevisionNumbers(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	e := privateEnv(t, s, "admin", "raced")
	const n = 32
	revs := make([]EnvironmentRevision, n)
	errs := make([]error, n)
	together(n, func(i int) {
		if i%2 == 0 {
			revs[i], errs[i] = s.CreateEnvironmentRevision(admin, e.ID, RevisionDefinition{})
		} else {
			var j Job
			j, errs[i] = s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x", EnvironmentID: e.ID})
			revs[i].Number = j.EnvironmentRevisionNumber
		}
	})
	seen := map[int]bool{}
	for i, r := range revs {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if i%2 == 1 {
			continue
		}
		if r.Number < 2 || r.Number > n/2+1 || seen[r.Number] {
			t.Errorf("revision number %d repeated or out of 2..%d", r.Number, n/2+1)
		}
		seen[r.Number] = true
	}
	for i := 1; i < n; i += 2 {
		if revs[i].Number < 1 || revs[i].Number > n/2+1 {
			t.Errorf("a job started with revision %d", revs[i].Number)
		}
	}
}
