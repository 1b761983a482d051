package conformance

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cucumber/godog"
)

// Projects' files and commits, the way python-domino reaches them:
// files_upload (PUT /v1/projects/{owner}/{name}/{path}, the file's bytes as
// the body), commits_list, files_list, blobs_get and blobs_get_v2.
//
// A scenario's files go under a folder of its own in the project,
// mockdomino-conformance/<run prefix>-<scenario>-files/, so that it never
// touches a file it did not write. Domino gives no way to delete a file
// through these routes: the scenarios that upload are @destructive and
// leave their files there.

// fileWorld is what a scenario's file steps remember.
type fileWorld struct {
	uploaded obj    // the last upload's answer
	content  string // its content
}

// filePath is where a scenario's file p goes in the project.
func (w *world) filePath(p string) string {
	return "mockdomino-conformance/" + w.uniqueName("files") + "/" + p
}

// escapePath writes a path for a URL, a name at a time: "." and ".." are
// percent-encoded, so that they reach the API rather than being resolved
// by the client or a proxy on the way, and <NUL> stands for a NUL byte.
func escapePath(p string) string {
	names := strings.Split(strings.ReplaceAll(p, "<NUL>", "\x00"), "/")
	for i, n := range names {
		if n == "." || n == ".." {
			names[i] = strings.Repeat("%2E", len(n))
		} else {
			names[i] = url.PathEscape(n)
		}
	}
	return strings.Join(names, "/")
}

func (w *world) projectURL(ctx context.Context) (*projectInfo, string, error) {
	p, err := w.project(ctx)
	if err != nil {
		return nil, "", err
	}
	return p, "/v1/projects/" + url.PathEscape(p.owner) + "/" + url.PathEscape(p.name), nil
}

