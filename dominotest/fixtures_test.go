package dominotest_test

import (
	"reflect"
	"testing"

	"github.com/mockdomino/mockdomino/dominotest"
	"github.com/mockdomino/mockdomino/fixtures"
)

// TestFixtureConstants compares everything the embedded fixtures hold that
// a test names (users, the project and its repository, the environments
// and their revisions, the hardware tiers) with dominotest's constants, both
// ways: a constant that drifts, and a fixture added without a constant,
// fail it.
func TestFixtureConstants(t *testing.T) {
	type user struct {
		ID, UserName, APIKey string
		Admin                bool
	}
	type project struct{ ID, Owner, Name, RepositoryID, RepositoryURI string }
	type environment struct {
		ID, Name  string
		Default   bool
		Revisions []string
	}
	type tier struct {
		ID, Name string
		Default  bool
	}
	type set struct {
		Users        []user
		Projects     []project
		Environments []environment
		Tiers        []tier
	}

	fx := fixtures.Default()
	var got set
	for _, u := range fx.Users {
		got.Users = append(got.Users, user{u.ID, u.UserName, u.APIKey, u.IsAdmin()})
	}
	for _, p := range fx.Projects {
		var repoID, repoURI string
		if r := p.MainRepository; r != nil {
			repoID, repoURI = r.ID, r.URI
		}
		got.Projects = append(got.Projects, project{p.ID, p.Owner, p.Name, repoID, repoURI})
	}
	for _, e := range fx.Environments {
		var revisions []string
		for _, r := range fixtures.RevisionsOf(e) {
			revisions = append(revisions, r.ID)
		}
		got.Environments = append(got.Environments, environment{e.ID, e.Name, e.IsDefault, revisions})
	}
	for _, h := range fx.HardwareTiers {
		got.Tiers = append(got.Tiers, tier{h.ID, h.Name, h.IsDefault})
	}

	want := set{
		Users: []user{
			{dominotest.AdminID, dominotest.AdminUserName, dominotest.AdminAPIKey, true},
			{dominotest.AliceID, dominotest.AliceUserName, dominotest.AliceAPIKey, false},
		},
		Projects: []project{{dominotest.ProjectID, dominotest.ProjectOwner, dominotest.ProjectName,
			dominotest.RepositoryID, dominotest.RepositoryURI}},
		Environments: []environment{{dominotest.DefaultEnvironmentID, dominotest.DefaultEnvironmentName, true,
			[]string{dominotest.DefaultEnvironmentRevisionID}}},
		Tiers: []tier{
			{dominotest.DefaultHardwareTierID, dominotest.DefaultHardwareTierName, true},
			{dominotest.MediumHardwareTierID, dominotest.MediumHardwareTierName, false},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the embedded fixtures hold\n%+v\nthe constants say\n%+v", got, want)
	}
}

// The constants name what a running server holds.
func TestFixtureConstantsServed(t *testing.T) {
	srv := dominotest.NewServer(t)
	if srv.AdminAPIKey != dominotest.AdminAPIKey || srv.UserAPIKey != dominotest.AliceAPIKey {
		t.Errorf("the server's keys differ from the constants")
	}
	sa := srv.CreateServiceAccount(t, "ci-bot")
	srv.AddCollaborator(t, dominotest.ProjectID, sa.ID, "Contributor")
	srv.AddCollaborator(t, dominotest.ProjectID, dominotest.AliceID, "ResultsConsumer")
	if rev := srv.ActiveRevision(t, dominotest.DefaultEnvironmentID); rev.ID != dominotest.DefaultEnvironmentRevisionID {
		t.Errorf("the default environment's active revision is %s", rev.ID)
	}
	commit := srv.UploadFile(t, dominotest.ProjectOwner, dominotest.ProjectName, "a.txt", []byte("a"))
	if got := string(srv.ReadFile(t, dominotest.ProjectID, commit, "a.txt")); got != "a" {
		t.Errorf("read back %q", got)
	}
}
