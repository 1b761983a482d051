package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The suite's power: each break puts a reverse proxy in front of the mock
// that breaks ONE behaviour of the contract, then runs the scenarios that
// cover it and expects at least one of them to fail. A break nobody catches
// is a hole in the suite.

// breaker is the reverse proxy of one break. It watches the traffic to learn
// what the break needs (issued tokens, invalidated ones, secrets sent...).
type breaker struct {
	rule breakRule
	mock Target

	mu          sync.Mutex
	issued      map[string]string // token value → "idpId/name"
	byJTI       map[string]string // jti → token value
	invalidated map[string]bool   // token values
	deactivated map[string]bool   // idpIds
	reactivated map[string]bool   // idpIds activated after a deactivation
	ids         map[string]string // idpId → Mongo id of service accounts
	roles       map[string]string // Mongo id → project role, as last added
	mapped      map[string]string // credential-mapping path → credentialId, as last chosen
	secrets     []string          // git secrets sent
	uploaded    string            // the last file content uploaded
	only        *surface          // nil: the break applies everywhere; else to this surface's routes alone
	// on says through which surface something was done: "account:<idpId>",
	// "token:<idpId>/<name>", "credential:<id>", "invalidated:<idpId>/<name>",
	// "deleted:<idpId>/<name>", "deactivated:<idpId>".
	on map[string]*surface
}

// doneOn says through which surface something was done, nil if not seen.
func (b *breaker) doneOn(what string) *surface {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.on[what]
}

// otherSurface: done through the other surface than the request's.
func (b *breaker) otherSurface(r *http.Request, what string) bool {
	s := b.doneOn(what)
	return s != nil && s != pathSurface(r.URL.Path)
}

// applies says whether the break applies to a request's path.
func (b *breaker) applies(path string) bool {
	s := pathSurface(path)
	return b.only == nil || s == nil || s == b.only
}

// breakRule is one deliberate defect.
type breakRule struct {
	name      string
	tags      string // the scenarios that must catch it: by tag…
	scenarios string // …and by name (a regular expression)
	profile   string // "" = observed
	// request rewrites a request to the API host on its way to the mock.
	request func(b *breaker, out *http.Request, body []byte) []byte
	// response rewrites an answer of the API host.
	response func(b *breaker, r *http.Response, reqBody []byte)
	// proxyResponse rewrites an answer of the API proxy listener.
	proxyResponse func(b *breaker, r *http.Response)
	// v4only: the behaviour broken is one only /v4 has (or only /v4's
	// scenarios check). Other breaks of service accounts, tokens and git
	// credentials run once per surface, applied to that surface's routes
	// alone, so each surface's scenarios are seen to catch them.
	v4only bool
}

// surfaceTags are the features whose scenarios run over both surfaces.
var surfaceTags = []string{"@service-accounts", "@tokens", "@git-credentials"}

func (rule breakRule) perSurface() bool {
	if rule.v4only {
		return false
	}
	for _, t := range surfaceTags {
		if strings.Contains(rule.tags, t) {
			return true
		}
	}
	return false
}

// pathSurface is the surface a route belongs to, or nil for the routes
// both surfaces share (users, projects, the mock's own).
func pathSurface(path string) *surface {
	switch {
	case strings.HasPrefix(path, "/api/serviceAccounts/"):
		return surfacePublic
	case strings.HasPrefix(path, "/v4/serviceAccounts"), strings.HasPrefix(path, "/v4/accounts/"):
		return surfaceV4
	}
	return nil
}

type bodyKey struct{}

func newBreaker(rule breakRule, mock Target) *breaker {
	return &breaker{
		rule: rule, mock: mock,
		issued: map[string]string{}, byJTI: map[string]string{}, invalidated: map[string]bool{},
		deactivated: map[string]bool{}, reactivated: map[string]bool{}, ids: map[string]string{},
		roles: map[string]string{}, mapped: map[string]string{}, on: map[string]*surface{},
	}
}

// serve starts the proxy in front of base; api tells which listener it is.
func (b *breaker) serve(t *testing.T, base string, api bool) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			var body []byte
			if pr.In.Body != nil {
				body, _ = io.ReadAll(pr.In.Body)
			}
			if api {
				b.learnRequest(pr.Out, body)
				if b.rule.request != nil && b.applies(pr.Out.URL.Path) {
					body = b.rule.request(b, pr.Out, body)
				}
			}
			pr.Out.Body = io.NopCloser(bytes.NewReader(body))
			pr.Out.ContentLength = int64(len(body))
			pr.Out.Header.Del("Content-Length")
			*pr.Out = *pr.Out.WithContext(context.WithValue(pr.Out.Context(), bodyKey{}, body))
		},
		ModifyResponse: func(r *http.Response) error {
			reqBody, _ := r.Request.Context().Value(bodyKey{}).([]byte)
			b.learnResponse(r)
			switch {
			case !b.applies(r.Request.URL.Path):
			case api && b.rule.response != nil:
				b.rule.response(b, r, reqBody)
			case !api && b.rule.proxyResponse != nil:
				b.rule.proxyResponse(b, r)
			}
			return nil
		},
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// The routes of both surfaces, /v4 and the public API.
const anySurface = `^/(?:v4/serviceAccounts|api/serviceAccounts/v1/serviceAccounts)`

var (
	tokensRE     = regexp.MustCompile(anySurface + `/([^/]+)/tokens$`)
	invalidateRE = regexp.MustCompile(anySurface + `/([^/]+)/tokens/([^/]+)/invalidate$`)
	activationRE = regexp.MustCompile(anySurface + `/([^/]+)/(deactivate|activate)$`)
)

func (b *breaker) learnRequest(out *http.Request, body []byte) {
	if out.Method == http.MethodPut && uploadRE.MatchString(out.URL.Path) {
		b.mu.Lock()
		b.uploaded = string(body)
		b.mu.Unlock()
	}
	if strings.HasSuffix(out.URL.Path, "gitcredentials") && out.Method == http.MethodPost {
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			b.mu.Lock()
			for _, k := range secretFields {
				if s, ok := m[k].(string); ok {
					b.secrets = append(b.secrets, s)
				}
			}
			b.mu.Unlock()
		}
	}
}

func (b *breaker) learnResponse(r *http.Response) {
	req := r.Request
	if r.StatusCode/100 != 2 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case req.Method == http.MethodPost && saListRE.MatchString(req.URL.Path):
		if o := peekObject(r); o != nil {
			if inner, ok := o["serviceAccount"].(map[string]any); ok {
				o = inner
			}
			idp, _ := o["idpId"].(string)
			id, _ := o["id"].(string)
			b.ids[idp] = id
			b.on["account:"+idp] = pathSurface(req.URL.Path)
		}
	case req.Method == http.MethodPost && gitCredsRE.MatchString(req.URL.Path):
		if o := peekObject(r); o != nil {
			if inner, ok := o["credential"].(map[string]any); ok {
				o = inner
			}
			id, _ := o["id"].(string)
			b.on["credential:"+id] = pathSurface(req.URL.Path)
		}
	case req.Method == http.MethodDelete && anyTokenRE.MatchString(req.URL.Path):
		m := anyTokenRE.FindStringSubmatch(req.URL.Path)
		b.on["deleted:"+m[1]+"/"+m[2]] = pathSurface(req.URL.Path)
	case req.Method == http.MethodPost && tokensRE.MatchString(req.URL.Path):
		if o := peekObject(r); o != nil {
			if v, ok := o["token"].(string); ok {
				name, _ := o["name"].(string)
				b.issued[v] = tokensRE.FindStringSubmatch(req.URL.Path)[1] + "/" + name
				b.on["token:"+b.issued[v]] = pathSurface(req.URL.Path)
				if _, claims, err := decodeJWT(v); err == nil {
					jti, _ := claims["jti"].(string)
					b.byJTI[jti] = v
				}
			}
		}
	case req.Method == http.MethodPost && collabsRE.MatchString(req.URL.Path):
		if o := peekObject(r); o != nil {
			id, _ := o["collaboratorId"].(string)
			role, _ := o["projectRole"].(string)
			b.roles[id] = role
		}
	case req.Method == http.MethodPut && mappingRE.MatchString(req.URL.Path):
		if o := peekObject(r); o != nil {
			id, _ := o["credentialId"].(string)
			b.mapped[req.URL.Path] = id
		}
	case req.Method == http.MethodPost && invalidateRE.MatchString(req.URL.Path):
		m := invalidateRE.FindStringSubmatch(req.URL.Path)
		b.on["invalidated:"+m[1]+"/"+m[2]] = pathSurface(req.URL.Path)
		for v, key := range b.issued {
			if key == m[1]+"/"+m[2] {
				b.invalidated[v] = true
			}
		}
	case req.Method == http.MethodPost && activationRE.MatchString(req.URL.Path):
		m := activationRE.FindStringSubmatch(req.URL.Path)
		if m[2] == "deactivate" {
			b.deactivated[m[1]] = true
			b.on["deactivated:"+m[1]] = pathSurface(req.URL.Path)
		} else if b.deactivated[m[1]] {
			b.reactivated[m[1]] = true
		}
	}
}

