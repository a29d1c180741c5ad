// Package atomicfile replaces small files (configuration, root credentials,
// keys) so that a crash leaves either the old content or the new, never a
// torn or empty file, and so that a secret is never readable by others, not
// even for an instant.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// tempFile is the part of *os.File that WriteFile uses; a variable so that
// tests can inject failures at each step.
type tempFile interface {
	io.Writer
	Chmod(os.FileMode) error
	Sync() error
	Close() error
	Name() string
}

// Seams for tests. Production code never changes them.
var (
	createTemp = func(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) }
	rename     = os.Rename
)

// WriteFile atomically replaces the file at path with data, with exactly
// the permission bits perm (use 0600 for secrets), whatever the umask.
//
// It writes a temp file in the same directory (rename is only atomic within
// one file system), fsyncs it, renames it over path and fsyncs the
// directory, so that when WriteFile returns nil the new content survives a
// crash. If it fails before the rename, path is untouched and the temp file
// is removed. If only the final directory fsync fails, path already holds
// the new content but may revert to the old one after a crash; it is never
// torn either way.
func WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if base == "" {
		return fmt.Errorf("atomicfile: %q names a directory", path)
	}
	if dir == "" {
		dir = "."
	}
	// A dot-prefixed name keeps the temp file out of casual listings; the
	// random suffix lets concurrent writers of the same path not collide.
	f, err := createTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	tmp := f.Name()
	closed, renamed := false, false
	defer func() {
		// After the rename, path holds the new content and there is no temp
		// file left; removing anything then would destroy both versions.
		if err == nil || renamed {
			return
		}
		if !closed {
			_ = f.Close() // the file is being discarded; its close error says nothing new
		}
		if rerr := os.Remove(tmp); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("atomicfile: removing temp file: %w", rerr))
		}
	}()

	// os.CreateTemp makes the file 0600 before any byte is written, so a
	// secret is never exposed; Chmod then sets perm exactly, because unlike
	// the mode given to open(2) it is not filtered through the umask. It
	// comes before Sync so that the mode is as durable as the content.
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("atomicfile: write: %w", err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("atomicfile: chmod: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: fsync: %w", err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return fmt.Errorf("atomicfile: close: %w", err)
	}
	if err := rename(tmp, path); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	renamed = true
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	return nil
}

// SyncDir fsyncs the directory dir, making the creation, renaming or
// removal of its entries durable. Without it a crash can forget a rename
// even though the renamed file's data was fsynced.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return d.Close()
}
