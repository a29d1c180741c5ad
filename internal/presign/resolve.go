package presign

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/smithy-go/logging"

	"signet/internal/secret"
)

// Where names the endpoint, profile and region the way the AWS CLI's
// global options do; each "" falls back as the AWS CLI does.
type Where struct {
	EndpointURL string // --endpoint-url
	Profile     string // --profile
	Region      string // --region
	// MFACode asks for the current code of the MFA device serial, for a
	// role profile with mfa_serial (the AWS CLI prompts for it). Nil
	// leaves such a profile unusable, as the SDK has it.
	MFACode func(serial string) (string, error)
	// Now is the time a cached role session is judged by (see RoleCache);
	// nil is the system clock.
	Now func() time.Time
}

// DefaultRegion is the region signed for when neither the flag, the
// environment nor the profile names one, as the AWS CLI does for S3.
const DefaultRegion = "us-east-1"

// ConfigError is a configuration that cannot be used: a profile that does
// not exist, an unreadable CA bundle, an endpoint that is not a URL. The
// command treats it as a usage error.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// CredentialsError is a failure to obtain credentials: none configured, or
// their source (STS, a credential_process, a metadata endpoint) failed.
// Hint says what to do next.
type CredentialsError struct {
	Msg  string
	Hint string
	Err  error
}

func (e *CredentialsError) Error() string { return e.Msg }
func (e *CredentialsError) Unwrap() error { return e.Err }

// Resolve finds the endpoint, region and credentials as the AWS CLI would,
// through aws-sdk-go-v2's config package: environment variables, the shared
// config and credentials files and their profiles, role_arn with
// source_profile or credential_source, credential_process, SSO, web
// identity, the container credentials endpoint and instance metadata
// (AWS_EC2_METADATA_DISABLED honoured). It retrieves the credentials once,
// which may call STS or a metadata endpoint.
//
// Two things differ from the SDK's defaults, both so that the reported
// lifetime is the credentials' real one:
//   - an assumed role is assumed at the endpoint the URL is for (signet
//     holds the role), unless an STS endpoint of its own is configured
//     (AWS_ENDPOINT_URL_STS, or sts endpoint_url in the profile's services);
//   - expiries are taken as the issuer states them: the SDK ends container
//     credentials five minutes early and caps instance-metadata ones to an
//     hour from now, both refresh hints that say nothing of when a URL dies.
//
// The SDK reads the process environment; there is no way to hand it another.
func Resolve(ctx context.Context, w Where) (*Resolved, error) {
	var flagEndpoint *url.URL
	if w.EndpointURL != "" {
		u, err := ParseEndpoint(w.EndpointURL, "--endpoint-url")
		if err != nil {
			return nil, &ConfigError{err}
		}
		flagEndpoint = u
	}
	late := &lateClients{}
	responses := &assumeRoleResponses{now: w.Now}
	opts := []func(*config.LoadOptions) error{
		config.WithDefaultRegion(DefaultRegion),
		// The SDK would log to stderr (IMDSv1 fallbacks and the like); what
		// matters reaches the user as an error that says what to do.
		config.WithLogger(logging.Nop{}),
		// One retrieval, no refresh: no early-expiry margin either.
		config.WithCredentialsCacheOptions(func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = 0 }),
		config.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) {
			AssumeRoleAt(o, late.stsEndpoint)
			o.Client = responses.wrap(o.Client)
			// A profile without duration_seconds: ask for STS's own default,
			// one hour, as the AWS CLI does (it sends no DurationSeconds),
			// not the Go SDK's 15 minutes, so that signet presign and
			// aws s3 presign sign with sessions that live as long.
			if o.Duration == 0 {
				o.Duration = time.Hour
			}
			// The SDK set SerialNumber from mfa_serial before this runs.
			if serial := aws.ToString(o.SerialNumber); serial != "" && w.MFACode != nil {
				o.TokenProvider = func() (string, error) { return w.MFACode(serial) }
			}
		}),
		config.WithEC2RoleCredentialOptions(func(o *ec2rolecreds.Options) {
			o.Client = &imdsRecorder{late: late}
		}),
	}
	if w.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(w.Profile))
	}
	if w.Region != "" {
		opts = append(opts, config.WithRegion(w.Region))
	}
	// No custom HTTP client: the SDK must build its own for AWS_CA_BUNDLE
	// (or the profile's ca_bundle) to apply.
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	var missing config.SharedConfigProfileNotExistError
	switch {
	case errors.As(err, &missing):
		return nil, &ConfigError{fmt.Errorf("profile %q is in neither %s nor %s: "+
			"check --profile and AWS_PROFILE (aws configure list-profiles lists the profiles there are)",
			missing.Profile, tilde(sharedFile("AWS_CONFIG_FILE", config.DefaultSharedConfigFilename())),
			tilde(sharedFile("AWS_SHARED_CREDENTIALS_FILE", config.DefaultSharedCredentialsFilename())))}
	case err != nil:
		return nil, &ConfigError{fmt.Errorf("loading AWS configuration: %w", err)}
	}
	endpoint, err := s3Endpoint(ctx, cfg, flagEndpoint)
	if err != nil {
		return nil, &ConfigError{err}
	}
	late.arm(cfg, STSEndpoint(ctx, cfg, endpoint))

	sc, env := configSources(cfg)
	if cfg.Credentials == nil {
		return nil, noCredentials(sc, env, nil)
	}
	creds, err := withRoleCache(cfg.Credentials, sc, w.Now, responses).Retrieve(ctx)
	if err != nil {
		return nil, retrieveError(ctx, err, cfg.Credentials, sc, env, late)
	}
	id := Identity{AccessKeyID: creds.AccessKeyID, SecretAccessKey: secret.New(creds.SecretAccessKey), SessionToken: creds.SessionToken}
	if creds.CanExpire {
		id.Expires = creds.Expires
		id.IssuerAhead = responses.issuerAheadOf(creds.AccessKeyID)
	}
	role := ""
	if creds.Source == ec2rolecreds.ProviderName {
		if exp, ok := late.imdsExpiry(creds.AccessKeyID); ok {
			id.Expires = exp
		}
		role = late.imdsRoleName()
	}
	id.Source, id.Profile = describe(creds.Source, sc, env, role)
	return &Resolved{Endpoint: endpoint, Region: cfg.Region, Identity: id}, nil
}

