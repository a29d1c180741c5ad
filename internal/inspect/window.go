package inspect

import (
	"fmt"
	"time"

	"signet/internal/adminwire"
	"signet/internal/duration"
	"signet/internal/lifetime"
	"signet/internal/reason"
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
	return Judgement{Verdict: adminwire.VerdictInvalid, Reason: adminwire.ReasonMalformed, Window: "cannot be judged",
		Message: reason.Say(reason.MalformedUnjudged, reason.Facts{Detail: err.Error()})}
}

// Judge returns the verdict on u's window at now. It goes through
// lifetime.Compute, the function the server's authenticator uses, so the
// two agree on every boundary: valid from the signing time (inclusive)
// until the window's end (exclusive). Its sentences are the server's, from
// the table in package reason, where the server would say the same.
func Judge(u *URL, now time.Time) Judgement {
	in := lifetime.Input{SignedAt: u.SignedAt, Expires: time.Duration(u.ExpiresIn) * time.Second}
	if u.Version == SigV2 {
		in = lifetime.Input{URLExpiry: u.ExpiresAt}
	} else if u.ExpiresIn > int64(lifetime.MaxExpires/time.Second) {
		in.Expires = lifetime.MaxExpires + time.Second // beyond the cap; the exact excess does not matter
	}
	lt := lifetime.Compute(in)
	j := Judgement{Verdict: adminwire.VerdictInvalid, Lifetime: lt}
	f := reason.Facts{Now: now, KeyID: u.AccessKeyID, SignedAt: u.SignedAt, URLExpiry: lt.URLExpiry,
		Expires: time.Duration(min(u.ExpiresIn, 1<<62/int64(time.Second))) * time.Second}
	switch lt.At(u.SignedAt, now) {
	case lifetime.ExpiresOverLimit:
		j.Window = "refused whatever the time: X-Amz-Expires is over 7 days"
		j.say(reason.ExpiresOverLimitSeconds, f)
	case lifetime.NotYetValid:
		j.Window = fmt.Sprintf("not yet valid (signed %s in the future)", duration.Human(u.SignedAt.Sub(now)))
		j.say(reason.NotYetValidOffline, f)
	case lifetime.Valid:
		j.Verdict = adminwire.VerdictValid
		j.Remaining = lt.Remaining(now)
		if u.HasSecurityToken() {
			j.Window = fmt.Sprintf("valid for at most %s", duration.Human(j.Remaining))
			j.say(reason.ValidOfflineSession, f)
		} else {
			j.Window = fmt.Sprintf("valid for %s", duration.Human(j.Remaining))
			j.say(reason.ValidOffline, f)
		}
	default: // url_expired: offline no credential expiry is known, so only the URL's own window can have passed
		j.Window = fmt.Sprintf("expired %s ago", duration.Human(now.Sub(lt.URLExpiry)))
		if u.Version == SigV2 {
			j.say(reason.URLExpiredV2, f)
		} else {
			j.say(reason.URLExpiredV4, f)
		}
	}
	return j
}

// say sets the judgement's reason and its sentence from the table.
func (j *Judgement) say(s reason.Sentence, f reason.Facts) {
	j.Reason, j.Message = s.Reason(), reason.Say(s, f)
}

// stamp prints a time for people: RFC 3339, UTC, to the second (the JSON
// report keeps full precision).
func stamp(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}
