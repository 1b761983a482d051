package store

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Datasets: what python-domino's datasets_* methods and the /v4/datasetrw
// routes reach. Every rule about them is here, once.
//
//   - A dataset belongs to a live project; its name is unique in the project.
//   - Who may do what is a level (read < write < own): administrators and
//     the project's owner own every dataset of the project; a collaborator
//     with the Owner role owns, a Contributor writes, any other collaborator
//     reads; a grant (DatasetRwReader, DatasetRwEditor, DatasetRwOwner) raises
//     one user's level. The dataset's creator is granted DatasetRwOwner.
//   - A dataset's files are a list of snapshots, oldest first; the newest is
//     the read-write one. Creating a dataset makes an empty first snapshot;
//     each upload session that is ended makes one more, with the files of
//     the one before and those uploaded. A snapshot never changes.
//   - An upload session (start, test, chunk, end, cancel) holds the chunks
//     it received in memory until it ends; chunks may come in any order, and
//     again (the last one of a number counts). A session that is never
//     ended leaves no snapshot, and no session outlives a restart.
//   - Contents are the blob store's (blobs.go): each chunk is a content,
//     stored once by its SHA-256, and a file is the list of its chunks, so
//     ending a session copies nothing.

// Defaults of the dataset limits (Limits).
const (
	// DefaultMaxDatasetsPerProject: "Each project can hold up to 5
	// datasets" (python-domino's documentation of datasets_list).
	DefaultMaxDatasetsPerProject = 5
	maxSnapshotsPerDataset       = 10_000 // inferred: Domino's limit is a setting
	maxOpenUploads               = 1_000  // upload sessions open at once, in all
	maxChunksPerFile             = 100_000
	maxDatasetNameLength         = 100
	maxDatasetDescription        = 64 << 10
	maxDownloadTasks             = 1_000 // kept, the oldest dropped first
)

// Dataset permission levels.
const (
	dsNone = iota
	dsRead
	dsWrite
	dsOwn
)

// DatasetRoles are the grant roles, weakest first.
var DatasetRoles = []string{"DatasetRwReader", "DatasetRwEditor", "DatasetRwOwner"}

var datasetRoleLevel = map[string]int{"DatasetRwReader": dsRead, "DatasetRwEditor": dsWrite, "DatasetRwOwner": dsOwn}

// UploadCollisions are the fileCollisionSetting values; the first is the default.
var UploadCollisions = []string{"Ignore", "Overwrite", "Rename"}

// DatasetStorageID is the one dataset storage the mock has (the spec's
// snapshots name one).
const DatasetStorageID = "000000000000000000000001"

type datasetState struct {
	byID      map[string]*dataset
	order     []*dataset // creation order
	snapshots map[string]*dsSnapshot
	uploads   map[string]*uploadSession // by key
	tasks     map[string]*downloadTask  // by id and by key
	taskOrder []*downloadTask
}

func newDatasetState() datasetState {
	return datasetState{byID: map[string]*dataset{}, snapshots: map[string]*dsSnapshot{},
		uploads: map[string]*uploadSession{}, tasks: map[string]*downloadTask{}}
}

type dataset struct {
	id, name, description string
	project               *project
	author                *user
	created               time.Time
	snapshots             []*dsSnapshot // oldest first; the last is the read-write one
	grants                []dsGrant
	shared                []*project // projects it is shared into, in the order they were added
}

type dsGrant struct {
	user *user
	role string
}

type dsSnapshot struct {
	id      string
	ds      *dataset
	version int
	author  *user
	created time.Time
	files   map[string]*dsFile // by path
	folders map[string]int     // how many files each folder holds
	size    int64
}

type dsFile struct {
	path     string
	size     int64
	modified time.Time
	chunks   []blobRef
}

type blobRef struct {
	sha  string
	size int64
}

type uploadSession struct {
	key       string
	ds        *dataset
	collision string
	target    string // targetRelativePath given at the start
	files     map[string]*upFile
	// held: for the test route, the checksums of the chunks received, by
	// identifier and number (the route names no path).
	held map[string]map[int]string
}

type upFile struct {
	path, identifier string
	total            int
	chunks           map[int]upChunk
}

type upChunk struct {
	blobRef
	md5 string
}

type downloadTask struct {
	id, key string
	snap    *dsSnapshot
	paths   []string
}

func (d *dataset) rw() *dsSnapshot { return d.snapshots[len(d.snapshots)-1] }

// level is what c may do with d.
func (d *dataset) level(c Caller) int {
	p := d.project
	if c.IsAdmin || p.owner.id == c.ID {
		return dsOwn
	}
	l := dsNone
	switch p.role(c) {
	case "":
	case "Owner":
		l = dsOwn
	case "Contributor":
		l = dsWrite
	default:
		l = dsRead
	}
	for _, g := range d.grants {
		if g.user.id == c.ID {
			l = max(l, datasetRoleLevel[g.role])
		}
	}
	return l
}

var levelWords = map[int]string{dsRead: "read", dsWrite: "change", dsOwn: "manage"}

// dataset is a dataset of a live project that c may use at level need.
func (st *state) dataset(c Caller, id string, need int) (*dataset, error) {
	d := st.datasets.byID[id]
	if d == nil || d.project.archived {
		return nil, errorf(KindNotFound, "Dataset %s not found", clip(id))
	}
	if d.level(c) < need {
		return nil, errorf(KindForbidden, "Forbidden: %s may not %s dataset %s", c.UserName, levelWords[need], d.id)
	}
	return d, nil
}

// snapshot is a snapshot of a dataset c may read.
func (st *state) dsSnapshot(c Caller, id string) (*dsSnapshot, error) {
	sn := st.datasets.snapshots[id]
	if sn == nil || sn.ds.project.archived {
		return nil, errorf(KindNotFound, "Snapshot %s not found", clip(id))
	}
	if _, err := st.dataset(c, sn.ds.id, dsRead); err != nil {
		return nil, err
	}
	return sn, nil
}

func (st *state) projectDatasets(p *project) []*dataset {
	var out []*dataset
	for _, d := range st.datasets.order {
		if d.project == p {
			out = append(out, d)
		}
	}
	return out
}

// checkDatasetName: 1–100 letters, digits, '-', '_' and '.', starting with
// a letter or a digit (inferred: a dataset is a folder in executions).
func checkDatasetName(field, name string) error {
	if name == "" {
		return errorf(KindInvalid, "%s is required", field)
	}
	if len(name) > maxDatasetNameLength {
		return errorf(KindInvalid, "%s %q is longer than %d characters", field, clip(name), maxDatasetNameLength)
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || i > 0 && (r == '-' || r == '_' || r == '.')
		if !ok {
			return errorf(KindInvalid, "%s %q is invalid: letters, digits, '-', '_' and '.' only, starting with a letter or a digit", field, clip(name))
		}
	}
	return nil
}

