package server_test

// The adversarial section for managed session policies (PolicyArns): a
// session narrowed by a policy ARN must be exactly as narrow as one
// narrowed by the same document inline, however its requests are signed,
// and STS must refuse the ARNs AWS refuses.

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/adminwire"
	"signet/internal/sigv4"
)

const (
	s3ReadOnlyARN = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	s3FullARN     = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
)

type federationXML struct {
	Result struct {
		Credentials      credsXML
		PackedPolicySize string
	} `xml:"GetFederationTokenResult"`
}

type assumePackedXML struct {
	Result struct {
		Credentials      credsXML
		PackedPolicySize string
	} `xml:"AssumeRoleResult"`
}

// withPolicyARNs appends PolicyArns.member.N.arn pairs, as the AWS CLI's
// --policy-arns arn=… sends them.
func withPolicyARNs(kv []string, arns ...string) []string {
	for i, arn := range arns {
		kv = append(kv, "PolicyArns.member."+strconv.Itoa(i+1)+".arn", arn)
	}
	return kv
}

// sessionPolicyRows are the writes a read-only session must be refused,
// header-signed and presigned, each answered 403 AccessDenied.
func sessionPolicyRows(c sigv4.Credentials) []hostile {
	header := func(method, tgt string, body []byte) func(t *testing.T, a *advEnv) advReq {
		return func(t *testing.T, a *advEnv) advReq {
			return a.signedHeaderReq(t, method, tgt, c, nil, body, "", a.fake.Now())
		}
	}
	presigned := func(method, tgt string, body []byte) func(t *testing.T, a *advEnv) advReq {
		return func(t *testing.T, a *advEnv) advReq {
			return advReq{method: method, target: a.presign(t, method, tgt, c, time.Hour), body: body}
		}
	}
	var rows []hostile
	for _, w := range []struct {
		name, method, tgt string
		body              []byte
	}{
		{"PUT over an object", http.MethodPut, "/adv/obj", []byte("overwritten")},
		{"PUT of a new key", http.MethodPut, "/adv/new", []byte("new")},
		{"DELETE an object", http.MethodDelete, "/adv/obj", nil},
		{"PUT a bucket policy", http.MethodPut, "/adv?policy", []byte(publicRead)},
		{"abort the upload", http.MethodDelete, "/adv/mp?uploadId=", nil},
	} {
		for _, how := range []struct {
			name  string
			build func(method, tgt string, body []byte) func(t *testing.T, a *advEnv) advReq
		}{{"header-signed", header}, {"presigned", presigned}} {
			tgt := w.tgt
			build := how.build
			rows = append(rows, hostile{
				name: how.name + " " + w.name,
				build: func(t *testing.T, a *advEnv) advReq {
					return build(w.method, strings.Replace(tgt, "uploadId=", "uploadId="+a.upload, 1), w.body)(t, a)
				},
				status: 403, code: "AccessDenied",
			})
		}
	}
	return rows
}

// A role session (and a federation token) narrowed to AmazonS3ReadOnlyAccess
// by --policy-arns reads but cannot write, whatever the signature form;
// before managed session policies were implemented the ARNs were ignored,
// so the role session wrote with the role's full permissions and the
// federation token had no permission at all.
func TestAdversarialSessionPolicyARNs(t *testing.T) {
	a := newAdvEnv(t)
	a.intact(t)

	var ar assumePackedXML
	a.okCall(t, "sts", a.alice, &ar, withPolicyARNs([]string{"Action", "AssumeRole", "RoleArn", a.workerARN, "RoleSessionName", "ro"}, s3ReadOnlyARN)...)
	if ar.Result.PackedPolicySize == "" {
		t.Errorf("AssumeRole with PolicyArns: no PackedPolicySize in the response")
	}
	var fed federationXML
	a.okCall(t, "sts", a.alice, &fed, withPolicyARNs([]string{"Action", "GetFederationToken", "Name", "fed-ro"}, s3ReadOnlyARN)...)
	if fed.Result.PackedPolicySize == "" {
		t.Errorf("GetFederationToken with PolicyArns: no PackedPolicySize in the response")
	}

	for _, s := range []struct {
		name string
		c    sigv4.Credentials
	}{{"role session", ar.Result.Credentials.sig()}, {"federation token", fed.Result.Credentials.sig()}} {
		t.Run(s.name, func(t *testing.T) {
			a.fake.Set(t0)
			// What the managed session policy grants, the session has.
			r := a.send(t, a.signedHeaderReq(t, http.MethodGet, "/adv/obj", s.c, nil, nil, "", a.fake.Now()))
			if r.status != 200 {
				t.Fatalf("header-signed GET by a read-only session: want 200\n%s", r)
			}
			r = a.send(t, advReq{method: http.MethodGet, target: a.presign(t, http.MethodGet, "/adv/obj", s.c, time.Hour)})
			if r.status != 200 {
				t.Fatalf("presigned GET by a read-only session: want 200\n%s", r)
			}
			// And nothing else.
			for _, row := range sessionPolicyRows(s.c) {
				t.Run(row.name, func(t *testing.T) {
					a.fake.Set(t0)
					r := a.send(t, row.build(t, a))
					code, _ := errorCode(r.body)
					if r.status < 400 {
						t.Errorf("ACCEPTED: a write by a read-only session got %d", r.status)
					}
					if r.status != row.status || code != row.code {
						t.Errorf("want %d %s, got %d %s\n%s", row.status, row.code, r.status, code, r)
					}
					a.intact(t)
				})
			}
		})
	}
}

