package server_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"signet/internal/clock"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

// ---------------------------------------------------------------------------
// Principal evaluation (issue 13, finding 5)
//
// Within one account a bucket policy naming the account delegates to IAM:
// the caller still needs an identity-policy Allow, narrowed by any
// session policy. One naming the caller itself (user, role session,
// federated user) grants on its own; one naming the role a session came
// from is narrowed by the session policy. A Deny with NotPrincipal spares
// a role session only when its session ARN, its role and the account are
// all listed. An explicit deny wins over everything.

// principalEnv is a server with bucket "prin" holding one object, and the
// identities the rows attack it with.
type principalEnv struct {
	*advEnv
	acctRoot string
	nopol    sigv4.Credentials // a user with no policy at all
	nopolARN string
	boxed    credsXML // role session narrowed to bucket "sandbox"
	boxedARN string
	free     credsXML // session of the same role, no session policy
	freeARN  string
	fed      credsXML // federated user narrowed to "sandbox"
	fedARN   string
	roleARN  string
}

const prinJewels = "principal jewels"

// sandboxOnly is the session policy of the narrowed sessions.
const sandboxOnly = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::sandbox","arn:aws:s3:::sandbox/*"]}]}`

func newPrincipalEnv(t *testing.T) *principalEnv {
	t.Helper()
	e := startLimitedServer(t, clock.NewFake(t0), nil)
	u, _ := url.Parse(e.ts.URL)
	p := &principalEnv{advEnv: &advEnv{testEnv: e, host: u.Host, signedBefore: map[string]string{}}}
	for _, b := range []string{"prin", "sandbox"} {
		p.mustStatus(t, p.rootHeader(t, http.MethodPut, "/"+b, nil, nil), 200)
	}
	p.mustStatus(t, p.rootHeader(t, http.MethodPut, "/prin/obj", nil, []byte(prinJewels)), 200)

	var user struct {
		Result struct{ User struct{ Arn string } } `xml:"GetUserResult"`
	}
	p.okCall(t, "iam", p.root(), nil, "Action", "CreateUser", "UserName", "nopol")
	var key struct {
		Result struct {
			AccessKey struct{ AccessKeyId, SecretAccessKey string }
		} `xml:"CreateAccessKeyResult"`
	}
	p.okCall(t, "iam", p.root(), &key, "Action", "CreateAccessKey", "UserName", "nopol")
	p.nopol = sigv4.Credentials{AccessKeyID: key.Result.AccessKey.AccessKeyId, SecretAccessKey: secret.New(key.Result.AccessKey.SecretAccessKey)}
	p.okCall(t, "iam", p.root(), &user, "Action", "GetUser", "UserName", "nopol")
	p.nopolARN = user.Result.User.Arn
	p.acctRoot = p.nopolARN[:strings.LastIndex(p.nopolARN, ":")+1] + "root"

	// A user allowed everything, who assumes the role and asks for a
	// federation token.
	boss := p.newUser(t, "boss", sAllowAll)
	var role struct {
		Result struct{ Role struct{ Arn string } } `xml:"CreateRoleResult"`
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + p.acctRoot + `"},"Action":"sts:AssumeRole"}]}`
	p.okCall(t, "iam", p.root(), &role, "Action", "CreateRole", "RoleName", "worker", "AssumeRolePolicyDocument", trust)
	p.okCall(t, "iam", p.root(), nil, "Action", "PutRolePolicy", "RoleName", "worker", "PolicyName", "all", "PolicyDocument", sAllowAll)
	p.roleARN = role.Result.Role.Arn
	var out assumeXML
	p.okCall(t, "sts", boss, &out, "Action", "AssumeRole", "RoleArn", p.roleARN, "RoleSessionName", "boxed", "Policy", sandboxOnly)
	p.boxed, p.boxedARN = out.Result.Credentials, out.Result.AssumedRoleUser.Arn
	p.okCall(t, "sts", boss, &out, "Action", "AssumeRole", "RoleArn", p.roleARN, "RoleSessionName", "free")
	p.free, p.freeARN = out.Result.Credentials, out.Result.AssumedRoleUser.Arn
	var fed struct {
		Result struct {
			Credentials   credsXML
			FederatedUser struct{ Arn string }
		} `xml:"GetFederationTokenResult"`
	}
	p.okCall(t, "sts", boss, &fed, "Action", "GetFederationToken", "Name", "fedboxed", "Policy", sandboxOnly)
	p.fed, p.fedARN = fed.Result.Credentials, fed.Result.FederatedUser.Arn
	if p.boxedARN == "" || p.freeARN == "" || p.fedARN == "" {
		t.Fatalf("missing session ARNs: %q %q %q", p.boxedARN, p.freeARN, p.fedARN)
	}
	return p
}

// bucketPolicy sets prin's policy from statements.
func (p *principalEnv) bucketPolicy(t *testing.T, stmts ...string) {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	p.mustStatus(t, p.rootHeader(t, http.MethodPut, "/prin?policy", nil, []byte(doc)), 204)
}

// intactPrin asserts prin holds exactly its one object, unchanged.
func (p *principalEnv) intactPrin(t *testing.T) {
	t.Helper()
	r := p.send(t, p.rootHeader(t, http.MethodGet, "/prin/obj", nil, nil))
	if r.status != 200 || !bytes.Equal(r.body, []byte(prinJewels)) {
		t.Fatalf("prin/obj = %d %q, want 200 %q", r.status, abbreviate(string(r.body)), prinJewels)
	}
	r = p.send(t, p.rootHeader(t, http.MethodGet, "/prin?list-type=2", nil, nil))
	if r.status != 200 || strings.Count(string(r.body), "<Key>") != 1 {
		t.Fatalf("prin holds other keys:\n%s", r)
	}
}

func allowStmt(principal string) string {
	return `{"Effect":"Allow","Principal":{"AWS":` + principal + `},"Action":"s3:*","Resource":["arn:aws:s3:::prin","arn:aws:s3:::prin/*"]}`
}

func arnList(arns ...string) string { return `["` + strings.Join(arns, `","`) + `"]` }

func TestAdversarialPrincipalEvaluation(t *testing.T) {
	p := newPrincipalEnv(t)
	type row struct {
		name   string
		policy []string
		who    sigv4.Credentials
		method string
		target string
		status int // 403 means AccessDenied
	}
	notPrincipalDeny := func(arns ...string) string {
		// Objects only: the root must still be able to replace the
		// bucket policy between rows.
		return `{"Effect":"Deny","NotPrincipal":{"AWS":` + arnList(arns...) + `},"Action":"s3:*","Resource":"arn:aws:s3:::prin/*"}`
	}
	rows := []row{
		{"account root ARN: user without policy reads", []string{allowStmt(arnList(p.acctRoot))}, p.nopol, http.MethodGet, "/prin/obj", 403},
		{"account root ARN: user without policy deletes", []string{allowStmt(arnList(p.acctRoot))}, p.nopol, http.MethodDelete, "/prin/obj", 403},
		{"account ID: user without policy writes", []string{allowStmt(arnList(p.acctRoot[13:25]))}, p.nopol, http.MethodPut, "/prin/new", 403},
		{"account ID: user without policy lists", []string{allowStmt(arnList(p.acctRoot[13:25]))}, p.nopol, http.MethodGet, "/prin?list-type=2", 403},
		{"user ARN: user without policy reads", []string{allowStmt(arnList(p.nopolARN))}, p.nopol, http.MethodGet, "/prin/obj", 200},
		{"account: role session writes outside its session policy", []string{allowStmt(arnList(p.acctRoot))}, p.boxed.sig(), http.MethodPut, "/prin/new", 403},
		{"role ARN: role session writes outside its session policy", []string{allowStmt(arnList(p.roleARN))}, p.boxed.sig(), http.MethodPut, "/prin/new", 403},
		{"role ARN: role session deletes outside its session policy", []string{allowStmt(arnList(p.roleARN))}, p.boxed.sig(), http.MethodDelete, "/prin/obj", 403},
		{"session ARN: role session reads outside its session policy", []string{allowStmt(arnList(p.boxedARN))}, p.boxed.sig(), http.MethodGet, "/prin/obj", 200},
		{"account: federated user writes outside its session policy", []string{allowStmt(arnList(p.acctRoot))}, p.fed.sig(), http.MethodPut, "/prin/new", 403},
		{"federated ARN: federated user reads outside its session policy", []string{allowStmt(arnList(p.fedARN))}, p.fed.sig(), http.MethodGet, "/prin/obj", 200},
		{"NotPrincipal deny lists the session only", []string{notPrincipalDeny(p.freeARN)}, p.free.sig(), http.MethodGet, "/prin/obj", 403},
		{"NotPrincipal deny lists role and account, not the session", []string{notPrincipalDeny(p.roleARN, p.acctRoot)}, p.free.sig(), http.MethodGet, "/prin/obj", 403},
		{"NotPrincipal deny lists another session", []string{notPrincipalDeny(p.boxedARN, p.roleARN, p.acctRoot)}, p.free.sig(), http.MethodDelete, "/prin/obj", 403},
		{"NotPrincipal deny lists session, role and account", []string{notPrincipalDeny(p.freeARN, p.roleARN, p.acctRoot)}, p.free.sig(), http.MethodGet, "/prin/obj", 200},
		{"NotPrincipal deny lists the user only", []string{allowStmt(arnList(p.nopolARN)), notPrincipalDeny(p.nopolARN)}, p.nopol, http.MethodGet, "/prin/obj", 403},
		{"explicit deny of the account beats a grant naming the user", []string{allowStmt(arnList(p.nopolARN)), `{"Effect":"Deny","Principal":{"AWS":"` + p.acctRoot + `"},"Action":"s3:*","Resource":"arn:aws:s3:::prin/*"}`}, p.nopol, http.MethodGet, "/prin/obj", 403},
		{"explicit deny of the role beats a grant naming the session", []string{allowStmt(arnList(p.boxedARN)), `{"Effect":"Deny","Principal":{"AWS":"` + p.roleARN + `"},"Action":"s3:*","Resource":"arn:aws:s3:::prin/*"}`}, p.boxed.sig(), http.MethodGet, "/prin/obj", 403},
	}
	for _, rw := range rows {
		t.Run(rw.name, func(t *testing.T) {
			p.bucketPolicy(t, rw.policy...)
			var body []byte
			if rw.method == http.MethodPut {
				body = []byte("written by an intruder")
			}
			r := p.send(t, p.signedHeaderReq(t, rw.method, rw.target, rw.who, nil, body, "", p.fake.Now()))
			code, _ := errorCode(r.body)
			switch {
			case rw.status == 403 && (r.status != 403 || code != "AccessDenied" || r.header.Get("X-Amz-Request-Id") == ""):
				t.Errorf("want 403 AccessDenied, got %d %s\n%s", r.status, code, r)
			case rw.status == 200 && r.status != 200:
				t.Errorf("want 200 (the policy names the caller itself), got %d %s\n%s", r.status, code, r)
			case rw.status == 200 && rw.method == http.MethodGet && strings.HasSuffix(rw.target, "/obj") && string(r.body) != prinJewels:
				t.Errorf("read %q", abbreviate(string(r.body)))
			}
			p.mustStatus(t, p.rootHeader(t, http.MethodDelete, "/prin?policy", nil, nil), 204)
			if rw.status == 403 && r.status < 400 {
				// Undo what got through, so later rows judge only
				// themselves.
				p.mustStatus(t, p.rootHeader(t, http.MethodDelete, "/prin/new", nil, nil), 204)
				p.mustStatus(t, p.rootHeader(t, http.MethodPut, "/prin/obj", nil, []byte(prinJewels)), 200)
			}
			p.intactPrin(t)
		})
	}
}
