package adminclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"signet/internal/sigv4"
)

func TestTrustPolicyRoundTrip(t *testing.T) {
	arns := []string{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:root"}
	doc := TrustPolicy(arns)
	if !json.Valid([]byte(doc)) {
		t.Fatalf("not JSON: %s", doc)
	}
	got := TrustedPrincipals(Document(doc))
	if len(got) != 2 || got[0] != (Principal{Type: "AWS", ID: arns[0]}) || got[1] != (Principal{Type: "AWS", ID: arns[1]}) {
		t.Fatalf("principals of our own trust policy: %+v", got)
	}
}

func TestTrustedPrincipals(t *testing.T) {
	cases := []struct {
		name, doc string
		want      []Principal
	}{
		{"one statement, not a list, string principal",
			`{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:user/a"},"Action":"sts:AssumeRole"}}`,
			[]Principal{{"AWS", "arn:aws:iam::1:user/a", false}}},
		{"kinds in document order, conditions marked",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","AWS":["arn:aws:iam::1:root"]},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}`,
			[]Principal{{"Service", "ec2.amazonaws.com", true}, {"AWS", "arn:aws:iam::1:root", true}}},
		{"anyone",
			`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:*"}]}`,
			[]Principal{{"*", "*", false}}},
		{"deny, other actions and NotAction are not trust",
			`{"Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::1:user/d"},"Action":"sts:AssumeRole"},` +
				`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:user/t"},"Action":"sts:TagSession"},` +
				`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:user/n"},"NotAction":"s3:*"}]}`,
			[]Principal{}},
		{"not JSON", `%7B`, []Principal{}},
	}
	for _, c := range cases {
		got := TrustedPrincipals(Document(c.doc))
		if got == nil || len(got) != len(c.want) {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: [%d] got %+v, want %+v", c.name, i, got[i], c.want[i])
			}
		}
	}
}

func TestRevokeCutoffAndPolicy(t *testing.T) {
	for _, c := range []struct{ now, want string }{
		// Rounded up to the next millisecond: a session issued at now,
		// before the revocation, is denied.
		{"2026-11-27T10:00:00Z", "2026-11-27T10:00:00.001Z"},
		{"2026-11-27T10:00:00.123456789Z", "2026-11-27T10:00:00.124Z"},
		{"2026-11-27T11:00:00.999+01:00", "2026-11-27T10:00:01Z"},
	} {
		now, _ := time.Parse(time.RFC3339Nano, c.now)
		want, _ := time.Parse(time.RFC3339Nano, c.want)
		got := RevokeCutoff(now)
		if !got.Equal(want) || got.Location() != time.UTC || !got.After(now) {
			t.Errorf("RevokeCutoff(%s) = %s, want %s", c.now, got, c.want)
		}
	}
	before := time.Date(2026, 11, 27, 10, 0, 0, 1e6, time.UTC)
	doc := RevokePolicy(before)
	want := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-11-27T10:00:00.001Z"}}}]}`
	if doc != want {
		t.Fatalf("RevokePolicy:\n got %s\nwant %s", doc, want)
	}
	if got, ok := RevokedBefore(Document(doc)); !ok || !got.Equal(before) {
		t.Fatalf("RevokedBefore(our policy) = %s, %v", got, ok)
	}
	// The console's spelling, with strings rather than lists.
	console := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2014-05-07T23:47:00Z"}}}]}`
	if got, ok := RevokedBefore(Document(console)); !ok || got.Format(time.RFC3339) != "2014-05-07T23:47:00Z" {
		t.Fatalf("RevokedBefore(console's) = %s, %v", got, ok)
	}
	for _, other := range []string{
		`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2014-05-07T23:47:00Z"}}}]}`,
		`{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2014-05-07T23:47:00Z"}}}]}`,
		`{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:TokenIssueTime":"2014-05-07T23:47:00Z"}}}]}`,
		`{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2014-05-07T23:47:00Z"}}}]}`,
		`{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`,
		`not json`,
	} {
		if _, ok := RevokedBefore(Document(other)); ok {
			t.Errorf("RevokedBefore took %s for a revocation", other)
		}
	}
}

func TestDocumentJSON(t *testing.T) {
	b, err := json.Marshal(struct {
		A, B, C Document
	}{Document(`{"x": 1}`), Document("not json"), nil})
	if err != nil || string(b) != `{"A":{"x":1},"B":"not json","C":null}` {
		t.Fatalf("%s %v", b, err)
	}
	// IAM percent-encodes documents; "+" is a literal plus, not a space.
	if got := decodeDocument("%7B%22a%22%3A%22x+y%20z%22%7D"); string(got) != `{"a":"x+y z"}` {
		t.Fatalf("decodeDocument: %s", got)
	}
}

