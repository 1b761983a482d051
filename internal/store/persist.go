package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/mockdomino/mockdomino/internal/jsonerr"
)

// Persistence (--state DIR) is a write-ahead log plus a snapshot, in a
// directory one process holds (statedir.go):
//
//   - snapshot.json is the whole state as of record <seq>, under a checksum:
//     {"crc32":"…","snapshot":{"format":2,"seq":…,"state":{…}}}.
//   - wal.log starts with a header line naming the snapshot seq it follows,
//     then holds one line per change, "<crc32> <json>\n", appended and
//     fsynced before the request that made it is answered, while the store's
//     write lock is held (so the log's order is the state's order).
//   - Each record holds whole entities as they are after the change
//     (upserts), the keys of deleted ones, and the ids of the entities it
//     created: replay refuses to create one whose id exists (an upsert
//     would silently replace it), as it refuses an id twice in a snapshot.
//   - The snapshot and each record also keep the id stream's position, so
//     a seeded stream (--seed) continues across restarts instead of handing
//     its ids out again.
//   - Compaction writes the state as the snapshot, then a new log holding
//     only its header (each file: temp file, fsync, rename, fsync dir). It
//     runs at each start, every compactEvery records, once the log outgrows
//     the snapshot (and compactMinBytes), and for an import or a reset: a
//     whole new state is a snapshot, never a log record. A crash between
//     the two steps leaves the new snapshot and the old log, whose records
//     replay skips (their seqs are the snapshot's or lower).
//   - On start, only a last line without its newline is a write that was
//     never acknowledged: it is cut off. Anything else stops start-up with
//     the file, the line and what is wrong: a complete line failing its
//     checksum (the last one too), a gap in the seqs, a snapshot failing its
//     checksum, a log following another snapshot or whose records stop short
//     of the snapshot's seq, a missing log once a log was written.
//   - The snapshot says what wal.log was when it was written (logWas), so
//     that a first start that stopped before writing its log, or a
//     directory of format 1 (no checksum, no header) being converted, is
//     told apart from damage.
//
// The alternative, an embedded database, would add a dependency for what is
// a few hundred lines here; the log keeps one fsync per acknowledged write.

const (
	walFile         = "wal.log"
	snapshotFile    = "snapshot.json"
	stateFormat     = 2       // of both files; format 1 had no snapshot checksum and no log header
	compactEvery    = 4096    // records
	compactMinBytes = 1 << 20 // the log may grow to the snapshot's size, and to at least this
)

// KindUnavailable: the state directory cannot be written; the mock refuses
// changes rather than acknowledge what it cannot keep.
const KindUnavailable Kind = 100

type walRecord struct {
	Seq             uint64              `json:"seq"`
	Full            *Snapshot           `json:"full,omitempty"` // format 1 only: imports and resets
	Users           []UserRecord        `json:"users,omitempty"`
	Tokens          []TokenRecord       `json:"tokens,omitempty"`
	DelTokens       []string            `json:"delTokens,omitempty"`
	AccessTokens    []AccessTokenRecord `json:"accessTokens,omitempty"`
	DelAccessTokens []string            `json:"delAccessTokens,omitempty"`
	Projects        []ProjectRecord     `json:"projects,omitempty"`
	ProjectTags     []TagRecord         `json:"projectTags,omitempty"`
	Credentials     []CredentialRecord  `json:"gitCredentials,omitempty"`
	DelCredentials  []string            `json:"delGitCredentials,omitempty"`
	Mappings        []MappingRecord     `json:"credentialMappings,omitempty"`
	DelMappings     []MappingRecord     `json:"delCredentialMappings,omitempty"`
	Jobs            []JobRecord         `json:"jobs,omitempty"`
	Commits         []CommitRecord      `json:"commits,omitempty"`
	// Environments without their revisions, which are logged apart: a
	// new revision writes itself, not every revision before it.
	Environments         []EnvironmentRecord `json:"environments,omitempty"`
	EnvironmentRevisions []RevisionRecord    `json:"environmentRevisions,omitempty"`
	// A batch of metric values, by series; an alert taken.
	MetricValues  []MetricSeriesRecord `json:"metricValues,omitempty"`
	MetricAlerts  []MetricAlertRecord  `json:"metricAlerts,omitempty"`
	Lifecycle     *JobLifecycle        `json:"jobLifecycle,omitempty"`
	ClockOffset   *Duration            `json:"clockOffset,omitempty"`
	ClockFrozenAt *time.Time           `json:"clockFrozenAt,omitempty"`
	Cost          *CostChange          `json:"cost,omitempty"` // budgets and billing tags (cost.go)
	Created       *createdIDs          `json:"created,omitempty"`
	IDs           uint64               `json:"ids,omitempty"` // the id stream's position after the change
	// Scheduled jobs (scheduledjobs.go), changed or made, and deleted.
	ScheduledJobs    []ScheduledJobRecord `json:"scheduledJobs,omitempty"`
	DelScheduledJobs []string             `json:"delScheduledJobs,omitempty"`

	// Workspaces and, apart, their sessions (workspaces.go).
	Workspaces         []WorkspaceRecord        `json:"workspaces,omitempty"`
	WorkspaceSessions  []WorkspaceSessionRecord `json:"workspaceSessions,omitempty"`
	WorkspaceLifecycle *WorkspaceLifecycle      `json:"workspaceLifecycle,omitempty"`
	Apps               []AppRecord              `json:"apps,omitempty"`
	Models             []ModelRecord            `json:"models,omitempty"`
	ModelVersions      []ModelVersionRecord     `json:"modelVersions,omitempty"`
	ModelExports       []ModelExportRecord      `json:"modelExports,omitempty"`
	Endpoints          []EndpointRecord         `json:"endpoints,omitempty"`
	// Datasets without their snapshots, which never change and are logged
	// once each, when made; deleting a dataset deletes its snapshots.
	Datasets         []DatasetRecord         `json:"datasets,omitempty"`
	DatasetSnapshots []DatasetSnapshotRecord `json:"datasetSnapshots,omitempty"`
	DelDatasets      []string                `json:"delDatasets,omitempty"`
}

