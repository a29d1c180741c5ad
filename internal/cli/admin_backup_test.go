package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdminBackupCommands drives backup create, verify and restore
// against a server in process: the backup is written 0600 with its
// manifest, the sealing key only when asked for; a backup whose bytes
// changed is refused before anything is written; a restore needs the
// sealing key and an empty data directory.
func TestAdminBackupCommands(t *testing.T) {
	e := startSignet(t)
	e.must("user", "create", "alice")
	bk := filepath.Join(e.dir, "bk")
	out := e.must("backup", "create", bk)
	for _, want := range []string{"backup written to " + bk, "sealing key NOT included", "not included: the root credentials"} {
		if !strings.Contains(out, want) {
			t.Errorf("backup create printed\n%s\nwithout %q", out, want)
		}
	}
	for _, name := range []string{"manifest.json", "meta.db"} {
		st, err := os.Stat(filepath.Join(bk, name))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", name, err, st.Mode())
		}
	}
	if _, err := os.Stat(filepath.Join(bk, "sealing.key")); err == nil {
		t.Error("the sealing key was backed up without --include-sealing-key")
	}
	e.must("backup", "verify", bk)
	e.fails(1, "is not empty", "backup", "create", bk)
	// The short form: `backup DIR` is `backup create DIR`.
	short := filepath.Join(e.dir, "bk-short")
	if out := e.must("backup", short); !strings.Contains(out, "backup written to "+short) {
		t.Errorf("backup DIR printed\n%s", out)
	}
	e.must("backup", "verify", short)
	e.fails(1, "is not empty", "backup", short)
	e.fails(1, "the sealing key of the backup is needed", "backup", "restore", bk, "--data-dir", filepath.Join(e.dir, "r1"))

	withKey := filepath.Join(e.dir, "bk-key")
	e.must("backup", "create", withKey, "--include-sealing-key")
	if st, err := os.Stat(filepath.Join(withKey, "sealing.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("sealing.key with --include-sealing-key: %v; want mode 0600", err)
	}
	data := filepath.Join(e.dir, "r2")
	if out := e.must("backup", "restore", withKey, "--data-dir", data); !strings.Contains(out, "signet server --data-dir "+data) {
		t.Errorf("restore printed\n%s", out)
	}
	for _, name := range []string{"meta.db", "sealing.key", "root-credentials.json"} {
		if _, err := os.Stat(filepath.Join(data, name)); err != nil {
			t.Errorf("restored %s: %v", name, err)
		}
	}
	e.fails(1, "is not empty", "backup", "restore", withKey, "--data-dir", data)

	// One byte of the metadata copy changed: verify and restore refuse.
	db := filepath.Join(bk, "meta.db")
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(db, b, 0o600); err != nil {
		t.Fatal(err)
	}
	e.fails(1, "does not match its manifest: meta.db has", "backup", "verify", bk)
	r3 := filepath.Join(e.dir, "r3")
	e.fails(1, "does not match its manifest", "backup", "restore", bk, "--data-dir", r3)
	if _, err := os.Stat(r3); !os.IsNotExist(err) {
		t.Errorf("a refused restore created %s: %v", r3, err)
	}
}

// TestAdminBackupRestoreInPlace: --force restores a server's own backup
// over its data directory, and refuses one whose sealing key differs.
func TestAdminBackupRestoreInPlace(t *testing.T) {
	e := startSignet(t)
	bk := filepath.Join(e.dir, "bk")
	e.must("backup", "create", bk, "--include-sealing-key")
	data := filepath.Join(e.dir, "data")
	e.must("backup", "restore", bk, "--data-dir", data)
	e.must("backup", "restore", bk, "--data-dir", data, "--force")
	if err := os.WriteFile(filepath.Join(data, "sealing.key"), []byte("00\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.fails(1, "holds another sealing key", "backup", "restore", bk, "--data-dir", data, "--force")
}
