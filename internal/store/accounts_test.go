package store

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mockdomino/mockdomino/internal/signing"
)

var (
	objectIDRE = regexp.MustCompile(`^[0-9a-f]{24}$`)
	uuidV4RE   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// ---- service accounts ----

func TestCreateServiceAccount(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := must(s.CreateServiceAccount(admin, "airflow-bot", "riley+airflow@gmail.com")).ok(t)
	if sa.Username != "airflow-bot" || sa.Email != "riley+airflow@gmail.com" {
		t.Errorf("created %+v, want username airflow-bot and email riley+airflow@gmail.com", sa)
	}
	if !objectIDRE.MatchString(sa.ID) {
		t.Errorf("id %q is not a 24-hex ObjectId", sa.ID)
	}
	if !uuidV4RE.MatchString(sa.IdpID) {
		t.Errorf("idpId %q is not a UUID", sa.IdpID)
	}
	list := must(s.ServiceAccounts(admin, false)).ok(t)
	if len(list) != 1 || list[0] != sa {
		t.Errorf("list = %+v, want exactly %+v", list, sa)
	}
	// It is a user too, not an admin, and shows as a service account.
	var found bool
	for _, u := range s.Users(admin, UserFilter{}) {
		if u.ID == sa.ID {
			found = true
			if u.UserName != sa.Username || u.IdpID != sa.IdpID || !u.IsServiceAccount || len(u.Roles) != 0 {
				t.Errorf("Users() shows the account as %+v", u)
			}
		}
	}
	if !found {
		t.Errorf("Users() does not list the new service account")
	}
	self := must(s.Self(saCaller(sa))).ok(t)
	if self.ID != sa.ID || self.Email != sa.Email {
		t.Errorf("Self = %+v", self)
	}
	// The JSON keys are the spec's.
	data, _ := json.Marshal(sa)
	for _, k := range []string{`"username":"airflow-bot"`, `"email":`, `"id":`, `"idpId":`} {
		if !strings.Contains(string(data), k) {
			t.Errorf("JSON %s lacks %s", data, k)
		}
	}
}

func TestCreateServiceAccountDuplicates(t *testing.T) {
	cases := []struct {
		name            string
		first           [2]string // username, email created first ("" = none)
		username, email string
		wantMsg         string
	}{
		{"same username", [2]string{"ci-bot", "ci@example.com"}, "ci-bot", "other@example.com",
			"A user with the username ci-bot already exists."},
		{"username differing in case", [2]string{"ci-bot", "ci@example.com"}, "CI-Bot", "other@example.com",
			"A user with the username CI-Bot already exists."},
		{"username of a fixtures user", [2]string{}, "admin", "someone@example.com",
			"A user with the username admin already exists."},
		{"fixtures user name in upper case", [2]string{}, "ALICE", "someone@example.com",
			"A user with the username ALICE already exists."},
		{"same email", [2]string{"ci-bot", "ci@example.com"}, "other-bot", "ci@example.com",
			"ci@example.com"},
		{"email differing in case", [2]string{"ci-bot", "ci@example.com"}, "other-bot", "CI@Example.COM",
			"CI@Example.COM"},
		{"email of a fixtures user", [2]string{}, "other-bot", "alice@mockdomino.local",
			"alice@mockdomino.local"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			admin := caller(t, s, "admin")
			if tc.first[0] != "" {
				must(s.CreateServiceAccount(admin, tc.first[0], tc.first[1])).ok(t)
			}
			before := must(s.ServiceAccounts(admin, true)).ok(t)
			_, err := s.CreateServiceAccount(admin, tc.username, tc.email)
			wantKind(t, "duplicate", err, KindDuplicate)
			if err != nil && strings.HasPrefix(tc.wantMsg, "A user") && err.Error() != tc.wantMsg {
				t.Errorf("message = %q, want exactly %q", err, tc.wantMsg)
			}
			wantErrContains(t, "duplicate", err, tc.wantMsg)
			after := must(s.ServiceAccounts(admin, true)).ok(t)
			if len(after) != len(before) {
				t.Errorf("a refused create changed the list from %d to %d accounts", len(before), len(after))
			}
		})
	}
}

