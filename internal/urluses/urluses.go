// Package urluses owns the recent uses of each presigned link: one line per
// request that carried a presigned URL's or a POST form's signature,
// served or refused (when, from which client address, the method, the
// status, the bytes sent, the verdict and error code), so that "who
// downloaded the leaked file" has an answer (`signet admin url uses`).
//
// The uses are kept per node, in its data directory: JSON lines appended
// to DIR/uses.log, which is rotated to uses.log.1 … uses.log.N-1 when it
// passes MaxFileBytes, so at most Files × MaxFileBytes (64 MiB, about
// 200,000 uses) are kept, across restarts, for however long that many
// uses take. One goroutine writes them, fed through a bounded queue:
// a request never waits for the disk, and a use that finds the queue
// full is dropped and counted. What a crash loses is what waited in the
// queue (at most FlushEvery of uses); a line torn by a crash is skipped
// when read.
package urluses

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"signet/internal/sigprint"
)

// The bounds of the store, and how late a use reaches the disk.
const (
	// MaxFileBytes is the size at which uses.log is rotated.
	MaxFileBytes = 16 << 20
	// Files is how many files are kept: uses.log and Files-1 older ones.
	Files = 4
	// QueueLen is how many uses may wait for the writer.
	QueueLen = 4096
	// PerLinkPerMinute is the most uses of one link kept in a minute:
	// enough to see who used it, and a replay of one link cannot flush
	// every other link's uses (the access log keeps every request).
	PerLinkPerMinute = 600
	// trackedLinks bounds the per-minute counts; past it, uses of links
	// not yet counted that minute are kept uncounted.
	trackedLinks = 100_000
	// FlushEvery is the longest a use waits in memory.
	FlushEvery = 100 * time.Millisecond
	// flushBytes writes a batch out early, before FlushEvery.
	flushBytes = 64 << 10
)

// FileName is the current file's name in the store's directory.
const FileName = "uses.log"

// Use is one request that carried a presigned link's signature.
type Use struct {
	// At is the server's wall time when the request was answered, as in
	// its access log line.
	At time.Time `json:"at"`
	// Client is the client's IP address (the one a trusted proxy named);
	// an address rather than its text, so that the request path does not
	// format it.
	Client netip.Addr `json:"client"`
	Method string     `json:"method"`
	Status int        `json:"status"`
	// Bytes is the size of the response body sent.
	Bytes int64 `json:"bytes"`
	// Outcome is the verdict of authentication and authorisation: "ok",
	// or a reason code such as url_expired or url_revoked.
	Outcome      string `json:"outcome"`
	ErrorCode    string `json:"error_code,omitempty"`
	Operation    string `json:"operation,omitempty"`
	PrincipalARN string `json:"principal,omitempty"`
	AccessKeyID  string `json:"access_key_id,omitempty"`
}

// line is a use as stored: with the fingerprint it is filed under.
type line struct {
	Print string `json:"fingerprint"`
	Use
}

type entry struct {
	p sigprint.Print
	u Use
}

// Store keeps the uses under one directory. Add and Uses are safe for
// concurrent use.
type Store struct {
	dir     string
	maxSize int64
	files   int

	// qmu guards the queue: the uses waiting for the writer, at most
	// queueLen. A request appends under it (no goroutine is woken per
	// use); the writer takes the whole batch at each flush.
	qmu      sync.Mutex
	queue    []entry
	spare    []entry
	queueLen int
	// window and counts cap the uses kept of one link per minute (of
	// At), under qmu: replaying one link cannot push every other link's
	// uses out of the files.
	window     int64
	counts     map[sigprint.Print]int
	suppressed atomic.Int64
	// wake tells the writer a batch is worth writing before its tick.
	wake    chan struct{}
	dropped atomic.Int64
	closed  atomic.Bool
	stop    chan struct{}
	done    chan struct{}
	// syncs asks the writer to write out what is queued now; it closes
	// the channel it is given once it has.
	syncs chan chan struct{}

	// mu guards the files: the writer holds it to append and rotate,
	// Uses while it opens them.
	mu   sync.Mutex
	cur  *os.File
	size int64
	// err is the first error writing; the writer keeps trying.
	err error
}

// Open opens (or creates, 0700) dir and starts the writer. Close stops it.
func Open(dir string) (*Store, error) {
	return open(dir, MaxFileBytes, Files, QueueLen, FlushEvery)
}

func open(dir string, maxSize int64, files, queueLen int, every time.Duration) (*Store, error) {
	s, err := newStore(dir, maxSize, files, queueLen)
	if err != nil {
		return nil, err
	}
	s.syncs = make(chan chan struct{})
	go s.run(every)
	return s, nil
}

