package storage

import "io"

// Fill reads from r until buf is full (nil error) or r returns an error,
// so that a reader returning small pieces (a network body) still costs one
// write per buffer. Unlike io.ReadFull it passes r's errors through
// unchanged: a reader failing with io.ErrUnexpectedEOF (a truncated
// upload) must fail the Put, not be mistaken for a clean end.
func Fill(r io.Reader, buf []byte) (int, error) {
	n, empty := 0, 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
		// As bufio does: a reader that keeps returning nothing would
		// otherwise spin forever.
		if m > 0 {
			empty = 0
		} else if empty++; empty >= 100 {
			return n, io.ErrNoProgress
		}
	}
	return n, nil
}
