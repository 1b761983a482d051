package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Dir is a state directory this process holds: it is locked against other
// processes before anything in it is read or written, so a second mock that
// is refused it has changed nothing. Its files are never opened through a
// symbolic link (a link there was not made by mockdomino, and writing
// through it would put the state, secrets included, wherever it points),
// and each is replaced whole: an exclusive temporary file of mode 0600,
// fsync, rename, fsync of the directory.
type Dir struct {
	path string
	lock *os.File
}

// LockDir creates the directory if it is missing (mode 0700), refuses one
// that its group or others may write (they could replace the state), and
// takes its lock.
func LockDir(path string) (*Dir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("state directory %s is not a directory", path)
	}
	if err := checkDirMode(path, fi.Mode()); err != nil {
		return nil, err
	}
	lock, err := lockDir(path)
	if err != nil {
		return nil, err
	}
	return &Dir{path: path, lock: lock}, nil
}

// Path is the directory's path.
func (d *Dir) Path() string { return d.path }

// Close releases the lock; closing again does nothing.
func (d *Dir) Close() error {
	if d.lock == nil {
		return nil
	}
	err := d.lock.Close()
	d.lock = nil
	return err
}

func (d *Dir) file(name string) string { return filepath.Join(d.path, name) }

// open opens a file of the directory for reading.
func (d *Dir) open(name string) (*os.File, error) {
	return openNoFollow(d.file(name), os.O_RDONLY, 0)
}

// ReadFile reads a file of the directory; a missing one is os.ErrNotExist.
func (d *Dir) ReadFile(name string) ([]byte, error) {
	f, err := d.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.file(name), err)
	}
	return data, nil
}

// WriteFile replaces a file of the directory atomically and durably.
func (d *Dir) WriteFile(name string, data []byte) error {
	path := d.file(name)
	tmp := path + ".tmp"
	if err := removeStale(tmp); err != nil {
		return err
	}
	f, err := openNoFollow(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%s: fsync: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(d.path)
}

// removeStale removes the temporary file a crash left behind. Only a
// regular file: anything else there was not left by mockdomino.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return linkError(path)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%s): mockdomino did not leave it and will not write there; remove it", path, fi.Mode().Type())
	}
	return os.Remove(path)
}

func linkError(path string) error {
	return fmt.Errorf("%s is a symbolic link: mockdomino follows no links in its state directory; replace it with the file itself or remove it", path)
}

// openNoFollow opens a file, refusing a symbolic link: checked first for a
// clear message, and by the open itself where the platform can (O_NOFOLLOW).
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, linkError(path)
	}
	// Non-blocking, so that a FIFO put in the file's place cannot hang the
	// open: it is then refused like anything else that is not a file.
	f, err := os.OpenFile(path, flag|oNoFollow|oNonBlock, perm)
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
			return nil, linkError(path)
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file (%v): mockdomino keeps only files in its state directory; remove it", path, fi.Mode().Type())
	}
	if err == nil {
		err = checkFileMode(path, fi.Mode())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("%s: fsync: %w", dir, err)
	}
	return nil
}
