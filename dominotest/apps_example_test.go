package dominotest_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/mockdomino/mockdomino/dominotest"
)

// appStatus is what python-domino's app_get_status reads: the status of
// GET /v4/modelProducts/{id}.
func appStatus(srv *dominotest.Server, appID string) string {
	req, _ := http.NewRequest("GET", srv.APIURL+"/v4/modelProducts/"+appID, nil)
	req.Header.Set("X-Domino-Api-Key", dominotest.AdminAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var app struct{ Status string }
	json.NewDecoder(resp.Body).Decode(&app)
	return app.Status
}

func ExampleServer_CreateApp() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: app := srv.CreateApp(t, dominotest.ProjectID, "dashboard")
	app, err := srv.CreateAppE(dominotest.ProjectID, "dashboard")
	if err != nil {
		panic(err)
	}
	fmt.Println(app.Name, app.Status, appStatus(srv, app.ID))
	_, err = srv.CreateAppE(dominotest.ProjectID, "dashboard")
	fmt.Println(err != nil)
	// Output:
	// dashboard Stopped Stopped
	// true
}

func ExampleServer_StartApp() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	app, err := srv.CreateAppE(dominotest.ProjectID, "dashboard")
	if err != nil {
		panic(err)
	}

	// In a test: srv.StartApp(t, app.ID)
	started, err := srv.StartAppE(app.ID)
	if err != nil {
		panic(err)
	}
	// The default lifecycle runs it at the first read.
	fmt.Println(started.Status, appStatus(srv, app.ID))
	// Output: Pending Running
}

func ExampleServer_StopApp() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	app, err := srv.CreateAppE(dominotest.ProjectID, "dashboard")
	if err != nil {
		panic(err)
	}
	if _, err := srv.StartAppE(app.ID); err != nil {
		panic(err)
	}

	// In a test: srv.StopApp(t, app.ID)
	stopped, err := srv.StopAppE(app.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(stopped.Status, appStatus(srv, app.ID))
	// Output: Stopped Stopped
}

// With the "manual" lifecycle an app stays Pending until told.
func ExampleServer_AdvanceApp() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.SetJobLifecycleE(dominotest.JobLifecycle{Mode: "manual"}); err != nil {
		panic(err)
	}
	app, err := srv.CreateAppE(dominotest.ProjectID, "dashboard")
	if err != nil {
		panic(err)
	}
	if _, err := srv.StartAppE(app.ID); err != nil {
		panic(err)
	}
	fmt.Println(appStatus(srv, app.ID))

	// In a test: srv.AdvanceApp(t, app.ID)
	status, err := srv.AdvanceAppE(app.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(status, appStatus(srv, app.ID))
	// Output:
	// Pending
	// Running Running
}
