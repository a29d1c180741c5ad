package s3api

import (
	"io"

	"signet/internal/meta"
	"signet/internal/storage"
)

// objectReader reads a byte range of an object across its segments,
// opening one blob at a time. CopyObject and UploadPartCopy feed it to the
// blob engine, so a copy streams and never holds the object in memory.
type objectReader struct {
	open  func(storage.BlobID) (storage.Blob, error)
	segs  []meta.Segment
	reads []segRead
	cur   storage.Blob
	sr    *io.SectionReader
}

// newObjectReader reads rng of obj, opening its blobs with open (which
// brings an SSE-C source's key).
func newObjectReader(open func(storage.BlobID) (storage.Blob, error), obj *meta.Object, rng byteRange) *objectReader {
	var reads []segRead
	if obj.Size > 0 {
		reads = planReads(obj.Segments, rng)
	}
	return &objectReader{open: open, segs: obj.Segments, reads: reads}
}

func (o *objectReader) Read(p []byte) (int, error) {
	for {
		if o.sr == nil {
			if len(o.reads) == 0 {
				return 0, io.EOF
			}
			rd := o.reads[0]
			o.reads = o.reads[1:]
			b, err := o.open(o.segs[rd.idx].Blob)
			if err != nil {
				return 0, err
			}
			o.cur, o.sr = b, io.NewSectionReader(b, rd.off, rd.n)
		}
		n, err := o.sr.Read(p)
		if err == io.EOF {
			o.cur.Close()
			o.cur, o.sr = nil, nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (o *objectReader) Close() error {
	if o.cur != nil {
		return o.cur.Close()
	}
	return nil
}
