package api

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/mockdomino/mockdomino/internal/profile"
	"github.com/mockdomino/mockdomino/internal/store"
)

// The public API of Domino 6.2 (/api/serviceAccounts/v1, /api/users,
// /api/projects/v1/.../collaborators) publishes the accounts, tokens, git
// credentials and collaborators of /v4 a second time. It is a second codec
// over the same store calls: envelopes, paging, the spec's statuses (200 for
// every success) and its spelling of enums. No rule is decided here.

// metadata is the public API's MetadataV1.
type metadataV1 struct {
	RequestID string   `json:"requestId"`
	Notices   []string `json:"notices"`
}

func metadata(q *request) metadataV1 {
	return metadataV1{RequestID: q.requestID, Notices: []string{}}
}

// pageV1 is a list's offset and limit, as the query asked for them.
type pageV1 struct{ offset, limit int }

// paginationV1 is the spec's PaginationV1.
type paginationV1 struct {
	Offset     int `json:"offset"`
	Limit      int `json:"limit"`
	TotalCount int `json:"totalCount"`
}

// pagedMetadataV1 is the spec's PaginatedMetadataV1: an allOf of MetadataV1
// and PaginationV1 (so offset, limit and totalCount flat in metadata) whose
// required list also names a "pagination" property it never defines. The
// profile's publicPaging chooses: flat (default) or nested under
// "pagination" (inferred either way; this is the one place it is decided).
type pagedMetadataV1 struct {
	metadataV1
	*paginationV1
	Pagination *paginationV1 `json:"pagination,omitempty"`
}

func pagedMetadata(q *request, p pageV1, total int) pagedMetadataV1 {
	pg := &paginationV1{Offset: p.offset, Limit: p.limit, TotalCount: total}
	md := pagedMetadataV1{metadataV1: metadata(q)}
	if q.st.Profile().PublicPaging == profile.PagingNested {
		md.Pagination = pg
	} else {
		md.paginationV1 = pg
	}
	return md
}

// pageParams reads offset and limit. The spec declares them int32 with
// defaults and no bounds; a value that is not a whole number from 0 to
// 2^31-1 is refused with 400 (inferred).
func pageParams(q *request, defaultLimit int) (pageV1, error) {
	p := pageV1{limit: defaultLimit}
	query := q.URL.Query()
	for _, f := range []struct {
		name string
		dst  *int
	}{{"offset", &p.offset}, {"limit", &p.limit}} {
		v := query.Get(f.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return p, badRequest("query parameter %s must be a whole number from 0 to %d, not %q", f.name, math.MaxInt32, clipPath(v))
		}
		*f.dst = int(n)
	}
	return p, nil
}

// window is the part of a list of n items a page shows.
func (p pageV1) window(n int) (from, to int) {
	from = min(p.offset, n)
	return from, from + min(p.limit, n-from)
}

// ---- service accounts ----

const defaultPublicLimit = 50

type serviceAccountEnvelope struct {
	ServiceAccount store.ServiceAccount `json:"serviceAccount"`
	Metadata       metadataV1           `json:"metadata"`
}

type serviceAccountsPage struct {
	ServiceAccounts []store.ServiceAccount `json:"serviceAccounts"`
	Metadata        pagedMetadataV1        `json:"metadata"`
}

func publicIdpID(q *request) string { return q.vars("serviceAccountIdpId") }

func listServiceAccountsV1(q *request) (int, any, error) {
	include, err := boolParam(q, "includeDeactivated")
	if err != nil {
		return 0, nil, err
	}
	p, err := pageParams(q, defaultPublicLimit)
	if err != nil {
		return 0, nil, err
	}
	list, total, err := q.st.ServiceAccountsPage(q.caller, include, p.offset, p.limit)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, serviceAccountsPage{ServiceAccounts: list, Metadata: pagedMetadata(q, p, total)}, nil
}

