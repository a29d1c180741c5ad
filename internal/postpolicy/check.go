package postpolicy

import (
	"errors"
	"strings"

	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// Field is one form field as received: its name as sent and its value
// after ${filename} is expanded.
type Field struct {
	Name, Value string
}

// Form is what the conditions are checked against.
type Form struct {
	// Bucket is the bucket the form was posted to: a "bucket" condition
	// tests it, whatever a bucket field says.
	Bucket string
	// Fields are the fields before the file, in form order.
	Fields []Field
}

// Exempt reports whether a field (any case) needs no condition: the
// signature, the file, the policy, x-ignore-* fields, and SigV2's
// AWSAccessKeyId and signature.
func Exempt(name string) bool {
	switch n := strings.ToLower(name); n {
	case "x-amz-signature", "file", "policy", "awsaccesskeyid", "signature":
		return true
	default:
		return strings.HasPrefix(n, "x-ignore-")
	}
}

// Errors of Check and CheckSize.
var (
	ErrConditionFailed = errors.New("postpolicy: condition failed")
	ErrExtraField      = errors.New("postpolicy: field not covered by a condition")
	ErrSize            = errors.New("postpolicy: file size out of range")
)

// ConditionError is a condition the form does not meet.
type ConditionError struct{ Condition Condition }

func (e *ConditionError) Error() string {
	return "postpolicy: condition failed: " + e.Condition.String()
}

// Unwrap lets errors.Is find ErrConditionFailed.
func (e *ConditionError) Unwrap() error { return ErrConditionFailed }

// ExtraFieldError is a form field no condition covers; Field is its name
// in lower case.
type ExtraFieldError struct{ Field string }

func (e *ExtraFieldError) Error() string { return "postpolicy: extra input field: " + e.Field }

// Unwrap lets errors.Is find ErrExtraField.
func (e *ExtraFieldError) Unwrap() error { return ErrExtraField }

// ExpiredMessage is S3's message (with 403 AccessDenied) for a form whose
// policy's expiration has passed.
const ExpiredMessage = refusalPrefix + "Policy expired."

// refusalPrefix starts S3's message for every form its policy refuses.
const refusalPrefix = "Invalid according to Policy: "

// Refusal is S3's message (with 403 AccessDenied) for an error of Check:
// the condition that failed, as S3 prints it, or the field no condition
// covers. It is "" for any other error. The server answers with it and
// `signet inspect` reports it, so both say the same.
func Refusal(err error) string {
	var ce *ConditionError
	var xe *ExtraFieldError
	switch {
	case errors.As(err, &ce):
		return refusalPrefix + "Policy Condition failed: " + ce.Condition.String()
	case errors.As(err, &xe):
		return refusalPrefix + "Extra input fields: " + xe.Field
	}
	return ""
}

// SizeError is a file outside the policy's content-length-range.
type SizeError struct {
	Size     int64
	Min, Max int64
	TooLarge bool // else too small
}

func (e *SizeError) Error() string { return "postpolicy: file size out of range" }

// Unwrap lets errors.Is find ErrSize.
func (e *SizeError) Unwrap() error { return ErrSize }

// Check tests the form against every condition in the policy's order, then
// requires a condition for every field that is not exempt. Names match in
// any case, values exactly. A field sent twice is tested as its values
// joined by commas. A condition on a field the form lacks fails, even a
// starts-with with an empty prefix. The size is checked separately
// (CheckSize), as the file streams.
func (p *Policy) Check(f Form) error {
	values, order := joinFields(f.Fields)
	covered := map[string]bool{}
	for _, c := range p.Conditions {
		if c.Op == OpContentLengthRange {
			if !c.holdable {
				return &ConditionError{Condition: c}
			}
			continue
		}
		if c.holdable {
			covered[c.Field] = true
		}
		if !c.holds(values, f.Bucket) {
			return &ConditionError{Condition: c}
		}
	}
	for _, name := range order {
		if !Exempt(name) && !covered[name] {
			return &ExtraFieldError{Field: name}
		}
	}
	return nil
}

// joinFields maps lower-case names to their values, repeated fields
// comma-joined, and lists the names in first-seen order.
func joinFields(fields []Field) (map[string]string, []string) {
	values := make(map[string]string, len(fields))
	var order []string
	for _, fl := range fields {
		n := strings.ToLower(fl.Name)
		if v, ok := values[n]; ok {
			values[n] = v + "," + fl.Value
			continue
		}
		values[n] = fl.Value
		order = append(order, n)
	}
	return values, order
}

func (c Condition) holds(values map[string]string, bucket string) bool {
	if !c.holdable {
		return false
	}
	v, ok := values[c.Field]
	if c.Field == "bucket" {
		v, ok = bucket, true
	}
	if !ok {
		return false
	}
	if c.Op == OpEq {
		return v == c.Value
	}
	if c.Field != "content-type" {
		return strings.HasPrefix(v, c.Value)
	}
	// Content-Type alone is a list: every comma-separated type must
	// start with the prefix.
	for _, t := range strings.Split(v, ",") {
		if !strings.HasPrefix(strings.TrimSpace(t), c.Value) {
			return false
		}
	}
	return true
}

// CheckSize tests a file's size against the content-length-range
// conditions (inclusive bounds).
func (p *Policy) CheckSize(n int64) error {
	min, max, ok := p.ContentLengthRange()
	switch {
	case !ok:
		return nil
	case n > max:
		return &SizeError{Size: n, Min: min, Max: max, TooLarge: true}
	case n < min:
		return &SizeError{Size: n, Min: min, Max: max}
	}
	return nil
}

// SignV4 is a SigV4 POST signature: the hex HMAC-SHA256, under the signing
// key of scope, of the base64 policy as the form carries it.
func SignV4(sk secret.Secret, scope sigv4.Scope, policyB64 string) string {
	return SignV4WithKey(sigv4.SigningKey(sk, scope), policyB64)
}

// SignV4WithKey is SignV4 with the signing key already derived.
func SignV4WithKey(signingKey []byte, policyB64 string) string {
	return sigv4.SignatureHex(signingKey, policyB64)
}

// SignV2 is a SigV2 POST signature: base64(HMAC-SHA1(secret, policy)).
func SignV2(sk secret.Secret, policyB64 string) string {
	return sigv2.Sign(sk, policyB64)
}
