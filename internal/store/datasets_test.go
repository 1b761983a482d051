package store

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// dsChunk is one chunk an upload sends.
type dsChunk struct {
	path  string
	n, of int
	data  string
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func sendChunk(s *Store, c Caller, dsID, key string, ch dsChunk) error {
	return s.UploadDatasetChunk(c, dsID, Chunk{Key: key, Identifier: ch.path + "-id", RelativePath: ch.path,
		Checksum: md5Hex(ch.data), Number: ch.n, Total: ch.of, CurrentSize: int64(len(ch.data))}, strings.NewReader(ch.data))
}

// uploadDS starts a session, sends the chunks in the order given, and ends it.
func uploadDS(t testing.TB, s *Store, c Caller, dsID string, start UploadStart, chunks ...dsChunk) UploadResult {
	t.Helper()
	key := must(s.StartDatasetUpload(c, dsID, start)).ok(t)
	for _, ch := range chunks {
		if err := sendChunk(s, c, dsID, key, ch); err != nil {
			t.Fatalf("chunk %d of %s: %v", ch.n, ch.path, err)
		}
	}
	return must(s.EndDatasetUpload(c, dsID, key, "")).ok(t)
}

func readDS(t testing.TB, s *Store, c Caller, snapshotID, p string) string {
	t.Helper()
	f := must(s.OpenDatasetFile(c, snapshotID, p)).ok(t)
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("reading %s: %v", p, err)
	}
	if int64(len(data)) != f.Size {
		t.Errorf("%s: read %d bytes, size %d", p, len(data), f.Size)
	}
	return string(data)
}

func newDS(t testing.TB, s *Store, c Caller, projectID, name string) Dataset {
	t.Helper()
	return must(s.CreateDataset(c, DatasetInput{Name: name, Description: "d", ProjectID: projectID})).ok(t)
}

func TestDatasetNamesAreUniqueInTheirProject(t *testing.T) {
	s := richStore(t)
	admin, bob := caller(t, s, "admin"), caller(t, s, "bob")
	d := newDS(t, s, bob, bobLabID, "raw-data")
	if len(d.SnapshotIDs) != 1 || d.ReadWriteSnapshotID != d.SnapshotIDs[0] {
		t.Errorf("a new dataset has snapshots %v, read-write %s: want one, the read-write one", d.SnapshotIDs, d.ReadWriteSnapshotID)
	}
	newDS(t, s, bob, openDataID, "raw-data") // another project: another name space
	newDS(t, s, bob, bobLabID, "Raw-Data")   // names differ in case
	for _, tc := range []struct {
		what string
		in   DatasetInput
		want Kind
	}{
		{"the same name in the same project", DatasetInput{Name: "raw-data", ProjectID: bobLabID}, KindDuplicate},
		{"no name", DatasetInput{ProjectID: bobLabID}, KindInvalid},
		{"a name with a slash", DatasetInput{Name: "a/b", ProjectID: bobLabID}, KindInvalid},
		{"a name with a space", DatasetInput{Name: "a b", ProjectID: bobLabID}, KindInvalid},
		{"a name starting with a dot", DatasetInput{Name: ".hidden", ProjectID: bobLabID}, KindInvalid},
		{"a name of 101 characters", DatasetInput{Name: strings.Repeat("a", 101), ProjectID: bobLabID}, KindInvalid},
		{"an unknown project", DatasetInput{Name: "x", ProjectID: unknownID}, KindNotFound},
		{"a grant to nobody", DatasetInput{Name: "x", ProjectID: bobLabID, Grants: []GrantInput{{unknownID, "DatasetRwReader"}}}, KindInvalid},
		{"a grant of an unknown role", DatasetInput{Name: "x", ProjectID: bobLabID, Grants: []GrantInput{{daveID, "Reader"}}}, KindInvalid},
	} {
		_, err := s.CreateDataset(bob, tc.in)
		wantKind(t, tc.what, err, tc.want)
	}
	// Renaming follows the same rule; deleting frees the name.
	other := newDS(t, s, bob, bobLabID, "other")
	_, err := s.UpdateDataset(bob, other.ID, DatasetUpdate{Name: ptr("raw-data")})
	wantKind(t, "a rename to a taken name", err, KindDuplicate)
	must(s.DeleteDataset(admin, d.ID)).ok(t)
	renamed := must(s.UpdateDataset(bob, other.ID, DatasetUpdate{Name: ptr("raw-data"), Description: ptr("new")})).ok(t)
	if renamed.Name != "raw-data" || renamed.Description != "new" {
		t.Errorf("after a rename: %+v", renamed)
	}
	_, err = s.GetDataset(bob, d.ID)
	wantKind(t, "a deleted dataset", err, KindNotFound)
	_, err = s.GetDatasetSnapshot(bob, d.SnapshotIDs[0])
	wantKind(t, "a deleted dataset's snapshot", err, KindNotFound)
	got := must(s.DatasetByName(bob, "bob", "bob-lab", "raw-data")).ok(t)
	if got.ID != other.ID {
		t.Errorf("by name: %s, want %s", got.ID, other.ID)
	}
}

