// Package reason holds every sentence signet says about why a presigned URL
// works or fails: the reason codes, and one table (table.go) from each
// reason, or each way a reason reads, to a template rendered from Facts.
// The server's explanation (internal/explain) and `signet inspect` offline
// (internal/inspect) render from it, `signet inspect` against a server
// prints the server's rendering, and the reasons section of docs/cli.md is
// generated from it, so a sentence is written once.
//
// It imports only the standard library and internal/duration, so that
// both the server and the CLI may use it.
package reason

import (
	"strings"
	"text/template"
	"time"

	"signet/internal/duration"
)

// Reason codes: the stable values of an explanation's reason (the admin
// API's Explanation.Reason, `signet inspect --json`'s reason).
const (
	Valid             = "valid"
	URLExpired        = "url_expired"
	NotYetValid       = "not_yet_valid"
	ExpiresOverLimit  = "expires_over_limit"
	SessionExpired    = "session_expired"
	SessionTerminated = "session_terminated"
	SessionsRevoked   = "sessions_revoked"
	KeyInactive       = "key_inactive"
	KeyUnknown        = "key_unknown"
	PolicyDenied      = "policy_denied"
	SignatureMismatch = "signature_mismatch"
	InvalidToken      = "invalid_token"
	OwnerDeleted      = "owner_deleted"
	Malformed         = "malformed"
	NoSuchBucket      = "no_such_bucket"
	NoSuchKey         = "no_such_key"
	// PolicyExpired and PolicyConditionFailed are a browser POST form's
	// own: its policy's expiration has passed, or its fields (or its
	// file's size) are not what the policy allows.
	PolicyExpired         = "policy_expired"
	PolicyConditionFailed = "policy_condition_failed"
	// URLRevoked: a presigned URL or form refused by `signet admin url
	// revoke`, by its signature or by its signer and signing time.
	URLRevoked = "url_revoked"
)

// Codes lists every reason code once, in the order the docs show them.
// Tests enumerate reasons from here.
var Codes = []string{
	Valid, URLExpired, NotYetValid, ExpiresOverLimit, SessionExpired, SessionTerminated, SessionsRevoked,
	KeyInactive, KeyUnknown, PolicyDenied, SignatureMismatch, InvalidToken, OwnerDeleted, Malformed,
	NoSuchBucket, NoSuchKey, PolicyExpired, PolicyConditionFailed,
}

// Sentence names one template of the table: a reason code, or a reason
// code and a variant after a slash ("key_unknown/deleted") where a reason
// reads differently in different situations.
type Sentence string

// Reason is the reason code the sentence explains.
func (s Sentence) Reason() string {
	code, _, _ := strings.Cut(string(s), "/")
	return code
}

// Facts are what a sentence is rendered from. Each template uses the
// fields its situation has; the others are zero.
type Facts struct {
	// Now is the judging clock's time: the server's lifetime clock, or
	// this machine's offline.
	Now time.Time
	// Who names the signing key and whose it is, lower case: "IAM user
	// alice's key AKIA…", "role session reader/ci (ASIA…)".
	Who string
	// KeyID is the access key ID the URL names.
	KeyID string
	// UserName is the key's IAM user, also once deleted.
	UserName string
	// Anonymous is set for an unsigned request.
	Anonymous bool
	// CallerARN is the ARN of the caller that was denied.
	CallerARN string

	// SignedAt is X-Amz-Date; Expires is X-Amz-Expires.
	SignedAt time.Time
	Expires  time.Duration
	// URLExpiry is the end of the URL's own window.
	URLExpiry time.Time
	// Effective is when the URL really stops working.
	Effective time.Time
	// CredentialsLimit is set when the signing credentials end before
	// the URL's own window, by Shortfall.
	CredentialsLimit bool
	Shortfall        time.Duration

	// SessionExpiry, TerminatedAt, Issued and DeletedAt are the signing
	// credential's times.
	SessionExpiry time.Time
	TerminatedAt  time.Time
	Issued        time.Time
	DeletedAt     time.Time

	// OwnerKind ("IAM user" or "role"), OwnerName and OwnerID name the
	// identity a session was issued for; NewOwnerID is the unique ID of
	// a new identity of the same name.
	OwnerKind, OwnerName, OwnerID, NewOwnerID string
	// DeletedRole is the role a denied session belonged to, when it was
	// deleted.
	DeletedRole string

	// Action and Resource are the S3 action and ARN asked for; Bucket
	// and Object what the URL addresses.
	Action, Resource string
	Bucket, Object   string
	// Statement names the policy statement that decided a denial;
	// Condition is its aws:TokenIssueTime condition ("DateLessThan …").
	Statement string
	Condition string
	// Hint says what the signature search found.
	Hint string
	// Status, Code and Detail are the AWS error the server answers.
	Status int
	Code   string
	Detail string
}

// Since is how long before Now t was, for people ("3h12m").
func (f Facts) Since(t time.Time) string { return duration.Human(f.Now.Sub(t)) }

// Until is how long after Now t is, for people.
func (f Facts) Until(t time.Time) string { return duration.Human(t.Sub(f.Now)) }

// Caller names who was denied, at the start of a sentence.
func (f Facts) Caller() string {
	if f.Anonymous || f.Who == "" {
		return "The anonymous caller"
	}
	return capital(f.Who)
}

// Signer names the signer of a URL that passed every check.
func (f Facts) Signer() string {
	if f.Who == "" {
		return "the signer"
	}
	return f.Who
}

var funcs = template.FuncMap{
	"stamp":   stamp,
	"human":   duration.Human,
	"seconds": func(d time.Duration) int64 { return int64(d / time.Second) },
	"capital": capital,
	"trimDot": func(s string) string { return strings.TrimSuffix(s, ".") },
}

// templates are the table's entries, parsed once.
var templates = parse()

func parse() map[Sentence]*template.Template {
	out := make(map[Sentence]*template.Template, len(table))
	for _, e := range table {
		if _, dup := out[e.Sentence]; dup {
			panic("reason: sentence " + string(e.Sentence) + " is in the table twice")
		}
		out[e.Sentence] = template.Must(template.New(string(e.Sentence)).Funcs(funcs).Option("missingkey=error").Parse(e.Text))
	}
	return out
}

// Say renders sentence s from f. A sentence missing from the table (a
// mistake the completeness test catches) reads as its code.
func Say(s Sentence, f Facts) string {
	t, ok := templates[s]
	if !ok {
		return string(s)
	}
	var b strings.Builder
	if err := t.Execute(&b, f); err != nil {
		// Templates use only Facts' fields and methods, which cannot
		// fail; an error means a template was changed untested.
		return string(s) + ": " + err.Error()
	}
	return b.String()
}

// stamp is a time as sentences show it: RFC 3339 in UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// capital starts a sentence with s.
func capital(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
