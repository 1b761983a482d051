package store

import (
	"testing"
)

func TestProjectReadAccess(t *testing.T) {
	s := richStore(t)
	sa := newAccount(t, s, "bot")
	must(s.AddCollaborator(caller(t, s, "admin"), defProjectID, sa.ID, "ResultsConsumer")).ok(t)
	cases := []struct {
		who, project string
		want         Kind // 0: allowed
	}{
		{"admin", defProjectID, 0},         // owner and admin
		{"admin", bobLabID, 0},             // admin, neither owner nor collaborator
		{"bob", bobLabID, 0},               // owner
		{"carol", bobLabID, 0},             // collaborator (Contributor)
		{"bot", defProjectID, 0},           // service account collaborator (any role reads)
		{"alice", bobLabID, KindForbidden}, // private, not a member
		{"alice", defProjectID, KindForbidden},
		{"dave", bobLabID, KindForbidden},
		{"carol", defProjectID, KindForbidden},
		{"bot", bobLabID, KindForbidden},
		{"alice", openDataID, 0}, // public
		{"dave", openDataID, 0},
		{"admin", unknownID, KindNotFound},
		{"alice", unknownID, KindNotFound},
		{"alice", "", KindNotFound},
	}
	for _, tc := range cases {
		var c Caller
		if tc.who == "bot" {
			c = saCaller(sa)
		} else {
			c = caller(t, s, tc.who)
		}
		what := tc.who + " reads " + tc.project
		p, err := s.Project(c, tc.project)
		if tc.want == 0 {
			if err != nil {
				t.Errorf("%s: %v, want allowed", what, err)
			} else if p.ID != tc.project {
				t.Errorf("%s: got project %q", what, p.ID)
			}
		} else {
			wantKind(t, what, err, tc.want)
		}
		// The routes under a project follow the same rule.
		_, err = s.Collaborators(c, tc.project)
		checkSame(t, what+" (collaborators)", err, tc.want)
		_, err = s.HardwareTiers(c, tc.project)
		checkSame(t, what+" (hardware tiers)", err, tc.want)
		_, _, err = s.ProjectEnvironments(c, tc.project)
		checkSame(t, what+" (environments)", err, tc.want)
		_, err = s.Jobs(c, tc.project)
		if tc.project != "" {
			checkSame(t, what+" (jobs)", err, tc.want)
		}
	}
}

func checkSame(t *testing.T, what string, err error, want Kind) {
	t.Helper()
	if want == 0 {
		if err != nil {
			t.Errorf("%s: %v, want allowed", what, err)
		}
		return
	}
	wantKind(t, what, err, want)
}

func TestProjectView(t *testing.T) {
	s := richStore(t)
	p := must(s.Project(caller(t, s, "bob"), bobLabID)).ok(t)
	if p.Name != "bob-lab" || p.OwnerID != bobID || p.OwnerUsername != "bob" || p.Visibility != "Private" ||
		p.Owner.ID != bobID || p.Owner.UserName != "bob" {
		t.Errorf("project = %+v", p)
	}
	r := p.MainRepository
	if r == nil || r.ID != bobLabRepo || r.URI != "https://gitlab.com/bob/lab.git" || r.ServiceProvider != "gitlab" ||
		r.URIHost != "gitlab.com" || r.URIPath != "bob/lab.git" || r.DefaultRef != (Ref{Type: "branches", Value: "main"}) {
		t.Errorf("mainRepository = %+v", r)
	}
	if len(p.Collaborators) != 1 || p.Collaborators[0] != (Collaborator{CollaboratorID: carolID, ProjectRole: "Contributor"}) ||
		len(p.CollaboratorIDs) != 1 || p.CollaboratorIDs[0] != carolID {
		t.Errorf("collaborators = %+v / %v", p.Collaborators, p.CollaboratorIDs)
	}
	if o := must(s.Project(caller(t, s, "bob"), openDataID)).ok(t); o.MainRepository != nil {
		t.Errorf("a project without a repository shows %+v", o.MainRepository)
	}
	users := must(s.Collaborators(caller(t, s, "bob"), bobLabID)).ok(t)
	if len(users) != 2 || users[0].UserName != "bob" || users[1].ID != carolID || users[1].UserName != "carol" { // the owner first
		t.Errorf("Collaborators = %+v", users)
	}
	tiers := must(s.HardwareTiers(caller(t, s, "bob"), bobLabID)).ok(t)
	if len(tiers) != 2 || tiers[0].ID != "small-k8s" || !tiers[0].IsDefault {
		t.Errorf("hardware tiers = %+v", tiers)
	}
	envs, _, err := s.ProjectEnvironments(caller(t, s, "bob"), bobLabID)
	if err != nil || len(envs) != 2 || envs[1].ID != gpuEnvID {
		t.Errorf("environments = %+v", envs)
	}
}

