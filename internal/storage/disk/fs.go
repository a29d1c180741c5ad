package disk

import (
	"io"
	"io/fs"
	"os"

	"signet/internal/atomicfile"
)

// FS is every file-system operation the engine performs. It exists so that
// tests can record the exact order of the durability steps of a Put and
// inject a failure at each of them; production code uses OSFS. Paths are
// OS paths (filepath), not io/fs paths.
type FS interface {
	// MkdirAll is os.MkdirAll.
	MkdirAll(path string, perm fs.FileMode) error
	// CreateTemp is os.CreateTemp: a new file, mode 0600, opened for writing.
	CreateTemp(dir, pattern string) (File, error)
	// Rename is os.Rename.
	Rename(oldpath, newpath string) error
	// SyncDir fsyncs a directory so that entries created, renamed or
	// removed in it survive a crash.
	SyncDir(path string) error
	// Remove is os.Remove.
	Remove(path string) error
	// RemoveAll is os.RemoveAll; Open uses it to clear tmp/.
	RemoveAll(path string) error
	// Open opens a file read-only. It returns an *os.File, not an
	// interface, because blobs must hand net/http a real file for sendfile.
	Open(path string) (*os.File, error)
	// ReadDir is os.ReadDir.
	ReadDir(path string) ([]fs.DirEntry, error)
	// Stat is os.Stat; ModTime uses it for a blob's age.
	Stat(path string) (fs.FileInfo, error)
}

// File is a file being written by Put.
type File interface {
	io.Writer
	// Sync is fsync(2): it returns once the file's data is durable.
	Sync() error
	Close() error
	// Name is the file's full path, as given to Rename and Remove.
	Name() string
}

// OSFS is the real file system.
type OSFS struct{}

var _ FS = OSFS{}

// MkdirAll implements FS.
func (OSFS) MkdirAll(path string, perm fs.FileMode) error { return os.MkdirAll(path, perm) }

// CreateTemp implements FS.
func (OSFS) CreateTemp(dir, pattern string) (File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		// Avoid returning a typed nil *os.File inside a non-nil interface.
		return nil, err
	}
	return f, nil
}

// Rename implements FS.
func (OSFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// SyncDir implements FS.
func (OSFS) SyncDir(path string) error { return atomicfile.SyncDir(path) }

// Remove implements FS.
func (OSFS) Remove(path string) error { return os.Remove(path) }

// RemoveAll implements FS.
func (OSFS) RemoveAll(path string) error { return os.RemoveAll(path) }

// Open implements FS.
func (OSFS) Open(path string) (*os.File, error) { return os.Open(path) }

// ReadDir implements FS.
func (OSFS) ReadDir(path string) ([]fs.DirEntry, error) { return os.ReadDir(path) }

// Stat implements FS.
func (OSFS) Stat(path string) (fs.FileInfo, error) { return os.Stat(path) }