func TestDatasetsPerProjectAreLimited(t *testing.T) {
	s := newStoreWith(t, Config{Limits: Limits{DatasetsPerProject: 2}})
	admin := caller(t, s, "admin")
	newDS(t, s, admin, defProjectID, "one")
	two := newDS(t, s, admin, defProjectID, "two")
	_, err := s.CreateDataset(admin, DatasetInput{Name: "three", ProjectID: defProjectID})
	wantErrContains(t, "a third dataset", err, "--max-datasets")
	must(s.DeleteDataset(admin, two.ID)).ok(t)
	newDS(t, s, admin, defProjectID, "three")
	if New(Config{}).Limits().DatasetsPerProject != 5 {
		t.Error("the default is not python-domino's documented 5")
	}
}

// Who may do what: the project's roles give a level, grants raise it.
func TestWhoMayUseDatasets(t *testing.T) {
	s := richStore(t)
	admin, bob, carol, dave := caller(t, s, "admin"), caller(t, s, "bob"), caller(t, s, "carol"), caller(t, s, "dave")
	launcher := newAccount(t, s, "launcher")
	must(s.AddCollaborator(bob, bobLabID, launcher.ID, "LauncherUser")).ok(t)
	lc := saCaller(launcher)
	granted := newAccount(t, s, "granted")
	d := newDS(t, s, carol, bobLabID, "shared") // a Contributor may add one, and owns it
	must(s.SetDatasetGrants(carol, d.ID, []GrantInput{{carolID, "DatasetRwOwner"}, {granted.ID, "DatasetRwEditor"}})).ok(t)
	for _, tc := range []struct {
		who              string
		c                Caller
		read, write, own Kind // 0: allowed
		createsInProject Kind
	}{
		{"the project's owner", bob, 0, 0, 0, 0},
		{"an administrator", admin, 0, 0, 0, 0},
		{"the dataset's creator (a Contributor)", carol, 0, 0, 0, 0},
		{"a LauncherUser reads only", lc, 0, KindForbidden, KindForbidden, KindForbidden},
		{"an editor by grant, in no project", saCaller(granted), 0, 0, KindForbidden, KindForbidden},
		{"a user in no project", dave, KindForbidden, KindForbidden, KindForbidden, KindForbidden},
	} {
		_, err := s.GetDataset(tc.c, d.ID)
		wantKindOrNil(t, tc.who+" reads", err, tc.read)
		_, err = s.DatasetSnapshots(tc.c, d.ID)
		wantKindOrNil(t, tc.who+" lists snapshots", err, tc.read)
		key, err := s.StartDatasetUpload(tc.c, d.ID, UploadStart{})
		wantKindOrNil(t, tc.who+" starts an upload", err, tc.write)
		if err == nil {
			must(0, s.CancelDatasetUpload(tc.c, d.ID, key)).ok(t)
		}
		_, err = s.UpdateDataset(tc.c, d.ID, DatasetUpdate{Description: ptr("by " + tc.who)})
		wantKindOrNil(t, tc.who+" describes", err, tc.write)
		_, err = s.SetDatasetGrants(tc.c, d.ID, []GrantInput{{carolID, "DatasetRwOwner"}, {granted.ID, "DatasetRwEditor"}})
		wantKindOrNil(t, tc.who+" sets grants", err, tc.own)
		listed := len(s.Datasets(tc.c, DatasetFilter{DatasetIDs: []string{d.ID}})) == 1
		if listed != (tc.read == 0) {
			t.Errorf("%s: listed %v", tc.who, listed)
		}
		_, err = s.CreateDataset(tc.c, DatasetInput{Name: "by-" + tc.c.UserName, ProjectID: bobLabID})
		if tc.createsInProject == 0 && err == nil {
			continue
		}
		if tc.createsInProject == KindForbidden && KindOf(err) == KindNotFound {
			continue // a user who may not read a private project does not find it
		}
		wantKindOrNil(t, tc.who+" creates", err, tc.createsInProject)
	}
	// A reader grant lets a user with no project role read, not write.
	must(s.SetDatasetGrants(bob, d.ID, []GrantInput{{daveID, "DatasetRwReader"}})).ok(t)
	must(s.GetDataset(dave, d.ID)).ok(t)
	_, err := s.StartDatasetUpload(dave, d.ID, UploadStart{})
	wantKind(t, "a reader uploads", err, KindForbidden)
	// carol's DatasetRwOwner grant is gone: as a Contributor she writes, but
	// may not delete.
	must(s.UpdateDataset(carol, d.ID, DatasetUpdate{Description: ptr("still writes")})).ok(t)
	_, err = s.DeleteDataset(carol, d.ID)
	wantKind(t, "a Contributor without the owner grant deletes", err, KindForbidden)
}

