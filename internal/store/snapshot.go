package store

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/signing"
)

// SnapshotVersion is the format version of Snapshot documents.
const SnapshotVersion = 1

// Redacted replaces secrets in an export without ?secrets=true.
const Redacted = "<redacted>"

// Snapshot is the whole state as one document: GET/PUT /__mock/state
// exchange it, and --state keeps it on disk (with secrets).
type Snapshot struct {
	Version       int                     `json:"version"`
	ClockOffset   Duration                `json:"clockOffset"`
	Lifecycle     JobLifecycle            `json:"jobLifecycle"`
	Users         []UserRecord            `json:"users"`
	Tokens        []TokenRecord           `json:"tokens"`
	AccessTokens  []AccessTokenRecord     `json:"accessTokens"`
	Projects      []ProjectRecord         `json:"projects"`
	HardwareTiers []fixtures.HardwareTier `json:"hardwareTiers"`
	Environments  []fixtures.Environment  `json:"environments"`
	Credentials   []CredentialRecord      `json:"gitCredentials"`
	Mappings      []MappingRecord         `json:"credentialMappings"`
	Jobs          []JobRecord             `json:"jobs"`
}

// UserRecord is a user or service account with everything about it: a
// fixtures user (its fields inline in JSON) and what the API changes.
type UserRecord struct {
	fixtures.User
	ServiceAccount bool `json:"serviceAccount"`
	Active         bool `json:"active"`
	Reactivated    bool `json:"reactivated"`
}

