package server_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/meta/bolt"
	"signet/internal/secret"
	"signet/internal/server"
	"signet/internal/sigv4"
	"signet/internal/storage"
	"signet/internal/storage/disk"
	"signet/internal/storage/inline"
	"signet/internal/storage/sealed"
)

// startAt starts a TLS server on dataDir, with a fake clock at the real
// time (SDK requests are signed with it) that IAM calls sign with. stop
// closes it; the test calls it, since the data directory outlives it.
func startAt(t *testing.T, dataDir string) (e *testEnv, stop func()) {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.Region = "127.0.0.1:0", dataDir, region
	cfg.RootAccessKeyID, cfg.RootSecret, cfg.TLSCert, cfg.TLSKey = "", "", "", ""
	fake := clock.NewFake(time.Now())
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), fake)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ts := httptest.NewTLSServer(srv.Handler())
	root := srv.Root()
	e = &testEnv{srv: srv, ts: ts, https: true, akid: root.AccessKeyID, sec: root.Secret.Reveal(), logs: &syncBuffer{}, fake: fake, dir: dataDir}
	e.rec = &recordingTransport{next: ts.Client().Transport}
	e.httpc = &http.Client{Transport: e.rec}
	return e, func() {
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("srv.Close: %v", err)
		}
	}
}

// rotationFixture is what the rotation must carry over: SSE-S3 objects
// inline and in files, SSE-C objects (which it leaves alone), an IAM
// user's access key and an STS session.
type rotationFixture struct {
	bodies  map[string][]byte // key -> body, SSE-S3
	ssec    map[string][]byte // key -> body, under ssecSeed
	user    aws.Credentials
	session aws.Credentials
}

const ssecSeed = 7

func buildRotationFixture(t *testing.T, e *testEnv) *rotationFixture {
	t.Helper()
	ctx := t.Context()
	c := e.sdk(t)
	f := &rotationFixture{bodies: map[string][]byte{}, ssec: map[string][]byte{}}
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("rot")}))
	for i := range 40 {
		f.bodies[fmt.Sprintf("small%02d", i)] = []byte(fmt.Sprintf("small object %d", i))
	}
	f.bodies["big1"] = randBytes(t, 200_000)
	f.bodies["big2"] = randBytes(t, 70_000)
	for k, b := range f.bodies {
		must[*s3.PutObjectOutput](t, "PutObject "+k)(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("rot"), Key: aws.String(k), Body: bytes.NewReader(b)}))
	}
	f.ssec["c-small"], f.ssec["c-big"] = []byte("customer's small"), randBytes(t, 100_000)
	key, sum := ssecKey(ssecSeed)
	for k, b := range f.ssec {
		must[*s3.PutObjectOutput](t, "PutObject "+k)(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("rot"), Key: aws.String(k), Body: bytes.NewReader(b),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: key, SSECustomerKeyMD5: sum}))
	}
	e.okCall(t, "iam", e.root(), nil, "Action", "CreateUser", "UserName", "alice")
	var ak struct {
		Result struct {
			AccessKey struct{ AccessKeyId, SecretAccessKey string }
		} `xml:"CreateAccessKeyResult"`
	}
	e.okCall(t, "iam", e.root(), &ak, "Action", "CreateAccessKey", "UserName", "alice")
	e.okCall(t, "iam", e.root(), nil, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "all", "PolicyDocument", readAll)
	f.user = aws.Credentials{AccessKeyID: ak.Result.AccessKey.AccessKeyId, SecretAccessKey: ak.Result.AccessKey.SecretAccessKey}
	var st sessionTokenXML
	e.okCall(t, "sts", sigv4.Credentials{AccessKeyID: f.user.AccessKeyID, SecretAccessKey: secret.New(f.user.SecretAccessKey)}, &st, "Action", "GetSessionToken")
	cr := st.Result.Credentials
	f.session = aws.Credentials{AccessKeyID: cr.AccessKeyId, SecretAccessKey: cr.SecretAccessKey, SessionToken: cr.SessionToken}
	return f
}

