package store

// Shared helpers of the store's rule tests (accounts_test.go, projects_test.go,
// gitcreds_test.go, jobs_test.go, clock_test.go, race_test.go). Persistence
// tests keep their own helpers, prefixed "wal", in persist_test.go.

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/profile"
	"github.com/mockdomino/mockdomino/internal/signing"
)

// One RSA key for every store of these tests (generation is slow), and a
// second one for "signed by somebody else".
var (
	ruleKeys      = sync.OnceValues(signing.Generate)
	ruleOtherKeys = sync.OnceValues(signing.Generate)
)

func testKeys(t testing.TB) *signing.Keys {
	t.Helper()
	k, err := ruleKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// otherPrivateKey is an RSA key the store does not know.
func otherPrivateKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := ruleOtherKeys()
	if err != nil {
		t.Fatal(err)
	}
	return privateKeyOf(t, k)
}

func privateKeyOf(t testing.TB, k *signing.Keys) *rsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode(k.PEM())
	if block == nil {
		t.Fatal("no PEM block")
	}
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return priv.(*rsa.PrivateKey)
}

const testExternalURL = "http://mock.test"

// newStore is a store over the embedded default fixtures.
func newStore(t testing.TB) *Store {
	t.Helper()
	return New(Config{Keys: testKeys(t), ExternalURL: testExternalURL})
}

// newStoreWith is a store with a changed config (keys and URL are filled in).
func newStoreWith(t testing.TB, cfg Config) *Store {
	t.Helper()
	cfg.Keys = testKeys(t)
	cfg.ExternalURL = testExternalURL
	return New(cfg)
}

func strictStore(t testing.TB) *Store {
	return newStoreWith(t, Config{Profile: profile.Strict()})
}

// Ids of the default fixtures.
const (
	defAdminID   = "64b7f0a1c2d3e4f5a6b7c801"
	defAdminIdp  = "6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4a01"
	defAliceID   = "64b7f0a1c2d3e4f5a6b7c802"
	defProjectID = "64b7f0a1c2d3e4f5a6b7c901"
	defRepoID    = "64b7f0a1c2d3e4f5a6b7ca01"
	defEnvID     = "64b7f0a1c2d3e4f5a6b7cb01"
)

// richFixturesJSON adds to the defaults: bob, who owns a private project
// (with carol as Contributor) and a public one; carol and dave, who is in
// no project.
const richFixturesJSON = `{
  "users": [
    {"id": "64b7f0a1c2d3e4f5a6b7c801", "idpId": "6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4a01", "userName": "admin",
     "firstName": "Ada", "lastName": "Admin", "email": "admin@mockdomino.local", "roles": ["SysAdmin"], "apiKey": "admin-key"},
    {"id": "64b7f0a1c2d3e4f5a6b7c802", "idpId": "6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4a02", "userName": "alice",
     "firstName": "Alice", "lastName": "Analyst", "email": "alice@mockdomino.local", "roles": ["Practitioner"], "apiKey": "alice-key"},
    {"id": "64b7f0a1c2d3e4f5a6b7c803", "idpId": "6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4a03", "userName": "bob",
     "firstName": "Bob", "lastName": "Builder", "email": "bob@mockdomino.local", "roles": ["Practitioner"], "apiKey": "bob-key"},
    {"id": "64b7f0a1c2d3e4f5a6b7c804", "idpId": "6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4a04", "userName": "carol",
     "firstName": "Carol", "lastName": "Coder", "email": "carol@mockdomino.local", "roles": ["Practitioner"], "apiKey": "carol-key"},
    {"id": "64b7f0a1c2d3e4f5a6b7c805", "idpId": "6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4a05", "userName": "dave",
     "firstName": "Dave", "lastName": "Doe", "email": "dave@mockdomino.local", "roles": [], "apiKey": "dave-key"}
  ],
  "projects": [
    {"id": "64b7f0a1c2d3e4f5a6b7c901", "name": "quick-start", "owner": "admin", "visibility": "Private",
     "mainRepository": {"id": "64b7f0a1c2d3e4f5a6b7ca01", "uri": "https://github.com/mockdomino/quick-start.git",
                        "serviceProvider": "github", "defaultRef": {"type": "head"}},
     "collaborators": []},
    {"id": "64b7f0a1c2d3e4f5a6b7c902", "name": "bob-lab", "owner": "bob", "visibility": "Private",
     "mainRepository": {"id": "64b7f0a1c2d3e4f5a6b7ca02", "uri": "https://gitlab.com/bob/lab.git",
                        "serviceProvider": "gitlab", "defaultRef": {"type": "branches", "value": "main"}},
     "collaborators": [{"userName": "carol", "projectRole": "Contributor"}]},
    {"id": "64b7f0a1c2d3e4f5a6b7c903", "name": "open-data", "owner": "bob", "visibility": "Public",
     "collaborators": []}
  ],
  "hardwareTiers": [
    {"id": "small-k8s", "name": "Small", "cores": 1, "memoryGiB": 4, "isDefault": true},
    {"id": "medium-k8s", "name": "Medium", "cores": 4, "memoryGiB": 16, "isDefault": false}
  ],
  "environments": [
    {"id": "64b7f0a1c2d3e4f5a6b7cb01", "name": "Standard", "version": 1, "visibility": "Global"},
    {"id": "64b7f0a1c2d3e4f5a6b7cb02", "name": "GPU", "version": 3, "visibility": "Global"}
  ]
}`

