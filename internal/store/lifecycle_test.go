package store

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestJobLifecycleStoredOnce: jobs refer to the lifecycle they started
// under, so a big stdout is in the log, the state document and the heap
// once, however many jobs ran with it (it was once copied into every job:
// 300 jobs with a 1 MiB stdout made a 630 MB log).
func TestJobLifecycleStoredOnce(t *testing.T) {
	const jobs = 40
	stdout := strings.Repeat("training step … loss 0.0123\n", (1<<20)/30) // 1 MiB
	limit := int64(2 * len(stdout))                                       // once, plus everything else
	dir := t.TempDir()
	s := walOpen(t, dir)
	admin := walAdmin(t, s)
	walOK(s.SetJobLifecycle(JobLifecycle{Mode: ModeImmediate, Stdout: stdout})).must(t)
	for range jobs {
		j := walOK(s.StartJob(admin, JobInput{ProjectID: walProject, Command: "python train.py"})).must(t)
		if got := walOK(s.Job(admin, j.ID)).must(t); got.Stdout != stdout { // a read that completes it, and logs that
			t.Fatalf("job %s: stdout of %d bytes, want the lifecycle's %d", j.ID, len(got.Stdout), len(stdout))
		}
	}
	size := fileSize(t, filepath.Join(dir, walFile))
	t.Logf("log after %d jobs: %d bytes", jobs, size)
	if size > limit {
		t.Errorf("the log holds %d bytes after %d jobs with a %d-byte stdout, want at most %d", size, jobs, len(stdout), limit)
	}
	doc, err := json.Marshal(s.Export(true))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("state document: %d bytes", len(doc))
	if int64(len(doc)) > limit {
		t.Errorf("the state document is %d bytes, want at most %d", len(doc), limit)
	}
	walClose(t, s)

	// A restart reads the log once and holds the stdout once.
	before := heapInUse()
	s = walOpen(t, dir)
	defer walClose(t, s)
	grown := int64(heapInUse()) - int64(before)
	t.Logf("heap growth loading them: %d bytes", grown)
	// The heap is the whole process's, and -race adds to it: allow a few
	// copies' worth; one per job (40) is what this guards against.
	if heapLimit := 4 * int64(len(stdout)); grown > heapLimit {
		t.Errorf("the heap grew by %d bytes loading %d jobs, want at most %d", grown, jobs, heapLimit)
	}
	if size := fileSize(t, filepath.Join(dir, snapshotFile)); size > limit {
		t.Errorf("the snapshot holds %d bytes, want at most %d", size, limit)
	}
	for _, j := range walOK(s.Jobs(admin, walProject)).must(t) {
		if j.Stdout != stdout {
			t.Fatalf("after a restart job %s has a stdout of %d bytes, want %d", j.ID, len(j.Stdout), len(stdout))
		}
	}
	runtime.KeepAlive(s)
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestVersion1StateLoads: a state directory and a state document written
// before lifecycles were shared (version 1: a lifecycle inside each job,
// testdata written by that code) still load, each job keeping the
// lifecycle it started under, and are written again with each lifecycle once.
func TestVersion1StateLoads(t *testing.T) {
	const first, second = "first lifecycle's output\n", "second lifecycle's output\n"
	check := func(t *testing.T, s *Store, doc []byte) {
		t.Helper()
		admin := walAdmin(t, s)
		var got []string
		for _, j := range walOK(s.Jobs(admin, walProject)).must(t) {
			got = append(got, j.Command+" "+j.Status+" "+strings.TrimSpace(j.Stdout))
		}
		want := []string{
			"python serve.py Running ", // started under the second (manual) lifecycle, advanced once
			"python train.py Failed first lifecycle's output",
			"python train.py Failed first lifecycle's output",
			"python train.py Failed first lifecycle's output",
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("jobs:\n got %q\nwant %q", got, want)
		}
		if l := s.JobLifecycle(); l.Mode != ModeManual || l.Stdout != second {
			t.Errorf("lifecycle in force: %+v", l)
		}
		if n := strings.Count(string(doc), "first lifecycle"); n != 1 {
			t.Errorf("the document written again holds the first lifecycle %d times, want once:\n%s", n, doc)
		}
		if !strings.Contains(string(doc), `"version":2`) {
			t.Errorf("the document written again is not version 2:\n%s", doc)
		}
	}

	t.Run("state directory", func(t *testing.T) {
		dir := t.TempDir()
		for _, name := range []string{snapshotFile, walFile} {
			data, err := os.ReadFile(filepath.Join("testdata", "state-v1", name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		s := walOpen(t, dir)
		defer walClose(t, s)
		snap, err := os.ReadFile(filepath.Join(dir, snapshotFile)) // rewritten at start
		if err != nil {
			t.Fatal(err)
		}
		check(t, s, snap)
	})

	t.Run("state document", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join("testdata", "state-v1.json"))
		if err != nil {
			t.Fatal(err)
		}
		var snap Snapshot
		if err := json.Unmarshal(data, &snap); err != nil {
			t.Fatal(err)
		}
		s := newStoreWith(t, Config{})
		if err := s.Import(snap); err != nil {
			t.Fatal(err)
		}
		doc, err := json.Marshal(s.Export(true))
		if err != nil {
			t.Fatal(err)
		}
		check(t, s, doc)
	})
}

// TestJobsKeepTheirLifecycle: each job follows the lifecycle in force when
// it started, through lifecycle changes (one set again), an export and
// import, and a restart that replays the log.
func TestJobsKeepTheirLifecycle(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	admin := walAdmin(t, s)
	one := JobLifecycle{Mode: ModeImmediate, FinalStatus: StatusFailed, Stdout: "lifecycle one\n"}
	two := JobLifecycle{Mode: ModeManual, Stdout: "lifecycle two\n"}
	var ids []string
	for _, l := range []JobLifecycle{one, two, one} {
		walOK(s.SetJobLifecycle(l)).must(t)
		ids = append(ids, walOK(s.StartJob(admin, JobInput{ProjectID: walProject, Command: "run"})).must(t).ID)
	}
	want := []string{"Failed lifecycle one", "Queued", "Failed lifecycle one"}
	check := func(what string) {
		t.Helper()
		for i, id := range ids {
			j := walOK(s.Job(admin, id)).must(t)
			if got := strings.TrimSpace(j.Status + " " + j.Stdout); got != want[i] {
				t.Errorf("%s: job %d is %q, want %q", what, i+1, got, want[i])
			}
		}
		doc, err := json.Marshal(s.Export(true))
		if err != nil {
			t.Fatal(err)
		}
		if n, m := strings.Count(string(doc), "lifecycle one"), strings.Count(string(doc), "lifecycle two"); n != 1 || m != 1 {
			t.Errorf("%s: the state document holds lifecycle one %d times and two %d times, want once each:\n%s", what, n, m, doc)
		}
	}
	check("as started")
	if err := s.Import(s.Export(true)); err != nil {
		t.Fatal(err)
	}
	check("after export and import")
	s = walReopen(t, s, dir)
	defer walClose(t, s)
	check("after a restart")
}

// TestStateDocumentLifecycleReferences: what a document says of its jobs'
// lifecycles must resolve, or the whole document is refused.
func TestStateDocumentLifecycleReferences(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "run"})).ok(t)
	other := LifecycleRecord{ID: "other", JobLifecycle: JobLifecycle{Mode: ModeManual}}
	for _, tc := range []struct {
		name string
		edit func(*Snapshot)
		want string // "" = accepted
	}{
		{"a job follows another listed lifecycle", func(s *Snapshot) {
			s.Lifecycles = []LifecycleRecord{other}
			s.Jobs[0].LifecycleID = "other"
		}, ""},
		{"a job with no lifecycle follows jobLifecycle", func(s *Snapshot) { s.Jobs[0].LifecycleID = "" }, ""},
		{"unknown lifecycleId", func(s *Snapshot) { s.Jobs[0].LifecycleID = "nope" }, `jobs[0]: lifecycleId "nope"`},
		{"both lifecycleId and lifecycle", func(s *Snapshot) { s.Jobs[0].Lifecycle = &other.JobLifecycle }, "jobs[0]: give lifecycleId or"},
		{"invalid inline lifecycle", func(s *Snapshot) {
			s.Version, s.Jobs[0].LifecycleID, s.Jobs[0].Lifecycle = 1, "", &JobLifecycle{Mode: "sometimes"}
		}, "jobs[0]: lifecycle: mode"},
		{"invalid listed lifecycle", func(s *Snapshot) {
			s.Lifecycles = []LifecycleRecord{{ID: "bad", JobLifecycle: JobLifecycle{Mode: ModePolls, Polls: -1}}}
		}, "jobLifecycles[0]: polls"},
		{"listed id used twice", func(s *Snapshot) { s.Lifecycles = []LifecycleRecord{other, other} }, `jobLifecycles[1]: id "other"`},
		{"listed id is jobLifecycle's", func(s *Snapshot) {
			s.Lifecycles = []LifecycleRecord{{ID: s.Jobs[0].LifecycleID, JobLifecycle: other.JobLifecycle}}
		}, "jobLifecycles[0]: id"},
		{"version 3", func(s *Snapshot) { s.Version = 3 }, "version 3 is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := s.Export(true)
			tc.edit(&snap)
			err := newStore(t).Import(snap)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantKind(t, tc.name, err, KindInvalid)
			wantErrContains(t, tc.name, err, tc.want)
		})
	}
}