// Chunks may arrive in any order and again; what an ended session uploaded
// reads back byte for byte from a new snapshot.
func TestDatasetUploadOutOfOrderAndRetried(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	d := newDS(t, s, admin, defProjectID, "chunks")
	big := []string{strings.Repeat("a", 1000), strings.Repeat("b", 1000), "tail"}
	key := must(s.StartDatasetUpload(admin, d.ID, UploadStart{})).ok(t)
	for _, ch := range []dsChunk{
		{"data/big.bin", 3, 3, big[2]},
		{"data/big.bin", 1, 3, "a first try that is wrong"},
		{"small.txt", 1, 1, "small"},
		{"data/big.bin", 2, 3, big[1]},
		{"data/big.bin", 1, 3, big[0]}, // the retry: the last one counts
		{"data/empty", 1, 1, ""},
	} {
		if err := sendChunk(s, admin, d.ID, key, ch); err != nil {
			t.Fatalf("chunk %d of %s: %v", ch.n, ch.path, err)
		}
	}
	held := must(s.TestDatasetChunk(admin, d.ID, ChunkTest{Key: key, Identifier: "data/big.bin-id", Number: 2, Total: 3, Checksum: md5Hex(big[1])})).ok(t)
	other := must(s.TestDatasetChunk(admin, d.ID, ChunkTest{Key: key, Identifier: "data/big.bin-id", Number: 2, Total: 3, Checksum: md5Hex("other")})).ok(t)
	if !held || other {
		t.Errorf("test: held %v (want true), with another checksum %v (want false)", held, other)
	}
	if n := len(must(s.DatasetSnapshots(admin, d.ID)).ok(t)); n != 1 {
		t.Errorf("%d snapshots before the session ends, want 1", n)
	}
	res := must(s.EndDatasetUpload(admin, d.ID, key, "")).ok(t)
	if res.Snapshot.Version != 1 || !res.Snapshot.IsReadWrite || res.Path != "" {
		t.Errorf("the new snapshot: %+v, path %q", res.Snapshot, res.Path)
	}
	for p, want := range map[string]string{"data/big.bin": strings.Join(big, ""), "small.txt": "small", "data/empty": ""} {
		if got := readDS(t, s, admin, res.Snapshot.ID, p); got != want {
			t.Errorf("%s reads back %d bytes, want %d", p, len(got), len(want))
		}
	}
	// The session is gone, and the first snapshot is as it was: empty.
	_, err := s.EndDatasetUpload(admin, d.ID, key, "")
	wantKind(t, "ending again", err, KindNotFound)
	_, err = s.OpenDatasetFile(admin, d.SnapshotIDs[0], "small.txt")
	wantErrContains(t, "the first snapshot", err, "file small.txt does not exist")
	if got := must(s.GetDataset(admin, d.ID)).ok(t); got.ReadWriteSnapshotID != res.Snapshot.ID || got.Size != 2004+5 {
		t.Errorf("the dataset after the upload: read-write %s, size %d", got.ReadWriteSnapshotID, got.Size)
	}
	rows := must(s.DatasetFiles(admin, res.Snapshot.ID, "")).ok(t)
	if len(rows) != 2 || !rows[0].IsDir || rows[0].Name != "data" || rows[0].Size != 2004 || rows[1].Name != "small.txt" {
		t.Errorf("the root lists %+v", rows)
	}
}

