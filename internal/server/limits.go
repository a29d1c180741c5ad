package server

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"signet/internal/expect"
)

// ServeListener is the listener HTTPServer serves on: ln with its
// connections capped (LimitListener), TLS when tlsConfig is not nil, and
// Expect headers other than 100-continue passed on to signet rather than
// answered 417 by net/http (internal/expect).
func (s *Server) ServeListener(ln net.Listener, tlsConfig *tls.Config) net.Listener {
	ln = s.LimitListener(ln)
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	return expect.Listen(ln)
}

// tlsConnKey is the context key of a request's *tls.Conn.
type tlsConnKey struct{}

// withTLSConn is http.Server's ConnContext: net/http sets Request.TLS only
// when it holds the *tls.Conn itself, and under expect.Conn it does not, so
// the connection is kept for withTLSState.
func withTLSConn(ctx context.Context, c net.Conn) context.Context {
	if ec, ok := c.(*expect.Conn); ok {
		if tc, ok := ec.Inner().(*tls.Conn); ok {
			return context.WithValue(ctx, tlsConnKey{}, tc)
		}
	}
	return ctx
}

// withTLSState sets Request.TLS from the connection withTLSConn kept, as
// net/http would have, for aws:SecureTransport and SSE-C's TLS check.
func withTLSState(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			if tc, ok := r.Context().Value(tlsConnKey{}).(*tls.Conn); ok {
				st := tc.ConnectionState()
				r.TLS = &st
			}
		}
		next.ServeHTTP(w, r)
	})
}

// LimitListener caps the connections open at once at the configuration's
// MaxConns: Accept waits for a slot, so the connections past the cap wait
// in the kernel's listen backlog instead of each costing a goroutine and
// buffers here.
func (s *Server) LimitListener(ln net.Listener) net.Listener {
	n, _ := s.cfg.BodyLimits()
	return &limitListener{Listener: ln, slots: make(chan struct{}, n)}
}

type limitListener struct {
	net.Listener
	slots chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &slotConn{Conn: c, release: func() { <-l.slots }}, nil
}

// slotConn gives its slot back once, on the first Close.
type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// withBodyIdleTimeout fails a request body's read when nothing arrives for
// idle, and so closes the connection of a client that trickles its body:
// ReadTimeout alone bounds the whole request, and must be long for large
// uploads. Each read moves the connection's read deadline to idle from
// now, never past the request's ReadTimeout. Network deadlines are wall
// time by nature: this is not a lifetime, so no injected clock applies.
func withBodyIdleTimeout(next http.Handler, idle, read time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			b := &idleBody{ReadCloser: r.Body, rc: http.NewResponseController(w), idle: idle, end: time.Now().Add(read)} // wall clock: a network deadline
			// From the start too: a handler that answers without reading
			// the body leaves net/http to drain it after the answer.
			b.extend()
			r.Body = b
		}
		next.ServeHTTP(w, r)
	})
}

type idleBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
	end  time.Time // the request's ReadTimeout
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.extend()
	return b.ReadCloser.Read(p)
}

// extend moves the read deadline to idle from now, within ReadTimeout.
func (b *idleBody) extend() {
	dl := time.Now().Add(b.idle) // wall clock: a network deadline, not a lifetime
	if dl.After(b.end) {
		dl = b.end
	}
	// A writer that cannot set deadlines (a test recorder) has nothing
	// to protect.
	_ = b.rc.SetReadDeadline(dl)
}
