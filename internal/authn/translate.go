package authn

import (
	"errors"
	"strings"

	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// fromSigV4 translates a sigv4 parse error into a Failure.
func fromSigV4(err error, mech mechanism) error {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		return err
	}
	f := &Failure{Reason: ReasonInternal}
	switch e.Reason {
	case sigv4.ReasonMissingQueryParams:
		f.Reason = ReasonMissingQueryParams
	case sigv4.ReasonUnsupportedAlgorithm:
		f.Reason = ReasonUnsupportedAlgorithm
	case sigv4.ReasonExpiresTooLarge:
		f.Reason = ReasonExpiresTooLarge
	case sigv4.ReasonExpiresNegative:
		f.Reason = ReasonExpiresNegative
	case sigv4.ReasonExpiresNotNumber:
		f.Reason = ReasonExpiresNotNumber
	case sigv4.ReasonBadDateFormat:
		f.Reason = ReasonBadDateFormat
		if mech == mechV4Header {
			f.Reason = ReasonMissingDate
		}
	case sigv4.ReasonCredentialMalformed:
		f.Reason = ReasonCredentialMalformed
	case sigv4.ReasonCredentialDateMismatch:
		f.Reason = ReasonCredentialDateMismatch
	case sigv4.ReasonHeaderMalformed:
		f.Reason = ReasonHeaderMalformed
	case sigv4.ReasonMissingDate:
		f.Reason = ReasonMissingDate
	case sigv4.ReasonMissingContentSHA256:
		f.Reason = ReasonMissingContentSHA256
	case sigv4.ReasonHeadersNotSigned:
		f.Reason = ReasonHeadersNotSigned
		f.Fields = []Field{{"HeadersNotSigned", e.Detail}}
	case sigv4.ReasonHostNotSigned:
		f.Reason = ReasonHeaderMalformed
	case sigv4.ReasonSignatureMismatch:
		f.Reason = ReasonSignatureMismatch
	}
	if f.Reason == ReasonInternal {
		f.Message = e.Error()
	}
	return f
}

// fromSigV4WithKey translates a Verify error, adding the fields AWS sends
// with SignatureDoesNotMatch.
func fromSigV4WithKey(err error, mech mechanism, akid, provided string) error {
	var e *sigv4.Error
	if errors.As(err, &e) && e.Reason == sigv4.ReasonSignatureMismatch && e.Verified != nil {
		return &Failure{Reason: ReasonSignatureMismatch, Fields: []Field{
			{"AWSAccessKeyId", akid},
			{"StringToSign", e.Verified.StringToSign},
			{"SignatureProvided", provided},
			{"StringToSignBytes", hexBytes(e.Verified.StringToSign)},
			{"CanonicalRequest", e.Verified.CanonicalRequest},
			{"CanonicalRequestBytes", hexBytes(e.Verified.CanonicalRequest)},
		}}
	}
	return fromSigV4(err, mech)
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