// iamFake answers every IAM call with one canned response and records
// the signing time it saw.
func iamFake(t *testing.T, status int, ctype, body string) (*httptest.Server, *[]string) {
	var dates []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		dates = append(dates, r.Header.Get("X-Amz-Date"))
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("X-Amz-Request-Id", "REQ123")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(ts.Close)
	return ts, &dates
}

func newTestIAM(endpoint string, creds aws.CredentialsProvider, now func() time.Time) *IAM {
	u, _ := url.Parse(endpoint)
	return NewIAM(IAMConfig{Endpoint: u, Credentials: creds, Now: now})
}

var staticCreds = credentials.NewStaticCredentialsProvider(testAKID, testSecret, "")

func TestIAMErrorsAreTyped(t *testing.T) {
	ts, dates := iamFake(t, 404, "text/xml", `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>`+
		`<Code>NoSuchEntity</Code><Message>The user with name bob cannot be found.</Message></Error><RequestId>REQ123</RequestId></ErrorResponse>`)
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	_, err := newTestIAM(ts.URL, staticCreds, func() time.Time { return at }).GetUser(t.Context(), "bob")
	var ie *IAMError
	var ae *APIError
	if !errors.As(err, &ie) || !errors.As(err, &ae) || ie.Op != "GetUser" || ae.Code != "NoSuchEntity" || ae.Status != 404 || ae.RequestID != "REQ123" ||
		ae.Message != "The user with name bob cannot be found." {
		t.Fatalf("got %T %v", err, err)
	}
	if err.Error() != "NoSuchEntity: The user with name bob cannot be found. (HTTP 404, request ID REQ123)" {
		t.Errorf("message: %q", err.Error())
	}
	// One attempt only, signed at the injected time.
	if len(*dates) != 1 || (*dates)[0] != sigv4.FormatAmzDate(at) {
		t.Errorf("requests seen with X-Amz-Date %q; want one at %s", *dates, sigv4.FormatAmzDate(at))
	}
}

func TestIAMNotIAMAnswer(t *testing.T) {
	ts, dates := iamFake(t, 502, "text/html; charset=utf-8", "<html>bad gateway</html>")
	_, err := newTestIAM(ts.URL, staticCreds, nil).ListRoles(t.Context())
	var ne *NotIAMError
	if !errors.As(err, &ne) || ne.Status != 502 || !strings.HasPrefix(ne.ContentType, "text/html") || ne.Op != "ListRoles" {
		t.Fatalf("got %T %v", err, err)
	}
	if len(*dates) != 1 {
		t.Errorf("a 502 was retried: %d requests", len(*dates))
	}
}

func TestIAMTransportAndCredentialErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()
	_, err = newTestIAM(endpoint, staticCreds, nil).ListUsers(t.Context())
	var ue *url.Error
	var oe *net.OpError
	if !errors.As(err, &ue) || !errors.As(err, &oe) || strings.Contains(err.Error(), "operation error") {
		t.Fatalf("refused connection: got %T %v", err, err)
	}

	failing := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no profile named dev")
	})
	_, err = newTestIAM(endpoint, failing, nil).ListUsers(t.Context())
	var ce *CredentialsError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "no profile named dev") {
		t.Fatalf("credentials failure: got %T %v", err, err)
	}
}

func TestNewAccessKeySecretIsRedacted(t *testing.T) {
	ts, _ := iamFake(t, 200, "text/xml", `<CreateAccessKeyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateAccessKeyResult><AccessKey>`+
		`<UserName>alice</UserName><AccessKeyId>AKIAEXAMPLE000000001</AccessKeyId><Status>Active</Status>`+
		`<SecretAccessKey>s3cr3t/s3cr3t/s3cr3t/s3cr3t/s3cr3t/abcde</SecretAccessKey><CreateDate>2026-11-27T10:00:00Z</CreateDate>`+
		`</AccessKey></CreateAccessKeyResult><ResponseMetadata><RequestId>R</RequestId></ResponseMetadata></CreateAccessKeyResponse>`)
	k, err := newTestIAM(ts.URL, staticCreds, nil).CreateAccessKey(t.Context(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if k.Secret.Reveal() != "s3cr3t/s3cr3t/s3cr3t/s3cr3t/s3cr3t/abcde" || k.AccessKeyID != "AKIAEXAMPLE000000001" || k.Status != KeyActive {
		t.Fatalf("key: %+v", k.AccessKey)
	}
	b, _ := json.Marshal(k)
	if strings.Contains(string(b), "s3cr3t") {
		t.Fatalf("the secret leaks through JSON: %s", b)
	}
}