// createdIDs are the ids of the entities a record creates (the others it
// holds are updated): replay refuses to create one whose id exists.
type createdIDs struct {
	Users        []string `json:"users,omitempty"`
	Tokens       []string `json:"tokens,omitempty"`
	AccessTokens []string `json:"accessTokens,omitempty"`
	Credentials  []string `json:"gitCredentials,omitempty"`
	Jobs         []string `json:"jobs,omitempty"`
	Projects     []string `json:"projects,omitempty"`
	ProjectTags  []string `json:"projectTags,omitempty"`
	Commits      []string `json:"commits,omitempty"`
	Environments []string `json:"environments,omitempty"`
	Revisions    []string `json:"environmentRevisions,omitempty"`
	MetricAlerts []string `json:"metricAlerts,omitempty"`
	Schedules    []string `json:"scheduledJobs,omitempty"`

	Workspaces        []string `json:"workspaces,omitempty"`
	WorkspaceSessions []string `json:"workspaceSessions,omitempty"`
	Apps              []string `json:"apps,omitempty"`
	Models            []string `json:"models,omitempty"`
	ModelVersions     []string `json:"modelVersions,omitempty"`
	ModelExports      []string `json:"modelExports,omitempty"`
	Datasets          []string `json:"datasets,omitempty"`
	DsSnapshots       []string `json:"datasetSnapshots,omitempty"`
}

// walHeader is the log's first line.
type walHeader struct {
	Format  int    `json:"format"`
	Follows uint64 `json:"follows"` // the seq of the snapshot the log's records follow
}

// logKind is what wal.log is.
type logKind string

const (
	logCurrent logKind = ""        // a log with a header
	logNone    logKind = "none"    // no log: a new directory
	logFormat1 logKind = "format1" // a log without a header
)

// snapshotFileDoc is what snapshot.json holds under its checksum.
type snapshotFileDoc struct {
	Format int    `json:"format"`
	Seq    uint64 `json:"seq"`
	IDs    uint64 `json:"ids,omitempty"` // the id stream's position
	// LogWas is what wal.log was when the snapshot was written. Only while
	// it is not logCurrent may the log be missing (a first start stopped
	// before writing it) or lack a header (format 1, being converted).
	LogWas logKind  `json:"logWas,omitempty"`
	State  Snapshot `json:"state"`
}

// change lists what a mutation touched, for the log.
type change struct {
	full            bool // the whole state was replaced: written as a snapshot
	creates         bool // the users, tokens, access tokens, credentials, jobs and projects listed are new
	users           []*user
	tokens          []*token
	delTokens       []string
	accessTokens    []string
	delAccessTokens []string
	projects        []*project
	tags            []*projectTag // project tags changed or made…
	createdTags     []*projectTag // …of which these are new
	creds           []*gitCredential
	delCreds        []string
	mappings        []mappingKey
	delMappings     []mappingKey
	jobs            []*job
	commits         []*commit // new commits, created even without creates; their contents are stored before they are logged
	envs            []*environment
	envRevisions    []*envRevision
	metricValues    []MetricSeriesRecord // a batch, logged as it came: never the whole series
	metricAlerts    []*metricAlert
	workspaces      []*workspace // workspaces.go; created ones when creates
	wsSessions      []*wsSession
	wsLifecycle     bool
	apps            []*app
	models          []*model
	modelVersions   []*modelVersion
	exports         []*modelExport
	endpoints       []*endpoint
	datasets        []*dataset
	dsSnapshots     []*dsSnapshot // new snapshots; their contents are stored before they are logged
	delDatasets     []string
	lifecycle       bool
	// clock is where the change puts the clock; it is applied only once
	// the change is durable, so a refused change never moves the time.
	clock *ClockState
	// Scheduled jobs (scheduledjobs.go).
	schedules        []*scheduledJob // changed or made…
	createdSchedules []*scheduledJob // …of which these are new
	delSchedules     []string
	cost             *CostChange // budgets and billing tags (cost.go)
}

type persister struct {
	dir       *Dir
	ids       *IDs
	log       *os.File
	seq       uint64 // of the log's last record, or of the snapshot
	pending   int    // records in the log
	logBytes  int64  // their size
	snapBytes int64  // snapshot.json's size
}

// writable refuses changes once the state directory has failed; the caller
// holds the write lock.
func (s *Store) writable() error {
	if s.failed != nil {
		return &Error{Kind: KindUnavailable, Message: "mockdomino cannot write its state directory, so it accepts no changes: " + s.failed.Error()}
	}
	return nil
}

// Refusal is why the store refuses every change (its state directory could
// not be written), or nil while it accepts them: for /__mock/health.
func (s *Store) Refusal() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.writable()
}

// commit makes a change durable; the caller holds the write lock and has
// already applied the change in memory.
func (s *Store) commit(c change) error {
	if s.p == nil {
		s.applyClock(c)
		return nil
	}
	if err := s.writable(); err != nil {
		return err
	}
	clock := s.cfg.Clock.State()
	if c.clock != nil {
		clock = *c.clock
	}
	var err error
	if c.full {
		err = s.p.compact(s.st.snapshot(clock), logCurrent)
	} else {
		err = s.p.append(s.record(c, clock))
	}
	if err != nil {
		s.failed = err
		msg := "mockdomino could not write its state directory: " + err.Error()
		if rbErr := s.rollBack(); rbErr != nil {
			msg += "; reading it back to undo the refused change failed too, so the change stays visible until a restart: " + rbErr.Error()
		}
		return &Error{Kind: KindUnavailable, Message: msg}
	}
	s.applyClock(c)
	if s.p.due() {
		if err := s.p.compact(s.st.snapshot(s.cfg.Clock.State()), logCurrent); err != nil {
			// This change is in the fsynced log, so it is acknowledged; the
			// directory is failing, so the next change is not.
			s.failed = fmt.Errorf("compacting the log into a snapshot: %w", err)
		}
	}
	return nil
}