func TestFindProject(t *testing.T) {
	s := richStore(t)
	for _, tc := range []struct {
		who, owner, name string
		want             Kind
		id               string
	}{
		{"admin", "admin", "quick-start", 0, defProjectID},
		{"bob", "bob", "bob-lab", 0, bobLabID},
		{"bob", "BOB", "bob-lab", 0, bobLabID}, // owner names are case-insensitive
		{"carol", "bob", "bob-lab", 0, bobLabID},
		{"alice", "bob", "open-data", 0, openDataID},
		{"alice", "bob", "bob-lab", KindForbidden, ""},
		{"admin", "bob", "Bob-Lab", KindNotFound, ""},
		{"admin", "bob", "quick-start", KindNotFound, ""},
		{"admin", "nobody", "quick-start", KindNotFound, ""},
		{"admin", "", "quick-start", KindInvalid, ""},
		{"admin", "admin", "", KindInvalid, ""},
	} {
		what := tc.who + " finds " + tc.owner + "/" + tc.name
		p, err := s.FindProject(caller(t, s, tc.who), tc.owner, tc.name)
		if tc.want != 0 {
			wantKind(t, what, err, tc.want)
			continue
		}
		if err != nil || p.ID != tc.id {
			t.Errorf("%s: %+v, %v; want %s", what, p.ID, err, tc.id)
		}
	}
}

func TestAddCollaboratorRoles(t *testing.T) {
	for _, role := range []string{"Contributor", "LauncherUser", "ResultsConsumer", "ProjectImporter", "Owner"} {
		t.Run(role, func(t *testing.T) {
			s := newStore(t)
			admin := caller(t, s, "admin")
			got := must(s.AddCollaborator(admin, defProjectID, defAliceID, role)).ok(t)
			if got != (Collaborator{CollaboratorID: defAliceID, ProjectRole: role}) {
				t.Errorf("AddCollaborator answered %+v", got)
			}
			p := must(s.Project(admin, defProjectID)).ok(t)
			if len(p.Collaborators) != 1 || p.Collaborators[0] != got {
				t.Errorf("project collaborators = %+v", p.Collaborators)
			}
			// Now alice may read the private project.
			must(s.Project(caller(t, s, "alice"), defProjectID)).ok(t)
		})
	}
}

func TestAddCollaboratorErrors(t *testing.T) {
	s := richStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "bot")
	cases := []struct {
		name, who, project, collaborator, role string
		want                                   Kind
	}{
		{"bad role", "admin", defProjectID, defAliceID, "Admin", KindInvalid},
		{"role in lower case", "admin", defProjectID, defAliceID, "contributor", KindInvalid},
		{"empty role", "admin", defProjectID, defAliceID, "", KindInvalid},
		{"empty collaborator", "admin", defProjectID, "", "Contributor", KindInvalid},
		{"unknown user", "admin", defProjectID, unknownID, "Contributor", KindNotFound},
		{"idpId instead of id", "admin", defProjectID, sa.IdpID, "Contributor", KindNotFound},
		{"unknown project", "admin", unknownID, defAliceID, "Contributor", KindNotFound},
		{"non-owner", "alice", defProjectID, defAliceID, "Contributor", KindForbidden},
		{"non-owner, other project", "alice", bobLabID, daveID, "Contributor", KindForbidden},
		{"Contributor collaborator", "carol", bobLabID, daveID, "Contributor", KindForbidden},
		{"service account non-admin", "bot", defProjectID, sa.ID, "Owner", KindForbidden},
		{"owner as collaborator", "admin", defProjectID, defAdminID, "Contributor", KindInvalid},
		{"owner adds self", "bob", bobLabID, bobID, "Owner", KindInvalid},
	}
	for _, tc := range cases {
		c := saCaller(sa)
		if tc.who != "bot" {
			c = caller(t, s, tc.who)
		}
		_, err := s.AddCollaborator(c, tc.project, tc.collaborator, tc.role)
		wantKind(t, tc.name, err, tc.want)
	}
	// Nothing was added anywhere.
	for _, id := range []string{defProjectID, bobLabID, openDataID} {
		p := must(s.Project(admin, id)).ok(t)
		want := 0
		if id == bobLabID {
			want = 1
		}
		if len(p.Collaborators) != want {
			t.Errorf("project %s has collaborators %+v after refused adds", p.Name, p.Collaborators)
		}
	}
	// The error names the field and the choices.
	_, err := s.AddCollaborator(admin, defProjectID, defAliceID, "Admin")
	wantErrContains(t, "bad role message", err, "projectRole", "Contributor", "LauncherUser", "ResultsConsumer", "ProjectImporter", "Owner")
}

