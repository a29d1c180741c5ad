package authn

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
)

// plainBody is r.Body with a short read reported as ErrIncompleteBody.
func plainBody(r *http.Request) io.Reader {
	if r.Body == nil || r.Body == http.NoBody {
		return http.NoBody
	}
	return &incompleteReader{r: r.Body}
}

type incompleteReader struct{ r io.Reader }

func (i *incompleteReader) Read(p []byte) (int, error) {
	n, err := i.r.Read(p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = ErrIncompleteBody
	}
	return n, err
}

// hashCheckReader hashes the payload as it streams and, at EOF, fails the
// read if the SHA-256 differs from the signed x-amz-content-sha256, so the
// caller never commits a body that is not what was signed.
type hashCheckReader struct {
	r    io.Reader
	h    hash.Hash
	want string
}

func (c *hashCheckReader) Read(p []byte) (int, error) {
	if c.h == nil {
		c.h = sha256.New()
	}
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF {
		got := hex.EncodeToString(c.h.Sum(nil))
		if got != c.want {
			return n, &PayloadMismatch{ClientComputed: c.want, ServerComputed: got}
		}
	}
	return n, err
}

// lengthCheckReader fails an aws-chunked body whose decoded length differs
// from x-amz-decoded-content-length (when that was sent).
type lengthCheckReader struct {
	r    io.Reader
	want int64
	n    int64
}

func (l *lengthCheckReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.want >= 0 {
		if l.n > l.want {
			return n, ErrIncompleteBody
		}
		if err == io.EOF && l.n != l.want {
			return n, ErrIncompleteBody
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = ErrIncompleteBody
	}
	return n, err
}