// account of an issued token: its idpId.
func (b *breaker) tokenAccount(v string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	key, ok := b.issued[v]
	if !ok {
		return "", false
	}
	idp, _, _ := strings.Cut(key, "/")
	return idp, true
}

// roleOf is the project role of the service account whose token v is, ""
// when the breaker has not seen it added.
func (b *breaker) roleOf(v string) string {
	idp, ok := b.tokenAccount(v)
	if !ok {
		return ""
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.roles[b.ids[idp]]
}

// tokenValue is the value of the token name of the account idp, "" when the
// breaker has not seen it issued.
func (b *breaker) tokenValue(idp, name string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for v, key := range b.issued {
		if key == idp+"/"+name {
			return v
		}
	}
	return ""
}

// filterList keeps the items of a list answer (a /v4 array, or the list a
// public API envelope carries) for which keep is true.
func filterList(r *http.Response, keep func(o map[string]any) bool) {
	filter := func(l []any) []any {
		out := []any{}
		for _, e := range l {
			if o, ok := e.(map[string]any); !ok || keep(o) {
				out = append(out, e)
			}
		}
		return out
	}
	editJSON(r, func(v any) any {
		switch x := v.(type) {
		case []any:
			return filter(x)
		case map[string]any:
			for k, items := range x {
				if l, ok := items.([]any); ok && k != "metadata" {
					x[k] = filter(l)
				}
			}
		}
		return v
	})
}

// dropMetadata removes a public API envelope's metadata.
func dropMetadata(r *http.Response) {
	editJSON(r, func(v any) any {
		if o, ok := v.(map[string]any); ok {
			delete(o, "metadata")
		}
		return v
	})
}

func peekBody(r *http.Response) []byte {
	data, _ := io.ReadAll(r.Body)
	setBody(r, data)
	return data
}

// projectOwner is the owner id of the project a /v4/projects/{id}/... path
// names, asked of the mock as the administrator.
func (b *breaker) projectOwner(p string) string {
	id := strings.Split(p, "/")[3]
	req, _ := http.NewRequest("GET", b.mock.APIHost+"/v4/projects/"+id, nil)
	req.Header.Set("X-Domino-Api-Key", b.adminKey())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var o struct{ OwnerID string }
	_ = json.NewDecoder(resp.Body).Decode(&o)
	return o.OwnerID
}

// ---- helpers to read and rewrite answers ----

func peekObject(r *http.Response) map[string]any {
	data, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(data))
	var o map[string]any
	_ = json.Unmarshal(data, &o)
	return o
}

func setBody(r *http.Response, data []byte) {
	r.Body = io.NopCloser(bytes.NewReader(data))
	r.ContentLength = int64(len(data))
	r.Header.Set("Content-Length", strconv.Itoa(len(data)))
}

// editJSON rewrites a JSON answer.
func editJSON(r *http.Response, edit func(v any) any) {
	data, _ := io.ReadAll(r.Body)
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		setBody(r, data)
		return
	}
	out, _ := json.Marshal(edit(v))
	setBody(r, out)
}

// eachObject applies f to the answer if it is an object, or to each element;
// in a public API envelope, to the object or the items it carries.
func eachObject(r *http.Response, f func(o map[string]any)) {
	editJSON(r, func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			if inner := enveloped(x); inner != nil {
				editEach(inner, f)
				return v
			}
			f(x)
		case []any:
			editEach(x, f)
		}
		return v
	})
}

func editEach(v any, f func(o map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
	case []any:
		for _, e := range x {
			if o, ok := e.(map[string]any); ok {
				f(o)
			}
		}
	}
}

// enveloped is what a public API envelope carries ({"<key>": …,
// "metadata": …}), or nil when o is not one.
func enveloped(o map[string]any) any {
	if _, ok := o["metadata"]; !ok || len(o) != 2 {
		return nil
	}
	for k, v := range o {
		if k == "metadata" {
			continue
		}
		switch v.(type) {
		case map[string]any, []any:
			return v
		}
	}
	return nil
}

func is(r *http.Request, method string, path *regexp.Regexp) bool {
	return (method == "" || r.Method == method) && path.MatchString(r.URL.Path)
}

func bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func respond(r *http.Response, status int, body any) {
	r.StatusCode = status
	data, _ := json.Marshal(body)
	r.Header.Set("Content-Type", "application/json")
	setBody(r, data)
}

func re(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// serviceAccountRoute: a route of either surface's service accounts.
func serviceAccountRoute(path string) bool {
	return strings.HasPrefix(path, "/v4/serviceAccounts") || strings.HasPrefix(path, "/api/serviceAccounts/")
}

var (
	saListRE    = re(anySurface + `$`)
	tokenListRE = re(anySurface + `/[^/]+/tokens$`)
	selfRE      = re(`^/v4/users/self$`)
	anyTokenRE  = re(anySurface + `/([^/]+)/tokens/([^/]+)$`)
	gitCredsRE  = re(`^(?:/v4/accounts/[^/]+/gitcredentials|/api/serviceAccounts/v1/serviceAccounts/[^/]+/(?:token|password|ssh)?gitcredentials)$`)
	gitCredRE   = re(`^(?:/v4/accounts|/api/serviceAccounts/v1/serviceAccounts)/[^/]+/gitcredentials/[^/]+$`)
	mappingRE   = re(`^/v4/projects/[^/]+/repository/[^/]+/credentialMapping$`)
	collabsRE   = re(`^/v4/projects/[^/]+/collaborators$`)
	collabRE    = re(`^/v4/projects/[^/]+/collaborators/[^/]+$`)
	jobRE       = re(`^/v4/jobs/[^/]+$`)
	jobStartRE  = re(`^(/v4/jobs/start|/api/jobs/v1/jobs)$`)
	jwksRE      = re(`^/auth/realms/DominoRealm/protocol/openid-connect/certs$`)
	discoveryRE = re(`^/auth/realms/DominoRealm/\.well-known/openid-configuration$`)
	v4RE        = re(`^/v4/`)
	apiRE       = re(`^/api/`)
)

// acceptForged lets a forged token through when its header says alg: it
// swaps in the real token with the same jti, as if the signature were fine.
func acceptForged(alg string) func(b *breaker, out *http.Request, body []byte) []byte {
	return func(b *breaker, out *http.Request, body []byte) []byte {
		v := bearer(out)
		if v == "" {
			return body
		}
		if _, known := b.tokenAccount(v); known {
			return body
		}
		header, claims, err := decodeJWTLoose(v)
		if err != nil || header["alg"] != alg {
			return body
		}
		jti, _ := claims["jti"].(string)
		b.mu.Lock()
		real, ok := b.byJTI[jti]
		b.mu.Unlock()
		if ok {
			out.Header.Set("Authorization", "Bearer "+real)
		}
		return body
	}
}

// decodeJWTLoose decodes header and claims, tolerating an empty signature.
func decodeJWTLoose(v string) (header, claims map[string]any, err error) {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("not a JWT")
	}
	for i, into := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(raw, into); err != nil {
			return nil, nil, err
		}
	}
	return header, claims, nil
}

// letThrough answers 200 where the mock refused a token for which pass is true.
func letThrough(pass func(b *breaker, token string) bool) func(b *breaker, r *http.Response, _ []byte) {
	return func(b *breaker, r *http.Response, _ []byte) {
		if r.StatusCode == http.StatusUnauthorized && bearer(r.Request) != "" && pass(b, bearer(r.Request)) {
			respond(r, http.StatusOK, map[string]any{})
		}
	}
}

