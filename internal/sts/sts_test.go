package sts

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/meta/memory"
	"signet/internal/meta/metafixture"
	"signet/internal/policy"
	"signet/internal/principal"
	"signet/internal/secret"
)

const acct = "123456789012"

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	svc    *Service
	store  *memory.Store
	sealer *secret.Sealer
	clk    *clock.Fake
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store := metafixture.Memory(t)
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := secret.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	f := &fixture{store: store, sealer: sealer, clk: clk}
	if f.svc, err = New(Config{Store: store, Sealer: sealer, Clock: clk, Account: acct}); err != nil {
		t.Fatal(err)
	}
	f.role(t, "deploy", "/", 3600)
	f.role(t, "long", "/", 7200)
	f.role(t, "max", "/team/ops/", 43200)
	return f
}

func (f *fixture) role(t *testing.T, name, path string, max int) {
	t.Helper()
	err := f.store.CreateRole(t.Context(), meta.Role{
		Name: name, ID: "AROA" + strings.ToUpper(name) + "0000000000", Path: path,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[]}`, MaxSessionDuration: max, Created: t0,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testRoleARN(name string) string { return "arn:aws:iam::" + acct + ":role/" + name }

// Callers.
var (
	user = principal.Principal{AccessKeyID: "AKIAALICE00000000000", ARN: "arn:aws:iam::" + acct + ":user/alice",
		UserID: "AIDAALICE0000000000", UserName: "alice", Account: acct}
	root = principal.Principal{AccessKeyID: "AKIAROOT000000000000", ARN: "arn:aws:iam::" + acct + ":root",
		UserID: acct, IsRoot: true, Account: acct}
	roleSession = principal.Principal{AccessKeyID: "ASIAROLE000000000000", ARN: "arn:aws:sts::" + acct + ":assumed-role/deploy/ci",
		UserID: "AROADEPLOY0000000000:ci", Account: acct, SessionKind: principal.SessionAssumedRole,
		RoleName: "deploy", RoleARN: testRoleARN("deploy"), SessionName: "ci", TokenIssued: t0}
	tokenSession = principal.Principal{AccessKeyID: "ASIATOKEN00000000000", ARN: user.ARN, UserID: user.UserID,
		UserName: "alice", Account: acct, SessionKind: principal.SessionToken, TokenIssued: t0}
	federated = principal.Principal{AccessKeyID: "ASIAFED0000000000000", ARN: "arn:aws:sts::" + acct + ":federated-user/bob",
		UserID: acct + ":bob", UserName: "alice", Account: acct, SessionKind: principal.SessionFederated, TokenIssued: t0}
)

// wantErr checks err's kind, reason and facts (want.Kind is taken as
// kind).
func wantErr(t *testing.T, err error, kind Kind, want *Error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want an sts.Error of kind %v", err, kind)
	}
	w := *want
	w.Kind = kind
	if !reflect.DeepEqual(*e, w) {
		t.Fatalf("error = %#v\n      want %#v", *e, w)
	}
}

func wantExpiry(t *testing.T, c Credentials, s meta.Session, issued time.Time, seconds int) {
	t.Helper()
	want := issued.Add(time.Duration(seconds) * time.Second)
	if !s.Issued.Equal(issued) || !s.Expiry.Equal(want) || !c.Expiration.Equal(want) {
		t.Fatalf("issued %v expiry %v expiration %v, want issued %v expiry %v", s.Issued, s.Expiry, c.Expiration, issued, want)
	}
}

func TestAssumeRoleDurations(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	for _, tc := range []struct {
		role     string
		caller   principal.Principal
		duration int
		want     int    // seconds granted; 0 when refused
		refusal  *Error // the refusal
	}{
		{"deploy", user, 0, 3600, nil}, // default
		{"deploy", user, 899, 0, &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "durationSeconds", Value: "899", Rule: iam.RuleMinValue, Limit: 900}}}},
		{"deploy", user, 900, 900, nil},
		{"deploy", user, -5, 0, &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "durationSeconds", Value: "-5", Rule: iam.RuleMinValue, Limit: 900}}}},
		{"deploy", user, 3600, 3600, nil},
		{"deploy", user, 3601, 0, &Error{Reason: ReasonMaxSession}},
		{"long", user, 7200, 7200, nil}, // MaxSessionDuration exactly
		{"long", user, 7201, 0, &Error{Reason: ReasonMaxSession}},
		{"max", user, 43200, 43200, nil},
		{"max", user, 43201, 0, &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "durationSeconds", Value: "43201", Rule: iam.RuleMaxValue, Limit: 43200}}}},
		// Role chaining: capped at one hour whatever the role allows.
		{"max", roleSession, 0, 3600, nil},
		{"max", roleSession, 3600, 3600, nil},
		{"max", roleSession, 3601, 0, &Error{Reason: ReasonChainedSession}},
		{"long", roleSession, 7200, 0, &Error{Reason: ReasonChainedSession}},
		// Session-token credentials of a user are not role credentials.
		{"long", tokenSession, 7200, 7200, nil},
	} {
		t.Run(fmt.Sprintf("%s/%s/%d", tc.role, tc.caller.ARN, tc.duration), func(t *testing.T) {
			arn := testRoleARN(tc.role)
			if tc.role == "max" {
				arn = "arn:aws:iam::" + acct + ":role/team/ops/max"
			}
			c, s, err := f.svc.AssumeRole(ctx, tc.caller, AssumeRoleInput{RoleARN: arn, RoleSessionName: "s1", DurationSeconds: tc.duration})
			if tc.want == 0 {
				wantErr(t, err, KindValidation, tc.refusal)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantExpiry(t, c, s, t0, tc.want)
			if s.Chained != (tc.caller.SessionKind == principal.SessionAssumedRole) {
				t.Fatalf("Chained = %v", s.Chained)
			}
		})
	}
}

func TestAssumeRoleSession(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	c, s, err := f.svc.AssumeRole(ctx, user, AssumeRoleInput{RoleARN: "arn:aws:iam::" + acct + ":role/team/ops/max", RoleSessionName: "build@42"})
	if err != nil {
		t.Fatal(err)
	}
	if s.ARN != "arn:aws:sts::"+acct+":assumed-role/max/build@42" {
		t.Errorf("ARN = %s (the role's path is not part of a session ARN)", s.ARN)
	}
	if s.UserID != "AROAMAX0000000000:build@42" {
		t.Errorf("UserID = %s", s.UserID)
	}
	if s.Kind != principal.SessionAssumedRole || s.RoleName != "max" || s.SessionName != "build@42" ||
		s.UserName != "alice" || s.SourceAccessKeyID != user.AccessKeyID || s.Root || s.Chained {
		t.Errorf("session = %+v", s)
	}
	if c.AccessKeyID != s.AccessKeyID {
		t.Errorf("key IDs differ: %s %s", c.AccessKeyID, s.AccessKeyID)
	}
	stored, err := f.svc.Get(ctx, s.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.ARN != s.ARN || !stored.Expiry.Equal(s.Expiry) || stored.Kind != s.Kind {
		t.Errorf("stored %+v\nreturned %+v", stored, s)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	for _, tc := range []struct {
		name    string
		caller  principal.Principal
		arn     string
		kind    Kind
		refusal *Error
	}{
		{"root", root, testRoleARN("deploy"), KindAccessDenied, &Error{Reason: ReasonRootAssumeRole}},
		{"federated caller", federated, testRoleARN("deploy"), KindAccessDenied, NotAuthorized(federated.ARN, "sts:AssumeRole", testRoleARN("deploy"))},
		{"no such role", user, testRoleARN("nope"), KindAccessDenied, NotAuthorized(user.ARN, "sts:AssumeRole", testRoleARN("nope"))},
		{"other account", user, "arn:aws:iam::210987654321:role/deploy", KindAccessDenied, NotAuthorized(user.ARN, "sts:AssumeRole", "arn:aws:iam::210987654321:role/deploy")},
		{"wrong path", user, "arn:aws:iam::" + acct + ":role/other/deploy", KindAccessDenied, NotAuthorized(user.ARN, "sts:AssumeRole", "arn:aws:iam::"+acct+":role/other/deploy")},
		{"path left out", user, testRoleARN("max"), KindAccessDenied, NotAuthorized(user.ARN, "sts:AssumeRole", testRoleARN("max"))},
		{"colon short", user, "arn:aws:iam:" + acct + ":role/deploy", KindAccessDenied, NotAuthorized(user.ARN, "sts:AssumeRole", "arn:aws:iam:"+acct+":role/deploy")},
		{"user ARN", user, "arn:aws:iam::" + acct + ":user/alice", KindValidation, &Error{Reason: ReasonInvalidRoleARN}},
		{"not iam", user, "arn:aws:sts::" + acct + ":role/deploy", KindValidation, &Error{Reason: ReasonInvalidRoleARN}},
		{"short ARN", user, "arn:aws:iam::1:role", KindValidation,
			&Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "roleArn", Value: "arn:aws:iam::1:role", Rule: iam.RuleMinLength, Limit: 20}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := f.svc.AssumeRole(ctx, tc.caller, AssumeRoleInput{RoleARN: tc.arn, RoleSessionName: "s1"})
			wantErr(t, err, tc.kind, tc.refusal)
		})
	}
	if n := countSessions(t, f); n != 0 {
		t.Fatalf("%d sessions stored by refused calls", n)
	}
}

func countSessions(t *testing.T, f *fixture) int {
	t.Helper()
	all, err := f.store.ListSessions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

func TestAssumeRoleValidation(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	for _, tc := range []struct {
		name    string
		in      AssumeRoleInput
		refusal *Error
	}{
		{"session name with space", AssumeRoleInput{RoleARN: testRoleARN("deploy"), RoleSessionName: "my session"},
			&Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "roleSessionName", Value: "my session", Rule: iam.RulePattern, Set: `[\w+=,.@-]*`}}}},
		{"session name of 1", AssumeRoleInput{RoleARN: testRoleARN("deploy"), RoleSessionName: "a"},
			&Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "roleSessionName", Value: "a", Rule: iam.RuleMinLength, Limit: 2}}}},
		{"session name of 65", AssumeRoleInput{RoleARN: testRoleARN("deploy"), RoleSessionName: strings.Repeat("a", 65)},
			&Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "roleSessionName", Value: strings.Repeat("a", 65), Rule: iam.RuleMaxLength, Limit: 64}}}},
		{"no session name", AssumeRoleInput{RoleARN: testRoleARN("deploy")},
			&Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "roleSessionName", Rule: iam.RuleNotNull}}}},
		{"two errors", AssumeRoleInput{RoleARN: testRoleARN("deploy"), RoleSessionName: "a b", DurationSeconds: 100},
			&Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "roleSessionName", Value: "a b", Rule: iam.RulePattern, Set: `[\w+=,.@-]*`}, {Field: "durationSeconds", Value: "100", Rule: iam.RuleMinValue, Limit: 900}}}},
		{"external id of 1", AssumeRoleInput{RoleARN: testRoleARN("deploy"), RoleSessionName: "s1", ExternalID: "x"},
			&Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "externalId", Value: "x", Rule: iam.RuleMinLength, Limit: 2}}}},
		{"source identity", AssumeRoleInput{RoleARN: testRoleARN("deploy"), RoleSessionName: "s1", SourceIdentity: "a/b"},
			&Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "sourceIdentity", Value: "a/b", Rule: iam.RulePattern, Set: `[\w+=,.@-]*`}}}},
		{"policy too long", AssumeRoleInput{RoleARN: testRoleARN("deploy"), RoleSessionName: "s1", Policy: strings.Repeat(" ", 2049)},
			&Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "policy", Value: strings.Repeat(" ", 2049), Rule: iam.RuleMaxLength, Limit: 2048}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := f.svc.AssumeRole(ctx, user, tc.in)
			wantErr(t, err, KindValidation, tc.refusal)
			if !errors.Is(err, ErrValidation) || errors.Is(err, ErrAccessDenied) {
				t.Fatalf("errors.Is by kind is wrong for %v", err)
			}
		})
	}
	// Allowed characters and an external ID with its extra ':' and '/'.
	if _, _, err := f.svc.AssumeRole(ctx, user, AssumeRoleInput{RoleARN: testRoleARN("deploy"), RoleSessionName: "a_Z+=,.@-9", ExternalID: "urn:x/y"}); err != nil {
		t.Fatal(err)
	}
}

func TestGetSessionTokenDurations(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	for _, tc := range []struct {
		caller   principal.Principal
		duration int
		want     int
		refusal  *Error
	}{
		{user, 0, 43200, nil},
		{user, 899, 0, &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "durationSeconds", Value: "899", Rule: iam.RuleMinValue, Limit: 900}}}},
		{user, 900, 900, nil},
		{user, 129600, 129600, nil},
		{user, 129601, 0, &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "durationSeconds", Value: "129601", Rule: iam.RuleMaxValue, Limit: 129600}}}},
		{root, 0, 3600, nil},
		{root, 900, 900, nil},
		{root, 3600, 3600, nil},
		{root, 3601, 3600, nil}, // quietly one hour, as AWS documents
		{root, 7200, 3600, nil},
		{root, 129600, 3600, nil},
		{root, 899, 0, &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "durationSeconds", Value: "899", Rule: iam.RuleMinValue, Limit: 900}}}},
		{root, 129601, 0, &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "durationSeconds", Value: "129601", Rule: iam.RuleMaxValue, Limit: 129600}}}},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.caller.ARN, tc.duration), func(t *testing.T) {
			c, s, err := f.svc.GetSessionToken(ctx, tc.caller, tc.duration)
			if tc.want == 0 {
				wantErr(t, err, KindValidation, tc.refusal)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantExpiry(t, c, s, t0, tc.want)
			if s.Kind != principal.SessionToken || s.ARN != tc.caller.ARN || s.UserID != tc.caller.UserID ||
				s.Root != tc.caller.IsRoot || s.UserName != tc.caller.UserName || s.SessionPolicy != "" {
				t.Fatalf("session = %+v", s)
			}
		})
	}
}

// A console sign-in session is GetSessionToken's, named for the console;
// GetSessionToken's own sessions have no name.
func TestConsoleSessionIsANamedSessionToken(t *testing.T) {
	f := newFixture(t)
	c, s, err := f.svc.ConsoleSession(t.Context(), root, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantExpiry(t, c, s, t0, 3600)
	if s.Kind != principal.SessionToken || s.SessionName != principal.ConsoleSessionName || s.ARN != root.ARN {
		t.Fatalf("session = %+v", s)
	}
	if _, s, err := f.svc.GetSessionToken(t.Context(), root, 0); err != nil || s.SessionName != "" {
		t.Fatalf("GetSessionToken's session = %+v, %v", s, err)
	}
}

func TestRootSessionUserIDIsAccount(t *testing.T) {
	f := newFixture(t)
	r := root
	r.UserID = ""
	_, s, err := f.svc.GetSessionToken(t.Context(), r, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.UserID != acct {
		t.Fatalf("UserID = %q, want the account", s.UserID)
	}
}

func TestSessionCredentialsRefused(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	for _, caller := range []principal.Principal{roleSession, tokenSession, federated} {
		_, _, err := f.svc.GetSessionToken(ctx, caller, 0)
		wantErr(t, err, KindAccessDenied, &Error{Reason: ReasonSessionCredentials, Action: "GetSessionToken"})
		_, _, err = f.svc.GetFederationToken(ctx, caller, "bob", "", 0)
		wantErr(t, err, KindAccessDenied, &Error{Reason: ReasonSessionCredentials, Action: "GetFederationToken"})
	}
}

func TestGetFederationToken(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	for _, tc := range []struct {
		caller   principal.Principal
		duration int
		want     int
		refusal  *Error
	}{
		{user, 0, 43200, nil},
		{user, 900, 900, nil},
		{user, 129600, 129600, nil},
		{user, 129601, 0, &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "durationSeconds", Value: "129601", Rule: iam.RuleMaxValue, Limit: 129600}}}},
		{user, 899, 0, &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "durationSeconds", Value: "899", Rule: iam.RuleMinValue, Limit: 900}}}},
		{root, 0, 3600, nil},
		{root, 7200, 3600, nil},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.caller.ARN, tc.duration), func(t *testing.T) {
			c, s, err := f.svc.GetFederationToken(ctx, tc.caller, "bob", "", tc.duration)
			if tc.want == 0 {
				wantErr(t, err, KindValidation, tc.refusal)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantExpiry(t, c, s, t0, tc.want)
			if s.Kind != principal.SessionFederated || s.ARN != "arn:aws:sts::"+acct+":federated-user/bob" ||
				s.UserID != acct+":bob" || s.SessionName != "bob" || s.Root != tc.caller.IsRoot || s.SessionPolicy != "" {
				t.Fatalf("session = %+v", s)
			}
		})
	}
	for name, refusal := range map[string]*Error{
		"b":                     &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "name", Value: "b", Rule: iam.RuleMinLength, Limit: 2}}},
		strings.Repeat("n", 33): &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "name", Value: strings.Repeat("n", 33), Rule: iam.RuleMaxLength, Limit: 32}}},
		"bob smith":             &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "name", Value: "bob smith", Rule: iam.RulePattern, Set: `[\w+=,.@-]*`}}},
		"":                      &Error{Reason: ReasonConstraint, Violations: []iam.Violation{{Field: "name", Rule: iam.RuleNotNull}}},
	} {
		_, _, err := f.svc.GetFederationToken(ctx, user, name, "", 0)
		wantErr(t, err, KindValidation, refusal)
	}
	if _, _, err := f.svc.GetFederationToken(ctx, user, strings.Repeat("n", 32), "", 0); err != nil {
		t.Fatalf("32-character name: %v", err)
	}
}

const sessionPolicy = `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}]
}`

func TestSessionPolicies(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	_, s, err := f.svc.AssumeRole(ctx, user, AssumeRoleInput{RoleARN: testRoleARN("deploy"), RoleSessionName: "s1", Policy: sessionPolicy})
	if err != nil {
		t.Fatal(err)
	}
	if s.SessionPolicy != sessionPolicy {
		t.Fatalf("SessionPolicy = %q", s.SessionPolicy)
	}
	_, s, err = f.svc.GetFederationToken(ctx, user, "bob", sessionPolicy, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.SessionPolicy != sessionPolicy {
		t.Fatalf("SessionPolicy = %q", s.SessionPolicy)
	}
	bad := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Principal":"*"}]}`
	_, perr := policy.Parse(policy.Session, []byte(bad))
	if perr == nil {
		t.Fatal("a session policy with a Principal parsed")
	}
	_, _, err = f.svc.AssumeRole(ctx, user, AssumeRoleInput{RoleARN: testRoleARN("deploy"), RoleSessionName: "s1", Policy: bad})
	wantErr(t, err, KindMalformedPolicy, &Error{Reason: ReasonPolicySyntax, Problem: perr.Error()})
	_, _, err = f.svc.GetFederationToken(ctx, user, "bob", "{", 0)
	if !errors.Is(err, ErrMalformedPolicy) {
		t.Fatalf("GetFederationToken with '{': %v", err)
	}
}

