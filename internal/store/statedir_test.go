package store

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Tests of the state directory itself (issue 14): nothing in it is followed
// through a symbolic link, a directory others may write is refused, files
// are 0600, and a refused Open leaves every file as it was.

// walDirFiles is every regular file of dir with its bytes.
func walDirFiles(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			files[e.Name()] = []byte("not a regular file: " + e.Type().String())
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = data
	}
	return files
}

// walSameFiles fails unless dir holds exactly the files of before, byte for byte.
func walSameFiles(t testing.TB, what string, before map[string][]byte, dir string) {
	t.Helper()
	after := walDirFiles(t, dir)
	for name, data := range before {
		if now, ok := after[name]; !ok {
			t.Errorf("%s: %s was removed", what, name)
		} else if !bytes.Equal(now, data) {
			t.Errorf("%s: %s changed", what, name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s: %s was created", what, name)
		}
	}
}

func TestPersistSymlinksAreNotFollowed(t *testing.T) {
	// Each case puts a symbolic link where mockdomino reads or writes a
	// file. Whatever Open does, the link's target must stay as it was (or
	// not come to exist), and Open must not start from what the link points at.
	for _, c := range []struct {
		name      string
		link      string
		withState bool // the directory holds state before the link is made
		target    string
		refused   bool // Open must fail, naming the link
	}{
		{name: "snapshot.json.tmp, fresh directory", link: snapshotFile + ".tmp", target: "precious", refused: true},
		{name: "snapshot.json.tmp, directory with state", link: snapshotFile + ".tmp", withState: true, target: "precious", refused: true},
		{name: "wal.log.tmp", link: walFile + ".tmp", withState: true, target: "precious", refused: true},
		{name: "lock, to a file that does not exist", link: "lock", target: "", refused: true},
		{name: "snapshot.json, to a valid snapshot elsewhere", link: snapshotFile, withState: true, target: "snapshot", refused: true},
		{name: "wal.log, to a log elsewhere", link: walFile, withState: true, target: "log", refused: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			outside := t.TempDir()
			victim := filepath.Join(outside, "victim")
			if c.withState {
				walWithWrites(t, dir, 2)
			} else if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			var want []byte
			switch c.target {
			case "precious":
				want = []byte("precious: not the mock's to overwrite\n")
			case "snapshot", "log":
				// A copy of the real file: following the link would load it.
				name := map[string]string{"snapshot": snapshotFile, "log": walFile}[c.target]
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				want = data
				if err := os.Remove(filepath.Join(dir, name)); err != nil {
					t.Fatal(err)
				}
			}
			if want != nil {
				if err := os.WriteFile(victim, want, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			link := filepath.Join(dir, c.link)
			if err := os.Symlink(victim, link); err != nil {
				t.Fatal(err)
			}
			s, err := Open(walConfig(t), dir)
			if err == nil {
				s.Close()
			}
			got, readErr := os.ReadFile(victim)
			switch {
			case want == nil && readErr == nil:
				t.Errorf("Open created the link's target %s", victim)
			case want != nil && !bytes.Equal(got, want):
				t.Errorf("Open wrote through the link: the target now holds %d bytes", len(got))
			}
			if c.refused {
				if err == nil {
					t.Fatalf("Open accepted a state directory whose %s is a symbolic link", c.link)
				}
				if !strings.Contains(err.Error(), link) || !strings.Contains(err.Error(), "link") {
					t.Errorf("error %q does not say that %s is a link", err, link)
				}
			}
		})
	}
}

func TestPersistLeftoverTemporaryFilesAreRemoved(t *testing.T) {
	// A crash in the middle of replacing a file leaves its temporary file
	// behind; it must not block the next start.
	dir := t.TempDir()
	want := walWithWrites(t, dir, 2)
	for _, name := range []string{snapshotFile + ".tmp", walFile + ".tmp"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(`{"half a`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := walOpen(t, dir)
	walSameState(t, "with leftover temporary files", want, walJSON(t, s))
	s = walReopen(t, s, dir)
	walClose(t, s)
	for _, name := range []string{snapshotFile + ".tmp", walFile + ".tmp"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s is still there", name)
		}
	}
}

func TestPersistDirectoryWritableByOthersIsRefused(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Log("running as root: the refusal does not depend on who runs it")
	}
	for _, mode := range []os.FileMode{0o770, 0o707, 0o777, os.ModeSticky | 0o777} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			walWithWrites(t, dir, 1)
			if err := os.Chmod(dir, mode); err != nil {
				t.Fatal(err)
			}
			before := walDirFiles(t, dir)
			s, err := Open(walConfig(t), dir)
			if err == nil {
				s.Close()
				t.Fatalf("Open accepted a state directory of mode %s", mode)
			}
			if !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "chmod go-w") {
				t.Errorf("error %q does not name %s and say how to fix it", err, dir)
			}
			walSameFiles(t, "refused Open", before, dir)
			if err := os.Chmod(dir, 0o750); err != nil {
				t.Fatal(err)
			}
			walClose(t, walOpen(t, dir)) // readable by the group is fine
		})
	}
}

func TestPersistFilesAreOwnerOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	s := walOpen(t, dir)
	a := walAdmin(t, s)
	walOK(s.CreateServiceAccount(a, "bot", "bot@example.com")).must(t)
	if _, err := s.UploadFile(a, "admin", "quick-start", "data/x.csv", strings.NewReader("1,2\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.Import(s.Export(true)); err != nil {
		t.Fatal(err)
	}
	walClose(t, s)
	// Every directory (the state directory, blobs/) 0700, every file 0600.
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if e.IsDir() {
			want = fs.ModeDir | 0o700
		}
		if fi.Mode() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPersistRefusedOpenTouchesNothing(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	walOK(s.CreateServiceAccount(walAdmin(t, s), "bot", "bot@example.com")).must(t)
	before := walDirFiles(t, dir)
	if s2, err := Open(walConfig(t), dir); err == nil {
		s2.Close()
		t.Skip("no advisory locks on this platform (lock_other.go)")
	}
	walSameFiles(t, "a second Open", before, dir)
	walClose(t, s)
}