// record is the log record of a change; the caller holds the write lock.
func (s *Store) record(c change, clock ClockState) walRecord {
	st := s.st
	// The position is read under the write lock, after every id this
	// change (or any change already logged) holds was drawn.
	rec := walRecord{Seq: s.p.seq + 1, IDs: s.cfg.IDs.position()}
	for _, u := range c.users {
		rec.Users = append(rec.Users, u.record())
	}
	for _, t := range c.tokens {
		rec.Tokens = append(rec.Tokens, t.record())
	}
	rec.DelTokens = c.delTokens
	for _, jti := range c.accessTokens {
		if a := st.accessTokens[jti]; a != nil {
			rec.AccessTokens = append(rec.AccessTokens, a.record(jti))
		}
	}
	rec.DelAccessTokens = c.delAccessTokens
	for _, p := range c.projects {
		rec.Projects = append(rec.Projects, p.record())
	}
	for _, t := range c.tags {
		rec.ProjectTags = append(rec.ProjectTags, t.record())
	}
	for _, t := range c.createdTags {
		if !slices.Contains(c.tags, t) {
			rec.ProjectTags = append(rec.ProjectTags, t.record())
		}
	}
	if len(c.createdTags) > 0 {
		if rec.Created == nil {
			rec.Created = &createdIDs{}
		}
		for _, t := range c.createdTags {
			rec.Created.ProjectTags = append(rec.Created.ProjectTags, t.id)
		}
	}
	for _, cr := range c.creds {
		rec.Credentials = append(rec.Credentials, cr.record())
	}
	rec.DelCredentials = c.delCreds
	for _, k := range c.mappings {
		rec.Mappings = append(rec.Mappings, k.record(st.mappings[k]))
	}
	for _, k := range c.delMappings {
		rec.DelMappings = append(rec.DelMappings, k.record(""))
	}
	for _, j := range c.jobs {
		rec.Jobs = append(rec.Jobs, j.record())
	}
	for _, cm := range c.commits {
		rec.Commits = append(rec.Commits, cm.record())
	}
	if len(c.commits) > 0 && !c.creates { // commits are only ever new (a job's output commit comes with the job's update)
		if rec.Created == nil {
			rec.Created = &createdIDs{}
		}
		for _, cm := range rec.Commits {
			rec.Created.Commits = append(rec.Created.Commits, cm.ID)
		}
	}
	for _, e := range c.envs {
		rec.Environments = append(rec.Environments, e.record(false))
	}
	for _, r := range c.envRevisions {
		rec.EnvironmentRevisions = append(rec.EnvironmentRevisions, r.record(true))
	}
	rec.MetricValues = c.metricValues
	for _, a := range c.metricAlerts {
		rec.MetricAlerts = append(rec.MetricAlerts, a.record())
	}
	for _, sj := range c.schedules {
		rec.ScheduledJobs = append(rec.ScheduledJobs, sj.record())
	}
	rec.DelScheduledJobs = c.delSchedules
	if len(c.createdSchedules) > 0 {
		if rec.Created == nil {
			rec.Created = &createdIDs{}
		}
		for _, sj := range c.createdSchedules {
			rec.Created.Schedules = append(rec.Created.Schedules, sj.id)
		}
	}
	st.logWorkspaces(&rec, c)
	for _, a := range c.apps {
		rec.Apps = append(rec.Apps, a.record())
	}
	for _, m := range c.models {
		rec.Models = append(rec.Models, m.record())
	}
	for _, v := range c.modelVersions {
		rec.ModelVersions = append(rec.ModelVersions, v.record())
	}
	for _, e := range c.exports {
		rec.ModelExports = append(rec.ModelExports, e.record())
	}
	for _, e := range c.endpoints {
		rec.Endpoints = append(rec.Endpoints, e.record())
	}
	for _, d := range c.datasets {
		rec.Datasets = append(rec.Datasets, d.record())
	}
	for _, sn := range c.dsSnapshots {
		rec.DatasetSnapshots = append(rec.DatasetSnapshots, sn.record())
	}
	rec.DelDatasets = c.delDatasets
	if c.lifecycle {
		l := st.lifecycle.JobLifecycle
		rec.Lifecycle = &l
	}
	if c.clock != nil {
		d, frozenAt := clockFields(clock)
		if frozenAt != nil {
			rec.ClockFrozenAt = frozenAt
		} else {
			rec.ClockOffset = &d
		}
	}
	rec.Cost = c.cost
	if c.creates {
		if rec.Created == nil {
			rec.Created = &createdIDs{}
		}
		for _, u := range rec.Users {
			rec.Created.Users = append(rec.Created.Users, u.ID)
		}
		for _, t := range rec.Tokens {
			rec.Created.Tokens = append(rec.Created.Tokens, t.JTI)
		}
		for _, a := range rec.AccessTokens {
			rec.Created.AccessTokens = append(rec.Created.AccessTokens, a.JTI)
		}
		for _, cr := range rec.Credentials {
			rec.Created.Credentials = append(rec.Created.Credentials, cr.ID)
		}
		for _, j := range rec.Jobs {
			rec.Created.Jobs = append(rec.Created.Jobs, j.ID)
		}
		for _, p := range rec.Projects {
			rec.Created.Projects = append(rec.Created.Projects, p.ID)
		}
		for _, cm := range rec.Commits {
			rec.Created.Commits = append(rec.Created.Commits, cm.ID)
		}
		for _, e := range rec.Environments {
			rec.Created.Environments = append(rec.Created.Environments, e.ID)
		}
		for _, r := range rec.EnvironmentRevisions {
			rec.Created.Revisions = append(rec.Created.Revisions, r.ID)
		}
		for _, a := range rec.Apps {
			rec.Created.Apps = append(rec.Created.Apps, a.ID)
		}
		for _, m := range rec.Models {
			rec.Created.Models = append(rec.Created.Models, m.ID)
		}
		for _, v := range rec.ModelVersions {
			rec.Created.ModelVersions = append(rec.Created.ModelVersions, v.ID)
		}
		for _, e := range rec.ModelExports {
			rec.Created.ModelExports = append(rec.Created.ModelExports, e.ID)
		}
		for _, d := range rec.Datasets {
			rec.Created.Datasets = append(rec.Created.Datasets, d.ID)
		}
		for _, sn := range rec.DatasetSnapshots {
			rec.Created.DsSnapshots = append(rec.Created.DsSnapshots, sn.ID)
		}
		for _, a := range rec.MetricAlerts {
			rec.Created.MetricAlerts = append(rec.Created.MetricAlerts, a.ID)
		}
	}
	return rec
}

