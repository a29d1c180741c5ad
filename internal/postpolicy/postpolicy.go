// Package postpolicy decodes and checks the policy document of a browser
// form upload (S3's POST Object): its expiration, its conditions in every
// form S3 accepts, the rule that every form field is covered by a
// condition, and the signature over the base64 policy. It is pure: the
// server's handler, `signet presign --post` and `signet inspect` share it,
// so what one signs the other judges the same way.
//
// Errors are in the package's own words (DocumentError, ConditionError,
// ExtraFieldError, SizeError); the S3 API turns them into AWS's codes.
package postpolicy

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Op is a condition's operation, in lower case.
type Op string

// The operations of a POST policy.
const (
	OpEq                 Op = "eq"
	OpStartsWith         Op = "starts-with"
	OpContentLengthRange Op = "content-length-range"
)

// Condition is one element of a policy's conditions.
type Condition struct {
	Op Op
	// Field is the form field the condition tests, in lower case and
	// without its "$" ("" for content-length-range).
	Field string
	// Name is the field as the policy spells it, "$" included; a name
	// without "$" names no field, and the condition never holds.
	Name string
	// Value is the operand of eq and starts-with.
	Value string
	// Min and Max are content-length-range's bounds, inclusive.
	Min, Max int64
	// Simple is set for the {"field": "value"} form of eq.
	Simple bool
	// rendered is the condition as S3 prints it when it fails.
	rendered string
	// holdable is false for a condition that can never hold: a name
	// without "$", or a range whose bounds are not numbers.
	holdable bool
}

// String renders the condition as S3 prints it in "Policy Condition
// failed": a JSON array with ", " between items, the operation in lower
// case and the field as the policy spells it (a simple condition prints as
// its eq array).
func (c Condition) String() string { return c.rendered }

// Policy is a decoded POST policy document.
type Policy struct {
	// Expiration is when the policy stops being accepted; the request
	// must arrive before it.
	Expiration time.Time
	// ExpirationText is the expiration as the document writes it.
	ExpirationText string
	// Conditions are in the document's order.
	Conditions []Condition
	// Credential, Algorithm, Date and SecurityToken are the values the
	// policy pins with exact conditions on x-amz-credential,
	// x-amz-algorithm, x-amz-date and x-amz-security-token ("" when it
	// pins none): who signed it, and when, as the policy itself says.
	Credential, Algorithm, Date, SecurityToken string
}

// Exact returns the value an exact condition (eq, simple or array form)
// pins for field (any case), and whether there is one.
func (p *Policy) Exact(field string) (string, bool) {
	field = strings.ToLower(field)
	for _, c := range p.Conditions {
		if c.Op == OpEq && c.holdable && c.Field == field {
			return c.Value, true
		}
	}
	return "", false
}

// ContentLengthRange returns the bounds on the file's size that every
// content-length-range condition allows (the tightest of them), and
// whether the policy has one.
func (p *Policy) ContentLengthRange() (min, max int64, ok bool) {
	for _, c := range p.Conditions {
		if c.Op != OpContentLengthRange || !c.holdable {
			continue
		}
		if !ok {
			min, max, ok = c.Min, c.Max, true
			continue
		}
		min, max = maxInt(min, c.Min), minInt(max, c.Max)
	}
	return min, max, ok
}

// ErrInvalidDocument is wrapped by every DocumentError.
var ErrInvalidDocument = errors.New("postpolicy: invalid policy document")

// DocumentError is a policy that does not decode or is not a POST policy.
// Detail says what is wrong as S3 words it after "Invalid Policy: ".
type DocumentError struct{ Detail string }

func (e *DocumentError) Error() string { return "postpolicy: invalid policy: " + e.Detail }

// Unwrap lets errors.Is find ErrInvalidDocument.
func (e *DocumentError) Unwrap() error { return ErrInvalidDocument }

func invalid(detail string) error { return &DocumentError{Detail: detail} }

// Decode decodes a policy as the form's policy field carries it: base64 of
// the JSON document.
func Decode(b64 string) (*Policy, error) {
	doc, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, invalid("invalid Base64 encoding.")
	}
	return Parse(doc)
}

// Encode is the policy field for a JSON document: its base64, which is
// also the string a POST signature signs.
func Encode(doc []byte) string { return base64.StdEncoding.EncodeToString(doc) }

// parseExpiration reads ISO 8601 in UTC, with or without fractional
// seconds ("2026-01-02T03:04:05Z", "…05.000Z"); an offset or a space for
// the "T" is refused, as S3 refuses them.
func parseExpiration(s string) (time.Time, bool) {
	if !strings.HasSuffix(s, "Z") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// quote renders s as a JSON string the way S3 prints it in a failed
// condition: quotes and backslashes escaped.
func quote(s string) string {
	return strconv.Quote(s)
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func minInt(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}