// checkServed reads every object back through the server, as root, and
// one as the user and one through the session: their secrets unsealed.
func (f *rotationFixture) checkServed(t *testing.T, e *testEnv) {
	t.Helper()
	ctx := t.Context()
	read := func(c *s3.Client, k string, ssec bool) []byte {
		t.Helper()
		in := &s3.GetObjectInput{Bucket: aws.String("rot"), Key: aws.String(k)}
		if ssec {
			key, sum := ssecKey(ssecSeed)
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), key, sum
		}
		out := must[*s3.GetObjectOutput](t, "GetObject "+k)(c.GetObject(ctx, in))
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	root := e.sdk(t)
	for k, want := range f.bodies {
		if !bytes.Equal(read(root, k, false), want) {
			t.Errorf("%s reads back different bytes", k)
		}
	}
	for k, want := range f.ssec {
		if !bytes.Equal(read(root, k, true), want) {
			t.Errorf("SSE-C %s reads back different bytes", k)
		}
	}
	for name, cr := range map[string]aws.Credentials{"user": f.user, "session": f.session} {
		c := e.sdk(t, func(o *s3.Options) { o.Credentials = credentials.StaticCredentialsProvider{Value: cr} })
		if !bytes.Equal(read(c, "big1", false), f.bodies["big1"]) {
			t.Errorf("as the %s: big1 differs", name)
		}
	}
}

