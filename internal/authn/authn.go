package authn

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"signet/internal/awschunked"
	"signet/internal/clock"
	"signet/internal/lifetime"
	"signet/internal/redact"
	"signet/internal/secret"
	"signet/internal/sigprint"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// MaxSkew is how far a header-signed request's time may be from the
// server's real clock. Presigned requests are exempt.
const MaxSkew = 15 * time.Minute

// Authenticator verifies S3 requests: SigV4 header and presigned query,
// SigV2 header and presigned query, or anonymous.
type Authenticator struct {
	Keys KeyStore
	// Clock decides lifetimes (presigned windows, session expiry). Under
	// --dev-clock it is the moved clock.
	Clock clock.Clock
	// SkewClock is the real clock the 15-minute skew check compares
	// against, so unchanged clients keep working while time is moved.
	SkewClock clock.Clock
	// Region is the only region accepted in a credential scope.
	Region string
	// Cache holds derived signing keys.
	Cache *sigv4.KeyCache
	// Denylist refuses presigned URLs and forms revoked before their
	// time (`signet admin url revoke`); nil revokes nothing.
	Denylist Denylist
}

// NewAuthenticator returns an Authenticator with a signing-key cache.
func NewAuthenticator(keys KeyStore, lifetimeClock, skewClock clock.Clock, region string) *Authenticator {
	return &Authenticator{Keys: keys, Clock: lifetimeClock, SkewClock: skewClock, Region: region, Cache: sigv4.NewKeyCache(4096)}
}

// mechanism is how a request says it is signed.
type mechanism int

const (
	mechAnonymous mechanism = iota
	mechV4Header
	mechV4Query
	mechV2Header
	mechV2Query
)

func detect(r *http.Request) (mechanism, *Failure) {
	authz := r.Header.Get("Authorization")
	v4q, v2q := scanQuery(r.URL.RawQuery)
	n, mech := 0, mechAnonymous
	if authz != "" {
		n++
		mech = mechV2Header
		if strings.HasPrefix(authz, sigv4.Algorithm) {
			mech = mechV4Header
		}
	}
	if v4q {
		n, mech = n+1, mechV4Query
	}
	if v2q {
		n, mech = n+1, mechV2Query
	}
	if n <= 1 {
		return mech, nil
	}
	// Rare path: name the last mechanism found, as AWS does.
	q := r.URL.Query()
	name, value := "Authorization", authz
	if v4q {
		name, value = "X-Amz-Algorithm", q.Get("X-Amz-Algorithm")
	}
	if v2q {
		name, value = "Signature", q.Get("Signature")
	}
	return 0, &Failure{Reason: ReasonMultipleAuthMechanisms, Fields: []Field{{"ArgumentName", name}, {"ArgumentValue", value}}}
}

// scanQuery reports whether the raw query names a SigV4 (X-Amz-Algorithm)
// or SigV2 (Signature, AWSAccessKeyId) presigned parameter, without
// parsing the whole query: it runs on every request. Names are decoded
// only when they hold an escape, so "X%2DAmz-Algorithm" still counts.
func scanQuery(raw string) (v4, v2 bool) {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		name, _, _ := strings.Cut(pair, "=")
		if strings.IndexByte(name, '%') >= 0 {
			if dec, err := url.QueryUnescape(name); err == nil {
				name = dec
			}
		}
		switch name {
		case "X-Amz-Algorithm":
			v4 = true
		case "Signature", "AWSAccessKeyId":
			v2 = true
		}
	}
	return v4, v2
}

// Authenticate verifies r. virtualBucket is the bucket named by the Host
// ("" for path-style requests); SigV2 signs it into the resource.
func (a *Authenticator) Authenticate(r *http.Request, virtualBucket string) (*Result, error) {
	mech, f := detect(r)
	if f != nil {
		return nil, f
	}
	switch mech {
	case mechV4Header, mechV4Query:
		return a.sigV4(r, mech)
	case mechV2Header, mechV2Query:
		return a.sigV2(r, mech, virtualBucket)
	}
	return &Result{Anonymous: true, Body: plainBody(r), DecodedLength: r.ContentLength}, nil
}

