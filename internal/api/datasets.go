package api

import (
	"archive/zip"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// The dataset routes: python-domino's legacy /dataset routes and its
// chunked upload (datasets_upload_files: start, test, chunk, end, cancel),
// and the /v4/datasetrw routes third-party clients use. Every rule is the
// store's (datasets.go); here bodies and queries are decoded and the
// answers given the shapes of the v4 spec (DatasetRwDto, ...) or, for the
// legacy routes, the keys python-domino reads.

// ---- answers ----

// legacyDataset is what python-domino's datasets_* read: datasetId and
// datasetName (datasets_ids, datasets_names), description, projectId and
// created (its live tests).
type legacyDataset struct {
	DatasetID   string   `json:"datasetId"`
	DatasetName string   `json:"datasetName"`
	Description string   `json:"description"`
	ProjectID   string   `json:"projectId"`
	ProjectName string   `json:"projectName"`
	Owner       string   `json:"projectOwner"`
	Created     int64    `json:"created"` // milliseconds since the epoch
	SnapshotIDs []string `json:"snapshotIds"`
}

func legacyView(d store.Dataset) legacyDataset {
	return legacyDataset{DatasetID: d.ID, DatasetName: d.Name, Description: d.Description, ProjectID: d.ProjectID,
		ProjectName: d.ProjectName, Owner: d.ProjectOwner, Created: d.Created.UnixMilli(), SnapshotIDs: d.SnapshotIDs}
}

// datasetRwDto is the spec's DatasetRwDto.
type datasetRwDto struct {
	ID                    string            `json:"id"`
	Name                  string            `json:"name"`
	Description           string            `json:"description"`
	ProjectID             string            `json:"projectId"`
	Author                string            `json:"author"`
	CreatedTime           int64             `json:"createdTime"`
	DatasetPath           string            `json:"datasetPath"`
	LifecycleStatus       string            `json:"lifecycleStatus"`
	OwnerUsernames        []string          `json:"ownerUsernames"`
	ReadWriteSnapshotID   string            `json:"readWriteSnapshotId"`
	SnapshotIDs           []string          `json:"snapshotIds"`
	SizeInBytes           int64             `json:"sizeInBytes"`
	SizeStatus            string            `json:"sizeStatus"`
	StatusLastUpdatedBy   string            `json:"statusLastUpdatedBy"`
	StatusLastUpdatedTime int64             `json:"statusLastUpdatedTime"`
	Tags                  map[string]string `json:"tags"`
	DatasetStorageID      string            `json:"datasetStorageId"`
}

func datasetPath(d store.Dataset) string { return "/domino/datasets/local/" + d.Name }

func rwDto(d store.Dataset, status string) datasetRwDto {
	return datasetRwDto{ID: d.ID, Name: d.Name, Description: d.Description, ProjectID: d.ProjectID, Author: d.AuthorID,
		CreatedTime: d.Created.UnixMilli(), DatasetPath: datasetPath(d), LifecycleStatus: status,
		OwnerUsernames: d.OwnerUsernames, ReadWriteSnapshotID: d.ReadWriteSnapshotID, SnapshotIDs: d.SnapshotIDs,
		SizeInBytes: d.Size, SizeStatus: "Active", StatusLastUpdatedBy: d.AuthorID,
		StatusLastUpdatedTime: d.Created.UnixMilli(), Tags: map[string]string{}, DatasetStorageID: store.DatasetStorageID}
}

// datasetRwViewDto is the spec's DatasetRwViewDto, what POST /v4/datasetrw answers.
type datasetRwViewDto struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	ProjectID    string            `json:"projectId"`
	ProjectName  string            `json:"projectName"`
	ProjectOwner string            `json:"projectOwner"`
	SnapshotIDs  []string          `json:"snapshotIds"`
	Tags         map[string]string `json:"tags"`
	CreatedTime  int64             `json:"createdTime"`
}

