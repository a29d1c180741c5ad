// Package sealed is a storage engine that encrypts every blob at rest
// (S3's SSE-S3) before handing it to another engine, and decrypts on read.
//
// Format of a sealed blob (docs/design/0005-encryption-at-rest.md):
//
//	header (104 bytes)
//	  magic        16  "\x89SIGNET-SEALED\n\x00"
//	  kek id        8  which key-encryption key wrapped the data key
//	  chunk size    4  plaintext bytes per chunk, big-endian
//	  identity     16  random, names this blob in every chunk's AAD
//	  wrap nonce   12
//	  wrapped key  48  the blob's data key under the KEK (AES-256-GCM),
//	                   with header[0:44] as additional data
//	chunks: AES-256-GCM of chunk-size plaintext each (+16 bytes of tag);
//	        the last one is shorter than chunk size, possibly empty
//
// Each blob has its own random data key, so no two blobs share a key and a
// nonce made from the chunk index never repeats under one key. A chunk's
// nonce and additional data hold its index, whether it is the last, and
// the blob's identity: chunks cannot be reordered, moved between blobs,
// dropped from the end or duplicated without failing authentication. The
// plaintext length follows from the blob's size, so a range read decrypts
// only the chunks it covers.
//
// The wrapped data key lives in the blob's own header rather than in the
// metadata store: the metadata stays unchanged, every engine underneath
// (disk, inline, memory) gets encryption for free, and the key cannot be
// separated from the bytes it opens. Blobs written before encryption (no
// magic) are read as they are.
package sealed

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"signet/internal/storage"
)

// ChunkSize is the plaintext per chunk of new blobs: big enough that the
// 16-byte tag and the per-chunk call cost stay under 0.1%, small enough
// that a range read decrypts at most 64 KiB it does not send.
const ChunkSize = 64 << 10

const (
	headerSize  = 104
	magicSize   = 16
	idOff       = 16 // KEK id
	chunkOff    = 24 // chunk size
	identOff    = 28 // blob identity
	nonceOff    = 44 // wrap nonce
	wrappedOff  = 56 // wrapped data key
	tagSize     = 16
	dataKeySize = 32
	// batchChunks is how many chunks one read of the engine underneath
	// fetches when streaming: about 1 MiB, few syscalls per object.
	batchChunks = 16
)

var magic = [magicSize]byte{0x89, 'S', 'I', 'G', 'N', 'E', 'T', '-', 'S', 'E', 'A', 'L', 'E', 'D', '\n', 0}

// Errors in storage's words.
var (
	// ErrCorrupt: a sealed blob failed authentication or is malformed.
	ErrCorrupt = errors.New("sealed: blob corrupt or tampered with")
	// ErrUnknownKey: a blob's data key is wrapped by a key this server
	// does not hold.
	ErrUnknownKey = errors.New("sealed: blob wrapped by an unknown key")
)

// KEK is a key-encryption key derived from a sealing key.
type KEK struct {
	id   [8]byte
	aead cipher.AEAD
	// customer, for a blob sealed under a customer's key (SSE-C), is that
	// key: the KEK is derived from it and the blob's identity once the
	// identity is drawn, and aead is nil until then.
	customer []byte
}

