package s3api

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"signet/internal/authn"
)

const testAccount = "123456789012"

// controlErr decodes an S3 Control error: S3's <Error> one level down in
// <ErrorResponse>, with the request ID beside it.
type controlErr struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Code, Message, AccountId string
	}
	RequestId, HostId string
}

func expectControlErr(t *testing.T, w *httptest.ResponseRecorder, status int, code, message string) controlErr {
	t.Helper()
	var e controlErr
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body.String())
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("body %s: %v", w.Body.String(), err)
	}
	if e.Error.Code != code || e.Error.Message != message {
		t.Fatalf("error %q %q, want %q %q", e.Error.Code, e.Error.Message, code, message)
	}
	if e.RequestId == "" || e.RequestId != w.Header().Get("x-amz-request-id") || e.HostId == "" {
		t.Fatalf("request id %q, host id %q, header %q", e.RequestId, e.HostId, w.Header().Get("x-amz-request-id"))
	}
	return e
}

// controlDo sends an S3 Control request as the SDKs do: the account both
// prefixed to the endpoint's host and in x-amz-account-id.
func (e *env) controlDo(method, account, body string, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, "/v20180820/configuration/publicAccessBlock", nil)
	if rd != nil {
		r = httptest.NewRequest(method, "/v20180820/configuration/publicAccessBlock", rd)
	}
	r.Host = account + ".localhost:9000"
	r.Header.Set("x-amz-account-id", account)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func withAccount(c *Config) { c.Account = testAccount }

const controlBody = `<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`

// TestAccountPublicAccessBlock: Put, Get and Delete of the account's
// configuration, with S3 Control's namespace and error envelope; the
// account's Host prefix is never read as a bucket.
func TestAccountPublicAccessBlock(t *testing.T) {
	e := newEnv(t, withAccount)
	e.bucket(testAccount) // a bucket the Host prefix would name, untouched
	e.put(testAccount, "configuration/publicAccessBlock", "not the account's")

	got := expectControlErr(t, e.controlDo("GET", testAccount, ""), 404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
	if got.Error.AccountId != testAccount {
		t.Errorf("AccountId %q", got.Error.AccountId)
	}
	if w := e.controlDo("PUT", testAccount, controlBody); w.Code != 200 || w.Body.Len() != 0 {
		t.Fatalf("PUT: %d %s", w.Code, w.Body.String())
	}
	w := e.controlDo("GET", testAccount, "")
	want := xmlHeader + `<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != want {
		t.Fatalf("GET: %d\n%s\nwant\n%s", w.Code, w.Body.String(), want)
	}
	// The bucket the Host prefix names, and its object, are as they were.
	if w := e.mustDo(200, "GET", "/"+testAccount+"/configuration/publicAccessBlock", ""); w.Body.String() != "not the account's" {
		t.Fatalf("object changed: %q", w.Body.String())
	}
	if w := e.controlDo("DELETE", testAccount, ""); w.Code != 204 {
		t.Fatalf("DELETE: %d %s", w.Code, w.Body.String())
	}
	expectControlErr(t, e.controlDo("GET", testAccount, ""), 404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
	if w := e.controlDo("DELETE", testAccount, ""); w.Code != 204 {
		t.Fatalf("DELETE of none: %d %s", w.Code, w.Body.String())
	}
}

// TestAccountPublicAccessBlockRefusals: another account, a body that is
// not the configuration, a wrong digest, another method or another S3
// Control resource.
func TestAccountPublicAccessBlockRefusals(t *testing.T) {
	e := newEnv(t, withAccount)
	for _, acct := range []string{"210987654321", "12345678901", "not-an-account", testAccount + "0"} {
		expectControlErr(t, e.controlDo("PUT", acct, controlBody), 403, "AccessDenied", "Access Denied")
		expectControlErr(t, e.controlDo("GET", acct, ""), 403, "AccessDenied", "Access Denied")
	}
	for _, body := range []string{"", "<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>", "<Other/>", "<PublicAccessBlockConfiguration><BlockPublicAcls>true"} {
		w := e.controlDo("PUT", testAccount, body)
		if w.Code != 400 {
			t.Errorf("PUT %q: %d %s", body, w.Code, w.Body.String())
		}
	}
	expectControlErr(t, e.controlDo("PUT", testAccount, controlBody, "Content-MD5", contentMD5("other")), 400, "BadDigest", codes[codeBadDigest].message)
	if w := e.controlDo("PUT", testAccount, controlBody, "Content-MD5", contentMD5(controlBody)); w.Code != 200 {
		t.Fatalf("PUT with a right Content-MD5: %d %s", w.Code, w.Body.String())
	}
	expectControlErr(t, e.controlDo("POST", testAccount, controlBody), 405, "MethodNotAllowed", codes[codeMethodNotAllowed].message)
	r := httptest.NewRequest("GET", "/v20180820/accesspoint", nil)
	r.Header.Set("x-amz-account-id", testAccount)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if got := expectControlErr(t, w, 501, "NotImplemented", w2msg(w)); !strings.Contains(got.Error.Message, "S3 Control") {
		t.Errorf("message %q", got.Error.Message)
	}
	// Without the header the path is a bucket's, as for any S3 client.
	e.bucket("v20180820")
	e.mustDo(404, "HEAD", "/v20180820/configuration/publicAccessBlock", "")
	e.put("v20180820", "configuration/publicAccessBlock", "an object")
	e.mustDo(200, "GET", "/v20180820/configuration/publicAccessBlock", "")
}

// w2msg reads the message of an S3 Control error, for rows that check
// only the code.
func w2msg(w *httptest.ResponseRecorder) string {
	var e controlErr
	_ = xml.Unmarshal(w.Body.Bytes(), &e)
	return e.Error.Message
}

// TestAccountPublicAccessBlockAuthorisation: the actions AWS names, on
// resource "*"; Delete is authorised as Put.
func TestAccountPublicAccessBlockAuthorisation(t *testing.T) {
	var seen []string
	deny := authzFunc(func(_ *http.Request, _ *authn.Result, action, resource string) error {
		seen = append(seen, action+" "+resource)
		return errAccessDeniedAnon
	})
	e := newEnv(t, withAccount, func(c *Config) { c.Authz = deny })
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		expectControlErr(t, e.controlDo(m, testAccount, controlBody), 403, "AccessDenied", "Access Denied")
	}
	want := []string{"s3:GetAccountPublicAccessBlock *", "s3:PutAccountPublicAccessBlock *", "s3:PutAccountPublicAccessBlock *"}
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Fatalf("authorised %q, want %q", seen, want)
	}
	if p, err := e.meta.AccountPublicAccessBlock(t.Context()); err != nil || p != nil {
		t.Fatalf("a refused PUT stored %+v, %v", p, err)
	}
}
