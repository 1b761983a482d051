package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Files and commits of a project: what python-domino's files_upload,
// files_list, blobs_get, blobs_get_v2, files_download and commits_list
// reach.
//
// A project's files are a chain of commits, oldest first. Each commit holds
// only the files it added or replaced (an upload: one) and points to its
// parent, so every earlier commit still reads as it was, and a commit costs
// its own files, not a copy of the tree. The files at the last commit (the
// head) are kept whole as well, for the reads and checks that concern it.
// Contents are stored once each by their SHA-256 (blobs.go); a file's key,
// as the API shows it, is the first 40 hex characters of that hash.

// Defaults of the file limits (Limits).
const (
	DefaultMaxFileBytes       = 1 << 30   // one upload
	DefaultMaxFileMemoryBytes = 512 << 20 // every content held in memory, without --state
	DefaultMaxCommits         = 100_000   // one project's commits
)

const blobKeyLength = 40

// fileState is every project's files; a project with no commit has none.
type fileState struct {
	repos   map[string]*fileTree // by project id
	commits map[string]*commit   // every commit, by id: unique across projects
}

func newFileState() fileState {
	return fileState{repos: map[string]*fileTree{}, commits: map[string]*commit{}}
}

type fileTree struct {
	commits []*commit             // oldest first
	head    map[string]*fileEntry // the files at the last commit, by path
	folders map[string]int        // the folders at the last commit: how many files each holds
	keys    map[string]*fileEntry // by blob key: a file of any commit with that content
}

type commit struct {
	id, projectID string
	parent        *commit
	author        *user
	time          time.Time
	message       string
	files         []*fileEntry // what it added or replaced, by path
}

type fileEntry struct {
	path, sha256 string
	size         int64
	commit       *commit // the commit that wrote it: its time is the file's lastModified
}

func (e *fileEntry) key() string { return e.sha256[:blobKeyLength] }

// tree is the project's files, made empty if it has none yet.
func (fs *fileState) tree(projectID string) *fileTree {
	t := fs.repos[projectID]
	if t == nil {
		t = &fileTree{head: map[string]*fileEntry{}, folders: map[string]int{}, keys: map[string]*fileEntry{}}
		fs.repos[projectID] = t
	}
	return t
}

// headCopy is a copy of the files at a project's last commit, by path,
// for a commit of another project: contents are kept by hash, so nothing
// is copied but the entries.
func (fs *fileState) headCopy(projectID string) []*fileEntry {
	t := fs.repos[projectID]
	if t == nil {
		return nil
	}
	files := make([]*fileEntry, 0, len(t.head))
	for _, e := range t.head {
		files = append(files, &fileEntry{path: e.path, sha256: e.sha256, size: e.size})
	}
	slices.SortFunc(files, func(a, b *fileEntry) int { return strings.Compare(a.path, b.path) })
	return files
}

// add appends a commit to its project's files.
func (fs *fileState) add(cm *commit) {
	t := fs.tree(cm.projectID)
	for _, e := range cm.files {
		t.addFile(e)
	}
	t.commits = append(t.commits, cm)
	fs.commits[cm.id] = cm
}

// addFile writes a file at the head.
func (t *fileTree) addFile(e *fileEntry) {
	if _, had := t.head[e.path]; !had {
		for i := range len(e.path) {
			if e.path[i] == '/' {
				t.folders[e.path[:i]]++
			}
		}
	}
	t.head[e.path] = e
	t.keys[e.key()] = e
}

// headID is the id of the project's last commit, or "".
func (t *fileTree) headID() string {
	if t == nil || len(t.commits) == 0 {
		return ""
	}
	return t.commits[len(t.commits)-1].id
}

// place checks that a file may be written at path at the head.
func (t *fileTree) place(field, path string) error {
	if t == nil {
		return nil
	}
	isFile := func(p string) bool { return t.head[p] != nil }
	isFolder := func(p string) bool { return t.folders[p] > 0 }
	return invalid(fixtures.CheckFilePlace(field, path, isFile, isFolder))
}

