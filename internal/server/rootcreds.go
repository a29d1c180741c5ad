package server

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"

	"signet/internal/atomicfile"
	"signet/internal/config"
	"signet/internal/iam"
	"signet/internal/secret"
)

// rootFile holds the root credentials in the data directory, mode 0600.
const rootFile = "root-credentials.json"

// RootCredentials are the account's root access key.
type RootCredentials struct {
	AccountID   string
	AccessKeyID string
	Secret      secret.Secret
}

type rootOnDisk struct {
	AccountID       string `json:"account_id"`
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// loadRoot returns the root credentials: from the environment when given
// there, else from the data directory, else freshly generated and saved.
// generated reports the last case, when the caller prints them once.
func loadRoot(cfg config.Config) (rc RootCredentials, generated bool, err error) {
	path := filepath.Join(cfg.DataDir, rootFile)
	var disk rootOnDisk
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &disk); err != nil {
			return rc, false, fmt.Errorf("%s: %v", path, err)
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return rc, false, err
	}
	if disk.AccountID == "" {
		if disk.AccountID, err = randomDigits(12); err != nil {
			return rc, false, err
		}
	}
	if cfg.RootAccessKeyID != "" {
		return RootCredentials{AccountID: disk.AccountID, AccessKeyID: cfg.RootAccessKeyID, Secret: secret.New(cfg.RootSecret)}, false,
			save(path, rootOnDisk{AccountID: disk.AccountID})
	}
	if disk.AccessKeyID != "" && disk.SecretAccessKey != "" {
		return RootCredentials{AccountID: disk.AccountID, AccessKeyID: disk.AccessKeyID, Secret: secret.New(disk.SecretAccessKey)}, false, nil
	}
	id, err := iam.NewID(iam.PrefixAccessKey)
	if err != nil {
		return rc, false, err
	}
	s, err := secret.Generate()
	if err != nil {
		return rc, false, err
	}
	disk.AccessKeyID, disk.SecretAccessKey = id, s.Reveal()
	if err := save(path, disk); err != nil {
		return rc, false, err
	}
	return RootCredentials{AccountID: disk.AccountID, AccessKeyID: id, Secret: s}, true, nil
}

// WriteExports writes the root's access key as the shell lines the first
// start prints, once; `signet admin root export` prints them again with
// this same function.
func (rc RootCredentials) WriteExports(w io.Writer) {
	fmt.Fprintf(w, "export AWS_ACCESS_KEY_ID=%s\n", rc.AccessKeyID)
	fmt.Fprintf(w, "export AWS_SECRET_ACCESS_KEY=%s\n", rc.Secret.Reveal())
}

// RootFile is where the server keeps the root credentials it generated.
func RootFile(dataDir string) string { return filepath.Join(dataDir, rootFile) }

var (
	// ErrRootFileExposed: the root credentials file may be read by other
	// users of the machine, so its secret may no longer be one.
	ErrRootFileExposed = errors.New("the root credentials file may be read by others")
	// ErrRootKeyNotStored: the file holds only the account ID, because
	// the server was given its root key in the environment.
	ErrRootKeyNotStored = errors.New("the root credentials file holds no access key")
)

// ReadRootFile reads the root credentials the server saved in dataDir. It
// refuses, as ssh refuses a private key, a file that others may read or
// write (ErrRootFileExposed), and answers ErrRootKeyNotStored when the
// root key was given in the environment and so never saved. A missing
// file is an error that matches fs.ErrNotExist.
func ReadRootFile(dataDir string) (RootCredentials, error) {
	return readRootCredentials(RootFile(dataDir))
}

// readRootCredentials reads a root credentials file at path, with the
// checks ReadRootFile describes.
func readRootCredentials(path string) (RootCredentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return RootCredentials{}, err
	}
	defer f.Close()
	// The mode of the file opened, not of the path: the two cannot differ.
	st, err := f.Stat()
	if err != nil {
		return RootCredentials{}, err
	}
	if !st.Mode().IsRegular() {
		return RootCredentials{}, fmt.Errorf("%s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return RootCredentials{}, fmt.Errorf("%s has mode %04o, not 0600: %w", path, perm, ErrRootFileExposed)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return RootCredentials{}, err
	}
	var disk rootOnDisk
	if err := json.Unmarshal(b, &disk); err != nil {
		return RootCredentials{}, fmt.Errorf("%s: %v", path, err)
	}
	if disk.AccessKeyID == "" || disk.SecretAccessKey == "" {
		return RootCredentials{}, fmt.Errorf("%s: %w", path, ErrRootKeyNotStored)
	}
	return RootCredentials{AccountID: disk.AccountID, AccessKeyID: disk.AccessKeyID, Secret: secret.New(disk.SecretAccessKey)}, nil
}

func save(path string, d rootOnDisk) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o600)
}

func randomDigits(n int) (string, error) {
	b := make([]byte, n)
	for i := range b {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", err
		}
		b[i] = byte('0' + d.Int64())
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b), nil
}
