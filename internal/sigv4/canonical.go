package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
)

// CanonicalRequest builds SigV4's canonical request:
//
//	Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
//
// where CanonicalHeaders ends in its own newline, hence the blank line.
// omitSignature drops X-Amz-Signature from the query (query auth).
func CanonicalRequest(req *Request, signedHeaders []string, payloadHash string, mode Mode, omitSignature bool) string {
	b := getBuf()
	defer putBuf(b)
	*b = appendCanonicalRequest((*b)[:0], req, signedHeaders, payloadHash, mode, omitSignature)
	return string(*b)
}

func appendCanonicalRequest(dst []byte, req *Request, signed []string, payloadHash string, mode Mode, omitSignature bool) []byte {
	dst = append(dst, req.Method...)
	dst = append(dst, '\n')
	dst = appendCanonicalURI(dst, req.EscapedPath, mode)
	dst = append(dst, '\n')
	dst = appendCanonicalQuery(dst, req.RawQuery, omitSignature)
	dst = append(dst, '\n')
	dst = appendCanonicalHeaders(dst, req.Header, req.Host, signed)
	dst = append(dst, '\n')
	for i, h := range signed {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, h...)
	}
	dst = append(dst, '\n')
	return append(dst, payloadHash...)
}

// StringToSign builds
//
//	AWS4-HMAC-SHA256 \n amzDate \n scope \n hex(sha256(canonicalRequest))
//
// with no trailing newline.
func StringToSign(amzDate string, s Scope, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return string(appendStringToSign(nil, amzDate, s, &sum))
}

func appendStringToSign(dst []byte, amzDate string, s Scope, creqHash *[32]byte) []byte {
	dst = append(dst, Algorithm...)
	dst = append(dst, '\n')
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = append(dst, s.Date...)
	dst = append(dst, '/')
	dst = append(dst, s.Region...)
	dst = append(dst, '/')
	dst = append(dst, s.Service...)
	dst = append(dst, "/aws4_request\n"...)
	return hex.AppendEncode(dst, creqHash[:])
}

// SignatureHex returns hex(HMAC-SHA256(signingKey, stringToSign)), the final
// SigV4 signature.
func SignatureHex(signingKey []byte, stringToSign string) string {
	return hex.EncodeToString(HMAC(signingKey, []byte(stringToSign)))
}

// bufPool recycles the canonical-request and string-to-sign buffers, which
// would otherwise be the largest allocations of every verification.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > 64<<10 { // do not pin a buffer grown by a huge request
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// signingResult is what a signature computation produces.
type signingResult struct {
	signature [64]byte // lower-case hex
	// The intermediate steps, set only when they were asked for. They share
	// one allocation.
	canonicalRequest string
	stringToSign     string
	signatureHex     string
}

// computeSignature runs the whole SigV4 pipeline for req over pooled buffers.
// The HMAC is computed by hand over a buffer that already holds the inner
// pad in front of the string to sign, so the signature costs no allocation.
// With keepSteps the canonical request, the string to sign and the hex
// signature are returned as strings too, in a single allocation; without,
// they are never built.
func computeSignature(req *Request, signed []string, payloadHash string, mode Mode, omitSignature bool,
	amzDate string, sc Scope, key []byte, keepSteps bool) signingResult {
	cb := getBuf()
	defer putBuf(cb)
	creq := appendCanonicalRequest((*cb)[:0], req, signed, payloadHash, mode, omitSignature)
	*cb = creq
	creqHash := sha256.Sum256(creq)

	sb := getBuf()
	defer putBuf(sb)
	buf := append((*sb)[:0], make([]byte, sha256.BlockSize)...)
	buf = appendStringToSign(buf, amzDate, sc, &creqHash)
	*sb = buf
	sts := buf[sha256.BlockSize:]

	var res signingResult
	mac := hmacWithRoom(key, buf)
	hex.Encode(res.signature[:], mac[:])
	if keepSteps {
		var b strings.Builder
		b.Grow(len(creq) + len(sts) + len(res.signature))
		b.Write(creq)
		b.Write(sts)
		b.Write(res.signature[:])
		all := b.String()
		res.canonicalRequest = all[:len(creq)]
		res.stringToSign = all[len(creq) : len(creq)+len(sts)]
		res.signatureHex = all[len(creq)+len(sts):]
	}
	return res
}

// hmacWithRoom computes HMAC-SHA256(key, buf[BlockSize:]) using the first
// BlockSize bytes of buf as scratch for the inner pad, so the message is
// hashed where it lies rather than copied behind a pad.
func hmacWithRoom(key, buf []byte) [sha256.Size]byte {
	if len(key) > sha256.BlockSize {
		// RFC 2104: a key longer than a block is replaced by its hash.
		// Never the case for a signing key, which is itself a hash.
		sum := sha256.Sum256(key)
		key = sum[:]
	}
	for i := 0; i < sha256.BlockSize; i++ {
		var k byte
		if i < len(key) {
			k = key[i]
		}
		buf[i] = k ^ 0x36
	}
	inner := sha256.Sum256(buf)
	var outer [sha256.BlockSize + sha256.Size]byte
	for i := 0; i < sha256.BlockSize; i++ {
		var k byte
		if i < len(key) {
			k = key[i]
		}
		outer[i] = k ^ 0x5c
	}
	copy(outer[sha256.BlockSize:], inner[:])
	return sha256.Sum256(outer[:])
}

// joinSignedHeaders renders a signed-header list as it appears on the wire.
func joinSignedHeaders(h []string) string { return strings.Join(h, ";") }
