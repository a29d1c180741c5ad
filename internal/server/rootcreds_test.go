package server

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"signet/internal/clock"
)

// TestReadRootFile: the credentials a first start saved read back as the
// server holds them, and WriteExports prints the lines its banner printed.
func TestReadRootFile(t *testing.T) {
	cfg := testConfig(t)
	s, err := New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	var banner bytes.Buffer
	s.printBanner(&banner, "http://127.0.0.1:9000")
	want := s.Root()
	s.Close()

	got, err := ReadRootFile(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if got.AccountID != want.AccountID || got.AccessKeyID != want.AccessKeyID || !got.Secret.Equal(want.Secret) {
		t.Fatalf("read %s/%s, the server holds %s/%s", got.AccountID, got.AccessKeyID, want.AccountID, want.AccessKeyID)
	}
	var lines bytes.Buffer
	got.WriteExports(&lines)
	if n := strings.Count(lines.String(), "\n"); n != 2 || !strings.Contains(banner.String(), "\n\n"+lines.String()) {
		t.Fatalf("export lines %q (%d lines) are not the banner's:\n%s", lines.String(), n, banner.String())
	}
}

func TestReadRootFileRefuses(t *testing.T) {
	cfg := testConfig(t)
	s, err := New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := RootFile(cfg.DataDir)
	for _, mode := range []os.FileMode{0o640, 0o604, 0o602, 0o660, 0o700} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := ReadRootFile(cfg.DataDir)
		if mode&0o077 == 0 {
			if err != nil {
				t.Errorf("mode %04o: %v", mode, err)
			}
			continue
		}
		if !errors.Is(err, ErrRootFileExposed) {
			t.Errorf("mode %04o: err = %v, want ErrRootFileExposed", mode, err)
		}
	}

	if _, err := ReadRootFile(filepath.Join(cfg.DataDir, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}

	dir := t.TempDir()
	if err := os.Mkdir(RootFile(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRootFile(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory: err = %v", err)
	}

	// A root key given in the environment is never saved.
	env := testConfig(t)
	env.RootAccessKeyID, env.RootSecret = "AKIAENVIRONMENT00001", "environment-secret-value"
	s, err = New(env, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := ReadRootFile(env.DataDir); !errors.Is(err, ErrRootKeyNotStored) {
		t.Errorf("environment root: err = %v, want ErrRootKeyNotStored", err)
	}
}
