package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"signet/internal/meta"
	"signet/internal/storage"
)

// The object and upload records' bodies: a compact binary encoding (length-prefixed
// strings and varints, fields in a fixed order after a format byte)
// rather than JSON, for two reasons. A listing page decodes a thousand
// of them, and JSON decoding alone cost several times bbolt's whole
// page. And JSON cannot carry a string that is not UTF-8 (it substitutes
// U+FFFD), while header values and tags are bytes to be returned as
// they came.

// objectFormat is the record's format byte: a later format is a new
// value, decoded alongside this one.
const objectFormat = 1

var errBadRecord = errors.New("postgres: malformed object record")

type recWriter struct{ b []byte }

func (w *recWriter) uint(v uint64)  { w.b = binary.AppendUvarint(w.b, v) }
func (w *recWriter) int(v int64)    { w.b = binary.AppendVarint(w.b, v) }
func (w *recWriter) str(s string)   { w.uint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *recWriter) bytes(p []byte) { w.uint(uint64(len(p))); w.b = append(w.b, p...) }
func (w *recWriter) flag(ok bool) {
	var v byte
	if ok {
		v = 1
	}
	w.b = append(w.b, v)
}

func (w *recWriter) strMap(m map[string]string) {
	w.uint(uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		w.str(k)
		w.str(m[k])
	}
}

type recReader struct {
	b   []byte
	err error
	// src, when set, is the whole record as one string (of length n):
	// str then returns substrings of it instead of a copy per field, so
	// decoding a record costs one string allocation, not one per field
	// (a listing page decodes a thousand records).
	src string
	n   int
}

// stringReader reads v with every string a substring of one copy of v.
func stringReader(v []byte) recReader {
	return recReader{b: v, src: string(v), n: len(v)}
}

func (r *recReader) fail() { r.err, r.b = errBadRecord, nil }

func (r *recReader) uint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recReader) int() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recReader) raw() []byte {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *recReader) str() string {
	p := r.raw()
	if r.src == "" || len(p) == 0 {
		return string(p)
	}
	end := r.n - len(r.b)
	return r.src[end-len(p) : end]
}

func (r *recReader) bytes() []byte {
	p := r.raw()
	if len(p) == 0 {
		return nil
	}
	return slices.Clone(p)
}

