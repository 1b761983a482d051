package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Rule tests of environments and their revisions (environments.go); their
// persistence is in environments_persist_test.go.

const (
	defEnvRevisionID = "64b7f0a1c2d3e4f5a6b7cc01"
	testImage        = "python:3.12-slim"
)

// privateEnv creates a Private environment owned by who.
func privateEnv(t testing.TB, s *Store, who, name string) Environment {
	t.Helper()
	return must(s.CreateEnvironment(caller(t, s, who), EnvironmentInput{Name: name, Visibility: "Private",
		Revision: RevisionDefinition{Image: testImage}})).ok(t)
}

func TestCreateEnvironmentRules(t *testing.T) {
	def := RevisionDefinition{Image: testImage}
	for _, tc := range []struct {
		name string
		who  string // a fixtures user, or "sa" for a service account
		in   EnvironmentInput
		want Kind
		msg  string
	}{
		{name: "a user creates a private one", who: "alice", in: EnvironmentInput{Name: "mine", Visibility: "Private", Revision: def}},
		{name: "a service account creates a private one", who: "sa", in: EnvironmentInput{Name: "bots", Visibility: "Private", Revision: def}},
		{name: "an administrator creates a global one", who: "admin", in: EnvironmentInput{Name: "shared", Visibility: "Global", Revision: def}},
		{name: "an administrator creates a private one", who: "admin", in: EnvironmentInput{Name: "own", Visibility: "Private", Revision: def}},
		{name: "the public API's spelling", who: "alice", in: EnvironmentInput{Name: "lower", Visibility: "private", Revision: def}},
		{name: "any case", who: "admin", in: EnvironmentInput{Name: "upper", Visibility: "GLOBAL", Revision: def}},
		{name: "a user may not create a global one", who: "alice", in: EnvironmentInput{Name: "shared", Visibility: "Global", Revision: def},
			want: KindForbidden, msg: "only administrators may create Global environments"},
		{name: "nor a service account", who: "sa", in: EnvironmentInput{Name: "shared", Visibility: "global", Revision: def},
			want: KindForbidden, msg: "Global"},
		{name: "no visibility", who: "alice", in: EnvironmentInput{Name: "x", Revision: def}, want: KindInvalid, msg: "visibility is required"},
		{name: "an organization's", who: "admin", in: EnvironmentInput{Name: "x", Visibility: "Organization", Revision: def},
			want: KindInvalid, msg: `visibility "Organization" is invalid: must be one of Global, Private`},
		{name: "an organization as owner", who: "admin", in: EnvironmentInput{Name: "x", Visibility: "Private", OrgOwnerID: "64b7f0a1c2d3e4f5a6b7c8aa", Revision: def},
			want: KindNotFound, msg: "Organization 64b7f0a1c2d3e4f5a6b7c8aa not found"},
		{name: "no name", who: "alice", in: EnvironmentInput{Visibility: "Private", Revision: def}, want: KindInvalid, msg: "name is required"},
		{name: "a blank name", who: "alice", in: EnvironmentInput{Name: "  ", Visibility: "Private", Revision: def}, want: KindInvalid, msg: "name is required"},
		{name: "a name with a newline", who: "alice", in: EnvironmentInput{Name: "a\nb", Visibility: "Private", Revision: def}, want: KindInvalid, msg: "name"},
		{name: "a name too long", who: "alice", in: EnvironmentInput{Name: strings.Repeat("n", 257), Visibility: "Private", Revision: def},
			want: KindInvalid, msg: "longer than 256"},
		{name: "no image", who: "alice", in: EnvironmentInput{Name: "x", Visibility: "Private"}, want: KindInvalid, msg: "image is required"},
		{name: "a cluster type that does not exist", who: "alice", in: EnvironmentInput{Name: "x", Visibility: "Private",
			Revision: RevisionDefinition{Image: testImage, SupportedClusters: []string{"spark", "hadoop"}}},
			want: KindInvalid, msg: `supportedClusters[1] "hadoop" is invalid: must be one of Spark, Ray, Dask, MPI`},
		{name: "a variable without a name", who: "alice", in: EnvironmentInput{Name: "x", Visibility: "Private",
			Revision: RevisionDefinition{Image: testImage, EnvironmentVariables: []EnvironmentVariable{{Value: "v"}}}},
			want: KindInvalid, msg: "environmentVariables[0]"},
		{name: "a workspace tool without a title", who: "alice", in: EnvironmentInput{Name: "x", Visibility: "Private",
			Revision: RevisionDefinition{Image: testImage, WorkspaceTools: []WorkspaceTool{{Name: "jupyter"}}}},
			want: KindInvalid, msg: "workspaceTools[0]"},
		{name: "a user may not restrict its first revision", who: "alice", in: EnvironmentInput{Name: "x", Visibility: "Private", IsRestricted: true, Revision: def},
			want: KindForbidden, msg: "only administrators may restrict"},
		{name: "an administrator may", who: "admin", in: EnvironmentInput{Name: "x", Visibility: "Private", IsRestricted: true, Revision: def}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			c := Caller{}
			if tc.who == "sa" {
				c = saCaller(newAccount(t, s, "env-bot"))
			} else {
				c = caller(t, s, tc.who)
			}
			before := s.VisibleEnvironments(caller(t, s, "admin"))
			e, err := s.CreateEnvironment(c, tc.in)
			if tc.want != 0 {
				wantKind(t, tc.name, err, tc.want)
				wantErrContains(t, tc.name, err, tc.msg)
				if after := s.VisibleEnvironments(caller(t, s, "admin")); len(after) != len(before) {
					t.Errorf("a refused create made an environment: %v", after)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			wantVisibility := "Private"
			if strings.EqualFold(tc.in.Visibility, "global") {
				wantVisibility = "Global"
			}
			if e.Name != tc.in.Name || e.Visibility != wantVisibility || e.Archived || e.IsDefault || !e.AssignLatestRevisionAsActive {
				t.Errorf("created %+v", e)
			}
			if wantVisibility == "Private" && (e.OwnerID != c.ID || e.OwnerUserName != c.UserName) {
				t.Errorf("owner %q (%s), want the creator %q", e.OwnerID, e.OwnerUserName, c.ID)
			}
			if wantVisibility == "Global" && e.OwnerID != "" {
				t.Errorf("a Global environment has owner %q", e.OwnerID)
			}
			if e.RevisionCount != 1 || e.Latest.Number != 1 || e.Active.ID != e.Latest.ID || e.Latest.Image != testImage ||
				e.Latest.EnvironmentID != e.ID || e.Latest.EnvironmentName != e.Name {
				t.Errorf("first revision %+v (active %+v)", e.Latest, e.Active)
			}
			if (e.Restricted != nil) != tc.in.IsRestricted || tc.in.IsRestricted && e.Restricted.ID != e.Latest.ID {
				t.Errorf("restricted revision %+v, want it iff asked", e.Restricted)
			}
			if got := must(s.Environment(c, e.ID)).ok(t); got.ID != e.ID {
				t.Errorf("read back %+v", got)
			}
		})
	}
}

func TestCreateEnvironmentKeepsTheDefinition(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	in := RevisionDefinition{Image: testImage, DockerfileInstructions: "RUN pip install x", PreRunScript: "a", PostRunScript: "b",
		PreSetupScript: "c", PostSetupScript: "d", Summary: "first", Tags: []string{"gpu"}, SupportedClusters: []string{"spark", "RAY"},
		EnvironmentVariables: []EnvironmentVariable{{Name: "PIP_INDEX_URL", Value: "https://user:secret@pypi.example.com"}},
		WorkspaceTools:       []WorkspaceTool{{Name: "jupyter", Title: "Jupyter", StartScripts: []string{"start.sh"}, ProxyConfig: &ProxyConfig{InternalPath: "/", Port: 8888}}},
		SkipCache:            true, UseVPN: true}
	e := must(s.CreateEnvironment(alice, EnvironmentInput{Name: "full", Visibility: "Private", Revision: in})).ok(t)
	r := e.Latest
	if r.DockerfileInstructions != in.DockerfileInstructions || r.PreRunScript != "a" || r.PostRunScript != "b" || r.PreSetupScript != "c" ||
		r.PostSetupScript != "d" || r.Summary != "first" || !slices.Equal(r.Tags, in.Tags) || !r.SkipCache || !r.UseVPN {
		t.Errorf("revision %+v", r)
	}
	if !slices.Equal(r.SupportedClusters, []string{"Spark", "Ray"}) {
		t.Errorf("cluster types %v, want /v4's spelling", r.SupportedClusters)
	}
	if len(r.WorkspaceTools) != 1 || r.WorkspaceTools[0].ProxyConfig.Port != 8888 {
		t.Errorf("tools %+v", r.WorkspaceTools)
	}
	// A variable's value is never shown; its name is.
	if len(r.EnvironmentVariables) != 1 || r.EnvironmentVariables[0].Name != "PIP_INDEX_URL" || r.EnvironmentVariables[0].Value != "" {
		t.Errorf("variables %+v", r.EnvironmentVariables)
	}
	// Views are copies: changing one changes nothing stored.
	r.Tags[0], r.WorkspaceTools[0].ProxyConfig.Port = "changed", 1
	in.Tags[0] = "changed too"
	again := must(s.Environment(alice, e.ID)).ok(t).Latest
	if again.Tags[0] != "gpu" || again.WorkspaceTools[0].ProxyConfig.Port != 8888 {
		t.Errorf("the stored revision changed with a view or the input: %+v", again)
	}
	// Exports redact the value unless they keep secrets.
	for _, withSecrets := range []bool{false, true} {
		var got string
		for _, er := range s.Export(withSecrets).Environments {
			if er.ID == e.ID {
				got = er.Revisions[0].EnvironmentVariables[0].Value
			}
		}
		want := Redacted
		if withSecrets {
			want = "https://user:secret@pypi.example.com"
		}
		if got != want {
			t.Errorf("export (secrets %v): value %q, want %q", withSecrets, got, want)
		}
	}
}

func TestEnvironmentAccessRules(t *testing.T) {
	s := richStore(t)
	carols := privateEnv(t, s, "carol", "carols")
	global := must(s.CreateEnvironment(caller(t, s, "admin"), EnvironmentInput{Name: "shared", Visibility: "Global",
		Revision: RevisionDefinition{Image: testImage}})).ok(t)
	sa := newAccount(t, s, "env-bot")
	bots := must(s.CreateEnvironment(saCaller(sa), EnvironmentInput{Name: "bots", Visibility: "Private",
		Revision: RevisionDefinition{Image: testImage}})).ok(t)
	callers := map[string]Caller{"admin": caller(t, s, "admin"), "carol": caller(t, s, "carol"), "bob": caller(t, s, "bob"), "sa": saCaller(sa)}
	type op struct {
		name string
		do   func(c Caller, env string) error
	}
	ignore := func(_ any, err error) error { return err }
	read := []op{
		{"read", func(c Caller, env string) error { return ignore(s.Environment(c, env)) }},
		{"read the active revision", func(c Caller, env string) error { return ignore(s.ActiveRevision(c, env)) }},
	}
	change := []op{
		{"add a revision", func(c Caller, env string) error {
			return ignore(s.CreateEnvironmentRevision(c, env, RevisionDefinition{}))
		}},
		{"pin the active revision", func(c Caller, env string) error { return ignore(s.SetAssignLatestRevisionAsActive(c, env, false)) }},
		{"follow the latest revision", func(c Caller, env string) error { return ignore(s.SetAssignLatestRevisionAsActive(c, env, true)) }},
	}
	for _, tc := range []struct {
		env, who        string
		readErr, change Kind
	}{
		{carols.ID, "carol", 0, 0},
		{carols.ID, "admin", 0, 0},
		{carols.ID, "bob", KindForbidden, KindForbidden},
		{carols.ID, "sa", KindForbidden, KindForbidden},
		{bots.ID, "sa", 0, 0},
		{bots.ID, "carol", KindForbidden, KindForbidden},
		{global.ID, "carol", 0, KindForbidden},
		{global.ID, "sa", 0, KindForbidden},
		{global.ID, "admin", 0, 0},
		{defEnvID, "bob", 0, KindForbidden},
		{unknownID, "admin", KindNotFound, KindNotFound},
	} {
		for _, o := range read {
			checkSame(t, fmt.Sprintf("%s: %s %s", tc.who, o.name, tc.env), o.do(callers[tc.who], tc.env), tc.readErr)
		}
		for _, o := range change {
			checkSame(t, fmt.Sprintf("%s: %s %s", tc.who, o.name, tc.env), o.do(callers[tc.who], tc.env), tc.change)
		}
	}
	// The Forbidden messages say who may.
	_, err := s.CreateEnvironmentRevision(callers["carol"], global.ID, RevisionDefinition{})
	wantErrContains(t, "carol on a Global environment", err, "only administrators may change the Global environment")
	_, err = s.CreateEnvironmentRevision(callers["bob"], carols.ID, RevisionDefinition{})
	wantErrContains(t, "bob on carol's environment", err, "may not access environment "+carols.ID)
	// Only an administrator restricts a revision, even of its own environment.
	_, err = s.RestrictEnvironmentRevision(callers["carol"], carols.ID, carols.Latest.ID, true)
	wantKind(t, "carol restricts her own revision", err, KindForbidden)
	must(s.RestrictEnvironmentRevision(callers["admin"], carols.ID, carols.Latest.ID, true)).ok(t)
	// Lists show what the caller may read, archived ones left out.
	names := func(who string) []string {
		var out []string
		for _, e := range s.VisibleEnvironments(callers[who]) {
			out = append(out, e.Name)
		}
		return out
	}
	if got := names("carol"); !slices.Equal(got, []string{"Standard", "GPU", "carols", "shared"}) {
		t.Errorf("carol lists %v", got)
	}
	if got := names("admin"); !slices.Equal(got, []string{"Standard", "GPU", "carols", "shared", "bots"}) {
		t.Errorf("the administrator lists %v", got)
	}
	if got := names("bob"); !slices.Equal(got, []string{"Standard", "GPU", "shared"}) {
		t.Errorf("bob lists %v", got)
	}
}

func TestRevisionsAreNumbered(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	e := privateEnv(t, s, "alice", "numbered")
	r2 := must(s.CreateEnvironmentRevision(alice, e.ID, RevisionDefinition{Summary: "second"})).ok(t)
	r3 := must(s.CreateEnvironmentRevision(alice, e.ID, RevisionDefinition{Image: "python:3.13", Summary: "third"})).ok(t)
	if r2.Number != 2 || r3.Number != 3 || r2.ID == r3.ID || r2.EnvironmentID != e.ID {
		t.Fatalf("revisions %+v, %+v", r2, r3)
	}
	if r2.Image != testImage || r3.Image != "python:3.13" {
		t.Errorf("images %q, %q: a revision without one keeps the latest's", r2.Image, r3.Image)
	}
	got := must(s.Environment(alice, e.ID)).ok(t)
	if got.RevisionCount != 3 || got.Latest.ID != r3.ID || got.Active.ID != r3.ID {
		t.Errorf("environment %+v", got)
	}
	if r := must(s.EnvironmentRevision(alice, e.ID, r2.ID)).ok(t); r.Summary != "second" || r.Number != 2 {
		t.Errorf("revision 2 read back %+v", r)
	}
	// Each environment numbers its own.
	other := privateEnv(t, s, "alice", "other")
	if r := must(s.CreateEnvironmentRevision(alice, other.ID, RevisionDefinition{})).ok(t); r.Number != 2 {
		t.Errorf("another environment's second revision is %d", r.Number)
	}
	_, err := s.EnvironmentRevision(alice, other.ID, r2.ID)
	wantKind(t, "a revision through another environment", err, KindNotFound)
	_, err = s.CreateEnvironmentRevision(alice, e.ID, RevisionDefinition{SupportedClusters: []string{"yarn"}})
	wantKind(t, "a revision with a bad cluster type", err, KindInvalid)
	if got := must(s.Environment(alice, e.ID)).ok(t); got.RevisionCount != 3 {
		t.Errorf("a refused revision was added: %d", got.RevisionCount)
	}
	// Environments from fixtures that give only a version have that many.
	rich := richStore(t)
	gpu := must(rich.Environment(caller(t, rich, "bob"), gpuEnvID)).ok(t)
	if gpu.RevisionCount != 3 || gpu.Latest.Number != 3 || gpu.Latest.ID != fixtures.RevisionsOf(fixtures.Environment{ID: gpuEnvID, Version: 3})[2].ID {
		t.Errorf("legacy fixture environment %+v", gpu)
	}
}

func TestActiveRevision(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	e := privateEnv(t, s, "alice", "pinned")
	r2 := must(s.CreateEnvironmentRevision(alice, e.ID, RevisionDefinition{})).ok(t)
	active := func() EnvironmentRevision { return must(s.ActiveRevision(alice, e.ID)).ok(t) }
	if active().ID != r2.ID {
		t.Fatalf("the latest revision is not the active one")
	}
	// Pinning revision 1: new revisions no longer become the active one.
	got := must(s.SetActiveRevision(alice, e.ID, e.Latest.ID)).ok(t)
	if got.Active.Number != 1 || got.AssignLatestRevisionAsActive {
		t.Errorf("after setactive: %+v", got)
	}
	r3 := must(s.CreateEnvironmentRevision(alice, e.ID, RevisionDefinition{})).ok(t)
	if a := active(); a.Number != 1 {
		t.Errorf("after a new revision the active one is %d, want the pinned 1", a.Number)
	}
	// assignLatestRevisionAsActive true follows the latest again...
	if got := must(s.SetAssignLatestRevisionAsActive(alice, e.ID, true)).ok(t); got.Active.ID != r3.ID || !got.AssignLatestRevisionAsActive {
		t.Errorf("following the latest: %+v", got.Active)
	}
	// ...and false pins the one active now.
	must(s.SetAssignLatestRevisionAsActive(alice, e.ID, false)).ok(t)
	must(s.CreateEnvironmentRevision(alice, e.ID, RevisionDefinition{})).ok(t)
	if a := active(); a.ID != r3.ID {
		t.Errorf("pinned by assignLatestRevisionAsActive false: active %d, want 3", a.Number)
	}
	_, err := s.SetActiveRevision(alice, e.ID, unknownID)
	wantKind(t, "setactive of a revision that does not exist", err, KindNotFound)
	_, err = s.SetActiveRevision(alice, e.ID, defEnvRevisionID)
	wantKind(t, "setactive of another environment's revision", err, KindNotFound)
	_, err = s.SetActiveRevision(alice, e.ID, "")
	wantKind(t, "setactive without a revision", err, KindInvalid)
}

func TestRestrictRevision(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	e := privateEnv(t, s, "alice", "classified")
	r2 := must(s.CreateEnvironmentRevision(admin, e.ID, RevisionDefinition{})).ok(t)
	restricted := func() string {
		if r := must(s.Environment(admin, e.ID)).ok(t).Restricted; r != nil {
			return r.ID
		}
		return ""
	}
	if r := must(s.RestrictEnvironmentRevision(admin, e.ID, e.Latest.ID, true)).ok(t); !r.IsRestricted || restricted() != e.Latest.ID {
		t.Fatalf("restricting revision 1: %+v, environment's %q", r, restricted())
	}
	// One revision is the restricted one: restricting another moves it.
	must(s.RestrictEnvironmentRevision(admin, e.ID, r2.ID, true)).ok(t)
	if restricted() != r2.ID {
		t.Errorf("restricted revision %q, want revision 2", restricted())
	}
	if r := must(s.EnvironmentRevision(admin, e.ID, e.Latest.ID)).ok(t); r.IsRestricted {
		t.Errorf("revision 1 is still restricted")
	}
	// Lifting it leaves none; lifting one that is not restricted changes nothing.
	must(s.RestrictEnvironmentRevision(admin, e.ID, e.Latest.ID, false)).ok(t)
	if restricted() != r2.ID {
		t.Errorf("lifting revision 1 changed the restricted one to %q", restricted())
	}
	must(s.RestrictEnvironmentRevision(admin, e.ID, r2.ID, false)).ok(t)
	if restricted() != "" {
		t.Errorf("restricted revision %q after lifting it", restricted())
	}
	_, err := s.RestrictEnvironmentRevision(admin, e.ID, defEnvRevisionID, true)
	wantKind(t, "another environment's revision", err, KindNotFound)
	_, err = s.RestrictEnvironmentRevision(admin, unknownID, r2.ID, true)
	wantKind(t, "an environment that does not exist", err, KindNotFound)
}

func TestArchiveEnvironment(t *testing.T) {
	s := newStore(t)
	alice, admin := caller(t, s, "alice"), caller(t, s, "admin")
	e := privateEnv(t, s, "alice", "old")
	got := must(s.ArchiveEnvironment(alice, e.ID)).ok(t)
	if !got.Archived {
		t.Fatalf("archive answered %+v", got)
	}
	if again := must(s.ArchiveEnvironment(alice, e.ID)).ok(t); !again.Archived {
		t.Errorf("archiving again: %+v", again)
	}
	// Still readable, listed nowhere, and changed no more.
	if r := must(s.Environment(alice, e.ID)).ok(t); !r.Archived {
		t.Errorf("read back %+v", r)
	}
	for _, l := range s.VisibleEnvironments(alice) {
		if l.ID == e.ID {
			t.Errorf("an archived environment is listed")
		}
	}
	if page, total := s.EnvironmentsPage(alice, 0, 10); total != 1 || len(page) != 1 {
		t.Errorf("page %v of %d, want only the default environment", page, total)
	}
	envs, _, _ := s.ProjectEnvironments(admin, defProjectID)
	for _, l := range envs {
		if l.ID == e.ID {
			t.Errorf("a project may use an archived environment")
		}
	}
	_, err := s.CreateEnvironmentRevision(alice, e.ID, RevisionDefinition{})
	wantKind(t, "a revision of an archived environment", err, KindInvalid)
	wantErrContains(t, "a revision of an archived environment", err, "is archived")
	_, err = s.SetActiveRevision(alice, e.ID, e.Latest.ID)
	wantKind(t, "setactive on an archived environment", err, KindInvalid)
	_, err = s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x", EnvironmentID: e.ID})
	wantKind(t, "a job in an archived environment", err, KindInvalid)
	// The default environment cannot be archived; others can only by who may change them.
	_, err = s.ArchiveEnvironment(admin, defEnvID)
	wantKind(t, "archiving the default environment", err, KindInvalid)
	wantErrContains(t, "archiving the default environment", err, "default environment")
	other := privateEnv(t, s, "admin", "admins")
	_, err = s.ArchiveEnvironment(alice, other.ID)
	wantKind(t, "alice archives the administrator's", err, KindForbidden)
}

func TestDefaultEnvironment(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	if d := must(s.DefaultEnvironment(alice)).ok(t); d.ID != defEnvID || !d.IsDefault || d.Latest.Image == "" {
		t.Errorf("default environment %+v", d)
	}
	// Without one marked, the first Global one not archived is the default.
	fx := fixtures.Default()
	fx.Environments = []fixtures.Environment{
		{ID: "64b7f0a1c2d3e4f5a6b7cb11", Name: "private", Visibility: "Private", Owner: "alice"},
		{ID: "64b7f0a1c2d3e4f5a6b7cb12", Name: "old", Archived: true},
		{ID: "64b7f0a1c2d3e4f5a6b7cb13", Name: "first global"},
		{ID: "64b7f0a1c2d3e4f5a6b7cb14", Name: "second global"},
	}
	s2 := newStoreWith(t, Config{Fixtures: fx})
	admin := caller(t, s2, "admin")
	if d := must(s2.DefaultEnvironment(admin)).ok(t); d.ID != "64b7f0a1c2d3e4f5a6b7cb13" || !d.IsDefault {
		t.Errorf("default environment %+v", d)
	}
	// A job that names no environment runs in the default one.
	j := must(s2.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	if j.EnvironmentID != "64b7f0a1c2d3e4f5a6b7cb13" {
		t.Errorf("job environment %q", j.EnvironmentID)
	}
	// With no Global environment there is none.
	fx.Environments = fx.Environments[:1]
	s3 := newStoreWith(t, Config{Fixtures: fx})
	_, err := s3.DefaultEnvironment(caller(t, s3, "alice"))
	wantKind(t, "no Global environment", err, KindNotFound)
	if j := must(s3.StartJob(caller(t, s3, "admin"), JobInput{ProjectID: defProjectID, Command: "x"})).ok(t); j.EnvironmentID != "" || j.EnvironmentRevisionID != "" {
		t.Errorf("a job without any default environment: %+v", j)
	}
}

func TestProjectEnvironments(t *testing.T) {
	s := richStore(t)
	bobs := privateEnv(t, s, "bob", "bobs")
	carols := privateEnv(t, s, "carol", "carols")
	daves := privateEnv(t, s, "dave", "daves")
	ids := func(who, project string) []string {
		envs, selected, err := s.ProjectEnvironments(caller(t, s, who), project)
		if err != nil {
			t.Fatalf("%s in %s: %v", who, project, err)
		}
		if selected == nil || selected.ID != defEnvID {
			t.Errorf("%s in %s: selected %+v, want the default environment", who, project, selected)
		}
		var out []string
		for _, e := range envs {
			out = append(out, e.ID)
		}
		return out
	}
	// A project may use the Global environments, its owner's, and the caller's own.
	if got := ids("carol", bobLabID); !slices.Equal(got, []string{defEnvID, gpuEnvID, bobs.ID, carols.ID}) {
		t.Errorf("carol in bob-lab: %v", got)
	}
	if got := ids("bob", bobLabID); !slices.Equal(got, []string{defEnvID, gpuEnvID, bobs.ID}) {
		t.Errorf("bob in bob-lab: %v", got)
	}
	// An administrator reads every environment but uses only those.
	if got := ids("admin", bobLabID); !slices.Equal(got, []string{defEnvID, gpuEnvID, bobs.ID}) {
		t.Errorf("admin in bob-lab: %v", got)
	}
	// Jobs follow the same rule.
	carol := caller(t, s, "carol")
	must(s.StartJob(carol, JobInput{ProjectID: bobLabID, Command: "x", EnvironmentID: bobs.ID})).ok(t)
	must(s.StartJob(carol, JobInput{ProjectID: bobLabID, Command: "x", EnvironmentID: carols.ID})).ok(t)
	_, err := s.StartJob(carol, JobInput{ProjectID: bobLabID, Command: "x", EnvironmentID: daves.ID})
	wantKind(t, "a job in someone else's private environment", err, KindInvalid)
	wantErrContains(t, "a job in someone else's private environment", err, "not an environment this project may use")
	_, err = s.StartJob(carol, JobInput{ProjectID: bobLabID, Command: "x", EnvironmentID: unknownID})
	wantKind(t, "a job in an environment that does not exist", err, KindInvalid)
	// Without a usable environment there is no selected one.
	fx := fixtures.Default()
	fx.Environments = nil
	empty := newStoreWith(t, Config{Fixtures: fx})
	envs, selected, err := empty.ProjectEnvironments(caller(t, empty, "admin"), defProjectID)
	if err != nil || len(envs) != 0 || selected != nil {
		t.Errorf("no environments: %v %v %v", envs, selected, err)
	}
}

func TestJobRecordsTheActiveRevision(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	j := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	if j.EnvironmentID != defEnvID || j.EnvironmentRevisionID != defEnvRevisionID || j.EnvironmentRevisionNumber != 1 ||
		j.EnvironmentName != "Domino Standard Environment Py3.10 R4.4" {
		t.Errorf("job in the default environment: %+v", j)
	}
	e := privateEnv(t, s, "admin", "mine")
	r2 := must(s.CreateEnvironmentRevision(admin, e.ID, RevisionDefinition{})).ok(t)
	j2 := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x", EnvironmentID: e.ID})).ok(t)
	if j2.EnvironmentRevisionID != r2.ID || j2.EnvironmentRevisionNumber != 2 {
		t.Errorf("job started with revision %d (%s), want 2", j2.EnvironmentRevisionNumber, j2.EnvironmentRevisionID)
	}
	// Later revisions do not change what a job ran with; a pinned one is what new jobs get.
	must(s.CreateEnvironmentRevision(admin, e.ID, RevisionDefinition{})).ok(t)
	must(s.SetActiveRevision(admin, e.ID, e.Latest.ID)).ok(t)
	if got := must(s.Job(admin, j2.ID)).ok(t); got.EnvironmentRevisionNumber != 2 {
		t.Errorf("the job's revision became %d", got.EnvironmentRevisionNumber)
	}
	if j3 := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x", EnvironmentID: e.ID})).ok(t); j3.EnvironmentRevisionNumber != 1 {
		t.Errorf("a job after pinning revision 1 runs with %d", j3.EnvironmentRevisionNumber)
	}
	// The list shows it too.
	list := must(s.Jobs(admin, defProjectID)).ok(t)
	for _, l := range list {
		if l.ID == j2.ID && l.EnvironmentRevisionID != r2.ID {
			t.Errorf("listed job %+v", l)
		}
	}
}

func TestEnvironmentsPage(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	for i := range 4 {
		privateEnv(t, s, "alice", fmt.Sprintf("e%d", i))
	}
	privateEnv(t, s, "admin", "hidden")
	for _, tc := range []struct {
		offset, limit int
		want          []string
	}{
		{0, 10, []string{"Domino Standard Environment Py3.10 R4.4", "e0", "e1", "e2", "e3"}},
		{1, 2, []string{"e0", "e1"}},
		{4, 10, []string{"e3"}},
		{5, 10, nil},
		{0, 0, nil},
	} {
		page, total := s.EnvironmentsPage(alice, tc.offset, tc.limit)
		var names []string
		for _, e := range page {
			names = append(names, e.Name)
		}
		if total != 5 || !slices.Equal(names, tc.want) {
			t.Errorf("offset %d limit %d: %v of %d, want %v of 5", tc.offset, tc.limit, names, total, tc.want)
		}
	}
}

// manyEnvironments is a store with n private environments of alice's.
func manyEnvironments(b *testing.B, n int) (*Store, Caller) {
	s := newStore(b)
	alice := caller(b, s, "alice")
	for i := range n {
		if _, err := s.CreateEnvironment(alice, EnvironmentInput{Name: fmt.Sprintf("e%d", i), Visibility: "Private",
			Revision: RevisionDefinition{Image: testImage}}); err != nil {
			b.Fatal(err)
		}
	}
	return s, alice
}

// A page of 10 costs what it skips and holds, plus a count of the list.
func BenchmarkEnvironmentsPage10000(b *testing.B) {
	s, alice := manyEnvironments(b, 10000)
	b.ResetTimer()
	for range b.N {
		if page, total := s.EnvironmentsPage(alice, 0, 10); len(page) != 10 || total != 10001 {
			b.Fatalf("%d of %d", len(page), total)
		}
	}
}

func BenchmarkProjectEnvironments10000(b *testing.B) {
	s, _ := manyEnvironments(b, 10000)
	admin := caller(b, s, "admin")
	b.ResetTimer()
	for range b.N {
		if envs, _, err := s.ProjectEnvironments(admin, defProjectID); err != nil || len(envs) != 1 {
			b.Fatalf("%d, %v", len(envs), err)
		}
	}
}

// The /v1 list: every visible environment, in one pass.
func BenchmarkVisibleEnvironments10000(b *testing.B) {
	s, alice := manyEnvironments(b, 10000)
	b.ResetTimer()
	for range b.N {
		if l := s.VisibleEnvironments(alice); len(l) != 10001 {
			b.Fatalf("%d", len(l))
		}
	}
}
