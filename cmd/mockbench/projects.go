package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// listProjects is how many projects the mock holds while GET /v4/projects
// filtered by name is loaded.
const listProjects = 10000

// loadProjectList loads GET /v4/projects?name= (one project of 10,000), the
// lookup real clients make to turn a project name into an id, on a mock of
// its own and on a bare server answering the same bytes: the name is found
// in an index, so the list must not cost a scan of every project.
func (b *bench) loadProjectList(ctx context.Context, rep *report) error {
	m, err := b.start("mockdomino", true, b.mock, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer m.stop()
	b.logf("creating %d projects", listProjects)
	start := time.Now()
	if err := parallel(ctx, 16, 0, listProjects, func(i int) error {
		_, err := b.must(ctx, http.StatusOK, "POST", m.proxyURL+"/v4/projects", nil,
			map[string]string{"name": fmt.Sprintf("bench-project-%05d", i), "visibility": "Private"}, nil)
		return err
	}, func(done int) {
		b.logf("  %d/%d projects (%s)", done, listProjects, time.Since(start).Round(time.Second))
	}); err != nil {
		return err
	}
	rt := routeSpec{label: fmt.Sprintf("`GET /v4/projects?name=` (1 of %d projects), admin API key", listProjects),
		method: "GET", path: "/v4/projects?name=bench-project-05000", header: apiKey(), target: 0.5}
	var list []struct{ Name string }
	data, err := b.must(ctx, http.StatusOK, rt.method, m.url+rt.path, rt.header, nil, &list)
	if err != nil {
		return err
	}
	if len(list) != 1 || list[0].Name != "bench-project-05000" {
		got, _ := json.Marshal(list)
		return fmt.Errorf("the list filtered by name holds %s, want bench-project-05000 alone", clip(got))
	}
	return b.loadBeside(ctx, rep, m, rt, data, "project-list.json")
}
