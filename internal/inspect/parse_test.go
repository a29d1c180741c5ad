package inspect

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"signet/internal/adminwire"
	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// AWS's documented example keys.
var (
	longTerm  = sigv4.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: secret.New("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")}
	temporary = sigv4.Credentials{AccessKeyID: "ASIAIOSFODNN7EXAMPLE", SecretAccessKey: secret.New("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
		SessionToken: "IQoJb3JpZ2luX2VjEXAMPLE+TOKEN/with==padding"}
	signedAt = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
)

func presign(t *testing.T, method, raw string, c sigv4.Credentials, expires time.Duration, h http.Header) string {
	t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: method, URL: raw, Credentials: c, Region: "us-east-1", Service: "s3", Time: signedAt, Expires: expires,
		Header: h, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustParse(t *testing.T, raw string) *URL {
	t.Helper()
	u, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse(%q): %v", raw, err)
	}
	return u
}

func TestVirtualHostDetection(t *testing.T) {
	cases := []struct {
		host, bucket, endpoint string
	}{
		{"presignedbucketexample.s3.amazonaws.com", "presignedbucketexample", "https://s3.amazonaws.com"},
		{"photos.s3.us-west-2.amazonaws.com", "photos", "https://s3.us-west-2.amazonaws.com"},
		{"photos.s3-us-west-2.amazonaws.com", "photos", "https://s3-us-west-2.amazonaws.com"},
		{"photos.s3.dualstack.eu-west-1.amazonaws.com", "photos", "https://s3.dualstack.eu-west-1.amazonaws.com"},
		{"photos.s3-accelerate.amazonaws.com", "photos", "https://s3-accelerate.amazonaws.com"},
		{"photos.s3.cn-north-1.amazonaws.com.cn", "photos", "https://s3.cn-north-1.amazonaws.com.cn"},
		{"my.dotted.bucket.s3.eu-west-1.amazonaws.com", "my.dotted.bucket", "https://s3.eu-west-1.amazonaws.com"},
		{"logs.s3.archive.s3.us-east-1.amazonaws.com", "logs.s3.archive", "https://s3.us-east-1.amazonaws.com"},
		{"s3-photos.s3.amazonaws.com", "s3-photos", "https://s3.amazonaws.com"},
		{"Photos.S3.Amazonaws.com", "photos", "https://s3.amazonaws.com"},
		{"photos.localhost", "photos", "https://localhost"},
		{"photos.localhost:9000", "photos", "https://localhost:9000"},
		{"photos.s3.localhost:9000", "photos", "https://s3.localhost:9000"},
		// Path style: the bucket is in the path.
		{"s3.amazonaws.com", "", "https://s3.amazonaws.com"},
		{"s3.us-east-1.amazonaws.com", "", "https://s3.us-east-1.amazonaws.com"},
		{"s3.dualstack.us-east-1.amazonaws.com", "", "https://s3.dualstack.us-east-1.amazonaws.com"},
		{"ec2.us-east-1.amazonaws.com", "", "https://ec2.us-east-1.amazonaws.com"},
		{"localhost:9000", "", "https://localhost:9000"},
		{"s3.localhost:9000", "", "https://s3.localhost:9000"},
		{"127.0.0.1:9000", "", "https://127.0.0.1:9000"},
		{"[::1]:9000", "", "https://[::1]:9000"},
		{"files.example.com", "", "https://files.example.com"},
	}
	for _, c := range cases {
		u, err := Parse("https://" + c.host + "/obj/x.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256")
		if u == nil {
			t.Fatalf("%s: %v", c.host, err)
		}
		wantStyle, wantBucket, wantKey := VirtualHosted, c.bucket, "obj/x.jpg"
		if c.bucket == "" {
			wantStyle, wantBucket, wantKey = PathStyle, "obj", "x.jpg"
		}
		if u.Style != wantStyle || u.Bucket != wantBucket || u.Key != wantKey || u.Endpoint != c.endpoint {
			t.Errorf("%s: style %s bucket %q key %q endpoint %q; want %s %q %q %q",
				c.host, u.Style, u.Bucket, u.Key, u.Endpoint, wantStyle, wantBucket, wantKey, c.endpoint)
		}
	}
}

