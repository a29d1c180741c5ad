package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"signet/internal/adminclient"
	"signet/internal/backup"
	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/secret"
	"signet/internal/server"
	"signet/internal/sigv4"
)

// backupEnv is one server on a data directory the test controls, so it
// can be stopped, wiped and started again on a restore.
type backupEnv struct {
	*testEnv
	cfg config.Config
}

func startOn(t *testing.T, cfg config.Config, fake *clock.Fake) *backupEnv {
	t.Helper()
	srv, err := server.New(cfg, slog.New(slog.DiscardHandler), fake)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ts := httptest.NewServer(srv.Handler())
	e := &testEnv{srv: srv, ts: ts, akid: cfg.RootAccessKeyID, sec: cfg.RootSecret, fake: fake, dir: cfg.DataDir, httpc: ts.Client()}
	return &backupEnv{testEnv: e, cfg: cfg}
}

func (e *backupEnv) stop(t *testing.T) {
	t.Helper()
	e.ts.Close()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
}

// send makes one request signed as the root at the fake clock's time and
// returns its status and body; it is safe to call from any goroutine.
func (e *backupEnv) send(method, path, service string, body []byte) (int, []byte, error) {
	var req *http.Request
	var err error
	if service == "s3" {
		u, err := sigv4.Presign(sigv4.PresignInput{Method: method, URL: e.ts.URL + path, Credentials: e.root(), Region: region,
			Service: "s3", Time: e.fake.Now(), Expires: time.Hour, Mode: sigv4.S3})
		if err != nil {
			return 0, nil, err
		}
		req, err = http.NewRequest(method, u, bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
	} else {
		req, err = http.NewRequest(http.MethodPost, e.ts.URL+"/", bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		if err := sigv4.SignHeader(req, e.root(), region, service, e.fake.Now(), sha256Hex(body), sigv4.Generic); err != nil {
			return 0, nil, err
		}
	}
	resp, err := e.httpc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (e *backupEnv) mustSend(t *testing.T, method, path, service string, body []byte, want int) []byte {
	t.Helper()
	st, b, err := e.send(method, path, service, body)
	if err != nil || st != want {
		t.Fatalf("%s %s: %d %v, want %d\n%s", method, path, st, err, want, b)
	}
	return b
}

func iamBody(kv ...string) []byte {
	v := url.Values{"Version": {"2010-05-08"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return []byte(v.Encode())
}

// bodyOf is the one body ever written under key: a restored object with
// other bytes is torn or mixed up. Every other key is larger than the
// inline limit, so both inline and file blobs are backed up.
func bodyOf(key string, n int) []byte {
	size := 200
	if n%2 == 1 {
		size = 40 << 10
	}
	return bytes.Repeat([]byte(key+"|"), size/len(key)+1)[:size]
}

// acked is what the load saw acknowledged before the backup started.
type acked struct {
	mu        sync.Mutex
	keys      map[string][]byte // every key ever PUT: its only body
	kept      []string          // PUT acknowledged before the backup, never deleted
	deleted   []string          // DELETE acknowledged before the backup
	users     []string          // CreateUser acknowledged before the backup
	started   atomic.Bool       // the backup has been asked for
	count     atomic.Int64
	enough    chan struct{} // closed once the load has done some work
	enoughOne sync.Once
}

func (a *acked) record(list *[]string, name string) {
	// Read started after the acknowledgement: false means it came
	// before the backup was asked for.
	if a.started.Load() {
		return
	}
	a.mu.Lock()
	*list = append(*list, name)
	a.mu.Unlock()
	if a.count.Add(1) >= 60 {
		a.enoughOne.Do(func() { close(a.enough) })
	}
}

// load runs one writer until stop closes: PUTs of keys it keeps, PUTs
// then DELETEs of others, and IAM users.
func (e *backupEnv) load(w int, a *acked, stop <-chan struct{}) error {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		key := fmt.Sprintf("w%d/k%04d", w, i)
		body := bodyOf(key, i)
		a.mu.Lock()
		a.keys[key] = body
		a.mu.Unlock()
		if st, b, err := e.send(http.MethodPut, "/load/"+key, "s3", body); err != nil || st != 200 {
			return fmt.Errorf("PUT %s: %d %v %s", key, st, err, b)
		}
		switch i % 3 {
		case 0:
			a.record(&a.kept, key)
		case 1:
			if st, b, err := e.send(http.MethodDelete, "/load/"+key, "s3", nil); err != nil || st != 204 {
				return fmt.Errorf("DELETE %s: %d %v %s", key, st, err, b)
			}
			a.record(&a.deleted, key)
		case 2:
			name := fmt.Sprintf("user-w%d-%d", w, i)
			if st, b, err := e.send(http.MethodPost, "/", "iam", iamBody("Action", "CreateUser", "UserName", name)); err != nil || st != 200 {
				return fmt.Errorf("CreateUser %s: %d %v %s", name, st, err, b)
			}
			a.record(&a.users, name)
		}
	}
}

// TestBackupUnderLoadThenRestore takes a hot backup while writers PUT,
// DELETE and create IAM users, wipes the data directory, restores, and
// checks that everything acknowledged before the backup was asked for is
// back (bytes, deletions, users, an access key that still signs), that
// no object holds bytes other than its own, and that an object deleted
// between the metadata copy and the blob copies is whole in the backup.
func TestBackupUnderLoadThenRestore(t *testing.T) {
	fake := clock.NewFake(t0)
	cfg := config.Default()
	cfg.Addr, cfg.Region, cfg.DataDir = "127.0.0.1:0", region, filepath.Join(t.TempDir(), "data")
	cfg.RootAccessKeyID, cfg.RootSecret = "AKIABACKUPTESTROOT01", "backup-test-root-secret-0000000000000000"
	cfg.TLSCert, cfg.TLSKey = "", ""
	e := startOn(t, cfg, fake)
	e.mustSend(t, http.MethodPut, "/load", "s3", nil, 200)
	hazard := bodyOf("hazard", 1) // a file blob
	e.mustSend(t, http.MethodPut, "/load/hazard", "s3", hazard, 200)
	e.mustSend(t, http.MethodPost, "/", "iam", iamBody("Action", "CreateUser", "UserName", "alice"), 200)
	var key struct {
		AccessKeyID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		SecretAccessKey string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	if err := xml.Unmarshal(e.mustSend(t, http.MethodPost, "/", "iam", iamBody("Action", "CreateAccessKey", "UserName", "alice"), 200), &key); err != nil {
		t.Fatal(err)
	}

	// Between the metadata copy and the blob copies, delete the hazard:
	// its blob must wait for the backup.
	server.SetAfterSnapshot(e.srv, func() {
		if st, b, err := e.send(http.MethodDelete, "/load/hazard", "s3", nil); err != nil || st != 204 {
			t.Errorf("DELETE hazard during the backup: %d %v %s", st, err, b)
		}
	})

	a := &acked{keys: map[string][]byte{}, enough: make(chan struct{})}
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for w := range 4 {
		go func() { errs <- e.load(w, a, stop) }()
	}
	select {
	case <-a.enough:
	case err := <-errs:
		t.Fatalf("load: %v", err)
	}
	a.started.Store(true)
	bk := filepath.Join(t.TempDir(), "backup")
	client := &adminclient.Client{Endpoint: mustURL(t, e.ts.URL), Credentials: adminclient.StaticCredentials(e.root()), Now: fake.Now}
	stream, err := client.Backup(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	m, err := backup.Extract(stream, bk)
	stream.Close()
	close(stop)
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if len(m.Blobs) == 0 || m.SealingKey != nil || m.AccountID == "" {
		t.Fatalf("manifest: %d blobs, sealing key %v, account %q", len(m.Blobs), m.SealingKey, m.AccountID)
	}
	if _, err := os.Stat(filepath.Join(bk, backup.SealingKeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the sealing key is in a backup made without --include-sealing-key: %v", err)
	}
	if st, _, _ := e.send(http.MethodGet, "/load/hazard", "s3", nil); st != 404 {
		t.Errorf("hazard after its DELETE: %d, want 404", st)
	}

	// The operator kept the sealing key apart; the disk is lost.
	keyCopy := filepath.Join(t.TempDir(), "sealing.key")
	copyFile(t, filepath.Join(cfg.DataDir, "sealing.key"), keyCopy)
	if sum := sha256.Sum256(readFile(t, keyCopy)); hex.EncodeToString(sum[:]) != m.SealingKeySHA256 {
		t.Errorf("manifest's sealing key SHA-256 %s is not the key's", m.SealingKeySHA256)
	}
	e.stop(t)
	if err := os.RemoveAll(cfg.DataDir); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Restore(bk, cfg.DataDir, server.RestoreOptions{}); !errors.Is(err, server.ErrSealingKeyMissing) {
		t.Fatalf("restore without the sealing key: %v, want ErrSealingKeyMissing", err)
	}
	if _, err := os.Stat(cfg.DataDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused restore wrote the data directory: %v", err)
	}
	if _, err := server.Restore(bk, cfg.DataDir, server.RestoreOptions{SealingKeyFile: keyCopy}); err != nil {
		t.Fatalf("restore: %v", err)
	}

	r := startOn(t, cfg, fake)
	defer r.stop(t)
	if _, err := server.Restore(bk, cfg.DataDir, server.RestoreOptions{Force: true}); err == nil || !strings.Contains(err.Error(), "in use by a running server") {
		t.Errorf("restore over a running server's data directory: %v", err)
	}
	if got := r.mustSend(t, http.MethodGet, "/load/hazard", "s3", nil, 200); !bytes.Equal(got, hazard) {
		t.Errorf("hazard restored with %d bytes, not its own %d", len(got), len(hazard))
	}
	for _, k := range a.kept {
		if got := r.mustSend(t, http.MethodGet, "/load/"+k, "s3", nil, 200); !bytes.Equal(got, a.keys[k]) {
			t.Errorf("%s restored with other bytes (%d, want %d)", k, len(got), len(a.keys[k]))
		}
	}
	for _, k := range a.deleted {
		if st, _, _ := r.send(http.MethodGet, "/load/"+k, "s3", nil); st != 404 {
			t.Errorf("%s, deleted before the backup, answers %d after the restore", k, st)
		}
	}
	for k, want := range a.keys {
		if st, got, err := r.send(http.MethodGet, "/load/"+k, "s3", nil); err != nil || st == 200 && !bytes.Equal(got, want) || st != 200 && st != 404 {
			t.Errorf("%s after the restore: %d %v, %d bytes: torn or mixed up", k, st, err, len(got))
		}
	}
	for _, u := range append(a.users, "alice") {
		r.mustSend(t, http.MethodPost, "/", "iam", iamBody("Action", "GetUser", "UserName", u), 200)
	}
	// alice's secret was sealed before the backup: it still signs.
	alice := sigv4.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: secret.New(key.SecretAccessKey)}
	id := r.callAs(t, alice, "sts", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}})
	if !strings.Contains(id, ":user/alice<") {
		t.Errorf("GetCallerIdentity as alice after the restore:\n%s", id)
	}
	t.Logf("%d kept, %d deleted, %d users acknowledged before the backup; %d blobs backed up", len(a.kept), len(a.deleted), len(a.users), len(m.Blobs))
}

func (e *backupEnv) callAs(t *testing.T, c sigv4.Credentials, service string, v url.Values) string {
	t.Helper()
	r := e.call(t, service, c, v)
	if r.status != 200 {
		t.Fatalf("%s %s: %d\n%s", service, v.Get("Action"), r.status, r.body)
	}
	return string(r.body)
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	if err := os.WriteFile(to, readFile(t, from), 0o600); err != nil {
		t.Fatal(err)
	}
}
