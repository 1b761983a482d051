package dominotest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"io"
	"sort"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Dataset is a dataset as CreateDataset made it.
type Dataset struct {
	ID        string
	Name      string
	ProjectID string
	// ReadWriteSnapshotID is its newest snapshot, the one uploads build on
	// and DatasetSnapshots lists last.
	ReadWriteSnapshotID string
	Created             time.Time
}

// DatasetSnapshot is one snapshot of a dataset's files.
type DatasetSnapshot struct {
	ID          string
	Version     int // 0 for the empty one a new dataset has, then one more per upload
	Size        int64
	IsReadWrite bool
	Created     time.Time
}

// CreateDataset makes a dataset in a project (by id), as its administrator
// would with python-domino's datasets_create.
func (s *Server) CreateDataset(t testing.TB, projectID, name string) Dataset {
	t.Helper()
	v, err := s.CreateDatasetE(projectID, name)
	check(t, err)
	return v
}

// CreateDatasetE is CreateDataset returning its error.
func (s *Server) CreateDatasetE(projectID, name string) (Dataset, error) {
	admin, err := s.admin()
	if err != nil {
		return Dataset{}, fail("CreateDataset", err)
	}
	d, err := s.srv.Store().CreateDataset(admin, store.DatasetInput{Name: name, ProjectID: projectID})
	if err != nil {
		return Dataset{}, fail("CreateDataset", err)
	}
	return Dataset{ID: d.ID, Name: d.Name, ProjectID: d.ProjectID, ReadWriteSnapshotID: d.ReadWriteSnapshotID,
		Created: d.Created.UTC()}, nil
}

// UploadDatasetFiles uploads files (path → content) to a dataset through
// the chunked protocol python-domino's datasets_upload_files drives (one
// session, each file one chunk, paths that exist overwritten) and returns
// the id of the snapshot the session ended in.
func (s *Server) UploadDatasetFiles(t testing.TB, datasetID string, files map[string][]byte) string {
	t.Helper()
	v, err := s.UploadDatasetFilesE(datasetID, files)
	check(t, err)
	return v
}

// UploadDatasetFilesE is UploadDatasetFiles returning its error.
func (s *Server) UploadDatasetFilesE(datasetID string, files map[string][]byte) (string, error) {
	admin, err := s.admin()
	if err != nil {
		return "", fail("UploadDatasetFiles", err)
	}
	st := s.srv.Store()
	key, err := st.StartDatasetUpload(admin, datasetID, store.UploadStart{Collision: "Overwrite"})
	if err != nil {
		return "", fail("UploadDatasetFiles", err)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		sum := md5.Sum(files[p])
		err := st.UploadDatasetChunk(admin, datasetID, store.Chunk{Key: key, Identifier: p, RelativePath: p,
			Checksum: hex.EncodeToString(sum[:]), Number: 1, Total: 1, CurrentSize: int64(len(files[p]))}, bytes.NewReader(files[p]))
		if err != nil {
			st.CancelDatasetUpload(admin, datasetID, key)
			return "", fail("UploadDatasetFiles "+p, err)
		}
	}
	res, err := st.EndDatasetUpload(admin, datasetID, key, "")
	if err != nil {
		return "", fail("UploadDatasetFiles", err)
	}
	return res.Snapshot.ID, nil
}

// ReadDatasetFile is the content of path in a dataset's snapshot.
func (s *Server) ReadDatasetFile(t testing.TB, snapshotID, path string) []byte {
	t.Helper()
	v, err := s.ReadDatasetFileE(snapshotID, path)
	check(t, err)
	return v
}

// ReadDatasetFileE is ReadDatasetFile returning its error.
func (s *Server) ReadDatasetFileE(snapshotID, path string) ([]byte, error) {
	admin, err := s.admin()
	if err != nil {
		return nil, fail("ReadDatasetFile", err)
	}
	f, err := s.srv.Store().OpenDatasetFile(admin, snapshotID, path)
	if err != nil {
		return nil, fail("ReadDatasetFile "+path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fail("ReadDatasetFile "+path, err)
	}
	return data, nil
}

// DatasetSnapshots lists a dataset's snapshots, oldest first.
func (s *Server) DatasetSnapshots(t testing.TB, datasetID string) []DatasetSnapshot {
	t.Helper()
	v, err := s.DatasetSnapshotsE(datasetID)
	check(t, err)
	return v
}

// DatasetSnapshotsE is DatasetSnapshots returning its error.
func (s *Server) DatasetSnapshotsE(datasetID string) ([]DatasetSnapshot, error) {
	admin, err := s.admin()
	if err != nil {
		return nil, fail("DatasetSnapshots", err)
	}
	list, err := s.srv.Store().DatasetSnapshots(admin, datasetID)
	if err != nil {
		return nil, fail("DatasetSnapshots", err)
	}
	out := make([]DatasetSnapshot, 0, len(list))
	for _, sn := range list {
		out = append(out, DatasetSnapshot{ID: sn.ID, Version: sn.Version, Size: sn.Size, IsReadWrite: sn.IsReadWrite, Created: sn.Created.UTC()})
	}
	return out, nil
}