// A session never ended leaves no snapshot; one short of a chunk cannot end;
// cancelled, its chunks are dropped.
func TestDatasetUploadThatDoesNotEnd(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	d := newDS(t, s, admin, defProjectID, "partial")
	before := s.blobs.used
	key := must(s.StartDatasetUpload(admin, d.ID, UploadStart{})).ok(t)
	must(0, sendChunk(s, admin, d.ID, key, dsChunk{"f.bin", 2, 2, "second half"})).ok(t)
	_, err := s.EndDatasetUpload(admin, d.ID, key, "")
	wantErrContains(t, "ending without chunk 1", err, "f.bin lacks chunk 1 of 2")
	if s.blobs.used == before {
		t.Error("the chunk received takes no memory")
	}
	must(0, s.CancelDatasetUpload(admin, d.ID, key)).ok(t)
	if s.blobs.used != before {
		t.Errorf("after a cancel the contents take %d bytes, want %d", s.blobs.used, before)
	}
	err = s.UploadDatasetChunk(admin, d.ID, Chunk{Key: key, Identifier: "x", RelativePath: "f.bin", Number: 1, Total: 2, CurrentSize: -1}, strings.NewReader("x"))
	wantKind(t, "a chunk after the cancel", err, KindNotFound)
	if n := len(must(s.DatasetSnapshots(admin, d.ID)).ok(t)); n != 1 {
		t.Errorf("%d snapshots, want 1", n)
	}
}

