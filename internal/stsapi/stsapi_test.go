package stsapi

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"signet/internal/access"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/authn"
	"signet/internal/awsquery"
	"signet/internal/clock"
	"signet/internal/meta"
	"signet/internal/meta/metafixture"
	"signet/internal/policy"
	"signet/internal/principal"
	"signet/internal/secret"
	"signet/internal/sts"
)

const acct = "123456789012"

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

// fakeAuthz records what it is asked and answers with deny (nil allows).
type fakeAuthz struct {
	mu    sync.Mutex
	deny  error
	calls []string
	trust *policy.Document
	conds map[string][]string
}

func (a *fakeAuthz) Authorize(_ *http.Request, res *authn.Result, action, resource string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, res.Principal.ARN+" "+action+" "+resource)
	return a.deny
}

func (a *fakeAuthz) AuthorizeAssumeRole(r *http.Request, res *authn.Result, roleARN string, trust *policy.Document) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, res.Principal.ARN+" sts:AssumeRole "+roleARN)
	a.trust = trust
	a.conds = access.Conditions(r.Context())
	return a.deny
}

func (a *fakeAuthz) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.calls...)
}

type fixture struct {
	h     awsquery.Handler
	store meta.Identities
	authz *fakeAuthz
	svc   *sts.Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store := metafixture.Memory(t)
	return newFixtureOn(t, store)
}

func newFixtureOn(t *testing.T, store meta.Identities) *fixture {
	t.Helper()
	key, _ := secret.GenerateKey()
	sealer, err := secret.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, r := range []meta.Role{
		{Name: "deploy", ID: "AROADEPLOY0000000000", Path: "/", TrustPolicy: trustAccount, MaxSessionDuration: 3600},
		{Name: "ops", ID: "AROAOPS0000000000000", Path: "/team/", TrustPolicy: trustAccount, MaxSessionDuration: 43200},
		{Name: "broken", ID: "AROABROKEN0000000000", Path: "/", TrustPolicy: "{", MaxSessionDuration: 3600},
	} {
		r.Created = t0
		if err := store.CreateRole(ctx, r); err != nil && !errors.Is(err, meta.ErrEntityExists) {
			t.Fatal(err)
		}
	}
	f := &fixture{store: store, authz: &fakeAuthz{}}
	f.svc, err = sts.New(sts.Config{Store: store, Sealer: sealer, Clock: clock.NewFake(t0), Account: acct, Policies: knownPolicies{readOnlyARN, mineARN}})
	if err != nil {
		t.Fatal(err)
	}
	if f.h, err = New(Config{STS: f.svc, Store: store, Authz: f.authz}); err != nil {
		t.Fatal(err)
	}
	return f
}

// knownPolicies is a fake policy catalogue: the ARNs it holds exist.
type knownPolicies []string

func (k knownPolicies) ManagedPolicyExists(_ context.Context, arn string) (bool, error) {
	for _, a := range k {
		if a == arn {
			return true, nil
		}
	}
	return false, nil
}

const (
	readOnlyARN = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	mineARN     = "arn:aws:iam::" + acct + ":policy/team/Mine"
)

// Callers.
var (
	user = principal.Principal{AccessKeyID: "AKIAALICE00000000000", ARN: "arn:aws:iam::" + acct + ":user/alice",
		UserID: "AIDAALICE0000000000", UserName: "alice", Account: acct}
	root = principal.Principal{AccessKeyID: "AKIAROOT000000000000", ARN: "arn:aws:iam::" + acct + ":root",
		UserID: acct, IsRoot: true, Account: acct}
	roleSession = principal.Principal{AccessKeyID: "ASIAROLE000000000000", ARN: "arn:aws:sts::" + acct + ":assumed-role/deploy/ci",
		UserID: "AROADEPLOY0000000000:ci", Account: acct, SessionKind: principal.SessionAssumedRole,
		RoleName: "deploy", RoleARN: "arn:aws:iam::" + acct + ":role/deploy", SessionName: "ci", TokenIssued: t0}
	tokenSession = principal.Principal{AccessKeyID: "ASIATOKEN00000000000", ARN: user.ARN, UserID: user.UserID,
		UserName: "alice", Account: acct, SessionKind: principal.SessionToken, TokenIssued: t0}
	federated = principal.Principal{AccessKeyID: "ASIAFED0000000000000", ARN: "arn:aws:sts::" + acct + ":federated-user/bob",
		UserID: acct + ":bob", UserName: "alice", Account: acct, SessionKind: principal.SessionFederated, TokenIssued: t0}
)

