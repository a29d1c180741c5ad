package s3api

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"signet/internal/authn"
	"signet/internal/postpolicy"
	"signet/internal/principal"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

const (
	postAKID   = "AKIAPOSTEXAMPLE00001"
	postSecret = "post-secret-key-0000000000000000000000"
	postTemp   = "ASIAPOSTEXAMPLE00002"
	postToken  = "session-token-of-the-post-tests"
)

// postAuth is the real Authenticator for forms; other requests (creating
// the bucket, reading objects back) are root's, and a POST itself carries
// no other signature.
type postAuth struct{ real *authn.Authenticator }

func (p postAuth) Authenticate(r *http.Request, vb string) (*authn.Result, error) {
	if r.Method == http.MethodPost {
		return &authn.Result{Anonymous: true, Body: r.Body, DecodedLength: r.ContentLength}, nil
	}
	return rootAuth(r, vb)
}

func (p postAuth) AuthenticatePost(ctx context.Context, f authn.PostFields) (authn.PostAuth, error) {
	return p.real.AuthenticatePost(ctx, f)
}

// authzSeen records what the authoriser was asked.
type authzSeen struct {
	action, resource, authType string
	age                        time.Duration
	acl                        string
}

func newPostEnv(t *testing.T, opts ...func(*Config)) (*env, *authzSeen, *authn.StaticKeys) {
	t.Helper()
	seen := &authzSeen{}
	keys := authn.NewStaticKeys(
		&authn.Credential{AccessKeyID: postAKID, Secret: secret.New(postSecret), Principal: principal.Principal{AccessKeyID: postAKID, ARN: "arn:aws:iam::123456789012:user/alice"}},
		&authn.Credential{AccessKeyID: postTemp, Secret: secret.New(postSecret), TokenHash: secret.HashToken(postToken), Expiry: t0.Add(time.Hour),
			Principal: principal.Principal{AccessKeyID: postTemp, ARN: "arn:aws:sts::123456789012:assumed-role/r/s", SessionKind: principal.SessionAssumedRole}},
	)
	e := newEnv(t, func(c *Config) {
		c.Auth = postAuth{real: authn.NewAuthenticator(keys, c.Clock, c.Clock, "us-east-1")}
		c.Authz = authzFunc(func(r *http.Request, res *authn.Result, action, resource string) error {
			if res.AuthType == authn.AuthPOST {
				*seen = authzSeen{action: action, resource: resource, authType: res.AuthType, age: res.SignatureAge, acl: r.Header.Get("X-Amz-Acl")}
			}
			return AllowAuthenticated{}.Authorize(r, res, action, resource)
		})
		for _, o := range opts {
			o(c)
		}
	})
	e.bucket("photos")
	return e, seen, keys
}

// postForm is a form under construction: fields in order, then the file.
type formSpec struct {
	fields     [][2]string
	filename   string // "-" for a file part without a filename parameter
	file       string
	afterFile  [][2]string
	noFile     bool
	extraFiles int
}