// TokenRecord is a service-account token, its value included.
type TokenRecord struct {
	JTI       string    `json:"jti"`
	Name      string    `json:"name"`
	AccountID string    `json:"accountId"`
	Value     string    `json:"value"`
	Valid     bool      `json:"isValid"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	HasSub    bool      `json:"hasSub"`
}

// AccessTokenRecord is a short-lived token the proxy handed out.
type AccessTokenRecord struct {
	JTI       string    `json:"jti"`
	UserID    string    `json:"userId"`
	Value     string    `json:"value"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// ProjectRecord is a project with its collaborators.
type ProjectRecord struct {
	ID            string               `json:"id"`
	Name          string               `json:"name"`
	OwnerID       string               `json:"ownerId"`
	Description   string               `json:"description"`
	Visibility    string               `json:"visibility"`
	Repository    *RepositoryRecord    `json:"mainRepository,omitempty"`
	Collaborators []CollaboratorRecord `json:"collaborators"`
}

// RepositoryRecord is a project's main repository.
type RepositoryRecord struct {
	ID              string `json:"id"`
	URI             string `json:"uri"`
	ServiceProvider string `json:"serviceProvider"`
	RefType         string `json:"refType"`
	RefValue        string `json:"refValue,omitempty"`
}

// CollaboratorRecord is one collaborator of a project.
type CollaboratorRecord struct {
	UserID string `json:"userId"`
	Role   string `json:"projectRole"`
}

// CredentialRecord is a git credential, its secret included.
type CredentialRecord struct {
	GitCredential
	OwnerID    string `json:"ownerId"`
	AccessType string `json:"accessType"`
	Secret     string `json:"secret"`
}

// MappingRecord is one credential mapping.
type MappingRecord struct {
	UserID       string `json:"userId"`
	ProjectID    string `json:"projectId"`
	RepoID       string `json:"repoId"`
	CredentialID string `json:"credentialId"`
}

// JobRecord is a job with its progress.
type JobRecord struct {
	ID            string       `json:"id"`
	ProjectID     string       `json:"projectId"`
	Number        int          `json:"number"`
	Command       string       `json:"command"`
	Title         string       `json:"title"`
	HardwareTier  string       `json:"hardwareTierId"`
	EnvironmentID string       `json:"environmentId"`
	CommitID      string       `json:"commitId"`
	StartedByID   string       `json:"startedById"`
	Submitted     time.Time    `json:"submitted"`
	RunStart      time.Time    `json:"runStart"`
	Completed     time.Time    `json:"completed"`
	Status        string       `json:"status"`
	Lifecycle     JobLifecycle `json:"lifecycle"`
	Polls         int          `json:"polls"`
}

func (u *user) record() UserRecord {
	return UserRecord{
		User: fixtures.User{ID: u.id, IdpID: u.idpID, UserName: u.userName, FirstName: u.firstName, LastName: u.lastName,
			Email: u.email, Roles: append([]string{}, u.roles...), APIKey: u.apiKey},
		ServiceAccount: u.serviceAccount, Active: u.active, Reactivated: u.reactivated,
	}
}

func (t *token) record() TokenRecord {
	return TokenRecord{JTI: t.jti, Name: t.name, AccountID: t.account.id, Value: t.value, Valid: t.valid,
		CreatedAt: t.createdAt, ExpiresAt: t.expiresAt, HasSub: t.hasSub}
}

func (p *project) record() ProjectRecord {
	r := ProjectRecord{ID: p.id, Name: p.name, OwnerID: p.owner.id, Description: p.description,
		Visibility: p.visibility, Collaborators: []CollaboratorRecord{}}
	if p.repo != nil {
		r.Repository = &RepositoryRecord{ID: p.repo.id, URI: p.repo.uri, ServiceProvider: p.repo.serviceProvider,
			RefType: p.repo.refType, RefValue: p.repo.refValue}
	}
	for _, c := range p.collaborators {
		r.Collaborators = append(r.Collaborators, CollaboratorRecord{UserID: c.user.id, Role: c.role})
	}
	return r
}

func (c *gitCredential) record() CredentialRecord {
	return CredentialRecord{GitCredential: c.GitCredential, OwnerID: c.owner.id, AccessType: c.accessType, Secret: c.secret}
}

func (k mappingKey) record(credID string) MappingRecord {
	return MappingRecord{UserID: k.userID, ProjectID: k.projectID, RepoID: k.repoID, CredentialID: credID}
}

func (j *job) record() JobRecord {
	return JobRecord{ID: j.id, ProjectID: j.projectID, Number: j.number, Command: j.command, Title: j.title,
		HardwareTier: j.hardwareTier, EnvironmentID: j.environmentID, CommitID: j.commitID,
		StartedByID: j.startedBy.id, Submitted: j.submitted, RunStart: j.runStart, Completed: j.completed,
		Status: j.status, Lifecycle: j.lifecycle, Polls: j.polls}
}

// snapshot copies the whole state; the caller holds at least the read lock.
func (st *state) snapshot(clockOffset time.Duration) Snapshot {
	s := Snapshot{
		Version: SnapshotVersion, ClockOffset: Duration(clockOffset), Lifecycle: st.lifecycle,
		Users: []UserRecord{}, Tokens: []TokenRecord{}, AccessTokens: []AccessTokenRecord{},
		Projects: []ProjectRecord{}, Credentials: []CredentialRecord{}, Mappings: []MappingRecord{},
		Jobs:          []JobRecord{},
		HardwareTiers: append([]fixtures.HardwareTier{}, st.tiers...),
		Environments:  append([]fixtures.Environment{}, st.envs...),
	}
	for _, u := range st.userOrder {
		s.Users = append(s.Users, u.record())
	}
	for _, id := range sortedKeys(st.tokens) {
		s.Tokens = append(s.Tokens, st.tokens[id].record())
	}
	for _, id := range sortedKeys(st.accessTokens) {
		a := st.accessTokens[id]
		s.AccessTokens = append(s.AccessTokens, AccessTokenRecord{JTI: id, UserID: a.user.id, Value: a.value, ExpiresAt: a.expiresAt})
	}
	for _, p := range st.projectOrder {
		s.Projects = append(s.Projects, p.record())
	}
	for _, id := range sortedKeys(st.creds) {
		s.Credentials = append(s.Credentials, st.creds[id].record())
	}
	for k, id := range st.mappings {
		s.Mappings = append(s.Mappings, k.record(id))
	}
	sort.Slice(s.Mappings, func(a, b int) bool {
		x, y := s.Mappings[a], s.Mappings[b]
		return x.UserID+x.ProjectID+x.RepoID < y.UserID+y.ProjectID+y.RepoID
	})
	for _, id := range sortedKeys(st.jobs) {
		s.Jobs = append(s.Jobs, st.jobs[id].record())
	}
	return s
}

// redact blanks every secret of a snapshot.
func (s *Snapshot) redact() {
	for i := range s.Users {
		if s.Users[i].APIKey != "" {
			s.Users[i].APIKey = Redacted
		}
	}
	for i := range s.Tokens {
		s.Tokens[i].Value = Redacted
	}
	for i := range s.Credentials {
		s.Credentials[i].Secret = Redacted
	}
	for i := range s.AccessTokens {
		s.AccessTokens[i].Value = Redacted
	}
}

// Export returns the whole state; secrets are redacted unless withSecrets.
func (s *Store) Export(withSecrets bool) Snapshot {
	s.mu.RLock()
	snap := s.st.snapshot(s.cfg.Clock.Offset())
	s.mu.RUnlock()
	if !withSecrets {
		snap.redact()
	}
	return snap
}

// Import replaces the whole state with a snapshot, after checking that it
// is consistent. A redacted secret leaves the API key, token or credential
// unusable, as it would be for anyone who never saw it.
func (s *Store) Import(snap Snapshot) error {
	st, err := stateFromSnapshot(snap, s.cfg.Keys)
	if err != nil {
		return err
	}
	// stateFromSnapshot keeps entities in maps by id: one listed twice
	// would replace the first (access tokens are not checked there).
	if err := uniqueIDs(snap); err != nil {
		return errorf(KindInvalid, "state document: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	old := s.st
	s.st = st
	offset := max(s.cfg.Clock.Offset(), time.Duration(snap.ClockOffset)) // never back
	if err := s.commit(change{full: true, clock: &offset}); err != nil {
		s.st = old
		return err
	}
	return nil
}

// issuedBy checks that a stored token value is one this key signed for the
// record: requests are then authenticated by comparing strings alone.
func issuedBy(keys *signing.Keys, value, jti string, exp time.Time, sub string, hasSub bool) error {
	c, err := keys.Verify(value)
	switch {
	case err != nil:
		return fmt.Errorf("its value is not signed by this mock's key (give the same --signing-key, or keep it in the --state directory)")
	case c.ID != jti:
		return fmt.Errorf("its value carries jti %q", c.ID)
	case c.ExpiresAt != exp.Unix():
		return fmt.Errorf("its value expires at %d, not at expiresAt", c.ExpiresAt)
	case c.NotBefore != 0 && c.NotBefore > c.IssuedAt:
		return fmt.Errorf("its value is not valid before %d", c.NotBefore)
	case c.Subject != "" && c.Subject != sub, c.Subject == "" && hasSub:
		return fmt.Errorf("its value's sub %q is not the account's", c.Subject)
	}
	return nil
}

func stateFromSnapshot(snap Snapshot, keys *signing.Keys) (*state, error) {
	bad := func(format string, args ...any) error {
		return errorf(KindInvalid, "state document: "+format, args...)
	}
	if snap.Version != SnapshotVersion {
		return nil, bad("version %d is not supported (want %d)", snap.Version, SnapshotVersion)
	}
	lc, err := snap.Lifecycle.validate()
	if err != nil {
		return nil, bad("jobLifecycle: %v", err)
	}
	st := newState()
	st.lifecycle = lc
	st.tiers = append(st.tiers, snap.HardwareTiers...)
	st.envs = append(st.envs, snap.Environments...)
	for i, r := range snap.Users {
		if r.ID == "" || r.IdpID == "" || r.UserName == "" {
			return nil, bad("users[%d]: id, idpId and userName are required", i)
		}
		if st.users[r.ID] != nil || st.usersByIdp[r.IdpID] != nil || st.names[strings.ToLower(r.UserName)] != nil {
			return nil, bad("users[%d]: id, idpId or userName %q is used twice", i, r.UserName)
		}
		u := &user{id: r.ID, idpID: r.IdpID, userName: r.UserName, firstName: r.FirstName, lastName: r.LastName,
			email: r.Email, roles: append([]string(nil), r.Roles...), serviceAccount: r.ServiceAccount,
			active: r.Active, reactivated: r.Reactivated}
		if r.APIKey != Redacted {
			u.apiKey = r.APIKey
		}
		if u.serviceAccount {
			u.tokens = map[string]*token{}
		}
		st.addUser(u)
	}
	for i, r := range snap.Tokens {
		u := st.users[r.AccountID]
		if u == nil || !u.serviceAccount {
			return nil, bad("tokens[%d]: accountId %q is not a service account", i, r.AccountID)
		}
		if r.JTI == "" || st.tokens[r.JTI] != nil || u.tokens[r.Name] != nil {
			return nil, bad("tokens[%d]: jti or name %q is missing or used twice", i, r.Name)
		}
		t := &token{jti: r.JTI, name: r.Name, account: u, value: r.Value, valid: r.Valid,
			createdAt: r.CreatedAt, expiresAt: r.ExpiresAt, hasSub: r.HasSub}
		if r.Value == Redacted || r.Value == "" {
			// Unknown value: the token can never be presented again.
			t.value, t.valid = "", false
		} else if err := issuedBy(keys, r.Value, r.JTI, r.ExpiresAt, u.idpID, r.HasSub); err != nil {
			return nil, bad("tokens[%d] (%q): %v", i, r.Name, err)
		}
		u.tokens[r.Name] = t
		st.tokens[r.JTI] = t
	}
	for i, r := range snap.AccessTokens {
		u := st.users[r.UserID]
		if u == nil {
			return nil, bad("accessTokens[%d]: userId %q is not a user", i, r.UserID)
		}
		a := &accessToken{user: u, expiresAt: r.ExpiresAt}
		if r.Value != Redacted && r.Value != "" {
			if err := issuedBy(keys, r.Value, r.JTI, r.ExpiresAt, u.idpID, true); err != nil {
				return nil, bad("accessTokens[%d]: %v", i, err)
			}
			a.value = r.Value
		}
		st.accessTokens[r.JTI] = a
	}
	for i, r := range snap.Projects {
		owner := st.users[r.OwnerID]
		if owner == nil || r.ID == "" || st.projects[r.ID] != nil {
			return nil, bad("projects[%d]: id missing or used twice, or ownerId %q is not a user", i, r.OwnerID)
		}
		p := &project{id: r.ID, name: r.Name, owner: owner, description: r.Description, visibility: r.Visibility}
		if rr := r.Repository; rr != nil {
			p.repo = &repository{id: rr.ID, uri: rr.URI, serviceProvider: rr.ServiceProvider, refType: rr.RefType, refValue: rr.RefValue}
		}
		for j, c := range r.Collaborators {
			u := st.users[c.UserID]
			if u == nil || !fixtures.ValidRole(c.Role) {
				return nil, bad("projects[%d].collaborators[%d]: unknown user %q or bad role %q", i, j, c.UserID, c.Role)
			}
			p.collaborators = append(p.collaborators, collaborator{user: u, role: c.Role})
		}
		st.projects[p.id] = p
		st.projectOrder = append(st.projectOrder, p)
	}
	for i, r := range snap.Credentials {
		u := st.users[r.OwnerID]
		if u == nil || r.ID == "" || st.creds[r.ID] != nil {
			return nil, bad("gitCredentials[%d]: id missing or used twice, or ownerId %q is not a user", i, r.OwnerID)
		}
		c := &gitCredential{GitCredential: r.GitCredential, owner: u, accessType: r.AccessType, secret: r.Secret}
		if r.Secret == Redacted {
			c.secret = ""
		}
		st.creds[r.ID] = c
	}
	for i, r := range snap.Mappings {
		if st.users[r.UserID] == nil || st.projects[r.ProjectID] == nil || st.creds[r.CredentialID] == nil {
			return nil, bad("credentialMappings[%d]: user, project or credential does not exist", i)
		}
		st.mappings[mappingKey{userID: r.UserID, projectID: r.ProjectID, repoID: r.RepoID}] = r.CredentialID
	}
	for i, r := range snap.Jobs {
		u := st.users[r.StartedByID]
		if u == nil || st.projects[r.ProjectID] == nil || r.ID == "" || st.jobs[r.ID] != nil {
			return nil, bad("jobs[%d]: id missing or used twice, or unknown project or user", i)
		}
		st.jobs[r.ID] = &job{id: r.ID, projectID: r.ProjectID, number: r.Number, command: r.Command, title: r.Title,
			hardwareTier: r.HardwareTier, environmentID: r.EnvironmentID, commitID: r.CommitID, startedBy: u,
			submitted: r.Submitted, runStart: r.RunStart, completed: r.Completed, status: r.Status,
			lifecycle: r.Lifecycle, polls: r.Polls}
	}
	return st, nil
}

// String names a snapshot in errors.
func (s Snapshot) String() string {
	return fmt.Sprintf("state v%d: %d users, %d tokens, %d projects", s.Version, len(s.Users), len(s.Tokens), len(s.Projects))
}
