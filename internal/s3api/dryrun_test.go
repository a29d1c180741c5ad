package s3api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/meta"
	"signet/internal/storage"
)

// readOnlyMeta knows buckets b and vb, holding keys k, dir/k and x, and
// fails the test on any write (the embedded nil interface panics on the
// methods it does not define); untouchableBlobs fails it on any use. A
// dry run may ask whether a bucket or an object exists, never read an
// object's bytes or write anything.
type readOnlyMeta struct {
	meta.Store
	t *testing.T
}

func (readOnlyMeta) GetBucket(_ context.Context, b string) (meta.Bucket, error) {
	if b == "b" || b == "vb" {
		return meta.Bucket{Name: b}, nil
	}
	return meta.Bucket{}, meta.ErrNoSuchBucket
}

func (m readOnlyMeta) GetObject(ctx context.Context, b, k string) (meta.Object, error) {
	if _, err := m.GetBucket(ctx, b); err != nil {
		return meta.Object{}, err
	}
	if k == "k" || k == "dir/k" || k == "x" {
		return meta.Object{Bucket: b, Key: k, Size: 1}, nil
	}
	return meta.Object{}, meta.ErrNoSuchKey
}

type untouchableBlobs struct {
	storage.Engine
	t *testing.T
}

func (u untouchableBlobs) Put(context.Context, io.Reader) (storage.BlobID, int64, error) {
	u.t.Error("dry run wrote a blob")
	return "", 0, errors.New("no")
}

func (u untouchableBlobs) Open(context.Context, storage.BlobID) (storage.Blob, error) {
	u.t.Error("dry run opened a blob")
	return nil, errors.New("no")
}

// denied is an authoriser's own refusal type, which DryRun must hand back
// as it is.
type denied struct{ why string }

func (d *denied) Error() string { return d.why }