func (a *Authenticator) sigV4(r *http.Request, mech mechanism) (*Result, error) {
	v, err := a.verifyV4(r, mech, sigv4.S3, func(auth *sigv4.Auth) *Failure { return a.checkScope(auth, mech) }, "")
	if err != nil {
		return nil, err
	}
	res := v.res
	res.ContentSHA256 = v.auth.PayloadHash
	if err := a.attachBody(r, v.auth, v.key, res); err != nil {
		return nil, err
	}
	return res, nil
}

// verifiedV4 is a SigV4 request that passed verifyV4. It is returned by
// value: one allocation fewer on every request.
type verifiedV4 struct {
	auth *sigv4.Auth
	key  []byte // the derived signing key, for chunk signatures
	res  *Result
}

// verifyV4 runs the checks every SigV4 request gets, in AWS's order:
// parse, the credential scope (scope), the skew of a header-signed
// request, the credential and its token, the signature (canonicalised in
// mode; over payloadHash when it is set, else the hash the request
// declares), then the presigned window or, for header auth, the session's
// life.
func (a *Authenticator) verifyV4(r *http.Request, mech mechanism, mode sigv4.Mode, scope func(*sigv4.Auth) *Failure, payloadHash string) (verifiedV4, error) {
	req := sigv4.FromHTTP(r)
	var auth *sigv4.Auth
	var err error
	if mech == mechV4Header {
		auth, err = sigv4.ParseHeader(req)
	} else {
		auth, err = sigv4.ParseQuery(req)
	}
	if err != nil {
		return verifiedV4{}, fromSigV4(err)
	}
	// A presigned request's facts go with every refusal from here on;
	// they are built as a value so that a served request spends no
	// allocation on them.
	var facts URLFacts
	presigned := mech == mechV4Query
	if presigned {
		facts = URLFacts{Print: sigprint.Of(sigprint.V4, auth.Signature), SignedAt: auth.Date,
			URLExpiry: auth.Date.Add(time.Duration(auth.Expires) * time.Second)}
	}
	refuse := func(f *Failure) (verifiedV4, error) {
		if presigned {
			u := facts // a copy: taking facts' own address would move it to the heap
			f.URL = &u
		}
		return verifiedV4{}, f
	}
	if f := scope(auth); f != nil {
		return refuse(f)
	}
	if mech == mechV4Header {
		// The skew check comes before the key lookup: a stale request is
		// refused whoever signed it.
		if f := skew(auth.Date, auth.AmzDate, a.SkewClock.Now()); f != nil {
			return verifiedV4{}, f
		}
	}
	cred, f := a.credential(r.Context(), auth.AccessKeyID, auth.SecurityToken)
	if f != nil {
		return refuse(f)
	}
	if payloadHash != "" {
		auth.PayloadHash = payloadHash
	}
	key := a.Cache.Get(cred.AccessKeyID, cred.Secret, auth.Scope)
	// Check, not Verify: the canonical request and string to sign are
	// built as strings only when they go into a SignatureDoesNotMatch.
	if err := sigv4.Check(req, auth, key, mode); err != nil {
		f, ok := fromSigV4WithKey(err, auth.AccessKeyID, auth.Signature).(*Failure)
		if !ok {
			return verifiedV4{}, err
		}
		return refuse(f)
	}
	facts.Verified = true
	now := a.Clock.Now()
	res := &Result{Principal: cred.Principal, SignatureVersion: SigV4}
	if presigned {
		res.AuthType = AuthQuery
		res.SignatureAge = now.Sub(auth.Date)
		lt := lifetime.Compute(lifetime.Input{SignedAt: auth.Date, Expires: time.Duration(auth.Expires) * time.Second, CredentialExpiry: credExpiry(cred)})
		facts.Principal, facts.Deadline, facts.LimitedBy = &cred.Principal, lt.Effective, lt.LimitedBy
		if v := lt.At(auth.Date, now); v != lifetime.Valid {
			return refuse(verdictFailure(v, lt, auth.Date, now, auth.SecurityToken, strconv.FormatInt(auth.Expires, 10)))
		}
		if f := a.revoked(&facts, false); f != nil {
			return refuse(f)
		}
		res.Deadline, res.LimitedBy = lt.Effective, lt.LimitedBy
		res.Print, res.SignedAt, res.URLExpiry = facts.Print, facts.SignedAt, facts.URLExpiry
		return verifiedV4{auth: auth, key: key, res: res}, nil
	}
	res.AuthType = AuthHeader
	// A header-signed request is signed as it is sent, whatever the dev
	// clock says: its age is measured on the real clock, so moving time
	// forward ages presigned URLs but not live clients' calls.
	res.SignatureAge = a.SkewClock.Now().Sub(auth.Date)
	if f := sessionAlive(cred, auth.SecurityToken, now); f != nil {
		return verifiedV4{}, f
	}
	return verifiedV4{auth: auth, key: key, res: res}, nil
}

