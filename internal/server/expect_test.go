package server_test

import (
	"bufio"
	"net"
	"net/http"
	"testing"
	"time"

	"signet/internal/config"
)

// TestExpectHeaders: S3 ignores an expectation it does not know and
// serves the request (a PutObject or CreateBucket with "Expect: 200"
// succeeds there), and accepts an empty Expect. net/http alone would
// answer any expectation but 100-continue itself, 417 before a handler
// runs; on signet's listener (internal/expect) every one reaches signet.
// The anonymous PUT is signet's to refuse: what is judged is who answers.
func TestExpectHeaders(t *testing.T) {
	host := startConnLimited(t, func(*config.Config) {})
	for _, expect := range []string{"", "100-continue", "100-Continue", "200", "foo", "foo, 100-continue"} {
		t.Run("Expect: "+expect, func(t *testing.T) {
			res := sendWithExpect(t, host, expect)
			// Every answer of signet's handler carries a request ID;
			// net/http's own 417 does not.
			if res.Header.Get("x-amz-request-id") == "" || res.StatusCode == http.StatusExpectationFailed {
				t.Errorf("did not reach signet's handler: status %d, header %v", res.StatusCode, res.Header)
			}
		})
	}
}

// TestExpectHeadersSigned: a signed upload and a presigned download that
// carry an unknown expectation are served as without it, as on S3.
func TestExpectHeadersSigned(t *testing.T) {
	a := newAdvEnv(t)
	put := a.rootHeader(t, http.MethodPut, "/adv/expect-200", nil, []byte("payload"))
	put.header.Set("Expect", "200")
	if r := a.sendRaw(t, a.wire(put, 7), false); r.status != 200 {
		t.Fatalf("PUT with Expect: 200: %s", r)
	}
	get := advReq{method: http.MethodGet, target: a.presign(t, http.MethodGet, "/adv/expect-200", a.root(), time.Hour), header: http.Header{"Expect": {"foo"}}}
	if r := a.sendRaw(t, a.wire(get, -1), false); r.status != 200 || string(r.body) != "payload" {
		t.Fatalf("presigned GET with Expect: foo: %s", r)
	}
}

// sendWithExpect sends an anonymous PUT with a 3-byte body and the Expect
// header given, on a connection of its own, and reads the answer.
func sendWithExpect(t *testing.T, host, expect string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// A generous deadline: the test judges who answers, not how fast.
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	req := "PUT /expect-bucket/k HTTP/1.1\r\nHost: " + host + "\r\nExpect: " + expect + "\r\nContent-Length: 3\r\n\r\nbar"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}
