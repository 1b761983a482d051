package store

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/signing"
)

// ServiceAccount is a service account as /v4/serviceAccounts shows it.
type ServiceAccount struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	ID       string `json:"id"`
	IdpID    string `json:"idpId"`
}

func (u *user) serviceAccountView() ServiceAccount {
	return ServiceAccount{Username: u.userName, Email: u.email, ID: u.id, IdpID: u.idpID}
}

// Time is a timestamp written as Domino writes them: RFC 3339, UTC, milliseconds.
type Time time.Time

// MarshalJSON writes e.g. "2025-09-04T19:28:34.012Z".
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z"))
}

// UnmarshalJSON reads RFC 3339.
func (t *Time) UnmarshalJSON(b []byte) error {
	var tt time.Time
	if err := json.Unmarshal(b, &tt); err != nil {
		return err
	}
	*t = Time(tt)
	return nil
}

// Token is a service-account token's metadata, with its value only when the
// route returns it (creation and the single-token read).
type Token struct {
	Name                string `json:"name"`
	ServiceAccountIdpID string `json:"serviceAccountIdpId"`
	Token               string `json:"token,omitempty"`
	IsValid             bool   `json:"isValid"`
	CreatedAt           Time   `json:"createdAt"`
	ExpiresAt           Time   `json:"expiresAt"`
}

type token struct {
	jti, name string
	account   *user
	value     string
	valid     bool
	createdAt time.Time
	expiresAt time.Time
	hasSub    bool
	deleted   bool // still in its account's tokenOrder until that is compacted
}

// addToken gives the account a token, last in its listing order.
func (u *user) addToken(t *token) {
	u.tokens[t.name] = t
	u.tokenOrder = append(u.tokenOrder, t)
}

// removeToken takes a token from the account. Its slot in the order is
// reclaimed once deleted slots are half of it: one O(n) pass per n/2
// deletions.
func (u *user) removeToken(t *token) {
	delete(u.tokens, t.name)
	t.deleted = true
	u.deadTokens++
	if 2*u.deadTokens < len(u.tokenOrder) {
		return
	}
	live := make([]*token, 0, len(u.tokens))
	for _, t := range u.tokenOrder {
		if !t.deleted {
			live = append(live, t)
		}
	}
	u.tokenOrder, u.deadTokens = live, 0
}

// liveTokens are the account's tokens in creation order.
func (u *user) liveTokens(yield func(*token) bool) {
	for _, t := range u.tokenOrder {
		if !t.deleted && !yield(t) {
			return
		}
	}
}

func (t *token) view(withValue bool) Token {
	v := Token{
		Name: t.name, ServiceAccountIdpID: t.account.idpID, IsValid: t.valid,
		CreatedAt: Time(t.createdAt), ExpiresAt: Time(t.expiresAt),
	}
	if withValue {
		v.Token = t.value
	}
	return v
}

// accessToken is a short-lived user JWT handed out by the proxy's /access-token.
type accessToken struct {
	user      *user
	value     string
	expiresAt time.Time
	tokenJTI  string // the service-account token it was obtained with, directly or through access tokens; "" if none
}

// usable says whether a token may authenticate now: it is valid, unexpired,
// carries its sub, and its account is active.
func (t *token) usable(now time.Time) bool {
	return t.valid && t.account.active && t.hasSub && now.Before(t.expiresAt)
}

// refusal says why a token that is not usable is refused (for the
// journal; never the token itself), or "" when it is usable.
func (t *token) refusal(now time.Time) string {
	switch {
	case t.usable(now):
		return ""
	case !t.account.active: // which invalidated its tokens too
		return fmt.Sprintf("service account %s is deactivated", t.account.userName)
	case !t.valid:
		return fmt.Sprintf("token %q of service account %s was invalidated", t.name, t.account.userName)
	case !t.hasSub:
		return fmt.Sprintf("token %q of service account %s has no sub: it was created after the account was deactivated and activated again (the observed defect, profile field reactivatedTokensLackSub)", t.name, t.account.userName)
	}
	return fmt.Sprintf("token %q of service account %s expired at %s (the mock's clock)", t.name, t.account.userName, t.expiresAt.UTC().Format(time.RFC3339))
}

// credentialRefusal is why credentialUsable refuses, or "".
func (st *state) credentialRefusal(u *user, tokenJTI string, now time.Time) string {
	switch t := st.tokens[tokenJTI]; {
	case st.credentialUsable(u, tokenJTI, now):
		return ""
	case !u.active:
		return fmt.Sprintf("user %s is deactivated", u.userName)
	case t == nil || t.account != u:
		return "the token it was obtained with is gone (deleted, or replaced by a reset or an import)"
	default:
		return "the token it was obtained with is refused: " + t.refusal(now)
	}
}

