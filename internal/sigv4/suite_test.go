package sigv4

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"signet/internal/secret"
	"strings"
	"testing"
	"time"
)

type suiteContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	Expiration       int64  `json:"expiration_in_seconds"`
	Normalize        bool   `json:"normalize"`
	Region           string `json:"region"`
	Service          string `json:"service"`
	SignBody         bool   `json:"sign_body"`
	Timestamp        string `json:"timestamp"`
	OmitSessionToken bool   `json:"omit_session_token"`
}

// TestAWSSuite checks every case of the AWS SigV4 test suite, in both its
// header and its query (presigned) variant, at all three checkpoints:
// canonical request, string to sign and the final signature/Authorization.
// It also signs each case with SignHeader and presign and verifies each
// signed request with ParseHeader/ParseQuery + Verify.
func TestAWSSuite(t *testing.T) {
	dir := suiteDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "context.json")); err != nil {
			continue
		}
		n++
		caseDir := filepath.Join(dir, e.Name())
		t.Run(e.Name(), func(t *testing.T) { runSuiteCase(t, caseDir) })
	}
	if n < 38 {
		t.Fatalf("found %d suite cases, want at least 38", n)
	}
}

func runSuiteCase(t *testing.T, dir string) {
	file := func(name string) string { return readFile(t, filepath.Join(dir, name)) }
	var ctx suiteContext
	if err := json.Unmarshal([]byte(file("context.json")), &ctx); err != nil {
		t.Fatal(err)
	}
	ts, err := time.Parse(time.RFC3339, ctx.Timestamp)
	if err != nil {
		t.Fatal(err)
	}
	mode := Generic
	if !ctx.Normalize {
		mode = GenericUnnormalized
	}
	creds := Credentials{AccessKeyID: ctx.Credentials.AccessKeyID, SecretAccessKey: secret.New(ctx.Credentials.SecretAccessKey)}
	if !ctx.OmitSessionToken {
		creds.SessionToken = ctx.Credentials.Token
	}
	sc := Scope{Date: ts.Format("20060102"), Region: ctx.Region, Service: ctx.Service}
	key := SigningKey(secret.New(ctx.Credentials.SecretAccessKey), sc)
	payload := EmptySHA256
	orig := parseRawRequest(t, file("request.txt"))
	if ctx.SignBody {
		payload = HexSHA256([]byte(orig.Body))
	}

	t.Run("header", func(t *testing.T) {
		signed := parseRawRequest(t, file("header-signed-request.txt"))
		req := signed.sigv4()
		a, err := ParseHeader(req)
		if err != nil {
			t.Fatal(err)
		}
		creq := CanonicalRequest(req, a.SignedHeaders, payload, mode, false)
		checkEqual(t, "canonical request", creq, file("header-canonical-request.txt"))
		sts := StringToSign(a.AmzDate, a.Scope, creq)
		checkEqual(t, "string to sign", sts, file("header-string-to-sign.txt"))
		checkEqual(t, "signature", SignatureHex(key, sts), file("header-signature.txt"))

		_, err = Verify(req, a, key, mode)
		if ctx.OmitSessionToken && ctx.Credentials.Token != "" {
			// The token header was added after signing: signet, like S3,
			// refuses an unsigned x-amz-* header.
			wantReason(t, err, ReasonHeadersNotSigned)
		} else if err != nil {
			t.Fatalf("Verify: %v", err)
		}

		// Sign the original request ourselves: the Authorization header must
		// be the suite's byte for byte.
		hr := suiteHTTPRequest(orig)
		if ctx.SignBody {
			hr.Header.Set("X-Amz-Content-Sha256", payload)
		}
		if err := SignHeader(hr, creds, ctx.Region, ctx.Service, ts, payload, mode); err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Authorization", hr.Header.Get("Authorization"), signed.Header.Get("Authorization"))
	})

	t.Run("query", func(t *testing.T) {
		signed := parseRawRequest(t, file("query-signed-request.txt"))
		req := signed.sigv4()
		a, err := ParseQuery(req)
		if err != nil {
			t.Fatal(err)
		}
		if a.Expires != ctx.Expiration {
			t.Errorf("Expires = %d, want %d", a.Expires, ctx.Expiration)
		}
		if a.SecurityToken != ctx.Credentials.Token {
			t.Errorf("SecurityToken = %q, want %q", a.SecurityToken, ctx.Credentials.Token)
		}
		// The suite's presigned variants hash the payload instead of using
		// UNSIGNED-PAYLOAD; the caller sets the hash for such services.
		a.PayloadHash = payload
		creq := CanonicalRequest(req, a.SignedHeaders, payload, mode, true)
		if ctx.OmitSessionToken {
			// The token was appended after signing, so it is not in the
			// suite's canonical query; drop it to reach the same checkpoint.
			req2 := *req
			req2.RawQuery = dropParam(req.RawQuery, paramSecurityToken)
			creq = CanonicalRequest(&req2, a.SignedHeaders, payload, mode, true)
		}
		checkEqual(t, "canonical request", creq, file("query-canonical-request.txt"))
		sts := StringToSign(a.AmzDate, a.Scope, creq)
		checkEqual(t, "string to sign", sts, file("query-string-to-sign.txt"))
		checkEqual(t, "signature", SignatureHex(key, sts), file("query-signature.txt"))
		checkEqual(t, "X-Amz-Signature", a.Signature, file("query-signature.txt"))

		_, err = Verify(req, a, key, mode)
		if ctx.OmitSessionToken && ctx.Credentials.Token != "" {
			wantReason(t, err, ReasonSignatureMismatch)
		} else if err != nil {
			t.Fatalf("Verify: %v", err)
		}

		// Presign the original request: the request line must be the
		// suite's, parameter order included. Paths net/url cannot carry
		// unencoded (a space, raw UTF-8) are covered by the checks above.
		if !wireSafe(orig.Path) || ctx.OmitSessionToken {
			return
		}
		hdr := http.Header{}
		for k, v := range orig.Header {
			hdr[k] = v
		}
		u := "https://" + orig.Host + orig.URI
		got, err := presign(PresignInput{
			Method: orig.Method, URL: u, Credentials: creds, Region: ctx.Region, Service: ctx.Service, Time: ts,
			Expires: time.Duration(ctx.Expiration) * time.Second, Header: hdr, Mode: mode,
		}, payload)
		if err != nil {
			t.Fatal(err)
		}
		pu, err := url.Parse(got)
		if err != nil {
			t.Fatal(err)
		}
		line, _, _ := strings.Cut(file("query-signed-request.txt"), "\n")
		checkEqual(t, "presigned request line", orig.Method+" "+pu.RequestURI()+" HTTP/1.1", line)
	})
}

