// Package adminwire holds the JSON shapes of signet's admin API
// (docs/admin-api.md), shared by the server (adminapi) and the client
// (adminclient) so the two cannot drift apart.
package adminwire

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"signet/internal/duration"
	"signet/internal/principal"
	"signet/internal/reason"
)

// PathPrefix is the path every admin call starts with.
const PathPrefix = "/_signet/admin/v1/"

// Service is the SigV4 credential scope's service for admin calls.
const Service = "signet"

// BackupContentType is the media type of GET …/backup's answer: a tar
// stream whose last entry is manifest.json (package backup).
const BackupContentType = "application/x-tar"

// LifecycleSweep is what one run of the lifecycle sweeper did (POST
// …/lifecycle/sweep).
type LifecycleSweep struct {
	// At is the lifetime clock's time the sweep judged by.
	At time.Time `json:"at"`
	// Buckets is the number of buckets with a lifecycle configuration.
	Buckets                   int `json:"buckets"`
	UploadsAborted            int `json:"uploads_aborted"`
	ObjectsExpired            int `json:"objects_expired"`
	NoncurrentVersionsExpired int `json:"noncurrent_versions_expired"`
	DeleteMarkersRemoved      int `json:"delete_markers_removed"`
}

// Clock is the server's view of time (GET …/clock, POST …/clock/advance).
type Clock struct {
	// Now is the lifetime clock: presigned URL windows, session expiry and
	// aws:CurrentTime all follow it.
	Now time.Time `json:"now"`
	// Real is the server's wall clock.
	Real time.Time `json:"real"`
	// Offset is Now - Real as the server prints it (e.g. "12h0m1s").
	Offset string `json:"offset"`
	// OffsetSeconds is the offset in whole seconds.
	OffsetSeconds int64 `json:"offset_seconds"`
	// DevClock is true on a server started with --dev-clock.
	DevClock bool `json:"dev_clock"`
}

// OffsetDuration is the offset as a time.Duration: the Offset string when it
// parses (it is exact), else OffsetSeconds.
func (c *Clock) OffsetDuration() time.Duration {
	if d, err := duration.Parse(c.Offset); err == nil {
		return d
	}
	return time.Duration(c.OffsetSeconds) * time.Second
}

// Advance is the body of POST …/clock/advance.
type Advance struct {
	Duration string `json:"duration"`
}

// Session kinds, on the wire as plain strings.
const (
	KindAssumedRole   = string(principal.SessionAssumedRole)
	KindSessionToken  = string(principal.SessionToken)
	KindFederatedUser = string(principal.SessionFederated)
)

// Session statuses, judged by the server's lifetime clock.
const (
	StatusActive     = "active"
	StatusExpired    = "expired"
	StatusTerminated = "terminated"
)

// Session is a set of temporary credentials STS issued. Secrets and session
// tokens are never part of it.
type Session struct {
	AccessKeyID       string `json:"access_key_id"`
	Kind              string `json:"kind"`
	ARN               string `json:"arn"`
	UserID            string `json:"user_id"`
	UserName          string `json:"user_name"`
	RoleName          string `json:"role_name"`
	RoleARN           string `json:"role_arn"`
	SessionName       string `json:"session_name"`
	SourceAccessKeyID string `json:"source_access_key_id"`
	Chained           bool   `json:"chained"`
	// SessionPolicy and SessionPolicyARNs are the session policies given
	// at issue (inline, and managed by ARN); absent when there were none.
	// A session with any is narrowed to what they allow; a federated-user
	// session without any has no permissions.
	SessionPolicy     string     `json:"session_policy,omitempty"`
	SessionPolicyARNs []string   `json:"session_policy_arns,omitempty"`
	Issued            time.Time  `json:"issued"`
	Expires           time.Time  `json:"expires"`
	TerminatedAt      *time.Time `json:"terminated_at"`
	Status            string     `json:"status"`
	// RemainingSeconds is whole seconds until Expires by the lifetime
	// clock; 0 once expired or terminated.
	RemainingSeconds int64 `json:"remaining_seconds"`
}