func TestDatasetChunksAreChecked(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	d := newDS(t, s, admin, defProjectID, "checked")
	key := must(s.StartDatasetUpload(admin, d.ID, UploadStart{})).ok(t)
	must(0, sendChunk(s, admin, d.ID, key, dsChunk{"f.bin", 1, 2, "one"})).ok(t)
	ok := Chunk{Key: key, Identifier: "f.bin-id", RelativePath: "f.bin", Number: 2, Total: 2, CurrentSize: -1}
	for _, tc := range []struct {
		what string
		edit func(*Chunk)
		body string
		want string
	}{
		{"a wrong checksum", func(c *Chunk) { c.Checksum = md5Hex("other") }, "two", "not the checksum"},
		{"a malformed checksum", func(c *Chunk) { c.Checksum = "xyz" }, "two", "not an MD5 checksum"},
		{"a wrong size", func(c *Chunk) { c.CurrentSize = 7 }, "two", "not resumableCurrentChunkSize 7"},
		{"number 0", func(c *Chunk) { c.Number = 0 }, "two", "is invalid"},
		{"number past total", func(c *Chunk) { c.Number = 3 }, "two", "is invalid"},
		{"another total for the file", func(c *Chunk) { c.Total, c.Number = 3, 3 }, "two", "in 2 chunks"},
		{"no identifier", func(c *Chunk) { c.Identifier = "" }, "two", "resumableIdentifier is required"},
		{"a path with ..", func(c *Chunk) { c.RelativePath = "../f.bin" }, "two", "is invalid"},
		{"an absolute path", func(c *Chunk) { c.RelativePath = "/" }, "two", "is required"},
		{"an unknown session", func(c *Chunk) { c.Key = "nope" }, "two", "Upload session nope not found"},
	} {
		in := ok
		tc.edit(&in)
		err := s.UploadDatasetChunk(admin, d.ID, in, strings.NewReader(tc.body))
		wantErrContains(t, tc.what, err, tc.want)
	}
	must(0, s.UploadDatasetChunk(admin, d.ID, ok, strings.NewReader("two"))).ok(t)
	res := must(s.EndDatasetUpload(admin, d.ID, key, "")).ok(t)
	if got := readDS(t, s, admin, res.Snapshot.ID, "f.bin"); got != "onetwo" {
		t.Errorf("f.bin = %q", got)
	}
	_, err := s.StartDatasetUpload(admin, d.ID, UploadStart{Collision: "Replace"})
	wantErrContains(t, "an unknown collision setting", err, "Ignore, Overwrite, Rename")
}

// Paths that collide follow the session's setting; files go under a target
// folder only if it exists.
func TestDatasetUploadCollisionsAndTarget(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	d := newDS(t, s, admin, defProjectID, "collide")
	first := uploadDS(t, s, admin, d.ID, UploadStart{}, dsChunk{"a.txt", 1, 1, "v1"}, dsChunk{"sub/b.txt", 1, 1, "b1"})
	for _, tc := range []struct {
		setting string
		want    map[string]string
	}{
		{"Ignore", map[string]string{"a.txt": "v1"}},
		{"Overwrite", map[string]string{"a.txt": "v2"}},
		{"Rename", map[string]string{"a.txt": "v2", "a_1.txt": "v3"}}, // after the Overwrite
	} {
		content := map[string]string{"Ignore": "v2", "Overwrite": "v2", "Rename": "v3"}[tc.setting]
		res := uploadDS(t, s, admin, d.ID, UploadStart{Collision: tc.setting}, dsChunk{"a.txt", 1, 1, content})
		for p, want := range tc.want {
			if got := readDS(t, s, admin, res.Snapshot.ID, p); got != want {
				t.Errorf("%s: %s = %q, want %q", tc.setting, p, got, want)
			}
		}
	}
	if got := readDS(t, s, admin, first.Snapshot.ID, "a.txt"); got != "v1" {
		t.Errorf("an earlier snapshot changed: %q", got)
	}
	// Under a target folder that exists; not under one that does not.
	key := must(s.StartDatasetUpload(admin, d.ID, UploadStart{})).ok(t)
	must(0, sendChunk(s, admin, d.ID, key, dsChunk{"c.txt", 1, 1, "c"})).ok(t)
	_, err := s.EndDatasetUpload(admin, d.ID, key, "nowhere")
	wantErrContains(t, "a missing target folder", err, `"nowhere" is not a folder`)
	res := must(s.EndDatasetUpload(admin, d.ID, key, "sub")).ok(t)
	if got := readDS(t, s, admin, res.Snapshot.ID, "sub/c.txt"); got != "c" || res.Path != "c.txt" {
		t.Errorf("sub/c.txt = %q, path %q", got, res.Path)
	}
	// A file where a folder is.
	key = must(s.StartDatasetUpload(admin, d.ID, UploadStart{Collision: "Overwrite"})).ok(t)
	must(0, sendChunk(s, admin, d.ID, key, dsChunk{"sub", 1, 1, "x"})).ok(t)
	_, err = s.EndDatasetUpload(admin, d.ID, key, "")
	wantErrContains(t, "a file over a folder", err, "is a folder")
	for _, tc := range []struct{ path, want string }{
		{"/", "Invalid path input"},
		{"", "Invalid path input"},
		{"nope.txt", "file nope.txt does not exist"},
		{"sub", "is a folder"},
		{"../x", "Invalid path input"},
	} {
		_, err := s.OpenDatasetFile(admin, res.Snapshot.ID, tc.path)
		wantErrContains(t, "raw "+tc.path, err, tc.want)
	}
	_, err = s.DatasetFiles(admin, res.Snapshot.ID, "/")
	wantErrContains(t, "files of /", err, "Invalid path input")
	_, err = s.DatasetFiles(admin, res.Snapshot.ID, "nope")
	wantErrContains(t, "files of nope", err, "file nope does not exist")
}

