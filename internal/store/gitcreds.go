package store

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/mockdomino/mockdomino/fixtures"
)

// GitProviders are the git service providers a credential may name (the
// rule lives in fixtures, which project repositories follow too).
var GitProviders = fixtures.GitProviders

// defaultDomains are the hosts of the public providers; the others need a domain.
var defaultDomains = map[string]string{"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}

// credentialTypes maps accessType to the DTO type name clients send.
var credentialTypes = map[string]string{
	"token":    "TokenGitCredentialDto",
	"password": "PasswordGitCredentialDto",
	"key":      "SshGitCredentialDto",
}

// GitCredentialInput is a new credential as a client sends it.
type GitCredentialInput struct {
	Name               string `json:"name"`
	GitServiceProvider string `json:"gitServiceProvider"`
	AccessType         string `json:"accessType"`
	Type               string `json:"type"`
	Domain             string `json:"domain"`
	Token              string `json:"token"`
	Username           string `json:"username"`
	Password           string `json:"password"`
	Key                string `json:"key"`
	Passphrase         string `json:"passphrase"`
}

// GitCredential is what any route shows of a credential: never its secret.
type GitCredential struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	GitServiceProvider string `json:"gitServiceProvider"`
	Domain             string `json:"domain"`
	Fingerprint        string `json:"fingerprint"`
	Protocol           string `json:"protocol"`
}

type gitCredential struct {
	GitCredential
	owner      *user
	accessType string
	// The secret is kept only because a real Domino keeps it; nothing reads it back.
	secret string
}

// addCred stores a credential, indexed by id and by owner.
func (st *state) addCred(c *gitCredential) {
	st.creds[c.ID] = c
	if c.owner.creds == nil {
		c.owner.creds = map[string]*gitCredential{}
	}
	c.owner.creds[c.ID] = c
}

type mappingKey struct{ userID, projectID, repoID string }

// CredentialMapping says which of a user's credentials a project's repository uses.
type CredentialMapping struct {
	UserID       string `json:"userId"`
	ProjectID    string `json:"projectId"`
	RepoID       string `json:"repoId"`
	CredentialID string `json:"credentialId,omitempty"`
}

func (in GitCredentialInput) validate(maxSecret int) (GitCredential, string, error) {
	var out GitCredential
	for _, f := range []struct{ name, value string }{
		{"token", in.Token}, {"password", in.Password}, {"key", in.Key}, {"passphrase", in.Passphrase},
	} {
		if len(f.value) > maxSecret {
			return out, "", errorf(KindInvalid, "%s is longer than %d bytes, the most a git secret may hold (mockdomino's limit, --max-git-secret-bytes)", f.name, maxSecret)
		}
	}
	if err := checkCredentialName("name", in.Name); err != nil {
		return out, "", invalid(err)
	}
	if err := fixtures.CheckGitProvider("gitServiceProvider", in.GitServiceProvider); err != nil {
		return out, "", invalid(err)
	}
	if err := checkAccessType("accessType", in.AccessType); err != nil {
		return out, "", invalid(err)
	}
	if wantType := credentialTypes[in.AccessType]; in.Type != "" && in.Type != wantType {
		return out, "", errorf(KindInvalid, "type %q does not match accessType %s: expected %s", clip(in.Type), in.AccessType, wantType)
	}
	out = GitCredential{Name: in.Name, GitServiceProvider: in.GitServiceProvider, Domain: in.Domain, Protocol: "https"}
	var secret string
	switch in.AccessType {
	case "token":
		if in.Token == "" {
			return out, "", errorf(KindInvalid, "token is required for accessType token")
		}
		secret = in.Token
	case "password":
		if in.Username == "" || in.Password == "" {
			return out, "", errorf(KindInvalid, "username and password are required for accessType password")
		}
		secret = in.Password
	case "key":
		if in.Key == "" {
			return out, "", errorf(KindInvalid, "key is required for accessType key")
		}
		secret = in.Key
		out.Protocol = "ssh"
		// A one-way digest, as `ssh-keygen -l` shows keys (inferred: Domino shows one for SSH keys).
		sum := sha256.Sum256([]byte(in.Key))
		out.Fingerprint = "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
	}
	if out.Domain == "" {
		out.Domain = defaultDomains[in.GitServiceProvider]
	}
	if err := checkDomain("domain", in.GitServiceProvider, out.Domain); err != nil {
		return out, "", invalid(err)
	}
	return out, secret, nil
}

// The rules of a stored credential, for new ones and for state documents.

