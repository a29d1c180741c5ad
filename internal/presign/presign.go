// Package presign makes presigned S3 URLs the way `signet presign` promises:
// with the credentials the AWS CLI would find, signed by signet's own SigV4
// (or SigV2) signer, and with the URL's real lifetime, computed by the
// lifetime package the server also uses, so that a URL that will die with
// its credentials is reported before anyone relies on it.
//
// Resolve finds the endpoint, region and credentials (it needs the network
// for an assumed role or a metadata endpoint); Sign is pure and takes the
// time as an argument, so its output can be pinned by golden tests.
package presign

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"signet/internal/lifetime"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// Methods are the HTTP methods a presigned object URL may be for. POST
// is for the multipart operations only (see checkTarget).
var Methods = []string{http.MethodGet, http.MethodPut, http.MethodHead, http.MethodDelete, http.MethodPost}

// ResponseOverrides are the query parameters with which a GET or HEAD asks
// S3 to answer with other response headers; they are signed.
var ResponseOverrides = []string{
	"response-cache-control",
	"response-content-disposition",
	"response-content-encoding",
	"response-content-language",
	"response-content-type",
	"response-expires",
}

// Request is what to presign.
type Request struct {
	Bucket, Key string
	Method      string        // one of Methods
	ExpiresIn   time.Duration // whole seconds, at least one
	// Header holds headers the request must carry, signed: Content-Type
	// and others for a PUT.
	Header http.Header
	// Overrides are response-* parameters by name; the URL carries them in
	// the order of ResponseOverrides.
	Overrides map[string]string
	// SigV2 signs with legacy Signature Version 2, for old clients.
	SigV2 bool
	// UploadID names a multipart upload: with PartNumber (1 to
	// MaxPartNumber) a PUT is UploadPart; without, a POST is
	// CompleteMultipartUpload, a DELETE AbortMultipartUpload and a GET
	// ListParts. Zero values for an object's own operations.
	UploadID   string
	PartNumber int
	// Uploads makes a POST CreateMultipartUpload.
	Uploads bool
}

// Resolved is where the URL points and whose credential signs it.
type Resolved struct {
	// Endpoint is the custom endpoint (signet, say); nil means AWS S3.
	Endpoint *url.URL
	Region   string
	Identity Identity
}

// Result is a presigned URL and what is known about its life.
type Result struct {
	URL              string
	Request          Request
	Region           string
	SignatureVersion string // "sigv4" or "sigv2"
	SignedAt         time.Time
	Lifetime         lifetime.Lifetime
	Identity         Identity
	// Warning is one paragraph for people when the URL dies before the
	// window it asks for, or may (expiry unknown); "" otherwise.
	Warning string
}

// EffectiveKnown reports whether Lifetime.Effective is the URL's real end;
// false when temporary credentials of unknown expiry may end it sooner.
func (r *Result) EffectiveKnown() bool { return !r.Identity.ExpiryUnknown() }

// CheckRequest refuses, before any credential is sought, what could not
// make a working URL. Messages name the command's flags.
func CheckRequest(req Request) error {
	if err := checkTarget(req); err != nil {
		return err
	}
	switch {
	case req.ExpiresIn < time.Second:
		return fmt.Errorf("--expires-in %s: a URL must live at least one second", req.ExpiresIn)
	case req.ExpiresIn%time.Second != 0:
		return fmt.Errorf("--expires-in %s: presigned URLs count whole seconds", req.ExpiresIn)
	case !req.SigV2 && req.ExpiresIn > lifetime.MaxExpires:
		return fmt.Errorf("--expires-in %d (%s) is over the 7-day limit of SigV4 presigned URLs, 604800 (7d): "+
			"S3 refuses such a URL with AuthorizationQueryParametersError; ask for 604800 or less",
			int64(req.ExpiresIn/time.Second), fmtDuration(req.ExpiresIn))
	}
	if len(req.Overrides) > 0 && req.Method != http.MethodGet && req.Method != http.MethodHead {
		return fmt.Errorf("--response-* overrides apply to GET and HEAD, not %s", req.Method)
	}
	for name := range req.Overrides {
		if !slices.Contains(ResponseOverrides, name) {
			return fmt.Errorf("%q is not a response override; the overrides are %s", name, strings.Join(ResponseOverrides, ", "))
		}
	}
	for name := range req.Header {
		lower := strings.ToLower(name)
		switch {
		case lower == "host" || lower == "authorization" || strings.HasPrefix(lower, "x-amz-security-token") ||
			strings.HasPrefix(lower, "x-amz-date") || strings.HasPrefix(lower, "x-amz-content-sha256"):
			return fmt.Errorf("--header %s: signet sets that one itself", name)
		case req.SigV2 && !sigV2Signs(lower):
			return fmt.Errorf("--header %s: SigV2 signs only Content-Type, Content-MD5 and x-amz-* headers; drop --sigv2 to sign it with SigV4", name)
		}
	}
	return nil
}

