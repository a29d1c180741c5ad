package cli

import (
	"encoding/binary"
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
