package server

import (
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"signet/internal/clock"
	"signet/internal/requestid"
)

// statusWriter remembers the status and byte count for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

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

// withRequest gives every request an ID (header and context), recovers
// panics into a 500 that names only the request ID, and writes one access
// log line per request. The log carries no query string: presigned URLs
// hold signatures and session tokens.
func withRequest(next http.Handler, log *slog.Logger, clk clock.Clock) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestid.New()
		// s3api adds x-amz-id-2 and Server to S3 responses.
		w.Header().Set("X-Amz-Request-Id", id)
		r = r.WithContext(requestid.With(r.Context(), id))
		sw := &statusWriter{ResponseWriter: w}
		start := clk.Now()
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic", "request_id", id, "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					http.Error(sw, "internal error, request "+id, http.StatusInternalServerError)
				}
			}
			// The access log runs for every request, so its record is built
			// by hand: typed attributes (the variadic form boxes each value)
			// and no caller PC (Logger.Log walks the stack for one on every
			// call; the handler does not print it). The record's time is the
			// wall clock, as slog's own: a log line says when it was written,
			// whatever clock the server judges requests by.
			if h := log.Handler(); h.Enabled(r.Context(), slog.LevelInfo) {
				rec := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
				rec.AddAttrs(slog.String("request_id", id), slog.String("method", r.Method),
					slog.String("path", r.URL.EscapedPath()), slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes),
					slog.String("remote", r.RemoteAddr), slog.Float64("duration_ms", float64(clk.Now().Sub(start).Microseconds())/1000))
				_ = h.Handle(r.Context(), rec)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}
