package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"signet/internal/secret"
	"strings"
	"testing"
	"unsafe"
)

// The tests here hold the hand-written fast paths of verification to the
// plain code they replace.

// slowSigningKey is SigV4's key derivation written with crypto/hmac.
func slowSigningKey(secret string, s Scope) []byte {
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	k := mac([]byte("AWS4"+secret), s.Date)
	k = mac(k, s.Region)
	k = mac(k, s.Service)
	return mac(k, "aws4_request")
}

func TestSigningKeyMatchesCryptoHMAC(t *testing.T) {
	long := strings.Repeat("x", 100) // past one SHA-256 block: the fallbacks
	cases := []struct {
		secret string
		scope  Scope
	}{
		{"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Scope{"20150830", "us-east-1", "iam"}},
		{"", Scope{"20260301", "eu-west-3", "s3"}},
		{strings.Repeat("s", 60), Scope{"20260301", "r", "s3"}}, // "AWS4"+secret fills the block exactly
		{strings.Repeat("s", 61), Scope{"20260301", "r", "s3"}}, // one byte over: the key is hashed
		{long, Scope{long, long, long}},
		{"secret", Scope{"20260301", strings.Repeat("r", 64), strings.Repeat("s", 65)}},
	}
	for _, c := range cases {
		want := slowSigningKey(c.secret, c.scope)
		if got := SigningKey(secret.New(c.secret), c.scope); string(got) != string(want) {
			t.Errorf("SigningKey(len %d, %+v) = %x, want %x", len(c.secret), c.scope, got, want)
		}
	}
	// The signing key of AWS's own derivation example (secret of the SigV4
	// test suite, 20150830/us-east-1/iam).
	const want = "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
	if got := SigningKey(secret.New("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), Scope{"20150830", "us-east-1", "iam"}); hexString(got) != want {
		t.Errorf("AWS example key = %x, want %s", got, want)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestKeyCacheKeepsNoRequestMemory(t *testing.T) {
	uri := "/k?X-Amz-Credential=AKIDEXAMPLE/20260301/us-east-1/s3/aws4_request"
	id, sc, ok := ParseCredential(uri[len("/k?X-Amz-Credential="):])
	if !ok {
		t.Fatal("credential did not parse")
	}
	c := NewKeyCache(4)
	c.Get(id, secret.New("secret"), sc)
	for k := range c.m {
		if k.accessKeyID != id || k.scope != sc {
			t.Fatalf("cached under %+v, want %s %+v", k, id, sc)
		}
		for _, s := range []string{k.accessKeyID, k.scope.Date, k.scope.Region, k.scope.Service} {
			p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
			start := uintptr(unsafe.Pointer(unsafe.StringData(uri)))
			if p >= start && p < start+uintptr(len(uri)) {
				t.Fatalf("cache key %q points into the request", s)
			}
		}
	}
}

// FuzzEncodedCredential: splitting X-Amz-Credential in its encoded form
// gives exactly what decoding it first and then splitting gives.
func FuzzEncodedCredential(f *testing.F) {
	f.Add("AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request")
	f.Add("AKIA%2f20130524/us%2Deast-1%2Fs3%2faws4%5Frequest")
	f.Add("a%%2F20130524%2Fr%2Fs%2Faws4_request")
	f.Add("a%2F2013%30524%2Fr+x%2F%2Faws4_request%")
	f.Add("%2F%2F%2F%2F")
	f.Add("%2")
	f.Fuzz(func(t *testing.T, raw string) {
		wantID, wantScope, wantOK := ParseCredential(decodeComponent(raw))
		id, sc, ok := parseEncodedCredential(raw)
		if id != wantID || sc != wantScope || ok != wantOK {
			t.Fatalf("%q: encoded split gives %q %+v %v, decoded split %q %+v %v", raw, id, sc, ok, wantID, wantScope, wantOK)
		}
	})
}