// DeriveKEK derives the key that wraps data keys from the server's sealing
// key with HKDF-SHA256, so the sealing key itself never encrypts data and
// a KEK reveals nothing about the secrets the sealing key protects. Its id
// (another HKDF output) names it in blob headers without revealing it.
func DeriveKEK(sealingKey []byte) (*KEK, error) {
	key, err := hkdf.Key(sha256.New, sealingKey, nil, "signet sse-s3 kek v1", 32)
	if err != nil {
		return nil, err
	}
	idb, err := hkdf.Key(sha256.New, sealingKey, nil, "signet sse-s3 kek id v1", 8)
	if err != nil {
		return nil, err
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	k := &KEK{aead: aead}
	copy(k.id[:], idb)
	return k, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Engine seals blobs on Put and opens them on Open. It is safe for
// concurrent use.
type Engine struct {
	next    storage.Engine
	current *KEK
	keks    map[[8]byte]*KEK
	// cache holds the plaintext of small hot blobs; nil when off.
	cache *plainCache
}

var _ storage.Engine = (*Engine)(nil)

// New returns an engine that seals new blobs under current and opens blobs
// wrapped by current or any of older (kept while a rotation re-wraps).
func New(next storage.Engine, current *KEK, older ...*KEK) (*Engine, error) {
	if next == nil || current == nil {
		return nil, errors.New("sealed: New needs an engine and a key")
	}
	e := &Engine{next: next, current: current, keks: map[[8]byte]*KEK{current.id: current}}
	for _, k := range older {
		e.keks[k.id] = k
	}
	return e, nil
}

// CachePlaintext makes e keep the plaintext of blobs of at most maxObject
// bytes that were just read whole, up to maxBytes in all (see plainCache).
// Call it before e is used; maxBytes <= 0 leaves the cache off.
func (e *Engine) CachePlaintext(maxBytes, maxObject int64) {
	if maxBytes <= 0 || maxObject <= 0 {
		e.cache = nil
		return
	}
	e.cache = newPlainCache(maxBytes, maxObject)
}

// Put implements storage.Engine: the next engine stores the header and the
// chunks as the body streams through, sealed in place in its own buffer.
func (e *Engine) Put(ctx context.Context, r io.Reader) (storage.BlobID, int64, error) {
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	return e.put(ctx, r, e.current)
}

// put seals r with its data key wrapped by kek.
func (e *Engine) put(ctx context.Context, r io.Reader, kek *KEK) (storage.BlobID, int64, error) {
	sr, err := newSealReader(r, kek)
	if err != nil {
		return "", 0, err
	}
	// Whatever becomes of the Put, the read-ahead is done with r before
	// it goes back to the caller.
	defer sr.stop()
	id, _, err := e.next.Put(ctx, sr)
	if err != nil {
		return "", 0, err
	}
	return id, sr.plain, nil
}

// Open implements storage.Engine.
func (e *Engine) Open(ctx context.Context, id storage.BlobID) (storage.Blob, error) {
	return e.openWith(ctx, id, nil)
}

// openWith opens id; customerKey opens a blob sealed under a customer's
// key (SSE-C), nil any other.
func (e *Engine) openWith(ctx context.Context, id storage.BlobID, customerKey []byte) (storage.Blob, error) {
	cache := e.cache
	if customerKey != nil {
		// SSE-C plaintext is never cached: see plainCache.
		cache = nil
	}
	if cache != nil {
		if pt, ok := cache.get(id); ok {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return &bytesBlob{Reader: bytes.NewReader(pt), data: pt}, nil
		}
	}
	b, err := e.next.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	sb, err := e.open(b, customerKey, id, cache)
	if err != nil {
		b.Close()
		return nil, err
	}
	return sb, nil
}

// Delete implements storage.Engine.
func (e *Engine) Delete(ctx context.Context, id storage.BlobID) error {
	if e.cache != nil {
		e.cache.remove(id)
	}
	return e.next.Delete(ctx, id)
}

// Walk implements storage.Engine.
func (e *Engine) Walk(ctx context.Context, fn func(storage.BlobID) error) error {
	return e.next.Walk(ctx, fn)
}

// Close implements storage.Engine.
func (e *Engine) Close() error { return e.next.Close() }

// header is a parsed blob header.
type header struct {
	raw      [headerSize]byte
	chunk    int64
	identity []byte
	aead     cipher.AEAD // the blob's data key
}

// readHeader reads b's header. ok is false for a blob without the magic:
// one written before encryption, served as stored.
func (e *Engine) readHeader(b storage.Blob, customerKey []byte) (h *header, ok bool, err error) {
	if b.Size() < headerSize {
		return nil, false, nil
	}
	h = &header{}
	if _, err := b.ReadAt(h.raw[:], 0); err != nil && err != io.EOF {
		return nil, false, fmt.Errorf("sealed: reading header: %w", err)
	}
	if !bytes.Equal(h.raw[:magicSize], magic[:]) {
		return nil, false, nil
	}
	var kid [8]byte
	copy(kid[:], h.raw[idOff:chunkOff])
	kek, err := e.kekFor(kid, h.raw[identOff:nonceOff], customerKey)
	if err != nil {
		return nil, true, err
	}
	h.chunk = int64(binary.BigEndian.Uint32(h.raw[chunkOff:identOff]))
	if h.chunk == 0 {
		return nil, true, ErrCorrupt
	}
	dk, err := kek.aead.Open(nil, h.raw[nonceOff:wrappedOff], h.raw[wrappedOff:headerSize], h.raw[:nonceOff])
	if err != nil {
		return nil, true, ErrCorrupt
	}
	if h.aead, err = newGCM(dk); err != nil {
		return nil, true, err
	}
	clear(dk)
	h.identity = h.raw[identOff:nonceOff]
	return h, true, nil
}

// open wraps an opened blob of the next engine, stored as id. cache, when
// not nil, is offered the plaintext of the blob once read whole.
func (e *Engine) open(b storage.Blob, customerKey []byte, id storage.BlobID, cache *plainCache) (storage.Blob, error) {
	h, ok, err := e.readHeader(b, customerKey)
	if err != nil {
		return nil, err
	}
	if !ok {
		if customerKey != nil {
			return nil, ErrNotCustomerSealed
		}
		return b, nil
	}
	plain, err := plainSize(b.Size(), h.chunk)
	if err != nil {
		return nil, err
	}
	sb := &blob{inner: b, h: h, size: plain, id: id}
	if cache != nil && cache.fits(plain) {
		sb.cache = cache
	}
	if plain < h.chunk {
		// One chunk: decrypt it now, and let the HTTP layer write it in
		// one piece (storage.BytesBlob), as it does for inline blobs.
		data := make([]byte, b.Size()-headerSize)
		if _, err := b.ReadAt(data, headerSize); err != nil && err != io.EOF {
			return nil, err
		}
		pt, err := h.open(data[:0], data, 0, true)
		if err != nil {
			return nil, err
		}
		b.Close()
		if sb.cache != nil {
			sb.cache.add(id, pt)
		}
		return &bytesBlob{Reader: bytes.NewReader(pt), data: pt}, nil
	}
	return sb, nil
}

// plainSize is the plaintext length of a sealed blob of size bytes: full
// chunks, then a last chunk of at least its tag. A size that leaves less
// than a tag for the last chunk was cut short at a chunk boundary.
func plainSize(size, chunk int64) (int64, error) {
	body := size - headerSize
	full, rem := body/(chunk+tagSize), body%(chunk+tagSize)
	if rem < tagSize {
		return 0, ErrCorrupt
	}
	return full*chunk + rem - tagSize, nil
}

// chunkNonce is the nonce of chunk i: its index, and a flag on the last.
func chunkNonce(i int64, last bool) [12]byte {
	var n [12]byte
	if last {
		n[0] = 1
	}
	binary.BigEndian.PutUint64(n[4:], uint64(i))
	return n
}

// chunkAD is the additional data of chunk i: the blob's identity, the
// index and the last-chunk flag.
func chunkAD(identity []byte, i int64, last bool) [25]byte {
	var ad [25]byte
	copy(ad[:16], identity)
	binary.BigEndian.PutUint64(ad[16:24], uint64(i))
	if last {
		ad[24] = 1
	}
	return ad
}

// open decrypts chunk i (ct, tag included) into dst.
func (h *header) open(dst, ct []byte, i int64, last bool) ([]byte, error) {
	n := chunkNonce(i, last)
	ad := chunkAD(h.identity, i, last)
	pt, err := h.aead.Open(dst, n[:], ct, ad[:])
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}

// sealReader turns a plaintext stream into a sealed blob: the header, then
// the chunks. The plaintext is read ahead on a goroutine of its own (the
// S3 layer hashes the body as it is read, MD5 at about 600 MB/s, so the
// cipher runs beside the hash instead of after it); each chunk is sealed
// straight into the caller's buffer when that holds a whole chunk.
type sealReader struct {
	src     io.Reader
	h       *header
	pending []byte // bytes produced but not yet read (header, or a chunk for a small p)
	spare   []byte // the buffer behind pending for small reads
	next    int64  // index of the next chunk
	plain   int64  // plaintext bytes read so far
	srcEOF  bool   // src has ended
	done    bool   // the last chunk is sealed

	// ahead reads plaintext chunks from src on a goroutine of its own
	// (readahead.go), started by the first chunk; nil until then.
	ahead *readAhead
}

func newSealReader(src io.Reader, kek *KEK) (*sealReader, error) {
	h := &header{chunk: ChunkSize}
	copy(h.raw[:], magic[:])
	copy(h.raw[idOff:], kek.id[:])
	binary.BigEndian.PutUint32(h.raw[chunkOff:], ChunkSize)
	dk := make([]byte, dataKeySize)
	// crypto/rand.Read never fails (it crashes the program instead).
	_, _ = rand.Read(dk)
	_, _ = rand.Read(h.raw[identOff:wrappedOff]) // identity and wrap nonce
	if kek.customer != nil {
		var err error
		if kek, err = customerKEK(kek.customer, h.raw[identOff:nonceOff]); err != nil {
			return nil, err
		}
	}
	kek.aead.Seal(h.raw[wrappedOff:wrappedOff], h.raw[nonceOff:wrappedOff], dk, h.raw[:nonceOff])
	aead, err := newGCM(dk)
	clear(dk)
	if err != nil {
		return nil, err
	}
	h.aead = aead
	h.identity = h.raw[identOff:nonceOff]
	return &sealReader{src: src, h: h, pending: h.raw[:]}, nil
}

// Read implements io.Reader.
func (s *sealReader) Read(p []byte) (int, error) {
	if len(s.pending) > 0 {
		n := copy(p, s.pending)
		s.pending = s.pending[n:]
		return n, nil
	}
	if s.done {
		return 0, io.EOF
	}
	full := s.h.chunk + tagSize
	if int64(len(p)) < full {
		// Too small to seal in place: seal into spare and hand it out.
		if s.spare == nil {
			s.spare = make([]byte, full)
		}
		n, err := s.sealChunk(s.spare)
		if err != nil {
			return 0, err
		}
		s.pending = s.spare[:n]
		m := copy(p, s.pending)
		s.pending = s.pending[m:]
		return m, nil
	}
	var n int
	for !s.done && int64(len(p)-n) >= full {
		m, err := s.sealChunk(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// sealChunk takes the next chunk of plaintext (read ahead from src) and
// seals it into buf, returning the sealed length. A short chunk is the
// last.
func (s *sealReader) sealChunk(buf []byte) (int, error) {
	var pt []byte
	if !s.srcEOF {
		if s.ahead == nil {
			s.ahead = startReadAhead(s.src, int(s.h.chunk))
		}
		c := <-s.ahead.filled
		switch c.err {
		case nil:
		case io.EOF:
			s.srcEOF = true
		default:
			s.ahead.free <- c.buf
			return 0, c.err
		}
		pt = (*c.buf)[:c.n]
		defer func() { s.ahead.free <- c.buf }()
	}
	m := len(pt)
	s.plain += int64(m)
	// Only a short chunk is the last: a body that ends exactly at a chunk
	// boundary (even with the EOF on the same Read) gets an empty last
	// chunk after its full one, as the reader's size arithmetic expects.
	last := m < int(s.h.chunk)
	s.done = last
	n := chunkNonce(s.next, last)
	ad := chunkAD(s.h.identity, s.next, last)
	out := s.h.aead.Seal(buf[:0], n[:], pt, ad[:])
	s.next++
	return len(out), nil
}

// stop ends the read-ahead, if it started, once its read in progress
// returns.
func (s *sealReader) stop() {
	if s.ahead != nil {
		s.ahead.stop()
	}
}

// bufPool holds *[]byte of one batch of sealed chunks.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, batchChunks*(ChunkSize+tagSize))
	return &b
}}

// blob is an open sealed blob of more than one chunk.
type blob struct {
	inner storage.Blob
	h     *header
	size  int64
	pos   int64 // Read's offset

	// id and cache: a whole read hands the plaintext to cache under id;
	// cache is nil when the blob may not be cached.
	id    storage.BlobID
	cache *plainCache

	// win holds decrypted plaintext of chunks from winStart, for Read.
	winBuf   *[]byte
	win      []byte
	winStart int64 // plaintext offset of win[0]
}

var (
	_ storage.Blob        = (*blob)(nil)
	_ storage.RangeWriter = (*blob)(nil)
)

// Size implements storage.Blob: the plaintext length.
func (b *blob) Size() int64 { return b.size }

// Close implements storage.Blob.
func (b *blob) Close() error {
	if b.winBuf != nil {
		bufPool.Put(b.winBuf)
		b.winBuf, b.win = nil, nil
	}
	return b.inner.Close()
}

// chunks returns the number of chunks.
func (b *blob) chunks() int64 { return b.size/b.h.chunk + 1 }

// decrypt reads chunks [first, first+count) sealed into buf, decrypts each
// in place and calls fn with its index and plaintext, which stays valid
// until buf is reused.
func (b *blob) decrypt(buf []byte, first, count int64, fn func(i int64, pt []byte) error) error {
	return b.decryptTo(buf, first, count, func(i int64, c []byte, last bool) error {
		pt, err := b.h.open(c[:0], c, i, last)
		if err != nil {
			return err
		}
		return fn(i, pt)
	})
}

// decryptTo reads chunks [first, first+count) sealed into buf and calls fn
// with each one's index, sealed bytes and whether it is the blob's last,
// for fn to decrypt where it wants.
func (b *blob) decryptTo(buf []byte, first, count int64, fn func(i int64, ct []byte, last bool) error) error {
	full := b.h.chunk + tagSize
	total := b.chunks()
	count = min(count, total-first)
	ctLen := count * full
	if first+count == total {
		ctLen -= b.h.chunk - (b.size - (total-1)*b.h.chunk)
	}
	ct := buf[:ctLen]
	if n, err := b.inner.ReadAt(ct, headerSize+first*full); n < len(ct) {
		if err == nil || err == io.EOF {
			err = ErrCorrupt
		}
		return err
	}
	for j := range count {
		i := first + j
		if err := fn(i, ct[j*full:min((j+1)*full, ctLen)], i == total-1); err != nil {
			return err
		}
	}
	return nil
}

// Read implements io.Reader through a window of decrypted chunks.
func (b *blob) Read(p []byte) (int, error) {
	if b.pos >= b.size {
		return 0, io.EOF
	}
	if b.pos < b.winStart || b.pos >= b.winStart+int64(len(b.win)) {
		if b.winBuf == nil {
			b.winBuf = bufPool.Get().(*[]byte)
		}
		first := b.pos / b.h.chunk
		buf := *b.winBuf
		var packed int
		err := b.decrypt(buf, first, batchChunks, func(_ int64, pt []byte) error {
			// Pack the plaintext to the front: memmove, chunk by chunk,
			// never past the ciphertext still to be decrypted.
			packed += copy(buf[packed:], pt)
			return nil
		})
		if err != nil {
			b.win = nil
			return 0, err
		}
		b.win, b.winStart = buf[:packed], first*b.h.chunk
	}
	n := copy(p, b.win[b.pos-b.winStart:])
	b.pos += int64(n)
	return n, nil
}

// Seek implements io.Seeker.
func (b *blob) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = b.pos + offset
	case io.SeekEnd:
		abs = b.size + offset
	default:
		return 0, errors.New("sealed: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("sealed: negative position")
	}
	b.pos = abs
	return abs, nil
}

// ReadAt implements io.ReaderAt. It keeps no state, so concurrent calls
// are safe as io.ReaderAt promises.
func (b *blob) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("sealed: negative offset")
	}
	if off >= b.size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), b.size-off)
	var n int64
	err := b.each(off, want, func(pt []byte) error {
		n += int64(copy(p[n:], pt))
		return nil
	})
	if err != nil {
		return int(n), err
	}
	if n < int64(len(p)) {
		return int(n), io.EOF
	}
	return int(n), nil
}