// sigV2Signs reports the headers a SigV2 string to sign covers.
func sigV2Signs(lowerName string) bool {
	return lowerName == "content-type" || lowerName == "content-md5" || strings.HasPrefix(lowerName, "x-amz-")
}

// ErrNoSecret is returned for a credential without a secret key.
var ErrNoSecret = errors.New("the credentials have an access key ID but no secret access key")

// Sign presigns req with r's credential at now (truncated to the second,
// the precision of X-Amz-Date) and reports the URL's lifetime.
func Sign(req Request, r *Resolved, now time.Time) (*Result, error) {
	if err := CheckRequest(req); err != nil {
		return nil, err
	}
	id := r.Identity
	if id.AccessKeyID == "" || id.SecretAccessKey.IsZero() {
		return nil, ErrNoSecret
	}
	signedAt := now.UTC().Truncate(time.Second)
	target, virtualBucket := objectURL(r.Endpoint, r.Region, req.Bucket, req.Key)
	query := targetQuery(req)
	res := &Result{Request: req, Region: r.Region, SignedAt: signedAt, Identity: id}

	var err error
	if req.SigV2 {
		res.SignatureVersion = "sigv2"
		urlExpiry := signedAt.Add(req.ExpiresIn)
		// As botocore does for SigV2 query authentication, the signed
		// headers and the session token travel in the query, where the
		// string to sign picks them up (x-amz-* as headers, Content-Type
		// and Content-MD5 as their own lines).
		for _, name := range sortedNames(req.Header) {
			query = appendParam(query, strings.ToLower(name), req.Header.Get(name))
		}
		if id.SessionToken != "" {
			query = appendParam(query, "x-amz-security-token", id.SessionToken)
		}
		raw := target
		if query != "" {
			raw += "?" + query
		}
		res.URL, err = sigv2.Presign(sigv2.PresignInput{
			Method: req.Method, URL: raw, AccessKeyID: id.AccessKeyID, SecretAccessKey: id.SecretAccessKey,
			Expires: urlExpiry, VirtualBucket: virtualBucket,
		})
		res.Lifetime = lifetimeHere(lifetime.Input{URLExpiry: urlExpiry, CredentialExpiry: id.Expires}, id.IssuerAhead)
	} else {
		res.SignatureVersion = "sigv4"
		raw := target
		if query != "" {
			raw += "?" + query
		}
		creds := sigv4.Credentials{AccessKeyID: id.AccessKeyID, SecretAccessKey: id.SecretAccessKey, SessionToken: id.SessionToken}
		res.URL, err = sigv4.Presign(sigv4.PresignInput{
			Method: req.Method, URL: raw, Credentials: creds, Region: r.Region, Service: "s3",
			Time: signedAt, Expires: req.ExpiresIn, Header: req.Header, Mode: sigv4.S3,
		})
		res.Lifetime = lifetimeHere(lifetime.Input{SignedAt: signedAt, Expires: req.ExpiresIn, CredentialExpiry: id.Expires}, id.IssuerAhead)
	}
	if err != nil {
		return nil, err
	}
	res.Warning = warning(res)
	return res, nil
}

// lifetimeHere is the URL's lifetime in one time frame, this machine's.
// The server judges the URL's window (dated by this machine's clock) and
// the credential's expiry (on the issuer's clock, which is the server's)
// against its own clock, so lifetime.Compute runs there, exactly as the
// server runs it, and its times are then moved back by ahead, the
// server's lead, to read on this machine's clock.
func lifetimeHere(in lifetime.Input, ahead time.Duration) lifetime.Lifetime {
	lt := lifetime.Compute(in)
	lt.URLExpiry = lt.URLExpiry.Add(-ahead)
	lt.Effective = lt.Effective.Add(-ahead)
	return lt
}

// overrideQuery writes the response-* parameters in a fixed order, values
// encoded as SigV4 canonicalises them so the URL is its own canonical form.
func overrideQuery(overrides map[string]string) string {
	var q string
	for _, name := range ResponseOverrides {
		if v, ok := overrides[name]; ok {
			q = appendParam(q, name, v)
		}
	}
	return q
}

func appendParam(q, name, value string) string {
	if q != "" {
		q += "&"
	}
	return q + sigv4.URIEncode(name, true) + "=" + sigv4.URIEncode(value, true)
}

func sortedNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
