package server_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestClientsAWSSDKACLs: aws-sdk-go-v2 reads and writes Object Ownership,
// Block Public Access, ACLs and policy status as it does against AWS, and
// an object it makes public-read is served to an unsigned GET.
func TestClientsAWSSDKACLs(t *testing.T) {
	e := startServer(t, false, nil)
	ctx := t.Context()
	c := e.sdk(t)
	bucket := aws.String("sdk-acl")
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket, ObjectOwnership: types.ObjectOwnershipObjectWriter}))

	oc := must[*s3.GetBucketOwnershipControlsOutput](t, "GetBucketOwnershipControls")(c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: bucket}))
	if r := oc.OwnershipControls.Rules; len(r) != 1 || r[0].ObjectOwnership != types.ObjectOwnershipObjectWriter {
		t.Fatalf("ownership controls %+v", oc.OwnershipControls)
	}
	pab := must[*s3.GetPublicAccessBlockOutput](t, "GetPublicAccessBlock")(c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bucket}))
	if p := pab.PublicAccessBlockConfiguration; !aws.ToBool(p.BlockPublicAcls) || !aws.ToBool(p.IgnorePublicAcls) || !aws.ToBool(p.BlockPublicPolicy) || !aws.ToBool(p.RestrictPublicBuckets) {
		t.Fatalf("a new bucket's public access block %+v", p)
	}
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("k"), Body: bytes.NewReader([]byte("x")), ACL: types.ObjectCannedACLPublicRead})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("public-read under BlockPublicAcls: %v", err)
	}
	must[*s3.PutPublicAccessBlockOutput](t, "PutPublicAccessBlock")(c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: bucket,
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicPolicy: aws.Bool(true)}}))
	body := []byte("public bytes")
	must[*s3.PutObjectOutput](t, "PutObject public-read")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("k"), Body: bytes.NewReader(body), ACL: types.ObjectCannedACLPublicRead}))
	acl := must[*s3.GetObjectAclOutput](t, "GetObjectAcl")(c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: bucket, Key: aws.String("k")}))
	if len(acl.Grants) != 2 || acl.Grants[1].Grantee.Type != types.TypeGroup || aws.ToString(acl.Grants[1].Grantee.URI) != "http://acs.amazonaws.com/groups/global/AllUsers" ||
		acl.Grants[1].Permission != types.PermissionRead || aws.ToString(acl.Owner.ID) != aws.ToString(acl.Grants[0].Grantee.ID) {
		t.Fatalf("GetObjectAcl %+v", acl)
	}
	resp, err := http.Get(e.ts.URL + "/sdk-acl/k")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, body) {
		t.Fatalf("unsigned GET of a public-read object: %d %q", resp.StatusCode, got)
	}

	// The bucket ACL, by grant: the SDK sends the grant header.
	must[*s3.PutBucketAclOutput](t, "PutBucketAcl")(c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: bucket, GrantRead: aws.String(`uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"`)}))
	bacl := must[*s3.GetBucketAclOutput](t, "GetBucketAcl")(c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: bucket}))
	if len(bacl.Grants) != 1 || aws.ToString(bacl.Grants[0].Grantee.URI) != "http://acs.amazonaws.com/groups/global/AuthenticatedUsers" {
		t.Fatalf("GetBucketAcl %+v", bacl.Grants)
	}

	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: bucket, Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::sdk-acl/*"}]}`)})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("a public policy under BlockPublicPolicy: %v", err)
	}
	must[*s3.PutBucketPolicyOutput](t, "PutBucketPolicy")(c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: bucket, Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::sdk-acl/*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}`)}))
	st := must[*s3.GetBucketPolicyStatusOutput](t, "GetBucketPolicyStatus")(c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: bucket}))
	if aws.ToBool(st.PolicyStatus.IsPublic) {
		t.Fatalf("a policy limited to CIDRs is public")
	}

	must[*s3.DeletePublicAccessBlockOutput](t, "DeletePublicAccessBlock")(c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: bucket}))
	if _, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bucket}); apiCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Fatalf("GetPublicAccessBlock after delete: %v", err)
	}
	must[*s3.DeleteBucketOwnershipControlsOutput](t, "DeleteBucketOwnershipControls")(c.DeleteBucketOwnershipControls(ctx, &s3.DeleteBucketOwnershipControlsInput{Bucket: bucket}))
	if _, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: bucket}); apiCode(err) != "OwnershipControlsNotFoundError" {
		t.Fatalf("GetBucketOwnershipControls after delete: %v", err)
	}
	_, err = c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: bucket,
		OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerEnforced}}}})
	if apiCode(err) != "InvalidBucketAclWithObjectOwnership" {
		t.Fatalf("BucketOwnerEnforced over a bucket ACL granting others: %v", err)
	}
}