// datasetRwDetailsDto is the spec's DatasetRwDetailsDto (by name).
type datasetRwDetailsDto struct {
	ID                  string            `json:"id"`
	Name                string            `json:"name"`
	Description         string            `json:"description"`
	Author              string            `json:"author"`
	DatasetPath         string            `json:"datasetPath"`
	LifecycleStatus     string            `json:"lifecycleStatus"`
	ReadWriteSnapshotID string            `json:"readWriteSnapshotId"`
	SnapshotIDs         []string          `json:"snapshotIds"`
	Tags                map[string]string `json:"tags"`
	Projects            projectDetails    `json:"projects"`
}

type projectDetails struct {
	SourceProjectID             string   `json:"sourceProjectId"`
	SourceProjectName           string   `json:"sourceProjectName"`
	SourceProjectOwnerUsername  string   `json:"sourceProjectOwnerUsername"`
	SharedProjectIDs            []string `json:"sharedProjectIds"`
	SharedProjectNames          []string `json:"sharedProjectNames"`
	SharedProjectOwnerUsernames []string `json:"sharedProjectOwnerUsernames"`
}

// datasetRwInfoDto is one item of GET /v4/datasetrw/datasets-v2.
type datasetRwInfoDto struct {
	DatasetRwDto datasetRwDto `json:"datasetRwDto"`
	ProjectInfo  *projectInfo `json:"projectInfo,omitempty"`
}

type projectInfo struct {
	ProjectID            string `json:"projectId"`
	ProjectName          string `json:"projectName"`
	ProjectOwnerUsername string `json:"projectOwnerUsername"`
	IsProjectArchived    bool   `json:"isProjectArchived"`
	HasProjectAccess     *bool  `json:"hasProjectAccess,omitempty"`
}

// snapshotDto is the spec's DatasetRwSnapshotDto.
type snapshotDto struct {
	ID                    string `json:"id"`
	DatasetID             string `json:"datasetId"`
	Version               int    `json:"version"`
	Author                string `json:"author"`
	CreationTime          int64  `json:"creationTime"`
	LastUsedTime          *int64 `json:"lastUsedTime"`
	LifecycleStatus       string `json:"lifecycleStatus"`
	StatusLastUpdatedBy   string `json:"statusLastUpdatedBy"`
	StatusLastUpdatedTime int64  `json:"statusLastUpdatedTime"`
	StorageSize           int64  `json:"storageSize"`
	IsPartialSize         bool   `json:"isPartialSize"`
	IsReadWrite           bool   `json:"isReadWrite"`
	DatasetStorageID      string `json:"datasetStorageId"`
	ResourceID            string `json:"resourceId"`
}

func snapDto(sn store.DatasetSnapshot) snapshotDto {
	return snapshotDto{ID: sn.ID, DatasetID: sn.DatasetID, Version: sn.Version, Author: sn.AuthorID,
		CreationTime: sn.Created.UnixMilli(), LifecycleStatus: "Active", StatusLastUpdatedBy: sn.AuthorID,
		StatusLastUpdatedTime: sn.Created.UnixMilli(), StorageSize: sn.Size, IsReadWrite: sn.IsReadWrite,
		DatasetStorageID: store.DatasetStorageID, ResourceID: "datasets/" + sn.DatasetID + "/" + sn.ID}
}

// snapshotSummaryDto is the spec's DatasetRwSnapshotSummaryDto.
type snapshotSummaryDto struct {
	Snapshot           snapshotDto `json:"snapshot"`
	IsReadWrite        bool        `json:"isReadWrite"`
	AuthorUsername     string      `json:"authorUsername"`
	DatasetDescription string      `json:"datasetDescription"`
}

// filesView is the spec's DatasetRwSnapshotFilesViewDto.
type filesView struct {
	Rows          []fileRow `json:"rows"`
	DirectorySize string    `json:"directorySize"`
}

type fileRow struct {
	Name         fileDetails `json:"name"`
	Size         fileDetails `json:"size"`
	LastModified int64       `json:"lastModified"`
}

