// Package store holds the mock's whole state and every domain rule: who may
// do what, which names are unique, when a token is usable, how jobs move.
// It knows nothing of HTTP.
//
// Concurrency: one RWMutex guards all state. Reads take the read lock, every
// change takes the write lock, and a change is visible to every request that
// starts after it returns. Slow work (RSA signing) is done outside the lock
// and the rules it depends on are checked again when its result is stored.
package store

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/profile"
	"github.com/mockdomino/mockdomino/internal/signing"
)

// Defaults of the token lifetimes.
const (
	DefaultTokenTTL       = 120 * 24 * time.Hour // "4 months" (documented), 120 days (observed)
	DefaultAccessTokenTTL = 5 * time.Minute      // the proxy's short-lived user token (inferred)
	realmPath             = "/auth/realms/DominoRealm"
)

// Config is what a store is built from.
type Config struct {
	Fixtures    *fixtures.Set // nil: the embedded defaults
	Profile     profile.Profile
	Keys        *signing.Keys
	ExternalURL string // base URL; tokens' iss is ExternalURL + /auth/realms/DominoRealm
	TokenTTL    time.Duration
	Clock       *Clock
	IDs         *IDs
	// ProxyUser is the user the API proxy acts as: an import must leave it
	// an active user, not a service account. "" (no proxy) checks nothing.
	ProxyUser string
	Limits    Limits
}

// Limits bound what one owner may store through the API, so that no client
// can grow the mock's memory without end. A field of 0 (or less) takes its
// default. A state document (PUT /__mock/state, --state) is not held to them.
type Limits struct {
	GitSecretBytes        int // a git credential's token, password, key or passphrase, in bytes
	GitCredentialsPerUser int // git credentials one user or service account holds
	TokensPerAccount      int // tokens one service account holds, valid or not
	JobsPerProject        int // jobs one project holds (jobs are never deleted)

	// Projects' files (files.go).
	FileBytes         int64 // one uploaded file
	FileMemoryBytes   int64 // every file content held in memory, without --state
	CommitsPerProject int   // commits one project holds

	// Custom metrics (metrics.go): values, and what their series, tags and
	// alerts hold, all together.
	MetricValues int

	// Workspaces (workspaces.go): deleted ones and stopped sessions count.
	WorkspacesPerProject int // workspaces one project holds
	SessionsPerProject   int // sessions one project's workspaces hold
	DatasetsPerProject   int // datasets one project holds (datasets.go)
}

// Defaults of Limits: far above what a client of Domino needs (an SSH key
// is a few KiB), low enough that one owner's objects stay in the megabytes.
const (
	DefaultMaxGitSecretBytes   = 64 << 10
	DefaultMaxGitCredentials   = 1000
	DefaultMaxTokensPerAccount = 10000
	DefaultMaxJobsPerProject   = 10000
	maxGitDomainLength         = 255 // a DNS name is at most 253 characters
)

func (l Limits) withDefaults() Limits {
	if l.GitSecretBytes <= 0 {
		l.GitSecretBytes = DefaultMaxGitSecretBytes
	}
	if l.GitCredentialsPerUser <= 0 {
		l.GitCredentialsPerUser = DefaultMaxGitCredentials
	}
	if l.TokensPerAccount <= 0 {
		l.TokensPerAccount = DefaultMaxTokensPerAccount
	}
	if l.JobsPerProject <= 0 {
		l.JobsPerProject = DefaultMaxJobsPerProject
	}
	if l.FileBytes <= 0 {
		l.FileBytes = DefaultMaxFileBytes
	}
	if l.FileMemoryBytes <= 0 {
		l.FileMemoryBytes = DefaultMaxFileMemoryBytes
	}
	if l.CommitsPerProject <= 0 {
		l.CommitsPerProject = DefaultMaxCommits
	}
	if l.MetricValues <= 0 {
		l.MetricValues = DefaultMaxMetricValues
	}
	if l.WorkspacesPerProject <= 0 {
		l.WorkspacesPerProject = DefaultMaxWorkspacesPerProject
	}
	if l.SessionsPerProject <= 0 {
		l.SessionsPerProject = DefaultMaxSessionsPerProject
	}
	if l.DatasetsPerProject <= 0 {
		l.DatasetsPerProject = DefaultMaxDatasetsPerProject
	}
	return l
}

