package mockdomino_test

// There is no Docker engine where CI runs, so these tests check what can be
// checked without one: the compose file parses, names only build targets
// the Dockerfile defines, wires the conformance runner to the mock's
// listeners, and health-checks with a flag the binary really has.

import (
	"net"
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
	if !slices.Contains(mock.Ports, "127.0.0.1:8080:8080") || !slices.Contains(mock.Ports, "127.0.0.1:8899:8899") {
		t.Errorf("mock ports %v, want 8080 and 8899 published on 127.0.0.1", mock.Ports)
	}
	// The proxy needs no credentials and acts as the administrator (secrets
	// included), so nothing is published beyond the host's loopback.
	for name, s := range c.Services {
		for _, p := range s.Ports {
			if !loopbackPort(p) {
				t.Errorf("service %s publishes %q on every host interface: write 127.0.0.1:%s", name, p, p)
			}
		}
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

// loopbackPort reports whether a compose port in the short syntax
// ([HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]) is published on a
// loopback address only; without HOST_IP docker publishes on all of them.
func loopbackPort(spec string) bool {
	spec, _, _ = strings.Cut(spec, "/")
	i := strings.LastIndex(spec, ":")
	if i < 0 {
		return false
	}
	hostPart := spec[:i] // HOST_IP:HOST_PORT, or HOST_PORT alone
	j := strings.LastIndex(hostPart, ":")
	if j < 0 {
		return false
	}
	ip := net.ParseIP(strings.Trim(hostPart[:j], "[]"))
	return ip != nil && ip.IsLoopback()
}

func TestLoopbackPort(t *testing.T) {
	for spec, want := range map[string]bool{
		"127.0.0.1:8080:8080":     true,
		"127.0.0.1:8080:8080/tcp": true,
		"127.0.0.1::8080":         true, // a free host port, on loopback
		"[::1]:8080:8080":         true,
		"8080:8080":               false,
		"8080":                    false,
		"0.0.0.0:8080:8080":       false,
		"[::]:8080:8080":          false,
		"192.168.1.2:8080:8080":   false,
		"localhost:8080:8080":     false, // docker wants an address
	} {
		if got := loopbackPort(spec); got != want {
			t.Errorf("loopbackPort(%q) = %v, want %v", spec, got, want)
		}
	}
}
