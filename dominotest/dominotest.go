package dominotest

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/server"
	"github.com/mockdomino/mockdomino/internal/store"
)

// Server is a running mock.
type Server struct {
	// APIURL is DOMINO_API_HOST: every request needs credentials.
	APIURL string
	// ProxyURL is DOMINO_API_PROXY: requests act as the admin with none ("" WithoutProxy).
	ProxyURL string
	// AdminAPIKey and UserAPIKey are the default fixtures' keys of "admin"
	// (SysAdmin) and "alice" (not an admin), the constants AdminAPIKey and
	// AliceAPIKey; empty with other fixtures.
	AdminAPIKey, UserAPIKey string

	srv *server.Server
}

// Option changes how the server is built: one of the With functions.
type Option struct {
	// A struct, not a func type: a func type would show the internal
	// configuration it changes in the package's documentation.
	apply func(*server.Config)
}

// WithProfile selects "observed" (default), "strict", or a profile file.
func WithProfile(nameOrPath string) Option {
	return Option{func(c *server.Config) { c.Profile = nameOrPath }}
}

// WithFixtures loads a fixtures file instead of the embedded defaults.
func WithFixtures(path string) Option {
	return Option{func(c *server.Config) { c.FixturesPath = path }}
}

// WithTokenTTL sets the lifetime of new service-account tokens.
func WithTokenTTL(d time.Duration) Option { return Option{func(c *server.Config) { c.TokenTTL = d }} }

// WithSeed makes ids and the signing key deterministic.
func WithSeed(seed uint64) Option { return Option{func(c *server.Config) { c.Seed = seed }} }

// WithStartTime starts the mock's clock frozen at t: with WithSeed, the
// same requests get byte-identical answers in every run (ResumeClock lets
// the clock run on from where it stands).
func WithStartTime(t time.Time) Option { return Option{func(c *server.Config) { c.StartTime = t }} }

// WithoutProxy serves the API host only.
func WithoutProxy() Option { return Option{func(c *server.Config) { c.ProxyListen = "" }} }

// Start starts a server; the caller must Close it. Prefer NewServer in tests.
func Start(opts ...Option) (*Server, error) {
	cfg := server.Config{Listen: "127.0.0.1:0", ProxyListen: "127.0.0.1:0"}
	for _, o := range opts {
		if o.apply != nil {
			o.apply(&cfg)
		}
	}
	srv, err := server.Start(cfg)
	if err != nil {
		return nil, fail("Start", err)
	}
	s := &Server{APIURL: srv.APIURL(), ProxyURL: srv.ProxyURL(), srv: srv}
	if cfg.FixturesPath == "" {
		s.AdminAPIKey, s.UserAPIKey = AdminAPIKey, AliceAPIKey
	}
	return s, nil
}

// NewServer starts a server that stops when the test ends; Start is its
// twin that returns an error.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	check(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// Close stops the server, finishing in-flight requests.
func (s *Server) Close() error { return s.srv.Close() }

// check fails the test with err: the helpers that take a testing.TB are
// their E twins and check.
func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fail names the helper that failed; nil stays nil.
func fail(helper string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("dominotest: %s: %w", helper, err)
}

// admin is the caller helpers act as: the fixtures' "admin".
func (s *Server) admin() (store.Caller, error) {
	c, err := s.srv.Store().CallerByUserName("admin")
	if err != nil {
		return c, fmt.Errorf("the fixtures have no user admin for the helpers to act as: %w", err)
	}
	return c, nil
}

// ServiceAccount is an account made by CreateServiceAccount, with one token.
type ServiceAccount struct {
	ID       string // its user id: a project's collaboratorId, a job's startedBy
	IdpID    string // its identity-provider id, which /v4/serviceAccounts/{idpId}/… routes take
	Username string
	Email    string

	TokenName string // the name of its token, "<username>-token"
	Token     string // the token's value, a JWT for "Authorization: Bearer …"
}

