// Package secret holds credential secrets so that they cannot be printed,
// logged or compared by accident.
package secret

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
)

// Secret is a credential secret. It prints as [REDACTED] under fmt and slog,
// and it is not comparable with == (it holds a slice behind a struct), so
// comparisons go through Equal, which runs in constant time.
type Secret struct {
	b []byte
}

// New wraps s as a Secret.
func New(s string) Secret { return Secret{b: []byte(s)} }

// Generate returns a random secret of 40 characters from crypto/rand, the
// shape of an AWS secret access key.
func Generate() (Secret, error) {
	raw := make([]byte, 30)
	if _, err := rand.Read(raw); err != nil {
		return Secret{}, err
	}
	return Secret{b: []byte(base64.StdEncoding.EncodeToString(raw))}, nil
}

// Reveal returns the secret text. Call it only where the secret is needed to
// sign or verify, or to hand it to its owner once.
func (s Secret) Reveal() string { return string(s.b) }

// AppendTo appends the secret's bytes to dst and returns the result. It
// serves the signers, which key a MAC with the secret: appending to a
// buffer of their own avoids the string Reveal would allocate on every
// request, and hands out no slice that aliases the secret.
func (s Secret) AppendTo(dst []byte) []byte { return append(dst, s.b...) }

// Len returns the secret's length in bytes.
func (s Secret) Len() int { return len(s.b) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return len(s.b) == 0 }

// Equal compares two secrets in constant time.
func (s Secret) Equal(o Secret) bool { return subtle.ConstantTimeCompare(s.b, o.b) == 1 }

// String redacts the secret.
func (Secret) String() string { return "[REDACTED]" }

// GoString redacts the secret under %#v.
func (Secret) GoString() string { return "secret.Secret{[REDACTED]}" }

// LogValue redacts the secret in structured logs.
func (Secret) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }

// MarshalText redacts the secret in JSON, XML and text encodings; a secret
// is never serialised by accident.
func (Secret) MarshalText() ([]byte, error) { return []byte("[REDACTED]"), nil }
