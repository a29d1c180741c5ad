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
	return string(appendCanonicalRequest(nil, req, signedHeaders, payloadHash, mode, omitSignature))
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
	canonicalRequest string
	stringToSign     string
	signature        [64]byte // lower-case hex
}

// computeSignature runs the whole SigV4 pipeline for req over pooled buffers.
// The HMAC is computed by hand over a buffer that already holds the inner
// pad in front of the string to sign, so signing needs no allocation beyond
// the two strings handed back.
func computeSignature(req *Request, signed []string, payloadHash string, mode Mode, omitSignature bool,
	amzDate string, sc Scope, key []byte) signingResult {
	cb := getBuf()
	creq := appendCanonicalRequest((*cb)[:0], req, signed, payloadHash, mode, omitSignature)
	*cb = creq
	creqHash := sha256.Sum256(creq)
	var res signingResult
	res.canonicalRequest = string(creq)
	putBuf(cb)

	sb := getBuf()
	buf := append((*sb)[:0], make([]byte, sha256.BlockSize)...)
	buf = appendStringToSign(buf, amzDate, sc, &creqHash)
	*sb = buf
	res.stringToSign = string(buf[sha256.BlockSize:])
	mac := hmacWithRoom(key, buf)
	putBuf(sb)
	hex.Encode(res.signature[:], mac[:])
	return res
}

// hmacWithRoom computes HMAC-SHA256(key, buf[BlockSize:]) using the first
// BlockSize bytes of buf as scratch for the inner pad. Keys longer than a
// block (never the case for a derived signing key) use crypto/hmac.
func hmacWithRoom(key, buf []byte) [32]byte {
	var out [32]byte
	if len(key) > sha256.BlockSize {
		copy(out[:], HMAC(key, buf[sha256.BlockSize:]))
		return out
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
