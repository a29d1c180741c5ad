// Package s3api serves the S3 REST API over a metadata store and a blob
// engine. It owns routing (path and virtual-hosted style), the handlers, the
// XML bodies and the one table that turns domain errors into AWS errors.
//
// Every request is authenticated first, then authorised, then handled.
// Handlers read the payload only through authn.Result.Body, which is the
// verified (and, for aws-chunked, decoded) stream.
package s3api

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/cors"
	"signet/internal/meta"
	"signet/internal/storage"
	"signet/internal/wiring"
)

// Authenticator verifies a request's signature.
type Authenticator interface {
	// Authenticate verifies r. virtualBucket is the bucket taken from the
	// Host ("" for path style). The error is an *authn.Failure, or any
	// other error for an internal fault.
	Authenticate(r *http.Request, virtualBucket string) (*authn.Result, error)
}

// Authorizer decides whether an authenticated (or anonymous) caller may
// perform an S3 action (e.g. "s3:GetObject") on a resource ARN
// ("arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key"). A non-nil error
// becomes 403 AccessDenied.
type Authorizer interface {
	Authorize(r *http.Request, res *authn.Result, action, resource string) error
}

// BucketPolicies stores bucket policy documents.
type BucketPolicies interface {
	PutBucketPolicy(ctx context.Context, bucket, doc string) error
	GetBucketPolicy(ctx context.Context, bucket string) (string, error)
	DeleteBucketPolicy(ctx context.Context, bucket string) error
}

// BucketCORS stores bucket CORS configurations (documents in the canonical
// form of package cors) and answers the request path's question, a
// bucket's parsed rules, from a cache that its writes invalidate.
type BucketCORS interface {
	PutBucketCORS(ctx context.Context, bucket, doc string) error
	GetBucketCORS(ctx context.Context, bucket string) (string, error)
	DeleteBucketCORS(ctx context.Context, bucket string) error
	// BucketCORSRules is nil (and no error) for a bucket without a
	// configuration, meta.ErrNoSuchBucket for a missing bucket.
	BucketCORSRules(ctx context.Context, bucket string) (*cors.Config, error)
}

// AllowAuthenticated allows every signed request and denies anonymous ones:
// every bucket is private until policies arrive.
type AllowAuthenticated struct{}

// Authorize implements Authorizer.
func (AllowAuthenticated) Authorize(_ *http.Request, res *authn.Result, _, _ string) error {
	if res == nil || res.Anonymous {
		return errAccessDeniedAnon
	}
	return nil
}

// Config wires the API to its engines. Meta, Blobs, Auth, Authz and Clock
// are required: New refuses a Config without them (see package wiring).
// The other fields are optional, and each says what its zero value means.
type Config struct {
	// Region is reported by GetBucketLocation and x-amz-bucket-region;
	// "" means us-east-1.
	Region string
	// VirtualHostDomains are the domains under which a Host's first label
	// names a bucket: "b.s3.localhost:9000" → bucket "b". None means
	// every request is path style.
	VirtualHostDomains []string
	Meta               meta.Store
	// Policies stores bucket policies; nil leaves the policy subresource
	// unimplemented.
	Policies BucketPolicies
	Blobs    storage.Engine
	Auth     Authenticator
	// Authz decides every request. It has no default: which requests are
	// allowed is the caller's decision, so even "every signed request"
	// must be asked for, as AllowAuthenticated{}.
	Authz Authorizer
	// Clock stamps creation and modification times. It has no default:
	// the server passes its lifetime clock, so that under --dev-clock
	// objects are dated by the same clock that judges their URLs.
	Clock clock.Clock
	// Logger receives internal errors; nil discards them.
	Logger *slog.Logger
	// Account is the account that owns every bucket, checked against
	// x-amz-expected-bucket-owner and x-amz-source-expected-bucket-owner;
	// "" matches no expected owner, so such requests are refused.
	Account string
	// CORS stores bucket CORS configurations; nil leaves the cors
	// subresource unimplemented and answers no request with CORS headers.
	CORS BucketCORS
	// Lifecycle stores bucket lifecycle configurations; nil leaves the
	// lifecycle subresource unimplemented, sends no x-amz-expiration and
	// makes SweepLifecycle a no-op.
	Lifecycle BucketLifecycle
}

// API is the S3 REST handler. Besides serving requests (ServeHTTP) it
// judges them without serving them (DryRun).
type API struct {
	cfg Config
	log *slog.Logger
	// domains are the virtual-host domains, lower-case, longest first, so
	// "b.s3.localhost" is bucket "b" under "s3.localhost", not "b.s3"
	// under "localhost".
	domains []string
}

// New returns the S3 REST API over cfg's engines, or an error naming the
// required fields cfg lacks.
func New(cfg Config) (*API, error) {
	if err := cfg.missing(); err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	domains := make([]string, 0, len(cfg.VirtualHostDomains))
	for _, d := range cfg.VirtualHostDomains {
		domains = append(domains, strings.ToLower(strings.Trim(d, ".")))
	}
	sort.Slice(domains, func(i, j int) bool { return len(domains[i]) > len(domains[j]) })
	return &API{cfg: cfg, log: log, domains: domains}, nil
}

// missing names the required fields c lacks.
func (c Config) missing() error {
	return wiring.Require("s3api.Config", map[string]bool{
		"Meta": c.Meta != nil, "Blobs": c.Blobs != nil, "Auth": c.Auth != nil,
		"Authz": c.Authz != nil, "Clock": c.Clock != nil,
	})
}