// newStore opens the directory and the current file; the writer is
// started apart (tests drive it by hand).
func newStore(dir string, maxSize int64, files, queueLen int) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	s := &Store{dir: dir, maxSize: maxSize, files: files, queueLen: queueLen, wake: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	if err := s.openCurrent(); err != nil {
		return nil, err
	}
	return s, nil
}

// openCurrent opens uses.log for appending. A last line a crash tore is
// ended with a newline, so that the next use starts a line of its own
// and only the torn one is lost.
func (s *Store) openCurrent() error {
	f, err := os.OpenFile(s.path(0), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	size := st.Size()
	if size > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, size-1); err != nil {
			f.Close()
			return err
		}
		if last[0] != '\n' {
			n, err := f.Write([]byte{'\n'})
			size += int64(n)
			if err != nil {
				f.Close()
				return err
			}
		}
	}
	s.cur, s.size = f, size
	return nil
}

// path is the name of the i-th file: uses.log, uses.log.1, …
func (s *Store) path(i int) string {
	if i == 0 {
		return filepath.Join(s.dir, FileName)
	}
	return filepath.Join(s.dir, FileName+"."+strconv.Itoa(i))
}

// Add queues a use of the link with fingerprint p. It never blocks: when
// the queue is full, or the store closed, the use is dropped and counted.
func (s *Store) Add(p sigprint.Print, u Use) {
	if s.closed.Load() {
		s.dropped.Add(1)
		return
	}
	s.qmu.Lock()
	if len(s.queue) >= s.queueLen {
		s.qmu.Unlock()
		s.dropped.Add(1)
		return
	}
	if !s.allow(p, u.At) {
		s.qmu.Unlock()
		s.suppressed.Add(1)
		return
	}
	s.queue = append(s.queue, entry{p, u})
	n := len(s.queue)
	s.qmu.Unlock()
	if n == wakeAt {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// allow counts a use of p in its minute and reports whether it is kept:
// at most PerLinkPerMinute a minute. Called with qmu held.
func (s *Store) allow(p sigprint.Print, at time.Time) bool {
	if m := at.Unix() / 60; m != s.window || s.counts == nil {
		s.window = m
		if s.counts == nil || len(s.counts) > trackedLinks {
			s.counts = make(map[sigprint.Print]int)
		} else {
			clear(s.counts)
		}
	}
	n, tracked := s.counts[p]
	if !tracked && len(s.counts) >= trackedLinks {
		return true // more links in a minute than are tracked: keep it
	}
	if n >= PerLinkPerMinute {
		return false
	}
	s.counts[p] = n + 1
	return true
}

// Suppressed is how many uses went unkept because their link passed
// PerLinkPerMinute.
func (s *Store) Suppressed() int64 { return s.suppressed.Load() }

// wakeAt is the queue length at which the writer is woken before its
// tick: about flushBytes of lines.
const wakeAt = flushBytes / 256

// take returns the queued uses and empties the queue, handing it the
// slice the last batch used.
func (s *Store) take() []entry {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	batch := s.queue
	s.queue, s.spare = s.spare[:0], nil
	return batch
}

// give hands back a written batch's slice for reuse.
func (s *Store) give(batch []entry) {
	clear(batch) // drop the strings it holds
	s.qmu.Lock()
	s.spare = batch[:0]
	s.qmu.Unlock()
}

// Dropped is how many uses were dropped because the queue was full.
func (s *Store) Dropped() int64 { return s.dropped.Load() }

// Err is the first error the writer met, or nil.
func (s *Store) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close writes what is queued and stops the writer. Uses added after it
// are dropped.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.err, s.cur.Close())
}

// run is the writer: it writes the queued uses out every FlushEvery, or
// sooner when a batch of about flushBytes waits, when a query asks, and
// on Close.
func (s *Store) run(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	var buf []byte
	for {
		select {
		case <-t.C:
			buf = s.drain(buf)
		case <-s.wake:
			buf = s.drain(buf)
		case done := <-s.syncs:
			buf = s.drain(buf)
			close(done)
		case <-s.stop:
			s.drain(buf)
			return
		}
	}
}

// drain writes every queued use out.
func (s *Store) drain(buf []byte) []byte {
	batch := s.take()
	if len(batch) == 0 {
		return buf
	}
	for _, e := range batch {
		buf = appendLine(buf, e)
		if len(buf) >= flushBytes {
			buf = s.flush(buf)
		}
	}
	s.give(batch)
	return s.flush(buf)
}

// sync has the writer write out the uses queued so far, so that a query
// right after a download sees it; it returns at once once the store is
// closed (Close wrote them).
func (s *Store) sync() {
	if s.syncs == nil {
		return // no writer runs (tests drive it by hand)
	}
	done := make(chan struct{})
	select {
	case s.syncs <- done:
		<-done
	case <-s.done:
	}
}

// appendLine appends e as one JSON line, as json.Marshal of a line would
// write it (Uses reads it back with encoding/json), built by hand: the
// writer runs once per use, on the same cores as the requests.
func appendLine(buf []byte, e entry) []byte {
	u := &e.u
	buf = append(buf, `{"fingerprint":"`...)
	buf = hex.AppendEncode(buf, e.p[:])
	buf = append(buf, `","at":"`...)
	buf = u.At.AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, `","client":"`...)
	if u.Client.IsValid() {
		buf = u.Client.AppendTo(buf)
	}
	buf = append(buf, `","method":`...)
	buf = appendString(buf, u.Method)
	buf = append(buf, `,"status":`...)
	buf = strconv.AppendInt(buf, int64(u.Status), 10)
	buf = append(buf, `,"bytes":`...)
	buf = strconv.AppendInt(buf, u.Bytes, 10)
	buf = append(buf, `,"outcome":`...)
	buf = appendString(buf, u.Outcome)
	for _, f := range [...]struct{ name, v string }{
		{`,"error_code":`, u.ErrorCode}, {`,"operation":`, u.Operation},
		{`,"principal":`, u.PrincipalARN}, {`,"access_key_id":`, u.AccessKeyID},
	} {
		if f.v != "" {
			buf = appendString(append(buf, f.name...), f.v)
		}
	}
	return append(buf, "}\n"...)
}