func (s *Store) applyClock(c change) {
	if c.clock != nil {
		s.cfg.Clock.Set(*c.clock)
	}
}

// rollBack puts the state back to what the state directory holds, so that
// a change refused with 503 is not seen by later reads: the caller applied
// it in memory before its record failed to reach the log. A record that did
// reach the disk whole (say, only its fsync failed) is read back, and stays:
// memory then shows what a restart would.
func (s *Store) rollBack() error {
	l, err := load(s.p.dir)
	if err != nil {
		return err
	}
	if !l.found {
		return fmt.Errorf("%s holds no state", s.p.dir.Path())
	}
	st, err := stateFromSnapshot(l.snap, s.cfg.Keys)
	if err != nil {
		return err
	}
	s.st = st
	s.cfg.Clock.Set(l.snap.clockState())
	return nil
}

// line frames data as a log line: "<crc32> <data>\n".
func line(data []byte) []byte {
	l := make([]byte, 0, len(data)+10)
	l = fmt.Appendf(l, "%08x ", crc32.ChecksumIEEE(data))
	l = append(l, data...)
	return append(l, '\n')
}

func (p *persister) append(rec walRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	l := line(data)
	if _, err := p.log.Write(l); err != nil {
		return fmt.Errorf("%s: %w", p.dir.file(walFile), err)
	}
	if err := p.log.Sync(); err != nil {
		return fmt.Errorf("%s: fsync: %w", p.dir.file(walFile), err)
	}
	p.seq = rec.Seq
	p.pending++
	p.logBytes += int64(len(l))
	return nil
}

// due says the log should be compacted: replaying it would cost more than
// reading the snapshot again.
func (p *persister) due() bool {
	return p.pending >= compactEvery || p.logBytes >= max(compactMinBytes, p.snapBytes)
}

// compact writes snap as the snapshot at p.seq, then a new log holding only
// its header. logWas is what wal.log is now.
func (p *persister) compact(snap Snapshot, logWas logKind) error {
	data, err := encodeSnapshotFile(snapshotFileDoc{Format: stateFormat, Seq: p.seq, IDs: p.ids.position(), LogWas: logWas, State: snap})
	if err != nil {
		return err
	}
	if err := p.dir.WriteFile(snapshotFile, data); err != nil {
		return err
	}
	// A crash here leaves this snapshot and the old log, whose records all
	// have seqs up to p.seq: the next start skips them.
	header, err := json.Marshal(walHeader{Format: stateFormat, Follows: p.seq})
	if err != nil {
		return err
	}
	if err := p.dir.WriteFile(walFile, line(header)); err != nil {
		return err
	}
	f, err := openNoFollow(p.dir.file(walFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if p.log != nil {
		p.log.Close()
	}
	p.log = f
	p.pending, p.logBytes, p.snapBytes = 0, 0, int64(len(data))
	return nil
}

// encodeSnapshotFile is snapshot.json for doc: the document under a
// checksum of its bytes, so that a changed seq (or anything else) shows.
func encodeSnapshotFile(doc snapshotFileDoc) ([]byte, error) {
	inner, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(inner)+40)
	out = fmt.Appendf(out, `{"crc32":"%08x","snapshot":`, crc32.ChecksumIEEE(inner))
	out = append(out, inner...)
	return append(out, "}\n"...), nil
}

// decodeSnapshotFile reads snapshot.json, of format 2 or 1.
func decodeSnapshotFile(data []byte) (snapshotFileDoc, error) {
	var doc snapshotFileDoc
	var top struct {
		CRC32    *string         `json:"crc32"`
		Snapshot json.RawMessage `json:"snapshot"`
		// Format 1: the document itself, with no checksum.
		Seq   *uint64         `json:"seq"`
		State json.RawMessage `json:"state"`
	}
	if err := decodeStrict(data, &top); err != nil {
		return doc, jsonerr.Describe(data, err)
	}
	switch {
	case top.CRC32 != nil && top.Snapshot != nil && top.Seq == nil && top.State == nil:
		if sum := fmt.Sprintf("%08x", crc32.ChecksumIEEE(top.Snapshot)); sum != *top.CRC32 {
			return doc, fmt.Errorf("checksum mismatch (%s over its snapshot, not %s): it was changed or damaged", sum, *top.CRC32)
		}
		if err := decodeStrict(top.Snapshot, &doc); err != nil {
			return doc, err
		}
		if doc.Format != stateFormat {
			return doc, fmt.Errorf("format %d is not one this mockdomino reads (%d)", doc.Format, stateFormat)
		}
		switch doc.LogWas {
		case logCurrent, logNone, logFormat1:
		default:
			return doc, fmt.Errorf("logWas %q is not none, format1 or absent", doc.LogWas)
		}
		return doc, nil
	case top.CRC32 == nil && top.Snapshot == nil && top.Seq != nil && top.State != nil:
		doc.Format, doc.Seq = 1, *top.Seq
		return doc, decodeStrict(top.State, &doc.State)
	}
	return doc, errors.New(`want {"crc32":…,"snapshot":…} (or, from format 1, {"seq":…,"state":…})`)
}

// decodeStrict decodes one JSON document with no unknown fields and
// nothing after it.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the document at byte %d", dec.InputOffset())
	}
	return nil
}

