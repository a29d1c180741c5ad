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
// with SignatureDoesNotMatch. The canonical request AWS echoes holds the
// request's session token (a signed header or the X-Amz-Security-Token
// parameter); signet masks it (redact.Tokens), so that no error body
// carries a credential. StringToSign still holds the hash of the real
// canonical request, which is what a client compares its own against.
func fromSigV4WithKey(err error, akid, provided string) error {
	var e *sigv4.Error
	if errors.As(err, &e) && e.Reason == sigv4.ReasonSignatureMismatch && e.Verified != nil {
		creq := redact.Tokens(e.Verified.CanonicalRequest)
		return &Failure{Reason: ReasonSignatureMismatch, Fields: []Field{
			{"AWSAccessKeyId", akid},
			{"StringToSign", e.Verified.StringToSign},
			{"SignatureProvided", provided},
			{"StringToSignBytes", hexBytes(e.Verified.StringToSign)},
			{"CanonicalRequest", creq},
			{"CanonicalRequestBytes", hexBytes(creq)},
		}}
	}
	return fromSigV4(err)
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
		return &Failure{Reason: ReasonSignatureMismatch, Fields: []Field{
			{"AWSAccessKeyId", akid},
			{"StringToSign", e.Verified.StringToSign},
			{"SignatureProvided", provided},
			{"StringToSignBytes", hexBytes(e.Verified.StringToSign)},
		}}
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