const (
	bobID       = "64b7f0a1c2d3e4f5a6b7c803"
	carolID     = "64b7f0a1c2d3e4f5a6b7c804"
	daveID      = "64b7f0a1c2d3e4f5a6b7c805"
	bobLabID    = "64b7f0a1c2d3e4f5a6b7c902"
	bobLabRepo  = "64b7f0a1c2d3e4f5a6b7ca02"
	openDataID  = "64b7f0a1c2d3e4f5a6b7c903"
	gpuEnvID    = "64b7f0a1c2d3e4f5a6b7cb02"
	unknownID   = "ffffffffffffffffffffffff"
	unknownUUID = "00000000-0000-4000-8000-000000000000"
)

// richStore is a store over richFixturesJSON.
func richStore(t testing.TB) *Store {
	t.Helper()
	fx, err := fixtures.Parse([]byte(richFixturesJSON), "rich test fixtures")
	if err != nil {
		t.Fatal(err)
	}
	return newStoreWith(t, Config{Fixtures: fx})
}

// caller is a fixtures user's principal.
func caller(t testing.TB, s *Store, name string) Caller {
	t.Helper()
	c, err := s.CallerByUserName(name)
	if err != nil {
		t.Fatalf("caller %s: %v", name, err)
	}
	return c
}

// saCaller is the principal a service account's token authenticates as.
func saCaller(sa ServiceAccount) Caller {
	return Caller{ID: sa.ID, IdpID: sa.IdpID, UserName: sa.Username, IsServiceAccount: true}
}

// must(f()).ok(t) is f's value, failing the test on f's error.
func must[V any](v V, err error) result[V] { return result[V]{v, err} }

type result[V any] struct {
	v   V
	err error
}

func (r result[V]) ok(t testing.TB) V {
	t.Helper()
	if r.err != nil {
		t.Fatalf("unexpected error: %v (kind %s)", r.err, kindName(KindOf(r.err)))
	}
	return r.v
}

func kindName(k Kind) string {
	switch k {
	case 0:
		return "none"
	case KindInvalid:
		return "KindInvalid"
	case KindUnauthenticated:
		return "KindUnauthenticated"
	case KindForbidden:
		return "KindForbidden"
	case KindNotFound:
		return "KindNotFound"
	case KindDuplicate:
		return "KindDuplicate"
	case KindUnavailable:
		return "KindUnavailable"
	case KindServerError:
		return "KindServerError"
	case KindTooLarge:
		return "KindTooLarge"
	}
	return "Kind(?)"
}

// wantKind fails unless err is a domain error of kind k.
func wantKind(t testing.TB, what string, err error, k Kind) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: succeeded, want %s", what, kindName(k))
		return
	}
	if got := KindOf(err); got != k {
		t.Errorf("%s: err = %q (%s), want %s", what, err, kindName(got), kindName(k))
	}
}

// wantErrContains fails unless err's message contains every part.
func wantErrContains(t testing.TB, what string, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one containing %q", what, parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not contain %q", what, err, p)
		}
	}
}

// newAccount creates a service account as admin.
func newAccount(t testing.TB, s *Store, name string) ServiceAccount {
	t.Helper()
	return must(s.CreateServiceAccount(caller(t, s, "admin"), name, name+"@example.com")).ok(t)
}

// newToken creates a token as admin.
func newToken(t testing.TB, s *Store, sa ServiceAccount, name string) Token {
	t.Helper()
	return must(s.CreateToken(caller(t, s, "admin"), sa.IdpID, name)).ok(t)
}

// authOK fails unless raw authenticates as want.
func authOK(t testing.TB, s *Store, what, raw string, want string) Caller {
	t.Helper()
	c, err := s.AuthenticateBearer(raw)
	if err != nil {
		t.Fatalf("%s: AuthenticateBearer refused a usable token: %v", what, err)
	}
	if c.ID != want {
		t.Fatalf("%s: authenticated as %q (%s), want id %q", what, c.ID, c.UserName, want)
	}
	return c
}

// authRefused fails unless raw is refused with KindUnauthenticated.
func authRefused(t testing.TB, s *Store, what, raw string) {
	t.Helper()
	c, err := s.AuthenticateBearer(raw)
	if err == nil {
		t.Errorf("%s: token was accepted (as %s), want it refused", what, c.UserName)
		return
	}
	if KindOf(err) != KindUnauthenticated {
		t.Errorf("%s: err = %v (%s), want KindUnauthenticated", what, err, kindName(KindOf(err)))
	}
}

// tokenByName picks one entry of a token list.
func tokenByName(ts []Token, name string) (Token, bool) {
	for _, tk := range ts {
		if tk.Name == name {
			return tk, true
		}
	}
	return Token{}, false
}
