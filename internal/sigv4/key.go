package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"signet/internal/secret"
)

// Algorithm is the SigV4 algorithm name.
const Algorithm = "AWS4-HMAC-SHA256"

// Scope is a credential scope: date (YYYYMMDD), region and service.
type Scope struct {
	Date    string
	Region  string
	Service string
}

// String renders the scope as it appears in the string to sign:
// date/region/service/aws4_request.
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/aws4_request"
}

// SigningKey derives the SigV4 signing key for a secret access key and a
// scope.
func SigningKey(sk secret.Secret, s Scope) []byte {
	k := deriveKey(sk, s)
	return k[:]
}

// deriveKey is SigningKey into an array: its four HMACs run over stack
// buffers, where crypto/hmac would allocate two hash states for each.
func deriveKey(sk secret.Secret, s Scope) [sha256.Size]byte {
	var k [sha256.Size]byte
	var first [sha256.BlockSize]byte
	if len("AWS4")+sk.Len() <= len(first) {
		k = hmacString(sk.AppendTo(append(first[:0], "AWS4"...)), s.Date)
	} else { // a secret longer than any AWS or signet issues
		copy(k[:], HMAC(sk.AppendTo([]byte("AWS4")), []byte(s.Date)))
	}
	k = hmacString(k[:], s.Region)
	k = hmacString(k[:], s.Service)
	return hmacString(k[:], "aws4_request")
}

// hmacString is HMAC-SHA256(key, msg) for the short messages of key
// derivation, without allocating when msg fits in one block.
func hmacString(key []byte, msg string) [sha256.Size]byte {
	if len(msg) > sha256.BlockSize {
		// The clone keeps key on the caller's stack: crypto/hmac retains
		// the key it is given.
		var out [sha256.Size]byte
		copy(out[:], HMAC(slices.Clone(key), []byte(msg)))
		return out
	}
	var buf [2 * sha256.BlockSize]byte
	n := copy(buf[sha256.BlockSize:], msg)
	return hmacWithRoom(key, buf[:sha256.BlockSize+n])
}

// HMAC returns HMAC-SHA256(key, data).
func HMAC(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

// HexSHA256 returns the lower-case hex SHA-256 of data.
func HexSHA256(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// EmptySHA256 is the hex SHA-256 of an empty payload.
const EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