func TestServiceAccountUsernameValidation(t *testing.T) {
	cases := []struct {
		username string
		valid    bool
	}{
		{"a", true},
		{"9lives", true},
		{"A.b_c-d", true},
		{strings.Repeat("x", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{"-bot", false},
		{".bot", false},
		{"_bot", false},
		{"my bot", false},
		{"bot/1", false},
		{"bot@corp", false},
		{"bot+1", false},
		{"bøt", false},
		{"bot\n", false},
		{"bot\x00", false},
		{"\tbot", false},
	}
	for i, tc := range cases {
		s := newStore(t)
		admin := caller(t, s, "admin")
		email := "bot" + string(rune('a'+i)) + "@example.com"
		sa, err := s.CreateServiceAccount(admin, tc.username, email)
		if tc.valid {
			if err != nil {
				t.Errorf("username %q: refused (%v), want accepted", tc.username, err)
			} else if sa.Username != tc.username {
				t.Errorf("username %q: stored as %q", tc.username, sa.Username)
			}
			continue
		}
		wantKind(t, "username "+strings.ToValidUTF8(tc.username, "?"), err, KindInvalid)
		wantErrContains(t, "username", err, "username")
		if n := len(must(s.ServiceAccounts(admin, true)).ok(t)); n != 0 {
			t.Errorf("username %q: a refused create left %d accounts", tc.username, n)
		}
	}
}

func TestServiceAccountEmailValidation(t *testing.T) {
	cases := []struct {
		email string
		valid bool
	}{
		{"a@b.co", true},
		{"riley+airflow@gmail.com", true},
		{"first.last@sub.example.org", true},
		{"", false},
		{"plain", false},
		{"@example.com", false},
		{"bot@", false},
		{"bot@localhost", false},
		{"bot@@example.com", false},
		{"bot@ex@ample.com", false},
		{"my bot@example.com", false},
		{"bot@exa mple.com", false},
		{"bot@example.com.", false},
		{"bot@.com", false},
		{"bot@example..com", false},
		{"bot@example.com\n", false},
		{"bot\x01@example.com", false},
		{strings.Repeat("a", 250) + "@b.com", false},
	}
	for i, tc := range cases {
		s := newStore(t)
		admin := caller(t, s, "admin")
		name := "bot" + string(rune('a'+i))
		sa, err := s.CreateServiceAccount(admin, name, tc.email)
		if tc.valid {
			if err != nil {
				t.Errorf("email %q: refused (%v), want accepted", tc.email, err)
			} else if sa.Email != tc.email {
				t.Errorf("email %q: stored as %q", tc.email, sa.Email)
			}
			continue
		}
		wantKind(t, "email "+tc.email, err, KindInvalid)
		wantErrContains(t, "email", err, "email")
		// The refused request took neither the name nor the email.
		must(s.CreateServiceAccount(admin, name, name+"@example.com")).ok(t)
	}
}

func TestPlusAddressingIsDistinct(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	a := must(s.CreateServiceAccount(admin, "riley", "riley@gmail.com")).ok(t)
	b := must(s.CreateServiceAccount(admin, "riley-airflow", "riley+airflow@gmail.com")).ok(t)
	c := must(s.CreateServiceAccount(admin, "riley-dbt", "riley+dbt@gmail.com")).ok(t)
	if a.ID == b.ID || b.ID == c.ID || a.IdpID == b.IdpID {
		t.Fatalf("accounts share ids: %+v %+v %+v", a, b, c)
	}
	_, err := s.CreateServiceAccount(admin, "riley-2", "Riley+Airflow@gmail.com")
	wantKind(t, "same plus address in other case", err, KindDuplicate)
	if n := len(must(s.ServiceAccounts(admin, false)).ok(t)); n != 3 {
		t.Errorf("%d accounts listed, want 3", n)
	}
}

func TestServiceAccountMethodsAreAdminOnly(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "bot")
	tok := newToken(t, s, sa, "t1")
	other := newAccount(t, s, "other-bot")
	callers := map[string]Caller{
		"alice (non-admin user)": caller(t, s, "alice"),
		"a service account":      saCaller(other),
		"the account itself":     saCaller(sa),
	}
	methods := map[string]func(c Caller) error{
		"CreateServiceAccount": func(c Caller) error {
			_, err := s.CreateServiceAccount(c, "new-bot", "new-bot@example.com")
			return err
		},
		"ServiceAccounts":            func(c Caller) error { _, err := s.ServiceAccounts(c, false); return err },
		"ServiceAccounts(+inactive)": func(c Caller) error { _, err := s.ServiceAccounts(c, true); return err },
		"DeactivateServiceAccount":   func(c Caller) error { _, err := s.DeactivateServiceAccount(c, sa.IdpID); return err },
		"ActivateServiceAccount":     func(c Caller) error { _, err := s.ActivateServiceAccount(c, sa.IdpID); return err },
		"CreateToken":                func(c Caller) error { _, err := s.CreateToken(c, sa.IdpID, "t2"); return err },
		"Tokens":                     func(c Caller) error { _, err := s.Tokens(c, sa.IdpID); return err },
		"Token":                      func(c Caller) error { _, err := s.Token(c, sa.IdpID, "t1"); return err },
		"InvalidateToken":            func(c Caller) error { _, err := s.InvalidateToken(c, sa.IdpID, "t1"); return err },
		"DeleteToken":                func(c Caller) error { _, err := s.DeleteToken(c, sa.IdpID, "t1"); return err },
		"ServiceAccountID":           func(c Caller) error { _, err := s.ServiceAccountID(c, sa.IdpID); return err },
		// Even for an id that does not exist, the answer is 403, not 404.
		"Tokens(unknown account)": func(c Caller) error { _, err := s.Tokens(c, unknownUUID); return err },
	}
	for cname, c := range callers {
		for mname, m := range methods {
			wantKind(t, mname+" by "+cname, m(c), KindForbidden)
		}
	}
	// Nothing changed.
	list := must(s.ServiceAccounts(admin, true)).ok(t)
	if len(list) != 2 {
		t.Errorf("service accounts after refused calls: %+v", list)
	}
	got := must(s.Token(admin, sa.IdpID, "t1")).ok(t)
	if !got.IsValid || got.Token != tok.Token {
		t.Errorf("token after refused calls: %+v", got)
	}
	if _, found := tokenByName(must(s.Tokens(admin, sa.IdpID)).ok(t), "t2"); found {
		t.Errorf("a refused CreateToken made a token")
	}
	authOK(t, s, "token after refused calls", tok.Token, sa.ID)
	// And the admin may do each.
	if id := must(s.ServiceAccountID(admin, sa.IdpID)).ok(t); id != sa.ID {
		t.Errorf("ServiceAccountID = %q, want %q", id, sa.ID)
	}
}

func TestServiceAccountListHidesDeactivated(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	a := newAccount(t, s, "a-bot")
	b := newAccount(t, s, "b-bot")
	c := newAccount(t, s, "c-bot")
	names := func(l []ServiceAccount) string {
		var out []string
		for _, x := range l {
			out = append(out, x.Username)
		}
		return strings.Join(out, ",")
	}
	if got := names(must(s.ServiceAccounts(admin, false)).ok(t)); got != "a-bot,b-bot,c-bot" {
		t.Fatalf("list = %s", got)
	}
	d := must(s.DeactivateServiceAccount(admin, b.IdpID)).ok(t)
	if d != b {
		t.Errorf("Deactivate answered %+v, want %+v", d, b)
	}
	if got := names(must(s.ServiceAccounts(admin, false)).ok(t)); got != "a-bot,c-bot" {
		t.Errorf("default list after deactivating b-bot = %s", got)
	}
	if got := names(must(s.ServiceAccounts(admin, true)).ok(t)); got != "a-bot,b-bot,c-bot" {
		t.Errorf("includeDeactivated list = %s", got)
	}
	for _, u := range s.Users(admin, UserFilter{}) {
		if u.ID == b.ID {
			t.Errorf("Users() lists the deactivated account")
		}
	}
	must(s.ActivateServiceAccount(admin, b.IdpID)).ok(t)
	if got := names(must(s.ServiceAccounts(admin, false)).ok(t)); got != "a-bot,b-bot,c-bot" {
		t.Errorf("list after activating again = %s", got)
	}
	_ = a
	_ = c
}

func TestActivateAndDeactivateNeedAServiceAccountIdpID(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "bot")
	for _, id := range []string{unknownUUID, "", sa.ID /* Mongo id, not idpId */, defAdminIdp /* a human */} {
		_, err := s.DeactivateServiceAccount(admin, id)
		wantKind(t, "Deactivate("+id+")", err, KindNotFound)
		_, err = s.ActivateServiceAccount(admin, id)
		wantKind(t, "Activate("+id+")", err, KindNotFound)
	}
	// The human was not touched.
	if _, err := s.AuthenticateAPIKey("mockdomino-admin-key-7c3f0e9a2b5d4c18"); err != nil {
		t.Errorf("admin's key stopped working: %v", err)
	}
	if got := must(s.ServiceAccounts(admin, false)).ok(t); len(got) != 1 {
		t.Errorf("the account was deactivated by a refused call: %+v", got)
	}
}