func checkDatasetDescription(d string) error {
	if len(d) > maxDatasetDescription {
		return errorf(KindInvalid, "description is longer than %d bytes", maxDatasetDescription)
	}
	return nil
}

func (st *state) datasetNamed(p *project, name string) *dataset {
	for _, d := range st.datasets.order {
		if d.project == p && d.name == name {
			return d
		}
	}
	return nil
}

// ---- views ----

// Dataset is a dataset with what every route shows of it; the API picks
// each answer's fields (legacy, DatasetRwDto, DatasetRwViewDto, ...).
type Dataset struct {
	ID, Name, Description string
	ProjectID             string
	ProjectName           string
	ProjectOwner          string // user name
	AuthorID              string
	Created               time.Time
	SnapshotIDs           []string // oldest first
	ReadWriteSnapshotID   string
	Size                  int64 // of the read-write snapshot
	OwnerUsernames        []string
	SharedProjects        []ProjectRef
}

// ProjectRef names a project.
type ProjectRef struct{ ID, Name, Owner string }

func projectRef(p *project) ProjectRef {
	return ProjectRef{ID: p.id, Name: p.name, Owner: p.owner.userName}
}

func (d *dataset) view() Dataset {
	v := Dataset{ID: d.id, Name: d.name, Description: d.description, ProjectID: d.project.id,
		ProjectName: d.project.name, ProjectOwner: d.project.owner.userName, AuthorID: d.author.id,
		Created: d.created, ReadWriteSnapshotID: d.rw().id, Size: d.rw().size,
		SnapshotIDs: []string{}, OwnerUsernames: []string{}, SharedProjects: []ProjectRef{}}
	for _, sn := range d.snapshots {
		v.SnapshotIDs = append(v.SnapshotIDs, sn.id)
	}
	for _, g := range d.grants {
		if g.role == "DatasetRwOwner" {
			v.OwnerUsernames = append(v.OwnerUsernames, g.user.userName)
		}
	}
	for _, p := range d.shared {
		if !p.archived {
			v.SharedProjects = append(v.SharedProjects, projectRef(p))
		}
	}
	return v
}

// DatasetSnapshot is a snapshot of a dataset.
type DatasetSnapshot struct {
	ID, DatasetID      string
	DatasetDescription string
	Version            int
	AuthorID           string
	AuthorUsername     string
	Created            time.Time
	Size               int64
	IsReadWrite        bool
}

func (sn *dsSnapshot) view() DatasetSnapshot {
	return DatasetSnapshot{ID: sn.id, DatasetID: sn.ds.id, DatasetDescription: sn.ds.description, Version: sn.version,
		AuthorID: sn.author.id, AuthorUsername: sn.author.userName, Created: sn.created, Size: sn.size,
		IsReadWrite: sn.ds.rw() == sn}
}

// DatasetGrant is one user's grant on a dataset.
type DatasetGrant struct {
	TargetID, TargetName, Role string
}

// DatasetMount is a dataset shared into a project, as mounts list it.
type DatasetMount struct {
	Dataset  Dataset
	Snapshot DatasetSnapshot // the read-write one
	Versions int
}

// DatasetEntry is one row of a snapshot's folder: a file or a folder.
type DatasetEntry struct {
	Name, Path string
	IsDir      bool
	Size       int64     // a folder's: all it holds
	Modified   time.Time // a folder's: its newest file's
}

// ---- datasets ----

// DatasetInput is a new dataset.
type DatasetInput struct {
	Name, Description, ProjectID string
	Grants                       []GrantInput
}

// GrantInput is one grant asked for.
type GrantInput struct{ TargetID, Role string }

// grantsFrom checks grants: users, known roles, each user once.
func (st *state) grantsFrom(in []GrantInput) ([]dsGrant, error) {
	var out []dsGrant
	seen := map[string]bool{}
	for i, g := range in {
		at := fmt.Sprintf("grants[%d]", i)
		u := st.users[g.TargetID]
		if u == nil {
			return nil, errorf(KindInvalid, "%s.targetId %q is not a user", at, clip(g.TargetID))
		}
		if datasetRoleLevel[g.Role] == 0 {
			return nil, errorf(KindInvalid, "%s.targetRole %q is invalid: must be one of %s", at, clip(g.Role), strings.Join(DatasetRoles, ", "))
		}
		if seen[u.id] {
			return nil, errorf(KindInvalid, "%s.targetId %s is granted twice", at, u.id)
		}
		seen[u.id] = true
		out = append(out, dsGrant{user: u, role: g.Role})
	}
	return out, nil
}

