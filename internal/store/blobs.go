package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// File contents ("blobs") are stored once each, by the SHA-256 of their
// bytes, whichever projects and commits name them:
//
//   - In memory (no --state), as chunks of at most blobChunk bytes, never
//     copied to grow; all of them, with what uploads under way have read,
//     are bounded by Limits.FileMemoryBytes (--max-file-memory-bytes).
//   - With --state DIR, as files DIR/blobs/<sha256>. An upload is written
//     to an exclusive temporary file there (mode 0600, no link followed)
//     and fsynced as it arrives, outside the store's lock; under the lock
//     it is renamed to its name and the directory fsynced, and only then
//     is the commit that names it logged and acknowledged.
//
// Garbage, contents no commit names, comes from uploads a crash or a
// failed log write cut short, and from a reset or an import replacing the
// projects' commits. It never grows across crashes: every start removes
// the temporary files and the contents the loaded state does not name,
// and a reset or an import removes the contents the new state does not
// name once that state is durable.

const (
	blobDirName  = "blobs"
	blobTmpStart = ".upload-"
	blobTmpEnd   = ".tmp"
	firstChunk   = 32 << 10
	blobChunk    = 1 << 20 // the largest piece of memory one content is held in
	copyBuffer   = 256 << 10
)

type blobStore struct {
	dir string // DIR/blobs; "" holds the contents in memory
	mem map[string]*memBlob
	// used is what the contents in memory take, with what uploads under way
	// have reserved; limit bounds it.
	used, limit int64
	// unsynced: a content was renamed to its name without the directory
	// being fsynced since (an upload session's chunk); whatever relies on
	// a content being durable fsyncs it first (syncBlobs).
	unsynced bool
}

type memBlob struct {
	chunks [][]byte
	size   int64
}

func newMemBlobs(limit int64) blobStore {
	return blobStore{mem: map[string]*memBlob{}, limit: limit}
}

// openDirBlobs makes DIR/blobs (mode 0700) if it is missing and removes the
// temporary files a crash left there. A link in its place is refused.
func openDirBlobs(d *Dir) (blobStore, error) {
	dir := d.file(blobDirName)
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.Mkdir(dir, 0o700); err != nil {
			return blobStore{}, err
		}
		if err := syncDir(d.path); err != nil {
			return blobStore{}, err
		}
	case err != nil:
		return blobStore{}, err
	case fi.Mode()&os.ModeSymlink != 0:
		return blobStore{}, linkError(dir)
	case !fi.IsDir():
		return blobStore{}, fmt.Errorf("%s is not a directory: mockdomino keeps file contents there; move it away", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return blobStore{}, err
	}
	for _, e := range entries {
		if isBlobTmp(e.Name()) {
			if err := removeStale(filepath.Join(dir, e.Name())); err != nil {
				return blobStore{}, err
			}
		}
	}
	return blobStore{dir: dir}, nil
}

func isBlobTmp(name string) bool {
	return strings.HasPrefix(name, blobTmpStart) && strings.HasSuffix(name, blobTmpEnd)
}

func isSHA256(s string) bool { return len(s) == 64 && isLowerHex(s) }

func isLowerHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (b *blobStore) path(sha string) string { return filepath.Join(b.dir, sha) }

// incoming is a content received but not yet stored under its name.
type incoming struct {
	sha      string
	size     int64
	chunks   [][]byte // in memory
	reserved int64    // in memory: what it counts in blobStore.used
	tmp      string   // on disk: its temporary file
	stored   bool
}

// tooLarge refuses a content over a limit, naming the flag that sets it.
func tooLarge(format string, args ...any) error { return errorf(KindTooLarge, format, args...) }

// ReadError is a failure to read the content a client sent: the client's
// fault (it stopped short, or sent past a limit), never the mock's.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "reading the file: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// receiveBlob reads a content from r as it arrives, hashing it (and
// writing it to also, if not nil: a checksum the client gives), into memory
// or a temporary file: never more than Limits.FileBytes, and in memory
// never past Limits.FileMemoryBytes. The caller holds no lock.
func (s *Store) receiveBlob(r io.Reader, also hash.Hash) (*incoming, error) {
	limit := s.cfg.Limits.FileBytes
	var h hash.Hash = sha256.New()
	if also != nil {
		h = &bothHashes{Hash: h, also: also}
	}
	var in *incoming
	var err error
	if s.blobs.dir != "" {
		in, err = s.receiveToFile(r, h, limit)
	} else {
		in, err = s.receiveToMemory(r, h, limit)
	}
	if err != nil {
		return nil, err
	}
	if b, ok := h.(*bothHashes); ok {
		h = b.Hash
	}
	in.sha = hex.EncodeToString(h.Sum(nil))
	return in, nil
}

