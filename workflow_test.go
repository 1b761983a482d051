package mockdomino_test

// There is no GitHub where the tests run, so the example CI job
// (.github/workflows/conformance.yml, shown in README.md) is checked here:
// the service it starts is the compose file's mock, its flags reach that
// mock's published ports, the runner's command line runs as written and
// writes its JUnit report where the upload step looks for it.

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mockdomino/mockdomino/internal/conformance"
	"github.com/mockdomino/mockdomino/internal/server"
)

const workflowPath = ".github/workflows/conformance.yml"

type workflowFile struct {
	Name string         `yaml:"name"`
	On   map[string]any `yaml:"on"`
	Jobs map[string]struct {
		RunsOn         string         `yaml:"runs-on"`
		TimeoutMinutes int            `yaml:"timeout-minutes"`
		Steps          []workflowStep `yaml:"steps"`
	} `yaml:"jobs"`
}

type workflowStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	If   string            `yaml:"if"`
	With map[string]string `yaml:"with"`
}

// flagArg is one flag of a command line: --name=value, --name value, or
// --name alone (a boolean).
type flagArg struct{ name, value string }

// parseFlags reads a command line of flags only; a word that is not a flag
// is the value of the flag before it.
func parseFlags(t *testing.T, args []string) []flagArg {
	t.Helper()
	var flags []flagArg
	for i := 0; i < len(args); i++ {
		name, ok := strings.CutPrefix(args[i], "--")
		if !ok {
			t.Fatalf("%q is not a flag (in %q)", args[i], args)
		}
		f := flagArg{name: name}
		if n, v, ok := strings.Cut(name, "="); ok {
			f = flagArg{n, v}
		} else if i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
			f.value = args[i+1]
			i++
		}
		flags = append(flags, f)
	}
	return flags
}

func flagValue(flags []flagArg, name string) (string, bool) {
	for _, f := range flags {
		if f.name == name {
			return f.value, true
		}
	}
	return "", false
}

func readWorkflow(t *testing.T) (workflowFile, []byte) {
	t.Helper()
	data, err := os.ReadFile(workflowPath)
	if err != nil {
		t.Fatal(err)
	}
	var wf workflowFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt key is an error, as GitHub would report
	if err := dec.Decode(&wf); err != nil {
		t.Fatalf("%s: %v", workflowPath, err)
	}
	return wf, data
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile("docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformanceWorkflow(t *testing.T) {
	wf, data := readWorkflow(t)
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, []byte("```yaml\n"+string(data)+"```\n")) {
		t.Errorf("README.md does not show %s as it is, in a yaml block", workflowPath)
	}
	if len(wf.Jobs) != 1 {
		t.Fatalf("%d jobs, want the one", len(wf.Jobs))
	}
	for name, job := range wf.Jobs {
		if job.TimeoutMinutes <= 0 {
			t.Errorf("job %s has no timeout-minutes: a hung run would hold a runner for 6 hours", name)
		}
		checkConformanceSteps(t, job.Steps)
	}
}