func TestDryRun(t *testing.T) {
	expired := &authn.Failure{Reason: authn.ReasonRequestExpired}
	internal := errors.New("key store unreachable")
	refusal := &denied{"no policy allows it"}
	auth := authFunc(func(r *http.Request, vb string) (*authn.Result, error) {
		switch r.Header.Get("X-Test-Auth") {
		case "expired":
			return nil, expired
		case "internal":
			return nil, internal
		}
		return rootAuth(r, vb)
	})
	authz := authzFunc(func(r *http.Request, res *authn.Result, action, resource string) error {
		if r.Header.Get("X-Test-Deny") != "" || res.Anonymous || (action == "s3:ListBucket" && r.Header.Get("X-Test-No-List") != "") {
			return refusal
		}
		return nil
	})
	tests := []struct {
		name, method, target, header string
		// want
		status            int
		code, message     string
		action, resource  string
		bucket, key, vb   string
		authErr, reqErr   error
		authzErr          error
		internal, noAuthn bool
		targetErr         bool
	}{
		{name: "GET served", method: "GET", target: "/b/k",
			action: "s3:GetObject", resource: "arn:aws:s3:::b/k", bucket: "b", key: "k"},
		{name: "PUT served", method: "PUT", target: "/b/dir/k",
			action: "s3:PutObject", resource: "arn:aws:s3:::b/dir/k", bucket: "b", key: "dir/k"},
		{name: "virtual host", method: "HEAD", target: "http://vb.s3.localhost/x",
			action: "s3:GetObject", resource: "arn:aws:s3:::vb/x", bucket: "vb", key: "x", vb: "vb"},
		{name: "authentication refused", method: "GET", target: "/b/k", header: "X-Test-Auth: expired",
			status: 403, code: "AccessDenied", message: "Request has expired", authErr: expired, noAuthn: true},
		{name: "authentication fault", method: "GET", target: "/b/k", header: "X-Test-Auth: internal",
			status: 500, code: "InternalError", message: codes[codeInternalError].message, authErr: internal, internal: true, noAuthn: true},
		{name: "method not allowed", method: "PATCH", target: "/b/k", status: 405, code: "MethodNotAllowed",
			message: codes[codeMethodNotAllowed].message, bucket: "b", key: "k", reqErr: errAny},
		{name: "unsupported subresource", method: "GET", target: "/b/k?torrent", status: 501, code: "NotImplemented",
			message: "signet does not implement BitTorrent: the torrent subresource on GetObjectTorrent is refused, not ignored.", bucket: "b", key: "k", reqErr: errAny},
		{name: "key too long", method: "GET", target: "/b/" + strings.Repeat("k", 1025), status: 400, code: "KeyTooLongError",
			message: "Your key is too long", bucket: "b", key: strings.Repeat("k", 1025), reqErr: errAny},
		{name: "authorisation refused", method: "DELETE", target: "/b/k", header: "X-Test-Deny: 1",
			status: 403, code: "AccessDenied", message: "Access Denied", action: "s3:DeleteObject", resource: "arn:aws:s3:::b/k",
			bucket: "b", key: "k", authzErr: refusal},
		{name: "no such key", method: "GET", target: "/b/missing", status: 404, code: "NoSuchKey",
			message: codes[codeNoSuchKey].message, action: "s3:GetObject", resource: "arn:aws:s3:::b/missing",
			bucket: "b", key: "missing", targetErr: true},
		// Without s3:ListBucket the caller must not learn that the key
		// is missing: AccessDenied, as the handler answers.
		{name: "no such key, may not list", method: "HEAD", target: "/b/missing", header: "X-Test-No-List: 1",
			status: 403, code: "AccessDenied", message: "Access Denied", action: "s3:GetObject", resource: "arn:aws:s3:::b/missing",
			bucket: "b", key: "missing", targetErr: true},
		{name: "no such bucket, object", method: "GET", target: "/nob/k", status: 404, code: "NoSuchBucket",
			message: codes[codeNoSuchBucket].message, action: "s3:GetObject", resource: "arn:aws:s3:::nob/k",
			bucket: "nob", key: "k", targetErr: true},
		{name: "no such bucket, upload", method: "PUT", target: "/nob/k", status: 404, code: "NoSuchBucket",
			message: codes[codeNoSuchBucket].message, action: "s3:PutObject", resource: "arn:aws:s3:::nob/k",
			bucket: "nob", key: "k", targetErr: true},
		// An anonymous caller is told the bucket is missing before it is
		// refused, as S3 answers.
		{name: "no such bucket, anonymous", method: "GET", target: "/nob/k", header: "X-Test-Anonymous: 1", status: 404, code: "NoSuchBucket",
			message: codes[codeNoSuchBucket].message, action: "s3:GetObject", resource: "arn:aws:s3:::nob/k",
			bucket: "nob", key: "k", targetErr: true},
		{name: "anonymous refused on a bucket that exists", method: "GET", target: "/b/k", header: "X-Test-Anonymous: 1",
			status: 403, code: "AccessDenied", message: "Access Denied", action: "s3:GetObject", resource: "arn:aws:s3:::b/k",
			bucket: "b", key: "k", authzErr: refusal},
		{name: "delete of a missing key is served", method: "DELETE", target: "/b/missing",
			action: "s3:DeleteObject", resource: "arn:aws:s3:::b/missing", bucket: "b", key: "missing"},
		{name: "create bucket needs none", method: "PUT", target: "/newb",
			action: "s3:CreateBucket", resource: "arn:aws:s3:::newb", bucket: "newb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dry := mustNew(t, Config{
				VirtualHostDomains: []string{"s3.localhost"},
				Meta:               readOnlyMeta{t: t}, Blobs: untouchableBlobs{t: t},
				Auth: auth, Authz: authz,
				Clock: clock.NewFake(t0),
			})
			const body = "body that must not be read"
			rd := strings.NewReader(body)
			r := httptest.NewRequest(tc.method, tc.target, rd)
			if name, value, ok := strings.Cut(tc.header, ": "); ok {
				r.Header.Set(name, value)
			}
			d := dry.DryRun(r)
			if d.Status != tc.status || d.Code != tc.code || d.Message != tc.message {
				t.Errorf("error %d %q %q, want %d %q %q", d.Status, d.Code, d.Message, tc.status, tc.code, tc.message)
			}
			if d.Action != tc.action || d.Resource != tc.resource {
				t.Errorf("action %q on %q, want %q on %q", d.Action, d.Resource, tc.action, tc.resource)
			}
			if d.VirtualBucket != tc.vb || (!tc.noAuthn && (d.Bucket != tc.bucket || d.Key != tc.key)) {
				t.Errorf("address %q %q (virtual %q), want %q %q (%q)", d.Bucket, d.Key, d.VirtualBucket, tc.bucket, tc.key, tc.vb)
			}
			if (d.Result == nil) != tc.noAuthn {
				t.Errorf("Result %+v, want nil: %v", d.Result, tc.noAuthn)
			}
			if d.AuthErr != tc.authErr {
				t.Errorf("AuthErr %v, want %v", d.AuthErr, tc.authErr)
			}
			if (d.RequestErr != nil) != (tc.reqErr != nil) {
				t.Errorf("RequestErr %v, want one: %v", d.RequestErr, tc.reqErr != nil)
			}
			// The authoriser's refusal comes back as it was, not as
			// the AccessDenied it becomes on the wire.
			if d.AuthzErr != tc.authzErr {
				t.Errorf("AuthzErr %v, want %v", d.AuthzErr, tc.authzErr)
			}
			if (d.TargetErr != nil) != tc.targetErr {
				t.Errorf("TargetErr %v, want set: %v", d.TargetErr, tc.targetErr)
			}
			if (d.Internal != nil) != tc.internal {
				t.Errorf("Internal %v, want set: %v", d.Internal, tc.internal)
			}
			if rd.Len() != len(body) {
				t.Errorf("the dry run read %d bytes of the body", len(body)-rd.Len())
			}
		})
	}
}

