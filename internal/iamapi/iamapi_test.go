package iamapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/authn"
	"signet/internal/awsquery"
	"signet/internal/clock"
	"signet/internal/iam"
	"signet/internal/meta/memory"
	"signet/internal/meta/metafixture"
	"signet/internal/password"
	"signet/internal/principal"
	"signet/internal/secret"
)

const acct = "123456789012"

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Principals as authn describes them.
var (
	rootP = principal.Principal{AccessKeyID: "AKIAROOTROOTROOTROOT", ARN: "arn:aws:iam::" + acct + ":root", UserID: acct, IsRoot: true, Account: acct}
	bobP  = principal.Principal{AccessKeyID: "AKIABOBBOBBOBBOBBOB2", ARN: "arn:aws:iam::" + acct + ":user/bob", UserID: "AIDABOB", UserName: "bob", Account: acct}
	roleP = principal.Principal{
		AccessKeyID: "ASIAROLEROLEROLEROLE", ARN: "arn:aws:sts::" + acct + ":assumed-role/R/s", UserID: "AROAR:s", Account: acct,
		SessionKind: principal.SessionAssumedRole, RoleName: "R", RoleARN: "arn:aws:iam::" + acct + ":role/R", SessionName: "s",
	}
	tokenP = principal.Principal{AccessKeyID: "ASIATOKENTOKENTOKEN2", ARN: bobP.ARN, UserName: "bob", Account: acct, SessionKind: principal.SessionToken}
	fedP   = principal.Principal{AccessKeyID: "ASIAFEDFEDFEDFEDFED2", ARN: "arn:aws:sts::" + acct + ":federated-user/f", UserName: "bob", Account: acct, SessionKind: principal.SessionFederated}
)

// fakeAuthz records every question and denies the actions in deny ("*"
// for all).
type fakeAuthz struct {
	mu    sync.Mutex
	deny  map[string]bool
	calls []authzCall
	err   error // returned instead of the default refusal when set
}

type authzCall struct{ action, resource string }

func (a *fakeAuthz) Authorize(_ *http.Request, _ *authn.Result, action, resource string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, authzCall{action, resource})
	if a.deny["*"] || a.deny[action] {
		if a.err != nil {
			return a.err
		}
		return errors.New("denied")
	}
	return nil
}

func (a *fakeAuthz) last() authzCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.calls) == 0 {
		return authzCall{}
	}
	return a.calls[len(a.calls)-1]
}

