package api_test

// Fuzz tests of the workspace routes' decoders: the create body, the update
// body, the title and the mock's session lifecycle. The properties of
// fuzz_test.go hold (no panic, no 5xx, errors in the route's shape), plus
// each target's own: no workspace the rules refuse (one launched by a role
// that may not, a name, environment, tier, tool or volume the rules
// refuse), and reads that answer it afterwards.

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
)

// fuzzWorkspaces is each world's workspace of the Contributor's, for the
// targets that change one.
var (
	fuzzWorkspacesMu sync.Mutex
	fuzzWorkspaces   = map[*world]string{}
)

func fuzzWorkspace(t *testing.T, w *world) string {
	t.Helper()
	fuzzWorkspacesMu.Lock()
	defer fuzzWorkspacesMu.Unlock()
	if id := fuzzWorkspaces[w]; id != "" {
		return id
	}
	id := str(w.must(200, w.api, "POST", wsBase+"/workspace", `{"name":"fuzz"}`, bearer(w.tok)...).obj(t)["id"])
	fuzzWorkspaces[w] = id
	return id
}

// checkFuzzedWorkspace: what a create or update made is one the rules
// allow, and reads back the same.
func checkFuzzedWorkspace(t *testing.T, w *world, r *resp) {
	t.Helper()
	var out struct {
		ID, Name       string
		Deleted        bool
		ConfigTemplate struct {
			Environment  struct{ ID string }
			HardwareTier struct{ ID struct{ Value string } }
			Tools        []string
		}
		InitConfig struct{ VolumeSize struct{ Value float64 } }
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("%s: %v", r, err)
	}
	c := out.ConfigTemplate
	if !objectIDRE.MatchString(out.ID) || fixtures.CheckEnvironmentName("name", out.Name) != nil ||
		c.Environment.ID != envID || !slices.Contains([]string{"small-k8s", "medium-k8s"}, c.HardwareTier.ID.Value) ||
		fixtures.CheckVolumeSize("volume", out.InitConfig.VolumeSize.Value) != nil || len(c.Tools) == 0 {
		t.Fatalf("a workspace the rules refuse: %s", r)
	}
	for _, tool := range c.Tools {
		if !slices.Contains([]string{"jupyter", "jupyterlab", "vscode", "rstudio"}, tool) {
			t.Fatalf("a tool the environment does not offer: %s", r)
		}
	}
	back := send(w.api, "GET", wsBase+"/workspace/"+out.ID, nil, "", fixturesAdminKey()...)
	check(t, back)
	if back.code != 200 || back.obj(t)["name"] != out.Name {
		t.Fatalf("the workspace reads back as %s", back)
	}
}

func FuzzCreateWorkspace(f *testing.F) {
	for _, s := range []string{
		wsBody("ide"), wsBody("two", "vscode", "rstudio"), wsBody("bad tool", "emacs"), `{"name":"defaults"}`,
		`{"name":"tier","hardwareTierId":"medium-k8s"}`, `{"name":"tier","hardwareTierId":{"value":null}}`,
		`{"name":"v","overrideVolumeSizeGiB":4}`, `{"name":"v","overrideVolumeSizeGiB":1e309}`, `{"name":"v","overrideVolumeSizeGiB":-0}`,
		`{"name":"r","environmentRevisionSpec":"LatestRevision"}`, `{"name":"r","environmentRevisionSpec":{"revisionId":"` + envRevisionID + `"}}`,
		`{"name":"r","environmentRevisionSpec":"RestrictedRevision"}`, `{"name":"e","environmentId":"` + projectID + `"}`,
		`{"name":"m","externalVolumeMounts":["x"]}`, `{"name":"c","clusterConfig":null,"computeClusterConfig":{}}`,
		`{"name":" padded "}`, `{"name":"a\u0000b"}`, `{"name":""}`, `{"tools":[null]}`, `[]`, `null`, `{"name":7}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, mayLaunch bool) {
		w := worldFor(t)
		// The Contributor may launch; the LauncherUser never may.
		tok := w.otherTok
		if mayLaunch {
			tok = w.tok
		}
		r := fuzzBody(t, w.api, "POST", wsBase+"/workspace", body, "application/json", bearer(tok)...)
		if r.code != 200 {
			return
		}
		if !mayLaunch {
			t.Fatalf("a LauncherUser created a workspace: %s", r)
		}
		checkFuzzedWorkspace(t, w, r)
	})
}

func FuzzUpdateWorkspace(f *testing.F) {
	for _, s := range []string{
		wsBody("renamed"), `{}`, `{"name":"n"}`, `{"tools":["rstudio"]}`, `{"tools":["rstudio","rstudio","jupyter"]}`,
		`{"hardwareTierId":{"value":"Medium"}}`, `{"environmentRevisionSpec":"ActiveRevision"}`, `{"overrideVolumeSizeGiB":20}`,
		`{"environmentId":"x"}`, `{"tools":"jupyter"}`, `{"name":"\ud800"}`, `[]`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := worldFor(t)
		id := fuzzWorkspace(t, w)
		r := fuzzBody(t, w.api, "POST", wsBase+"/workspace/"+id, body, "application/json", bearer(w.tok)...)
		if r.code == 200 {
			checkFuzzedWorkspace(t, w, r)
		}
	})
}

func FuzzUpdateWorkspaceTitle(f *testing.F) {
	for _, s := range []string{`{"title":"better"}`, `{"title":""}`, `{"title":" x"}`, `{"title":null}`, `{"title":["a"]}`, `{}`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := worldFor(t)
		id := fuzzWorkspace(t, w)
		r := fuzzBody(t, w.api, "POST", wsBase+"/workspace/"+id+"/updateTitle", body, "application/json", bearer(w.tok)...)
		if r.code == 200 {
			checkFuzzedWorkspace(t, w, r)
		}
	})
}

func FuzzWorkspaceLifecycle(f *testing.F) {
	for _, s := range []string{
		`{"mode":"manual"}`, `{"mode":"clock","startingFor":"1m","stoppingFor":"10s"}`, `{"mode":"polls","polls":3}`,
		`{"mode":"immediate","startStatus":"Failed"}`, `{"mode":"clock","startingFor":"-1s"}`, `{"mode":"clock","startingFor":"9999999h"}`,
		`{"mode":"polls","polls":-1}`, `{"mode":"x"}`, `{"startingFor":5}`, `{}`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := worldFor(t)
		r := fuzzBody(t, w.proxy, "PUT", "/__mock/workspaces/lifecycle", body, "application/json")
		if r.code != 200 {
			return
		}
		got := w.must(200, w.proxy, "GET", "/__mock/workspaces/lifecycle", "").obj(t)
		if compact(t, r.body) != compact(t, w.must(200, w.proxy, "GET", "/__mock/workspaces/lifecycle", "").body) ||
			!slices.Contains([]string{"immediate", "clock", "polls", "manual"}, str(got["mode"])) ||
			!slices.Contains([]string{"Running", "Failed", "Error"}, str(got["startStatus"])) || got["polls"].(float64) < 1 {
			t.Fatalf("the lifecycle set reads back as %v: %s", got, r)
		}
		// A workspace started under it is read, stopped and read again.
		ws := w.must(200, w.proxy, "POST", wsBase+"/workspace", `{"name":"cycle"}`).obj(t)
		for _, step := range []struct{ method, suffix string }{{"GET", ""}, {"POST", "/stop"}, {"GET", ""}, {"GET", "/sessions"}} {
			check(t, send(w.proxy, step.method, wsBase+"/workspace/"+str(ws["id"])+step.suffix, nil, ""))
		}
	})
}
