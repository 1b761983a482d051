//go:build !unix

package store

import (
	"os"
	"path/filepath"
)

// lockDir: no advisory locks here; one process per state directory is the user's to keep.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
}