// Remaining is RemainingSeconds as a duration.
func (s *Session) Remaining() time.Duration {
	return time.Duration(s.RemainingSeconds) * time.Second
}

// SessionList is the body of GET …/sessions.
type SessionList struct {
	Sessions []Session `json:"sessions"`
}

// Error is the error object of an error body.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ErrorBody is every error response's body.
type ErrorBody struct {
	Error     *Error `json:"error"`
	RequestID string `json:"request_id"`
}

// Explain reasons: the stable codes of Explanation.Reason (and of `signet
// inspect --json`), defined with their sentences in package reason. Valid
// is the only one with Verdict "valid".
const (
	ReasonValid             = reason.Valid
	ReasonURLExpired        = reason.URLExpired
	ReasonNotYetValid       = reason.NotYetValid
	ReasonExpiresOverLimit  = reason.ExpiresOverLimit
	ReasonSessionExpired    = reason.SessionExpired
	ReasonSessionTerminated = reason.SessionTerminated
	ReasonSessionsRevoked   = reason.SessionsRevoked // denied by a "revoke older sessions" statement on aws:TokenIssueTime
	ReasonKeyInactive       = reason.KeyInactive
	ReasonKeyUnknown        = reason.KeyUnknown // never issued here, deleted, or its user deleted (Credential.Status says which)
	ReasonPolicyDenied      = reason.PolicyDenied
	ReasonSignatureMismatch = reason.SignatureMismatch
	ReasonInvalidToken      = reason.InvalidToken // a session token altered, missing or not the key's
	ReasonOwnerDeleted      = reason.OwnerDeleted // the session's user or role was deleted (or re-created: a new one of the same name does not inherit it)
	ReasonMalformed         = reason.Malformed    // not a presigned request signet can judge (parameters missing or malformed, wrong region or service)
	ReasonNoSuchBucket      = reason.NoSuchBucket // the URL is good, but its bucket does not exist
	ReasonNoSuchKey         = reason.NoSuchKey    // the URL is good, but the object it reads does not exist (NoSuchKey, or AccessDenied to a signer that may not list the bucket)
	// A browser POST form's own reasons.
	ReasonPolicyExpired         = reason.PolicyExpired         // the form's policy expiration has passed (AccessDenied "Invalid according to Policy: Policy expired.")
	ReasonPolicyConditionFailed = reason.PolicyConditionFailed // a field breaks a condition, no condition covers a field, or the file's size is out of range
)

// Verdicts of Explanation.Verdict.
const (
	VerdictValid   = "valid"
	VerdictInvalid = "invalid"
)

// Credential statuses of ExplainCredential.Status, beyond the session
// statuses above.
const (
	CredentialInactive    = "inactive"     // an IAM user's key set Inactive
	CredentialDeleted     = "deleted"      // an IAM user's key deleted (its user still exists)
	CredentialUserDeleted = "user_deleted" // the key was deleted and then its user
	CredentialUnknown     = "unknown"      // never issued by this server (or deleted more than 7 days ago)
)

// Principal types of Principal.Type beyond the session kinds
// (KindAssumedRole, KindFederatedUser, KindSessionToken).
const (
	PrincipalRoot = "root"
	PrincipalUser = "user"
)

// Credential kinds of ExplainCredential.Kind.
const (
	CredentialKindRoot      = "root"
	CredentialKindLongTerm  = "long-term" // an IAM user's AKIA key
	CredentialKindTemporary = "temporary" // an STS session's ASIA key
)

// ExplainRequest is the body of POST …/explain: a presigned URL and, when
// the caller knows it, the request that was really sent with it.
type ExplainRequest struct {
	URL string `json:"url"`
	// Method is the HTTP method sent; GET when empty.
	Method string `json:"method,omitempty"`
	// Headers are the headers sent (canonical or any case), including
	// Host when a proxy rewrote it; the URL's host otherwise.
	Headers map[string][]string `json:"headers,omitempty"`
	// Form, when set, asks about a browser POST form instead of a
	// presigned URL: its fields before the file, in form order, posted to
	// URL (the form's action) with method POST.
	Form []FormField `json:"form,omitempty"`
	// FileSize is the size of the file the form would send, judged
	// against the policy's content-length-range; nil when unknown.
	FileSize *int64 `json:"file_size,omitempty"`
}