// Open builds a store whose state lives in dir: loaded from it when it holds
// state, else started from the fixtures and written to it.
func Open(cfg Config, dir string) (*Store, error) {
	d, err := LockDir(dir)
	if err != nil {
		return nil, err
	}
	s, err := OpenDir(cfg, d)
	if err != nil {
		d.Close()
		return nil, err
	}
	return s, nil
}

// OpenDir is Open on a directory the caller has locked. On success the
// store holds d and its Close releases it; on error d is still the caller's.
func OpenDir(cfg Config, d *Dir) (*Store, error) {
	s := New(cfg)
	l, err := load(d)
	if err != nil {
		return nil, err
	}
	if l.found {
		st, err := stateFromSnapshot(l.snap, s.cfg.Keys)
		if err != nil {
			return nil, fmt.Errorf("%s with %s replayed over it is inconsistent: %v (restore the directory from a backup)",
				d.file(snapshotFile), d.file(walFile), err)
		}
		s.st = st
		s.cfg.Clock.Set(l.snap.clockState())
	}
	s.cfg.IDs.skipTo(l.ids)
	if err := s.openFiles(d, !l.found); err != nil {
		return nil, err
	}
	p := &persister{dir: d, ids: s.cfg.IDs, seq: l.seq}
	// Start every run from a fresh snapshot and a log holding only its
	// header: recovery is then done once, and a torn last line is gone for
	// good. The first snapshot says what wal.log was, so that a crash
	// before the new log is written is harmless; once the log exists, a
	// second one says so, and a missing or header-less log is damage.
	snap := s.st.snapshot(s.cfg.Clock.State())
	err = p.compact(snap, l.log)
	if err == nil && l.log != logCurrent {
		err = p.compact(snap, logCurrent)
	}
	if err != nil {
		if p.log != nil {
			p.log.Close()
		}
		return nil, fmt.Errorf("state directory: %w", err)
	}
	s.p = p
	return s, nil
}

// Close releases the state directory.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p == nil {
		return nil
	}
	err := s.p.log.Close()
	s.p.dir.Close()
	// A request still running (a shutdown that timed out) must not be
	// acknowledged now that nothing is written.
	s.failed = fmt.Errorf("the state directory %s was closed", s.p.dir.Path())
	s.p = nil
	return err
}

// loaded is what a state directory holds.
type loaded struct {
	snap  Snapshot
	seq   uint64  // of the last record, or of the snapshot
	ids   uint64  // the id stream's position
	found bool    // the directory holds state
	log   logKind // what wal.log is
}

const restoreAdvice = "restore the directory from a backup, or remove it to start from the fixtures"

// load reads the snapshot and replays the log over it.
func load(d *Dir) (loaded, error) {
	var l loaded
	r := newReplay()
	snapPath, walPath := d.file(snapshotFile), d.file(walFile)
	var doc snapshotFileDoc
	data, err := d.ReadFile(snapshotFile)
	switch {
	case err == nil:
		if doc, err = decodeSnapshotFile(data); err == nil {
			err = r.full(doc.State)
		}
		if err != nil {
			return l, fmt.Errorf("%s is corrupt: %v (%s)", snapPath, err, restoreAdvice)
		}
		l.found, l.ids = true, doc.IDs
	case !errors.Is(err, os.ErrNotExist):
		return l, err
	}

	f, err := d.open(walFile)
	if errors.Is(err, os.ErrNotExist) {
		l.log = logNone
		if l.found && doc.Format == stateFormat && doc.LogWas != logNone {
			return l, fmt.Errorf("%s is missing, but %s was written with a log after it: the changes the log held are lost (%s)", walPath, snapPath, restoreAdvice)
		}
		// A new directory, or a first start that stopped between writing
		// the snapshot and the log: nothing was acknowledged yet.
		l.snap, l.seq = r.result(), doc.Seq
		return l, nil
	}
	if err != nil {
		return l, err
	}
	defer f.Close()
	if !l.found {
		// The snapshot is always written before the log: a log without one
		// means the snapshot (and the state it held) was lost.
		return l, fmt.Errorf("%s is missing but %s exists, so the state it held is lost (%s)", snapPath, walPath, restoreAdvice)
	}
	corrupt := func(lineNo int, format string, args ...any) error {
		return fmt.Errorf("%s is corrupt at line %d: %s; only a last line without its newline (a write never acknowledged) may be cut off, so mockdomino will not guess (%s)",
			walPath, lineNo, fmt.Sprintf(format, args...), restoreAdvice)
	}

	br := bufio.NewReaderSize(f, 1<<20)
	// next reads a line; complete is false at the end of the log, and for a
	// torn last line: one without its newline, a write never acknowledged.
	next := func() (line []byte, complete bool, err error) {
		line, err = br.ReadBytes('\n')
		if err == io.EOF {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", walPath, err)
		}
		return line, true, nil
	}
	lineNo := 1
	line, complete, err := next()
	if err != nil {
		return l, err
	}
	last, known := uint64(0), false // the seq the next record follows, once known
	l.log = logFormat1
	if complete {
		data, err := checkLine(line)
		if err != nil {
			return l, corrupt(lineNo, "%v", err)
		}
		var h walHeader
		if decodeStrict(data, &h) == nil && h.Format != 0 {
			if h.Format != stateFormat {
				return l, corrupt(lineNo, "a header of format %d, not %d", h.Format, stateFormat)
			}
			l.log, last, known = logCurrent, h.Follows, true
			lineNo++
			if line, complete, err = next(); err != nil {
				return l, err
			}
		}
	}
	switch {
	case l.log == logFormat1 && doc.Format == stateFormat && doc.LogWas != logFormat1:
		return l, corrupt(1, "no header line naming the snapshot the log follows, though %s was written with one", snapPath)
	case l.log == logCurrent && doc.Format != stateFormat:
		return l, fmt.Errorf("%s has a header line of format %d, but %s is of format %d, written before any such log (%s)",
			walPath, stateFormat, snapPath, doc.Format, restoreAdvice)
	case l.log == logCurrent && last > doc.Seq:
		return l, fmt.Errorf("%s follows record %d, but %s holds records up to %d only: the snapshot is older than its log (%s)",
			walPath, last, snapPath, doc.Seq, restoreAdvice)
	}
	for ; complete; lineNo++ {
		rec, err := parseLine(line)
		if err != nil {
			return l, corrupt(lineNo, "%v", err)
		}
		// A log of format 1 has no header: its first record may be any
		// up to the one after the snapshot's.
		if follows := last; !known && rec.Seq > doc.Seq+1 || known && rec.Seq != last+1 {
			if !known {
				follows = doc.Seq
			}
			return l, corrupt(lineNo, "record %d follows %d", rec.Seq, follows)
		}
		last, known = rec.Seq, true
		if rec.Seq > doc.Seq { // else the snapshot holds it already
			if err := r.apply(rec); err != nil {
				return l, corrupt(lineNo, "%v", err)
			}
			l.ids = max(l.ids, rec.IDs)
		}
		if line, complete, err = next(); err != nil {
			return l, err
		}
	}
	if known && last < doc.Seq {
		return l, fmt.Errorf("%s holds records up to %d, but %s says it holds record %d: records are missing from the log, or the snapshot was changed (%s)",
			walPath, last, snapPath, doc.Seq, restoreAdvice)
	}
	l.snap, l.seq = r.result(), max(last, doc.Seq)
	return l, nil
}

