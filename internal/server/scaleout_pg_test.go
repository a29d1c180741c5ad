// These tests run signet nodes on the PostgreSQL engine.

package server_test

import (
	"context"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"signet/internal/adminclient"
	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/meta/postgres"
	"signet/internal/pgtest"
	"signet/internal/principal"
	"signet/internal/server"
	"signet/internal/sigv4"
)

// revocationBound is what the design promises: a revocation made on one
// node is refused by every other within a second.
const revocationBound = time.Second

// pgDeployment is what several nodes share: one PostgreSQL database, one
// blob folder, one root credentials file and one sealing key file.
type pgDeployment struct {
	pg      *pgtest.Cluster
	dsn     string
	blobs   string
	creds   string
	keyFile string
	fake    *clock.Fake
}

func newPGDeployment(t *testing.T) *pgDeployment {
	t.Helper()
	c := pgtest.Start(t)
	dir := t.TempDir()
	d := &pgDeployment{pg: c, dsn: c.CreateDatabase(t), blobs: t.TempDir(), fake: clock.NewFake(t0),
		creds: dir + "/root-credentials.json", keyFile: dir + "/sealing.key"}
	writeFile(t, d.creds, `{"account_id":"123456789012","access_key_id":"AKIASHAREDROOTKEY000","secret_access_key":"a-root-secret-every-node-shares"}`, 0o600)
	writeFile(t, d.keyFile, strings.Repeat("5a", 32)+"\n", 0o600)
	return d
}

// node starts one more signet node of the deployment, serving on a test
// listener, and waits until its change feed is up.
func (d *pgDeployment) node(t *testing.T) *testEnv {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Region = region
	cfg.RootAccessKeyID, cfg.RootSecret = "", ""
	cfg.TLSCert, cfg.TLSKey = "", ""
	cfg.Meta, cfg.Blobs = d.dsn, d.blobs
	cfg.RootCredentialsFile, cfg.SealingKeyFile = d.creds, d.keyFile
	cfg.DevClock = true
	logs := &syncBuffer{}
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(logs, nil)), d.fake)
	if err != nil {
		t.Fatalf("server.New on PostgreSQL: %v", err)
	}
	ts := httptest.NewServer(srv.Handler())
	root := srv.Root()
	e := &testEnv{srv: srv, ts: ts, akid: root.AccessKeyID, sec: root.Secret.Reveal(), logs: logs, fake: d.fake, dir: cfg.DataDir}
	e.rec = &recordingTransport{next: ts.Client().Transport}
	e.httpc = &http.Client{Transport: e.rec}
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
		if strings.Contains(logs.String(), "hunter2") || strings.Contains(logs.String(), e.sec) {
			t.Errorf("a node's log holds a secret")
		}
	})
	waitHealth(t, e, 200)
	return e
}

