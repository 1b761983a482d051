//go:build unix

package store

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestPersistOnlyPrivateFilesAreRead: a FIFO in a file's place is refused at
// once, where opening it used to hang start-up for good, and a file its
// group or others may read (a signing key copied in at 0644, say) is
// refused with how to fix it, as the README promises every file is 0600.
func TestPersistOnlyPrivateFilesAreRead(t *testing.T) {
	for _, name := range []string{walFile, snapshotFile} {
		t.Run("a FIFO as "+name, func(t *testing.T) {
			dir := t.TempDir()
			walWithWrites(t, dir, 1)
			path := filepath.Join(dir, name)
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skipf("no FIFOs here: %v", err)
			}
			s, err := Open(walConfig(t), dir)
			if err == nil {
				s.Close()
				t.Fatal("Open accepted a FIFO")
			}
			wantErrContains(t, "a FIFO", err, path, "not a regular file")
		})
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			walWithWrites(t, dir, 1)
			path := filepath.Join(dir, snapshotFile)
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			s, err := Open(walConfig(t), dir)
			if err == nil {
				s.Close()
				t.Fatalf("Open accepted %s of mode %v", snapshotFile, mode)
			}
			wantErrContains(t, "a readable file", err, path, "chmod 600")
		})
	}
}
