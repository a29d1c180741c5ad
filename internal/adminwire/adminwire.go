// Package adminwire holds the JSON shapes of signet's admin API
// (docs/admin-api.md), shared by the server (adminapi) and the client
// (adminclient) so the two cannot drift apart.
package adminwire

import (
	"time"

	"signet/internal/duration"
	"signet/internal/meta"
)

// PathPrefix is the path every admin call starts with.
const PathPrefix = "/_signet/admin/v1/"

// Service is the SigV4 credential scope's service for admin calls.
const Service = "signet"

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

// Session kinds.
const (
	KindAssumedRole   = meta.SessionAssumedRole
	KindSessionToken  = meta.SessionToken
	KindFederatedUser = meta.SessionFederated
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
	AccessKeyID       string     `json:"access_key_id"`
	Kind              string     `json:"kind"`
	ARN               string     `json:"arn"`
	UserID            string     `json:"user_id"`
	UserName          string     `json:"user_name"`
	RoleName          string     `json:"role_name"`
	RoleARN           string     `json:"role_arn"`
	SessionName       string     `json:"session_name"`
	SourceAccessKeyID string     `json:"source_access_key_id"`
	Chained           bool       `json:"chained"`
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
