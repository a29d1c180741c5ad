package server

import (
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

// loadSealingKey reads the sealing key, creating it on first start. Both
// the identity sealer and the object store's key-encryption key derive
// from it. While a rotation is unfinished (sealing.key.next exists, see
// rotate.go) it refuses: some blobs and secrets are under each key.
func loadSealingKey(dataDir string) ([]byte, error) {
	if _, err := os.Stat(filepath.Join(dataDir, sealingKeyNextFile)); err == nil {
		return nil, fmt.Errorf("%w (%s exists): finish it with 'signet admin key rotate-sealing --data-dir %s' before starting the server",
			ErrRotationInProgress, sealingKeyNextFile, dataDir)
	}
	path := filepath.Join(dataDir, sealingKeyFile)
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
