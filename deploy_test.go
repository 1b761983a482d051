package mockdomino_test

// There is no Docker engine where CI runs, so these tests check what can be
// checked without one: the compose file parses, names only build targets
// the Dockerfile defines, wires the conformance runner to the mock's
// listeners, and health-checks with a flag the binary really has.

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type composeFile struct {
	Services map[string]struct {
		Build struct {
			Context string `yaml:"context"`
			Target  string `yaml:"target"`
		} `yaml:"build"`
		Image       string   `yaml:"image"`
		Command     []string `yaml:"command"`
		Ports       []string `yaml:"ports"`
		Healthcheck struct {
			Test     []string `yaml:"test"`
			Interval string   `yaml:"interval"`
			Timeout  string   `yaml:"timeout"`
			Retries  int      `yaml:"retries"`
		} `yaml:"healthcheck"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
	} `yaml:"services"`
}

func TestComposeFile(t *testing.T) {
	data, err := os.ReadFile("docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true) // a misspelt key is an error, as docker compose would report
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("docker-compose.yaml: %v", err)
	}
	dockerfile, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?mi)^FROM\s+\S+\s+AS\s+(\S+)`).FindAllStringSubmatch(string(dockerfile), -1) {
		targets[m[1]] = true
	}

	mock, ok := c.Services["mockdomino"]
	if !ok {
		t.Fatal("no mockdomino service")
	}
	runner, ok := c.Services["conformance"]
	if !ok {
		t.Fatal("no conformance service")
	}
	for name, s := range c.Services {
		if !targets[s.Build.Target] {
			t.Errorf("service %s builds target %q, which the Dockerfile does not define (has %v)", name, s.Build.Target, targets)
		}
		if s.Build.Context != "." {
			t.Errorf("service %s: build context %q, want .", name, s.Build.Context)
		}
	}
	if !slices.Contains(mock.Command, "--listen=0.0.0.0:8080") || !slices.Contains(mock.Command, "--proxy-listen=0.0.0.0:8899") {
		t.Errorf("mock must listen on all interfaces inside its container: %v", mock.Command)
	}
	if !slices.Contains(mock.Ports, "8080:8080") || !slices.Contains(mock.Ports, "8899:8899") {
		t.Errorf("mock ports %v", mock.Ports)
	}
	if hc := mock.Healthcheck.Test; len(hc) < 3 || hc[0] != "CMD" || hc[1] != "/mockdomino" || hc[2] != "--health-check" {
		t.Errorf("healthcheck %v must run the binary's --health-check", hc)
	}
	main, _ := os.ReadFile("cmd/mockdomino/main.go")
	if !strings.Contains(string(main), `"health-check"`) {
		t.Error("cmd/mockdomino has no --health-check flag for the compose health check")
	}
	if runner.DependsOn["mockdomino"].Condition != "service_healthy" {
		t.Errorf("conformance must wait for a healthy mock: %+v", runner.DependsOn)
	}
	if !slices.Contains(runner.Command, "--api-host=http://mockdomino:8080") || !slices.Contains(runner.Command, "--api-proxy=http://mockdomino:8899") {
		t.Errorf("conformance must target the mock service: %v", runner.Command)
	}
	if !slices.Contains(mock.Command, "--external-url=http://mockdomino:8080") {
		t.Errorf("tokens' iss must name the host the runner reaches: %v", mock.Command)
	}
}
