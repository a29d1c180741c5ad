//go:build unix

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteFilePermIsExact checks that the mode is exactly perm under a
// permissive umask (which would let open(2) grant more than asked) and a
// restrictive one (which would take bits away), for new and replaced files.
// The umask is process-wide, so this test must not run in parallel.
func TestWriteFilePermIsExact(t *testing.T) {
	for _, umask := range []int{0o000, 0o022, 0o077} {
		old := syscall.Umask(umask)
		for _, perm := range []os.FileMode{0o600, 0o640, 0o644, 0o400, 0o755} {
			path := filepath.Join(t.TempDir(), "f")
			for _, round := range []string{"create", "replace"} {
				if err := WriteFile(path, []byte("x"), perm); err != nil {
					syscall.Umask(old)
					t.Fatal(err)
				}
				fi, err := os.Stat(path)
				if err != nil {
					syscall.Umask(old)
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != perm {
					t.Errorf("umask %#o, %s with perm %v: mode = %v", umask, round, perm, got)
				}
			}
		}
		syscall.Umask(old)
	}
}