func (b *breaker) adminKey() string { return b.mock.AdminAPIKey }

// asAdmin makes a request the administrator's when it is not already:
// whoever calls (another user's key, a token, or no one) is let through.
// anonymous says whether calls without credentials are let through too.
func asAdmin(out *http.Request, b *breaker, anonymous bool) {
	key, tok := out.Header.Get("X-Domino-Api-Key"), bearer(out)
	if key == b.adminKey() || (!anonymous && key == "" && tok == "") {
		return
	}
	out.Header.Del("Authorization")
	out.Header.Set("X-Domino-Api-Key", b.adminKey())
}

// editClaims rewrites the claims of the token in a create-token answer,
// without signing it again: for the checks that read claims.
func editClaims(r *http.Response, edit func(claims map[string]any)) {
	if !is(r.Request, "POST", tokenListRE) || r.StatusCode/100 != 2 {
		return
	}
	eachObject(r, func(o map[string]any) {
		v, _ := o["token"].(string)
		parts := strings.Split(v, ".")
		if len(parts) != 3 {
			return
		}
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var claims map[string]any
		if json.Unmarshal(raw, &claims) != nil {
			return
		}
		edit(claims)
		raw, _ = json.Marshal(claims)
		parts[1] = base64.RawURLEncoding.EncodeToString(raw)
		o["token"] = strings.Join(parts, ".")
	})
}