type fileDetails struct {
	Label        string `json:"label"`
	FileName     string `json:"fileName,omitempty"`
	IsDirectory  *bool  `json:"isDirectory,omitempty"`
	SizeInBytes  int64  `json:"sizeInBytes"`
	SortableName string `json:"sortableName,omitempty"`
	URL          string `json:"url,omitempty"`
}

// grantDetails and grantDto are the spec's DatasetRwGrantDetails and DatasetRwGrant.
type grantDetails struct {
	TargetID       string `json:"targetId"`
	TargetName     string `json:"targetName"`
	TargetRole     string `json:"targetRole"`
	IsOrganization bool   `json:"isOrganization"`
}

type grantDto struct {
	TargetID   string `json:"targetId"`
	TargetRole string `json:"targetRole"`
}

// mountDto is the spec's DatasetRwProjectMountDto.
type mountDto struct {
	DatasetID                 string   `json:"datasetId"`
	SnapshotID                string   `json:"snapshotId"`
	Name                      string   `json:"name"`
	Description               string   `json:"description"`
	OwnerProjectID            string   `json:"ownerProjectId"`
	OwnerProjectName          string   `json:"ownerProjectName"`
	OwnerProjectOwnerUsername string   `json:"ownerProjectOwnerUsername"`
	OwnerUsernames            []string `json:"ownerUsernames"`
	IsPartialSize             bool     `json:"isPartialSize"`
	AvailableVersions         int      `json:"availableVersions"`
	MountPathsForProject      []string `json:"mountPathsForProject"`
	DataPlanes                []any    `json:"dataPlanes"`
	SizeInBytes               int64    `json:"sizeInBytes"`
	SizeStatus                string   `json:"sizeStatus"`
	VersionNumber             int      `json:"versionNumber"`
}

// sharedEntry is the spec's SharedDatasetRwEntryDto.
type sharedEntry struct {
	ProjectID      string   `json:"projectId"`
	SharedDatasets []string `json:"sharedDatasets"`
}

// taskDto is the spec's DatasetRwFiletaskTaskDto.
type taskDto struct {
	TaskID     string `json:"taskId"`
	TaskKey    string `json:"taskKey"`
	TaskStatus string `json:"taskStatus"`
}

// ---- request bodies ----

// newDatasetBody is CreateDatasetRequest (POST /v4/datasetrw) and what
// python-domino's datasets_create sends to POST /dataset.
type newDatasetBody struct {
	DatasetName            string      `json:"datasetName"`
	Description            *string     `json:"description"`
	ProjectID              string      `json:"projectId"`
	Grants                 []grantBody `json:"grants"`
	DatasetStorageID       *string     `json:"datasetStorageId"`
	UsedForModelMonitoring bool        `json:"usedForModelMonitoring"`
}

type grantBody struct {
	TargetID   string `json:"targetId"`
	TargetRole string `json:"targetRole"`
}

func grantInputs(field string, gs []grantBody) ([]store.GrantInput, error) {
	out := make([]store.GrantInput, 0, len(gs))
	for i, g := range gs {
		if err := bodyObjectID(field+"["+strconv.Itoa(i)+"].targetId", g.TargetID); err != nil {
			return nil, err
		}
		out = append(out, store.GrantInput{TargetID: g.TargetID, Role: g.TargetRole})
	}
	return out, nil
}

