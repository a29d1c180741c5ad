package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"signet/internal/adminwire"
	"signet/internal/clock"
	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// Adversarial section: condition keys per action. A Deny conditioned on a
// key AWS supplies for an action must bite in signet too: a key left out
// of the request context makes StringEquals/ArnEquals fail, so the Deny
// silently does not apply and the attacker gets what it forbids.

const adminAccessARN = "arn:aws:iam::aws:policy/AdministratorAccess"

// delegatedAdmin may manage IAM but never hand out AdministratorAccess:
// the usual guard, a Deny on iam:PolicyARN.
const delegatedAdmin = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["iam:*","s3:*"],"Resource":"*"},
 {"Sid":"NoAdmin","Effect":"Deny","Action":["iam:AttachUserPolicy","iam:AttachRolePolicy"],"Resource":"*",
  "Condition":{"ArnEquals":{"iam:PolicyARN":"` + adminAccessARN + `"}}}]}`

func TestAdversarialCondKeysDelegatedAdminCannotAttachAdministratorAccess(t *testing.T) {
	e := startLimitedServer(t, clock.NewFake(t0), nil)
	u := newQueryUser(t, e, "delegate", delegatedAdmin)

	msg := e.queryErr(t, "iam", u, 403, "AccessDenied", "Action", "AttachUserPolicy", "UserName", "delegate", "PolicyArn", adminAccessARN)
	if !strings.Contains(msg, "iam:AttachUserPolicy") {
		t.Errorf("AccessDenied message %q does not name the action", msg)
	}
	// ArnLike with a wildcard is the other common spelling of the guard.
	e.okCall(t, "iam", e.root(), nil, "Action", "CreateRole", "RoleName", "target", "AssumeRolePolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+e.accountID(t)+`"},"Action":"sts:AssumeRole"}]}`)
	e.queryErr(t, "iam", u, 403, "AccessDenied", "Action", "AttachRolePolicy", "RoleName", "target", "PolicyArn", adminAccessARN)
	// The guard names one policy: every other one may still be attached.
	e.okCall(t, "iam", u, nil, "Action", "AttachUserPolicy", "UserName", "delegate", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")

	var attached struct {
		Result struct {
			AttachedPolicies struct {
				Member []struct{ PolicyArn string } `xml:"member"`
			}
		} `xml:"ListAttachedUserPoliciesResult"`
	}
	e.okCall(t, "iam", e.root(), &attached, "Action", "ListAttachedUserPolicies", "UserName", "delegate")
	for _, m := range attached.Result.AttachedPolicies.Member {
		if m.PolicyArn == adminAccessARN {
			t.Fatalf("the delegate attached %s to itself", adminAccessARN)
		}
	}
}

// newQueryUser creates an IAM user with one key and an inline policy.
func newQueryUser(t *testing.T, e *testEnv, name, policy string) sigv4.Credentials {
	t.Helper()
	e.okCall(t, "iam", e.root(), nil, "Action", "CreateUser", "UserName", name)
	var key struct {
		Result struct {
			AccessKey struct{ AccessKeyId, SecretAccessKey string }
		} `xml:"CreateAccessKeyResult"`
	}
	e.okCall(t, "iam", e.root(), &key, "Action", "CreateAccessKey", "UserName", name)
	e.okCall(t, "iam", e.root(), nil, "Action", "PutUserPolicy", "UserName", name, "PolicyName", "p", "PolicyDocument", policy)
	return sigv4.Credentials{AccessKeyID: key.Result.AccessKey.AccessKeyId, SecretAccessKey: secret.New(key.Result.AccessKey.SecretAccessKey)}
}

func (e *testEnv) accountID(t *testing.T) string {
	t.Helper()
	var id struct {
		Result struct{ Account string } `xml:"GetCallerIdentityResult"`
	}
	e.okCall(t, "sts", e.root(), &id, "Action", "GetCallerIdentity")
	return id.Result.Account
}

