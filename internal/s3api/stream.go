package s3api

import (
	"io"
	"log/slog"
	"os"

	"signet/internal/meta"
	"signet/internal/storage"
)

// segRead is the part of one segment a response needs.
type segRead struct {
	idx    int
	off, n int64
}

// planReads maps an inclusive byte range of the object onto its segments.
func planReads(segs []meta.Segment, rng byteRange) []segRead {
	var out []segRead
	var base int64
	for i, s := range segs {
		segStart, segEnd := base, base+s.Size-1
		base += s.Size
		if s.Size == 0 || segEnd < rng.start || segStart > rng.end {
			continue
		}
		from := max(rng.start, segStart) - segStart
		to := min(rng.end, segEnd) - segStart
		out = append(out, segRead{idx: i, off: from, n: to - from + 1})
	}
	return out
}

// stream writes the planned reads. first is the already-open blob of the
// first read, sseC the key an SSE-C object's blobs open with. Headers are
// out, so a failure can only cut the body short: net/http then closes the connection because fewer bytes than
// Content-Length were written, and the client sees a truncated transfer,
// never a mix of versions.
func (a *API) stream(rq *request, segs []meta.Segment, reads []segRead, first storage.Blob, sseC *sseCustomer) {
	for i, rd := range reads {
		b := first
		if i > 0 {
			var err error
			b, err = a.openBlob(rq, sseC, segs[rd.idx].Blob)
			if err != nil {
				a.streamFailed(rq, err)
				return
			}
		}
		err := copyRange(rq.w, b, rd.off, rd.n)
		b.Close()
		if err != nil {
			a.streamFailed(rq, err)
			return
		}
	}
}

// copyRange copies n bytes at off. A blob backed by a file is copied from
// the *os.File under an *io.LimitedReader, the one shape net/http hands to
// sendfile(2); a blob in memory is written in one piece (see
// storage.BytesBlob); a sealed blob decrypts the range into its own buffers
// and writes from them (storage.RangeWriter).
func copyRange(w io.Writer, b storage.Blob, off, n int64) error {
	if bb, ok := b.(storage.BytesBlob); ok {
		data := bb.Bytes()
		if off < 0 || n < 0 || off+n > int64(len(data)) {
			return io.ErrUnexpectedEOF
		}
		_, err := w.Write(data[off : off+n])
		return err
	}
	if rw, ok := b.(storage.RangeWriter); ok {
		_, err := rw.WriteRange(w, off, n)
		return err
	}
	var src io.ReadSeeker = b
	var f *os.File
	if fb, ok := b.(storage.FileBlob); ok {
		f = fb.File()
		src = f
	}
	if _, err := src.Seek(off, io.SeekStart); err != nil {
		return err
	}
	var written int64
	var err error
	if f != nil {
		written, err = io.Copy(w, &io.LimitedReader{R: f, N: n})
	} else {
		written, err = io.CopyN(w, b, n)
	}
	if err == nil && written < n {
		err = io.ErrUnexpectedEOF
	}
	return err
}

func (a *API) streamFailed(rq *request, err error) {
	a.log.LogAttrs(rq.r.Context(), slog.LevelWarn, "s3api: object stream cut short",
		slog.String("request_id", rq.reqID), slog.String("error", err.Error()))
}
