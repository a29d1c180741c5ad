package server_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"signet/internal/adminclient"
	"signet/internal/adminwire"
	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// POST /_signet/admin/v1/explain end to end in process: real IAM and STS
// calls set each situation up on a fake clock, and the explanation must
// name the reason the server acts on, with the identities and times.

func (e *testEnv) adminAs(c sigv4.Credentials) *adminclient.Client {
	u, _ := url.Parse(e.ts.URL)
	return &adminclient.Client{Endpoint: u, Credentials: adminclient.StaticCredentials(c), HTTP: e.httpc, Now: e.fake.Now}
}

// explain asks as root and fails the test on an error.
func (e *testEnv) explain(t *testing.T, in adminwire.ExplainRequest) *adminwire.Explanation {
	t.Helper()
	ex, err := e.adminAs(e.root()).Explain(t.Context(), in)
	if err != nil {
		t.Fatalf("Explain: %v", err)
	}
	return ex
}

// presignFor signs method on life/cat with c and the given signed headers.
func (ie *identityEnv) presignFor(t *testing.T, method string, c sigv4.Credentials, expires time.Duration, h http.Header) string {
	t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: method, URL: ie.ts.URL + "/life/cat", Credentials: c, Region: region, Service: "s3",
		Time: ie.fake.Now(), Expires: expires, Header: h, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// presignPath signs a GET of path (/bucket/key) for an hour with c.
func (ie *identityEnv) presignPath(t *testing.T, path string, c sigv4.Credentials) string {
	t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: http.MethodGet, URL: ie.ts.URL + path, Credentials: c, Region: region, Service: "s3",
		Time: ie.fake.Now(), Expires: time.Hour, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (ie *identityEnv) iam(t *testing.T, kv ...string) {
	t.Helper()
	ie.okCall(t, "iam", ie.root(), nil, kv...)
}

func stampOf(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }

func timeIs(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil || !got.Equal(want) {
		t.Errorf("%s = %v, want %s", what, got, want.Format(time.RFC3339))
	}
}

// lineOf is the 1-based number of the first line of s starting with prefix.
func lineOf(s, prefix string) int {
	for i, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	return 0
}

type explainCase struct {
	name string
	// setup builds the situation and returns what to explain.
	setup   func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest
	reason  string
	message []string // fragments the message must hold
	// errCode is the AWS error the server would answer ("" when valid).
	errCode string
	check   func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation)
}

func TestExplainReasons(t *testing.T) {
	week := 7 * 24 * time.Hour
	revoke := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],` +
		`"Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + stampOf(5*time.Minute) + `"}}}]}`
	var orphanURL string // the "owner deleted" case's URL, explained again in its check
	cases := []explainCase{
		{name: "valid user key", reason: adminwire.ReasonValid,
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				return adminwire.ExplainRequest{URL: ie.presign(t, ie.alice, time.Hour)}
			},
			message: []string{"valid", "IAM user alice's key " + "AKIA", stampOf(time.Hour), "1h from now", "its own window ends"},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				if ex.Verdict != adminwire.VerdictValid || ex.Error != nil {
					t.Errorf("verdict %q, error %+v", ex.Verdict, ex.Error)
				}
				p, c := ex.Principal, ex.Credential
				if p == nil || p.Type != "user" || p.UserName != "alice" || !strings.HasSuffix(p.ARN, ":user/alice") {
					t.Errorf("principal %+v", p)
				}
				if c == nil || c.AccessKeyID != ie.alice.AccessKeyID || c.Kind != "long-term" || c.Status != "active" || c.UserName != "alice" || c.Expires != nil {
					t.Errorf("credential %+v", c)
				}
				timeIs(t, "credential issued", c.Issued, t0)
				timeIs(t, "expires_at", ex.ExpiresAt, t0.Add(time.Hour))
				timeIs(t, "effective_expires_at", ex.EffectiveExpiresAt, t0.Add(time.Hour))
				if ex.LimitedBy != "url" || ex.Action != "s3:GetObject" || ex.Resource != "arn:aws:s3:::life/cat" || !ex.Now.Equal(t0) {
					t.Errorf("limited_by %q, action %q on %q, now %s", ex.LimitedBy, ex.Action, ex.Resource, ex.Now)
				}
			}},
		{name: "valid role session", reason: adminwire.ReasonValid,
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				sess := ie.assume(t, ie.alice, ie.roleARN, "ci", 3600)
				return adminwire.ExplainRequest{URL: ie.presign(t, sess.sig(), 3*time.Hour)}
			},
			message: []string{"role session reader/ci (ASIA", "until " + stampOf(time.Hour), "credentials that signed it expire, 2h before its own window ends at " + stampOf(3*time.Hour)},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				p, c := ex.Principal, ex.Credential
				if p == nil || p.Type != "assumed-role" || p.RoleName != "reader" || p.SessionName != "ci" || p.RoleARN != ie.roleARN ||
					!strings.HasSuffix(p.ARN, ":assumed-role/reader/ci") {
					t.Errorf("principal %+v", p)
				}
				if c == nil || c.Kind != "temporary" || c.Status != "active" || !strings.HasPrefix(c.AccessKeyID, "ASIA") {
					t.Errorf("credential %+v", c)
				}
				timeIs(t, "credential issued", c.Issued, t0)
				timeIs(t, "credential expires", c.Expires, t0.Add(time.Hour))
				timeIs(t, "expires_at", ex.ExpiresAt, t0.Add(3*time.Hour))
				timeIs(t, "effective_expires_at", ex.EffectiveExpiresAt, t0.Add(time.Hour))
				if ex.LimitedBy != "credentials" {
					t.Errorf("limited_by %q", ex.LimitedBy)
				}
			}},
		{name: "url expired", reason: adminwire.ReasonURLExpired, errCode: "AccessDenied",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				u := ie.presign(t, ie.alice, time.Hour)
				ie.fake.Set(t0.Add(3 * time.Hour))
				return adminwire.ExplainRequest{URL: u}
			},
			message: []string{"ended at " + stampOf(time.Hour), "X-Amz-Date " + stampOf(0), "X-Amz-Expires 3600s", "2h ago"},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				if ex.Error.Status != 403 || ex.Error.Message != "Request has expired" {
					t.Errorf("error %+v", ex.Error)
				}
				if ex.Credential == nil || ex.Credential.Status != "active" || ex.LimitedBy != "url" {
					t.Errorf("credential %+v, limited by %q", ex.Credential, ex.LimitedBy)
				}
			}},
		{name: "not yet valid", reason: adminwire.ReasonNotYetValid, errCode: "AccessDenied",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				u := ie.presign(t, ie.alice, time.Hour)
				ie.fake.Set(t0.Add(-90 * time.Second))
				return adminwire.ExplainRequest{URL: u}
			},
			message: []string{"dated " + stampOf(0), "1m30s after the server's time " + stampOf(-90*time.Second)}},
		{name: "expires over the limit", reason: adminwire.ReasonExpiresOverLimit, errCode: "AuthorizationQueryParametersError",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				return adminwire.ExplainRequest{URL: ie.presign(t, ie.alice, week+time.Second)}
			},
			message: []string{"604801 seconds", "at most 7 days"},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				timeIs(t, "expires_at", ex.ExpiresAt, t0.Add(week+time.Second))
				if ex.EffectiveExpiresAt != nil || ex.Principal == nil || ex.Principal.UserName != "alice" {
					t.Errorf("effective %v, principal %+v", ex.EffectiveExpiresAt, ex.Principal)
				}
			}},
		{name: "session expired", reason: adminwire.ReasonSessionExpired, errCode: "ExpiredToken",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				sess := ie.assume(t, ie.alice, ie.roleARN, "short", 3600)
				u := ie.presign(t, sess.sig(), 2*time.Hour)
				ie.fake.Set(t0.Add(90 * time.Minute))
				return adminwire.ExplainRequest{URL: u}
			},
			message: []string{"Role session reader/short", "expired at " + stampOf(time.Hour), "30m ago", "1h before the URL's own window ends at " + stampOf(2*time.Hour)},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				if ex.Credential.Status != "expired" || ex.LimitedBy != "credentials" {
					t.Errorf("credential %+v, limited by %q", ex.Credential, ex.LimitedBy)
				}
				timeIs(t, "effective_expires_at", ex.EffectiveExpiresAt, t0.Add(time.Hour))
			}},
		{name: "session terminated", reason: adminwire.ReasonSessionTerminated, errCode: "ExpiredToken",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				sess := ie.assume(t, ie.alice, ie.roleARN, "ended", 3600)
				u := ie.presign(t, sess.sig(), 2*time.Hour)
				ie.fake.Set(t0.Add(10 * time.Minute))
				if _, err := ie.adminAs(ie.root()).Terminate(t.Context(), sess.AccessKeyId); err != nil {
					t.Fatal(err)
				}
				ie.fake.Set(t0.Add(25 * time.Minute))
				return adminwire.ExplainRequest{URL: u}
			},
			message: []string{"Role session reader/ended", "terminated at " + stampOf(10*time.Minute), "15m ago", "before its expiry at " + stampOf(time.Hour)},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				if ex.Credential.Status != "terminated" {
					t.Errorf("credential %+v", ex.Credential)
				}
				timeIs(t, "terminated_at", ex.Credential.TerminatedAt, t0.Add(10*time.Minute))
				timeIs(t, "effective_expires_at", ex.EffectiveExpiresAt, t0.Add(10*time.Minute))
			}},
		{name: "owner deleted", reason: adminwire.ReasonOwnerDeleted, errCode: "InvalidToken",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				sess := ie.assume(t, ie.alice, ie.roleARN, "orphan", 3600)
				orphanURL = ie.presign(t, sess.sig(), time.Hour)
				ie.deleteReader(t)
				return adminwire.ExplainRequest{URL: orphanURL}
			},
			message: []string{"Role session reader/orphan", "was issued for role reader (AROA", "which was deleted;", "unique ID", "InvalidToken"},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				if ex.Error.Status != 400 || ex.Credential == nil || ex.Credential.Kind != "temporary" {
					t.Errorf("error %+v, credential %+v", ex.Error, ex.Credential)
				}
				// Re-created under the same name: the session's owner is
				// still gone, and the message names the newcomer.
				ie.createReader(t, ie.trustAccount())
				again := ie.explain(t, adminwire.ExplainRequest{URL: orphanURL})
				if again.Reason != adminwire.ReasonOwnerDeleted || !strings.Contains(again.Message, "is a new one (AROA") || !strings.Contains(again.Message, "does not inherit its sessions") {
					t.Errorf("after re-creation: %s: %s", again.Reason, again.Message)
				}
			}},
		{name: "older sessions revoked", reason: adminwire.ReasonSessionsRevoked, errCode: "AccessDenied",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				sess := ie.assume(t, ie.alice, ie.roleARN, "old", 3600)
				u := ie.presign(t, sess.sig(), time.Hour)
				ie.fake.Set(t0.Add(5 * time.Minute))
				ie.iam(t, "Action", "PutRolePolicy", "RoleName", "reader", "PolicyName", "AWSRevokeOlderSessions", "PolicyDocument", revoke)
				ie.fake.Set(t0.Add(6 * time.Minute))
				return adminwire.ExplainRequest{URL: u}
			},
			message: []string{"Role session reader/old", "issued at " + stampOf(0), "of identity policy AWSRevokeOlderSessions of role reader",
				"aws:TokenIssueTime is DateLessThan " + stampOf(5*time.Minute), "revoke older sessions"},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				s := ex.Statement
				if s == nil || s.Policy != "AWSRevokeOlderSessions" || s.Kind != "identity" || s.Index != 0 || s.Effect != "Deny" {
					t.Errorf("statement %+v", s)
				}
				// A session issued after the revocation is not revoked.
				fresh := ie.assume(t, ie.alice, ie.roleARN, "new", 3600)
				if ex := ie.explain(t, adminwire.ExplainRequest{URL: ie.presign(t, fresh.sig(), time.Hour)}); ex.Reason != adminwire.ReasonValid {
					t.Errorf("session issued after the revocation: %s: %s", ex.Reason, ex.Message)
				}
			}},
		{name: "key inactive", reason: adminwire.ReasonKeyInactive, errCode: "InvalidAccessKeyId",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				u := ie.presign(t, ie.alice, time.Hour)
				ie.iam(t, "Action", "UpdateAccessKey", "UserName", "alice", "AccessKeyId", ie.alice.AccessKeyID, "Status", "Inactive")
				return adminwire.ExplainRequest{URL: u}
			},
			message: []string{"IAM user alice's key " + "AKIA", "is inactive", "Active again"},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				if c := ex.Credential; c.Status != "inactive" || c.UserName != "alice" || c.Kind != "long-term" {
					t.Errorf("credential %+v", c)
				}
				if p := ex.Principal; p == nil || !strings.HasSuffix(p.ARN, ":user/alice") {
					t.Errorf("principal %+v", p)
				}
				if ex.EffectiveExpiresAt != nil {
					t.Errorf("effective expiry %v for a key that does not sign", ex.EffectiveExpiresAt)
				}
			}},
		{name: "key deleted", reason: adminwire.ReasonKeyUnknown, errCode: "InvalidAccessKeyId",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				u := ie.presign(t, ie.alice, 3*time.Hour)
				ie.fake.Set(t0.Add(time.Hour))
				ie.iam(t, "Action", "DeleteAccessKey", "UserName", "alice", "AccessKeyId", ie.alice.AccessKeyID)
				ie.fake.Set(t0.Add(2 * time.Hour))
				return adminwire.ExplainRequest{URL: u}
			},
			message: []string{"IAM user alice's key", "was deleted at " + stampOf(time.Hour), "1h ago"},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				if c := ex.Credential; c.Status != "deleted" || c.UserName != "alice" {
					t.Errorf("credential %+v", c)
				}
				timeIs(t, "deleted_at", ex.Credential.DeletedAt, t0.Add(time.Hour))
			}},
		{name: "user deleted", reason: adminwire.ReasonKeyUnknown, errCode: "InvalidAccessKeyId",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				u := ie.presign(t, ie.alice, time.Hour)
				ie.fake.Set(t0.Add(time.Minute))
				ie.iam(t, "Action", "DeleteAccessKey", "UserName", "alice", "AccessKeyId", ie.alice.AccessKeyID)
				ie.iam(t, "Action", "DeleteUserPolicy", "UserName", "alice", "PolicyName", "all")
				ie.iam(t, "Action", "DeleteUser", "UserName", "alice")
				// A new alice is another user: the key was not hers.
				ie.iam(t, "Action", "CreateUser", "UserName", "alice")
				return adminwire.ExplainRequest{URL: u}
			},
			message: []string{"deleted at " + stampOf(time.Minute), "IAM user alice has been deleted since"},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				if c := ex.Credential; c.Status != "user_deleted" || c.UserName != "alice" {
					t.Errorf("credential %+v", c)
				}
				if p := ex.Principal; p == nil || p.ARN != "" || p.UserName != "alice" {
					t.Errorf("principal %+v: the new alice must not be named", p)
				}
			}},
		{name: "unknown key", reason: adminwire.ReasonKeyUnknown, errCode: "InvalidAccessKeyId",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				ghost := sigv4.Credentials{AccessKeyID: "AKIAGHOSTGHOSTGHOST1", SecretAccessKey: secret.New("not-a-real-secret")}
				return adminwire.ExplainRequest{URL: ie.presign(t, ghost, time.Hour)}
			},
			message: []string{"AKIAGHOSTGHOSTGHOST1 was never issued by this server"},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				if c := ex.Credential; c.Status != "unknown" || ex.Principal != nil {
					t.Errorf("credential %+v, principal %+v", c, ex.Principal)
				}
			}},
		{name: "explicit deny", reason: adminwire.ReasonPolicyDenied, errCode: "AccessDenied",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				ie.iam(t, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "no-cats", "PolicyDocument",
					`{"Version":"2012-10-17","Statement":[{"Sid":"Dogs","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"NoCats","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::life/cat"}]}`)
				return adminwire.ExplainRequest{URL: ie.presign(t, ie.alice, time.Hour)}
			},
			message: []string{"is denied s3:GetObject on arn:aws:s3:::life/cat", `statement "NoCats" (#1) of identity policy no-cats of user alice`},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				s := ex.Statement
				if s == nil || s.Policy != "no-cats" || s.Sid != "NoCats" || s.Index != 1 || s.Kind != "identity" || s.Effect != "Deny" {
					t.Errorf("statement %+v", s)
				}
			}},
		{name: "implicit deny", reason: adminwire.ReasonPolicyDenied, errCode: "AccessDenied",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				ie.iam(t, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "all", "PolicyDocument",
					`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)
				return adminwire.ExplainRequest{URL: ie.presign(t, ie.alice, time.Hour)}
			},
			message: []string{"No policy allows s3:GetObject on arn:aws:s3:::life/cat for arn:aws:iam::", ":user/alice"},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				if ex.Statement != nil {
					t.Errorf("statement %+v for an implicit deny", ex.Statement)
				}
			}},
		{name: "altered token", reason: adminwire.ReasonInvalidToken, errCode: "InvalidToken",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				sess := ie.assume(t, ie.alice, ie.roleARN, "tok", 3600)
				c := sess.sig()
				c.SessionToken = "A" + c.SessionToken[1:]
				if c.SessionToken == sess.SessionToken {
					c.SessionToken = "B" + c.SessionToken[1:]
				}
				return adminwire.ExplainRequest{URL: ie.presign(t, c, time.Hour)}
			},
			message: []string{"X-Amz-Security-Token is not the one issued with role session reader/tok"}},
		{name: "missing token", reason: adminwire.ReasonInvalidToken, errCode: "InvalidAccessKeyId",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				sess := ie.assume(t, ie.alice, ie.roleARN, "bare", 3600)
				c := sess.sig()
				c.SessionToken = ""
				return adminwire.ExplainRequest{URL: ie.presign(t, c, time.Hour)}
			},
			message: []string{"carries no X-Amz-Security-Token, which role session reader/bare"}},
		{name: "wrong region", reason: adminwire.ReasonMalformed, errCode: "AuthorizationQueryParametersError",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				u, err := sigv4.Presign(sigv4.PresignInput{
					Method: "GET", URL: ie.ts.URL + "/life/cat", Credentials: ie.alice, Region: "eu-west-1",
					Service: "s3", Time: ie.fake.Now(), Expires: time.Hour, Mode: sigv4.S3,
				})
				if err != nil {
					t.Fatal(err)
				}
				return adminwire.ExplainRequest{URL: u}
			},
			message: []string{"the region 'eu-west-1' is wrong; expecting 'us-east-1'"}},
		{name: "no such key", reason: adminwire.ReasonNoSuchKey, errCode: "NoSuchKey",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				return adminwire.ExplainRequest{URL: ie.presignPath(t, "/life/Cat", ie.alice)}
			},
			message: []string{"signed correctly and IAM user alice's key AKIA", `no object "Cat" in bucket life`, "404 NoSuchKey", "spelling, case"}},
		// Without s3:ListBucket, S3 hides a missing key behind
		// AccessDenied; the explanation says which it is.
		{name: "no such key, may not list", reason: adminwire.ReasonNoSuchKey, errCode: "AccessDenied",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				ie.iam(t, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "all", "PolicyDocument",
					`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
				return adminwire.ExplainRequest{URL: ie.presignPath(t, "/life/dog", ie.alice)}
			},
			message: []string{`no object "dog" in bucket life`, "not allowed s3:ListBucket on life", "403 AccessDenied rather than NoSuchKey"}},
		{name: "no such bucket", reason: adminwire.ReasonNoSuchBucket, errCode: "NoSuchBucket",
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				return adminwire.ExplainRequest{URL: ie.presignPath(t, "/lifes/cat", ie.alice)}
			},
			message: []string{"no bucket lifes on this server", "404 NoSuchBucket"}},
		{name: "SigV2 valid", reason: adminwire.ReasonValid,
			setup: func(t *testing.T, ie *identityEnv) adminwire.ExplainRequest {
				u, err := sigv2.Presign(sigv2.PresignInput{
					Method: "GET", URL: ie.ts.URL + "/life/cat", AccessKeyID: ie.alice.AccessKeyID,
					SecretAccessKey: ie.alice.SecretAccessKey, Expires: t0.Add(2 * time.Hour),
				})
				if err != nil {
					t.Fatal(err)
				}
				return adminwire.ExplainRequest{URL: u}
			},
			message: []string{"until " + stampOf(2*time.Hour)},
			check: func(t *testing.T, ie *identityEnv, ex *adminwire.Explanation) {
				timeIs(t, "expires_at", ex.ExpiresAt, t0.Add(2*time.Hour))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ie := newIdentityEnv(t)
			in := tc.setup(t, ie)
			ex := ie.explain(t, in)
			t.Logf("%s: %s", ex.Reason, ex.Message)
			checkExplanation(t, ex, tc.reason, tc.errCode, tc.message...)
			if tc.check != nil {
				tc.check(t, ie, ex)
			}
			// The URL really fails (or works) as explained.
			if r := do(t, ie.httpc, methodOf(in), in.URL, http.Header(in.Headers), nil); tc.errCode == "" {
				wantOK(t, r, 200, ie.body)
			} else {
				wantErr(t, r, ex.Error.Status, tc.errCode)
			}
		})
	}
}

