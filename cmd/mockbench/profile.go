package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/mockdomino/mockdomino/internal/server"
)

// profileRoutes are the routes --cpuprofile can load.
var profileRoutes = []string{"self-bearer", "project-bearer", "serviceAccounts-apikey", "self-apikey", "create-token"}

// cpuProfile is `mockbench --cpuprofile FILE --profile-route R`: the mock
// runs in this process (exactly as the binary builds it, via server.Start)
// while the loader (wrk, out of process, when available) loads one route,
// and the CPU profile of that load is written to FILE for go tool pprof.
func cpuProfile(ctx context.Context, cfg config, path, route string) error {
	srv, err := server.Start(server.Config{Listen: "127.0.0.1:0", ProxyListen: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer srv.Close()
	b := &bench{cfg: cfg, log: os.Stderr, client: http.DefaultClient}
	if b.tmp, err = os.MkdirTemp("", "mockbench-"); err != nil {
		return err
	}
	defer os.RemoveAll(b.tmp)
	if err := b.setupLoader(); err != nil {
		return err
	}
	sa, err := b.createAccount(ctx, srv.ProxyURL(), "profile-sa", "profile")
	if err != nil {
		return err
	}
	if _, err := b.must(ctx, http.StatusOK, "POST", srv.ProxyURL()+"/v4/projects/"+projectID+"/collaborators", nil,
		map[string]string{"collaboratorId": sa.ID, "projectRole": "Contributor"}, nil); err != nil {
		return err
	}
	api := srv.APIURL()
	var spec loadSpec
	switch route {
	case "self-bearer":
		spec = loadSpec{method: "GET", url: api + "/v4/users/self", header: bearer(sa.token)}
	case "project-bearer":
		spec = loadSpec{method: "GET", url: api + "/v4/projects/" + projectID, header: bearer(sa.token)}
	case "serviceAccounts-apikey":
		spec = loadSpec{method: "GET", url: api + "/v4/serviceAccounts", header: apiKey()}
	case "self-apikey":
		spec = loadSpec{method: "GET", url: api + "/v4/users/self", header: apiKey()}
	case "create-token":
		spec = loadSpec{method: "POST", url: api + "/v4/serviceAccounts/" + sa.IdpID + "/tokens",
			header:  http.Header{"X-Domino-Api-Key": {adminAPIKey}, "Content-Type": {"application/json"}},
			bodyFmt: `{"name":"profile-%s"}`}
	default:
		return fmt.Errorf("--profile-route %q: want one of %s", route, strings.Join(profileRoutes, ", "))
	}
	if b.ld.wrk == "" {
		b.logf("wrk is not on PATH: the Go load generator runs in this process and shows in the profile")
	}
	if _, err := b.ld.runFor(ctx, spec, cfg.warmup); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	r, err := b.ld.run(ctx, spec)
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	b.logf("%s: %s; CPU profile in %s (go tool pprof -top %s)", route, r, path, path)
	return nil
}