// CreateServiceAccount makes a service account (email <username>@example.com)
// with one token named "<username>-token", as an admin would.
func (s *Server) CreateServiceAccount(t testing.TB, username string) ServiceAccount {
	t.Helper()
	v, err := s.CreateServiceAccountE(username)
	check(t, err)
	return v
}

// CreateServiceAccountE is CreateServiceAccount returning its error.
func (s *Server) CreateServiceAccountE(username string) (ServiceAccount, error) {
	admin, err := s.admin()
	if err != nil {
		return ServiceAccount{}, fail("CreateServiceAccount", err)
	}
	st := s.srv.Store()
	a, err := st.CreateServiceAccount(admin, username, username+"@example.com")
	if err != nil {
		return ServiceAccount{}, fail("CreateServiceAccount", err)
	}
	tok, err := st.CreateToken(admin, a.IdpID, username+"-token")
	if err != nil {
		return ServiceAccount{}, fail("CreateServiceAccount", err)
	}
	return ServiceAccount{ID: a.ID, IdpID: a.IdpID, Username: a.Username, Email: a.Email, TokenName: tok.Name, Token: tok.Token}, nil
}

// AddCollaborator puts a user or service account (by id) on a project with a
// role, as the project's administrator would.
func (s *Server) AddCollaborator(t testing.TB, projectID, userID, role string) {
	t.Helper()
	check(t, s.AddCollaboratorE(projectID, userID, role))
}

// AddCollaboratorE is AddCollaborator returning its error.
func (s *Server) AddCollaboratorE(projectID, userID, role string) error {
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().AddCollaborator(admin, projectID, userID, role)
	}
	return fail("AddCollaborator", err)
}

// Now is the mock's current time.
func (s *Server) Now() time.Time { return s.srv.Store().Clock().Now() }

// AdvanceClock moves the mock's clock by d, forward (tokens expire,
// clock-driven jobs progress, scheduled jobs fire) or, when d is negative,
// back (what happened stays done), and returns its new time.
func (s *Server) AdvanceClock(t testing.TB, d time.Duration) time.Time {
	t.Helper()
	v, err := s.AdvanceClockE(d)
	check(t, err)
	return v
}

// AdvanceClockE is AdvanceClock returning its error: the clock would show
// a time before 1970, or too far from the wall clock (about 292 years).
func (s *Server) AdvanceClockE(d time.Duration) (time.Time, error) {
	now, err := s.srv.Store().AdvanceClock(d)
	return now, fail("AdvanceClock", err)
}

// SetClock puts the mock's clock at `at`, later or earlier than now; a
// frozen clock stays frozen there.
func (s *Server) SetClock(t testing.TB, at time.Time) {
	t.Helper()
	check(t, s.SetClockE(at))
}

// SetClockE is SetClock returning its error: `at` is before 1970, or too
// far from the wall clock (about 292 years).
func (s *Server) SetClockE(at time.Time) error {
	_, err := s.srv.Store().MoveClock(store.ClockMove{Set: &at})
	return fail("SetClock", err)
}

// FreezeClock stops the mock's clock where it stands: it then moves only
// when told (AdvanceClock, SetClock), so answers that carry times repeat.
func (s *Server) FreezeClock(t testing.TB) {
	t.Helper()
	check(t, s.FreezeClockE())
}

// FreezeClockE is FreezeClock returning its error.
func (s *Server) FreezeClockE() error {
	yes := true
	_, err := s.srv.Store().MoveClock(store.ClockMove{Frozen: &yes})
	return fail("FreezeClock", err)
}

// ResumeClock lets a frozen clock follow the wall clock again, from the
// time it stands at.
func (s *Server) ResumeClock(t testing.TB) {
	t.Helper()
	check(t, s.ResumeClockE())
}

// ResumeClockE is ResumeClock returning its error.
func (s *Server) ResumeClockE() error {
	no := false
	_, err := s.srv.Store().MoveClock(store.ClockMove{Frozen: &no})
	return fail("ResumeClock", err)
}