// Store is the mock's state.
type Store struct {
	cfg Config

	mu     sync.RWMutex
	st     *state
	p      *persister // nil: in memory only
	failed error      // set when the state directory could not be written
	blobs  blobStore  // file contents (blobs.go), in memory or in the state directory
}

type state struct {
	users      map[string]*user // by Mongo id
	usersByIdp map[string]*user
	usersByKey map[string]*user
	names      map[string]*user // lower-cased user name
	emails     map[string]*user // lower-cased email
	userOrder  []*user
	// saOrder holds the service accounts in creation order, and the counts
	// say how many users and service accounts are active, so a page of a
	// list is cut without walking or copying the whole list.
	saOrder     []*user
	activeUsers int
	activeSAs   int

	tokens       map[string]*token // by jti
	accessTokens map[string]*accessToken

	projects     map[string]*project // by id, archived ones too
	projectOrder []*project          // all of them, in creation order
	projectIndex                     // the live ones by owner and by name (projects.go)
	tags         map[string]*projectTag
	tagsByName   map[string]*projectTag
	tiers        []fixtures.HardwareTier

	environments map[string]*environment
	envOrder     []*environment
	envRevisions map[string]*envRevision // every environment's, by id

	creds    map[string]*gitCredential
	mappings map[mappingKey]string

	jobs map[string]*job
	// projectJobs are each project's jobs in the order they were started
	// (by number): numbering and listing cost one project's jobs, not all.
	projectJobs map[string][]*job
	lifecycle   *sharedLifecycle // the one new jobs start under

	files fileState // projects' files and commits (files.go)

	sched       scheduleState     // scheduled jobs (scheduledjobs.go)
	ws          workspaceState    // workspaces and their sessions (workspaces.go)
	cost        costState         // budgets and billing tags (cost.go)
	apps        map[string]*app   // by id (apps.go)
	projectApps map[string][]*app // each project's, in creation order

	models        map[string]*model // by id (models.go)
	projectModels map[string][]*model
	modelVersions map[string]*modelVersion // every model's, by id
	exports       map[string]*modelExport
	endpoints     map[string]*endpoint // by project id

	datasets datasetState // datasets, their snapshots and uploads (datasets.go)
	metrics  metricState  // custom metrics' series and alerts (metrics.go)
}

type user struct {
	id, idpID, userName, firstName, lastName, email string
	roles                                           []string
	apiKey                                          string
	serviceAccount                                  bool
	active                                          bool
	reactivated                                     bool
	passwordResetAt                                 time.Time         // zero: never reset
	tokens                                          map[string]*token // by name; service accounts only
	// tokenOrder is the account's tokens in creation order, for listing
	// without sorting. Deleted tokens linger in it until they are half of
	// it, so deleting is amortized O(1) and listing O(live tokens).
	tokenOrder []*token
	deadTokens int
	creds      map[string]*gitCredential // by id; nil until the first
}

func (u *user) isAdmin() bool { return fixtures.HasAdminRole(u.roles) }

func (u *user) fullName() string { return strings.TrimSpace(u.firstName + " " + u.lastName) }

