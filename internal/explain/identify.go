package explain

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"signet/internal/adminwire"
	"signet/internal/authn"
	"signet/internal/principal"
	"signet/internal/s3api"
	"signet/internal/sigprint"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// Identity is what revoking a presigned URL or form needs to know of it:
// its fingerprint, whose it is, and until when it could work.
type Identity struct {
	Print sigprint.Print
	// Form is set for a browser POST form.
	Form bool
	// Method is the method the signature verified with.
	Method string
	// Principal signed it (nil when the key is not known to the key store
	// now: an inactive key).
	Principal *principal.Principal
	// AccessKeyID is the key the URL names.
	AccessKeyID string
	// Until is the latest the URL could work: its effective deadline.
	Until time.Time
	// Bucket and Key are the address.
	Bucket, Key string
	// Twins are the fingerprints of a SigV4 URL's SigV2 twin: the URL the
	// same key signs with SigV2 for the same request and the same
	// deadline, in each canonical form a client may produce.
	Twins []sigprint.Print
}

// NotRevocable is a URL there is no point in revoking, or that signet
// cannot tie to a signature it would accept; Reason and Message say which
// (an explanation's reason code and sentence).
type NotRevocable struct {
	Reason, Message string
}

func (e *NotRevocable) Error() string { return "explain: " + e.Message }

// identifyMethods are tried in turn when the caller does not say which
// method a URL is for: its signature covers the method.
var identifyMethods = []string{http.MethodGet, http.MethodPut, http.MethodHead, http.MethodDelete, http.MethodPost}

// Identify finds what a presigned URL or form is: the dry run with each
// method until its signature verifies. It returns a *RequestError for
// what is not a presigned request, a *NotRevocable for a URL whose
// signature no key of this server makes or that is dead for good (its
// window has passed, its session ended), else the Identity.
func (x *Explainer) Identify(ctx context.Context, in adminwire.ExplainRequest) (*Identity, error) {
	form := len(in.Form) > 0
	methods := identifyMethods
	if in.Method != "" || form {
		methods = []string{in.Method}
	}
	var last *NotRevocable
	for _, m := range methods {
		in.Method = m
		id, err := x.identifyAs(ctx, in, form)
		var nr *NotRevocable
		if errors.As(err, &nr) && nr.Reason == adminwire.ReasonSignatureMismatch {
			last = nr
			continue
		}
		return id, err
	}
	if len(methods) > 1 {
		last.Message = "no key of this server signed this URL for GET, PUT, HEAD, DELETE or POST: there is nothing to revoke (" + last.Message + ")"
	}
	return nil, last
}

func (x *Explainer) identifyAs(ctx context.Context, in adminwire.ExplainRequest, form bool) (*Identity, error) {
	if form {
		in.Method = http.MethodPost
	}
	r, _, err := buildRequest(ctx, in)
	if err != nil {
		return nil, err
	}
	var dry s3api.DryRun
	var ua urlAuth
	var p sigprint.Print
	var signed bool
	if form {
		dry, ua = x.dryRunForm(r, in)
		p, signed = authn.PrintOfForm(formFields(in))
	} else {
		dry, ua = x.cfg.DryRun.DryRun(r), readAuth(r)
		p, signed = authn.PrintOf(r)
	}
	if !signed {
		return nil, &RequestError{"this is not a presigned URL or a signed POST form: it carries no signature to revoke"}
	}
	if dry.Internal != nil {
		return nil, dry.Internal
	}
	id := &Identity{Print: p, Form: form, Method: r.Method, AccessKeyID: ua.keyID, Bucket: dry.Bucket, Key: dry.Key}
	if res := dry.Result; res != nil {
		// It verified and is in its window: served, or refused later
		// (by policy, a missing object) while its signature holds.
		pr := res.Principal
		id.Principal, id.Until = &pr, res.Deadline
	} else if err := x.identifyRefused(ctx, in, dry, ua, id); err != nil {
		return nil, err
	}
	if !form && ua.version == versionV4 && id.Principal != nil {
		twins, err := x.twins(ctx, r, dry.VirtualBucket, id)
		if err != nil {
			return nil, err
		}
		id.Twins = twins
	}
	return id, nil
}