// checkLine is the data of a log line whose checksum holds.
func checkLine(line []byte) ([]byte, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	sum, data, ok := bytes.Cut(line, []byte(" "))
	if !ok || len(sum) != 8 {
		return nil, errors.New("no checksum")
	}
	want, err := strconv.ParseUint(string(sum), 16, 32)
	if err != nil {
		return nil, errors.New("bad checksum field")
	}
	if crc32.ChecksumIEEE(data) != uint32(want) {
		return nil, errors.New("checksum mismatch")
	}
	return data, nil
}

func parseLine(line []byte) (walRecord, error) {
	var rec walRecord
	data, err := checkLine(line)
	if err != nil {
		return rec, err
	}
	if err := decodeStrict(data, &rec); err != nil {
		return rec, fmt.Errorf("bad record: %v", err)
	}
	return rec, nil
}

// replay rebuilds a snapshot from records: maps keyed by id, with the
// order of first appearance kept where listing order matters.
type replay struct {
	base      Snapshot
	users     orderedMap[UserRecord]
	tokens    orderedMap[TokenRecord]
	access    orderedMap[AccessTokenRecord]
	projects  orderedMap[ProjectRecord]
	tags      orderedMap[TagRecord]
	creds     orderedMap[CredentialRecord]
	mappings  orderedMap[MappingRecord]
	jobs      orderedMap[JobRecord]
	commits   orderedMap[CommitRecord]
	envs      orderedMap[EnvironmentRecord] // without their revisions
	revisions orderedMap[RevisionRecord]    // each naming its environment
	metrics   metricReplay
	alerts    orderedMap[MetricAlertRecord]
	schedules orderedMap[ScheduledJobRecord]
	apps      orderedMap[AppRecord]
	models    orderedMap[ModelRecord]
	versions  orderedMap[ModelVersionRecord]
	exports   orderedMap[ModelExportRecord]
	endpoints orderedMap[EndpointRecord]
	datasets  orderedMap[DatasetRecord]
	dsSnaps   orderedMap[DatasetSnapshotRecord]
	lifecycle JobLifecycle
	retired   orderedMap[LifecycleRecord] // lifecycles once in force, which jobs may refer to
	clock     ClockState
	ws        workspaceReplay // workspaces.go
	cost      costReplay      // cost.go
}

type orderedMap[V any] struct {
	keys   []string
	listed map[string]bool // in keys: a key deleted and put again is listed once
	m      map[string]V
}

// put sets k to v and says whether k was absent.
func (o *orderedMap[V]) put(k string, v V) (added bool) {
	if o.m == nil {
		o.m, o.listed = map[string]V{}, map[string]bool{}
	}
	if !o.listed[k] {
		o.keys, o.listed[k] = append(o.keys, k), true
	}
	_, had := o.m[k]
	o.m[k] = v
	return !had
}

func (o *orderedMap[V]) has(k string) bool {
	_, ok := o.m[k]
	return ok
}

func (o *orderedMap[V]) del(k string) { delete(o.m, k) }

func (o *orderedMap[V]) values() []V {
	out := make([]V, 0, len(o.m))
	for _, k := range o.keys {
		if v, ok := o.m[k]; ok {
			out = append(out, v)
		}
	}
	return out
}

// putEach puts each record under its key; delEach deletes each key.
func putEach[V any](o *orderedMap[V], vs []V, key func(V) string) {
	for _, v := range vs {
		o.put(key(v), v)
	}
}

func delEach[V any](o *orderedMap[V], keys []string) {
	for _, k := range keys {
		o.del(k)
	}
}

// orNil is nil for no values: a document without a domain leaves its field
// out (omitempty), as one written before the domain existed.
func orNil[V any](vs []V) []V {
	if len(vs) == 0 {
		return nil
	}
	return vs
}

