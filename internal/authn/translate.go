package authn

import (
	"errors"
	"strings"

	"signet/internal/redact"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// sigV4Reasons maps sigv4's reasons to authn's. The header and query forms
// of a reason share one Reason; s3api's table picks the wire form.
var sigV4Reasons = map[sigv4.Reason]Reason{
	sigv4.ReasonMissingQueryParams:     ReasonMissingQueryParams,
	sigv4.ReasonUnsupportedAlgorithm:   ReasonUnsupportedAlgorithm,
	sigv4.ReasonExpiresTooLarge:        ReasonExpiresTooLarge,
	sigv4.ReasonExpiresNegative:        ReasonExpiresNegative,
	sigv4.ReasonExpiresNotNumber:       ReasonExpiresNotNumber,
	sigv4.ReasonBadDateFormat:          ReasonBadDateFormat,
	sigv4.ReasonCredentialMalformed:    ReasonCredentialMalformed,
	sigv4.ReasonCredentialDateMismatch: ReasonCredentialDateMismatch,
	sigv4.ReasonHeaderMalformed:        ReasonHeaderMalformed,
	sigv4.ReasonHostNotSigned:          ReasonHeaderMalformed,
	sigv4.ReasonMissingDate:            ReasonMissingDate,
	sigv4.ReasonMissingContentSHA256:   ReasonMissingContentSHA256,
	sigv4.ReasonHeadersNotSigned:       ReasonHeadersNotSigned,
	sigv4.ReasonSignatureMismatch:      ReasonSignatureMismatch,
}

// fromSigV4 translates a sigv4 parse error into a Failure.
func fromSigV4(err error) error {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		return err
	}
	r, ok := sigV4Reasons[e.Reason]
	if !ok {
		return &Failure{Reason: ReasonInternal, Message: e.Error()}
	}
	f := &Failure{Reason: r}
	if r == ReasonHeadersNotSigned {
		f.Fields = []Field{{"HeadersNotSigned", e.Detail}}
	}
	return f
}

// fromSigV4WithKey translates a Verify error, adding the fields AWS sends
// with SignatureDoesNotMatch.
func fromSigV4WithKey(err error, akid, provided string) error {
	var e *sigv4.Error
	if errors.As(err, &e) && e.Reason == sigv4.ReasonSignatureMismatch && e.Verified != nil {
		return signatureMismatch(akid, provided, e.Verified.StringToSign, e.Verified.CanonicalRequest)
	}
	return fromSigV4(err)
}

// signatureMismatch is the one builder of SignatureDoesNotMatch's fields,
// for SigV4 and SigV2 alike. What AWS echoes may hold the request's session
// token: SigV4's canonical request (a signed header or the
// X-Amz-Security-Token parameter), SigV2's string to sign (the
// x-amz-security-token amz-header line). Every echoed text, and so the
// bytes rendered from it, goes through redact.Tokens, so that no error body
// carries a credential and the fingerprint is the one used everywhere
// else. SigV4's StringToSign holds only the hash of the real canonical
// request, which is what a client compares its own against. canonical is
// "" for SigV2, which has no canonical request.
func signatureMismatch(akid, provided, stringToSign, canonical string) *Failure {
	sts := redact.Tokens(stringToSign)
	fields := []Field{
		{"AWSAccessKeyId", akid},
		{"StringToSign", sts},
		{"SignatureProvided", provided},
		{"StringToSignBytes", hexBytes(sts)},
	}
	if canonical != "" {
		creq := redact.Tokens(canonical)
		fields = append(fields, Field{"CanonicalRequest", creq}, Field{"CanonicalRequestBytes", hexBytes(creq)})
	}
	return &Failure{Reason: ReasonSignatureMismatch, Fields: fields}
}

func fromSigV2(err error, mech mechanism) error {
	var e *sigv2.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Reason {
	case sigv2.ReasonMissingQueryParams:
		return &Failure{Reason: ReasonMissingQueryParamsV2}
	case sigv2.ReasonBadExpires:
		return &Failure{Reason: ReasonMissingQueryParamsV2}
	case sigv2.ReasonSignatureMismatch:
		return &Failure{Reason: ReasonSignatureMismatch}
	case sigv2.ReasonMissingDate:
		return &Failure{Reason: ReasonMissingDate}
	}
	if mech == mechV2Header {
		return &Failure{Reason: ReasonHeaderMalformedV2}
	}
	return &Failure{Reason: ReasonMissingQueryParamsV2}
}

func fromSigV2WithKey(err error, akid, provided string) error {
	var e *sigv2.Error
	if errors.As(err, &e) && e.Reason == sigv2.ReasonSignatureMismatch && e.Verified != nil {
		return signatureMismatch(akid, provided, e.Verified.StringToSign, "")
	}
	return fromSigV2(err, mechV2Query)
}

// hexBytes renders s as AWS does in StringToSignBytes: lower-case hex
// bytes separated by spaces.
func hexBytes(s string) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(digits[s[i]>>4])
		b.WriteByte(digits[s[i]&0xf])
	}
	return b.String()
}
