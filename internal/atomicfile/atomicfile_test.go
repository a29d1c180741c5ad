package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	for _, content := range []string{"first", "second, longer content", ""} {
		if err := WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatalf("WriteFile(%q): %v", content, err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Fatalf("content = %q, want %q", got, content)
		}
		assertOnlyFile(t, dir, "config")
	}
}

func TestWriteFileRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := WriteFile("rel", []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile("rel"); err != nil || string(got) != "x" {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
}

func TestWriteFileMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(filepath.Join(dir, "no", "such"), []byte("x"), 0o600); err == nil {
		t.Fatal("WriteFile into a missing directory succeeded")
	}
	assertOnlyFile(t, dir)
}

func TestWriteFileDirectoryPath(t *testing.T) {
	if err := WriteFile(t.TempDir()+string(filepath.Separator), []byte("x"), 0o600); err == nil {
		t.Fatal("WriteFile to a path ending in a separator succeeded")
	}
}

// failingFile wraps a real temp file and fails one step.
type failingFile struct {
	tempFile
	failAt string
}

var errInjected = errors.New("injected failure")

func (f failingFile) step(name string) error {
	if f.failAt == name {
		return errInjected
	}
	return nil
}

func (f failingFile) Write(p []byte) (int, error) {
	if err := f.step("write"); err != nil {
		// A torn write: half the bytes reach the temp file first.
		n, _ := f.tempFile.Write(p[:len(p)/2])
		return n, err
	}
	return f.tempFile.Write(p)
}

func (f failingFile) Chmod(m os.FileMode) error {
	if err := f.step("chmod"); err != nil {
		return err
	}
	return f.tempFile.Chmod(m)
}

func (f failingFile) Sync() error {
	if err := f.step("sync"); err != nil {
		return err
	}
	return f.tempFile.Sync()
}

func (f failingFile) Close() error {
	if err := f.step("close"); err != nil {
		_ = f.tempFile.Close()
		return err
	}
	return f.tempFile.Close()
}

// TestWriteFileFailureKeepsOldContent fails each step before the rename in
// turn and checks that the old content is intact and no temp file remains.
func TestWriteFileFailureKeepsOldContent(t *testing.T) {
	for _, step := range []string{"create", "write", "chmod", "sync", "close", "rename"} {
		t.Run(step, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "secret")
			if err := WriteFile(path, []byte("old content"), 0o600); err != nil {
				t.Fatal(err)
			}

			origCreate, origRename := createTemp, rename
			t.Cleanup(func() { createTemp, rename = origCreate, origRename })
			createTemp = func(dir, pattern string) (tempFile, error) {
				if step == "create" {
					return nil, errInjected
				}
				f, err := origCreate(dir, pattern)
				if err != nil {
					return nil, err
				}
				return failingFile{tempFile: f, failAt: step}, nil
			}
			rename = func(from, to string) error {
				if step == "rename" {
					return errInjected
				}
				return origRename(from, to)
			}

			err := WriteFile(path, []byte("new content that must not appear"), 0o644)
			if !errors.Is(err, errInjected) {
				t.Fatalf("WriteFile error = %v, want the injected failure", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "old content" {
				t.Fatalf("content after failed write = %q, want the old content", got)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("mode after failed write = %v, want the old 0600", fi.Mode().Perm())
			}
			assertOnlyFile(t, dir, "secret")
		})
	}
}

// assertOnlyFile checks that dir holds exactly the named entries: no temp
// file is left behind.
func assertOnlyFile(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("directory holds %q, want exactly %q", got, names)
	}
	for i := range got {
		if got[i] != names[i] {
			t.Fatalf("directory holds %q, want exactly %q", got, names)
		}
	}
}

func TestSyncDir(t *testing.T) {
	if err := SyncDir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("SyncDir(missing) = %v, want ErrNotExist", err)
	}
}