func decodeNewDataset(q *request) (store.DatasetInput, error) {
	var b newDatasetBody
	if err := decode(q, &b); err != nil {
		return store.DatasetInput{}, err
	}
	if b.ProjectID == "" {
		return store.DatasetInput{}, badRequest("projectId is required")
	}
	if err := firstError(bodyObjectID("projectId", b.ProjectID)); err != nil {
		return store.DatasetInput{}, err
	}
	if b.DatasetStorageID != nil && *b.DatasetStorageID != "" && *b.DatasetStorageID != store.DatasetStorageID {
		return store.DatasetInput{}, badRequest("datasetStorageId %s is not a dataset storage: the mock has one, %s", clipPath(*b.DatasetStorageID), store.DatasetStorageID)
	}
	grants, err := grantInputs("grants", b.Grants)
	if err != nil {
		return store.DatasetInput{}, err
	}
	in := store.DatasetInput{Name: b.DatasetName, ProjectID: b.ProjectID, Grants: grants}
	if b.Description != nil {
		in.Description = *b.Description
	}
	return in, nil
}

// updateDatasetBody is UpdateDatasetRequest, and what datasets_update_details sends.
type updateDatasetBody struct {
	DatasetName *string `json:"datasetName"`
	Description *string `json:"description"`
}

// ---- the legacy routes ----

func listDatasetsLegacy(q *request) (int, any, error) {
	var f store.DatasetFilter
	if id := q.URL.Query().Get("projectId"); id != "" {
		if !isObjectID(id) {
			return 0, nil, badRequest("%s is not a valid ID", clipPath(id))
		}
		f.ProjectIDs = []string{id}
	}
	out := []legacyDataset{}
	for _, d := range q.st.Datasets(q.caller, f) {
		out = append(out, legacyView(d))
	}
	return http.StatusOK, out, nil
}

func createDatasetLegacy(q *request) (int, any, error) {
	in, err := decodeNewDataset(q)
	if err != nil {
		return 0, nil, err
	}
	d, err := q.st.CreateDataset(q.caller, in)
	return http.StatusOK, legacyView(d), err
}

func getDatasetLegacy(q *request) (int, any, error) {
	d, err := q.st.GetDataset(q.caller, q.vars("datasetId"))
	return http.StatusOK, legacyView(d), err
}

func updateDatasetLegacy(q *request) (int, any, error) {
	d, err := updateDataset(q)
	return http.StatusOK, legacyView(d), err
}

func updateDataset(q *request) (store.Dataset, error) {
	var b updateDatasetBody
	if err := decode(q, &b); err != nil {
		return store.Dataset{}, err
	}
	return q.st.UpdateDataset(q.caller, q.vars("datasetId"), store.DatasetUpdate{Name: b.DatasetName, Description: b.Description})
}

func deleteDatasetLegacy(q *request) (int, any, error) {
	_, err := q.st.DeleteDataset(q.caller, q.vars("datasetId"))
	return http.StatusNoContent, noContent{}, err
}

// ---- /v4/datasetrw ----

func createDatasetV4(q *request) (int, any, error) {
	in, err := decodeNewDataset(q)
	if err != nil {
		return 0, nil, err
	}
	d, err := q.st.CreateDataset(q.caller, in)
	return http.StatusOK, datasetRwViewDto{ID: d.ID, Name: d.Name, Description: d.Description, ProjectID: d.ProjectID,
		ProjectName: d.ProjectName, ProjectOwner: d.ProjectOwner, SnapshotIDs: d.SnapshotIDs, Tags: map[string]string{},
		CreatedTime: d.Created.UnixMilli()}, err
}

// idList reads a query parameter of ObjectIds, repeated or comma-separated.
func idList(q *request, name string) ([]string, error) {
	var out []string
	for _, v := range q.URL.Query()[name] {
		for _, id := range strings.Split(v, ",") {
			if id == "" {
				continue
			}
			if !isObjectID(id) {
				return nil, badRequest("%s: %s is not a valid ID", name, clipPath(id))
			}
			out = append(out, id)
		}
	}
	return out, nil
}

