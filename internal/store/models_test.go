package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func modelIn(project, name string) ModelInput {
	return ModelInput{ProjectID: project, Name: name, Description: "v1", File: "predict.py", Function: "predict"}
}

func TestPublishModelRules(t *testing.T) {
	s := richStore(t)
	admin, bob, carol, dave := caller(t, s, "admin"), caller(t, s, "bob"), caller(t, s, "carol"), caller(t, s, "dave")
	must(s.AddCollaborator(bob, bobLabID, daveID, "ResultsConsumer")).ok(t)
	withEnv := modelIn(bobLabID, "gpu")
	withEnv.EnvironmentID = gpuEnvID
	for _, tc := range []struct {
		name string
		c    Caller
		in   ModelInput
		want Kind
	}{
		{"owner", bob, modelIn(bobLabID, "m"), 0},
		{"contributor", carol, modelIn(bobLabID, "m"), 0}, // names need not be unique
		{"administrator", admin, modelIn(bobLabID, "a"), 0},
		{"a named environment", bob, withEnv, 0},
		{"ResultsConsumer", dave, modelIn(bobLabID, "x"), KindForbidden},
		{"a reader of a public project", dave, modelIn(openDataID, "x"), KindForbidden},
		{"no project", bob, modelIn("", "x"), KindInvalid},
		{"unknown project", bob, modelIn(unknownID, "x"), KindNotFound},
		{"no name", bob, modelIn(bobLabID, " "), KindInvalid},
		{"no file", bob, ModelInput{ProjectID: bobLabID, Name: "x", Function: "f"}, KindInvalid},
		{"no function", bob, ModelInput{ProjectID: bobLabID, Name: "x", File: "f.py"}, KindInvalid},
		{"an unknown environment", bob, ModelInput{ProjectID: bobLabID, Name: "x", File: "f", Function: "f", EnvironmentID: unknownID}, KindInvalid},
		{"a control character in the file", bob, ModelInput{ProjectID: bobLabID, Name: "x", File: "a\nb", Function: "f"}, KindInvalid},
		{"too many exclusions", bob, ModelInput{ProjectID: bobLabID, Name: "x", File: "f", Function: "f", ExcludeFiles: make([]string, maxExcludeFiles+1)}, KindInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, v, err := s.PublishModel(tc.c, tc.in)
			if tc.want != 0 {
				wantKind(t, tc.name, err, tc.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantEnv := defEnvID
			if tc.in.EnvironmentID != "" {
				wantEnv = tc.in.EnvironmentID
			}
			if m.Name != tc.in.Name || m.ProjectID != bobLabID || m.LatestVersion != 1 || m.CreatedByID != tc.c.ID ||
				v.Number != 1 || v.ModelID != m.ID || v.File != "predict.py" || v.EnvironmentID != wantEnv || v.ExcludeFiles == nil {
				t.Errorf("published %+v, %+v", m, v)
			}
		})
	}
	list := must(s.Models(carol, "bob", "bob-lab")).ok(t)
	if len(list) != 4 || list[0].Name != "m" || list[1].Name != "m" {
		t.Errorf("models %+v", list)
	}
	_, err := s.Models(dave, "admin", "quick-start")
	wantKind(t, "a private project's models for a non-member", err, KindForbidden)
	_, err = s.Models(bob, "bob", "nope")
	wantKind(t, "an unknown project", err, KindNotFound)
}

func TestModelVersions(t *testing.T) {
	s := richStore(t)
	bob, carol, dave := caller(t, s, "bob"), caller(t, s, "carol"), caller(t, s, "dave")
	must(s.AddCollaborator(bob, bobLabID, daveID, "LauncherUser")).ok(t)
	m, _ := func() (Model, ModelVersion) {
		m, v, err := s.PublishModel(bob, modelIn(bobLabID, "m"))
		if err != nil {
			t.Fatal(err)
		}
		return m, v
	}()
	v2 := must(s.PublishModelVersion(carol, m.ID, ModelInput{ProjectID: bobLabID, Description: "v2", File: "p.py", Function: "f"})).ok(t)
	v3 := must(s.PublishModelVersion(bob, m.ID, ModelInput{Description: "v3", File: "p.py", Function: "f"})).ok(t)
	if v2.Number != 2 || v3.Number != 3 {
		t.Errorf("numbers %d, %d", v2.Number, v3.Number)
	}
	vs := must(s.ModelVersions(dave, m.ID)).ok(t)
	if len(vs) != 3 || vs[0].Number != 1 || vs[2].ID != v3.ID {
		t.Errorf("versions %+v", vs)
	}
	_, err := s.PublishModelVersion(dave, m.ID, ModelInput{File: "p.py", Function: "f"})
	wantKind(t, "a LauncherUser publishes", err, KindForbidden)
	_, err = s.PublishModelVersion(bob, m.ID, ModelInput{ProjectID: openDataID, File: "p.py", Function: "f"})
	wantKind(t, "another project", err, KindInvalid)
	_, err = s.PublishModelVersion(bob, unknownID, ModelInput{File: "p.py", Function: "f"})
	wantKind(t, "an unknown model", err, KindNotFound)
	_, err = s.ModelVersions(caller(t, s, "alice"), m.ID)
	wantKind(t, "a non-member", err, KindForbidden)
	if got := must(s.Models(bob, "bob", "bob-lab")).ok(t)[0]; got.LatestVersion != 3 {
		t.Errorf("latest version %d", got.LatestVersion)
	}
}

func TestModelExports(t *testing.T) {
	s := richStore(t)
	bob, dave := caller(t, s, "bob"), caller(t, s, "dave")
	must(s.AddCollaborator(bob, bobLabID, daveID, "ResultsConsumer")).ok(t)
	m, v, err := s.PublishModel(bob, modelIn(bobLabID, "m"))
	if err != nil {
		t.Fatal(err)
	}
	reg := ExportInput{Target: ExportToRegistry, RegistryURL: "registry.example.com", Repository: "models/m", Tag: "v1", Username: "u", Password: "SECRET"}
	_, err = s.ExportModelVersion(dave, m.ID, v.ID, reg)
	wantKind(t, "a ResultsConsumer exports", err, KindForbidden)
	_, err = s.ExportModelVersion(bob, m.ID, unknownID, reg)
	wantKind(t, "an unknown version", err, KindNotFound)
	other, ov, err := s.PublishModel(bob, modelIn(bobLabID, "other"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.ExportModelVersion(bob, m.ID, ov.ID, reg)
	wantKind(t, "another model's version", err, KindNotFound)
	_, err = s.ExportModelVersion(bob, other.ID, ov.ID, ExportInput{Target: ExportToSagemaker, Repository: "r"})
	wantKind(t, "no registry", err, KindInvalid)

	// Under the clock lifecycle: queued, building, then failed as told.
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeClock, QueuedFor: Duration(time.Minute), RunFor: Duration(time.Minute), FinalStatus: StatusError})).ok(t)
	e := must(s.ExportModelVersion(bob, m.ID, v.ID, reg)).ok(t)
	for i, want := range []string{ExportQueued, ExportBuilding, ExportFailed} {
		got := must(s.ModelExport(dave, e.ID)).ok(t)
		if got.Status != want {
			t.Fatalf("read %d: %s, want %s", i, got.Status, want)
		}
		must(s.AdvanceClock(time.Minute)).ok(t)
	}
	// The default lifecycle: complete at the first read; the logs name the image.
	must(s.SetJobLifecycle(DefaultJobLifecycle())).ok(t)
	sm := must(s.ExportModelVersion(bob, m.ID, v.ID, ExportInput{Target: ExportToSagemaker, RegistryURL: "ecr", Repository: "r"})).ok(t)
	got := must(s.ModelExport(bob, sm.ID)).ok(t)
	if got.Status != ExportComplete || !strings.Contains(got.Logs, "Pushed ecr/r") || got.Target != ExportToSagemaker {
		t.Errorf("export %+v", got)
	}
	_, err = s.ModelExport(caller(t, s, "alice"), sm.ID)
	wantKind(t, "a non-member reads an export", err, KindForbidden)
	_, err = s.ModelExport(bob, unknownID)
	wantKind(t, "an unknown export", err, KindNotFound)
	_, err = s.AdvanceExport(sm.ID)
	wantKind(t, "advance an ended export", err, KindInvalid)
	if doc, _ := json.Marshal(s.Export(true)); strings.Contains(string(doc), "SECRET") {
		t.Errorf("the state holds the registry password")
	}
}

