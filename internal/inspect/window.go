package inspect

import (
	"fmt"
	"time"

	"signet/internal/adminwire"
	"signet/internal/duration"
	"signet/internal/lifetime"
)

// Judgement is the verdict on a URL's window at one moment, judged offline:
// the URL's own dates against a clock, with no knowledge of the credential.
type Judgement struct {
	Verdict string // adminwire.VerdictValid or adminwire.VerdictInvalid
	// Reason is adminwire.ReasonValid, ReasonURLExpired, ReasonNotYetValid,
	// ReasonExpiresOverLimit or ReasonMalformed.
	Reason string
	// Window is the verdict in a few words ("valid for 3h12m", "expired
	// 2d4h ago").
	Window string
	// Message is the whole verdict in one sentence, with times.
	Message string
	// Lifetime is the window as the lifetime package computes it, with no
	// credential expiry (offline, none is known); zero when malformed.
	Lifetime lifetime.Lifetime
	// Remaining is how long the window stays open (zero unless valid).
	Remaining time.Duration
}

// Malformed is the judgement on a URL that cannot be judged.
func Malformed(err error) Judgement {
	return Judgement{Verdict: adminwire.VerdictInvalid, Reason: adminwire.ReasonMalformed, Window: "cannot be judged", Message: err.Error()}
}

// Judge returns the verdict on u's window at now. It goes through
// lifetime.Compute, the function the server's authenticator uses, so the
// two agree on every boundary: valid from the signing time (inclusive)
// until the window's end (exclusive).
func Judge(u *URL, now time.Time) Judgement {
	in := lifetime.Input{SignedAt: u.SignedAt, Expires: time.Duration(u.ExpiresIn) * time.Second}
	if u.Version == SigV2 {
		in = lifetime.Input{URLExpiry: u.ExpiresAt}
	} else if u.ExpiresIn > int64(lifetime.MaxExpires/time.Second) {
		in.Expires = lifetime.MaxExpires + time.Second // beyond the cap; the exact excess does not matter
	}
	lt := lifetime.Compute(in)
	j := Judgement{Verdict: adminwire.VerdictInvalid, Lifetime: lt}
	switch lt.At(u.SignedAt, now) {
	case lifetime.ExpiresOverLimit:
		j.Reason = adminwire.ReasonExpiresOverLimit
		j.Window = "refused whatever the time: X-Amz-Expires is over 7 days"
		j.Message = fmt.Sprintf("X-Amz-Expires=%d is over the 7-day cap of 604800 seconds: S3 refuses the URL whatever the time; sign it again for 7 days or less.", u.ExpiresIn)
	case lifetime.NotYetValid:
		ahead := u.SignedAt.Sub(now)
		j.Reason = adminwire.ReasonNotYetValid
		j.Window = fmt.Sprintf("not yet valid (signed %s in the future)", duration.Human(ahead))
		j.Message = fmt.Sprintf("Not yet valid: signed at %s, %s ahead of this clock (%s); the signer's clock runs ahead, or this one behind.",
			stamp(u.SignedAt), duration.Human(ahead), stamp(now))
	case lifetime.Valid:
		j.Verdict, j.Reason = adminwire.VerdictValid, adminwire.ReasonValid
		j.Remaining = lt.Remaining(now)
		if u.HasSecurityToken() {
			j.Window = fmt.Sprintf("valid for at most %s", duration.Human(j.Remaining))
			j.Message = fmt.Sprintf("Works for at most another %s, until %s at the latest: the URL dies earlier if the session that signed it ends first.",
				duration.Human(j.Remaining), stamp(lt.URLExpiry))
		} else {
			j.Window = fmt.Sprintf("valid for %s", duration.Human(j.Remaining))
			j.Message = fmt.Sprintf("Works for another %s, until %s.", duration.Human(j.Remaining), stamp(lt.URLExpiry))
		}
	default: // url_expired: offline no credential expiry is known, so only the URL's own window can have passed
		ago := now.Sub(lt.URLExpiry)
		j.Reason = adminwire.ReasonURLExpired
		j.Window = fmt.Sprintf("expired %s ago", duration.Human(ago))
		j.Message = fmt.Sprintf("Expired %s ago: the URL's window ended at %s.", duration.Human(ago), stamp(lt.URLExpiry))
	}
	return j
}

// stamp prints a time for people: RFC 3339, UTC, to the second (the JSON
// report keeps full precision).
func stamp(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}