// call sends one form-encoded STS request through the handler as the
// front door would hand it over.
func (f *fixture) call(t *testing.T, caller principal.Principal, params url.Values) *httptest.ResponseRecorder {
	t.Helper()
	if params.Get("Version") == "" {
		params.Set("Version", Version)
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(params.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	f.h.ServeQuery(w, r, &awsquery.Call{
		Action: params.Get("Action"), Version: params.Get("Version"), Params: params,
		Auth:      &authn.Result{Principal: caller, AuthType: authn.AuthHeader, SignatureVersion: authn.SigV4},
		RequestID: "req-1",
	})
	return w
}

// Response shapes as the botocore sts model has them.

type xmlCredentials struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

type responseMetadata struct {
	RequestId string
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
	Result  struct {
		Credentials     *xmlCredentials
		AssumedRoleUser *struct {
			Arn           string
			AssumedRoleId string
		}
		PackedPolicySize *int
		SourceIdentity   *string
	} `xml:"AssumeRoleResult"`
	ResponseMetadata responseMetadata
}

type getSessionTokenResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetSessionTokenResponse"`
	Result  struct {
		Credentials *xmlCredentials
	} `xml:"GetSessionTokenResult"`
	ResponseMetadata responseMetadata
}

type getFederationTokenResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetFederationTokenResponse"`
	Result  struct {
		Credentials   *xmlCredentials
		FederatedUser *struct {
			Arn             string
			FederatedUserId string
		}
		PackedPolicySize *int
	} `xml:"GetFederationTokenResult"`
	ResponseMetadata responseMetadata
}

type getCallerIdentityResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Result  struct {
		UserId  string
		Account string
		Arn     string
	} `xml:"GetCallerIdentityResult"`
	ResponseMetadata responseMetadata
}

type errorResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestId string
}

func decode(t *testing.T, w *httptest.ResponseRecorder, status int, v any) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
		t.Fatalf("Content-Type %q", ct)
	}
	if err := xml.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, w.Body)
	}
}

func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code, msg string) {
	t.Helper()
	var e errorResponse
	decode(t, w, status, &e)
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	if e.Error.Code != code || e.Error.Message != msg || e.Error.Type != typ || e.RequestId != "req-1" {
		t.Fatalf("error %s/%s %q (request %q)\n want %s/%s %q", e.Error.Type, e.Error.Code, e.Error.Message, e.RequestId, typ, code, msg)
	}
}