func TestAddCollaboratorTwiceChangesTheRole(t *testing.T) {
	s := richStore(t)
	bob := caller(t, s, "bob") // a non-admin owner may manage collaborators
	must(s.AddCollaborator(bob, bobLabID, daveID, "Contributor")).ok(t)
	must(s.AddCollaborator(bob, bobLabID, daveID, "ResultsConsumer")).ok(t)
	must(s.AddCollaborator(bob, bobLabID, carolID, "LauncherUser")).ok(t)
	p := must(s.Project(bob, bobLabID)).ok(t)
	want := []Collaborator{{carolID, "LauncherUser"}, {daveID, "ResultsConsumer"}}
	if len(p.Collaborators) != len(want) {
		t.Fatalf("collaborators = %+v, want %+v", p.Collaborators, want)
	}
	for i := range want {
		if p.Collaborators[i] != want[i] {
			t.Errorf("collaborators = %+v, want %+v", p.Collaborators, want)
		}
	}
}

func TestRemoveCollaborator(t *testing.T) {
	s := richStore(t)
	admin, bob, carol := caller(t, s, "admin"), caller(t, s, "bob"), caller(t, s, "carol")
	must(s.AddCollaborator(bob, bobLabID, daveID, "Contributor")).ok(t)

	_, err := s.RemoveCollaborator(carol, bobLabID, daveID)
	wantKind(t, "collaborator removes another", err, KindForbidden)
	_, err = s.RemoveCollaborator(caller(t, s, "alice"), bobLabID, carolID)
	wantKind(t, "stranger removes", err, KindForbidden)
	_, err = s.RemoveCollaborator(bob, bobLabID, caller(t, s, "alice").ID)
	wantKind(t, "remove a non-collaborator", err, KindNotFound)
	_, err = s.RemoveCollaborator(bob, bobLabID, unknownID)
	wantKind(t, "remove an unknown user", err, KindNotFound)
	_, err = s.RemoveCollaborator(admin, unknownID, carolID)
	wantKind(t, "remove from an unknown project", err, KindNotFound)

	got := must(s.RemoveCollaborator(bob, bobLabID, carolID)).ok(t)
	if got != (Collaborator{CollaboratorID: carolID, ProjectRole: "Contributor"}) {
		t.Errorf("RemoveCollaborator answered %+v", got)
	}
	_, err = s.Project(carol, bobLabID)
	wantKind(t, "removed collaborator reads the private project", err, KindForbidden)
	_, err = s.StartJob(carol, JobInput{ProjectID: bobLabID, Command: "x"})
	wantKind(t, "removed collaborator starts a job", err, KindForbidden)
	p := must(s.Project(admin, bobLabID)).ok(t)
	if len(p.Collaborators) != 1 || p.Collaborators[0].CollaboratorID != daveID {
		t.Errorf("collaborators after removing carol = %+v", p.Collaborators)
	}
	// An admin may remove too.
	must(s.RemoveCollaborator(admin, bobLabID, daveID)).ok(t)
	if p := must(s.Project(admin, bobLabID)).ok(t); len(p.Collaborators) != 0 {
		t.Errorf("collaborators after removing all = %+v", p.Collaborators)
	}
	_, err = s.RemoveCollaborator(admin, bobLabID, daveID)
	wantKind(t, "remove twice", err, KindNotFound)
}
