package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// accessLine is the access log line of the request with ID id.
func accessLine(t *testing.T, e *testEnv, id string) string {
	t.Helper()
	if id == "" {
		t.Fatal("the response has no x-amz-request-id")
	}
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(line, "msg=request ") && strings.Contains(line, "request_id="+id+" ") {
			return line
		}
	}
	t.Fatalf("no access log line for request %s in:\n%s", id, e.logs.String())
	return ""
}

func wantFields(t *testing.T, line string, fields ...string) {
	t.Helper()
	for _, f := range fields {
		if !strings.Contains(line, " "+f+" ") && !strings.HasSuffix(line, " "+f) {
			t.Errorf("the access log line lacks %s:\n%s", f, line)
		}
	}
}

// TestAccessLogSaysWhyALinkFailed: the line of a presigned GET whose
// session has ended names the operation, the error code, the auth type
// and outcome, the key, the user agent and the request ID the client got;
// the line of a success names the signer. Neither holds the signature or
// the session token. (Metrics are off: the log does not need them.)
func TestAccessLogSaysWhyALinkFailed(t *testing.T) {
	ie := newIdentityEnv(t)
	sess := ie.assume(t, ie.alice, ie.roleARN, "logged", 900)
	u := ie.presign(t, sess.sig(), time.Hour)
	hdr := http.Header{"User-Agent": {"photo-app/1.2"}}

	ok := do(t, ie.httpc, http.MethodGet, u, hdr, nil)
	wantOK(t, ok, 200, ie.body)
	line := accessLine(t, ie.testEnv, ok.header.Get("X-Amz-Request-Id"))
	wantFields(t, line, "api=s3", "operation=GetObject", `error_code=""`, "auth_type=presigned-v4", "auth_outcome=ok",
		"access_key_id="+sess.AccessKeyId, "user_agent=photo-app/1.2")
	if !strings.Contains(line, " principal=arn:aws:sts::") || !strings.Contains(line, ":assumed-role/reader/logged ") {
		t.Errorf("the line does not name the session's ARN:\n%s", line)
	}

	ie.fake.Set(t0.Add(901 * time.Second))
	failed := do(t, ie.httpc, http.MethodGet, u, hdr, nil)
	wantErr(t, failed, 400, "ExpiredToken")
	line = accessLine(t, ie.testEnv, failed.header.Get("X-Amz-Request-Id"))
	wantFields(t, line, "api=s3", "error_code=ExpiredToken", "auth_type=presigned-v4", "auth_outcome=session_expired",
		"access_key_id="+sess.AccessKeyId, "user_agent=photo-app/1.2", "status=400")
	// A refused presigned request names its signer too, once the key
	// was found: the session whose end refused it.
	if !strings.Contains(line, " principal=arn:aws:sts::") || !strings.Contains(line, ":assumed-role/reader/logged ") {
		t.Errorf("the refused line does not name the session's ARN:\n%s", line)
	}

	denied := ie.queryErrResp(t, "iam", sess)
	line = accessLine(t, ie.testEnv, denied)
	wantFields(t, line, "api=iam", "error_code=ExpiredToken", "auth_type=header", "auth_outcome=session_expired")

	sig := u[strings.Index(u, "X-Amz-Signature=")+len("X-Amz-Signature="):]
	for _, secret := range []string{sig, sess.SessionToken, sess.SecretAccessKey} {
		if strings.Contains(ie.logs.String(), secret) {
			t.Errorf("the log holds a secret or a signature: %q", secret)
		}
	}
}

// queryErrResp makes an IAM call with c that fails, and returns its
// request ID.
func (e *testEnv) queryErrResp(t *testing.T, service string, c credsXML) string {
	t.Helper()
	r := e.call(t, service, c.sig(), map[string][]string{"Action": {"ListUsers"}, "Version": {"2010-05-08"}})
	if r.status < 400 {
		t.Fatalf("%s ListUsers with an ended session: %d", service, r.status)
	}
	return r.header.Get("X-Amz-Request-Id")
}
