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
	"strconv"
	"time"
)

// Persistence (--state DIR) is a write-ahead log plus a snapshot:
//
//   - Every change is appended to wal.log as one line, "<crc32> <json>\n",
//     and fsynced before the request that made it is answered, while the
//     store's write lock is held (so the log's order is the state's order).
//   - Each line holds whole entities as they are after the change (upserts)
//     and the keys of deleted ones, so replaying it is idempotent.
//   - Every compactEvery records, the whole state is written to
//     snapshot.json (temp file, fsync, rename, fsync dir) and the log is
//     emptied. Records carry a sequence number; replay skips those the
//     snapshot already holds, so a crash between the two steps is harmless.
//   - On start, a last line that is incomplete or fails its checksum is a
//     write that was never acknowledged: it is cut off. Any other damage
//     stops start-up with the file, the line and what is wrong.
//
// The alternative, an embedded database, would add a dependency for what is
// a few hundred lines here; the log keeps one fsync per acknowledged write.

const (
	walFile      = "wal.log"
	snapshotFile = "snapshot.json"
	compactEvery = 4096
)

// KindUnavailable: the state directory cannot be written; the mock refuses
// changes rather than acknowledge what it cannot keep.
const KindUnavailable Kind = 100

type walRecord struct {
	Seq             uint64              `json:"seq"`
	Full            *Snapshot           `json:"full,omitempty"`
	Users           []UserRecord        `json:"users,omitempty"`
	Tokens          []TokenRecord       `json:"tokens,omitempty"`
	DelTokens       []string            `json:"delTokens,omitempty"`
	AccessTokens    []AccessTokenRecord `json:"accessTokens,omitempty"`
	DelAccessTokens []string            `json:"delAccessTokens,omitempty"`
	Projects        []ProjectRecord     `json:"projects,omitempty"`
	Credentials     []CredentialRecord  `json:"gitCredentials,omitempty"`
	DelCredentials  []string            `json:"delGitCredentials,omitempty"`
	Mappings        []MappingRecord     `json:"credentialMappings,omitempty"`
	DelMappings     []MappingRecord     `json:"delCredentialMappings,omitempty"`
	Jobs            []JobRecord         `json:"jobs,omitempty"`
	Lifecycle       *JobLifecycle       `json:"jobLifecycle,omitempty"`
	ClockOffset     *Duration           `json:"clockOffset,omitempty"`
}

type snapshotFileDoc struct {
	Seq   uint64   `json:"seq"`
	State Snapshot `json:"state"`
}

// change lists what a mutation touched, for the log.
type change struct {
	full            bool
	users           []*user
	tokens          []*token
	delTokens       []string
	accessTokens    []string
	delAccessTokens []string
	projects        []*project
	creds           []*gitCredential
	delCreds        []string
	mappings        []mappingKey
	delMappings     []mappingKey
	jobs            []*job
	lifecycle       bool
	// clock is the clock offset the change sets; it is applied only once
	// the change is durable, so a refused change never moves the time.
	clock *time.Duration
}

type persister struct {
	dir     *Dir
	log     *os.File
	seq     uint64
	pending int // records since the last snapshot
}

// writable refuses changes once the state directory has failed; the caller
// holds the write lock.
func (s *Store) writable() error {
	if s.failed != nil {
		return &Error{Kind: KindUnavailable, Message: "mockdomino cannot write its state directory, so it accepts no changes: " + s.failed.Error()}
	}
	return nil
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
	st := s.st
	offset := s.cfg.Clock.Offset()
	if c.clock != nil {
		offset = *c.clock
	}
	s.p.seq++
	rec := walRecord{Seq: s.p.seq}
	if c.full {
		snap := st.snapshot(offset)
		rec.Full = &snap
	}
	for _, u := range c.users {
		rec.Users = append(rec.Users, u.record())
	}
	for _, t := range c.tokens {
		rec.Tokens = append(rec.Tokens, t.record())
	}
	rec.DelTokens = c.delTokens
	for _, jti := range c.accessTokens {
		if a := st.accessTokens[jti]; a != nil {
			rec.AccessTokens = append(rec.AccessTokens, AccessTokenRecord{JTI: jti, UserID: a.user.id, Value: a.value, ExpiresAt: a.expiresAt})
		}
	}
	rec.DelAccessTokens = c.delAccessTokens
	for _, p := range c.projects {
		rec.Projects = append(rec.Projects, p.record())
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
	if c.lifecycle {
		l := st.lifecycle
		rec.Lifecycle = &l
	}
	if c.clock != nil {
		d := Duration(offset)
		rec.ClockOffset = &d
	}
	if err := s.p.append(rec); err != nil {
		s.failed = err
		msg := "mockdomino could not write its state directory: " + err.Error()
		if rbErr := s.rollBack(); rbErr != nil {
			msg += "; reading it back to undo the refused change failed too, so the change stays visible until a restart: " + rbErr.Error()
		}
		return &Error{Kind: KindUnavailable, Message: msg}
	}
	s.applyClock(c)
	if s.p.pending >= compactEvery {
		if err := s.p.compact(st.snapshot(s.cfg.Clock.Offset())); err != nil {
			// This change is in the fsynced log, so it is acknowledged; the
			// directory is failing, so the next change is not.
			s.failed = fmt.Errorf("compacting the log into a snapshot: %w", err)
		}
	}
	return nil
}

func (s *Store) applyClock(c change) {
	if c.clock != nil {
		s.cfg.Clock.SetOffset(*c.clock)
	}
}

// rollBack puts the state back to what the state directory holds, so that
// a change refused with 503 is not seen by later reads: the caller applied
// it in memory before its record failed to reach the log. A record that did
// reach the disk whole (say, only its fsync failed) is read back, and stays:
// memory then shows what a restart would.
func (s *Store) rollBack() error {
	snap, _, found, err := load(s.p.dir)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%s holds no state", s.p.dir.Path())
	}
	st, err := stateFromSnapshot(snap, s.cfg.Keys)
	if err != nil {
		return err
	}
	s.st = st
	s.cfg.Clock.SetOffset(time.Duration(snap.ClockOffset))
	return nil
}