func methodOf(in adminwire.ExplainRequest) string {
	if in.Method == "" {
		return http.MethodGet
	}
	return in.Method
}

func checkExplanation(t *testing.T, ex *adminwire.Explanation, reason, errCode string, fragments ...string) {
	t.Helper()
	if ex.Reason != reason {
		t.Fatalf("reason %q, want %q: %s", ex.Reason, reason, ex.Message)
	}
	wantVerdict := adminwire.VerdictInvalid
	if reason == adminwire.ReasonValid {
		wantVerdict = adminwire.VerdictValid
	}
	if ex.Verdict != wantVerdict {
		t.Errorf("verdict %q, want %q", ex.Verdict, wantVerdict)
	}
	for _, f := range fragments {
		if !strings.Contains(ex.Message, f) {
			t.Errorf("message lacks %q:\n%s", f, ex.Message)
		}
	}
	switch {
	case errCode == "" && ex.Error != nil:
		t.Errorf("error %+v for a valid request", ex.Error)
	case errCode != "" && (ex.Error == nil || ex.Error.Code != errCode):
		t.Errorf("error %+v, want code %s", ex.Error, errCode)
	}
}

// Signature mismatches: the server's canonical request for the request
// as sent, and the variant the URL was really signed for.
func TestExplainSignatureMismatch(t *testing.T) {
	ie := newIdentityEnv(t)
	host := strings.TrimPrefix(ie.ts.URL, "http://")
	sess := ie.assume(t, ie.alice, ie.roleARN, "sig", 3600)

	t.Run("Host rewritten by a proxy", func(t *testing.T) {
		u := ie.presign(t, sess.sig(), time.Hour)
		in := adminwire.ExplainRequest{URL: u, Headers: map[string][]string{"Host": {"cdn.example.com"}}}
		ex := ie.explain(t, in)
		checkExplanation(t, ex, adminwire.ReasonSignatureMismatch, "SignatureDoesNotMatch",
			"the Host header was rewritten (signed for "+host+", sent to cdn.example.com), e.g. by a proxy")
		s := ex.Signature
		if s == nil || s.Version != "v4" {
			t.Fatalf("signature check %+v", s)
		}
		if want := lineOf(s.CanonicalRequest, "host:"); s.DiffLine != want || want == 0 {
			t.Errorf("diff line %d, want the host line %d:\n%s", s.DiffLine, want, s.CanonicalRequest)
		}
		if !strings.Contains(s.CanonicalRequest, "\nhost:cdn.example.com\n") || !strings.Contains(s.SignedCanonicalRequest, "\nhost:"+host+"\n") {
			t.Errorf("canonical requests:\nsent:\n%s\nsigned:\n%s", s.CanonicalRequest, s.SignedCanonicalRequest)
		}
		if !strings.HasPrefix(s.StringToSign, "AWS4-HMAC-SHA256\n") || s.SignedStringToSign == "" || s.SignedStringToSign == s.StringToSign {
			t.Errorf("strings to sign %q / %q", s.StringToSign, s.SignedStringToSign)
		}
		// The secret and the session token stay out of the explanation.
		raw, _ := json.Marshal(ex)
		for name, secret := range map[string]string{"secret key": sess.SecretAccessKey, "session token": sess.SessionToken,
			"encoded session token": url.QueryEscape(sess.SessionToken), "root secret": ie.sec} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("the explanation holds the %s:\n%s", name, raw)
			}
		}
		if !strings.Contains(s.CanonicalRequest, "X-Amz-Security-Token=REDACTED(sha256:") {
			t.Errorf("session token not masked in the canonical request:\n%s", s.CanonicalRequest)
		}
		if strings.Contains(ie.logs.String(), sess.SessionToken) || strings.Contains(ie.logs.String(), sess.SecretAccessKey) {
			t.Error("the server log holds the session's secret or token")
		}
	})

	t.Run("another method", func(t *testing.T) {
		u := ie.presignFor(t, http.MethodPut, ie.alice, time.Hour, nil)
		ex := ie.explain(t, adminwire.ExplainRequest{URL: u, Method: "GET"})
		checkExplanation(t, ex, adminwire.ReasonSignatureMismatch, "SignatureDoesNotMatch", "it was signed for PUT but sent as GET")
		if s := ex.Signature; s.DiffLine != 1 || !strings.HasPrefix(s.SignedCanonicalRequest, "PUT\n/life/cat\n") {
			t.Errorf("diff line %d, signed:\n%s", s.DiffLine, s.SignedCanonicalRequest)
		}
	})

	t.Run("Content-Type signed but sent differently", func(t *testing.T) {
		u := ie.presignFor(t, http.MethodPut, ie.root(), time.Hour, http.Header{"Content-Type": {"image/png"}})
		in := adminwire.ExplainRequest{URL: u, Method: "PUT", Headers: map[string][]string{"content-type": {"text/plain"}}}
		ex := ie.explain(t, in)
		checkExplanation(t, ex, adminwire.ReasonSignatureMismatch, "SignatureDoesNotMatch", "Content-Type was sent as 'text/plain' but signed as 'image/png'")
		s := ex.Signature
		if want := lineOf(s.CanonicalRequest, "content-type:"); s.DiffLine != want || want == 0 {
			t.Errorf("diff line %d, want the content-type line %d:\n%s", s.DiffLine, want, s.CanonicalRequest)
		}
		// Sent with the signed type, the same URL is judged valid.
		in.Headers["content-type"] = []string{"image/png"}
		if ex := ie.explain(t, in); ex.Reason != adminwire.ReasonValid {
			t.Errorf("with the signed Content-Type: %s: %s", ex.Reason, ex.Message)
		}
	})

	t.Run("altered signature", func(t *testing.T) {
		u := ie.presign(t, ie.alice, time.Hour)
		last := u[len(u)-1]
		flipped := byte('0')
		if last == '0' {
			flipped = '1'
		}
		u = u[:len(u)-1] + string(flipped)
		ex := ie.explain(t, adminwire.ExplainRequest{URL: u})
		checkExplanation(t, ex, adminwire.ReasonSignatureMismatch, "SignatureDoesNotMatch",
			"signed with another secret than "+ie.alice.AccessKeyID+"'s or altered after signing")
		if s := ex.Signature; s.SignedCanonicalRequest != "" || s.DiffLine != 0 || s.CanonicalRequest == "" {
			t.Errorf("no variant should match: %+v", s)
		}
		wantErr(t, do(t, ie.httpc, "GET", u, nil, nil), 403, "SignatureDoesNotMatch")
	})

	t.Run("SigV2 signed for another method", func(t *testing.T) {
		u, err := sigv2.Presign(sigv2.PresignInput{
			Method: "PUT", URL: ie.ts.URL + "/life/cat", AccessKeyID: ie.alice.AccessKeyID,
			SecretAccessKey: ie.alice.SecretAccessKey, Expires: t0.Add(time.Hour),
		})
		if err != nil {
			t.Fatal(err)
		}
		ex := ie.explain(t, adminwire.ExplainRequest{URL: u})
		checkExplanation(t, ex, adminwire.ReasonSignatureMismatch, "SignatureDoesNotMatch", "it was signed for PUT but sent as GET")
		if s := ex.Signature; s.Version != "v2" || s.DiffLine != 1 || !strings.HasPrefix(s.SignedStringToSign, "PUT\n") || s.CanonicalRequest != "" {
			t.Errorf("SigV2 check %+v", s)
		}
	})
}