// bothHashes writes to the content's SHA-256 and to another hash.
type bothHashes struct {
	hash.Hash
	also hash.Hash
}

func (b *bothHashes) Write(p []byte) (int, error) {
	b.also.Write(p)
	return b.Hash.Write(p)
}

func (s *Store) receiveToFile(r io.Reader, h hash.Hash, limit int64) (*incoming, error) {
	f, tmp, err := createBlobTmp(s.blobs.dir)
	if err != nil {
		return nil, s.unavailableFiles(err)
	}
	in := &incoming{tmp: tmp}
	n, err := io.CopyBuffer(io.MultiWriter(f, h), readOnly{io.LimitReader(r, limit+1)}, make([]byte, copyBuffer))
	if err != nil && !errors.As(err, new(*ReadError)) {
		err = s.unavailableFiles(err) // writing the temporary file failed
	}
	if err == nil && n > limit {
		err = tooLarge("the file is larger than %d bytes (--max-file-bytes)", limit)
	}
	if err == nil {
		if err = f.Sync(); err != nil {
			err = s.unavailableFiles(fmt.Errorf("%s: fsync: %w", tmp, err))
		}
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = s.unavailableFiles(cerr)
	}
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	in.size = n
	return in, nil
}

// readOnly hides the writer side of a reader from io.Copy, and marks its
// errors as the client's: a write error is the mock's.
type readOnly struct{ r io.Reader }

func (r readOnly) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = &ReadError{err}
	}
	return n, err
}

func (s *Store) receiveToMemory(r io.Reader, h hash.Hash, limit int64) (_ *incoming, err error) {
	in := &incoming{}
	defer func() {
		if err != nil {
			s.discardBlob(in)
		}
	}()
	size := firstChunk
	var cur []byte
	for {
		if len(cur) == cap(cur) {
			if cur != nil {
				in.chunks = append(in.chunks, cur)
			}
			cur = make([]byte, 0, size)
			size = min(2*size, blobChunk)
		}
		n, rerr := r.Read(cur[len(cur):cap(cur)])
		// What is read is counted before it is kept (a piece not yet
		// filled is at most blobChunk more).
		if err := s.reserve(in, int64(n)); err != nil {
			return nil, err
		}
		h.Write(cur[len(cur) : len(cur)+n])
		cur = cur[:len(cur)+n]
		in.size += int64(n)
		if in.size > limit {
			return nil, tooLarge("the file is larger than %d bytes (--max-file-bytes)", limit)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, &ReadError{rerr}
		}
	}
	// The last piece is kept at its size, and only what is kept counted.
	if len(cur) > 0 {
		last := make([]byte, len(cur))
		copy(last, cur)
		in.chunks = append(in.chunks, last)
	}
	return in, nil
}

// reserve counts n more bytes of memory for an upload under way, or
// refuses it past the limit.
func (s *Store) reserve(in *incoming, n int64) error {
	if n == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blobs.used+n > s.blobs.limit {
		return tooLarge("the file contents held in memory would pass %d bytes (--max-file-memory-bytes; with --state they are kept on disk instead)", s.blobs.limit)
	}
	s.blobs.used += n
	in.reserved += n
	return nil
}

// discardBlob drops a content that was not stored (refused, or its commit
// failed before it was): its reserved memory, or its temporary file. The
// caller holds no lock.
func (s *Store) discardBlob(in *incoming) {
	if in == nil || in.stored {
		return
	}
	if in.tmp != "" {
		os.Remove(in.tmp)
		return
	}
	s.mu.Lock()
	s.blobs.used -= in.reserved
	s.mu.Unlock()
	in.reserved, in.chunks = 0, nil
}

// storeBlob puts a received content under its name; one already there is
// kept and the new copy dropped. The caller holds the write lock.
func (s *Store) storeBlob(in *incoming) error { return s.storeBlobSync(in, true) }

// storeBlobSync is storeBlob; without sync the directory is not fsynced, so
// the name may not survive a crash until the caller fsyncs it (an upload
// session's chunks, made durable once when the session ends).
func (s *Store) storeBlobSync(in *incoming, sync bool) error {
	b := &s.blobs
	if b.dir == "" {
		if b.mem[in.sha] != nil {
			b.used -= in.reserved
		} else {
			b.mem[in.sha] = &memBlob{chunks: in.chunks, size: in.size}
		}
		in.reserved, in.chunks, in.stored = 0, nil, true
		return nil
	}
	final := b.path(in.sha)
	if fi, err := os.Lstat(final); err == nil && fi.Mode().IsRegular() && fi.Size() == in.size {
		os.Remove(in.tmp)
		in.stored = true
		if sync {
			return s.syncBlobs() // the content there may be a chunk's, not yet durable
		}
		return nil
	}
	if err := os.Rename(in.tmp, final); err != nil {
		return s.unavailableFiles(err)
	}
	in.stored = true
	b.unsynced = true
	if !sync {
		return nil
	}
	return s.syncBlobs()
}