// errAny marks a case that wants some error.
var errAny = errors.New("any error")

// A dry run refuses exactly what ServeHTTP refuses, with the same answer.
func TestDryRunAgreesWithServeHTTP(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.put("bkt", "k", "hello")
	e.cfg.Authz = authzFunc(func(r *http.Request, _ *authn.Result, action, _ string) error {
		if action == "s3:DeleteObject" {
			return errors.New("no deletes")
		}
		return nil
	})
	e.h = mustNew(t, e.cfg)
	for _, c := range []struct{ method, target string }{
		{"GET", "/bkt/k?torrent"}, {"DELETE", "/bkt/k"}, {"PATCH", "/bkt/k"},
		{"GET", "/bkt/" + strings.Repeat("k", 1025)}, {"POST", "/bkt/k"},
		{"GET", "/bkt/missing"}, {"HEAD", "/bkt/missing"}, {"GET", "/nobkt/k"}, {"PUT", "/nobkt/k"},
	} {
		w := e.do(c.method, c.target, nil)
		d := e.h.DryRun(httptest.NewRequest(c.method, c.target, nil))
		if c.method == "HEAD" {
			// A HEAD answer has no body to carry its code.
			if d.Status != w.Code || d.Code == "" {
				t.Errorf("HEAD %s: dry run %d %s, served %d", c.target, d.Status, d.Code, w.Code)
			}
			continue
		}
		code, _ := errCode(t, w)
		if d.Status != w.Code || d.Code != code {
			t.Errorf("%s %s: dry run %d %s, served %d %s", c.method, c.target, d.Status, d.Code, w.Code, code)
		}
	}
	// And what it serves, the dry run lets through.
	d := e.h.DryRun(httptest.NewRequest("GET", "/bkt/k", nil))
	if d.Code != "" || d.Action != "s3:GetObject" {
		t.Errorf("dry run of a served GET: %+v", d)
	}
	if w := e.do("GET", "/bkt/k", nil); w.Code != 200 || w.Body.String() != "hello" {
		t.Errorf("GET after dry runs: %d %q", w.Code, w.Body)
	}
}
