package authn

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"signet/internal/sigv4"
)

// AuthenticateService verifies a request to a Query service (IAM, STS, or
// signet's admin API) signed with SigV4 in the generic mode: the path is
// normalised and the payload hash is that of body, which the caller has
// read (and bounded). The credential scope's service must be service; any
// region is accepted, because clients sign global IAM calls for us-east-1
// whatever region they are configured with. An unsigned request returns
// an anonymous Result; the caller decides whether that is allowed.
func (a *Authenticator) AuthenticateService(r *http.Request, service string, body []byte) (*Result, error) {
	mech, f := detect(r)
	if f != nil {
		return nil, f
	}
	switch mech {
	case mechAnonymous:
		return &Result{Anonymous: true, DecodedLength: int64(len(body))}, nil
	case mechV2Header, mechV2Query:
		return nil, &Failure{Reason: ReasonHeaderMalformed, Message: "Signature version 2 is not supported by this service; sign with AWS4-HMAC-SHA256."}
	}
	sum := sha256.Sum256(body)
	v, err := a.verifyV4(r, mech, sigv4.Generic, func(auth *sigv4.Auth) *Failure {
		if auth.Scope.Service != service {
			return &Failure{Reason: ReasonWrongService}
		}
		return nil
	}, hex.EncodeToString(sum[:]))
	if err != nil {
		return nil, err
	}
	v.res.DecodedLength = int64(len(body))
	return v.res, nil
}
