package dominotest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/mockdomino/mockdomino/dominotest"
)

func TestProjectHelpers(t *testing.T) {
	srv := dominotest.NewServer(t)
	sa := srv.CreateServiceAccount(t, "deployer")
	p := srv.CreateProject(t, "models", dominotest.ProjectOptions{Owner: "deployer", Visibility: "Private",
		Tags: []string{"ml"}, RepositoryURI: "https://github.com/org/models.git"})
	if p.OwnerUsername != "deployer" || p.OwnerID != sa.ID || len(p.Tags) != 1 || p.MainRepository == nil {
		t.Fatalf("project %+v", p)
	}
	srv.SetProjectEnvVar(t, p.ID, "STAGE", "test")
	srv.TagProject(t, p.ID, "nlp")

	// The service account sees its project, variables and tags over HTTP.
	get := func(path string, out any) int {
		req, _ := http.NewRequest("GET", srv.APIURL+path, nil)
		req.Header.Set("Authorization", "Bearer "+sa.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	var vars []struct{ Name, Value string }
	if code := get("/v4/projects/"+p.ID+"/environmentVariables", &vars); code != 200 || len(vars) != 1 || vars[0].Value != "test" {
		t.Errorf("variables %d %+v", code, vars)
	}
	var listed []dominotest.Project
	if code := get("/v4/projects?name=models&ownerUsername=deployer", &listed); code != 200 || len(listed) != 1 || len(listed[0].Tags) != 2 {
		t.Errorf("listed %d %+v", code, listed)
	}
	srv.ArchiveProject(t, p.ID)
	if code := get("/v4/projects/"+p.ID, nil); code != 404 {
		t.Errorf("an archived project answers %d", code)
	}
	if _, err := srv.CreateProjectE("has space", dominotest.ProjectOptions{}); err == nil {
		t.Errorf("a name with a space was taken")
	}
}