func TestDatasetSharingAndDownloads(t *testing.T) {
	s := richStore(t)
	bob, dave := caller(t, s, "bob"), caller(t, s, "dave")
	d := newDS(t, s, bob, bobLabID, "to-share")
	res := uploadDS(t, s, bob, d.ID, UploadStart{}, dsChunk{"x/1.txt", 1, 1, "one"}, dsChunk{"y.txt", 1, 1, "why"})
	shared := must(s.ShareDataset(bob, openDataID, d.ID, true)).ok(t)
	if len(shared) != 1 || shared[0] != d.ID {
		t.Errorf("shared into open-data: %v", shared)
	}
	_, err := s.ShareDataset(bob, bobLabID, d.ID, true)
	wantKind(t, "sharing into its own project", err, KindInvalid)
	_, err = s.ShareDataset(dave, openDataID, d.ID, true)
	wantKind(t, "sharing by a user who may not change the project", err, KindForbidden)
	mounts := must(s.SharedDatasetMounts(bob, openDataID)).ok(t)
	if len(mounts) != 1 || mounts[0].Snapshot.ID != res.Snapshot.ID || mounts[0].Versions != 2 {
		t.Errorf("mounts: %+v", mounts)
	}
	if m := must(s.SharedDatasetMounts(dave, openDataID)).ok(t); len(m) != 0 {
		t.Errorf("dave, who may not read the dataset, sees %d mounts", len(m))
	}
	must(s.ShareDataset(bob, openDataID, d.ID, false)).ok(t)
	if m := must(s.SharedDatasetMounts(bob, openDataID)).ok(t); len(m) != 0 {
		t.Errorf("after unsharing, %d mounts", len(m))
	}
	task := must(s.CreateDownloadTask(bob, res.Snapshot.ID, []string{"x"})).ok(t)
	if got := must(s.DownloadTaskStatus(bob, res.Snapshot.ID, task.ID)).ok(t); got.Status != "Succeeded" {
		t.Errorf("task status %q", got.Status)
	}
	files := must(s.DownloadArchive(bob, res.Snapshot.ID, task.Key)).ok(t)
	if len(files) != 1 || files[0].Path != "x/1.txt" {
		t.Fatalf("archive files: %+v", files)
	}
	r := must(files[0].Open()).ok(t)
	data, _ := io.ReadAll(r)
	r.Close()
	if string(data) != "one" {
		t.Errorf("archived x/1.txt = %q", data)
	}
	_, err = s.CreateDownloadTask(bob, res.Snapshot.ID, []string{"nope"})
	wantErrContains(t, "a download of nothing", err, "does not exist")
	_, err = s.DownloadArchive(dave, res.Snapshot.ID, task.Key)
	wantKind(t, "a download by a user who may not read", err, KindForbidden)
	_, err = s.DownloadTaskStatus(bob, res.Snapshot.ID, task.Key)
	wantKind(t, "a task by its key", err, KindNotFound)
}

