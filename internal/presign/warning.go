package presign

import (
	"fmt"
	"time"

	"signet/internal/duration"
	"signet/internal/lifetime"
)

// warned is what the lifetime warning speaks of: a presigned URL, or a
// presigned POST policy. Both die with the credentials that signed them,
// so they share one paragraph; only the noun and the long-term advice
// differ.
type warned struct {
	noun     string // "URL" or "policy"
	longTerm string // what to sign with instead
	identity Identity
	lifetime lifetime.Lifetime
	signedAt time.Time
	asked    time.Duration // the --expires-in asked for
}

// warning is the paragraph a person must read before handing the URL out,
// or "" when the URL lives its full window.
func warning(r *Result) string {
	longTerm := "an IAM user's long-term access key (AKIA…, up to 7 days)"
	if r.SignatureVersion == "sigv2" {
		longTerm = "an IAM user's long-term access key (AKIA…)"
	}
	return lifetimeWarning(warned{noun: "URL", longTerm: longTerm, identity: r.Identity,
		lifetime: r.Lifetime, signedAt: r.SignedAt, asked: r.Request.ExpiresIn})
}

// lifetimeWarning is the one warning text of presign, for URLs and POST
// policies alike, or "" when w lives its full window. It names the
// credentials (never their secret or token), says when they end and what
// the URL or policy really gets, and what to do instead.
func lifetimeWarning(w warned) string {
	id := w.identity
	lt := w.lifetime
	who := fmt.Sprintf("temporary credentials, access key %s from %s,", id.AccessKeyID, id.Source)
	switch {
	case id.ExpiryUnknown():
		return fmt.Sprintf("This %s may stop working before %s: it is signed with %s that came without an expiration time, "+
			"and a presigned %s dies with its credentials. Ask whoever issued them when they expire "+
			"(aws sts get-caller-identity only shows that they still work), or sign with %s.",
			w.noun, stamp(lt.URLExpiry), who, w.presigned(), w.longTerm)
	case lt.LimitedBy != lifetime.LimitCredentials && id.IssuerAhead == 0:
		return ""
	case lt.LimitedBy != lifetime.LimitCredentials:
		return w.clockWarning()
	case !lt.Effective.After(w.signedAt):
		return fmt.Sprintf("This %s does not work at all: it is signed with %s that expired at %s, %s before signing, "+
			"and a presigned %s dies with its credentials. Refresh them and sign again, or sign with %s.",
			w.noun, who, stamp(lt.Effective), fmtDuration(w.signedAt.Sub(lt.Effective)), w.presigned(), w.longTerm) + w.frameNote()
	}
	remaining := lt.Effective.Sub(w.signedAt).Truncate(time.Second)
	shorter := ""
	if remaining >= time.Second {
		shorter = fmt.Sprintf(", or shorten the %s to --expires-in %d (%s) or less", w.noun, int64(remaining/time.Second), fmtDuration(remaining))
	}
	return fmt.Sprintf("This %s stops working at %s, %s after signing, not at %s: %s short. "+
		"It is signed with %s which expire then, and a presigned %s dies with its credentials. "+
		"For the full %s, sign with %s%s.",
		w.noun, stamp(lt.Effective), fmtDuration(lt.Effective.Sub(w.signedAt)), stamp(lt.URLExpiry), fmtDuration(lt.Shortfall),
		who, w.presigned(), fmtDuration(w.asked), w.longTerm, shorter) + w.frameNote()
}

// frameNote says, when the issuer's clock is off this machine's, that the
// times above were moved to this machine's clock, and why the window may
// read shorter than asked.
func (w warned) frameNote() string {
	ahead := w.identity.IssuerAhead
	switch {
	case ahead > 0:
		return fmt.Sprintf(" Times are on this machine's clock: the server that issued the credentials, and judges the %s, "+
			"runs %s ahead of it, so it reads the %s as signed %s ago.", w.noun, fmtDuration(ahead), w.noun, fmtDuration(ahead))
	case ahead < 0:
		return fmt.Sprintf(" Times are on this machine's clock: the server that issued the credentials, and judges the %s, "+
			"runs %s behind it, so it refuses the %s as not yet valid for its first %s.", w.noun, fmtDuration(-ahead), w.noun, fmtDuration(-ahead))
	}
	return ""
}

// clockWarning is the warning for a URL or policy its credentials do not
// cut short, signed for a server whose clock is off this machine's: its
// window reads shorter (server ahead) or starts later (server behind).
func (w warned) clockWarning() string {
	lt := w.lifetime
	if !lt.Effective.After(w.signedAt) {
		return fmt.Sprintf("This %s does not work at all: its %s window ended, by the server's clock, at %s on this machine's clock, before it was signed.",
			w.noun, fmtDuration(w.asked), stamp(lt.Effective)) + w.frameNote() +
			" Correct the clock that is off (on a signet server under --dev-clock: signet admin clock reset) and sign again."
	}
	if w.identity.IssuerAhead > 0 {
		return fmt.Sprintf("This %s stops working at %s, %s after signing, not %s after.",
			w.noun, stamp(lt.Effective), fmtDuration(lt.Effective.Sub(w.signedAt)), fmtDuration(w.asked)) + w.frameNote()
	}
	return fmt.Sprintf("This %s works from %s until %s.", w.noun, stamp(w.signedAt.Add(-w.identity.IssuerAhead)), stamp(lt.Effective)) + w.frameNote()
}

// presigned names the kind of thing in the rule "a presigned … dies with
// its credentials".
func (w warned) presigned() string {
	if w.noun == "URL" {
		return "URL"
	}
	return "POST " + w.noun
}

// stamp prints a time as RFC 3339 in UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// fmtDuration prints a duration in signet's one format for people
// (6d23h), which --expires-in reads back; rounded down to the second.
func fmtDuration(d time.Duration) string { return duration.Human(d) }