func listDatasetsV2(q *request) (int, any, error) {
	var f store.DatasetFilter
	var err error
	if f.ProjectIDs, err = idList(q, "projectIdsToInclude"); err != nil {
		return 0, nil, err
	}
	if f.ExcludeProjectIDs, err = idList(q, "projectIdsToExclude"); err != nil {
		return 0, nil, err
	}
	if f.DatasetIDs, err = idList(q, "datasetIds"); err != nil {
		return 0, nil, err
	}
	withProject, err := boolParam(q, "includeProjectInfo")
	if err != nil {
		return 0, nil, err
	}
	withAccess, err := boolParam(q, "includeHasProjectAccess")
	if err != nil {
		return 0, nil, err
	}
	for _, name := range []string{"includeStorageInfo"} {
		if _, err := boolParam(q, name); err != nil {
			return 0, nil, err
		}
	}
	if len(f.ProjectIDs) == 0 && len(q.URL.Query()["projectIdsToInclude"]) > 0 ||
		len(f.DatasetIDs) == 0 && len(q.URL.Query()["datasetIds"]) > 0 {
		return http.StatusOK, []datasetRwInfoDto{}, nil // a filter of nothing selects nothing
	}
	out := []datasetRwInfoDto{}
	for _, d := range q.st.Datasets(q.caller, f) {
		item := datasetRwInfoDto{DatasetRwDto: rwDto(d, "Active")}
		if withProject {
			item.ProjectInfo = &projectInfo{ProjectID: d.ProjectID, ProjectName: d.ProjectName, ProjectOwnerUsername: d.ProjectOwner}
			if withAccess {
				has := true // the list holds only datasets the caller may read
				item.ProjectInfo.HasProjectAccess = &has
			}
		}
		out = append(out, item)
	}
	return http.StatusOK, out, nil
}

func getDatasetV4(q *request) (int, any, error) {
	d, err := q.st.GetDataset(q.caller, q.vars("datasetId"))
	return http.StatusOK, rwDto(d, "Active"), err
}

func getDatasetByName(q *request) (int, any, error) {
	v := q.URL.Query()
	d, err := q.st.DatasetByName(q.caller, v.Get("projectOwner"), v.Get("projectName"), q.vars("datasetName"))
	if err != nil {
		return 0, nil, err
	}
	pd := projectDetails{SourceProjectID: d.ProjectID, SourceProjectName: d.ProjectName, SourceProjectOwnerUsername: d.ProjectOwner,
		SharedProjectIDs: []string{}, SharedProjectNames: []string{}, SharedProjectOwnerUsernames: []string{}}
	for _, p := range d.SharedProjects {
		pd.SharedProjectIDs = append(pd.SharedProjectIDs, p.ID)
		pd.SharedProjectNames = append(pd.SharedProjectNames, p.Name)
		pd.SharedProjectOwnerUsernames = append(pd.SharedProjectOwnerUsernames, p.Owner)
	}
	return http.StatusOK, datasetRwDetailsDto{ID: d.ID, Name: d.Name, Description: d.Description, Author: d.AuthorID,
		DatasetPath: datasetPath(d), LifecycleStatus: "Active", ReadWriteSnapshotID: d.ReadWriteSnapshotID,
		SnapshotIDs: d.SnapshotIDs, Tags: map[string]string{}, Projects: pd}, nil
}

func updateDatasetV4(q *request) (int, any, error) {
	d, err := updateDataset(q)
	return http.StatusOK, rwDto(d, "Active"), err
}

func deleteDatasetV4(q *request) (int, any, error) {
	d, err := q.st.DeleteDataset(q.caller, q.vars("datasetId"))
	return http.StatusOK, rwDto(d, "Deleted"), err
}

func getDatasetGrants(q *request) (int, any, error) {
	gs, err := q.st.DatasetGrants(q.caller, q.vars("datasetId"))
	out := []grantDetails{}
	for _, g := range gs {
		out = append(out, grantDetails{TargetID: g.TargetID, TargetName: g.TargetName, TargetRole: g.Role})
	}
	return http.StatusOK, out, err
}

// grantsBody is UpdateDatasetGrantsRequest.
type grantsBody struct {
	Grants *[]grantBody `json:"grants"`
}

