package store

import (
	crand "crypto/rand"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"sync"

	"github.com/google/uuid"
)

// IDs generates the identifiers Domino uses: Mongo ObjectIds for users,
// projects, credentials and jobs, and UUIDs for Keycloak ids and token ids.
type IDs struct {
	mu     sync.Mutex
	r      io.Reader
	seeded bool
	drawn  uint64 // bytes drawn: the stream's position, kept with --state
}

// RandomIDs draws from crypto/rand.
func RandomIDs() *IDs { return &IDs{r: crand.Reader} }

// SeededIDs is deterministic: the same seed yields the same sequence, for
// golden-file tests.
func SeededIDs(seed uint64) *IDs {
	return &IDs{r: SeededReader(seed, 0), seeded: true}
}

// SeededRequestIDs is a seed's stream of request ids, apart from the
// entities' (serving a request draws nothing from that one), so that with
// --seed the answers that carry a request id are the same in every run.
func SeededRequestIDs(seed uint64) *IDs {
	return &IDs{r: SeededReader(seed, 2), seeded: true}
}

// position is how far the stream has been drawn.
func (g *IDs) position() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.drawn
}

// skipTo moves the stream on to pos, so that a seeded stream continues
// where the last run on the same state directory left it instead of
// handing out its ids again. A random stream only counts on.
func (g *IDs) skipTo(pos uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if pos <= g.drawn {
		return
	}
	if g.seeded {
		if _, err := io.CopyN(io.Discard, g.r, int64(pos-g.drawn)); err != nil {
			panic("id source failed: " + err.Error()) // a ChaCha8 stream does not fail
		}
	}
	g.drawn = pos
}

// SeededReader is a deterministic byte stream for a seed; purpose keeps
// the streams for different uses (ids, the signing key) apart.
func SeededReader(seed uint64, purpose byte) io.Reader {
	var b [32]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(seed >> (8 * i))
	}
	b[31] = purpose
	return chachaReader{rand.NewChaCha8(b)}
}

type chachaReader struct{ c *rand.ChaCha8 }

func (r chachaReader) Read(p []byte) (int, error) { return r.c.Read(p) }

func (g *IDs) read(n int) []byte {
	b := make([]byte, n)
	g.mu.Lock()
	_, err := io.ReadFull(g.r, b)
	g.drawn += uint64(n)
	g.mu.Unlock()
	if err != nil {
		panic("id source failed: " + err.Error()) // crypto/rand does not fail on supported platforms
	}
	return b
}

// ObjectID returns 24 lower-case hex characters.
func (g *IDs) ObjectID() string { return hex.EncodeToString(g.read(12)) }

// UUID returns a version-4 UUID.
func (g *IDs) UUID() string {
	u, _ := uuid.FromBytes(g.read(16))
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return u.String()
}

// newObjectID draws an ObjectId no entity of the state has: an imported
// state, or one kept from an earlier run, may hold ids of this very stream.
// The caller holds the store's lock (read or write).
func (s *Store) newObjectID() string {
	for {
		if id := s.cfg.IDs.ObjectID(); !s.st.objectIDInUse(id) {
			return id
		}
	}
}

// newUUID draws a UUID no user or token has; the caller holds the store's lock.
func (s *Store) newUUID() string {
	for {
		if id := s.cfg.IDs.UUID(); !s.st.uuidInUse(id) {
			return id
		}
	}
}

func (st *state) objectIDInUse(id string) bool {
	return st.users[id] != nil || st.projects[id] != nil || st.creds[id] != nil || st.jobs[id] != nil ||
		st.repos[id] != nil || st.tags[id] != nil || st.environments[id] != nil || st.envRevisions[id] != nil ||
		st.sched.byID[id] != nil ||
		st.ws.idInUse(id) ||
		st.cost.tagsByID[id] != nil ||
		st.datasets.byID[id] != nil || st.datasets.snapshots[id] != nil
}

func (st *state) uuidInUse(id string) bool {
	return st.usersByIdp[id] != nil || st.tokens[id] != nil || st.accessTokens[id] != nil
}
