// Package expect owns signet's answer to an Expect header other than
// 100-continue: S3 ignores an expectation it does not know and serves the
// request, while Go's net/http answers 417 Expectation Failed itself,
// before any handler runs, with no option to pass the request on.
//
// A listener from Listen hands net/http connections on which every such
// header is renamed to Renamed, a name of the same length, in the header
// section of each request as it is read; Restore, at the top of the
// handler chain, puts it back under Expect, so that what a handler sees
// (and what a signature covering "expect" is checked against) is what the
// client sent. 100-continue, in any case and in any list, is left for
// net/http, which serves it.
//
// To find each request's header section the connection follows HTTP/1.1
// framing as net/http does: the request line, header lines to the empty
// line, then a body of Content-Length bytes or chunked, with trailers.
// On anything it does not read exactly as net/http would (a Transfer-
// Encoding other than one "chunked", Content-Lengths that disagree, an
// HTTP/1.0 request, an obsolete folded line, a line or chunk header too
// long, a malformed chunk), it stops rewriting for the rest of the
// connection and passes bytes through unchanged: net/http then answers as
// it always did, and no byte of a body is ever altered.
package expect

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
)

// Renamed is the header name an unknown expectation arrives under. It
// differs from "Expect" in its last letter only, so the rename is one byte
// changed in place.
const Renamed = "Expec_"

// maxHeld bounds an Expect line held back until its end arrives; a longer
// one ends the rewriting (no client sends an expectation that long).
const maxHeld = 4096

// maxLine bounds the request line and each header line the parser
// copies: net/http refuses a header section much past 64 KiB anyway.
const maxLine = 64 << 10

// maxChunkLine bounds a chunk-size line, as net/http's chunked reader does.
const maxChunkLine = 4096

// Listen wraps ln so that its connections rename unknown expectations.
func Listen(ln net.Listener) net.Listener { return &listener{Listener: ln} }

type listener struct{ net.Listener }

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return NewConn(c), nil
}

// Conn is a connection whose reads have unknown expectations renamed.
type Conn struct {
	net.Conn
	p parser
	// held is the start of an Expect line whose end has not arrived:
	// read, not handed out yet.
	held []byte
	// buf is where held is completed; out is what of it is ready.
	buf, out []byte
	err      error
}

// NewConn wraps c.
func NewConn(c net.Conn) *Conn { return &Conn{Conn: c} }

// Inner returns the wrapped connection (a *tls.Conn under TLS).
func (c *Conn) Inner() net.Conn { return c.Conn }

// Read implements net.Conn. Bytes are read into the caller's buffer and
// parsed there; only while an Expect line is held back do they go through
// a buffer of the connection's own.
func (c *Conn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for len(c.out) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if len(c.held) == 0 {
			n, err := c.Conn.Read(b)
			if c.p.passing {
				return n, err
			}
			keep := c.p.feed(b[:n], err != nil)
			c.held = append(c.held, b[keep:n]...)
			if keep > 0 || err != nil {
				return keep, err
			}
			continue
		}
		// Complete the held line in a buffer of our own, which always
		// has room, whatever the caller's.
		c.buf = append(c.buf[:0], c.held...)
		c.held = c.held[:0]
		if cap(c.buf)-len(c.buf) < 4096 {
			c.buf = append(c.buf, make([]byte, 4096)...)[:len(c.buf)]
		}
		n, err := c.Conn.Read(c.buf[len(c.buf):cap(c.buf)])
		data := c.buf[:len(c.buf)+n]
		keep := len(data)
		if !c.p.passing {
			keep = c.p.feed(data, err != nil)
		}
		c.held = append(c.held, data[keep:]...)
		c.out, c.err = data[:keep], err
	}
	n := copy(b, c.out)
	c.out = c.out[n:]
	return n, nil
}

// CloseWrite half-closes a TCP connection, as net/http does on a graceful
// close, when the wrapped connection can.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Restore puts the values of Renamed back under Expect, after net/http
// has made its choice, for every handler after it.
func Restore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v, ok := r.Header[Renamed]; ok {
			r.Header["Expect"] = append(r.Header["Expect"], v...)
			delete(r.Header, Renamed)
		}
		next.ServeHTTP(w, r)
	})
}

// state is where the parser is in the request stream.
type state uint8

const (
	requestLine state = iota // the first line of a request
	headers                  // header lines, to the empty line
	body                     // remaining bytes of a Content-Length body
	chunkSize                // a chunk-size line
	chunkData                // remaining bytes of a chunk
	chunkEnd                 // the CRLF after a chunk's data
	trailers                 // trailer lines, to the empty line
)

// parser follows the framing of the requests on one connection.
type parser struct {
	st      state
	passing bool // rewriting stopped: bytes pass unchanged

	line []byte // the current line so far (request line, header, trailer or chunk size)

	// The request being read.
	contentLength  int64 // -1 when none
	chunked        bool
	transferFields int

	remaining int64 // body or chunk bytes still to come
	crlfSeen  int   // bytes of the CRLF after a chunk's data seen
}

