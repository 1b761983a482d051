package transcript

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// A secret is replaced by the same placeholder wherever it appears: in a
// header, in a JSON field, inside a text; a short one only where it is a
// secret; ids stay.
func TestRedactorIsConsistent(t *testing.T) {
	const (
		key = "admin-key-0123456789"
		jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
		pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAsecretmaterial\n-----END OPENSSH PRIVATE KEY-----\n"
		id  = "64b7f0a1c2d3e4f5a6b7c801"
	)
	var out bytes.Buffer
	rec := NewRecorder(&out)
	rec.write(&Exchange{Method: "POST", Path: "/v4/accounts/" + id + "/gitcredentials?k=" + key,
		RequestHeaders: http.Header{"X-Domino-Api-Key": {key}, "Authorization": {"Bearer " + jwt}}, Status: 200},
		[]byte(`{"apiKey":"`+key+`","password":"x","name":"x","key":`+jsonString(pem)+`,"note":"uses `+jwt+`"}`),
		[]byte(`{"token":{"token":"`+jwt+`"},"id":"`+id+`","text":"key `+key+`"}`))
	rec.write(&Exchange{Method: "GET", Path: "/v4/users/self", RequestHeaders: http.Header{"Authorization": {"Bearer " + jwt}}, Status: 200},
		nil, []byte("plain "+jwt))
	if rec.Err() != nil {
		t.Fatal(rec.Err())
	}
	got := out.String()
	for _, secret := range []string{key, jwt, "AAAAsecretmaterial", `"password":"x"`} {
		if strings.Contains(got, secret) {
			t.Errorf("the transcript holds %q:\n%s", secret, got)
		}
	}
	for _, kept := range []string{id, `"name":"x"`, `"path":"/v4/accounts/` + id + `/gitcredentials?k=<api-key-`} {
		if !strings.Contains(got, kept) {
			t.Errorf("the transcript lost %q:\n%s", kept, got)
		}
	}
	// One placeholder per secret, numbered in the order met: count them by kind.
	distinct, uses := map[string]map[string]bool{}, map[string]int{}
	for _, m := range regexp.MustCompile(`<([a-z-]+)-\d+>`).FindAllStringSubmatch(got, -1) {
		if distinct[m[1]] == nil {
			distinct[m[1]] = map[string]bool{}
		}
		distinct[m[1]][m[0]] = true
		uses[m[1]]++
	}
	// The key: header, query, field, text. The JWT: two headers, a field
	// inside an object, a text, a JSON-less body. The password, the PEM key.
	want := map[string]int{"api-key": 4, "jwt": 5, "password": 1, "key": 1}
	if len(uses) != len(want) {
		t.Errorf("placeholders %v, want %v:\n%s", uses, want, got)
	}
	for kind, n := range want {
		if uses[kind] != n || len(distinct[kind]) != 1 {
			t.Errorf("%d placeholder(s) for the %s, used %d times; want one, used %d times:\n%s", len(distinct[kind]), kind, uses[kind], n, got)
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Secret fields are recognised however the API spells them: OAuth's and
// Keycloak's snake_case (access_token, client_secret) as well as camelCase.
func TestRedactorKnowsSnakeCaseSecretFields(t *testing.T) {
	var out bytes.Buffer
	rec := NewRecorder(&out)
	rec.write(&Exchange{Method: "POST", Path: "/token", RequestHeaders: http.Header{"X-Api-Key": {"xk-0123456789"}, "X-Auth-Token": {"xt-0123456789"}}, Status: 200},
		[]byte(`{"client_secret":"cs-0123456789abc","api_key":"k1","private-key":"pk-0123456789","secretAccessKey":"sak","session_token":"st"}`),
		[]byte(`{"access_token":"opaque-access-abcdef","refresh_token":"opaque-refresh-abcdef","id_token":"i","token_type":"Bearer"}`))
	got := out.String()
	for _, secret := range []string{"cs-0123456789abc", `"k1"`, "pk-0123456789", "opaque-access-abcdef", "opaque-refresh-abcdef", `"i"`, `"sak"`, `"st"`, "xk-0123456789", "xt-0123456789"} {
		if strings.Contains(got, secret) {
			t.Errorf("the transcript holds %q:\n%s", secret, got)
		}
	}
	if !strings.Contains(got, `"token_type":"Bearer"`) {
		t.Errorf("the transcript lost token_type, which is no secret:\n%s", got)
	}
}

// A secret parameter of a query or of a form body (Keycloak's token
// endpoint takes password and client_secret so) is replaced however short,
// and escaped or not; the other parameters stay byte for byte.
func TestRedactorKnowsFormsAndQueries(t *testing.T) {
	var out bytes.Buffer
	rec := NewRecorder(&out)
	rec.write(&Exchange{Method: "POST", Path: "/auth/realms/DominoRealm/protocol/openid-connect/token?access_token=opaque-access-abcdef&x=a%20b",
		RequestHeaders: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Status: 200},
		[]byte(`grant_type=password&username=alice&password=hunt2&client_id=domino&client_secret=cs%2B0123456789`),
		[]byte(`{"token_type":"Bearer"}`))
	rec.write(&Exchange{Method: "GET", Path: "/v4/users/self?apiKey=k9", RequestHeaders: http.Header{}, Status: 200}, nil, nil)
	got := out.String()
	for _, secret := range []string{"opaque-access-abcdef", "hunt2", "cs%2B0123456789", "cs+0123456789", "k9"} {
		if strings.Contains(got, secret) {
			t.Errorf("the transcript holds %q:\n%s", secret, got)
		}
	}
	for _, kept := range []string{"token?access_token=<token-", "&x=a%20b", `"grant_type=password&username=alice&password=<password-`, "&client_id=domino&client_secret=<secret-", "/v4/users/self?apiKey=<api-key-"} {
		if !strings.Contains(got, kept) {
			t.Errorf("the transcript lost %q:\n%s", kept, got)
		}
	}
}

// A request body over MaxBody is sent whole and left out of its line, as
// the proxy does, so that every line stays short enough for Read.
func TestRecorderLeavesOutALongRequestBody(t *testing.T) {
	var got int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	var out bytes.Buffer
	rec := NewRecorder(&out)
	resp, err := rec.Client(nil).Post(srv.URL+"/upload", "application/octet-stream", bytes.NewReader(make([]byte, MaxBody+1)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	xs, err := Read(&out)
	if err != nil {
		t.Fatal(err)
	}
	if got != MaxBody+1 || len(xs) != 1 || xs[0].RequestBodyOmitted == "" || xs[0].RequestBodyBase64 != "" || xs[0].RequestBody != nil {
		t.Errorf("the server got %d bytes; the line %+v", got, xs[0].RequestBodyOmitted)
	}
}