// FormField is one field of a browser POST form.
type FormField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Validate checks what the server can judge: an absolute http or https
// URL with a host, and a method and header names that are HTTP tokens.
// The errors say what to send instead.
func (r *ExplainRequest) Validate() error {
	if r.URL == "" {
		return errors.New("the request has no url: send {\"url\": \"https://host/bucket/key?X-Amz-Signature=…\"}")
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return errors.New("the url does not parse: " + strings.TrimPrefix(err.Error(), "parse "))
	}
	if s := strings.ToLower(u.Scheme); (s != "http" && s != "https") || u.Host == "" {
		return errors.New("the url must be absolute, http:// or https:// with a host, as the presigned URL was given out")
	}
	if r.Method != "" && !httpguts.ValidHeaderFieldName(r.Method) {
		return errors.New("the method " + strconv.Quote(r.Method) + " is not an HTTP method such as GET or PUT")
	}
	for name := range r.Headers {
		if !httpguts.ValidHeaderFieldName(name) {
			return errors.New("the header name " + strconv.Quote(name) + " is not a valid HTTP header name")
		}
	}
	return r.validateForm()
}

// validateForm checks a form's part of the request.
func (r *ExplainRequest) validateForm() error {
	switch {
	case r.FileSize != nil && len(r.Form) == 0:
		return errors.New("file_size goes with form: send the form's fields in \"form\"")
	case len(r.Form) == 0:
		return nil
	case r.Method != "" && !strings.EqualFold(r.Method, "POST"):
		return errors.New("a form is always POSTed: send method POST or none")
	case r.FileSize != nil && *r.FileSize < 0:
		return errors.New("file_size must be 0 or more bytes")
	}
	for _, f := range r.Form {
		if f.Name == "" {
			return errors.New("a form field has no name")
		}
	}
	return nil
}

// Explanation is the server's judgement of a presigned request: a dry run of
// authentication and authorisation that serves nothing and changes nothing.
type Explanation struct {
	Verdict string `json:"verdict"` // VerdictValid or VerdictInvalid
	Reason  string `json:"reason"`  // one of the Reason* codes
	// Message explains Reason in one sentence, with names and times.
	Message string `json:"message"`
	// Error is the error the server would answer with; nil when valid.
	Error *ExplainError `json:"error,omitempty"`
	// Now is the server's lifetime clock at the judgement.
	Now time.Time `json:"now"`
	// ExpiresAt is the end of the URL's own window (X-Amz-Date +
	// X-Amz-Expires, or SigV2's Expires).
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// EffectiveExpiresAt is when the URL really stops working: the earlier
	// of ExpiresAt and the signing credential's expiry (nil when the
	// credential could not be found).
	EffectiveExpiresAt *time.Time         `json:"effective_expires_at,omitempty"`
	LimitedBy          string             `json:"limited_by,omitempty"` // "url" or "credentials"
	Principal          *Principal         `json:"principal,omitempty"`
	Credential         *ExplainCredential `json:"credential,omitempty"`
	// Action and Resource are the S3 action and ARN the request asks for
	// (set once the signature checked out).
	Action   string `json:"action,omitempty"`
	Resource string `json:"resource,omitempty"`
	// Statement is the policy statement that decided a denial (nil for an
	// implicit deny, in which no statement allows).
	Statement *Statement `json:"statement,omitempty"`
	// Signature is set when the signature does not match.
	Signature *SignatureCheck `json:"signature,omitempty"`
	// Revocation is set when the URL was revoked (reason url_revoked).
	Revocation *Revocation `json:"revocation,omitempty"`
}