func (f formSpec) encode(t testing.TB) (body []byte, contentType string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, kv := range f.fields {
		_ = mw.WriteField(kv[0], kv[1])
	}
	if !f.noFile {
		for i := 0; i <= f.extraFiles; i++ {
			h := make(map[string][]string)
			disp := `form-data; name="file"`
			if f.filename != "-" {
				disp += fmt.Sprintf("; filename=%q", f.filename)
			}
			h["Content-Disposition"] = []string{disp}
			h["Content-Type"] = []string{"application/octet-stream"}
			w, err := mw.CreatePart(h)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = w.Write([]byte(f.file))
		}
	}
	for _, kv := range f.afterFile {
		_ = mw.WriteField(kv[0], kv[1])
	}
	_ = mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// signedV4 returns the SigV4 fields for a policy with conds, signed now
// (t0) by key: the policy pins the signer as botocore's does.
func signedV4(key, token string, expiration time.Time, conds ...string) [][2]string {
	cred := key + "/20260301/us-east-1/s3/aws4_request"
	all := append([]string{`{"bucket": "photos"}`}, conds...)
	all = append(all, `{"x-amz-algorithm": "AWS4-HMAC-SHA256"}`, `{"x-amz-credential": "`+cred+`"}`, `{"x-amz-date": "20260301T120000Z"}`)
	if token != "" {
		all = append(all, `{"x-amz-security-token": "`+token+`"}`)
	}
	doc := `{"expiration": "` + expiration.UTC().Format("2006-01-02T15:04:05Z") + `", "conditions": [` + strings.Join(all, ", ") + `]}`
	policy := postpolicy.Encode([]byte(doc))
	sig := postpolicy.SignV4(secret.New(postSecret), sigv4.Scope{Date: "20260301", Region: "us-east-1", Service: "s3"}, policy)
	f := [][2]string{{"x-amz-algorithm", "AWS4-HMAC-SHA256"}, {"x-amz-credential", cred}, {"x-amz-date", "20260301T120000Z"}}
	if token != "" {
		f = append(f, [2]string{"x-amz-security-token", token})
	}
	return append(f, [2]string{"policy", policy}, [2]string{"x-amz-signature", sig})
}

func (e *env) post(f formSpec, target ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	body, ct := f.encode(e.t)
	path := "/photos"
	if len(target) > 0 {
		path = target[0]
	}
	return e.do("POST", path, bytes.NewReader(body), "Content-Type", ct)
}

func withFields(head [][2]string, tail ...[2]string) [][2]string {
	return append(append([][2]string{}, head...), tail...)
}

func TestPostObjectStoresTheFile(t *testing.T) {
	e, seen, _ := newPostEnv(t)
	fields := withFields([][2]string{{"key", "uploads/${filename}"}, {"Content-Type", "image/png"}, {"x-amz-meta-owner", "alice"}},
		signedV4(postAKID, "", t0.Add(time.Hour), `["starts-with", "$key", "uploads/"]`, `["starts-with", "$Content-Type", "image/"]`, `{"x-amz-meta-owner": "alice"}`)...)
	e.clk.Advance(90 * time.Second)
	w := e.post(formSpec{fields: fields, filename: `C:\Users\alice\cat.png`, file: "meow"})
	if w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	if got := w.Header().Get("ETag"); got != `"`+md5hex("meow")+`"` {
		t.Errorf("ETag %q", got)
	}
	if got := w.Header().Get("Location"); got != "http://example.com/photos/uploads%2Fcat.png" {
		t.Errorf("Location %q", got)
	}
	if w.Body.Len() != 0 {
		t.Errorf("204 with a body: %q", w.Body.String())
	}
	g := e.mustDo(200, "GET", "/photos/uploads/cat.png", "")
	//lint:ignore SA1008 S3 sends user metadata headers in lower case, as signet writes them: the raw key is the point
	if g.Body.String() != "meow" || g.Header().Get("Content-Type") != "image/png" || g.Header()["x-amz-meta-owner"][0] != "alice" {
		t.Errorf("object: %q %v", g.Body.String(), g.Header())
	}
	want := authzSeen{action: "s3:PutObject", resource: "arn:aws:s3:::photos/uploads/cat.png", authType: "POST", age: 90 * time.Second}
	if *seen != want {
		t.Errorf("authorised %+v, want %+v", *seen, want)
	}
}

func md5hex(s string) string { return fmt.Sprintf("%x", md5.Sum([]byte(s))) }

func TestPostObjectResponses(t *testing.T) {
	e, _, _ := newPostEnv(t)
	sign := func(extra ...string) [][2]string {
		return signedV4(postAKID, "", t0.Add(time.Hour), append([]string{`["starts-with", "$key", ""]`}, extra...)...)
	}
	// 201: PostResponse, no namespace, the key raw in Key and escaped
	// whole in Location.
	w := e.post(formSpec{fields: withFields([][2]string{{"key", "a b/c.txt"}, {"success_action_status", "201"}}, sign(`{"success_action_status": "201"}`)...), file: "x"})
	if w.Code != 201 || w.Header().Get("Location") != "http://example.com/photos/a%20b%2Fc.txt" {
		t.Fatalf("201: %d %v %s", w.Code, w.Header(), w.Body.String())
	}
	golden(t, "post_response.xml", w.Body.Bytes())
	w = e.post(formSpec{fields: withFields([][2]string{{"key", "k"}, {"success_action_status", "200"}}, sign(`{"success_action_status": "200"}`)...), file: "x"})
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("ETag") == "" {
		t.Fatalf("200: %d %q", w.Code, w.Body.String())
	}
	// A value S3 does not know is as if absent.
	w = e.post(formSpec{fields: withFields([][2]string{{"key", "k"}, {"success_action_status", "404"}}, sign(`{"success_action_status": "404"}`)...), file: "x"})
	if w.Code != 204 {
		t.Fatalf("404 asked: %d", w.Code)
	}
	// 303 to the redirect, its own query kept, bucket, key and etag added.
	redirect := "https://app.example/done?from=form"
	w = e.post(formSpec{fields: withFields([][2]string{{"key", "dir/k 1"}, {"success_action_redirect", redirect}}, sign(`["starts-with", "$success_action_redirect", "https://app.example/"]`)...), file: "x"})
	wantLoc := redirect + "&bucket=photos&key=dir%2Fk+1&etag=%22" + md5hex("x") + "%22"
	if w.Code != 303 || w.Header().Get("Location") != wantLoc {
		t.Fatalf("303: %d %q, want %q", w.Code, w.Header().Get("Location"), wantLoc)
	}
	// A relative redirect cannot be followed: the status decides.
	w = e.post(formSpec{fields: withFields([][2]string{{"key", "k"}, {"redirect", "/relative"}}, sign(`["starts-with", "$redirect", ""]`)...), file: "x"})
	if w.Code != 204 {
		t.Fatalf("relative redirect: %d", w.Code)
	}
}

func TestPostObjectForm(t *testing.T) {
	e, _, _ := newPostEnv(t)
	sign := signedV4(postAKID, "", t0.Add(time.Hour), `["starts-with", "$key", ""]`)
	// Field names in any case; fields after the file are ignored, even
	// an uncovered one or a second key.
	caps := [][2]string{{"KEY", "caps"}}
	for _, kv := range sign {
		caps = append(caps, [2]string{strings.ToUpper(kv[0][:1]) + kv[0][1:], kv[1]})
	}
	w := e.post(formSpec{fields: caps, file: "1", afterFile: [][2]string{{"key", "other"}, {"uncovered", "x"}, {"submit", "Upload"}}})
	if w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	e.mustDo(200, "GET", "/photos/caps", "")
	e.mustDo(404, "GET", "/photos/other", "")
	// A file part with no filename leaves ${filename} as it is.
	w = e.post(formSpec{fields: withFields([][2]string{{"key", "lit-${filename}"}}, sign...), filename: "-", file: "2"})
	if w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	e.mustDo(200, "GET", "/photos/lit-$%7Bfilename%7D", "")
	// x-ignore- fields need no condition.
	w = e.post(formSpec{fields: withFields([][2]string{{"key", "ign"}, {"x-ignore-tracking", "1"}}, sign...), file: "3"})
	if w.Code != 204 {
		t.Fatalf("x-ignore-: %d %s", w.Code, w.Body.String())
	}
}

func TestPostObjectSigV2(t *testing.T) {
	e, seen, _ := newPostEnv(t)
	doc := `{"expiration": "2026-03-01T13:00:00.000Z", "conditions": [{"bucket": "photos"}, ["starts-with", "$key", "v2/"]]}`
	policy := postpolicy.Encode([]byte(doc))
	fields := [][2]string{{"key", "v2/a"}, {"AWSAccessKeyId", postAKID}, {"policy", policy}, {"signature", postpolicy.SignV2(secret.New(postSecret), policy)}}
	if w := e.post(formSpec{fields: fields, file: "v2"}); w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	if seen.authType != "POST" || seen.age != 0 {
		t.Errorf("authorised %+v", *seen)
	}
	fields[3][1] = postpolicy.SignV2(secret.New("wrong"), policy)
	w := e.post(formSpec{fields: fields, file: "v2"})
	expectErr(t, w, 403, "SignatureDoesNotMatch")
	if !strings.Contains(w.Body.String(), "<StringToSign>"+policy+"</StringToSign>") || strings.Contains(w.Body.String(), "CanonicalRequest") {
		t.Errorf("body %s", w.Body.String())
	}
}

func TestPostObjectErrors(t *testing.T) {
	hour := t0.Add(time.Hour)
	keyed := func(key string, sign [][2]string) [][2]string { return withFields([][2]string{{"key", key}}, sign...) }
	any := signedV4(postAKID, "", hour, `["starts-with", "$key", ""]`)
	drop := func(fields [][2]string, name string) [][2]string {
		var out [][2]string
		for _, kv := range fields {
			if kv[0] != name {
				out = append(out, kv)
			}
		}
		return out
	}
	set := func(fields [][2]string, name, value string) [][2]string {
		out := withFields(fields)
		for i := range out {
			if out[i][0] == name {
				out[i][1] = value
			}
		}
		return out
	}
	cases := []struct {
		name    string
		form    formSpec
		advance time.Duration
		status  int
		code    string
		body    []string // substrings of the error body
	}{
		{"no key", formSpec{fields: any, file: "x"}, 0, 400, "InvalidArgument",
			[]string{"<Message>Bucket POST must contain a field named &#39;key&#39;.  If it is specified, please check the order of the fields.</Message><ArgumentName>key</ArgumentName><ArgumentValue></ArgumentValue>"}},
		{"key after the file", formSpec{fields: any, file: "x", afterFile: [][2]string{{"key", "k"}}}, 0, 400, "InvalidArgument", []string{"<ArgumentName>key</ArgumentName>"}},
		{"no file", formSpec{fields: keyed("k", any), noFile: true}, 0, 400, "InvalidArgument",
			[]string{"<Message>POST requires exactly one file upload per request.</Message><ArgumentName>file</ArgumentName><ArgumentValue>0</ArgumentValue>"}},
		{"two files", formSpec{fields: keyed("k", any), file: "x", extraFiles: 1}, 0, 400, "IncorrectNumberOfFilesInPostRequest", nil},
		{"no signature", formSpec{fields: keyed("k", drop(any, "x-amz-signature")), file: "x"}, 0, 400, "InvalidArgument",
			[]string{"Bucket POST must contain a field named &#39;X-Amz-Signature&#39;.", "<ArgumentName>X-Amz-Signature</ArgumentName>"}},
		{"no algorithm, no credential", formSpec{fields: keyed("k", drop(drop(any, "x-amz-algorithm"), "x-amz-credential")), file: "x"}, 0, 400, "InvalidArgument",
			[]string{"<ArgumentName>X-Amz-Algorithm</ArgumentName>"}},
		{"wrong region", formSpec{fields: keyed("k", set(any, "x-amz-credential", postAKID+"/20260301/us-west-1/s3/aws4_request")), file: "x"}, 0, 400, "InvalidArgument",
			[]string{"the region &#39;us-west-1&#39; is wrong; expecting &#39;us-east-1&#39;", "<ArgumentName>X-Amz-Credential</ArgumentName>", "<Region>us-east-1</Region>"}},
		{"bad date", formSpec{fields: keyed("k", set(any, "x-amz-date", "yesterday")), file: "x"}, 0, 400, "InvalidArgument",
			[]string{"X-Amz-Date must be formated via ISO8601 Long format", "<ArgumentValue>yesterday</ArgumentValue>"}},
		{"unknown key", formSpec{fields: keyed("k", set(any, "x-amz-credential", "AKIANOBODY0000000000/20260301/us-east-1/s3/aws4_request")), file: "x"}, 0, 403, "InvalidAccessKeyId",
			[]string{"<AWSAccessKeyId>AKIANOBODY0000000000</AWSAccessKeyId>"}},
		{"signature", formSpec{fields: keyed("k", set(any, "x-amz-signature", strings.Repeat("0", 64))), file: "x"}, 0, 403, "SignatureDoesNotMatch",
			[]string{"<StringToSign>" + any[3][1] + "</StringToSign><SignatureProvided>" + strings.Repeat("0", 64) + "</SignatureProvided><StringToSignBytes>"}},
		{"policy expired", formSpec{fields: keyed("k", any), file: "x"}, time.Hour, 403, "AccessDenied",
			[]string{"<Message>Invalid according to Policy: Policy expired.</Message>"}},
		{"condition", formSpec{fields: keyed("k", signedV4(postAKID, "", hour, `["starts-with", "$key", "uploads/"]`)), file: "x"}, 0, 403, "AccessDenied",
			[]string{"<Message>Invalid according to Policy: Policy Condition failed: [&#34;starts-with&#34;, &#34;$key&#34;, &#34;uploads/&#34;]</Message>"}},
		{"extra field", formSpec{fields: withFields(keyed("k", any), [2]string{"Filename", "a"}), file: "x"}, 0, 403, "AccessDenied",
			[]string{"<Message>Invalid according to Policy: Extra input fields: filename</Message>"}},
		{"too large", formSpec{fields: keyed("k", signedV4(postAKID, "", hour, `{"key": "k"}`, `["content-length-range", 5, 10]`)), file: "123456789012"}, 0, 400, "EntityTooLarge",
			[]string{"<Message>Your proposed upload exceeds the maximum allowed size</Message><ProposedSize>12</ProposedSize><MaxSizeAllowed>10</MaxSizeAllowed>"}},
		{"too small", formSpec{fields: keyed("k", signedV4(postAKID, "", hour, `{"key": "k"}`, `["content-length-range", 5, 10]`)), file: "1"}, 0, 400, "EntityTooSmall",
			[]string{"<Message>Your proposed upload is smaller than the minimum allowed size</Message><ProposedSize>1</ProposedSize><MinSizeAllowed>5</MinSizeAllowed>"}},
		{"fields before the file over 20 KB", formSpec{fields: withFields(keyed("k", any), [2]string{"x-ignore-pad", strings.Repeat("p", 20000)}), file: "x"}, 0, 400, "MaxPostPreDataLengthExceeded",
			[]string{"<MaxPostPreDataLengthBytes>20480</MaxPostPreDataLengthBytes>"}},
		{"policy not JSON", formSpec{fields: keyed("k", resign(any, "{not json")), file: "x"}, 0, 400, "InvalidPolicyDocument",
			[]string{"<Message>Invalid Policy: Invalid JSON.</Message>"}},
		{"ACL granting others", formSpec{fields: withFields(keyed("k", signedV4(postAKID, "", hour, `{"key": "k"}`, `{"acl": "public-read"}`)), [2]string{"acl", "public-read"}), file: "x"}, 0, 400, "AccessControlListNotSupported", nil},
		{"no such bucket", formSpec{fields: keyed("k", resign(any, `{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"bucket": "nothere"}, {"key": "k"}, {"x-amz-algorithm": "AWS4-HMAC-SHA256"}, {"x-amz-credential": "`+postAKID+`/20260301/us-east-1/s3/aws4_request"}, {"x-amz-date": "20260301T120000Z"}]}`)), file: "x"}, 0, 404, "NoSuchBucket", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, _, _ := newPostEnv(t)
			e.clk.Advance(c.advance)
			before := e.blobCount()
			target := "/photos"
			if c.code == "NoSuchBucket" {
				target = "/nothere"
			}
			w := e.post(c.form, target)
			expectErr(t, w, c.status, c.code)
			for _, s := range c.body {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("body lacks %s:\n%s", s, w.Body.String())
				}
			}
			if n := e.blobCount(); n != before {
				t.Errorf("%d blobs left behind", n-before)
			}
			e.mustDo(404, "GET", "/photos/k", "")
		})
	}
}

