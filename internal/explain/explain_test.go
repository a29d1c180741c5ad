package explain

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"signet/internal/adminwire"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

// The reasons are tested end to end in internal/server (explain_test.go),
// through the real server; these are the pieces underneath.

func TestRequestTarget(t *testing.T) {
	cases := map[string]string{
		"https://h/b/k?x=1#frag":       "/b/k?x=1",
		"http://h:9000/b/a%2Fb!c?q":    "/b/a%2Fb!c?q",
		"http://h?X-Amz-Signature=00":  "/?X-Amz-Signature=00",
		"http://h":                     "/",
		"http://h/b/%7e%20k?a=%2B&b=+": "/b/%7e%20k?a=%2B&b=+",
	}
	for in, want := range cases {
		if got := requestTarget(in); got != want {
			t.Errorf("requestTarget(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuildRequest(t *testing.T) {
	in := adminwire.ExplainRequest{URL: "https://s3.example.com/b/a%2Fb?X-Amz-Signature=00", Method: "PUT",
		Headers: map[string][]string{"host": {"proxy.internal:8080"}, "content-type": {"image/png"}, "Content-Length": {"12"}}}
	r, u, err := buildRequest(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != "PUT" || r.Host != "proxy.internal:8080" || r.RequestURI != "/b/a%2Fb?X-Amz-Signature=00" || u.Host != "s3.example.com" {
		t.Errorf("request %s %s host %s, URL host %s", r.Method, r.RequestURI, r.Host, u.Host)
	}
	if r.Header.Get("Content-Type") != "image/png" || r.Header.Get("Host") != "" || r.ContentLength != 12 || r.TLS == nil {
		t.Errorf("headers %v, length %d, TLS %v", r.Header, r.ContentLength, r.TLS)
	}
	if r.Body != http.NoBody {
		t.Error("the built request has a body")
	}
	// The path reaches the signer's view byte for byte.
	if got := sigv4.FromHTTP(r).EscapedPath; got != "/b/a%2Fb" {
		t.Errorf("escaped path %q", got)
	}
	for _, bad := range []adminwire.ExplainRequest{{URL: "http://h/%zz"}, {URL: "mailto:a@b"}, {URL: "http://h/", Method: "G T"}} {
		_, _, err := buildRequest(t.Context(), bad)
		var re *RequestError
		if !errors.As(err, &re) || re.Message == "" {
			t.Errorf("%+v: %v, want a RequestError", bad, err)
		}
	}
}

func TestReadAuthOfARefusedURL(t *testing.T) {
	// X-Amz-Expires over the limit: the parser refuses the URL, but its
	// key and window are still read.
	signed := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: "GET", URL: "http://h/b/k",
		Credentials: sigv4.Credentials{AccessKeyID: "AKIAEXAMPLE000000001", SecretAccessKey: secret.New("s"), SessionToken: "tok+en/="}, Region: "us-east-1", Service: "s3", Time: signed, Expires: 8 * 24 * time.Hour, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := buildRequest(t.Context(), adminwire.ExplainRequest{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	a := readAuth(r)
	if a.version != versionV4 || !a.presigned || a.keyID != "AKIAEXAMPLE000000001" || a.token != "tok+en/=" ||
		!a.window || !a.signedAt.Equal(signed) || a.expires != 8*24*time.Hour {
		t.Errorf("read %+v", a)
	}
}

func TestPathVariantFound(t *testing.T) {
	creds := sigv4.Credentials{AccessKeyID: "AKIAEXAMPLE000000001", SecretAccessKey: secret.New("secret-example")}
	signed := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: "GET", URL: "http://h/b/a%20b", Credentials: creds, Region: "us-east-1", Service: "s3", Time: signed,
		Expires: time.Hour, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	// A proxy encoded the path a second time.
	sent := strings.Replace(u, "/b/a%20b", "/b/a%2520b", 1)
	r, pu, err := buildRequest(t.Context(), adminwire.ExplainRequest{URL: sent})
	if err != nil {
		t.Fatal(err)
	}
	check, err := checkV4(r, pu, readAuth(r), creds.SecretAccessKey)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(check.Hint, "the path was encoded differently (signed as '/b/a%20b', sent as '/b/a%2520b')") || check.DiffLine != 2 {
		t.Errorf("hint %q, diff line %d", check.Hint, check.DiffLine)
	}
	// With the wrong secret nothing matches, and nothing is claimed.
	check, err = checkV4(r, pu, readAuth(r), secret.New("another-secret"))
	if err != nil {
		t.Fatal(err)
	}
	if check.SignedCanonicalRequest != "" || check.DiffLine != 0 || !strings.Contains(check.Hint, "another secret") {
		t.Errorf("wrong secret: %+v", check)
	}
}

func TestHostCandidates(t *testing.T) {
	cases := []struct {
		url, sent string
		want      []string
	}{
		{"https://s3.example.com/b/k", "s3.example.com:443", []string{"s3.example.com"}},
		{"https://s3.example.com/b/k", "cdn.example.com", []string{"s3.example.com", "s3.example.com:443", "cdn.example.com:443"}},
		{"http://[::1]:80/b", "proxy:8080", []string{"[::1]:80", "[::1]"}},
		{"http://h:9000/b", "h:9000", nil},
	}
	for _, c := range cases {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := hostCandidates(u, c.sent); !slices.Equal(got, c.want) {
			t.Errorf("hostCandidates(%s, %s) = %q, want %q", c.url, c.sent, got, c.want)
		}
	}
}

func TestPathCandidates(t *testing.T) {
	got := pathCandidates("/b/a%20b")
	want := []string{"/b/a b", "/b/a%2520b"}
	if !slices.Equal(got, want) {
		t.Errorf("candidates %q, want %q", got, want)
	}
	if got := pathCandidates("/b/a!b"); !slices.Contains(got, "/b/a%21b") {
		t.Errorf("candidates of an unencoded '!': %q", got)
	}
}

func TestHeaderCandidates(t *testing.T) {
	q := map[string][]string{"Content-Type": {"image/png"}, "x": {"y"}}
	got := headerCandidates("content-type", "text/plain", q)
	if len(got) < 3 || got[0].present || got[1] != (headerValue{"image/png", true}) {
		t.Errorf("candidates %+v: absent first, then the URL's value", got)
	}
	for _, c := range got {
		if c.present && c.value == "text/plain" {
			t.Error("the value as sent is a candidate")
		}
	}
	if got := headerCandidates("x-amz-meta-a", "", nil); len(got) != 0 {
		t.Errorf("candidates of an unsent header with no hint: %+v", got)
	}
}

func TestRedact(t *testing.T) {
	token := "IQo+Jb3/SeCrEt=="
	s := "X-Amz-Security-Token=" + sigv4.URIEncode(token, true) + "\nx-amz-security-token:" + token
	got := maskToken(s, token)
	sum := sha256.Sum256([]byte(token))
	mask := "REDACTED(sha256:" + hex.EncodeToString(sum[:4]) + ")"
	if strings.Contains(got, "SeCrEt") || strings.Count(got, mask) != 2 {
		t.Errorf("redact = %q", got)
	}
	if maskToken(s, "") != s {
		t.Error("nothing to redact changed the text")
	}
}

func TestConditionOn(t *testing.T) {
	list := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"AWS:TokenIssueTime":"2026-11-27T10:05:00Z"}}}]}`
	if got := conditionOn(list, 1, "aws:TokenIssueTime"); got != "DateLessThan 2026-11-27T10:05:00Z" {
		t.Errorf("conditionOn = %q", got)
	}
	one := `{"Statement":{"Effect":"Deny","Condition":{"DateLessThanEquals":{"aws:TokenIssueTime":["a","b"]}}}}`
	if got := conditionOn(one, 0, "aws:TokenIssueTime"); got != "DateLessThanEquals a or b" {
		t.Errorf("conditionOn of a single statement = %q", got)
	}
	for _, c := range []struct {
		doc   string
		index int
	}{{list, 0}, {list, 2}, {"not json", 0}, {"", 0}} {
		if got := conditionOn(c.doc, c.index, "aws:TokenIssueTime"); got != "" {
			t.Errorf("conditionOn(%.20q, %d) = %q, want nothing", c.doc, c.index, got)
		}
	}
}
