package server_test

// Adversarial section: body limits. Hostile bodies cost what their
// operation can accept, not what they weigh: a CompleteMultipartUpload for
// an upload that does not exist is refused before its body is read, bodies
// with more elements than the operation accepts are refused, a client
// that stalls its body is cut off after BodyIdleTimeout, and connections
// past MaxConns wait for a slot.

import (
	"bufio"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/server"
)

func TestAdversarialBodyLimits(t *testing.T) {
	a := newAdvEnv(t)
	parts := func(n int) []byte {
		return []byte("<CompleteMultipartUpload>" + strings.Repeat("<Part></Part>", n) + "</CompleteMultipartUpload>")
	}
	objects := func(n int) []byte {
		return []byte("<Delete>" + strings.Repeat("<Object><Key>x</Key></Object>", n) + "</Delete>")
	}
	rows := []struct {
		name   string
		req    func(t *testing.T) advReq
		status int
		code   string
	}{
		{"Complete of a made-up upload, 4 MiB of parts", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/adv/obj?uploadId=made-up", nil, parts(320000))
		}, 404, "NoSuchUpload"},
		{"Complete of the real upload, 10,001 parts", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/adv/mp?uploadId="+a.upload, nil, parts(10001))
		}, 400, "MalformedXML"},
		{"Complete of the real upload, 4 MiB of parts", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/adv/mp?uploadId="+a.upload, nil, parts(320000))
		}, 400, "MalformedXML"},
		{"Complete over 4 MiB", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/adv/mp?uploadId="+a.upload, nil, []byte(strings.Repeat(" ", 4<<20+1)))
		}, 400, "MaxMessageLengthExceeded"},
		{"DeleteObjects with 1,001 keys", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/adv?delete", nil, objects(1001))
		}, 400, "MalformedXML"},
		{"DeleteObjects with 2 MiB of empty objects", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/adv?delete", nil, []byte("<Delete>"+strings.Repeat("<Object/>", 230000)+"</Delete>"))
		}, 400, "MalformedXML"},
		{"DeleteObjects nested 10,000 deep", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/adv?delete", nil, []byte("<Delete>"+strings.Repeat("<a>", 10000)+strings.Repeat("</a>", 10000)+"</Delete>"))
		}, 400, "MalformedXML"},
		{"ACL with 10,000 grants", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPut, "/adv/obj?acl", nil, []byte("<AccessControlPolicy><AccessControlList>"+strings.Repeat("<Grant></Grant>", 10000)+"</AccessControlList></AccessControlPolicy>"))
		}, 400, "MalformedXML"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			a.fake.Set(t0)
			r := a.send(t, row.req(t))
			code, _ := errorCode(r.body)
			if r.status != row.status || code != row.code {
				t.Errorf("want %d %s, got %d %s\n%s", row.status, row.code, r.status, code, r)
			}
			a.intact(t)
		})
	}
}

// startConnLimited is signet on its production http.Server and listener
// wrapper, with tune applied to the configuration.
func startConnLimited(t *testing.T, tune func(*config.Config)) (host string) {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.Region = "127.0.0.1:0", t.TempDir(), region
	cfg.RootAccessKeyID, cfg.RootSecret, cfg.TLSCert, cfg.TLSKey = "", "", "", ""
	tune(&cfg)
	srv, err := server.New(cfg, slog.New(slog.DiscardHandler), clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = srv.HTTPServer()
	ts.Listener = srv.LimitListener(ts.Listener)
	ts.Start()
	t.Cleanup(func() { ts.Close(); _ = srv.Close() })
	u, _ := url.Parse(ts.URL)
	return u.Host
}

// TestStalledBodyIsCutOff: a PUT whose body stops arriving is closed after
// BodyIdleTimeout, long before ReadTimeout.
func TestStalledBodyIsCutOff(t *testing.T) {
	// Who closes the connection is judged, not how fast: the server's
	// BodyIdleTimeout (300 ms) against the client's own deadline (a
	// minute, far beyond any scheduling delay on a loaded machine) and a
	// ReadTimeout longer still, so only the body-idle cut can end it.
	const idle, never = 300 * time.Millisecond, time.Minute
	host := startConnLimited(t, func(c *config.Config) { c.BodyIdleTimeout, c.ReadTimeout = idle, 10*never })
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = conn.Write([]byte("PUT /b/k HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 100\r\n\r\n0123456789"))
	_ = conn.SetReadDeadline(time.Now().Add(never))
	buf := make([]byte, 4096)
	for {
		_, err := conn.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("a stalled body still held its connection after %v; BodyIdleTimeout is %v", never, idle)
		}
		break
	}
}

// TestConnectionsPastMaxConnsWait: with MaxConns connections open, the
// next one is not served until one of them closes.
func TestConnectionsPastMaxConnsWait(t *testing.T) {
	host := startConnLimited(t, func(c *config.Config) { c.MaxConns = 2 })
	var held []net.Conn
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	healthz := func(c net.Conn, wait time.Duration) (int, error) {
		_ = c.SetDeadline(time.Now().Add(wait))
		if _, err := c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: " + host + "\r\n\r\n")); err != nil {
			return 0, err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	for i, c := range held {
		if code, err := healthz(c, time.Minute); err != nil || code != 200 {
			t.Fatalf("held connection %d: %d %v", i, code, err)
		}
	}
	third, err := net.Dial("tcp", host) // completes in the kernel backlog
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	// Not served within half a second: a machine too loaded to serve it
	// in that time could hide a missing limit, never fail a working one.
	if code, err := healthz(third, 500*time.Millisecond); err == nil {
		t.Fatalf("a third connection was served (%d) while MaxConns=2 were open", code)
	}
	held[0].Close()
	again, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	_ = third.Close()
	if code, err := healthz(again, time.Minute); err != nil || code != 200 {
		t.Fatalf("after a slot was freed: %d %v", code, err)
	}
}