// ExplainError is an AWS error as the server would send it.
type ExplainError struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Principal is the identity that signed a request.
type Principal struct {
	// Type is "root", "user", "assumed-role", "federated-user" or
	// "session-token" (a GetSessionToken session of a user or the root).
	Type        string `json:"type"`
	ARN         string `json:"arn"`
	UserName    string `json:"user_name,omitempty"`
	RoleName    string `json:"role_name,omitempty"`
	RoleARN     string `json:"role_arn,omitempty"`
	SessionName string `json:"session_name,omitempty"`
	// SessionPolicy and SessionPolicyARNs are a session's policies given
	// at issue (inline, and managed by ARN), which narrow what it may do.
	SessionPolicy     string   `json:"session_policy,omitempty"`
	SessionPolicyARNs []string `json:"session_policy_arns,omitempty"`
}

// ExplainCredential is the signing access key as the server knows it.
type ExplainCredential struct {
	AccessKeyID string `json:"access_key_id"`
	// Kind is "root", "long-term" (an IAM user's AKIA key) or "temporary"
	// (an STS session's ASIA key).
	Kind string `json:"kind"`
	// Status is StatusActive, StatusExpired, StatusTerminated or one of
	// the Credential* statuses.
	Status       string     `json:"status"`
	Issued       *time.Time `json:"issued,omitempty"`
	Expires      *time.Time `json:"expires,omitempty"` // temporary credentials only
	TerminatedAt *time.Time `json:"terminated_at,omitempty"`
	DeletedAt    *time.Time `json:"deleted_at,omitempty"`
	UserName     string     `json:"user_name,omitempty"` // the key's user, also once deleted
}

// Statement names a policy statement.
type Statement struct {
	Policy string `json:"policy"` // the policy's name or ARN
	Kind   string `json:"kind"`   // "identity", "session", "resource" (bucket policy) or "trust"
	Sid    string `json:"sid,omitempty"`
	Index  int    `json:"index"` // 0-based position in the document
	Effect string `json:"effect"`
}

// SignatureCheck shows why a signature does not match: the canonical
// request the server built from the request as sent and, when the server
// found which variant of it the signature was computed over, that one.
type SignatureCheck struct {
	// CanonicalRequest is the server's, from the request as sent.
	CanonicalRequest string `json:"canonical_request"`
	StringToSign     string `json:"string_to_sign"`
	// SignedCanonicalRequest is the canonical request the signature does
	// match, when a plausible variant (another method, Host, path
	// encoding or header) reproduces it; empty when none does (another
	// secret, or a request too different to guess).
	SignedCanonicalRequest string `json:"signed_canonical_request,omitempty"`
	// DiffLine is the first 1-based line where the two differ (0 when no
	// signed variant was found).
	DiffLine int `json:"diff_line,omitempty"`
	// Hint says in one sentence what the difference means ("the Host was
	// rewritten: signed for a, sent to b").
	Hint string `json:"hint"`
	// Version is "v4" or "v2". A SigV2 signature covers a string to sign
	// only: CanonicalRequest and SignedCanonicalRequest are then empty
	// and DiffLine compares StringToSign with SignedStringToSign.
	Version string `json:"version"`
	// SignedStringToSign is the string to sign of the variant that
	// matches (empty when none does).
	SignedStringToSign string `json:"signed_string_to_sign,omitempty"`
}

// RevokeURLRequest is the body of POST …/urls/revoke: the presigned URL
// (or POST form) to refuse from now on, as an explanation names it (the
// method is found when not given), and why.
type RevokeURLRequest struct {
	ExplainRequest
	Reason string `json:"reason,omitempty"`
}

// RevokeFingerprintRequest is the body of POST …/urls/revoke-fingerprint:
// refuse the URL whose signature has Fingerprint from now on, when the
// caller no longer holds the URL (the console remembers only a link's
// fingerprint). Until is when the URL stops working anyway: the entry is
// kept until then.
type RevokeFingerprintRequest struct {
	Fingerprint string    `json:"fingerprint"`
	Until       time.Time `json:"until"`
	Reason      string    `json:"reason,omitempty"`
}