// JobLifecycle says how the jobs started after SetJobLifecycle move from
// Queued through Running to their final status. The zero value is the
// default: a job has succeeded by the first time it is read.
type JobLifecycle struct {
	// Mode is "immediate" ("" too): finished at the first read; "clock":
	// Queued for QueuedFor of the mock's clock (AdvanceClock), then
	// Running for RunFor; "polls": Running at the first status read,
	// finished at the Polls-th; "manual": Queued until AdvanceJob.
	Mode      string
	QueuedFor time.Duration // mode "clock"
	RunFor    time.Duration // mode "clock"
	Polls     int           // mode "polls"; 0 is 1
	// FinalStatus is how a job ends: "Succeeded" ("" too), "Failed" or "Error".
	FinalStatus string
	// Stdout is what a finished job printed; "" is "$ <its command>".
	Stdout string
}

// SetJobLifecycle changes how jobs started from now on progress.
func (s *Server) SetJobLifecycle(t testing.TB, l JobLifecycle) {
	t.Helper()
	check(t, s.SetJobLifecycleE(l))
}

// SetJobLifecycleE is SetJobLifecycle returning its error: a field is
// invalid.
func (s *Server) SetJobLifecycleE(l JobLifecycle) error {
	if l.Mode == "" {
		l.Mode = store.ModeImmediate
	}
	_, err := s.srv.Store().SetJobLifecycle(store.JobLifecycle{Mode: l.Mode, QueuedFor: store.Duration(l.QueuedFor),
		RunFor: store.Duration(l.RunFor), Polls: l.Polls, FinalStatus: l.FinalStatus, Stdout: l.Stdout})
	return fail("SetJobLifecycle", err)
}

// Reset brings the state back to the fixtures; the clock stays where it is.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	check(t, s.ResetE())
}

// ResetE is Reset returning its error.
func (s *Server) ResetE() error { return fail("Reset", s.srv.Store().Reset()) }

// Commit is a commit of a project's files, as commits_list lists it.
type Commit struct {
	ID   string
	Name string // its message, which commits_list calls its name
	Time time.Time
}

// UploadFile writes content to path in the project owner/name, as its
// administrator would with python-domino's files_upload, and returns the
// id of the commit it made.
func (s *Server) UploadFile(t testing.TB, owner, name, path string, content []byte) string {
	t.Helper()
	v, err := s.UploadFileE(owner, name, path, content)
	check(t, err)
	return v
}

// UploadFileE is UploadFile returning its error.
func (s *Server) UploadFileE(owner, name, path string, content []byte) (string, error) {
	admin, err := s.admin()
	if err != nil {
		return "", fail("UploadFile", err)
	}
	f, err := s.srv.Store().UploadFile(admin, owner, name, path, bytes.NewReader(content))
	if err != nil {
		return "", fail("UploadFile "+path, err)
	}
	return f.CommitID, nil
}

// ReadFile is the content of path at a commit of a project (by id).
func (s *Server) ReadFile(t testing.TB, projectID, commitID, path string) []byte {
	t.Helper()
	v, err := s.ReadFileE(projectID, commitID, path)
	check(t, err)
	return v
}