func checkCredentialName(field, name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("%s is required", field)
	}
	if len(name) > 256 || hasControl(name) {
		return fmt.Errorf("%s is invalid: use at most 256 printable characters", field)
	}
	return nil
}

func checkAccessType(field, accessType string) error {
	if _, ok := credentialTypes[accessType]; !ok {
		return fmt.Errorf("%s %q is invalid: must be token, password or key", field, clip(accessType))
	}
	return nil
}

// checkDomain: the public providers' domains are filled in before this.
func checkDomain(field, provider, domain string) error {
	if domain == "" {
		return fmt.Errorf("%s is required for gitServiceProvider %s", field, provider)
	}
	if len(domain) > maxGitDomainLength || !validDomain(domain) {
		return fmt.Errorf("%s %q is invalid: give a host name (with an optional port) or a URL, of at most %d characters", field, clip(domain), maxGitDomainLength)
	}
	return nil
}

var hostRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*)(:[0-9]{1,5})?$`)

// validDomain accepts a host ("github.example.com:8443") or a URL with a
// host: real Domino took "https://example.com" (observed by the third-party
// client's tests).
func validDomain(d string) bool {
	if hostRE.MatchString(d) {
		return true
	}
	u, err := url.Parse(d)
	return err == nil && u.Scheme != "" && hostRE.MatchString(u.Host) && !hasControl(d) && !strings.ContainsAny(d, " \t")
}

// MayManageCredentials says whether c may manage the git credentials of the
// user (the user itself or an administrator), and MayMapCredential whether
// c may choose a credential for the project's repository: for the HTTP
// layer to ask before it reads a body.
func (s *Store) MayManageCredentials(c Caller, userID string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, err := s.st.credentialOwner(c, userID)
	return err
}

func (s *Store) MayMapCredential(c Caller, projectID, repoID string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, err := s.st.mappingTarget(c, projectID, repoID)
	return err
}

// credentialOwner resolves the account whose credentials a route manages and
// checks that the caller is that account or an admin.
func (st *state) credentialOwner(c Caller, userID string) (*user, error) {
	u := st.users[userID]
	if u == nil {
		return nil, errorf(KindNotFound, "User %s not found", clip(userID))
	}
	if c.ID != u.id && !c.IsAdmin {
		return nil, errorf(KindForbidden, "Forbidden: only %s or an administrator may manage its git credentials", u.userName)
	}
	return u, nil
}

// GitCredentials lists a user's credentials, without secrets.
func (s *Store) GitCredentials(c Caller, userID string) ([]GitCredential, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.st.credentialOwner(c, userID)
	if err != nil {
		return nil, err
	}
	out := make([]GitCredential, 0, len(u.creds))
	for _, id := range sortedKeys(u.creds) {
		out = append(out, u.creds[id].GitCredential)
	}
	return out, nil
}

// AddGitCredential stores a new credential for a user.
func (s *Store) AddGitCredential(c Caller, userID string, in GitCredentialInput) (GitCredential, error) {
	view, secret, err := in.validate(s.cfg.Limits.GitSecretBytes)
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ownerErr := s.st.credentialOwner(c, userID)
	if ownerErr != nil {
		return GitCredential{}, ownerErr
	}
	if err != nil {
		return GitCredential{}, err
	}
	if limit := s.cfg.Limits.GitCredentialsPerUser; len(u.creds) >= limit {
		return GitCredential{}, errorf(KindInvalid, "User %s already holds %d git credentials, the most one user may hold (mockdomino's limit, --max-git-credentials): delete one first", u.userName, limit)
	}
	if err := s.writable(); err != nil {
		return GitCredential{}, err
	}
	view.ID = s.newObjectID()
	cr := &gitCredential{GitCredential: view, owner: u, accessType: in.AccessType, secret: secret}
	s.st.addCred(cr)
	return view, s.commit(change{creds: []*gitCredential{cr}, creates: true})
}

// UpdateTokenGitCredential replaces a token credential's name, provider,
// domain and token, keeping its id (the public API's PUT, which "only
// supports updating Github PATs": other kinds are refused).
func (s *Store) UpdateTokenGitCredential(c Caller, userID, credentialID string, in GitCredentialInput) (GitCredential, error) {
	in.AccessType, in.Type = "token", ""
	view, secret, err := in.validate(s.cfg.Limits.GitSecretBytes)
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err2 := s.st.credentialOwner(c, userID)
	if err2 != nil {
		return GitCredential{}, err2
	}
	cr := s.st.creds[credentialID]
	if cr == nil || cr.owner != u {
		return GitCredential{}, errorf(KindNotFound, "Git credential %s not found for user %s", clip(credentialID), u.userName)
	}
	if cr.accessType != "token" {
		return GitCredential{}, errorf(KindInvalid, "Git credential %s holds a %s, not a token: only token credentials can be updated", credentialID, cr.accessType)
	}
	if err != nil {
		return GitCredential{}, err
	}
	if err := s.writable(); err != nil {
		return GitCredential{}, err
	}
	view.ID = cr.ID
	cr.GitCredential, cr.secret = view, secret
	return view, s.commit(change{creds: []*gitCredential{cr}})
}

// DeleteGitCredential removes a credential and every mapping that used it.
func (s *Store) DeleteGitCredential(c Caller, userID, credentialID string) (GitCredential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.st.credentialOwner(c, userID)
	if err != nil {
		return GitCredential{}, err
	}
	cr := s.st.creds[credentialID]
	if cr == nil || cr.owner != u {
		return GitCredential{}, errorf(KindNotFound, "Git credential %s not found for user %s", clip(credentialID), u.userName)
	}
	if err := s.writable(); err != nil {
		return GitCredential{}, err
	}
	delete(s.st.creds, credentialID)
	delete(u.creds, credentialID)
	ch := change{delCreds: []string{credentialID}}
	for k, id := range s.st.mappings {
		if id == credentialID {
			delete(s.st.mappings, k)
			ch.delMappings = append(ch.delMappings, k)
		}
	}
	return cr.GitCredential, s.commit(ch)
}

// ServiceAccountID resolves a service account's Mongo id from its idpId, for
// the /v4/serviceAccounts/{idpId}/gitcredentials routes (admin only).
func (s *Store) ServiceAccountID(c Caller, idpID string) (string, error) {
	if err := requireAdmin(c); err != nil {
		return "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.st.serviceAccount(idpID)
	if err != nil {
		return "", err
	}
	return u.id, nil
}

// mappingTarget checks a credential-mapping request's project and repository.
func (st *state) mappingTarget(c Caller, projectID, repoID string) (mappingKey, error) {
	p, err := st.project(projectID)
	if err != nil {
		return mappingKey{}, err
	}
	if !p.isMember(c) {
		return mappingKey{}, errorf(KindForbidden, "Forbidden: %s is not a collaborator of project %s", c.UserName, p.name)
	}
	if p.repo == nil || p.repo.id != repoID {
		return mappingKey{}, errorf(KindNotFound, "Repository %s is not a repository of project %s", clip(repoID), p.name)
	}
	return mappingKey{userID: c.ID, projectID: p.id, repoID: repoID}, nil
}

// SetCredentialMapping makes the caller's credential the one the project's
// repository uses for the caller.
func (s *Store) SetCredentialMapping(c Caller, projectID, repoID, credentialID string) (CredentialMapping, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.st.mappingTarget(c, projectID, repoID)
	if err != nil {
		return CredentialMapping{}, err
	}
	if credentialID == "" {
		return CredentialMapping{}, errorf(KindInvalid, "credentialId is required")
	}
	// Another user's credential is reported as missing, so its existence is not revealed.
	if cr := s.st.creds[credentialID]; cr == nil || cr.owner.id != c.ID {
		return CredentialMapping{}, errorf(KindNotFound, "Git credential %s not found for user %s", clip(credentialID), c.UserName)
	}
	if err := s.writable(); err != nil {
		return CredentialMapping{}, err
	}
	s.st.mappings[k] = credentialID
	return CredentialMapping{UserID: k.userID, ProjectID: k.projectID, RepoID: k.repoID, CredentialID: credentialID}, s.commit(change{mappings: []mappingKey{k}})
}

// CredentialMapping returns the caller's mapped credential id.
func (s *Store) CredentialMapping(c Caller, projectID, repoID string) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, err := s.st.mappingTarget(c, projectID, repoID)
	if err != nil {
		return "", err
	}
	id, ok := s.st.mappings[k]
	if !ok {
		return "", errorf(KindNotFound, "No git credential is mapped to repository %s for %s", clip(repoID), c.UserName)
	}
	return id, nil
}

// DeleteCredentialMapping removes the caller's mapping; removing none is not an error.
func (s *Store) DeleteCredentialMapping(c Caller, projectID, repoID string) (CredentialMapping, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.st.mappingTarget(c, projectID, repoID)
	if err != nil {
		return CredentialMapping{}, err
	}
	if err := s.writable(); err != nil {
		return CredentialMapping{}, err
	}
	delete(s.st.mappings, k)
	return CredentialMapping{UserID: k.userID, ProjectID: k.projectID, RepoID: k.repoID}, s.commit(change{delMappings: []mappingKey{k}})
}
