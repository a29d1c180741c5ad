// Package redact masks session tokens in text that leaves the server or
// the CLI: error bodies that echo a canonical request, explanations, and
// inspect's output. A masked token is a short fingerprint, the same
// wherever it is computed, so texts from the server and the client still
// compare equal, and two tokens can be told apart without either being
// shown.
package redact

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// Tokens replaces every session token in s (a canonical request, a
// string to sign, an explanation's text) with a short fingerprint, so that
// two texts can still be compared ("the same token?") without the token
// being printed. Tokens are found by their parameter and header names, in
// any case, whatever their value, so a token that is not the caller's is
// hidden too.
func Tokens(s string) string {
	for _, m := range []struct {
		marker, ends string
		encoded      bool
	}{
		{"x-amz-security-token=", "&\n", true}, // a canonical query's pair
		{"x-amz-security-token:", "\n", false}, // a header line (SigV2 signs the token as one)
	} {
		marker := m.marker
		var b strings.Builder
		rest := s
		for {
			i := strings.Index(strings.ToLower(rest), marker)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			i += len(marker)
			b.WriteString(rest[:i])
			rest = rest[i:]
			end := strings.IndexAny(rest, m.ends)
			if end < 0 {
				end = len(rest)
			}
			switch tok := rest[:end]; {
			case strings.HasPrefix(tok, redactedPrefix):
				// Already masked (the server's canonical request): hashing
				// the mask again would show a difference that isn't there.
				b.WriteString(tok)
			case end > 0:
				if m.encoded {
					tok = decodeComponent(tok)
				}
				b.WriteString(Token(tok))
			}
			rest = rest[end:]
		}
		s = b.String()
	}
	return s
}

// redactedPrefix starts every masked token, here and in the server's
// explanations.
const redactedPrefix = "REDACTED(sha256:"

// Token names a session token without revealing it: a hash prefix
// identifies it well enough to tell two tokens apart (the one the server saw
// and the one the client holds), and cannot be replayed. The server's
// explanations use the same mask, so texts from both compare equal.
func Token(token string) string {
	sum := sha256.Sum256([]byte(token))
	return redactedPrefix + hex.EncodeToString(sum[:4]) + ")"
}

// decodeComponent undoes a query component's encoding; a malformed escape
// is kept as written (the token is masked either way).
func decodeComponent(raw string) string {
	if v, err := url.QueryUnescape(raw); err == nil {
		return v
	}
	return raw
}