// syncBlobs makes every content renamed to its name durable (fsyncs the
// directory) if one may not be yet. The caller holds the write lock.
func (s *Store) syncBlobs() error {
	b := &s.blobs
	if b.dir == "" || !b.unsynced {
		return nil
	}
	if err := syncDir(b.dir); err != nil {
		return s.unavailableFiles(err)
	}
	b.unsynced = false
	return nil
}

// putBlob stores a content given whole (a fixture's); the caller holds the
// write lock or is building the store.
func (s *Store) putBlob(data []byte) (sha string, err error) {
	sum := sha256.Sum256(data)
	sha = hex.EncodeToString(sum[:])
	b := &s.blobs
	if b.dir == "" {
		if b.mem[sha] == nil {
			b.mem[sha] = &memBlob{chunks: [][]byte{append([]byte(nil), data...)}, size: int64(len(data))}
			b.used += int64(len(data))
		}
		return sha, nil
	}
	if b.has(sha, int64(len(data))) {
		if b.unsynced {
			err = syncDir(b.dir)
			b.unsynced = err != nil
		}
		return sha, err
	}
	f, tmp, err := createBlobTmp(b.dir)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, b.path(sha))
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return sha, syncDir(b.dir)
}

func createBlobTmp(dir string) (*os.File, string, error) {
	var r [8]byte
	rand.Read(r[:])
	tmp := filepath.Join(dir, blobTmpStart+hex.EncodeToString(r[:])+blobTmpEnd)
	f, err := openNoFollow(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	return f, tmp, err
}

// has says the store holds the content of that hash and size.
func (b *blobStore) has(sha string, size int64) bool {
	if b.dir == "" {
		m := b.mem[sha]
		return m != nil && m.size == size
	}
	fi, err := os.Lstat(b.path(sha))
	return err == nil && fi.Mode().IsRegular() && fi.Size() == size
}

// openBlob reads a stored content; the caller holds the read lock, so that no
// sweep removes it first (once open, it stays readable).
func (s *Store) openBlob(sha string) (io.ReadCloser, error) {
	b := &s.blobs
	if b.dir == "" {
		m := b.mem[sha]
		if m == nil {
			return nil, fmt.Errorf("the content %s is missing from memory", sha)
		}
		return &chunkReader{chunks: m.chunks}, nil
	}
	f, err := openNoFollow(b.path(sha), os.O_RDONLY, 0)
	if err != nil {
		return nil, &Error{Kind: KindUnavailable, Message: "mockdomino cannot read a file's content from its state directory: " + err.Error()}
	}
	return f, nil
}

// sweepBlobs removes the contents nothing in the state names (namedBlobs).
// The caller holds the write lock (or is opening the store), so no upload
// is between storing its content and logging its commit.
func (s *Store) sweepBlobs() error {
	named := s.st.namedBlobs()
	b := &s.blobs
	if b.dir == "" {
		for sha, m := range b.mem {
			if !named[sha] {
				delete(b.mem, sha)
				b.used -= m.size
			}
		}
		return nil
	}
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return err
	}
	removed := false
	for _, e := range entries {
		if name := e.Name(); isSHA256(name) && e.Type().IsRegular() && !named[name] {
			if err := os.Remove(filepath.Join(b.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			removed = true
		}
	}
	if removed {
		return syncDir(b.dir)
	}
	return nil
}

// unavailableFiles is a failure to write a content to the state directory:
// the upload is refused as any write the directory cannot take, with 503.
func (s *Store) unavailableFiles(err error) error {
	return &Error{Kind: KindUnavailable, Message: "mockdomino cannot write a file's content to its state directory: " + err.Error()}
}

// chunkReader reads a content held in memory, writing its chunks as they
// are (io.WriterTo) rather than through a copy buffer.
type chunkReader struct {
	chunks [][]byte
	off    int // in chunks[0]
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.chunks) > 0 && r.off == len(r.chunks[0]) {
		r.chunks, r.off = r.chunks[1:], 0
	}
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0][r.off:])
	r.off += n
	return n, nil
}

func (r *chunkReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for len(r.chunks) > 0 {
		n, err := w.Write(r.chunks[0][r.off:])
		total += int64(n)
		r.off += n
		if err != nil {
			return total, err
		}
		r.chunks, r.off = r.chunks[1:], 0
	}
	return total, nil
}

func (r *chunkReader) Close() error { return nil }