// New builds a store holding the fixtures.
func New(cfg Config) *Store {
	if cfg.Fixtures == nil {
		cfg.Fixtures = fixtures.Default()
	}
	if cfg.Profile.Name == "" {
		cfg.Profile = profile.Observed()
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.Clock == nil {
		cfg.Clock = NewClock(nil)
	}
	if cfg.IDs == nil {
		cfg.IDs = RandomIDs()
	}
	cfg.Limits = cfg.Limits.withDefaults()
	s := &Store{cfg: cfg, blobs: newMemBlobs(cfg.Limits.FileMemoryBytes)}
	s.st = s.fromFixtures()
	s.putFixtureBlobs() // in memory: cannot fail
	return s
}

// Limits are the limits in force, defaults filled in.
func (s *Store) Limits() Limits { return s.cfg.Limits }

// ExternalURL is the base URL the mock knows itself by (--external-url).
func (s *Store) ExternalURL() string { return strings.TrimRight(s.cfg.ExternalURL, "/") }

// Issuer is the `iss` of every token the store issues.
func (s *Store) Issuer() string { return s.ExternalURL() + realmPath }

// Clock is the store's mock clock.
func (s *Store) Clock() *Clock { return s.cfg.Clock }

// Profile is the behaviour profile in force.
func (s *Store) Profile() profile.Profile { return s.cfg.Profile }

// TokenTTL is the lifetime of new service-account tokens.
func (s *Store) TokenTTL() time.Duration { return s.cfg.TokenTTL }

// Keys is the signing key set.
func (s *Store) Keys() *signing.Keys { return s.cfg.Keys }

// Reset brings the state back to the fixtures. The clock and the signing key
// stay: a reset is about the state, and moving the clock is its route's.
func (s *Store) Reset() error {
	fresh := s.fromFixtures()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	if err := s.putFixtureBlobs(); err != nil {
		return err
	}
	s.st = fresh
	if err := s.commit(change{full: true}); err != nil {
		return err
	}
	s.sweepAfterReplace()
	return nil
}

// AdvanceClock moves the mock's clock by d: forward, or back when negative.
func (s *Store) AdvanceClock(d time.Duration) (time.Time, error) {
	return s.MoveClock(ClockMove{Advance: d})
}

// MoveClock moves, sets, freezes or resumes the mock's clock and keeps
// where it stands. Moving it forward starts the scheduled jobs due in the
// time passed. Moving it back undoes nothing: tokens expire, jobs, sessions,
// app instances and exports move on, and schedules fire, by the clock's
// time from then on, so what time has done stays done (README, "Moving the
// clock back").
func (s *Store) MoveClock(m ClockMove) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return time.Time{}, err
	}
	to, err := s.cfg.Clock.after(m)
	if err != nil {
		return time.Time{}, err
	}
	if s.cfg.Clock.goesBack(to) {
		s.catchUp(s.cfg.Clock.Now())
	}
	if err := s.commit(change{clock: &to}); err != nil {
		return time.Time{}, err
	}
	s.fireDue() // the scheduled jobs due in the time passed
	return s.cfg.Clock.Now(), nil
}

func newState() *state {
	return &state{
		users:        map[string]*user{},
		usersByIdp:   map[string]*user{},
		usersByKey:   map[string]*user{},
		names:        map[string]*user{},
		emails:       map[string]*user{},
		tokens:       map[string]*token{},
		accessTokens: map[string]*accessToken{},
		projects:     map[string]*project{},
		projectIndex: newProjectIndex(),
		tags:         map[string]*projectTag{},
		tagsByName:   map[string]*projectTag{},
		creds:        map[string]*gitCredential{},
		mappings:     map[mappingKey]string{},
		jobs:         map[string]*job{},
		projectJobs:  map[string][]*job{},
		lifecycle:    newSharedLifecycle(DefaultJobLifecycle()),
		files:        newFileState(),
		ws:           newWorkspaceState(),
		datasets:     newDatasetState(),
		environments: map[string]*environment{},
		envRevisions: map[string]*envRevision{},
		metrics:      newMetricState(),
		sched:        newScheduleState(),
		cost:         newCostState(),
		apps:         map[string]*app{},
		projectApps:  map[string][]*app{},

		models:        map[string]*model{},
		projectModels: map[string][]*model{},
		modelVersions: map[string]*modelVersion{},
		exports:       map[string]*modelExport{},
		endpoints:     map[string]*endpoint{},
	}
}

