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
	mu sync.Mutex
	r  io.Reader
}

// RandomIDs draws from crypto/rand.
func RandomIDs() *IDs { return &IDs{r: crand.Reader} }

// SeededIDs is deterministic: the same seed yields the same sequence, for
// golden-file tests.
func SeededIDs(seed uint64) *IDs {
	return &IDs{r: SeededReader(seed, 0)}
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
