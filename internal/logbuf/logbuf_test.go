package logbuf

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// recorder counts the writes that reach it.
type recorder struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	fail   error
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return 0, r.fail
	}
	r.writes++
	return r.buf.Write(p)
}

func (r *recorder) snapshot() (string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String(), r.writes
}

func TestLinesAreBatchedAndFlushed(t *testing.T) {
	rec := &recorder{}
	w := &Writer{out: rec, buf: make([]byte, 0, Size), stop: make(chan struct{}), done: make(chan struct{})}
	close(w.done) // no ticker: flushes are explicit here
	for i := range 100 {
		if _, err := w.Write([]byte("line " + strings.Repeat("x", i) + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	if got, n := rec.snapshot(); n != 0 || got != "" {
		t.Fatalf("before a flush, %d writes reached the output (%d bytes); want none", n, len(got))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got, n := rec.snapshot()
	if n != 1 || strings.Count(got, "\n") != 100 || !strings.HasPrefix(got, "line \nline x\n") {
		t.Fatalf("after a flush: %d writes, %d lines; want 100 lines in one write", n, strings.Count(got, "\n"))
	}
}

func TestFullBufferFlushesAndHugeLinesGoWhole(t *testing.T) {
	rec := &recorder{}
	w := &Writer{out: rec, buf: make([]byte, 0, Size), stop: make(chan struct{}), done: make(chan struct{})}
	close(w.done)
	line := []byte(strings.Repeat("a", 1000) + "\n")
	for range Size / len(line) {
		w.Write(line)
	}
	if _, n := rec.snapshot(); n != 0 {
		t.Fatalf("%d writes before the buffer was full", n)
	}
	w.Write(line) // does not fit: the waiting lines go first
	if got, n := rec.snapshot(); n != 1 || len(got) != (Size/len(line))*len(line) {
		t.Fatalf("after overflowing: %d writes, %d bytes", n, len(got))
	}
	huge := []byte(strings.Repeat("h", Size+10) + "\n")
	w.Write(huge)
	got, n := rec.snapshot()
	if n != 3 || !strings.HasSuffix(got, string(huge)) {
		t.Fatalf("a line larger than the buffer: %d writes; want the waiting line then the huge one, whole", n)
	}
}

func TestWriteErrorIsKept(t *testing.T) {
	rec := &recorder{fail: errors.New("disk full")}
	w := &Writer{out: rec, buf: make([]byte, 0, Size), stop: make(chan struct{}), done: make(chan struct{})}
	close(w.done)
	w.Write([]byte("x\n"))
	if err := w.Flush(); err == nil {
		t.Fatal("Flush hid the output's error")
	}
	if _, err := w.Write([]byte("y\n")); err == nil {
		t.Fatal("Write after a failed flush did not report it")
	}
}

// TestWarningsFlushAtOnce: info lines wait, a warning goes out at once
// with the lines before it; Close writes the rest.
func TestWarningsFlushAtOnce(t *testing.T) {
	rec := &recorder{}
	w := New(rec)
	log := slog.New(Handler(slog.NewJSONHandler(w, nil), w)).With("node", "a")
	// Flushes by the ticker could land anywhere; only what must have
	// happened is checked.
	log.Info("request", "n", 1)
	log.Warn("disk slow")
	got, _ := rec.snapshot()
	if !strings.Contains(got, `"msg":"request"`) || !strings.Contains(got, `"msg":"disk slow"`) || !strings.Contains(got, `"node":"a"`) {
		t.Fatalf("after a warning the output holds %q; want the info line and the warning", got)
	}
	log.Info("last")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := rec.snapshot(); !strings.Contains(got, `"msg":"last"`) {
		t.Fatalf("Close did not write the waiting line: %q", got)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
}

// TestConcurrentWritersLinesStayWhole: writers, explicit flushes and the
// ticker at once, with lines big enough that the buffer fills and flushes
// on its own. Every line reaches the output exactly once and whole, and
// each writer's lines keep their order.
func TestConcurrentWritersLinesStayWhole(t *testing.T) {
	rec := &recorder{}
	w := New(rec)
	const writers, lines = 6, 400
	pad := strings.Repeat("p", 700) // about 70 lines fill the buffer
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				if _, err := fmt.Fprintf(w, "w%d %04d %s\n", g, i, pad); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 {
					if err := w.Flush(); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := rec.snapshot()
	next := make([]int, writers)
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		f := strings.Split(l, " ")
		g, gerr := strconv.Atoi(strings.TrimPrefix(f[0], "w"))
		i, ierr := strconv.Atoi(f[min(1, len(f)-1)])
		if len(f) != 3 || gerr != nil || ierr != nil || g < 0 || g >= writers || f[2] != pad {
			t.Fatalf("torn or foreign line %.40q…", l)
		}
		if i != next[g] {
			t.Fatalf("writer %d: line %d where %d was due (lost, repeated or reordered)", g, i, next[g])
		}
		next[g]++
	}
	for g, n := range next {
		if n != lines {
			t.Errorf("writer %d: %d of %d lines reached the output", g, n, lines)
		}
	}
}