func TestLegacyEndpoint(t *testing.T) {
	s := richStore(t)
	bob, carol, dave := caller(t, s, "bob"), caller(t, s, "carol"), caller(t, s, "dave")
	if e := must(s.EndpointState(carol, "bob", "bob-lab")).ok(t); e.IsPublished || e.Status != "Stopped" {
		t.Errorf("never published: %+v", e)
	}
	_, err := s.PublishEndpoint(dave, "bob", "open-data", EndpointInput{File: "f.py", Function: "f"})
	wantKind(t, "a reader publishes", err, KindForbidden)
	_, err = s.PublishEndpoint(carol, "bob", "bob-lab", EndpointInput{Function: "f"})
	wantKind(t, "no file", err, KindInvalid)
	_, err = s.EndpointState(dave, "bob", "bob-lab")
	wantKind(t, "a non-member reads", err, KindForbidden)
	_, err = s.EndpointState(bob, "bob", "nope")
	wantKind(t, "an unknown project", err, KindNotFound)
	e := must(s.PublishEndpoint(carol, "bob", "bob-lab", EndpointInput{CommitID: "abc", File: "f.py", Function: "f"})).ok(t)
	if !e.IsPublished || e.Status != "Running" || e.CommitID != "abc" || e.PublishedByID != carolID {
		t.Errorf("published %+v", e)
	}
	_, err = s.UnpublishEndpoint(dave, "bob", "open-data")
	wantKind(t, "a reader unpublishes", err, KindForbidden)
	if e := must(s.UnpublishEndpoint(bob, "bob", "bob-lab")).ok(t); e.IsPublished || e.Status != "Stopped" || e.File != "f.py" {
		t.Errorf("unpublished %+v", e)
	}
	if e := must(s.UnpublishEndpoint(bob, "bob", "bob-lab")).ok(t); e.IsPublished {
		t.Errorf("unpublished twice %+v", e)
	}
}