var breakRules = []breakRule{
	// ---- service accounts ----
	{name: "duplicate username is created (500 → 201)", tags: "@service-accounts", scenarios: `taken`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", saListRE) && r.StatusCode == 500 {
				r.StatusCode = 201
			}
		}},
	{name: "duplicate answers 409 under the observed profile", tags: "@service-accounts", scenarios: `username that is taken`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", saListRE) && r.StatusCode == 500 {
				r.StatusCode = 409
			}
		}},
	{name: "duplicate username message reworded", tags: "@service-accounts", scenarios: `username that is taken`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", saListRE) && r.StatusCode == 500 {
				eachObject(r, func(o map[string]any) {
					for _, k := range []string{"message", "error"} {
						if s, ok := o[k].(string); ok {
							o[k] = strings.Replace(s, "already exists", "is already taken", 1)
						}
					}
				})
			}
		}},
	{name: "duplicate email is created", tags: "@service-accounts", scenarios: `email that is taken`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			// a second account with a taken email gets a fresh one instead
			var m map[string]string
			if is(out, "POST", saListRE) && json.Unmarshal(body, &m) == nil && strings.HasSuffix(m["username"], "-other") {
				return bytes.Replace(body, []byte("@example.com"), []byte(".fresh@example.com"), 1)
			}
			return body
		}},
	{name: "plus addressing folded into the base address", tags: "@service-accounts", scenarios: `Plus addressing`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "POST", saListRE) {
				return regexp.MustCompile(`\+[a-z]+@`).ReplaceAll(body, []byte("@"))
			}
			return body
		}},
	{name: "invalid usernames accepted (400 → 201)", tags: "@service-accounts", scenarios: `invalid username`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", saListRE) && r.StatusCode == 400 {
				respond(r, 201, map[string]any{"id": randomObjectID(), "idpId": "00000000-0000-4000-8000-000000000000"})
			}
		}},
	{name: "create answers userName instead of username", tags: "@service-accounts", scenarios: `administrator creates a service account`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", saListRE) && r.StatusCode/100 == 2 {
				eachObject(r, func(o map[string]any) { o["userName"] = o["username"]; delete(o, "username") })
			}
		}},
	{name: "the list drops the Mongo id", tags: "@service-accounts", scenarios: `listed with both`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", saListRE) {
				eachObject(r, func(o map[string]any) { delete(o, "id") })
			}
		}},
	{name: "the default list includes deactivated accounts", tags: "@service-accounts", scenarios: `hidden from the default list`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", saListRE) {
				q := out.URL.Query()
				q.Set("includeDeactivated", "true")
				out.URL.RawQuery = q.Encode()
			}
			return body
		}},
	{name: "includeDeactivated is ignored", tags: "@service-accounts", scenarios: `listed on request`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", saListRE) {
				q := out.URL.Query()
				q.Del("includeDeactivated")
				out.URL.RawQuery = q.Encode()
			}
			return body
		}},
	{name: "activation does nothing", tags: "@service-accounts", scenarios: `activated service account is listed again`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if strings.HasSuffix(out.URL.Path, "/activate") {
				out.Method, out.URL.Path = http.MethodGet, "/v4/serviceAccounts"
			}
			return body
		}},
	{name: "a non-admin may manage service accounts", tags: "@service-accounts", scenarios: `Only administrators`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if serviceAccountRoute(out.URL.Path) && out.Header.Get("X-Domino-Api-Key") != "" {
				out.Header.Set("X-Domino-Api-Key", b.adminKey())
			}
			return body
		}},
	{name: "a service account may create and list its own tokens", tags: "@service-accounts", scenarios: `Only administrators manage service accounts`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if tokenListRE.MatchString(out.URL.Path) && bearer(out) != "" {
				asAdmin(out, b, false)
			}
			return body
		}},
	{name: "anyone signed in may read a token, value and all", tags: "@service-accounts", scenarios: `read, invalidate or delete`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", anyTokenRE) {
				asAdmin(out, b, false)
			}
			return body
		}},
	{name: "a token can be read without credentials", tags: "@service-accounts", scenarios: `read, invalidate or delete`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", anyTokenRE) && out.Header.Get("X-Domino-Api-Key") == "" && bearer(out) == "" {
				asAdmin(out, b, true)
			}
			return body
		}},
	{name: "anyone signed in may invalidate a token", tags: "@service-accounts", scenarios: `read, invalidate or delete`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "POST", invalidateRE) {
				asAdmin(out, b, false)
			}
			return body
		}},
	{name: "anyone signed in may delete a token", tags: "@service-accounts", scenarios: `read, invalidate or delete`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "DELETE", anyTokenRE) {
				asAdmin(out, b, false)
			}
			return body
		}},
	{name: "a refused token read still carries the token's value", tags: "@service-accounts", scenarios: `read, invalidate or delete`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", anyTokenRE) && r.StatusCode == http.StatusForbidden {
				m := anyTokenRE.FindStringSubmatch(r.Request.URL.Path)
				if v := b.tokenValue(m[1], m[2]); v != "" {
					eachObject(r, func(o map[string]any) { o["token"] = v })
				}
			}
		}},
	{name: "no credentials answers 403 instead of 401", tags: "@service-accounts", scenarios: `Only administrators`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.StatusCode == 401 && serviceAccountRoute(r.Request.URL.Path) {
				r.StatusCode = 403
			}
		}},

	{name: "a 64-character username is refused", tags: "@service-accounts", scenarios: `valid username is accepted`,
		response: func(b *breaker, r *http.Response, reqBody []byte) {
			var sent map[string]any
			_ = json.Unmarshal(reqBody, &sent)
			if is(r.Request, "POST", saListRE) && r.StatusCode/100 == 2 && len(fmt.Sprint(sent["username"])) == 64 {
				respond(r, 400, map[string]any{"message": "username is too long", "success": false})
			}
		}},

	// ---- tokens ----
	{name: "a human user can have a token", tags: "@tokens", scenarios: `human user`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", tokenListRE) && r.StatusCode == 404 {
				respond(r, 201, map[string]any{"name": "mine", "token": "x.y.z", "isValid": true})
			}
		}},
	{name: "token create answers the other surface's success status", tags: "@tokens", scenarios: `Creating a token`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", tokenListRE) && r.StatusCode/100 == 2 {
				r.StatusCode = map[int]int{201: 200, 200: 201}[r.StatusCode]
			}
		}},
	{name: "token lifetime one day short", tags: "@tokens", scenarios: `Creating a token`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if tokenListRE.MatchString(r.Request.URL.Path) && r.StatusCode/100 == 2 {
				eachObject(r, func(o map[string]any) {
					if t, err := time.Parse(time.RFC3339Nano, fmt.Sprint(o["expiresAt"])); err == nil {
						o["expiresAt"] = t.Add(-24 * time.Hour).Format("2006-01-02T15:04:05.000Z")
					}
				})
			}
		}},
	{name: "listed times lose their milliseconds", tags: "@tokens", scenarios: `list describes each token`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", tokenListRE) {
				eachObject(r, func(o map[string]any) {
					if t, err := time.Parse(time.RFC3339Nano, fmt.Sprint(o["createdAt"])); err == nil {
						o["createdAt"] = t.Format(time.RFC3339)
					}
				})
			}
		}},
	{name: "the token list leaks token values", tags: "@tokens", scenarios: `never contains its value`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", tokenListRE) {
				idp := tokensRE.FindStringSubmatch(r.Request.URL.Path)[1]
				b.mu.Lock()
				defer b.mu.Unlock()
				eachObject(r, func(o map[string]any) {
					for v, key := range b.issued {
						if key == idp+"/"+fmt.Sprint(o["name"]) {
							o["token"] = v
						}
					}
				})
			}
		}},
	{name: "invalidated tokens are listed as valid", tags: "@tokens", scenarios: `invalidated token`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", tokenListRE) {
				eachObject(r, func(o map[string]any) { o["isValid"] = true })
			}
		}},
	{name: "duplicate token name is created (500 → 201)", tags: "@tokens", scenarios: `token name that is taken|invalidated token is still taken`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", tokenListRE) && r.StatusCode == 500 {
				r.StatusCode = 201
			}
		}},
	{name: "invalidate does nothing", tags: "@tokens", scenarios: `invalidated token no longer authenticates`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if out.Method == "POST" && invalidateRE.MatchString(out.URL.Path) {
				out.Method, out.URL.Path = http.MethodGet, strings.TrimSuffix(out.URL.Path, "/invalidate")
			}
			return body
		}},
	{name: "an invalidated token still authenticates (401 → 200)", tags: "@tokens", scenarios: `invalidated token`,
		response: letThrough(func(b *breaker, v string) bool {
			b.mu.Lock()
			defer b.mu.Unlock()
			return b.invalidated[v]
		})},
	{name: "invalidating one token invalidates all of the account's", tags: "@tokens", scenarios: `leaves the other tokens working`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.Method != "POST" || !invalidateRE.MatchString(r.Request.URL.Path) || r.StatusCode != 200 {
				return
			}
			idp := invalidateRE.FindStringSubmatch(r.Request.URL.Path)[1]
			b.mu.Lock()
			var names []string
			for _, key := range b.issued {
				if i, n, _ := strings.Cut(key, "/"); i == idp {
					names = append(names, n)
				}
			}
			b.mu.Unlock()
			for _, n := range names {
				req, _ := http.NewRequest("POST", b.mock.APIHost+surfaceV4.account(idp, "tokens", n, "invalidate"), nil)
				req.Header.Set("X-Domino-Api-Key", b.adminKey())
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
		}},
	{name: "delete only invalidates, so the name stays taken", tags: "@tokens", scenarios: `deleted token`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if out.Method == "DELETE" && anyTokenRE.MatchString(out.URL.Path) {
				out.Method, out.URL.Path = http.MethodPost, out.URL.Path+"/invalidate"
			}
			return body
		}},
	{name: "invalidate and delete answers carry the token value", tags: "@tokens", scenarios: `answer with its description`, v4only: true,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if (r.Request.Method == "DELETE" || strings.HasSuffix(r.Request.URL.Path, "/invalidate")) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) { o["token"] = "eyJleGFtcGxl.eyJ4Ijp0cnVlfQ.c2ln" })
			}
		}},
	{name: "a deactivated account's tokens still authenticate", tags: "@tokens", scenarios: `Deactivating a service account invalidates`,
		response: letThrough(func(b *breaker, v string) bool {
			idp, ok := b.tokenAccount(v)
			b.mu.Lock()
			defer b.mu.Unlock()
			return ok && b.deactivated[idp] && !b.reactivated[idp]
		})},
	{name: "activation revives the account's tokens", tags: "@tokens", scenarios: `does not revive`,
		response: letThrough(func(b *breaker, v string) bool {
			idp, ok := b.tokenAccount(v)
			b.mu.Lock()
			defer b.mu.Unlock()
			return ok && b.reactivated[idp]
		})},
	{name: "tokens of re-activated accounts work under strict, but are refused", tags: "@tokens", scenarios: `after deactivation and activation`, profile: "strict",
		response: func(b *breaker, r *http.Response, _ []byte) {
			idp, ok := b.tokenAccount(bearer(r.Request))
			b.mu.Lock()
			re := ok && b.reactivated[idp]
			b.mu.Unlock()
			if re && r.StatusCode == 200 {
				respond(r, 401, map[string]any{"message": "Unauthorized", "success": false})
			}
		}},
	{name: "expired tokens still authenticate", tags: "@tokens", scenarios: `expired token`, v4only: true,
		response: func(b *breaker, r *http.Response, _ []byte) {
			v := bearer(r.Request)
			if r.StatusCode != 401 || v == "" {
				return
			}
			if _, ok := b.tokenAccount(v); !ok {
				return
			}
			_, claims, err := decodeJWTLoose(v)
			if err != nil {
				return
			}
			req, _ := http.NewRequest("GET", b.mock.APIHost+"/__mock/clock", nil)
			req.Header.Set("X-Domino-Api-Key", b.adminKey())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			var clock struct{ Now time.Time }
			_ = json.NewDecoder(resp.Body).Decode(&clock)
			resp.Body.Close()
			b.mu.Lock()
			spoiled := b.invalidated[v]
			b.mu.Unlock()
			if exp, _ := claims["exp"].(float64); !spoiled && clock.Now.Unix() > int64(exp) {
				respond(r, 200, map[string]any{})
			}
		}},

	// ---- JWTs ----
	{name: "the key set serves another key", tags: "@jwt", scenarios: `verifies against the published key set`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if jwksRE.MatchString(r.Request.URL.Path) {
				editJSON(r, func(v any) any {
					for _, k := range v.(map[string]any)["keys"].([]any) {
						n := []byte(k.(map[string]any)["n"].(string))
						n[10] ^= 1
						k.(map[string]any)["n"] = string(n)
					}
					return v
				})
			}
		}},
	{name: "the key set needs credentials", tags: "@jwt", scenarios: `key set is published`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if jwksRE.MatchString(r.Request.URL.Path) && r.Request.Header.Get("X-Domino-Api-Key") == "" {
				respond(r, 401, map[string]any{"message": "Unauthorized", "success": false})
			}
		}},
	{name: "discovery names another issuer than the tokens'", tags: "@jwt", scenarios: `claims name`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if discoveryRE.MatchString(r.Request.URL.Path) {
				eachObject(r, func(o map[string]any) {
					o["issuer"] = strings.Replace(o["issuer"].(string), "http://", "https://", 1)
					o["jwks_uri"] = strings.Replace(o["jwks_uri"].(string), "http://", "https://", 1)
				})
			}
		}},
	{name: "tokens lack sub", tags: "@jwt", scenarios: `claims name`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			editClaims(r, func(claims map[string]any) { delete(claims, "sub") })
		}},
	{name: "tokens name another Keycloak client in azp", tags: "@jwt", scenarios: `Keycloak client`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			editClaims(r, func(claims map[string]any) { claims["azp"] = "domino-cli" })
		}},
	{name: "the name claim is not the account's full name", tags: "@jwt", scenarios: `full name`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			editClaims(r, func(claims map[string]any) { claims["name"] = "Service Account" })
		}},
	{name: "tokens and discovery agree on an issuer that is not the external URL", tags: "@jwt", scenarios: `issuer URL`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			// As a mock that ignores --external-url would: both say the
			// listen address, so only the check against the URL the suite
			// was given catches it.
			other := func(s string) string {
				return strings.Replace(s, strings.TrimRight(b.mock.ExternalURL, "/"), "http://domino.internal:8080", 1)
			}
			editClaims(r, func(claims map[string]any) { claims["iss"] = other(fmt.Sprint(claims["iss"])) })
			if discoveryRE.MatchString(r.Request.URL.Path) {
				eachObject(r, func(o map[string]any) {
					o["issuer"] = other(fmt.Sprint(o["issuer"]))
					o["jwks_uri"] = other(fmt.Sprint(o["jwks_uri"]))
				})
			}
		}},
	{name: "expiresAt an hour later than the token's exp", tags: "@jwt", scenarios: `claims name`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", tokenListRE) && r.StatusCode == 201 {
				eachObject(r, func(o map[string]any) {
					t, _ := time.Parse(time.RFC3339Nano, o["expiresAt"].(string))
					o["expiresAt"] = t.Add(time.Hour).Format("2006-01-02T15:04:05.000Z")
					c, _ := time.Parse(time.RFC3339Nano, o["createdAt"].(string))
					o["createdAt"] = c.Add(time.Hour).Format("2006-01-02T15:04:05.000Z")
				})
			}
		}},
	{name: "alg none is accepted", tags: "@jwt", scenarios: `forged token`, request: acceptForged("none")},
	{name: "HS256 is accepted", tags: "@jwt", scenarios: `forged token`, request: acceptForged("HS256")},
	{name: "RS256 signatures are not checked", tags: "@jwt", scenarios: `forged token`, request: acceptForged("RS256")},
	{name: "the version lacks its build id", tags: "@jwt", scenarios: `version`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.URL.Path == "/version" {
				eachObject(r, func(o map[string]any) { delete(o, "buildId") })
			}
		}},
	{name: "the version is too old for python-domino", tags: "@jwt", scenarios: `version`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.URL.Path == "/version" {
				eachObject(r, func(o map[string]any) { o["version"] = "4.0.9" })
			}
		}},

	// ---- users ----
	{name: "a service account's self is the administrator", tags: "@users", scenarios: `service account asks who`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", selfRE) && bearer(out) != "" {
				out.Header.Del("Authorization")
				out.Header.Set("X-Domino-Api-Key", b.adminKey())
			}
			return body
		}},
	{name: "every principal is an administrator", tags: "@users", scenarios: `principal of a service account`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.URL.Path == "/v4/auth/principal" {
				eachObject(r, func(o map[string]any) { o["isAdmin"] = true })
			}
		}},
	{name: "the public API's self lacks metadata", tags: "@users", scenarios: `public API describes`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.URL.Path == "/api/users/v1/self" {
				dropMetadata(r)
			}
		}},
	{name: "users list service accounts under a different name", tags: "@users", scenarios: `appear among the users`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.URL.Path == "/v4/users" {
				eachObject(r, func(o map[string]any) { o["userName"] = strings.ToUpper(fmt.Sprint(o["userName"])) })
			}
		}},

	// ---- the API proxy ----
	{name: "the access token comes as JSON", tags: "@proxy", scenarios: `access token`,
		proxyResponse: func(b *breaker, r *http.Response) {
			if r.Request.URL.Path == "/access-token" {
				data, _ := io.ReadAll(r.Body)
				respond(r, 200, map[string]any{"token": string(data)})
			}
		}},
	{name: "the proxy adds no credentials", tags: "@proxy", scenarios: `needs no credentials`,
		proxyResponse: func(b *breaker, r *http.Response) {
			if r.Request.Header.Get("Authorization") == "" && r.Request.URL.Path != "/access-token" {
				respond(r, 401, map[string]any{"message": "Unauthorized", "success": false})
			}
		}},

	// ---- collaborators ----
	{name: "a bad project role is accepted", tags: "@collaborators", scenarios: `role that does not exist`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", collabsRE) && r.StatusCode == 400 {
				respond(r, 200, map[string]any{})
			}
		}},
	{name: "anyone may add collaborators", tags: "@collaborators", scenarios: `cannot add collaborators`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "POST", collabsRE) {
				out.Header.Del("Authorization")
				out.Header.Set("X-Domino-Api-Key", b.adminKey())
			}
			return body
		}},
	{name: "collaborators may be named by idpId", tags: "@collaborators", scenarios: `not the idpId`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "POST", collabsRE) {
				b.mu.Lock()
				defer b.mu.Unlock()
				for idp, id := range b.ids {
					body = bytes.Replace(body, []byte(idp), []byte(id), 1)
				}
			}
			return body
		}},
	{name: "removing a collaborator does nothing", tags: "@collaborators", scenarios: `removes a collaborator`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "DELETE", collabRE) {
				out.Method = http.MethodGet
				out.URL.Path = out.URL.Path[:strings.LastIndex(out.URL.Path, "/")]
			}
			return body
		}},
	{name: "a private project is visible to non-collaborators", tags: "@collaborators", scenarios: `private project`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.Method == "GET" && re(`^/v4/projects/[0-9a-f]{24}$`).MatchString(r.Request.URL.Path) && r.StatusCode == 403 {
				respond(r, 200, map[string]any{})
			}
		}},
	{name: "every hardware tier is the default", tags: "@collaborators", scenarios: `hardware tiers`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if strings.HasSuffix(r.Request.URL.Path, "/hardwareTiers") {
				eachObject(r, func(o map[string]any) {
					o["hardwareTier"].(map[string]any)["hwtFlags"].(map[string]any)["isDefault"] = true
				})
			}
		}},

	// ---- git credentials ----
	{name: "the git credential list leaks secrets", tags: "@git-credentials", scenarios: `lists its own git credentials|adds a git credential to a service account`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", gitCredsRE) {
				b.mu.Lock()
				defer b.mu.Unlock()
				eachObject(r, func(o map[string]any) {
					if len(b.secrets) > 0 {
						o["token"] = b.secrets[len(b.secrets)-1]
					}
				})
			}
		}},
	{name: "the create answer echoes the secret", tags: "@git-credentials", scenarios: `adds its own git credential`, v4only: true,
		response: func(b *breaker, r *http.Response, reqBody []byte) {
			if is(r.Request, "POST", gitCredsRE) && r.StatusCode == 200 {
				var sent map[string]any
				_ = json.Unmarshal(reqBody, &sent)
				eachObject(r, func(o map[string]any) { o["secret"] = sent["token"] })
			}
		}},
	{name: "the mock's journal keeps git secrets", tags: "@git-credentials", scenarios: `journal`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.URL.Path == "/__mock/journal" {
				b.mu.Lock()
				defer b.mu.Unlock()
				eachObject(r, func(o map[string]any) { o["leak"] = b.secrets })
			}
		}},
	{name: "deleting a git credential does nothing", tags: "@git-credentials", scenarios: `git credential is deleted`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "DELETE", gitCredRE) {
				out.Method = http.MethodGet
				out.URL.Path = out.URL.Path[:strings.LastIndex(out.URL.Path, "/")]
			}
			return body
		}},
	{name: "a service account may manage any account's git credentials", tags: "@git-credentials", scenarios: `another account's git credentials`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if gitCredsRE.MatchString(out.URL.Path) && bearer(out) != "" {
				out.Header.Del("Authorization")
				out.Header.Set("X-Domino-Api-Key", b.adminKey())
			}
			return body
		}},

	// ---- credential mapping ----
	{name: "the mapping is answered as credentialId instead of raw", tags: "@credential-mapping", scenarios: `chooses its git credential`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", mappingRE) {
				eachObject(r, func(o map[string]any) {
					if v, ok := o["raw"]; ok {
						o["credentialId"] = v
						delete(o, "raw")
					}
				})
			}
		}},
	{name: "another account's credential may be mapped", tags: "@credential-mapping", scenarios: `Another account's git credential`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "PUT", mappingRE) && (r.StatusCode == 400 || r.StatusCode == 404) {
				respond(r, 200, map[string]any{})
			}
		}},
	{name: "a removed or dropped choice is still answered", tags: "@credential-mapping", scenarios: `choice is removed|drops the choice`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", mappingRE) && r.StatusCode == http.StatusNotFound {
				b.mu.Lock()
				id := b.mapped[r.Request.URL.Path]
				b.mu.Unlock()
				if id != "" {
					respond(r, http.StatusOK, map[string]any{"raw": id})
				}
			}
		}},
	{name: "removing the mapping does nothing", tags: "@credential-mapping", scenarios: `choice is removed`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "DELETE", mappingRE) {
				out.Method = http.MethodGet
			}
			return body
		}},

	// ---- jobs ----
	{name: "any collaborator may start jobs", tags: "@jobs", scenarios: `may not start jobs`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", jobStartRE) && r.StatusCode == 403 {
				respond(r, 200, map[string]any{"job": map[string]any{}})
			}
		}},
	{name: "a LauncherUser or ResultsConsumer may stop jobs", tags: "@jobs", scenarios: `may not stop them`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if out.Method == "POST" && out.URL.Path == "/v4/jobs/stop" {
				if role := b.roleOf(bearer(out)); role == "LauncherUser" || role == "ResultsConsumer" {
					asAdmin(out, b, false)
				}
			}
			return body
		}},
	{name: "an unknown job answers 200", tags: "@jobs", scenarios: `job that does not exist`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", jobRE) && r.StatusCode == 404 {
				respond(r, 200, map[string]any{"id": strings.TrimPrefix(r.Request.URL.Path, "/v4/jobs/")})
			}
		}},
	{name: "an unknown job answers 500", tags: "@jobs", scenarios: `job that does not exist`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", jobRE) && r.StatusCode == 404 {
				respond(r, 500, map[string]any{"message": "Job not found", "success": false})
			}
		}},
	{name: "jobs never complete", tags: "@jobs", scenarios: `through the public API`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", jobRE) {
				eachObject(r, func(o map[string]any) {
					st := o["statuses"].(map[string]any)
					st["isCompleted"], st["executionStatus"] = false, "Running"
				})
			}
		}},
	{name: "stopping a job does nothing", tags: "@jobs", scenarios: `job is stopped`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if out.Method == "POST" && out.URL.Path == "/v4/jobs/stop" {
				var m map[string]any
				_ = json.Unmarshal(body, &m)
				out.Method, out.URL.Path = http.MethodGet, "/v4/jobs/"+fmt.Sprint(m["jobId"])
				return nil
			}
			return body
		}},
	{name: "the v4 job forgets who started it", tags: "@jobs", scenarios: `python-domino`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.URL.Path == "/v4/jobs/start" {
				eachObject(r, func(o map[string]any) { delete(o, "startedBy") })
			}
		}},
	{name: "the public API job lacks its metadata", tags: "@jobs", scenarios: `through the public API`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.URL.Path == "/api/jobs/v1/jobs" {
				dropMetadata(r)
			}
		}},
	{name: "the job's output lacks its setup part", tags: "@jobs", scenarios: `output of a completed job`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if strings.HasSuffix(r.Request.URL.Path, "/stdout") {
				eachObject(r, func(o map[string]any) { delete(o, "setup") })
			}
		}},
	{name: "the job list does not count", tags: "@jobs", scenarios: `job list`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.URL.Path == "/v4/jobs" {
				eachObject(r, func(o map[string]any) { delete(o, "totalCount") })
			}
		}},

	// ---- errors ----
	{name: "public API errors in the v4 shape", tags: "@errors", scenarios: `public API route`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if apiRE.MatchString(r.Request.URL.Path) && r.StatusCode >= 400 {
				respond(r, r.StatusCode, map[string]any{"message": "error", "success": false})
			}
		}},
	{name: "v4 errors lack success:false", tags: "@errors", scenarios: `v4 route`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if v4RE.MatchString(r.Request.URL.Path) && r.StatusCode >= 400 {
				eachObject(r, func(o map[string]any) { delete(o, "success") })
			}
		}},
	{name: "oversized bodies answer 400", tags: "@errors", scenarios: `oversized`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.StatusCode == 413 {
				r.StatusCode = 400
			}
		}},
	{name: "a wrong method on the public API answers in the v4 shape", tags: "@errors", scenarios: `wrong method on a public API route`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if apiRE.MatchString(r.Request.URL.Path) && r.StatusCode == 405 {
				respond(r, 405, map[string]any{"message": "Method Not Allowed", "success": false})
			}
		}},
	{name: "a wrong method answers 404", tags: "@errors", scenarios: `wrong method`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.StatusCode == 405 {
				r.StatusCode = 404
			}
		}},
	{name: "bad input does not name the field", tags: "@errors,@service-accounts", scenarios: `wrong type|invalid email|required field`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			switch {
			case r.StatusCode == 400 && v4RE.MatchString(r.Request.URL.Path):
				respond(r, 400, map[string]any{"message": "Bad request", "success": false})
			case r.StatusCode == 400 && apiRE.MatchString(r.Request.URL.Path):
				respond(r, 400, map[string]any{"error": "Bad request"})
			}
		}},
	{name: "the mock's controls need credentials through the proxy", tags: "@errors", scenarios: `Through the API proxy`,
		proxyResponse: func(b *breaker, r *http.Response) {
			if strings.HasPrefix(r.Request.URL.Path, "/__mock/") {
				respond(r, 401, map[string]any{"message": "Unauthorized", "success": false})
			}
		}},
	{name: "the mock's controls need no credentials", tags: "@errors", scenarios: `controls need the administrator`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if strings.HasPrefix(r.Request.URL.Path, "/__mock/") && r.StatusCode == 401 {
				respond(r, 200, map[string]any{"now": time.Now().UTC()})
			}
		}},

	// ---- the public API, and what it shares with /v4 ----
	{name: "each API keeps its own service accounts", tags: "@public-api", scenarios: `same account through the other`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", saListRE) {
				filterList(r, func(o map[string]any) bool { return !b.otherSurface(r.Request, "account:"+fmt.Sprint(o["idpId"])) })
			}
		}},
	{name: "each API keeps its own tokens", tags: "@public-api", scenarios: `authenticates and is listed through the other`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", tokenListRE) {
				idp := tokensRE.FindStringSubmatch(r.Request.URL.Path)[1]
				filterList(r, func(o map[string]any) bool { return !b.otherSurface(r.Request, "token:"+idp+"/"+fmt.Sprint(o["name"])) })
			}
		}},
	{name: "an invalidation through one API is not seen by the other", tags: "@public-api", scenarios: `invalidated through one API`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", tokenListRE) {
				idp := tokensRE.FindStringSubmatch(r.Request.URL.Path)[1]
				eachObject(r, func(o map[string]any) {
					if b.otherSurface(r.Request, "invalidated:"+idp+"/"+fmt.Sprint(o["name"])) {
						o["isValid"] = true
					}
				})
			}
		}},
	{name: "a name deleted through one API stays taken on the other", tags: "@public-api", scenarios: `deleted through one API`,
		response: func(b *breaker, r *http.Response, reqBody []byte) {
			var sent map[string]any
			_ = json.Unmarshal(reqBody, &sent)
			if is(r.Request, "POST", tokenListRE) && r.StatusCode/100 == 2 &&
				b.otherSurface(r.Request, "deleted:"+tokensRE.FindStringSubmatch(r.Request.URL.Path)[1]+"/"+fmt.Sprint(sent["name"])) {
				respond(r, 500, map[string]any{"message": "A token with that name already exists.", "success": false})
			}
		}},
	{name: "a deactivation through one API is not seen by the other", tags: "@public-api", scenarios: `deactivated through one API`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", tokenListRE) && b.otherSurface(r.Request, "deactivated:"+tokensRE.FindStringSubmatch(r.Request.URL.Path)[1]) {
				eachObject(r, func(o map[string]any) { o["isValid"] = true })
			}
		}},
	{name: "git credentials added through one API are not listed by the other", tags: "@public-api", scenarios: `git credential added through one API`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", gitCredsRE) {
				filterList(r, func(o map[string]any) bool { return !b.otherSurface(r.Request, "credential:"+fmt.Sprint(o["id"])) })
			}
		}},
	{name: "the public list ignores offset", tags: "@public-api", scenarios: `a page at a time`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", saListRE) && pathSurface(out.URL.Path) == surfacePublic || is(out, "GET", tokenListRE) && pathSurface(out.URL.Path) == surfacePublic {
				q := out.URL.Query()
				q.Del("offset")
				out.URL.RawQuery = q.Encode()
			}
			return body
		}},
	{name: "the public list ignores limit", tags: "@public-api", scenarios: `Service accounts are listed a page at a time`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", saListRE) && pathSurface(out.URL.Path) == surfacePublic {
				q := out.URL.Query()
				q.Del("limit")
				out.URL.RawQuery = q.Encode()
			}
			return body
		}},
	{name: "totalCount counts only the page", tags: "@public-api", scenarios: `a page at a time`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if apiRE.MatchString(r.Request.URL.Path) && r.Request.Method == "GET" {
				editJSON(r, func(v any) any {
					if o, ok := v.(map[string]any); ok {
						if md, ok := o["metadata"].(map[string]any); ok && md["totalCount"] != nil {
							for k, items := range o {
								if l, ok := items.([]any); ok && k != "metadata" {
									md["totalCount"] = len(l)
								}
							}
						}
					}
					return v
				})
			}
		}},
	{name: "the public API nests its paging fields while the profile puts them flat", tags: "@public-api", scenarios: `a page at a time`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if apiRE.MatchString(r.Request.URL.Path) && r.Request.Method == "GET" {
				editJSON(r, func(v any) any {
					if o, ok := v.(map[string]any); ok {
						if md, ok := o["metadata"].(map[string]any); ok && md["totalCount"] != nil {
							md["pagination"] = map[string]any{"offset": md["offset"], "limit": md["limit"], "totalCount": md["totalCount"]}
							delete(md, "offset")
							delete(md, "limit")
							delete(md, "totalCount")
						}
					}
					return v
				})
			}
		}},
	{name: "the public list's default limit is 10", tags: "@public-api", scenarios: `without paging parameters`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", saListRE) && pathSurface(out.URL.Path) == surfacePublic && out.URL.Query().Get("limit") == "" {
				q := out.URL.Query()
				q.Set("limit", "10")
				out.URL.RawQuery = q.Encode()
			}
			return body
		}},
	{name: "paging values that are not whole numbers are taken as 0", tags: "@public-api", scenarios: `not a whole number`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if apiRE.MatchString(out.URL.Path) {
				q := out.URL.Query()
				for _, k := range []string{"offset", "limit"} {
					if v := q.Get(k); v != "" {
						if n, err := strconv.Atoi(v); err != nil || n < 0 {
							q.Set(k, "0")
						}
					}
				}
				out.URL.RawQuery = q.Encode()
			}
			return body
		}},
	{name: "the public API's actions answer with a body", tags: "@public-api", scenarios: `actions answer 200 with no body`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if pathSurface(r.Request.URL.Path) == surfacePublic && r.StatusCode == 200 && r.ContentLength == 0 {
				respond(r, 200, map[string]any{"done": true})
			}
		}},
	{name: "the public API answers a new service account bare", tags: "@public-api", scenarios: `new service account in an envelope`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", saListRE) && pathSurface(r.Request.URL.Path) == surfacePublic {
				if o := peekObject(r); o != nil && o["serviceAccount"] != nil {
					respond(r, r.StatusCode, o["serviceAccount"])
				}
			}
		}},
	{name: "the public API wraps a new token in an envelope", tags: "@public-api", scenarios: `new token bare`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", tokenListRE) && pathSurface(r.Request.URL.Path) == surfacePublic && r.StatusCode == 200 {
				if o := peekObject(r); o != nil {
					respond(r, 200, map[string]any{"token": o, "metadata": map[string]any{"requestId": "00000000-0000-4000-8000-000000000000", "notices": []any{}}})
				}
			}
		}},
	{name: "public API 404s in the failure envelope", tags: "@public-api", scenarios: `its own error shape`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if apiRE.MatchString(r.Request.URL.Path) && r.StatusCode == 404 {
				respond(r, 404, map[string]any{"requestId": "00000000-0000-4000-8000-000000000000", "errors": []string{"Not Found"}})
			}
		}},
	{name: "public API 403s in the {error} shape", tags: "@public-api", scenarios: `failure envelope`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if apiRE.MatchString(r.Request.URL.Path) && r.StatusCode == 403 {
				respond(r, 403, map[string]any{"error": "Forbidden"})
			}
		}},
	{name: "the public API spells GitLab as /v4 does", tags: "@public-api", scenarios: `spells GitLab`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if pathSurface(r.Request.URL.Path) == surfacePublic {
				eachObject(r, func(o map[string]any) {
					if o["gitServiceProvider"] == "gitLab" {
						o["gitServiceProvider"] = "gitlab"
					}
				})
			}
		}},
	{name: "a password reset invalidates the account's tokens", tags: "@public-api", scenarios: `Resetting a service account's password`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.Method == "POST" && strings.HasSuffix(r.Request.URL.Path, "/resetpassword") && r.StatusCode/100 == 2 {
				idp := path.Base(path.Dir(r.Request.URL.Path))
				req, _ := http.NewRequest("POST", b.mock.APIHost+surfaceV4.account(idp, "deactivate"), nil)
				req.Header.Set("X-Domino-Api-Key", b.adminKey())
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
		}},
	{name: "the public users list ignores its limit", tags: "@public-api", scenarios: `users are listed a page at a time`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if out.URL.Path == "/api/users/v1/users" {
				q := out.URL.Query()
				q.Del("limit")
				out.URL.RawQuery = q.Encode()
			}
			return body
		}},
	{name: "the beta credentials route shows the secret", tags: "@public-api", scenarios: `beta route`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if strings.HasPrefix(r.Request.URL.Path, "/api/users/beta/credentials/") {
				b.mu.Lock()
				defer b.mu.Unlock()
				eachObject(r, func(o map[string]any) {
					if len(b.secrets) > 0 {
						o["token"] = b.secrets[len(b.secrets)-1]
					}
				})
			}
		}},
	{name: "replacing a token credential does nothing", tags: "@public-api", scenarios: `replaced through the public API`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if out.Method == "PUT" && strings.Contains(out.URL.Path, "/tokenCredentials/") {
				out.Method, out.URL.Path = http.MethodGet, "/api/users/beta/credentials/"+strings.Split(out.URL.Path, "/")[5]
				return nil
			}
			return body
		}},
	{name: "the public API's collaborator roles come back as /v4 spells them", tags: "@public-api", scenarios: `lower-camel-case role`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.Method == "POST" && strings.HasPrefix(r.Request.URL.Path, "/api/projects/") {
				eachObject(r, func(o map[string]any) {
					if role, ok := o["role"].(string); ok && role != "" {
						o["role"] = strings.ToUpper(role[:1]) + role[1:]
					}
				})
			}
		}},
	{name: "the public API takes an owner role", tags: "@public-api", scenarios: `no owner role`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if out.Method == "POST" && strings.HasPrefix(out.URL.Path, "/api/projects/") {
				return bytes.Replace(body, []byte(`"owner"`), []byte(`"projectImporter"`), 1)
			}
			return body
		}},
	{name: "removing a collaborator through the public API does nothing", tags: "@public-api", scenarios: `removed through the public API`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if out.Method == "DELETE" && strings.HasPrefix(out.URL.Path, "/api/projects/") {
				out.Method, out.URL.Path = http.MethodGet, "/v4/projects/"+strings.Split(out.URL.Path, "/")[5]
			}
			return body
		}},

	// ---- observed by a third-party client's tests against a live Domino ----
	{name: "the users filters are ignored", tags: "@users", scenarios: `filtered to exactly one`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if out.URL.Path == "/v4/users" {
				out.URL.RawQuery = ""
			}
			return body
		}},
	{name: "the owner is left out of the project's collaborators", tags: "@collaborators", scenarios: `include its owner`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", collabsRE) {
				filterList(r, func(o map[string]any) bool { return o["id"] != b.projectOwner(r.Request.URL.Path) })
			}
		}},
	{name: "the project's collaborators field names its owner", tags: "@collaborators", scenarios: `include its owner`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", re(`^/v4/projects/[^/]+$`)) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) {
					cols, _ := o["collaborators"].([]any)
					o["collaborators"] = append(cols, map[string]any{"collaboratorId": o["ownerId"], "projectRole": "Owner"})
				})
			}
		}},
	{name: "malformed ids answer 404", tags: "@errors", scenarios: `not a Mongo ObjectId`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.StatusCode == 400 && strings.Contains(string(peekBody(r)), "is not a valid ID") {
				respond(r, 404, map[string]any{"message": "Not found", "success": false})
			}
		}},
	{name: "a job without a title has an empty one", tags: "@jobs", scenarios: `null title`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.URL.Path == "/v4/jobs/start" && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) {
					if o["title"] == nil {
						o["title"] = ""
					}
				})
			}
		}},
	{name: "a malformed project id in a job's body answers 404", tags: "@errors", scenarios: `JSON validation error`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.URL.Path == "/v4/jobs/start" && r.StatusCode == 400 {
				respond(r, 404, map[string]any{"message": "Project invalid not found", "success": false})
			}
		}},
}

