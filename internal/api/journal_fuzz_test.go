package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/store"
)

// FuzzJournalRedaction checks the journal's redaction against the decoder:
// for any body sent to a git-credential route, every secret encoding/json
// decodes from it (token, password, key, passphrase) is absent from the
// journal entry.
//
// Two properties: (1) decoding the journaled body as the route does yields
// no secret; (2) no string in the journaled body contains a secret, unless
// that text was also sent where it is not a secret (a key, a name, a value
// nested elsewhere), which the client chose to show.
func FuzzJournalRedaction(f *testing.F) {
	for _, s := range []string{
		`{"name":"c","gitServiceProvider":"github","accessType":"token","token":"SECRET-1"}`,
		`{"name":"c","gitServiceProvider":"github","accessType":"token","Token":"SECRET-1"}`,
		`{"name":"c","gitServiceProvider":"github","accessType":"password","username":"u","PASSWORD":"SECRET-2"}`,
		`{"name":"c","gitServiceProvider":"github","accessType":"key","\u212aey":"SECRET-3","Passphrase":"SECRET-4"}`,
		`{"name":"c","gitServiceProvider":"github","accessType":"password","username":"u","pa\u017f\u017fword":"SECRET-5"}`,
		`{"\u0074oken":"SECRET-6","token":"SECRET-7","tOkEn":"SECRET-8"}`,
		`{"name":1,"token":"SECRET-9"}`,
		`{"token":["SECRET-10"],"key":{"a":"SECRET-11"},"password":"SECRET-12"}`,
		`{"name":"SECRET-13","token":"SECRET-13"}`,
		`{"token":"SECRET-14"} {"x":1}`,
		"{\"token\":\"SECRET-\xff\"}",
		`{"token":""}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e, j := journalEnv(t)
		send(e.proxy, "POST", "/v4/accounts/"+aliceID+"/gitcredentials", body, "application/json")

		// What the route's decoder makes of the body, even if it then
		// refuses it (a field of the wrong type stops nothing else).
		var in store.GitCredentialInput
		json.Unmarshal(body, &in)
		var secrets []string
		for _, s := range []string{in.Token, in.Password, in.Key, in.Passphrase} {
			if s != "" {
				secrets = append(secrets, s)
			}
		}
		entries, _ := j.Entries(api.JournalFilter{})
		if len(entries) != 1 {
			t.Fatalf("journal has %d entries, want 1", len(entries))
		}
		entry := entries[0]
		if entry.BodyText != "" && !bodyNote.MatchString(entry.BodyText) {
			t.Fatalf("journal bodyText %q", entry.BodyText)
		}
		if len(secrets) == 0 || entry.Body == nil {
			return
		}

		// (1) The decoder finds no secret in what the journal shows.
		var shown store.GitCredentialInput
		json.Unmarshal(entry.Body, &shown)
		for _, s := range []string{shown.Token, shown.Password, shown.Key, shown.Passphrase} {
			if s != "" && s != store.Redacted {
				t.Fatalf("the journal's body decodes to secret %q: %s", s, entry.Body)
			}
		}

		// (2) No string of the journaled body contains a secret the client
		// did not also send in the open.
		open := openStrings(body)
		shownStrings := jsonStrings(t, entry.Body)
		for _, s := range secrets {
			if strings.Contains(store.Redacted, s) || containsIn(open, s) {
				continue
			}
			for _, v := range shownStrings {
				if strings.Contains(v, s) {
					t.Fatalf("the journal shows secret %q in %q: %s", s, v, entry.Body)
				}
			}
		}
	})
}

var bodyNote = regexp.MustCompile(`^\(\d+ bytes, not shown: not a complete JSON document\)$`)

// secretKeyOf reports whether encoding/json would decode a top-level key
// into one of GitCredentialInput's secret fields.
func secretKeyOf(k string) bool {
	t := reflect.TypeFor[store.GitCredentialInput]()
	for _, name := range []string{"Token", "Password", "Key", "Passphrase"} {
		f, _ := t.FieldByName(name)
		if strings.EqualFold(k, strings.Split(f.Tag.Get("json"), ",")[0]) {
			return true
		}
	}
	return false
}

// openStrings is every string of a JSON body but the values of its
// top-level secret keys: keys, names, nested values.
func openStrings(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	var walk func(v any, top bool)
	walk = func(v any, top bool) {
		switch t := v.(type) {
		case string:
			out = append(out, t)
		case []any:
			for _, x := range t {
				walk(x, false)
			}
		case map[string]any:
			for k, x := range t {
				out = append(out, k)
				if top && secretKeyOf(k) {
					continue
				}
				walk(x, false)
			}
		}
	}
	walk(v, true)
	return out
}

// jsonStrings is every string token (keys and values) of a JSON document.
func jsonStrings(t *testing.T, doc []byte) []string {
	var out []string
	dec := json.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("the journal's body is not JSON: %v: %s", err, doc)
		}
		if s, ok := tok.(string); ok {
			out = append(out, s)
		}
	}
}

func containsIn(list []string, s string) bool {
	for _, v := range list {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}
