package adminapi_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/access"
	"signet/internal/adminapi"
	"signet/internal/adminwire"
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

var t0 = time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)

// fakeAuthz records what it is asked and refuses the actions in deny.
type fakeAuthz struct {
	mu    sync.Mutex
	deny  map[string]bool
	calls []string
	err   error // when set, every answer
}

func (f *fakeAuthz) Authorize(_ *http.Request, _ *authn.Result, action, resource string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, action+" "+resource)
	if f.err != nil {
		return f.err
	}
	if f.deny[action] {
		return errors.New("denied")
	}
	return nil
}

type fixture struct {
	base   *clock.Fake
	clk    *clock.Offset
	engine *memory.Store
	store  *access.Store
	sealer *secret.Sealer
	iam    *iam.Service
	sts    *sts.Service
	authz  *fakeAuthz
	api    *adminapi.API
	caller *authn.Result
}

func newFixture(t *testing.T, devClock bool) *fixture {
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
	f := &fixture{base: clock.NewFake(t0), engine: b, store: access.NewStore(b), sealer: sealer, authz: &fakeAuthz{deny: map[string]bool{}}}
	f.clk = clock.NewOffset(f.base)
	if f.iam, err = iam.New(iam.Config{Store: f.store, Sealer: sealer, Clock: f.clk, Account: acct}); err != nil {
		t.Fatal(err)
	}
	if f.sts, err = sts.New(sts.Config{Store: f.store, Sealer: sealer, Clock: f.clk, Account: acct}); err != nil {
		t.Fatal(err)
	}
	f.api = mustNew(t, adminapi.Config{Clock: f.clk, DevClock: devClock, ClockStore: b, Store: f.store, Authz: f.authz})
	f.caller = &authn.Result{Principal: principal.Principal{ARN: "arn:aws:iam::" + acct + ":user/ops", UserName: "ops", Account: acct},
		AuthType: authn.AuthHeader, SignatureVersion: authn.SigV4}
	return f
}

func (f *fixture) do(t *testing.T, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	return f.doAs(t, f.caller, method, path, body)
}

func (f *fixture) doAs(t *testing.T, res *authn.Result, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "http://signet.test"+adminapi.Prefix+path, strings.NewReader(body))
	w := httptest.NewRecorder()
	f.api.Serve(w, r, res, []byte(body), "req-42")
	return w
}

type errBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

// wantError checks an error response: status, code, JSON shape.
func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code string) errBody {
	t.Helper()
	if w.Code != status {
		t.Errorf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, w.Body)
	}
	if len(raw) != 2 || raw["error"] == nil || raw["request_id"] == nil {
		t.Errorf("error body keys: %s", w.Body)
	}
	var e errBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if e.Error.Code != code || e.Error.Message == "" || e.RequestID != "req-42" {
		t.Errorf("error %+v, want code %s with a message and request_id req-42", e, code)
	}
	return e
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode: %v: %s", err, w.Body)
	}
	return v
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestClockGet(t *testing.T) {
	for _, dev := range []bool{false, true} {
		f := newFixture(t, dev)
		w := f.do(t, "GET", "clock", "")
		m := decode[map[string]any](t, w)
		if got, want := keys(m), []string{"dev_clock", "now", "offset", "offset_seconds", "real"}; !slices.Equal(got, want) {
			t.Errorf("clock keys %v, want %v", got, want)
		}
		want := map[string]any{"now": "2026-11-27T22:00:00Z", "real": "2026-11-27T22:00:00Z", "offset": "0s", "offset_seconds": 0.0, "dev_clock": dev}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("dev=%v: %s = %#v, want %#v", dev, k, m[k], v)
			}
		}
		if w := f.do(t, "HEAD", "clock", ""); w.Code != http.StatusOK {
			t.Errorf("HEAD clock: %d", w.Code)
		}
	}

	// The offset shows in now but not in real; real follows the base.
	f := newFixture(t, false)
	f.clk.Advance(12*time.Hour + time.Second)
	f.base.Advance(30 * time.Minute)
	v := decode[adminwire.Clock](t, f.do(t, "GET", "clock", ""))
	if !v.Real.Equal(t0.Add(30*time.Minute)) || !v.Now.Equal(t0.Add(12*time.Hour+30*time.Minute+time.Second)) ||
		v.Offset != "12h0m1s" || v.OffsetSeconds != 43201 || v.DevClock {
		t.Errorf("clock %+v", v)
	}
	if v.Now.Location() != time.UTC || v.Real.Location() != time.UTC {
		t.Error("times are not UTC")
	}
	if !slices.Equal(f.authz.calls, []string{"signet:GetClock *"}) {
		t.Errorf("authorizer calls %v", f.authz.calls)
	}
}

