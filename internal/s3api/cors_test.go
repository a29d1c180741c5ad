package s3api

import (
	"crypto/sha256"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"signet/internal/access"
	"signet/internal/authn"
	"signet/internal/cors"
	"signet/internal/meta"
)

// withCORS keeps bucket CORS configurations in the access store over the
// test's bolt store, as the server wires them, so CreateBucket and the
// CORS writes drop its cache.
func withCORS(e **access.Store) envOpt {
	return func(c *Config) {
		s := access.NewStore(c.Meta.(access.Backend))
		c.Meta, c.CORS = s, s
		*e = s
	}
}

func newCORSEnv(t *testing.T, opts ...envOpt) *env {
	t.Helper()
	var s *access.Store
	return newEnv(t, append([]envOpt{withCORS(&s)}, opts...)...)
}

func contentMD5(body string) string { return md5b64(body) }

func sha256b64(body string) string { h := sha256.Sum256([]byte(body)); return b64(h[:]) }

func metaBucket(name string) meta.Bucket {
	return meta.Bucket{Name: name, Region: "us-east-1", Created: t0}
}

// putCORS sends PutBucketCors with the Content-MD5 S3 requires.
func (e *env) putCORS(bucket, body string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do("PUT", "/"+bucket+"?cors", strings.NewReader(body), "Content-MD5", contentMD5(body))
}

const siteCORS = `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
	`<CORSRule><ID>site</ID><AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>Content-Type</AllowedHeader>` +
	`<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://*.example.com</AllowedOrigin>` +
	`<ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-amz-request-id</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>` +
	`<CORSRule><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>` +
	`</CORSConfiguration>`

func TestBucketCorsPutGetDelete(t *testing.T) {
	e := newCORSEnv(t)
	e.bucket("bkt")
	w := e.do("GET", "/bkt?cors", nil)
	if got := expectErr(t, w, 404, "NoSuchCORSConfiguration"); got.Message != "The CORS configuration does not exist" || got.BucketName != "bkt" {
		t.Errorf("GetBucketCors without a configuration: %+v", got)
	}
	if w := e.putCORS("bkt", siteCORS); w.Code != 200 || w.Body.Len() != 0 {
		t.Fatalf("PutBucketCors: %d %s", w.Code, w.Body)
	}
	w = e.mustDo(200, "GET", "/bkt?cors", "")
	golden(t, "get_bucket_cors.xml", w.Body.Bytes())
	if ct := w.Header().Get("Content-Type"); ct != "application/xml" {
		t.Errorf("Content-Type %q", ct)
	}
	e.mustDo(204, "DELETE", "/bkt?cors", "")
	expectErr(t, e.do("GET", "/bkt?cors", nil), 404, "NoSuchCORSConfiguration")
	e.mustDo(204, "DELETE", "/bkt?cors", "")

	// A missing bucket is NoSuchBucket on all three.
	expectErr(t, e.putCORS("nope", siteCORS), 404, "NoSuchBucket")
	expectErr(t, e.do("GET", "/nope?cors", nil), 404, "NoSuchBucket")
	expectErr(t, e.do("DELETE", "/nope?cors", nil), 404, "NoSuchBucket")

	// The configuration goes with its bucket.
	if w := e.putCORS("bkt", siteCORS); w.Code != 200 {
		t.Fatalf("PutBucketCors: %d %s", w.Code, w.Body)
	}
	e.mustDo(204, "DELETE", "/bkt", "")
	e.bucket("bkt")
	expectErr(t, e.do("GET", "/bkt?cors", nil), 404, "NoSuchCORSConfiguration")
}

