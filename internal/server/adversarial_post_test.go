package server_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"signet/internal/config"
	"signet/internal/postpolicy"
	"signet/internal/sigv4"
)

// Hostile browser form uploads (POST Object) through the real server: each
// is refused with S3's error, and afterwards every object holds its bytes
// and the server still serves (a.intact).

// advForm builds a form signed by c at t0 for bucket adv: conds are the
// policy's conditions besides the signer's, fields the fields before the
// file, files how many file parts follow.
type advForm struct {
	c      sigv4.Credentials
	bucket string
	conds  []string
	fields [][2]string
	files  int
	file   string
	policy string // overrides the policy field (already base64)
}

func (f advForm) body(t *testing.T) ([]byte, string) {
	t.Helper()
	bucket := f.bucket
	if bucket == "" {
		bucket = "adv"
	}
	cred := f.c.AccessKeyID + "/" + t0.Format("20060102") + "/" + region + "/s3/aws4_request"
	date := t0.Format("20060102T150405Z")
	conds := append([]string{`{"bucket": "` + bucket + `"}`}, f.conds...)
	conds = append(conds, `{"x-amz-algorithm": "AWS4-HMAC-SHA256"}`, `{"x-amz-credential": "`+cred+`"}`, `{"x-amz-date": "`+date+`"}`)
	fields := append([][2]string{}, f.fields...)
	fields = append(fields, [2]string{"x-amz-algorithm", "AWS4-HMAC-SHA256"}, [2]string{"x-amz-credential", cred}, [2]string{"x-amz-date", date})
	if f.c.SessionToken != "" {
		conds = append(conds, `{"x-amz-security-token": "`+f.c.SessionToken+`"}`)
		fields = append(fields, [2]string{"x-amz-security-token", f.c.SessionToken})
	}
	policy := f.policy
	if policy == "" {
		policy = postpolicy.Encode([]byte(`{"expiration": "` + t0.Add(time.Hour).Format(time.RFC3339) + `", "conditions": [` + strings.Join(conds, ", ") + `]}`))
	}
	sig := postpolicy.SignV4(f.c.SecretAccessKey, sigv4.Scope{Date: t0.Format("20060102"), Region: region, Service: "s3"}, policy)
	fields = append(fields, [2]string{"policy", policy}, [2]string{"x-amz-signature", sig})
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, kv := range fields {
		_ = mw.WriteField(kv[0], kv[1])
	}
	for i := 0; i < f.files; i++ {
		w, _ := mw.CreateFormFile("file", fmt.Sprintf("f%d.txt", i))
		_, _ = w.Write([]byte(f.file))
	}
	_ = mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

func (a *advEnv) postForm(t *testing.T, bucket string, f advForm) rawResp {
	t.Helper()
	body, ct := f.body(t)
	return a.send(t, advReq{method: http.MethodPost, target: "/" + bucket, header: http.Header{"Content-Type": {ct}}, body: body})
}

func TestAdversarialPostForms(t *testing.T) {
	a := newAdvEnv(t)
	onObj := []string{`{"key": "adv/obj"}`}
	rows := []struct {
		name   string
		bucket string
		form   advForm
		status int
		code   string
		msg    string
	}{
		{"contradictory conditions", "adv", advForm{c: a.alice, conds: []string{`{"key": "adv/obj"}`, `["starts-with", "$key", "elsewhere/"]`}, fields: [][2]string{{"key", "adv/obj"}}, files: 1, file: "overwritten"},
			403, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "elsewhere/"]`},
		{"a content-length-range that admits nothing", "adv", advForm{c: a.alice, conds: append([]string{`["content-length-range", 10, 5]`}, onObj...), fields: [][2]string{{"key", "adv/obj"}}, files: 1, file: "overwritten"},
			400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"},
		{"two files", "adv", advForm{c: a.alice, conds: onObj, fields: [][2]string{{"key", "adv/obj"}}, files: 2, file: "overwritten"},
			400, "IncorrectNumberOfFilesInPostRequest", "POST requires exactly one file upload per request."},
		{"no file", "adv", advForm{c: a.alice, conds: onObj, fields: [][2]string{{"key", "adv/obj"}}},
			400, "InvalidArgument", "POST requires exactly one file upload per request."},
		{"an oversized field", "adv", advForm{c: a.alice, conds: onObj, fields: [][2]string{{"key", "adv/obj"}, {"x-ignore-pad", strings.Repeat("a", 30_000)}}, files: 1, file: "overwritten"},
			400, "MaxPostPreDataLengthExceeded", "Your POST request fields preceeding the upload file was too large."},
		{"a field the policy does not cover", "adv", advForm{c: a.alice, conds: onObj, fields: [][2]string{{"key", "adv/obj"}, {"Content-Type", "text/html"}}, files: 1, file: "overwritten"},
			403, "AccessDenied", "Invalid according to Policy: Extra input fields: content-type"},
		{"another bucket's policy", "adv2", advForm{c: a.alice, conds: []string{`{"key": "obj"}`}, fields: [][2]string{{"key", "obj"}}, files: 1, file: "overwritten"},
			403, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "adv"]`},
		{"an explicit deny", "adv", advForm{c: a.mallory, conds: onObj, fields: [][2]string{{"key", "adv/obj"}}, files: 1, file: "overwritten"},
			403, "AccessDenied", "Access Denied"},
		{"a terminated session", "adv", advForm{c: a.ended.sig(), conds: onObj, fields: [][2]string{{"key", "adv/obj"}}, files: 1, file: "overwritten"},
			400, "ExpiredToken", "The provided token has expired."},
		{"a deleted key", "adv", advForm{c: a.carol, conds: onObj, fields: [][2]string{{"key", "adv/obj"}}, files: 1, file: "overwritten"},
			403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."},
		{"a policy that is not a policy", "adv", advForm{c: a.alice, policy: postpolicy.Encode([]byte(`{"Version":"2012-10-17","Statement":[]}`)), fields: [][2]string{{"key", "adv/obj"}}, files: 1, file: "overwritten"},
			400, "InvalidPolicyDocument", "Invalid Policy: Unexpected: 'version'"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			resp := a.postForm(t, r.bucket, r.form)
			code, msg := errorCode(resp.body)
			if resp.status != r.status || code != r.code || msg != r.msg {
				t.Fatalf("want %d %s %q\n%s", r.status, r.code, r.msg, resp)
			}
			a.intact(t)
		})
	}
}