func TestClockAdvance(t *testing.T) {
	f := newFixture(t, true)
	v := decode[adminwire.Clock](t, f.do(t, "POST", "clock/advance", `{"duration":"12h0m1s"}`))
	if want := t0.Add(12*time.Hour + time.Second); !v.Now.Equal(want) || !f.clk.Now().Equal(want) {
		t.Errorf("now %v (clock %v), want %v", v.Now, f.clk.Now(), want)
	}
	if !v.Real.Equal(t0) || v.Offset != "12h0m1s" || v.OffsetSeconds != 43201 || !v.DevClock {
		t.Errorf("after 12h0m1s: %+v", v)
	}
	v = decode[adminwire.Clock](t, f.do(t, "POST", "clock/advance", `{"duration":"6d23h"}`))
	shift := 12*time.Hour + time.Second + 6*24*time.Hour + 23*time.Hour
	if !v.Now.Equal(t0.Add(shift)) || v.Offset != "7d11h0m1s" || v.OffsetSeconds != int64(shift/time.Second) {
		t.Errorf("after 6d23h: %+v", v)
	}
	// Whole seconds are a duration too.
	v = decode[adminwire.Clock](t, f.do(t, "POST", "clock/advance", `{"duration":"60"}`))
	if !v.Now.Equal(t0.Add(shift + time.Minute)) {
		t.Errorf("after 60: %+v", v)
	}
	if !slices.Contains(f.authz.calls, "signet:AdvanceClock *") {
		t.Errorf("authorizer calls %v", f.authz.calls)
	}
}

func TestClockAdvanceRefused(t *testing.T) {
	tests := []struct {
		name   string
		dev    bool
		body   string
		status int
		code   string
	}{
		{"zero", true, `{"duration":"0s"}`, 400, "InvalidDuration"},
		{"zero seconds", true, `{"duration":"0"}`, 400, "InvalidDuration"},
		{"negative", true, `{"duration":"-1h"}`, 400, "InvalidDuration"},
		{"negative days", true, `{"duration":"-2d"}`, 400, "InvalidDuration"},
		{"garbage", true, `{"duration":"soon"}`, 400, "InvalidDuration"},
		{"empty", true, `{"duration":""}`, 400, "InvalidDuration"},
		{"missing", true, `{}`, 400, "InvalidDuration"},
		{"out of range", true, `{"duration":"300000d"}`, 400, "InvalidDuration"},
		{"bad JSON", true, `{"duration":`, 400, "InvalidRequest"},
		{"no body", true, ``, 400, "InvalidRequest"},
		{"not an object", true, `"12h"`, 400, "InvalidRequest"},
		{"number", true, `{"duration":3600}`, 400, "InvalidRequest"},
		{"dev clock off", false, `{"duration":"1h"}`, 409, "DevClockDisabled"},
		{"dev clock off, bad body", false, `{`, 409, "DevClockDisabled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.dev)
			wantError(t, f.do(t, "POST", "clock/advance", tc.body), tc.status, tc.code)
			if f.clk.Shift() != 0 || !f.clk.Now().Equal(t0) {
				t.Errorf("clock moved to %v", f.clk.Now())
			}
		})
	}
}

