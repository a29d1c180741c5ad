package authn

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"signet/internal/lifetime"
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
	req := sigv4.FromHTTP(r)
	var auth *sigv4.Auth
	var err error
	if mech == mechV4Header {
		auth, err = sigv4.ParseHeader(req)
	} else {
		auth, err = sigv4.ParseQuery(req)
	}
	if err != nil {
		return nil, fromSigV4(err)
	}
	if auth.Scope.Service != service {
		return nil, &Failure{Reason: ReasonWrongService}
	}
	if mech == mechV4Header {
		if f := skew(auth.Date, auth.AmzDate, a.SkewClock.Now()); f != nil {
			return nil, f
		}
	}
	cred, f := a.credential(r.Context(), auth.AccessKeyID, auth.SecurityToken)
	if f != nil {
		return nil, f
	}
	sum := sha256.Sum256(body)
	auth.PayloadHash = hex.EncodeToString(sum[:])
	key := a.Cache.Get(cred.AccessKeyID, cred.Secret.Reveal(), auth.Scope)
	if _, err := sigv4.Verify(req, auth, key, sigv4.Generic); err != nil {
		return nil, fromSigV4WithKey(err, auth.AccessKeyID, auth.Signature)
	}
	now := a.Clock.Now()
	res := &Result{
		Principal:        cred.Principal,
		SignatureVersion: SigV4,
		SignatureAge:     now.Sub(auth.Date),
		DecodedLength:    int64(len(body)),
	}
	if mech == mechV4Query {
		res.AuthType = AuthQuery
		lt := lifetime.Compute(lifetime.Input{SignedAt: auth.Date, Expires: time.Duration(auth.Expires) * time.Second, CredentialExpiry: credExpiry(cred)})
		if f := verdictFailure(lt, auth.Date, now, auth.SecurityToken, strconv.FormatInt(auth.Expires, 10)); f != nil {
			return nil, f
		}
		res.Deadline = lt.Effective
		return res, nil
	}
	res.AuthType = AuthHeader
	res.SignatureAge = a.SkewClock.Now().Sub(auth.Date)
	if f := sessionAlive(cred, auth.SecurityToken, now); f != nil {
		return nil, f
	}
	return res, nil
}