// Projects' files and commits (files.feature).
var (
	uploadRE      = re(`^/v1/projects/[^/]+/[^/]+/(.+)$`)
	commitsRE     = re(`^/v1/projects/[^/]+/[^/]+/commits$`)
	filesListRE   = re(`^(/v1/projects/[^/]+/[^/]+/files/[^/]+/)(.*)$`)
	fileContentRE = re(`^(/api/projects/v1/projects/[^/]+/files/)([^/]+)(/.+/content)$`)
	blobRE        = re(`^/v1/projects/[^/]+/[^/]+/blobs/[^/]+$`)
)

// isUpload: a PUT of a file (commits, files and blobs are GETs).
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPut && uploadRE.MatchString(r.URL.Path)
}

// newestCommit is the id of the mock's project's newest commit, asked of
// the mock as the administrator.
func (b *breaker) newestCommit(projectID string) string {
	get := func(path string, v any) bool {
		req, _ := http.NewRequest("GET", b.mock.APIHost+path, nil)
		req.Header.Set("X-Domino-Api-Key", b.adminKey())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(v) == nil
	}
	var p struct{ Name, OwnerUsername string }
	var list []struct{ ID string }
	if !get("/v4/projects/"+projectID, &p) || !get("/v1/projects/"+p.OwnerUsername+"/"+p.Name+"/commits", &list) || len(list) == 0 {
		return ""
	}
	return list[0].ID
}

