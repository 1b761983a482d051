//go:build unix

package store

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

const (
	oNoFollow = syscall.O_NOFOLLOW
	oNonBlock = syscall.O_NONBLOCK
)

// lockDir keeps two processes from writing one state directory. Opening
// the lock file changes nothing in it, so a process refused the lock has
// touched nothing.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "lock")
	f, err := openNoFollow(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("state directory %s is in use by another mockdomino (%v)", dir, err)
	}
	return f, nil
}

// checkFileMode refuses a file of the state directory that its group or
// others may read or write: every file there is 0600, and the signing key,
// the log and the snapshot hold secrets.
func checkFileMode(path string, mode os.FileMode) error {
	if mode.Perm()&0o077 != 0 {
		return fmt.Errorf("%s may be read or written by its group or others (mode %v), and it holds secrets: chmod 600 %s", path, mode.Perm(), path)
	}
	return nil
}

// checkDirMode refuses a state directory that its group or others may
// write: they could replace the state, or plant links in it.
func checkDirMode(dir string, mode os.FileMode) error {
	if mode.Perm()&0o022 != 0 {
		return fmt.Errorf("state directory %s may be written by its group or others (mode %v), who could replace the state or plant links in it: use a directory only you may write (chmod go-w %s, or a new one)", dir, mode.Perm(), dir)
	}
	return nil
}
