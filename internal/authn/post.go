package authn

import (
	"context"
	"crypto/subtle"
	"time"

	"signet/internal/lifetime"
	"signet/internal/postpolicy"
	"signet/internal/sigprint"
	"signet/internal/sigv4"
)

// PostFields gives a browser form's field by lower-case name, and whether
// the form has it.
type PostFields func(name string) (string, bool)

// PostAuth is an authenticated form: the caller and the decoded policy
// (nil for an anonymous form).
type PostAuth struct {
	Result *Result
	Policy *postpolicy.Policy
}

// AuthenticatePost verifies a browser form upload (POST Object) as a
// presigned request is verified: the same credential and token checks, the
// signature over the base64 policy as the form carries it, then the
// lifetime rule, so a policy signed with temporary credentials dies with
// them whatever its expiration says. A form with none of the signing
// fields is anonymous. Failures use the Post reasons for what only a form
// can get wrong, and the shared ones otherwise.
func (a *Authenticator) AuthenticatePost(ctx context.Context, f PostFields) (PostAuth, error) {
	switch {
	case hasAny(f, "x-amz-algorithm", "x-amz-credential", "x-amz-signature", "x-amz-date"):
		return a.postV4(ctx, f)
	case hasAny(f, "awsaccesskeyid", "signature"):
		return a.postV2(ctx, f)
	}
	return PostAuth{Result: &Result{Anonymous: true, DecodedLength: -1}}, nil
}

func hasAny(f PostFields, names ...string) bool {
	for _, n := range names {
		if _, ok := f(n); ok {
			return true
		}
	}
	return false
}

// missingField is S3's answer to a form without one of the fields its
// signature needs, named as AWS documents it.
func missingField(name string) *Failure {
	return &Failure{Reason: ReasonPostFormInvalid,
		Message: "Bucket POST must contain a field named '" + name + "'.  If it is specified, please check the order of the fields.",
		Fields:  []Field{{"ArgumentName", name}, {"ArgumentValue", ""}}}
}