// appendString appends s as a JSON string: as it is when it needs no
// escaping (the usual ARN, method or code), else as encoding/json
// escapes it.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// flush appends buf to the current file, rotating first when it would
// pass the size limit, and returns buf emptied for reuse.
func (s *Store) flush(buf []byte) []byte {
	if len(buf) == 0 {
		return buf
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.size > 0 && s.size+int64(len(buf)) > s.maxSize {
		if err := s.rotate(); err != nil {
			s.fail(err)
		}
	}
	n, err := s.cur.Write(buf)
	s.size += int64(n)
	if err != nil {
		s.fail(err)
	}
	return buf[:0]
}

func (s *Store) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// rotate shifts uses.log.i to uses.log.i+1, dropping the oldest, and
// starts an empty uses.log. Called with mu held.
func (s *Store) rotate() error {
	if err := s.cur.Close(); err != nil {
		return err
	}
	_ = os.Remove(s.path(s.files - 1))
	for i := s.files - 2; i >= 0; i-- {
		if err := os.Rename(s.path(i), s.path(i+1)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	f, err := os.OpenFile(s.path(0), os.O_CREATE|os.O_RDWR|os.O_APPEND|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	s.cur, s.size = f, 0
	return nil
}

// Uses returns the newest limit uses of the link with fingerprint p,
// most recent first, including those still queued.
func (s *Store) Uses(p sigprint.Print, limit int) ([]Use, error) {
	if limit <= 0 {
		return []Use{}, nil
	}
	s.sync()
	files, err := s.openAll()
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	want := []byte(`{"fingerprint":"` + p.String() + `"`)
	out := []Use{}
	for _, f := range files {
		found, err := scan(f, want)
		if err != nil {
			return nil, err
		}
		// A file holds its uses oldest first.
		for i := len(found) - 1; i >= 0 && len(out) < limit; i-- {
			out = append(out, found[i])
		}
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// openAll opens every file newest first under mu, so that a rotation
// cannot move one between two opens; reading them needs no lock, as
// the writer only appends to the newest.
func (s *Store) openAll() ([]*os.File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var files []*os.File
	for i := range s.files {
		f, err := os.Open(s.path(i))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// maxLine bounds a line the scanner reads; a use is a few hundred bytes.
const maxLine = 64 << 10

// scan returns the uses in f whose line starts with prefix, in file
// order. A line that does not decode (torn by a crash) is skipped, and so
// is the file's last line when it lacks its newline: the writer may be
// half-way through it.
func scan(f *os.File, prefix []byte) ([]Use, error) {
	var out []Use
	r := bufio.NewReaderSize(f, maxLine)
	for {
		b, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Longer than any use: skip to its end.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.ReadSlice('\n')
			}
			if err == nil {
				continue
			}
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("urluses: reading %s: %w", f.Name(), err)
		}
		if !bytes.HasPrefix(b, prefix) {
			continue
		}
		var l line
		if json.Unmarshal(b, &l) != nil {
			continue
		}
		out = append(out, l.Use)
	}
}