// CreateDataset makes a dataset in a project whose datasets c may add to
// (its owner, a Contributor or Owner collaborator, an administrator), with
// an empty first snapshot; c is granted DatasetRwOwner.
func (s *Store) CreateDataset(c Caller, in DatasetInput) (Dataset, error) {
	if err := checkDatasetName("datasetName", in.Name); err != nil {
		return Dataset{}, err
	}
	if err := checkDatasetDescription(in.Description); err != nil {
		return Dataset{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.readableProject(c, in.ProjectID)
	if err != nil {
		return Dataset{}, err
	}
	if !p.canEdit(c) {
		return Dataset{}, errorf(KindForbidden, "Forbidden: %s may not add datasets to project %s", c.UserName, p.name)
	}
	if s.st.datasetNamed(p, in.Name) != nil {
		return Dataset{}, errorf(KindDuplicate, "A dataset with the name %s already exists in project %s/%s.", in.Name, p.owner.userName, p.name)
	}
	if n := len(s.st.projectDatasets(p)); n >= s.cfg.Limits.DatasetsPerProject {
		return Dataset{}, errorf(KindInvalid, "project %s/%s already has %d datasets, the most one project may have (--max-datasets)", p.owner.userName, p.name, n)
	}
	grants, err := s.st.grantsFrom(in.Grants)
	if err != nil {
		return Dataset{}, err
	}
	author := s.st.users[c.ID]
	if author == nil {
		return Dataset{}, errCallerGone
	}
	if err := s.writable(); err != nil {
		return Dataset{}, err
	}
	if !slices.ContainsFunc(grants, func(g dsGrant) bool { return g.user == author }) {
		grants = append([]dsGrant{{user: author, role: "DatasetRwOwner"}}, grants...)
	}
	now := s.cfg.Clock.Now().Truncate(time.Millisecond)
	d := &dataset{id: s.newObjectID(), name: in.Name, description: in.Description, project: p, author: author,
		created: now, grants: grants}
	s.st.addDataset(d)
	sn := &dsSnapshot{id: s.newObjectID(), ds: d, version: 0, author: author, created: now,
		files: map[string]*dsFile{}, folders: map[string]int{}}
	s.st.addDsSnapshot(sn)
	if err := s.commit(change{creates: true, datasets: []*dataset{d}, dsSnapshots: []*dsSnapshot{sn}}); err != nil {
		return Dataset{}, err
	}
	return d.view(), nil
}

func (st *state) addDataset(d *dataset) {
	st.datasets.byID[d.id] = d
	st.datasets.order = append(st.datasets.order, d)
}

func (st *state) addDsSnapshot(sn *dsSnapshot) {
	sn.ds.snapshots = append(sn.ds.snapshots, sn)
	st.datasets.snapshots[sn.id] = sn
}

// GetDataset is a dataset c may read.
func (s *Store) GetDataset(c Caller, id string) (Dataset, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, err := s.st.dataset(c, id, dsRead)
	if err != nil {
		return Dataset{}, err
	}
	return d.view(), nil
}

// DatasetByName is the dataset of that name in project owner/name.
func (s *Store) DatasetByName(c Caller, owner, projectName, name string) (Dataset, error) {
	if owner == "" || projectName == "" {
		return Dataset{}, errorf(KindInvalid, "projectOwner and projectName are required")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.projectNamed(c, owner, projectName)
	if err != nil {
		return Dataset{}, err
	}
	d := s.st.datasetNamed(p, name)
	if d == nil {
		return Dataset{}, errorf(KindNotFound, "Dataset %s not found in project %s/%s", clip(name), p.owner.userName, p.name)
	}
	if d.level(c) < dsRead {
		return Dataset{}, errorf(KindForbidden, "Forbidden: %s may not read dataset %s", c.UserName, d.id)
	}
	return d.view(), nil
}

// DatasetFilter selects datasets; empty lists select all.
type DatasetFilter struct {
	ProjectIDs, ExcludeProjectIDs, DatasetIDs []string
}

// Datasets lists the datasets c may read, in creation order.
func (s *Store) Datasets(c Caller, f DatasetFilter) []Dataset {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []Dataset{}
	for _, d := range s.st.datasets.order {
		if d.project.archived || d.level(c) < dsRead {
			continue
		}
		if len(f.ProjectIDs) > 0 && !slices.Contains(f.ProjectIDs, d.project.id) ||
			slices.Contains(f.ExcludeProjectIDs, d.project.id) ||
			len(f.DatasetIDs) > 0 && !slices.Contains(f.DatasetIDs, d.id) {
			continue
		}
		out = append(out, d.view())
	}
	return out
}

// DatasetUpdate changes a dataset's name or description; nil keeps it.
type DatasetUpdate struct{ Name, Description *string }

// UpdateDataset renames a dataset or changes its description (write level).
func (s *Store) UpdateDataset(c Caller, id string, in DatasetUpdate) (Dataset, error) {
	if in.Name != nil {
		if err := checkDatasetName("datasetName", *in.Name); err != nil {
			return Dataset{}, err
		}
	}
	if in.Description != nil {
		if err := checkDatasetDescription(*in.Description); err != nil {
			return Dataset{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.st.dataset(c, id, dsWrite)
	if err != nil {
		return Dataset{}, err
	}
	if in.Name != nil && *in.Name != d.name {
		if s.st.datasetNamed(d.project, *in.Name) != nil {
			return Dataset{}, errorf(KindDuplicate, "A dataset with the name %s already exists in project %s/%s.", *in.Name, d.project.owner.userName, d.project.name)
		}
	}
	if err := s.writable(); err != nil {
		return Dataset{}, err
	}
	if in.Name != nil {
		d.name = *in.Name
	}
	if in.Description != nil {
		d.description = *in.Description
	}
	return d.view(), s.commit(change{datasets: []*dataset{d}})
}

// DeleteDataset deletes a dataset, its snapshots and its upload sessions
// at once (own level); its name is free again.
func (s *Store) DeleteDataset(c Caller, id string) (Dataset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.st.dataset(c, id, dsOwn)
	if err != nil {
		return Dataset{}, err
	}
	if err := s.writable(); err != nil {
		return Dataset{}, err
	}
	v := d.view()
	held := d.blobs()
	for k, u := range s.st.datasets.uploads {
		if u.ds == d {
			held = append(held, u.blobs()...)
			delete(s.st.datasets.uploads, k)
		}
	}
	s.st.removeDataset(d)
	if err := s.commit(change{delDatasets: []string{d.id}}); err != nil {
		return Dataset{}, err
	}
	s.dropUnnamed(held)
	return v, nil
}

func (st *state) removeDataset(d *dataset) {
	delete(st.datasets.byID, d.id)
	st.datasets.order = slices.DeleteFunc(st.datasets.order, func(x *dataset) bool { return x == d })
	for _, sn := range d.snapshots {
		delete(st.datasets.snapshots, sn.id)
	}
	for k, t := range st.datasets.tasks {
		if t.snap.ds == d {
			delete(st.datasets.tasks, k)
		}
	}
	st.datasets.taskOrder = slices.DeleteFunc(st.datasets.taskOrder, func(t *downloadTask) bool { return t.snap.ds == d })
}

// blobs are the contents the dataset's snapshots name.
func (d *dataset) blobs() []string {
	var out []string
	for _, sn := range d.snapshots {
		for _, f := range sn.files {
			for _, ch := range f.chunks {
				out = append(out, ch.sha)
			}
		}
	}
	return out
}

// DatasetGrants lists a dataset's grants (read level).
func (s *Store) DatasetGrants(c Caller, id string) ([]DatasetGrant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, err := s.st.dataset(c, id, dsRead)
	if err != nil {
		return nil, err
	}
	return d.grantViews(), nil
}

func (d *dataset) grantViews() []DatasetGrant {
	out := []DatasetGrant{}
	for _, g := range d.grants {
		out = append(out, DatasetGrant{TargetID: g.user.id, TargetName: g.user.userName, Role: g.role})
	}
	return out
}

// SetDatasetGrants replaces a dataset's grants (own level).
func (s *Store) SetDatasetGrants(c Caller, id string, in []GrantInput) ([]DatasetGrant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.st.dataset(c, id, dsOwn)
	if err != nil {
		return nil, err
	}
	grants, err := s.st.grantsFrom(in)
	if err != nil {
		return nil, err
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	d.grants = grants
	return d.grantViews(), s.commit(change{datasets: []*dataset{d}})
}

// ShareDataset shares a dataset into another project, or takes it back
// (share false), and answers the datasets shared into that project. The
// caller may change the project and read the dataset.
func (s *Store) ShareDataset(c Caller, projectID, datasetID string, share bool) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.editableProject(c, projectID)
	if err != nil {
		return nil, err
	}
	d, err := s.st.dataset(c, datasetID, dsRead)
	if err != nil {
		return nil, err
	}
	if d.project == p {
		return nil, errorf(KindInvalid, "dataset %s belongs to project %s: it is not shared into it", d.id, p.name)
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	has := slices.Contains(d.shared, p)
	switch {
	case share && !has:
		d.shared = append(d.shared, p)
	case !share && has:
		d.shared = slices.DeleteFunc(d.shared, func(x *project) bool { return x == p })
	default:
		return s.st.sharedInto(p), nil
	}
	return s.st.sharedInto(p), s.commit(change{datasets: []*dataset{d}})
}

func (st *state) sharedInto(p *project) []string {
	out := []string{}
	for _, d := range st.datasets.order {
		if slices.Contains(d.shared, p) && !d.project.archived {
			out = append(out, d.id)
		}
	}
	return out
}

// SharedDatasetMounts lists the datasets shared into a project c may read,
// those c may read.
func (s *Store) SharedDatasetMounts(c Caller, projectID string) ([]DatasetMount, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.readableProject(c, projectID)
	if err != nil {
		return nil, err
	}
	out := []DatasetMount{}
	for _, d := range s.st.datasets.order {
		if slices.Contains(d.shared, p) && !d.project.archived && d.level(c) >= dsRead {
			out = append(out, DatasetMount{Dataset: d.view(), Snapshot: d.rw().view(), Versions: len(d.snapshots)})
		}
	}
	return out, nil
}

// ---- snapshots and their files ----

// DatasetSnapshots lists a dataset's snapshots, oldest first.
func (s *Store) DatasetSnapshots(c Caller, datasetID string) ([]DatasetSnapshot, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, err := s.st.dataset(c, datasetID, dsRead)
	if err != nil {
		return nil, err
	}
	out := make([]DatasetSnapshot, 0, len(d.snapshots))
	for _, sn := range d.snapshots {
		out = append(out, sn.view())
	}
	return out, nil
}

// GetDatasetSnapshot is a snapshot of a dataset c may read.
func (s *Store) GetDatasetSnapshot(c Caller, id string) (DatasetSnapshot, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sn, err := s.st.dsSnapshot(c, id)
	if err != nil {
		return DatasetSnapshot{}, err
	}
	return sn.view(), nil
}

// snapshotPath cleans a path query of the snapshot file routes: "/" is
// refused with "Invalid path input" and a path the snapshot lacks with
// "file <path> does not exist" (both observed); "" is the root where a
// folder is wanted.
func snapshotPath(p string, folderOK bool) (string, error) {
	if p == "/" || p == "" && !folderOK {
		return "", errorf(KindInvalid, "Invalid path input")
	}
	if p == "" {
		return "", nil
	}
	clean, err := fixtures.CleanFilePath("path", strings.TrimSuffix(p, "/"))
	if err != nil {
		return "", errorf(KindInvalid, "Invalid path input: %v", err)
	}
	return clean, nil
}

func noSuchFile(p string) error { return errorf(KindInvalid, "file %s does not exist", clip(p)) }

// DatasetFiles lists the files and folders directly in a folder of a
// snapshot ("" is its root), folders first, each by name; a path that names
// a file lists that file.
func (s *Store) DatasetFiles(c Caller, snapshotID, folder string) ([]DatasetEntry, error) {
	folder, err := snapshotPath(folder, true)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sn, err := s.st.dsSnapshot(c, snapshotID)
	if err != nil {
		return nil, err
	}
	if f := sn.files[folder]; f != nil {
		return []DatasetEntry{{Name: path.Base(f.path), Path: f.path, Size: f.size, Modified: f.modified}}, nil
	}
	if folder != "" && sn.folders[folder] == 0 {
		return nil, noSuchFile(folder)
	}
	prefix := ""
	if folder != "" {
		prefix = folder + "/"
	}
	dirs := map[string]*DatasetEntry{}
	var files []DatasetEntry
	for p, f := range sn.files {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		rest := p[len(prefix):]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			name := rest[:i]
			e := dirs[name]
			if e == nil {
				e = &DatasetEntry{Name: name, Path: prefix + name, IsDir: true}
				dirs[name] = e
			}
			e.Size += f.size
			if f.modified.After(e.Modified) {
				e.Modified = f.modified
			}
			continue
		}
		files = append(files, DatasetEntry{Name: rest, Path: p, Size: f.size, Modified: f.modified})
	}
	out := make([]DatasetEntry, 0, len(dirs)+len(files))
	for _, e := range dirs {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return append(out, files...), nil
}

// OpenDatasetFile opens a file of a snapshot c may read.
func (s *Store) OpenDatasetFile(c Caller, snapshotID, p string) (*FileContent, error) {
	p, err := snapshotPath(p, false)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sn, err := s.st.dsSnapshot(c, snapshotID)
	if err != nil {
		return nil, err
	}
	f := sn.files[p]
	if f == nil {
		if sn.folders[p] > 0 {
			return nil, errorf(KindInvalid, "%s is a folder, not a file", clip(p))
		}
		return nil, noSuchFile(p)
	}
	r, err := s.openChunks(f.chunks)
	if err != nil {
		return nil, err
	}
	return &FileContent{ReadCloser: r, Path: f.path, Size: f.size}, nil
}

// openChunks reads a file's chunks one after the other. The first is
// opened now, under the caller's read lock, so that a missing content is
// an error before any byte; the others as they are reached, each under
// the read lock (a dataset deleted meanwhile ends the read short).
func (s *Store) openChunks(chunks []blobRef) (io.ReadCloser, error) {
	r := &chunksReader{s: s, chunks: chunks}
	if len(chunks) > 0 {
		cur, err := s.openBlob(chunks[0].sha)
		if err != nil {
			return nil, err
		}
		r.cur, r.chunks = cur, chunks[1:]
	}
	return r, nil
}

type chunksReader struct {
	s      *Store
	chunks []blobRef
	cur    io.ReadCloser
}

func (r *chunksReader) Read(p []byte) (int, error) {
	for {
		if r.cur != nil {
			n, err := r.cur.Read(p)
			if err == io.EOF {
				r.cur.Close()
				r.cur, err = nil, nil
				if n == 0 {
					continue
				}
			}
			return n, err
		}
		if len(r.chunks) == 0 {
			return 0, io.EOF
		}
		r.s.mu.RLock()
		cur, err := r.s.openBlob(r.chunks[0].sha)
		r.s.mu.RUnlock()
		if err != nil {
			return 0, err
		}
		r.cur, r.chunks = cur, r.chunks[1:]
	}
}

func (r *chunksReader) Close() error {
	if r.cur != nil {
		return r.cur.Close()
	}
	return nil
}

// ---- download archives ----

// DownloadTask is an archive of a snapshot's files being made: the mock
// makes it at once.
type DownloadTask struct{ ID, Key, Status string }

// CreateDownloadTask starts an archive of the given paths of a snapshot
// (files or folders; none, or "", is the whole snapshot).
func (s *Store) CreateDownloadTask(c Caller, snapshotID string, paths []string) (DownloadTask, error) {
	clean := make([]string, 0, len(paths))
	for _, p := range paths {
		if p == "" {
			clean = clean[:0]
			paths = nil
			break
		}
		cp, err := snapshotPath(p, true)
		if err != nil {
			return DownloadTask{}, err
		}
		clean = append(clean, cp)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sn, err := s.st.dsSnapshot(c, snapshotID)
	if err != nil {
		return DownloadTask{}, err
	}
	for _, p := range clean {
		if sn.files[p] == nil && sn.folders[p] == 0 {
			return DownloadTask{}, noSuchFile(p)
		}
	}
	t := &downloadTask{id: s.cfg.IDs.UUID(), key: s.cfg.IDs.UUID(), snap: sn, paths: clean}
	ds := &s.st.datasets
	if len(ds.taskOrder) >= maxDownloadTasks {
		old := ds.taskOrder[0]
		delete(ds.tasks, "id:"+old.id)
		delete(ds.tasks, "key:"+old.key)
		ds.taskOrder = ds.taskOrder[1:]
	}
	ds.tasks["id:"+t.id], ds.tasks["key:"+t.key] = t, t
	ds.taskOrder = append(ds.taskOrder, t)
	return t.view(), nil
}

func (t *downloadTask) view() DownloadTask {
	return DownloadTask{ID: t.id, Key: t.key, Status: "Succeeded"}
}

// DownloadTaskStatus is a download task of a snapshot c may read.
func (s *Store) DownloadTaskStatus(c Caller, snapshotID, taskID string) (DownloadTask, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.st.downloadTask(c, snapshotID, "id:"+taskID)
	if err != nil {
		return DownloadTask{}, err
	}
	return t.view(), nil
}

func (st *state) downloadTask(c Caller, snapshotID, k string) (*downloadTask, error) {
	sn, err := st.dsSnapshot(c, snapshotID)
	if err != nil {
		return nil, err
	}
	t := st.datasets.tasks[k]
	if t == nil || t.snap != sn {
		return nil, errorf(KindNotFound, "Download task %s not found for snapshot %s", clip(strings.SplitN(k, ":", 2)[1]), sn.id)
	}
	return t, nil
}

// ArchiveFile is one file of a download archive, opened when it is reached.
type ArchiveFile struct {
	Path     string
	Size     int64
	Modified time.Time
	Open     func() (io.ReadCloser, error)
}

// DownloadArchive lists the files of a download task, by path, for the API
// to write as an archive.
func (s *Store) DownloadArchive(c Caller, snapshotID, taskKey string) ([]ArchiveFile, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.st.downloadTask(c, snapshotID, "key:"+taskKey)
	if err != nil {
		return nil, err
	}
	var out []ArchiveFile
	for p, f := range t.snap.files {
		if len(t.paths) > 0 && !slices.ContainsFunc(t.paths, func(w string) bool { return p == w || strings.HasPrefix(p, w+"/") }) {
			continue
		}
		chunks := f.chunks
		out = append(out, ArchiveFile{Path: p, Size: f.size, Modified: f.modified, Open: func() (io.ReadCloser, error) {
			s.mu.RLock()
			defer s.mu.RUnlock()
			return s.openChunks(chunks)
		}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// ---- the chunked upload ----

func (u *uploadSession) blobs() []string {
	var out []string
	for _, f := range u.files {
		for _, ch := range f.chunks {
			out = append(out, ch.sha)
		}
	}
	return out
}

// UploadStart is what starts an upload session.
type UploadStart struct {
	Collision string // Ignore (default), Overwrite or Rename
	Target    string // a folder of the dataset the files go to
}

// StartDatasetUpload opens an upload session on a dataset c may write to
// and answers its key.
func (s *Store) StartDatasetUpload(c Caller, datasetID string, in UploadStart) (string, error) {
	collision, err := collisionSetting(in.Collision)
	if err != nil {
		return "", err
	}
	target, err := targetPath(in.Target)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.st.dataset(c, datasetID, dsWrite)
	if err != nil {
		return "", err
	}
	if len(s.st.datasets.uploads) >= maxOpenUploads {
		return "", errorf(KindInvalid, "%d upload sessions are open, the most the mock holds at once: end or cancel one", maxOpenUploads)
	}
	if err := s.writable(); err != nil {
		return "", err
	}
	u := &uploadSession{key: s.cfg.IDs.UUID(), ds: d, collision: collision, target: target,
		files: map[string]*upFile{}, held: map[string]map[int]string{}}
	s.st.datasets.uploads[u.key] = u
	return u.key, nil
}

func collisionSetting(v string) (string, error) {
	if v == "" {
		return UploadCollisions[0], nil
	}
	for _, c := range UploadCollisions {
		if strings.EqualFold(v, c) {
			return c, nil
		}
	}
	return "", errorf(KindInvalid, "fileCollisionSetting %q is invalid: must be one of %s", clip(v), strings.Join(UploadCollisions, ", "))
}

// targetPath cleans a targetRelativePath: "" or "/" is the dataset's root.
func targetPath(t string) (string, error) {
	t = strings.Trim(t, "/")
	if t == "" {
		return "", nil
	}
	clean, err := fixtures.CleanFilePath("targetRelativePath", t)
	return clean, invalid(err)
}

// upload is an open session of a dataset c may write to.
func (st *state) upload(c Caller, datasetID, key string) (*uploadSession, error) {
	d, err := st.dataset(c, datasetID, dsWrite)
	if err != nil {
		return nil, err
	}
	u := st.datasets.uploads[key]
	if u == nil || u.ds != d {
		return nil, errorf(KindNotFound, "Upload session %s not found for dataset %s", clip(key), d.id)
	}
	return u, nil
}

// ChunkTest asks whether a session holds a chunk.
type ChunkTest struct {
	Key, Identifier, Checksum string
	Number, Total             int
}

// TestDatasetChunk says whether the session holds chunk Number of the file
// Identifier names, with that checksum (the client then skips it).
func (s *Store) TestDatasetChunk(c Caller, datasetID string, in ChunkTest) (bool, error) {
	if in.Number < 1 || in.Total < 1 || in.Number > in.Total || in.Total > maxChunksPerFile {
		return false, errorf(KindInvalid, "resumableChunkNumber %d of resumableTotalChunks %d is invalid: 1 ≤ number ≤ total ≤ %d", in.Number, in.Total, maxChunksPerFile)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.st.upload(c, datasetID, in.Key)
	if err != nil {
		return false, err
	}
	sum, ok := u.held[in.Identifier][in.Number]
	return ok && strings.EqualFold(sum, in.Checksum), nil
}

// Chunk describes one chunk of an upload.
type Chunk struct {
	Key, Identifier, RelativePath, Checksum string
	Number, Total                           int
	CurrentSize                             int64 // -1: not given
}

func (in *Chunk) check() error {
	if in.Number < 1 || in.Total < 1 || in.Number > in.Total || in.Total > maxChunksPerFile {
		return errorf(KindInvalid, "resumableChunkNumber %d of resumableTotalChunks %d is invalid: 1 ≤ number ≤ total ≤ %d", in.Number, in.Total, maxChunksPerFile)
	}
	if in.Identifier == "" || len(in.Identifier) > 2048 {
		return errorf(KindInvalid, "resumableIdentifier is required (at most 2048 bytes)")
	}
	if in.Checksum != "" {
		if _, err := hex.DecodeString(in.Checksum); err != nil || len(in.Checksum) != 2*md5.Size {
			return errorf(KindInvalid, "checksum %q is not an MD5 checksum (32 hex characters)", clip(in.Checksum))
		}
	}
	p, err := fixtures.CleanFilePath("resumableRelativePath", in.RelativePath)
	if err != nil {
		return invalid(err)
	}
	in.RelativePath = p
	return nil
}

// UploadDatasetChunk receives one chunk of a file into an upload session.
// Its bytes stream to the blob store as they arrive, outside the lock; the
// session is checked before and again after. A chunk sent again replaces
// the one of that number.
func (s *Store) UploadDatasetChunk(c Caller, datasetID string, in Chunk, body io.Reader) error {
	if err := in.check(); err != nil {
		return err
	}
	s.mu.RLock()
	u, err := s.st.upload(c, datasetID, in.Key)
	if err == nil {
		err = u.fits(in)
	}
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	sum := md5.New()
	blob, err := s.receiveBlob(body, sum)
	if err != nil {
		return err
	}
	defer s.discardBlob(blob) // after the unlock below; nothing once stored
	got := hex.EncodeToString(sum.Sum(nil))
	if in.Checksum != "" && !strings.EqualFold(in.Checksum, got) {
		return errorf(KindInvalid, "chunk %d of %s: its bytes' MD5 is %s, not the checksum %s: send it again", in.Number, clip(in.RelativePath), got, clip(in.Checksum))
	}
	if in.CurrentSize >= 0 && in.CurrentSize != blob.size {
		return errorf(KindInvalid, "chunk %d of %s holds %d bytes, not resumableCurrentChunkSize %d: send it again", in.Number, clip(in.RelativePath), blob.size, in.CurrentSize)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, err = s.st.upload(c, datasetID, in.Key); err != nil {
		return err
	}
	if err := u.fits(in); err != nil {
		return err
	}
	if err := s.writable(); err != nil {
		return err
	}
	// The session is not logged: its chunks are named by no record until
	// it ends, so their directory entries are made durable then, once.
	if err := s.storeBlobSync(blob, false); err != nil {
		return err
	}
	f := u.files[in.RelativePath]
	if f == nil {
		f = &upFile{path: in.RelativePath, identifier: in.Identifier, total: in.Total, chunks: map[int]upChunk{}}
		u.files[f.path] = f
	}
	old, replaced := f.chunks[in.Number]
	f.chunks[in.Number] = upChunk{blobRef: blobRef{sha: blob.sha, size: blob.size}, md5: got}
	if u.held[in.Identifier] == nil {
		u.held[in.Identifier] = map[int]string{}
	}
	u.held[in.Identifier][in.Number] = got
	if replaced && old.sha != blob.sha {
		s.dropUnnamed([]string{old.sha})
	}
	return nil
}

// fits checks that a chunk agrees with what the session has of its file.
func (u *uploadSession) fits(in Chunk) error {
	f := u.files[in.RelativePath]
	if f == nil {
		return nil
	}
	if f.identifier != in.Identifier || f.total != in.Total {
		return errorf(KindInvalid, "chunk %d of %s: the session has that file as %q in %d chunks, not %q in %d", in.Number, clip(in.RelativePath), clip(f.identifier), f.total, clip(in.Identifier), in.Total)
	}
	return nil
}

// CancelDatasetUpload drops an upload session and its chunks.
func (s *Store) CancelDatasetUpload(c Caller, datasetID, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.st.upload(c, datasetID, key)
	if err != nil {
		return err
	}
	delete(s.st.datasets.uploads, u.key)
	s.dropUnnamed(u.blobs())
	return nil
}

// UploadResult is what ending an upload session made.
type UploadResult struct {
	Snapshot DatasetSnapshot
	Path     string // the folder (or file) the session's files have in common
}

// EndDatasetUpload ends an upload session: its files, each with all its
// chunks, are put under the target folder (target, else the one given at
// the start; it must exist) of the files of the dataset's read-write
// snapshot, colliding paths as the session's setting says, in a new
// snapshot, which becomes the read-write one. A file short of a chunk is
// refused with 400 and the session stays open.
func (s *Store) EndDatasetUpload(c Caller, datasetID, key, target string) (UploadResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.st.upload(c, datasetID, key)
	if err != nil {
		return UploadResult{}, err
	}
	d := u.ds
	if target == "" {
		target = u.target
	} else if target, err = targetPath(target); err != nil {
		return UploadResult{}, err
	}
	prev := d.rw()
	if target != "" && prev.folders[target] == 0 {
		return UploadResult{}, errorf(KindInvalid, "targetRelativePath %q is not a folder of dataset %s", clip(target), d.name)
	}
	if len(d.snapshots) >= maxSnapshotsPerDataset {
		return UploadResult{}, errorf(KindInvalid, "dataset %s already has %d snapshots, the most one dataset may have", d.name, len(d.snapshots))
	}
	paths := make([]string, 0, len(u.files))
	for p, f := range u.files {
		for n := 1; n <= f.total; n++ {
			if _, ok := f.chunks[n]; !ok {
				return UploadResult{}, errorf(KindInvalid, "file %s lacks chunk %d of %d: send it, then end the upload again", clip(p), n, f.total)
			}
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	author := s.st.users[c.ID]
	if author == nil {
		return UploadResult{}, errCallerGone
	}
	if err := s.writable(); err != nil {
		return UploadResult{}, err
	}
	now := s.cfg.Clock.Now().Truncate(time.Millisecond)
	sn := &dsSnapshot{ds: d, version: prev.version + 1, author: author, created: now,
		files: make(map[string]*dsFile, len(prev.files)+len(paths)), folders: make(map[string]int, len(prev.folders))}
	for _, f := range prev.files {
		sn.put(f)
	}
	var ignored []string
	for _, p := range paths {
		f := u.files[p]
		dest := p
		if target != "" {
			dest = target + "/" + p
		}
		if len(dest) > 1024 {
			return UploadResult{}, errorf(KindInvalid, "%s under %s is longer than 1024 bytes", clip(p), clip(target))
		}
		isFile := func(x string) bool { return sn.files[x] != nil }
		isFolder := func(x string) bool { return sn.folders[x] > 0 }
		if err := invalid(fixtures.CheckFilePlace("resumableRelativePath", dest, isFile, isFolder)); err != nil {
			return UploadResult{}, err
		}
		if sn.files[dest] != nil {
			switch u.collision {
			case "Ignore":
				for _, ch := range f.chunks {
					ignored = append(ignored, ch.sha)
				}
				continue
			case "Rename":
				dest = freeName(dest, isFile, isFolder)
			}
		}
		nf := &dsFile{path: dest, modified: now, chunks: make([]blobRef, f.total)}
		for n := 1; n <= f.total; n++ {
			ch := f.chunks[n]
			nf.chunks[n-1] = ch.blobRef
			nf.size += ch.size
		}
		sn.put(nf)
	}
	if err := s.syncBlobs(); err != nil { // the session's chunks, stored without
		return UploadResult{}, err
	}
	sn.id = s.newObjectID()
	s.st.addDsSnapshot(sn)
	delete(s.st.datasets.uploads, u.key)
	if err := s.commit(change{creates: true, dsSnapshots: []*dsSnapshot{sn}}); err != nil {
		return UploadResult{}, err
	}
	s.dropUnnamed(ignored)
	return UploadResult{Snapshot: sn.view(), Path: commonFolder(paths)}, nil
}

// put writes a file into a snapshot being made.
func (sn *dsSnapshot) put(f *dsFile) {
	if old := sn.files[f.path]; old != nil {
		sn.size -= old.size
	} else {
		for i := range len(f.path) {
			if f.path[i] == '/' {
				sn.folders[f.path[:i]]++
			}
		}
	}
	sn.files[f.path] = f
	sn.size += f.size
}

// freeName is path with "_n" before its extension, n the first that is free
// (inferred: python-domino says Rename appends "_n").
func freeName(p string, isFile, isFolder func(string) bool) string {
	ext := path.Ext(p)
	if strings.Contains(ext, "/") || ext == p || strings.HasSuffix(strings.TrimSuffix(p, ext), "/") {
		ext = ""
	}
	stem := strings.TrimSuffix(p, ext)
	for n := 1; ; n++ {
		c := stem + "_" + strconv.Itoa(n) + ext
		if !isFile(c) && !isFolder(c) {
			return c
		}
	}
}

// commonFolder is the path the files have in common: a file's own path
// when there is one, else their deepest shared folder ("" for none).
func commonFolder(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	if len(paths) == 1 {
		return paths[0]
	}
	common := path.Dir(paths[0])
	for _, p := range paths[1:] {
		for common != "." && p != common && !strings.HasPrefix(p, common+"/") {
			common = path.Dir(common)
		}
	}
	if common == "." {
		return ""
	}
	return common
}

// dropUnnamed removes the contents among shas that nothing names any
// more: no commit, snapshot or open upload session. The caller holds the
// write lock. A failure leaves them for the next start, which removes them.
func (s *Store) dropUnnamed(shas []string) {
	if len(shas) == 0 {
		return
	}
	named := s.st.namedBlobs()
	b := &s.blobs
	for _, sha := range shas {
		if named[sha] {
			continue
		}
		if b.dir == "" {
			if m := b.mem[sha]; m != nil {
				delete(b.mem, sha)
				b.used -= m.size
			}
			continue
		}
		os.Remove(b.path(sha))
	}
}

// namedBlobs is every content the state names: commits' files, datasets'
// snapshots and open upload sessions.
func (st *state) namedBlobs() map[string]bool {
	named := st.files.namedBlobs()
	for _, d := range st.datasets.order {
		for _, sha := range d.blobs() {
			named[sha] = true
		}
	}
	for _, u := range st.datasets.uploads {
		for _, sha := range u.blobs() {
			named[sha] = true
		}
	}
	return named
}

// ---- state documents ----

// DatasetRecord is a dataset without its snapshots (DatasetSnapshotRecord).
type DatasetRecord struct {
	ID               string        `json:"id"`
	ProjectID        string        `json:"projectId"`
	Name             string        `json:"name"`
	Description      string        `json:"description,omitempty"`
	AuthorID         string        `json:"authorId"`
	Created          time.Time     `json:"created"`
	Grants           []GrantRecord `json:"grants,omitempty"`
	SharedProjectIDs []string      `json:"sharedProjectIds,omitempty"`
}

// GrantRecord is one grant on a dataset.
type GrantRecord struct {
	UserID string `json:"userId"`
	Role   string `json:"role"`
}

// DatasetSnapshotRecord is a snapshot with its files, each the list of its
// chunks' contents by SHA-256.
type DatasetSnapshotRecord struct {
	ID        string              `json:"id"`
	DatasetID string              `json:"datasetId"`
	Version   int                 `json:"version"`
	AuthorID  string              `json:"authorId"`
	Created   time.Time           `json:"created"`
	Files     []DatasetFileRecord `json:"files"`
}

// DatasetFileRecord is a file of a snapshot.
type DatasetFileRecord struct {
	Path     string       `json:"path"`
	Modified time.Time    `json:"modified"`
	Chunks   []FileRecord `json:"chunks"` // Path unused
}

func datasetKey(v DatasetRecord) string            { return v.ID }
func dsSnapshotKey(v DatasetSnapshotRecord) string { return v.ID }

func (d *dataset) record() DatasetRecord {
	r := DatasetRecord{ID: d.id, ProjectID: d.project.id, Name: d.name, Description: d.description,
		AuthorID: d.author.id, Created: d.created}
	for _, g := range d.grants {
		r.Grants = append(r.Grants, GrantRecord{UserID: g.user.id, Role: g.role})
	}
	for _, p := range d.shared {
		r.SharedProjectIDs = append(r.SharedProjectIDs, p.id)
	}
	return r
}

func (sn *dsSnapshot) record() DatasetSnapshotRecord {
	r := DatasetSnapshotRecord{ID: sn.id, DatasetID: sn.ds.id, Version: sn.version, AuthorID: sn.author.id,
		Created: sn.created, Files: make([]DatasetFileRecord, 0, len(sn.files))}
	for _, f := range sn.files {
		fr := DatasetFileRecord{Path: f.path, Modified: f.modified, Chunks: make([]FileRecord, 0, len(f.chunks))}
		for _, ch := range f.chunks {
			fr.Chunks = append(fr.Chunks, FileRecord{SHA256: ch.sha, Size: ch.size})
		}
		r.Files = append(r.Files, fr)
	}
	sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Path < r.Files[j].Path })
	return r
}

func (st *state) datasetRecords() ([]DatasetRecord, []DatasetSnapshotRecord) {
	var ds []DatasetRecord
	var sns []DatasetSnapshotRecord
	for _, d := range st.datasets.order {
		ds = append(ds, d.record())
		for _, sn := range d.snapshots {
			sns = append(sns, sn.record())
		}
	}
	return ds, sns
}

// loadDatasets adds a state document's datasets and snapshots, checked as
// the routes check them: a live or archived project, unique names in it,
// users for the grants, each dataset's snapshots numbered in order from
// its first, valid paths that fit the tree.
func (st *state) loadDatasets(recs []DatasetRecord, snaps []DatasetSnapshotRecord) error {
	for i, r := range recs {
		at := fmt.Sprintf("datasets[%d]", i)
		if !isObjectIDString(r.ID) {
			return fmt.Errorf("%s.id %q must be 24 lower-case hex characters", at, clip(r.ID))
		}
		if st.objectIDInUse(r.ID) {
			return fmt.Errorf("%s.id %s is already the id of something else", at, r.ID)
		}
		p := st.projects[r.ProjectID]
		if p == nil {
			return fmt.Errorf("%s.projectId %q is not a project", at, clip(r.ProjectID))
		}
		if err := checkDatasetName(at+".name", r.Name); err != nil {
			return err
		}
		if st.datasetNamed(p, r.Name) != nil {
			return fmt.Errorf("%s.name %s is already the name of a dataset of project %s", at, r.Name, p.name)
		}
		author := st.users[r.AuthorID]
		if author == nil {
			return fmt.Errorf("%s.authorId %q is not a user", at, clip(r.AuthorID))
		}
		in := make([]GrantInput, 0, len(r.Grants))
		for _, g := range r.Grants {
			in = append(in, GrantInput{TargetID: g.UserID, Role: g.Role})
		}
		grants, err := st.grantsFrom(in)
		if err != nil {
			return fmt.Errorf("%s.%v", at, err)
		}
		d := &dataset{id: r.ID, name: r.Name, description: r.Description, project: p, author: author,
			created: r.Created, grants: grants}
		for j, pid := range r.SharedProjectIDs {
			sp := st.projects[pid]
			if sp == nil || sp == p || slices.Contains(d.shared, sp) {
				return fmt.Errorf("%s.sharedProjectIds[%d] %q is not another project, once", at, j, clip(pid))
			}
			d.shared = append(d.shared, sp)
		}
		st.addDataset(d)
	}
	for i, r := range snaps {
		at := fmt.Sprintf("datasetSnapshots[%d]", i)
		if !isObjectIDString(r.ID) {
			return fmt.Errorf("%s.id %q must be 24 lower-case hex characters", at, clip(r.ID))
		}
		if st.objectIDInUse(r.ID) {
			return fmt.Errorf("%s.id %s is already the id of something else", at, r.ID)
		}
		d := st.datasets.byID[r.DatasetID]
		if d == nil {
			return fmt.Errorf("%s.datasetId %q is not a dataset", at, clip(r.DatasetID))
		}
		if want := len(d.snapshots); r.Version != want {
			return fmt.Errorf("%s.version %d is not %d, the next of dataset %s", at, r.Version, want, d.name)
		}
		author := st.users[r.AuthorID]
		if author == nil {
			return fmt.Errorf("%s.authorId %q is not a user", at, clip(r.AuthorID))
		}
		sn := &dsSnapshot{id: r.ID, ds: d, version: r.Version, author: author, created: r.Created,
			files: map[string]*dsFile{}, folders: map[string]int{}}
		for j, f := range r.Files {
			fat := fmt.Sprintf("%s.files[%d]", at, j)
			if clean, err := fixtures.CleanFilePath(fat+".path", f.Path); err != nil {
				return err
			} else if clean != f.Path {
				return fmt.Errorf("%s.path %q must be written without its leading /", fat, clip(f.Path))
			}
			isFile := func(x string) bool { return sn.files[x] != nil }
			isFolder := func(x string) bool { return sn.folders[x] > 0 }
			if sn.files[f.Path] != nil {
				return fmt.Errorf("%s.path %q is listed twice", fat, clip(f.Path))
			}
			if err := fixtures.CheckFilePlace(fat+".path", f.Path, isFile, isFolder); err != nil {
				return err
			}
			nf := &dsFile{path: f.Path, modified: f.Modified}
			for k, ch := range f.Chunks {
				if !isSHA256(ch.SHA256) {
					return fmt.Errorf("%s.chunks[%d].sha256 %q must be 64 lower-case hex characters", fat, k, clip(ch.SHA256))
				}
				if ch.Size < 0 {
					return fmt.Errorf("%s.chunks[%d].size %d must not be negative", fat, k, ch.Size)
				}
				nf.chunks = append(nf.chunks, blobRef{sha: ch.SHA256, size: ch.Size})
				nf.size += ch.Size
			}
			sn.put(nf)
		}
		st.addDsSnapshot(sn)
	}
	for _, d := range st.datasets.order {
		if len(d.snapshots) == 0 {
			return fmt.Errorf("dataset %s (%s) has no snapshot: every dataset has its first, version 0", d.id, d.name)
		}
	}
	return nil
}

func isObjectIDString(s string) bool { return len(s) == 24 && isLowerHex(s) }

// missingDatasetBlob names the first content a snapshot of st names that
// the store does not hold, or is "".
func (s *Store) missingDatasetBlob(st *state) string {
	for _, d := range st.datasets.order {
		for _, sn := range d.snapshots {
			for _, f := range sn.files {
				for _, ch := range f.chunks {
					if !s.blobs.has(ch.sha, ch.size) {
						return fmt.Sprintf("snapshot %s of dataset %s holds %s with content %s (%d bytes)", sn.id, d.name, clip(f.path), ch.sha, ch.size)
					}
				}
			}
		}
	}
	return ""
}