// feed takes the next bytes of the stream, renames unknown expectations
// in place, and returns how many may be handed out now: the rest is the
// start of an Expect line, held back until its end arrives. eof means no
// more bytes will come, so nothing is held.
func (p *parser) feed(b []byte, eof bool) int {
	i := 0
	for i < len(b) && !p.passing {
		switch p.st {
		case requestLine, headers, trailers, chunkSize:
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 {
				if p.st == headers && !eof && len(p.line) == 0 && mayBeExpect(b[i:]) {
					if len(b)-i > maxHeld {
						p.pass()
						return len(b)
					}
					return i
				}
				p.add(b[i:])
				return len(b)
			}
			start := i - len(p.line)
			p.add(b[i : i+j+1])
			i += j + 1
			if !p.passing {
				p.endLine(b, start)
			}
		case body, chunkData:
			n := min(int64(len(b)-i), p.remaining)
			i += int(n)
			if p.remaining -= n; p.remaining > 0 {
				break
			}
			if p.st == body {
				p.st = requestLine
			} else {
				p.st, p.crlfSeen = chunkEnd, 0
			}
		case chunkEnd:
			// net/http requires exactly CRLF after a chunk's data.
			if b[i] != "\r\n"[p.crlfSeen] {
				p.pass()
				return len(b)
			}
			i++
			if p.crlfSeen++; p.crlfSeen == 2 {
				p.st = chunkSize
			}
		}
	}
	return len(b)
}

// add appends part of the current line to p.line, ending the rewriting
// when the line is longer than any net/http accepts.
func (p *parser) add(part []byte) {
	limit := maxLine
	if p.st == chunkSize {
		limit = maxChunkLine
	}
	if len(p.line)+len(part) > limit {
		p.pass()
		return
	}
	p.line = append(p.line, part...)
}

// mayBeExpect reports whether the start of a header line may be an Expect
// header: a prefix of "expect:" or a line that starts with it.
func mayBeExpect(partial []byte) bool {
	const name = "expect:"
	n := min(len(partial), len(name))
	return bytes.EqualFold(partial[:n], []byte(name)[:n])
}

// endLine reads the whole line in p.line, which begins at b[start] when
// start >= 0 (an Expect line always does, having been held back).
func (p *parser) endLine(b []byte, start int) {
	line := p.line
	p.line = p.line[:0]
	empty := len(line) == 1 || (len(line) == 2 && line[0] == '\r')
	switch p.st {
	case requestLine:
		p.contentLength, p.chunked, p.transferFields = -1, false, 0
		// net/http ignores Transfer-Encoding on HTTP/1.0 requests: rather
		// than follow that, stop rewriting on anything but HTTP/1.1.
		if !bytes.HasSuffix(bytes.TrimRight(line, "\r\n"), []byte(" HTTP/1.1")) {
			p.pass()
			return
		}
		p.st = headers
	case headers:
		if empty {
			p.endHeaders()
			return
		}
		p.header(line, b, start)
	case trailers:
		if empty {
			p.st = requestLine
		} else if line[0] == ' ' || line[0] == '\t' {
			p.pass()
		}
	case chunkSize:
		p.chunkLine(line)
	}
}

// header reads one header line; an unknown expectation is renamed in b.
func (p *parser) header(line, b []byte, start int) {
	if line[0] == ' ' || line[0] == '\t' {
		// An obsolete folded continuation line.
		p.pass()
		return
	}
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return
	}
	name, value := line[:colon], string(bytes.TrimSpace(line[colon+1:]))
	switch {
	case bytes.EqualFold(name, []byte("expect")):
		if value != "" && !hasToken(value, "100-continue") {
			if start < 0 || !bytes.EqualFold(b[start:start+len(name)], name) {
				// Cannot happen: an Expect line is held until it ends.
				p.pass()
				return
			}
			b[start+len(Renamed)-1] = Renamed[len(Renamed)-1]
		}
	case bytes.EqualFold(name, []byte("content-length")):
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 0 || value[0] == '+' || (p.contentLength >= 0 && p.contentLength != n) {
			p.pass()
			return
		}
		p.contentLength = n
	case bytes.EqualFold(name, []byte("transfer-encoding")):
		p.transferFields++
		if p.transferFields > 1 || !bytes.EqualFold([]byte(value), []byte("chunked")) {
			p.pass()
			return
		}
		p.chunked = true
	}
}

// endHeaders moves from the header section to the body, if any.
func (p *parser) endHeaders() {
	switch {
	case p.chunked:
		// Transfer-Encoding wins over Content-Length, as in net/http.
		p.st = chunkSize
	case p.contentLength > 0:
		p.st, p.remaining = body, p.contentLength
	default:
		p.st = requestLine
	}
}

// chunkLine reads a chunk-size line as net/http does: trailing whitespace
// trimmed, extensions after ';' dropped, then at most 16 hex digits.
func (p *parser) chunkLine(line []byte) {
	line = bytes.TrimRight(line, " \t\r\n")
	if k := bytes.IndexByte(line, ';'); k >= 0 {
		line = line[:k]
	}
	if len(line) == 0 || len(line) > 16 {
		p.pass()
		return
	}
	n, err := strconv.ParseUint(string(line), 16, 64)
	if err != nil || n > 1<<62 {
		p.pass()
		return
	}
	if n == 0 {
		p.st = trailers
		return
	}
	p.st, p.remaining = chunkData, int64(n)
}

// pass stops rewriting for the rest of the connection.
func (p *parser) pass() { p.passing = true }

// hasToken reports whether v holds token as a whole word, ignoring case,
// as net/http decides that an Expect header asks for 100-continue.
func hasToken(v, token string) bool {
	for sp := 0; sp+len(token) <= len(v); sp++ {
		if sp > 0 && !isTokenBoundary(v[sp-1]) {
			continue
		}
		if end := sp + len(token); end != len(v) && !isTokenBoundary(v[end]) {
			continue
		}
		if bytes.EqualFold([]byte(v[sp:sp+len(token)]), []byte(token)) {
			return true
		}
	}
	return false
}

func isTokenBoundary(b byte) bool { return b == ' ' || b == ',' || b == '\t' }