// openWith opens the data directory's blobs with the keys in the files
// named (hex sealing keys), as a server holding all of them would.
func openWith(t *testing.T, dir string, keyFiles ...string) (*sealed.Engine, *bolt.Store, func()) {
	t.Helper()
	md, err := bolt.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := disk.Open(filepath.Join(dir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	var keks []*sealed.KEK
	for _, name := range keyFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		k, err := sealed.DeriveKEK(raw)
		if err != nil {
			t.Fatal(err)
		}
		keks = append(keks, k)
	}
	eng, err := sealed.New(inline.New(files, md, inline.DefaultMax), keks[0], keks[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	return eng, md, func() { md.Close() }
}

// unreadableWith reports the objects whose blobs do not open and read back
// with the keys in keyFiles.
func (f *rotationFixture) unreadableWith(t *testing.T, dir string, keyFiles ...string) []string {
	t.Helper()
	ctx := context.Background()
	eng, md, done := openWith(t, dir, keyFiles...)
	defer done()
	var bad []string
	check := func(k string, want []byte, customer []byte) {
		obj, err := md.GetObject(ctx, "rot", k)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		for _, s := range obj.Segments {
			var b storage.Blob
			if customer != nil {
				b, err = eng.OpenCustomer(ctx, s.Blob, customer)
			} else {
				b, err = eng.Open(ctx, s.Blob)
			}
			if err != nil {
				bad = append(bad, k)
				return
			}
			part, err := io.ReadAll(b)
			b.Close()
			if err != nil {
				bad = append(bad, k)
				return
			}
			got = append(got, part...)
		}
		if !bytes.Equal(got, want) {
			bad = append(bad, k)
		}
	}
	for k, want := range f.bodies {
		check(k, want, nil)
	}
	for k, want := range f.ssec {
		check(k, want, bytes.Repeat([]byte{ssecSeed}, 32))
	}
	return bad
}

// TestRotateSealingKey: the rotation refuses a running server; stopped
// part-way (after some headers, with a header torn in place, before the
// secrets, before the key file is replaced) it leaves every blob readable
// with the old key or the new one and the server refusing to start; run
// again it finishes, and the server then serves every object, SSE-C ones
// included, and accepts the user's key and the session it issued.
func TestRotateSealingKey(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	e, stop := startAt(t, dir)
	f := buildRotationFixture(t, e)
	if _, err := server.RotateSealingKey(ctx, dir); !errors.Is(err, server.ErrServerRunning) {
		t.Fatalf("rotation with the server running: %v", err)
	}
	stop()
	oldKey, _ := os.ReadFile(filepath.Join(dir, "sealing.key"))

	// Stopped after 20 headers of the second batch of 16.
	if _, err := server.RotateSealingKeyStopping(ctx, dir, 16, 20, false, false); !errors.Is(err, server.ErrStopped) {
		t.Fatalf("stopped rotation: %v", err)
	}
	if bad := f.unreadableWith(t, dir, "sealing.key.next", "sealing.key"); len(bad) != 0 {
		t.Fatalf("after a rotation stopped part-way, unreadable with both keys: %v", bad)
	}
	if bad := f.unreadableWith(t, dir, "sealing.key"); len(bad) == 0 {
		t.Fatalf("after 20 headers, every object still opens with the old key alone")
	}
	cfg := config.Default()
	cfg.DataDir, cfg.Addr = dir, "127.0.0.1:0"
	cfg.RootAccessKeyID, cfg.RootSecret = "", ""
	if _, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), clock.Real{}); !errors.Is(err, server.ErrRotationInProgress) {
		t.Fatalf("server start during a rotation: %v", err)
	}
	// A crash tore one journaled header in place: the journal restores it.
	tearJournaledHead(t, dir)
	if bad := f.unreadableWith(t, dir, "sealing.key.next", "sealing.key"); len(bad) != 1 {
		t.Fatalf("the torn header should leave one object unreadable, not %v", bad)
	}
	if _, err := server.RotateSealingKeyStopping(ctx, dir, 16, 0, true, false); !errors.Is(err, server.ErrStopped) {
		t.Fatalf("rotation stopped before the secrets: %v", err)
	}
	if bad := f.unreadableWith(t, dir, "sealing.key.next"); len(bad) != 0 {
		t.Fatalf("every header re-wrapped, yet unreadable with the new key alone: %v", bad)
	}
	if _, err := server.RotateSealingKeyStopping(ctx, dir, 16, 0, false, true); !errors.Is(err, server.ErrStopped) {
		t.Fatalf("rotation stopped before the key file: %v", err)
	}
	newKey, _ := os.ReadFile(filepath.Join(dir, "sealing.key.next"))
	rep, err := server.RotateSealingKey(ctx, dir)
	if err != nil || !rep.Resumed || rep.Rewrapped != 0 || rep.Secrets != 0 {
		t.Fatalf("resumed rotation: %+v, %v", rep, err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "sealing.key"))
	if !bytes.Equal(got, newKey) || bytes.Equal(got, oldKey) {
		t.Fatalf("sealing.key is not the new key")
	}
	for _, gone := range []string{"sealing.key.next", "sealing-rotation.journal"} {
		if _, err := os.Stat(filepath.Join(dir, gone)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind: %v", gone, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "sealing.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("sealing.key mode: %v, %v", fi.Mode(), err)
	}

	// A second rotation, uninterrupted, counts what it does.
	rep, err = server.RotateSealingKey(ctx, dir)
	if err != nil || rep.Resumed || rep.Rewrapped != len(f.bodies) || rep.Skipped != len(f.ssec) || rep.Secrets != 2 {
		t.Fatalf("second rotation: %+v, %v (want %d re-wrapped, %d skipped, 2 secrets)", rep, err, len(f.bodies), len(f.ssec))
	}
	e, stop = startAt(t, dir)
	defer stop()
	f.checkServed(t, e)
}

// tearJournaledHead overwrites, in place, the wrapped key of the first
// header the journal holds, as a crash in the middle of its write could.
func tearJournaledHead(t *testing.T, dir string) {
	t.Helper()
	j, err := os.ReadFile(filepath.Join(dir, "sealing-rotation.journal"))
	if err != nil || len(j) == 0 {
		t.Fatalf("no journal of the interrupted batch: %v", err)
	}
	id := storage.BlobID(j[1 : 1+int(j[0])])
	torn := bytes.Clone(j[1+int(j[0]) : 1+int(j[0])+sealed.HeaderSize])
	for i := sealed.HeaderSize - 20; i < sealed.HeaderSize; i++ {
		torn[i] ^= 0xff
	}
	md, err := bolt.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer md.Close()
	if id.Inline() {
		err = md.RewriteInlineBlobHead(context.Background(), id, torn)
	} else {
		var files *disk.Engine
		if files, err = disk.Open(filepath.Join(dir, "objects")); err == nil {
			err = files.RewriteHead(context.Background(), id, torn)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}