// Time only moves forward, however far it has been moved already.
func TestClockAdvanceNeverWraps(t *testing.T) {
	f := newFixture(t, true)
	decode[adminwire.Clock](t, f.do(t, "POST", "clock/advance", `{"duration":"106000d"}`))
	before := f.clk.Now()
	w := f.do(t, "POST", "clock/advance", `{"duration":"106000d"}`)
	if w.Code == http.StatusOK {
		t.Fatalf("second huge advance accepted: %s", w.Body)
	}
	wantError(t, w, 400, "InvalidDuration")
	if now := f.clk.Now(); !now.Equal(before) {
		t.Errorf("clock moved from %v to %v", before, now)
	}
}

// sessions issues one session of each kind at distinct times.
type issued struct {
	role, token, fed sts.Credentials
	roleSess         meta.Session
}

func (f *fixture) issue(t *testing.T) issued {
	t.Helper()
	ctx := t.Context()
	u, err := f.iam.CreateUser(ctx, "alice", "/")
	if err != nil {
		t.Fatal(err)
	}
	alice := principal.Principal{AccessKeyID: "AKIAALICE00000000000", ARN: "arn:aws:iam::" + acct + ":user/alice", UserID: u.ID, UserName: "alice", Account: acct}
	r, err := f.iam.CreateRole(ctx, iam.CreateRoleInput{Name: "reader", Path: "/team/",
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + acct + `"},"Action":"sts:AssumeRole"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	var out issued
	out.role, out.roleSess, err = f.sts.AssumeRole(ctx, alice, sts.AssumeRoleInput{RoleARN: sts.RoleARN(acct, r), RoleSessionName: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	f.base.Advance(time.Minute)
	out.token, _, err = f.sts.GetSessionToken(ctx, alice, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.base.Advance(time.Minute)
	out.fed, _, err = f.sts.GetFederationToken(ctx, alice, "bob", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`, 900)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var viewKeys = []string{"access_key_id", "arn", "chained", "expires", "issued", "kind", "remaining_seconds", "role_arn", "role_name",
	"session_name", "source_access_key_id", "status", "terminated_at", "user_id", "user_name"}

// noSecrets checks that a body holds none of the sessions' secrets or
// tokens, nor the stored token hash in any usual encoding.
func noSecrets(t *testing.T, body string, creds ...sts.Credentials) {
	t.Helper()
	for _, c := range creds {
		tok := c.SessionToken.Reveal()
		h := secret.HashToken(tok)
		for what, s := range map[string]string{
			"secret": c.SecretAccessKey.Reveal(), "token": tok,
			"token hash (base64)": base64.StdEncoding.EncodeToString(h), "token hash (hex)": hex.EncodeToString(h),
		} {
			if len(s) < 16 {
				t.Fatalf("test bug: short %s", what)
			}
			if strings.Contains(body, s) {
				t.Errorf("body leaks the %s of %s", what, c.AccessKeyID)
			}
		}
	}
	if strings.Contains(body, "REDACTED") {
		t.Errorf("body holds a redacted secret: %s", body)
	}
}

func checkViewKeys(t *testing.T, m map[string]any) {
	t.Helper()
	if got := keys(m); !slices.Equal(got, viewKeys) {
		t.Errorf("session keys %v, want %v", got, viewKeys)
	}
}

func TestSessionsList(t *testing.T) {
	f := newFixture(t, true)
	s := f.issue(t)
	if err := f.sts.Terminate(t.Context(), s.fed.AccessKeyID); err != nil {
		t.Fatal(err)
	}

	// All three were issued at most 2 minutes ago; the federated one is
	// terminated.
	w := f.do(t, "GET", "sessions", "")
	noSecrets(t, w.Body.String(), s.role, s.token, s.fed)
	list := decode[struct{ Sessions []map[string]any }](t, w)
	var ids []any
	for _, v := range list.Sessions {
		checkViewKeys(t, v)
		ids = append(ids, v["access_key_id"])
	}
	if want := []any{s.role.AccessKeyID, s.token.AccessKeyID}; !slices.Equal(ids, want) {
		t.Errorf("live sessions %v, want %v (oldest first)", ids, want)
	}

	// Two hours on, the role session (1 h) has expired.
	f.clk.Advance(2 * time.Hour)
	w = f.do(t, "GET", "sessions", "")
	live := decode[struct{ Sessions []adminwire.Session }](t, w)
	if len(live.Sessions) != 1 || live.Sessions[0].AccessKeyID != s.token.AccessKeyID || live.Sessions[0].Status != "active" {
		t.Errorf("live sessions after 2h: %+v", live.Sessions)
	}

	w = f.do(t, "GET", "sessions?all=true", "")
	noSecrets(t, w.Body.String(), s.role, s.token, s.fed)
	all := decode[struct{ Sessions []adminwire.Session }](t, w)
	var got []string
	for _, v := range all.Sessions {
		got = append(got, v.AccessKeyID+" "+v.Status)
	}
	want := []string{s.role.AccessKeyID + " expired", s.token.AccessKeyID + " active", s.fed.AccessKeyID + " terminated"}
	if !slices.Equal(got, want) {
		t.Errorf("all sessions\n got %v\nwant %v", got, want)
	}
	for _, v := range all.Sessions {
		if v.Status != "active" && v.RemainingSeconds != 0 {
			t.Errorf("%s %s has remaining_seconds %d", v.AccessKeyID, v.Status, v.RemainingSeconds)
		}
	}
	if w := f.do(t, "GET", "sessions?all=yes", ""); len(decode[struct{ Sessions []adminwire.Session }](t, w).Sessions) != 1 {
		t.Error("?all=yes should not include ended sessions")
	}

	// The empty list is [], not null.
	g := newFixture(t, true)
	if body := strings.TrimSpace(g.do(t, "GET", "sessions", "").Body.String()); body != `{"sessions":[]}` {
		t.Errorf("empty list: %s", body)
	}
}

// Sessions are listed by issue time, not by access key ID (the store's
// order).
func TestSessionsListSortedByIssueTime(t *testing.T) {
	f := newFixture(t, true)
	ctx := t.Context()
	for i, id := range []string{"ASIAZZZZ000000000001", "ASIAMMMM000000000002", "ASIAAAAA000000000003"} {
		issuedAt := t0.Add(time.Duration(i) * time.Minute)
		err := f.store.PutSession(ctx, meta.Session{AccessKeyID: id, SealedSecret: []byte("sealed"), TokenHash: []byte("0123456789abcdef0123456789abcdef"),
			Kind: principal.SessionToken, ARN: "arn:aws:iam::" + acct + ":root", UserID: acct, Root: true, Issued: issuedAt, Expiry: issuedAt.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
	}
	list := decode[struct{ Sessions []adminwire.Session }](t, f.do(t, "GET", "sessions", ""))
	var ids []string
	for _, v := range list.Sessions {
		ids = append(ids, v.AccessKeyID)
	}
	if want := []string{"ASIAZZZZ000000000001", "ASIAMMMM000000000002", "ASIAAAAA000000000003"}; !slices.Equal(ids, want) {
		t.Errorf("order %v, want %v", ids, want)
	}
}

func TestSessionShow(t *testing.T) {
	f := newFixture(t, true)
	s := f.issue(t)
	f.clk.Advance(10 * time.Minute)

	w := f.do(t, "GET", "sessions/"+s.role.AccessKeyID, "")
	noSecrets(t, w.Body.String(), s.role)
	m := decode[map[string]any](t, w)
	checkViewKeys(t, m)
	if m["terminated_at"] != nil {
		t.Errorf("terminated_at = %v, want null", m["terminated_at"])
	}
	v := decode[adminwire.Session](t, w)
	want := adminwire.Session{
		AccessKeyID: s.role.AccessKeyID, Kind: "assumed-role",
		ARN:    "arn:aws:sts::" + acct + ":assumed-role/reader/ci",
		UserID: s.roleSess.UserID, UserName: "alice", RoleName: "reader",
		RoleARN: "arn:aws:iam::" + acct + ":role/team/reader", SessionName: "ci",
		SourceAccessKeyID: "AKIAALICE00000000000",
		Issued:            t0, Expires: t0.Add(time.Hour), Status: "active", RemainingSeconds: 48 * 60, // issued 12 minutes ago
	}
	if !v.Issued.Equal(want.Issued) || !v.Expires.Equal(want.Expires) {
		t.Errorf("times %v %v", v.Issued, v.Expires)
	}
	v.Issued, v.Expires = want.Issued, want.Expires
	if !reflect.DeepEqual(v, want) {
		t.Errorf("session\n got %+v\nwant %+v", v, want)
	}
	if !strings.Contains(w.Body.String(), `"issued":"2026-11-27T22:00:00Z"`) {
		t.Errorf("issued not RFC 3339 UTC: %s", w.Body)
	}

	tok := decode[adminwire.Session](t, f.do(t, "GET", "sessions/"+s.token.AccessKeyID, ""))
	if tok.Kind != "session-token" || tok.RoleARN != "" || tok.UserName != "alice" || tok.ARN != "arn:aws:iam::"+acct+":user/alice" {
		t.Errorf("session-token view %+v", tok)
	}
	fed := decode[adminwire.Session](t, f.do(t, "GET", "sessions/"+s.fed.AccessKeyID, ""))
	if fed.Kind != "federated-user" || fed.SessionName != "bob" || fed.RoleARN != "" || fed.RemainingSeconds != 300 {
		t.Errorf("federated view %+v", fed)
	}
	if !slices.Contains(f.authz.calls, "signet:GetSession *") {
		t.Errorf("authorizer calls %v", f.authz.calls)
	}
}

func TestSessionTerminate(t *testing.T) {
	f := newFixture(t, true)
	s := f.issue(t)
	keys := access.NewKeys(f.store, f.sealer, nil, acct)
	cred, err := keys.Lookup(t.Context(), s.token.AccessKeyID) // cached
	if err != nil || cred.Terminated {
		t.Fatalf("lookup before: %v %v", cred, err)
	}

	f.clk.Advance(5 * time.Minute)
	first := f.clk.Now()
	w := f.do(t, "POST", "sessions/"+s.token.AccessKeyID+"/terminate", "")
	noSecrets(t, w.Body.String(), s.token)
	v := decode[adminwire.Session](t, w)
	if v.Status != "terminated" || v.TerminatedAt == nil || !v.TerminatedAt.Equal(first) || v.RemainingSeconds != 0 {
		t.Errorf("terminated view %+v", v)
	}
	// The key store sees it at once (the write went through access.Store).
	cred, err = keys.Lookup(t.Context(), s.token.AccessKeyID)
	if err != nil || !cred.Terminated {
		t.Errorf("lookup after terminate: terminated=%v err=%v", cred != nil && cred.Terminated, err)
	}

	f.clk.Advance(time.Hour)
	v = decode[adminwire.Session](t, f.do(t, "POST", "sessions/"+s.token.AccessKeyID+"/terminate", ""))
	if v.TerminatedAt == nil || !v.TerminatedAt.Equal(first) {
		t.Errorf("second terminate changed terminated_at to %v, want %v", v.TerminatedAt, first)
	}
	shown := decode[adminwire.Session](t, f.do(t, "GET", "sessions/"+s.token.AccessKeyID, ""))
	if shown.Status != "terminated" || !shown.TerminatedAt.Equal(first) {
		t.Errorf("shown %+v", shown)
	}
	// Terminating an expired session is allowed; it then reads terminated.
	f.clk.Advance(2 * time.Hour)
	v = decode[adminwire.Session](t, f.do(t, "POST", "sessions/"+s.role.AccessKeyID+"/terminate", ""))
	if v.Status != "terminated" {
		t.Errorf("expired then terminated: %+v", v)
	}
	if !slices.Contains(f.authz.calls, "signet:TerminateSession *") {
		t.Errorf("authorizer calls %v", f.authz.calls)
	}
}

func TestNotFound(t *testing.T) {
	f := newFixture(t, true)
	tests := []struct {
		method, path string
		code         string
	}{
		{"GET", "sessions/ASIANOSUCHSESSION000", "NoSuchSession"},
		{"POST", "sessions/ASIANOSUCHSESSION000/terminate", "NoSuchSession"},
		{"GET", "sessions/", "NoSuchSession"},
		{"GET", "nope", "NotFound"},
		{"GET", "", "NotFound"},
		{"POST", "clock", "NotFound"},
		{"GET", "clock/advance", "NotFound"},
		{"GET", "clock/", "NotFound"},
		{"DELETE", "sessions", "NotFound"},
		{"POST", "sessions", "NotFound"},
		{"GET", "sessions/ASIAX/terminate", "NotFound"},
		{"POST", "sessions/ASIAX/terminate/now", "NotFound"},
		{"POST", "sessions/ASIAX/kill", "NotFound"},
		{"DELETE", "sessions/ASIAX", "NotFound"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			e := wantError(t, f.do(t, tc.method, tc.path, ""), http.StatusNotFound, tc.code)
			if tc.code == "NoSuchSession" && !strings.Contains(e.Error.Message, "no session with access key ID") {
				t.Errorf("message %q", e.Error.Message)
			}
			if tc.code == "NotFound" && !strings.Contains(e.Error.Message, tc.method+" "+adminapi.Prefix+tc.path) {
				t.Errorf("message %q does not name the request", e.Error.Message)
			}
		})
	}
}

func TestAccessDenied(t *testing.T) {
	tests := []struct {
		action, method, path, body string
	}{
		{"GetClock", "GET", "clock", ""},
		{"AdvanceClock", "POST", "clock/advance", `{"duration":"1h"}`},
		{"ResetClock", "POST", "clock/reset", ""},
		{"ListSessions", "GET", "sessions", ""},
		{"GetSession", "GET", "sessions/ID", ""},
		{"TerminateSession", "POST", "sessions/ID/terminate", ""},
	}
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			f := newFixture(t, true)
			s := f.issue(t)
			f.authz.deny["signet:"+tc.action] = true
			path := strings.Replace(tc.path, "ID", s.token.AccessKeyID, 1)
			e := wantError(t, f.do(t, tc.method, path, tc.body), http.StatusForbidden, "AccessDenied")
			want := "User: arn:aws:iam::" + acct + ":user/ops is not authorized to perform: signet:" + tc.action + " on resource: *"
			if e.Error.Message != want {
				t.Errorf("message %q, want %q", e.Error.Message, want)
			}
			if !slices.Equal(f.authz.calls, []string{"signet:" + tc.action + " *"}) {
				t.Errorf("authorizer calls %v", f.authz.calls)
			}
			// Nothing happened.
			if f.clk.Shift() != 0 {
				t.Error("clock moved")
			}
			sess, err := f.store.GetSession(t.Context(), s.token.AccessKeyID)
			if err != nil || !sess.TerminatedAt.IsZero() {
				t.Errorf("session terminated: %v %v", sess.TerminatedAt, err)
			}
		})
	}
	// A refused unknown session is refused, not reported missing.
	f := newFixture(t, true)
	f.authz.deny["signet:GetSession"] = true
	wantError(t, f.do(t, "GET", "sessions/ASIANOSUCHSESSION000", ""), http.StatusForbidden, "AccessDenied")
}