func TestDeactivateInvalidatesAllTokensForGood(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "bot")
	t1 := newToken(t, s, sa, "t1")
	t2 := newToken(t, s, sa, "t2")
	authOK(t, s, "t1 before", t1.Token, sa.ID)
	must(s.DeactivateServiceAccount(admin, sa.IdpID)).ok(t)
	check := func(when string) {
		t.Helper()
		list := must(s.Tokens(admin, sa.IdpID)).ok(t)
		if len(list) != 2 {
			t.Fatalf("%s: %d tokens listed, want 2", when, len(list))
		}
		for _, tk := range list {
			if tk.IsValid {
				t.Errorf("%s: token %s isValid = true", when, tk.Name)
			}
		}
		authRefused(t, s, when+": t1", t1.Token)
		authRefused(t, s, when+": t2", t2.Token)
	}
	check("deactivated")
	_, err := s.CreateToken(admin, sa.IdpID, "t3")
	if err == nil {
		t.Errorf("CreateToken on a deactivated account succeeded")
	}
	must(s.ActivateServiceAccount(admin, sa.IdpID)).ok(t)
	check("activated again")
	// New tokens may be made; old names stay taken.
	_, err = s.CreateToken(admin, sa.IdpID, "t1")
	wantKind(t, "reuse name of invalidated token after activation", err, KindDuplicate)
	must(s.CreateToken(admin, sa.IdpID, "t3")).ok(t)
}

// ---- tokens ----

func TestTokenCreateListGet(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "bot")
	before := s.Clock().Now()
	t1 := newToken(t, s, sa, "first")
	s.AdvanceClock(time.Second)
	t2 := newToken(t, s, sa, "second")
	after := s.Clock().Now()

	if t1.Name != "first" || t1.ServiceAccountIdpID != sa.IdpID || !t1.IsValid || t1.Token == "" {
		t.Errorf("created %+v", t1)
	}
	if t1.Token == t2.Token {
		t.Errorf("two tokens have the same value")
	}
	created := time.Time(t1.CreatedAt)
	if created.Before(before.Truncate(time.Millisecond)) || created.After(after) {
		t.Errorf("createdAt %v is not between %v and %v", created, before, after)
	}
	if created.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("createdAt %v has sub-millisecond precision", created)
	}
	if created.Location() != time.UTC {
		t.Errorf("createdAt %v is not UTC", created)
	}

	list := must(s.Tokens(admin, sa.IdpID)).ok(t)
	if len(list) != 2 || list[0].Name != "first" || list[1].Name != "second" {
		t.Fatalf("list = %+v, want first then second", list)
	}
	for _, tk := range list {
		if tk.Token != "" {
			t.Errorf("list carries the value of %s", tk.Name)
		}
		if !tk.IsValid || tk.ServiceAccountIdpID != sa.IdpID {
			t.Errorf("listed %+v", tk)
		}
	}
	data, _ := json.Marshal(list)
	if strings.Contains(string(data), t1.Token) || strings.Contains(string(data), `"token"`) {
		t.Errorf("list JSON carries a token value: %s", data)
	}
	if list[0].CreatedAt != t1.CreatedAt || list[0].ExpiresAt != t1.ExpiresAt {
		t.Errorf("listed times %v/%v differ from created %v/%v", list[0].CreatedAt, list[0].ExpiresAt, t1.CreatedAt, t1.ExpiresAt)
	}

	got := must(s.Token(admin, sa.IdpID, "second")).ok(t)
	if got.Token != t2.Token || got.Name != "second" || !got.IsValid {
		t.Errorf("Token(second) = %+v, want the created value", got)
	}
	authOK(t, s, "first", t1.Token, sa.ID)
	c := authOK(t, s, "second", t2.Token, sa.ID)
	if c.IsAdmin || !c.IsServiceAccount || c.UserName != "bot" || c.IdpID != sa.IdpID {
		t.Errorf("caller = %+v", c)
	}
}

func TestTokenLifetime(t *testing.T) {
	for _, tc := range []struct {
		name string
		ttl  time.Duration
		want time.Duration
	}{
		{"default is 120 days", 0, 120 * 24 * time.Hour},
		{"configured", 90 * time.Minute, 90 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStoreWith(t, Config{TokenTTL: tc.ttl})
			if s.TokenTTL() != tc.want {
				t.Errorf("TokenTTL() = %v, want %v", s.TokenTTL(), tc.want)
			}
			sa := newAccount(t, s, "bot")
			tk := newToken(t, s, sa, "t")
			if d := time.Time(tk.ExpiresAt).Sub(time.Time(tk.CreatedAt)); d != tc.want {
				t.Errorf("expiresAt - createdAt = %v, want %v", d, tc.want)
			}
			claims := must(s.Keys().Verify(tk.Token)).ok(t)
			if claims.ExpiresAt != time.Time(tk.ExpiresAt).Unix() || claims.IssuedAt != time.Time(tk.CreatedAt).Unix() {
				t.Errorf("exp/iat = %d/%d, want %d/%d", claims.ExpiresAt, claims.IssuedAt,
					time.Time(tk.ExpiresAt).Unix(), time.Time(tk.CreatedAt).Unix())
			}
			// Usable until just before expiry, not after it.
			s.AdvanceClock(tc.want - 2*time.Second)
			authOK(t, s, "2s before expiry", tk.Token, sa.ID)
			s.AdvanceClock(3 * time.Second)
			authRefused(t, s, "1s after expiry", tk.Token)
			// Still listed, but isValid stays as it was: expiry is not invalidation.
			if _, found := tokenByName(must(s.Tokens(caller(t, s, "admin"), sa.IdpID)).ok(t), "t"); !found {
				t.Errorf("expired token no longer listed")
			}
		})
	}
}