// setPath sends a request to another path, as written.
func setPath(out *http.Request, p string) { out.URL.Path, out.URL.RawPath = p, "" }

var fileBreaks = []breakRule{
	{name: "an upload makes no commit", tags: "@files", scenarios: `makes a commit`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", commitsRE) && r.StatusCode == 200 {
				editJSON(r, func(v any) any {
					if l, ok := v.([]any); ok && len(l) > 0 {
						return l[1:]
					}
					return v
				})
			}
		}},
	{name: "a fork holds no files", tags: "@files", scenarios: `fork holds`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			// As a mock that copied nothing would answer for the fork.
			if is(r.Request, "GET", commitsRE) && r.StatusCode == 200 && strings.Contains(r.Request.URL.Path, "-copy/") {
				editJSON(r, func(any) any { return []any{} })
			}
		}},
	{name: "commits come in an envelope", tags: "@files", scenarios: `commits are listed, newest first`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", commitsRE) && r.StatusCode == 200 {
				editJSON(r, func(v any) any { return map[string]any{"data": v} })
			}
		}},
	{name: "commits are listed oldest first", tags: "@files", scenarios: `still reads as it was`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", commitsRE) && r.StatusCode == 200 {
				editJSON(r, func(v any) any {
					if l, ok := v.([]any); ok {
						slices.Reverse(l)
					}
					return v
				})
			}
		}},
	{name: "every commit reads as the newest", tags: "@files", scenarios: `still reads as it was`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if m := fileContentRE.FindStringSubmatch(out.URL.Path); m != nil {
				projectID := strings.TrimSuffix(strings.TrimPrefix(m[1], "/api/projects/v1/projects/"), "/files/")
				if newest := b.newestCommit(projectID); newest != "" {
					setPath(out, m[1]+newest+m[3])
				}
			}
			return body
		}},
	{name: "a path leaving the project is cleaned and taken", tags: "@files", scenarios: `outside the project`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if isUpload(out) || fileContentRE.MatchString(out.URL.Path) {
				setPath(out, path.Clean(strings.ReplaceAll(out.URL.Path, "\x00", "")))
			}
			return body
		}},
	{name: "a folder lists the whole project", tags: "@files", scenarios: `under a folder`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if m := filesListRE.FindStringSubmatch(out.URL.Path); m != nil {
				setPath(out, m[1]+"/")
			}
			return body
		}},
	{name: "a key reads another content", tags: "@files", scenarios: `makes a commit`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", blobRE) && r.StatusCode == 200 {
				setBody(r, []byte("another file"))
			}
		}},
	{name: "an upload answers its path with a leading slash", tags: "@files", scenarios: `makes a commit|contributor uploads`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if isUpload(r.Request) && r.StatusCode == 201 {
				eachObject(r, func(o map[string]any) { o["path"] = "/" + fmt.Sprint(o["path"]) })
			}
		}},
	{name: "a missing file reads empty", tags: "@files", scenarios: `does not exist at a commit`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if fileContentRE.MatchString(r.Request.URL.Path) && r.StatusCode == 404 {
				r.StatusCode = 200
				setBody(r, nil)
			}
		}},
	{name: "an unknown commit lists no files", tags: "@files", scenarios: `commit that does not exist`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if filesListRE.MatchString(r.Request.URL.Path) && r.StatusCode == 404 {
				respond(r, 200, map[string]any{"data": []any{}})
			}
		}},
	{name: "anyone reads a private project's commits", tags: "@files", scenarios: `not a collaborator`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", commitsRE) && r.StatusCode == 403 {
				respond(r, 200, []any{})
			}
		}},
	{name: "a launcher may upload", tags: "@files", scenarios: `launcher cannot upload`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if isUpload(r.Request) && r.StatusCode == 403 {
				respond(r, 201, map[string]any{"path": "launched.txt", "key": strings.Repeat("0", 40), "size": 2})
			}
		}},
	{name: "a service account's token cannot upload", tags: "@files", scenarios: `contributor uploads`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if isUpload(out) && out.Header.Get("Authorization") != "" {
				out.Header.Del("Authorization")
			}
			return body
		}},
	{name: "the journal keeps a file's content", tags: "@files", scenarios: `kept out of the mock's journal`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if r.Request.URL.Path == "/__mock/journal" && r.StatusCode == 200 {
				b.mu.Lock()
				leak := b.uploaded
				b.mu.Unlock()
				eachObject(r, func(o map[string]any) { o["leak"] = leak })
			}
		}},
}

