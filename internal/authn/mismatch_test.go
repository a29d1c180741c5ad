package authn

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"signet/internal/redact"
	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// noTokenInFields fails if any field of f carries the session token, in
// clear or hex-encoded (StringToSignBytes), and checks that the fingerprint
// stands where it was.
func noTokenInFields(t *testing.T, f *Failure, token string) {
	t.Helper()
	hexToken := hexBytes(token)
	for _, x := range f.Fields {
		if strings.Contains(x.Value, token) || strings.Contains(x.Value, hexToken) {
			t.Errorf("field %s carries the session token: %q", x.Name, x.Value)
		}
	}
	if sts := field(f, "StringToSign"); !strings.Contains(sts, "x-amz-security-token:"+redact.Token(token)) {
		t.Errorf("StringToSign lacks the token's fingerprint: %q", sts)
	}
	if field(f, "StringToSignBytes") != hexBytes(field(f, "StringToSign")) {
		t.Error("StringToSignBytes is not the bytes of StringToSign")
	}
}

// TestSigV2MismatchCarriesNoToken is finding 7 of issue 13: a SigV2
// SignatureDoesNotMatch echoed the session token inside StringToSign and
// StringToSignBytes, where SigV4's and ExpiredToken's bodies carry only
// its fingerprint.
func TestSigV2MismatchCarriesNoToken(t *testing.T) {
	f := newFixture()
	// Query auth: the token travels as x-amz-security-token and is signed
	// as an amz header. Signed with the wrong secret.
	u, err := sigv2.Presign(sigv2.PresignInput{
		Method: "GET", URL: "http://127.0.0.1:9000/bucket/key.txt?x-amz-security-token=" + url.QueryEscape(tempToken),
		AccessKeyID: tempKey, SecretAccessKey: secret.New("wrong-secret"), Expires: t0.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	noTokenInFields(t, wantReason(t, mustFail(f, u), ReasonSignatureMismatch), tempToken)

	// Header auth, token in the X-Amz-Security-Token header.
	r, _ := http.NewRequest("GET", "http://127.0.0.1:9000/bucket/key.txt", nil)
	r.Header.Set("X-Amz-Security-Token", tempToken)
	if err := sigv2.SignHeader(r, tempKey, secret.New("wrong-secret"), t0, ""); err != nil {
		t.Fatal(err)
	}
	noTokenInFields(t, wantReason(t, mustFailReq(f, serverRequest("GET", r.URL.String(), r.Header, "")), ReasonSignatureMismatch), tempToken)
}

// TestSigV4MismatchCarriesNoToken pins the same for SigV4, whose
// canonical request carries the token.
func TestSigV4MismatchCarriesNoToken(t *testing.T) {
	f := newFixture()
	u := presign(t, sigv4.Credentials{AccessKeyID: tempKey, SecretAccessKey: secret.New("wrong-secret"), SessionToken: tempToken}, t0, time.Hour)
	fl := wantReason(t, mustFail(f, u), ReasonSignatureMismatch)
	for _, x := range fl.Fields {
		if strings.Contains(x.Value, tempToken) || strings.Contains(x.Value, hexBytes(tempToken)) {
			t.Errorf("field %s carries the session token: %q", x.Name, x.Value)
		}
	}
}