// resign replaces the policy with doc and signs it again.
func resign(fields [][2]string, doc string) [][2]string {
	out := withFields(fields)
	policy := postpolicy.Encode([]byte(doc))
	for i := range out {
		switch out[i][0] {
		case "policy":
			out[i][1] = policy
		case "x-amz-signature":
			out[i][1] = postpolicy.SignV4(secret.New(postSecret), sigv4.Scope{Date: "20260301", Region: "us-east-1", Service: "s3"}, policy)
		}
	}
	return out
}

func TestPostObjectNotAForm(t *testing.T) {
	e, _, _ := newPostEnv(t)
	w := e.do("POST", "/photos", strings.NewReader("key=k"), "Content-Type", "application/x-www-form-urlencoded")
	expectErr(t, w, 412, "PreconditionFailed")
	if !strings.Contains(w.Body.String(), "<Condition>Bucket POST must be of the enclosure-type multipart/form-data</Condition>") {
		t.Errorf("body %s", w.Body.String())
	}
	expectErr(t, e.do("POST", "/photos", strings.NewReader("x"), "Content-Type", "multipart/form-data"), 400, "MalformedPOSTRequest")
	expectErr(t, e.do("POST", "/photos", strings.NewReader("garbage"), "Content-Type", "multipart/form-data; boundary=zz"), 400, "MalformedPOSTRequest")
}

