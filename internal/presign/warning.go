package presign

import (
	"fmt"
	"time"

	"signet/internal/duration"
	"signet/internal/lifetime"
)

// warning is the paragraph a person must read before handing the URL out,
// or "" when the URL lives its full window. It names the credentials (never
// their secret or token), says when they end and what the URL really gets,
// and what to do instead.
func warning(r *Result) string {
	id := r.Identity
	lt := r.Lifetime
	who := fmt.Sprintf("temporary credentials, access key %s from %s,", id.AccessKeyID, id.Source)
	longTerm := "an IAM user's long-term access key (AKIA…, up to 7 days)"
	if r.SignatureVersion == "sigv2" {
		longTerm = "an IAM user's long-term access key (AKIA…)"
	}
	switch {
	case id.ExpiryUnknown():
		return fmt.Sprintf("This URL may stop working before %s: it is signed with %s that came without an expiration time, "+
			"and a presigned URL dies with its credentials. Ask whoever issued them when they expire "+
			"(aws sts get-caller-identity only shows that they still work), or sign with %s.",
			stamp(lt.URLExpiry), who, longTerm)
	case lt.LimitedBy != lifetime.LimitCredentials:
		return ""
	case !lt.Effective.After(r.SignedAt):
		return fmt.Sprintf("This URL does not work at all: it is signed with %s that expired at %s, %s before signing, "+
			"and a presigned URL dies with its credentials. Refresh them and sign again, or sign with %s.",
			who, stamp(lt.Effective), fmtDuration(r.SignedAt.Sub(lt.Effective)), longTerm)
	}
	remaining := lt.Effective.Sub(r.SignedAt).Truncate(time.Second)
	shorter := ""
	if remaining >= time.Second {
		shorter = fmt.Sprintf(", or shorten the URL to --expires-in %d (%s) or less", int64(remaining/time.Second), fmtDuration(remaining))
	}
	return fmt.Sprintf("This URL stops working at %s, %s after signing, not at %s: %s short. "+
		"It is signed with %s which expire then, and a presigned URL dies with its credentials. "+
		"For the full %s, sign with %s%s.",
		stamp(lt.Effective), fmtDuration(lt.Effective.Sub(r.SignedAt)), stamp(lt.URLExpiry), fmtDuration(lt.Shortfall),
		who, fmtDuration(r.Request.ExpiresIn), longTerm, shorter)
}

// stamp prints a time as RFC 3339 in UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// fmtDuration prints a duration in signet's one format for people
// (6d23h), which --expires-in reads back; rounded down to the second.
func fmtDuration(d time.Duration) string { return duration.Human(d) }