func createServiceAccountV1(q *request) (int, any, error) {
	var in struct {
		Username string `json:"username"`
		Email    string `json:"email"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	sa, err := q.st.CreateServiceAccount(q.caller, in.Username, in.Email)
	return http.StatusOK, serviceAccountEnvelope{ServiceAccount: sa, Metadata: metadata(q)}, err
}

// accountActionV1 serves activate, deactivate and resetpassword: 200 with
// no body, as the spec declares none.
func accountActionV1(action func(*store.Store, store.Caller, string) (store.ServiceAccount, error)) handler {
	return func(q *request) (int, any, error) {
		_, err := action(q.st, q.caller, publicIdpID(q))
		return http.StatusOK, noContent{}, err
	}
}

// ---- tokens ----

type tokensPage struct {
	Tokens   []store.Token   `json:"tokens"`
	Metadata pagedMetadataV1 `json:"metadata"`
}

type tokenEnvelope struct {
	Token    store.Token `json:"token"`
	Metadata metadataV1  `json:"metadata"`
}

func listTokensV1(q *request) (int, any, error) {
	p, err := pageParams(q, defaultPublicLimit)
	if err != nil {
		return 0, nil, err
	}
	list, total, err := q.st.TokensPage(q.caller, publicIdpID(q), p.offset, p.limit)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, tokensPage{Tokens: list, Metadata: pagedMetadata(q, p, total)}, nil
}

// createTokenV1 answers the bare token, value included, not an envelope.
func createTokenV1(q *request) (int, any, error) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	t, err := q.st.CreateToken(q.caller, publicIdpID(q), in.Name)
	return http.StatusOK, t, err
}

func getTokenV1(q *request) (int, any, error) {
	t, err := q.st.Token(q.caller, publicIdpID(q), q.vars("tokenName"))
	return http.StatusOK, tokenEnvelope{Token: t, Metadata: metadata(q)}, err
}

// tokenActionV1 serves invalidate and delete: 200 with no body.
func tokenActionV1(action func(*store.Store, store.Caller, string, string) (store.Token, error)) handler {
	return func(q *request) (int, any, error) {
		_, err := action(q.st, q.caller, publicIdpID(q), q.vars("tokenName"))
		return http.StatusOK, noContent{}, err
	}
}

// ---- git credentials ----

// publicProviders spells the git providers as the public API's
// GitServiceProviderV1 does ("gitLab"), which /v4 spells "gitlab".
var publicProviders = map[string]string{"gitlab": "gitLab", "gitlabEnterprise": "gitLabEnterprise"}

// publicProviderNames are the public API's GitServiceProviderV1 values.
var publicProviderNames = "bitbucket, bitbucketServer, github, githubEnterprise, gitLab, gitLabEnterprise, unknown"

// providerFromPublic maps the public spelling to the store's, and refuses
// what the public API does not spell so (/v4's "gitlab" included).
func providerFromPublic(p string) (string, error) {
	for v4, public := range publicProviders {
		if p == v4 {
			return "", badRequest("gitServiceProvider %q is invalid here: the public API spells it %q", p, public)
		}
		if p == public {
			return v4, nil
		}
	}
	if p != "" && !slices.Contains(store.GitProviders, p) {
		return "", badRequest("gitServiceProvider %q is invalid: must be one of %s", clipPath(p), publicProviderNames)
	}
	return p, nil
}

func credentialV1(c store.GitCredential) store.GitCredential {
	if p, ok := publicProviders[c.GitServiceProvider]; ok {
		c.GitServiceProvider = p
	}
	return c
}

type credentialsPage struct {
	Credentials []store.GitCredential `json:"credentials"`
	Metadata    any                   `json:"metadata"`
}

type credentialEnvelope struct {
	Credential store.GitCredential `json:"credential"`
	Metadata   metadataV1          `json:"metadata"`
}

func listServiceAccountGitCredentialsV1(q *request) (int, any, error) {
	p, err := pageParams(q, defaultPublicLimit)
	if err != nil {
		return 0, nil, err
	}
	id, err := q.st.ServiceAccountID(q.caller, publicIdpID(q))
	if err != nil {
		return 0, nil, err
	}
	list, err := q.st.GitCredentials(q.caller, id)
	if err != nil {
		return 0, nil, err
	}
	from, to := p.window(len(list))
	out := make([]store.GitCredential, 0, to-from)
	for _, c := range list[from:to] {
		out = append(out, credentialV1(c))
	}
	return http.StatusOK, credentialsPage{Credentials: out, Metadata: pagedMetadata(q, p, len(list))}, nil
}

// gitCredentialBodyV1 is the union of the spec's TokenGitCredential,
// PasswordGitCredential and SshGitCredential; each route reads its own
// fields (accessType says which) and ignores the others.
type gitCredentialBodyV1 struct {
	Name               string `json:"name"`
	GitServiceProvider string `json:"gitServiceProvider"`
	Domain             string `json:"domain"`
	Token              string `json:"token"`
	Username           string `json:"username"`
	Password           string `json:"password"`
	Key                string `json:"key"`
	Passphrase         string `json:"passphrase"`
}

func (b gitCredentialBodyV1) input(accessType string) (store.GitCredentialInput, error) {
	provider, err := providerFromPublic(b.GitServiceProvider)
	in := store.GitCredentialInput{Name: b.Name, GitServiceProvider: provider, Domain: b.Domain, AccessType: accessType}
	switch accessType {
	case "token":
		in.Token = b.Token
	case "password":
		in.Username, in.Password = b.Username, b.Password
	case "key":
		in.Key, in.Passphrase = b.Key, b.Passphrase
	}
	return in, err
}

// addServiceAccountGitCredentialV1 serves tokengitcredentials,
// passwordgitcredentials and sshgitcredentials.
func addServiceAccountGitCredentialV1(accessType string) handler {
	return func(q *request) (int, any, error) {
		id, err := q.st.ServiceAccountID(q.caller, publicIdpID(q))
		if err != nil {
			return 0, nil, err
		}
		var body gitCredentialBodyV1
		if err := decode(q, &body); err != nil {
			return 0, nil, err
		}
		in, err := body.input(accessType)
		if err != nil {
			return 0, nil, err
		}
		c, err := q.st.AddGitCredential(q.caller, id, in)
		return http.StatusOK, credentialEnvelope{Credential: credentialV1(c), Metadata: metadata(q)}, err
	}
}

func deleteServiceAccountGitCredentialV1(q *request) (int, any, error) {
	id, err := q.st.ServiceAccountID(q.caller, publicIdpID(q))
	if err != nil {
		return 0, nil, err
	}
	_, err = q.st.DeleteGitCredential(q.caller, id, q.vars("credentialId"))
	return http.StatusOK, noContent{}, err
}

// ---- users ----

type usersPage struct {
	Users    []store.User    `json:"users"`
	Metadata pagedMetadataV1 `json:"metadata"`
}

type userEnvelope struct {
	User     store.User `json:"user"`
	Metadata metadataV1 `json:"metadata"`
}

func selfV1(q *request) (int, any, error) {
	u, err := q.st.Self(q.caller)
	return http.StatusOK, userEnvelope{User: u, Metadata: metadata(q)}, err
}

// listUsersV1 pages the users every caller may see; its spec's description
// gives limit 10 by default.
func listUsersV1(q *request) (int, any, error) {
	p, err := pageParams(q, 10)
	if err != nil {
		return 0, nil, err
	}
	list, total := q.st.UsersPage(q.caller, p.offset, p.limit)
	return http.StatusOK, usersPage{Users: list, Metadata: pagedMetadata(q, p, total)}, nil
}

// userGitCredentialsV1 is the beta route; its spec's metadata is not paged.
func userGitCredentialsV1(q *request) (int, any, error) {
	list, err := q.st.GitCredentials(q.caller, q.vars("userId"))
	if err != nil {
		return 0, nil, err
	}
	for i := range list {
		list[i] = credentialV1(list[i])
	}
	return http.StatusOK, credentialsPage{Credentials: list, Metadata: metadata(q)}, nil
}

// updateUserTokenCredentialV1 replaces a token credential; the spec's body
// (TokenGitCredentialV1) requires all four fields.
func updateUserTokenCredentialV1(q *request) (int, any, error) {
	var body gitCredentialBodyV1
	if err := decode(q, &body); err != nil {
		return 0, nil, err
	}
	for _, f := range []struct{ name, value string }{
		{"name", body.Name}, {"gitServiceProvider", body.GitServiceProvider}, {"domain", body.Domain}, {"token", body.Token},
	} {
		if f.value == "" {
			return 0, nil, badRequest("%s is required", f.name)
		}
	}
	in, err := body.input("token")
	if err != nil {
		return 0, nil, err
	}
	c, err := q.st.UpdateTokenGitCredential(q.caller, q.vars("userId"), q.vars("credentialId"), in)
	return http.StatusOK, credentialEnvelope{Credential: credentialV1(c), Metadata: metadata(q)}, err
}

// ---- collaborators ----

// publicRoles maps the public API's roles (ProjectCollaboratorV1.role) to
// the store's. It has no owner role.
var publicRoles = map[string]string{
	"contributor":     "Contributor",
	"launcherUser":    "LauncherUser",
	"resultsConsumer": "ResultsConsumer",
	"projectImporter": "ProjectImporter",
}

type collaboratorV1 struct {
	ID   string `json:"id"`
	Role string `json:"role"`
}

type collaboratorEnvelope struct {
	Collaborator collaboratorV1 `json:"collaborator"`
	Metadata     metadataV1     `json:"metadata"`
}

type deleteEnvelope struct {
	Success  bool       `json:"success"`
	Metadata metadataV1 `json:"metadata"`
}

func addCollaboratorV1(q *request) (int, any, error) {
	var in collaboratorV1
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if in.ID == "" {
		return 0, nil, badRequest("id is required")
	}
	role, ok := publicRoles[in.Role]
	if !ok {
		return 0, nil, badRequest("role %q is invalid: must be one of contributor, launcherUser, resultsConsumer, projectImporter", clipPath(in.Role))
	}
	_, err := q.st.AddCollaborator(q.caller, q.vars("projectId"), in.ID, role)
	return http.StatusOK, collaboratorEnvelope{Collaborator: in, Metadata: metadata(q)}, err
}

func removeCollaboratorV1(q *request) (int, any, error) {
	_, err := q.st.RemoveCollaborator(q.caller, q.vars("projectId"), q.vars("collaboratorId"))
	return http.StatusOK, deleteEnvelope{Success: true, Metadata: metadata(q)}, err
}

// ---- encoding of the hot list ----

// jsonWriter is a body that writes its own JSON, the very bytes
// encoding/json would write (with HTML escaping off): the public list of
// service accounts, where reflection over 50 accounts was most of a
// request's time. TestJSONWritersMatchEncodingJSON holds them to that.
type jsonWriter interface {
	writeJSON(b *bytes.Buffer)
}

func (p serviceAccountsPage) writeJSON(b *bytes.Buffer) {
	b.WriteString(`{"serviceAccounts":`)
	if p.ServiceAccounts == nil {
		b.WriteString("null")
	} else {
		b.WriteByte('[')
		for i, a := range p.ServiceAccounts {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"username":`)
			writeJSONString(b, a.Username)
			b.WriteString(`,"email":`)
			writeJSONString(b, a.Email)
			b.WriteString(`,"id":`)
			writeJSONString(b, a.ID)
			b.WriteString(`,"idpId":`)
			writeJSONString(b, a.IdpID)
			b.WriteByte('}')
		}
		b.WriteByte(']')
	}
	b.WriteString(`,"metadata":`)
	p.Metadata.writeJSON(b)
	b.WriteByte('}')
}

