package access

import (
	"testing"

	"signet/internal/iam"
	"signet/internal/policy"
	"signet/internal/sts"
)

// Managed session policies (PolicyArns) narrow a session to the
// intersection of its identity policies and the union of its session
// policies, inline and managed; the managed documents are read as they
// stand when a request is judged, so a policy deleted since grants nothing.
func TestManagedSessionPolicies(t *testing.T) {
	f := newFixture(t)
	svc, err := sts.New(sts.Config{Store: f.store, Sealer: f.sealer, Clock: f.clk, Account: acct, Policies: f.iam})
	if err != nil {
		t.Fatal(err)
	}
	alice := f.user(t, "alice", "")
	f.putUserPolicy(t, "alice", "all", doc(allowAll))
	role := f.role(t, "worker", "")
	f.putRolePolicy(t, "worker", "s3", doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`))
	f.bucket(t, "b")
	putOnly, err := f.iam.CreatePolicy(bg, iam.CreatePolicyInput{Name: "PutOnly", Document: doc(`{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}`)})
	if err != nil {
		t.Fatal(err)
	}
	readOnly := iam.AWSPolicyARN("AmazonS3ReadOnlyAccess")

	decide := func(t *testing.T, c sts.Credentials, action string) policy.Effect {
		t.Helper()
		d, err := f.authz.Decide(req("GET", "/b/k"), header(f.session(t, c)), action, obj("b", "k"))
		if err != nil {
			t.Fatal(err)
		}
		return d.Effect
	}
	assume := func(t *testing.T, inline string, arns ...string) sts.Credentials {
		t.Helper()
		c, _, err := svc.AssumeRole(bg, alice.Principal, sts.AssumeRoleInput{RoleARN: sts.RoleARN(acct, role), RoleSessionName: "sess", Policy: inline, PolicyARNs: arns})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	ro := assume(t, "", readOnly)
	if e := decide(t, ro, "s3:GetObject"); e != policy.Allow {
		t.Errorf("read-only role session GetObject: %v, want Allow", e)
	}
	if e := decide(t, ro, "s3:PutObject"); e == policy.Allow {
		t.Errorf("read-only role session PutObject: Allow")
	}
	// Inline and managed together: the union of the two, within the role's.
	both := assume(t, doc(`{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"*"}`), putOnly.ARN)
	for action, want := range map[string]bool{"s3:PutObject": true, "s3:DeleteObject": true, "s3:GetObject": false} {
		if got := decide(t, both, action) == policy.Allow; got != want {
			t.Errorf("inline+managed session %s allowed = %v, want %v", action, got, want)
		}
	}
	// A federation token with only a managed session policy gets it.
	fc, _, err := svc.GetFederationToken(bg, alice.Principal, "fed", "", 0, readOnly)
	if err != nil {
		t.Fatal(err)
	}
	if e := decide(t, fc, "s3:GetObject"); e != policy.Allow {
		t.Errorf("federation token with a managed session policy GetObject: %v, want Allow", e)
	}
	if e := decide(t, fc, "s3:PutObject"); e == policy.Allow {
		t.Errorf("federation token with AmazonS3ReadOnlyAccess PutObject: Allow")
	}
	// The managed document is read when judged: delete PutOnly, and the
	// session that named it (alone) has nothing left.
	putSess := assume(t, "", putOnly.ARN)
	if e := decide(t, putSess, "s3:PutObject"); e != policy.Allow {
		t.Fatalf("PutOnly session PutObject: %v, want Allow", e)
	}
	if err := f.iam.DeletePolicy(bg, putOnly.ARN); err != nil {
		t.Fatal(err)
	}
	if e := decide(t, putSess, "s3:PutObject"); e == policy.Allow {
		t.Errorf("session whose only managed session policy was deleted: PutObject still allowed")
	}
}
