package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/store"
)

// journalEnv is a mock whose journal the test reads directly.
func journalEnv(t testing.TB) (*env, *api.Journal) {
	t.Helper()
	st := store.New(store.Config{Keys: keys(t), ExternalURL: "http://mock.test"})
	j := api.NewJournal(100)
	o := api.Options{Store: st, Journal: j, Faults: api.NewFaults(1)}
	return &env{t: t, st: st, api: api.New(o, api.APIHost), proxy: api.New(o, api.Proxy)}, j
}

// TestJournalRedactsSecretKeysAnySpelling: encoding/json matches a key to a
// field as strings.EqualFold does, so "Token", "PASSWORD" or "\u212aey"
// (Kelvin sign) all set the credential's secret; the journal must redact
// every spelling the decoder accepts, not only the exact one.
func TestJournalRedactsSecretKeysAnySpelling(t *testing.T) {
	for _, tc := range []struct {
		name, body, secret string
	}{
		{"Token", `{"name":"c","gitServiceProvider":"github","accessType":"token","Token":"SECRET-tok-1"}`, "SECRET-tok-1"},
		{"TOKEN", `{"name":"c","gitServiceProvider":"github","accessType":"token","TOKEN":"SECRET-tok-2"}`, "SECRET-tok-2"},
		{"PASSWORD", `{"name":"c","gitServiceProvider":"github","accessType":"password","username":"u","PASSWORD":"SECRET-pw-1"}`, "SECRET-pw-1"},
		{"long s", `{"name":"c","gitServiceProvider":"github","accessType":"password","username":"u","pa\u017f\u017fword":"SECRET-pw-2"}`, "SECRET-pw-2"},
		{"Kelvin sign", `{"name":"c","gitServiceProvider":"github","accessType":"key","\u212aey":"SECRET-key-1"}`, "SECRET-key-1"},
		{"KEY", `{"name":"c","gitServiceProvider":"github","accessType":"key","KEY":"SECRET-key-2"}`, "SECRET-key-2"},
		{"Passphrase", `{"name":"c","gitServiceProvider":"github","accessType":"key","key":"k","Passphrase":"SECRET-pp-1"}`, "SECRET-pp-1"},
		{"duplicate key", `{"name":"c","gitServiceProvider":"github","accessType":"token","token":"x","tOKEN":"SECRET-tok-3"}`, "SECRET-tok-3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, j := journalEnv(t)
			e.must(200, e.proxy, "POST", "/v4/accounts/"+aliceID+"/gitcredentials", tc.body)
			// The decoder took the secret (except a passphrase, which is
			// decoded but not kept): the spelling is one Domino's clients could send.
			var in store.GitCredentialInput
			if err := json.Unmarshal([]byte(tc.body), &in); err != nil {
				t.Fatal(err)
			}
			if got := in.Token + in.Password + in.Key + in.Passphrase; !strings.Contains(got, tc.secret) {
				t.Fatalf("encoding/json did not decode the secret from %s", tc.body)
			}
			entries, _ := j.Entries(api.JournalFilter{})
			if len(entries) != 1 {
				t.Fatalf("journal has %d entries, want 1", len(entries))
			}
			all, _ := json.Marshal(entries)
			if strings.Contains(string(all), tc.secret) {
				t.Fatalf("journal shows the secret: %s", all)
			}
			if !strings.Contains(string(entries[0].Body), `"<redacted>"`) {
				t.Fatalf("journal body has nothing redacted: %s", entries[0].Body)
			}
		})
	}
}