// isHead says whether cm is its project's last commit.
func (fs *fileState) isHead(cm *commit) bool {
	t := fs.repos[cm.projectID]
	return t != nil && len(t.commits) > 0 && t.commits[len(t.commits)-1] == cm
}

// lookup is the file at path as of cm, or nil.
func (fs *fileState) lookup(cm *commit, path string) *fileEntry {
	if fs.isHead(cm) {
		return fs.repos[cm.projectID].head[path]
	}
	for c := cm; c != nil; c = c.parent {
		for _, e := range c.files {
			if e.path == path {
				return e
			}
		}
	}
	return nil
}

// list is the files under folder ("" for all) as of cm, by path. A
// folder that names a file lists that file.
func (fs *fileState) list(cm *commit, folder string) []*fileEntry {
	var out []*fileEntry
	under := func(p string) bool {
		return folder == "" || p == folder || strings.HasPrefix(p, folder) && p[len(folder)] == '/'
	}
	if fs.isHead(cm) {
		for p, e := range fs.repos[cm.projectID].head {
			if under(p) {
				out = append(out, e)
			}
		}
	} else {
		seen := map[string]bool{}
		for c := cm; c != nil; c = c.parent {
			for _, e := range c.files {
				if !seen[e.path] {
					seen[e.path] = true
					if under(e.path) {
						out = append(out, e)
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// namedBlobs is the hash of every content a commit names.
func (fs *fileState) namedBlobs() map[string]bool {
	named := map[string]bool{}
	for _, cm := range fs.commits {
		for _, e := range cm.files {
			named[e.sha256] = true
		}
	}
	return named
}

// newCommitID draws 40 lower-case hex characters, the length of a git
// commit id, that no commit has; the caller holds the write lock.
func (s *Store) newCommitID() string {
	for {
		if id := hex.EncodeToString(s.cfg.IDs.read(20)); s.st.files.commits[id] == nil {
			return id
		}
	}
}

// Commit is a commit as GET /v1/projects/{owner}/{name}/commits lists it:
// the v4 spec's ProjectCommitDeprecated. name is the commit's message.
type Commit struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	CommitTime int64  `json:"commitTime"` // milliseconds since the epoch
}

func (cm *commit) view() Commit {
	return Commit{ID: cm.id, Name: cm.message, CommitTime: cm.time.UnixMilli()}
}

// ProjectFile is a file of a commit as files_list lists it (the v4 spec's
// ProjectFileDeprecated, and url, which python-domino's README reads).
type ProjectFile struct {
	Path         string `json:"path"`
	Key          string `json:"key"`
	Size         int64  `json:"size"`
	LastModified int64  `json:"lastModified"` // milliseconds since the epoch
	URL          string `json:"url"`
	CommitID     string `json:"-"` // the commit the file was read at (an upload: the new one)
}

func (s *Store) fileView(p *project, e *fileEntry, at *commit) ProjectFile {
	return ProjectFile{Path: e.path, Key: e.key(), Size: e.size, LastModified: e.commit.time.UnixMilli(),
		URL:      s.ExternalURL() + "/v1/projects/" + url.PathEscape(p.owner.userName) + "/" + url.PathEscape(p.name) + "/blobs/" + e.key(),
		CommitID: at.id}
}

// FileContent is a file's content, to be read once and closed.
type FileContent struct {
	io.ReadCloser
	Path string // as the project holds it, without a leading "/"
	Size int64
}

// ---- who may do what ----

// canWriteFiles: the project's owner, an administrator, and collaborators
// who may change the project (Contributor, Owner) may upload (inferred: the
// roles that may start jobs).
func (p *project) canWriteFiles(c Caller) bool { return p.canStartJobs(c) }

// projectNamed is the project of owner/name that c may read.
func (st *state) projectNamed(c Caller, owner, name string) (*project, error) {
	p := st.projectByOwnerAndName(owner, name)
	if p == nil {
		return nil, errorf(KindNotFound, "Project %s/%s not found", clip(owner), clip(name))
	}
	if !p.canRead(c) {
		return nil, errorf(KindForbidden, "Forbidden: %s may not access project %s/%s", c.UserName, p.owner.userName, p.name)
	}
	return p, nil
}

// commitOf is the commit id of project p, or a 404.
func (st *state) commitOf(p *project, id string) (*commit, error) {
	cm := st.files.commits[id]
	if cm == nil || cm.projectID != p.id {
		return nil, errorf(KindNotFound, "Commit %s not found in project %s/%s", clip(id), p.owner.userName, p.name)
	}
	return cm, nil
}

// uploadTarget is the project c may upload path to, and checks that it may
// take one more commit and a file there.
func (s *Store) uploadTarget(c Caller, owner, name, path string) (*project, error) {
	p, err := s.st.projectNamed(c, owner, name)
	if err != nil {
		return nil, err
	}
	if !p.canWriteFiles(c) {
		return nil, errorf(KindForbidden, "Forbidden: %s may not change the files of project %s/%s", c.UserName, p.owner.userName, p.name)
	}
	t := s.st.files.repos[p.id]
	if t != nil && len(t.commits) >= s.cfg.Limits.CommitsPerProject {
		return nil, errorf(KindInvalid, "project %s/%s already has %d commits, the most one project may have (--max-commits)", p.owner.userName, p.name, len(t.commits))
	}
	if err := t.place("path", path); err != nil {
		return nil, err
	}
	return p, s.writable()
}

// ---- the store's file routes ----

// UploadFile writes body to path in the project owner/name as a new commit
// (python-domino's files_upload). The content streams from body to its
// store as it arrives; the project's state is checked before it is read and
// again, under the lock, before it is committed. A path is cleaned as
// fixtures.CleanFilePath says.
func (s *Store) UploadFile(c Caller, owner, name, path string, body io.Reader) (ProjectFile, error) {
	path, err := fixtures.CleanFilePath("path", path)
	if err != nil {
		return ProjectFile{}, invalid(err)
	}
	s.mu.RLock()
	_, err = s.uploadTarget(c, owner, name, path)
	s.mu.RUnlock()
	if err != nil {
		return ProjectFile{}, err
	}
	in, err := s.receiveBlob(body, nil)
	if err != nil {
		return ProjectFile{}, err
	}
	defer s.discardBlob(in) // after the unlock below; nothing once stored
	s.mu.Lock()
	defer s.mu.Unlock()
	// The project, the caller's role or the tree may have changed while
	// the content arrived.
	p, err := s.uploadTarget(c, owner, name, path)
	if err != nil {
		return ProjectFile{}, err
	}
	author := s.st.users[c.ID]
	if author == nil {
		return ProjectFile{}, errCallerGone
	}
	if err := s.storeBlob(in); err != nil {
		return ProjectFile{}, err
	}
	cm := s.newCommit(p, author, "Upload "+path, []*fileEntry{{path: path, sha256: in.sha, size: in.size}})
	if err := s.commit(change{creates: true, commits: []*commit{cm}}); err != nil {
		return ProjectFile{}, err
	}
	return s.fileView(p, cm.files[0], cm), nil
}

// newCommit adds a commit writing files, whose contents are stored and
// whose places were checked, on top of project p's files. The caller holds
// the write lock and logs the change (change.commits).
func (s *Store) newCommit(p *project, author *user, message string, files []*fileEntry) *commit {
	cm := &commit{id: s.newCommitID(), projectID: p.id, author: author, time: s.cfg.Clock.Now(), message: message}
	if t := s.st.files.repos[p.id]; t != nil && len(t.commits) > 0 {
		cm.parent = t.commits[len(t.commits)-1]
	}
	for _, e := range files {
		e.commit = cm
	}
	cm.files = files
	s.st.files.add(cm)
	return cm
}

// ProjectCommits lists the commits of project owner/name, newest first
// (python-domino's commits_list; files_download reads the first as the
// latest).
func (s *Store) ProjectCommits(c Caller, owner, name string) ([]Commit, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.projectNamed(c, owner, name)
	if err != nil {
		return nil, err
	}
	return s.st.files.views(p.id), nil
}

// Commits lists the commits of a project c may read, newest first.
func (s *Store) Commits(c Caller, projectID string) ([]Commit, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, err := s.st.readableProject(c, projectID); err != nil {
		return nil, err
	}
	return s.st.files.views(projectID), nil
}

func (fs *fileState) views(projectID string) []Commit {
	out := []Commit{}
	if t := fs.repos[projectID]; t != nil {
		for i := len(t.commits) - 1; i >= 0; i-- {
			out = append(out, t.commits[i].view())
		}
	}
	return out
}

// CommitExists says whether the project has a commit of that id.
func (s *Store) CommitExists(projectID, commitID string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	cm := s.st.files.commits[commitID]
	return cm != nil && cm.projectID == projectID
}

// HeadCommit is the id of the project's last commit, or "" if it has none.
func (s *Store) HeadCommit(projectID string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.files.repos[projectID].headID()
}

// folderPath cleans the folder files_list names: "" or "/" is the
// project's root; one leading and one trailing "/" are dropped.
func folderPath(p string) (string, error) {
	f := strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	if f == "" {
		return "", nil
	}
	return fixtures.CleanFilePath("path", f)
}

// ListFiles lists the files under folder at a commit of project owner/name
// (python-domino's files_list): every file below it, at any depth, by path.
// A folder that names neither a file nor a folder there is a 404.
func (s *Store) ListFiles(c Caller, owner, name, commitID, folder string) ([]ProjectFile, error) {
	folder, err := folderPath(folder)
	if err != nil {
		return nil, invalid(err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.projectNamed(c, owner, name)
	if err != nil {
		return nil, err
	}
	cm, err := s.st.commitOf(p, commitID)
	if err != nil {
		return nil, err
	}
	entries := s.st.files.list(cm, folder)
	if folder != "" && len(entries) == 0 {
		return nil, errorf(KindNotFound, "%s is neither a file nor a folder at commit %s", clip(folder), cm.id)
	}
	out := make([]ProjectFile, 0, len(entries))
	for _, e := range entries {
		out = append(out, s.fileView(p, e, cm))
	}
	return out, nil
}

// OpenFile opens the file at path as of a commit of a project c may read
// (python-domino's blobs_get_v2 and files_download).
func (s *Store) OpenFile(c Caller, projectID, commitID, path string) (*FileContent, error) {
	path, err := fixtures.CleanFilePath("path", path)
	if err != nil {
		return nil, invalid(err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.readableProject(c, projectID)
	if err != nil {
		return nil, err
	}
	cm, err := s.st.commitOf(p, commitID)
	if err != nil {
		return nil, err
	}
	e := s.st.files.lookup(cm, path)
	if e == nil {
		return nil, errorf(KindNotFound, "File %s not found at commit %s", clip(path), cm.id)
	}
	return s.openEntry(e)
}

// OpenBlob opens a content of project owner/name by its key (python-
// domino's deprecated blobs_get): a key of a file of any of its commits.
func (s *Store) OpenBlob(c Caller, owner, name, key string) (*FileContent, error) {
	if len(key) != blobKeyLength || !isLowerHex(key) {
		return nil, errorf(KindInvalid, "key %q is not a blob key: 40 lower-case hex characters, as files_list gives them", clip(key))
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.projectNamed(c, owner, name)
	if err != nil {
		return nil, err
	}
	var e *fileEntry
	if t := s.st.files.repos[p.id]; t != nil {
		e = t.keys[key]
	}
	if e == nil {
		return nil, errorf(KindNotFound, "Blob %s not found in project %s/%s", key, p.owner.userName, p.name)
	}
	return s.openEntry(e)
}

// openEntry opens a file's content; the caller holds the read lock.
func (s *Store) openEntry(e *fileEntry) (*FileContent, error) {
	r, err := s.openBlob(e.sha256)
	if err != nil {
		return nil, err
	}
	return &FileContent{ReadCloser: r, Path: e.path, Size: e.size}, nil
}

// ---- fixtures ----

// addFixtureFiles makes the first commit of a fixtures project that
// declares files. Its id is derived from the project and its contents, so it is the
// same at every start and reset.
func (st *state) addFixtureFiles(fp fixtures.Project, now time.Time) {
	if len(fp.Files) == 0 {
		return
	}
	h := sha256.New()
	fmt.Fprintf(h, "mockdomino fixtures commit\x00%s", fp.ID)
	cm := &commit{projectID: fp.ID, author: st.names[strings.ToLower(fp.Owner)], time: now, message: "Initial commit"}
	for _, f := range fp.Files {
		data, _ := f.Bytes() // checked with the fixtures
		path, _ := fixtures.CleanFilePath("path", f.Path)
		sum := sha256.Sum256(data)
		e := &fileEntry{path: path, sha256: hex.EncodeToString(sum[:]), size: int64(len(data)), commit: cm}
		fmt.Fprintf(h, "\x00%s\x00%s", e.path, e.sha256)
		cm.files = append(cm.files, e)
	}
	sort.Slice(cm.files, func(i, j int) bool { return cm.files[i].path < cm.files[j].path })
	cm.id = hex.EncodeToString(h.Sum(nil))[:40]
	st.files.add(cm)
}

// putFixtureBlobs stores the fixtures' file contents; the caller holds the
// write lock or is building the store.
func (s *Store) putFixtureBlobs() error {
	for _, fp := range s.cfg.Fixtures.Projects {
		for _, f := range fp.Files {
			data, _ := f.Bytes()
			if _, err := s.putBlob(data); err != nil {
				return s.unavailableFiles(err)
			}
		}
	}
	return nil
}

// ---- state documents ----

// CommitRecord is a commit: the files it added or replaced, by hash.
type CommitRecord struct {
	ID        string       `json:"id"`
	ProjectID string       `json:"projectId"`
	ParentID  string       `json:"parentId,omitempty"`
	AuthorID  string       `json:"authorId"`
	Time      time.Time    `json:"time"`
	Message   string       `json:"message"`
	Files     []FileRecord `json:"files"`
}

// FileRecord is a file a commit wrote: its content by SHA-256 and size.
type FileRecord struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

func commitKey(v CommitRecord) string { return v.ID }

func (cm *commit) record() CommitRecord {
	r := CommitRecord{ID: cm.id, ProjectID: cm.projectID, AuthorID: cm.author.id, Time: cm.time,
		Message: cm.message, Files: []FileRecord{}}
	if cm.parent != nil {
		r.ParentID = cm.parent.id
	}
	for _, e := range cm.files {
		r.Files = append(r.Files, FileRecord{Path: e.path, SHA256: e.sha256, Size: e.size})
	}
	return r
}

// commitRecords lists the commits of the projects the state holds, each
// project's oldest first.
func (st *state) commitRecords() []CommitRecord {
	var out []CommitRecord
	for _, p := range st.projectOrder {
		if t := st.files.repos[p.id]; t != nil {
			for _, cm := range t.commits {
				out = append(out, cm.record())
			}
		}
	}
	return out
}

// loadCommits adds a state document's commits, checking each as an upload
// is checked: a project's commits follow one another from its first, and
// their files are valid paths that fit the tree.
func (st *state) loadCommits(recs []CommitRecord) error {
	for i, r := range recs {
		at := fmt.Sprintf("commits[%d]", i)
		if len(r.ID) != 40 || !isLowerHex(r.ID) {
			return fmt.Errorf("%s.id %q must be 40 lower-case hex characters", at, clip(r.ID))
		}
		if st.files.commits[r.ID] != nil {
			return fmt.Errorf("%s.id %s is already the id of another commit", at, r.ID)
		}
		p := st.projects[r.ProjectID]
		if p == nil {
			return fmt.Errorf("%s.projectId %q is not a project", at, clip(r.ProjectID))
		}
		t := st.files.repos[p.id]
		if head := t.headID(); r.ParentID != head {
			if head == "" {
				return fmt.Errorf("%s.parentId %q: it is the first commit of project %s, so it has none", at, clip(r.ParentID), p.name)
			}
			return fmt.Errorf("%s.parentId %q is not %s, the commit of project %s before it", at, clip(r.ParentID), head, p.name)
		}
		author := st.users[r.AuthorID]
		if author == nil {
			return fmt.Errorf("%s.authorId %q is not a user", at, clip(r.AuthorID))
		}
		cm := &commit{id: r.ID, projectID: p.id, author: author, time: r.Time, message: r.Message}
		if t != nil {
			cm.parent = t.commits[len(t.commits)-1]
		}
		paths := map[string]int{}
		for j, f := range r.Files {
			fat := fmt.Sprintf("%s.files[%d]", at, j)
			if clean, err := fixtures.CleanFilePath(fat+".path", f.Path); err != nil {
				return err
			} else if clean != f.Path {
				return fmt.Errorf("%s.path %q must be written without its leading /", fat, clip(f.Path))
			}
			if prev, ok := paths[f.Path]; ok {
				return fmt.Errorf("%s.path %q is already files[%d] of the commit", fat, clip(f.Path), prev)
			}
			paths[f.Path] = j
			if !isSHA256(f.SHA256) {
				return fmt.Errorf("%s.sha256 %q must be 64 lower-case hex characters", fat, clip(f.SHA256))
			}
			if f.Size < 0 {
				return fmt.Errorf("%s.size %d must not be negative", fat, f.Size)
			}
			cm.files = append(cm.files, &fileEntry{path: f.Path, sha256: f.SHA256, size: f.Size, commit: cm})
		}
		// Each file must fit the tree as of its commit, with the files
		// before it in the same commit.
		t = st.files.tree(p.id)
		for j, e := range cm.files {
			if err := t.place(fmt.Sprintf("%s.files[%d].path", at, j), e.path); err != nil {
				return err
			}
			t.addFile(e)
		}
		t.commits = append(t.commits, cm)
		st.files.commits[cm.id] = cm
	}
	return nil
}

// missingBlob names the first content a commit of st names that the store
// does not hold (with that size), or is "".
func (s *Store) missingBlob(st *state) string {
	if what := s.missingDatasetBlob(st); what != "" {
		return what
	}
	for _, p := range st.projectOrder {
		t := st.files.repos[p.id]
		if t == nil {
			continue
		}
		for _, cm := range t.commits {
			for _, e := range cm.files {
				if !s.blobs.has(e.sha256, e.size) {
					return fmt.Sprintf("commit %s of project %s writes %s with content %s (%d bytes)", cm.id, p.name, clip(e.path), e.sha256, e.size)
				}
			}
		}
	}
	return ""
}

// checkBlobs refuses a state document whose commits name contents the
// store does not hold: a document names contents by hash only, so it can
// bring back this mock's files (an export imported again) but no others.
// The caller holds the write lock.
func (s *Store) checkBlobs(st *state) error {
	if what := s.missingBlob(st); what != "" {
		return errorf(KindInvalid, "state document: %s, a content this mock does not hold (a state document names file contents by hash; only contents uploaded to this mock, or in its fixtures, can be named)", what)
	}
	return nil
}

// sweepAfterReplace removes the contents a reset or an import left
// unnamed, once the new state is durable. A failure leaves them until the
// next start, which removes them: the change itself is acknowledged.
func (s *Store) sweepAfterReplace() { s.sweepBlobs() }

// openFiles puts the file contents in the state directory: the fixtures'
// when the state is new; then every content the loaded state names must be
// there, and what it does not name (an upload a crash cut short) is removed.
func (s *Store) openFiles(d *Dir, fresh bool) error {
	b, err := openDirBlobs(d)
	if err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	s.blobs = b
	if fresh {
		if err := s.putFixtureBlobs(); err != nil {
			return fmt.Errorf("state directory: %w", err)
		}
	}
	if what := s.missingBlob(s.st); what != "" {
		return fmt.Errorf("%s: %s, but that file is missing from %s or has another size, so the file is lost (%s)",
			d.file(snapshotFile), what, b.dir, restoreAdvice)
	}
	if err := s.sweepBlobs(); err != nil {
		return fmt.Errorf("state directory: removing file contents no commit names: %w", err)
	}
	return nil
}