// credentialUsable says whether what a caller authenticated with still
// may be used: an access token is refused as soon as the credential it was
// obtained with is (inferred).
func (st *state) credentialUsable(u *user, tokenJTI string, now time.Time) bool {
	if !u.active {
		return false
	}
	if tokenJTI == "" {
		return true // an API key or the proxy's user: the user's being active is the credential
	}
	t := st.tokens[tokenJTI]
	return t != nil && t.account == u && t.usable(now)
}

// invalid makes a rule's error a KindInvalid one, for the API to answer 400.
func invalid(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: KindInvalid, Message: err.Error()}
}

// ValidateUsername applies the (inferred) username rule.
func ValidateUsername(name string) error { return invalid(fixtures.CheckUserName("username", name)) }

// ValidateEmail applies the (inferred) email rule; plus addressing is valid.
func ValidateEmail(email string) error { return invalid(fixtures.CheckEmail("email", email)) }

// ValidateTokenName applies the (inferred) token-name rule.
func ValidateTokenName(name string) error { return invalid(checkTokenName("name", name)) }

// checkTokenName: the name is a path segment, so it must be printable and
// free of '/'.
func checkTokenName(field, name string) error {
	if name == "" {
		return fmt.Errorf("%s is required", field)
	}
	// "." and ".." would be removed from the URL by clients' path resolution,
	// so such a token could never be read, invalidated or deleted.
	if utf8.RuneCountInString(name) > 128 || !utf8.ValidString(name) || hasControl(name) || strings.ContainsAny(name, "/\\") ||
		strings.TrimSpace(name) != name || name == "." || name == ".." {
		return fmt.Errorf("%s %q is invalid: use 1 to 128 printable characters without '/', '\\' or surrounding spaces, and not . or ..", field, clip(name))
	}
	return nil
}

func hasControl(s string) bool { return fixtures.HasControl(s) }

// clip keeps error messages short and printable whatever the client sent.
func clip(s string) string { return fixtures.Clip(s) }

// RequireAdmin is the rule of the service-account routes: administrators
// only. The HTTP layer asks it before reading a body, the store again.
func RequireAdmin(c Caller) error { return requireAdmin(c) }

func requireAdmin(c Caller) error {
	if !c.IsAdmin {
		return errorf(KindForbidden, "Forbidden: only administrators may manage service accounts")
	}
	return nil
}

