// Package logbuf batches a server's log output: lines wait in memory and
// reach the underlying writer every Interval, or as soon as Size bytes are
// waiting, in one write(2) instead of one per line. signet writes an
// access-log line for every request; on a busy server the system call cost
// more than formatting the line (docs/performance.md).
//
// The price is latency, and what a crash loses: at most Interval of lines
// (SIGKILL, power loss). Lines at slog.LevelWarn and above are written at
// once, with everything before them (Handler), so a warning or an error is
// never the one left in memory. Close writes what is left.
package logbuf

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Interval is how long a line may wait; Size is how many bytes may wait.
const (
	Interval = 100 * time.Millisecond
	Size     = 64 << 10
)

// Writer batches writes to an io.Writer. It is safe for concurrent use.
type Writer struct {
	out io.Writer

	mu  sync.Mutex
	buf []byte
	err error // the first error writing out; later writes return it

	stop chan struct{}
	done chan struct{}
}

// New returns a Writer to out that flushes every Interval until Close.
func New(out io.Writer) *Writer {
	w := &Writer{out: out, buf: make([]byte, 0, Size), stop: make(chan struct{}), done: make(chan struct{})}
	go w.flushEvery(Interval)
	return w
}

func (w *Writer) flushEvery(d time.Duration) {
	defer close(w.done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			_ = w.Flush()
		}
	}
}

// Write keeps p (one log line, as slog handlers write) for the next flush,
// flushing first if it would not fit.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	if len(w.buf)+len(p) > Size {
		if err := w.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > Size {
			// A line larger than the buffer goes out whole, now.
			if _, err := w.out.Write(p); err != nil {
				w.err = err
				return 0, err
			}
			return len(p), nil
		}
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// Flush writes what is waiting.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

func (w *Writer) flushLocked() error {
	if w.err != nil || len(w.buf) == 0 {
		return w.err
	}
	_, err := w.out.Write(w.buf)
	w.buf = w.buf[:0]
	if err != nil {
		w.err = err
	}
	return err
}

// Close stops the periodic flush and writes what is waiting. A line
// written after Close waits for an explicit Flush (a warning makes one),
// so callers close the Writer after the last line.
func (w *Writer) Close() error {
	select {
	case <-w.stop:
	default:
		close(w.stop)
		<-w.done
	}
	return w.Flush()
}

// Handler wraps a slog.Handler that writes to w, flushing w after every
// record at slog.LevelWarn or above.
func Handler(h slog.Handler, w *Writer) slog.Handler { return &handler{next: h, w: w} }

type handler struct {
	next slog.Handler
	w    *Writer
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	err := h.next.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &handler{next: h.next.WithAttrs(as), w: h.w}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), w: h.w}
}