func newReplay() *replay { return &replay{lifecycle: DefaultJobLifecycle()} }

func mappingID(m MappingRecord) string { return m.UserID + "/" + m.ProjectID + "/" + m.RepoID }

// putAll puts every value, refusing a key twice: read into a map, the
// second would silently replace the first.
func putAll[V any](what string, o *orderedMap[V], vs []V, key func(V) string) error {
	for i, v := range vs {
		if !o.put(key(v), v) {
			return fmt.Errorf("%s[%d]: %s is used twice", what, i, key(v))
		}
	}
	return nil
}

func userKey(v UserRecord) string             { return v.ID }
func tokenKey(v TokenRecord) string           { return v.JTI }
func accessKey(v AccessTokenRecord) string    { return v.JTI }
func projectRecordKey(v ProjectRecord) string { return v.ID }
func tagKey(v TagRecord) string               { return v.ID }
func credKey(v CredentialRecord) string       { return v.ID }
func jobKey(v JobRecord) string               { return v.ID }
func lifecycleKey(v LifecycleRecord) string   { return v.ID }
func envKey(v EnvironmentRecord) string       { return v.ID }
func revisionKey(v RevisionRecord) string     { return v.ID }
func alertKey(v MetricAlertRecord) string     { return v.ID }
func scheduleKey(v ScheduledJobRecord) string { return v.ID }
func appKey(v AppRecord) string               { return v.ID }
func modelKey(v ModelRecord) string           { return v.ID }
func versionKey(v ModelVersionRecord) string  { return v.ID }
func exportKey(v ModelExportRecord) string    { return v.ID }
func endpointKey(v EndpointRecord) string     { return v.ProjectID }

func (r *replay) full(s Snapshot) error {
	*r = replay{base: s, lifecycle: s.Lifecycle, clock: s.clockState()}
	for _, err := range []error{
		putAll("jobLifecycles", &r.retired, s.Lifecycles, lifecycleKey),
		putAll("users", &r.users, s.Users, userKey),
		putAll("tokens", &r.tokens, s.Tokens, tokenKey),
		putAll("accessTokens", &r.access, s.AccessTokens, accessKey),
		putAll("projects", &r.projects, s.Projects, projectRecordKey),
		putAll("projectTags", &r.tags, s.ProjectTags, tagKey),
		putAll("gitCredentials", &r.creds, s.Credentials, credKey),
		putAll("credentialMappings", &r.mappings, s.Mappings, mappingID),
		putAll("jobs", &r.jobs, s.Jobs, jobKey),
		putAll("commits", &r.commits, s.Commits, commitKey),
		putAll("metricAlerts", &r.alerts, s.MetricAlerts, alertKey),
		putAll("scheduledJobs", &r.schedules, s.ScheduledJobs, scheduleKey),
		r.ws.full(s),
		r.cost.load(s.Cost),
		putAll("apps", &r.apps, s.Apps, appKey),
		putAll("models", &r.models, s.Models, modelKey),
		putAll("modelVersions", &r.versions, s.ModelVersions, versionKey),
		putAll("modelExports", &r.exports, s.ModelExports, exportKey),
		putAll("endpoints", &r.endpoints, s.Endpoints, endpointKey),
		putAll("datasets", &r.datasets, s.Datasets, datasetKey),
		putAll("datasetSnapshots", &r.dsSnaps, s.DatasetSnapshots, dsSnapshotKey),
	} {
		if err != nil {
			return err
		}
	}
	r.metrics.full(s.MetricSeries)
	for i, e := range s.Environments {
		revisions := e.Revisions
		e.Revisions = nil
		if !r.envs.put(e.ID, e) {
			return fmt.Errorf("environments[%d]: %s is used twice", i, e.ID)
		}
		for j, rev := range revisions {
			rev.EnvironmentID = e.ID
			if !r.revisions.put(rev.ID, rev) {
				return fmt.Errorf("environments[%d].revisions[%d]: %s is used twice", i, j, rev.ID)
			}
		}
	}
	return nil
}

// creates checks the ids a record says it creates: each must be one the
// record holds, and must not exist yet.
func creates[V any](what string, ids []string, o *orderedMap[V], held []V, key func(V) string) error {
	for _, id := range ids {
		if o.has(id) {
			return fmt.Errorf("the record creates %s %s, which already exists", what, id)
		}
		if !slices.ContainsFunc(held, func(v V) bool { return key(v) == id }) {
			return fmt.Errorf("the record creates %s %s but does not hold it", what, id)
		}
	}
	return nil
}