func TestTokenClaims(t *testing.T) {
	s := newStore(t)
	sa := must(s.CreateServiceAccount(caller(t, s, "admin"), "claims-bot", "claims@example.com")).ok(t)
	tk := newToken(t, s, sa, "t")
	c := must(s.Keys().Verify(tk.Token)).ok(t)
	want := signing.Claims{
		Issuer: "http://mock.test/auth/realms/DominoRealm", Subject: sa.IdpID,
		PreferredUsername: "claims-bot", Email: "claims@example.com", Name: "claims-bot",
		IssuedAt: time.Time(tk.CreatedAt).Unix(), ExpiresAt: time.Time(tk.ExpiresAt).Unix(),
		ID: c.ID, Type: "Bearer", AuthorizedParty: "domino-play",
	}
	if *c != want {
		t.Errorf("claims = %+v\nwant     %+v", *c, want)
	}
	if !uuidV4RE.MatchString(c.ID) {
		t.Errorf("jti %q is not a UUID", c.ID)
	}
	if s.Issuer() != want.Issuer {
		t.Errorf("Issuer() = %q", s.Issuer())
	}
	hdr := jwtHeader(t, tk.Token)
	if hdr["alg"] != "RS256" || hdr["kid"] != s.Keys().KeyID() {
		t.Errorf("header = %v, want RS256 and kid %s", hdr, s.Keys().KeyID())
	}
	// A trailing slash on the external URL does not double.
	s2 := New(Config{Keys: testKeys(t), ExternalURL: "http://mock.test/"})
	if s2.Issuer() != want.Issuer {
		t.Errorf("Issuer() with trailing slash = %q", s2.Issuer())
	}
}

func TestTokenNameValidation(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "bot")
	for _, name := range []string{"", "a/b", `a\b`, " lead", "trail ", "tab\tin", "nl\n", strings.Repeat("n", 129), "bad\xffutf8"} {
		_, err := s.CreateToken(admin, sa.IdpID, name)
		wantKind(t, "token name "+strings.ToValidUTF8(name, "?"), err, KindInvalid)
	}
	if n := len(must(s.Tokens(admin, sa.IdpID)).ok(t)); n != 0 {
		t.Errorf("refused names left %d tokens", n)
	}
	for _, name := range []string{"x", "my token", "jörg's token", strings.Repeat("ü", 128)} {
		tk := must(s.CreateToken(admin, sa.IdpID, name)).ok(t)
		if tk.Name != name {
			t.Errorf("name %q stored as %q", name, tk.Name)
		}
	}
}

func TestTokenNotFound(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "bot")
	newToken(t, s, sa, "t1")
	calls := map[string]func() error{
		"CreateToken(unknown account)": func() error { _, err := s.CreateToken(admin, unknownUUID, "t"); return err },
		"CreateToken(human's idpId)":   func() error { _, err := s.CreateToken(admin, defAdminIdp, "t"); return err },
		"CreateToken(Mongo id)":        func() error { _, err := s.CreateToken(admin, sa.ID, "t"); return err },
		"Tokens(unknown account)":      func() error { _, err := s.Tokens(admin, unknownUUID); return err },
		"Token(unknown account)":       func() error { _, err := s.Token(admin, unknownUUID, "t1"); return err },
		"Token(unknown name)":          func() error { _, err := s.Token(admin, sa.IdpID, "nope"); return err },
		"InvalidateToken(unknown)":     func() error { _, err := s.InvalidateToken(admin, sa.IdpID, "nope"); return err },
		"InvalidateToken(account)":     func() error { _, err := s.InvalidateToken(admin, unknownUUID, "t1"); return err },
		"DeleteToken(unknown)":         func() error { _, err := s.DeleteToken(admin, sa.IdpID, "nope"); return err },
		"DeleteToken(account)":         func() error { _, err := s.DeleteToken(admin, unknownUUID, "t1"); return err },
	}
	for name, call := range calls {
		wantKind(t, name, call(), KindNotFound)
	}
}

func TestTokenInvalidate(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "bot")
	tk := newToken(t, s, sa, "t1")
	authOK(t, s, "before invalidate", tk.Token, sa.ID)

	inv := must(s.InvalidateToken(admin, sa.IdpID, "t1")).ok(t)
	if inv.IsValid || inv.Name != "t1" || inv.Token != "" {
		t.Errorf("Invalidate answered %+v", inv)
	}
	authRefused(t, s, "after invalidate", tk.Token)
	list := must(s.Tokens(admin, sa.IdpID)).ok(t)
	if l, found := tokenByName(list, "t1"); !found || l.IsValid || len(list) != 1 {
		t.Errorf("list after invalidate = %+v, want t1 listed with isValid false", list)
	}
	if got := must(s.Token(admin, sa.IdpID, "t1")).ok(t); got.IsValid {
		t.Errorf("Token(t1).isValid = true after invalidate")
	}
	_, err := s.CreateToken(admin, sa.IdpID, "t1")
	wantKind(t, "reuse of an invalidated token's name", err, KindDuplicate)
	wantErrContains(t, "reuse of an invalidated token's name", err, "t1")
	// Invalidating again keeps it invalid; nothing brings it back.
	must(s.InvalidateToken(admin, sa.IdpID, "t1")).ok(t)
	must(s.DeactivateServiceAccount(admin, sa.IdpID)).ok(t)
	must(s.ActivateServiceAccount(admin, sa.IdpID)).ok(t)
	if got := must(s.Token(admin, sa.IdpID, "t1")).ok(t); got.IsValid {
		t.Errorf("invalidated token became valid again")
	}
	authRefused(t, s, "after invalidate, deactivate, activate", tk.Token)
}