// RevokeSignerRequest is the body of POST …/urls/revoke-signer: refuse
// every presigned URL and form SignedBy signed before Before (the
// server's lifetime clock's now when nil).
type RevokeSignerRequest struct {
	// SignedBy is an IAM user or role ARN, an assumed-role session ARN,
	// an access key ID, or user:NAME, role:NAME, session:ASIA… or
	// key:AKIA….
	SignedBy string     `json:"signed_by"`
	Before   *time.Time `json:"before,omitempty"`
	Reason   string     `json:"reason,omitempty"`
}

// URLRevocation is one entry of the denylist: a URL (Fingerprint) or a
// rule on a signer (SignedBy and Before).
type URLRevocation struct {
	ID          string     `json:"id"`
	Fingerprint string     `json:"fingerprint,omitempty"`
	SignedBy    string     `json:"signed_by,omitempty"`
	Before      *time.Time `json:"before,omitempty"`
	// Until is when the entry goes: the URL's deadline, or the end of
	// the last URL the rule can cover.
	Until     time.Time `json:"until"`
	RevokedAt time.Time `json:"revoked_at"`
	RevokedBy string    `json:"revoked_by"`
	Reason    string    `json:"reason,omitempty"`
	// What the URL was.
	AccessKeyID string `json:"access_key_id,omitempty"`
	Principal   string `json:"principal,omitempty"`
	Method      string `json:"method,omitempty"`
	Bucket      string `json:"bucket,omitempty"`
	Key         string `json:"key,omitempty"`
	// TwinOf names the URL (by fingerprint) this entry was revoked with:
	// it is that URL's SigV2 twin.
	TwinOf string `json:"twin_of,omitempty"`
}

// URLRevocations answers the revoke calls (the entries just stored) and
// GET …/urls/revocations (every live entry).
type URLRevocations struct {
	Revocations []URLRevocation `json:"revocations"`
	// Limit is the most entries the denylist holds.
	Limit int `json:"limit"`
}

// Revocation says who revoked a presigned URL and why, in an
// explanation whose reason is url_revoked.
type Revocation struct {
	RevokedAt time.Time `json:"revoked_at"`
	RevokedBy string    `json:"revoked_by"`
	Reason    string    `json:"reason,omitempty"`
	// SignedBy and Before are set when a rule on the signer refused it.
	SignedBy string     `json:"signed_by,omitempty"`
	Before   *time.Time `json:"before,omitempty"`
}

// URLUsesPath is the path of GET …/urls/uses?fingerprint=HEX&limit=N:
// the recent uses of one presigned link on the node asked.
const URLUsesPath = "urls/uses"

// The limit of GET …/urls/uses: the default, and the most it answers.
const (
	URLUsesDefaultLimit = 50
	URLUsesMaxLimit     = 1000
)

// URLUses answers GET …/urls/uses: the link's fingerprint and its uses,
// most recent first.
type URLUses struct {
	Fingerprint string   `json:"fingerprint"`
	Uses        []URLUse `json:"uses"`
}

// URLUse is one request that carried a presigned link's signature,
// served or refused.
type URLUse struct {
	// At is when the node answered it, by its wall clock (as its access
	// log).
	At time.Time `json:"at"`
	// Client is the client's IP address (a trusted proxy's
	// X-Forwarded-For client, behind one).
	Client string `json:"client"`
	Method string `json:"method"`
	Status int    `json:"status"`
	// Bytes is the size of the response body sent.
	Bytes int64 `json:"bytes"`
	// Outcome is the verdict: "ok", or the reason code that refused it
	// (url_expired, session_expired, url_revoked, policy_denied, …).
	Outcome     string `json:"outcome"`
	ErrorCode   string `json:"error_code,omitempty"`
	Operation   string `json:"operation,omitempty"`
	Principal   string `json:"principal,omitempty"`
	AccessKeyID string `json:"access_key_id,omitempty"`
}
