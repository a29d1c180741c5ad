package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"signet/internal/presign"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

// awsFlags are the AWS CLI's global options that locate a server and the
// identity to call it with.
type awsFlags struct {
	endpointURL string
	profile     string
	region      string
}

// awsSettings is what the AWS CLI would use for a call, found the way it
// finds it: flags first, then AWS_* environment variables, then the shared
// config and credentials files.
type awsSettings struct {
	Endpoint    *url.URL
	Region      string
	Credentials aws.CredentialsProvider
	HTTP        *http.Client
}

// defaultAdminRegion is what the AWS CLI signs with when nothing names a
// region; signet accepts any region in an admin call's scope.
const defaultAdminRegion = "us-east-1"

// adminHTTPTimeout bounds one admin call; the AWS CLI's read timeout.
const adminHTTPTimeout = 60 * time.Second

// loadAWSSettings resolves endpoint, region, credentials and transport.
//
// config.LoadDefaultConfig reads the process environment, not Env.Getenv:
// the SDK offers no way to hand it another environment. That is what the
// real binary wants; tests set the variables with t.Setenv.
//
// Credentials are not retrieved here (a provider may need the network, for
// SSO or an assumed role); the admin client asks for them per call.
//
// mfaCode is asked for the code of a role profile's mfa_serial device.
func loadAWSSettings(ctx context.Context, f awsFlags, mfaCode func(serial string) (string, error)) (*awsSettings, error) {
	sts := &lateSTS{}
	opts := []func(*config.LoadOptions) error{
		// signet issues its own keys, so an EC2 instance role's can never
		// be valid against it; without this, a machine with no credentials
		// configured would wait on the metadata service before failing.
		config.WithEC2IMDSClientEnableState(imds.ClientDisabled),
		// A role profile's AssumeRole is signed for the region too; with
		// none configured its scope would be empty and STS would refuse it.
		config.WithDefaultRegion(defaultAdminRegion),
		config.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) {
			// A role profile is assumed at the signet server called, as
			// signet presign does, unless STS has an endpoint of its own.
			presign.AssumeRoleAt(o, sts.get)
			if serial := aws.ToString(o.SerialNumber); serial != "" {
				o.TokenProvider = func() (string, error) { return mfaCode(serial) }
			}
		}),
	}
	if f.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(f.profile))
	}
	if f.region != "" {
		opts = append(opts, config.WithRegion(f.region))
	}
	// No custom HTTP client goes in: the SDK must build its own for
	// AWS_CA_BUNDLE / ca_bundle to apply, and its transport is reused below.
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	s := &awsSettings{Region: cfg.Region, Credentials: cfg.Credentials}
	if s.Region == "" {
		s.Region = defaultAdminRegion
	}

	raw, from := f.endpointURL, "--endpoint-url"
	if raw == "" && cfg.BaseEndpoint != nil {
		raw, from = *cfg.BaseEndpoint, "AWS_ENDPOINT_URL or the profile's endpoint_url"
	}
	if raw == "" {
		return nil, fmt.Errorf("no endpoint: pass --endpoint-url (e.g. --endpoint-url http://localhost:9000), " +
			"or set AWS_ENDPOINT_URL or endpoint_url in the profile")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q (from %s) is not an http:// or https:// URL with a host", raw, from)
	}
	s.Endpoint = u
	sts.set(presign.STSEndpoint(ctx, cfg, u))

	// The SDK's transport carries what the AWS CLI would use for TLS and
	// proxies: the CA bundle (AWS_CA_BUNDLE or the profile's ca_bundle, which
	// replaces the system roots, as in the CLI) and HTTP(S)_PROXY.
	var tr *http.Transport
	if bc, ok := cfg.HTTPClient.(*awshttp.BuildableClient); ok {
		tr = bc.GetTransport()
	} else {
		tr = awshttp.NewBuildableClient().GetTransport()
	}
	s.HTTP = &http.Client{Transport: tr, Timeout: adminHTTPTimeout}
	return s, nil
}

// sdkCredentials adapts the SDK's provider (a cache over the default chain:
// environment, shared files, SSO, assumed roles…) to the admin client.
type sdkCredentials struct{ p aws.CredentialsProvider }

func (c sdkCredentials) Retrieve(ctx context.Context) (sigv4.Credentials, error) {
	if c.p == nil {
		return sigv4.Credentials{}, fmt.Errorf("no credentials found")
	}
	v, err := c.p.Retrieve(ctx)
	if err != nil {
		// The chain found nothing and fell through to instance metadata,
		// which admin commands never ask (see loadAWSSettings).
		if ps, ok := c.p.(aws.CredentialProviderSource); ok {
			if src := ps.ProviderSources(); len(src) == 1 && src[0] == aws.CredentialSourceIMDS {
				return sigv4.Credentials{}, errors.New("no credentials found")
			}
		}
		return sigv4.Credentials{}, sdkError{err}
	}
	return sigv4.Credentials{AccessKeyID: v.AccessKeyID, SecretAccessKey: secret.New(v.SecretAccessKey), SessionToken: v.SessionToken}, nil
}

// sdkError is an SDK credentials failure, worded without the cache's
// preamble.
type sdkError struct{ err error }

func (e sdkError) Error() string { return presign.SDKReason(e.err) }
func (e sdkError) Unwrap() error { return e.err }

// lateSTS is where a role profile's AssumeRole goes: known only once the
// configuration has loaded, after the SDK built the role's provider, and
// asked for only when credentials are first retrieved.
type lateSTS struct {
	mu       sync.Mutex
	endpoint string
	known    bool
}

func (l *lateSTS) set(endpoint string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.endpoint, l.known = endpoint, true
}

func (l *lateSTS) get() (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.known {
		return "", errors.New("admin: credentials retrieved before the endpoint was known")
	}
	return l.endpoint, nil
}