// S3 keys that signet did not fill in: each Deny below must refuse the
// request it names and let the same request without the key through.
func TestAdversarialCondKeysS3DeniesBite(t *testing.T) {
	a := newAdvEnv(t)
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/adv?policy", nil, []byte(`{"Version":"2012-10-17","Statement":[
 {"Sid":"NoCopyOfOther","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::adv/*",
  "Condition":{"StringLike":{"s3:x-amz-copy-source":"adv/other*"}}},
 {"Sid":"KeepMetadata","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::adv/*",
  "Condition":{"StringEquals":{"s3:x-amz-metadata-directive":"REPLACE"}}},
 {"Sid":"NoListingHere","Effect":"Deny","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::adv",
  "Condition":{"StringEquals":{"aws:RequestedRegion":"`+region+`"}}}]}`)), 204)
	defer a.mustStatus(t, a.rootHeader(t, http.MethodDelete, "/adv?policy", nil, nil), 204)

	copyFrom := func(src, directive string) advReq {
		h := http.Header{"X-Amz-Copy-Source": {src}}
		if directive != "" {
			h.Set("X-Amz-Metadata-Directive", directive)
		}
		return a.signedHeaderReq(t, http.MethodPut, "/adv/copy", a.alice, h, nil, "", a.fake.Now())
	}
	for _, c := range []struct {
		name   string
		req    advReq
		status int
	}{
		{"copy of a denied source", copyFrom("/adv/other", ""), 403},
		{"copy of a denied source, encoded", copyFrom("adv/%6Fther", ""), 403},
		{"copy with a denied metadata directive", copyFrom("/adv/obj", "REPLACE"), 403},
		{"listing in a region the policy refuses", a.signedHeaderReq(t, http.MethodGet, "/adv?list-type=2", a.alice, nil, nil, "", a.fake.Now()), 403},
		// The same requests without the key's value pass.
		{"copy of an allowed source", copyFrom("/adv/obj", "COPY"), 200},
		{"GET an object", a.signedHeaderReq(t, http.MethodGet, "/adv/obj", a.alice, nil, nil, "", a.fake.Now()), 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := a.send(t, c.req)
			if r.status != c.status {
				t.Fatalf("want %d\n%s", c.status, r)
			}
			if c.status == 403 {
				if code, _ := errorCode(r.body); code != "AccessDenied" {
					t.Fatalf("want AccessDenied\n%s", r)
				}
			}
		})
	}
	a.mustStatus(t, a.rootHeader(t, http.MethodDelete, "/adv/copy", nil, nil), 204)
}

// The README's statement that refuses SigV2: SigV2 URLs have no 7-day cap
// and s3:signatureAge does not limit them (it is 0 for SigV2), so a
// bucket that must cap URL age refuses SigV2 outright.
const refuseSigV2 = `{"Version":"2012-10-17","Statement":[{"Sid":"RefuseSigV2","Effect":"Deny","Principal":"*","Action":"s3:*",
 "Resource":["arn:aws:s3:::adv","arn:aws:s3:::adv/*"],"Condition":{"StringEquals":{"s3:signatureversion":"AWS"}}}]}`

func TestAdversarialCondKeysSigV2RefusedBySignatureVersion(t *testing.T) {
	a := newAdvEnv(t)
	// A SigV2 URL may be signed for years ahead: nothing caps it.
	v2, err := sigv2.Presign(sigv2.PresignInput{
		Method: http.MethodGet, URL: "http://" + a.host + "/adv/obj", AccessKeyID: a.alice.AccessKeyID,
		SecretAccessKey: a.alice.SecretAccessKey, Expires: t0.Add(3 * 365 * 24 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	a.mustStatus(t, advReq{method: http.MethodGet, target: target(v2)}, 200)
	// s3:signatureAge does not stop it: it reads 0 for SigV2.
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/adv?policy", nil, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",
 "Resource":"arn:aws:s3:::adv/*","Condition":{"NumericGreaterThan":{"s3:signatureAge":"600000"}}}]}`)), 204)
	a.fake.Advance(24 * time.Hour)
	a.mustStatus(t, advReq{method: http.MethodGet, target: target(v2)}, 200)
	a.fake.Set(t0)

	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/adv?policy", nil, []byte(refuseSigV2)), 204)
	defer a.mustStatus(t, a.rootHeader(t, http.MethodDelete, "/adv?policy", nil, nil), 204)
	r := a.mustStatus(t, advReq{method: http.MethodGet, target: target(v2)}, 403)
	if code, _ := errorCode(r.body); code != "AccessDenied" {
		t.Fatalf("want AccessDenied\n%s", r)
	}
	// SigV4, presigned or header-signed, is untouched.
	a.mustStatus(t, advReq{method: http.MethodGet, target: a.presign(t, http.MethodGet, "/adv/obj", a.alice, time.Hour)}, 200)
	a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/adv/obj", a.alice, nil, nil, "", a.fake.Now()), 200)
}

