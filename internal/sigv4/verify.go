package sigv4

import (
	"crypto/subtle"
	"slices"
	"strings"
)

// Verified is what a verification computed: the intermediate steps a
// SignatureDoesNotMatch body and `signet inspect` show.
type Verified struct {
	CanonicalRequest string
	StringToSign     string
	Signature        string // the computed signature (hex)
}

// Verify recomputes the signature over req with signingKey (derived by the
// caller, possibly from a KeyCache) and compares it in constant time with
// a.Signature.
//
// Before that it checks, in this order: for S3 header auth, that
// x-amz-content-sha256 is present; that host is signed; and that every
// x-amz-* header present is signed (x-amz-content-sha256 exempt). The last
// check applies to presigned requests too: S3 refuses a presigned PUT that
// arrives with an unsigned x-amz-acl just as it refuses a header-signed one.
//
// Verify never reads the clock: expiry and skew are the caller's checks.
func Verify(req *Request, a *Auth, signingKey []byte, mode Mode) (*Verified, error) {
	res, err := verify(req, a, signingKey, mode, true)
	if err != nil {
		return nil, err
	}
	v := &Verified{CanonicalRequest: res.canonicalRequest, StringToSign: res.stringToSign, Signature: res.signatureHex}
	if !equalSignature(a.Signature, &res.signature) {
		return v, mismatch(a, v)
	}
	return v, nil
}

// Check is Verify for callers that need only the verdict, as the server
// does on every request: the same checks in the same order, the same
// errors, but a matching signature costs no allocation because the
// intermediate steps are never turned into strings. On a mismatch they are
// computed again, so the *Error carries Verified exactly as Verify's does.
func Check(req *Request, a *Auth, signingKey []byte, mode Mode) error {
	res, err := verify(req, a, signingKey, mode, false)
	if err != nil {
		return err
	}
	if equalSignature(a.Signature, &res.signature) {
		return nil
	}
	res, _ = verify(req, a, signingKey, mode, true)
	return mismatch(a, &Verified{CanonicalRequest: res.canonicalRequest, StringToSign: res.stringToSign, Signature: res.signatureHex})
}

// verify runs the checks that precede the signature, then computes it,
// with the intermediate steps when keepSteps is set.
func verify(req *Request, a *Auth, signingKey []byte, mode Mode, keepSteps bool) (signingResult, error) {
	if a.Kind == HeaderAuth && mode == S3 && len(headerValues(req.Header, "x-amz-content-sha256")) == 0 {
		return signingResult{}, newErr(ReasonMissingContentSHA256, a.Kind, "")
	}
	if !slices.ContainsFunc(a.SignedHeaders, isHost) {
		return signingResult{}, newErr(ReasonHostNotSigned, a.Kind, joinSignedHeaders(a.SignedHeaders))
	}
	if unsigned := unsignedAmzHeaders(req, a.SignedHeaders); unsigned != "" {
		return signingResult{}, newErr(ReasonHeadersNotSigned, a.Kind, unsigned)
	}
	payload := a.PayloadHash
	if payload == "" {
		payload = EmptySHA256
	}
	return computeSignature(req, a.SignedHeaders, payload, mode, a.Kind == QueryAuth, a.AmzDate, a.Scope, signingKey, keepSteps), nil
}

func mismatch(a *Auth, v *Verified) *Error {
	return &Error{Reason: ReasonSignatureMismatch, Kind: a.Kind, Detail: a.Signature, Verified: v}
}

// equalSignature compares in constant time. The provided value is copied
// into a fixed array first so the comparison allocates nothing; its length
// is public (signatures are always 64 hex digits).
func equalSignature(provided string, computed *[64]byte) bool {
	if len(provided) != len(computed) {
		return false
	}
	var p [64]byte
	copy(p[:], provided)
	return subtle.ConstantTimeCompare(p[:], computed[:]) == 1
}

// unsignedAmzHeaders lists, lower-case, sorted and joined by ",", the x-amz-*
// headers present in req but absent from signed. x-amz-content-sha256 is
// exempt: AWS lets it through unsigned.
func unsignedAmzHeaders(req *Request, signed []string) string {
	var out []string
	for name := range req.Header {
		if !hasPrefixFold(name, "x-amz-") || strings.EqualFold(name, "x-amz-content-sha256") {
			continue
		}
		found := false
		for _, s := range signed {
			if strings.EqualFold(s, name) {
				found = true
				break
			}
		}
		if !found {
			out = append(out, strings.ToLower(name))
		}
	}
	if out == nil {
		return ""
	}
	slices.Sort(out)
	return strings.Join(slices.Compact(out), ",")
}