// Datasets, their snapshots and files survive restarts; a session that
// never ended leaves neither snapshot nor content; deleting a dataset
// removes its contents.
func TestPersistDatasets(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	admin := walAdmin(t, s)
	d := walOK(s.CreateDataset(admin, DatasetInput{Name: "kept", ProjectID: defProjectID,
		Grants: []GrantInput{{defAliceID, "DatasetRwReader"}}})).must(t)
	big := strings.Repeat("0123456789", 50_000)
	res := uploadDS(t, s, admin, d.ID, UploadStart{}, dsChunk{"big.bin", 2, 2, big[:1000]}, dsChunk{"big.bin", 1, 2, big}, dsChunk{"a/b.txt", 1, 1, "b"})
	walOK(s.UpdateDataset(admin, d.ID, DatasetUpdate{Description: ptr("kept across restarts")})).must(t)
	gone := walOK(s.CreateDataset(admin, DatasetInput{Name: "gone", ProjectID: defProjectID})).must(t)
	uploadDS(t, s, admin, gone.ID, UploadStart{}, dsChunk{"only-here.txt", 1, 1, "only here"})
	walOK(s.DeleteDataset(admin, gone.ID)).must(t)
	key := walOK(s.StartDatasetUpload(admin, d.ID, UploadStart{})).must(t)
	walOK(0, sendChunk(s, admin, d.ID, key, dsChunk{"never.txt", 1, 1, "never ended"})).must(t)
	if _, err := os.Stat(filepath.Join(dir, blobDirName, sha("only here"))); !os.IsNotExist(err) {
		t.Errorf("a deleted dataset's content is still there: %v", err)
	}
	before := walJSON(t, s)
	walClose(t, s)
	for round := range 2 { // from the log, then from the snapshot the first reopen wrote
		s = walOpen(t, dir)
		walSameState(t, "after a restart", before, walJSON(t, s))
		if got := readDS(t, s, admin, res.Snapshot.ID, "big.bin"); got != big+big[:1000] {
			t.Errorf("round %d: big.bin differs", round)
		}
		if got := readDS(t, s, admin, res.Snapshot.ID, "a/b.txt"); got != "b" {
			t.Errorf("round %d: a/b.txt = %q", round, got)
		}
		if _, err := s.GetDataset(admin, gone.ID); KindOf(err) != KindNotFound {
			t.Errorf("round %d: the deleted dataset: %v", round, err)
		}
		if _, err := s.EndDatasetUpload(admin, d.ID, key, ""); KindOf(err) != KindNotFound {
			t.Errorf("round %d: the session outlived a restart: %v", round, err)
		}
		if _, err := os.Stat(filepath.Join(dir, blobDirName, sha("never ended"))); !os.IsNotExist(err) {
			t.Errorf("round %d: a chunk of a session never ended is still there: %v", round, err)
		}
		alice := Caller{ID: defAliceID, UserName: "alice"}
		if _, err := s.GetDataset(alice, d.ID); err != nil {
			t.Errorf("round %d: alice's grant: %v", round, err)
		}
		walClose(t, s)
	}
}