// failingStore fails ListSessions and GetSession.
type failingStore struct {
	meta.Identities
}

func (failingStore) ListSessions(context.Context) ([]meta.Session, error) {
	return nil, errors.New("disk on fire")
}

func (failingStore) GetSession(context.Context, string) (meta.Session, error) {
	return meta.Session{}, errors.New("disk on fire")
}

func TestInternalError(t *testing.T) {
	f := newFixture(t, true)
	api := mustNew(t, adminapi.Config{Clock: f.clk, Store: failingStore{f.store}, Authz: f.authz})
	for _, path := range []string{"sessions", "sessions/ASIAX"} {
		r := httptest.NewRequest("GET", adminapi.Prefix+path, nil)
		w := httptest.NewRecorder()
		api.Serve(w, r, f.caller, nil, "req-42")
		e := wantError(t, w, http.StatusInternalServerError, "InternalError")
		if !strings.Contains(e.Error.Message, "req-42") || strings.Contains(w.Body.String(), "fire") {
			t.Errorf("internal error body %s", w.Body)
		}
	}
}

func TestView(t *testing.T) {
	issuedAt := t0
	s := meta.Session{AccessKeyID: "ASIAX", Kind: principal.SessionToken, Issued: issuedAt, Expiry: issuedAt.Add(time.Hour)}
	tests := []struct {
		name      string
		now       time.Time
		terminate time.Time
		status    string
		remaining int64
	}{
		{"fresh", issuedAt, time.Time{}, "active", 3600},
		{"half a second before expiry", issuedAt.Add(time.Hour - 500*time.Millisecond), time.Time{}, "active", 0},
		{"at expiry", issuedAt.Add(time.Hour), time.Time{}, "expired", 0},
		{"after expiry", issuedAt.Add(2 * time.Hour), time.Time{}, "expired", 0},
		{"terminated", issuedAt.Add(time.Minute), issuedAt.Add(time.Second), "terminated", 0},
		{"terminated and expired", issuedAt.Add(2 * time.Hour), issuedAt.Add(time.Second), "terminated", 0},
	}
	for _, tc := range tests {
		s.TerminatedAt = tc.terminate
		v := adminapi.View(s, "", tc.now)
		if v.Status != tc.status || v.RemainingSeconds != tc.remaining {
			t.Errorf("%s: status %s remaining %d, want %s %d", tc.name, v.Status, v.RemainingSeconds, tc.status, tc.remaining)
		}
		if (v.TerminatedAt != nil) != !tc.terminate.IsZero() {
			t.Errorf("%s: terminated_at %v", tc.name, v.TerminatedAt)
		}
	}
}