// identifyRefused places a URL authentication refused: revocable when
// its signature verified (it is revoked already, or not yet valid) or its
// key is only inactive (re-activating it would bring the URL back);
// otherwise the explanation says why there is nothing to revoke.
func (x *Explainer) identifyRefused(ctx context.Context, in adminwire.ExplainRequest, dry s3api.DryRun, ua urlAuth, id *Identity) error {
	var f *authn.Failure
	if errors.As(dry.AuthErr, &f) {
		switch {
		case f.Reason == authn.ReasonURLRevoked || f.Reason == authn.ReasonRequestNotYetValid:
			if f.URL != nil && f.URL.Principal != nil {
				pr := *f.URL.Principal
				id.Principal, id.Until = &pr, f.URL.Deadline
				return nil
			}
		case f.Reason == authn.ReasonUnknownAccessKey && ua.window:
			if k, err := x.cfg.Store.GetAccessKey(ctx, ua.keyID); err == nil && k.Status == principal.KeyInactive {
				// The signature cannot be checked with an inactive key;
				// the URL's own window is how long it could come back.
				id.Until = ua.end()
				return nil
			}
		}
	}
	out, err := x.Explain(ctx, in)
	if err != nil {
		return err
	}
	return &NotRevocable{Reason: out.Reason, Message: out.Message}
}

// end is the end of the URL's own window.
func (a urlAuth) end() time.Time {
	if !a.urlExpiry.IsZero() {
		return a.urlExpiry
	}
	return a.signedAt.Add(a.expires)
}

// twins computes the fingerprints of a SigV4 URL's SigV2 twin: the same
// method, path and subresources, signed by the same key with SigV2 for
// the same deadline (X-Amz-Date + X-Amz-Expires as SigV2's Expires), with
// the session token among the query's x-amz-* parameters as SigV2 signs
// it. A URL whose signature covers headers besides host has no twin
// computable from the URL alone (SigV2 signs Content-Type and
// Content-MD5 values the URL does not carry): none is returned.
func (x *Explainer) twins(ctx context.Context, r *http.Request, virtualBucket string, id *Identity) ([]sigprint.Print, error) {
	auth, err := sigv4.ParseQuery(sigv4.FromHTTP(r))
	if err != nil || len(auth.SignedHeaders) != 1 || auth.SignedHeaders[0] != "host" {
		return nil, nil
	}
	cred, err := x.cfg.Keys.Lookup(ctx, auth.AccessKeyID)
	if errors.Is(err, authn.ErrUnknownKey) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	for name, vs := range r.URL.Query() {
		if strings.HasPrefix(strings.ToLower(name), "x-amz-") && !strings.EqualFold(name, "X-Amz-Security-Token") {
			continue
		}
		if strings.EqualFold(name, "X-Amz-Security-Token") {
			name = "x-amz-security-token"
		}
		q[name] = vs
	}
	u := *r.URL
	u.RawQuery = q.Encode()
	twin := &http.Request{Method: r.Method, URL: &u, Host: r.Host, Header: http.Header{}}
	a := &sigv2.Auth{Kind: sigv2.QueryAuth, AccessKeyID: auth.AccessKeyID,
		Expires: auth.Date.Add(time.Duration(auth.Expires) * time.Second).Unix()}
	var out []sigprint.Print
	for _, sig := range sigv2.Signatures(twin, a, cred.Secret, virtualBucket) {
		out = append(out, sigprint.Of(sigprint.V2, sig))
	}
	return out, nil
}

// formFields reads a form's fields as authentication does: by lower-case
// name.
func formFields(in adminwire.ExplainRequest) authn.PostFields {
	return func(name string) (string, bool) {
		for _, f := range in.Form {
			if strings.EqualFold(f.Name, name) {
				return f.Value, true
			}
		}
		return "", false
	}
}
