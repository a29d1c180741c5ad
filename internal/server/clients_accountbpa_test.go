package server_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/smithy-go"
)

// s3control returns aws-sdk-go-v2's S3 Control client for the server. The
// SDK sends S3 Control requests to ACCOUNT.<endpoint host>, which no
// resolver here knows, so its transport dials the server whatever the
// host: the request goes out exactly as the SDK made it, Host included.
// hosts collects the Host of every request sent.
func (e *testEnv) s3control(t *testing.T, hosts *[]string) *s3control.Client {
	t.Helper()
	u, err := url.Parse(e.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	tr := e.ts.Client().Transport.(*http.Transport).Clone()
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, u.Host)
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(e.akid, e.sec, ""),
		HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			*hosts = append(*hosts, r.URL.Host)
			return tr.RoundTrip(r)
		})},
		Retryer:                    func() aws.Retryer { return aws.NopRetryer{} },
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}
	return s3control.NewFromConfig(cfg, func(o *s3control.Options) { o.BaseEndpoint = aws.String(e.ts.URL) })
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestClientsS3ControlPublicAccessBlock drives the account-level Block
// Public Access with aws-sdk-go-v2's s3control client, host prefix and
// all, and checks its effect on a bucket through the s3 client.
func TestClientsS3ControlPublicAccessBlock(t *testing.T) {
	e := startServer(t, false, nil)
	ctx := t.Context()
	acct := e.srv.Root().AccountID
	var hosts []string
	ctl := e.s3control(t, &hosts)
	// Every request went to the account's host, as the SDK addresses it.
	wantHost := func(account string) {
		t.Helper()
		if len(hosts) == 0 || !strings.HasPrefix(hosts[len(hosts)-1], account+".127.0.0.1:") {
			t.Fatalf("S3 Control hosts %q, want the last under %s.", hosts, account)
		}
	}
	s3c := e.sdk(t)

	_, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(acct)})
	var none *ctltypes.NoSuchPublicAccessBlockConfiguration
	if !errors.As(err, &none) || none.ErrorMessage() != "The public access block configuration was not found" {
		t.Fatalf("GetPublicAccessBlock before any: %v", err)
	}
	_, err = ctl.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{
		AccountId: aws.String(acct),
		PublicAccessBlockConfiguration: &ctltypes.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true),
		},
	})
	if err != nil {
		t.Fatalf("PutPublicAccessBlock: %v", err)
	}
	wantHost(acct)
	got, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(acct)})
	if err != nil {
		t.Fatalf("GetPublicAccessBlock: %v", err)
	}
	c := got.PublicAccessBlockConfiguration
	if !aws.ToBool(c.BlockPublicAcls) || aws.ToBool(c.IgnorePublicAcls) || !aws.ToBool(c.BlockPublicPolicy) || aws.ToBool(c.RestrictPublicBuckets) {
		t.Fatalf("configuration %+v", c)
	}

	// A bucket whose own settings are off is held by the account's.
	must[*s3.CreateBucketOutput](t, "CreateBucket")(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ctl"), ObjectOwnership: types.ObjectOwnershipObjectWriter}))
	must[*s3.DeletePublicAccessBlockOutput](t, "DeletePublicAccessBlock")(s3c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("ctl")}))
	_, err = s3c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("ctl"), ACL: types.BucketCannedACLPublicRead})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("PutBucketAcl public-read under the account's BlockPublicAcls: %v", err)
	}
	_, err = s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("ctl"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::ctl/*"}]}`)})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("PutBucketPolicy public under the account's BlockPublicPolicy: %v", err)
	}

	// Another account is refused with S3 Control's AccessDenied.
	_, err = ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String("999999999999")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || ae.ErrorMessage() != "Access Denied" {
		t.Fatalf("another account: %v", err)
	}
	wantHost("999999999999")
	if _, err := ctl.DeletePublicAccessBlock(ctx, &s3control.DeletePublicAccessBlockInput{AccountId: aws.String("999999999999")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("Delete for another account: %v", err)
	}

	if _, err := ctl.DeletePublicAccessBlock(ctx, &s3control.DeletePublicAccessBlockInput{AccountId: aws.String(acct)}); err != nil {
		t.Fatalf("DeletePublicAccessBlock: %v", err)
	}
	must[*s3.PutBucketAclOutput](t, "PutBucketAcl after the account's Delete")(s3c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("ctl"), ACL: types.BucketCannedACLPublicRead}))
	if _, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(acct)}); !errors.As(err, &none) {
		t.Fatalf("GetPublicAccessBlock after Delete: %v", err)
	}
}