// CreateServiceAccount makes a new, active service account.
func (s *Store) CreateServiceAccount(c Caller, username, email string) (ServiceAccount, error) {
	if err := requireAdmin(c); err != nil {
		return ServiceAccount{}, err
	}
	if err := ValidateUsername(username); err != nil {
		return ServiceAccount{}, err
	}
	if err := ValidateEmail(email); err != nil {
		return ServiceAccount{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Drawn before the checks, as ever: a refused duplicate uses its ids up,
	// so a seeded run gives the ids it always gave.
	id, idp := s.newObjectID(), s.newUUID()
	if err := s.writable(); err != nil {
		return ServiceAccount{}, err
	}
	if s.st.names[strings.ToLower(username)] != nil {
		return ServiceAccount{}, errorf(KindDuplicate, "A user with the username %s already exists.", username)
	}
	if s.st.emails[strings.ToLower(email)] != nil {
		return ServiceAccount{}, errorf(KindDuplicate, "A user with the email %s already exists.", email)
	}
	u := &user{
		id: id, idpID: idp, userName: username, firstName: username, email: email,
		serviceAccount: true, active: true, tokens: map[string]*token{},
	}
	s.st.addUser(u)
	return u.serviceAccountView(), s.commit(change{users: []*user{u}, creates: true})
}

// ServiceAccounts lists service accounts in creation order; deactivated ones
// only when asked.
func (s *Store) ServiceAccounts(c Caller, includeDeactivated bool) ([]ServiceAccount, error) {
	list, _, err := s.ServiceAccountsPage(c, includeDeactivated, 0, -1)
	return list, err
}

// ServiceAccountsPage is one page of ServiceAccounts: at most limit accounts
// (all of them when limit is negative) after the first offset, and how many
// the whole list holds.
func (s *Store) ServiceAccountsPage(c Caller, includeDeactivated bool, offset, limit int) ([]ServiceAccount, int, error) {
	if err := requireAdmin(c); err != nil {
		return nil, 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	total := s.st.activeSAs
	if includeDeactivated {
		total = len(s.st.saOrder)
	}
	if limit < 0 {
		limit = total
	}
	out := make([]ServiceAccount, 0, max(0, min(limit, total-offset))) // growing it was a sixth of the request
	keep := func(u *user) bool { return u.active || includeDeactivated }
	forPage(s.st.saOrder, keep, offset, limit, func(u *user) { out = append(out, u.serviceAccountView()) })
	return out, total, nil
}

func (st *state) serviceAccount(idpID string) (*user, error) {
	u := st.usersByIdp[idpID]
	if u == nil || !u.serviceAccount {
		return nil, errorf(KindNotFound, "Service account with idpId %s not found", clip(idpID))
	}
	return u, nil
}

// DeactivateServiceAccount deactivates an account and invalidates all its
// tokens for good.
func (s *Store) DeactivateServiceAccount(c Caller, idpID string) (ServiceAccount, error) {
	if err := requireAdmin(c); err != nil {
		return ServiceAccount{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.st.serviceAccount(idpID)
	if err != nil {
		return ServiceAccount{}, err
	}
	if err := s.writable(); err != nil {
		return ServiceAccount{}, err
	}
	s.st.setActive(u, false)
	ch := change{users: []*user{u}}
	for t := range u.liveTokens {
		t.valid = false
		ch.tokens = append(ch.tokens, t)
	}
	return u.serviceAccountView(), s.commit(ch)
}

// ActivateServiceAccount activates an account again. Its old tokens stay
// invalid (inferred from "invalid tokens cannot be revalidated").
func (s *Store) ActivateServiceAccount(c Caller, idpID string) (ServiceAccount, error) {
	if err := requireAdmin(c); err != nil {
		return ServiceAccount{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.st.serviceAccount(idpID)
	if err != nil {
		return ServiceAccount{}, err
	}
	if err := s.writable(); err != nil {
		return ServiceAccount{}, err
	}
	if !u.active {
		s.st.setActive(u, true)
		u.reactivated = true
	}
	return u.serviceAccountView(), s.commit(change{users: []*user{u}})
}

// ResetServiceAccountPassword resets the account's Keycloak password. The
// mock keeps no password; it records when the reset happened (kept in the
// state). Tokens are not affected (inferred: nothing says they are).
func (s *Store) ResetServiceAccountPassword(c Caller, idpID string) (ServiceAccount, error) {
	if err := requireAdmin(c); err != nil {
		return ServiceAccount{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.st.serviceAccount(idpID)
	if err != nil {
		return ServiceAccount{}, err
	}
	if err := s.writable(); err != nil {
		return ServiceAccount{}, err
	}
	u.passwordResetAt = s.cfg.Clock.Now().UTC().Truncate(time.Millisecond)
	return u.serviceAccountView(), s.commit(change{users: []*user{u}})
}

func duplicateToken(name string) error {
	return errorf(KindDuplicate, "A token with the name %s already exists for this service account.", name)
}

// CreateToken issues a new signed token for a service account.
func (s *Store) CreateToken(c Caller, idpID, name string) (Token, error) {
	if err := requireAdmin(c); err != nil {
		return Token{}, err
	}
	// Check first so that bad requests cost no signature...
	s.mu.RLock()
	u, err := s.st.serviceAccount(idpID)
	if err == nil {
		err = ValidateTokenName(name)
	}
	if err == nil {
		err = u.canIssue(name, s.cfg.Limits.TokensPerAccount)
	}
	var claims signing.Claims
	var t *token
	if err == nil {
		now := s.cfg.Clock.Now().Truncate(time.Millisecond)
		t = &token{
			jti: s.newUUID(), name: name, account: u, valid: true,
			createdAt: now, expiresAt: now.Add(s.cfg.TokenTTL),
			hasSub: !(s.cfg.Profile.ReactivatedTokensLackSub && u.reactivated),
		}
		claims = s.claims(u, t.jti, now, t.expiresAt)
		if !t.hasSub {
			claims.Subject = ""
		}
	}
	s.mu.RUnlock()
	if err != nil {
		return Token{}, err
	}
	// ...sign outside the lock, then check again: another request may have
	// taken the name or deactivated the account meanwhile.
	value, err := s.cfg.Keys.Sign(claims)
	if err != nil {
		return Token{}, err
	}
	t.value = value
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.st.usersByIdp[idpID]; cur != u {
		return Token{}, errorf(KindNotFound, "Service account with idpId %s not found", clip(idpID))
	}
	if err := u.canIssue(name, s.cfg.Limits.TokensPerAccount); err != nil {
		return Token{}, err
	}
	// The account may have been deactivated and activated again while the
	// token was signed: it is then a token of a re-activated account, and
	// the profile's defect makes it unusable like any other.
	if s.cfg.Profile.ReactivatedTokensLackSub && u.reactivated {
		t.hasSub = false
	}
	if err := s.writable(); err != nil {
		return Token{}, err
	}
	u.addToken(t)
	s.st.tokens[t.jti] = t
	return t.view(true), s.commit(change{tokens: []*token{t}, creates: true})
}

func (u *user) canIssue(name string, limit int) error {
	if _, taken := u.tokens[name]; taken {
		return duplicateToken(name)
	}
	if !u.active {
		return errorf(KindInvalid, "Service account %s is deactivated: activate it before creating tokens", u.userName)
	}
	if len(u.tokens) >= limit {
		return errorf(KindInvalid, "Service account %s already holds %d tokens, the most one service account may hold (mockdomino's limit, --max-tokens): delete one first", u.userName, limit)
	}
	return nil
}

func (s *Store) claims(u *user, jti string, iat, exp time.Time) signing.Claims {
	return signing.Claims{
		Issuer: s.Issuer(), Subject: u.idpID, PreferredUsername: u.userName,
		Email: u.email, Name: u.fullName(), IssuedAt: iat.Unix(), ExpiresAt: exp.Unix(),
		ID: jti, Type: "Bearer", AuthorizedParty: "domino-play",
	}
}

// Tokens lists an account's tokens, never with their values, in the order
// they were created (oldest first): no sorting under the lock.
func (s *Store) Tokens(c Caller, idpID string) ([]Token, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.st.serviceAccount(idpID)
	if err != nil {
		return nil, err
	}
	out := make([]Token, 0, len(u.tokens))
	for t := range u.liveTokens {
		out = append(out, t.view(false))
	}
	return out, nil
}

// TokensPage is one page of Tokens: at most limit tokens after the first
// offset, and how many tokens the account has.
func (s *Store) TokensPage(c Caller, idpID string, offset, limit int) ([]Token, int, error) {
	if err := requireAdmin(c); err != nil {
		return nil, 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.st.serviceAccount(idpID)
	if err != nil {
		return nil, 0, err
	}
	out := []Token{}
	forPage(u.tokenOrder, func(t *token) bool { return !t.deleted }, offset, limit, func(t *token) {
		out = append(out, t.view(false))
	})
	return out, len(u.tokens), nil
}

func (st *state) token(idpID, name string) (*token, error) {
	u, err := st.serviceAccount(idpID)
	if err != nil {
		return nil, err
	}
	t := u.tokens[name]
	if t == nil {
		return nil, errorf(KindNotFound, "Token %s not found for service account %s", clip(name), u.userName)
	}
	return t, nil
}

// Token returns one token's metadata and value.
func (s *Store) Token(c Caller, idpID, name string) (Token, error) {
	if err := requireAdmin(c); err != nil {
		return Token{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.st.token(idpID, name)
	if err != nil {
		return Token{}, err
	}
	return t.view(true), nil
}

// InvalidateToken makes a token unusable for good; it stays listed.
func (s *Store) InvalidateToken(c Caller, idpID, name string) (Token, error) {
	return s.changeToken(c, idpID, name, func(t *token) change {
		t.valid = false
		return change{tokens: []*token{t}}
	})
}

// DeleteToken removes a token; its name may be used again.
func (s *Store) DeleteToken(c Caller, idpID, name string) (Token, error) {
	return s.changeToken(c, idpID, name, func(t *token) change {
		t.valid = false
		t.account.removeToken(t)
		delete(s.st.tokens, t.jti)
		ch := change{delTokens: []string{t.jti}}
		// The access tokens obtained with it can never be used again: they
		// go with it, so no access token names a token that is gone.
		for jti, a := range s.st.accessTokens {
			if a.tokenJTI == t.jti {
				delete(s.st.accessTokens, jti)
				ch.delAccessTokens = append(ch.delAccessTokens, jti)
			}
		}
		return ch
	})
}

// changeToken applies an administrator's change to one token under the
// write lock, once the token is known to exist and the state can be
// written, and commits it.
func (s *Store) changeToken(c Caller, idpID, name string, apply func(*token) change) (Token, error) {
	if err := requireAdmin(c); err != nil {
		return Token{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.st.token(idpID, name)
	if err != nil {
		return Token{}, err
	}
	if err := s.writable(); err != nil {
		return Token{}, err
	}
	ch := apply(t)
	return t.view(false), s.commit(ch)
}

// AuthenticateBearer decides whether a bearer token may be used now.
//
// A token is accepted only if it is, byte for byte, a token the store
// issued and still holds: the jti names the record, and the whole string is
// compared in constant time with the value signed at issue. That proves
// the signature and every claim (sub, exp, iss) without an RSA operation
// per request, so nothing needs caching and a flood of forged tokens costs
// no RSA work. What the claims say is then judged from the record: valid,
// account active, sub present, not expired by the mock clock.
//
// A refusal says why (Error.Reason) for the journal; the caller is told
// only ErrUnauthenticated's message.
func (s *Store) AuthenticateBearer(raw string) (Caller, error) {
	jti, err := signing.TokenID(raw)
	if err != nil {
		return Caller{}, errNotAJWT
	}
	now := s.cfg.Clock.Now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if t := s.st.tokens[jti]; t != nil {
		if !sameToken(raw, t.value) {
			return Caller{}, errAlteredToken
		}
		if why := t.refusal(now); why != "" {
			return Caller{}, Unauthenticated("%s", why)
		}
		c := callerOf(t.account)
		c.tokenJTI = t.jti
		return c, nil
	}
	if a := s.st.accessTokens[jti]; a != nil {
		switch {
		case !sameToken(raw, a.value):
			return Caller{}, errAlteredToken
		case !now.Before(a.expiresAt):
			return Caller{}, Unauthenticated("access token of %s expired at %s (the mock's clock)", a.user.userName, a.expiresAt.UTC().Format(time.RFC3339))
		}
		if why := s.st.credentialRefusal(a.user, a.tokenJTI, now); why != "" {
			return Caller{}, Unauthenticated("access token of %s: %s", a.user.userName, why)
		}
		c := callerOf(a.user)
		c.tokenJTI = a.tokenJTI
		return c, nil
	}
	return Caller{}, errUnknownToken
}

// The refusals of a forged or stale token, made once: a flood of them
// costs no formatting.
var (
	errNotAJWT      = Unauthenticated("not a token the mock issued: not a JWT with a jti")
	errUnknownToken = Unauthenticated("unknown token: the mock holds no token with its jti (never issued here, deleted, or replaced by a reset or an import)")
)

// errAlteredToken refuses a token whose jti names one the mock issued but
// whose bytes differ from it: its signature or a claim was changed (the
// mock compares tokens whole instead of verifying signatures).
var errAlteredToken = Unauthenticated("bad signature: the token does not match the one the mock issued with its jti (altered, or signed with another key)")

func sameToken(presented, issued string) bool {
	return issued != "" && subtle.ConstantTimeCompare([]byte(presented), []byte(issued)) == 1
}

// IssueAccessToken returns a short-lived JWT for a user, as the API proxy's
// /access-token does. It is usable only while the credential the caller
// authenticated with is: an access token obtained with a service-account
// token (or with an access token obtained so) ends when that token is
// invalidated, deleted or expires, or its account is deactivated.
func (s *Store) IssueAccessToken(c Caller) (string, error) {
	now := s.cfg.Clock.Now()
	exp := now.Add(DefaultAccessTokenTTL)
	s.mu.RLock()
	jti := s.newUUID()
	u := s.st.users[c.ID]
	s.mu.RUnlock()
	if u == nil {
		return "", errCallerGone
	}
	value, err := s.cfg.Keys.Sign(s.claims(u, jti, now, exp))
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// A reset or an imported state may have replaced the user meanwhile:
	// by the same user (the token's claims still hold), or by another. Or
	// the caller's credential may have been revoked since it was checked.
	cur := s.st.users[c.ID]
	if cur == nil || cur != u && s.claims(cur, jti, now, exp) != s.claims(u, jti, now, exp) {
		return "", errCallerGone
	}
	if why := s.st.credentialRefusal(cur, c.tokenJTI, now); why != "" {
		return "", Unauthenticated("%s", why)
	}
	u = cur
	if err := s.writable(); err != nil {
		return "", err
	}
	ch := change{accessTokens: []string{jti}, creates: true}
	// Drop expired ones so a long-running proxy does not accumulate them.
	if len(s.st.accessTokens) >= 1024 {
		for k, a := range s.st.accessTokens {
			if !now.Before(a.expiresAt) {
				delete(s.st.accessTokens, k)
				ch.delAccessTokens = append(ch.delAccessTokens, k)
			}
		}
	}
	s.st.accessTokens[jti] = &accessToken{user: u, value: value, expiresAt: exp, tokenJTI: c.tokenJTI}
	return value, s.commit(ch)
}