func TestTokenDelete(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	sa := newAccount(t, s, "bot")
	old := newToken(t, s, sa, "t1")
	keep := newToken(t, s, sa, "t2")
	del := must(s.DeleteToken(admin, sa.IdpID, "t1")).ok(t)
	if del.Name != "t1" || del.Token != "" {
		t.Errorf("Delete answered %+v", del)
	}
	authRefused(t, s, "deleted token", old.Token)
	list := must(s.Tokens(admin, sa.IdpID)).ok(t)
	if len(list) != 1 || list[0].Name != "t2" {
		t.Errorf("list after delete = %+v, want only t2", list)
	}
	_, err := s.Token(admin, sa.IdpID, "t1")
	wantKind(t, "Token(deleted)", err, KindNotFound)
	_, err = s.DeleteToken(admin, sa.IdpID, "t1")
	wantKind(t, "DeleteToken twice", err, KindNotFound)

	again := must(s.CreateToken(admin, sa.IdpID, "t1")).ok(t)
	if again.Token == old.Token || !again.IsValid {
		t.Errorf("re-created token %+v is the old one or invalid", again)
	}
	authRefused(t, s, "old token after its name was reused", old.Token)
	authOK(t, s, "re-created token", again.Token, sa.ID)
	authOK(t, s, "the other token", keep.Token, sa.ID)

	// Deleting an invalidated token frees its name too.
	must(s.InvalidateToken(admin, sa.IdpID, "t2")).ok(t)
	must(s.DeleteToken(admin, sa.IdpID, "t2")).ok(t)
	must(s.CreateToken(admin, sa.IdpID, "t2")).ok(t)
}

func TestInvalidatingOneTokenLeavesTheOthers(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	a := newAccount(t, s, "a-bot")
	b := newAccount(t, s, "b-bot")
	a1, a2 := newToken(t, s, a, "t1"), newToken(t, s, a, "t2")
	b1 := newToken(t, s, b, "t1") // same name, other account
	must(s.InvalidateToken(admin, a.IdpID, "t1")).ok(t)
	authRefused(t, s, "a/t1", a1.Token)
	authOK(t, s, "a/t2", a2.Token, a.ID)
	authOK(t, s, "b/t1", b1.Token, b.ID)
	if got := must(s.Token(admin, b.IdpID, "t1")).ok(t); !got.IsValid {
		t.Errorf("b's t1 was invalidated with a's")
	}
	must(s.DeleteToken(admin, a.IdpID, "t2")).ok(t)
	authOK(t, s, "b/t1 after a/t2 deleted", b1.Token, b.ID)
	must(s.DeactivateServiceAccount(admin, a.IdpID)).ok(t)
	authOK(t, s, "b/t1 after a deactivated", b1.Token, b.ID)
}

// ---- bearer authentication ----

// jwtParts splits a compact JWT.
func jwtParts(t testing.TB, raw string) (header, payload, sig string) {
	t.Helper()
	p := strings.Split(raw, ".")
	if len(p) != 3 {
		t.Fatalf("%q is not a compact JWT", raw)
	}
	return p[0], p[1], p[2]
}