// With the real authoriser: root may do everything; a user only what its
// policies allow on signet:*.
func TestWithAccessAuthorizer(t *testing.T) {
	f := newFixture(t, true)
	authz := access.NewAuthorizer(f.store, f.iam, f.clk, acct)
	f.api = mustNew(t, adminapi.Config{Clock: f.clk, DevClock: true, ClockStore: f.engine, Store: f.store, Authz: authz})
	ctx := t.Context()

	root := &authn.Result{Principal: principal.Principal{ARN: "arn:aws:iam::" + acct + ":root", UserID: acct, IsRoot: true, Account: acct},
		AuthType: authn.AuthHeader, SignatureVersion: authn.SigV4}
	if w := f.doAs(t, root, "POST", "clock/advance", `{"duration":"1h"}`); w.Code != http.StatusOK {
		t.Errorf("root advance: %d %s", w.Code, w.Body)
	}

	u, err := f.iam.CreateUser(ctx, "viewer", "/")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.iam.PutInlinePolicy(ctx, meta.Owner{Kind: principal.OwnerUser, Name: "viewer"}, "p",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["signet:GetClock","signet:List*"],"Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	viewer := &authn.Result{Principal: principal.Principal{ARN: "arn:aws:iam::" + acct + ":user/viewer", UserID: u.ID, UserName: "viewer", Account: acct},
		AuthType: authn.AuthHeader, SignatureVersion: authn.SigV4}
	if w := f.doAs(t, viewer, "GET", "clock", ""); w.Code != http.StatusOK {
		t.Errorf("viewer GetClock: %d %s", w.Code, w.Body)
	}
	if w := f.doAs(t, viewer, "GET", "sessions", ""); w.Code != http.StatusOK {
		t.Errorf("viewer ListSessions: %d %s", w.Code, w.Body)
	}
	e := wantError(t, f.doAs(t, viewer, "POST", "clock/advance", `{"duration":"1h"}`), http.StatusForbidden, "AccessDenied")
	if !strings.Contains(e.Error.Message, "arn:aws:iam::"+acct+":user/viewer") || !strings.Contains(e.Error.Message, "signet:AdvanceClock") {
		t.Errorf("message %q", e.Error.Message)
	}
	if f.clk.Shift() != time.Hour {
		t.Errorf("shift %v, want 1h", f.clk.Shift())
	}
}
