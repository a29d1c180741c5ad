// Package lifetime decides how long a presigned request lives. It is the one
// function that the server's authenticator, the CLI's presign warning and
// `signet inspect` all call, so they cannot disagree.
//
// A presigned URL works while SignedAt <= now < effective expiry, where the
// effective expiry is the earliest of SignedAt+Expires (the URL's own
// window), the expiry of the credential that signed it, and SignedAt+7 days
// (the longest a SigV4 signing key is valid).
package lifetime

import "time"

// MaxExpires is the longest X-Amz-Expires AWS accepts (604800 s).
const MaxExpires = 7 * 24 * time.Hour

// Limit names what ends a presigned URL's life.
type Limit string

const (
	// LimitURL: the URL's own window (X-Amz-Date + X-Amz-Expires, or
	// SigV2's Expires).
	LimitURL Limit = "url"
	// LimitCredentials: the signing credential expires first (a temporary
	// session), so the URL dies with it.
	LimitCredentials Limit = "credentials"
)

// Input describes a presigned request.
type Input struct {
	// SignedAt is X-Amz-Date. For SigV2, which carries only an absolute
	// expiry, leave it zero and set URLExpiry.
	SignedAt time.Time
	// Expires is X-Amz-Expires.
	Expires time.Duration
	// URLExpiry overrides SignedAt+Expires when set (SigV2's Expires).
	URLExpiry time.Time
	// CredentialExpiry is when the signing credential expires; zero for a
	// long-term key, which never expires on its own.
	CredentialExpiry time.Time
}

// Lifetime is the outcome of Compute.
type Lifetime struct {
	// URLExpiry is the end of the URL's own window.
	URLExpiry time.Time
	// Effective is when the URL really stops working.
	Effective time.Time
	// LimitedBy says which deadline Effective is.
	LimitedBy Limit
	// OverLimit is true when Expires exceeds MaxExpires: S3 refuses such
	// a URL outright, whatever the time.
	OverLimit bool
	// Shortfall is how much earlier than its own window the URL dies
	// (zero unless LimitedBy is LimitCredentials).
	Shortfall time.Duration
}

// Compute returns the effective lifetime of a presigned request.
func Compute(in Input) Lifetime {
	urlEnd := in.URLExpiry
	if urlEnd.IsZero() {
		urlEnd = in.SignedAt.Add(in.Expires)
	}
	lt := Lifetime{
		URLExpiry: urlEnd,
		Effective: urlEnd,
		LimitedBy: LimitURL,
		OverLimit: in.URLExpiry.IsZero() && in.Expires > MaxExpires,
	}
	// A credential that expires exactly when the window closes does not
	// limit the URL: the URL's own window is the better explanation.
	if !in.CredentialExpiry.IsZero() && in.CredentialExpiry.Before(urlEnd) {
		lt.Effective = in.CredentialExpiry
		lt.LimitedBy = LimitCredentials
		lt.Shortfall = urlEnd.Sub(in.CredentialExpiry)
	}
	return lt
}

// Verdict is the state of a presigned request at a moment.
type Verdict string

const (
	Valid              Verdict = "valid"
	NotYetValid        Verdict = "not_yet_valid"
	URLExpired         Verdict = "url_expired"
	CredentialsExpired Verdict = "session_expired"
	ExpiresOverLimit   Verdict = "expires_over_limit"
)

// At returns the verdict at now. A URL over the 7-day limit is refused at
// any time; otherwise it is valid from SignedAt (inclusive) until Effective
// (exclusive), and once dead the verdict names the deadline that came first.
func (lt Lifetime) At(signedAt, now time.Time) Verdict {
	switch {
	case lt.OverLimit:
		return ExpiresOverLimit
	case !signedAt.IsZero() && now.Before(signedAt):
		return NotYetValid
	case now.Before(lt.Effective):
		return Valid
	case lt.LimitedBy == LimitCredentials:
		return CredentialsExpired
	default:
		return URLExpired
	}
}

// Remaining is how long the request stays valid at now (zero if dead).
func (lt Lifetime) Remaining(now time.Time) time.Duration {
	if d := lt.Effective.Sub(now); d > 0 {
		return d
	}
	return 0
}
