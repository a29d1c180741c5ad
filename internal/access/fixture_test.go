package access

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/meta/memory"
	"signet/internal/meta/metafixture"
	"signet/internal/principal"
	"signet/internal/secret"
	"signet/internal/sts"
)

const acct = "123456789012"

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture wires the access package as the server does: the bolt engine
// behind access.Store, the real iam and sts services writing through it,
// the key store and the authoriser reading through its cache.
type fixture struct {
	engine  *memory.Store
	store   *Store
	sealer  *secret.Sealer
	clk     *clock.Fake
	iam     *iam.Service
	sts     *sts.Service
	keys    *Keys
	authz   *Authorizer
	root    *authn.Credential
	rootSec secret.Secret
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	b := metafixture.Memory(t)
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := secret.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{engine: b, store: NewStore(b), sealer: sealer, clk: clock.NewFake(t0)}
	f.rootSec = secret.New("root-secret-0123456789")
	f.root = &authn.Credential{
		AccessKeyID: "AKIAROOTROOTROOT0000",
		Secret:      f.rootSec,
		Principal: principal.Principal{
			AccessKeyID: "AKIAROOTROOTROOT0000",
			ARN:         "arn:aws:iam::" + acct + ":root",
			UserID:      acct,
			IsRoot:      true,
			Account:     acct,
		},
	}
	if f.iam, err = iam.New(iam.Config{Store: f.store, Sealer: sealer, Clock: f.clk, Account: acct}); err != nil {
		t.Fatal(err)
	}
	if f.sts, err = sts.New(sts.Config{Store: f.store, Sealer: sealer, Clock: f.clk, Account: acct}); err != nil {
		t.Fatal(err)
	}
	f.keys = NewKeys(f.store, sealer, f.root, acct)
	f.authz = NewAuthorizer(f.store, f.iam, f.clk, acct)
	return f
}

var bg = context.Background()

// user creates an IAM user with one access key and returns the key's
// credential as the key store sees it.
func (f *fixture) user(t *testing.T, name, path string) *authn.Credential {
	t.Helper()
	if _, err := f.iam.CreateUser(bg, name, path); err != nil {
		t.Fatal(err)
	}
	return f.newKey(t, name)
}

func (f *fixture) newKey(t *testing.T, user string) *authn.Credential {
	t.Helper()
	k, _, err := f.iam.CreateAccessKey(bg, user)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := f.keys.Lookup(bg, k.ID)
	if err != nil {
		t.Fatalf("Lookup(%s): %v", k.ID, err)
	}
	return cred
}

// role creates a role whose trust policy lets anyone in the account
// assume it.
func (f *fixture) role(t *testing.T, name, path string) meta.Role {
	t.Helper()
	r, err := f.iam.CreateRole(bg, iam.CreateRoleInput{Name: name, Path: path, AssumeRolePolicyDocument: trustAccount, MaxSessionDuration: 43200})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}]}`

func (f *fixture) putUserPolicy(t *testing.T, user, name, doc string) {
	t.Helper()
	if err := f.iam.PutInlinePolicy(bg, meta.Owner{Kind: principal.OwnerUser, Name: user}, name, doc); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) putRolePolicy(t *testing.T, role, name, doc string) {
	t.Helper()
	if err := f.iam.PutInlinePolicy(bg, meta.Owner{Kind: principal.OwnerRole, Name: role}, name, doc); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) bucket(t *testing.T, name string) {
	t.Helper()
	if err := f.store.CreateBucket(bg, meta.Bucket{Name: name, Region: "us-east-1", Created: t0}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) bucketPolicy(t *testing.T, bucket, doc string) {
	t.Helper()
	if err := f.store.PutBucketPolicy(bg, bucket, doc); err != nil {
		t.Fatal(err)
	}
}

// session looks up issued credentials through the key store.
func (f *fixture) session(t *testing.T, c sts.Credentials) *authn.Credential {
	t.Helper()
	cred, err := f.keys.Lookup(bg, c.AccessKeyID)
	if err != nil {
		t.Fatalf("Lookup(%s): %v", c.AccessKeyID, err)
	}
	return cred
}

func (f *fixture) assumeRole(t *testing.T, caller principal.Principal, role meta.Role, sessionName, sessionPolicy string) (sts.Credentials, *authn.Credential) {
	t.Helper()
	c, _, err := f.sts.AssumeRole(bg, caller, sts.AssumeRoleInput{RoleARN: sts.RoleARN(acct, role), RoleSessionName: sessionName, Policy: sessionPolicy})
	if err != nil {
		t.Fatal(err)
	}
	return c, f.session(t, c)
}

func (f *fixture) sessionToken(t *testing.T, caller principal.Principal) (sts.Credentials, *authn.Credential) {
	t.Helper()
	c, _, err := f.sts.GetSessionToken(bg, caller, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c, f.session(t, c)
}

func (f *fixture) federation(t *testing.T, caller principal.Principal, name, doc string) (sts.Credentials, *authn.Credential) {
	t.Helper()
	c, _, err := f.sts.GetFederationToken(bg, caller, name, doc, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c, f.session(t, c)
}

// header is a SigV4 header-signed result for cred's principal.
func header(cred *authn.Credential) *authn.Result {
	return &authn.Result{Principal: cred.Principal, AuthType: authn.AuthHeader, SignatureVersion: authn.SigV4, SignatureAge: time.Second}
}

func anonymous() *authn.Result { return &authn.Result{Anonymous: true} }

// req builds a request; target may carry a query string.
func req(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = "198.51.100.7:40000"
	return r
}

func tlsReq(method, target string) *http.Request {
	r := req(method, target)
	r.TLS = &tls.ConnectionState{}
	return r
}

func obj(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// doc builds a policy document from statements.
func doc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

const allowAll = `{"Effect":"Allow","Action":"*","Resource":"*"}`