// A policy naming a key signet never supplies is accepted, as on AWS, but
// the server log warns when it is written, and the dry run names the key
// when it explains a decision.
func TestAdversarialCondKeysUnsuppliedKeyIsNamed(t *testing.T) {
	a := newAdvEnv(t)
	const vpcOnly = `{"Version":"2012-10-17","Statement":[{"Sid":"VpcOnly","Effect":"Deny","Principal":"*","Action":"s3:GetObject",
 "Resource":"arn:aws:s3:::adv/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}`
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/adv?policy", nil, []byte(vpcOnly)), 204)
	defer a.mustStatus(t, a.rootHeader(t, http.MethodDelete, "/adv?policy", nil, nil), 204)
	logs := a.logs.String()
	if !strings.Contains(logs, "aws:SourceVpce") || !strings.Contains(logs, "never supplies") {
		t.Fatalf("no warning naming aws:SourceVpce in the server log:\n%s", logs)
	}

	a.okCall(t, "iam", a.root(), nil, "Action", "PutUserPolicy", "UserName", "bob", "PolicyName", "typo", "PolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:signatureVersoin":"AWS"}}}]}`)
	if logs := a.logs.String(); !strings.Contains(logs, "s3:signatureVersoin") {
		t.Fatalf("no warning naming the misspelt key s3:signatureVersoin:\n%s", logs)
	}

	u := "http://" + a.host + a.presign(t, http.MethodGet, "/adv/obj", a.alice, time.Hour)
	x := a.explain(t, adminwire.ExplainRequest{URL: u})
	if x.Verdict != adminwire.VerdictValid {
		t.Fatalf("verdict %s (%s): %s", x.Verdict, x.Reason, x.Message)
	}
	if !strings.Contains(x.Message, "aws:SourceVpce") || !strings.Contains(x.Message, "VpcOnly") {
		t.Fatalf("the explanation does not name the unsupplied key and its statement: %s", x.Message)
	}
}

// s3:locationconstraint comes from CreateBucket's body, which AWS reads
// before it authorises.
func TestAdversarialCondKeysLocationConstraintFromBody(t *testing.T) {
	a := newAdvEnv(t)
	u := newQueryUser(t, a.testEnv, "builder", `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"s3:*","Resource":"*"},
 {"Sid":"NoExplicitRegion","Effect":"Deny","Action":"s3:CreateBucket","Resource":"*","Condition":{"StringEquals":{"s3:locationconstraint":"`+region+`"}}}]}`)
	body := []byte(`<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>` + region + `</LocationConstraint></CreateBucketConfiguration>`)
	r := a.mustStatus(t, a.signedHeaderReq(t, http.MethodPut, "/withregion", u, nil, body, "", a.fake.Now()), 403)
	if code, _ := errorCode(r.body); code != "AccessDenied" {
		t.Fatalf("want AccessDenied\n%s", r)
	}
	a.mustStatus(t, a.signedHeaderReq(t, http.MethodPut, "/noregion", u, nil, nil, "", a.fake.Now()), 200)
}
