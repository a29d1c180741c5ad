// Package checksum implements S3's flexible checksums: the algorithm names
// used on the wire, their x-amz-checksum-* headers, the base64 encoding of
// digests, and the COMPOSITE checksum of a multipart upload.
//
// It imports only the standard library so that the request path does not
// depend on an SDK to validate what an SDK sent.
package checksum

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"strconv"
	"strings"
)

// Algorithm is a flexible-checksum algorithm as named by S3
// (x-amz-checksum-algorithm, x-amz-sdk-checksum-algorithm).
type Algorithm string

// The algorithms S3 accepts for object integrity. MD5 is deliberately absent:
// it travels in Content-MD5, not in the flexible-checksum headers.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
)

// Algorithms lists every supported algorithm in a fixed order, so that a
// caller scanning request headers gets deterministic results.
var Algorithms = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

// headerPrefix is shared by every x-amz-checksum-<alg> header and trailer.
const headerPrefix = "x-amz-checksum-"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Parse maps a wire name such as "crc32c" or "SHA256" to an Algorithm.
// Clients are inconsistent about case (botocore sends upper case, some
// tools lower case), so matching is case-insensitive.
func Parse(s string) (Algorithm, bool) {
	for _, a := range Algorithms {
		if strings.EqualFold(s, string(a)) {
			return a, true
		}
	}
	return "", false
}

// Valid reports whether a is one of the supported algorithms, spelled as
// the constants spell it.
func (a Algorithm) Valid() bool { return a.Size() != 0 }

// New returns a fresh hash for a. It panics on an unknown algorithm because
// every Algorithm value should come from Parse or the constants; a bad
// value here is a programming error, not a client error.
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case CRC64NVME:
		return NewCRC64NVME()
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	panic(fmt.Sprintf("checksum: unknown algorithm %q", string(a)))
}

// Size is the length in bytes of a's raw digest; a decoded header value of
// any other length is malformed (S3's InvalidDigest / InvalidRequest).
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return 4
	case CRC64NVME:
		return 8
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

// HeaderName is the lower-case header (or trailer) that carries a's value,
// e.g. "x-amz-checksum-crc32". Lower case because trailer names are
// compared against x-amz-trailer, which SDKs send in lower case.
func (a Algorithm) HeaderName() string {
	return headerPrefix + strings.ToLower(string(a))
}

// FromHeaderName is the inverse of HeaderName. Header names are
// case-insensitive in HTTP, so the match is too.
func FromHeaderName(name string) (Algorithm, bool) {
	if len(name) <= len(headerPrefix) || !strings.EqualFold(name[:len(headerPrefix)], headerPrefix) {
		return "", false
	}
	return Parse(name[len(headerPrefix):])
}

// Encode renders a raw digest as it appears on the wire: standard base64
// with padding, of the big-endian digest bytes.
func Encode(sum []byte) string {
	return base64.StdEncoding.EncodeToString(sum)
}

// Decode parses a wire value for algorithm a and checks its length, so a
// truncated or padded value is reported as malformed instead of as a
// mismatch.
func Decode(a Algorithm, value string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("checksum: %s value is not base64: %w", a, err)
	}
	if n := a.Size(); n == 0 || len(b) != n {
		return nil, fmt.Errorf("checksum: %s value has %d bytes, want %d", a, len(b), a.Size())
	}
	return b, nil
}

// Composite computes the checksum S3 reports for a multipart upload whose
// ChecksumType is COMPOSITE: the algorithm applied to the concatenation of
// the raw (not base64) part checksums, base64-encoded, then "-" and the
// number of parts. Clients compare this string verbatim.
func Composite(a Algorithm, partSums [][]byte) string {
	h := a.New()
	for _, s := range partSums {
		h.Write(s)
	}
	return Encode(h.Sum(nil)) + "-" + strconv.Itoa(len(partSums))
}