func checkConformanceSteps(t *testing.T, steps []workflowStep) {
	compose := readCompose(t)
	checkout, start, suite, upload := -1, -1, -1, -1
	for i, s := range steps {
		switch {
		case strings.HasPrefix(s.Uses, "actions/checkout@"):
			checkout = i
		case strings.HasPrefix(s.Run, "docker compose up "):
			start = i
		case strings.HasPrefix(s.Run, "go run ./cmd/conformance "):
			suite = i
		case strings.HasPrefix(s.Uses, "actions/upload-artifact@"):
			upload = i
		}
	}
	if checkout != 0 || start < 0 || suite < start || upload < suite {
		t.Fatalf("steps %+v: want the checkout first, then the mock started, the suite run, its report uploaded", steps)
	}

	// The mock: a compose service, built from the Dockerfile (TestComposeFile
	// checks its target), and waited for until its health check passes.
	up := strings.Fields(steps[start].Run)
	svcName := up[len(up)-1]
	svc, ok := compose.Services[svcName]
	switch {
	case !ok:
		t.Fatalf("%q starts %q, which docker-compose.yaml does not define", steps[start].Run, svcName)
	case !slices.Contains(up, "--wait") || !slices.Contains(up, "--detach"):
		t.Errorf("%q: want --detach --wait, so the suite starts once the mock is healthy", steps[start].Run)
	case len(svc.Healthcheck.Test) == 0:
		t.Errorf("service %s has no health check for --wait to wait for", svcName)
	}

	// The suite reaches the mock's API and proxy where compose publishes them.
	flags := parseFlags(t, strings.Fields(strings.TrimPrefix(steps[suite].Run, "go run ./cmd/conformance ")))
	listens := map[string]string{}
	for _, arg := range svc.Command {
		if name, addr, ok := strings.Cut(strings.TrimPrefix(arg, "--"), "="); ok {
			listens[name] = addr
		}
	}
	for flag, listen := range map[string]string{"api-host": "listen", "api-proxy": "proxy-listen"} {
		v, _ := flagValue(flags, flag)
		u, err := url.Parse(v)
		if err != nil || u.Host == "" {
			t.Errorf("--%s %q is not a URL", flag, v)
			continue
		}
		_, containerPort, _ := strings.Cut(listens[listen], ":")
		if want := u.Host + ":" + containerPort; !slices.Contains(svc.Ports, want) {
			t.Errorf("--%s %s: service %s publishes %v, not %s (its --%s is %q)", flag, v, svcName, svc.Ports, want, listen, listens[listen])
		}
	}
	format, _ := flagValue(flags, "format")
	output, _ := flagValue(flags, "output")
	if format != "junit" || output == "" {
		t.Errorf("the suite writes --format %q --output %q, want a JUnit report in a file", format, output)
	}

	// The report is uploaded, also when the suite failed or was cancelled.
	up2 := steps[upload]
	if up2.If != "always()" {
		t.Errorf("the upload step runs if %q, want always()", up2.If)
	}
	if up2.With["path"] != output {
		t.Errorf("the upload step uploads %q, the suite writes %q", up2.With["path"], output)
	}

	// The command line runs as written, against a mock configured as
	// compose configures it (the tokens' iss names the compose service),
	// on a few scenarios, and leaves its report where the upload looks.
	srv, err := server.Start(server.Config{Listen: "127.0.0.1:0", ProxyListen: "127.0.0.1:0", ExternalURL: listens["external-url"]})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	var args []string
	for _, f := range flags {
		switch f.name {
		case "api-host":
			f.value = srv.APIURL()
		case "api-proxy":
			f.value = srv.ProxyURL()
		case "output":
			f.value = filepath.Join(dir, filepath.FromSlash(f.value))
		}
		if f.value == "" {
			args = append(args, "--"+f.name)
		} else {
			args = append(args, "--"+f.name+"="+f.value)
		}
	}
	args = append(args, "--tags", "@jwt")
	var stdout, stderr bytes.Buffer
	if code := conformance.Main(context.Background(), args, &stdout, &stderr, func(string) string { return "" }); code != 0 {
		t.Fatalf("conformance %q: exit %d\n%s\n%s", args, code, stdout.String(), stderr.String())
	}
	report, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(output)))
	if err != nil {
		t.Fatalf("the upload step would find no report: %v", err)
	}
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Tests   int      `xml:"tests,attr"`
	}
	if err := xml.Unmarshal(report, &doc); err != nil || doc.Tests == 0 {
		t.Errorf("%s is not a JUnit report of the scenarios run (%v):\n%.500s", output, err, report)
	}
	if !regexp.MustCompile(`(?m)^\d+ passed, 0 failed`).Match(stdout.Bytes()) {
		t.Errorf("the job's log would not show the summary:\n%s", stdout.String())
	}
}
