package api

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/mockdomino/mockdomino/internal/store"
)

// TestJSONWritersMatchEncodingJSON: a body that writes its own JSON writes
// exactly what encoding/json (HTML escaping off) would, whatever its
// strings hold.
func TestJSONWritersMatchEncodingJSON(t *testing.T) {
	encode := func(v any) []byte {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	odd := []string{"", "plain", `quo"te`, `back\slash`, "tab\there", "nl\n", "<html>&amp;", "ünï", "\u2028\u2029",
		"\x00\x1f\x7f", string([]byte{0xff, 0xfe}), "a+b@example.com", "emoji 🙂"}
	for _, pg := range []*paginationV1{nil, {Offset: 3, Limit: 50, TotalCount: 10000}} {
		for _, nested := range []bool{false, true} {
			var list []store.ServiceAccount
			for i, s := range odd {
				list = append(list, store.ServiceAccount{Username: s, Email: odd[(i+1)%len(odd)], ID: odd[(i+2)%len(odd)], IdpID: odd[(i+3)%len(odd)]})
			}
			md := pagedMetadataV1{metadataV1: metadataV1{RequestID: `req"1`, Notices: []string{"a", "<b>"}}}
			if nested {
				md.Pagination = pg
			} else {
				md.paginationV1 = pg
			}
			empty := md
			empty.Notices = nil
			for _, page := range []serviceAccountsPage{{ServiceAccounts: list, Metadata: md}, {ServiceAccounts: []store.ServiceAccount{}, Metadata: md}, {Metadata: empty}} {
				var got bytes.Buffer
				page.writeJSON(&got)
				if want := encode(page); !bytes.Equal(got.Bytes(), want) {
					t.Errorf("writeJSON wrote\n%s\nencoding/json writes\n%s", got.Bytes(), want)
				}
			}
		}
	}
}
