package main

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// report is everything one run measured.
type report struct {
	cfg      config
	machine  machineInfo
	loader   string
	notes    []string
	binSizes []int64 // mockdomino, bare

	routes        []routeRow
	tokens        loadResult
	tokensListed  int
	rssAfterLoad  int64
	peakAfterLoad int64

	startMock, startBare     []time.Duration
	rssIdleMock, rssIdleBare int64

	scale    *scaleResult
	suite    *suiteResult
	files    []*fileRow
	datasets *datasetRow

	selfBody    []byte
	selfHeader  http.Header
	peerInstall time.Duration
	peers       []peerResult
}

// routeRow holds one route's rounds: bare[i] and mock[i] ran one after the other.
type routeRow struct {
	label      string
	mock, bare []loadResult
	target     float64
}

// ratio is the median of the rounds' mock/bare ratios, and their range.
func (row routeRow) ratio() (med, lo, hi float64) {
	var rs []float64
	for i := range row.mock {
		rs = append(rs, row.mock[i].rps/row.bare[i].rps)
	}
	slices.Sort(rs)
	return rs[len(rs)/2], rs[0], rs[len(rs)-1]
}

// medianResult is the round with the median requests/s, with the bad
// answers of every round.
func medianResult(rs []loadResult) loadResult {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b loadResult) int { return cmp.Compare(a.rps, b.rps) })
	m := s[len(s)/2]
	m.bad = 0
	for _, r := range rs {
		m.bad += r.bad
	}
	return m
}

type scaleResult struct {
	accounts, workers          int
	create, firstUse, list     time.Duration
	wrongCaller                int64
	rssCreated, rss, peak      int64
	rssEnd, peakEnd            int64
	listed, listBytes          int
	listCorrect                bool
	lat1, p99at1, latN, p99atN time.Duration
	latAny, p99Any             time.Duration
	rps1, rpsN                 loadResult
}