// configSources returns the shared-config profile and environment the SDK
// loaded (zero values if it loaded none).
func configSources(cfg aws.Config) (config.SharedConfig, config.EnvConfig) {
	var sc config.SharedConfig
	var env config.EnvConfig
	for _, s := range cfg.ConfigSources {
		switch v := s.(type) {
		case config.SharedConfig:
			sc = v
		case config.EnvConfig:
			env = v
		}
	}
	return sc, env
}

// serviceEndpointSource is the SDK's interface for endpoints configured for
// one service (AWS_ENDPOINT_URL_<SERVICE>, a profile's services section).
type serviceEndpointSource interface {
	GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
}

// serviceEndpoint is the endpoint configured for one service, "" if none
// (or if AWS_IGNORE_CONFIGURED_ENDPOINT_URLS says to ignore them).
func serviceEndpoint(ctx context.Context, cfg aws.Config, sdkID string) (value, from string) {
	if ignore, found, _ := config.GetIgnoreConfiguredEndpoints(ctx, cfg.ConfigSources); found && ignore {
		return "", ""
	}
	for _, s := range cfg.ConfigSources {
		p, ok := s.(serviceEndpointSource)
		if !ok {
			continue
		}
		if v, found, err := p.GetServiceBaseEndpoint(ctx, sdkID); err == nil && found && v != "" {
			from = "AWS_ENDPOINT_URL_" + strings.ToUpper(sdkID)
			if _, isShared := s.(config.SharedConfig); isShared {
				from = "the profile's services " + strings.ToLower(sdkID) + " endpoint_url"
			}
			return v, from
		}
	}
	return "", ""
}

// s3Endpoint is --endpoint-url, else the S3 endpoint configured for the
// profile or environment, else the general one; nil means AWS.
func s3Endpoint(ctx context.Context, cfg aws.Config, flag *url.URL) (*url.URL, error) {
	if flag != nil {
		return flag, nil
	}
	raw, from := serviceEndpoint(ctx, cfg, "S3")
	if raw == "" && cfg.BaseEndpoint != nil {
		raw, from = *cfg.BaseEndpoint, "AWS_ENDPOINT_URL or the profile's endpoint_url"
	}
	if raw == "" {
		return nil, nil
	}
	return ParseEndpoint(raw, from)
}