func (md pagedMetadataV1) writeJSON(b *bytes.Buffer) {
	b.WriteString(`{"requestId":`)
	writeJSONString(b, md.RequestID)
	b.WriteString(`,"notices":`)
	if md.Notices == nil {
		b.WriteString("null")
	} else {
		b.WriteByte('[')
		for i, n := range md.Notices {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, n)
		}
		b.WriteByte(']')
	}
	if md.paginationV1 != nil {
		b.WriteByte(',')
		md.paginationV1.writeFields(b)
	}
	if md.Pagination != nil {
		b.WriteString(`,"pagination":{`)
		md.Pagination.writeFields(b)
		b.WriteByte('}')
	}
	b.WriteByte('}')
}

func (p *paginationV1) writeFields(b *bytes.Buffer) {
	b.WriteString(`"offset":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(p.Offset), 10))
	b.WriteString(`,"limit":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(p.Limit), 10))
	b.WriteString(`,"totalCount":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(p.TotalCount), 10))
}

// writeJSONString writes s as encoding/json writes a string with HTML
// escaping off: plain printable ASCII as is, anything else through the
// encoder itself.
func writeJSONString(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			enc := json.NewEncoder(b)
			enc.SetEscapeHTML(false)
			enc.Encode(s) // a string always encodes; then drop its newline
			b.Truncate(b.Len() - 1)
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}
