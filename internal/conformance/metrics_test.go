package conformance

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
)

// TestModelMonitoringID: on a target that is not a mock, the custom-metric
// scenarios run only with a model to log to (--model-monitoring-id or
// DOMINO_MODEL_MONITORING_ID); without one they are skipped, and the
// output says why.
func TestModelMonitoringID(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	u, _ := url.Parse(m.srv.APIURL())
	rp := httputil.NewSingleHostReverseProxy(u)
	real := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__mock/") {
			http.NotFound(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer real.Close()
	args := []string{"--api-host", real.URL, "--admin-api-key", m.Target().AdminAPIKey, "--tags", "@metrics"}
	for _, c := range []struct {
		name  string
		args  []string
		env   map[string]string
		want  string // the last line
		skips bool   // says it skipped the @model-monitoring scenarios
	}{
		{"without a model", args, nil, "0 passed, 0 failed, 15 skipped", true},
		{"with --model-monitoring-id", append(args, "--model-monitoring-id", "64b7f0a1c2d3e4f5a6b7d001"), nil, "13 passed, 0 failed, 2 skipped", false},
		{"with DOMINO_MODEL_MONITORING_ID", args, map[string]string{"DOMINO_MODEL_MONITORING_ID": "64b7f0a1c2d3e4f5a6b7d001"}, "13 passed, 0 failed, 2 skipped", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), c.args, &stdout, &stderr, func(k string) string { return c.env[k] })
			out := stdout.String()
			if code != 0 || lastLine(out) != c.want {
				t.Fatalf("exit %d, last line %q, want %q\n%s\n%s", code, lastLine(out), c.want, out, stderr.String())
			}
			if said := strings.Contains(out, "@model-monitoring scenario(s): they need a model registered in the target's Model Monitor"); said != c.skips {
				t.Errorf("says it skipped @model-monitoring scenarios: %v, want %v\n%s", said, c.skips, out)
			}
		})
	}
}