func jwtHeader(t testing.TB, raw string) map[string]any {
	t.Helper()
	h, _, _ := jwtParts(t, raw)
	data, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func b64(v any) string {
	data, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(data)
}

// authFixture is what each bearer case starts from: a fresh store, an
// account with a working token, and a working access token for alice.
type authFixture struct {
	s      *Store
	admin  Caller
	sa     ServiceAccount
	token  Token
	access string
}

func newAuthFixture(t *testing.T) *authFixture {
	s := newStore(t)
	f := &authFixture{s: s, admin: caller(t, s, "admin")}
	f.sa = newAccount(t, s, "bot")
	f.token = newToken(t, s, f.sa, "t1")
	f.access = must(s.IssueAccessToken(caller(t, s, "alice"))).ok(t)
	authOK(t, s, "fixture token", f.token.Token, f.sa.ID)
	authOK(t, s, "fixture access token", f.access, defAliceID)
	return f
}

// base returns the token a forgery starts from: the service-account token
// or alice's access token. Forgeries re-signed with the store's own key pass
// the signature check, so what refuses them is a later check: the claim the
// case changes, or the record of the exact string the store issued.
func (f *authFixture) base(which string) string {
	if which == "access" {
		return f.access
	}
	return f.token.Token
}

func (f *authFixture) claims(t *testing.T, which string) signing.Claims {
	return *must(f.s.Keys().Verify(f.base(which))).ok(t)
}

func (f *authFixture) resign(t *testing.T, c signing.Claims) string {
	return must(f.s.Keys().Sign(c)).ok(t)
}

func TestAuthenticateBearerControl(t *testing.T) {
	// The forging harness reproduces a usable token when nothing is changed
	// (RS256 signatures are deterministic), so the refusals below are due
	// to the change each case makes.
	f := newAuthFixture(t)
	for _, which := range []string{"access", "sa"} {
		same := f.resign(t, f.claims(t, which))
		if same != f.base(which) {
			t.Fatalf("%s claims re-signed unchanged give another string", which)
		}
		authOK(t, f.s, which+" claims re-signed unchanged", same, map[string]string{"access": defAliceID, "sa": f.sa.ID}[which])
	}
	// Only the exact strings the store issued are accepted: even a change
	// to a claim nothing checks makes a token the store never issued.
	for _, which := range []string{"access", "sa"} {
		c := f.claims(t, which)
		c.PreferredUsername = "someone-else"
		authRefused(t, f.s, which+" claims re-signed with another preferred_username", f.resign(t, c))
	}
}

func TestAuthenticateBearerRefusals(t *testing.T) {
	type tc struct {
		name string
		make func(t *testing.T, f *authFixture) string
	}
	forged := func(which string, change func(f *authFixture, c *signing.Claims)) func(t *testing.T, f *authFixture) string {
		return func(t *testing.T, f *authFixture) string {
			c := f.claims(t, which)
			change(f, &c)
			return f.resign(t, c)
		}
	}
	cases := []tc{
		{"empty", func(t *testing.T, f *authFixture) string { return "" }},
		{"not a JWT", func(t *testing.T, f *authFixture) string { return "mockdomino-admin-key-7c3f0e9a2b5d4c18" }},
		{"invalidated", func(t *testing.T, f *authFixture) string {
			must(f.s.InvalidateToken(f.admin, f.sa.IdpID, "t1")).ok(t)
			return f.token.Token
		}},
		{"deleted", func(t *testing.T, f *authFixture) string {
			must(f.s.DeleteToken(f.admin, f.sa.IdpID, "t1")).ok(t)
			return f.token.Token
		}},
		{"account deactivated", func(t *testing.T, f *authFixture) string {
			must(f.s.DeactivateServiceAccount(f.admin, f.sa.IdpID)).ok(t)
			return f.token.Token
		}},
		{"expired (clock past TTL)", func(t *testing.T, f *authFixture) string {
			must(f.s.AdvanceClock(DefaultTokenTTL + time.Second)).ok(t)
			return f.token.Token
		}},
		{"store reset", func(t *testing.T, f *authFixture) string {
			if err := f.s.Reset(); err != nil {
				t.Fatal(err)
			}
			return f.token.Token
		}},
		{"flipped signature byte", func(t *testing.T, f *authFixture) string {
			h, p, sig := jwtParts(t, f.token.Token)
			b, err := base64.RawURLEncoding.DecodeString(sig)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0x01
			return h + "." + p + "." + base64.RawURLEncoding.EncodeToString(b)
		}},
		{"flipped last signature byte", func(t *testing.T, f *authFixture) string {
			h, p, sig := jwtParts(t, f.token.Token)
			b, _ := base64.RawURLEncoding.DecodeString(sig)
			b[len(b)-1] ^= 0x80
			return h + "." + p + "." + base64.RawURLEncoding.EncodeToString(b)
		}},
		{"signature removed", func(t *testing.T, f *authFixture) string {
			h, p, _ := jwtParts(t, f.token.Token)
			return h + "." + p + "."
		}},
		{"alg none, no signature", func(t *testing.T, f *authFixture) string {
			_, p, _ := jwtParts(t, f.token.Token)
			return b64(map[string]string{"alg": "none", "typ": "JWT", "kid": f.s.Keys().KeyID()}) + "." + p + "."
		}},
		{"alg none, access token payload", func(t *testing.T, f *authFixture) string {
			_, p, _ := jwtParts(t, f.access)
			return b64(map[string]string{"alg": "none", "typ": "JWT", "kid": f.s.Keys().KeyID()}) + "." + p + "."
		}},
		{"alg none, signature kept", func(t *testing.T, f *authFixture) string {
			_, p, sig := jwtParts(t, f.token.Token)
			return b64(map[string]string{"alg": "none", "typ": "JWT", "kid": f.s.Keys().KeyID()}) + "." + p + "." + sig
		}},
		{"HS256 keyed with the public key PEM", func(t *testing.T, f *authFixture) string {
			return hs256(t, f, f.claims(t, "access"), publicPEM(t, f.s))
		}},
		{"HS256 keyed with the public key DER", func(t *testing.T, f *authFixture) string {
			der, _ := base64.StdEncoding.DecodeString(f.s.Keys().PublicKeyDER())
			return hs256(t, f, f.claims(t, "access"), der)
		}},
		{"RS256 by another key, our kid", func(t *testing.T, f *authFixture) string {
			return rs256(t, f.claims(t, "access"), f.s.Keys().KeyID(), otherPrivateKey(t))
		}},
		{"RS256 by another key, SA claims", func(t *testing.T, f *authFixture) string {
			return rs256(t, f.claims(t, "sa"), f.s.Keys().KeyID(), otherPrivateKey(t))
		}},
		{"our key, wrong kid", func(t *testing.T, f *authFixture) string {
			return rs256(t, f.claims(t, "access"), "some-other-kid", privateKeyOf(t, f.s.Keys()))
		}},
		{"our key, no kid", func(t *testing.T, f *authFixture) string {
			return rs256(t, f.claims(t, "access"), "", privateKeyOf(t, f.s.Keys()))
		}},
		{"RS512 with our key and kid", func(t *testing.T, f *authFixture) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS512, ptr(f.claims(t, "access")))
			tok.Header["kid"] = f.s.Keys().KeyID()
			return must(tok.SignedString(privateKeyOf(t, f.s.Keys()))).ok(t)
		}},
		{"PS256 with our key and kid", func(t *testing.T, f *authFixture) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodPS256, ptr(f.claims(t, "access")))
			tok.Header["kid"] = f.s.Keys().KeyID()
			return must(tok.SignedString(privateKeyOf(t, f.s.Keys()))).ok(t)
		}},
		{"missing exp (access)", forged("access", func(f *authFixture, c *signing.Claims) { c.ExpiresAt = 0 })},
		{"missing exp (SA)", forged("sa", func(f *authFixture, c *signing.Claims) { c.ExpiresAt = 0 })},
		{"exp in the past", forged("access", func(f *authFixture, c *signing.Claims) {
			c.ExpiresAt = f.s.Clock().Now().Unix() - 1
		})},
		{"exp far beyond the record", forged("access", func(f *authFixture, c *signing.Claims) {
			c.ExpiresAt += 365 * 24 * 3600
			f.s.AdvanceClock(DefaultAccessTokenTTL + time.Second)
		})},
		{"nbf in the future (access)", forged("access", func(f *authFixture, c *signing.Claims) {
			c.NotBefore = f.s.Clock().Now().Unix() + 3600
		})},
		{"nbf in the future (SA)", forged("sa", func(f *authFixture, c *signing.Claims) {
			c.NotBefore = f.s.Clock().Now().Unix() + 3600
		})},
		{"wrong iss host", forged("access", func(f *authFixture, c *signing.Claims) {
			c.Issuer = "http://evil.test/auth/realms/DominoRealm"
		})},
		{"wrong iss realm", forged("access", func(f *authFixture, c *signing.Claims) {
			c.Issuer = "http://mock.test/auth/realms/master"
		})},
		{"wrong iss (SA)", forged("sa", func(f *authFixture, c *signing.Claims) { c.Issuer = "" })},
		{"sub of another user", forged("access", func(f *authFixture, c *signing.Claims) { c.Subject = defAdminIdp })},
		{"sub of another user (SA)", forged("sa", func(f *authFixture, c *signing.Claims) { c.Subject = defAdminIdp })},
		{"no sub (SA)", forged("sa", func(f *authFixture, c *signing.Claims) { c.Subject = "" })},
		{"unknown jti", forged("access", func(f *authFixture, c *signing.Claims) { c.ID = unknownUUID })},
		{"SA claims re-signed (not the issued string)", forged("sa", func(f *authFixture, c *signing.Claims) {
			c.IssuedAt++
		})},
		{"payload edited, signature kept", func(t *testing.T, f *authFixture) string {
			return editPayload(t, f.access, func(m map[string]any) { m["preferred_username"] = "admin" })
		}},
		{"payload exp extended, signature kept", func(t *testing.T, f *authFixture) string {
			return editPayload(t, f.token.Token, func(m map[string]any) { m["exp"] = m["exp"].(float64) + 1000 })
		}},
		{"payload re-encoded with padding", func(t *testing.T, f *authFixture) string {
			h, p, sig := jwtParts(t, f.token.Token)
			data, _ := base64.RawURLEncoding.DecodeString(p)
			padded := base64.URLEncoding.EncodeToString(data)
			if padded == p {
				padded += "===="
			}
			return h + "." + padded + "." + sig
		}},
		{"trailing garbage", func(t *testing.T, f *authFixture) string { return f.token.Token + "x" }},
		{"trailing dot", func(t *testing.T, f *authFixture) string { return f.token.Token + "." }},
		{"trailing segment", func(t *testing.T, f *authFixture) string { return f.token.Token + ".e30" }},
		{"trailing padding", func(t *testing.T, f *authFixture) string { return f.token.Token + "==" }},
		{"trailing space", func(t *testing.T, f *authFixture) string { return f.token.Token + " " }},
		{"leading Bearer prefix", func(t *testing.T, f *authFixture) string { return "Bearer " + f.token.Token }},
		{"access token garbage", func(t *testing.T, f *authFixture) string { return f.access + "A" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newAuthFixture(t)
			raw := c.make(t, f)
			if raw == f.token.Token || raw == f.access {
				// The case changed the state, not the token: nothing else
				// should have been refused with it.
				authRefused(t, f.s, c.name, raw)
				return
			}
			authRefused(t, f.s, c.name, raw)
			// Refusing a forgery does not harm the token it was made from.
			authOK(t, f.s, "the original SA token", f.token.Token, f.sa.ID)
		})
	}
}