// wireSafe reports whether net/url keeps p as it is (no space, no raw
// non-ASCII byte).
func wireSafe(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] >= 0x7f {
			return false
		}
	}
	return true
}

// suiteHTTPRequest builds a client-side request carrying the suite's path
// byte for byte: as an opaque URL when net/url would re-encode it.
func suiteHTTPRequest(r *rawRequest) *http.Request {
	u := &url.URL{Scheme: "https", Host: r.Host, Path: r.Path, RawQuery: r.RawQuery}
	if !wireSafe(r.Path) {
		u = &url.URL{Scheme: "https", Host: r.Host, Opaque: r.Path, RawQuery: r.RawQuery}
	}
	hr := &http.Request{Method: r.Method, URL: u, Host: r.Host, Header: http.Header{}}
	for k, v := range r.Header {
		if k == "Content-Length" {
			hr.ContentLength = int64(len(r.Body))
			continue
		}
		hr.Header[k] = append([]string(nil), v...)
	}
	return hr
}

func dropParam(raw, name string) string {
	var out []string
	for _, p := range strings.Split(raw, "&") {
		if k, _, _ := strings.Cut(p, "="); k != name {
			out = append(out, p)
		}
	}
	return strings.Join(out, "&")
}

func checkEqual(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s mismatch\n got: %q\nwant: %q", what, got, want)
	}
}

func wantReason(t testing.TB, err error, want Reason) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want sigv4 reason %v", err, want)
	}
	if e.Reason != want {
		t.Fatalf("reason = %v (%s), want %v", e.Reason, e.Detail, want)
	}
	return e
}