// waitHealth polls the node's /healthz until it answers status.
func waitHealth(t *testing.T, e *testEnv, status int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := do(t, e.httpc, http.MethodGet, e.ts.URL+"/healthz", nil, nil)
		if r.status == status {
			return string(r.body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz still %d %q, want %d", r.status, r.body, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// refusedWithin polls get until it answers status with code, failing if
// that takes longer than bound: a node must refuse a revocation made on
// another within the design's bound.
func refusedWithin(t *testing.T, bound time.Duration, what string, status int, code string, get func() rawResp) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		r := get()
		if c, _ := errorCode(r.body); r.status == status && c == code {
			return
		}
		if r.status != 200 {
			t.Fatalf("%s: %d %s while waiting for %d %s", what, r.status, r.body, status, code)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still served %v after the revocation, want %d %s", what, bound, status, code)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// presignOn signs a GET of life/cat on node e with c.
func presignOn(t *testing.T, e *testEnv, c sigv4.Credentials) string {
	t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: http.MethodGet, URL: e.ts.URL + "/life/cat", Credentials: c, Region: region, Service: "s3",
		Time: e.fake.Now(), Expires: time.Hour, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func adminClient(e *testEnv) *adminclient.Client {
	u, _ := url.Parse(e.ts.URL)
	return &adminclient.Client{Endpoint: u, Region: region, HTTP: e.httpc, Now: e.fake.Now,
		Credentials: adminclient.StaticCredentials(e.root())}
}

// Node A revokes; node B, which has just served the credential (and so
// cached it), refuses it within a second: a deactivated key, a
// terminated session, a bucket policy that now denies. A PUT on one node
// is read from the other at once, and the dev clock moves on both.
func TestNodesRefuseWhatAnotherRevoked(t *testing.T) {
	d := newPGDeployment(t)
	a, b := d.node(t), d.node(t)
	ie := withIdentities(t, a)
	get := func(u string) func() rawResp {
		return func() rawResp { return do(t, b.httpc, http.MethodGet, u, nil, nil) }
	}

	// The object A wrote is B's to serve.
	aliceOnB := presignOn(t, b, ie.alice)
	wantOK(t, get(aliceOnB)(), 200, ie.body)

	// A session B has served, terminated on A.
	sess := ie.assume(t, ie.alice, ie.roleARN, "on-b", 0).sig()
	sessOnB := presignOn(t, b, sess)
	wantOK(t, get(sessOnB)(), 200, ie.body)
	if _, err := adminClient(a).Terminate(t.Context(), sess.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	refusedWithin(t, revocationBound, "a session terminated on A, used on B", 400, "ExpiredToken", get(sessOnB))

	// A bucket policy put on A that denies alice.
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::life/*","Condition":{"StringEquals":{"aws:username":"alice"}}}]}`
	r := do(t, a.httpc, http.MethodPut, a.signedURL(t, http.MethodPut, "/life?policy", 0), nil, []byte(deny))
	wantOK(t, r, 204, nil)
	refusedWithin(t, revocationBound, "a bucket policy put on A, on B", 403, "AccessDenied", get(aliceOnB))
	r = do(t, a.httpc, http.MethodDelete, a.signedURL(t, http.MethodDelete, "/life?policy", 0), nil, nil)
	wantOK(t, r, 204, nil)
	deadline := time.Now().Add(revocationBound)
	for get(aliceOnB)().status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("the bucket policy deleted on A still denies on B")
		}
	}

	// alice's key, deactivated on A.
	a.okCall(t, "iam", a.root(), nil, "Action", "UpdateAccessKey", "UserName", "alice", "AccessKeyId", ie.alice.AccessKeyID, "Status", "Inactive")
	refusedWithin(t, revocationBound, "a key deactivated on A, on B", 403, "InvalidAccessKeyId", get(aliceOnB))

	// The dev clock, advanced on A, moves on B.
	if _, err := adminClient(a).Advance(t.Context(), 12*time.Hour); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(revocationBound)
	for b.srv.Clock.Shift() != 12*time.Hour {
		if time.Now().After(deadline) {
			t.Fatalf("B's dev clock offset %v after A advanced 12h", b.srv.Clock.Shift())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// PostgreSQL stopped: the node answers 503 ServiceUnavailable on S3,
// IAM and STS (never a decision from its cache) and /healthz says why.
// Started again: the node serves, and a key deactivated while it was cut
// off (written to the database by no node at all) is refused.
func TestNodeCutOffFromPostgreSQL(t *testing.T) {
	d := newPGDeployment(t)
	a := d.node(t)
	ie := withIdentities(t, a)
	alice := presignOn(t, a, ie.alice)
	wantOK(t, do(t, a.httpc, http.MethodGet, alice, nil, nil), 200, ie.body) // cached now

	if err := d.pg.Stop(); err != nil {
		t.Fatal(err)
	}
	why := waitHealth(t, a, 503)
	if !strings.Contains(why, "PostgreSQL") || strings.Contains(why, "hunter2") {
		t.Fatalf("/healthz while cut off says %q", why)
	}
	unavailable := func(what string, r rawResp) {
		t.Helper()
		if c, _ := errorCode(r.body); r.status != 503 || c != "ServiceUnavailable" {
			t.Errorf("%s while cut off: %d %s, want 503 ServiceUnavailable", what, r.status, r.body)
		}
	}
	unavailable("S3 GET with a cached key", do(t, a.httpc, http.MethodGet, alice, nil, nil))
	unavailable("IAM ListUsers", a.call(t, "iam", a.root(), url.Values{"Action": {"ListUsers"}, "Version": {"2010-05-08"}}))
	unavailable("STS GetCallerIdentity", a.call(t, "sts", ie.alice, url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}))

	if err := d.pg.Start(); err != nil {
		t.Fatal(err)
	}
	// Deactivated through the engine alone: no node hears of it but by
	// the reset after reconnecting, or by reading the database.
	st, err := postgres.Open(context.Background(), d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.UpdateAccessKey(context.Background(), "alice", ie.alice.AccessKeyID, principal.KeyInactive); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, a, 200)
	r := do(t, a.httpc, http.MethodGet, alice, nil, nil)
	if c, _ := errorCode(r.body); r.status != 403 || c != "InvalidAccessKeyId" {
		t.Fatalf("the key deactivated while the node was cut off: %d %s, want 403 InvalidAccessKeyId", r.status, r.body)
	}
	var users struct {
		XMLName xml.Name `xml:"ListUsersResponse"`
	}
	a.okCall(t, "iam", a.root(), &users, "Action", "ListUsers")
}

// A node that brings another sealing key or another account than the
// deployment's is refused at start, before it serves or collects
// anything: it would seal secrets the other nodes cannot open, or answer
// with another account's ARNs.
func TestNodeOfAnotherDeploymentRefused(t *testing.T) {
	d := newPGDeployment(t)
	d.node(t)
	dir := t.TempDir()
	otherKey, otherCreds := dir+"/other-sealing.key", dir+"/other-root.json"
	writeFile(t, otherKey, strings.Repeat("a5", 32)+"\n", 0o600)
	writeFile(t, otherCreds, `{"account_id":"210987654321","access_key_id":"AKIAOTHERROOTKEY0000","secret_access_key":"another-root-secret-here"}`, 0o600)
	for name, files := range map[string][2]string{
		"another sealing key": {d.creds, otherKey},
		"another account":     {otherCreds, d.keyFile},
	} {
		cfg := config.Default()
		cfg.Addr, cfg.DataDir, cfg.Region = "127.0.0.1:0", t.TempDir(), region
		cfg.RootAccessKeyID, cfg.RootSecret = "", ""
		cfg.Meta, cfg.Blobs = d.dsn, d.blobs
		cfg.RootCredentialsFile, cfg.SealingKeyFile = files[0], files[1]
		srv, err := server.New(cfg, slog.New(slog.NewTextHandler(&syncBuffer{}, nil)), d.fake)
		if err == nil {
			srv.Close()
			t.Fatalf("%s: the node started", name)
		}
		if !errors.Is(err, postgres.ErrDeploymentMismatch) || !strings.Contains(err.Error(), "--sealing-key-file") {
			t.Errorf("%s: %v, want a deployment mismatch naming the files", name, err)
		}
	}
}