func (r *replay) apply(rec walRecord) error {
	if rec.Full != nil {
		if err := r.full(*rec.Full); err != nil {
			return err
		}
	}
	if c := rec.Created; c != nil {
		for _, err := range []error{
			creates("user", c.Users, &r.users, rec.Users, userKey),
			creates("token", c.Tokens, &r.tokens, rec.Tokens, tokenKey),
			creates("access token", c.AccessTokens, &r.access, rec.AccessTokens, accessKey),
			creates("git credential", c.Credentials, &r.creds, rec.Credentials, credKey),
			creates("job", c.Jobs, &r.jobs, rec.Jobs, jobKey),
			creates("project", c.Projects, &r.projects, rec.Projects, projectRecordKey),
			creates("project tag", c.ProjectTags, &r.tags, rec.ProjectTags, tagKey),
			creates("commit", c.Commits, &r.commits, rec.Commits, commitKey),
			creates("environment", c.Environments, &r.envs, rec.Environments, envKey),
			creates("environment revision", c.Revisions, &r.revisions, rec.EnvironmentRevisions, revisionKey),
			creates("metric alert", c.MetricAlerts, &r.alerts, rec.MetricAlerts, alertKey),
			creates("scheduled job", c.Schedules, &r.schedules, rec.ScheduledJobs, scheduleKey),
			creates("app", c.Apps, &r.apps, rec.Apps, appKey),
			creates("model", c.Models, &r.models, rec.Models, modelKey),
			creates("model version", c.ModelVersions, &r.versions, rec.ModelVersions, versionKey),
			creates("model export", c.ModelExports, &r.exports, rec.ModelExports, exportKey),
			creates("dataset", c.Datasets, &r.datasets, rec.Datasets, datasetKey),
			creates("dataset snapshot", c.DsSnapshots, &r.dsSnaps, rec.DatasetSnapshots, dsSnapshotKey),
		} {
			if err != nil {
				return err
			}
		}
	}
	putEach(&r.users, rec.Users, userKey)
	putEach(&r.tokens, rec.Tokens, tokenKey)
	delEach(&r.tokens, rec.DelTokens)
	putEach(&r.access, rec.AccessTokens, accessKey)
	delEach(&r.access, rec.DelAccessTokens)
	putEach(&r.projects, rec.Projects, projectRecordKey)
	putEach(&r.tags, rec.ProjectTags, tagKey)
	putEach(&r.creds, rec.Credentials, credKey)
	delEach(&r.creds, rec.DelCredentials)
	putEach(&r.mappings, rec.Mappings, mappingID)
	for _, v := range rec.DelMappings {
		r.mappings.del(mappingID(v))
	}
	putEach(&r.jobs, rec.Jobs, jobKey)
	putEach(&r.commits, rec.Commits, commitKey)
	putEach(&r.envs, rec.Environments, envKey)
	for _, v := range rec.EnvironmentRevisions {
		// Environments are never deleted, so a revision of one the log
		// never made is damage, not a deletion replayed.
		if !r.envs.has(v.EnvironmentID) {
			return fmt.Errorf("the record holds revision %s of environment %q, which does not exist", v.ID, v.EnvironmentID)
		}
		r.revisions.put(v.ID, v)
	}
	putEach(&r.apps, rec.Apps, appKey)
	putEach(&r.models, rec.Models, modelKey)
	for _, v := range rec.ModelVersions {
		// Models are never deleted: a version of one the log never made
		// is damage.
		if !r.models.has(v.ModelID) {
			return fmt.Errorf("the record holds version %s of model %q, which does not exist", v.ID, v.ModelID)
		}
		r.versions.put(v.ID, v)
	}
	putEach(&r.exports, rec.ModelExports, exportKey)
	putEach(&r.endpoints, rec.Endpoints, endpointKey)
	r.metrics.append(rec.MetricValues)
	putEach(&r.alerts, rec.MetricAlerts, alertKey)
	putEach(&r.schedules, rec.ScheduledJobs, scheduleKey)
	delEach(&r.schedules, rec.DelScheduledJobs)
	if err := r.ws.apply(rec); err != nil {
		return err
	}
	putEach(&r.datasets, rec.Datasets, datasetKey)
	for _, v := range rec.DatasetSnapshots {
		if !r.datasets.has(v.DatasetID) {
			return fmt.Errorf("the record holds snapshot %s of dataset %q, which does not exist", v.ID, v.DatasetID)
		}
		r.dsSnaps.put(v.ID, v)
	}
	for _, id := range rec.DelDatasets {
		r.datasets.del(id)
		for _, k := range r.dsSnaps.keys {
			if v, ok := r.dsSnaps.m[k]; ok && v.DatasetID == id {
				r.dsSnaps.del(k)
			}
		}
	}
	if rec.Lifecycle != nil {
		id := lifecycleID(r.lifecycle)
		r.retired.put(id, LifecycleRecord{ID: id, JobLifecycle: r.lifecycle})
		r.lifecycle = *rec.Lifecycle
	}
	switch {
	case rec.ClockFrozenAt != nil:
		r.clock = ClockState{FrozenAt: rec.ClockFrozenAt.UTC()}
	case rec.ClockOffset != nil:
		r.clock = ClockState{Offset: time.Duration(*rec.ClockOffset)}
	}
	return r.cost.apply(rec.Cost)
}

func (r *replay) result() Snapshot {
	s := r.base
	s.Version = SnapshotVersion
	s.Lifecycle = r.lifecycle
	s.ClockOffset, s.ClockFrozenAt = clockFields(r.clock)
	s.Lifecycles = nil
	current := lifecycleID(r.lifecycle)
	for _, v := range r.retired.values() {
		if v.ID != current { // back in force: listed as jobLifecycle
			s.Lifecycles = append(s.Lifecycles, v)
		}
	}
	s.Users, s.Tokens, s.AccessTokens = r.users.values(), r.tokens.values(), r.access.values()
	s.Projects, s.Credentials, s.Mappings, s.Jobs = r.projects.values(), r.creds.values(), r.mappings.values(), r.jobs.values()
	s.ProjectTags = r.tags.values()
	s.Cost = r.cost.result()
	s.MetricSeries, s.MetricAlerts = r.metrics.result(), orNil(r.alerts.values())
	s.Commits = orNil(r.commits.values())
	s.ScheduledJobs = orNil(r.schedules.values())
	s.Apps = orNil(r.apps.values())
	s.Models = orNil(r.models.values())
	s.ModelVersions = orNil(r.versions.values())
	s.ModelExports = orNil(r.exports.values())
	s.Endpoints = orNil(r.endpoints.values())
	s.Datasets = orNil(r.datasets.values())
	s.DatasetSnapshots = orNil(r.dsSnaps.values())
	// Each environment with its revisions, in the order they were made.
	byEnv := map[string][]RevisionRecord{}
	for _, v := range r.revisions.values() {
		id := v.EnvironmentID
		v.EnvironmentID = ""
		byEnv[id] = append(byEnv[id], v)
	}
	s.Environments = r.envs.values()
	for i := range s.Environments {
		s.Environments[i].Revisions = byEnv[s.Environments[i].ID]
	}
	r.ws.result(&s)
	return s
}