func TestPutBucketCorsRefusals(t *testing.T) {
	e := newCORSEnv(t)
	e.bucket("bkt")
	rule := func(inner string) string {
		return `<CORSConfiguration><CORSRule>` + inner + `</CORSRule></CORSConfiguration>`
	}
	tests := []struct {
		name, body string
		hdr        []string // nil: the body's Content-MD5
		status     int
		code, msg  string
	}{
		{"no integrity header", siteCORS, []string{}, 400, "InvalidRequest", "Missing required header for this request: Content-MD5"},
		{"wrong Content-MD5", siteCORS, []string{"Content-MD5", contentMD5("other")}, 400, "BadDigest", ""},
		{"malformed Content-MD5", siteCORS, []string{"Content-MD5", "nope"}, 400, "InvalidDigest", ""},
		{"empty body", "", nil, 400, "MissingRequestBodyError", "Request Body is empty"},
		{"not XML", "cors please", nil, 400, "MalformedXML", ""},
		{"no rule", `<CORSConfiguration/>`, nil, 400, "MalformedXML", ""},
		{"rule without origin", rule(`<AllowedMethod>GET</AllowedMethod>`), nil, 400, "MalformedXML", ""},
		{"rule without method", rule(`<AllowedOrigin>*</AllowedOrigin>`), nil, 400, "MalformedXML", ""},
		{"unknown element", rule(`<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><Origin>x</Origin>`), nil, 400, "MalformedXML", ""},
		{"101 rules", `<CORSConfiguration>` + strings.Repeat(`<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>`, 101) + `</CORSConfiguration>`, nil, 400, "MalformedXML", ""},
		{"ID too long", rule(`<ID>` + strings.Repeat("i", 256) + `</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>`), nil, 400, "MalformedXML", ""},
		{"unknown method", rule(`<AllowedMethod>PATCH</AllowedMethod><AllowedOrigin>*</AllowedOrigin>`), nil, 400, "InvalidRequest",
			"Found unsupported HTTP method in CORS config. Unsupported method is PATCH"},
		{"two wildcards in an origin", rule(`<AllowedMethod>GET</AllowedMethod><AllowedOrigin>https://*.*.example</AllowedOrigin>`), nil, 400, "InvalidRequest",
			`AllowedOrigin "https://*.*.example" can not have more than one wildcard.`},
		{"two wildcards in a header", rule(`<AllowedHeader>*-*</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>`), nil, 400, "InvalidRequest",
			`AllowedHeader "*-*" can not have more than one wildcard.`},
		{"over 64 KB", `<CORSConfiguration>` + strings.Repeat(" ", cors.MaxDocument) + `</CORSConfiguration>`, nil, 400, "MaxMessageLengthExceeded", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := tc.hdr
			if hdr == nil {
				hdr = []string{"Content-MD5", contentMD5(tc.body)}
			}
			w := e.do("PUT", "/bkt?cors", strings.NewReader(tc.body), hdr...)
			got := expectErr(t, w, tc.status, tc.code)
			if tc.msg != "" && got.Message != tc.msg {
				t.Errorf("message %q, want %q", got.Message, tc.msg)
			}
			// Nothing was stored.
			expectErr(t, e.do("GET", "/bkt?cors", nil), 404, "NoSuchCORSConfiguration")
		})
	}
	// A flexible checksum stands in for Content-MD5, as the SDKs send it.
	w := e.do("PUT", "/bkt?cors", strings.NewReader(siteCORS), "x-amz-checksum-sha256", sha256b64(siteCORS))
	if w.Code != 200 {
		t.Fatalf("PutBucketCors with x-amz-checksum-sha256: %d %s", w.Code, w.Body)
	}
}

func TestBucketCorsAuthorisedAsCORSActions(t *testing.T) {
	var seen []string
	e := newCORSEnv(t, func(c *Config) {
		c.Authz = authzFunc(func(_ *http.Request, _ *authn.Result, action, resource string) error {
			seen = append(seen, action+" "+resource)
			return nil
		})
	})
	e.bucket("bkt")
	seen = nil
	e.putCORS("bkt", siteCORS)
	e.do("GET", "/bkt?cors", nil)
	e.do("DELETE", "/bkt?cors", nil)
	want := []string{
		"s3:PutBucketCORS arn:aws:s3:::bkt",
		"s3:GetBucketCORS arn:aws:s3:::bkt",
		"s3:PutBucketCORS arn:aws:s3:::bkt",
	}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("authorised %q, want %q", seen, want)
	}
}

