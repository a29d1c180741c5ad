package presign

import (
	"time"

	"signet/internal/secret"
)

// Identity is the credential a URL is signed with, and where it came from.
type Identity struct {
	AccessKeyID string
	// SecretAccessKey never leaves the process except as a signature.
	SecretAccessKey secret.Secret
	SessionToken    string
	// Expires is when the credential stops working. It is zero both for a
	// long-term key, which does not expire on its own, and for temporary
	// credentials whose expiry nobody told us (see ExpiryUnknown).
	Expires time.Time
	// Source says in words where the credential was found, e.g.
	// `shared credentials file ~/.aws/credentials, profile "default"`.
	Source string
	// Profile is the shared-config profile in use, "" when the credential
	// did not come from one (environment variables, container, instance).
	Profile string
	// IssuerAhead is how far the clock of the STS that issued the
	// credential ran ahead of this machine's (negative: behind), measured
	// when this run assumed the role; 0 when unknown or under
	// clockNoise. Expires is on the issuer's clock, and the server that
	// judges the URL reads the same one (a signet server under
	// --dev-clock, or a machine whose clock is off).
	IssuerAhead time.Duration
}

// ExpiresHere is Expires on this machine's clock.
func (id Identity) ExpiresHere() time.Time {
	if id.Expires.IsZero() {
		return id.Expires
	}
	return id.Expires.Add(-id.IssuerAhead)
}

// Temporary reports whether the credential is an STS session (or anything
// else that carries a token or an expiry) rather than an IAM user's
// long-term key.
func (id Identity) Temporary() bool {
	return id.SessionToken != "" || !id.Expires.IsZero()
}

// ExpiryUnknown reports temporary credentials that came without an
// expiration (a session token in bare environment variables, a
// credential_process that printed no Expiration): the URL dies when they
// do, and nobody can say when from here.
func (id Identity) ExpiryUnknown() bool {
	return id.Temporary() && id.Expires.IsZero()
}

// Kind is "temporary" or "long-term".
func (id Identity) Kind() string {
	if id.Temporary() {
		return "temporary"
	}
	return "long-term"
}
