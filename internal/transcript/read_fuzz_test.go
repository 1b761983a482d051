package transcript

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzRead: a transcript is a file a user gives replay; whatever it holds,
// Read returns exchanges or an error naming a line, never panics, and what
// it accepts has a method and a path and marshals again.
func FuzzRead(f *testing.F) {
	f.Add(`{"time":"2026-11-27T00:00:00Z","method":"GET","host":"h","path":"/version","requestHeaders":{},"status":200,"ms":1}`)
	f.Add(`{"method":"POST","path":"/v4/x","requestHeaders":{"X-Domino-Api-Key":["<api-key-1>"]},"requestBody":{"a":[1,2]},"responseBodyBase64":"AAE="}` + "\n\n" + `{"method":"GET","path":"/"}`)
	f.Add("[1]\n")
	f.Add(`{"method":"GET","path":"/","requestHeaders":{"A":"not a list"}}`)
	f.Fuzz(func(t *testing.T, in string) {
		xs, err := Read(strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") && !strings.HasPrefix(err.Error(), "after line ") && err.Error() != "the transcript holds no exchange" {
				t.Fatalf("an error that names no line: %v", err)
			}
			return
		}
		for _, x := range xs {
			if x.Method == "" || !strings.HasPrefix(x.Path, "/") || x.Line < 1 {
				t.Fatalf("accepted %+v", x)
			}
			if _, err := json.Marshal(x); err != nil {
				t.Fatalf("marshalling an accepted exchange: %v", err)
			}
		}
	})
}