// TestModelsPersist: models, versions, exports and endpoints survive a
// restart through the log and through the snapshot.
func TestModelsPersist(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	admin := walAdmin(t, s)
	walOK(s.SetJobLifecycle(JobLifecycle{Mode: ModePolls, Polls: 2})).must(t)
	m, v, err := s.PublishModel(admin, modelIn(walProject, "m"))
	if err != nil {
		t.Fatal(err)
	}
	walOK(s.PublishModelVersion(admin, m.ID, ModelInput{File: "p.py", Function: "f", ExcludeFiles: []string{"data/"}})).must(t)
	e := walOK(s.ExportModelVersion(admin, m.ID, v.ID, ExportInput{Target: ExportToRegistry, RegistryURL: "r", Repository: "x", Password: "pw"})).must(t)
	walOK(s.ModelExport(admin, e.ID)).must(t) // a poll: building
	walOK(s.SetJobLifecycle(DefaultJobLifecycle())).must(t)
	walOK(s.PublishEndpoint(admin, "admin", "quick-start", EndpointInput{File: "f.py", Function: "f"})).must(t)
	walOK(s.UnpublishEndpoint(admin, "admin", "quick-start")).must(t)
	s = walReopen(t, s, dir)
	if got := walOK(s.ModelExport(admin, e.ID)).must(t); got.Status != ExportComplete {
		t.Errorf("the second poll under the old lifecycle: %s", got.Status)
	}
	v3 := walOK(s.PublishModelVersion(admin, m.ID, ModelInput{File: "p.py", Function: "f"})).must(t)
	if v3.Number != 3 {
		t.Errorf("after reopening, the next version is %d", v3.Number)
	}
	s = walReopen(t, s, dir)
	walClose(t, s)
}

func TestModelsInStateDocuments(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	m, v, err := s.PublishModel(admin, modelIn(defProjectID, "m"))
	if err != nil {
		t.Fatal(err)
	}
	must(s.PublishModelVersion(admin, m.ID, ModelInput{File: "p.py", Function: "f"})).ok(t)
	must(s.ExportModelVersion(admin, m.ID, v.ID, ExportInput{Target: ExportToRegistry, RegistryURL: "r", Repository: "x"})).ok(t)
	must(s.PublishEndpoint(admin, "admin", "quick-start", EndpointInput{File: "f.py", Function: "f"})).ok(t)
	doc := s.Export(false)
	must(0, s.Import(doc)).ok(t)
	if got := must(s.ModelVersions(admin, m.ID)).ok(t); len(got) != 2 {
		t.Errorf("after import: %d versions", len(got))
	}
	raw, _ := json.Marshal(doc)
	for _, tc := range []struct{ name, old, new, want string }{
		{"a version numbered out of order", `"number":2`, `"number":5`, "modelVersions[1].number"},
		{"a version of no model", `"modelId":"` + m.ID + `","number":2`, `"modelId":"` + unknownID + `","number":2`, "modelVersions[1].modelId"},
		{"an unknown export status", `"status":"Queued"`, `"status":"Stopped"`, "modelExports[0].status"},
		{"an unknown target", `"target":"registry"`, `"target":"ftp"`, "modelExports[0].target"},
		{"a model without a name", `"name":"m"`, `"name":""`, "models[0].name"},
		{"an endpoint of no project", `"endpoints":[{"projectId":"` + defProjectID, `"endpoints":[{"projectId":"` + unknownID, "endpoints[0].projectId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(string(raw), tc.old, tc.new, 1)
			if bad == string(raw) {
				t.Fatalf("the document does not hold %s", tc.old)
			}
			var d Snapshot
			if err := json.Unmarshal([]byte(bad), &d); err != nil {
				t.Fatal(err)
			}
			wantErrContains(t, tc.name, s.Import(d), tc.want)
		})
	}
}

// TestRaceModelVersionNumbers: versions published at once are numbered
// 2, 3, … with no number twice or skipped.
func TestRaceModelVersionNumbers(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	m, _, err := s.PublishModel(admin, modelIn(defProjectID, "m"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 32
	together(n, func(i int) {
		if _, err := s.PublishModelVersion(admin, m.ID, ModelInput{File: "p.py", Function: "f"}); err != nil {
			t.Error(err)
		}
	})
	vs := must(s.ModelVersions(admin, m.ID)).ok(t)
	if len(vs) != n+1 {
		t.Fatalf("%d versions, want %d", len(vs), n+1)
	}
	for i, v := range vs {
		if v.Number != i+1 {
			t.Fatalf("version %d is numbered %d", i+1, v.Number)
		}
	}
}