func TestEncodedKey(t *testing.T) {
	raw := presign(t, "GET", "http://localhost:9000/b/a%20b/c%2Bd", longTerm, time.Hour, nil)
	u := mustParse(t, raw)
	if u.Bucket != "b" || u.Key != "a b/c+d" || u.EscapedKey != "a%20b/c%2Bd" {
		t.Fatalf("bucket %q key %q escaped %q", u.Bucket, u.Key, u.EscapedKey)
	}
	// The path is signed as written, never re-encoded or decoded.
	if creq := u.Rebuild("GET", nil).Request; !strings.HasPrefix(creq, "GET\n/b/a%20b/c%2Bd\n") {
		t.Errorf("canonical request starts %q", creq[:30])
	}
	// A '+' in a path is a plus, not a space; a malformed escape is kept.
	u = mustParse(t, "http://localhost:9000/b/1+1%zz?"+strings.SplitN(raw, "?", 2)[1])
	if u.Key != "1+1%zz" {
		t.Errorf("key %q", u.Key)
	}
}

// TestRebuildMatchesSigner holds Rebuild to the signer: signing the
// rebuilt string to sign with the secret gives the URL's signature, for
// every shape of URL. If inspect and the server canonicalised differently,
// a signature-mismatch diff would point at the wrong line.
func TestRebuildMatchesSigner(t *testing.T) {
	cases := []struct {
		name, url, method string
		c                 sigv4.Credentials
		header            http.Header
	}{
		{"virtual-hosted", "https://presignedbucketexample.s3.us-east-1.amazonaws.com/yawning-cat.jpg", "GET", longTerm, nil},
		{"temporary", "https://presignedbucketexample.s3.us-east-1.amazonaws.com/yawning-cat.jpg", "GET", temporary, nil},
		{"encoded key", "http://localhost:9000/b/a%20b/c%2Bd%2F~!*", "GET", longTerm, nil},
		{"overrides", "http://localhost:9000/b/k?response-content-disposition=attachment%3B%20filename%3D%22a%20b.jpg%22&versionId=3", "GET", longTerm, nil},
		{"put with type", "http://b.localhost:9000/k.png", "PUT", temporary, http.Header{"Content-Type": {"image/png"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := mustParse(t, presign(t, c.method, c.url, c.c, time.Hour, c.header))
			rb := u.Rebuild(c.method, c.header)
			if got := sigv4.SignatureHex(sigv4.SigningKey(c.c.SecretAccessKey, u.Scope), rb.StringToSign); got != u.Signature {
				t.Errorf("signature over the rebuilt request %s, URL has %s\n%s", got, u.Signature, rb.Request)
			}
			// Another method or a rewritten Host changes exactly one line.
			other := u.Rebuild("DELETE", c.header)
			if d := FirstDifference(rb.Request, other.Request); d.Line != 1 {
				t.Errorf("method change: first difference at line %d", d.Line)
			}
			h := http.Header{"Host": {"proxy.internal:8080"}}
			for k, v := range c.header {
				h[k] = v
			}
			moved := u.Rebuild(c.method, h)
			d := FirstDifference(rb.Request, moved.Request)
			if d.B != "host:proxy.internal:8080" || d.Col < len("host:") || d.A[:d.Col] != d.B[:d.Col] {
				t.Errorf("host change: %+v", d)
			}
		})
	}
}

func TestRebuildSigV2MatchesSigner(t *testing.T) {
	for _, raw := range []string{
		"http://localhost:9000/b/k%20x.jpg",
		"http://b.localhost:9000/k.jpg",
		"https://photos.s3.amazonaws.com/cat.jpg?x-amz-security-token=" + "tok%2Bx",
		"http://localhost:9000/b/k?response-content-type=image%2Fpng",
	} {
		bucket := ""
		if strings.Contains(raw, "b.localhost") {
			bucket = "b"
		} else if strings.Contains(raw, "photos.") {
			bucket = "photos"
		}
		signed, err := sigv2.Presign(sigv2.PresignInput{
			Method: "GET", URL: raw, AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: secret.New("secret"),
			Expires: signedAt, VirtualBucket: bucket,
		})
		if err != nil {
			t.Fatal(err)
		}
		u := mustParse(t, signed)
		if u.Version != SigV2 || !u.ExpiresAt.Equal(signedAt) {
			t.Fatalf("%s: version %s expires %s", raw, u.Version, u.ExpiresAt)
		}
		if got := sigv2.Sign(secret.New("secret"), u.Rebuild("GET", nil).StringToSign); got != u.Signature {
			t.Errorf("%s: signature over the rebuilt string %s, URL has %s", raw, got, u.Signature)
		}
	}
}

func TestDuplicateParameters(t *testing.T) {
	raw := presign(t, "GET", "http://localhost:9000/b/k", temporary, time.Hour, nil)
	u := mustParse(t, raw+"&X-Amz-Expires=60&X-Amz-Security-Token=second")
	if u.ExpiresIn != 3600 {
		t.Errorf("ExpiresIn %d, want the first occurrence 3600", u.ExpiresIn)
	}
	notes := strings.Join(u.Notes, "\n")
	if !strings.Contains(notes, `X-Amz-Expires appears 2 times; the server reads the first ("3600")`) {
		t.Errorf("notes %q", notes)
	}
	// A repeated token is noted without being shown.
	if !strings.Contains(notes, "X-Amz-Security-Token appears") || strings.Contains(notes, "second") {
		t.Errorf("token note %q", notes)
	}
}

func TestLowerCaseParameterNames(t *testing.T) {
	raw := presign(t, "GET", "http://localhost:9000/b/k", temporary, time.Hour, nil)
	_, query, _ := strings.Cut(raw, "?")
	lower := "http://localhost:9000/b/k?" + strings.ToLower(query[:strings.Index(query, "=")]) + query[strings.Index(query, "="):]
	u, err := Parse(lower) // only X-Amz-Algorithm is lower-cased
	e, ok := err.(*Error)
	if !ok || len(e.Problems) != 1 || !strings.Contains(e.Problems[0], "X-Amz-Algorithm is spelled x-amz-algorithm: parameter names are case-sensitive") {
		t.Fatalf("err %v", err)
	}
	if u == nil || u.AccessKeyID != temporary.AccessKeyID {
		t.Errorf("the rest should still be read: %+v", u)
	}

	// Everything lower-case: still recognised as SigV4, every name flagged.
	_, err = Parse("http://localhost:9000/b/k?" + strings.ToLower(query))
	if e, ok := err.(*Error); !ok || len(e.Problems) != 6 {
		t.Fatalf("all lower: %v", err)
	}

	// A lower-case token beside an otherwise valid URL is a note, not an error.
	u = mustParse(t, strings.Replace(raw, "X-Amz-Security-Token", "x-amz-security-token", 1))
	if u.HasSecurityToken() || !strings.Contains(strings.Join(u.Notes, " "), "spelled x-amz-security-token") {
		t.Errorf("token %v notes %q", u.HasSecurityToken(), u.Notes)
	}
}

func TestMalformed(t *testing.T) {
	good := presign(t, "GET", "http://localhost:9000/b/k", longTerm, time.Hour, nil)
	cases := []struct {
		name, url, want string
		partial         bool // the URL's parts are still returned
	}{
		{"not a URL", "presignedbucketexample/yawning-cat.jpg", "is not an http:// or https:// URL", false},
		{"ftp", "ftp://h/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256", "is not an http:// or https:// URL", false},
		{"no auth", "https://photos.s3.amazonaws.com/cat.jpg?versionId=1", "This is not a presigned URL", true},
		{"no signature", strings.Split(good, "&X-Amz-Signature=")[0], "Missing X-Amz-Signature: SigV4", true},
		{"cut at &", strings.Split(good, "&")[0], "Missing X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Expires", true},
		{"sigv4a", strings.Replace(good, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1), "SigV4A", true},
		{"credential", strings.Replace(good, "%2Faws4_request", "", 1), "X-Amz-Credential", true},
		{"date", strings.Replace(good, "X-Amz-Date=20130524T000000Z", "X-Amz-Date=2013-05-24", 1), "X-Amz-Date \"2013-05-24\" is not in the form", true},
		{"scope date", strings.Replace(good, "X-Amz-Date=20130524T", "X-Amz-Date=20130525T", 1), "is not X-Amz-Date's day 20130525", true},
		{"negative", strings.Replace(good, "X-Amz-Expires=3600", "X-Amz-Expires=-5", 1), "is negative", true},
		{"not a number", strings.Replace(good, "X-Amz-Expires=3600", "X-Amz-Expires=1h", 1), "is not a number", true},
		{"signed headers", strings.Replace(good, "X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=host%3B", 1), "X-Amz-SignedHeaders", true},
		{"both versions", good + "&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE", "both SigV4", true},
		{"sigv2 missing", "http://localhost:9000/b/k?AWSAccessKeyId=AKIAX&Signature=abc", "Missing Expires: SigV2", true},
		{"sigv2 expires", "http://localhost:9000/b/k?AWSAccessKeyId=AKIAX&Expires=tomorrow&Signature=abc", "Expires \"tomorrow\" is not a whole number", true},
	}
	for _, c := range cases {
		u, err := Parse(c.url)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
		if (u != nil) != c.partial {
			t.Errorf("%s: parts returned: %v", c.name, u != nil)
		}
		if j := Malformed(err); j.Reason != adminwire.ReasonMalformed || j.Verdict != adminwire.VerdictInvalid {
			t.Errorf("%s: %+v", c.name, j)
		}
	}
}

func TestNotes(t *testing.T) {
	noToken := temporary
	noToken.SessionToken = ""
	u := mustParse(t, presign(t, "GET", "http://localhost:9000/b/k", noToken, time.Hour, nil))
	if len(u.Notes) != 1 || !strings.Contains(u.Notes[0], "ASIA (temporary) key needs X-Amz-Security-Token") {
		t.Errorf("ASIA without token: %q", u.Notes)
	}
	withToken := longTerm
	withToken.SessionToken = "tok"
	u = mustParse(t, presign(t, "GET", "http://localhost:9000/b/k", withToken, time.Hour, nil))
	if len(u.Notes) != 1 || !strings.Contains(u.Notes[0], "InvalidToken") || u.KeyKind != Temporary {
		t.Errorf("AKIA with token: %q %s", u.Notes, u.KeyKind)
	}
	raw := presign(t, "GET", "http://localhost:9000/b/k", longTerm, time.Hour, nil)
	u = mustParse(t, strings.Replace(raw, "X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=range", 1))
	if len(u.Notes) != 1 || !strings.Contains(u.Notes[0], "host is not among the signed headers") {
		t.Errorf("host unsigned: %q", u.Notes)
	}
}

func TestKeyKinds(t *testing.T) {
	for id, want := range map[string]KeyKind{"AKIAIOSFODNN7EXAMPLE": LongTerm, "ASIAIOSFODNN7EXAMPLE": Temporary, "minioadmin": OtherKey} {
		c := longTerm
		c.AccessKeyID = id
		if u := mustParse(t, presign(t, "GET", "http://localhost:9000/b/k", c, time.Hour, nil)); u.KeyKind != want {
			t.Errorf("%s: %s, want %s", id, u.KeyKind, want)
		}
	}
}

func TestParams(t *testing.T) {
	raw := presign(t, "GET", "http://localhost:9000/b/k?response-content-type=image%2Fpng&x-id=GetObject&response-content-disposition=inline", temporary, time.Hour, nil)
	u := mustParse(t, raw)
	want := []Param{{"response-content-type", "image/png"}, {"response-content-disposition", "inline"}}
	if len(u.ResponseOverrides) != 2 || u.ResponseOverrides[0] != want[0] || u.ResponseOverrides[1] != want[1] {
		t.Errorf("overrides %+v", u.ResponseOverrides)
	}
	if len(u.OtherParams) != 1 || u.OtherParams[0] != (Param{"x-id", "GetObject"}) {
		t.Errorf("others %+v (the token must never be listed)", u.OtherParams)
	}
}
