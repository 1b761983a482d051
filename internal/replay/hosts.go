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
// else by the role the host played. Of two hosts, the one whose API calls
// (not /__mock/) more often carry credentials (X-Domino-Api-Key,
// Authorization) is the API host, the other the API proxy, which adds them.
// A lone host is the API host if any of its calls carries credentials, else
// the proxy (a client in a workspace sends none).
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
	var left []*hostUsage
	for _, h := range order {
		if base, ok := opt.Hosts[h]; ok {
			out = append(out, HostMapping{Recorded: h, Role: "given", URL: base})
		} else {
			left = append(left, use[h])
		}
	}
	var api, proxy *hostUsage
	switch len(left) {
	case 0:
	case 1:
		if left[0].signed > 0 || left[0].calls == 0 {
			api = left[0]
		} else {
			proxy = left[0]
		}
	case 2:
		a, b := left[0], left[1]
		// Compare the shares of signed calls, a.signed/a.calls against
		// b.signed/b.calls, without dividing.
		sa, sb := a.signed*max(b.calls, 1), b.signed*max(a.calls, 1)
		switch {
		case a.calls == 0 && b.calls == 0:
			sa, sb = 0, 0
		case a.calls == 0: // control calls only: the role b leaves
			sa, sb = 1-min(b.signed, 1), min(b.signed, 1)
		case b.calls == 0:
			sa, sb = min(a.signed, 1), 1-min(a.signed, 1)
		}
		switch {
		case sa > sb:
			api, proxy = a, b
		case sb > sa:
			api, proxy = b, a
		}
	}
	if len(left) > 0 && api == nil && proxy == nil {
		var names []string
		for _, u := range left {
			names = append(names, u.host)
		}
		return nil, fmt.Errorf("cannot tell which of the transcript's hosts (%s) was the API host and which the API proxy: give --map-host RECORDED=URL for each", strings.Join(names, ", "))
	}
	if api != nil {
		if opt.APIHost == "" {
			return nil, fmt.Errorf("the transcript's host %s was an API host (its calls carry credentials), and no API host is given", api.host)
		}
		out = append(out, HostMapping{Recorded: api.host, Role: "API host", URL: strings.TrimRight(opt.APIHost, "/")})
	}
	if proxy != nil {
		if opt.APIProxy == "" {
			return nil, fmt.Errorf("the transcript's host %s was an API proxy (its calls carry no credentials, or fewer), and the target has none: give --api-proxy, or --map-host %s=URL", proxy.host, proxy.host)
		}
		out = append(out, HostMapping{Recorded: proxy.host, Role: "API proxy", URL: strings.TrimRight(opt.APIProxy, "/")})
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
