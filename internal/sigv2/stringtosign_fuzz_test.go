package sigv2

import (
	"errors"
	"net/http"
	"net/url"
	"signet/internal/secret"
	"strings"
	"testing"
	"time"
)

// FuzzStringToSign builds SigV2 strings to sign from arbitrary methods,
// paths, queries and headers, and checks what must hold for any input: the
// string starts with the method, Content-MD5 and Content-Type lines and
// ends with a resource that starts with the bucket; signing it and
// verifying round-trips (header and presigned forms); another secret, or
// another method, never verifies.
func FuzzStringToSign(f *testing.F) {
	// Seeds from the package's tests: the documentation examples, the
	// resource table and the round trips.
	f.Add("GET", "/photos/puppy.jpg", "", "", "", "Tue, 27 Mar 2007 19:36:42 +0000", "", "", "johnsmith", false)
	f.Add("PUT", "/photos/puppy.jpg", "", "", "image/jpeg", "Tue, 27 Mar 2007 21:15:45 +0000", "", "", "johnsmith", false)
	f.Add("DELETE", "/johnsmith/photos/puppy.jpg", "", "", "", "Tue, 27 Mar 2007 21:20:27 +0000", "x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000", "", false)
	f.Add("PUT", "/db-backup.dat.gz", "", "4gJE4saaMU4BqNR0kLY+lw==", "application/x-download", "Tue, 27 Mar 2007 21:06:08 +0000", "X-Amz-Meta-ReviewedBy", "joe@johnsmith.net,jane@johnsmith.net", "static.johnsmith.net", false)
	f.Add("GET", "/b/k", "versionId=v%2F1&acl&prefix=x", "", "", "", "", "", "", true)
	f.Add("GET", "/b/k", "uploadId=u&partNumber=2", "", "", "", "", "", "", true)
	f.Add("POST", "/b/k", "uploads=", "", "", "", "", "", "", true)
	f.Add("GET", "/b/k", "response-content-disposition=attachment%3B%20filename%3D%22a%2Bb%22", "", "", "", "", "", "", true)
	f.Add("GET", "/b//k/./../x", "tagging&X-Amz-Meta=1&ACL", "", "", "", "x-amz-meta-a", "  folded\r\n value  ", "", false)
	f.Add("GET", "/b/dir/a%20b.txt", "versionId=v1&response-content-type=text%2Fplain&x-amz-security-token=T%2B%2F", "", "", "", "", "", "", true)
	f.Add("GET", "/b", "prefix=x", "", "", "", "", "", "", true)
	f.Fuzz(func(t *testing.T, method, path, rawQuery, contentMD5, contentType, date, amzName, amzValue, vb string, query bool) {
		if method == "" || strings.ContainsAny(method, " \t\r\n") {
			return // not a method a request line can carry
		}
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		if strings.ContainsAny(path, "?#") {
			return // the query is rawQuery
		}
		r := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: path, RawQuery: rawQuery},
			Header:     http.Header{},
			RequestURI: path + "?" + rawQuery,
		}
		if rawQuery == "" {
			r.RequestURI = path
		}
		for name, v := range map[string]string{"Content-Md5": contentMD5, "Content-Type": contentType, "Date": date} {
			if v != "" {
				r.Header.Set(name, v)
			}
		}
		if strings.HasPrefix(strings.ToLower(amzName), "x-amz-") {
			r.Header.Add(amzName, amzValue)
		}
		kind := HeaderAuth
		if query {
			kind = QueryAuth
		}
		a := &Auth{Kind: kind, AccessKeyID: "AKIDEXAMPLE", Expires: 1175139620}

		sts := StringToSign(r, a, vb)
		if again := StringToSign(r, a, vb); again != sts {
			t.Fatalf("StringToSign is not deterministic:\n%q\n%q", sts, again)
		}
		if !strings.HasPrefix(sts, method+"\n") {
			t.Fatalf("StringToSign does not start with the method line:\n%q", sts)
		}
		if want := method + "\n" + strings.TrimSpace(contentMD5) + "\n" + strings.TrimSpace(contentType) + "\n"; !query && !strings.HasPrefix(sts, want) {
			t.Fatalf("StringToSign does not start with %q:\n%q", want, sts)
		}
		res := resource(r, vb, variant{})
		if !strings.HasSuffix(sts, "\n"+res) {
			t.Fatalf("StringToSign does not end with the resource %q:\n%q", res, sts)
		}
		if want := "/" + vb; !strings.HasPrefix(res, want) {
			t.Fatalf("resource %q does not start with %q", res, want)
		}

		// Round trip: what is signed verifies, as the primary form.
		a.Signature = Sign(secret.New("secret"), sts)
		v, err := Verify(r, a, secret.New("secret"), vb)
		if err != nil || v.StringToSign != sts {
			t.Fatalf("a signature over StringToSign does not verify: %v\n%q", err, sts)
		}
		if _, err := Verify(r, a, secret.New("secret2"), vb); !errors.Is(err, ErrSignatureMismatch) {
			t.Fatalf("another secret verified (err %v)", err)
		}
		other := *r
		other.Method = method + "X"
		if _, err := Verify(&other, a, secret.New("secret"), vb); !errors.Is(err, ErrSignatureMismatch) {
			t.Fatalf("the signature verified for method %q too (err %v)", other.Method, err)
		}

		// Presign round trip, as a client builds the URL and the server
		// receives it.
		if q, err := url.ParseQuery(rawQuery); err == nil && (q.Has("AWSAccessKeyId") || q.Has("Expires") || q.Has("Signature")) {
			return
		}
		u, err := Presign(PresignInput{
			Method: method, URL: "http://example.com" + path + "?" + rawQuery, AccessKeyID: "AKIDEXAMPLE",
			SecretAccessKey: secret.New("secret"), Expires: time.Unix(1175139620, 0), VirtualBucket: vb,
		})
		if err != nil {
			return // not a URL net/url accepts
		}
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatalf("Presign returned %q, which does not parse: %v", u, err)
		}
		server := &http.Request{Method: method, URL: pu, Header: http.Header{}, RequestURI: pu.RequestURI()}
		pa, err := ParseQuery(server)
		if err != nil {
			t.Fatalf("the presigned URL %q does not parse: %v", u, err)
		}
		if _, err := Verify(server, pa, secret.New("secret"), vb); err != nil {
			t.Fatalf("the presigned URL %q does not verify: %v\nserver string to sign:\n%q", u, err, StringToSign(server, pa, vb))
		}
	})
}