// revoked asks the denylist about a presigned request or form (form set)
// that verified and is in its window: nil, or the refusal.
func (a *Authenticator) revoked(u *URLFacts, form bool) *Failure {
	if a.Denylist == nil {
		return nil
	}
	rv := a.Denylist.Revoked(u.Print, u.Principal, u.SignedAt)
	if rv == nil {
		return nil
	}
	u.Revocation = rv
	msg := "This presigned URL has been revoked."
	if form {
		msg = "This POST policy has been revoked."
	}
	return &Failure{Reason: ReasonURLRevoked, Message: msg}
}

// attachBody sets the payload reader that proves the body is what was
// signed: aws-chunked decoding with chunk signatures, or a hash check. It
// serves header-signed and presigned requests alike: a presigner that pins
// a SHA-256 (see sigv4.PresignedPayloadHash) gets exactly that body or
// XAmzContentSHA256Mismatch, as a header signer does. aws-chunked is for
// header-signed requests only.
func (a *Authenticator) attachBody(r *http.Request, auth *sigv4.Auth, key []byte, res *Result) error {
	res.Body, res.DecodedLength = plainBody(r), r.ContentLength
	if mode, ok := awschunked.ModeFor(auth.PayloadHash); ok && auth.Kind == sigv4.HeaderAuth {
		decoded, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		if err != nil || decoded < 0 {
			decoded = -1
		}
		var trailers []string
		for _, t := range strings.Split(r.Header.Get("X-Amz-Trailer"), ",") {
			if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
				trailers = append(trailers, t)
			}
		}
		rd := awschunked.NewReader(r.Body, awschunked.Config{
			Mode: mode, SigningKey: key, AmzDate: auth.AmzDate, Scope: auth.Scope,
			SeedSignature: auth.Signature, Trailers: trailers,
		})
		res.Body = &lengthCheckReader{r: rd, want: decoded}
		res.DecodedLength = decoded
		if len(trailers) > 0 {
			res.Trailers = rd.Trailers
		}
		return nil
	}
	if f := bindPayload(res, auth.PayloadHash); f != nil {
		return f
	}
	if f := bindPayload(res, signedHeaderHash(r, auth)); f != nil {
		return f
	}
	return nil
}

// bindPayload makes reading res.Body fail unless the body's SHA-256 is
// want. "" and UNSIGNED-PAYLOAD bind nothing; any other value that is not
// a SHA-256 is refused.
func bindPayload(res *Result, want string) *Failure {
	switch want {
	case "", sigv4.UnsignedPayload:
		return nil
	}
	if !isHexSHA256(want) {
		return &Failure{Reason: ReasonBadContentSHA256}
	}
	if res.Body == http.NoBody && want == sigv4.EmptySHA256 {
		// A GET or HEAD: no body, signed as empty, leaves nothing to
		// check, so it needs no hashing reader.
		return nil
	}
	res.Body = &hashCheckReader{r: res.Body, want: want}
	return nil
}

// signedHeaderHash is a presigned request's x-amz-content-sha256 header
// when it is signed but is not the canonical payload hash (because an
// X-Amz-Content-Sha256 parameter took that place): the signature covers it
// all the same, so the body is bound to it too. "" otherwise.
func signedHeaderHash(r *http.Request, auth *sigv4.Auth) string {
	if auth.Kind != sigv4.QueryAuth {
		return ""
	}
	h := sigv4.PresignedPayloadHash("", auth.SignedHeaders, r.Header)
	if h == sigv4.UnsignedPayload || h == auth.PayloadHash {
		return ""
	}
	return h
}

