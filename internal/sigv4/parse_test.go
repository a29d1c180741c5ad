package sigv4

import (
	"bufio"
	"net/http"
	"signet/internal/secret"
	"strings"
	"sync"
	"testing"
	"time"
)

func headerReq(authz string, kv ...string) *Request {
	h := http.Header{}
	if authz != "" {
		h.Set("Authorization", authz)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return &Request{Method: "GET", Host: "h", EscapedPath: "/", Header: h}
}

const goodCred = "AKID/20130524/us-east-1/s3/aws4_request"

func TestParseHeaderTolerance(t *testing.T) {
	sig := strings.Repeat("a", 64)
	for _, authz := range []string{
		"AWS4-HMAC-SHA256 Credential=" + goodCred + ", SignedHeaders=host;x-amz-date, Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential=" + goodCred + ",SignedHeaders=host;x-amz-date,Signature=" + sig,
		"  AWS4-HMAC-SHA256    Signature=" + sig + " ,  Credential=" + goodCred + " ,SignedHeaders=host;x-amz-date  ",
		"AWS4-HMAC-SHA256\tSignedHeaders=host;x-amz-date, Signature=" + sig + ", Credential=" + goodCred,
	} {
		a, err := ParseHeader(headerReq(authz, "X-Amz-Date", "20130524T000000Z", "X-Amz-Content-Sha256", EmptySHA256, "X-Amz-Security-Token", "tok"))
		if err != nil {
			t.Fatalf("%q: %v", authz, err)
		}
		if a.AccessKeyID != "AKID" || a.Scope != (Scope{"20130524", "us-east-1", "s3"}) || a.Signature != sig ||
			strings.Join(a.SignedHeaders, ";") != "host;x-amz-date" || a.PayloadHash != EmptySHA256 ||
			a.SecurityToken != "tok" || a.Kind != HeaderAuth || !a.Date.Equal(time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("%q: %+v", authz, a)
		}
	}
}

func TestParseHeaderErrors(t *testing.T) {
	sig := strings.Repeat("a", 64)
	ok := "AWS4-HMAC-SHA256 Credential=" + goodCred + ", SignedHeaders=host, Signature=" + sig
	date := []string{"X-Amz-Date", "20130524T000000Z"}
	cases := []struct {
		authz string
		hdr   []string
		want  Reason
	}{
		{"", date, ReasonHeaderMalformed},
		{"AWS Credential=x", date, ReasonUnsupportedAlgorithm},
		{"AWS4-HMAC-SHA256", date, ReasonHeaderMalformed},
		{"AWS4-HMAC-SHA256 Credential=" + goodCred + ", SignedHeaders=host", date, ReasonHeaderMalformed},
		{ok + ", Signature=" + sig, date, ReasonHeaderMalformed},
		{ok + ", Extra=1", date, ReasonHeaderMalformed},
		{ok + ", junk", date, ReasonHeaderMalformed},
		{strings.Replace(ok, goodCred, "AKID/2013052/us-east-1/s3/aws4_request", 1), date, ReasonCredentialMalformed},
		{strings.Replace(ok, goodCred, "AKID/20130524/us-east-1/s3", 1), date, ReasonCredentialMalformed},
		{strings.Replace(ok, "host", "host;", 1), date, ReasonHeaderMalformed},
		{strings.Replace(ok, "host", "host;;range", 1), date, ReasonHeaderMalformed},
		{ok, nil, ReasonMissingDate},
		{ok, []string{"X-Amz-Date", "2013-05-24T00:00:00Z"}, ReasonBadDateFormat},
		{ok, []string{"X-Amz-Date", "20130231T000000Z"}, ReasonBadDateFormat},
		{ok, []string{"X-Amz-Date", "20130524T240000Z"}, ReasonBadDateFormat},
		{ok, []string{"Date", "yesterday"}, ReasonBadDateFormat},
		{ok, []string{"X-Amz-Date", "20130525T000000Z"}, ReasonCredentialDateMismatch},
	}
	for _, c := range cases {
		_, err := ParseHeader(headerReq(c.authz, c.hdr...))
		wantReason(t, err, c.want)
		if err.(*Error).Kind != HeaderAuth {
			t.Fatalf("kind %v", err.(*Error).Kind)
		}
	}
}

func TestParseHeaderDateForms(t *testing.T) {
	ok := "AWS4-HMAC-SHA256 Credential=AKID/19941106/us-east-1/s3/aws4_request, SignedHeaders=host;date, Signature=" + strings.Repeat("a", 64)
	for _, d := range []string{"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 +0000"} {
		a, err := ParseHeader(headerReq(ok, "Date", d))
		if err != nil {
			t.Fatalf("%q: %v", d, err)
		}
		if a.AmzDate != "19941106T084937Z" {
			t.Fatalf("%q: AmzDate %q", d, a.AmzDate)
		}
	}
	// X-Amz-Date wins over Date.
	a, err := ParseHeader(headerReq(strings.Replace(ok, "19941106", "20130524", 1), "Date", "Sun, 06 Nov 1994 08:49:37 GMT", "X-Amz-Date", "20130524T000000Z"))
	if err != nil || a.AmzDate != "20130524T000000Z" {
		t.Fatalf("%v %+v", err, a)
	}
}

func queryReq(q string) *Request {
	return &Request{Method: "GET", Host: "h", EscapedPath: "/", RawQuery: q}
}

func TestParseQuery(t *testing.T) {
	base := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host%3Brange&X-Amz-Signature=abc"
	a, err := ParseQuery(queryReq("a=1&" + base + "&X-Amz-Security-Token=t%2Bo+k"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Expires != 604800 || a.AccessKeyID != "AKID" || a.SecurityToken != "t+o k" || a.PayloadHash != UnsignedPayload ||
		strings.Join(a.SignedHeaders, ",") != "host,range" || a.Kind != QueryAuth || a.Signature != "abc" {
		t.Fatalf("%+v", a)
	}
	a, err = ParseQuery(queryReq(base + "&X-Amz-Content-Sha256=" + EmptySHA256))
	if err != nil || a.PayloadHash != EmptySHA256 {
		t.Fatalf("%v %+v", err, a)
	}
	cases := []struct {
		from, to string
		want     Reason
		detail   string
	}{
		{"X-Amz-Signature=abc", "", ReasonMissingQueryParams, "X-Amz-Signature"},
		{"X-Amz-Signature=abc", "X-Amz-Signature=", ReasonMissingQueryParams, "X-Amz-Signature"},
		{"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential", "X-Amz-Credential", ReasonMissingQueryParams, "X-Amz-Algorithm"},
		{"X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", ReasonUnsupportedAlgorithm, "AWS4-ECDSA-P256-SHA256"},
		{"X-Amz-Expires=604800", "X-Amz-Expires=604801", ReasonExpiresTooLarge, "604801"},
		{"X-Amz-Expires=604800", "X-Amz-Expires=-1", ReasonExpiresNegative, "-1"},
		{"X-Amz-Expires=604800", "X-Amz-Expires=1.5", ReasonExpiresNotNumber, "1.5"},
		{"X-Amz-Expires=604800", "X-Amz-Expires=%2B5", ReasonExpiresNotNumber, "+5"},
		{"X-Amz-Expires=604800", "X-Amz-Expires=-", ReasonExpiresNotNumber, "-"},
		{"X-Amz-Date=20130524T000000Z", "X-Amz-Date=20130524T000000", ReasonBadDateFormat, "20130524T000000"},
		{"X-Amz-Date=20130524T000000Z", "X-Amz-Date=20130525T000000Z", ReasonCredentialDateMismatch, "20130524"},
		{"%2Faws4_request", "%2Faws4", ReasonCredentialMalformed, ""},
		{"AKID%2F", "%2F", ReasonCredentialMalformed, ""},
		{"host%3Brange", "host%3B", ReasonHeaderMalformed, ""},
	}
	for _, c := range cases {
		q := strings.Replace(base, c.from, c.to, 1)
		if q == base {
			t.Fatalf("%q not applied", c.from)
		}
		_, err := ParseQuery(queryReq(q))
		e := wantReason(t, err, c.want)
		if c.detail != "" && e.Detail != c.detail {
			t.Fatalf("%q: detail %q want %q", q, e.Detail, c.detail)
		}
	}
	// Zero and "-0" parse (the URL is simply already expired); 604800 is OK.
	for _, v := range []string{"0", "-0", "000604800"} {
		if _, err := ParseQuery(queryReq(strings.Replace(base, "604800", v, 1))); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
	}
	// An encoded parameter name is still recognised.
	if _, err := ParseQuery(queryReq(strings.Replace(base, "X-Amz-Date", "X-Amz%2DDate", 1))); err != nil {
		t.Fatal(err)
	}
}

func TestParseCredential(t *testing.T) {
	for _, c := range []struct {
		in   string
		akid string
		ok   bool
	}{
		{goodCred, "AKID", true},
		{"AK/ID/20130524/us-east-1/s3/aws4_request", "AK/ID", true},
		{"/20130524/us-east-1/s3/aws4_request", "", false},
		{"AKID/20130524//s3/aws4_request", "", false},
		{"AKID/20130524/us-east-1//aws4_request", "", false},
		{"AKID/2013052a/us-east-1/s3/aws4_request", "", false},
		{"AKID/20130524/us-east-1/s3/aws4_request/", "", false},
		{"", "", false},
	} {
		akid, sc, ok := ParseCredential(c.in)
		if ok != c.ok || akid != c.akid {
			t.Errorf("%q: %q %v %v", c.in, akid, sc, ok)
		}
		if ok && akid+"/"+sc.String() != c.in {
			t.Errorf("%q does not round-trip", c.in)
		}
	}
}

func TestURIEncode(t *testing.T) {
	for _, c := range []struct{ in, slash, noslash string }{
		{"", "", ""},
		{"abcXYZ019-._~", "abcXYZ019-._~", "abcXYZ019-._~"},
		{"a b/c+d=e&f%", "a%20b%2Fc%2Bd%3De%26f%25", "a%20b/c%2Bd%3De%26f%25"},
		{"ሴ", "%E1%88%B4", "%E1%88%B4"},
	} {
		if got := URIEncode(c.in, true); got != c.slash {
			t.Errorf("URIEncode(%q, true) = %q", c.in, got)
		}
		if got := URIEncode(c.in, false); got != c.noslash {
			t.Errorf("URIEncode(%q, false) = %q", c.in, got)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"", ""},
		{"acl", "acl="},
		{"b=2&a=1&a=", "a=&a=1&b=2"},
		{"k=a-b&k=a%2Fb", "k=a%2Fb&k=a-b"}, // sorted after encoding
		{"a=1&%C3%A9=2", "%C3%A9=2&a=1"},   // encoded names order
		{"k=a+b&k=a%2Bb&k=a%20b", "k=a%20b&k=a%20b&k=a%2Bb"}, // '+' is a space
		{"k=%7e%41%2f%2F", "k=~A%2F%2F"},                     // unreserved decoded, hex upper-cased
		{"k=%zz&k=100%&j=1", "j=1"},                          // malformed escapes: dropped, as url.ParseQuery does
		{"a=1&&b=2&", "a=1&b=2"},
		{"=v", "=v"},
		{"k=a;b", ""}, // url.ParseQuery drops it, so the router never sees it
		{"k=a%3Bb", "k=a%3Bb"},
		{"X-Amz-Signature=x&a=1", "a=1"},
		{"X-Amz-Signature=x&X-Amz-Signature=y&a=1", "a=1"},
		{"X-Amz%2DSignature=x&a=1", "a=1"},
	} {
		if got := CanonicalQuery(c.in, true); got != c.out {
			t.Errorf("CanonicalQuery(%q) = %q, want %q", c.in, got, c.out)
		}
	}
	if got := CanonicalQuery("X-Amz-Signature=x&a=1", false); got != "X-Amz-Signature=x&a=1" {
		t.Errorf("signature kept: %q", got)
	}
	// Many pairs take the heapsort path.
	var parts []string
	for i := 40; i > 0; i-- {
		parts = append(parts, "p"+string(rune('a'+i%26))+"="+strings.Repeat("x", i%7))
	}
	got := strings.Split(CanonicalQuery(strings.Join(parts, "&"), false), "&")
	for i := 1; i < len(got); i++ {
		if got[i-1] > got[i] && strings.Split(got[i-1], "=")[0] != strings.Split(got[i], "=")[0] {
			t.Fatalf("not sorted: %v", got)
		}
	}
}

func TestCanonicalURI(t *testing.T) {
	for _, c := range []struct {
		in   string
		mode Mode
		out  string
	}{
		{"", S3, "/"},
		{"/a//b/./c/../d%2f%20+", S3, "/a//b/./c/../d%2f%20+"},
		{"", Generic, "/"},
		{"/a//b/./c/../d", Generic, "/a/b/d"},
		{"/a/b/..", Generic, "/a"},
		{"/a%20b/", Generic, "/a%2520b/"},
		{"/..", Generic, "/"},
		{"/a//./", GenericUnnormalized, "/a//./"},
	} {
		if got := CanonicalURI(c.in, c.mode); got != c.out {
			t.Errorf("CanonicalURI(%q, %v) = %q, want %q", c.in, c.mode, got, c.out)
		}
	}
}

func TestCanonicalHeaders(t *testing.T) {
	h := http.Header{
		"My-Header":  {"  a   b\t\tc  ", "\"x  y\""},
		"Folded":     {"v1\r\n   v2\n\tv3"},
		"lower-only": {"raw"},
	}
	got := CanonicalHeaders(h, " example.com:8080 ", []string{"folded", "host", "lower-only", "missing", "my-header"})
	want := "folded:v1 v2 v3\nhost:example.com:8080\nlower-only:raw\nmissing:\nmy-header:a b c,\"x y\"\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestFromHTTP(t *testing.T) {
	raw := "GET /b/a%2fb/%7e//./x?k=a+b&z HTTP/1.1\r\nHost: bucket.example.com:9000\r\n\r\n"
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	req := FromHTTP(r)
	if req.EscapedPath != "/b/a%2fb/%7e//./x" || req.RawQuery != "k=a+b&z" || req.Host != "bucket.example.com:9000" || req.Method != "GET" {
		t.Fatalf("%+v", req)
	}
	raw = "GET http://bucket.example.com/k%20y?x=1 HTTP/1.1\r\nHost: bucket.example.com\r\n\r\n"
	r, err = http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if req := FromHTTP(r); req.EscapedPath != "/k%20y" || req.RawQuery != "x=1" {
		t.Fatalf("absolute form: %+v", req)
	}
	// Without RequestURI (a client-side request), the URL's escaped path.
	r2, _ := http.NewRequest("GET", "https://h/a%2Fb?q=1", nil)
	if req := FromHTTP(r2); req.EscapedPath != "/a%2Fb" || req.RawQuery != "q=1" || req.Host != "h" {
		t.Fatalf("%+v", req)
	}
}

func TestKeyCache(t *testing.T) {
	c := NewKeyCache(3)
	sc := Scope{"20130524", "us-east-1", "s3"}
	k1 := c.Get("A", secret.New("secret1"), sc)
	if string(k1) != string(SigningKey(secret.New("secret1"), sc)) {
		t.Fatal("wrong key")
	}
	if &c.Get("A", secret.New("secret1"), sc)[0] != &k1[0] {
		t.Fatal("second Get should hit the cache")
	}
	// A rotated secret must not get the old key.
	if k := c.Get("A", secret.New("secret2"), sc); string(k) != string(SigningKey(secret.New("secret2"), sc)) {
		t.Fatal("rotated secret served stale key")
	}
	for i := 0; i < 10; i++ {
		c.Get("B", secret.New("s"), Scope{"20130524", "r" + string(rune('a'+i)), "s3"})
	}
	if c.Len() > 3 {
		t.Fatalf("cache grew to %d", c.Len())
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				s := Scope{"20130524", "r" + string(rune('a'+(i+g)%5)), "s3"}
				if k := c.Get("C", secret.New("sec"), s); string(k) != string(SigningKey(secret.New("sec"), s)) {
					t.Error("wrong key under concurrency")
					return
				}
			}
		}(g)
	}
	wg.Wait()
	if c.Len() > 3 {
		t.Fatalf("cache grew to %d", c.Len())
	}
}

func TestPresignErrors(t *testing.T) {
	c := Credentials{AccessKeyID: "A", SecretAccessKey: secret.New("S")}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := Presign(PresignInput{
		Method: "GET", URL: "https://h/k", Credentials: Credentials{}, Region: "r", Service: "s3", Time: now,
		Expires: time.Hour, Mode: S3,
	}); err == nil {
		t.Error("no credentials accepted")
	}
	if _, err := Presign(PresignInput{Method: "GET", URL: "/k", Credentials: c, Region: "r", Service: "s3", Time: now, Expires: time.Hour, Mode: S3}); err == nil {
		t.Error("no host accepted")
	}
	if _, err := Presign(PresignInput{
		Method: "GET", URL: "https://h/k", Credentials: c, Region: "r", Service: "s3", Time: now,
		Expires: 500 * time.Millisecond, Mode: S3,
	}); err == nil {
		t.Error("sub-second expiry accepted")
	}
	// Re-presigning replaces earlier auth parameters and keeps the rest.
	u1, err := Presign(PresignInput{Method: "GET", URL: "https://h/k?a=1", Credentials: c, Region: "r", Service: "s3", Time: now, Expires: time.Hour, Mode: S3})
	if err != nil {
		t.Fatal(err)
	}
	u2, err := Presign(PresignInput{Method: "GET", URL: u1, Credentials: c, Region: "r", Service: "s3", Time: now.Add(time.Minute), Expires: time.Hour, Mode: S3})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(u2, "X-Amz-Signature=") != 1 || !strings.Contains(u2, "?a=1&X-Amz-Algorithm") {
		t.Fatalf("re-presign: %s", u2)
	}
}