// A session policy never adds to the identity's: a role allowed only to
// read, assumed with AmazonS3FullAccess as its session policy, still only
// reads; a federation token asked with AmazonS3FullAccess by a user who may
// only read, likewise.
func TestSessionPolicyARNsIntersect(t *testing.T) {
	a := newAdvEnv(t)
	readOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","sts:*"],"Resource":"*"}]}`
	reader := a.newUser(t, "reader", readOnly)
	var fed federationXML
	a.okCall(t, "sts", reader, &fed, withPolicyARNs([]string{"Action", "GetFederationToken", "Name", "fed-full"}, s3FullARN)...)
	c := fed.Result.Credentials.sig()
	a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/adv/obj", c, nil, nil, "", a.fake.Now()), 200)
	r := a.send(t, a.signedHeaderReq(t, http.MethodPut, "/adv/obj", c, nil, []byte("x"), "", a.fake.Now()))
	if code, _ := errorCode(r.body); r.status != 403 || code != "AccessDenied" {
		t.Fatalf("PUT by a federation token whose user may only read: want 403 AccessDenied\n%s", r)
	}
	a.intact(t)
}

// STS refuses the PolicyArns AWS refuses, with AWS's codes.
func TestSessionPolicyARNErrors(t *testing.T) {
	a := newAdvEnv(t)
	base := []string{"Action", "AssumeRole", "RoleArn", a.workerARN, "RoleSessionName", "bad"}
	acct := strings.Split(a.workerARN, ":")[4]
	missing := "arn:aws:iam::" + acct + ":policy/NoSuchPolicy"
	msg := a.queryErr(t, "sts", a.alice, 400, "MalformedPolicyDocument", withPolicyARNs(base, missing)...)
	if want := "Policy " + missing + " does not exist or is not attachable."; msg != want {
		t.Errorf("unknown policy ARN: message %q, want %q", msg, want)
	}
	// Another account's customer managed policy names nothing here.
	other := "arn:aws:iam::999999999999:policy/Elsewhere"
	a.queryErr(t, "sts", a.alice, 400, "MalformedPolicyDocument", withPolicyARNs(base, other)...)
	// Federation tokens check the same way.
	a.queryErr(t, "sts", a.alice, 400, "MalformedPolicyDocument", withPolicyARNs([]string{"Action", "GetFederationToken", "Name", "fed-bad"}, missing)...)
	// Model constraints: an ARN of under 20 characters, more than 10 ARNs.
	msg = a.queryErr(t, "sts", a.alice, 400, "ValidationError", withPolicyARNs(base, "arn:aws:iam::x")...)
	if !strings.Contains(msg, "policyArns.1.member.arn") {
		t.Errorf("short ARN: message %q does not name policyArns.1.member.arn", msg)
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = s3ReadOnlyARN
	}
	msg = a.queryErr(t, "sts", a.alice, 400, "ValidationError", withPolicyARNs(base, eleven...)...)
	if !strings.Contains(msg, "'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10") {
		t.Errorf("eleven ARNs: message %q", msg)
	}
	// Inline and managed session policies share the packed limit.
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 1900) + `"}]}`
	a.queryErr(t, "sts", a.alice, 400, "PackedPolicyTooLarge", withPolicyARNs(append(base, "Policy", big), s3ReadOnlyARN, s3FullARN)...)
	// Nothing was issued by any of these.
	a.intact(t)
}

// The dry run names a session's policies: a URL signed by a role session
// whose managed session policy denies the object is explained as denied by
// that policy, by its ARN, and the principal carries the session's
// policies (what `signet inspect` prints as "session policy").
func TestExplainManagedSessionPolicy(t *testing.T) {
	ie := newIdentityEnv(t)
	var created struct {
		Result struct{ Policy struct{ Arn string } } `xml:"CreatePolicyResult"`
	}
	ie.okCall(t, "iam", ie.root(), &created, "Action", "CreatePolicy", "PolicyName", "NoCats", "PolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Sid":"NoCats","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::life/cat"},{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	arn := created.Result.Policy.Arn
	var out assumeXML
	ie.okCall(t, "sts", ie.alice, &out, withPolicyARNs([]string{"Action", "AssumeRole", "RoleArn", ie.roleARN, "RoleSessionName", "nocats"}, arn)...)
	u := ie.presign(t, out.Result.Credentials.sig(), time.Hour)
	wantErr(t, do(t, ie.httpc, http.MethodGet, u, nil, nil), 403, "AccessDenied")

	ex := ie.explain(t, adminwire.ExplainRequest{URL: u})
	checkExplanation(t, ex, adminwire.ReasonPolicyDenied, "AccessDenied", "managed session policy "+arn)
	if ex.Principal == nil || len(ex.Principal.SessionPolicyARNs) != 1 || ex.Principal.SessionPolicyARNs[0] != arn {
		t.Fatalf("principal %+v does not carry the session policy ARN", ex.Principal)
	}
	if ex.Statement == nil || ex.Statement.Kind != "session" || ex.Statement.Policy != arn || ex.Statement.Sid != "NoCats" {
		t.Fatalf("statement %+v, want NoCats of session policy %s", ex.Statement, arn)
	}
	// And the admin API shows the session with its policies.
	s, err := ie.adminAs(ie.root()).Session(t.Context(), out.Result.Credentials.AccessKeyId)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.SessionPolicyARNs) != 1 || s.SessionPolicyARNs[0] != arn || s.SessionPolicy != "" {
		t.Fatalf("session shows policies %q %q", s.SessionPolicy, s.SessionPolicyARNs)
	}
}