// A state document's datasets are checked as the routes check them, and
// an export imports again.
func TestImportDatasets(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	d := newDS(t, s, admin, defProjectID, "exported")
	uploadDS(t, s, admin, d.ID, UploadStart{}, dsChunk{"f.txt", 1, 1, "f"})
	snap := s.Export(true)
	must(0, s.Import(snap)).ok(t)
	if got := must(s.GetDataset(admin, d.ID)).ok(t); len(got.SnapshotIDs) != 2 {
		t.Errorf("imported: %+v", got)
	}
	for _, tc := range []struct {
		what string
		edit func(*Snapshot)
		want string
	}{
		{"a dataset of no project", func(s *Snapshot) { s.Datasets[0].ProjectID = unknownID }, "is not a project"},
		{"a name twice in a project", func(s *Snapshot) {
			dup := s.Datasets[0]
			dup.ID = "aaaaaaaaaaaaaaaaaaaaaaaa"
			s.Datasets = append(s.Datasets, dup)
		}, "already the name of a dataset"},
		{"a snapshot out of order", func(s *Snapshot) { s.DatasetSnapshots[1].Version = 5 }, "is not 1"},
		{"a content the mock lacks", func(s *Snapshot) { s.DatasetSnapshots[1].Files[0].Chunks[0].SHA256 = sha("never uploaded") }, "a content this mock does not hold"},
		{"a snapshot of no dataset", func(s *Snapshot) { s.DatasetSnapshots[1].DatasetID = unknownID }, "is not a dataset"},
		{"a dataset without snapshots", func(s *Snapshot) { s.DatasetSnapshots = nil }, "has no snapshot"},
		{"a grant of an unknown role", func(s *Snapshot) { s.Datasets[0].Grants[0].Role = "Boss" }, "targetRole"},
	} {
		doc := s.Export(true)
		tc.edit(&doc)
		wantErrContains(t, tc.what, s.Import(doc), tc.want)
	}
}

// A chunk is stored without fsyncing the directory; anything that then
// relies on that content being durable fsyncs it first: a project file of
// the same bytes (which finds the content there), and the session's end.
func TestChunkContentIsMadeDurableBeforeUse(t *testing.T) {
	s := walOpen(t, t.TempDir())
	admin := walAdmin(t, s)
	d := walOK(s.CreateDataset(admin, DatasetInput{Name: "durable", ProjectID: defProjectID})).must(t)
	key := walOK(s.StartDatasetUpload(admin, d.ID, UploadStart{})).must(t)
	walOK(0, sendChunk(s, admin, d.ID, key, dsChunk{"same.txt", 1, 1, "same bytes"})).must(t)
	if !s.blobs.unsynced {
		t.Fatal("a chunk's name is marked durable before the directory was fsynced")
	}
	walOK(s.UploadFile(admin, "admin", "quick-start", "same.txt", strings.NewReader("same bytes"))).must(t)
	if s.blobs.unsynced {
		t.Error("a commit was logged naming a content whose name may not be durable")
	}
	walOK(0, sendChunk(s, admin, d.ID, key, dsChunk{"other.txt", 1, 1, "other bytes"})).must(t)
	walOK(s.EndDatasetUpload(admin, d.ID, key, "")).must(t)
	if s.blobs.unsynced {
		t.Error("a snapshot was logged naming a content whose name may not be durable")
	}
	walClose(t, s)
}

// Chunks of one session arrive at once from many clients while others read
// and list: every file reads back whole (run with -race).
func TestDatasetUploadConcurrently(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	d := newDS(t, s, admin, defProjectID, "busy")
	key := must(s.StartDatasetUpload(admin, d.ID, UploadStart{})).ok(t)
	const files, chunks = 8, 5
	var wg sync.WaitGroup
	for f := range files {
		for n := 1; n <= chunks; n++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				data := strings.Repeat(string(rune('a'+f)), 100*n)
				if err := sendChunk(s, admin, d.ID, key, dsChunk{fmt.Sprintf("f%d.txt", f), n, chunks, data}); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 50 {
			s.Datasets(admin, DatasetFilter{})
			s.DatasetSnapshots(admin, d.ID)
		}
	}()
	wg.Wait()
	res := must(s.EndDatasetUpload(admin, d.ID, key, "")).ok(t)
	for f := range files {
		var want strings.Builder
		for n := 1; n <= chunks; n++ {
			want.WriteString(strings.Repeat(string(rune('a'+f)), 100*n))
		}
		if got := readDS(t, s, admin, res.Snapshot.ID, fmt.Sprintf("f%d.txt", f)); got != want.String() {
			t.Errorf("f%d.txt: %d bytes, want %d", f, len(got), want.Len())
		}
	}
}