func (a *Authenticator) sigV2(r *http.Request, mech mechanism, virtualBucket string) (*Result, error) {
	var auth *sigv2.Auth
	var err error
	if mech == mechV2Header {
		auth, err = sigv2.ParseHeader(r)
	} else {
		auth, err = sigv2.ParseQuery(r)
	}
	if err != nil {
		return nil, fromSigV2(err, mech)
	}
	token := r.URL.Query().Get("x-amz-security-token")
	if token == "" {
		token = r.Header.Get("X-Amz-Security-Token")
	}
	now := a.Clock.Now()
	if mech == mechV2Header {
		t, ok := parseHTTPDate(auth.Date)
		if !ok {
			return nil, &Failure{Reason: ReasonMissingDate}
		}
		if f := skew(t, auth.Date, a.SkewClock.Now()); f != nil {
			return nil, f
		}
	}
	var facts *URLFacts
	if mech == mechV2Query {
		facts = &URLFacts{Print: sigprint.Of(sigprint.V2, auth.Signature), URLExpiry: auth.ExpiresAt()}
	}
	cred, f := a.credential(r.Context(), auth.AccessKeyID, token)
	if f != nil {
		return nil, withURL(f, facts)
	}
	if _, err := sigv2.Verify(r, auth, cred.Secret, virtualBucket); err != nil {
		return nil, withURL(fromSigV2WithKey(err, auth.AccessKeyID, auth.Signature), facts)
	}
	if facts != nil {
		facts.Verified = true
	}
	res := &Result{Principal: cred.Principal, SignatureVersion: SigV2, Body: plainBody(r), DecodedLength: r.ContentLength}
	if mech == mechV2Header {
		res.AuthType = AuthHeader
		if f := sessionAlive(cred, token, now); f != nil {
			return nil, f
		}
		return res, nil
	}
	// SigV2 carries an absolute expiry and no signing time; its signature
	// age is 0 (as AWS documents for s3:signatureAge).
	res.AuthType = AuthQuery
	lt := lifetime.Compute(lifetime.Input{URLExpiry: auth.ExpiresAt(), CredentialExpiry: credExpiry(cred)})
	facts.Principal, facts.Deadline, facts.LimitedBy = &cred.Principal, lt.Effective, lt.LimitedBy
	if v := lt.At(time.Time{}, now); v != lifetime.Valid {
		return nil, withURL(verdictFailure(v, lt, time.Time{}, now, token, ""), facts)
	}
	if f := a.revoked(facts, false); f != nil {
		f.URL = facts
		return nil, f
	}
	res.Deadline, res.LimitedBy = lt.Effective, lt.LimitedBy
	res.Print, res.URLExpiry = facts.Print, facts.URLExpiry
	return res, nil
}

// withURL attaches a presigned request's facts (nil for header auth) to
// a refusal.
func withURL(err error, u *URLFacts) error {
	var f *Failure
	if u != nil && errors.As(err, &f) {
		f.URL = u
	}
	return err
}

func (a *Authenticator) checkScope(auth *sigv4.Auth, mech mechanism) *Failure {
	if auth.Scope.Region != a.Region {
		if mech == mechV4Query {
			return &Failure{Reason: ReasonWrongRegion,
				Message: "Error parsing the X-Amz-Credential parameter; the region '" + auth.Scope.Region + "' is wrong; expecting '" + a.Region + "'",
				Fields:  []Field{{"Region", a.Region}}}
		}
		return &Failure{Reason: ReasonWrongRegion,
			Message: "The authorization header is malformed; the region '" + auth.Scope.Region + "' is wrong; expecting '" + a.Region + "'",
			Fields:  []Field{{"Region", a.Region}}}
	}
	if auth.Scope.Service != "s3" {
		return &Failure{Reason: ReasonWrongService}
	}
	return nil
}