// ReadFileE is ReadFile returning its error.
func (s *Server) ReadFileE(projectID, commitID, path string) ([]byte, error) {
	admin, err := s.admin()
	if err != nil {
		return nil, fail("ReadFile", err)
	}
	f, err := s.srv.Store().OpenFile(admin, projectID, commitID, path)
	if err != nil {
		return nil, fail("ReadFile "+path+" at "+commitID, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fail("ReadFile "+path+" at "+commitID, err)
	}
	return data, nil
}

// Commits lists a project's commits (by id), newest first.
func (s *Server) Commits(t testing.TB, projectID string) []Commit {
	t.Helper()
	v, err := s.CommitsE(projectID)
	check(t, err)
	return v
}

// CommitsE is Commits returning its error.
func (s *Server) CommitsE(projectID string) ([]Commit, error) {
	admin, err := s.admin()
	if err != nil {
		return nil, fail("Commits", err)
	}
	list, err := s.srv.Store().Commits(admin, projectID)
	if err != nil {
		return nil, fail("Commits", err)
	}
	out := make([]Commit, len(list))
	for i, c := range list {
		out[i] = Commit{ID: c.ID, Name: c.Name, Time: time.UnixMilli(c.CommitTime).UTC()}
	}
	return out, nil
}

// Environment is a compute environment made by CreateEnvironment, with its
// revision, which jobs started in it record.
type Environment struct {
	ID         string
	Name       string
	Visibility string              // "Private" or "Global"
	Revision   EnvironmentRevision // the first, the active one
}

// EnvironmentRevision is one numbered revision of an environment.
type EnvironmentRevision struct {
	ID     string
	Number int // 1 for the first
}

// CreateEnvironment makes an environment as the user or service account
// creator would: visibility "Private" (creator owns it) or "Global" (creator
// must be an administrator). Its first revision is built from the default
// environment's image, as python-domino's create_environment does.
func (s *Server) CreateEnvironment(t testing.TB, creator, name, visibility string) Environment {
	t.Helper()
	v, err := s.CreateEnvironmentE(creator, name, visibility)
	check(t, err)
	return v
}

// CreateEnvironmentE is CreateEnvironment returning its error.
func (s *Server) CreateEnvironmentE(creator, name, visibility string) (Environment, error) {
	st := s.srv.Store()
	c, err := st.CallerByUserName(creator)
	if err != nil {
		return Environment{}, fail("CreateEnvironment", err)
	}
	image := "python:3.12"
	if d, err := st.DefaultEnvironment(c); err == nil {
		image = d.Latest.Image
	}
	e, err := st.CreateEnvironment(c, store.EnvironmentInput{Name: name, Visibility: visibility, Revision: store.RevisionDefinition{Image: image}})
	if err != nil {
		return Environment{}, fail("CreateEnvironment", err)
	}
	return Environment{ID: e.ID, Name: e.Name, Visibility: e.Visibility, Revision: EnvironmentRevision{ID: e.Latest.ID, Number: e.Latest.Number}}, nil
}

// AddEnvironmentRevision adds a revision to an environment as an
// administrator; an empty image keeps the latest revision's. Unless a
// revision was pinned, it becomes the active one, which new jobs record.
func (s *Server) AddEnvironmentRevision(t testing.TB, envID, image string) EnvironmentRevision {
	t.Helper()
	v, err := s.AddEnvironmentRevisionE(envID, image)
	check(t, err)
	return v
}

// AddEnvironmentRevisionE is AddEnvironmentRevision returning its error.
func (s *Server) AddEnvironmentRevisionE(envID, image string) (EnvironmentRevision, error) {
	admin, err := s.admin()
	if err != nil {
		return EnvironmentRevision{}, fail("AddEnvironmentRevision", err)
	}
	r, err := s.srv.Store().CreateEnvironmentRevision(admin, envID, store.RevisionDefinition{Image: image})
	if err != nil {
		return EnvironmentRevision{}, fail("AddEnvironmentRevision", err)
	}
	return EnvironmentRevision{ID: r.ID, Number: r.Number}, nil
}

// ActiveRevision is the revision of an environment that jobs started now
// run with.
func (s *Server) ActiveRevision(t testing.TB, envID string) EnvironmentRevision {
	t.Helper()
	v, err := s.ActiveRevisionE(envID)
	check(t, err)
	return v
}

// ActiveRevisionE is ActiveRevision returning its error.
func (s *Server) ActiveRevisionE(envID string) (EnvironmentRevision, error) {
	admin, err := s.admin()
	if err != nil {
		return EnvironmentRevision{}, fail("ActiveRevision", err)
	}
	r, err := s.srv.Store().ActiveRevision(admin, envID)
	if err != nil {
		return EnvironmentRevision{}, fail("ActiveRevision", err)
	}
	return EnvironmentRevision{ID: r.ID, Number: r.Number}, nil
}
