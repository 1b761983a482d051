package replay

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/mockdomino/mockdomino/internal/transcript"
)

// HostMapping says where the requests a recorded host received are sent.
type HostMapping struct {
	Recorded string `json:"recorded"` // host:port, as the transcript names it
	Role     string `json:"role"`     // "API host", "API proxy", or "given" (--map-host)
	URL      string `json:"url"`
}

// ParseMapHost reads a --map-host option, RECORDED=URL: a host:port of the
// transcript and the base URL its requests go to.
func ParseMapHost(s string) (recorded, base string, err error) {
	recorded, base, ok := strings.Cut(s, "=")
	if !ok || recorded == "" || strings.Contains(recorded, "/") {
		return "", "", fmt.Errorf("--map-host %q: want RECORDED=URL, e.g. 127.0.0.1:8080=https://domino.example.com (RECORDED is a host:port of the transcript, without a scheme)", s)
	}
	if err := checkBaseURL(base); err != nil {
		return "", "", fmt.Errorf("--map-host %q: %v", s, err)
	}
	return recorded, strings.TrimRight(base, "/"), nil
}

func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an http:// or https:// base URL", s)
	}
	return nil
}

// hostUsage is how a recorded host was used.
type hostUsage struct {
	host          string
	calls, signed int // API calls (not /__mock/), and those carrying credentials
}

// mapHosts sends each recorded host's requests to a base URL: those given,
// else by the role the host played. The host whose API calls carry
// credentials (X-Domino-Api-Key, Authorization) is the API host; one whose
// calls carry none is the API proxy, which adds them. A transcript of one
// host is the API host's unless its calls carry no credential.
func mapHosts(xs []transcript.Exchange, opt Options) ([]HostMapping, error) {
	use := map[string]*hostUsage{}
	var order []string
	for _, x := range xs {
		u := use[x.Host]
		if u == nil {
			u = &hostUsage{host: x.Host}
			use[x.Host] = u
			order = append(order, x.Host)
		}
		if strings.HasPrefix(x.Path, "/__mock/") {
			continue
		}
		u.calls++
		if signed(x) {
			u.signed++
		}
	}
	for h := range opt.Hosts {
		if use[h] == nil {
			return nil, fmt.Errorf("--map-host %s: the transcript has no such host (it has %s)", h, strings.Join(order, ", "))
		}
	}
	var out []HostMapping
	var api, proxy, unsure []string
	for _, h := range order {
		if base, ok := opt.Hosts[h]; ok {
			out = append(out, HostMapping{Recorded: h, Role: "given", URL: base})
			continue
		}
		u := use[h]
		switch {
		case u.calls == 0:
			unsure = append(unsure, h)
		case 2*u.signed > u.calls:
			api = append(api, h)
		default:
			proxy = append(proxy, h)
		}
	}
	// A host that made only control calls takes the role left over.
	for _, h := range unsure {
		if len(api) == 0 {
			api = append(api, h)
		} else {
			proxy = append(proxy, h)
		}
	}
	if len(api) > 1 || len(proxy) > 1 {
		return nil, fmt.Errorf("cannot tell which of the transcript's hosts (%s) was the API host and which the API proxy: give --map-host RECORDED=URL for each", strings.Join(append(api, proxy...), ", "))
	}
	for _, h := range api {
		if opt.APIHost == "" {
			return nil, fmt.Errorf("the transcript's host %s was an API host (its calls carry credentials), and no API host is given", h)
		}
		out = append(out, HostMapping{Recorded: h, Role: "API host", URL: strings.TrimRight(opt.APIHost, "/")})
	}
	for _, h := range proxy {
		if opt.APIProxy == "" {
			return nil, fmt.Errorf("the transcript's host %s was an API proxy (its calls carry no credentials), and the target has none: give --api-proxy, or --map-host %s=URL", h, h)
		}
		out = append(out, HostMapping{Recorded: h, Role: "API proxy", URL: strings.TrimRight(opt.APIProxy, "/")})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Recorded < out[j].Recorded })
	return out, nil
}

func signed(x transcript.Exchange) bool {
	for name := range x.RequestHeaders {
		switch strings.ToLower(name) {
		case "x-domino-api-key", "authorization":
			return true
		}
	}
	return false
}

// hostReplacer maps the recorded hosts in values (base URLs, host:ports) to
// the target's.
func hostReplacer(hosts []HostMapping) *strings.Replacer {
	var pairs []string
	for _, h := range hosts {
		pairs = append(pairs, "http://"+h.Recorded, h.URL, "https://"+h.Recorded, h.URL)
	}
	// Bare host:ports after the URLs, so a URL is replaced whole.
	for _, h := range hosts {
		if u, err := url.Parse(h.URL); err == nil {
			pairs = append(pairs, h.Recorded, u.Host)
		}
	}
	return strings.NewReplacer(pairs...)
}

// maskHosts replaces every host of either side by a marker, for comparing
// texts that name them.
func maskHosts(hosts []HostMapping) *strings.Replacer {
	var pairs []string
	for _, h := range hosts {
		if u, err := url.Parse(h.URL); err == nil {
			pairs = append(pairs, h.URL, "<host>", u.Host, "<host>")
		}
		pairs = append(pairs, "http://"+h.Recorded, "<host>", "https://"+h.Recorded, "<host>", h.Recorded, "<host>")
	}
	return strings.NewReplacer(pairs...)
}
