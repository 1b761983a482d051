package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
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

// Projects made, found, listed, archived, forked, tagged and configured.

// projectNames is the names of a list of projects, in its order.
func projectNames(ps []Project) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.OwnerUsername+"/"+p.Name)
	}
	return out
}

func sameNames(t *testing.T, what string, got []Project, want ...string) {
	t.Helper()
	if g := projectNames(got); strings.Join(g, ",") != strings.Join(want, ",") {
		t.Errorf("%s: %v, want %v", what, g, want)
	}
}

func TestCreateProject(t *testing.T) {
	s := richStore(t)
	sa := newAccount(t, s, "bot")
	for _, tc := range []struct {
		name, who string
		in        ProjectInput
		want      Kind
		owner     string // the owner's user name, on success
	}{
		{"for oneself, defaults", "alice", ProjectInput{Name: "mine"}, 0, "alice"},
		{"an administrator for another user", "admin", ProjectInput{Name: "for-bob", OwnerID: bobID}, 0, "bob"},
		{"an administrator for a service account", "admin", ProjectInput{Name: "for-bot", OwnerID: sa.ID}, 0, "bot"},
		{"a service account for itself", "bot", ProjectInput{Name: "bots-own"}, 0, "bot"},
		{"a service account naming itself", "bot", ProjectInput{Name: "bots-other", OwnerID: sa.ID}, 0, "bot"},
		{"a user naming itself", "carol", ProjectInput{Name: "carols", OwnerID: carolID}, 0, "carol"},
		{"the legacy owner override, by an admin", "admin", ProjectInput{Name: "legacy", OwnerUserName: "DAVE"}, 0, "dave"},
		{"a name another owner has", "alice", ProjectInput{Name: "bob-lab"}, 0, "alice"},
		{"a name differing in case", "bob", ProjectInput{Name: "Bob-Lab"}, 0, "bob"},
		{"a non-admin for another user", "alice", ProjectInput{Name: "for-bob-2", OwnerID: bobID}, KindForbidden, ""},
		{"a non-admin by the legacy override", "alice", ProjectInput{Name: "for-bob-3", OwnerUserName: "bob"}, KindForbidden, ""},
		{"a service account for a user", "bot", ProjectInput{Name: "for-bob-4", OwnerID: bobID}, KindForbidden, ""},
		{"an unknown owner", "admin", ProjectInput{Name: "x", OwnerID: unknownID}, KindNotFound, ""},
		{"an unknown owner by name", "admin", ProjectInput{Name: "x", OwnerUserName: "nobody"}, KindNotFound, ""},
		{"a name the owner has", "bob", ProjectInput{Name: "bob-lab"}, KindDuplicate, ""},
		{"a name the owner has, made by an admin", "admin", ProjectInput{Name: "open-data", OwnerID: bobID}, KindDuplicate, ""},
		{"no name", "alice", ProjectInput{}, KindInvalid, ""},
		{"a name with a space", "alice", ProjectInput{Name: "my project"}, KindInvalid, ""},
		{"a name with a slash", "alice", ProjectInput{Name: "a/b"}, KindInvalid, ""},
		{"a name with a tab", "alice", ProjectInput{Name: "a\tb"}, KindInvalid, ""},
		{"visibility in lower case", "alice", ProjectInput{Name: "v", Visibility: "private"}, KindInvalid, ""},
		{"an unknown collaborator", "alice", ProjectInput{Name: "c1", Collaborators: []Collaborator{{unknownID, "Contributor"}}}, KindNotFound, ""},
		{"a collaborator with a bad role", "alice", ProjectInput{Name: "c2", Collaborators: []Collaborator{{bobID, "Boss"}}}, KindInvalid, ""},
		{"the owner as collaborator", "alice", ProjectInput{Name: "c3", Collaborators: []Collaborator{{defAliceID, "Owner"}}}, KindInvalid, ""},
		{"a collaborator without id", "alice", ProjectInput{Name: "c4", Collaborators: []Collaborator{{"", "Owner"}}}, KindInvalid, ""},
		{"a bad tag", "alice", ProjectInput{Name: "t1", TagNames: []string{" spaced "}}, KindInvalid, ""},
		{"an empty tag", "alice", ProjectInput{Name: "t2", TagNames: []string{""}}, KindInvalid, ""},
		{"a repository without uri", "alice", ProjectInput{Name: "r1", MainRepository: &RepositoryInput{ServiceProvider: "github"}}, KindInvalid, ""},
		{"a repository of an unknown provider", "alice", ProjectInput{Name: "r2", MainRepository: &RepositoryInput{URI: "https://x/y.git", ServiceProvider: "GitHub"}}, KindInvalid, ""},
		{"a branch ref without a name", "alice", ProjectInput{Name: "r3", MainRepository: &RepositoryInput{URI: "https://x/y.git", DefaultRef: Ref{Type: "branches"}}}, KindInvalid, ""},
		{"an unknown ref type", "alice", ProjectInput{Name: "r4", MainRepository: &RepositoryInput{URI: "https://x/y.git", DefaultRef: Ref{Type: "branch", Value: "main"}}}, KindInvalid, ""},
	} {
		c := saCaller(sa)
		if tc.who != "bot" {
			c = caller(t, s, tc.who)
		}
		p, err := s.CreateProject(c, tc.in)
		if tc.want != 0 {
			wantKind(t, tc.name, err, tc.want)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if p.OwnerUsername != tc.owner || p.Name != tc.in.Name || p.Visibility != DefaultVisibility || len(p.ID) != 24 {
			t.Errorf("%s: made %+v", tc.name, p)
		}
		// Found by owner and name, as its owner sees it.
		if f := must(s.FindProject(caller(t, s, "admin"), tc.owner, tc.in.Name)).ok(t); f.ID != p.ID {
			t.Errorf("%s: found %s, made %s", tc.name, f.ID, p.ID)
		}
	}
	// The refused ones left nothing behind.
	if got := len(s.Projects(caller(t, s, "admin"), ProjectFilter{})); got != 3+9 {
		t.Errorf("%d projects after 9 creations", got)
	}
	_, err := s.CreateProject(caller(t, s, "bob"), ProjectInput{Name: "bob-lab"})
	wantErrContains(t, "duplicate message", err, "A project with the name bob-lab already exists for bob.")
	_, err = s.CreateProject(caller(t, s, "bob"), ProjectInput{Name: "a b"})
	wantErrContains(t, "name message", err, "name", "white space")
}

func TestCreateProjectKeepsWhatItIsGiven(t *testing.T) {
	s := richStore(t)
	admin := caller(t, s, "admin")
	before := s.Clock().Now().Truncate(time.Millisecond)
	p := must(s.CreateProject(admin, ProjectInput{
		Name: "full", Description: "all fields", Visibility: "Searchable", OwnerID: bobID,
		Collaborators: []Collaborator{{carolID, "Contributor"}, {daveID, "ResultsConsumer"}, {carolID, "Owner"}},
		TagNames:      []string{"nlp", "ml", "nlp"},
		MainRepository: &RepositoryInput{URI: "https://gitlab.com/bob/full.git", ServiceProvider: "gitlab",
			DefaultRef: Ref{Type: "branches", Value: "main"}},
	})).ok(t)
	if p.Description != "all fields" || p.Visibility != "Searchable" || p.OwnerID != bobID || p.ProjectType != "Analytic" {
		t.Errorf("project %+v", p)
	}
	// A collaborator named twice gets the last role.
	if len(p.Collaborators) != 2 || p.Collaborators[0] != (Collaborator{carolID, "Owner"}) || p.Collaborators[1] != (Collaborator{daveID, "ResultsConsumer"}) {
		t.Errorf("collaborators %+v", p.Collaborators)
	}
	if len(p.Tags) != 2 || p.Tags[0].Name != "nlp" || p.Tags[1].Name != "ml" || len(p.Tags[0].ID) != 24 {
		t.Errorf("tags %+v", p.Tags)
	}
	r := p.MainRepository
	if r == nil || len(r.ID) != 24 || r.URI != "https://gitlab.com/bob/full.git" || r.URIHost != "gitlab.com" ||
		r.ServiceProvider != "gitlab" || r.DefaultRef != (Ref{"branches", "main"}) {
		t.Errorf("repository %+v", r)
	}
	if created := time.Time(p.Created); created.Before(before) || created.After(s.Clock().Now()) {
		t.Errorf("created %v, not between %v and now", created, before)
	}
	// A repository with no provider and no ref is unknown at HEAD.
	q := must(s.CreateProject(admin, ProjectInput{Name: "bare-repo", MainRepository: &RepositoryInput{URI: "https://example.com/r.git"}})).ok(t)
	if q.MainRepository.ServiceProvider != "unknown" || q.MainRepository.DefaultRef != (Ref{Type: "head"}) {
		t.Errorf("defaults %+v", q.MainRepository)
	}
	// The tags are shared: the same name is the same tag.
	if q2 := must(s.CreateProject(admin, ProjectInput{Name: "tagged", TagNames: []string{"ml"}})).ok(t); q2.Tags[0] != p.Tags[1] {
		t.Errorf("tag ml is %+v and %+v", q2.Tags[0], p.Tags[1])
	}
	// Carol, a collaborator of a searchable project, reads it; a collaborator made it so.
	must(s.Project(caller(t, s, "carol"), p.ID)).ok(t)
}

func TestProjectsList(t *testing.T) {
	s := richStore(t)
	admin, alice, bob := caller(t, s, "admin"), caller(t, s, "alice"), caller(t, s, "bob")
	must(s.CreateProject(alice, ProjectInput{Name: "quick-start", Visibility: "Private"})).ok(t)
	must(s.CreateProject(alice, ProjectInput{Name: "shared", Visibility: "Searchable"})).ok(t)
	must(s.CreateProject(bob, ProjectInput{Name: "shared", Visibility: "Private"})).ok(t)
	for _, tc := range []struct {
		who  Caller
		f    ProjectFilter
		want []string
	}{
		{admin, ProjectFilter{}, []string{"admin/quick-start", "bob/bob-lab", "bob/open-data", "alice/quick-start", "alice/shared", "bob/shared"}},
		{alice, ProjectFilter{}, []string{"bob/open-data", "alice/quick-start", "alice/shared"}},
		{bob, ProjectFilter{}, []string{"bob/bob-lab", "bob/open-data", "alice/shared", "bob/shared"}},
		{caller(t, s, "carol"), ProjectFilter{}, []string{"bob/bob-lab", "bob/open-data", "alice/shared"}},
		{admin, ProjectFilter{Name: "quick-start"}, []string{"admin/quick-start", "alice/quick-start"}},
		{alice, ProjectFilter{Name: "quick-start"}, []string{"alice/quick-start"}},
		{admin, ProjectFilter{Name: "shared"}, []string{"alice/shared", "bob/shared"}},
		{admin, ProjectFilter{Name: "Shared"}, nil},
		{admin, ProjectFilter{Name: "nothing"}, nil},
		{admin, ProjectFilter{OwnerUsername: "bob"}, []string{"bob/bob-lab", "bob/open-data", "bob/shared"}},
		{admin, ProjectFilter{OwnerUsername: "BOB"}, []string{"bob/bob-lab", "bob/open-data", "bob/shared"}},
		{alice, ProjectFilter{OwnerUsername: "bob"}, []string{"bob/open-data"}},
		{admin, ProjectFilter{OwnerUsername: "bob", Name: "shared"}, []string{"bob/shared"}},
		{alice, ProjectFilter{OwnerUsername: "bob", Name: "shared"}, nil},
		{admin, ProjectFilter{OwnerUsername: "nobody"}, nil},
		{admin, ProjectFilter{OwnerUsername: "dave"}, nil},
	} {
		sameNames(t, fmt.Sprintf("%s lists %+v", tc.who.UserName, tc.f), s.Projects(tc.who, tc.f), tc.want...)
	}
}

func TestArchiveProject(t *testing.T) {
	s := richStore(t)
	admin, bob, carol := caller(t, s, "admin"), caller(t, s, "bob"), caller(t, s, "carol")
	must(s.AddCollaborator(bob, bobLabID, daveID, "Owner")).ok(t)
	cred := must(s.AddGitCredential(carol, carolID, tokenCred("c"))).ok(t)
	must(s.SetCredentialMapping(carol, bobLabID, bobLabRepo, cred.ID)).ok(t)
	job := must(s.StartJob(carol, JobInput{ProjectID: bobLabID, Command: "x"})).ok(t)
	for _, tc := range []struct {
		who  string
		want Kind
	}{
		{"carol", KindForbidden}, // Contributor
		{"dave", KindForbidden},  // a collaborator with the Owner role is not the owner
		{"alice", KindForbidden}, // may not even read it
	} {
		wantKind(t, tc.who+" archives bob-lab", s.ArchiveProject(caller(t, s, tc.who), bobLabID), tc.want)
	}
	wantKind(t, "archive an unknown project", s.ArchiveProject(admin, unknownID), KindNotFound)
	if err := s.ArchiveProject(bob, bobLabID); err != nil {
		t.Fatal(err)
	}
	// Gone from every route…
	wantKind(t, "archive twice", s.ArchiveProject(bob, bobLabID), KindNotFound)
	_, err := s.Project(admin, bobLabID)
	wantKind(t, "read", err, KindNotFound)
	_, err = s.FindProject(admin, "bob", "bob-lab")
	wantKind(t, "find", err, KindNotFound)
	_, err = s.Collaborators(admin, bobLabID)
	wantKind(t, "collaborators", err, KindNotFound)
	_, err = s.StartJob(admin, JobInput{ProjectID: bobLabID, Command: "x"})
	wantKind(t, "a new run", err, KindNotFound)
	_, err = s.Job(carol, job.ID)
	wantKind(t, "an old run", err, KindNotFound)
	_, err = s.ProjectEnvVars(admin, bobLabID)
	wantKind(t, "environment variables", err, KindServerError)
	sameNames(t, "bob's projects", s.Projects(admin, ProjectFilter{OwnerUsername: "bob"}), "bob/open-data")
	sameNames(t, "named bob-lab", s.Projects(admin, ProjectFilter{Name: "bob-lab"}))
	if l := must(s.GatewayProjects(bob, GatewayFilter{Relationship: "Owned", Limit: -1})).ok(t); len(l) != 1 || l[0].Name != "open-data" {
		t.Errorf("gateway after archive: %+v", l)
	}
	// …but kept in the state, with what refers to it.
	snap := s.Export(true)
	if !snap.Projects[1].Archived || len(snap.Mappings) != 1 || len(snap.Jobs) != 1 {
		t.Errorf("export after archive: %+v", snap.Projects[1])
	}
	if err := s.Import(snap); err != nil {
		t.Errorf("the export of an archived project does not import: %v", err)
	}
	// Its name is free again.
	again := must(s.CreateProject(bob, ProjectInput{Name: "bob-lab"})).ok(t)
	if again.ID == bobLabID {
		t.Errorf("the new bob-lab has the archived one's id")
	}
	if f := must(s.FindProject(bob, "bob", "bob-lab")).ok(t); f.ID != again.ID {
		t.Errorf("found %s, want the new %s", f.ID, again.ID)
	}
	// An administrator may archive anyone's.
	if err := s.ArchiveProject(admin, openDataID); err != nil {
		t.Error(err)
	}
}

func TestGatewayProjects(t *testing.T) {
	s := richStore(t)
	admin, bob, carol, dave := caller(t, s, "admin"), caller(t, s, "bob"), caller(t, s, "carol"), caller(t, s, "dave")
	s.Clock().SetOffset(time.Hour)
	must(s.CreateProject(carol, ProjectInput{Name: "carols", Visibility: "Private"})).ok(t)
	s.Clock().SetOffset(2 * time.Hour)
	must(s.CreateProject(dave, ProjectInput{Name: "daves", Visibility: "Searchable", Collaborators: []Collaborator{{carolID, "ResultsConsumer"}}})).ok(t)
	for _, tc := range []struct {
		who  Caller
		f    GatewayFilter
		want []string // name:relationship, most recently updated first
	}{
		{bob, GatewayFilter{Relationship: "Owned", Limit: -1}, []string{"open-data:Owned", "bob-lab:Owned"}}, // at once: the newer first
		{carol, GatewayFilter{Relationship: "Owned", Limit: -1}, []string{"carols:Owned"}},
		{carol, GatewayFilter{Relationship: "Collaborating", Limit: -1}, []string{"daves:Collaborating", "bob-lab:Collaborating"}},
		{carol, GatewayFilter{Relationship: "OwnedAndCollaborating", Limit: -1}, []string{"daves:Collaborating", "carols:Owned", "bob-lab:Collaborating"}},
		{carol, GatewayFilter{Relationship: "OwnedAndCollaborating", Limit: -1, IncludeSearchableAndPublic: true},
			[]string{"daves:Collaborating", "carols:Owned", "open-data:Popular", "bob-lab:Collaborating"}},
		{admin, GatewayFilter{Relationship: "Popular", Limit: -1}, []string{"daves:Popular", "open-data:Popular"}},
		{bob, GatewayFilter{Relationship: "Suggested", Limit: -1}, []string{"daves:Suggested"}},
		{admin, GatewayFilter{Relationship: "Owned", Limit: -1}, []string{"quick-start:Owned"}},
		{admin, GatewayFilter{Relationship: "Collaborating", Limit: -1}, nil}, // admin rights are no relationship
		{carol, GatewayFilter{Relationship: "OwnedAndCollaborating", Limit: 2}, []string{"daves:Collaborating", "carols:Owned"}},
		{carol, GatewayFilter{Relationship: "OwnedAndCollaborating", Limit: 0}, nil},
	} {
		l := must(s.GatewayProjects(tc.who, tc.f)).ok(t)
		got := []string{}
		for _, p := range l {
			got = append(got, p.Name+":"+p.Relationship)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s %+v: %v, want %v", tc.who.UserName, tc.f, got, tc.want)
		}
	}
	// A change moves a project to the front.
	s.Clock().SetOffset(3 * time.Hour)
	must(s.AddProjectTags(bob, openDataID, []string{"fresh"})).ok(t)
	if l := must(s.GatewayProjects(bob, GatewayFilter{Relationship: "Owned", Limit: -1})).ok(t); l[0].Name != "open-data" ||
		time.Time(l[0].Details.UpdatedAt).Before(fixturesEpoch.Add(time.Hour)) || len(l[0].Tags) != 1 {
		t.Errorf("after a change: %+v", l[0])
	}
	// Observed: an unknown relationship is a 500 naming it; relationships are case-sensitive.
	for _, r := range []string{"invalid", "owned", "Suggesting", "Owned "} {
		_, err := s.GatewayProjects(bob, GatewayFilter{Relationship: r})
		wantKind(t, "relationship "+r, err, KindServerError)
		wantErrContains(t, "relationship "+r, err, "No value found for '"+r+"'")
	}
	_, err := s.GatewayProjects(bob, GatewayFilter{})
	wantKind(t, "no relationship", err, KindInvalid)
	// A summary's shape.
	l := must(s.GatewayProjects(bob, GatewayFilter{Relationship: "Owned", Limit: -1})).ok(t)
	lab := l[1]
	if lab.OwnerName != "bob" || lab.OwnerID != bobID || lab.ProjectType != "Analytic" || lab.Status.Status != "active" ||
		lab.MainGitRepositoryURI == nil || *lab.MainGitRepositoryURI != "https://gitlab.com/bob/lab.git" || *lab.ServiceProvider != "gitlab" {
		t.Errorf("summary %+v", lab)
	}
	if l[0].MainGitRepositoryURI != nil {
		t.Errorf("a project without a repository has uri %v", *l[0].MainGitRepositoryURI)
	}
}

func TestProjectTags(t *testing.T) {
	s := richStore(t)
	admin, bob, carol := caller(t, s, "admin"), caller(t, s, "bob"), caller(t, s, "carol")
	tags := must(s.AddProjectTags(carol, bobLabID, []string{"new", "old", "new"})).ok(t)
	if len(tags) != 2 || tags[0].Name != "new" || tags[1].Name != "old" || tags[0].IsApproved {
		t.Fatalf("added %+v", tags)
	}
	// Adding them again changes nothing; another project shares the ids.
	again := must(s.AddProjectTags(bob, bobLabID, []string{"old", "new"})).ok(t)
	if again[0] != tags[1] || again[1] != tags[0] {
		t.Errorf("again %+v, first %+v", again, tags)
	}
	other := must(s.AddProjectTags(bob, openDataID, []string{"old"})).ok(t)
	if other[0] != tags[1] {
		t.Errorf("another project's old is %+v", other[0])
	}
	if p := must(s.Project(admin, bobLabID)).ok(t); len(p.Tags) != 2 || p.Tags[0] != tags[0] || p.Tags[1] != tags[1] {
		t.Errorf("project tags %+v", p.Tags)
	}
	d := must(s.ProjectTagDetails(caller(t, s, "alice"), tags[0].ID)).ok(t)
	if d.ID != tags[0].ID || d.Name != "new" || time.Time(d.LastAdded).IsZero() {
		t.Errorf("details %+v", d)
	}
	_, err := s.ProjectTagDetails(admin, unknownID)
	wantKind(t, "unknown tag", err, KindNotFound)

	// Who may tag: the owner, Contributors and Owners, administrators.
	must(s.AddCollaborator(bob, bobLabID, daveID, "ResultsConsumer")).ok(t)
	for _, who := range []string{"dave", "alice"} {
		_, err := s.AddProjectTags(caller(t, s, who), bobLabID, []string{"x"})
		wantKind(t, who+" tags", err, KindForbidden)
		wantKind(t, who+" untags", s.RemoveProjectTag(caller(t, s, who), bobLabID, tags[0].ID), KindForbidden)
	}
	for _, tc := range []struct {
		names []string
		want  Kind
	}{
		{nil, KindInvalid},
		{[]string{""}, KindInvalid},
		{[]string{"ok", " no"}, KindInvalid},
		{[]string{strings.Repeat("t", 101)}, KindInvalid},
		{[]string{"a\x00b"}, KindInvalid},
	} {
		_, err := s.AddProjectTags(admin, bobLabID, tc.names)
		wantKind(t, fmt.Sprintf("tags %q", tc.names), err, tc.want)
	}
	_, err = s.AddProjectTags(admin, unknownID, []string{"x"})
	wantKind(t, "tag an unknown project", err, KindNotFound)
	if got := must(s.AddProjectTags(admin, bobLabID, []string{})).ok(t); len(got) != 0 {
		t.Errorf("no names added %+v", got)
	}

	// Removing takes the tag off this project only.
	if err := s.RemoveProjectTag(carol, bobLabID, tags[1].ID); err != nil {
		t.Fatal(err)
	}
	if p := must(s.Project(admin, bobLabID)).ok(t); len(p.Tags) != 1 || p.Tags[0].Name != "new" {
		t.Errorf("after removing old: %+v", p.Tags)
	}
	if p := must(s.Project(admin, openDataID)).ok(t); len(p.Tags) != 1 || p.Tags[0].Name != "old" {
		t.Errorf("open-data after removing old from bob-lab: %+v", p.Tags)
	}
	wantKind(t, "remove again", s.RemoveProjectTag(carol, bobLabID, tags[1].ID), KindNotFound)
	wantKind(t, "remove an unknown tag", s.RemoveProjectTag(carol, bobLabID, unknownID), KindNotFound)
	must(s.ProjectTagDetails(admin, tags[1].ID)).ok(t) // the tag itself stays
}

func TestProjectEnvVars(t *testing.T) {
	s := richStore(t)
	admin, bob, carol := caller(t, s, "admin"), caller(t, s, "bob"), caller(t, s, "carol")
	str := func(v string) *string { return &v }
	list := func(who Caller) string {
		t.Helper()
		var out []string
		for _, v := range must(s.ProjectEnvVars(who, bobLabID)).ok(t) {
			out = append(out, v.Name+"="+v.Value)
		}
		return strings.Join(out, ",")
	}
	if got := list(bob); got != "" {
		t.Errorf("fresh: %q", got)
	}
	// The sequence a third party's tests ran against a live Domino.
	if v := must(s.SetProjectEnvVar(bob, bobLabID, str("ISQUICKSTART"), str("true"))).ok(t); v != (EnvVar{"ISQUICKSTART", "true"}) {
		t.Errorf("upsert echoes %+v", v)
	}
	must(s.SetProjectEnvVar(carol, bobLabID, str("INTEGRATION_0_VAL"), str("zero"))).ok(t)
	must(s.SetProjectEnvVar(admin, bobLabID, str("INTEGRATION_1_VAL"), str("one"))).ok(t)
	if got := list(carol); got != "ISQUICKSTART=true,INTEGRATION_0_VAL=zero,INTEGRATION_1_VAL=one" {
		t.Errorf("after three: %q", got)
	}
	must(s.SetProjectEnvVar(bob, bobLabID, str("ISQUICKSTART"), str(""))).ok(t) // replaced in place; empty is a value
	if err := s.DeleteProjectEnvVar(carol, bobLabID, "INTEGRATION_0_VAL"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteProjectEnvVar(carol, bobLabID, "invalid"); err != nil {
		t.Errorf("deleting a variable that does not exist: %v", err)
	}
	if got := list(admin); got != "ISQUICKSTART=,INTEGRATION_1_VAL=one" {
		t.Errorf("after a replace and a delete: %q", got)
	}
	// A missing value is named first, even when the name is missing too.
	_, err := s.SetProjectEnvVar(bob, bobLabID, str("X"), nil)
	wantErrContains(t, "no value", err, "Invalid 'value' for EnvironmentVariable")
	_, err = s.SetProjectEnvVar(bob, bobLabID, nil, nil)
	wantErrContains(t, "no name, no value", err, "Invalid 'value' for EnvironmentVariable")
	wantKind(t, "no name, no value", err, KindInvalid)
	_, err = s.SetProjectEnvVar(bob, unknownID, nil, nil)
	wantKind(t, "bad body for an unknown project", err, KindInvalid)
	_, err = s.SetProjectEnvVar(bob, bobLabID, nil, str("v"))
	wantErrContains(t, "no name", err, "Invalid 'name' for EnvironmentVariable")
	_, err = s.SetProjectEnvVar(bob, bobLabID, str("A=B"), str("v"))
	wantKind(t, "name with =", err, KindInvalid)
	// Observed: an unknown project is a 500 on all three routes.
	_, err = s.ProjectEnvVars(admin, unknownID)
	wantKind(t, "list, unknown project", err, KindServerError)
	_, err = s.SetProjectEnvVar(admin, unknownID, str("A"), str("b"))
	wantKind(t, "set, unknown project", err, KindServerError)
	wantKind(t, "delete, unknown project", s.DeleteProjectEnvVar(admin, unknownID, "A"), KindServerError)
	// Those who may not change the project may not read them either.
	must(s.AddCollaborator(bob, bobLabID, daveID, "ResultsConsumer")).ok(t)
	for _, who := range []string{"dave", "alice"} {
		c := caller(t, s, who)
		_, err := s.ProjectEnvVars(c, bobLabID)
		wantKind(t, who+" lists", err, KindForbidden)
		_, err = s.SetProjectEnvVar(c, bobLabID, str("A"), str("b"))
		wantKind(t, who+" sets", err, KindForbidden)
		wantKind(t, who+" deletes", s.DeleteProjectEnvVar(c, bobLabID, "A"), KindForbidden)
	}
	_, err = s.ProjectEnvVars(caller(t, s, "alice"), openDataID) // public, but not hers
	wantKind(t, "alice lists a public project's", err, KindForbidden)
	// Values are secrets: an export without secrets redacts them.
	for _, p := range s.Export(false).Projects {
		for _, v := range p.EnvironmentVariables {
			if v.Value != Redacted {
				t.Errorf("export without secrets shows %s=%q", v.Name, v.Value)
			}
		}
	}
	if vars := s.Export(true).Projects[1].EnvironmentVariables; len(vars) != 2 || vars[1].Value != "one" {
		t.Errorf("export with secrets: %+v", vars)
	}
}

func TestProjectSettings(t *testing.T) {
	s := richStore(t)
	admin, bob, carol := caller(t, s, "admin"), caller(t, s, "bob"), caller(t, s, "carol")
	def := must(s.ProjectSettings(caller(t, s, "alice"), openDataID)).ok(t) // anyone who may read it
	if def.DefaultEnvironmentID != defEnvID || def.DefaultHardwareTierID != "small-k8s" || def.DefaultEnvironmentRevisionSpec.Named != "ActiveRevision" ||
		def.SparkClusterMode != "Local" || def.DefaultVolumeSizeGiB != 10 || def.MinVolumeSizeGiB != 4 || def.MaxVolumeSizeGiB != 200 {
		t.Errorf("defaults %+v", def)
	}
	gpu, medium, size := gpuEnvID, "medium-k8s", 25.5
	got := must(s.UpdateProjectSettings(carol, bobLabID, SettingsInput{DefaultEnvironmentID: &gpu, DefaultHardwareTierID: &medium,
		DefaultVolumeSizeGiB: &size, DefaultEnvironmentRevisionSpec: &fixtures.RevisionSpec{RevisionID: "rev-7"}})).ok(t)
	if got.DefaultEnvironmentID != gpuEnvID || got.DefaultHardwareTierID != medium || got.DefaultVolumeSizeGiB != 25.5 ||
		got.DefaultEnvironmentRevisionSpec.RevisionID != "rev-7" {
		t.Errorf("updated %+v", got)
	}
	// A field left out stays.
	latest := fixtures.RevisionSpec{Named: "LatestRevision"}
	got = must(s.UpdateProjectSettings(bob, bobLabID, SettingsInput{DefaultEnvironmentRevisionSpec: &latest})).ok(t)
	if got.DefaultHardwareTierID != medium || got.DefaultEnvironmentRevisionSpec != latest {
		t.Errorf("after a partial update %+v", got)
	}
	if read := must(s.ProjectSettings(admin, bobLabID)).ok(t); read != got {
		t.Errorf("read %+v, updated %+v", read, got)
	}
	bad := func(v string) *string { return &v }
	tiny, huge := 1.0, 201.0
	for _, tc := range []struct {
		name string
		who  Caller
		id   string
		in   SettingsInput
		want Kind
	}{
		{"unknown environment", bob, bobLabID, SettingsInput{DefaultEnvironmentID: bad(unknownID)}, KindInvalid},
		{"empty environment", bob, bobLabID, SettingsInput{DefaultEnvironmentID: bad("")}, KindInvalid},
		{"tier by name", bob, bobLabID, SettingsInput{DefaultHardwareTierID: bad("Medium")}, KindInvalid},
		{"volume too small", bob, bobLabID, SettingsInput{DefaultVolumeSizeGiB: &tiny}, KindInvalid},
		{"volume too large", bob, bobLabID, SettingsInput{DefaultVolumeSizeGiB: &huge}, KindInvalid},
		{"unknown project", admin, unknownID, SettingsInput{}, KindNotFound},
		{"a stranger", caller(t, s, "alice"), openDataID, SettingsInput{DefaultHardwareTierID: &medium}, KindForbidden},
	} {
		_, err := s.UpdateProjectSettings(tc.who, tc.id, tc.in)
		wantKind(t, tc.name, err, tc.want)
	}
	must(s.AddCollaborator(bob, bobLabID, daveID, "LauncherUser")).ok(t)
	_, err := s.UpdateProjectSettings(caller(t, s, "dave"), bobLabID, SettingsInput{})
	wantKind(t, "a LauncherUser", err, KindForbidden)
	if read := must(s.ProjectSettings(caller(t, s, "dave"), bobLabID)).ok(t); read != got {
		t.Errorf("after refusals %+v, want %+v", read, got)
	}
	_, err = s.ProjectSettings(caller(t, s, "alice"), bobLabID)
	wantKind(t, "a stranger reads a private project's", err, KindForbidden)
}

func TestForkProject(t *testing.T) {
	s := richStore(t)
	admin, bob, carol := caller(t, s, "admin"), caller(t, s, "bob"), caller(t, s, "carol")
	str := func(v string) *string { return &v }
	must(s.AddProjectTags(bob, bobLabID, []string{"ml"})).ok(t)
	must(s.SetProjectEnvVar(bob, bobLabID, str("TOKEN"), str("s3cret"))).ok(t)
	medium := "medium-k8s"
	must(s.UpdateProjectSettings(bob, bobLabID, SettingsInput{DefaultHardwareTierID: &medium})).ok(t)

	f := must(s.ForkProject(carol, bobLabID, ForkInput{Name: "lab-fork"})).ok(t)
	src := must(s.Project(admin, bobLabID)).ok(t)
	if f.OwnerUsername != "carol" || f.ID == src.ID || f.Description != src.Description || f.Visibility != "Private" ||
		len(f.Collaborators) != 0 || len(f.Tags) != 1 || f.Tags[0] != src.Tags[0] {
		t.Errorf("fork %+v", f)
	}
	if f.MainRepository == nil || f.MainRepository.ID == src.MainRepository.ID || f.MainRepository.URI != src.MainRepository.URI ||
		f.MainRepository.DefaultRef != src.MainRepository.DefaultRef {
		t.Errorf("fork's repository %+v, source's %+v", f.MainRepository, src.MainRepository)
	}
	if v := must(s.ProjectEnvVars(carol, f.ID)).ok(t); len(v) != 1 || v[0] != (EnvVar{"TOKEN", "s3cret"}) {
		t.Errorf("fork's variables %+v", v)
	}
	if st := must(s.ProjectSettings(carol, f.ID)).ok(t); st.DefaultHardwareTierID != medium {
		t.Errorf("fork's settings %+v", st)
	}
	// What the request gives wins.
	g := must(s.ForkProject(admin, openDataID, ForkInput{Name: "given", Description: str(""), Visibility: "Searchable",
		OwnerID: daveID, TagNames: &[]string{}, Collaborators: []Collaborator{{carolID, "Contributor"}}})).ok(t)
	if g.OwnerUsername != "dave" || g.Description != "" || g.Visibility != "Searchable" || len(g.Tags) != 0 || len(g.Collaborators) != 1 {
		t.Errorf("fork with everything given %+v", g)
	}
	for _, tc := range []struct {
		name string
		who  Caller
		id   string
		in   ForkInput
		want Kind
	}{
		{"no name", carol, bobLabID, ForkInput{}, KindInvalid},
		{"a name the caller has", carol, bobLabID, ForkInput{Name: "lab-fork"}, KindDuplicate},
		{"a private project of others", caller(t, s, "alice"), bobLabID, ForkInput{Name: "x"}, KindForbidden},
		{"for another user, not an admin", carol, openDataID, ForkInput{Name: "y", OwnerID: daveID}, KindForbidden},
		{"an unknown project", carol, unknownID, ForkInput{Name: "z"}, KindNotFound},
	} {
		_, err := s.ForkProject(tc.who, tc.id, tc.in)
		wantKind(t, tc.name, err, tc.want)
	}
	// A public project anyone may fork.
	must(s.ForkProject(caller(t, s, "alice"), openDataID, ForkInput{Name: "open-fork"})).ok(t)
}

func TestLegacyCollaborators(t *testing.T) {
	s := richStore(t)
	l := must(s.LegacyCollaborators(caller(t, s, "carol"), "BOB", "bob-lab")).ok(t)
	if len(l) != 2 || l[0] != (LegacyCollaborator{bobID, "bob", "Bob Builder", "bob@mockdomino.local", "Owner"}) ||
		l[1].Username != "carol" || l[1].ProjectRole != "Contributor" {
		t.Errorf("legacy collaborators %+v", l)
	}
	_, err := s.LegacyCollaborators(caller(t, s, "alice"), "bob", "bob-lab")
	wantKind(t, "a stranger", err, KindForbidden)
	_, err = s.LegacyCollaborators(caller(t, s, "admin"), "bob", "nope")
	wantKind(t, "unknown project", err, KindNotFound)
	_, err = s.LegacyCollaborators(caller(t, s, "admin"), "nobody", "bob-lab")
	wantKind(t, "unknown owner", err, KindNotFound)
}

// TestProjectChangesSurviveReopen: every change of the project routes is in
// the state directory, and a reopened store holds exactly what it did.
func TestProjectChangesSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	str := func(v string) *string { return &v }
	p := walOK(s.CreateProject(a, ProjectInput{Name: "persisted", TagNames: []string{"a", "b"},
		MainRepository: &RepositoryInput{URI: "https://github.com/x/y.git", ServiceProvider: "github"},
		Collaborators:  []Collaborator{{walAliceID, "Contributor"}}})).must(t)
	s = walReopen(t, s, dir) // from the snapshot written at open
	walOK(s.AddProjectTags(a, p.ID, []string{"b", "c"})).must(t)
	walOK(s.AddProjectTags(a, walProject, []string{"a"})).must(t)
	if err := s.RemoveProjectTag(a, p.ID, p.Tags[0].ID); err != nil {
		t.Fatal(err)
	}
	walOK(s.SetProjectEnvVar(a, p.ID, str("K"), str("v"))).must(t)
	walOK(s.SetProjectEnvVar(a, p.ID, str("L"), str("w"))).must(t)
	if err := s.DeleteProjectEnvVar(a, p.ID, "K"); err != nil {
		t.Fatal(err)
	}
	gib := 50.0
	walOK(s.UpdateProjectSettings(a, p.ID, SettingsInput{DefaultVolumeSizeGiB: &gib, DefaultEnvironmentRevisionSpec: &fixtures.RevisionSpec{RevisionID: "r"}})).must(t)
	fork := walOK(s.ForkProject(a, p.ID, ForkInput{Name: "forked"})).must(t)
	if err := s.ArchiveProject(a, p.ID); err != nil {
		t.Fatal(err)
	}
	walOK(s.CreateProject(a, ProjectInput{Name: "persisted"})).must(t) // the name is free again
	s = walReopen(t, s, dir)                                           // from the log
	if got := walOK(s.FindProject(a, "admin", "forked")).must(t); got.ID != fork.ID || len(got.Tags) != 2 {
		t.Errorf("fork after reopen %+v", got)
	}
	s = walReopen(t, s, dir)
	walClose(t, s)
}

// TestProjectRecordsCreate: replay refuses a record that creates a project
// or a tag whose id exists, as it does for every other entity.
func TestProjectRecordsCreate(t *testing.T) {
	r := newReplay()
	rec := walRecord{Seq: 1, Projects: []ProjectRecord{{ID: "p1"}}, ProjectTags: []TagRecord{{ID: "t1"}},
		Created: &createdIDs{Projects: []string{"p1"}, ProjectTags: []string{"t1"}}}
	if err := r.apply(rec); err != nil {
		t.Fatal(err)
	}
	rec.Seq = 2
	if err := r.apply(rec); err == nil || !strings.Contains(err.Error(), "creates project p1, which already exists") {
		t.Errorf("a second creation of p1: %v", err)
	}
	rec.Created.Projects = nil
	if err := r.apply(rec); err == nil || !strings.Contains(err.Error(), "creates project tag t1, which already exists") {
		t.Errorf("a second creation of t1: %v", err)
	}
}

// TestProjectDocumentRules: a state document's projects are held to the
// rules their routes keep, each refusal naming the entry.
func TestProjectDocumentRules(t *testing.T) {
	s := richStore(t)
	bob := caller(t, s, "bob")
	str := func(v string) *string { return &v }
	must(s.AddProjectTags(bob, bobLabID, []string{"ml", "nlp"})).ok(t)
	must(s.SetProjectEnvVar(bob, bobLabID, str("K"), str("v"))).ok(t)
	medium := "medium-k8s"
	must(s.UpdateProjectSettings(bob, bobLabID, SettingsInput{DefaultHardwareTierID: &medium})).ok(t)
	base := s.Export(true)
	if len(base.ProjectTags) != 2 || len(base.Projects[1].TagIDs) != 2 {
		t.Fatalf("unexpected base: %+v", base.Projects[1])
	}
	for _, c := range []struct {
		name string
		snap func(*Snapshot)
		want string
	}{
		{"a tag id that is no ObjectId", func(s *Snapshot) { s.ProjectTags[0].ID = "t1" }, `projectTags[0].id "t1" must be 24 lower-case hex characters`},
		{"a tag id of a user", func(s *Snapshot) { s.ProjectTags[0].ID = defAdminID }, `projectTags[0].id "` + defAdminID + `" is already users[0].id`},
		{"two tags of one name", func(s *Snapshot) { s.ProjectTags[1].Name = s.ProjectTags[0].Name }, `projectTags[1].name "`},
		{"a tag with a bad name", func(s *Snapshot) { s.ProjectTags[0].Name = " ml" }, `projectTags[0].name " ml" is invalid`},
		{"a project naming an unknown tag", func(s *Snapshot) { s.Projects[1].TagIDs[0] = unknownID }, `projects[1].tagIds[0] "` + unknownID + `" is not in projectTags`},
		{"a project naming a tag twice", func(s *Snapshot) { s.Projects[1].TagIDs[1] = s.Projects[1].TagIDs[0] }, `projects[1].tags[1]`},
		{"a variable with a bad name", func(s *Snapshot) { s.Projects[1].EnvironmentVariables[0].Name = "A=B" }, `projects[1].environmentVariables[0].name "A=B" is invalid`},
		{"a variable twice", func(s *Snapshot) {
			s.Projects[1].EnvironmentVariables = append(s.Projects[1].EnvironmentVariables, s.Projects[1].EnvironmentVariables[0])
		}, `projects[1].environmentVariables[1].name "K" is already`},
		{"settings naming an unknown tier", func(s *Snapshot) { s.Projects[1].Settings.DefaultHardwareTierID = "huge" }, `projects[1].settings.defaultHardwareTierId "huge" is not a hardware tier`},
		{"settings with a tiny volume", func(s *Snapshot) { s.Projects[1].Settings.DefaultVolumeSizeGiB = 0.5 }, `projects[1].settings.defaultVolumeSizeGiB 0.5 is invalid`},
		{"a project name with a space", func(s *Snapshot) { s.Projects[1].Name = "bob lab" }, `projects[1].name "bob lab" is invalid`},
		{"two live projects of one name", func(s *Snapshot) { s.Projects[2].Name = "bob-lab" }, `projects[2].name "bob-lab" is already the name of projects[1]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var snap Snapshot
			data, _ := json.Marshal(base)
			if err := json.Unmarshal(data, &snap); err != nil {
				t.Fatal(err)
			}
			c.snap(&snap)
			err := s.Import(snap)
			wantKind(t, c.name, err, KindInvalid)
			wantErrContains(t, c.name, err, "state document: "+c.want)
		})
	}
	// An archived project leaves its name to a live one.
	var snap Snapshot
	data, _ := json.Marshal(base)
	json.Unmarshal(data, &snap)
	snap.Projects[2].Name, snap.Projects[1].Archived = "bob-lab", true
	if err := s.Import(snap); err != nil {
		t.Errorf("an archived and a live project of one name: %v", err)
	}
	// A document written before projects had tags, variables, settings and times loads.
	var old Snapshot
	json.Unmarshal(data, &old)
	old.ProjectTags = nil
	for i := range old.Projects {
		p := &old.Projects[i]
		p.TagIDs, p.EnvironmentVariables, p.Settings, p.Created, p.Updated = nil, nil, nil, nil, nil
	}
	if err := s.Import(old); err != nil {
		t.Fatalf("an older document: %v", err)
	}
	if p := must(s.Project(bob, bobLabID)).ok(t); !time.Time(p.Created).Equal(fixturesEpoch) || len(p.Tags) != 0 {
		t.Errorf("older document's project %+v", p)
	}
}

// TestProjectNameRace: of callers creating one name at once, one succeeds;
// lists and archives running meanwhile see a consistent index.
func TestProjectNameRace(t *testing.T) {
	s := richStore(t)
	bob := caller(t, s, "bob")
	var wg sync.WaitGroup
	var made, dup atomic.Int32
	for i := 0; i < 20; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := s.CreateProject(bob, ProjectInput{Name: "race"})
			switch KindOf(err) {
			case 0:
				made.Add(1)
			case KindDuplicate:
				dup.Add(1)
			default:
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			for _, p := range s.Projects(bob, ProjectFilter{Name: "race"}) {
				s.ArchiveProject(bob, p.ID)
			}
		}()
	}
	wg.Wait()
	if made.Load()+dup.Load() != 20 || made.Load() < 1 {
		t.Errorf("%d made, %d duplicates", made.Load(), dup.Load())
	}
	if l := s.Projects(bob, ProjectFilter{Name: "race"}); len(l) > 1 {
		t.Errorf("%d live projects named race", len(l))
	}
}
