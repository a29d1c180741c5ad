package sigv4_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"signet/internal/secret"
	"signet/internal/sigv4"
)

var authParams = []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}

// FuzzCanonicalSDKPresign: whatever key and query aws-sdk-go-v2 presigns,
// signet must verify. Header values are limited to printable ASCII without
// tabs: aws-sdk-go-v2 collapses only spaces, and trims Unicode spaces,
// where signet (like botocore and minio-go) collapses ASCII whitespace.
func FuzzCanonicalSDKPresign(f *testing.F) {
	for i, k := range diffKeys {
		q := diffQueries[i%len(diffQueries)]
		f.Add(k, q.Encode(), "text/plain")
	}
	f.Add("a", "k=a+b&k=a%2Bb&=v&&x", "  a   b ")
	f.Add("%zz", "%zz=1&a=%", "")
	signer := sdkS3Signer()
	at := mustTime("2026-03-01T12:34:56Z")
	f.Fuzz(func(t *testing.T, key, rawQuery, ctype string) {
		for i := 0; i < len(ctype); i++ {
			if ctype[i] < 0x20 || ctype[i] >= 0x7f {
				t.Skip("header value outside the agreed alphabet")
			}
		}
		cr, err := http.NewRequest("GET", "https://"+diffHost+"/bucket/"+sigv4.URIEncode(key, false), nil)
		if err != nil {
			t.Skip()
		}
		q, _ := url.ParseQuery(rawQuery) // the SDK reads the query this way too
		for name := range q {
			if slices.Contains(authParams, name) {
				t.Skip("auth parameters in the input query")
			}
		}
		cr.URL.RawQuery = rawQuery
		qq := cr.URL.Query()
		qq.Set("X-Amz-Expires", "900")
		cr.URL.RawQuery = qq.Encode()
		if strings.TrimSpace(ctype) != "" {
			cr.Header.Set("Content-Type", ctype)
		}
		signed, hdr, err := signer.PresignHTTP(t.Context(), sdkCreds, cr, sigv4.UnsignedPayload, "s3", diffRegion, at)
		if err != nil {
			t.Skip()
		}
		sr, err := http.NewRequest("GET", signed, nil)
		if err != nil {
			t.Fatalf("SDK produced an unparsable URL %q: %v", signed, err)
		}
		for k, v := range hdr {
			if k != "Host" {
				sr.Header[k] = v
			}
		}
		if _, _, err := verifyServer(overTheWire(t, sr), secret.New(diffSecret), sigv4.S3); err != nil {
			t.Fatalf("key %q query %q: %v\nURL %s", key, rawQuery, err, signed)
		}
	})
}

// FuzzCanonicalQuery compares CanonicalQuery with an independent
// implementation over url.ParseQuery (what both SDKs parse with), wherever
// url.ParseQuery accepts the input.
func FuzzCanonicalQuery(f *testing.F) {
	for _, q := range diffQueries {
		f.Add(q.Encode())
	}
	f.Add("k=a+b&k=a%2Bb&=v&&x&%7e=%7E")
	f.Fuzz(func(t *testing.T, raw string) {
		got := sigv4.CanonicalQuery(raw, false)
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		enc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
		var pairs [][2]string
		for k, vs := range q {
			for _, v := range vs {
				pairs = append(pairs, [2]string{enc(k), enc(v)})
			}
		}
		slices.SortFunc(pairs, func(a, b [2]string) int {
			if c := strings.Compare(a[0], b[0]); c != 0 {
				return c
			}
			return strings.Compare(a[1], b[1])
		})
		var parts []string
		for _, p := range pairs {
			parts = append(parts, p[0]+"="+p[1])
		}
		if want := strings.Join(parts, "&"); got != want {
			t.Fatalf("CanonicalQuery(%q)\n got %q\nwant %q", raw, got, want)
		}
	})
}

// FuzzParseHeader: no Authorization header, date or signed-header list may
// make parsing or verification panic.
func FuzzParseHeader(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature="+exampleHeaderSig, "20130524T000000Z", "")
	f.Add("AWS4-HMAC-SHA256 Signature=x,Credential=a/20130524/r/s/aws4_request,SignedHeaders=host", "", "Fri, 24 May 2013 00:00:00 GMT")
	f.Add("AWS4-HMAC-SHA256 Credential==,,SignedHeaders=;;", "2013", "Fri May 24 00:00:00 2013")
	f.Add("AWS4-HMAC-SHA256", "", "")
	key := make([]byte, 32)
	f.Fuzz(func(t *testing.T, authz, amzDate, date string) {
		h := http.Header{"Authorization": {authz}, "X-Amz-Content-Sha256": {sigv4.EmptySHA256}}
		if amzDate != "" {
			h.Set("X-Amz-Date", amzDate)
		}
		if date != "" {
			h.Set("Date", date)
		}
		req := &sigv4.Request{Method: "GET", Host: "h", EscapedPath: "/k", Header: h}
		a, err := sigv4.ParseHeader(req)
		if err != nil {
			if _, ok := err.(*sigv4.Error); !ok {
				t.Fatalf("untyped error %T", err)
			}
			return
		}
		if len(a.AmzDate) != 16 || a.Scope.Date != a.AmzDate[:8] || len(a.SignedHeaders) == 0 || a.AccessKeyID == "" {
			t.Fatalf("accepted inconsistent auth %+v", a)
		}
		_, err = sigv4.Verify(req, a, key, sigv4.S3)
		if disagree := sameVerdict(req, a, key, sigv4.S3, err); disagree != nil {
			t.Fatal(disagree)
		}
	})
}

// FuzzParseCredential: the X-Amz-Credential parser never panics and what it
// accepts round-trips.
func FuzzParseCredential(f *testing.F) {
	f.Add("AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request")
	f.Add("a/b/c/d/e/f")
	f.Add("////")
	f.Fuzz(func(t *testing.T, s string) {
		akid, sc, ok := sigv4.ParseCredential(s)
		if ok && akid+"/"+sc.String() != s {
			t.Fatalf("%q parsed as %q %+v", s, akid, sc)
		}
	})
}

// FuzzParseQuery: a presigned query never makes parsing or verification
// panic.
func FuzzParseQuery(f *testing.F) {
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=" + examplePresignSig)
	f.Add("X-Amz-Expires=-&X-Amz-Expires=99999999999999999999&X-Amz%2DDate=%")
	key := make([]byte, 32)
	f.Fuzz(func(t *testing.T, raw string) {
		req := &sigv4.Request{Method: "GET", Host: "h", EscapedPath: "/", RawQuery: raw, Header: http.Header{}}
		a, err := sigv4.ParseQuery(req)
		if err != nil {
			return
		}
		if a.Expires < 0 || a.Expires > sigv4.MaxExpires || a.Scope.Date != a.AmzDate[:8] {
			t.Fatalf("accepted %+v", a)
		}
		_, err = sigv4.Verify(req, a, key, sigv4.S3)
		if disagree := sameVerdict(req, a, key, sigv4.S3, err); disagree != nil {
			t.Fatal(disagree)
		}
	})
}