// corsHeaders are the response's Access-Control-* headers and Vary.
func corsHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for name, v := range h {
		if strings.HasPrefix(name, "Access-Control-") || name == "Vary" {
			out[name] = strings.Join(v, "|")
		}
	}
	return out
}

const origin = "https://app.example.com"

var siteHeaders = map[string]string{
	"Access-Control-Allow-Origin":      origin,
	"Access-Control-Allow-Methods":     "GET, PUT",
	"Access-Control-Expose-Headers":    "ETag, x-amz-request-id",
	"Access-Control-Max-Age":           "600",
	"Access-Control-Allow-Credentials": "true",
	"Vary":                             cors.Vary,
}

var everyoneHeaders = map[string]string{
	"Access-Control-Allow-Origin":  "*",
	"Access-Control-Allow-Methods": "HEAD",
	"Vary":                         cors.Vary,
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for a, b := range m {
		out[a] = b
	}
	return out
}

// Preflights are answered without authentication, from the bucket's rules,
// first match wins, with S3's errors in S3's order.
func TestPreflight(t *testing.T) {
	e := newCORSEnv(t, func(c *Config) {
		// Every authenticated request is refused: a preflight must not
		// need one.
		c.Auth = authFunc(func(*http.Request, string) (*authn.Result, error) {
			return nil, &authn.Failure{Reason: authn.ReasonSignatureMismatch}
		})
	})
	for _, b := range []string{"bkt", "plain"} {
		if err := e.cfg.Meta.CreateBucket(t.Context(), metaBucket(b)); err != nil {
			t.Fatal(err)
		}
	}
	doc, _ := mustCORS(t, siteCORS).Marshal()
	if err := e.cfg.CORS.PutBucketCORS(t.Context(), "bkt", doc); err != nil {
		t.Fatal(err)
	}
	const notAllowed = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."
	type hdrs = []string
	tests := []struct {
		name, target string
		hdr          hdrs
		status       int
		headers      map[string]string
		code, msg    string
		method, rtyp string
	}{
		{"object", "/bkt/k", hdrs{"Origin", origin, "Access-Control-Request-Method", "GET"}, 200, siteHeaders, "", "", "", ""},
		{"bucket", "/bkt", hdrs{"Origin", origin, "Access-Control-Request-Method", "PUT"}, 200, siteHeaders, "", "", "", ""},
		{"virtual host", "http://bkt.s3.localhost/k", hdrs{"Origin", origin, "Access-Control-Request-Method", "PUT"}, 200, siteHeaders, "", "", "", ""},
		{"presigned URL", "/bkt/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00&X-Amz-Expires=1", hdrs{"Origin", origin, "Access-Control-Request-Method", "PUT"}, 200, siteHeaders, "", "", "", ""},
		{"requested headers allowed", "/bkt/k", hdrs{"Origin", origin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "Content-Type,X-Amz-Meta-Name"}, 200,
			with(siteHeaders, "Access-Control-Allow-Headers", "content-type, x-amz-meta-name"), "", "", "", ""},
		{"second rule", "/bkt/no/such/key", hdrs{"Origin", "null", "Access-Control-Request-Method", "HEAD"}, 200, everyoneHeaders, "", "", "", ""},
		{"method not allowed", "/bkt/k", hdrs{"Origin", origin, "Access-Control-Request-Method", "DELETE"}, 403, nil, "AccessForbidden", notAllowed, "DELETE", "OBJECT"},
		{"origin not allowed", "/bkt", hdrs{"Origin", "https://example.org", "Access-Control-Request-Method", "GET"}, 403, nil, "AccessForbidden", notAllowed, "GET", "BUCKET"},
		{"header not allowed", "/bkt/k", hdrs{"Origin", origin, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization"}, 403, nil, "AccessForbidden", notAllowed, "GET", "OBJECT"},
		{"no configuration", "/plain/k", hdrs{"Origin", origin, "Access-Control-Request-Method", "GET"}, 403, nil, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", "GET", "BUCKET"},
		{"no configuration, no method", "/plain", hdrs{"Origin", origin}, 403, nil, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", "OPTIONS", "BUCKET"},
		{"no bucket", "/missing/k", hdrs{"Origin", origin, "Access-Control-Request-Method", "GET"}, 403, nil, "AccessForbidden", "CORSResponse: Bucket not found", "GET", "BUCKET"},
		{"service root", "/", hdrs{"Origin", origin, "Access-Control-Request-Method", "GET"}, 403, nil, "AccessForbidden", "CORSResponse: Bucket not found", "GET", "BUCKET"},
		{"no origin", "/bkt/k", hdrs{"Access-Control-Request-Method", "GET"}, 400, nil, "BadRequest", "Insufficient information. Origin request header needed.", "", ""},
		{"no origin, no bucket", "/missing", nil, 400, nil, "BadRequest", "Insufficient information. Origin request header needed.", "", ""},
		{"no method", "/bkt/k", hdrs{"Origin", origin}, 400, nil, "BadRequest", "Invalid Access-Control-Request-Method: null", "", ""},
		{"unknown method", "/missing/k", hdrs{"Origin", origin, "Access-Control-Request-Method", "BLAH"}, 400, nil, "BadRequest", "Invalid Access-Control-Request-Method: BLAH", "", ""},
		{"lower-case method", "/bkt/k", hdrs{"Origin", origin, "Access-Control-Request-Method", "get"}, 400, nil, "BadRequest", "Invalid Access-Control-Request-Method: get", "", ""},
		{"PATCH", "/bkt/k", hdrs{"Origin", origin, "Access-Control-Request-Method", "PATCH"}, 400, nil, "BadRequest", "Invalid Access-Control-Request-Method: PATCH", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do("OPTIONS", tc.target, nil, tc.hdr...)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			got := corsHeaders(w.Header())
			if tc.status == 200 {
				if !reflect.DeepEqual(got, tc.headers) {
					t.Errorf("headers\n%v\nwant\n%v", got, tc.headers)
				}
				if w.Body.Len() != 0 || w.Header().Get("Content-Length") != "0" {
					t.Errorf("body %q, Content-Length %q", w.Body, w.Header().Get("Content-Length"))
				}
				return
			}
			if len(got) != 0 {
				t.Errorf("a refused preflight carries %v", got)
			}
			var body struct {
				errorXML
				Method, ResourceType string
			}
			if err := xml.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Code != tc.code || body.Message != tc.msg || body.Method != tc.method || body.ResourceType != tc.rtyp {
				t.Errorf("error %s %q Method %q ResourceType %q, want %s %q %q %q",
					body.Code, body.Message, body.Method, body.ResourceType, tc.code, tc.msg, tc.method, tc.rtyp)
			}
		})
	}
	w := e.do("OPTIONS", "/bkt/k", nil, "Origin", origin, "Access-Control-Request-Method", "DELETE")
	golden(t, "preflight_not_allowed.xml", w.Body.Bytes())
}

// The preflight reads the configuration from the store's cache, which a
// write drops: a new rule takes effect on the next preflight.
func TestPreflightSeesNewRules(t *testing.T) {
	e := newCORSEnv(t)
	e.bucket("bkt")
	pre := func() int {
		return e.do("OPTIONS", "/bkt/k", nil, "Origin", origin, "Access-Control-Request-Method", "PUT").Code
	}
	if got := pre(); got != 403 {
		t.Fatalf("before Put: %d", got)
	}
	e.putCORS("bkt", siteCORS)
	if got := pre(); got != 200 {
		t.Fatalf("after Put: %d", got)
	}
	e.mustDo(204, "DELETE", "/bkt?cors", "")
	if got := pre(); got != 403 {
		t.Fatalf("after Delete: %d", got)
	}
}

// An actual request with an Origin gets the headers of the first rule that
// allows its origin and method, on success and on every error, those of
// authentication included; without a match, or without an Origin, none.
func TestActualRequestCORSHeaders(t *testing.T) {
	e := newCORSEnv(t, func(c *Config) {
		c.Auth = authFunc(func(r *http.Request, vb string) (*authn.Result, error) {
			switch {
			case r.Header.Get("X-Test-Expired-Token") != "":
				return nil, &authn.Failure{Reason: authn.ReasonExpiredToken}
			case r.URL.Query().Has("X-Amz-Signature"):
				return nil, &authn.Failure{Reason: authn.ReasonRequestExpired}
			}
			return rootAuth(r, vb)
		})
	})
	e.bucket("bkt")
	e.bucket("plain")
	e.put("bkt", "k", "data")
	e.put("plain", "k", "data")
	if w := e.putCORS("bkt", siteCORS); w.Code != 200 {
		t.Fatal(w.Body)
	}
	type hdrs = []string
	tests := []struct {
		name, method, target string
		hdr                  hdrs
		status               int
		code                 string
		headers              map[string]string
	}{
		{"GET", "GET", "/bkt/k", hdrs{"Origin", origin}, 200, "", siteHeaders},
		{"HEAD, second rule", "HEAD", "/bkt/k", hdrs{"Origin", "https://example.org"}, 200, "", everyoneHeaders},
		{"origin not allowed", "GET", "/bkt/k", hdrs{"Origin", "https://example.org"}, 200, "", map[string]string{}},
		{"no origin", "GET", "/bkt/k", nil, 200, "", map[string]string{}},
		{"bucket without CORS", "GET", "/plain/k", hdrs{"Origin", origin}, 200, "", map[string]string{}},
		{"missing bucket", "GET", "/missing/k", hdrs{"Origin", origin}, 404, "NoSuchBucket", map[string]string{}},
		{"NoSuchKey", "GET", "/bkt/nope", hdrs{"Origin", origin}, 404, "NoSuchKey", siteHeaders},
		{"ExpiredToken", "GET", "/bkt/k", hdrs{"Origin", origin, "X-Test-Expired-Token", "1"}, 400, "ExpiredToken", siteHeaders},
		{"presigned URL expired", "GET", "/bkt/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00", hdrs{"Origin", origin}, 403, "AccessDenied", siteHeaders},
		{"method not allowed", "DELETE", "/bkt/gone", hdrs{"Origin", origin}, 204, "", map[string]string{}},
		// S3 matches the Access-Control-Request-Method when one is sent.
		{"request method header decides", "DELETE", "/bkt/nope", hdrs{"Origin", origin, "Access-Control-Request-Method", "GET"}, 204, "", siteHeaders},
		{"request method header refuses", "GET", "/bkt/k", hdrs{"Origin", origin, "Access-Control-Request-Method", "DELETE"}, 200, "", map[string]string{}},
		// A real request's own headers are not checked.
		{"headers not checked", "GET", "/bkt/k", hdrs{"Origin", origin, "Access-Control-Request-Headers", "authorization"}, 200, "", siteHeaders},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(tc.method, tc.target, nil, tc.hdr...)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			if tc.code != "" && tc.method != "HEAD" {
				expectErr(t, w, tc.status, tc.code)
			}
			if got := corsHeaders(w.Header()); !reflect.DeepEqual(got, tc.headers) {
				t.Errorf("headers\n%v\nwant\n%v", got, tc.headers)
			}
		})
	}
}

// Without a CORS store the subresource is unimplemented and no request is
// answered with CORS headers.
func TestBucketCorsWithoutStore(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	expectErr(t, e.do("GET", "/bkt?cors", nil), 501, "NotImplemented")
	w := e.do("OPTIONS", "/bkt/k", nil, "Origin", origin, "Access-Control-Request-Method", "GET")
	expectErr(t, w, 403, "AccessForbidden")
	w = e.do("GET", "/bkt", nil, "Origin", origin)
	if got := corsHeaders(w.Header()); len(got) != 0 {
		t.Errorf("headers %v", got)
	}
}

func mustCORS(t *testing.T, body string) *cors.Config {
	t.Helper()
	var d cors.Document
	if err := xml.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	cfg, err := cors.Validate(&d)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