func (p *persister) append(rec walRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	line := make([]byte, 0, len(data)+10)
	line = append(line, fmt.Sprintf("%08x ", crc32.ChecksumIEEE(data))...)
	line = append(line, data...)
	line = append(line, '\n')
	if _, err := p.log.Write(line); err != nil {
		return fmt.Errorf("%s: %w", p.dir.file(walFile), err)
	}
	if err := p.log.Sync(); err != nil {
		return fmt.Errorf("%s: fsync: %w", p.dir.file(walFile), err)
	}
	p.pending++
	return nil
}

// compact writes the state as the new snapshot and empties the log.
func (p *persister) compact(snap Snapshot) error {
	data, err := json.Marshal(snapshotFileDoc{Seq: p.seq, State: snap})
	if err != nil {
		return err
	}
	if err := p.dir.WriteFile(snapshotFile, data); err != nil {
		return err
	}
	if err := p.dir.WriteFile(walFile, nil); err != nil {
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
	p.pending = 0
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
	snap, seq, found, err := load(d)
	if err != nil {
		return nil, err
	}
	if found {
		st, err := stateFromSnapshot(snap, s.cfg.Keys)
		if err != nil {
			return nil, fmt.Errorf("%s with %s replayed over it is inconsistent: %v (restore the directory from a backup)",
				d.file(snapshotFile), d.file(walFile), err)
		}
		s.st = st
		s.cfg.Clock.SetOffset(time.Duration(snap.ClockOffset))
	}
	p := &persister{dir: d, seq: seq}
	// Start every run from a fresh snapshot and an empty log: recovery is
	// then done once, and a torn last line is gone for good.
	if err := p.compact(s.st.snapshot(s.cfg.Clock.Offset())); err != nil {
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

// load reads the snapshot and replays the log over it.
func load(d *Dir) (snap Snapshot, seq uint64, found bool, err error) {
	r := newReplay()
	snapPath := d.file(snapshotFile)
	if data, err := d.ReadFile(snapshotFile); err == nil {
		var doc snapshotFileDoc
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err := dec.Decode(&doc)
		if err == nil {
			if _, tokErr := dec.Token(); tokErr != io.EOF {
				err = fmt.Errorf("data after the document at byte %d", dec.InputOffset())
			}
		}
		if err != nil {
			return snap, 0, false, fmt.Errorf("%s is corrupt: %v (restore it from a backup or remove the directory to start from the fixtures)", snapPath, err)
		}
		r.full(doc.State)
		seq, found = doc.Seq, true
	} else if !errors.Is(err, os.ErrNotExist) {
		return snap, 0, false, fmt.Errorf("%s: %w", snapPath, err)
	}

	walPath := d.file(walFile)
	f, err := d.open(walFile)
	if errors.Is(err, os.ErrNotExist) {
		return r.result(), seq, found, nil
	}
	if err != nil {
		return snap, 0, false, fmt.Errorf("%s: %w", walPath, err)
	}
	if !found {
		// The snapshot is always written before the log: a log without one
		// means the snapshot (and the state it held) was lost.
		f.Close()
		return snap, 0, false, fmt.Errorf("%s is missing but %s exists, so the state it held is lost (restore snapshot.json from a backup, or remove the directory to start from the fixtures)", snapPath, walPath)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	for lineNo := 1; ; lineNo++ {
		line, readErr := br.ReadBytes('\n')
		if readErr == io.EOF {
			// An incomplete last line is a write that was never acknowledged.
			break
		}
		if readErr != nil {
			return snap, 0, false, fmt.Errorf("%s: %w", walPath, readErr)
		}
		rec, perr := parseLine(line)
		if perr != nil {
			if _, peekErr := br.Peek(1); peekErr == io.EOF {
				break // a torn last line: never acknowledged
			}
			return snap, 0, false, fmt.Errorf("%s is corrupt at line %d: %v; later lines hold acknowledged writes, so mockdomino will not guess (restore the directory from a backup)", walPath, lineNo, perr)
		}
		if rec.Seq <= seq {
			continue // already in the snapshot
		}
		if rec.Seq != seq+1 && found {
			return snap, 0, false, fmt.Errorf("%s is corrupt at line %d: record %d follows %d", walPath, lineNo, rec.Seq, seq)
		}
		r.apply(rec)
		seq, found = rec.Seq, true
	}
	return r.result(), seq, found, nil
}

func parseLine(line []byte) (walRecord, error) {
	var rec walRecord
	line = bytes.TrimSuffix(line, []byte("\n"))
	sum, data, ok := bytes.Cut(line, []byte(" "))
	if !ok || len(sum) != 8 {
		return rec, errors.New("no checksum")
	}
	want, err := strconv.ParseUint(string(sum), 16, 32)
	if err != nil {
		return rec, errors.New("bad checksum field")
	}
	if crc32.ChecksumIEEE(data) != uint32(want) {
		return rec, errors.New("checksum mismatch")
	}
	if err := json.Unmarshal(data, &rec); err != nil {
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
	creds     orderedMap[CredentialRecord]
	mappings  orderedMap[MappingRecord]
	jobs      orderedMap[JobRecord]
	lifecycle JobLifecycle
	clock     Duration
}

type orderedMap[V any] struct {
	keys []string
	m    map[string]V
}

func (o *orderedMap[V]) put(k string, v V) {
	if o.m == nil {
		o.m = map[string]V{}
	}
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
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

func newReplay() *replay { return &replay{lifecycle: DefaultJobLifecycle()} }

func mappingID(m MappingRecord) string { return m.UserID + "/" + m.ProjectID + "/" + m.RepoID }

func (r *replay) full(s Snapshot) {
	*r = replay{base: s, lifecycle: s.Lifecycle, clock: s.ClockOffset}
	for _, v := range s.Users {
		r.users.put(v.ID, v)
	}
	for _, v := range s.Tokens {
		r.tokens.put(v.JTI, v)
	}
	for _, v := range s.AccessTokens {
		r.access.put(v.JTI, v)
	}
	for _, v := range s.Projects {
		r.projects.put(v.ID, v)
	}
	for _, v := range s.Credentials {
		r.creds.put(v.ID, v)
	}
	for _, v := range s.Mappings {
		r.mappings.put(mappingID(v), v)
	}
	for _, v := range s.Jobs {
		r.jobs.put(v.ID, v)
	}
}

func (r *replay) apply(rec walRecord) {
	if rec.Full != nil {
		r.full(*rec.Full)
	}
	for _, v := range rec.Users {
		r.users.put(v.ID, v)
	}
	for _, v := range rec.Tokens {
		r.tokens.put(v.JTI, v)
	}
	for _, k := range rec.DelTokens {
		r.tokens.del(k)
	}
	for _, v := range rec.AccessTokens {
		r.access.put(v.JTI, v)
	}
	for _, k := range rec.DelAccessTokens {
		r.access.del(k)
	}
	for _, v := range rec.Projects {
		r.projects.put(v.ID, v)
	}
	for _, v := range rec.Credentials {
		r.creds.put(v.ID, v)
	}
	for _, k := range rec.DelCredentials {
		r.creds.del(k)
	}
	for _, v := range rec.Mappings {
		r.mappings.put(mappingID(v), v)
	}
	for _, v := range rec.DelMappings {
		r.mappings.del(mappingID(v))
	}
	for _, v := range rec.Jobs {
		r.jobs.put(v.ID, v)
	}
	if rec.Lifecycle != nil {
		r.lifecycle = *rec.Lifecycle
	}
	if rec.ClockOffset != nil {
		r.clock = *rec.ClockOffset
	}
}

func (r *replay) result() Snapshot {
	s := r.base
	s.Version = SnapshotVersion
	s.Lifecycle, s.ClockOffset = r.lifecycle, r.clock
	s.Users, s.Tokens, s.AccessTokens = r.users.values(), r.tokens.values(), r.access.values()
	s.Projects, s.Credentials, s.Mappings, s.Jobs = r.projects.values(), r.creds.values(), r.mappings.values(), r.jobs.values()
	return s
}
