package cli

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bbolt "go.etcd.io/bbolt"
)

// TestServerRefusesANewerStore: a data directory written by a newer signet
// (schema version 999 here) stops the server at start, exit 1, with the
// store's own message: the file, both versions and to upgrade signet.
func TestServerRefusesANewerStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "meta.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("schema"))
		if err != nil {
			return err
		}
		return b.Put([]byte("version"), binary.AppendUvarint(nil, 999))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := run("server", "--data-dir", dir, "--addr", "127.0.0.1:0")
	if code != 1 || out != "" {
		t.Fatalf("code %d, stdout %q; want 1 and nothing served", code, out)
	}
	for _, want := range []string{"signet server: metadata store:", path, "schema version 999", "supports versions 1 to", "upgrade signet"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr %q does not say %q", errs, want)
		}
	}
}

// --meta postgres://… (or SIGNET_META) selects the PostgreSQL engine: a
// database that cannot be reached stops the start, exit 1, naming its
// host and database but never the URL's password; an engine signet does
// not know is a usage error, exit 2.
func TestServerMetaEngines(t *testing.T) {
	const url = "postgres://signet:hunter2@127.0.0.1:1/signet?sslmode=disable&connect_timeout=5"
	check := func(name string, code int, out, errs string, wantCode int, want string) {
		t.Helper()
		if code != wantCode || out != "" || !strings.Contains(errs, want) || strings.Contains(errs, "hunter2") {
			t.Errorf("%s: code %d, stdout %q, stderr %q; want %d and %q, without the password", name, code, out, errs, wantCode, want)
		}
	}
	dir := t.TempDir()
	// Nodes on PostgreSQL share a sealing key and an account: without
	// both files the start is a usage error.
	code, out, errs := run("server", "--data-dir", dir, "--addr", "127.0.0.1:0", "--meta", url)
	check("--meta without the shared files", code, out, errs, 2, "--meta postgres:// needs --sealing-key-file and --root-credentials-file")
	files := t.TempDir()
	keyFile, creds := filepath.Join(files, "sealing.key"), filepath.Join(files, "root.json")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("5a", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte(`{"account_id":"123456789012","access_key_id":"AKIASHAREDROOTKEY000","secret_access_key":"a-root-secret-every-node-shares"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SIGNET_SEALING_KEY_FILE", keyFile)
	t.Setenv("SIGNET_ROOT_CREDENTIALS_FILE", creds)
	code, out, errs = run("server", "--data-dir", dir, "--addr", "127.0.0.1:0", "--meta", url)
	check("--meta", code, out, errs, 1, "signet server: metadata store (PostgreSQL 127.0.0.1:1/signet): meta: metadata database unavailable")
	code, out, errs = run("server", "--data-dir", dir, "--addr", "127.0.0.1:0", "--meta", "etcd:hunter2")
	check("--meta etcd:", code, out, errs, 2, "--meta: want bolt:PATH")
	t.Setenv("SIGNET_META", url)
	code, out, errs = run("server", "--data-dir", dir, "--addr", "127.0.0.1:0")
	check("SIGNET_META", code, out, errs, 1, "PostgreSQL 127.0.0.1:1/signet")
	if _, err := os.Stat(filepath.Join(dir, "meta.db")); err == nil {
		t.Errorf("a start on PostgreSQL created a bolt store")
	}
}