// credential looks up a key and checks the session token that came with it.
func (a *Authenticator) credential(ctx context.Context, id, token string) (*Credential, *Failure) {
	cred, err := a.Keys.Lookup(ctx, id)
	if errors.Is(err, ErrUnknownKey) {
		return nil, &Failure{Reason: ReasonUnknownAccessKey, Fields: []Field{{"AWSAccessKeyId", id}}}
	}
	if err != nil {
		return nil, &Failure{Reason: ReasonInternal, Message: err.Error(), Err: err}
	}
	temporary := cred.Temporary()
	switch {
	case temporary && token == "":
		// AWS answers an ASIA key without its token as an unknown key.
		return nil, &Failure{Reason: ReasonUnknownAccessKey, Fields: []Field{{"AWSAccessKeyId", id}}}
	case temporary && subtle.ConstantTimeCompare(secret.HashToken(token), cred.TokenHash) != 1:
		return nil, &Failure{Reason: ReasonInvalidToken}
	case !temporary && token != "":
		return nil, &Failure{Reason: ReasonInvalidToken}
	case cred.OwnerGone:
		// The session's user or role is gone (or is a new one of the
		// same name): AWS binds sessions to unique IDs, and reports
		// such a token as invalid (docs/design/0003-identities.md).
		return nil, &Failure{Reason: ReasonInvalidToken}
	}
	return cred, nil
}

func credExpiry(c *Credential) time.Time {
	if c.Terminated {
		// A terminated session has already ended: any time before now.
		return time.Unix(0, 0).UTC()
	}
	return c.Expiry
}

// sessionAlive refuses header-signed requests of an expired session.
// AWS echoes the request's token in Token-0; signet sends its fingerprint
// (redact.Token) instead, so that no error body ever carries a credential
// (a body may be logged by a proxy or a client), while a caller holding
// several tokens can still tell which one died.
func sessionAlive(c *Credential, token string, now time.Time) *Failure {
	exp := credExpiry(c)
	if !exp.IsZero() && !now.Before(exp) {
		return &Failure{Reason: ReasonExpiredToken, Fields: []Field{{"Token-0", redact.Token(token)}}}
	}
	return nil
}

// verdictFailure turns a presigned request's lifetime verdict v (other
// than Valid) at now into the AWS-shaped failure. Callers test for Valid
// first, so a valid request formats none of these fields.
func verdictFailure(v lifetime.Verdict, lt lifetime.Lifetime, signedAt, now time.Time, token, expires string) *Failure {
	server := now.UTC().Format(time.RFC3339)
	switch v {
	case lifetime.ExpiresOverLimit:
		return &Failure{Reason: ReasonExpiresTooLarge}
	case lifetime.NotYetValid:
		return &Failure{Reason: ReasonRequestNotYetValid, Fields: []Field{
			{"X-Amz-Date", strconv.FormatInt(signedAt.UnixMilli(), 10)},
			{"Expires", lt.URLExpiry.UTC().Format(time.RFC3339)},
			{"ServerTime", server}}}
	case lifetime.CredentialsExpired:
		// Masked as in sessionAlive.
		return &Failure{Reason: ReasonExpiredToken, Fields: []Field{{"Token-0", redact.Token(token)}}}
	}
	var fields []Field
	if expires != "" {
		fields = append(fields, Field{"X-Amz-Expires", expires})
	}
	fields = append(fields, Field{"Expires", lt.URLExpiry.UTC().Format(time.RFC3339)}, Field{"ServerTime", server})
	return &Failure{Reason: ReasonRequestExpired, Fields: fields}
}

// skew refuses a request time t more than MaxSkew from now. The times are
// ordered before they are subtracted: now.Sub(t) saturates at the Duration
// limits (about 292 years), and negating the minimum Duration overflows
// back to itself, so a request dated 2340 or 9999 used to pass as on time
// and could be replayed forever. A later-minus-earlier difference is never
// negative, and saturates at the maximum, which is still too far.
func skew(t time.Time, sent string, now time.Time) *Failure {
	earlier, later := t, now
	if t.After(now) {
		earlier, later = now, t
	}
	if later.Sub(earlier) <= MaxSkew {
		return nil
	}
	return &Failure{Reason: ReasonTimeTooSkewed, Fields: []Field{
		{"RequestTime", sent},
		{"ServerTime", now.UTC().Format(time.RFC3339)},
		{"MaxAllowedSkewMilliseconds", strconv.FormatInt(MaxSkew.Milliseconds(), 10)}}}
}

func parseHTTPDate(s string) (time.Time, bool) {
	if t, err := time.Parse("20060102T150405Z", s); err == nil {
		return t, true
	}
	if t, err := http.ParseTime(s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