type fixture struct {
	h     awsquery.Handler
	svc   *iam.Service
	store *memory.Store
	authz *fakeAuthz
	logs  *bytes.Buffer
	clock *clock.Fake
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := metafixture.Memory(t)
	key, _ := secret.GenerateKey()
	sealer, err := secret.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	svc, err := iam.New(iam.Config{Store: st, Sealer: sealer, Clock: clk, Account: acct, RootCreated: t0.Add(-time.Hour),
		PasswordParams: password.Params{Time: 1, Memory: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	az := &fakeAuthz{deny: map[string]bool{}}
	logs := &bytes.Buffer{}
	h, err := New(Config{IAM: svc, Authz: az, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{h: h, svc: svc, store: st, authz: az, logs: logs, clock: clk}
}

// do runs one action as principal p. params alternate name, value.
func (f *fixture) do(t *testing.T, p principal.Principal, action string, params ...string) *httptest.ResponseRecorder {
	t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	return f.doCall(&awsquery.Call{Action: action, Version: Version, Params: v, Auth: &authn.Result{Principal: p}, RequestID: "req-1"})
}

func (f *fixture) doCall(c *awsquery.Call) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	w := httptest.NewRecorder()
	f.h.ServeQuery(w, r, c)
	return w
}

// ok checks a 200 and decodes the body into v (an *XResponse shape).
func ok(t *testing.T, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if v != nil {
		if err := xml.Unmarshal(w.Body.Bytes(), v); err != nil {
			t.Fatalf("decode: %v\n%s", err, w.Body)
		}
	}
}

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

// fails checks an error envelope: status, code and message ("" skips
// the message).
func fails(t *testing.T, w *httptest.ResponseRecorder, status int, code, msg string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	var e errorResponse
	if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("decode error: %v\n%s", err, w.Body)
	}
	if e.XMLName.Space != awsquery.IAMNamespace || e.Error.Code != code || msg != "" && e.Error.Message != msg || e.RequestID != "req-1" {
		t.Fatalf("error %+v, want %s %q", e, code, msg)
	}
	wantType := "Sender"
	if status >= 500 {
		wantType = "Receiver"
	}
	if e.Error.Type != wantType {
		t.Fatalf("error type %s, want %s", e.Error.Type, wantType)
	}
}

// Response shapes as botocore reads them.

type metadata struct {
	RequestID string `xml:"RequestId"`
}

type userOut struct {
	Path       *string
	UserName   *string
	UserId     string
	Arn        string
	CreateDate string
}

type getUserResponse struct {
	XMLName  xml.Name
	Result   struct{ User userOut } `xml:"GetUserResult"`
	Metadata metadata               `xml:"ResponseMetadata"`
}

type createUserResponse struct {
	XMLName xml.Name
	Result  struct{ User userOut } `xml:"CreateUserResult"`
}

type listUsersResponse struct {
	Result struct {
		Users       []userOut `xml:"Users>member"`
		IsTruncated bool
		Marker      string
	} `xml:"ListUsersResult"`
}

type roleOut struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      string
	CreateDate               string
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       int
}

var isoRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// unquote is what botocore does to a policy document: urllib's unquote,
// then json.loads.
func unquote(t *testing.T, s string) any {
	t.Helper()
	raw, err := url.PathUnescape(s)
	if err != nil {
		t.Fatalf("unquote %q: %v", s, err)
	}
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("decoded document is not JSON: %v: %q", err, raw)
	}
	return v
}

func jsonOf(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

const (
	allowGet = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my bucket+x/*"}]}`
	trust    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
)

func TestUserLifecycle(t *testing.T) {
	f := newFixture(t)
	w := f.do(t, rootP, "CreateUser", "UserName", "bob", "Path", "/eng/")
	var cu createUserResponse
	ok(t, w, &cu)
	if cu.XMLName.Local != "CreateUserResponse" || cu.XMLName.Space != awsquery.IAMNamespace {
		t.Fatalf("envelope %v", cu.XMLName)
	}
	u := cu.Result.User
	if u.UserName == nil || *u.UserName != "bob" || u.Path == nil || *u.Path != "/eng/" || u.Arn != "arn:aws:iam::123456789012:user/eng/bob" ||
		!strings.HasPrefix(u.UserId, "AIDA") || u.CreateDate != "2026-03-01T12:00:00Z" {
		t.Fatalf("created %+v", u)
	}
	if got := f.authz.last(); got != (authzCall{"iam:CreateUser", "arn:aws:iam::123456789012:user/eng/bob"}) {
		t.Fatalf("authorised %+v", got)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
		t.Fatalf("Content-Type %q", ct)
	}

	fails(t, f.do(t, rootP, "CreateUser", "UserName", "bob"), 409, "EntityAlreadyExists", "User with name bob already exists.")

	var gu getUserResponse
	ok(t, f.do(t, rootP, "GetUser", "UserName", "BOB"), &gu)
	if gu.Result.User.UserId != u.UserId || gu.Metadata.RequestID != "req-1" || gu.XMLName.Local != "GetUserResponse" {
		t.Fatalf("GetUser %+v", gu)
	}
	if got := f.authz.last(); got.resource != "arn:aws:iam::123456789012:user/eng/bob" {
		t.Fatalf("GetUser authorised on %s, want the ARN with the user's path", got.resource)
	}

	ok(t, f.do(t, rootP, "CreateUser", "UserName", "alice"), nil)
	var lu listUsersResponse
	ok(t, f.do(t, rootP, "ListUsers"), &lu)
	if len(lu.Result.Users) != 2 || *lu.Result.Users[0].UserName != "alice" || lu.Result.IsTruncated || lu.Result.Marker != "" {
		t.Fatalf("ListUsers %+v", lu)
	}
	if got := f.authz.last(); got != (authzCall{"iam:ListUsers", "*"}) {
		t.Fatalf("ListUsers authorised %+v", got)
	}
	lu = listUsersResponse{}
	ok(t, f.do(t, rootP, "ListUsers", "PathPrefix", "/eng/"), &lu)
	if len(lu.Result.Users) != 1 {
		t.Fatalf("ListUsers(/eng/) %+v", lu)
	}

	w = f.do(t, rootP, "DeleteUser", "UserName", "bob")
	ok(t, w, nil)
	var del struct {
		XMLName  xml.Name
		Result   *struct{} `xml:"DeleteUserResult"`
		Metadata metadata  `xml:"ResponseMetadata"`
	}
	ok(t, w, &del)
	if del.XMLName.Local != "DeleteUserResponse" || del.Result != nil || del.Metadata.RequestID != "req-1" {
		t.Fatalf("DeleteUser %s", w.Body)
	}
	fails(t, f.do(t, rootP, "GetUser", "UserName", "bob"), 404, "NoSuchEntity", "The user with name bob cannot be found.")
}

func TestGetUserWithoutName(t *testing.T) {
	f := newFixture(t)
	ok(t, f.do(t, rootP, "CreateUser", "UserName", "bob"), nil)

	// An IAM user gets itself.
	var gu getUserResponse
	ok(t, f.do(t, bobP, "GetUser"), &gu)
	if *gu.Result.User.UserName != "bob" {
		t.Fatalf("GetUser as bob: %+v", gu.Result.User)
	}

	// Root gets the account's root: its ARN, the account ID as UserId,
	// no name or path.
	w := f.do(t, rootP, "GetUser")
	gu = getUserResponse{}
	ok(t, w, &gu)
	ru := gu.Result.User
	if ru.UserName != nil || ru.Path != nil || ru.UserId != acct || ru.Arn != "arn:aws:iam::123456789012:root" || ru.CreateDate != "2026-03-01T11:00:00Z" {
		t.Fatalf("GetUser as root: %s", w.Body)
	}
	if got := f.authz.last(); got != (authzCall{"iam:GetUser", "arn:aws:iam::123456789012:root"}) {
		t.Fatalf("authorised %+v", got)
	}

	fails(t, f.do(t, roleP, "GetUser"), 400, "ValidationError", "Must specify userName when calling with non-User credentials")
	fails(t, f.do(t, roleP, "ListAccessKeys"), 400, "ValidationError", "Must specify userName when calling with non-User credentials")
	// A role session may name a user.
	ok(t, f.do(t, roleP, "GetUser", "UserName", "bob"), nil)
}

func TestSessionCredentialsCannotCallIAM(t *testing.T) {
	f := newFixture(t)
	for _, p := range []principal.Principal{tokenP, fedP} {
		f.authz.calls = nil
		fails(t, f.do(t, p, "ListUsers"), 403, "InvalidClientTokenId", "The security token included in the request is invalid")
		// Refused before the action is even looked up, as AWS does.
		fails(t, f.do(t, p, "NoSuchAction"), 403, "InvalidClientTokenId", "")
		if len(f.authz.calls) != 0 {
			t.Fatalf("authoriser asked for a %s session", p.SessionKind)
		}
	}
	fails(t, f.doCall(&awsquery.Call{Action: "ListUsers", Version: Version, RequestID: "req-1"}), 403, "MissingAuthenticationToken", "")
}

// A web console sign-in session is a session token IAM serves, as AWS
// serves its console's sessions; authorised as its user.
func TestConsoleSessionCallsIAM(t *testing.T) {
	f := newFixture(t)
	console := tokenP
	console.SessionName = principal.ConsoleSessionName
	ok(t, f.do(t, console, "ListUsers"), nil)
	if got := f.authz.last(); got.action != "iam:ListUsers" {
		t.Fatalf("authorised %+v", got)
	}
	// The name alone does not open IAM to other kinds of session.
	fed := fedP
	fed.SessionName = principal.ConsoleSessionName
	fails(t, f.do(t, fed, "GetUser", "UserName", "bob"), 403, "InvalidClientTokenId", "The security token included in the request is invalid")
}

func TestUnknownActionAndVersion(t *testing.T) {
	f := newFixture(t)
	fails(t, f.do(t, rootP, "CreateGroup", "GroupName", "g"), 400, "InvalidAction", "Could not find operation CreateGroup for version 2010-05-08")
	w := f.doCall(&awsquery.Call{Action: "ListUsers", Version: "2011-06-15", Params: url.Values{}, Auth: &authn.Result{Principal: rootP}, RequestID: "req-1"})
	fails(t, w, 400, "InvalidAction", "Could not find operation ListUsers for version 2011-06-15")
	if len(f.authz.calls) != 0 {
		t.Fatal("authoriser asked about an unknown action")
	}
}

func TestMissingParameters(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		action string
		params []string
		field  string
	}{
		{"CreateUser", nil, "userName"},
		{"DeleteUser", nil, "userName"},
		{"CreateRole", []string{"RoleName", "R"}, "assumeRolePolicyDocument"},
		{"PutUserPolicy", []string{"UserName", "bob", "PolicyName", "p"}, "policyDocument"},
		{"GetRolePolicy", []string{"RoleName", "R"}, "policyName"},
		{"AttachRolePolicy", []string{"RoleName", "R"}, "policyArn"},
		{"GetPolicyVersion", []string{"PolicyArn", "arn:aws:iam::aws:policy/IAMFullAccess"}, "versionId"},
		{"UpdateAccessKey", []string{"AccessKeyId", "AKIAAAAAAAAAAAAAAAAA"}, "status"},
	}
	for _, c := range cases {
		t.Run(c.action, func(t *testing.T) {
			fails(t, f.do(t, rootP, c.action, c.params...), 400, "ValidationError",
				"1 validation error detected: Value null at '"+c.field+"' failed to satisfy constraint: Member must not be null")
		})
	}
}

// TestEveryActionAuthorizes runs each action with everything it needs
// and a refusing authoriser: each must ask about iam:<Action> and answer
// AccessDenied without acting.
func TestEveryActionAuthorizes(t *testing.T) {
	f := newFixture(t)
	ok(t, f.do(t, rootP, "CreateUser", "UserName", "bob", "Path", "/p/"), nil)
	ok(t, f.do(t, rootP, "CreateRole", "RoleName", "R", "AssumeRolePolicyDocument", trust), nil)
	f.authz.deny["*"] = true

	params := []string{
		"UserName", "bob", "RoleName", "R", "PolicyName", "p", "PolicyDocument", allowGet,
		"AssumeRolePolicyDocument", trust, "PolicyArn", "arn:aws:iam::aws:policy/IAMFullAccess",
		"VersionId", "v2", "AccessKeyId", "AKIAAAAAAAAAAAAAAAAA", "Status", "Inactive",
		"Password", "Pa55word!x", "OldPassword", "Pa55word!x", "NewPassword", "Pa55word!y",
	}
	want := map[string]string{
		"ListUsers": "*", "ListRoles": "*", "ListPolicies": "*",
		"UpdateAccountPasswordPolicy": "*", "GetAccountPasswordPolicy": "*", "DeleteAccountPasswordPolicy": "*",
		// A new entity's ARN takes the Path parameter (absent: "/").
		"CreateUser":   "arn:aws:iam::123456789012:user/bob",
		"CreatePolicy": "arn:aws:iam::123456789012:policy/p", "GetPolicy": "arn:aws:iam::aws:policy/IAMFullAccess",
		"GetPolicyVersion": "arn:aws:iam::aws:policy/IAMFullAccess", "DeletePolicy": "arn:aws:iam::aws:policy/IAMFullAccess",
	}
	acts := Actions()
	sort.Strings(acts)
	if len(acts) != 41 {
		t.Fatalf("%d actions served", len(acts))
	}
	for _, a := range acts {
		t.Run(a, func(t *testing.T) {
			w := f.do(t, bobP, a, params...)
			res, ok := want[a]
			if !ok {
				res = "arn:aws:iam::123456789012:user/p/bob"
				if strings.Contains(a, "Role") {
					res = "arn:aws:iam::123456789012:role/R"
				}
			}
			fails(t, w, 403, "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:"+a+
				" on resource: "+res+" because no identity-based policy allows the iam:"+a+" action")
			if got := f.authz.last(); got.action != "iam:"+a || got.resource != res {
				t.Fatalf("authorised %+v", got)
			}
		})
	}
	// Nothing was done.
	f.authz.deny = map[string]bool{}
	var lu listUsersResponse
	ok(t, f.do(t, rootP, "ListUsers"), &lu)
	if len(lu.Result.Users) != 1 {
		t.Fatalf("users after denied calls: %+v", lu.Result.Users)
	}
	ks, _ := f.svc.ListAccessKeys(t.Context(), "bob")
	if len(ks) != 0 {
		t.Fatal("a denied CreateAccessKey created a key")
	}
}

func TestAuthorizerQueryErrorPassesThrough(t *testing.T) {
	f := newFixture(t)
	f.authz.deny["iam:ListUsers"] = true
	f.authz.err = &awsquery.Error{Status: 403, Code: "AccessDenied", Message: "explicit deny"}
	fails(t, f.do(t, bobP, "ListUsers"), 403, "AccessDenied", "explicit deny")
}

type accessKeyOut struct {
	UserName        string
	AccessKeyId     string
	Status          string
	SecretAccessKey string
	CreateDate      string
}

func TestAccessKeys(t *testing.T) {
	f := newFixture(t)
	ok(t, f.do(t, rootP, "CreateUser", "UserName", "bob"), nil)

	var ck struct {
		Result struct{ AccessKey accessKeyOut } `xml:"CreateAccessKeyResult"`
	}
	// No UserName: the calling user.
	ok(t, f.do(t, bobP, "CreateAccessKey"), &ck)
	k := ck.Result.AccessKey
	if k.UserName != "bob" || !strings.HasPrefix(k.AccessKeyId, "AKIA") || k.Status != "Active" || len(k.SecretAccessKey) != 40 || !isoRE.MatchString(k.CreateDate) {
		t.Fatalf("CreateAccessKey %+v", k)
	}
	if got := f.authz.last(); got != (authzCall{"iam:CreateAccessKey", "arn:aws:iam::123456789012:user/bob"}) {
		t.Fatalf("authorised %+v", got)
	}
	f.clock.Advance(time.Second) // keys list in creation order
	ok(t, f.do(t, rootP, "CreateAccessKey", "UserName", "bob"), nil)
	fails(t, f.do(t, rootP, "CreateAccessKey", "UserName", "bob"), 409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	fails(t, f.do(t, rootP, "CreateAccessKey", "UserName", "nobody"), 404, "NoSuchEntity", "The user with name nobody cannot be found.")
	fails(t, f.do(t, rootP, "CreateAccessKey"), 400, "ValidationError", "Must specify userName when calling with non-User credentials")

	ok(t, f.do(t, bobP, "UpdateAccessKey", "AccessKeyId", k.AccessKeyId, "Status", "Inactive"), nil)
	fails(t, f.do(t, bobP, "UpdateAccessKey", "AccessKeyId", k.AccessKeyId, "Status", "Off"), 400, "ValidationError", "")

	var lk struct {
		Result struct {
			AccessKeyMetadata []accessKeyOut `xml:"AccessKeyMetadata>member"`
			IsTruncated       bool
		} `xml:"ListAccessKeysResult"`
	}
	w := f.do(t, bobP, "ListAccessKeys")
	ok(t, w, &lk)
	if len(lk.Result.AccessKeyMetadata) != 2 || lk.Result.AccessKeyMetadata[0].Status != "Inactive" || lk.Result.IsTruncated {
		t.Fatalf("ListAccessKeys %s", w.Body)
	}
	if strings.Contains(w.Body.String(), "SecretAccessKey") || strings.Contains(w.Body.String(), k.SecretAccessKey) {
		t.Fatal("ListAccessKeys shows a secret")
	}
	ok(t, f.do(t, bobP, "DeleteAccessKey", "AccessKeyId", k.AccessKeyId), nil)
	fails(t, f.do(t, bobP, "DeleteAccessKey", "AccessKeyId", k.AccessKeyId), 404, "NoSuchEntity", "The Access Key with id "+k.AccessKeyId+" cannot be found")
	fails(t, f.do(t, rootP, "DeleteUser", "UserName", "bob"), 409, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
}

func TestRoles(t *testing.T) {
	f := newFixture(t)
	// The trust policy names bob: IAM binds a named user at save time,
	// so he must exist.
	ok(t, f.do(t, rootP, "CreateUser", "UserName", "bob"), nil)
	var cr struct {
		XMLName xml.Name
		Result  struct{ Role roleOut } `xml:"CreateRoleResult"`
	}
	ok(t, f.do(t, rootP, "CreateRole", "RoleName", "Reader", "Path", "/svc/", "AssumeRolePolicyDocument", trust,
		"Description", "reads things", "MaxSessionDuration", "7200"), &cr)
	r := cr.Result.Role
	if r.RoleName != "Reader" || r.Arn != "arn:aws:iam::123456789012:role/svc/Reader" || !strings.HasPrefix(r.RoleId, "AROA") ||
		r.MaxSessionDuration != 7200 || r.Description != "reads things" || r.CreateDate != "2026-03-01T12:00:00Z" {
		t.Fatalf("CreateRole %+v", r)
	}
	// The trust policy goes out URL-encoded, as IAM sends it.
	if strings.ContainsAny(r.AssumeRolePolicyDocument, `{"`) {
		t.Fatalf("document not encoded: %s", r.AssumeRolePolicyDocument)
	}
	if !reflect.DeepEqual(unquote(t, r.AssumeRolePolicyDocument), jsonOf(t, trust)) {
		t.Fatalf("document does not decode to the one given")
	}

	fails(t, f.do(t, rootP, "CreateRole", "RoleName", "reader", "AssumeRolePolicyDocument", trust), 409, "EntityAlreadyExists", "Role with name reader already exists.")
	fails(t, f.do(t, rootP, "CreateRole", "RoleName", "X", "AssumeRolePolicyDocument", trust, "MaxSessionDuration", "60"), 400, "ValidationError",
		"1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600")
	fails(t, f.do(t, rootP, "CreateRole", "RoleName", "X", "AssumeRolePolicyDocument", allowGet), 400, "MalformedPolicyDocument", "Missing required field Principal")
	fails(t, f.do(t, rootP, "CreateRole", "RoleName", "X", "AssumeRolePolicyDocument", trust, "PermissionsBoundary", "arn:aws:iam::aws:policy/IAMFullAccess"), 400, "InvalidInput", "")

	var gr struct {
		Result struct{ Role roleOut } `xml:"GetRoleResult"`
	}
	ok(t, f.do(t, rootP, "GetRole", "RoleName", "reader"), &gr)
	if gr.Result.Role.RoleId != r.RoleId {
		t.Fatalf("GetRole %+v", gr)
	}
	fails(t, f.do(t, rootP, "GetRole", "RoleName", "Nope"), 404, "NoSuchEntity", "The role with name Nope cannot be found.")

	w := f.do(t, rootP, "UpdateRole", "RoleName", "Reader", "MaxSessionDuration", "43200", "Description", "")
	ok(t, w, nil)
	if !strings.Contains(w.Body.String(), "<UpdateRoleResult></UpdateRoleResult>") {
		t.Fatalf("UpdateRole body %s", w.Body)
	}
	fails(t, f.do(t, rootP, "UpdateRole", "RoleName", "Reader", "MaxSessionDuration", "43201"), 400, "ValidationError", "")
	fails(t, f.do(t, rootP, "UpdateRole", "RoleName", "Reader", "MaxSessionDuration", "lots"), 400, "ValidationError", "")

	newTrust := strings.Replace(trust, ":root", ":user/bob", 1)
	ok(t, f.do(t, rootP, "UpdateAssumeRolePolicy", "RoleName", "Reader", "PolicyDocument", newTrust), nil)
	var lr struct {
		Result struct {
			Roles       []roleOut `xml:"Roles>member"`
			IsTruncated bool
		} `xml:"ListRolesResult"`
	}
	ok(t, f.do(t, rootP, "ListRoles"), &lr)
	if len(lr.Result.Roles) != 1 {
		t.Fatalf("ListRoles %+v", lr)
	}
	lrole := lr.Result.Roles[0]
	if lrole.MaxSessionDuration != 43200 || lrole.Description != "" || !reflect.DeepEqual(unquote(t, lrole.AssumeRolePolicyDocument), jsonOf(t, newTrust)) {
		t.Fatalf("ListRoles role %+v", lrole)
	}

	ok(t, f.do(t, rootP, "PutRolePolicy", "RoleName", "Reader", "PolicyName", "inline", "PolicyDocument", allowGet), nil)
	fails(t, f.do(t, rootP, "DeleteRole", "RoleName", "Reader"), 409, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	ok(t, f.do(t, rootP, "DeleteRolePolicy", "RoleName", "Reader", "PolicyName", "inline"), nil)
	ok(t, f.do(t, rootP, "AttachRolePolicy", "RoleName", "Reader", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"), nil)
	fails(t, f.do(t, rootP, "DeleteRole", "RoleName", "Reader"), 409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	ok(t, f.do(t, rootP, "DetachRolePolicy", "RoleName", "Reader", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"), nil)
	ok(t, f.do(t, rootP, "DeleteRole", "RoleName", "Reader"), nil)
}

func TestInlinePolicies(t *testing.T) {
	f := newFixture(t)
	ok(t, f.do(t, rootP, "CreateUser", "UserName", "Bob"), nil)
	ok(t, f.do(t, rootP, "CreateRole", "RoleName", "R", "AssumeRolePolicyDocument", trust), nil)

	ok(t, f.do(t, rootP, "PutUserPolicy", "UserName", "bob", "PolicyName", "read", "PolicyDocument", allowGet), nil)
	var gp struct {
		Result struct {
			UserName       string
			PolicyName     string
			PolicyDocument string
		} `xml:"GetUserPolicyResult"`
	}
	w := f.do(t, rootP, "GetUserPolicy", "UserName", "bob", "PolicyName", "read")
	ok(t, w, &gp)
	if gp.Result.UserName != "Bob" || gp.Result.PolicyName != "read" {
		t.Fatalf("GetUserPolicy %s", w.Body)
	}
	// Spaces and '+' survive both decoders a client may use.
	if strings.Contains(gp.Result.PolicyDocument, " ") || strings.Contains(gp.Result.PolicyDocument, "+") {
		t.Fatalf("document %q", gp.Result.PolicyDocument)
	}
	if !reflect.DeepEqual(unquote(t, gp.Result.PolicyDocument), jsonOf(t, allowGet)) {
		t.Fatal("document does not round-trip")
	}

	var lp struct {
		Result struct {
			PolicyNames []string `xml:"PolicyNames>member"`
			IsTruncated bool
		} `xml:"ListUserPoliciesResult"`
	}
	ok(t, f.do(t, rootP, "ListUserPolicies", "UserName", "bob"), &lp)
	if !reflect.DeepEqual(lp.Result.PolicyNames, []string{"read"}) {
		t.Fatalf("ListUserPolicies %+v", lp)
	}

	ok(t, f.do(t, rootP, "PutRolePolicy", "RoleName", "R", "PolicyName", "p", "PolicyDocument", allowGet), nil)
	var grp struct {
		Result struct {
			RoleName       string
			PolicyName     string
			PolicyDocument string
		} `xml:"GetRolePolicyResult"`
	}
	ok(t, f.do(t, rootP, "GetRolePolicy", "RoleName", "r", "PolicyName", "p"), &grp)
	if grp.Result.RoleName != "R" || !reflect.DeepEqual(unquote(t, grp.Result.PolicyDocument), jsonOf(t, allowGet)) {
		t.Fatalf("GetRolePolicy %+v", grp)
	}
	var lrp struct {
		Result struct {
			PolicyNames []string `xml:"PolicyNames>member"`
		} `xml:"ListRolePoliciesResult"`
	}
	ok(t, f.do(t, rootP, "ListRolePolicies", "RoleName", "R"), &lrp)
	if !reflect.DeepEqual(lrp.Result.PolicyNames, []string{"p"}) {
		t.Fatalf("ListRolePolicies %+v", lrp)
	}

	fails(t, f.do(t, rootP, "GetUserPolicy", "UserName", "bob", "PolicyName", "nope"), 404, "NoSuchEntity", "The user policy with name nope cannot be found.")
	fails(t, f.do(t, rootP, "GetRolePolicy", "RoleName", "R", "PolicyName", "nope"), 404, "NoSuchEntity", "The role policy with name nope cannot be found.")
	fails(t, f.do(t, rootP, "PutUserPolicy", "UserName", "nobody", "PolicyName", "p", "PolicyDocument", allowGet), 404, "NoSuchEntity", "The user with name nobody cannot be found.")
	fails(t, f.do(t, rootP, "PutUserPolicy", "UserName", "bob", "PolicyName", "p", "PolicyDocument", "{"), 400, "MalformedPolicyDocument", "Syntax errors in policy.")
	fails(t, f.do(t, rootP, "PutUserPolicy", "UserName", "bob", "PolicyName", "p", "PolicyDocument", trust), 400, "MalformedPolicyDocument", "Policy document should not specify a principal.")
	big := `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("A", 2048) + `","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	fails(t, f.do(t, rootP, "PutUserPolicy", "UserName", "bob", "PolicyName", "big", "PolicyDocument", big), 409, "LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user bob")
	ok(t, f.do(t, rootP, "DeleteUserPolicy", "UserName", "bob", "PolicyName", "read"), nil)
	fails(t, f.do(t, rootP, "DeleteUserPolicy", "UserName", "bob", "PolicyName", "read"), 404, "NoSuchEntity", "")
}

type policyOut struct {
	PolicyName                    string
	PolicyId                      string
	Arn                           string
	Path                          string
	DefaultVersionId              string
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   *string
	CreateDate                    string
	UpdateDate                    string
}

func TestManagedPolicies(t *testing.T) {
	f := newFixture(t)
	var cp struct {
		Result struct{ Policy policyOut } `xml:"CreatePolicyResult"`
	}
	ok(t, f.do(t, rootP, "CreatePolicy", "PolicyName", "Readers", "Path", "/team/", "Description", "team readers", "PolicyDocument", allowGet), &cp)
	p := cp.Result.Policy
	arn := "arn:aws:iam::123456789012:policy/team/Readers"
	if p.Arn != arn || p.DefaultVersionId != "v1" || !p.IsAttachable || !strings.HasPrefix(p.PolicyId, "ANPA") || p.Description != nil || !isoRE.MatchString(p.UpdateDate) {
		t.Fatalf("CreatePolicy %+v", p)
	}
	fails(t, f.do(t, rootP, "CreatePolicy", "PolicyName", "readers", "PolicyDocument", allowGet), 409, "EntityAlreadyExists",
		"A policy called readers already exists. Duplicate names are not allowed.")

	var gp struct {
		Result struct{ Policy policyOut } `xml:"GetPolicyResult"`
	}
	ok(t, f.do(t, rootP, "GetPolicy", "PolicyArn", arn), &gp)
	if gp.Result.Policy.Description == nil || *gp.Result.Policy.Description != "team readers" {
		t.Fatalf("GetPolicy %+v", gp.Result.Policy)
	}
	var gv struct {
		Result struct {
			PolicyVersion struct {
				Document         string
				VersionId        string
				IsDefaultVersion bool
				CreateDate       string
			}
		} `xml:"GetPolicyVersionResult"`
	}
	ok(t, f.do(t, rootP, "GetPolicyVersion", "PolicyArn", arn, "VersionId", "v1"), &gv)
	if v := gv.Result.PolicyVersion; v.VersionId != "v1" || !v.IsDefaultVersion || !reflect.DeepEqual(unquote(t, v.Document), jsonOf(t, allowGet)) {
		t.Fatalf("GetPolicyVersion %+v", v)
	}
	ok(t, f.do(t, rootP, "GetPolicyVersion", "PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess", "VersionId", "v1"), &gv)
	if !reflect.DeepEqual(unquote(t, gv.Result.PolicyVersion.Document), jsonOf(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)) {
		t.Fatalf("AdministratorAccess document %q", gv.Result.PolicyVersion.Document)
	}

	type listPolicies struct {
		Result struct {
			Policies    []policyOut `xml:"Policies>member"`
			IsTruncated bool
		} `xml:"ListPoliciesResult"`
	}
	count := func(params ...string) int {
		var lp listPolicies
		ok(t, f.do(t, rootP, "ListPolicies", params...), &lp)
		return len(lp.Result.Policies)
	}
	if n := count("Scope", "AWS"); n != 5 {
		t.Fatalf("Scope=AWS: %d", n)
	}
	if n := count("Scope", "Local"); n != 1 {
		t.Fatalf("Scope=Local: %d", n)
	}
	if n := count(); n != 6 {
		t.Fatalf("Scope=All: %d", n)
	}
	fails(t, f.do(t, rootP, "ListPolicies", "Scope", "Mine"), 400, "ValidationError",
		"1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]")

	ok(t, f.do(t, rootP, "CreateUser", "UserName", "bob"), nil)
	ok(t, f.do(t, rootP, "AttachUserPolicy", "UserName", "bob", "PolicyArn", arn), nil)
	ok(t, f.do(t, rootP, "AttachUserPolicy", "UserName", "bob", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"), nil)
	if n := count("OnlyAttached", "true"); n != 2 {
		t.Fatalf("OnlyAttached: %d", n)
	}
	var la struct {
		Result struct {
			AttachedPolicies []struct {
				PolicyName string
				PolicyArn  string
			} `xml:"AttachedPolicies>member"`
			IsTruncated bool
		} `xml:"ListAttachedUserPoliciesResult"`
	}
	ok(t, f.do(t, rootP, "ListAttachedUserPolicies", "UserName", "bob"), &la)
	if len(la.Result.AttachedPolicies) != 2 || la.Result.AttachedPolicies[0].PolicyName != "Readers" || la.Result.AttachedPolicies[0].PolicyArn != arn {
		t.Fatalf("ListAttachedUserPolicies %+v", la)
	}
	fails(t, f.do(t, rootP, "DeletePolicy", "PolicyArn", arn), 409, "DeleteConflict", "Cannot delete a policy attached to entities.")
	fails(t, f.do(t, rootP, "DeleteUser", "UserName", "bob"), 409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	fails(t, f.do(t, rootP, "AttachUserPolicy", "UserName", "bob", "PolicyArn", "arn:aws:iam::aws:policy/Nope"), 404, "NoSuchEntity",
		"Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.")
	fails(t, f.do(t, rootP, "AttachUserPolicy", "UserName", "bob", "PolicyArn", "arn:aws:iam::123456789012:role/R"), 400, "InvalidInput",
		"ARN arn:aws:iam::123456789012:role/R is not valid.")
	ok(t, f.do(t, rootP, "DetachUserPolicy", "UserName", "bob", "PolicyArn", arn), nil)
	fails(t, f.do(t, rootP, "DetachUserPolicy", "UserName", "bob", "PolicyArn", arn), 404, "NoSuchEntity", "Policy "+arn+" was not found.")
	ok(t, f.do(t, rootP, "DeletePolicy", "PolicyArn", arn), nil)
	fails(t, f.do(t, rootP, "GetPolicy", "PolicyArn", arn), 404, "NoSuchEntity", "Policy "+arn+" was not found.")

	// AWS managed policies cannot be deleted: an access denial whoever
	// asks.
	fails(t, f.do(t, rootP, "DeletePolicy", "PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"), 403, "AccessDenied",
		"User: arn:aws:iam::123456789012:root is not authorized to perform: iam:DeletePolicy on resource: arn:aws:iam::aws:policy/AdministratorAccess")
}

func TestPagination(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"a", "b", "c"} {
		ok(t, f.do(t, rootP, "CreateUser", "UserName", n), nil)
	}
	var lu listUsersResponse
	ok(t, f.do(t, rootP, "ListUsers", "MaxItems", "2"), &lu)
	if len(lu.Result.Users) != 2 || !lu.Result.IsTruncated || lu.Result.Marker == "" {
		t.Fatalf("page 1 %+v", lu)
	}
	marker := lu.Result.Marker
	lu = listUsersResponse{}
	ok(t, f.do(t, rootP, "ListUsers", "MaxItems", "2", "Marker", marker), &lu)
	if len(lu.Result.Users) != 1 || *lu.Result.Users[0].UserName != "c" || lu.Result.IsTruncated || lu.Result.Marker != "" {
		t.Fatalf("page 2 %+v", lu)
	}
	fails(t, f.do(t, rootP, "ListUsers", "MaxItems", "0"), 400, "ValidationError",
		"1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")
	fails(t, f.do(t, rootP, "ListUsers", "Marker", "garbage!"), 400, "InvalidInput", "")
}

func TestEmptyListsAreEmptyElements(t *testing.T) {
	f := newFixture(t)
	w := f.do(t, rootP, "ListUsers")
	ok(t, w, nil)
	if !strings.Contains(w.Body.String(), "<Users></Users><IsTruncated>false</IsTruncated>") {
		t.Fatalf("body %s", w.Body)
	}
}

func TestStoreFailureIsServiceFailure(t *testing.T) {
	f := newFixture(t)
	f.store.Close()
	fails(t, f.do(t, rootP, "ListUsers"), 500, "ServiceFailure", "The request processing has failed because of an unknown error, exception or failure.")
	if !strings.Contains(f.logs.String(), "req-1") || !strings.Contains(f.logs.String(), "closed") {
		t.Fatalf("log lacks the request ID or cause: %s", f.logs)
	}
}

func TestEncodeDoc(t *testing.T) {
	docs := []string{allowGet, trust, "a b+c%d&e=f/g?h#i\té\n", "{}"}
	for _, d := range docs {
		e := encodeDoc(d)
		for _, dec := range []func(string) (string, error){url.PathUnescape, url.QueryUnescape} {
			got, err := dec(e)
			if err != nil || got != d {
				t.Fatalf("decode(encode(%q)) = %q, %v", d, got, err)
			}
		}
	}
	if got := encodeDoc(`{"A": "b"}`); got != "%7B%22A%22%3A%20%22b%22%7D" {
		t.Fatalf("encodeDoc = %s", got)
	}
}