func ptr[V any](v V) *V { return &v }

func publicPEM(t *testing.T, s *Store) []byte {
	der, err := base64.StdEncoding.DecodeString(s.Keys().PublicKeyDER())
	if err != nil {
		t.Fatal(err)
	}
	return []byte("-----BEGIN PUBLIC KEY-----\n" + base64.StdEncoding.EncodeToString(der) + "\n-----END PUBLIC KEY-----\n")
}

func hs256(t *testing.T, f *authFixture, c signing.Claims, key []byte) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, &c)
	tok.Header["kid"] = f.s.Keys().KeyID()
	return must(tok.SignedString(key)).ok(t)
}

func rs256(t *testing.T, c signing.Claims, kid string, key any) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, &c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	return must(tok.SignedString(key)).ok(t)
}

func editPayload(t *testing.T, raw string, edit func(map[string]any)) string {
	h, p, sig := jwtParts(t, raw)
	data, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	return h + "." + b64(m) + "." + sig
}

func TestReactivatedAccountTokens(t *testing.T) {
	for _, tc := range []struct {
		name    string
		store   func(testing.TB) *Store
		wantSub bool
	}{
		{"observed: new token lacks sub and is refused", newStore, false},
		{"strict: new token has sub and works", strictStore, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.store(t)
			admin := caller(t, s, "admin")
			sa := newAccount(t, s, "bot")
			before := newToken(t, s, sa, "before")
			if c := must(s.Keys().Verify(before.Token)).ok(t); c.Subject != sa.IdpID {
				t.Errorf("token of a never-deactivated account has sub %q, want %q", c.Subject, sa.IdpID)
			}
			must(s.DeactivateServiceAccount(admin, sa.IdpID)).ok(t)
			must(s.ActivateServiceAccount(admin, sa.IdpID)).ok(t)
			after := newToken(t, s, sa, "after")
			if !after.IsValid {
				t.Errorf("the new token is listed invalid")
			}
			c := must(s.Keys().Verify(after.Token)).ok(t)
			if tc.wantSub {
				if c.Subject != sa.IdpID {
					t.Errorf("sub = %q, want %q", c.Subject, sa.IdpID)
				}
				authOK(t, s, "token after reactivation", after.Token, sa.ID)
			} else {
				if c.Subject != "" {
					t.Errorf("sub = %q, want none (observed defect)", c.Subject)
				}
				_, payload, _ := jwtParts(t, after.Token)
				data, _ := base64.RawURLEncoding.DecodeString(payload)
				if strings.Contains(string(data), `"sub"`) {
					t.Errorf("payload %s has a sub claim", data)
				}
				authRefused(t, s, "token after reactivation", after.Token)
			}
			authRefused(t, s, "token from before deactivation", before.Token)
		})
	}
}

func TestAccessToken(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	raw := must(s.IssueAccessToken(alice)).ok(t)
	c := authOK(t, s, "fresh access token", raw, defAliceID)
	if c.IsAdmin || c.UserName != "alice" || c.IsServiceAccount {
		t.Errorf("caller = %+v", c)
	}
	claims := must(s.Keys().Verify(raw)).ok(t)
	if claims.Subject != alice.IdpID || claims.Issuer != s.Issuer() || claims.ExpiresAt-claims.IssuedAt != 300 {
		t.Errorf("claims = %+v, want sub %s, iss %s, 5 min life", claims, alice.IdpID, s.Issuer())
	}
	admin := must(s.IssueAccessToken(caller(t, s, "admin"))).ok(t)
	if c := authOK(t, s, "admin access token", admin, defAdminID); !c.IsAdmin {
		t.Errorf("admin's access token does not carry admin")
	}
	must(s.AdvanceClock(DefaultAccessTokenTTL - time.Second)).ok(t)
	authOK(t, s, "access token 1s before expiry", raw, defAliceID)
	must(s.AdvanceClock(2 * time.Second)).ok(t)
	authRefused(t, s, "access token 1s after expiry", raw)
	authRefused(t, s, "admin access token after expiry", admin)
	// Unknown caller.
	_, err := s.IssueAccessToken(Caller{ID: unknownID})
	wantKind(t, "IssueAccessToken(unknown)", err, KindUnauthenticated)
}

func TestAccessTokenOfAServiceAccountEndsWithIt(t *testing.T) {
	s := newStore(t)
	sa := newAccount(t, s, "bot")
	raw := must(s.IssueAccessToken(saCaller(sa))).ok(t)
	authOK(t, s, "SA access token", raw, sa.ID)
	must(s.DeactivateServiceAccount(caller(t, s, "admin"), sa.IdpID)).ok(t)
	authRefused(t, s, "SA access token after deactivation", raw)
}