func (s *Store) fromFixtures() *state {
	f := s.cfg.Fixtures
	st := newState()
	st.tiers = append([]fixtures.HardwareTier(nil), f.HardwareTiers...)
	for _, fu := range f.Users {
		st.addUser(&user{
			id: fu.ID, idpID: fu.IdpID, userName: fu.UserName, firstName: fu.FirstName,
			lastName: fu.LastName, email: fu.Email, roles: append([]string(nil), fu.Roles...),
			apiKey: fu.APIKey, active: true,
		})
	}
	for _, fp := range f.Projects {
		st.addProject(st.projectFromFixture(fp))
		st.addFixtureFiles(fp, s.cfg.Clock.Now())
	}
	for _, fe := range f.Environments {
		st.addEnvironment(st.environmentFrom(st.fixtureEnvironment(fe)))
	}
	st.addFixtureSchedules(f)
	return st
}

func (st *state) addUser(u *user) {
	st.users[u.id] = u
	st.usersByIdp[u.idpID] = u
	st.names[strings.ToLower(u.userName)] = u
	if u.email != "" {
		st.emails[strings.ToLower(u.email)] = u
	}
	if u.apiKey != "" {
		st.usersByKey[u.apiKey] = u
	}
	st.userOrder = append(st.userOrder, u)
	if u.serviceAccount {
		st.saOrder = append(st.saOrder, u)
	}
	if u.active {
		st.countActive(u, 1)
	}
}

// setActive activates or deactivates a user, keeping the counts.
func (st *state) setActive(u *user, active bool) {
	if u.active == active {
		return
	}
	u.active = active
	if active {
		st.countActive(u, 1)
	} else {
		st.countActive(u, -1)
	}
}

func (st *state) countActive(u *user, n int) {
	st.activeUsers += n
	if u.serviceAccount {
		st.activeSAs += n
	}
}

// proxyUser is the user the API proxy acts as when told to act as name,
// or why it cannot: it acts as an active user, never a service account
// (which an administrator could deactivate through the proxy itself).
func (st *state) proxyUser(name string) (*user, string) {
	u := st.names[strings.ToLower(name)]
	if u == nil {
		return nil, fmt.Sprintf("the API proxy acts as %q (--proxy-user), and no user has that name", name)
	}
	var why string
	switch {
	case !u.active:
		why = "is deactivated"
	case u.serviceAccount:
		why = "is a service account"
	default:
		return u, "" // every proxied request comes here: no search of the users
	}
	return nil, fmt.Sprintf("the API proxy acts as %q (--proxy-user), and users[%d] of that name %s", name, slices.Index(st.userOrder, u), why)
}

// proxyUserProblem is why the proxy cannot act as name; "" if it can, or
// if there is no proxy (name "").
func (st *state) proxyUserProblem(name string) string {
	if name == "" {
		return ""
	}
	_, problem := st.proxyUser(name)
	return problem
}

// ProxyUserProblem says why the API proxy cannot act as its user in the
// current state, or nil. A --state directory can hold such a state: one
// written before imports were checked, or with another proxy user.
func (s *Store) ProxyUserProblem() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if problem := s.st.proxyUserProblem(s.cfg.ProxyUser); problem != "" {
		return errorf(KindInvalid, "%s", problem)
	}
	return nil
}

// Caller is an authenticated principal. It is a snapshot taken when the
// request was authenticated.
type Caller struct {
	ID               string
	IdpID            string
	UserName         string
	IsAdmin          bool
	IsServiceAccount bool
	// tokenJTI names the service-account token the credential comes from
	// (the token itself, or the one an access token was obtained with);
	// "" for an API key and the proxy's user.
	tokenJTI string
}

func callerOf(u *user) Caller {
	return Caller{ID: u.id, IdpID: u.idpID, UserName: u.userName, IsAdmin: u.isAdmin(), IsServiceAccount: u.serviceAccount}
}

// User is a person or service account as Domino's user routes show it.
type User struct {
	ID               string   `json:"id"`
	IdpID            string   `json:"idpId"`
	UserName         string   `json:"userName"`
	FirstName        string   `json:"firstName"`
	LastName         string   `json:"lastName"`
	FullName         string   `json:"fullName"`
	Email            string   `json:"email"`
	AvatarURL        string   `json:"avatarUrl"`
	Roles            []string `json:"roles"`
	IsServiceAccount bool     `json:"isServiceAccount"`
}