func (r *recReader) flag() bool {
	if len(r.b) == 0 {
		r.fail()
		return false
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v == 1
}

// count reads a collection's length, refusing one the remaining bytes
// cannot hold (each element takes at least one byte).
func (r *recReader) count() int {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *recReader) strMap() map[string]string {
	n := r.count()
	if n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	for range n {
		k := r.str()
		m[k] = r.str()
	}
	return m
}

func encodeObject(o *meta.Object) []byte {
	w := recWriter{b: make([]byte, 0, 192)}
	w.b = append(w.b, objectFormat)
	w.int(o.Size)
	w.str(o.ETag)
	w.int(o.LastModified.UnixNano())
	w.attrs(&o.Attrs)
	w.strMap(o.Checksums)
	w.str(o.ChecksumType)
	w.uint(uint64(len(o.Segments)))
	for _, sg := range o.Segments {
		w.str(string(sg.Blob))
		w.int(sg.Size)
		w.str(sg.ETag)
		w.strMap(sg.Checksums)
	}
	w.uint(uint64(o.PartsCount))
	w.tags(o.Tags)
	w.acl(o.ACL)
	w.str(o.ServerSideEncryption)
	w.str(o.SSECustomerAlgorithm)
	w.str(o.SSECustomerKeyMD5)
	w.bytes(o.SSECustomerKeyCheck)
	return w.b
}

// decodeObjectRec fills o from a record body (everything but the
// columns: bucket, key, version ID, flags).
func decodeObjectRec(v []byte, o *meta.Object) error {
	if len(v) == 0 || v[0] != objectFormat {
		return errBadRecord
	}
	r := stringReader(v[1:])
	o.Size = r.int()
	o.ETag = r.str()
	o.LastModified = time.Unix(0, r.int()).UTC()
	r.attrs(&o.Attrs)
	o.Checksums = r.strMap()
	o.ChecksumType = r.str()
	if n := r.count(); n > 0 {
		o.Segments = make([]meta.Segment, n)
		for i := range o.Segments {
			sg := &o.Segments[i]
			sg.Blob = storage.BlobID(r.str())
			sg.Size = r.int()
			sg.ETag = r.str()
			sg.Checksums = r.strMap()
		}
	}
	o.PartsCount = int(r.uint())
	o.Tags = r.tags()
	o.ACL = r.acl()
	o.ServerSideEncryption = r.str()
	o.SSECustomerAlgorithm = r.str()
	o.SSECustomerKeyMD5 = r.str()
	o.SSECustomerKeyCheck = r.bytes()
	if r.err == nil && len(r.b) != 0 {
		r.err = errBadRecord
	}
	return r.err
}

func (w *recWriter) attrs(a *meta.Attrs) {
	for _, s := range []string{a.ContentType, a.ContentEncoding, a.ContentDisposition, a.ContentLanguage, a.CacheControl, a.Expires, a.StorageClass} {
		w.str(s)
	}
	w.strMap(a.UserMeta)
}

func (r *recReader) attrs(a *meta.Attrs) {
	for _, s := range []*string{&a.ContentType, &a.ContentEncoding, &a.ContentDisposition, &a.ContentLanguage, &a.CacheControl, &a.Expires, &a.StorageClass} {
		*s = r.str()
	}
	a.UserMeta = r.strMap()
}

func (w *recWriter) tags(ts []meta.Tag) {
	w.uint(uint64(len(ts)))
	for _, t := range ts {
		w.str(t.Key)
		w.str(t.Value)
	}
}

func (r *recReader) tags() []meta.Tag {
	n := r.count()
	if n == 0 {
		return nil
	}
	ts := make([]meta.Tag, n)
	for i := range ts {
		ts[i] = meta.Tag{Key: r.str(), Value: r.str()}
	}
	return ts
}

func (w *recWriter) acl(a *meta.ACL) {
	w.flag(a != nil)
	if a == nil {
		return
	}
	w.uint(uint64(len(a.Grants)))
	for _, g := range a.Grants {
		for _, s := range []string{g.Type, g.ID, g.URI, g.Email, g.Permission} {
			w.str(s)
		}
	}
}

func (r *recReader) acl() *meta.ACL {
	if !r.flag() {
		return nil
	}
	a := &meta.ACL{}
	if n := r.count(); n > 0 {
		a.Grants = make([]meta.Grant, n)
		for i := range a.Grants {
			g := &a.Grants[i]
			for _, s := range []*string{&g.Type, &g.ID, &g.URI, &g.Email, &g.Permission} {
				*s = r.str()
			}
		}
	}
	return a
}

// uploadFormat is the upload record's format byte.
const uploadFormat = 1

// encodeUpload encodes an upload's record but for its bucket, key and
// ID, which are columns.
func encodeUpload(u *meta.Upload) []byte {
	w := recWriter{b: make([]byte, 0, 128)}
	w.b = append(w.b, uploadFormat)
	w.int(u.Initiated.UnixNano())
	w.attrs(&u.Attrs)
	w.str(u.ChecksumAlgorithm)
	w.str(u.ChecksumType)
	w.tags(u.Tags)
	w.acl(u.ACL)
	w.str(u.SSECustomerAlgorithm)
	w.str(u.SSECustomerKeyMD5)
	w.bytes(u.SSECustomerKeyCheck)
	return w.b
}

func decodeUpload(bucket, key, id string, v []byte) (meta.Upload, error) {
	u := meta.Upload{Bucket: bucket, Key: key, ID: id}
	if len(v) == 0 || v[0] != uploadFormat {
		return u, fmt.Errorf("postgres: upload %q: %w", id, errBadRecord)
	}
	r := recReader{b: v[1:]}
	u.Initiated = time.Unix(0, r.int()).UTC()
	r.attrs(&u.Attrs)
	u.ChecksumAlgorithm = r.str()
	u.ChecksumType = r.str()
	u.Tags = r.tags()
	u.ACL = r.acl()
	u.SSECustomerAlgorithm = r.str()
	u.SSECustomerKeyMD5 = r.str()
	u.SSECustomerKeyCheck = r.bytes()
	if r.err == nil && len(r.b) != 0 {
		r.err = errBadRecord
	}
	if r.err != nil {
		return u, fmt.Errorf("postgres: upload %q: %w", id, r.err)
	}
	return u, nil
}
