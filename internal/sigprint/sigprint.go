// Package sigprint names a presigned URL or form by its signature: a short
// fingerprint that is the same however a client re-orders or re-encodes
// the query (the signature is compared decoded), different for every other
// URL, and safe to log and store, since a fingerprint cannot be turned
// back into the signature that would let someone use the URL.
package sigprint

import (
	"crypto/sha256"
	"encoding/hex"
)

// Versions, as they prefix what is hashed: a SigV4 and a SigV2 signature
// never share a fingerprint even if their text were equal.
const (
	V4 = "v4"
	V2 = "v2"
)

// Print is a fingerprint: 128 bits of a SHA-256, plenty to keep two
// signatures apart, and a value (no allocation) so that the request path
// can look one up in a map.
type Print [16]byte

// Len is the length of a fingerprint written out: 32 hex digits.
const Len = 2 * len(Print{})

const domain = "signet-url\x00"

// Of returns the fingerprint of signature, signed with version (V4 or
// V2). signature is the value the verifier compares: SigV4's hex digits
// (lower-cased here, as hex is case-insensitive), SigV2's base64 as
// decoded from the query.
func Of(version, signature string) Print {
	// Built on the stack for any signature of a usual length: the
	// request path computes one per presigned request.
	var buf [128]byte
	b := append(buf[:0], domain...)
	b = append(b, version...)
	b = append(b, 0)
	start := len(b)
	b = append(b, signature...)
	if version == V4 {
		for i := start; i < len(b); i++ {
			if 'A' <= b[i] && b[i] <= 'F' {
				b[i] += 'a' - 'A'
			}
		}
	}
	sum := sha256.Sum256(b)
	var p Print
	copy(p[:], sum[:])
	return p
}

// String writes p as Len lower-case hex digits; the zero Print as "".
func (p Print) String() string {
	if p.IsZero() {
		return ""
	}
	return hex.EncodeToString(p[:])
}

// IsZero reports whether p is no fingerprint at all.
func (p Print) IsZero() bool { return p == Print{} }

// Parse reads a fingerprint written by String: Len hex digits, either
// case.
func Parse(s string) (Print, bool) {
	var p Print
	if len(s) != Len {
		return p, false
	}
	if _, err := hex.Decode(p[:], []byte(s)); err != nil {
		return Print{}, false
	}
	return p, !p.IsZero()
}
