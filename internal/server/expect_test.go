package server_test

import (
	"bufio"
	"net"
	"net/http"
	"testing"
	"time"

	"signet/internal/config"
)

// TestExpectHeaders pins which Expect headers reach signet on its
// production http.Server. S3 ignores an expectation it does not know and
// serves the request (a PutObject or CreateBucket with "Expect: 200"
// succeeds there), and accepts an empty Expect. signet serves an empty
// Expect and 100-continue in any case, but net/http's connection loop
// answers any other expectation itself, 417 Expectation Failed with
// Connection: close, before a handler runs, with no option to pass it on;
// docs/operations.md names the difference. Should net/http start passing
// such requests on, the last case fails and the note can go.
func TestExpectHeaders(t *testing.T) {
	host := startConnLimited(t, func(*config.Config) {})
	for _, c := range []struct {
		expect      string
		reachSignet bool
	}{
		{"", true},
		{"100-continue", true},
		{"100-Continue", true},
		{"200", false},
		{"foo", false},
	} {
		t.Run("Expect: "+c.expect, func(t *testing.T) {
			res := sendWithExpect(t, host, c.expect)
			// Every answer of signet's handler carries a request ID;
			// net/http's own 417 does not.
			reached := res.Header.Get("x-amz-request-id") != ""
			if reached != c.reachSignet {
				t.Errorf("reached signet's handler = %v, want %v (status %d, header %v)", reached, c.reachSignet, res.StatusCode, res.Header)
			}
			if !c.reachSignet && res.StatusCode != http.StatusExpectationFailed {
				t.Errorf("status %d, want net/http's 417", res.StatusCode)
			}
		})
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