// Explaining serves nothing and changes nothing: a valid presigned PUT
// and DELETE leave the object as it was, and the clock stays put.
func TestExplainChangesNothing(t *testing.T) {
	ie := newIdentityEnv(t)
	before := ie.fake.Now()
	clk, err := ie.adminAs(ie.root()).Clock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{http.MethodPut, http.MethodDelete} {
		u := ie.presignFor(t, method, ie.root(), time.Hour, nil)
		ex := ie.explain(t, adminwire.ExplainRequest{URL: u, Method: method, Headers: map[string][]string{"Content-Length": {"3"}}})
		if ex.Reason != adminwire.ReasonValid || ex.Action == "" {
			t.Fatalf("%s: %s: %s", method, ex.Reason, ex.Message)
		}
	}
	// A browser form is judged up to its file, which is never stored.
	if ex := ie.explain(t, adminwire.ExplainRequest{URL: ie.ts.URL + "/life", Form: ie.signForm(t, ie.root(), "form.txt", time.Hour)}); ex.Reason != adminwire.ReasonValid {
		t.Fatalf("form: %s: %s", ex.Reason, ex.Message)
	}
	if r := do(t, ie.httpc, http.MethodGet, ie.signedURL(t, http.MethodGet, "/life/form.txt", 0), nil, nil); r.status != 404 {
		t.Errorf("explaining a form stored an object: %d", r.status)
	}
	wantOK(t, do(t, ie.httpc, http.MethodGet, ie.signedURL(t, http.MethodGet, "/life/cat", 0), nil, nil), 200, ie.body)
	after, err := ie.adminAs(ie.root()).Clock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !ie.fake.Now().Equal(before) || after.OffsetSeconds != clk.OffsetSeconds || after.Offset != clk.Offset {
		t.Errorf("the clock moved: %s -> %s, offset %s -> %s", before, ie.fake.Now(), clk.Offset, after.Offset)
	}
}

