package dominotest_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/mockdomino/mockdomino/dominotest"
)

// readAsAdmin reads a route as the administrator.
func readAsAdmin(srv *dominotest.Server, path string, into any) {
	req, _ := http.NewRequest("GET", srv.APIURL+path, nil)
	req.Header.Set("X-Domino-Api-Key", dominotest.AdminAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(into)
}

func ExampleServer_PublishModel() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: m, v := srv.PublishModel(t, dominotest.ProjectID, "churn")
	m, v, err := srv.PublishModelE(dominotest.ProjectID, "churn")
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Name, m.LatestVersion, v.Number, v.File, v.Func)

	// python-domino's models_list reads data[…].id.
	var list struct{ Data []struct{ ID, Name string } }
	readAsAdmin(srv, "/v1/projects/"+dominotest.ProjectOwner+"/"+dominotest.ProjectName+"/models", &list)
	fmt.Println(len(list.Data), list.Data[0].ID == m.ID)
	// Output:
	// churn 1 1 predict.py predict
	// 1 true
}

func ExampleServer_PublishModelVersion() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	m, _, err := srv.PublishModelE(dominotest.ProjectID, "churn")
	if err != nil {
		panic(err)
	}

	// In a test: v := srv.PublishModelVersion(t, m.ID, "predict.py", "predict_v2")
	v, err := srv.PublishModelVersionE(m.ID, "predict.py", "predict_v2")
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Number, v.Func)
	// Output: 2 predict_v2
}

func ExampleServer_ExportModel() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	m, v, err := srv.PublishModelE(dominotest.ProjectID, "churn")
	if err != nil {
		panic(err)
	}

	// In a test: e := srv.ExportModel(t, m.ID, v.ID, "registry.example.com", "models/churn")
	e, err := srv.ExportModelE(m.ID, v.ID, "registry.example.com", "models/churn")
	if err != nil {
		panic(err)
	}
	// The default lifecycle completes it at the first status read.
	var status struct{ Status string }
	readAsAdmin(srv, "/v4/models/"+e.ID+"/getExportImageStatus", &status)
	fmt.Println(e.Status, status.Status)
	// Output: queued complete
}

// With the "manual" lifecycle an export moves only when told.
func ExampleServer_AdvanceExport() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.SetJobLifecycleE(dominotest.JobLifecycle{Mode: "manual"}); err != nil {
		panic(err)
	}
	m, v, err := srv.PublishModelE(dominotest.ProjectID, "churn")
	if err != nil {
		panic(err)
	}
	e, err := srv.ExportModelE(m.ID, v.ID, "registry.example.com", "models/churn")
	if err != nil {
		panic(err)
	}

	// In a test: srv.AdvanceExport(t, e.ID)
	for range 2 {
		status, err := srv.AdvanceExportE(e.ID)
		if err != nil {
			panic(err)
		}
		fmt.Println(status)
	}
	// Output:
	// building
	// complete
}
