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
	"signet/internal/sigv4"
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
			// S3 answers a malformed ACL body with MalformedACLError.
			return a.rootHeader(t, http.MethodPut, "/adv/obj?acl", nil, []byte("<AccessControlPolicy><AccessControlList>"+strings.Repeat("<Grant></Grant>", 10000)+"</AccessControlList></AccessControlPolicy>"))
		}, 400, "MalformedACLError"},
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

// queryBody sends body as an IAM or STS call signed by c, whatever it
// holds: the form encoding a client library would never produce.
func (a *advEnv) queryBody(t *testing.T, service string, c sigv4.Credentials, body []byte) rawResp {
	t.Helper()
	req := httpReq(http.MethodPost, a.host, "/", body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := sigv4.SignHeader(req, c, region, service, a.fake.Now(), sha256HexOf(body), sigv4.Generic); err != nil {
		t.Fatal(err)
	}
	return a.send(t, advReq{method: http.MethodPost, target: "/", header: req.Header, body: body})
}

// TestAdversarialQueryBodyLimits: IAM and STS bodies cost what their
// action can accept: the parameters are counted before they are parsed,
// a policy document past its quota is refused before it is parsed, and a
// refused value of a megabyte is not quoted back whole. CreateBucket's
// configuration is decoded within the XML limits of the other bodies.
func TestAdversarialQueryBodyLimits(t *testing.T) {
	a := newAdvEnv(t)
	form := func(kv ...string) []byte {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return []byte(v.Encode())
	}
	deep := strings.Repeat("[", 120000) // within the model's 131,072, past every quota
	huge := strings.Repeat(`"`, 300000)
	rows := []struct {
		name    string
		service string
		body    []byte
		status  int
		code    string
	}{
		{"1 MiB of one-letter parameters", "iam", []byte("Action=ListUsers&Version=2010-05-08&" + strings.Repeat("a&", (1<<20-40)/2)), 400, "InvalidQueryParameter"},
		{"1,001 parameters", "sts", []byte("Action=GetCallerIdentity&Version=2011-06-15" + strings.Repeat("&x=", 999)), 400, "InvalidQueryParameter"},
		{"PutUserPolicy, 120,000 nested brackets", "iam", form("Action", "PutUserPolicy", "Version", "2010-05-08", "UserName", "alice", "PolicyName", "big", "PolicyDocument", deep), 409, "LimitExceeded"},
		{"PutRolePolicy, 120,000 nested brackets", "iam", form("Action", "PutRolePolicy", "Version", "2010-05-08", "RoleName", "worker", "PolicyName", "big", "PolicyDocument", deep), 409, "LimitExceeded"},
		{"CreatePolicy, 120,000 nested brackets", "iam", form("Action", "CreatePolicy", "Version", "2010-05-08", "PolicyName", "big", "PolicyDocument", deep), 409, "LimitExceeded"},
		{"CreatePolicy, 300 KB of quotes", "iam", form("Action", "CreatePolicy", "Version", "2010-05-08", "PolicyName", "big", "PolicyDocument", huge), 400, "ValidationError"},
		{"AssumeRole, 300 KB session policy", "sts", form("Action", "AssumeRole", "Version", "2011-06-15", "RoleArn", a.workerARN, "RoleSessionName", "big", "Policy", huge), 400, "ValidationError"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			a.fake.Set(t0)
			c := a.root()
			if row.service == "sts" {
				c = a.alice
			}
			r := a.queryBody(t, row.service, c, row.body)
			code, msg := errorCode(r.body)
			if r.status != row.status || code != row.code {
				t.Errorf("want %d %s, got %d %s\n%.600s", row.status, row.code, r.status, code, r)
			}
			// Never the value quoted back whole.
			if len(r.body) > 16<<10 {
				t.Errorf("a %d-byte answer to a %d-byte request: %.300s…", len(r.body), len(row.body), msg)
			}
		})
	}
	t.Run("CreateBucket nested 1,000 deep", func(t *testing.T) {
		body := "<CreateBucketConfiguration>" + strings.Repeat("<a>", 1000) + strings.Repeat("</a>", 1000) + "</CreateBucketConfiguration>"
		r := a.send(t, a.rootHeader(t, http.MethodPut, "/adv-deep", nil, []byte(body)))
		if code, _ := errorCode(r.body); r.status != 400 || code != "MalformedXML" {
			t.Errorf("want 400 MalformedXML, got %d %s\n%s", r.status, code, r)
		}
	})
	t.Run("CompleteMultipartUpload of 10,001 empty parts in 130 KB", func(t *testing.T) {
		body := "<CompleteMultipartUpload>" + strings.Repeat("<Part/>", 10001) + "</CompleteMultipartUpload>"
		r := a.send(t, a.rootHeader(t, http.MethodPost, "/adv/mp?uploadId="+a.upload, nil, []byte(body)))
		if code, _ := errorCode(r.body); r.status != 400 || code != "MalformedXML" {
			t.Errorf("want 400 MalformedXML, got %d %s\n%s", r.status, code, r)
		}
	})
	a.intact(t)
}
