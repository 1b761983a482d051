package conformance

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cucumber/godog"
)

// Datasets, the way python-domino reaches them (the legacy /dataset routes
// and the chunked upload of datasets_upload_files) and /v4/datasetrw.
//
// Every dataset a scenario creates is in the scenario's own project and is
// deleted in the After hook; an upload session it leaves open is cancelled.

// datasetWorld is what a scenario's dataset steps remember.
type datasetWorld struct {
	byAlias map[string]*madeDataset
	key     string // the open upload session's key
	keyOf   string // the dataset alias it is for
}

type madeDataset struct {
	alias, name, id string
	created         obj    // the create answer
	firstSnapshot   string // the empty one it was made with
}

func (w *world) datasetsMade() *datasetWorld {
	if w.datasets == nil {
		w.datasets = &datasetWorld{byAlias: map[string]*madeDataset{}}
	}
	return w.datasets
}

func (w *world) dataset(alias string) (*madeDataset, error) {
	d, ok := w.datasetsMade().byAlias[alias]
	if !ok {
		return nil, fmt.Errorf("the scenario has made no dataset %q", alias)
	}
	return d, nil
}

// createDataset asks to create a dataset in the scenario's project; one
// the target creates is remembered and deleted afterwards.
func (w *world) createDataset(ctx context.Context, alias string) error {
	p, err := w.project(ctx)
	if err != nil {
		return err
	}
	name := w.uniqueName(alias)
	r, err := w.call(ctx, http.MethodPost, "/v4/datasetrw", w.admin(),
		map[string]any{"datasetName": name, "projectId": p.id, "description": "made by the conformance suite", "usedForModelMonitoring": false})
	if err != nil || r.Status != http.StatusOK {
		return err
	}
	o, err := r.Object()
	if err != nil {
		return err
	}
	id, err := o.objectID("id")
	if err != nil {
		return err
	}
	w.afterwards("delete dataset "+name, func(ctx context.Context) error {
		r, err := w.run.client.Do(ctx, http.MethodDelete, "/v4/datasetrw/dataset/"+id, w.admin(), nil)
		if err != nil || r.Status == http.StatusOK || r.Status == http.StatusNotFound {
			return err // gone already: a scenario removed it
		}
		return fmt.Errorf("%s", r)
	})
	d := &madeDataset{alias: alias, name: name, id: id, created: o}
	if ids, _ := o.list("snapshotIds"); len(ids) > 0 {
		d.firstSnapshot, _ = ids[0].(string)
	}
	w.datasetsMade().byAlias[alias] = d
	return nil
}

func (w *world) givenDataset(ctx context.Context, alias string) error {
	if err := w.createDataset(ctx, alias); err != nil {
		return err
	}
	if w.resp.Status != http.StatusOK {
		return fmt.Errorf("precondition failed: creating dataset %s: %s", alias, w.resp)
	}
	return nil
}