// The lifetime rule: a policy signed with a session's credentials dies
// with the session, whatever its expiration says.
func TestPostObjectTemporaryCredentials(t *testing.T) {
	e, seen, keys := newPostEnv(t)
	form := func() formSpec {
		return formSpec{fields: withFields([][2]string{{"key", "tmp"}}, signedV4(postTemp, postToken, t0.Add(6*time.Hour), `{"key": "tmp"}`)...), file: "t"}
	}
	if w := e.post(form()); w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	if seen.authType != "POST" {
		t.Errorf("authorised %+v", *seen)
	}
	// Without its token the ASIA key is unknown.
	noToken := form()
	noToken.fields = withFields([][2]string{{"key", "tmp"}}, signedV4(postTemp, "", t0.Add(6*time.Hour), `{"key": "tmp"}`)...)
	expectErr(t, e.post(noToken), 403, "InvalidAccessKeyId")
	// One second before the session ends it works; at its end it is
	// ExpiredToken, five hours before the policy's own expiration.
	e.clk.Advance(time.Hour - time.Second)
	if w := e.post(form()); w.Code != 204 {
		t.Fatalf("just before expiry: %d %s", w.Code, w.Body.String())
	}
	e.clk.Advance(time.Second)
	w := e.post(form())
	expectErr(t, w, 400, "ExpiredToken")
	if !strings.Contains(w.Body.String(), "<Token-0>") || strings.Contains(w.Body.String(), postToken) {
		t.Errorf("body %s", w.Body.String())
	}
	// A terminated session ends its forms at once.
	e.clk.Set(t0)
	c, _ := keys.Lookup(context.Background(), postTemp)
	term := *c
	term.Terminated = true
	keys.Put(&term)
	expectErr(t, e.post(form()), 400, "ExpiredToken")
}