func checkCredentials(t *testing.T, c *xmlCredentials, expiry time.Time) {
	t.Helper()
	if c == nil {
		t.Fatal("no Credentials")
	}
	if !strings.HasPrefix(c.AccessKeyId, "ASIA") || len(c.AccessKeyId) != 20 || len(c.SecretAccessKey) != 40 || len(c.SessionToken) < 24 {
		t.Fatalf("credentials %+v", c)
	}
	if want := expiry.UTC().Format("2006-01-02T15:04:05Z"); c.Expiration != want {
		t.Fatalf("Expiration %q, want %q", c.Expiration, want)
	}
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestAssumeRole(t *testing.T) {
	f := newFixture(t)
	w := f.call(t, user, form("Action", "AssumeRole", "RoleArn", "arn:aws:iam::"+acct+":role/team/ops",
		"RoleSessionName", "build", "DurationSeconds", "7200", "SourceIdentity", "alice@example.com"))
	var resp assumeRoleResponse
	decode(t, w, http.StatusOK, &resp)
	checkCredentials(t, resp.Result.Credentials, t0.Add(2*time.Hour))
	u := resp.Result.AssumedRoleUser
	if u == nil || u.Arn != "arn:aws:sts::"+acct+":assumed-role/ops/build" || u.AssumedRoleId != "AROAOPS0000000000000:build" {
		t.Fatalf("AssumedRoleUser %+v", u)
	}
	if resp.Result.PackedPolicySize != nil {
		t.Fatal("PackedPolicySize without a policy")
	}
	if s := resp.Result.SourceIdentity; s == nil || *s != "alice@example.com" {
		t.Fatalf("SourceIdentity %v", s)
	}
	if resp.ResponseMetadata.RequestId != "req-1" {
		t.Fatalf("RequestId %q", resp.ResponseMetadata.RequestId)
	}
	// The authoriser was asked about the role by its full ARN, with the
	// parsed trust policy.
	if got := f.authz.seen(); len(got) != 1 || got[0] != user.ARN+" sts:AssumeRole arn:aws:iam::"+acct+":role/team/ops" {
		t.Fatalf("authoriser calls %q", got)
	}
	if f.authz.trust == nil {
		t.Fatal("no trust policy handed to the authoriser")
	}
	if c := f.authz.conds; len(c) != 2 || c["sts:RoleSessionName"][0] != "build" || c["sts:SourceIdentity"][0] != "alice@example.com" {
		t.Fatalf("condition keys %v", c)
	}
	f.call(t, user, form("Action", "AssumeRole", "RoleArn", "arn:aws:iam::"+acct+":role/deploy", "RoleSessionName", "s2", "ExternalId", "Unique-42"))
	if c := f.authz.conds; len(c) != 2 || c["sts:ExternalId"][0] != "Unique-42" {
		t.Fatalf("condition keys %v", c)
	}
	sess, err := f.svc.Get(t.Context(), resp.Result.Credentials.AccessKeyId)
	if err != nil {
		t.Fatal(err)
	}
	if !sess.Expiry.Equal(t0.Add(2 * time.Hour)) {
		t.Fatalf("stored expiry %v", sess.Expiry)
	}
}

func TestAssumeRoleWithPolicy(t *testing.T) {
	f := newFixture(t)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	w := f.call(t, user, form("Action", "AssumeRole", "RoleArn", "arn:aws:iam::"+acct+":role/deploy", "RoleSessionName", "s1", "Policy", doc))
	var resp assumeRoleResponse
	decode(t, w, http.StatusOK, &resp)
	if n := resp.Result.PackedPolicySize; n == nil || *n != sts.PackedPolicySize(doc) || *n < 1 {
		t.Fatalf("PackedPolicySize %v", n)
	}
	if resp.Result.SourceIdentity != nil {
		t.Fatal("SourceIdentity without one asked for")
	}
	w = f.call(t, user, form("Action", "AssumeRole", "RoleArn", "arn:aws:iam::"+acct+":role/deploy", "RoleSessionName", "s1", "Policy", `{"Statement":[]`))
	var e errorResponse
	decode(t, w, http.StatusBadRequest, &e)
	if e.Error.Code != "MalformedPolicyDocument" || e.Error.Message == "" {
		t.Fatalf("error %+v", e.Error)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	deployARN := "arn:aws:iam::" + acct + ":role/deploy"
	denied := func(p principal.Principal, arn string) string {
		return "User: " + p.ARN + " is not authorized to perform: sts:AssumeRole on resource: " + arn
	}
	for _, tc := range []struct {
		name      string
		caller    principal.Principal
		params    url.Values
		authzDeny bool
		status    int
		code, msg string
		askAuthz  bool // whether the authoriser is reached
	}{
		{"trust denies", user, form("RoleArn", deployARN, "RoleSessionName", "s1"), true,
			403, "AccessDenied", denied(user, deployARN), true},
		{"no such role", user, form("RoleArn", "arn:aws:iam::"+acct+":role/nope", "RoleSessionName", "s1"), false,
			403, "AccessDenied", denied(user, "arn:aws:iam::"+acct+":role/nope"), false},
		{"trust policy unreadable", user, form("RoleArn", "arn:aws:iam::"+acct+":role/broken", "RoleSessionName", "s1"), false,
			403, "AccessDenied", denied(user, "arn:aws:iam::"+acct+":role/broken"), false},
		{"root", root, form("RoleArn", deployARN, "RoleSessionName", "s1"), false,
			403, "AccessDenied", "Roles may not be assumed by root accounts.", false},
		{"federated credentials", federated, form("RoleArn", deployARN, "RoleSessionName", "s1"), false,
			403, "AccessDenied", denied(federated, deployARN), false},
		{"not a role ARN", user, form("RoleArn", "arn:aws:iam::"+acct+":user/alice", "RoleSessionName", "s1"), false,
			400, "ValidationError", "Request ARN is invalid", false},
		{"899 seconds", user, form("RoleArn", deployARN, "RoleSessionName", "s1", "DurationSeconds", "899"), false,
			400, "ValidationError", "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", false},
		{"0 seconds", user, form("RoleArn", deployARN, "RoleSessionName", "s1", "DurationSeconds", "0"), false,
			400, "ValidationError", "1 validation error detected: Value '0' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", false},
		{"huge", user, form("RoleArn", deployARN, "RoleSessionName", "s1", "DurationSeconds", "99999999999"), false,
			400, "ValidationError", "1 validation error detected: Value '99999999999' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200", false},
		{"not a number", user, form("RoleArn", deployARN, "RoleSessionName", "s1", "DurationSeconds", "1h"), false,
			400, "ValidationError", "Value '1h' for parameter DurationSeconds is invalid. It must be an integer.", false},
		{"no session name", user, form("RoleArn", deployARN), false,
			400, "ValidationError", "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null", false},
		{"over MaxSessionDuration", user, form("RoleArn", deployARN, "RoleSessionName", "s1", "DurationSeconds", "3601"), false,
			400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", true},
		{"chained over an hour", roleSession, form("RoleArn", "arn:aws:iam::"+acct+":role/team/ops", "RoleSessionName", "s1", "DurationSeconds", "3601"), false,
			400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.authzDeny {
				f.authz.deny = errors.New("implicit deny")
			}
			tc.params.Set("Action", "AssumeRole")
			w := f.call(t, tc.caller, tc.params)
			wantError(t, w, tc.status, tc.code, tc.msg)
			if asked := len(f.authz.seen()) > 0; asked != tc.askAuthz {
				t.Fatalf("authoriser asked: %v, want %v", asked, tc.askAuthz)
			}
			if n := sessions(t, f); n != 0 {
				t.Fatalf("%d sessions stored", n)
			}
		})
	}
}

func sessions(t *testing.T, f *fixture) int {
	t.Helper()
	all, err := f.store.ListSessions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

func TestChainedAndTokenCallersMayAssumeRoles(t *testing.T) {
	f := newFixture(t)
	for _, caller := range []principal.Principal{roleSession, tokenSession} {
		w := f.call(t, caller, form("Action", "AssumeRole", "RoleArn", "arn:aws:iam::"+acct+":role/team/ops", "RoleSessionName", "s1"))
		var resp assumeRoleResponse
		decode(t, w, http.StatusOK, &resp)
		checkCredentials(t, resp.Result.Credentials, t0.Add(time.Hour))
	}
}

func TestGetSessionToken(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		caller   principal.Principal
		duration string
		want     time.Duration
	}{
		{user, "", 12 * time.Hour},
		{user, "129600", 36 * time.Hour},
		{root, "", time.Hour},
		{root, "7200", time.Hour},
	} {
		p := form("Action", "GetSessionToken")
		if tc.duration != "" {
			p.Set("DurationSeconds", tc.duration)
		}
		var resp getSessionTokenResponse
		decode(t, f.call(t, tc.caller, p), http.StatusOK, &resp)
		checkCredentials(t, resp.Result.Credentials, t0.Add(tc.want))
	}
	wantError(t, f.call(t, user, form("Action", "GetSessionToken", "DurationSeconds", "129601")), 400, "ValidationError",
		"1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600")
	for _, caller := range []principal.Principal{roleSession, tokenSession, federated} {
		wantError(t, f.call(t, caller, form("Action", "GetSessionToken")), 403, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	}
	if got := f.authz.seen(); len(got) != 0 {
		t.Fatalf("GetSessionToken asked the authoriser: %q", got)
	}
}

func TestGetFederationToken(t *testing.T) {
	f := newFixture(t)
	var resp getFederationTokenResponse
	decode(t, f.call(t, user, form("Action", "GetFederationToken", "Name", "bob")), http.StatusOK, &resp)
	checkCredentials(t, resp.Result.Credentials, t0.Add(12*time.Hour))
	fu := resp.Result.FederatedUser
	if fu == nil || fu.Arn != "arn:aws:sts::"+acct+":federated-user/bob" || fu.FederatedUserId != acct+":bob" {
		t.Fatalf("FederatedUser %+v", fu)
	}
	if resp.Result.PackedPolicySize != nil {
		t.Fatal("PackedPolicySize without a policy")
	}
	if got := f.authz.seen(); len(got) != 1 || got[0] != user.ARN+" sts:GetFederationToken arn:aws:sts::"+acct+":federated-user/bob" {
		t.Fatalf("authoriser calls %q", got)
	}
	sess, err := f.svc.Get(t.Context(), resp.Result.Credentials.AccessKeyId)
	if err != nil || sess.Kind != principal.SessionFederated || sess.SessionPolicy != "" {
		t.Fatalf("stored %+v, %v", sess, err)
	}

	decode(t, f.call(t, root, form("Action", "GetFederationToken", "Name", "bob", "DurationSeconds", "7200")), http.StatusOK, &resp)
	checkCredentials(t, resp.Result.Credentials, t0.Add(time.Hour))

	f.authz.deny = errors.New("no")
	wantError(t, f.call(t, user, form("Action", "GetFederationToken", "Name", "bob")), 403, "AccessDenied",
		"User: "+user.ARN+" is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::"+acct+":federated-user/bob")
	f.authz.deny = nil
	for _, caller := range []principal.Principal{roleSession, tokenSession, federated} {
		wantError(t, f.call(t, caller, form("Action", "GetFederationToken", "Name", "bob")), 403, "AccessDenied", "Cannot call GetFederationToken with session credentials")
	}
	wantError(t, f.call(t, user, form("Action", "GetFederationToken", "Name", "b")), 400, "ValidationError",
		"1 validation error detected: Value 'b' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2")
	wantError(t, f.call(t, user, form("Action", "GetFederationToken", "Name", "bob", "Policy", "not json")), 400, "MalformedPolicyDocument",
		mustParseErr(t, "not json"))
}

func mustParseErr(t *testing.T, doc string) string {
	t.Helper()
	_, err := policy.Parse(policy.Session, []byte(doc))
	if err == nil {
		t.Fatalf("%q parsed", doc)
	}
	return err.Error()
}

func TestGetFederationTokenWithPolicy(t *testing.T) {
	f := newFixture(t)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	var resp getFederationTokenResponse
	decode(t, f.call(t, user, form("Action", "GetFederationToken", "Name", "bob", "Policy", doc)), http.StatusOK, &resp)
	if n := resp.Result.PackedPolicySize; n == nil || *n != sts.PackedPolicySize(doc) {
		t.Fatalf("PackedPolicySize %v", n)
	}
	sess, err := f.svc.Get(t.Context(), resp.Result.Credentials.AccessKeyId)
	if err != nil || sess.SessionPolicy != doc {
		t.Fatalf("stored %+v, %v", sess, err)
	}
}

func TestGetCallerIdentity(t *testing.T) {
	f := newFixture(t)
	// Even an authoriser that denies everything does not stop it.
	f.authz.deny = errors.New("explicit deny")
	for _, p := range []principal.Principal{user, root, roleSession, tokenSession, federated} {
		var resp getCallerIdentityResponse
		decode(t, f.call(t, p, form("Action", "GetCallerIdentity")), http.StatusOK, &resp)
		if resp.Result.Arn != p.ARN || resp.Result.UserId != p.UserID || resp.Result.Account != acct {
			t.Fatalf("%+v for %s", resp.Result, p.ARN)
		}
	}
	if got := f.authz.seen(); len(got) != 0 {
		t.Fatalf("GetCallerIdentity asked the authoriser: %q", got)
	}
}

func TestProtocolErrors(t *testing.T) {
	f := newFixture(t)
	wantError(t, f.call(t, user, form("Action", "GetCallerIdentity", "Version", "2010-05-08")), 400, "InvalidAction",
		"Could not find operation GetCallerIdentity for version 2010-05-08")
	wantError(t, f.call(t, user, form("Action", "AssumeRoleWithSAML")), 400, "InvalidAction",
		"Could not find operation AssumeRoleWithSAML for version 2011-06-15")
	wantError(t, f.call(t, user, form("Action", "CreateUser")), 400, "InvalidAction",
		"Could not find operation CreateUser for version 2011-06-15")
	if got := f.h.Namespace(); got != "https://sts.amazonaws.com/doc/2011-06-15/" {
		t.Fatalf("Namespace %q", got)
	}
}

// An authoriser's own Query error passes through unchanged.
func TestAuthorizerQueryErrorPassesThrough(t *testing.T) {
	f := newFixture(t)
	f.authz.deny = &awsquery.Error{Status: 500, Code: "InternalFailure", Message: "policy store unavailable", Receiver: true}
	wantError(t, f.call(t, user, form("Action", "GetFederationToken", "Name", "bob")), 500, "InternalFailure", "policy store unavailable")
}

// failingStore fails role lookups, as a broken metadata store would.
type failingStore struct{ meta.Identities }

func (failingStore) GetRole(context.Context, string) (meta.Role, error) {
	return meta.Role{}, errors.New("disk on fire at /var/lib/signet")
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	store := metafixture.Memory(t)
	f := newFixtureOn(t, store)
	var err error
	if f.h, err = New(Config{STS: f.svc, Store: failingStore{store}, Authz: f.authz}); err != nil {
		t.Fatal(err)
	}
	w := f.call(t, user, form("Action", "AssumeRole", "RoleArn", "arn:aws:iam::"+acct+":role/deploy", "RoleSessionName", "s1"))
	wantError(t, w, 500, "InternalFailure", "The request processing has failed because of an unknown error.")
	if body, _ := io.ReadAll(w.Body); strings.Contains(string(body), "disk on fire") {
		t.Fatal("internal error text reached the client")
	}
}

// PolicyArns.member.N.arn is read in member order, stored with the session
// and counted in PackedPolicySize; a parameter of another shape is refused
// (dropping it would widen the session), and an unknown ARN is
// MalformedPolicyDocument.
func TestAssumeRoleWithPolicyARNs(t *testing.T) {
	f := newFixture(t)
	role := "arn:aws:iam::" + acct + ":role/deploy"
	w := f.call(t, user, form("Action", "AssumeRole", "RoleArn", role, "RoleSessionName", "s1",
		"PolicyArns.member.2.arn", readOnlyARN, "PolicyArns.member.1.arn", mineARN))
	var resp assumeRoleResponse
	decode(t, w, http.StatusOK, &resp)
	if n := resp.Result.PackedPolicySize; n == nil || *n != sts.PackedPolicySize("", mineARN, readOnlyARN) || *n < 1 {
		t.Fatalf("PackedPolicySize %v", n)
	}
	sess, err := f.svc.Get(t.Context(), resp.Result.Credentials.AccessKeyId)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(sess.SessionPolicyARNs, " "); got != mineARN+" "+readOnlyARN {
		t.Fatalf("stored ARNs %q", got)
	}

	for _, tc := range []struct {
		name, key, value, code, message string
	}{
		{"unknown ARN", "PolicyArns.member.1.arn", "arn:aws:iam::" + acct + ":policy/Nope", "MalformedPolicyDocument",
			"Policy arn:aws:iam::" + acct + ":policy/Nope does not exist or is not attachable."},
		{"short ARN", "PolicyArns.member.1.arn", "arn:aws:iam::1:p", "ValidationError",
			"1 validation error detected: Value 'arn:aws:iam::1:p' at 'policyArns.1.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"member without .arn", "PolicyArns.member.1", readOnlyARN, "ValidationError", ""},
		{"member zero", "PolicyArns.member.0.arn", readOnlyARN, "ValidationError", ""},
		{"not a list", "PolicyArns", readOnlyARN, "ValidationError", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := f.call(t, user, form("Action", "AssumeRole", "RoleArn", role, "RoleSessionName", "s2", tc.key, tc.value))
			var e errorResponse
			decode(t, w, http.StatusBadRequest, &e)
			if e.Error.Code != tc.code || (tc.message != "" && e.Error.Message != tc.message) {
				t.Fatalf("error %+v, want %s %q", e.Error, tc.code, tc.message)
			}
		})
	}
	// The empty list botocore sends for PolicyArns=[] is no list.
	w = f.call(t, user, form("Action", "AssumeRole", "RoleArn", role, "RoleSessionName", "s3", "PolicyArns", ""))
	var plain assumeRoleResponse
	decode(t, w, http.StatusOK, &plain)
	if plain.Result.PackedPolicySize != nil {
		t.Fatalf("PackedPolicySize %v without a session policy", *plain.Result.PackedPolicySize)
	}
}

func TestGetFederationTokenWithPolicyARNs(t *testing.T) {
	f := newFixture(t)
	w := f.call(t, user, form("Action", "GetFederationToken", "Name", "bob", "PolicyArns.member.1.arn", readOnlyARN))
	var resp getFederationTokenResponse
	decode(t, w, http.StatusOK, &resp)
	if n := resp.Result.PackedPolicySize; n == nil || *n != sts.PackedPolicySize("", readOnlyARN) {
		t.Fatalf("PackedPolicySize %v", n)
	}
	sess, err := f.svc.Get(t.Context(), resp.Result.Credentials.AccessKeyId)
	if err != nil {
		t.Fatal(err)
	}
	if len(sess.SessionPolicyARNs) != 1 || sess.SessionPolicyARNs[0] != readOnlyARN {
		t.Fatalf("stored ARNs %q", sess.SessionPolicyARNs)
	}
}