func setDatasetGrants(q *request) (int, any, error) {
	var b grantsBody
	if err := decode(q, &b); err != nil {
		return 0, nil, err
	}
	if b.Grants == nil {
		return 0, nil, badRequest("grants is required")
	}
	in, err := grantInputs("grants", *b.Grants)
	if err != nil {
		return 0, nil, err
	}
	gs, err := q.st.SetDatasetGrants(q.caller, q.vars("datasetId"), in)
	out := []grantDto{}
	for _, g := range gs {
		out = append(out, grantDto{TargetID: g.TargetID, TargetRole: g.Role})
	}
	return http.StatusOK, out, err
}

func listSnapshots(q *request) (int, any, error) {
	list, err := q.st.DatasetSnapshots(q.caller, q.vars("datasetId"))
	out := make([]snapshotDto, 0, len(list))
	for _, sn := range list {
		out = append(out, snapDto(sn))
	}
	return http.StatusOK, out, err
}

func getSnapshot(q *request) (int, any, error) {
	if _, err := boolParam(q, "includeStorageInfo"); err != nil {
		return 0, nil, err
	}
	sn, err := q.st.GetDatasetSnapshot(q.caller, q.vars("snapshotId"))
	return http.StatusOK, snapshotSummaryDto{Snapshot: snapDto(sn), IsReadWrite: sn.IsReadWrite,
		AuthorUsername: sn.AuthorUsername, DatasetDescription: sn.DatasetDescription}, err
}

func listSnapshotFiles(q *request) (int, any, error) {
	v := q.URL.Query()
	if !v.Has("path") {
		return 0, nil, badRequest("path is required")
	}
	sid := q.vars("snapshotId")
	entries, err := q.st.DatasetFiles(q.caller, sid, v.Get("path"))
	if err != nil {
		return 0, nil, err
	}
	out := filesView{Rows: []fileRow{}}
	var total int64
	for _, e := range entries {
		isDir := e.IsDir
		name := fileDetails{Label: e.Name, FileName: e.Path, IsDirectory: &isDir, SizeInBytes: e.Size, SortableName: e.Name}
		if !e.IsDir {
			name.URL = q.st.ExternalURL() + "/v4/datasetrw/snapshot/" + sid + "/file/raw?path=" + queryEscape(e.Path)
		}
		out.Rows = append(out.Rows, fileRow{Name: name, Size: fileDetails{Label: humanSize(e.Size), SizeInBytes: e.Size},
			LastModified: e.Modified.UnixMilli()})
		total += e.Size
	}
	out.DirectorySize = humanSize(total)
	return http.StatusOK, out, nil
}

func queryEscape(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", " ", "%20", "#", "%23", "?", "%3F").Replace(s)
}

// humanSize is a size as Domino's file browser labels it.
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, i := float64(n), 0
	for f >= unit && i < 4 {
		f /= unit
		i++
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + []string{"B", "KB", "MB", "GB", "TB"}[i]
}

