package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"signet/internal/atomicfile"
	"signet/internal/backup"
	"signet/internal/meta/bolt"
	"signet/internal/storage"
	"signet/internal/storage/disk"
)

// RestoreOptions say how Restore may treat the data directory.
type RestoreOptions struct {
	// Force allows a data directory that is not empty: its metadata store
	// is replaced, and its blobs the backup does not reference are
	// removed as orphans when the server next starts.
	Force bool
	// SealingKeyFile is the sealing key to restore when the backup does
	// not hold one; it must be the key the manifest names.
	SealingKeyFile string
}

// ErrSealingKeyMissing: the backup holds no sealing key and none was
// given, or the one given (or already in the data directory) is not the
// one its secrets are sealed with.
var ErrSealingKeyMissing = errors.New("the sealing key of the backup is needed")

// Restore makes dataDir hold the backup in src. Every file the manifest
// lists is checked (size and SHA-256) before anything is written, and the
// sealing key must be the backup's; then the blobs, the sealing key, the
// account ID and, last, the metadata store are written (each to a
// temporary file, synced, renamed), so that a restore cut short leaves no
// store to start from. No server may be running on dataDir.
func Restore(src, dataDir string, opt RestoreOptions) (*backup.Manifest, error) {
	m, err := backup.Verify(src)
	if err != nil {
		return nil, err
	}
	if m.SchemaVersion > bolt.SchemaVersion {
		return nil, fmt.Errorf("the backup's metadata store has schema version %d, but this signet supports versions 1 to %d: restore it with signet %s or newer",
			m.SchemaVersion, bolt.SchemaVersion, m.SignetVersion)
	}
	for _, b := range m.Blobs {
		if !validBlobID(b.ID) || b.Path != objectsDir+"/"+disk.RelPath(storage.BlobID(b.ID)) {
			return nil, fmt.Errorf("%w: blob %q at %s", backup.ErrCorrupt, b.ID, b.Path)
		}
	}
	key, err := restoreKey(src, dataDir, m, opt.SealingKeyFile)
	if err != nil {
		return nil, err
	}
	if err := checkDataDir(dataDir, opt.Force); err != nil {
		return nil, err
	}
	if err := checkAccount(dataDir, m.AccountID); err != nil {
		return nil, err
	}
	// objects/ even for a backup without file blobs: rotate-sealing takes
	// a data directory without it for one whose blobs are elsewhere.
	if err := os.MkdirAll(filepath.Join(dataDir, objectsDir), 0o700); err != nil {
		return nil, err
	}
	for _, b := range m.Blobs {
		if err := copyChecked(src, dataDir, b.File); err != nil {
			return nil, err
		}
	}
	if key != nil {
		if err := atomicfile.WriteFile(filepath.Join(dataDir, sealingKeyFile), key, 0o600); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(RootFile(dataDir)); errors.Is(err, os.ErrNotExist) {
		// The account ID only: the server generates a root key for it
		// (and prints it once), unless SIGNET_ROOT_* give one.
		if err := save(RootFile(dataDir), rootOnDisk{AccountID: m.AccountID}); err != nil {
			return nil, err
		}
	}
	if err := copyChecked(src, dataDir, m.Metadata); err != nil {
		return nil, err
	}
	return m, nil
}

// restoreKey returns the sealing key to write into dataDir, or nil when
// the one there already is the backup's.
func restoreKey(src, dataDir string, m *backup.Manifest, keyFile string) ([]byte, error) {
	// A data directory keeping another key would be left, by a restore
	// cut short, with its own store and the backup's key: refuse it.
	if b, err := os.ReadFile(filepath.Join(dataDir, sealingKeyFile)); err == nil && sha256Hex(b) != m.SealingKeySHA256 {
		return nil, fmt.Errorf("%s holds another sealing key than the backup's secrets are sealed with: restore into a new data directory",
			filepath.Join(dataDir, sealingKeyFile))
	}
	var key []byte
	var from string
	switch {
	case m.SealingKey != nil:
		from = filepath.Join(src, filepath.FromSlash(m.SealingKey.Path))
	case keyFile != "":
		from = keyFile
	default:
		b, err := os.ReadFile(filepath.Join(dataDir, sealingKeyFile))
		if err == nil && sha256Hex(b) == m.SealingKeySHA256 {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: the backup does not hold it; give the file (%s of the server backed up, SHA-256 %s) with --sealing-key",
			ErrSealingKeyMissing, sealingKeyFile, m.SealingKeySHA256)
	}
	key, err := os.ReadFile(from)
	if err != nil {
		return nil, err
	}
	if got := sha256Hex(key); got != m.SealingKeySHA256 {
		return nil, fmt.Errorf("%w: %s has SHA-256 %s, but the backup's secrets are sealed with the key of SHA-256 %s",
			ErrSealingKeyMissing, from, got, m.SealingKeySHA256)
	}
	return key, nil
}

// validBlobID accepts the IDs engines give blobs: [0-9a-z], at least the
// two characters of their fan-out directory.
func validBlobID(id string) bool {
	if len(id) < 2 {
		return false
	}
	for _, c := range []byte(id) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// readAccount returns the account ID recorded in dataDir, "" if none.
func readAccount(dataDir string) (string, error) {
	b, err := os.ReadFile(RootFile(dataDir))
	if err != nil {
		return "", err
	}
	var d rootOnDisk
	if err := json.Unmarshal(b, &d); err != nil {
		return "", err
	}
	return d.AccountID, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkDataDir refuses a data directory that holds anything unless force,
// and one a running server holds in any case.
func checkDataDir(dataDir string, force bool) error {
	ents, err := os.ReadDir(dataDir)
	if errors.Is(err, os.ErrNotExist) || err == nil && len(ents) == 0 {
		return nil
	}
	if err != nil {
		return err
	}
	if !force {
		return fmt.Errorf("%s is not empty: restore into a new data directory, or give --force to replace its metadata store", dataDir)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "meta.db")); err != nil {
		return nil
	}
	// bbolt's lock tells a running server apart; any other failure to
	// open is no reason to keep a store that is about to be replaced.
	s, err := bolt.Open(filepath.Join(dataDir, "meta.db"))
	if errors.Is(err, bolt.ErrInUse) {
		return fmt.Errorf("%s is in use by a running server: stop it first", dataDir)
	}
	if err == nil {
		s.Close()
	}
	return nil
}

// checkAccount refuses a data directory that belongs to another account:
// the backup's identities, policies and ARNs name its own.
func checkAccount(dataDir, account string) error {
	rc, err := readAccount(dataDir)
	if err != nil || rc == "" || rc == account {
		return nil
	}
	return fmt.Errorf("%s belongs to account %s, the backup to account %s: restore into a new data directory", RootFile(dataDir), rc, account)
}

// copyChecked copies f from the backup in src to the same path under
// dataDir through a synced temporary file, checking its size and SHA-256
// again as it goes: the backup may have changed since it was verified.
func copyChecked(src, dataDir string, f backup.File) error {
	rel := filepath.FromSlash(f.Path)
	in, err := os.Open(filepath.Join(src, rel))
	if err != nil {
		return err
	}
	defer in.Close()
	dst := filepath.Join(dataDir, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), in)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		return fmt.Errorf("%w: %s changed after it was verified", backup.ErrCorrupt, f.Path)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dst))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
