package s3api

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/meta"
	"signet/internal/meta/metafixture"
	"signet/internal/principal"
	"signet/internal/storage"
	"signet/internal/storage/memory"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// authFunc adapts a function to Authenticator.
type authFunc func(r *http.Request, vb string) (*authn.Result, error)

func (f authFunc) Authenticate(r *http.Request, vb string) (*authn.Result, error) { return f(r, vb) }

// rootAuth signs every request as root, except those marked anonymous by
// the test-only header.
func rootAuth(r *http.Request, _ string) (*authn.Result, error) {
	if r.Header.Get("X-Test-Anonymous") != "" {
		return &authn.Result{Anonymous: true, Body: r.Body, DecodedLength: r.ContentLength}, nil
	}
	return &authn.Result{
		Principal: principal.Principal{IsRoot: true}, AuthType: authn.AuthHeader, SignatureVersion: authn.SigV4,
		Body: r.Body, DecodedLength: r.ContentLength,
	}, nil
}

// authzFunc adapts a function to Authorizer.
type authzFunc func(r *http.Request, res *authn.Result, action, resource string) error

func (f authzFunc) Authorize(r *http.Request, res *authn.Result, action, resource string) error {
	return f(r, res, action, resource)
}

type env struct {
	t     testing.TB
	h     *API
	meta  metafixture.Engine
	blobs *memory.Engine
	clk   *clock.Fake
	cfg   Config
}

type envOpt func(*Config)

func newEnv(t testing.TB, opts ...envOpt) *env {
	t.Helper()
	return newEnvOn(t, metafixture.Memory(t), opts...)
}

// newEnvOn is newEnv on a given metadata store.
func newEnvOn(t testing.TB, st metafixture.Engine, opts ...envOpt) *env {
	t.Helper()
	e := &env{t: t, meta: st, blobs: memory.New(), clk: clock.NewFake(t0)}
	e.cfg = Config{
		Region: "us-east-1", VirtualHostDomains: []string{"s3.localhost", "localhost"},
		Meta: st, Blobs: e.blobs, Auth: authFunc(rootAuth), Authz: AllowAuthenticated{}, Clock: e.clk,
	}
	for _, o := range opts {
		o(&e.cfg)
	}
	e.h = mustNew(t, e.cfg)
	return e
}

// mustNew is New for a Config the test has completed.
func mustNew(t testing.TB, cfg Config) *API {
	t.Helper()
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// addressing returns an API for tests of addressing alone: its engines
// are empty stubs that panic if a request ever reaches them.
func addressing(t testing.TB, domains ...string) *API {
	t.Helper()
	return mustNew(t, Config{
		VirtualHostDomains: domains,
		Meta:               struct{ meta.Store }{}, Blobs: struct{ storage.Engine }{},
		Auth: authFunc(rootAuth), Authz: AllowAuthenticated{}, Clock: clock.NewFake(t0),
	})
}

// do serves one request. hdr is name, value pairs.
func (e *env) do(method, target string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *env) mustDo(want int, method, target string, body string, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	w := e.do(method, target, rd, hdr...)
	if w.Code != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, target, w.Code, want, w.Body.String())
	}
	return w
}

func (e *env) bucket(name string) { e.t.Helper(); e.mustDo(200, "PUT", "/"+name, "") }

func (e *env) put(bucket, key, body string, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.mustDo(200, "PUT", "/"+bucket+"/"+key, body, hdr...)
}

func (e *env) blobCount() int {
	n := 0
	_ = e.blobs.Walk(context.Background(), func(storage.BlobID) error { n++; return nil })
	return n
}

// errCode decodes an S3 error body.
func errCode(t testing.TB, w *httptest.ResponseRecorder) (code string, body errorXML) {
	t.Helper()
	if err := xml.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q: %v", w.Body.String(), err)
	}
	return body.Code, body
}

type errorXML struct {
	Code, Message, RequestId, HostId string
	Key, BucketName                  string
	ArgumentName, ArgumentValue      string
	ProposedSize, MaxSizeAllowed     string
	RangeRequested, ActualObjectSize string
	ClientComputedContentSHA256      string
	S3ComputedContentSHA256          string
}

func expectErr(t testing.TB, w *httptest.ResponseRecorder, status int, code string) errorXML {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d (%s); body %s", w.Code, status, code, w.Body.String())
	}
	got, body := errCode(t, w)
	if got != code {
		t.Fatalf("code %s, want %s; body %s", got, code, w.Body.String())
	}
	if body.RequestId == "" || body.RequestId != w.Header().Get("x-amz-request-id") {
		t.Fatalf("request id %q vs header %q", body.RequestId, w.Header().Get("x-amz-request-id"))
	}
	return body
}

var reqIDRe = regexp.MustCompile(`<(RequestId|HostId|UploadId|NextUploadIdMarker)>[^<]*</`)

// golden compares body with testdata/name, after masking per-request IDs.
func golden(t testing.TB, name string, body []byte) {
	t.Helper()
	got := reqIDRe.ReplaceAll(body, []byte("<$1>MASKED</"))
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s mismatch:\ngot  %s\nwant %s", name, got, want)
	}
}

// failingReader returns n bytes of 'x' and then err.
type failingReader struct {
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	f.n -= k
	return k, nil
}

func urlEncodeForTest(s string) string { return s3URLEncode(s) }

// allowAll authorises everything, anonymous included (a public bucket).
type allowAll struct{}

func (allowAll) Authorize(*http.Request, *authn.Result, string, string) error { return nil }

// userMeta returns the x-amz-meta-<name> response header looked up by its
// exact lower-case name, as AWS sends it (SDKs keep the case they receive).
func userMeta(h http.Header, name string) string {
	if v := h["x-amz-meta-"+name]; len(v) > 0 {
		return v[0]
	}
	return ""
}