type suiteResult struct {
	command, summary, err string
	took                  time.Duration
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "**FAIL**"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func us(d time.Duration) string { return fmt.Sprintf("%d µs", d.Microseconds()) }

func rps(r loadResult) string {
	s := fmt.Sprintf("%.0f", r.rps)
	if r.bad > 0 {
		s += fmt.Sprintf(" (%d bad)", r.bad)
	}
	return s
}

func (r *report) write(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("## mockbench")
	p("")
	p("- Machine: %s", r.machine)
	if r.cfg.only == "" {
		p("- Load: %s, after a %s unmeasured warm-up of each target; everything on 127.0.0.1", r.loader, r.cfg.warmup)
	}
	p("- Command: `go run ./cmd/mockbench %s`", strings.Join(r.cfg.args, " "))
	p("- Baseline (\"bare\"): a plain `net/http` handler in its own process (`cmd/mockbench/bareserver`) writing the very bytes mockdomino answered for the same request; for files, copying the body to the same kind of place and back")
	if len(r.binSizes) == 2 {
		p("- Binaries (`go build`, default flags): mockdomino %s, bare %s", mb(r.binSizes[0]), mb(r.binSizes[1]))
	}
	if r.cfg.only != "" {
		r.writeFiles(p)
		r.writeDatasets(p)
		r.writeNotes(p)
		return
	}
	p("")
	p("| route | mockdomino req/s | bare req/s | ratio (range over %d rounds) | target | result |", r.cfg.rounds)
	p("|---|---:|---:|---:|---|---|")
	for _, row := range r.routes {
		ratio, lo, hi := row.ratio()
		mock, bare := medianResult(row.mock), medianResult(row.bare)
		target, result := "reported", "—"
		if row.target > 0 {
			target = fmt.Sprintf("≥ %.0f%%", 100*row.target)
			result = passFail(ratio >= row.target && mock.bad == 0)
		}
		p("| %s | %s | %s | %.0f%% (%.0f–%.0f%%) | %s | %s |", row.label, rps(mock), rps(bare), 100*ratio, 100*lo, 100*hi, target, result)
	}
	p("| `POST /v4/serviceAccounts/{idpId}/tokens` (RS256 signing), admin API key | %s tokens/s | — | — | reported | %d tokens listed |", rps(r.tokens), r.tokensListed)
	p("")
	p("| measure | mockdomino | bare | target | result |")
	p("|---|---:|---:|---|---|")
	mockStart, bareStart := median(r.startMock), median(r.startBare)
	p("| start-up: exec to first 200 from `/__mock/health` (median of %d) | %s | %s | ≤ 2× bare and < 50 ms | %s (%.1f×) |",
		len(r.startMock), ms(mockStart), ms(bareStart), passFail(mockStart <= 2*bareStart && mockStart < 50*time.Millisecond), float64(mockStart)/float64(bareStart))
	p("| resident memory, idle (VmRSS) | %s | %s | ≤ 30 MB | %s |", mb(r.rssIdleMock), mb(r.rssIdleBare), passFail(r.rssIdleMock <= 30<<20))
	p("| resident memory after the loads above (VmRSS; peak VmHWM) | %s (peak %s) | — | — | — |", mb(r.rssAfterLoad), mb(r.peakAfterLoad))
	if s := r.scale; s != nil {
		result := "— (the target is for 100,000)"
		if s.accounts >= 100_000 {
			result = passFail(s.rss > 0 && s.rss <= 400<<20)
		}
		p("| resident memory with %d service accounts each holding a used token (VmRSS; peak VmHWM) | %s (peak %s) | — | ≤ 400 MB at 100,000 | %s |",
			s.accounts, mb(s.rss), mb(s.peak), result)
		p("| creating them over HTTP (proxy, %d clients; one RS256 signature each) | %s | — | — | %.0f accounts+tokens/s |",
			s.workers, s.create.Round(time.Millisecond), float64(s.accounts)/s.create.Seconds())
		p("| using each token once (every answer must be its own account) | %s | — | — | %s |",
			s.firstUse.Round(time.Millisecond), passFail(s.wrongCaller == 0 && s.firstUse > 0))
		p("| listing all %d accounts, `GET /v4/serviceAccounts` | %d listed, %.1f MB, %s | — | all listed, once | %s |",
			s.accounts, s.listed, float64(s.listBytes)/(1<<20), s.list.Round(time.Millisecond), passFail(s.listCorrect && s.listed == s.accounts))
		p("| self-bearer latency, 1 token → %d tokens (median; p99) | %s; %s → %s; %s | — | constant | %s (%.2f×) |",
			s.accounts, us(s.lat1), us(s.p99at1), us(s.latN), us(s.p99atN), passFail(s.latN > 0 && float64(s.latN) <= 1.5*float64(s.lat1)), float64(s.latN)/float64(s.lat1))
		p("| self-bearer latency, a random one of the %d tokens each request (median; p99) | %s; %s | — | — | — |", s.accounts, us(s.latAny), us(s.p99Any))
		p("| self-bearer req/s, 1 token → %d tokens | %s → %s | — | constant | %.2f× |", s.accounts, rps(s.rps1), rps(s.rpsN), s.rpsN.rps/s.rps1.rps)
	}
	if s := r.suite; s != nil {
		switch {
		case s.took == 0:
			p("| conformance suite, `%s` | not run: %s | — | < 10 s | — |", s.command, s.err)
		default:
			summary := s.summary
			if s.err != "" {
				summary += ", " + s.err
			}
			p("| conformance suite, `%s` (without the build) | %s (%s) | — | < 10 s | %s |", s.command, ms(s.took), summary, passFail(s.took < 10*time.Second && s.err == ""))
		}
	}
	r.writeFiles(p)
	r.writeDatasets(p)
	if len(r.peers) > 0 {
		p("")
		p("Peers serving a static stub of `GET /v4/users/self` with the same bytes, loaded the same way after a %s warm-up (installed from npm in %s; not part of CI):", r.cfg.peerWarmup, r.peerInstall.Round(time.Second))
		p("")
		p("| tool | req/s | vs bare (loaded right after it) | start-up to first 200 (median of 3) | memory idle → after load | same bytes | how |")
		p("|---|---:|---:|---:|---|---|---|")
		if len(r.routes) > 0 {
			row := r.routes[0]
			ratio, _, _ := row.ratio()
			p("| mockdomino (authenticating every request) | %s | %.0f%% | %s | %s → %s | yes | the binary, as above |", rps(medianResult(row.mock)), 100*ratio, ms(mockStart), mb(r.rssIdleMock), mb(r.rssAfterLoad))
		}
		for _, pr := range r.peers {
			name := pr.name
			if pr.version != "" {
				name += " " + pr.version
			}
			if pr.err != "" {
				p("| %s | — | — | — | — | — | not measured: %s |", name, pr.err)
				continue
			}
			same := "no"
			if pr.sameBytes {
				same = "yes"
			}
			p("| %s | %s | %.0f%% (bare %s) | %s | %s → %s | %s | %s |", name, rps(pr.load), 100*pr.load.rps/pr.bare.rps, rps(pr.bare), ms(pr.startup), mb(pr.rssIdle), mb(pr.rssLoad), same, pr.how)
		}
	}
	r.writeNotes(p)
}

func (r *report) writeNotes(p func(format string, args ...any)) {
	if len(r.notes) > 0 {
		p("")
		for _, n := range r.notes {
			p("- %s", n)
		}
	}
}