// WriteRange implements storage.RangeWriter: it decrypts only the chunks
// holding [off, off+n) and writes the plaintext straight from the buffer
// it was decrypted in.
func (b *blob) WriteRange(w io.Writer, off, n int64) (int64, error) {
	if off < 0 || n < 0 || off+n > b.size {
		return 0, io.ErrUnexpectedEOF
	}
	if b.cache != nil && off == 0 && n == b.size {
		// A whole read: keep a copy of what goes out for the cache, and
		// cache it only if all of it went out.
		tee := &teeWriter{w: w, buf: make([]byte, 0, n)}
		written, err := b.writeRange(tee, off, n)
		if err == nil && int64(len(tee.buf)) == n {
			b.cache.add(b.id, tee.buf)
		}
		return written, err
	}
	return b.writeRange(w, off, n)
}

// writeRange is WriteRange without the cache.
func (b *blob) writeRange(w io.Writer, off, n int64) (int64, error) {
	if n > pipeChunks*b.h.chunk {
		return b.writePipelined(w, off, n)
	}
	var written int64
	err := b.each(off, n, func(pt []byte) error {
		m, err := w.Write(pt)
		written += int64(m)
		return err
	})
	return written, err
}

// each calls fn with the plaintext of [off, off+n), batch by batch.
func (b *blob) each(off, n int64, fn func([]byte) error) error {
	if n == 0 {
		return nil
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	end := off + n
	for off < end {
		first := off / b.h.chunk
		last := (end - 1) / b.h.chunk
		err := b.decrypt(*bp, first, min(last-first+1, batchChunks), func(i int64, pt []byte) error {
			base := i * b.h.chunk
			from, to := max(off, base)-base, min(end, base+int64(len(pt)))-base
			if from >= to {
				return nil
			}
			off = base + to
			return fn(pt[from:to])
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// bytesBlob is a one-chunk sealed blob, decrypted when opened.
type bytesBlob struct {
	*bytes.Reader
	data []byte
}

var _ storage.BytesBlob = (*bytesBlob)(nil)

func (b *bytesBlob) Close() error  { return nil }
func (b *bytesBlob) Size() int64   { return int64(len(b.data)) }
func (b *bytesBlob) Bytes() []byte { return b.data }
