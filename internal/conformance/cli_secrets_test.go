package conformance

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The API keys from the environment are secrets: the usage text, which
// prints flags' defaults, must not show them (issue 12, item 11).
func TestUsageShowsNoAPIKeys(t *testing.T) {
	env := map[string]string{"DOMINO_USER_API_KEY": "admin-key-from-env-7f3a", "DOMINO_NONADMIN_API_KEY": "user-key-from-env-9c1b"}
	for _, args := range [][]string{{"-h"}, {"--no-such-flag"}} {
		var stdout, stderr bytes.Buffer
		Main(context.Background(), args, &stdout, &stderr, func(k string) string { return env[k] })
		for _, key := range env {
			if strings.Contains(stdout.String()+stderr.String(), key) {
				t.Errorf("%v: the output shows %q:\n%s", args, key, stderr.String())
			}
		}
		if !strings.Contains(stderr.String(), "DOMINO_USER_API_KEY") {
			t.Errorf("%v: the usage no longer names the variable:\n%s", args, stderr.String())
		}
	}
}