// getDataset is GET /v4/datasetrw/datasets/{id} as the administrator.
func (w *world) getDataset(ctx context.Context, d *madeDataset) (obj, error) {
	r, err := w.must(ctx, http.MethodGet, "/v4/datasetrw/datasets/"+d.id, w.admin(), nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return r.Object()
}

// startUpload opens an upload session as python-domino does, and cancels
// it afterwards if it is still open then.
func (w *world) startUpload(ctx context.Context, who string, d *madeDataset) (string, error) {
	cred, err := w.caller(ctx, who)
	if err != nil {
		return "", err
	}
	r, err := w.call(ctx, http.MethodPost, "/v4/datasetrw/datasets/"+d.id+"/snapshot/file/start", cred,
		map[string]any{"filePaths": []string{}, "fileCollisionSetting": "Overwrite"})
	if err != nil || r.Status != http.StatusOK {
		return "", err
	}
	var key string
	if err := json.Unmarshal(r.Body, &key); err != nil || key == "" {
		return "", fmt.Errorf("the upload's start answered no key: %s", r)
	}
	w.afterwards("cancel upload "+key, func(ctx context.Context) error {
		_, err := w.run.client.Do(ctx, http.MethodGet, "/v4/datasetrw/datasets/"+d.id+"/snapshot/file/cancel/"+url.PathEscape(key), w.admin(), nil)
		return err // an ended session is not found: nothing to cancel
	})
	return key, nil
}

func md5Upper(data []byte) string {
	sum := md5.Sum(data)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// sendChunk sends chunk n of total of the file rel, as python-domino's
// _upload_chunk_retry does.
func (w *world) sendChunk(ctx context.Context, d *madeDataset, key, rel string, size, n, total int, data []byte) error {
	ident := fmt.Sprintf("%d-%s", size, rel[strings.LastIndex(rel, "/")+1:])
	q := url.Values{"key": {key}, "resumableChunkNumber": {fmt.Sprint(n)}, "resumableChunkSize": {fmt.Sprint((size + total - 1) / total)},
		"resumableCurrentChunkSize": {fmt.Sprint(len(data))}, "resumableIdentifier": {ident}, "resumableRelativePath": {rel},
		"resumableTotalChunks": {fmt.Sprint(total)}, "checksum": {md5Upper(data)}}
	_, err := w.must(ctx, http.MethodPost, "/v4/datasetrw/datasets/"+d.id+"/snapshot/file?"+q.Encode(), w.admin(),
		MultipartFile{Field: rel, Name: rel[strings.LastIndex(rel, "/")+1:], Data: data}, http.StatusOK)
	return err
}

// testChunk asks the session whether it holds chunk 1 of 1 of rel with content.
func (w *world) testChunk(ctx context.Context, d *madeDataset, key, rel, content string) error {
	ident := fmt.Sprintf("%d-%s", len(content), rel[strings.LastIndex(rel, "/")+1:])
	q := url.Values{"key": {key}, "resumableChunkNumber": {"1"}, "resumableIdentifier": {ident},
		"resumableTotalChunks": {"1"}, "checksum": {md5Upper([]byte(content))}}
	_, err := w.call(ctx, http.MethodGet, "/v4/datasetrw/datasets/"+d.id+"/snapshot/file/test?"+q.Encode(), w.admin(), nil)
	return err
}

// readWriteSnapshot is the dataset's read-write snapshot's id.
func (w *world) readWriteSnapshot(ctx context.Context, d *madeDataset) (string, error) {
	o, err := w.getDataset(ctx, d)
	if err != nil {
		return "", err
	}
	return o.objectID("readWriteSnapshotId")
}

// uploadDataset sends a file's chunks, last first, and ends the session.
func (w *world) uploadDataset(ctx context.Context, d *madeDataset, rel, content string, chunks int) error {
	key, err := w.startUpload(ctx, "the administrator", d)
	if err != nil {
		return err
	}
	if w.resp.Status != http.StatusOK {
		return fmt.Errorf("precondition failed: starting an upload: %s", w.resp)
	}
	data := []byte(content)
	size := (len(data) + chunks - 1) / chunks
	for n := chunks; n >= 1; n-- {
		part := data[min((n-1)*size, len(data)):min(n*size, len(data))]
		if err := w.sendChunk(ctx, d, key, rel, len(data), n, chunks, part); err != nil {
			return err
		}
	}
	_, err = w.call(ctx, http.MethodGet, "/v4/datasetrw/datasets/"+d.id+"/snapshot/file/end/"+url.PathEscape(key), w.admin(), nil)
	return err
}

func registerDatasetSteps(sc *godog.ScenarioContext, w *world) {
	sc.When(`^the administrator creates the dataset "([^"]*)" in the project$`, w.createDataset)
	sc.Given(`^the administrator has created the dataset "([^"]*)"$`, w.givenDataset)
	sc.Given(`^the administrator has created the dataset "([^"]*)" holding "([^"]*)"$`, func(ctx context.Context, alias, rel string) error {
		if err := w.givenDataset(ctx, alias); err != nil {
			return err
		}
		d, _ := w.dataset(alias)
		if err := w.uploadDataset(ctx, d, rel, "kept", 1); err != nil {
			return err
		}
		return expectStatus(w.resp, http.StatusOK)
	})
	sc.When(`^the administrator uploads "([^"]*)" holding "([^"]*)" to the dataset "([^"]*)" in (\d+) chunks, the last first$`, func(ctx context.Context, rel, content, alias string, chunks int) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		return w.uploadDataset(ctx, d, rel, content, chunks)
	})
	startAndSend := func(ctx context.Context, alias, rel, content string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		key, err := w.startUpload(ctx, "the administrator", d)
		if err != nil {
			return err
		}
		if w.resp.Status != http.StatusOK {
			return fmt.Errorf("precondition failed: starting an upload: %s", w.resp)
		}
		w.datasetsMade().key, w.datasetsMade().keyOf = key, alias
		return w.sendChunk(ctx, d, key, rel, len(content), 1, 1, []byte(content))
	}
	sc.When(`^the administrator starts an upload to the dataset "([^"]*)" and sends "([^"]*)" holding "([^"]*)" without ending it$`, startAndSend)
	sc.Given(`^the administrator has started an upload to the dataset "([^"]*)" and sent "([^"]*)" holding "([^"]*)"$`, func(ctx context.Context, alias, rel, content string) error {
		if err := w.givenDataset(ctx, alias); err != nil {
			return err
		}
		return startAndSend(ctx, alias, rel, content)
	})
	sc.When(`^the administrator asks whether the upload holds "([^"]*)" holding "([^"]*)"$`, func(ctx context.Context, rel, content string) error {
		dw := w.datasetsMade()
		d, err := w.dataset(dw.keyOf)
		if err != nil {
			return err
		}
		return w.testChunk(ctx, d, dw.key, rel, content)
	})
	sc.When(`^`+callerRE+` reads the dataset "([^"]*)"$`, func(ctx context.Context, who, alias string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, "/v4/datasetrw/datasets/"+d.id, nil)
	})
	sc.When(`^`+callerRE+` starts an upload to the dataset "([^"]*)"$`, func(ctx context.Context, who, alias string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		_, err = w.startUpload(ctx, who, d)
		return err
	})
	sc.When(`^the administrator grants `+callerRE+` "([^"]*)" on the dataset "([^"]*)"$`, func(ctx context.Context, who, role, alias string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		target, err := w.whoIs(ctx, who)
		if err != nil {
			return err
		}
		admin, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		_, err = w.must(ctx, http.MethodPut, "/v4/datasetrw/dataset/"+d.id+"/grants", w.admin(), map[string]any{"grants": []map[string]string{
			{"targetId": admin.id, "targetRole": "DatasetRwOwner"}, {"targetId": target.id, "targetRole": role}}}, http.StatusOK)
		return err
	})
	sc.When(`^the administrator (reads|lists) "([^"]*)" in the dataset "([^"]*)"$`, func(ctx context.Context, how, p, alias string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		sn, err := w.readWriteSnapshot(ctx, d)
		if err != nil {
			return err
		}
		route := "/v4/datasetrw/snapshot/" + sn + "/file/raw?path="
		if how == "lists" {
			route = "/v4/datasetrw/files/" + sn + "?path="
		}
		_, err = w.call(ctx, http.MethodGet, route+url.QueryEscape(p), w.admin(), nil)
		return err
	})
	sc.When(`^the administrator reads "([^"]*)" with the id "([^"]*)"$`, func(ctx context.Context, route, id string) error {
		_, err := w.call(ctx, http.MethodGet, strings.Replace(route, "{id}", id, 1), w.admin(), nil)
		return err
	})
	sc.When(`^the administrator lists datasets-v2 of the project$`, func(ctx context.Context) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, "/v4/datasetrw/datasets-v2?projectIdsToInclude="+p.id, w.admin(), nil)
		return err
	})
	sc.When(`^the administrator lists datasets-v2 with (projectIdsToInclude|datasetIds) naming nothing$`, func(ctx context.Context, param string) error {
		_, err := w.call(ctx, http.MethodGet, "/v4/datasetrw/datasets-v2?"+param+"=000000000000000000000000", w.admin(), nil)
		return err
	})
	sc.When(`^the administrator renames the dataset "([^"]*)" to "([^"]*)" as python-domino does$`, func(ctx context.Context, alias, to string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		_, err = w.must(ctx, http.MethodPatch, "/dataset/"+d.id, w.admin(), map[string]any{"datasetName": w.uniqueName(to)}, http.StatusOK)
		return err
	})
	sc.When(`^the administrator removes the dataset "([^"]*)" as python-domino does$`, func(ctx context.Context, alias string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		r, err := w.call(ctx, http.MethodDelete, "/dataset/"+d.id, w.admin(), nil)
		if err != nil {
			return err
		}
		if r.Status/100 != 2 {
			return fmt.Errorf("removing the dataset: %s", r)
		}
		return nil
	})
	sc.When(`^the administrator shares the dataset "([^"]*)" into the project "([^"]*)"$`, func(ctx context.Context, alias, project string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		p, err := w.madeProject(project)
		if err != nil {
			return err
		}
		if _, err := w.must(ctx, http.MethodPost, "/v4/datasetrw/"+p.id+"/shared/"+d.id, w.admin(), nil, http.StatusOK); err != nil {
			return err
		}
		w.afterwards("stop sharing dataset "+d.name, func(ctx context.Context) error {
			_, err := w.run.client.Do(ctx, http.MethodDelete, "/v4/datasetrw/"+p.id+"/shared/"+d.id, w.admin(), nil)
			return err
		})
		return nil
	})

	sc.Then(`^the dataset "([^"]*)" is answered with its name, the project and one snapshot$`, func(ctx context.Context, alias string) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		if err := d.created.check().equal("name", d.name).equal("projectId", p.id).equal("projectName", p.name).err(); err != nil {
			return err
		}
		if ids, err := d.created.list("snapshotIds"); err != nil || len(ids) != 1 {
			return fmt.Errorf("a new dataset has snapshots %v, want one: %s", ids, w.resp)
		}
		return nil
	})
	sc.Then(`^the project's datasets, as python-domino lists them, name "([^"]*)"$`, func(ctx context.Context, alias string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, "/dataset?projectId="+p.id, w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		list, err := r.Array()
		if err != nil {
			return err
		}
		for _, o := range list {
			if name, _ := o.str("datasetName"); name == d.name {
				return o.check().equal("datasetId", d.id).err()
			}
		}
		return fmt.Errorf("datasets_names does not name %s: %s", d.name, r)
	})
	sc.Then(`^the dataset "([^"]*)" has a new read-write snapshot$`, func(ctx context.Context, alias string) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return fmt.Errorf("ending the upload: %w", err)
		}
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		sn, err := w.readWriteSnapshot(ctx, d)
		if err != nil {
			return err
		}
		if sn == d.firstSnapshot {
			return fmt.Errorf("the read-write snapshot is still the first one, %s", sn)
		}
		return nil
	})
	sc.Then(`^"([^"]*)" reads "([^"]*)" in the dataset "([^"]*)"$`, func(ctx context.Context, p, want, alias string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		sn, err := w.readWriteSnapshot(ctx, d)
		if err != nil {
			return err
		}
		r, err := w.run.client.Do(ctx, http.MethodGet, "/v4/datasetrw/snapshot/"+sn+"/file/raw?path="+url.QueryEscape(p), w.admin(), nil)
		if err != nil {
			return err
		}
		return bodyIs(r, want)
	})
	sc.Then(`^the dataset "([^"]*)" has only its first snapshot$`, func(ctx context.Context, alias string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, "/v4/datasetrw/snapshots/"+d.id, w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		list, err := r.Array()
		if err != nil {
			return err
		}
		if len(list) != 1 {
			return fmt.Errorf("the dataset has %d snapshots, want its first only: %s", len(list), r)
		}
		return list[0].check().equal("id", d.firstSnapshot).err()
	})
	sc.Then(`^the answer is (200|204) with no body$`, func(status int) error {
		if err := expectStatus(w.resp, status); err != nil {
			return err
		}
		if len(w.resp.Body) != 0 {
			return fmt.Errorf("a body: %s", w.resp)
		}
		return nil
	})
	sc.Then(`^the list holds the dataset "([^"]*)"$`, func(alias string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		list, err := w.resp.Array()
		if err != nil {
			return err
		}
		for _, o := range list {
			if dto, err := o.object("datasetRwDto"); err == nil {
				if id, _ := dto.str("id"); id == d.id {
					return dto.check().equal("name", d.name).err()
				}
			}
		}
		return fmt.Errorf("datasets-v2 does not list %s: %s", d.name, w.resp)
	})
	sc.Then(`^the answer is an empty list$`, func() error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		list, err := w.resp.Array()
		if err != nil {
			return err
		}
		if len(list) != 0 {
			return fmt.Errorf("%d items, want none: %s", len(list), w.resp)
		}
		return nil
	})
	sc.Then(`^the dataset's details, as python-domino reads them, name "([^"]*)"$`, func(ctx context.Context, to string) error {
		var d *madeDataset
		for _, x := range w.datasetsMade().byAlias {
			d = x
		}
		if d == nil {
			return fmt.Errorf("the scenario has made no dataset")
		}
		r, err := w.must(ctx, http.MethodGet, "/dataset/"+d.id, w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		o, err := r.Object()
		if err != nil {
			return err
		}
		// python-domino's live tests read these keys.
		if _, ok := o["projectId"]; !ok {
			return fmt.Errorf("no projectId: %s", r)
		}
		if _, ok := o["created"]; !ok {
			return fmt.Errorf("no created: %s", r)
		}
		return o.check().equal("datasetId", d.id).equal("datasetName", w.uniqueName(to)).err()
	})
	sc.Then(`^the dataset "([^"]*)" is not found$`, func(ctx context.Context, alias string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		r, err := w.run.client.Do(ctx, http.MethodGet, "/v4/datasetrw/datasets/"+d.id, w.admin(), nil)
		if err != nil {
			return err
		}
		return expectStatus(r, http.StatusNotFound)
	})
	sc.Then(`^the project "([^"]*)" mounts the dataset "([^"]*)"$`, func(ctx context.Context, project, alias string) error {
		d, err := w.dataset(alias)
		if err != nil {
			return err
		}
		p, err := w.madeProject(project)
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, "/v4/datasetrw/mounts-v2/"+p.id+"/shared", w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		list, err := r.Array()
		if err != nil {
			return err
		}
		for _, o := range list {
			if id, _ := o.str("datasetId"); id == d.id {
				return o.check().equal("name", d.name).nonEmpty("snapshotId").err()
			}
		}
		return fmt.Errorf("the project's mounts leave out %s: %s", d.name, r)
	})
}
