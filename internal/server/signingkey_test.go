package server

import (
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/signing"
)

// --signing-key takes the PEM itself as well as a path, on one line with
// \n for its newlines too: containers pass keys in variables.
func TestSigningKeyGivenAsPEM(t *testing.T) {
	k, err := signing.Generate()
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string]string{
		"PEM":             string(k.PEM()),
		"PEM on one line": strings.ReplaceAll(string(k.PEM()), "\n", `\n`),
	} {
		s, err := Start(Config{Listen: "127.0.0.1:0", SigningKey: value})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := s.Store().Keys().KeyID(); got != k.KeyID() {
			t.Errorf("%s: signs with kid %s, want the given key's %s", name, got, k.KeyID())
		}
		s.Close()
	}
}
