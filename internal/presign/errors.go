package presign

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/smithy-go"
)

// noCredentials: the SDK's chain found nothing and fell through to
// instance metadata, which did not answer (or is disabled).
func noCredentials(sc config.SharedConfig, env config.EnvConfig, err error) *CredentialsError {
	msg := "no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile NAME " +
		"(a profile of ~/.aws/credentials or ~/.aws/config, as for the AWS CLI)"
	if sc.Profile != "" {
		msg = fmt.Sprintf("no credentials found: profile %q has none; set aws_access_key_id and aws_secret_access_key "+
			"(or role_arn with source_profile, or credential_process) in it, pass another --profile, "+
			"or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", sc.Profile)
	}
	hint := ""
	if env.EC2IMDSClientEnableState != imds.ClientDisabled {
		hint = "(Instance metadata, looked at last, gave none either; AWS_EC2_METADATA_DISABLED=true skips it.)"
	}
	return &CredentialsError{Msg: msg, Hint: hint, Err: err}
}

// stsHints say what to do next about an STS refusal of AssumeRole, by code.
var stsHints = map[string]string{
	"AccessDenied": "The role's trust policy must allow the source profile's identity to call sts:AssumeRole, " +
		"and that identity's own policies must allow sts:AssumeRole on the role.",
	"InvalidClientTokenId": "The server does not know the source profile's access key: check source_profile, " +
		"and that the endpoint is the server that issued the key.",
	"SignatureDoesNotMatch": "The source profile's secret access key does not belong to its access key ID.",
	"ExpiredToken":          "The source profile's own session has expired: renew it, or use a long-term key as the source.",
	"ValidationError": "Check duration_seconds in the profile: from 900 to the role's MaxSessionDuration " +
		"(at most 43200; 3600 when the source is itself a role session).",
	"NoSuchEntity": "No such role at that endpoint: check role_arn in the profile, and --endpoint-url.",
}

// retrieveError explains a failed credentials retrieval.
func retrieveError(ctx context.Context, err error, p aws.CredentialsProvider, sc config.SharedConfig, env config.EnvConfig, late *lateClients) error {
	if ctx.Err() != nil {
		return &CredentialsError{Msg: "interrupted while getting credentials", Err: err}
	}
	var sources []aws.CredentialSource
	if ps, ok := p.(aws.CredentialProviderSource); ok {
		sources = ps.ProviderSources()
	}
	if len(sources) == 1 && sources[0] == aws.CredentialSourceIMDS {
		return noCredentials(sc, env, err)
	}
	var ne net.Error
	if sc.RoleARN != "" {
		where, _ := late.stsEndpoint()
		if where == "" {
			where = "AWS STS"
		}
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return &CredentialsError{
				Msg: fmt.Sprintf("assuming role %s for profile %q at %s failed: %s: %s",
					sc.RoleARN, sc.Profile, where, ae.ErrorCode(), ae.ErrorMessage()),
				Hint: stsHints[ae.ErrorCode()], Err: err}
		}
		hint := ""
		if errors.As(err, &ne) {
			hint = fmt.Sprintf("Could not reach %s: is the server running there? (--endpoint-url, AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_STS)", where)
		}
		return &CredentialsError{Msg: fmt.Sprintf("getting credentials for %s failed: %s", roleDescription(sc), SDKReason(err)), Hint: hint, Err: err}
	}
	what, hint := "the configured credential provider", ""
	switch last := lastSource(sources); {
	case sc.CredentialProcess != "":
		what = fmt.Sprintf("credential_process of profile %q", sc.Profile)
		hint = "Run the command yourself: it must print JSON with Version 1, AccessKeyId and SecretAccessKey (and SessionToken and Expiration for a session)."
	case last == aws.CredentialSourceHTTP:
		what = "the container credentials endpoint"
		hint = "Check AWS_CONTAINER_CREDENTIALS_FULL_URI or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, and AWS_CONTAINER_AUTHORIZATION_TOKEN."
	case last == aws.CredentialSourceIMDS:
		what = "instance metadata"
		hint = "Is this an instance with a role? AWS_EC2_METADATA_SERVICE_ENDPOINT sets another address."
	case last == aws.CredentialSourceSSO || last == aws.CredentialSourceSSOLegacy || last == aws.CredentialSourceProfileSSO:
		what = fmt.Sprintf("SSO of profile %q", sc.Profile)
		hint = fmt.Sprintf("Log in again: aws sso login --profile %s", sc.Profile)
	}
	return &CredentialsError{Msg: fmt.Sprintf("getting credentials from %s failed: %s", what, SDKReason(err)), Hint: hint, Err: err}
}

// SDKReason is err's text without the SDK's credentials-cache preamble
// ("failed to refresh cached credentials, "), which says nothing about
// what went wrong.
func SDKReason(err error) string {
	return strings.TrimPrefix(err.Error(), "failed to refresh cached credentials, ")
}

func lastSource(s []aws.CredentialSource) aws.CredentialSource {
	if len(s) == 0 {
		return aws.CredentialSourceUndefined
	}
	return s[len(s)-1]
}