// TestAdversarialPostPolicyOf20MB: a 20 MB policy field is refused once
// the fields pass 20480 bytes, without the server reading the rest.
func TestAdversarialPostPolicyOf20MB(t *testing.T) {
	a := newAdvEnv(t)
	const boundary = "hostile"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nadv/obj\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"policy\"\r\n\r\n"
	size := len(head) + 20<<20
	req := fmt.Sprintf("POST /adv HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", a.host, boundary, size)
	conn, err := net.Dial("tcp", a.host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	// Only the first 256 KiB are sent; the answer must come without the
	// rest, so the server cannot be waiting for (or holding) 20 MB.
	go func() {
		_, _ = conn.Write([]byte(req + head))
		_, _ = conn.Write(bytes.Repeat([]byte("A"), 256<<10))
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a 20 MB policy after 256 KiB of it: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if code, _ := errorCode(body); resp.StatusCode != 400 || code != "MaxPostPreDataLengthExceeded" || !strings.Contains(string(body), "<MaxPostPreDataLengthBytes>20480</MaxPostPreDataLengthBytes>") {
		t.Fatalf("20 MB policy: %d %s", resp.StatusCode, body)
	}
	conn.Close()
	a.intact(t)
}

// TestAdversarialPostFormNeverEnds: a form whose body stops arriving in the
// middle of its fields is cut off by BodyIdleTimeout, as a stalled PUT is.
func TestAdversarialPostFormNeverEnds(t *testing.T) {
	const idle, never = 300 * time.Millisecond, time.Minute
	host := startConnLimited(t, func(c *config.Config) { c.BodyIdleTimeout, c.ReadTimeout = idle, 10*never })
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	part := "--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--b\r\nContent-Disposition: form-data; name=\"policy\"\r\n\r\neyJ"
	_, _ = conn.Write([]byte("POST /bkt HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n" + part))
	_ = conn.SetReadDeadline(time.Now().Add(never))
	buf := make([]byte, 4096)
	for {
		_, err := conn.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("a form that never ends still held its connection after %v; BodyIdleTimeout is %v", never, idle)
		}
		break
	}
}
