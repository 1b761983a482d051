package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/mockdomino/mockdomino/internal/profile"
)

// surface is one of the two ways Domino publishes service accounts, their
// tokens and their git credentials: /v4/serviceAccounts, and the public API
// of Domino 6.2 under /api/serviceAccounts/v1. The behaviour is the same;
// the paths, statuses and envelopes differ. A scenario names its surface
// ("service accounts are managed through <surface>") and every account,
// token and git-credential step goes through it; without one it is /v4.
type surface struct {
	name   string // as the features write it
	public bool
}

var (
	surfaceV4     = &surface{name: "/v4"}
	surfacePublic = &surface{name: "the public API", public: true}
)

// surfaceRE matches the names the features give the surfaces.
const surfaceRE = `(/v4|the public API)`

func surfaceNamed(name string) (*surface, error) {
	for _, s := range []*surface{surfaceV4, surfacePublic} {
		if s.name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unknown surface %q", name)
}

func (s *surface) String() string { return s.name }

// accounts is the collection of service accounts.
func (s *surface) accounts() string {
	if s.public {
		return "/api/serviceAccounts/v1/serviceAccounts"
	}
	return "/v4/serviceAccounts"
}

// account is a path under one service account, by its idpId.
func (s *surface) account(idpID string, rest ...string) string {
	p := s.accounts() + "/" + url.PathEscape(idpID)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// Operations whose success status differs between the surfaces.
type op int

const (
	opCreateAccount op = iota
	opDeactivate
	opActivate
	opCreateToken
	opInvalidate
	opDeleteToken
	opAddCredential
	opDuplicate
	opResetPassword
)

// status is the status an operation answers on this surface: the public
// API answers 200 to every success (its spec); /v4 as the profile says.
func (s *surface) status(p profile.Profile, o op) int {
	if s.public {
		if o == opDuplicate {
			return p.PublicDuplicateStatus
		}
		return http.StatusOK
	}
	switch o {
	case opCreateAccount:
		return p.CreateAccountStatus
	case opDeactivate:
		return p.DeactivateStatus
	case opActivate:
		return p.ActivateStatus
	case opCreateToken:
		return p.CreateTokenStatus
	case opInvalidate:
		return p.InvalidateStatus
	case opDeleteToken:
		return p.DeleteTokenStatus
	case opDuplicate:
		return p.DuplicateStatus
	case opResetPassword:
		return p.ResetPasswordStatus
	}
	return http.StatusOK // opAddCredential: /v4/accounts/{userId}/gitcredentials
}

// one is the object an answer describes: the bare body on /v4; on the
// public API the envelope's key, with its metadata checked ("" for the
// answers the spec leaves bare: a created token).
func (s *surface) one(r *Response, key string) (obj, error) {
	o, err := r.Object()
	if err != nil || !s.public || key == "" {
		return o, err
	}
	if err := checkEnvelope(o, r, false); err != nil {
		return nil, err
	}
	return o.object(key)
}

// list is the list an answer holds: the bare array on /v4; on the public
// API the envelope's key, with its paged metadata checked.
func (s *surface) list(r *Response, key string) ([]obj, error) {
	if !s.public {
		return r.Array()
	}
	o, err := r.Object()
	if err != nil {
		return nil, err
	}
	if err := checkEnvelope(o, r, true); err != nil {
		return nil, err
	}
	items, err := o.list(key)
	if err != nil {
		return nil, err
	}
	out := make([]obj, 0, len(items))
	for _, v := range items {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q holds %T %v, want objects: %s", key, v, v, r)
		}
		out = append(out, m)
	}
	return out, nil
}

// checkEnvelope checks a public API envelope's metadata (checkMetadata)
// and, for a paged list, its offset, limit and totalCount, flat in it or
// under "pagination" (the spec allows both readings).
func checkEnvelope(o obj, r *Response, paged bool) error {
	err := checkMetadata(o)
	if err == nil && paged {
		md, _ := o.object("metadata")
		_, err = pagingLayout(md)
	}
	if err != nil {
		return fmt.Errorf("public API envelope: %w: %s", err, r)
	}
	return nil
}

// paging is a public API list's offset, limit and totalCount.
type paging struct{ offset, limit, total int }

// pagingIn reads offset, limit and totalCount from one object.
func pagingIn(src obj) (paging, error) {
	var p paging
	for _, f := range []struct {
		key string
		dst *int
	}{{"offset", &p.offset}, {"limit", &p.limit}, {"totalCount", &p.total}} {
		n, err := src.number(f.key)
		if err != nil {
			return p, err
		}
		*f.dst = int(n)
	}
	return p, nil
}

// pagingLayout says where a public list's metadata holds its paging
// fields: flat in it, or nested under pagination (profile.PublicPaging);
// neither or both is an error.
func pagingLayout(md obj) (string, error) {
	_, errFlat := pagingIn(md)
	nested := false
	if pg, ok := md["pagination"].(map[string]any); ok {
		_, err := pagingIn(pg)
		nested = err == nil
	}
	switch {
	case errFlat == nil && nested:
		return "", fmt.Errorf("the metadata holds offset, limit and totalCount both flat and under pagination")
	case errFlat == nil:
		return profile.PagingFlat, nil
	case nested:
		return profile.PagingNested, nil
	}
	return "", fmt.Errorf("the metadata holds offset, limit and totalCount neither flat nor under pagination")
}

// pagingOf reads a public list's paging fields where the profile expects
// them (publicPaging); elsewhere is a difference from the profile.
func pagingOf(md obj, want string) (paging, error) {
	got, err := pagingLayout(md)
	if err != nil {
		return paging{}, err
	}
	if got != want {
		return paging{}, fmt.Errorf("the paging fields are %s in metadata; the profile expects them %s (publicPaging)", got, want)
	}
	if got == profile.PagingNested {
		md, _ = md.object("pagination")
	}
	return pagingIn(md)
}

// noContent checks an answer the public API's spec declares without a body.
func noContent(r *Response, want int) error {
	if err := expectStatus(r, want); err != nil {
		return err
	}
	if len(r.Body) != 0 {
		return fmt.Errorf("want no body: %s", r)
	}
	return nil
}

// Git credentials: /v4 keeps them under /v4/accounts/{id}; the public API
// under the service account, one route for each kind.

func (s *surface) credentials(a *account, rest ...string) string {
	if s.public {
		return s.account(a.idpID, append([]string{"gitcredentials"}, rest...)...)
	}
	return gitCredsPath(a.id, rest...)
}

// addCredential is the route and body that add a credential of kind.
func (s *surface) addCredential(a *account, kind, name, provider, secret string) (string, map[string]any) {
	body := gitCredentialBody(kind, name, provider, secret)
	if !s.public {
		return gitCredsPath(a.id), body
	}
	delete(body, "accessType")
	delete(body, "type")
	route := map[string]string{"token": "tokengitcredentials", "password": "passwordgitcredentials", "key": "sshgitcredentials"}[kind]
	return s.account(a.idpID, route), body
}

// listed is every item of the list an answer starts: on the public API the
// following pages too, read with the same query, as its answer's metadata
// says they exist (a list is paged, 50 by default, and a real Domino holds
// more accounts than that).
func (w *world) listed(ctx context.Context, r *Response, listKey string) ([]obj, error) {
	all, err := w.sf.list(r, listKey)
	if err != nil || !w.sf.public {
		return all, err
	}
	wantOffset := 0
	for page := r; ; {
		o, _ := page.Object()
		md, _ := o.object("metadata")
		pg, err := pagingOf(md, w.run.profile.PublicPaging)
		if err != nil {
			return nil, fmt.Errorf("%w: %s", err, page)
		}
		items, _ := w.sf.list(page, listKey)
		if page != r && pg.offset != wantOffset {
			return nil, fmt.Errorf("asked for offset %d, the answer says offset %d: %s", wantOffset, pg.offset, page)
		}
		next := pg.offset + len(items)
		if len(items) == 0 || next >= pg.total {
			return all, nil
		}
		u, err := url.Parse(r.Path)
		if err != nil {
			return nil, err
		}
		q := u.Query()
		q.Set("offset", strconv.Itoa(next))
		wantOffset = next
		u.RawQuery = q.Encode()
		if page, err = w.must(ctx, http.MethodGet, u.String(), w.admin(), nil, http.StatusOK); err != nil {
			return nil, err
		}
		more, err := w.sf.list(page, listKey)
		if err != nil {
			return nil, err
		}
		all = append(all, more...)
	}
}

// findOn is the object of the surface's list in r (listKey names it in a
// public API envelope; every page is read) whose string field key is value;
// missing says what the list lacks when there is none.
func (w *world) findOn(ctx context.Context, r *Response, listKey, key, value, missing string) (obj, error) {
	o, err := w.lookOn(ctx, r, listKey, key, value)
	if err == nil && o == nil {
		err = fmt.Errorf("%s: %s", missing, r)
	}
	return o, err
}

// lookOn is findOn without the error when nothing matches: nil.
func (w *world) lookOn(ctx context.Context, r *Response, listKey, key, value string) (obj, error) {
	list, err := w.listed(ctx, r, listKey)
	if err != nil {
		return nil, err
	}
	for _, o := range list {
		if s, _ := o.str(key); s == value {
			return o, nil
		}
	}
	return nil, nil
}
