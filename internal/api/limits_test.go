package api_test

import (
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/store"
)

// TestLimitsAnswer400: what is over a limit is refused with Domino's 400
// body, naming the limit.
func TestLimitsAnswer400(t *testing.T) {
	st := store.New(store.Config{Keys: keys(t), ExternalURL: "http://mock.test",
		Limits: store.Limits{GitCredentialsPerUser: 1, TokensPerAccount: 1}})
	o := api.Options{Store: st, Journal: api.NewJournal(10), Faults: api.NewFaults(1)}
	e := &env{t: t, st: st, api: api.New(o, api.APIHost), proxy: api.New(o, api.Proxy)}

	big := strings.Repeat("x", store.DefaultMaxGitSecretBytes+1)
	r := e.do(e.proxy, "POST", "/v4/accounts/"+aliceID+"/gitcredentials",
		`{"name":"big","gitServiceProvider":"github","accessType":"token","token":"`+big+`"}`)
	wantError(t, r, 400, "65536 bytes", "--max-git-secret-bytes")

	e.addGitCredential(aliceID, "one")
	r = e.do(e.api, "POST", "/v4/accounts/"+aliceID+"/gitcredentials",
		`{"name":"two","gitServiceProvider":"github","accessType":"token","token":"t"}`, asAlice...)
	wantError(t, r, 400, "1 git credentials", "--max-git-credentials")

	a, _ := e.saWithToken("capped", "")
	r = e.do(e.proxy, "POST", "/v4/serviceAccounts/"+a.IdpID+"/tokens", `{"name":"t2"}`)
	wantError(t, r, 400, "1 tokens", "--max-tokens")
}
