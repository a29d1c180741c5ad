package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"sync/atomic"
	"time"

	"signet/internal/clock"
	"signet/internal/metrics"
	"signet/internal/reqinfo"
	"signet/internal/requestid"
	"signet/internal/urluses"
)

// statusWriter remembers the status and byte count for the access log,
// and holds the request's record (reqinfo), which error writers that see
// only the ResponseWriter reach through it.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	rec    reqinfo.Record
}

// Record implements reqinfo.Holder.
func (w *statusWriter) Record() *reqinfo.Record { return &w.rec }
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps sendfile available through the wrapper.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(struct{ io.Writer }{w.ResponseWriter}, r)
	}
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// tally follows the requests being served: how many are in flight (the
// drain line says it) and, with metrics on, what each one was.
type tally struct {
	inFlight atomic.Int64
	metrics  *metrics.Metrics // nil: metrics off
	// uses keeps the uses of presigned links (nil: none kept).
	uses *urluses.Store
}

// countingBody counts the request body bytes read, for the metrics.
type countingBody struct {
	io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

// maxUserAgent bounds the user agent an access log line carries.
const maxUserAgent = 256

// withRequest gives every request an ID (header and context) and a record
// (reqinfo) the handlers fill in, recovers panics into a 500 that names
// only the request ID, writes one access log line per request and, with
// metrics on, records it. The log carries no query string: presigned URLs
// hold signatures and session tokens; nor a secret, a signature or a
// token from anywhere else: the record holds none.
func withRequest(next http.Handler, log *slog.Logger, clk clock.Clock, t *tally) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestid.New()
		// s3api adds x-amz-id-2 and Server to S3 responses.
		w.Header().Set("X-Amz-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(reqinfo.With(requestid.With(r.Context(), id), &sw.rec))
		var body *countingBody
		if t.metrics != nil {
			t.metrics.Start()
			if r.Body != nil && r.Body != http.NoBody {
				body = &countingBody{ReadCloser: r.Body}
				r.Body = body
			}
		}
		t.inFlight.Add(1)
		start := clk.Now()
		defer func() {
			t.inFlight.Add(-1)
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					t.observe(sw, body, 0)
					panic(p)
				}
				log.Error("panic", "request_id", id, "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					http.Error(sw, "internal error, request "+id, http.StatusInternalServerError)
				}
			}
			took := clk.Now().Sub(start)
			t.observe(sw, body, took)
			// The access log runs for every request, so its record is built
			// by hand: typed attributes (the variadic form boxes each value)
			// and no caller PC (Logger.Log walks the stack for one on every
			// call; the handler does not print it).
			rq := &sw.rec
			// The wall clock's time, as slog's own: a log line and a
			// link's use say when the request was answered, whatever clock
			// the server judges requests by.
			// Only a request whose signature matched is a use of the link:
			// forgeries carrying its signature would otherwise push its
			// real uses out of the bounded store (the access log has them).
			use := t.uses != nil && rq.Verified
			h := log.Handler()
			logged := h.Enabled(r.Context(), slog.LevelInfo)
			var wall time.Time
			if use || logged {
				wall = time.Now()
			}
			if use {
				t.uses.Add(rq.Print, useOf(r, sw, wall))
			}
			if logged {
				rec := slog.NewRecord(wall, slog.LevelInfo, "request", 0)
				ua := r.UserAgent()
				if len(ua) > maxUserAgent {
					ua = ua[:maxUserAgent]
				}
				// One AddAttrs call: each call past the record's few inline
				// attributes grows its slice again.
				var attrs [21]slog.Attr
				a := append(attrs[:0], slog.String("request_id", id), slog.String("method", r.Method),
					slog.String("path", r.URL.EscapedPath()), slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes),
					slog.String("remote", r.RemoteAddr), slog.Float64("duration_ms", float64(took.Microseconds())/1000),
					slog.String("api", rq.API), slog.String("operation", rq.Operation), slog.String("error_code", rq.ErrorCode),
					slog.String("auth_type", rq.AuthType), slog.String("auth_outcome", rq.AuthOutcome),
					slog.String("access_key_id", rq.AccessKeyID), slog.String("principal", rq.PrincipalARN),
					slog.String("user_agent", ua))
				if presignedLine(rq) {
					a = append(a, slog.String("session_name", rq.SessionName), slog.String("sig_fingerprint", rq.Print.String()),
						slog.String("signed_at", logTime(rq.SignedAt)), slog.String("url_expires", logTime(rq.URLExpiry)),
						slog.String("effective_expires", logTime(rq.Deadline)), slog.String("limited_by", rq.LimitedBy))
				}
				rec.AddAttrs(a...)
				_ = h.Handle(r.Context(), rec)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// observe records an answered request in the metrics, if they are on.
func (t *tally) observe(sw *statusWriter, body *countingBody, took time.Duration) {
	if t.metrics == nil {
		return
	}
	var in int64
	if body != nil {
		in = body.n
	}
	t.metrics.Observe(&sw.rec, sw.status, in, sw.bytes, took)
}

// presignedLine reports whether the access line of rq names a presigned
// link's facts: a presigned URL or a POST form, served or refused.
// Header-signed and anonymous lines keep their fields as they were.
func presignedLine(rq *reqinfo.Record) bool {
	switch rq.AuthType {
	case reqinfo.AuthPresignedV4, reqinfo.AuthPresignedV2, reqinfo.AuthPOST:
		return true
	}
	return !rq.Print.IsZero()
}

// logTime writes t for the access log: RFC 3339 in UTC, "" when unknown.
func logTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// useOf is the use of a presigned link that the answered request r was.
func useOf(r *http.Request, sw *statusWriter, at time.Time) urluses.Use {
	rq := &sw.rec
	status := sw.status
	if status == 0 {
		status = http.StatusOK // what net/http sends for a handler that wrote nothing
	}
	return urluses.Use{At: at.UTC(), Client: clientIP(r.RemoteAddr), Method: r.Method, Status: status, Bytes: sw.bytes,
		Outcome: rq.AuthOutcome, ErrorCode: rq.ErrorCode, Operation: rq.Operation,
		PrincipalARN: rq.PrincipalARN, AccessKeyID: rq.AccessKeyID}
}

// clientIP is the client's address without its port: RemoteAddr is
// "ip:port" from the connection, or a bare address a trusted proxy
// forwarded (withTrustedProxies); the zero Addr when neither.
func clientIP(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}