// Only root, or callers whose identity policies allow signet:ExplainURL,
// may explain; malformed requests are refused with what to send instead.
func TestExplainAccessAndInput(t *testing.T) {
	ie := newIdentityEnv(t)
	u := ie.presign(t, ie.alice, time.Hour)
	_, err := ie.adminAs(ie.alice).Explain(t.Context(), adminwire.ExplainRequest{URL: u})
	var ae *adminclient.APIError
	if !errors.As(err, &ae) || ae.Status != 403 || ae.Code != "AccessDenied" || !strings.Contains(ae.Message, "signet:ExplainURL") {
		t.Fatalf("alice without signet:ExplainURL: %v", err)
	}
	ie.iam(t, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "explain", "PolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"signet:ExplainURL","Resource":"*"}]}`)
	ex, err := ie.adminAs(ie.alice).Explain(t.Context(), adminwire.ExplainRequest{URL: u})
	if err != nil || ex.Reason != adminwire.ReasonValid {
		t.Fatalf("alice allowed signet:ExplainURL: %v %+v", err, ex)
	}
	for _, bad := range []adminwire.ExplainRequest{
		{URL: "ftp://example.com/life/cat"},
		{URL: "/life/cat?X-Amz-Signature=00"},
		{URL: ""},
		{URL: u, Method: "GET /"},
	} {
		_, err := ie.adminAs(ie.root()).Explain(t.Context(), bad)
		if !errors.As(err, &ae) || ae.Status != 400 || ae.Code != "InvalidRequest" {
			t.Errorf("%+v: %v, want 400 InvalidRequest", bad, err)
		}
	}
}
