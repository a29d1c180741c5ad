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

// loadSealer reads the sealing key: from keyFile when it is set (a file
// the operator or the service manager keeps, never created here), else
// from the data directory, creating it there on first start.
func loadSealer(dataDir, keyFile string) (*secret.Sealer, error) {
	path := filepath.Join(dataDir, sealingKeyFile)
	if keyFile != "" {
		return loadSealerFrom(keyFile, path)
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		key, err := decodeSealingKey(path, b)
		if err != nil {
			return nil, err
		}
		return secret.NewSealer(key)
	case errors.Is(err, fs.ErrNotExist):
		key, err := secret.GenerateKey()
		if err != nil {
			return nil, err
		}
		if err := atomicfile.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, err
		}
		return secret.NewSealer(key)
	default:
		return nil, err
	}
}

// loadSealerFrom reads the sealing key from keyFile. A key also left in
// the data directory (inDataDir) from before must be the same key: with a
// different one, every secret sealed so far would fail to open, and
// starting would hide why.
func loadSealerFrom(keyFile, inDataDir string) (*secret.Sealer, error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	key, err := decodeSealingKey(keyFile, b)
	if err != nil {
		return nil, err
	}
	if old, err := os.ReadFile(inDataDir); err == nil {
		if oldKey, err := decodeSealingKey(inDataDir, old); err != nil || subtle.ConstantTimeCompare(oldKey, key) != 1 {
			return nil, fmt.Errorf("%s and %s hold different keys: the secrets in the data directory are sealed with the second; copy it to the first (or remove the second only if it is the same key)", keyFile, inDataDir)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return secret.NewSealer(key)
}

func decodeSealingKey(path string, b []byte) ([]byte, error) {
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != secret.KeySize {
		return nil, fmt.Errorf("%s: want %d hex-encoded bytes", path, secret.KeySize)
	}
	return key, nil
}