// require returns the first of the named fields the form lacks, or nil.
func require(f PostFields, names ...string) *Failure {
	for _, n := range names {
		if v, ok := f(lower(n)); !ok || v == "" {
			return missingField(n)
		}
	}
	return nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func credentialArgument(msg, credential string) *Failure {
	return &Failure{Reason: ReasonPostFormInvalid, Message: msg,
		Fields: []Field{{"ArgumentName", "X-Amz-Credential"}, {"ArgumentValue", credential}}}
}

func (a *Authenticator) postV4(ctx context.Context, f PostFields) (PostAuth, error) {
	if fl := require(f, "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Signature", "Policy"); fl != nil {
		return PostAuth{}, fl
	}
	alg, _ := f("x-amz-algorithm")
	credential, _ := f("x-amz-credential")
	amzDate, _ := f("x-amz-date")
	signature, _ := f("x-amz-signature")
	policy, _ := f("policy")
	token, _ := f("x-amz-security-token")
	if alg != sigv4.Algorithm {
		return PostAuth{}, &Failure{Reason: ReasonPostFormInvalid, Message: "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
			Fields: []Field{{"ArgumentName", "X-Amz-Algorithm"}, {"ArgumentValue", alg}}}
	}
	akid, scope, ok := sigv4.ParseCredential(credential)
	switch {
	case ok && akid == "":
		return PostAuth{}, credentialArgument("a non-empty Access Key (AKID) must be provided in the credential.", credential)
	case !ok:
		return PostAuth{}, credentialArgument("the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".", credential)
	case scope.Region != a.Region:
		fl := credentialArgument("the region '"+scope.Region+"' is wrong; expecting '"+a.Region+"'", credential)
		fl.Fields = append(fl.Fields, Field{"Region", a.Region})
		return PostAuth{}, fl
	case scope.Service != "s3":
		return PostAuth{}, credentialArgument("incorrect service \""+scope.Service+"\". This endpoint belongs to \"s3\".", credential)
	}
	signedAt, ok := sigv4.ParseAmzDate(amzDate)
	if !ok {
		return PostAuth{}, &Failure{Reason: ReasonPostFormInvalid, Message: "X-Amz-Date must be formated via ISO8601 Long format",
			Fields: []Field{{"ArgumentName", "X-Amz-Date"}, {"ArgumentValue", amzDate}}}
	}
	facts := &URLFacts{Print: sigprint.Of(sigprint.V4, signature), SignedAt: signedAt}
	cred, fl := a.credential(ctx, akid, token)
	if fl != nil {
		fl.URL = facts
		return PostAuth{}, fl
	}
	key := a.Cache.Get(cred.AccessKeyID, cred.Secret, scope)
	want := postpolicy.SignV4WithKey(key, policy)
	if subtle.ConstantTimeCompare([]byte(want), []byte(signature)) != 1 {
		return PostAuth{}, withURL(signatureMismatch(akid, signature, policy, ""), facts)
	}
	return a.postLifetime(cred, policy, token, facts, SigV4)
}

func (a *Authenticator) postV2(ctx context.Context, f PostFields) (PostAuth, error) {
	if fl := require(f, "AWSAccessKeyId", "Signature", "Policy"); fl != nil {
		return PostAuth{}, fl
	}
	akid, _ := f("awsaccesskeyid")
	signature, _ := f("signature")
	policy, _ := f("policy")
	token, _ := f("x-amz-security-token")
	facts := &URLFacts{Print: sigprint.Of(sigprint.V2, signature)}
	cred, fl := a.credential(ctx, akid, token)
	if fl != nil {
		fl.URL = facts
		return PostAuth{}, fl
	}
	want := postpolicy.SignV2(cred.Secret, policy)
	if subtle.ConstantTimeCompare([]byte(want), []byte(signature)) != 1 {
		return PostAuth{}, withURL(signatureMismatch(akid, signature, policy, ""), facts)
	}
	return a.postLifetime(cred, policy, token, facts, SigV2)
}

// postLifetime decodes the verified policy and applies the lifetime rule:
// the policy's expiration is the form's window, and the credential's
// expiry cuts it short; then the denylist. facts.SignedAt is x-amz-date
// (zero for SigV2, whose signature age is 0 as for a SigV2 URL).
func (a *Authenticator) postLifetime(cred *Credential, policyB64, token string, facts *URLFacts, version string) (PostAuth, error) {
	signedAt := facts.SignedAt
	facts.Principal, facts.Verified = &cred.Principal, true
	p, err := postpolicy.Decode(policyB64)
	if err != nil {
		return PostAuth{}, &Failure{Reason: ReasonPostPolicyInvalid, Message: "Invalid Policy: " + err.(*postpolicy.DocumentError).Detail, URL: facts}
	}
	now := a.Clock.Now()
	lt := lifetime.Compute(lifetime.Input{URLExpiry: p.Expiration, CredentialExpiry: credExpiry(cred)})
	facts.URLExpiry, facts.Deadline, facts.LimitedBy = lt.URLExpiry, lt.Effective, lt.LimitedBy
	switch lt.At(time.Time{}, now) {
	case lifetime.Valid:
	case lifetime.CredentialsExpired:
		return PostAuth{}, withURL(verdictFailure(lifetime.CredentialsExpired, lt, signedAt, now, token, ""), facts)
	default:
		return PostAuth{}, &Failure{Reason: ReasonPostPolicyExpired, URL: facts}
	}
	if f := a.revoked(facts, true); f != nil {
		f.URL = facts
		return PostAuth{}, f
	}
	res := &Result{Principal: cred.Principal, AuthType: AuthPOST, SignatureVersion: version, Deadline: lt.Effective, LimitedBy: lt.LimitedBy, DecodedLength: -1,
		Print: facts.Print, SignedAt: signedAt, URLExpiry: lt.URLExpiry}
	if !signedAt.IsZero() {
		res.SignatureAge = now.Sub(signedAt)
	}
	return PostAuth{Result: res, Policy: p}, nil
}