func TestPackedPolicySize(t *testing.T) {
	if n := PackedPolicySize(""); n != 0 {
		t.Fatalf("no policy: %d", n)
	}
	compact := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]}`
	if a, b := PackedPolicySize(sessionPolicy), PackedPolicySize(compact); a != b || a < 1 || a > 100 {
		t.Fatalf("sizes %d %d: whitespace must not count", a, b)
	}
	if n := PackedPolicySize(strings.Repeat("x", PolicyMaxLength)); n != 100 {
		t.Fatalf("a policy at the limit: %d%%", n)
	}
}

var keyIDPattern = regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`)

func TestCredentialsAndWhatIsStored(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	c, s, err := f.svc.GetSessionToken(ctx, user, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !keyIDPattern.MatchString(c.AccessKeyID) {
		t.Errorf("access key ID %q is not ASIA + 16 of A-Z2-7", c.AccessKeyID)
	}
	if len(c.SecretAccessKey.Reveal()) != 40 {
		t.Errorf("secret of %d characters", len(c.SecretAccessKey.Reveal()))
	}
	raw, err := base64.StdEncoding.DecodeString(c.SessionToken.Reveal())
	if err != nil || len(raw) < 16 {
		t.Errorf("token is not base64 of at least 128 bits: %d bytes, %v", len(raw), err)
	}
	stored, err := f.store.GetSession(ctx, c.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	// The token is kept only as its hash; the secret only sealed, bound
	// to this key ID.
	if !bytes.Equal(stored.TokenHash, secret.HashToken(c.SessionToken.Reveal())) {
		t.Error("stored token hash is not SHA-256 of the token")
	}
	dump := fmt.Sprintf("%#v", stored)
	for _, leak := range []string{c.SessionToken.Reveal(), c.SecretAccessKey.Reveal()} {
		if strings.Contains(dump, leak) || bytes.Contains(stored.SealedSecret, []byte(leak)) {
			t.Error("the stored session holds a usable token or secret")
		}
	}
	got, err := f.sealer.Open(stored.SealedSecret, c.AccessKeyID)
	if err != nil || !got.Equal(c.SecretAccessKey) {
		t.Errorf("sealed secret opens to another secret (%v)", err)
	}
	if _, err := f.sealer.Open(stored.SealedSecret, "ASIAOTHER"); err == nil {
		t.Error("sealed secret is not bound to its key ID")
	}
	if !bytes.Equal(s.TokenHash, stored.TokenHash) {
		t.Error("returned and stored sessions differ")
	}
	// Fresh values every time.
	c2, _, err := f.svc.GetSessionToken(ctx, user, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c2.AccessKeyID == c.AccessKeyID || c2.SecretAccessKey.Equal(c.SecretAccessKey) || c2.SessionToken.Equal(c.SessionToken) {
		t.Error("two sessions share credentials")
	}
}

func TestIssueTimeIsWholeSeconds(t *testing.T) {
	f := newFixture(t)
	f.clk.Set(t0.Add(700 * time.Millisecond))
	c, s, err := f.svc.AssumeRole(t.Context(), user, AssumeRoleInput{RoleARN: testRoleARN("deploy"), RoleSessionName: "s1", DurationSeconds: 900})
	if err != nil {
		t.Fatal(err)
	}
	// The wire Expiration has second precision; the stored expiry must be
	// the very instant the client was told.
	wantExpiry(t, c, s, t0, 900)
}

func TestGetListTerminateSweep(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	issue := func(d int) meta.Session {
		t.Helper()
		_, s, err := f.svc.GetSessionToken(ctx, user, d)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := issue(900) // t0 .. t0+15m
	f.clk.Advance(time.Minute)
	b := issue(3600) // t0+1m .. t0+61m
	f.clk.Advance(time.Minute)
	c := issue(7200) // t0+2m .. t0+122m

	live := func(now time.Time) []string {
		t.Helper()
		ss, err := f.svc.List(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range ss {
			ids = append(ids, s.AccessKeyID)
		}
		return ids
	}
	eq := func(got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("live = %v, want %v", got, want)
		}
	}
	eq(live(t0.Add(2*time.Minute)), a.AccessKeyID, b.AccessKeyID, c.AccessKeyID) // oldest first
	eq(live(a.Expiry.Add(-time.Second)), a.AccessKeyID, b.AccessKeyID, c.AccessKeyID)
	eq(live(a.Expiry), b.AccessKeyID, c.AccessKeyID) // a session ends at its expiry

	f.clk.Advance(time.Minute)
	if err := f.svc.Terminate(ctx, b.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Get(ctx, b.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.TerminatedAt.Equal(t0.Add(3 * time.Minute)) {
		t.Fatalf("TerminatedAt = %v", got.TerminatedAt)
	}
	if Live(got, t0.Add(3*time.Minute)) {
		t.Fatal("a terminated session is live")
	}
	eq(live(t0.Add(3*time.Minute)), a.AccessKeyID, c.AccessKeyID)
	f.clk.Advance(time.Minute)
	if err := f.svc.Terminate(ctx, b.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Get(ctx, b.AccessKeyID); !got.TerminatedAt.Equal(t0.Add(3 * time.Minute)) {
		t.Fatalf("a second Terminate moved TerminatedAt to %v", got.TerminatedAt)
	}

	err = f.svc.Terminate(ctx, "ASIANOSUCHKEY0000000")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Terminate of an unknown key: %v", err)
	}
	if _, err := f.svc.Get(ctx, "ASIANOSUCHKEY0000000"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of an unknown key: %v", err)
	}

	// Sweep keeps sessions that expired less than retain ago.
	f.clk.Set(t0.Add(2 * time.Hour)) // a expired 105m ago, b 59m ago, c is live
	n, err := f.svc.Sweep(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("swept %d, want 1", n)
	}
	if _, err := f.svc.Get(ctx, a.AccessKeyID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a survived the sweep: %v", err)
	}
	for _, s := range []meta.Session{b, c} {
		if _, err := f.svc.Get(ctx, s.AccessKeyID); err != nil {
			t.Fatalf("%s swept too early: %v", s.AccessKeyID, err)
		}
	}
	// b expired at t0+61m: retain up to exactly that is the boundary.
	f.clk.Set(b.Expiry.Add(time.Hour))
	if n, _ := f.svc.Sweep(ctx, time.Hour); n != 0 {
		t.Fatalf("swept %d sessions that expired exactly retain ago", n)
	}
	f.clk.Advance(time.Second)
	if n, _ := f.svc.Sweep(ctx, time.Hour); n != 1 {
		t.Fatalf("swept %d, want b", n)
	}
}

func TestErrorKinds(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", NotAuthorized("arn:u", "sts:AssumeRole", "arn:r"))
	if !errors.Is(err, ErrAccessDenied) || errors.Is(err, ErrNotFound) {
		t.Fatal("errors.Is by kind")
	}
	if errors.Is(ErrAccessDenied, NotAuthorized("a", "b", "c")) {
		t.Fatal("a sentinel matched a specific error")
	}
}

// TestErrorLineIsBounded: a session policy of a megabyte is refused with
// a log line that leaves the value out (stsapi bounds the wire's echo).
func TestErrorLineIsBounded(t *testing.T) {
	big := strings.Repeat(`"`, 1<<20)
	err := ValidateAssumeRole(user, AssumeRoleInput{RoleARN: "arn:aws:iam::" + acct + ":role/r", RoleSessionName: "s", Policy: big})
	var e *Error
	if !errors.As(err, &e) || len(e.Violations) != 2 || e.Violations[1].Field != "policy" || e.Violations[1].Rule != iam.RuleMaxLength {
		t.Fatalf("err = %#v", err)
	}
	if len(err.Error()) > 200 || strings.Contains(err.Error(), `""`) {
		t.Fatalf("log line (%d bytes) = %.300q…", len(err.Error()), err.Error())
	}
}

// TestEveryReasonHasAKind: each reason makes one kind, and every kind is
// made by some reason.
func TestEveryReasonHasAKind(t *testing.T) {
	made := map[Kind]bool{}
	for _, r := range Reasons() {
		if r.Kind() == 0 || r.String() == "" {
			t.Errorf("reason %d has no kind or words", r)
		}
		made[r.Kind()] = true
	}
	for _, k := range Kinds() {
		if !made[k] {
			t.Errorf("no reason makes kind %v", k)
		}
	}
	if len(reasons) != len(Reasons()) {
		t.Errorf("%d reasons described, %d declared", len(reasons), len(Reasons()))
	}
}