func TestAuthenticateAPIKey(t *testing.T) {
	s := newStore(t)
	for _, tc := range []struct {
		key, want string
		admin     bool
	}{
		{"mockdomino-admin-key-7c3f0e9a2b5d4c18", defAdminID, true},
		{"mockdomino-alice-key-1e8b6d2f9a0c7e35", defAliceID, false},
	} {
		c, err := s.AuthenticateAPIKey(tc.key)
		if err != nil || c.ID != tc.want || c.IsAdmin != tc.admin {
			t.Errorf("AuthenticateAPIKey(%s) = %+v, %v", tc.key, c, err)
		}
	}
	for _, key := range []string{"", "wrong", "mockdomino-admin-key-7c3f0e9a2b5d4c1", "MOCKDOMINO-ADMIN-KEY-7C3F0E9A2B5D4C18"} {
		_, err := s.AuthenticateAPIKey(key)
		wantKind(t, "AuthenticateAPIKey("+key+")", err, KindUnauthenticated)
	}
	_, err := s.CallerByUserName("nobody")
	wantKind(t, "CallerByUserName(nobody)", err, KindNotFound)
	if c := caller(t, s, "ADMIN"); c.ID != defAdminID {
		t.Errorf("CallerByUserName is not case-insensitive: %+v", c)
	}
}

func TestTimeJSON(t *testing.T) {
	tm := Time(time.Date(2025, 9, 4, 19, 28, 34, 12_345_678, time.FixedZone("CEST", 2*3600)))
	data, err := json.Marshal(tm)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `"2025-09-04T17:28:34.012Z"` {
		t.Errorf("Time JSON = %s, want \"2025-09-04T17:28:34.012Z\"", data)
	}
	var back Time
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !time.Time(back).Equal(time.Date(2025, 9, 4, 17, 28, 34, 12_000_000, time.UTC)) {
		t.Errorf("round trip = %v", time.Time(back))
	}
	whole, _ := json.Marshal(Time(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)))
	if string(whole) != `"2025-01-02T03:04:05.000Z"` {
		t.Errorf("whole-second Time JSON = %s", whole)
	}
}

func TestInactiveAccountRefusedEvenIfTokenMarkedValid(t *testing.T) {
	// A state document (PUT /__mock/state) can say an account is inactive
	// while its token record still says valid: the account decides.
	s := newStore(t)
	sa := newAccount(t, s, "bot")
	tk := newToken(t, s, sa, "t")
	snap := s.Export(true)
	for i := range snap.Users {
		if snap.Users[i].ID == sa.ID {
			snap.Users[i].Active = false
		}
	}
	if err := s.Import(snap); err != nil {
		t.Fatal(err)
	}
	if got := must(s.Token(caller(t, s, "admin"), sa.IdpID, "t")).ok(t); !got.IsValid {
		t.Fatalf("setup: the token record is not valid")
	}
	authRefused(t, s, "token of an inactive account", tk.Token)
}

// TestRefusalsSayWhy: every refused credential carries the check that
// refused it (Error.Reason, for the journal and the debug log), while its
// message stays the one generic answer and neither holds the credential
// (issue 12, item 12).
func TestRefusalsSayWhy(t *testing.T) {
	s := newStore(t) // the observed profile: tokens made after a reactivation lack sub
	admin := caller(t, s, "admin")
	bot := newAccount(t, s, "bot")
	tok := newToken(t, s, bot, "t1").Token
	viaTok := must(s.IssueAccessToken(authOK(t, s, "t1", tok, bot.ID))).ok(t)
	aliceAccess := must(s.IssueAccessToken(caller(t, s, "alice"))).ok(t)
	old := newToken(t, s, bot, "old").Token
	must(s.InvalidateToken(admin, bot.IdpID, "old")).ok(t)
	gone := newToken(t, s, bot, "gone").Token
	must(s.DeleteToken(admin, bot.IdpID, "gone")).ok(t)
	off := newAccount(t, s, "off")
	offTok := newToken(t, s, off, "t1").Token
	must(s.DeactivateServiceAccount(admin, off.IdpID)).ok(t)
	back := newAccount(t, s, "back")
	must(s.DeactivateServiceAccount(admin, back.IdpID)).ok(t)
	must(s.ActivateServiceAccount(admin, back.IdpID)).ok(t)
	noSub := newToken(t, s, back, "after").Token

	type check struct{ what, raw, reason string }
	checks := []check{
		{"not a JWT", "not-a-token", "not a JWT"},
		{"altered", tok[:len(tok)-4] + "AAAA", "bad signature"},
		{"deleted", gone, "unknown token"},
		{"invalidated", old, `token "old" of service account bot was invalidated`},
		{"deactivated", offTok, "service account off is deactivated"},
		{"no sub", noSub, `token "after" of service account back has no sub`},
	}
	run := func(cs []check) {
		t.Helper()
		for _, c := range cs {
			_, err := s.AuthenticateBearer(c.raw)
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindUnauthenticated || e.Message != ErrUnauthenticated.Message {
				t.Errorf("%s: err = %v, want the generic refusal", c.what, err)
				continue
			}
			if !strings.Contains(e.Reason, c.reason) || strings.Contains(e.Reason, c.raw) {
				t.Errorf("%s: reason %q, want it to say %q and hold no credential", c.what, e.Reason, c.reason)
			}
		}
	}
	run(checks)
	must(s.InvalidateToken(admin, bot.IdpID, "t1")).ok(t)
	run([]check{{"access token of an invalidated token", viaTok, "access token of bot: the token it was obtained with is refused: " + `token "t1" of service account bot was invalidated`}})
	must(s.AdvanceClock(DefaultAccessTokenTTL + time.Second)).ok(t)
	run([]check{{"expired access token", aliceAccess, "access token of alice expired at"}})
	fresh := newToken(t, s, bot, "fresh").Token
	must(s.AdvanceClock(DefaultTokenTTL + time.Second)).ok(t)
	run([]check{{"expired", fresh, `token "fresh" of service account bot expired at`}})

	for key, reason := range map[string]string{"": "unknown API key", "wrong-key": "unknown API key"} {
		_, err := s.AuthenticateAPIKey(key)
		var e *Error
		if !errors.As(err, &e) || e.Reason != reason || e.Message != ErrUnauthenticated.Message {
			t.Errorf("AuthenticateAPIKey(%q): %+v, want reason %q", key, err, reason)
		}
	}
}
