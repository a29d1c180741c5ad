package secret

import "crypto/sha256"

// HashToken is the digest stored for a session token: STS keeps it when it
// issues the session and authentication compares a request's token with
// it, so no store ever holds a usable token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
