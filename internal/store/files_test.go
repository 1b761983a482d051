package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Tests of projects' files and commits (files.go, blobs.go): uploads make
// commits, earlier commits read as they were, paths and places are
// checked, who may read and write, the limits, and the content store.

// upload writes content to path in owner/name as c, failing the test on an error.
func upload(t testing.TB, s *Store, c Caller, owner, name, path, content string) ProjectFile {
	t.Helper()
	return must(s.UploadFile(c, owner, name, path, strings.NewReader(content))).ok(t)
}

// readAt is the content of path at commit, failing the test on an error.
func readAt(t testing.TB, s *Store, c Caller, projectID, commitID, path string) string {
	t.Helper()
	f := must(s.OpenFile(c, projectID, commitID, path)).ok(t)
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) != f.Size {
		t.Errorf("%s: read %d bytes, FileContent.Size says %d", path, len(data), f.Size)
	}
	return string(data)
}

func sha(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

func TestUploadMakesACommitAndEarlierCommitsStay(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	if got := must(s.Commits(admin, defProjectID)).ok(t); len(got) != 0 {
		t.Fatalf("a project with no files lists commits %v", got)
	}
	f1 := upload(t, s, admin, "admin", "quick-start", "/data/train.csv", "a,b\n1,2\n")
	if f1.Path != "data/train.csv" || f1.Size != 8 || f1.Key != sha("a,b\n1,2\n")[:40] {
		t.Errorf("upload answered %+v", f1)
	}
	if !strings.HasSuffix(f1.URL, "/v1/projects/admin/quick-start/blobs/"+f1.Key) {
		t.Errorf("url %q", f1.URL)
	}
	c1 := f1.CommitID
	f2 := upload(t, s, admin, "admin", "quick-start", "data/train.csv", "a,b\n3,4\n")
	c2 := f2.CommitID
	upload(t, s, admin, "admin", "quick-start", "main.py", "print(1)\n")
	commits := must(s.Commits(admin, defProjectID)).ok(t)
	if len(commits) != 3 || commits[1].ID != c2 || commits[2].ID != c1 {
		t.Fatalf("commits, newest first: %+v; want the third upload's, %s, %s", commits, c2, c1)
	}
	for _, cm := range commits {
		if len(cm.ID) != 40 || !isLowerHex(cm.ID) || cm.CommitTime == 0 || cm.Name == "" {
			t.Errorf("commit %+v: want a 40-hex id, a time and a name", cm)
		}
	}
	if got := must(s.ProjectCommits(admin, "ADMIN", "quick-start")).ok(t); len(got) != 3 || got[0] != commits[0] {
		t.Errorf("ProjectCommits = %+v, want what Commits lists", got)
	}
	// Every commit reads as it was.
	if got := readAt(t, s, admin, defProjectID, c1, "data/train.csv"); got != "a,b\n1,2\n" {
		t.Errorf("at the first commit: %q", got)
	}
	if got := readAt(t, s, admin, defProjectID, c2, "/data/train.csv"); got != "a,b\n3,4\n" {
		t.Errorf("at the second commit: %q", got)
	}
	_, err := s.OpenFile(admin, defProjectID, c2, "main.py")
	wantKind(t, "main.py before it was uploaded", err, KindNotFound)
	head := commits[0].ID
	if got := readAt(t, s, admin, defProjectID, head, "data/train.csv"); got != "a,b\n3,4\n" {
		t.Errorf("at the head: %q", got)
	}
	list := must(s.ListFiles(admin, "admin", "quick-start", c1, "/")).ok(t)
	if len(list) != 1 || list[0].Path != "data/train.csv" || list[0].Key != f1.Key {
		t.Errorf("files at the first commit: %+v", list)
	}
	list = must(s.ListFiles(admin, "admin", "quick-start", head, "")).ok(t)
	if len(list) != 2 || list[0].Path != "data/train.csv" || list[1].Path != "main.py" || list[0].Key != f2.Key {
		t.Errorf("files at the head, by path: %+v", list)
	}
	for _, folder := range []string{"data", "/data/", "data/train.csv"} {
		list = must(s.ListFiles(admin, "admin", "quick-start", head, folder)).ok(t)
		if len(list) != 1 || list[0].Path != "data/train.csv" {
			t.Errorf("files under %q: %+v", folder, list)
		}
	}
	_, err = s.ListFiles(admin, "admin", "quick-start", head, "dat")
	wantKind(t, `a folder "dat" (a prefix of data, not a folder)`, err, KindNotFound)
	_, err = s.ListFiles(admin, "admin", "quick-start", c1, "main.py")
	wantKind(t, "main.py at a commit before it", err, KindNotFound)
	if !s.CommitExists(defProjectID, c1) || s.CommitExists(defProjectID, "0000000000000000000000000000000000000000") || s.HeadCommit(defProjectID) != head {
		t.Error("CommitExists or HeadCommit disagree with the commits")
	}
	// The deprecated route: by key, any commit's content.
	b := must(s.OpenBlob(admin, "admin", "quick-start", f1.Key)).ok(t)
	data, _ := io.ReadAll(b)
	b.Close()
	if string(data) != "a,b\n1,2\n" {
		t.Errorf("OpenBlob(first key) = %q", data)
	}
}

func TestFilePathsAreChecked(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	upload(t, s, admin, "admin", "quick-start", "a/b.txt", "x")
	head := s.HeadCommit(defProjectID)
	long := strings.Repeat("n", 255)
	for _, tc := range []struct {
		path string
		ok   bool
		kind Kind
	}{
		{"x.txt", true, 0},
		{"/x.txt", true, 0},       // python-domino's "/README.md": the project's root
		{"/etc/passwd", true, 0},  // a file etc/passwd of the project, nothing else
		{"dir/" + long, true, 0},  // a name of 255 bytes
		{"dir/é", true, 0},        // UTF-8
		{"", false, KindInvalid},  // nothing
		{"/", false, KindInvalid}, // the root is not a file
		{"//etc/passwd", false, KindInvalid},
		{"../x", false, KindInvalid},
		{"a/../../x", false, KindInvalid},
		{"a/./x", false, KindInvalid},
		{"..", false, KindInvalid},
		{"a//b", false, KindInvalid},
		{"a/", false, KindInvalid},
		{`a\..\x`, false, KindInvalid},
		{"a\x00b", false, KindInvalid},
		{"a\nb", false, KindInvalid},
		{"a\xffb", false, KindInvalid},
		{"dir/" + long + "n", false, KindInvalid},             // a name of 256 bytes
		{strings.Repeat("d/", 512) + "x", false, KindInvalid}, // 1,025 bytes
		{"a", false, KindInvalid},                             // a folder
		{"a/b.txt/c", false, KindInvalid},                     // inside a file
	} {
		_, err := s.UploadFile(admin, "admin", "quick-start", tc.path, strings.NewReader("y"))
		if tc.ok {
			if err != nil {
				t.Errorf("upload %q: %v", tc.path, err)
			}
			continue
		}
		wantKind(t, "upload "+tc.path, err, tc.kind)
		if tc.path != "a" && tc.path != "a/b.txt/c" {
			_, err = s.OpenFile(admin, defProjectID, head, tc.path)
			wantKind(t, "read "+tc.path, err, tc.kind)
		}
	}
	if got := readAt(t, s, admin, defProjectID, s.HeadCommit(defProjectID), "etc/passwd"); got != "y" {
		t.Errorf("etc/passwd of the project: %q", got)
	}
}

func TestWhoMayReadAndWriteFiles(t *testing.T) {
	s := richStore(t)
	admin, bob, carol, dave := caller(t, s, "admin"), caller(t, s, "bob"), caller(t, s, "carol"), caller(t, s, "dave")
	launcher := newAccount(t, s, "launcher")
	must(s.AddCollaborator(bob, bobLabID, launcher.ID, "LauncherUser")).ok(t)
	lc := saCaller(launcher)
	f := upload(t, s, bob, "bob", "bob-lab", "own.txt", "by the owner")
	upload(t, s, carol, "bob", "bob-lab", "contrib.txt", "by a Contributor")
	upload(t, s, admin, "bob", "bob-lab", "admin.txt", "by an administrator")
	head := s.HeadCommit(bobLabID)
	for _, tc := range []struct {
		who        string
		c          Caller
		read       Kind // 0: allowed
		write      Kind
		owner, prj string
		projectID  string
	}{
		{"a LauncherUser", lc, 0, KindForbidden, "bob", "bob-lab", bobLabID},
		{"a user in no project", dave, KindForbidden, KindForbidden, "bob", "bob-lab", bobLabID},
		{"a user in no project, public project", dave, 0, KindForbidden, "bob", "open-data", openDataID},
		{"anyone, unknown project", admin, KindNotFound, KindNotFound, "bob", "nope", unknownID},
	} {
		_, err := s.UploadFile(tc.c, tc.owner, tc.prj, "x.txt", strings.NewReader("x"))
		if tc.write == 0 && err != nil || tc.write != 0 {
			wantKindOrNil(t, tc.who+" uploads", err, tc.write)
		}
		_, err = s.ListFiles(tc.c, tc.owner, tc.prj, head, "")
		if tc.read == 0 && tc.projectID != bobLabID {
			wantKind(t, tc.who+" lists another project's commit", err, KindNotFound)
		} else {
			wantKindOrNil(t, tc.who+" lists files", err, tc.read)
		}
		_, err = s.Commits(tc.c, tc.projectID)
		wantKindOrNil(t, tc.who+" lists commits", err, tc.read)
		_, err = s.OpenBlob(tc.c, tc.owner, tc.prj, f.Key)
		if tc.read == 0 && tc.projectID != bobLabID {
			wantKind(t, tc.who+" reads another project's key", err, KindNotFound)
		} else {
			wantKindOrNil(t, tc.who+" reads by key", err, tc.read)
		}
	}
	if got := readAt(t, s, lc, bobLabID, head, "contrib.txt"); got != "by a Contributor" {
		t.Errorf("a LauncherUser reads %q", got)
	}
	commits := must(s.Commits(bob, bobLabID)).ok(t)
	_, err := s.ListFiles(bob, "bob", "bob-lab", "ffffffffffffffffffffffffffffffffffffffff", "")
	wantKind(t, "an unknown commit", err, KindNotFound)
	_, err = s.OpenBlob(bob, "bob", "bob-lab", "not-a-key")
	wantKind(t, "a malformed key", err, KindInvalid)
	_, err = s.OpenBlob(bob, "bob", "bob-lab", strings.Repeat("0", 40))
	wantKind(t, "an unknown key", err, KindNotFound)
	if len(commits) != 3 {
		t.Errorf("%d commits, want 3", len(commits))
	}
}

func wantKindOrNil(t testing.TB, what string, err error, k Kind) {
	t.Helper()
	if k == 0 {
		if err != nil {
			t.Errorf("%s: %v, want success", what, err)
		}
		return
	}
	wantKind(t, what, err, k)
}

func TestFileLimits(t *testing.T) {
	s := newStoreWith(t, Config{Limits: Limits{FileBytes: 100, FileMemoryBytes: 256 << 10, CommitsPerProject: 3}})
	admin := caller(t, s, "admin")
	base := s.blobs.used
	_, err := s.UploadFile(admin, "admin", "quick-start", "big", strings.NewReader(strings.Repeat("x", 101)))
	wantKind(t, "101 bytes over a limit of 100", err, KindTooLarge)
	wantErrContains(t, "the size limit", err, "--max-file-bytes")
	upload(t, s, admin, "admin", "quick-start", "ok", strings.Repeat("x", 100))
	upload(t, s, admin, "admin", "quick-start", "same", strings.Repeat("x", 100)) // the same content: stored once
	if got := s.blobs.used - base; got != 100 {
		t.Errorf("two uploads of the same 100 bytes hold %d bytes", got)
	}
	upload(t, s, admin, "admin", "quick-start", "third", "z")
	_, err = s.UploadFile(admin, "admin", "quick-start", "fourth", strings.NewReader("z"))
	wantKind(t, "a fourth commit over a limit of 3", err, KindInvalid)
	wantErrContains(t, "the commit limit", err, "--max-commits")

	// Memory: everything held, and what uploads under way reserved.
	m := newStoreWith(t, Config{Limits: Limits{FileMemoryBytes: 3 << 20}})
	admin = caller(t, m, "admin")
	big := strings.Repeat("m", 2<<20)
	upload(t, m, admin, "admin", "quick-start", "one", big)
	_, err = m.UploadFile(admin, "admin", "quick-start", "two", strings.NewReader(big+"2"))
	wantKind(t, "2 MiB more over a memory limit of 3 MiB", err, KindTooLarge)
	wantErrContains(t, "the memory limit", err, "--max-file-memory-bytes")
	if m.blobs.used != 2<<20+m.fixtureBytes() {
		t.Errorf("after a refused upload %d bytes are counted, want the 2 MiB held", m.blobs.used)
	}
	// The memory counted is the content's, to the byte: a content as
	// large as the room left fits.
	exact := newStoreWith(t, Config{Limits: Limits{FileMemoryBytes: 100}})
	upload(t, exact, caller(t, exact, "admin"), "admin", "quick-start", "fits", strings.Repeat("f", 100))
	_, err = exact.UploadFile(caller(t, exact, "admin"), "admin", "quick-start", "one-more", strings.NewReader("1"))
	wantKind(t, "a byte past a full memory limit", err, KindTooLarge)
	// A body that fails is the client's, and leaves nothing counted.
	_, err = m.UploadFile(admin, "admin", "quick-start", "cut", io.MultiReader(strings.NewReader("abc"), failing{}))
	var re *ReadError
	if !errors.As(err, &re) {
		t.Errorf("a body that fails to read: %v, want a ReadError", err)
	}
	if m.blobs.used != 2<<20+m.fixtureBytes() {
		t.Errorf("after a failed body %d bytes are counted", m.blobs.used)
	}
}

func (s *Store) fixtureBytes() int64 {
	var n int64
	for _, p := range s.cfg.Fixtures.Projects {
		for _, f := range p.Files {
			data, _ := f.Bytes()
			n += int64(len(data))
		}
	}
	return n
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// A content is held in pieces of at most blobChunk bytes, the last at its
// size: memory does not grow past the content by copying it to grow.
func TestContentInMemoryIsChunked(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	content := bytes.Repeat([]byte("0123456789abcdef"), (3<<20)/16+7)
	f := must(s.UploadFile(admin, "admin", "quick-start", "big.bin", bytes.NewReader(content))).ok(t)
	m := s.blobs.mem[sha(string(content))]
	var total int
	for i, c := range m.chunks {
		if len(c) > blobChunk || cap(c) != len(c) && i == len(m.chunks)-1 {
			t.Errorf("chunk %d: len %d cap %d", i, len(c), cap(c))
		}
		total += len(c)
	}
	if total != len(content) {
		t.Errorf("chunks hold %d bytes, want %d", total, len(content))
	}
	if got := readAt(t, s, admin, defProjectID, f.CommitID, "big.bin"); got != string(content) {
		t.Error("the content read back differs")
	}
	// Read through Read as well as WriteTo.
	r := must(s.OpenFile(admin, defProjectID, f.CommitID, "big.bin")).ok(t)
	got, _ := io.ReadAll(struct{ io.Reader }{r})
	if !bytes.Equal(got, content) {
		t.Error("Read differs from the content")
	}
}

const filesFixturesJSON = `{
  "users": [{"id": "64b7f0a1c2d3e4f5a6b7c801", "idpId": "6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4a01", "userName": "admin",
     "firstName": "Ada", "lastName": "Admin", "email": "admin@mockdomino.local", "roles": ["SysAdmin"], "apiKey": "admin-key"}],
  "projects": [{"id": "64b7f0a1c2d3e4f5a6b7c901", "name": "quick-start", "owner": "admin", "visibility": "Private",
     "collaborators": [],
     "files": [{"path": "README.md", "content": "# hello\n"}, {"path": "/data/raw.bin", "contentBase64": "AAEC/w=="}]}],
  "hardwareTiers": [], "environments": []
}`

func TestFixturesDeclareFiles(t *testing.T) {
	fx, err := fixtures.Parse([]byte(filesFixturesJSON), "files fixtures")
	if err != nil {
		t.Fatal(err)
	}
	s := newStoreWith(t, Config{Fixtures: fx})
	admin := caller(t, s, "admin")
	commits := must(s.Commits(admin, defProjectID)).ok(t)
	if len(commits) != 1 {
		t.Fatalf("commits %+v, want the fixtures' one", commits)
	}
	id := commits[0].ID
	if got := readAt(t, s, admin, defProjectID, id, "README.md"); got != "# hello\n" {
		t.Errorf("README.md = %q", got)
	}
	if got := readAt(t, s, admin, defProjectID, id, "data/raw.bin"); got != "\x00\x01\x02\xff" {
		t.Errorf("data/raw.bin = %q", got)
	}
	upload(t, s, admin, "admin", "quick-start", "new.txt", "new")
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	commits = must(s.Commits(admin, defProjectID)).ok(t)
	if len(commits) != 1 || commits[0].ID != id {
		t.Errorf("after a reset: %+v, want the fixtures' commit %s again", commits, id)
	}
	if s.blobs.mem[sha("new")] != nil {
		t.Error("a reset kept the content of an upload it removed")
	}

	for _, bad := range []struct{ files, want string }{
		{`[{"path": "../x", "content": "x"}]`, `projects[0].files[0].path "../x" is invalid`},
		{`[{"path": "a", "content": "x"}, {"path": "/a", "content": "y"}]`, `projects[0].files[1].path "/a" is already files[0]`},
		{`[{"path": "a", "content": "x"}, {"path": "a/b", "content": "y"}]`, `projects[0].files[1].path "a/b" is inside "a", which is a file`},
		{`[{"path": "a/b", "content": "x"}, {"path": "a", "content": "y"}]`, `projects[0].files[1].path "a" is a folder`},
		{`[{"path": "a", "contentBase64": "!!"}]`, `projects[0].files[0].contentBase64 is not base64`},
		{`[{"path": "a", "content": "x", "contentBase64": "eA=="}]`, `give content or contentBase64, not both`},
	} {
		doc := strings.Replace(filesFixturesJSON, `[{"path": "README.md", "content": "# hello\n"}, {"path": "/data/raw.bin", "contentBase64": "AAEC/w=="}]`, bad.files, 1)
		_, err := fixtures.Parse([]byte(doc), "bad")
		wantErrContains(t, bad.files, err, bad.want)
	}
}

func TestImportNamesFileContentsByHash(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	f := upload(t, s, admin, "admin", "quick-start", "kept.txt", "kept")
	upload(t, s, admin, "admin", "quick-start", "gone.txt", "gone")
	snap := s.Export(true)
	if len(snap.Commits) != 2 || snap.Commits[0].Files[0].SHA256 != sha("kept") {
		t.Fatalf("export: %+v", snap.Commits)
	}
	// An import of the first commit only: the second's content goes.
	one := snap
	one.Commits = snap.Commits[:1]
	if err := s.Import(one); err != nil {
		t.Fatal(err)
	}
	if got := readAt(t, s, admin, defProjectID, f.CommitID, "kept.txt"); got != "kept" {
		t.Errorf("after the import: %q", got)
	}
	if s.blobs.mem[sha("gone")] != nil {
		t.Error("an import kept a content no commit names")
	}
	// The whole export again: the second commit names a content the mock no longer holds.
	err := s.Import(snap)
	wantKind(t, "an import naming a content not held", err, KindInvalid)
	wantErrContains(t, "the missing content", err, sha("gone"), "gone.txt")

	for _, tc := range []struct {
		what string
		edit func(r *CommitRecord)
		want string
	}{
		{"a short id", func(r *CommitRecord) { r.ID = "abc" }, "commits[0].id"},
		{"an unknown project", func(r *CommitRecord) { r.ProjectID = unknownID }, "commits[0].projectId"},
		{"a parent on a first commit", func(r *CommitRecord) { r.ParentID = strings.Repeat("a", 40) }, "commits[0].parentId"},
		{"an unknown author", func(r *CommitRecord) { r.AuthorID = unknownID }, "commits[0].authorId"},
		{"a path with ..", func(r *CommitRecord) { r.Files[0].Path = "../x" }, "commits[0].files[0].path"},
		{"a path with its leading /", func(r *CommitRecord) { r.Files[0].Path = "/kept.txt" }, "without its leading /"},
		{"a bad hash", func(r *CommitRecord) { r.Files[0].SHA256 = "xyz" }, "commits[0].files[0].sha256"},
		{"a negative size", func(r *CommitRecord) { r.Files[0].Size = -1 }, "commits[0].files[0].size"},
		{"a path twice", func(r *CommitRecord) { r.Files = append(r.Files, r.Files[0]) }, "commits[0].files[1].path"},
	} {
		doc := s.Export(true)
		doc.Commits = []CommitRecord{snap.Commits[0]}
		doc.Commits[0].Files = append([]FileRecord(nil), snap.Commits[0].Files...)
		tc.edit(&doc.Commits[0])
		err := s.Import(doc)
		wantKind(t, tc.what, err, KindInvalid)
		wantErrContains(t, tc.what, err, tc.want)
	}
	doc := s.Export(true)
	second := snap.Commits[1]
	second.Files = []FileRecord{{Path: "kept.txt/inside", SHA256: sha("kept"), Size: 4}}
	doc.Commits = append(doc.Commits, second)
	wantErrContains(t, "a file inside a file", s.Import(doc), "commits[1].files[0].path", "which is a file")
	second.ParentID = strings.Repeat("b", 40)
	second.Files = snap.Commits[0].Files
	doc.Commits[1] = second
	wantErrContains(t, "a parent that is not the commit before", s.Import(doc), "commits[1].parentId", "is not "+f.CommitID)
	// A document without commits (written before files existed) loads.
	doc = s.Export(true)
	doc.Commits = nil
	if err := s.Import(doc); err != nil {
		t.Errorf("a document without commits: %v", err)
	}
}

// With --state, contents are files in DIR/blobs, written before the commit
// naming them is logged: a restart reads every one back byte for byte,
// from the log and from a snapshot.
func TestPersistFiles(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	admin := walAdmin(t, s)
	content := map[string]string{"a.txt": "alpha", "b/c.bin": "\x00\xff\x10", "big.bin": strings.Repeat("big!", 300_000)}
	var ids []string
	for _, p := range []string{"a.txt", "b/c.bin", "big.bin"} {
		ids = append(ids, walOK(s.UploadFile(admin, "admin", "quick-start", p, strings.NewReader(content[p]))).must(t).CommitID)
	}
	second := walOK(s.UploadFile(admin, "admin", "quick-start", "a.txt", strings.NewReader("alpha 2"))).must(t).CommitID
	before := walJSON(t, s)
	walClose(t, s)
	for _, sh := range []string{sha("alpha"), sha("\x00\xff\x10"), sha(content["big.bin"]), sha("alpha 2")} {
		data, err := os.ReadFile(filepath.Join(dir, blobDirName, sh))
		if err != nil || sha(string(data)) != sh {
			t.Errorf("blobs/%s: %v", sh, err)
		}
	}
	for round := range 2 { // from the log, then from the snapshot the first reopen wrote
		s = walOpen(t, dir)
		if after := walJSON(t, s); after != before {
			t.Fatalf("round %d: the state differs after a restart", round)
		}
		for i, p := range []string{"a.txt", "b/c.bin", "big.bin"} {
			if got := readAt(t, s, admin, defProjectID, ids[len(ids)-1], p); got != content[p] {
				t.Errorf("round %d: %s differs", round, p)
			}
			if got := readAt(t, s, admin, defProjectID, ids[i], p); got != content[p] {
				t.Errorf("round %d: %s at its own commit differs", round, p)
			}
		}
		if got := readAt(t, s, admin, defProjectID, second, "a.txt"); got != "alpha 2" {
			t.Errorf("round %d: a.txt at the last commit = %q", round, got)
		}
		walClose(t, s)
	}
}

// Garbage does not grow across crashes: a start removes temporary files
// and contents no commit names; a content a commit names must be there.
func TestPersistFilesGarbageAndDamage(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	admin := walAdmin(t, s)
	walOK(s.UploadFile(admin, "admin", "quick-start", "kept.txt", strings.NewReader("kept"))).must(t)
	walClose(t, s)
	blobs := filepath.Join(dir, blobDirName)
	// What a crash leaves: an upload's temporary file, a content stored
	// whose commit was never logged; and a file mockdomino did not write.
	for name, data := range map[string]string{
		blobTmpStart + "0123456789abcdef" + blobTmpEnd: "half an upload",
		sha("orphan"): "orphan",
		"notes.txt":   "someone's",
	} {
		if err := os.WriteFile(filepath.Join(blobs, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s = walOpen(t, dir)
	walClose(t, s)
	entries, _ := os.ReadDir(blobs)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != strings.Join([]string{sha("kept"), "notes.txt"}, " ") {
		t.Errorf("blobs/ after a start holds %v, want the named content and the file mockdomino did not write", names)
	}
	// A named content missing: the start stops, naming it.
	if err := os.Remove(filepath.Join(blobs, sha("kept"))); err != nil {
		t.Fatal(err)
	}
	_, err := Open(walConfig(t), dir)
	wantErrContains(t, "a named content missing", err, sha("kept"), "kept.txt", "restore the directory")
}

// Fixtures' files are written to a new state directory; a reset removes
// the contents of uploads from it.
func TestPersistFixtureFilesAndReset(t *testing.T) {
	fx, err := fixtures.Parse([]byte(filesFixturesJSON), "files fixtures")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := walConfig(t)
	cfg.Fixtures = fx
	s, err := Open(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	admin := walAdmin(t, s)
	head := s.HeadCommit(defProjectID)
	if got := readAt(t, s, admin, defProjectID, head, "README.md"); got != "# hello\n" {
		t.Errorf("README.md = %q", got)
	}
	walOK(s.UploadFile(admin, "admin", "quick-start", "up.txt", strings.NewReader("uploaded"))).must(t)
	if _, err := os.Stat(filepath.Join(dir, blobDirName, sha("uploaded"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, blobDirName, sha("uploaded"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a reset the upload's content is still there: %v", err)
	}
	walClose(t, s)
	s, err = Open(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer walClose(t, s)
	if got := readAt(t, s, admin, defProjectID, head, "data/raw.bin"); got != "\x00\x01\x02\xff" {
		t.Errorf("after a restart data/raw.bin = %q", got)
	}
}

// Uploads, reads and resets at once: the race detector watches the one
// lock; every upload that succeeded is readable at its commit.
func TestFilesConcurrently(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				body := strings.Repeat(string(rune('a'+i)), 1000+j)
				f, err := s.UploadFile(admin, "admin", "quick-start", "w/"+string(rune('a'+i)), strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				r, err := s.OpenFile(admin, defProjectID, f.CommitID, f.Path)
				if err != nil {
					t.Error(err)
					return
				}
				got, _ := io.ReadAll(r)
				if string(got) != body {
					t.Errorf("read back %d bytes, want %d", len(got), len(body))
				}
				s.ListFiles(admin, "admin", "quick-start", f.CommitID, "w")
			}
		})
	}
	wg.Wait()
	if n := len(must(s.Commits(admin, defProjectID)).ok(t)); n != 160 {
		t.Errorf("%d commits, want 160", n)
	}
}

// A fork holds its source's newest files in one commit of its own; the
// source keeps its history, and both survive a restart.
func TestForkCopiesTheNewestFiles(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	admin := walAdmin(t, s)
	for _, f := range [][2]string{{"a.txt", "old"}, {"data/b.csv", "1,2"}, {"a.txt", "new"}} {
		walOK(s.UploadFile(admin, "admin", "quick-start", f[0], strings.NewReader(f[1]))).must(t)
	}
	fork := walOK(s.ForkProject(admin, defProjectID, ForkInput{Name: "qs-fork"})).must(t)
	// An empty project forks into an empty one.
	empty := walOK(s.CreateProject(admin, ProjectInput{Name: "empty"})).must(t)
	emptyFork := walOK(s.ForkProject(admin, empty.ID, ForkInput{Name: "empty-fork"})).must(t)
	before := walJSON(t, s)
	walClose(t, s)
	s = walOpen(t, dir)
	if walJSON(t, s) != before {
		t.Fatal("the state differs after a restart")
	}
	commits := must(s.Commits(admin, fork.ID)).ok(t)
	if len(commits) != 1 || commits[0].Name != "Fork of admin/quick-start" {
		t.Fatalf("fork's commits %+v", commits)
	}
	for path, want := range map[string]string{"a.txt": "new", "data/b.csv": "1,2"} {
		if got := readAt(t, s, admin, fork.ID, commits[0].ID, path); got != want {
			t.Errorf("fork's %s = %q, want %q", path, got, want)
		}
	}
	if n := len(must(s.Commits(admin, defProjectID)).ok(t)); n != 3 {
		t.Errorf("the source has %d commits, want 3", n)
	}
	if n := len(must(s.Commits(admin, emptyFork.ID)).ok(t)); n != 0 {
		t.Errorf("an empty project's fork has %d commits", n)
	}
	walClose(t, s)
}