// STSEndpoint is where an assumed role is assumed: an STS endpoint of its
// own if one is configured (AWS_ENDPOINT_URL_STS, the profile's sts
// endpoint_url), else the endpoint the call is for, s3; "" (AWS's STS, the
// SDK's choice) when s3 is nil, for AWS itself.
func STSEndpoint(ctx context.Context, cfg aws.Config, s3 *url.URL) string {
	if s3 == nil {
		return ""
	}
	if v, _ := serviceEndpoint(ctx, cfg, "STS"); v != "" {
		return v
	}
	return s3.String()
}

// describe says in words where credentials of the SDK source name source
// came from, and the profile they belong to ("" if none).
func describe(source string, sc config.SharedConfig, env config.EnvConfig, imdsRole string) (desc, profile string) {
	switch {
	case source == config.CredentialsSourceName:
		return "environment variables", ""
	case strings.HasPrefix(source, "SharedConfigCredentials: "):
		file := strings.TrimPrefix(source, "SharedConfigCredentials: ")
		kind := "shared config file"
		if sameFile(file, credentialsFile(env)) {
			kind = "shared credentials file"
		}
		return fmt.Sprintf("%s %s, profile %q", kind, tilde(file), sc.Profile), sc.Profile
	case source == stscreds.ProviderName:
		return roleDescription(sc), sc.Profile
	case source == RoleCacheProviderName:
		return cachedRoleDescription(sc), sc.Profile
	case source == processcreds.ProviderName:
		return fmt.Sprintf("credential_process of profile %q", sc.Profile), sc.Profile
	case source == endpointcreds.ProviderName:
		return "the container credentials endpoint", ""
	case source == ec2rolecreds.ProviderName:
		if imdsRole != "" {
			return fmt.Sprintf("instance metadata, role %q", imdsRole), ""
		}
		return "instance metadata", ""
	case source == ssocreds.ProviderName:
		return fmt.Sprintf("SSO of profile %q", sc.Profile), sc.Profile
	case source == logincreds.ProviderName:
		return fmt.Sprintf("aws login session of profile %q", sc.Profile), sc.Profile
	case source == stscreds.WebIdentityProviderName:
		if sc.WebIdentityTokenFile != "" {
			return fmt.Sprintf("web identity token of profile %q", sc.Profile), sc.Profile
		}
		return "web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)", ""
	}
	return source, sc.Profile
}

// roleDescription: profile "reader" (role ARN assumed with source_profile
// "alice").
func roleDescription(sc config.SharedConfig) string {
	var via string
	switch {
	case sc.SourceProfileName != "":
		via = fmt.Sprintf("source_profile %q", sc.SourceProfileName)
	case sc.WebIdentityTokenFile != "":
		via = "the web identity token in " + tilde(sc.WebIdentityTokenFile)
	case sc.CredentialSource != "":
		via = "credential_source " + sc.CredentialSource
	default:
		via = "no source_profile, credential_source or web_identity_token_file"
	}
	return fmt.Sprintf("profile %q (role %s assumed with %s)", sc.Profile, sc.RoleARN, via)
}

// cachedRoleDescription: profile "reader" (role ARN assumed with
// source_profile "alice", cached in ~/.aws/cli/cache/KEY.json), naming the
// file so that a session can be dropped by deleting it.
func cachedRoleDescription(sc config.SharedConfig) string {
	desc := roleDescription(sc)
	path, err := roleCachePath(sc)
	if err != nil {
		return desc
	}
	return strings.TrimSuffix(desc, ")") + ", cached in " + tilde(path) + ")"
}

func credentialsFile(env config.EnvConfig) string {
	if env.SharedCredentialsFile != "" {
		return env.SharedCredentialsFile
	}
	return config.DefaultSharedCredentialsFilename()
}

func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// sharedFile is the file an AWS_*_FILE variable names, else the default.
func sharedFile(variable, def string) string {
	if f := os.Getenv(variable); f != "" {
		return f
	}
	return def
}

// tilde shortens a path under the home directory to ~/…, as people write it.
func tilde(path string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return path
	}
	if rest, ok := strings.CutPrefix(path, strings.TrimRight(home, "/")+"/"); ok {
		return "~/" + rest
	}
	return path
}