// commits lists the project's commits, newest first, as the administrator.
func (w *world) commits(ctx context.Context) ([]obj, error) {
	_, base, err := w.projectURL(ctx)
	if err != nil {
		return nil, err
	}
	r, err := w.must(ctx, http.MethodGet, base+"/commits", w.admin(), nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return r.Array()
}

// commitID is the id of the newest commit (0) or the one before it (1).
func (w *world) commitID(ctx context.Context, back int) (string, error) {
	list, err := w.commits(ctx)
	if err != nil {
		return "", err
	}
	if len(list) <= back {
		return "", fmt.Errorf("the project has %d commits, want at least %d", len(list), back+1)
	}
	return list[back].nonEmpty("id")
}

func (w *world) upload(ctx context.Context, who, path, content string) error {
	_, base, err := w.projectURL(ctx)
	if err != nil {
		return err
	}
	if err := w.callAs(ctx, who, http.MethodPut, base+"/"+escapePath(w.filePath(path)), FileBytes(content)); err != nil {
		return err
	}
	w.files = fileWorld{content: content}
	if w.resp.Status/100 == 2 {
		w.files.uploaded, _ = w.resp.Object()
	}
	return nil
}

// readAt reads a file through the public API (blobs_get_v2), as the administrator.
func (w *world) readAt(ctx context.Context, path string, back int) (*Response, error) {
	p, err := w.project(ctx)
	if err != nil {
		return nil, err
	}
	id, err := w.commitID(ctx, back)
	if err != nil {
		return nil, err
	}
	return w.run.client.Do(ctx, http.MethodGet, "/api/projects/v1/projects/"+p.id+"/files/"+id+"/"+escapePath(path)+"/content", w.admin(), nil)
}

func registerFileSteps(sc *godog.ScenarioContext, w *world) {
	sc.When(`^`+callerRE+` lists the project's commits$`, func(ctx context.Context, who string) error {
		_, base, err := w.projectURL(ctx)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, base+"/commits", nil)
	})
	sc.When(`^`+callerRE+` uploads "([^"]*)" holding "([^"]*)" to the project$`, func(ctx context.Context, who, path, content string) error {
		return w.upload(ctx, who, path, content)
	})
	sc.Given(`^`+callerRE+` has uploaded "([^"]*)" holding "([^"]*)"$`, func(ctx context.Context, who, path, content string) error {
		if err := w.upload(ctx, who, path, content); err != nil {
			return err
		}
		if w.resp.Status != http.StatusCreated {
			return fmt.Errorf("precondition failed: uploading %s: %s", path, w.resp)
		}
		return nil
	})
	sc.When(`^`+callerRE+` lists the files under "([^"]*)" at the newest commit$`, func(ctx context.Context, who, folder string) error {
		_, base, err := w.projectURL(ctx)
		if err != nil {
			return err
		}
		id, err := w.commitID(ctx, 0)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, base+"/files/"+id+"/"+escapePath(w.filePath(folder)), nil)
	})
	sc.When(`^`+callerRE+` lists the files of a commit that does not exist$`, func(ctx context.Context, who string) error {
		_, base, err := w.projectURL(ctx)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, base+"/files/"+strings.Repeat("0", 40)+"//", nil)
	})
	sc.When(`^the administrator reads "([^"]*)" at the newest commit$`, func(ctx context.Context, path string) error {
		r, err := w.readAt(ctx, w.filePath(path), 0)
		if err != nil {
			return err
		}
		w.resp = r
		return nil
	})

	sc.Then(`^the answer is a list of commits, each with an id, a name and a time, newest first$`, func() error {
		return newestFirst(w.resp)
	})
	sc.Then(`^the project's commits are listed newest first$`, func(ctx context.Context) error {
		_, base, err := w.projectURL(ctx)
		if err != nil {
			return err
		}
		r, err := w.run.client.Do(ctx, http.MethodGet, base+"/commits", w.admin(), nil)
		if err != nil {
			return err
		}
		return newestFirst(r)
	})
	sc.Then(`^the upload is answered with the path of "([^"]*)", its size and a key$`, func(path string) error {
		if err := expectStatus(w.resp, http.StatusCreated); err != nil {
			return err
		}
		o := w.files.uploaded
		c := o.check().equal("path", w.filePath(path)).number("size").nonEmpty("key")
		if err := c.err(); err != nil {
			return err
		}
		if size, _ := o.number("size"); int(size) != len(w.files.content) {
			return fmt.Errorf("size %v, want %d", size, len(w.files.content))
		}
		// blobs_get refuses a key that is not 40 characters.
		if key, _ := o.str("key"); len(key) != 40 {
			return fmt.Errorf("key %q is not 40 characters", key)
		}
		return nil
	})
	sc.Then(`^the project's newest commit lists "([^"]*)" with that key$`, func(ctx context.Context, path string) error {
		_, base, err := w.projectURL(ctx)
		if err != nil {
			return err
		}
		id, err := w.commitID(ctx, 0)
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, base+"/files/"+id+"//", w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		return listHolds(r, w.filePath(path), w.files.uploaded)
	})
	sc.Then(`^the file "([^"]*)" reads "([^"]*)" at the (newest commit|commit before it)$`, func(ctx context.Context, path, want, which string) error {
		back := 0
		if which == "commit before it" {
			back = 1
		}
		r, err := w.readAt(ctx, w.filePath(path), back)
		if err != nil {
			return err
		}
		return bodyIs(r, want)
	})
	sc.Then(`^the fork "([^"]*)" holds "([^"]*)" reading "([^"]*)" in one commit of its own$`, func(ctx context.Context, alias, path, want string) error {
		fork, err := w.madeProject(alias)
		if err != nil {
			return err
		}
		admin, err := w.whoIs(ctx, "the administrator")
		if err != nil {
			return err
		}
		// The fork's steps read from the fork, as "the project".
		own, folder := w.own, w.filePath(path)
		w.own = &projectInfo{id: fork.id, name: fork.name, owner: admin.userName, ownerID: admin.id}
		defer func() { w.own = own }()
		list, err := w.commits(ctx)
		if err != nil {
			return err
		}
		if len(list) != 1 {
			return fmt.Errorf("the fork has %d commits, want 1", len(list))
		}
		r, err := w.readAt(ctx, folder, 0)
		if err != nil {
			return err
		}
		return bodyIs(r, want)
	})
	sc.Then(`^the file reads "([^"]*)" by its key$`, func(ctx context.Context, want string) error {
		_, base, err := w.projectURL(ctx)
		if err != nil {
			return err
		}
		key, err := w.files.uploaded.nonEmpty("key")
		if err != nil {
			return err
		}
		r, err := w.run.client.Do(ctx, http.MethodGet, base+"/blobs/"+url.PathEscape(key), w.admin(), nil)
		if err != nil {
			return err
		}
		return bodyIs(r, want)
	})
	sc.Then(`^the list holds "([^"]*)" only$`, func(path string) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		o, err := w.resp.Object()
		if err != nil {
			return err
		}
		data, err := o.list("data")
		if err != nil {
			return err
		}
		if len(data) != 1 {
			return fmt.Errorf("the list holds %d files, want %s only: %s", len(data), w.filePath(path), w.resp)
		}
		return listHolds(w.resp, w.filePath(path), nil)
	})
	sc.Then(`^the file's content is kept out of the mock's journal$`, func(ctx context.Context) error {
		if err := expectStatus(w.resp, http.StatusCreated); err != nil {
			return fmt.Errorf("the upload: %w", err)
		}
		r, err := w.must(ctx, http.MethodGet, "/__mock/journal", w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		if bytes.Contains(r.Body, []byte(w.files.content)) {
			return fmt.Errorf("the journal holds the file's content")
		}
		if !bytes.Contains(r.Body, []byte(w.filePath(""))) {
			return fmt.Errorf("the journal does not record the upload")
		}
		return nil
	})
}

// listHolds checks that a files_list answer holds path, with the upload's
// key and size when upload is given.
func listHolds(r *Response, path string, upload obj) error {
	o, err := r.Object()
	if err != nil {
		return err
	}
	data, err := o.list("data")
	if err != nil {
		return err
	}
	for _, e := range data {
		f, ok := e.(map[string]any)
		if !ok || f["path"] != path {
			continue
		}
		c := obj(f).check().nonEmpty("key").number("size", "lastModified")
		if upload != nil {
			key, _ := upload.str("key")
			c.equal("key", key)
		}
		return c.err()
	}
	return fmt.Errorf("%s is not listed: %s", path, r)
}

// bodyIs checks a download: 200 and exactly the bytes.
func bodyIs(r *Response, want string) error {
	if r.Status != http.StatusOK {
		return fmt.Errorf("want status 200: %s", r)
	}
	if string(r.Body) != want {
		return fmt.Errorf("the file reads %q, want %q", r.Body, want)
	}
	return nil
}

// newestFirst checks a commits_list answer: commits with an id, a name and
// a time, newest first.
func newestFirst(r *Response) error {
	if err := expectStatus(r, http.StatusOK); err != nil {
		return err
	}
	list, err := r.Array()
	if err != nil {
		return err
	}
	last := 0.0
	for i, c := range list {
		if err := c.check().nonEmpty("id").str("name").number("commitTime").err(); err != nil {
			return fmt.Errorf("commit %d: %w", i, err)
		}
		t, _ := c.number("commitTime")
		if i > 0 && t > last {
			return fmt.Errorf("commit %d (%v) is newer than commit %d before it (%v): not newest first", i, t, i-1, last)
		}
		last = t
	}
	return nil
}
