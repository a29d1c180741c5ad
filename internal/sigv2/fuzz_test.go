package sigv2

import (
	"errors"
	"net/http"
	"net/url"
	"signet/internal/secret"
	"testing"
)

func fuzzRequest(path, rawQuery string, hdr map[string]string) *http.Request {
	r := &http.Request{
		Method:     "GET",
		URL:        &url.URL{Path: path, RawQuery: rawQuery},
		Header:     http.Header{},
		RequestURI: path + "?" + rawQuery,
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	return r
}

// FuzzParseHeader: any Authorization/Date/path/query never panics; a
// parsed header always yields a string to sign and a typed error or a
// verification whose signature is the one sent.
func FuzzParseHeader(f *testing.F) {
	f.Add("AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=", "Tue, 27 Mar 2007 19:36:42 +0000", "", "/awsexamplebucket1/photos/puppy.jpg", "")
	f.Add("AWS a:b:c", "", "x", "/b", "acl&uploads=&versionId=%zz&response-content-type=a%2Fb")
	f.Add("AWS :", "d", "", "", "&&==")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00", "d", "", "/", "")
	f.Fuzz(func(t *testing.T, auth, date, amzDate, path, query string) {
		r := fuzzRequest(path, query, map[string]string{"Authorization": auth, "Date": date, "X-Amz-Date": amzDate})
		a, err := ParseHeader(r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || a != nil {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if a.AccessKeyID == "" || a.Signature == "" || a.Date == "" {
			t.Fatalf("accepted incomplete %+v", a)
		}
		_ = StringToSign(r, a, "vb")
		v, err := Verify(r, a, secret.New("secret"), "")
		if err == nil && v.Signature != a.Signature {
			t.Fatal("verified a different signature")
		}
		if err != nil && !errors.Is(err, ErrSignatureMismatch) {
			t.Fatalf("Verify: %v", err)
		}
	})
}

// FuzzParseQuery: same for presigned queries.
func FuzzParseQuery(f *testing.F) {
	f.Add("/b/k", "AWSAccessKeyId=a&Expires=1&Signature=s%2B")
	f.Add("/b", "AWSAccessKeyId=a&Expires=-9223372036854775808&Signature=+&x-amz-security-token=t&content-type=x")
	f.Fuzz(func(t *testing.T, path, query string) {
		r := fuzzRequest(path, query, nil)
		a, err := ParseQuery(r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if _, err := Verify(r, a, secret.New("secret"), ""); err != nil && !errors.Is(err, ErrSignatureMismatch) {
			t.Fatal(err)
		}
	})
}