func TestPostObjectLocationVirtualHost(t *testing.T) {
	e, _, _ := newPostEnv(t)
	body, ct := formSpec{fields: withFields([][2]string{{"key", "v/h"}}, signedV4(postAKID, "", t0.Add(time.Hour), `{"key": "v/h"}`)...), file: "v"}.encode(t)
	r := httptest.NewRequest("POST", "http://photos.s3.localhost:9000/", bytes.NewReader(body))
	r.Header.Set("Content-Type", ct)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code != 204 || w.Header().Get("Location") != "http://photos.s3.localhost:9000/v%2Fh" {
		t.Fatalf("%d %q %s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	if _, err := url.Parse(w.Header().Get("Location")); err != nil {
		t.Fatal(err)
	}
}

// TestPostObjectVersionedSSE: a form upload answers how the object is
// encrypted at rest, and in a versioned bucket the version it made, as
// PutObject does.
func TestPostObjectVersionedSSE(t *testing.T) {
	e, _, _ := newPostEnv(t)
	fields := withFields([][2]string{{"key", "v.txt"}}, signedV4(postAKID, "", t0.Add(time.Hour), `["starts-with", "$key", ""]`)...)
	w := e.post(formSpec{fields: fields, file: "one"})
	if w.Code != 204 || w.Header().Get("x-amz-server-side-encryption") != "AES256" || w.Header().Get("x-amz-version-id") != "" {
		t.Fatalf("POST to a bucket never versioned: %d %v", w.Code, w.Header())
	}
	e.mustDo(200, "PUT", "/photos?versioning", `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)
	w = e.post(formSpec{fields: fields, file: "two"})
	if w.Code != 204 || w.Header().Get("x-amz-server-side-encryption") != "AES256" || w.Header().Get("x-amz-version-id") == "" {
		t.Fatalf("POST to a versioned bucket: %d %v", w.Code, w.Header())
	}
	g := e.mustDo(200, "GET", "/photos/v.txt?versionId="+w.Header().Get("x-amz-version-id"), "")
	if g.Body.String() != "two" || g.Header().Get("x-amz-server-side-encryption") != "AES256" {
		t.Errorf("GET of the POSTed version: %q %v", g.Body.String(), g.Header())
	}
}
