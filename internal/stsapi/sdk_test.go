package stsapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"signet/internal/authn"
	"signet/internal/awsquery"
	"signet/internal/principal"
)

// frontDoor stands in for the server's Query front door: it parses the
// form and names the caller by the access key ID in the Authorization
// header (signatures are authn's business and tested there).
type frontDoor struct {
	h       awsquery.Handler
	callers map[string]principal.Principal
}

func (d frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, cred, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	akid, _, _ := strings.Cut(cred, "/")
	p, ok := d.callers[akid]
	if !ok {
		http.Error(w, "unknown caller "+akid, http.StatusForbidden)
		return
	}
	d.h.ServeQuery(w, r, &awsquery.Call{
		Action: r.Form.Get("Action"), Version: r.Form.Get("Version"), Params: r.Form,
		Auth:      &authn.Result{Principal: p, AuthType: authn.AuthHeader, SignatureVersion: authn.SigV4},
		RequestID: "sdk-req",
	})
}

// client is an aws-sdk-go-v2 STS client for akid against srv. The config
// is built by hand: LoadDefaultConfig would read the environment's
// AWS_CA_BUNDLE and profiles.
func client(srv *httptest.Server, akid string) *awssts.Client {
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(akid, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
	}
	return awssts.NewFromConfig(cfg, func(o *awssts.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

func TestAWSSDKGoV2(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(frontDoor{h: f.h, callers: map[string]principal.Principal{
		user.AccessKeyID: user, root.AccessKeyID: root, roleSession.AccessKeyID: roleSession,
	}})
	defer srv.Close()
	ctx := t.Context()
	alice := client(srv, user.AccessKeyID)

	ar, err := alice.AssumeRole(ctx, &awssts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + acct + ":role/team/ops"), RoleSessionName: aws.String("sdk"),
		DurationSeconds: aws.Int32(5400), SourceIdentity: aws.String("alice"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := ar.Credentials; c == nil || !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") ||
		aws.ToString(c.SecretAccessKey) == "" || aws.ToString(c.SessionToken) == "" || !aws.ToTime(c.Expiration).Equal(t0.Add(90*time.Minute)) {
		t.Fatalf("credentials %+v", ar.Credentials)
	}
	if u := ar.AssumedRoleUser; u == nil || aws.ToString(u.Arn) != "arn:aws:sts::"+acct+":assumed-role/ops/sdk" || aws.ToString(u.AssumedRoleId) != "AROAOPS0000000000000:sdk" {
		t.Fatalf("AssumedRoleUser %+v", ar.AssumedRoleUser)
	}
	// The SDK deprecates PackedPolicySize for SessionTokenUtilization (the share
	// of the whole token's size budget), a different figure. STS still sends
	// PackedPolicySize when a session policy is passed, and so does signet;
	// here there is none, so it must be absent.
	//lint:ignore SA1019 the wire still carries PackedPolicySize, and this checks signet omits it
	packed := ar.PackedPolicySize
	if aws.ToString(ar.SourceIdentity) != "alice" || packed != nil {
		t.Fatalf("SourceIdentity %q PackedPolicySize %v", aws.ToString(ar.SourceIdentity), packed)
	}

	st, err := alice.GetSessionToken(ctx, &awssts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToTime(st.Credentials.Expiration).Equal(t0.Add(15 * time.Minute)) {
		t.Fatalf("GetSessionToken expiration %v", aws.ToTime(st.Credentials.Expiration))
	}
	rt, err := client(srv, root.AccessKeyID).GetSessionToken(ctx, &awssts.GetSessionTokenInput{DurationSeconds: aws.Int32(129600)})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToTime(rt.Credentials.Expiration).Equal(t0.Add(time.Hour)) {
		t.Fatalf("root GetSessionToken expiration %v", aws.ToTime(rt.Credentials.Expiration))
	}

	ft, err := alice.GetFederationToken(ctx, &awssts.GetFederationTokenInput{Name: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ft.FederatedUser.Arn) != "arn:aws:sts::"+acct+":federated-user/bob" || aws.ToString(ft.FederatedUser.FederatedUserId) != acct+":bob" ||
		!aws.ToTime(ft.Credentials.Expiration).Equal(t0.Add(12*time.Hour)) {
		t.Fatalf("GetFederationToken %+v %+v", ft.FederatedUser, ft.Credentials)
	}

	ci, err := client(srv, roleSession.AccessKeyID).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ci.Arn) != roleSession.ARN || aws.ToString(ci.UserId) != roleSession.UserID || aws.ToString(ci.Account) != acct {
		t.Fatalf("GetCallerIdentity %s %s %s", aws.ToString(ci.Arn), aws.ToString(ci.UserId), aws.ToString(ci.Account))
	}

	// Errors reach the SDK as API errors with AWS's code and message.
	for _, tc := range []struct {
		call      func() error
		code, msg string
	}{
		{func() error {
			_, err := client(srv, root.AccessKeyID).AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":role/deploy"), RoleSessionName: aws.String("x1")})
			return err
		}, "AccessDenied", "Roles may not be assumed by root accounts."},
		{func() error {
			_, err := client(srv, roleSession.AccessKeyID).AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":role/team/ops"), RoleSessionName: aws.String("x1"), DurationSeconds: aws.Int32(3601)})
			return err
		}, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."},
		{func() error {
			_, err := client(srv, roleSession.AccessKeyID).GetSessionToken(ctx, &awssts.GetSessionTokenInput{})
			return err
		}, "AccessDenied", "Cannot call GetSessionToken with session credentials"},
	} {
		err := tc.call()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || ae.ErrorMessage() != tc.msg {
			t.Fatalf("error %v, want %s: %s", err, tc.code, tc.msg)
		}
	}
}
