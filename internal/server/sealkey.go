package server

import (
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"signet/internal/atomicfile"
	"signet/internal/secret"
)

// sealingKeyFile holds the key that seals secret access keys at rest. It
// lives beside meta.db but apart from it, mode 0600: a copy of the
// metadata store alone (a backup, a replica dump) cannot sign as anyone.
// Back the two up separately.
const sealingKeyFile = "sealing.key"

// loadSealingKey reads the sealing key: from keyFile when it is set (a
// file the operator or the service manager keeps, never created here),
// else from the data directory, creating it there on first start. Both
// the identity sealer and the object store's key-encryption key derive
// from it. While a rotation is unfinished (sealing.key.next exists, see
// rotate.go) it refuses: some blobs and secrets are under each key.
func loadSealingKey(dataDir, keyFile string) ([]byte, error) {
	if _, err := os.Stat(filepath.Join(dataDir, sealingKeyNextFile)); err == nil {
		return nil, fmt.Errorf("%w (%s exists): finish it with 'signet admin key rotate-sealing --data-dir %s' before starting the server",
			ErrRotationInProgress, sealingKeyNextFile, dataDir)
	}
	path := filepath.Join(dataDir, sealingKeyFile)
	if keyFile != "" {
		return loadSealingKeyFrom(keyFile, path)
	}
	key, err := readSealingKey(path)
	switch {
	case err == nil:
		return key, nil
	case errors.Is(err, fs.ErrNotExist):
		key, err := secret.GenerateKey()
		if err != nil {
			return nil, err
		}
		if err := atomicfile.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, err
		}
		return key, nil
	default:
		return nil, err
	}
}

// loadSealingKeyFrom reads the sealing key from keyFile. A key also left
// in the data directory (inDataDir) from before must be the same key: with
// a different one, every secret and blob sealed so far would fail to
// open, and starting would hide why.
func loadSealingKeyFrom(keyFile, inDataDir string) ([]byte, error) {
	key, err := readSealingKey(keyFile)
	if err != nil {
		return nil, err
	}
	if oldKey, err := readSealingKey(inDataDir); err == nil {
		if subtle.ConstantTimeCompare(oldKey, key) != 1 {
			return nil, fmt.Errorf("%s and %s hold different keys: the secrets in the data directory are sealed with the second; copy it to the first (or remove the second only if it is the same key)", keyFile, inDataDir)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return key, nil
}

// readSealingKey reads a sealing key file: the key, hex-encoded.
func readSealingKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != secret.KeySize {
		return nil, fmt.Errorf("%s: want %d hex-encoded bytes", path, secret.KeySize)
	}
	return key, nil
}