func getSnapshotFileRaw(q *request) (int, any, error) {
	if _, err := boolParam(q, "download"); err != nil {
		return 0, nil, err
	}
	f, err := q.st.OpenDatasetFile(q.caller, q.vars("snapshotId"), q.URL.Query().Get("path"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, q.fileAnswer(f), nil
}

// downloadBody is CreateDownloadArchiveRequest.
type downloadBody struct {
	RelativePaths *[]string `json:"relativePaths"`
}

func createDownload(q *request) (int, any, error) {
	var b downloadBody
	if err := decode(q, &b); err != nil {
		return 0, nil, err
	}
	if b.RelativePaths == nil {
		return 0, nil, badRequest("relativePaths is required")
	}
	t, err := q.st.CreateDownloadTask(q.caller, q.vars("snapshotId"), *b.RelativePaths)
	return http.StatusOK, taskDto{TaskID: t.ID, TaskKey: t.Key, TaskStatus: t.Status}, err
}

func getDownloadTask(q *request) (int, any, error) {
	t, err := q.st.DownloadTaskStatus(q.caller, q.vars("snapshotId"), q.vars("taskId"))
	return http.StatusOK, taskDto{TaskID: t.ID, TaskKey: t.Key, TaskStatus: t.Status}, err
}

func downloadArchive(q *request) (int, any, error) {
	files, err := q.st.DownloadArchive(q.caller, q.vars("snapshotId"), q.vars("taskKey"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &zipAnswer{files: files, head: clientMethod(q.Request) == http.MethodHead, writeTimeout: q.writeTimeout}, nil
}

// zipAnswer writes a download archive as it reads its files: a zip
// without compression, streamed, never held whole.
type zipAnswer struct {
	files        []store.ArchiveFile
	head         bool
	writeTimeout time.Duration
}

func (a *zipAnswer) write(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="snapshot.zip"`)
	w.WriteHeader(status)
	if a.head {
		return
	}
	var dst io.Writer = w
	if a.writeTimeout > 0 {
		dst = &leavingBody{w: w, rc: http.NewResponseController(w), timeout: a.writeTimeout}
	}
	zw := zip.NewWriter(dst)
	for _, f := range a.files {
		// An error here comes after the status: the archive ends short,
		// which its reader sees.
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.Path, Method: zip.Store, Modified: f.Modified})
		if err != nil {
			return
		}
		r, err := f.Open()
		if err != nil {
			return
		}
		_, err = io.Copy(fw, r)
		r.Close()
		if err != nil {
			return
		}
	}
	zw.Close()
}

func sharedMounts(q *request) (int, any, error) {
	mounts, err := q.st.SharedDatasetMounts(q.caller, q.vars("projectId"))
	out := make([]mountDto, 0, len(mounts))
	for _, m := range mounts {
		d := m.Dataset
		out = append(out, mountDto{DatasetID: d.ID, SnapshotID: m.Snapshot.ID, Name: d.Name, Description: d.Description,
			OwnerProjectID: d.ProjectID, OwnerProjectName: d.ProjectName, OwnerProjectOwnerUsername: d.ProjectOwner,
			OwnerUsernames: d.OwnerUsernames, AvailableVersions: m.Versions,
			MountPathsForProject: []string{"/domino/datasets/" + d.Name}, DataPlanes: []any{},
			SizeInBytes: d.Size, SizeStatus: "Active", VersionNumber: m.Snapshot.Version})
	}
	return http.StatusOK, out, err
}

func shareDataset(share bool) handler {
	return func(q *request) (int, any, error) {
		ids, err := q.st.ShareDataset(q.caller, q.vars("projectId"), q.vars("datasetId"), share)
		return http.StatusOK, sharedEntry{ProjectID: q.vars("projectId"), SharedDatasets: ids}, err
	}
}

// ---- the chunked upload ----

// startUploadBody is FileCollisionRequest.
type startUploadBody struct {
	FilePaths            *[]string `json:"filePaths"`
	FileCollisionSetting *string   `json:"fileCollisionSetting"`
	TargetRelativePath   *string   `json:"targetRelativePath"`
}

func startUpload(q *request) (int, any, error) {
	var b startUploadBody
	if err := decode(q, &b); err != nil {
		return 0, nil, err
	}
	if b.FilePaths == nil {
		return 0, nil, badRequest("filePaths is required")
	}
	var in store.UploadStart
	if b.FileCollisionSetting != nil {
		in.Collision = *b.FileCollisionSetting
	}
	if b.TargetRelativePath != nil {
		in.Target = *b.TargetRelativePath
	}
	key, err := q.st.StartDatasetUpload(q.caller, q.vars("datasetId"), in)
	return http.StatusOK, key, err
}

// intParam reads a whole-number query parameter; def when it is absent.
func intParam(q *request, name string, required bool, def int64) (int64, error) {
	v := q.URL.Query().Get(name)
	if v == "" {
		if required {
			return 0, badRequest("%s is required", name)
		}
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > 1<<31-1 {
		return 0, badRequest("%s %q is not a whole number from 0 to 2147483647", name, clipPath(v))
	}
	return n, nil
}

func chunkNumbers(q *request) (number, total int, err error) {
	n, err := intParam(q, "resumableChunkNumber", true, 0)
	if err != nil {
		return 0, 0, err
	}
	t, err := intParam(q, "resumableTotalChunks", true, 0)
	return int(n), int(t), err
}

func testChunk(q *request) (int, any, error) {
	v := q.URL.Query()
	n, total, err := chunkNumbers(q)
	if err != nil {
		return 0, nil, err
	}
	for _, name := range []string{"key", "resumableIdentifier", "checksum"} {
		if v.Get(name) == "" {
			return 0, nil, badRequest("%s is required", name)
		}
	}
	held, err := q.st.TestDatasetChunk(q.caller, q.vars("datasetId"), store.ChunkTest{Key: v.Get("key"),
		Identifier: v.Get("resumableIdentifier"), Checksum: v.Get("checksum"), Number: n, Total: total})
	if err != nil {
		return 0, nil, err
	}
	if held {
		return http.StatusOK, noContent{}, nil // held: the client skips it
	}
	return http.StatusNoContent, noContent{}, nil // send it
}

// uploadChunk takes one chunk: a multipart/form-data body (as python's
// requests sends files=) whose first file part is the chunk's bytes,
// streamed to the store.
func uploadChunk(q *request) (int, any, error) {
	v := q.URL.Query()
	n, total, err := chunkNumbers(q)
	if err != nil {
		return 0, nil, err
	}
	if _, err := intParam(q, "resumableChunkSize", false, 0); err != nil {
		return 0, nil, err
	}
	size, err := intParam(q, "resumableCurrentChunkSize", false, -1)
	if err != nil {
		return 0, nil, err
	}
	if v.Get("key") == "" {
		return 0, nil, badRequest("key is required")
	}
	in := store.Chunk{Key: v.Get("key"), Identifier: v.Get("resumableIdentifier"), RelativePath: v.Get("resumableRelativePath"),
		Checksum: v.Get("checksum"), Number: n, Total: total, CurrentSize: size}
	part, err := chunkPart(q)
	if err != nil {
		return 0, nil, err
	}
	rc := http.NewResponseController(q.w)
	err = q.st.UploadDatasetChunk(q.caller, q.vars("datasetId"), in, &arrivingBody{r: part, rc: rc, timeout: q.readTimeout})
	if q.writeTimeout > 0 {
		rc.SetWriteDeadline(time.Now().Add(q.writeTimeout))
	}
	if err != nil {
		return 0, nil, err
	}
	// The rest of the body (the closing boundary) is read, so that the
	// connection stays open for the next chunk.
	if err := drainBody(q); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, in.Key, nil
}

// chunkPart is the first part of a multipart body that carries a file.
func chunkPart(q *request) (io.Reader, error) {
	mt, params, err := mime.ParseMediaType(q.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, &httpError{status: http.StatusUnsupportedMediaType, msg: "a chunk is sent as multipart/form-data, its bytes in a file part"}
	}
	mr := multipart.NewReader(q.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, err
		case err == io.EOF:
			return nil, badRequest("the multipart body holds no file part")
		case err != nil:
			return nil, badRequest("the multipart body is malformed: %s", clipPath(err.Error()))
		}
		if p.FileName() != "" {
			return p, nil
		}
	}
}

func endUpload(q *request) (int, any, error) {
	res, err := q.st.EndDatasetUpload(q.caller, q.vars("datasetId"), q.vars("uploadKey"), q.URL.Query().Get("targetRelativePath"))
	return http.StatusOK, res.Path, err
}

func cancelUpload(q *request) (int, any, error) {
	return http.StatusOK, noContent{}, q.st.CancelDatasetUpload(q.caller, q.vars("datasetId"), q.vars("uploadKey"))
}
