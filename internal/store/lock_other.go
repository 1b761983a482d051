//go:build !unix

package store

import (
	"fmt"
	"os"
	"path/filepath"
)

const (
	oNoFollow = 0 // openNoFollow checks for a link before opening
	oNonBlock = 0
)

// checkFileMode: permission bits mean little here.
func checkFileMode(string, os.FileMode) error { return nil }

// lockDir: no advisory locks here; one process per state directory is the user's to keep.
func lockDir(dir string) (*os.File, error) {
	f, err := openNoFollow(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	return f, nil
}

// checkDirMode: permission bits mean little here; access control lists are the user's to keep.
func checkDirMode(string, os.FileMode) error { return nil }
