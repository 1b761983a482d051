package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/mockdomino/mockdomino/internal/store"
)

func createServiceAccount(q *request) (int, any, error) {
	var in struct {
		Username string `json:"username"`
		// The docs' example spells it userName; accept either.
		UserName string `json:"userName"`
		Email    string `json:"email"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if in.Username == "" {
		in.Username = in.UserName
	}
	sa, err := q.st.CreateServiceAccount(q.caller, in.Username, in.Email)
	return q.st.Profile().CreateAccountStatus, sa, err
}

func listServiceAccounts(q *request) (int, any, error) {
	include, err := boolParam(q, "includeDeactivated")
	if err != nil {
		return 0, nil, err
	}
	list, err := q.st.ServiceAccounts(q.caller, include)
	return http.StatusOK, list, err
}

func boolParam(q *request, name string) (bool, error) {
	v := q.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("query parameter %s must be true or false, not %q", name, clipPath(v))
	}
	return b, nil
}

func deactivateServiceAccount(q *request) (int, any, error) {
	sa, err := q.st.DeactivateServiceAccount(q.caller, q.vars("idpId"))
	return q.st.Profile().DeactivateStatus, sa, err
}

func activateServiceAccount(q *request) (int, any, error) {
	sa, err := q.st.ActivateServiceAccount(q.caller, q.vars("idpId"))
	return q.st.Profile().ActivateStatus, sa, err
}

func resetServiceAccountPassword(q *request) (int, any, error) {
	sa, err := q.st.ResetServiceAccountPassword(q.caller, q.vars("idpId"))
	return q.st.Profile().ResetPasswordStatus, sa, err
}

func createToken(q *request) (int, any, error) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	t, err := q.st.CreateToken(q.caller, q.vars("idpId"), in.Name)
	return q.st.Profile().CreateTokenStatus, t, err
}

func listTokens(q *request) (int, any, error) {
	list, err := q.st.Tokens(q.caller, q.vars("idpId"))
	return http.StatusOK, list, err
}

func getToken(q *request) (int, any, error) {
	t, err := q.st.Token(q.caller, q.vars("idpId"), q.vars("name"))
	return http.StatusOK, t, err
}

func invalidateToken(q *request) (int, any, error) {
	t, err := q.st.InvalidateToken(q.caller, q.vars("idpId"), q.vars("name"))
	return q.st.Profile().InvalidateStatus, t, err
}

func deleteToken(q *request) (int, any, error) {
	t, err := q.st.DeleteToken(q.caller, q.vars("idpId"), q.vars("name"))
	return q.st.Profile().DeleteTokenStatus, t, err
}

func self(q *request) (int, any, error) {
	u, err := q.st.Self(q.caller)
	return http.StatusOK, u, err
}

// listUsers filters by userName (exact), userId (repeatable: any of them)
// and query (a user-name prefix), as the spec has them; listOnlyUsers is
// accepted and changes nothing, as the mock has no organizations.
func listUsers(q *request) (int, any, error) {
	v := q.URL.Query()
	f := store.UserFilter{UserName: v.Get("userName"), Query: v.Get("query")}
	for _, ids := range v["userId"] {
		for _, id := range strings.Split(ids, ",") {
			if !isObjectID(id) {
				return 0, nil, badRequest("%s is not a valid ID", clipPath(id))
			}
			f.UserIDs = append(f.UserIDs, id)
		}
	}
	if _, err := boolParam(q, "listOnlyUsers"); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, q.st.Users(q.caller, f), nil
}

func principal(q *request) (int, any, error) {
	ops := []string{}
	if q.caller.IsAdmin {
		ops = []string{"ManageServiceAccounts", "ManageUsers", "ViewAllProjects"}
	}
	return http.StatusOK, map[string]any{
		"isAnonymous":             false,
		"isAdmin":                 q.caller.IsAdmin,
		"canonicalId":             q.caller.ID,
		"canonicalName":           q.caller.UserName,
		"isServiceAccount":        q.caller.IsServiceAccount,
		"allowedSystemOperations": ops,
		"featureFlags":            []string{},
		"booleanSettings":         []string{},
	}, nil
}

// DominoVersion is what /version reports; python-domino needs at least 4.1.0.
const DominoVersion = "6.2.0"

func version(q *request) (int, any, error) {
	return http.StatusOK, map[string]any{
		"version":   DominoVersion,
		"buildId":   "mockdomino",
		"commitId":  "0000000000000000000000000000000000000000",
		"timestamp": "2025-01-01T00:00:00.000Z",
	}, nil
}

func accessToken(q *request) (int, any, error) {
	t, err := q.st.IssueAccessToken(q.caller)
	return http.StatusOK, text(t), err
}

func realmInfo(q *request) (int, any, error) {
	iss := q.st.Issuer()
	return http.StatusOK, map[string]any{
		"realm":             "DominoRealm",
		"public_key":        q.st.Keys().PublicKeyDER(),
		"token-service":     iss + "/protocol/openid-connect",
		"account-service":   iss + "/account",
		"tokens-not-before": 0,
	}, nil
}

func jwks(q *request) (int, any, error) {
	return http.StatusOK, q.st.Keys().JWKS(), nil
}

func discovery(q *request) (int, any, error) {
	iss := q.st.Issuer()
	oidc := iss + "/protocol/openid-connect"
	return http.StatusOK, map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                oidc + "/auth",
		"token_endpoint":                        oidc + "/token",
		"userinfo_endpoint":                     oidc + "/userinfo",
		"end_session_endpoint":                  oidc + "/logout",
		"jwks_uri":                              oidc + "/certs",
		"grant_types_supported":                 []string{"authorization_code", "client_credentials", "refresh_token"},
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "jti", "name", "email", "preferred_username", "typ", "azp"},
	}, nil
}

// Service-account git credentials: admin routes that act on the account's
// own credentials, so they share the store's credential rules.
func listServiceAccountGitCredentials(q *request) (int, any, error) {
	id, err := q.st.ServiceAccountID(q.caller, q.vars("idpId"))
	if err != nil {
		return 0, nil, err
	}
	list, err := q.st.GitCredentials(q.caller, id)
	return http.StatusOK, list, err
}

func addServiceAccountGitCredential(q *request) (int, any, error) {
	id, err := q.st.ServiceAccountID(q.caller, q.vars("idpId"))
	if err != nil {
		return 0, nil, err
	}
	var in store.GitCredentialInput
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	c, err := q.st.AddGitCredential(q.caller, id, in)
	return http.StatusCreated, c, err // 201 per the spec for this variant
}

func deleteServiceAccountGitCredential(q *request) (int, any, error) {
	id, err := q.st.ServiceAccountID(q.caller, q.vars("idpId"))
	if err != nil {
		return 0, nil, err
	}
	c, err := q.st.DeleteGitCredential(q.caller, id, q.vars("credentialId"))
	return http.StatusOK, c, err
}
