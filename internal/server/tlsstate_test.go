package server

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"signet/internal/clock"
)

// TestTLSStateThroughTheExpectListener: under TLS, net/http cannot see the
// *tls.Conn through expect.Conn, so Request.TLS comes from withTLSState;
// every handler sees it as net/http would have set it, and HTTP/2 is not
// offered (S3 speaks HTTP/1.1 only).
func TestTLSStateThroughTheExpectListener(t *testing.T) {
	s, err := New(testConfig(t), quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	seen := make(chan *tls.ConnectionState, 1)
	// The production chain of HTTPServer around a handler that records
	// what it is given.
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen <- r.TLS })
	hs := s.HTTPServer()
	// httptest's own certificate, served through signet's listener.
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	cfg := ts.TLS.Clone()
	ts.Close()
	ts = httptest.NewUnstartedServer(nil)
	ts.Config = hs
	ts.Listener = s.ServeListener(ts.Listener, cfg)
	ts.Start()
	t.Cleanup(ts.Close)

	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	res, err := (&http.Client{Transport: tr}).Get("https://" + ts.Listener.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	st := <-seen
	if st == nil || !st.HandshakeComplete {
		t.Fatalf("Request.TLS = %+v, want the connection's state", st)
	}
	if res.ProtoMajor != 1 || st.NegotiatedProtocol == "h2" {
		t.Errorf("protocol %s (ALPN %q), want HTTP/1.1", res.Proto, st.NegotiatedProtocol)
	}
}