func init() { breakRules = append(breakRules, fileBreaks...) }

// TestBreaksAreCaught runs each break and expects the suite to fail.
func TestBreaksAreCaught(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("breaks take a few seconds")
	}
	mocks := map[string]*Mock{}
	mockFor := func(profile string) *Mock {
		if mocks[profile] == nil {
			mocks[profile] = startMock(t, profile)
		}
		return mocks[profile]
	}
	run := func(t *testing.T, rule breakRule, only *surface) (Result, string) {
		profile := rule.profile
		if profile == "" {
			profile = "observed"
		}
		m := mockFor(profile)
		b := newBreaker(rule, m.Target())
		b.only = only
		target := m.Target()
		target.APIHost = b.serve(t, m.srv.APIURL(), true)
		target.APIProxy = b.serve(t, m.srv.ProxyURL(), false)
		var out bytes.Buffer
		res, err := Run(context.Background(), Options{
			Target: target, Profile: profile, Tags: rule.tags, Scenarios: rule.scenarios, Format: "progress",
			Output: &out, Log: io.Discard, JobTimeout: time.Second, NoColors: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		return res, out.String()
	}

	// The proxy itself must change nothing: with no break, all pass.
	t.Run("control: no break", func(t *testing.T) {
		res, out := run(t, breakRule{name: "none"}, nil)
		if !res.OK() || res.Passed < 60 {
			t.Fatalf("through the breaking proxy without a break: %s\n%s", res.Summary(), out)
		}
	})

	caught, tried := 0, 0
	names := map[string]bool{}
	for _, rule := range breakRules {
		if names[rule.name] {
			t.Fatalf("two breaks are named %q", rule.name)
		}
		names[rule.name] = true
		runs := []*surface{nil}
		if rule.perSurface() {
			runs = []*surface{surfaceV4, surfacePublic}
		}
		for _, only := range runs {
			name := rule.name
			if only != nil {
				name += ", on " + only.name
			}
			tried++
			t.Run(name, func(t *testing.T) {
				res, out := run(t, rule, only)
				if res.Passed+res.Failed == 0 {
					t.Fatalf("no scenario selected by %q", rule.tags)
				}
				if res.Failed == 0 {
					t.Errorf("break %q was not caught by %s: %s\n%s", name, rule.tags, res.Summary(), out)
					return
				}
				caught++
				t.Logf("caught: %s", firstFailure(out))
			})
		}
	}
	t.Logf("%d deliberate breaks (%d runs) tried, %d caught", len(breakRules), tried, caught)
}

// firstFailure picks the first failed scenario and its error from a
// progress report, to show what caught a break.
func firstFailure(out string) string {
	var scenario string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "Scenario"):
			scenario = line
		case strings.HasPrefix(line, "Error:"):
			if len(line) > 300 {
				line = line[:300] + "…"
			}
			return scenario + " — " + line
		}
	}
	return "(no error found in the report)"
}
