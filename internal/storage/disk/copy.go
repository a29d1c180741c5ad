package disk

import (
	"context"
	"io"

	"signet/internal/storage"
)

// copyChunks copies r to w through pooled buffers, checking ctx between
// buffers and starting the writeback of every writebackEvery bytes. It
// does not use io.CopyBuffer, which would hand the copy to w.ReadFrom or
// r.WriteTo when they exist, bypassing both the buffer size and the
// cancellation checks.
//
// A body that fits in one buffer is written by the caller. A longer one is
// copied by two goroutines: the caller reads the next buffer while a
// second goroutine writes the previous one. Reading is where the caller's
// reader does its work (the S3 layer hashes the body as it is read: MD5
// costs about as much per byte as writing to the page cache), so the two
// overlap on two cores instead of taking turns on one. Memory stays two
// buffers per Put, whatever the size.
func copyChunks(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	first := bufPool.Get().(*[]byte)
	n, rerr := storage.Fill(r, *first)
	if rerr == nil {
		return copyPipelined(ctx, w, r, first, n)
	}
	defer bufPool.Put(first)
	var written int64
	if n > 0 {
		var werr error
		if written, werr = writeAll(w, (*first)[:n]); werr != nil {
			return written, werr
		}
	}
	if rerr != io.EOF {
		return written, rerr
	}
	return written, nil
}

// writeAll writes p, turning a short write into io.ErrShortWrite.
func writeAll(w io.Writer, p []byte) (int64, error) {
	m, err := w.Write(p)
	if err == nil && m != len(p) {
		err = io.ErrShortWrite
	}
	return int64(m), err
}

// chunk is a filled buffer on its way to the writer.
type chunk struct {
	buf *[]byte
	n   int
}

// copyPipelined continues copyChunks once the first buffer (n bytes) has
// filled: the caller keeps reading into one buffer while a goroutine writes
// the other.
func copyPipelined(ctx context.Context, w io.Writer, r io.Reader, first *[]byte, n int) (int64, error) {
	full := make(chan chunk, 1)    // filled buffers, to the writer
	empty := make(chan *[]byte, 2) // written buffers, back to the reader
	failed := make(chan struct{})  // closed when a write fails
	result := make(chan error, 1)  // the writer's error, once full is closed
	var written int64              // the writer's; read after result
	go func() {
		var werr error
		var flushed int64
		for c := range full {
			if werr == nil {
				var m int64
				m, werr = writeAll(w, (*c.buf)[:c.n])
				written += m
				if werr != nil {
					close(failed)
				} else if written-flushed >= writebackEvery {
					_ = startWriteback(w, flushed, written-flushed) // a hint; the fsync decides
					flushed = written
				}
			}
			empty <- c.buf
		}
		result <- werr
	}()

	empty <- bufPool.Get().(*[]byte)
	full <- chunk{first, n}
	var rerr error
read:
	for {
		select {
		case <-failed:
			break read
		default:
		}
		if err := ctx.Err(); err != nil {
			rerr = err
			break
		}
		buf := <-empty
		m, err := storage.Fill(r, *buf)
		if m > 0 {
			full <- chunk{buf, m}
		} else {
			empty <- buf
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			rerr = err
			break
		}
	}
	close(full)
	werr := <-result
	// Both buffers are back in empty once the writer has finished.
	bufPool.Put(<-empty)
	bufPool.Put(<-empty)
	if werr != nil {
		return written, werr
	}
	return written, rerr
}
