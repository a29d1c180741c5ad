package awsquery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/iam"
	"signet/internal/principal"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

func TestReadBody(t *testing.T) {
	tests := []struct {
		name string
		size int
		err  error
	}{
		{"empty", 0, nil},
		{"small", 10, nil},
		{"exactly MaxBody", MaxBody, nil},
		{"MaxBody+1", MaxBody + 1, ErrBodyTooLarge},
		{"much larger", 3 * MaxBody, ErrBodyTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("a", tc.size)))
			b, err := ReadBody(r)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if tc.err == nil && len(b) != tc.size {
				t.Errorf("read %d bytes, want %d", len(b), tc.size)
			}
			if tc.err != nil && b != nil {
				t.Errorf("got %d bytes with the error", len(b))
			}
		})
	}

	r := httptest.NewRequest("GET", "/", nil)
	r.Body = nil
	if b, err := ReadBody(r); b != nil || err != nil {
		t.Errorf("nil body: %v, %v", b, err)
	}
	boom := errors.New("boom")
	r = httptest.NewRequest("POST", "/", nil)
	r.Body = io.NopCloser(iotest.ErrReader(boom))
	if _, err := ReadBody(r); !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
}

func TestParams(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name   string
		target string
		ctype  string
		body   string
		want   url.Values
		code   string // error code, "" for success
	}{
		{"query only", "/?Action=GetCallerIdentity&Version=2011-06-15", "", "", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, ""},
		{"body only", "/", form, "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr", url.Values{"Action": {"AssumeRole"}, "RoleArn": {"arn:aws:iam::1:role/r"}}, ""},
		{"merged", "/?Version=2010-05-08", form + "; charset=utf-8", "Action=ListUsers", url.Values{"Action": {"ListUsers"}, "Version": {"2010-05-08"}}, ""},
		{"repeated keys keep both, query first", "/?Action=A", form, "Action=B", url.Values{"Action": {"A", "B"}}, ""},
		{"upper-case content type", "/", "Application/X-WWW-Form-Urlencoded", "Action=X", url.Values{"Action": {"X"}}, ""},
		{"no content type", "/", "", "Action=X", url.Values{"Action": {"X"}}, ""},
		{"empty value kept", "/?Marker=", "", "", url.Values{"Marker": {""}}, ""},
		{"plus is space", "/", form, "Description=a+b", url.Values{"Description": {"a b"}}, ""},
		{"JSON body", "/", "application/json", `{"Action":"X"}`, nil, "InvalidParameterValue"},
		{"XML body", "/?Action=X", "text/xml", `<a/>`, nil, "InvalidParameterValue"},
		{"non-form content type without a body", "/?Action=X", "application/json", "", url.Values{"Action": {"X"}}, ""},
		{"bad body encoding", "/", form, "Action=%zz", nil, "MalformedQueryString"},
		{"bad query encoding", "/?Action=%zz", "", "", nil, "MalformedQueryString"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tc.target, strings.NewReader(tc.body))
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			got, err := Params(r, []byte(tc.body))
			if tc.code != "" {
				var e *Error
				if !errors.As(err, &e) || e.Code != tc.code || e.Status != http.StatusBadRequest || e.Receiver {
					t.Fatalf("err = %#v, want 400 Sender %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Errorf("params %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if !slices.Equal(got[k], v) {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestCall(t *testing.T) {
	c := &Call{Params: url.Values{"A": {"1", "2"}, "Empty": {""}}}
	if c.Get("A") != "1" || c.Get("Missing") != "" {
		t.Error("Get")
	}
	if !c.Has("Empty") || c.Has("Missing") {
		t.Error("Has")
	}
}

type resultEnvelope struct {
	XMLName xml.Name
	Xmlns   string `xml:"xmlns,attr"`
	Result  *struct {
		XMLName xml.Name
		User    struct {
			UserName string
			Arn      string
		}
	} `xml:"GetUserResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

func TestWriteResult(t *testing.T) {
	type user struct {
		UserName string
		Arn      string
	}
	type getUserResult struct {
		User user
	}
	w := httptest.NewRecorder()
	WriteResult(w, IAMNamespace, "GetUser", getUserResult{User: user{UserName: "alice", Arn: "arn:aws:iam::123456789012:user/alice"}}, "rid-1")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/xml" {
		t.Errorf("status %d, Content-Type %q", w.Code, w.Header().Get("Content-Type"))
	}
	if got := w.Header().Get("x-amzn-RequestId"); got != "rid-1" {
		t.Errorf("x-amzn-RequestId %q, want rid-1", got)
	}
	body := w.Body.String()
	if !strings.HasPrefix(body, xml.Header) {
		t.Errorf("no XML declaration: %s", body)
	}
	if !strings.Contains(body, `<GetUserResponse xmlns="`+IAMNamespace+`"><GetUserResult><User><UserName>alice</UserName>`) {
		t.Errorf("envelope: %s", body)
	}
	if !strings.HasSuffix(body, `</GetUserResult><ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></GetUserResponse>`) {
		t.Errorf("envelope end: %s", body)
	}
	var env resultEnvelope
	if err := xml.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	if env.XMLName.Local != "GetUserResponse" || env.XMLName.Space != IAMNamespace || env.Result == nil ||
		env.Result.User.UserName != "alice" || env.RequestID != "rid-1" {
		t.Errorf("decoded %+v", env)
	}

	// An action without a result has no Result element.
	w = httptest.NewRecorder()
	WriteResult(w, STSNamespace, "DeleteUser", nil, "rid-2")
	want := xml.Header + `<DeleteUserResponse xmlns="` + STSNamespace + `"><ResponseMetadata><RequestId>rid-2</RequestId></ResponseMetadata></DeleteUserResponse>`
	if got := w.Body.String(); got != want {
		t.Errorf("nil result\n got %s\nwant %s", got, want)
	}

	// Text is escaped.
	w = httptest.NewRecorder()
	WriteResult(w, IAMNamespace, "X", struct{ V string }{`<&>"`}, "r")
	if !strings.Contains(w.Body.String(), "<XResult><V>&lt;&amp;&gt;&#34;</V></XResult>") {
		t.Errorf("escaping: %s", w.Body)
	}

	// A result that cannot be encoded is a 500 error envelope.
	w = httptest.NewRecorder()
	WriteResult(w, IAMNamespace, "X", struct{ C chan int }{make(chan int)}, "r")
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "<Code>InternalFailure</Code>") {
		t.Errorf("unencodable: %d %s", w.Code, w.Body)
	}
}

type errorEnvelopeDecoded struct {
	XMLName xml.Name
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		e        *Error
		ns       string
		status   int
		typ      string
		code     string
		wantBody string
	}{
		{&Error{Status: 403, Code: "InvalidClientTokenId", Message: msgInvalidToken}, STSNamespace, 403, "Sender", "InvalidClientTokenId",
			xml.Header + `<ErrorResponse xmlns="` + STSNamespace + `"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>` + msgInvalidToken + `</Message></Error><RequestId>rid</RequestId></ErrorResponse>`},
		{&Error{Status: 500, Code: "InternalFailure", Message: "x", Receiver: true}, IAMNamespace, 500, "Receiver", "InternalFailure", ""},
		{Errorf("ValidationError", "bad %s", "<thing>"), IAMNamespace, 400, "Sender", "ValidationError", ""},
	}
	for _, tc := range tests {
		w := httptest.NewRecorder()
		WriteError(w, tc.ns, tc.e, "rid")
		if w.Code != tc.status || w.Header().Get("Content-Type") != "text/xml" {
			t.Errorf("%s: status %d, Content-Type %q", tc.code, w.Code, w.Header().Get("Content-Type"))
		}
		// aws-sdk-go-v2 reads an IAM or STS error's request ID here.
		if got := w.Header().Get("x-amzn-RequestId"); got != "rid" {
			t.Errorf("%s: x-amzn-RequestId %q, want rid", tc.code, got)
		}
		if tc.wantBody != "" && w.Body.String() != tc.wantBody {
			t.Errorf("%s body\n got %s\nwant %s", tc.code, w.Body, tc.wantBody)
		}
		var env errorEnvelopeDecoded
		if err := xml.Unmarshal(w.Body.Bytes(), &env); err != nil {
			t.Fatal(err)
		}
		if env.XMLName.Local != "ErrorResponse" || env.XMLName.Space != tc.ns || env.Error.Type != tc.typ ||
			env.Error.Code != tc.code || env.Error.Message != tc.e.Message || env.RequestID != "rid" {
			t.Errorf("decoded %+v", env)
		}
	}
}

func TestErrorConstructors(t *testing.T) {
	tests := []struct {
		e      *Error
		status int
		code   string
		msg    string
	}{
		{Errorf("InvalidInput", "Invalid %s.", "Marker"), 400, "InvalidInput", "Invalid Marker."},
		{ErrMissingAction, 400, "MissingAction", "Missing Action"},
		{InvalidAction("Frobnicate", "2010-05-08"), 400, "InvalidAction", "Could not find operation Frobnicate for version 2010-05-08"},
		{Validation(iam.Violation{Field: "maxItems", Value: "0", Rule: iam.RuleMinValue, Limit: 1}), 400, "ValidationError",
			"1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{Missing("userName"), 400, "ValidationError", "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{MissingAuthentication(), 403, "MissingAuthenticationToken", "Request is missing Authentication Token"},
	}
	for _, tc := range tests {
		if tc.e.Status != tc.status || tc.e.Code != tc.code || tc.e.Message != tc.msg || tc.e.Receiver {
			t.Errorf("got %+v, want %d %s %q", tc.e, tc.status, tc.code, tc.msg)
		}
		if tc.e.Error() != tc.code+": "+tc.msg {
			t.Errorf("Error() = %q", tc.e.Error())
		}
	}
	// Errorf does not interpret a message without arguments twice.
	if e := Errorf("X", "%s", "100%"); e.Message != "100%" {
		t.Errorf("Errorf = %q", e.Message)
	}
}

func TestFromAuth(t *testing.T) {
	tests := []struct {
		name    string
		f       *authn.Failure
		service string
		status  int
		code    string
		msg     string // exact, or prefix when it ends in "…"
	}{
		{"unknown key", &authn.Failure{Reason: authn.ReasonUnknownAccessKey}, "iam", 403, "InvalidClientTokenId", "The security token included in the request is invalid."},
		{"invalid token", &authn.Failure{Reason: authn.ReasonInvalidToken}, "sts", 403, "InvalidClientTokenId", "The security token included in the request is invalid."},
		{"expired token", &authn.Failure{Reason: authn.ReasonExpiredToken}, "sts", 403, "ExpiredToken", "The security token included in the request is expired"},
		{"signature mismatch", &authn.Failure{Reason: authn.ReasonSignatureMismatch}, "iam", 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.…"},
		{"skew, past", &authn.Failure{Reason: authn.ReasonTimeTooSkewed, Fields: []authn.Field{{Name: "RequestTime", Value: "20260301T100000Z"}, {Name: "ServerTime", Value: "2026-03-01T12:00:00Z"}}},
			"iam", 403, "SignatureDoesNotMatch", "Signature expired: 20260301T100000Z is now earlier than 20260301T114500Z (20260301T120000Z - 15 min.)"},
		{"skew, future", &authn.Failure{Reason: authn.ReasonTimeTooSkewed, Fields: []authn.Field{{Name: "RequestTime", Value: "20260301T140000Z"}, {Name: "ServerTime", Value: "2026-03-01T12:00:00Z"}}},
			"iam", 403, "SignatureDoesNotMatch", "Signature not yet current: 20260301T140000Z is still later than 20260301T121500Z (20260301T120000Z + 15 min.)"},
		{"skew, HTTP date", &authn.Failure{Reason: authn.ReasonTimeTooSkewed, Fields: []authn.Field{{Name: "RequestTime", Value: "Sun, 01 Mar 2026 10:00:00 GMT"}, {Name: "ServerTime", Value: "2026-03-01T12:00:00Z"}}},
			"iam", 403, "SignatureDoesNotMatch", "Signature expired: Sun, 01 Mar 2026 10:00:00 GMT is now earlier than 20260301T114500Z (20260301T120000Z - 15 min.)"},
		{"skew, future HTTP date", &authn.Failure{Reason: authn.ReasonTimeTooSkewed, Fields: []authn.Field{{Name: "RequestTime", Value: "Sun, 01 Mar 2026 14:00:00 GMT"}, {Name: "ServerTime", Value: "2026-03-01T12:00:00Z"}}},
			"iam", 403, "SignatureDoesNotMatch", "Signature not yet current: Sun, 01 Mar 2026 14:00:00 GMT is still later than…"},
		{"skew, as authn reports it", skewFailure(), "sts", 403, "SignatureDoesNotMatch", "Signature expired: 20260301T100000Z is now earlier than 20260301T114500Z (20260301T120000Z - 15 min.)"},
		{"skew, no fields", &authn.Failure{Reason: authn.ReasonTimeTooSkewed}, "iam", 403, "SignatureDoesNotMatch", "Signature expired"},
		{"presign expired", &authn.Failure{Reason: authn.ReasonRequestExpired}, "sts", 403, "SignatureDoesNotMatch", "Signature expired…"},
		{"presign not yet valid", &authn.Failure{Reason: authn.ReasonRequestNotYetValid}, "sts", 403, "SignatureDoesNotMatch", "Signature not yet current"},
		{"wrong service iam", &authn.Failure{Reason: authn.ReasonWrongService}, "iam", 403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'iam'."},
		{"wrong service sts", &authn.Failure{Reason: authn.ReasonWrongService}, "sts", 403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'."},
		{"missing date", &authn.Failure{Reason: authn.ReasonMissingDate}, "iam", 400, "IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{"header malformed", &authn.Failure{Reason: authn.ReasonHeaderMalformed}, "iam", 400, "IncompleteSignature", msgIncompleteSig},
		{"header malformed with message", &authn.Failure{Reason: authn.ReasonHeaderMalformed, Message: "Signature version 2 is not supported by this service; sign with AWS4-HMAC-SHA256."},
			"iam", 400, "IncompleteSignature", "Signature version 2 is not supported by this service; sign with AWS4-HMAC-SHA256."},
		{"credential malformed", &authn.Failure{Reason: authn.ReasonCredentialMalformed}, "iam", 400, "IncompleteSignature", msgIncompleteSig},
		{"internal", &authn.Failure{Reason: authn.ReasonInternal, Message: "disk"}, "iam", 500, "InternalFailure", "The request processing has failed because of an unknown error."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := FromAuth(tc.f, tc.service)
			if e.Status != tc.status || e.Code != tc.code {
				t.Errorf("got %d %s, want %d %s", e.Status, e.Code, tc.status, tc.code)
			}
			if p, ok := strings.CutSuffix(tc.msg, "…"); ok {
				if !strings.HasPrefix(e.Message, p) {
					t.Errorf("message %q, want prefix %q", e.Message, p)
				}
			} else if e.Message != tc.msg {
				t.Errorf("message %q, want %q", e.Message, tc.msg)
			}
			if e.Receiver != (tc.status >= 500) {
				t.Errorf("Receiver = %v for status %d", e.Receiver, tc.status)
			}
			// Wrapped failures are recognised too.
			if w := FromAuth(errors.Join(errors.New("ctx"), tc.f), tc.service); *w != *e {
				t.Errorf("wrapped: %+v, want %+v", w, e)
			}
		})
	}

	// A plain error is the server's fault.
	e := FromAuth(errors.New("boom"), "iam")
	if e.Status != 500 || e.Code != "InternalFailure" || !e.Receiver || strings.Contains(e.Message, "boom") {
		t.Errorf("plain error: %+v", e)
	}

	// Every reason maps to a well-formed error: a code, a message, a
	// 4xx Sender or a 5xx Receiver; credential and signature failures are
	// 403s as IAM and STS answer them.
	forbidden := map[authn.Reason]bool{
		authn.ReasonUnknownAccessKey: true, authn.ReasonInvalidToken: true, authn.ReasonExpiredToken: true,
		authn.ReasonSignatureMismatch: true, authn.ReasonTimeTooSkewed: true, authn.ReasonRequestExpired: true,
		authn.ReasonRequestNotYetValid: true, authn.ReasonWrongService: true,
	}
	for r := authn.ReasonInternal; r <= authn.ReasonAnonymousResponseOverrides; r++ {
		e := FromAuth(&authn.Failure{Reason: r}, "sts")
		if e.Code == "" || e.Message == "" {
			t.Errorf("reason %d: empty code or message: %+v", r, e)
		}
		switch {
		case r == authn.ReasonInternal:
			if e.Status != 500 || !e.Receiver {
				t.Errorf("reason %d: %+v", r, e)
			}
		case forbidden[r]:
			if e.Status != 403 || e.Receiver {
				t.Errorf("reason %d: %+v, want a 403 Sender", r, e)
			}
		default:
			if e.Status != 400 || e.Receiver {
				t.Errorf("reason %d: %+v, want a 400 Sender", r, e)
			}
		}
	}
}

// skewFailure is a skew failure as authn reports it, hand-made with its
// field names.
func skewFailure() *authn.Failure {
	return &authn.Failure{Reason: authn.ReasonTimeTooSkewed, Fields: []authn.Field{
		{Name: "RequestTime", Value: "20260301T100000Z"},
		{Name: "ServerTime", Value: "2026-03-01T12:00:00Z"},
		{Name: "MaxAllowedSkewMilliseconds", Value: "900000"},
	}}
}

// FromAuth on the failures the real authenticator produces for IAM and
// STS requests, signed as a client would sign them.
func TestFromAuthEndToEnd(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := clock.NewFake(now)
	user := &authn.Credential{AccessKeyID: "AKIAEXAMPLE000000001", Secret: secret.New("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
		Principal: principal.Principal{ARN: "arn:aws:iam::123456789012:user/alice", UserName: "alice", Account: "123456789012"}}
	sess := &authn.Credential{AccessKeyID: "ASIAEXAMPLE000000001", Secret: secret.New("sessionsecret"), TokenHash: secret.HashToken("the-token"),
		Expiry: now.Add(-time.Minute), Principal: principal.Principal{ARN: "arn:aws:sts::123456789012:federated-user/bob", SessionKind: principal.SessionFederated}}
	a := authn.NewAuthenticator(authn.NewStaticKeys(user, sess), clk, clk, "us-east-1")
	body := "Action=GetCallerIdentity&Version=2011-06-15"

	sign := func(c sigv4.Credentials, service string, at time.Time) *http.Request {
		r := httptest.NewRequest("POST", "http://signet.test/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Content-Length", strconv.Itoa(len(body))) // as a server sees it
		sum := sha256.Sum256([]byte(body))
		if err := sigv4.SignHeader(r, c, "us-east-1", service, at, hex.EncodeToString(sum[:]), sigv4.Generic); err != nil {
			t.Fatal(err)
		}
		return r
	}
	good := sigv4.Credentials{AccessKeyID: user.AccessKeyID, SecretAccessKey: user.Secret}
	tests := []struct {
		name   string
		r      *http.Request
		status int
		code   string
		msg    string
	}{
		{"unknown key", sign(sigv4.Credentials{AccessKeyID: "AKIANOBODY0000000000", SecretAccessKey: secret.New("x")}, "sts", now), 403, "InvalidClientTokenId", msgInvalidToken},
		{"wrong secret", sign(sigv4.Credentials{AccessKeyID: user.AccessKeyID, SecretAccessKey: secret.New("wrong")}, "sts", now), 403, "SignatureDoesNotMatch", msgSignature},
		{"signed for iam, sent to sts", sign(good, "iam", now), 403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'."},
		{"signed two hours ago", sign(good, "sts", now.Add(-2*time.Hour)), 403, "SignatureDoesNotMatch",
			"Signature expired: 20260301T100000Z is now earlier than 20260301T114500Z (20260301T120000Z - 15 min.)"},
		{"signed two hours ahead", sign(good, "sts", now.Add(2*time.Hour)), 403, "SignatureDoesNotMatch",
			"Signature not yet current: 20260301T140000Z is still later than 20260301T121500Z (20260301T120000Z + 15 min.)"},
		{"expired session", sign(sigv4.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: secret.New("sessionsecret"), SessionToken: "the-token"}, "sts", now), 403, "ExpiredToken", msgExpiredToken},
		{"wrong session token", sign(sigv4.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: secret.New("sessionsecret"), SessionToken: "forged"}, "sts", now), 403, "InvalidClientTokenId", msgInvalidToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := a.AuthenticateService(tc.r, "sts", []byte(body))
			if err == nil {
				t.Fatalf("authenticated as %+v", res.Principal)
			}
			e := FromAuth(err, "sts")
			if e.Status != tc.status || e.Code != tc.code || e.Message != tc.msg {
				t.Errorf("got %d %s %q\nwant %d %s %q", e.Status, e.Code, e.Message, tc.status, tc.code, tc.msg)
			}
		})
	}
	// And the same request, well signed, passes.
	if _, err := a.AuthenticateService(sign(good, "sts", now), "sts", []byte(body)); err != nil {
		t.Fatalf("good request: %v", err)
	}
}

// countingBody counts the bytes a reader of it takes.
type countingBody struct {
	r io.Reader
	n int
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestReadBodyRefusesADeclaredLengthUnread: a body whose Content-Length is
// past MaxBody is refused before a byte of it is read.
func TestReadBodyRefusesADeclaredLengthUnread(t *testing.T) {
	body := &countingBody{r: strings.NewReader(strings.Repeat("a", 2*MaxBody))}
	r := httptest.NewRequest("POST", "/", nil)
	r.Body, r.ContentLength = io.NopCloser(body), 2*MaxBody
	if _, err := ReadBody(r); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", err)
	}
	if body.n != 0 {
		t.Errorf("read %d bytes of a body declared too large", body.n)
	}
}

// TestParamsCountIsBounded: a request with more than MaxParams
// parameters, in its body, its query or both, is refused before any is
// parsed; MaxParams exactly is served.
func TestParamsCountIsBounded(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	params := func(n int) string {
		var b strings.Builder
		b.WriteString("Action=X")
		for i := 1; i < n; i++ {
			b.WriteString("&p")
			b.WriteString(strconv.Itoa(i))
			b.WriteString("=")
		}
		return b.String()
	}
	tests := []struct {
		name        string
		query, body string
		ok          bool
	}{
		{"MaxParams in the body", "", params(MaxParams), true},
		{"MaxParams+1 in the body", "", params(MaxParams + 1), false},
		{"MaxParams+1 in the query", params(MaxParams + 1), "", false},
		{"MaxParams split between query and body", params(MaxParams / 2), params(MaxParams / 2), true},
		{"MaxParams+1 split between query and body", params(MaxParams/2 + 1), params(MaxParams / 2), false},
		{"empty pairs count, as net/url counts them", "", "Action=X" + strings.Repeat("&", MaxParams), false},
		{"1 MiB of one-letter parameters", "", strings.Repeat("a&", MaxBody/2), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/?"+tc.query, strings.NewReader(tc.body))
			r.Header.Set("Content-Type", form)
			got, err := Params(r, []byte(tc.body))
			if tc.ok {
				if err != nil || got.Get("Action") != "X" {
					t.Fatalf("Params: %v (Action %q)", err, got.Get("Action"))
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Code != "InvalidQueryParameter" {
				t.Fatalf("err = %#v, want 400 InvalidQueryParameter", err)
			}
			if got != nil {
				t.Errorf("parameters returned with the error: %d", len(got))
			}
		})
	}
}

// TestValidationEchoIsBounded: a parameter of a megabyte is refused
// without the megabyte in the message.
func TestValidationEchoIsBounded(t *testing.T) {
	e := Validation(iam.Violation{Field: "maxItems", Value: strings.Repeat("9", 1<<20), Rule: iam.RuleNumber})
	if want := "1 validation error detected: Value '...' at 'maxItems' failed to satisfy constraint: Member must be a number"; e.Message != want {
		t.Fatalf("message (%d bytes) = %.200q…", len(e.Message), e.Message)
	}
}

// TestBodyBudgetBoundsBodiesHeldAtOnce: large Query bodies are read only
// within the budget; one that does not fit waits for bodies to be
// released (here: its context is already over, so it gives up rather
// than waiting), and small bodies are never held back.
func TestBodyBudgetBoundsBodiesHeldAtOnce(t *testing.T) {
	const mib = 1 << 20
	b := NewBodyBudget(mib)
	req := func(n int) *http.Request {
		r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("a", n)))
		r.ContentLength = int64(n)
		return r
	}
	over, cancel := context.WithCancel(t.Context())
	cancel()
	body1, release1, err := b.ReadBody(t.Context(), req(3*mib/4))
	if err != nil || len(body1) != 3*mib/4 {
		t.Fatalf("first body: %d bytes, %v", len(body1), err)
	}
	counted := &countingBody{r: strings.NewReader(strings.Repeat("a", mib/2))}
	r2 := httptest.NewRequest("POST", "/", nil)
	r2.Body, r2.ContentLength = io.NopCloser(counted), mib/2
	if _, _, err := b.ReadBody(over, r2); !errors.Is(err, context.Canceled) || counted.n != 0 {
		t.Fatalf("a body past the budget: err %v after reading %d bytes, want context.Canceled before reading", err, counted.n)
	}
	small, releaseSmall, err := b.ReadBody(over, req(SmallBody))
	if err != nil || len(small) != SmallBody {
		t.Fatalf("a small body was held back: %d bytes, %v", len(small), err)
	}
	releaseSmall()
	release1()
	body2, release2, err := b.ReadBody(t.Context(), req(mib))
	if err != nil || len(body2) != mib {
		t.Fatalf("after the release: %d bytes, %v", len(body2), err)
	}
	release2()
}
