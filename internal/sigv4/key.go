package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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

// SigningKey derives the SigV4 signing key for secret and scope.
func SigningKey(secret string, s Scope) []byte {
	k := HMAC([]byte("AWS4"+secret), []byte(s.Date))
	k = HMAC(k, []byte(s.Region))
	k = HMAC(k, []byte(s.Service))
	return HMAC(k, []byte("aws4_request"))
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
