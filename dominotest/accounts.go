package dominotest

import (
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Token is a service account's token.
type Token struct {
	Name                string
	Value               string // a JWT for "Authorization: Bearer …"
	ServiceAccountIdpID string
	IsValid             bool
	CreatedAt           time.Time
	ExpiresAt           time.Time // CreatedAt and the token lifetime (WithTokenTTL)
}

// CreateToken gives a service account (by idpId) another token, named
// name, as an administrator would.
func (s *Server) CreateToken(t testing.TB, idpID, name string) Token {
	t.Helper()
	v, err := s.CreateTokenE(idpID, name)
	check(t, err)
	return v
}

// CreateTokenE is CreateToken returning its error.
func (s *Server) CreateTokenE(idpID, name string) (Token, error) {
	admin, err := s.admin()
	if err != nil {
		return Token{}, fail("CreateToken", err)
	}
	tok, err := s.srv.Store().CreateToken(admin, idpID, name)
	if err != nil {
		return Token{}, fail("CreateToken", err)
	}
	return Token{Name: tok.Name, Value: tok.Token, ServiceAccountIdpID: tok.ServiceAccountIdpID, IsValid: tok.IsValid,
		CreatedAt: time.Time(tok.CreatedAt).UTC(), ExpiresAt: time.Time(tok.ExpiresAt).UTC()}, nil
}

// InvalidateToken invalidates a service account's token (by the account's
// idpId and the token's name): it is refused from then on, for good.
func (s *Server) InvalidateToken(t testing.TB, idpID, name string) {
	t.Helper()
	check(t, s.InvalidateTokenE(idpID, name))
}

// InvalidateTokenE is InvalidateToken returning its error.
func (s *Server) InvalidateTokenE(idpID, name string) error {
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().InvalidateToken(admin, idpID, name)
	}
	return fail("InvalidateToken", err)
}

// DeactivateServiceAccount deactivates a service account (by idpId): its
// tokens are invalidated for good, and it cannot sign in.
func (s *Server) DeactivateServiceAccount(t testing.TB, idpID string) {
	t.Helper()
	check(t, s.DeactivateServiceAccountE(idpID))
}

// DeactivateServiceAccountE is DeactivateServiceAccount returning its error.
func (s *Server) DeactivateServiceAccountE(idpID string) error {
	return s.setActive("DeactivateServiceAccount", (*store.Store).DeactivateServiceAccount, idpID)
}

// ActivateServiceAccount activates a deactivated service account again.
// Its old tokens stay invalid; under the "observed" profile, so are the
// ones it is given afterwards (Domino's defect: they lack a subject).
func (s *Server) ActivateServiceAccount(t testing.TB, idpID string) {
	t.Helper()
	check(t, s.ActivateServiceAccountE(idpID))
}

// ActivateServiceAccountE is ActivateServiceAccount returning its error.
func (s *Server) ActivateServiceAccountE(idpID string) error {
	return s.setActive("ActivateServiceAccount", (*store.Store).ActivateServiceAccount, idpID)
}

func (s *Server) setActive(helper string, set func(*store.Store, store.Caller, string) (store.ServiceAccount, error), idpID string) error {
	admin, err := s.admin()
	if err == nil {
		_, err = set(s.srv.Store(), admin, idpID)
	}
	return fail(helper, err)
}
