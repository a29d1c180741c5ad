package server_test

import (
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/server"
)

// The root key and the sealing key read from files a service manager
// hands over (--root-credentials-file, --sealing-key-file), as systemd's
// LoadCredential= does in contrib/systemd/signet.service.

func credCfg(t *testing.T, dataDir string) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = dataDir
	cfg.Region = region
	cfg.RootAccessKeyID, cfg.RootSecret = "", ""
	cfg.TLSCert, cfg.TLSKey = "", ""
	return cfg
}

func newServer(cfg config.Config) (*server.Server, error) {
	return server.New(cfg, slog.New(slog.DiscardHandler), clock.NewFake(t0))
}

func writeFile(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestRootCredentialsFile(t *testing.T) {
	creds := filepath.Join(t.TempDir(), "root-credentials.json")
	const ak, sk = "AKIAFROMCREDENTIALS1", "a-secret-from-a-credentials-file"
	writeFile(t, creds, `{"access_key_id":"`+ak+`","secret_access_key":"`+sk+`"}`, 0o400)
	dataDir := t.TempDir()
	cfg := credCfg(t, dataDir)
	cfg.RootCredentialsFile = creds
	srv, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	root := srv.Root()
	srv.Close()
	if root.AccessKeyID != ak || root.Secret.Reveal() != sk {
		t.Errorf("root key %s, want %s from the file", root.AccessKeyID, ak)
	}
	// The data directory keeps the account ID and no copy of the secret.
	if b, err := os.ReadFile(server.RootFile(dataDir)); err != nil || strings.Contains(string(b), sk) {
		t.Errorf("DATA-DIR/root-credentials.json: %v, %q; want the account ID alone", err, b)
	}

	// Readable by others: refused, as the data directory's own file is.
	writeFile(t, creds, `{"access_key_id":"`+ak+`","secret_access_key":"`+sk+`"}`, 0o644)
	if _, err := newServer(cfg); !errors.Is(err, server.ErrRootFileExposed) {
		t.Errorf("a world-readable credentials file: err %v, want ErrRootFileExposed", err)
	}
	writeFile(t, creds, `{"account_id":"123456789012"}`, 0o600)
	if _, err := newServer(cfg); !errors.Is(err, server.ErrRootKeyNotStored) {
		t.Errorf("a credentials file without a key: err %v, want ErrRootKeyNotStored", err)
	}
	writeFile(t, creds, `{"access_key_id":"`+ak+`","secret_access_key":"`+sk+`"}`, 0o600)
	cfg.RootAccessKeyID, cfg.RootSecret = "AKIAOTHERROOTKEY0000", "another-secret"
	if _, err := newServer(cfg); err == nil || !strings.Contains(err.Error(), "--root-credentials-file") {
		t.Errorf("a credentials file and SIGNET_ROOT_*: err %v, want a conflict naming --root-credentials-file", err)
	}
}

func TestSealingKeyFile(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "sealing.key")
	key := strings.Repeat("ab", 32)
	writeFile(t, keyFile, key+"\n", 0o400)
	dataDir := t.TempDir()
	cfg := credCfg(t, dataDir)
	cfg.SealingKeyFile = keyFile

	// A user's secret sealed with the file's key opens after a restart
	// with the same file: the key does not live in the data directory.
	e := startLimitedServer(t, clock.NewFake(t0), func(c *config.Config) { *c = cfg })
	alice := newQueryUser(t, e, "alice", sAllowAll)
	if _, err := os.Stat(filepath.Join(dataDir, "sealing.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("DATA-DIR/sealing.key: %v; want none with --sealing-key-file", err)
	}
	e.ts.Close()
	e.srv.Close()
	e2 := startLimitedServer(t, clock.NewFake(t0), func(c *config.Config) { *c = cfg })
	e2.okCall(t, "sts", alice, nil, "Action", "GetCallerIdentity")

	// The checks below start on a data directory of their own: the one
	// above is still served.
	cfg = credCfg(t, t.TempDir())
	dataDir = cfg.DataDir
	// A key file that is not a key is refused at start.
	bad := filepath.Join(t.TempDir(), "bad.key")
	writeFile(t, bad, "not hex", 0o400)
	cfg.SealingKeyFile = bad
	if _, err := newServer(cfg); err == nil || !strings.Contains(err.Error(), "hex-encoded") {
		t.Errorf("a malformed key file: err %v", err)
	}
	// A different key left in the data directory: starting would leave
	// every sealed secret unreadable, so it is refused.
	other := filepath.Join(t.TempDir(), "other.key")
	writeFile(t, other, hex.EncodeToString(make([]byte, 32)), 0o400)
	writeFile(t, filepath.Join(dataDir, "sealing.key"), key, 0o600)
	cfg.SealingKeyFile = other
	if _, err := newServer(cfg); err == nil || !strings.Contains(err.Error(), "different keys") {
		t.Errorf("key file and DATA-DIR/sealing.key differ: err %v, want a refusal", err)
	}
	cfg.SealingKeyFile = keyFile // the same key in both places is fine
	srv, err := newServer(cfg)
	if err != nil {
		t.Fatalf("the same key in the file and the data directory: %v", err)
	}
	srv.Close()
}

// The account a root credentials file names is the data directory's:
// nodes sharing one metadata engine, each with a data directory of its
// own and the same file, are one account. A data directory already of
// another account is refused.
func TestRootCredentialsFileNamesTheAccount(t *testing.T) {
	creds := filepath.Join(t.TempDir(), "root-credentials.json")
	const ak, sk, acct = "AKIAFROMCREDENTIALS1", "a-secret-from-a-credentials-file", "210987654321"
	writeFile(t, creds, `{"account_id":"`+acct+`","access_key_id":"`+ak+`","secret_access_key":"`+sk+`"}`, 0o400)
	for range 2 { // a new data directory, then the same one again
		cfg := credCfg(t, t.TempDir())
		cfg.RootCredentialsFile = creds
		for range 2 {
			srv, err := newServer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			root := srv.Root()
			srv.Close()
			if root.AccountID != acct {
				t.Fatalf("account %s, want %s from the credentials file", root.AccountID, acct)
			}
		}
	}
	// A data directory that is another account's.
	cfg := credCfg(t, t.TempDir())
	srv, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	other := srv.Root().AccountID
	srv.Close()
	cfg.RootCredentialsFile = creds
	if _, err := newServer(cfg); err == nil || !strings.Contains(err.Error(), "belongs to account "+other) {
		t.Fatalf("a data directory of account %s with a file naming %s: err %v, want a refusal", other, acct, err)
	}
}