func (u *user) view() User {
	roles := append([]string{}, u.roles...)
	return User{
		ID: u.id, IdpID: u.idpID, UserName: u.userName, FirstName: u.firstName,
		LastName: u.lastName, FullName: u.fullName(), Email: u.email, Roles: roles,
		IsServiceAccount: u.serviceAccount,
	}
}

// CallerByUserName returns the principal of an active user or service
// account, for in-process callers (dominotest).
func (s *Store) CallerByUserName(name string) (Caller, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.st.names[strings.ToLower(name)]
	if u == nil || !u.active {
		return Caller{}, errorf(KindNotFound, "user %s not found", name)
	}
	return callerOf(u), nil
}

// ProxyCaller is the principal the API proxy acts as, given --proxy-user.
func (s *Store) ProxyCaller(name string) (Caller, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, problem := s.st.proxyUser(name)
	if u == nil {
		return Caller{}, errorf(KindNotFound, "%s", problem)
	}
	return callerOf(u), nil
}

var errUnknownAPIKey = Unauthenticated("unknown API key")

// AuthenticateAPIKey finds the user of a legacy API key.
func (s *Store) AuthenticateAPIKey(key string) (Caller, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.st.usersByKey[key]
	switch {
	case key == "" || u == nil:
		return Caller{}, errUnknownAPIKey
	case !u.active:
		return Caller{}, Unauthenticated("the API key's user %s is deactivated", u.userName)
	}
	return callerOf(u), nil
}

// Self returns the caller's own user.
func (s *Store) Self(c Caller) (User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.st.users[c.ID]
	if u == nil {
		return User{}, errCallerGone
	}
	return u.view(), nil
}

// UserFilter narrows GET /v4/users; the zero value lists everyone.
type UserFilter struct {
	UserName string   // exact user name (case-insensitive, as names are unique so)
	UserIDs  []string // any of these Mongo ids
	Query    string   // user names starting with this (case-insensitive)
}

// matcher is f as a test of one user; the ids go into a set, so a filter
// of many ids costs the users plus the ids, not their product.
func (f UserFilter) matcher() func(u *user) bool {
	var ids map[string]bool
	if len(f.UserIDs) > 0 {
		ids = make(map[string]bool, len(f.UserIDs))
		for _, id := range f.UserIDs {
			ids[id] = true
		}
	}
	query := strings.ToLower(f.Query)
	return func(u *user) bool {
		if f.UserName != "" && !strings.EqualFold(u.userName, f.UserName) {
			return false
		}
		if ids != nil && !ids[u.id] {
			return false
		}
		return query == "" || strings.HasPrefix(strings.ToLower(u.userName), query)
	}
}

// Users lists the active users and service accounts that match f, in
// creation order.
func (s *Store) Users(c Caller, f UserFilter) []User {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if f.UserName != "" && len(f.UserIDs) == 0 && f.Query == "" {
		// The lookup clients make to turn a name into an id.
		if u := s.st.names[strings.ToLower(f.UserName)]; u != nil && u.active {
			return []User{u.view()}
		}
		return []User{}
	}
	matches := f.matcher()
	out := make([]User, 0, len(s.st.userOrder))
	for _, u := range s.st.userOrder {
		if u.active && matches(u) {
			out = append(out, u.view())
		}
	}
	return out
}

// UsersPage is one page of the active users and service accounts, in
// creation order, and how many there are in all.
func (s *Store) UsersPage(c Caller, offset, limit int) ([]User, int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []User{}
	forPage(s.st.userOrder, func(u *user) bool { return u.active }, offset, limit, func(u *user) {
		out = append(out, u.view())
	})
	return out, s.st.activeUsers
}

// forPage calls add for the items of list that keep selects, skipping the
// first offset of them and stopping after limit: a page costs what it
// skips and holds, never the whole list.
func forPage[T any](list []T, keep func(T) bool, offset, limit int, add func(T)) {
	for _, v := range list {
		if limit <= 0 {
			return
		}
		if !keep(v) {
			continue
		}
		if offset > 0 {
			offset--
			continue
		}
		add(v)
		limit--
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
