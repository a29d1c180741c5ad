package iam

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
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
	clock  *clock.Fake
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := metafixture.Memory(t)
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := secret.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0.Add(123 * time.Millisecond))
	svc, err := New(Config{Store: st, Sealer: sealer, Clock: clk, Account: acct, PasswordParams: cheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: st, sealer: sealer, clock: clk}
}

// wantErr checks that err is a domain error of kind k and, unless want is
// nil, that its reason and facts are want's (want.Kind is taken as k).
func wantErr(t *testing.T, err error, k Kind, want *Error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *iam.Error %v", err, k)
	}
	if e.Kind != k {
		t.Fatalf("err = %v (kind %v), want kind %v", e, e.Kind, k)
	}
	if want != nil {
		w := *want
		w.Kind = k
		if *e != w {
			t.Fatalf("err = %#v\n      want %#v", *e, w)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var ctx = context.Background()

// Documents.
const (
	allowGet = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	trust    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
)

// sizedDoc returns an identity policy of exactly n non-white-space
// characters, padding the statement's Sid.
func sizedDoc(t *testing.T, n int) string {
	t.Helper()
	const head, tail = `{"Version": "2012-10-17", "Statement": [{"Sid": "`, `", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}`
	pad := n - PolicySize(head+tail)
	if pad < 1 {
		t.Fatalf("cannot make a %d-character document", n)
	}
	d := head + strings.Repeat("S", pad) + tail
	if PolicySize(d) != n {
		t.Fatalf("size %d, want %d", PolicySize(d), n)
	}
	return d
}

func TestNewID(t *testing.T) {
	for _, prefix := range []string{PrefixAccessKey, PrefixTempAccessKey, PrefixUser, PrefixRole, PrefixPolicy} {
		seen := map[string]bool{}
		for i := 0; i < 5000; i++ {
			id, err := NewID(prefix)
			if err != nil {
				t.Fatal(err)
			}
			if len(id) != 20 || !strings.HasPrefix(id, prefix) {
				t.Fatalf("NewID(%q) = %q", prefix, id)
			}
			for _, c := range id[4:] {
				if !strings.ContainsRune(idAlphabet, c) {
					t.Fatalf("NewID(%q) = %q: %q is outside A-Z2-7", prefix, id, c)
				}
			}
			if seen[id] {
				t.Fatalf("NewID(%q) repeated %q", prefix, id)
			}
			seen[id] = true
		}
	}
}

func TestIDsUseTheWholeAlphabet(t *testing.T) {
	// A biased or truncated alphabet would show up as characters that
	// never appear in many draws.
	seen := map[rune]bool{}
	for i := 0; i < 500; i++ {
		id, _ := NewID(PrefixUser)
		for _, c := range id[4:] {
			seen[c] = true
		}
	}
	if len(seen) != 32 {
		t.Fatalf("%d distinct characters in 8000 draws, want 32", len(seen))
	}
}

func TestARNs(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	if got := s.UserARN(meta.User{Name: "bob", Path: "/"}); got != "arn:aws:iam::123456789012:user/bob" {
		t.Errorf("UserARN = %s", got)
	}
	if got := s.UserARN(meta.User{Name: "bob", Path: "/div/team/"}); got != "arn:aws:iam::123456789012:user/div/team/bob" {
		t.Errorf("UserARN with path = %s", got)
	}
	if got := s.RoleARN(meta.Role{Name: "R", Path: "/service-role/"}); got != "arn:aws:iam::123456789012:role/service-role/R" {
		t.Errorf("RoleARN = %s", got)
	}
	if got := s.PolicyARN(meta.Policy{Name: "P", Path: "/"}); got != "arn:aws:iam::123456789012:policy/P" {
		t.Errorf("PolicyARN = %s", got)
	}
	if got := s.RootARN(); got != "arn:aws:iam::123456789012:root" {
		t.Errorf("RootARN = %s", got)
	}
	roles := []struct {
		arn  string
		name string
		ok   bool
	}{
		{"arn:aws:iam::123456789012:role/R", "R", true},
		{"arn:aws:iam::123456789012:role/a/b/R", "R", true},
		{"arn:aws:iam::999999999999:role/R", "", false},
		{"arn:aws:iam::123456789012:user/R", "", false},
		{"arn:aws:iam::123456789012:role/", "", false},
		{"arn:aws:sts::123456789012:assumed-role/R/s", "", false},
		{"arn:aws:iam:us-east-1:123456789012:role/R", "", false},
		{"role/R", "", false},
	}
	for _, c := range roles {
		name, ok := s.ParseRoleARN(c.arn)
		if name != c.name || ok != c.ok {
			t.Errorf("ParseRoleARN(%s) = %q, %v; want %q, %v", c.arn, name, ok, c.name, c.ok)
		}
	}
	path, name, ok := s.ParsePolicyARN("arn:aws:iam::123456789012:policy/x/y/P")
	if path != "/x/y/" || name != "P" || !ok {
		t.Errorf("ParsePolicyARN = %q %q %v", path, name, ok)
	}
	if _, _, ok := s.ParsePolicyARN("arn:aws:iam::aws:policy/AdministratorAccess"); ok {
		t.Error("ParsePolicyARN accepted an AWS managed policy as this account's")
	}
}

func TestUsers(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	u, err := s.CreateUser(ctx, "Bob", "")
	must(t, err)
	if u.Path != "/" || !strings.HasPrefix(u.ID, PrefixUser) || !u.Created.Equal(t0) {
		t.Fatalf("created %+v (want path /, AIDA ID, created %v to the second)", u, t0)
	}
	_, err = s.CreateUser(ctx, "alice", "/eng/")
	must(t, err)

	cases := []struct {
		name string
		run  func() error
		kind Kind
		want *Error
	}{
		{"duplicate", func() error { _, err := s.CreateUser(ctx, "Bob", ""); return err },
			KindEntityAlreadyExists, &Error{Reason: ReasonUserExists, Name: "Bob"}},
		{"duplicate in another case", func() error { _, err := s.CreateUser(ctx, "BOB", ""); return err },
			KindEntityAlreadyExists, &Error{Reason: ReasonUserExists, Name: "BOB"}},
		{"empty name", func() error { _, err := s.CreateUser(ctx, "", ""); return err },
			KindValidation, &Error{Reason: ReasonConstraint, Violation: Violation{Field: "userName", Value: "", Rule: RuleMinLength, Limit: 1}}},
		{"name too long", func() error { _, err := s.CreateUser(ctx, strings.Repeat("a", 65), ""); return err },
			KindValidation, &Error{Reason: ReasonConstraint, Violation: Violation{Field: "userName", Value: strings.Repeat("a", 65), Rule: RuleMaxLength, Limit: 64}}},
		{"bad character", func() error { _, err := s.CreateUser(ctx, "bad name", ""); return err },
			KindValidation, &Error{Reason: ReasonNameCharacters, Field: "userName"}},
		{"bad path", func() error { _, err := s.CreateUser(ctx, "carol", "eng"); return err },
			KindValidation, &Error{Reason: ReasonPathCharacters, Field: "path"}},
		{"path without trailing slash", func() error { _, err := s.CreateUser(ctx, "carol", "/eng"); return err },
			KindValidation, nil},
		{"get missing", func() error { _, err := s.GetUser(ctx, "nobody"); return err },
			KindNoSuchEntity, &Error{Reason: ReasonNoSuchUser, Name: "nobody"}},
		{"delete missing", func() error { return s.DeleteUser(ctx, "nobody") },
			KindNoSuchEntity, &Error{Reason: ReasonNoSuchUser, Name: "nobody"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantErr(t, c.run(), c.kind, c.want) })
	}

	// Names are allowed the full character set.
	_, err = s.CreateUser(ctx, "a+b=c,d.e@f_g-h", "/x/y/")
	must(t, err)

	got, err := s.GetUser(ctx, "bob")
	must(t, err)
	if got.Name != "Bob" || got.ID != u.ID {
		t.Fatalf("GetUser(bob) = %+v, want Bob as created", got)
	}
	all, err := s.ListUsers(ctx, "")
	must(t, err)
	if len(all) != 3 {
		t.Fatalf("ListUsers = %d users, want 3", len(all))
	}
	eng, err := s.ListUsers(ctx, "/eng/")
	must(t, err)
	if len(eng) != 1 || eng[0].Name != "alice" {
		t.Fatalf("ListUsers(/eng/) = %+v", eng)
	}
	must(t, s.DeleteUser(ctx, "BOB"))
	if _, err := s.GetUser(ctx, "Bob"); !IsKind(err, KindNoSuchEntity) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestDeleteUserConflicts(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	_, err := s.CreateUser(ctx, "bob", "")
	must(t, err)
	k, _, err := s.CreateAccessKey(ctx, "bob")
	must(t, err)
	wantErr(t, s.DeleteUser(ctx, "bob"), KindDeleteConflict, &Error{Reason: ReasonUserHasAccessKeys})
	must(t, s.DeleteAccessKey(ctx, "bob", k.ID))

	bob := meta.Owner{Kind: principal.OwnerUser, Name: "bob"}
	must(t, s.AttachPolicy(ctx, bob, AWSPolicyARN("AmazonS3ReadOnlyAccess")))
	wantErr(t, s.DeleteUser(ctx, "bob"), KindDeleteConflict, &Error{Reason: ReasonHasAttachedPolicies})
	must(t, s.DetachPolicy(ctx, bob, AWSPolicyARN("AmazonS3ReadOnlyAccess")))
	must(t, s.DeleteUser(ctx, "bob"))
}

func TestDeleteUserWithInlinePolicy(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	_, err := s.CreateUser(ctx, "bob", "")
	must(t, err)
	bob := meta.Owner{Kind: principal.OwnerUser, Name: "bob"}
	must(t, s.PutInlinePolicy(ctx, bob, "p", allowGet))
	must(t, s.AttachPolicy(ctx, bob, AWSPolicyARN("AmazonS3ReadOnlyAccess")))
	// Inline policies are reported before attachments.
	wantErr(t, s.DeleteUser(ctx, "bob"), KindDeleteConflict, &Error{Reason: ReasonHasInlinePolicies})
	must(t, s.DeleteInlinePolicy(ctx, bob, "p"))
	wantErr(t, s.DeleteUser(ctx, "bob"), KindDeleteConflict, &Error{Reason: ReasonHasAttachedPolicies})
}

func TestAccessKeys(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	_, err := s.CreateUser(ctx, "Bob", "")
	must(t, err)
	_, err = s.CreateUser(ctx, "alice", "")
	must(t, err)

	k1, sec1, err := s.CreateAccessKey(ctx, "bob")
	must(t, err)
	if !strings.HasPrefix(k1.ID, PrefixAccessKey) || len(k1.ID) != 20 || k1.Status != principal.KeyActive || k1.UserName != "Bob" {
		t.Fatalf("key %+v", k1)
	}
	if len(sec1.Reveal()) != 40 {
		t.Fatalf("secret of %d characters", len(sec1.Reveal()))
	}

	// The store holds the secret only sealed, bound to the key ID.
	raw, err := f.store.GetAccessKey(ctx, k1.ID)
	must(t, err)
	if len(raw.SealedSecret) == 0 || bytes.Contains(raw.SealedSecret, []byte(sec1.Reveal())) {
		t.Fatal("stored record holds the plaintext secret")
	}
	opened, err := f.sealer.Open(raw.SealedSecret, k1.ID)
	must(t, err)
	if !opened.Equal(sec1) {
		t.Fatal("sealed secret does not open to the one returned")
	}
	if _, err := f.sealer.Open(raw.SealedSecret, "AKIAOTHERKEY00000000"); err == nil {
		t.Fatal("sealed secret opens under another key ID")
	}
	if !raw.Created.Equal(t0) {
		t.Fatalf("created %v, want %v", raw.Created, t0)
	}

	f.clock.Advance(time.Minute)
	k2, sec2, err := s.CreateAccessKey(ctx, "Bob")
	must(t, err)
	if k2.ID == k1.ID || sec2.Equal(sec1) {
		t.Fatal("second key repeats the first")
	}
	must(t, s.UpdateAccessKey(ctx, "bob", k1.ID, principal.KeyInactive))

	cases := []struct {
		name string
		run  func() error
		kind Kind
		want *Error
	}{
		// An inactive key still counts.
		{"third key", func() error { _, _, err := s.CreateAccessKey(ctx, "bob"); return err },
			KindLimitExceeded, &Error{Reason: ReasonQuota, Quota: "AccessKeysPerUser", Limit: 2}},
		{"key for missing user", func() error { _, _, err := s.CreateAccessKey(ctx, "nobody"); return err },
			KindNoSuchEntity, &Error{Reason: ReasonNoSuchUser, Name: "nobody"}},
		{"list for missing user", func() error { _, err := s.ListAccessKeys(ctx, "nobody"); return err },
			KindNoSuchEntity, &Error{Reason: ReasonNoSuchUser, Name: "nobody"}},
		{"bad status", func() error { return s.UpdateAccessKey(ctx, "bob", k1.ID, "Paused") },
			KindValidation, &Error{Reason: ReasonConstraint, Violation: Violation{Field: "status", Value: "Paused", Rule: RuleEnum, Set: "[Active, Inactive, Expired]"}}},
		{"update unknown key", func() error { return s.UpdateAccessKey(ctx, "bob", "AKIAUNKNOWNKEY000000", principal.KeyActive) },
			KindNoSuchEntity, &Error{Reason: ReasonNoSuchAccessKey, Name: "AKIAUNKNOWNKEY000000"}},
		{"update another user's key", func() error { return s.UpdateAccessKey(ctx, "alice", k1.ID, principal.KeyActive) },
			KindNoSuchEntity, &Error{Reason: ReasonNoSuchAccessKey, Name: k1.ID}},
		{"delete another user's key", func() error { return s.DeleteAccessKey(ctx, "alice", k1.ID) },
			KindNoSuchEntity, &Error{Reason: ReasonNoSuchAccessKey, Name: k1.ID}},
		{"delete for missing user", func() error { return s.DeleteAccessKey(ctx, "nobody", k1.ID) },
			KindNoSuchEntity, &Error{Reason: ReasonNoSuchUser, Name: "nobody"}},
		{"short key id", func() error { return s.DeleteAccessKey(ctx, "bob", "AKIA") },
			KindValidation, &Error{Reason: ReasonConstraint, Violation: Violation{Field: "accessKeyId", Value: "AKIA", Rule: RuleMinLength, Limit: 16}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantErr(t, c.run(), c.kind, c.want) })
	}

	ks, err := s.ListAccessKeys(ctx, "bob")
	must(t, err)
	if len(ks) != 2 || ks[0].ID != k1.ID || ks[1].ID != k2.ID || ks[0].Status != principal.KeyInactive || ks[1].Status != principal.KeyActive {
		t.Fatalf("ListAccessKeys = %+v", ks)
	}
	must(t, s.DeleteAccessKey(ctx, "bob", k1.ID))
	if _, err := f.store.GetAccessKey(ctx, k1.ID); !errors.Is(err, meta.ErrNoSuchEntity) {
		t.Fatalf("deleted key still stored: %v", err)
	}
	// Room for one again.
	_, _, err = s.CreateAccessKey(ctx, "bob")
	must(t, err)
}

func TestRoleValidation(t *testing.T) {
	// Checks that come before the trust policy is read.
	f := newFixture(t)
	s := f.svc
	in := func(mod func(*CreateRoleInput)) CreateRoleInput {
		r := CreateRoleInput{Name: "R", AssumeRolePolicyDocument: trust}
		mod(&r)
		return r
	}
	cases := []struct {
		name string
		in   CreateRoleInput
		kind Kind
		want *Error
	}{
		{"short session", in(func(r *CreateRoleInput) { r.MaxSessionDuration = 3599 }),
			KindValidation, &Error{Reason: ReasonConstraint, Violation: Violation{Field: "maxSessionDuration", Value: "3599", Rule: RuleMinValue, Limit: 3600}}},
		{"long session", in(func(r *CreateRoleInput) { r.MaxSessionDuration = 43201 }),
			KindValidation, &Error{Reason: ReasonConstraint, Violation: Violation{Field: "maxSessionDuration", Value: "43201", Rule: RuleMaxValue, Limit: 43200}}},
		{"bad name", in(func(r *CreateRoleInput) { r.Name = "my role" }),
			KindValidation, &Error{Reason: ReasonNameCharacters, Field: "roleName"}},
		{"long name", in(func(r *CreateRoleInput) { r.Name = strings.Repeat("r", 65) }),
			KindValidation, nil},
		{"bad path", in(func(r *CreateRoleInput) { r.Path = "x/" }),
			KindValidation, nil},
		{"long description", in(func(r *CreateRoleInput) { r.Description = strings.Repeat("d", 1001) }),
			KindValidation, &Error{Reason: ReasonConstraint, Violation: Violation{Field: "description", Value: strings.Repeat("d", 1001), Rule: RuleMaxLength, Limit: 1000}}},
		{"empty trust policy", in(func(r *CreateRoleInput) { r.AssumeRolePolicyDocument = "" }),
			KindValidation, &Error{Reason: ReasonConstraint, Violation: Violation{Field: "assumeRolePolicyDocument", Value: "", Rule: RuleMinLength, Limit: 1}}},
		{"trust policy out of range", in(func(r *CreateRoleInput) { r.AssumeRolePolicyDocument = "{\"a\":\"\u0100\"}" }),
			KindValidation, nil},
		{"malformed trust policy", in(func(r *CreateRoleInput) { r.AssumeRolePolicyDocument = "{not json" }),
			KindMalformedPolicyDocument, nil},
		{"trust policy too large", in(func(r *CreateRoleInput) { r.AssumeRolePolicyDocument = "{" + strings.Repeat("x", 2048) + "}" }),
			KindLimitExceeded, &Error{Reason: ReasonQuota, Quota: "ACLSizePerRole", Limit: 2048}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateRole(ctx, c.in)
			wantErr(t, err, c.kind, c.want)
		})
	}
	wantErr(t, func() error { _, err := s.GetRole(ctx, "R"); return err }(), KindNoSuchEntity, &Error{Reason: ReasonNoSuchRole, Name: "R"})
	wantErr(t, s.DeleteRole(ctx, "R"), KindNoSuchEntity, &Error{Reason: ReasonNoSuchRole, Name: "R"})
	three := 3600
	_, err := s.UpdateRole(ctx, "R", UpdateRoleInput{MaxSessionDuration: &three})
	wantErr(t, err, KindNoSuchEntity, &Error{Reason: ReasonNoSuchRole, Name: "R"})
	wantErr(t, s.UpdateAssumeRolePolicy(ctx, "R", trust), KindNoSuchEntity, &Error{Reason: ReasonNoSuchRole, Name: "R"})
}

func TestRoles(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	r, err := s.CreateRole(ctx, CreateRoleInput{Name: "Reader", Path: "/svc/", AssumeRolePolicyDocument: trust, Description: "reads"})
	must(t, err)
	if r.MaxSessionDuration != 3600 || r.Path != "/svc/" || !strings.HasPrefix(r.ID, PrefixRole) || r.TrustPolicy != trust || !r.Created.Equal(t0) {
		t.Fatalf("created %+v", r)
	}
	if got := s.RoleARN(r); got != "arn:aws:iam::123456789012:role/svc/Reader" {
		t.Fatalf("RoleARN = %s", got)
	}
	_, err = s.CreateRole(ctx, CreateRoleInput{Name: "reader", AssumeRolePolicyDocument: trust})
	wantErr(t, err, KindEntityAlreadyExists, &Error{Reason: ReasonRoleExists, Name: "reader"})
	long, err := s.CreateRole(ctx, CreateRoleInput{Name: "Long", AssumeRolePolicyDocument: trust, MaxSessionDuration: 43200})
	must(t, err)
	if long.MaxSessionDuration != 43200 {
		t.Fatalf("MaxSessionDuration %d", long.MaxSessionDuration)
	}
	// A trust policy is not an identity policy: a Principal is required.
	_, err = s.CreateRole(ctx, CreateRoleInput{Name: "NoPrincipal", AssumeRolePolicyDocument: allowGet})
	wantErr(t, err, KindMalformedPolicyDocument, &Error{Reason: ReasonPolicySyntax, Problem: "Missing required field Principal"})

	desc, msd := "changed", 7200
	got, err := s.UpdateRole(ctx, "READER", UpdateRoleInput{Description: &desc, MaxSessionDuration: &msd})
	must(t, err)
	if got.Description != "changed" || got.MaxSessionDuration != 7200 || got.Name != "Reader" {
		t.Fatalf("updated %+v", got)
	}
	bad := 100
	_, err = s.UpdateRole(ctx, "Reader", UpdateRoleInput{MaxSessionDuration: &bad})
	wantErr(t, err, KindValidation, &Error{Reason: ReasonConstraint, Violation: Violation{Field: "maxSessionDuration", Value: "100", Rule: RuleMinValue, Limit: 3600}})

	// A trust policy may name only users and roles that exist (IAM binds
	// them to their unique IDs); it reads back as written.
	newTrust := strings.Replace(trust, "123456789012:root", "123456789012:user/bob", 1)
	wantErr(t, s.UpdateAssumeRolePolicy(ctx, "Reader", newTrust), KindMalformedPolicyDocument,
		&Error{Reason: ReasonInvalidPrincipal, Name: "arn:aws:iam::123456789012:user/bob"})
	_, err = s.CreateUser(ctx, "bob", "")
	must(t, err)
	must(t, s.UpdateAssumeRolePolicy(ctx, "Reader", newTrust))
	wantErr(t, s.UpdateAssumeRolePolicy(ctx, "Reader", "{"), KindMalformedPolicyDocument, nil)
	got, err = s.GetRole(ctx, "reader")
	must(t, err)
	if got.TrustPolicy != newTrust || got.Description != "changed" {
		t.Fatalf("after trust update %+v", got)
	}

	rs, err := s.ListRoles(ctx, "/svc/")
	must(t, err)
	if len(rs) != 1 || rs[0].Name != "Reader" {
		t.Fatalf("ListRoles(/svc/) = %+v", rs)
	}

	// Delete conflicts: inline first, then attachments.
	o := meta.Owner{Kind: principal.OwnerRole, Name: "Reader"}
	must(t, s.PutInlinePolicy(ctx, o, "inline", allowGet))
	must(t, s.AttachPolicy(ctx, o, AWSPolicyARN("AmazonS3ReadOnlyAccess")))
	wantErr(t, s.DeleteRole(ctx, "Reader"), KindDeleteConflict, &Error{Reason: ReasonHasInlinePolicies})
	must(t, s.DeleteInlinePolicy(ctx, o, "inline"))
	wantErr(t, s.DeleteRole(ctx, "Reader"), KindDeleteConflict, &Error{Reason: ReasonHasAttachedPolicies})
	must(t, s.DetachPolicy(ctx, o, AWSPolicyARN("AmazonS3ReadOnlyAccess")))
	must(t, s.DeleteRole(ctx, "Reader"))
}

func TestInlinePolicies(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	_, err := s.CreateUser(ctx, "bob", "")
	must(t, err)
	_, err = s.CreateRole(ctx, CreateRoleInput{Name: "R", AssumeRolePolicyDocument: trust})
	must(t, err)
	bob := meta.Owner{Kind: principal.OwnerUser, Name: "bob"}
	role := meta.Owner{Kind: principal.OwnerRole, Name: "R"}
	nobody := meta.Owner{Kind: principal.OwnerUser, Name: "nobody"}
	norole := meta.Owner{Kind: principal.OwnerRole, Name: "NoRole"}

	must(t, s.PutInlinePolicy(ctx, bob, "read", allowGet))
	p, err := s.GetInlinePolicy(ctx, bob, "read")
	must(t, err)
	if p.Document != allowGet {
		t.Fatalf("document %q", p.Document)
	}
	names, err := s.ListInlinePolicies(ctx, bob)
	must(t, err)
	if len(names) != 1 || names[0] != "read" {
		t.Fatalf("names %v", names)
	}

	cases := []struct {
		name string
		err  error
		kind Kind
		want *Error
	}{
		{"user missing", s.PutInlinePolicy(ctx, nobody, "p", allowGet), KindNoSuchEntity, &Error{Reason: ReasonNoSuchUser, Name: "nobody"}},
		{"role missing", s.PutInlinePolicy(ctx, norole, "p", allowGet), KindNoSuchEntity, &Error{Reason: ReasonNoSuchRole, Name: "NoRole"}},
		{"user policy missing", func() error { _, err := s.GetInlinePolicy(ctx, bob, "nope"); return err }(),
			KindNoSuchEntity, &Error{Reason: ReasonNoSuchInlinePolicy, Entity: "user", Name: "nope"}},
		{"role policy missing", s.DeleteInlinePolicy(ctx, role, "nope"), KindNoSuchEntity, &Error{Reason: ReasonNoSuchInlinePolicy, Entity: "role", Name: "nope"}},
		{"malformed", s.PutInlinePolicy(ctx, bob, "p", `{"Version":"2012-10-17"`), KindMalformedPolicyDocument, &Error{Reason: ReasonPolicySyntax, Problem: "Syntax errors in policy."}},
		{"principal in identity policy", s.PutInlinePolicy(ctx, bob, "p", trust), KindMalformedPolicyDocument, &Error{Reason: ReasonPolicySyntax, Problem: "Policy document should not specify a principal."}},
		{"bad policy name", s.PutInlinePolicy(ctx, bob, "a/b", allowGet), KindValidation,
			&Error{Reason: ReasonNameCharacters, Field: "policyName"}},
		{"long policy name", s.PutInlinePolicy(ctx, bob, strings.Repeat("p", 129), allowGet), KindValidation, nil},
		{"empty document", s.PutInlinePolicy(ctx, bob, "p", ""), KindValidation,
			&Error{Reason: ReasonConstraint, Violation: Violation{Field: "policyDocument", Value: "", Rule: RuleMinLength, Limit: 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantErr(t, c.err, c.kind, c.want) })
	}
	must(t, s.DeleteInlinePolicy(ctx, bob, "READ"))
	if names, _ := s.ListInlinePolicies(ctx, bob); len(names) != 0 {
		t.Fatalf("after delete: %v", names)
	}
}

func TestInlinePolicySizeQuotas(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	_, err := s.CreateUser(ctx, "bob", "")
	must(t, err)
	_, err = s.CreateRole(ctx, CreateRoleInput{Name: "R", AssumeRolePolicyDocument: trust})
	must(t, err)
	bob := meta.Owner{Kind: principal.OwnerUser, Name: "bob"}
	role := meta.Owner{Kind: principal.OwnerRole, Name: "R"}

	// A user's inline policies share 2048 characters, white space not
	// counted.
	must(t, s.PutInlinePolicy(ctx, bob, "a", sizedDoc(t, 1000)))
	must(t, s.PutInlinePolicy(ctx, bob, "b", sizedDoc(t, 1048)))
	wantErr(t, s.PutInlinePolicy(ctx, bob, "c", sizedDoc(t, 300)), KindLimitExceeded, &Error{Reason: ReasonInlinePolicySize, Limit: 2048, Entity: "user", Name: "bob"})
	// Replacing a policy counts it once.
	must(t, s.PutInlinePolicy(ctx, bob, "b", sizedDoc(t, 1048)))
	wantErr(t, s.PutInlinePolicy(ctx, bob, "b", sizedDoc(t, 1049)), KindLimitExceeded, &Error{Reason: ReasonInlinePolicySize, Limit: 2048, Entity: "user", Name: "bob"})
	// One alone at the limit.
	must(t, s.DeleteInlinePolicy(ctx, bob, "a"))
	must(t, s.DeleteInlinePolicy(ctx, bob, "b"))
	must(t, s.PutInlinePolicy(ctx, bob, "a", sizedDoc(t, 2048)))

	must(t, s.PutInlinePolicy(ctx, role, "a", sizedDoc(t, 10240)))
	wantErr(t, s.PutInlinePolicy(ctx, role, "b", sizedDoc(t, 300)), KindLimitExceeded, &Error{Reason: ReasonInlinePolicySize, Limit: 10240, Entity: "role", Name: "R"})
	must(t, s.DeleteInlinePolicy(ctx, role, "a"))
	wantErr(t, s.PutInlinePolicy(ctx, role, "a", sizedDoc(t, 10241)), KindLimitExceeded, &Error{Reason: ReasonInlinePolicySize, Limit: 10240, Entity: "role", Name: "R"})
}

func TestPolicySize(t *testing.T) {
	if n := PolicySize("{ \"a\" :\t\"b c\"\r\n}"); n != 10 {
		t.Fatalf("PolicySize = %d, want 10", n)
	}
	if n := PolicySize("é"); n != 1 {
		t.Fatalf("PolicySize counts bytes, not characters: %d", n)
	}
}

func TestManagedPolicies(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	p, err := s.CreatePolicy(ctx, CreatePolicyInput{Name: "Readers", Path: "/team/", Description: "d", Document: allowGet})
	must(t, err)
	if p.ARN != "arn:aws:iam::123456789012:policy/team/Readers" || p.DefaultVersionID != "v1" || !strings.HasPrefix(p.ID, PrefixPolicy) || p.AWSManaged {
		t.Fatalf("created %+v", p)
	}
	_, err = s.CreatePolicy(ctx, CreatePolicyInput{Name: "readers", Document: allowGet})
	wantErr(t, err, KindEntityAlreadyExists, &Error{Reason: ReasonPolicyExists, Name: "readers"})
	_, err = s.CreatePolicy(ctx, CreatePolicyInput{Name: "Big", Document: sizedDoc(t, 6145)})
	wantErr(t, err, KindLimitExceeded, &Error{Reason: ReasonQuota, Quota: "PolicySize", Limit: 6144})
	_, err = s.CreatePolicy(ctx, CreatePolicyInput{Name: "Fits", Document: sizedDoc(t, 6144)})
	must(t, err)
	_, err = s.CreatePolicy(ctx, CreatePolicyInput{Name: "Bad", Document: "[]"})
	wantErr(t, err, KindMalformedPolicyDocument, nil)

	got, err := s.GetPolicy(ctx, p.ARN)
	must(t, err)
	if got.Document != allowGet || got.Description != "d" || got.AttachmentCount != 0 {
		t.Fatalf("GetPolicy %+v", got)
	}
	wrongPath := "arn:aws:iam::123456789012:policy/Readers"
	_, err = s.GetPolicy(ctx, wrongPath)
	wantErr(t, err, KindNoSuchEntity, &Error{Reason: ReasonNoSuchPolicy, Name: wrongPath})
	_, err = s.GetPolicy(ctx, "arn:aws:iam::999999999999:policy/team/Readers")
	wantErr(t, err, KindNoSuchEntity, nil)
	_, err = s.GetPolicy(ctx, "arn:aws:iam::123456789012:role/team/Readers")
	wantErr(t, err, KindInvalidInput, &Error{Reason: ReasonInvalidARN, Name: "arn:aws:iam::123456789012:role/team/Readers"})
	_, err = s.GetPolicy(ctx, "arn:aws:iam::1")
	wantErr(t, err, KindValidation, &Error{Reason: ReasonConstraint, Violation: Violation{Field: "policyArn", Value: "arn:aws:iam::1", Rule: RuleMinLength, Limit: 20}})

	v, err := s.GetPolicyVersion(ctx, p.ARN, "v1")
	must(t, err)
	if v.Document != allowGet || !v.IsDefault || v.VersionID != "v1" {
		t.Fatalf("version %+v", v)
	}
	_, err = s.GetPolicyVersion(ctx, p.ARN, "v2")
	wantErr(t, err, KindNoSuchEntity, &Error{Reason: ReasonNoSuchPolicyVersion, Name: p.ARN, Version: "v2"})
	_, err = s.GetPolicyVersion(ctx, p.ARN, "1")
	wantErr(t, err, KindValidation, nil)

	// Attach, count, list, refuse delete.
	_, err = s.CreateUser(ctx, "bob", "")
	must(t, err)
	bob := meta.Owner{Kind: principal.OwnerUser, Name: "bob"}
	must(t, s.AttachPolicy(ctx, bob, p.ARN))
	must(t, s.AttachPolicy(ctx, bob, p.ARN)) // twice is fine
	got, _ = s.GetPolicy(ctx, p.ARN)
	if got.AttachmentCount != 1 {
		t.Fatalf("AttachmentCount = %d", got.AttachmentCount)
	}
	wantErr(t, s.DeletePolicy(ctx, p.ARN), KindDeleteConflict, &Error{Reason: ReasonPolicyAttached})
	as, err := s.ListAttachedPolicies(ctx, bob, "")
	must(t, err)
	if len(as) != 1 || as[0].Name != "Readers" || as[0].ARN != p.ARN {
		t.Fatalf("attached %+v", as)
	}
	local, err := s.ListPolicies(ctx, ScopeLocal, true, "")
	must(t, err)
	if len(local) != 1 || local[0].Name != "Readers" {
		t.Fatalf("ListPolicies(Local, attached) = %+v", local)
	}
	must(t, s.DetachPolicy(ctx, bob, p.ARN))
	wantErr(t, s.DetachPolicy(ctx, bob, p.ARN), KindNoSuchEntity, &Error{Reason: ReasonNoSuchPolicy, Name: p.ARN})
	must(t, s.DeletePolicy(ctx, p.ARN))
	wantErr(t, s.DeletePolicy(ctx, p.ARN), KindNoSuchEntity, &Error{Reason: ReasonNoSuchPolicy, Name: p.ARN})
	wantErr(t, s.AttachPolicy(ctx, bob, p.ARN), KindNoSuchEntity, &Error{Reason: ReasonPolicyNotAttachable, Name: p.ARN})
}

func TestAWSManagedPolicies(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	names := []string{"AdministratorAccess", "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess", "IAMFullAccess", "IAMReadOnlyAccess"}
	for _, n := range names {
		p, err := s.GetPolicy(ctx, AWSPolicyARN(n))
		must(t, err)
		if !p.AWSManaged || p.Name != n || !strings.HasPrefix(p.ID, PrefixPolicy) || p.Path != "/" || p.Description == "" {
			t.Fatalf("GetPolicy(%s) = %+v", n, p)
		}
		v, err := s.GetPolicyVersion(ctx, p.ARN, p.DefaultVersionID)
		must(t, err)
		if v.Document != p.Document || PolicySize(v.Document) > ManagedQuota {
			t.Fatalf("%s: version document %q", n, v.Document)
		}
		// They cannot be deleted, by anyone.
		wantErr(t, s.DeletePolicy(ctx, p.ARN), KindForbidden, nil)
	}
	admin, _ := s.GetPolicy(ctx, AWSPolicyARN("AdministratorAccess"))
	if admin.ID != "ANPAIWMBCKSKIEE64ZLYK" || admin.DefaultVersionID != "v1" {
		t.Fatalf("AdministratorAccess %+v", admin)
	}
	// ARNs are case-sensitive, and other names are unknown.
	_, err := s.GetPolicy(ctx, "arn:aws:iam::aws:policy/administratoraccess")
	wantErr(t, err, KindNoSuchEntity, &Error{Reason: ReasonNoSuchPolicy, Name: "arn:aws:iam::aws:policy/administratoraccess"})
	_, err = s.GetPolicyVersion(ctx, AWSPolicyARN("AdministratorAccess"), "v2")
	wantErr(t, err, KindNoSuchEntity, nil)

	aws, err := s.ListPolicies(ctx, ScopeAWS, false, "")
	must(t, err)
	if len(aws) != len(names) {
		t.Fatalf("ListPolicies(AWS) = %d policies", len(aws))
	}
	for i, p := range aws {
		if p.Name != names[i] {
			t.Fatalf("ListPolicies(AWS)[%d] = %s, want %s (sorted)", i, p.Name, names[i])
		}
	}
	local, err := s.ListPolicies(ctx, ScopeLocal, false, "")
	must(t, err)
	if len(local) != 0 {
		t.Fatalf("ListPolicies(Local) = %+v", local)
	}

	_, err = s.CreateRole(ctx, CreateRoleInput{Name: "R", AssumeRolePolicyDocument: trust})
	must(t, err)
	o := meta.Owner{Kind: principal.OwnerRole, Name: "R"}
	must(t, s.AttachPolicy(ctx, o, AWSPolicyARN("AmazonS3ReadOnlyAccess")))
	p, _ := s.GetPolicy(ctx, AWSPolicyARN("AmazonS3ReadOnlyAccess"))
	if p.AttachmentCount != 1 {
		t.Fatalf("AttachmentCount = %d", p.AttachmentCount)
	}
	attached, err := s.ListPolicies(ctx, ScopeAll, true, "")
	must(t, err)
	if len(attached) != 1 || attached[0].Name != "AmazonS3ReadOnlyAccess" {
		t.Fatalf("ListPolicies(attached) = %+v", attached)
	}
	wantErr(t, s.AttachPolicy(ctx, o, "arn:aws:iam::aws:policy/NoSuchPolicy"), KindNoSuchEntity,
		&Error{Reason: ReasonPolicyNotAttachable, Name: "arn:aws:iam::aws:policy/NoSuchPolicy"})
	wantErr(t, s.AttachPolicy(ctx, meta.Owner{Kind: principal.OwnerRole, Name: "Nope"}, AWSPolicyARN("IAMFullAccess")), KindNoSuchEntity,
		&Error{Reason: ReasonNoSuchRole, Name: "Nope"})
}

func TestAttachmentQuota(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	_, err := s.CreateUser(ctx, "bob", "")
	must(t, err)
	bob := meta.Owner{Kind: principal.OwnerUser, Name: "bob"}
	var arns []string
	for i := 0; i <= AttachedPerEntity; i++ {
		p, err := s.CreatePolicy(ctx, CreatePolicyInput{Name: fmt.Sprintf("P%02d", i), Document: allowGet})
		must(t, err)
		arns = append(arns, p.ARN)
	}
	for _, a := range arns[:AttachedPerEntity] {
		must(t, s.AttachPolicy(ctx, bob, a))
	}
	// Re-attaching one already there is still fine at the quota.
	must(t, s.AttachPolicy(ctx, bob, arns[0]))
	wantErr(t, s.AttachPolicy(ctx, bob, arns[AttachedPerEntity]), KindLimitExceeded, &Error{Reason: ReasonQuota, Quota: "PoliciesPerUser", Limit: 10})
}

func TestPoliciesFor(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	_, err := s.CreateUser(ctx, "bob", "")
	must(t, err)
	bob := meta.Owner{Kind: principal.OwnerUser, Name: "bob"}
	p, err := s.CreatePolicy(ctx, CreatePolicyInput{Name: "Mine", Document: allowGet})
	must(t, err)
	must(t, s.PutInlinePolicy(ctx, bob, "inline", allowGet))
	must(t, s.AttachPolicy(ctx, bob, p.ARN))
	must(t, s.AttachPolicy(ctx, bob, AWSPolicyARN("AmazonS3ReadOnlyAccess")))
	named, err := s.PoliciesFor(ctx, bob)
	must(t, err)
	var got []string
	for _, n := range named {
		if n.Doc == nil {
			t.Fatalf("%s: nil document", n.Name)
		}
		got = append(got, n.Name)
	}
	want := []string{"inline", "arn:aws:iam::123456789012:policy/Mine", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("PoliciesFor = %v, want %v", got, want)
	}
	_, err = s.PoliciesFor(ctx, meta.Owner{Kind: principal.OwnerRole, Name: "nope"})
	wantErr(t, err, KindNoSuchEntity, &Error{Reason: ReasonNoSuchRole, Name: "nope"})
}

func TestBuiltinDocumentsParse(t *testing.T) {
	for _, b := range builtins {
		if _, err := parseDocument(policy.Identity, b.Document); err != nil {
			t.Errorf("%s: %v", b.Name, err)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	f := newFixture(t)
	for _, acct := range []string{"", "12345678901", "12345678901a"} {
		if _, err := New(Config{Store: f.store, Sealer: f.sealer, Clock: f.clock, Account: acct}); err == nil {
			t.Errorf("New accepted account %q", acct)
		}
	}
}

func TestEntityARN(t *testing.T) {
	const acct = "123456789012"
	for _, tc := range []struct{ got, want string }{
		{EntityARN(acct, "user", "", "a"), "arn:aws:iam::" + acct + ":user/a"},
		{EntityARN(acct, "user", "/", "a"), "arn:aws:iam::" + acct + ":user/a"},
		{EntityARN(acct, "user", "/x/y/", "a"), "arn:aws:iam::" + acct + ":user/x/y/a"},
		{EntityARN(acct, "role", "", "r"), "arn:aws:iam::" + acct + ":role/r"},
		{EntityARN(acct, "role", "/p/", "r"), "arn:aws:iam::" + acct + ":role/p/r"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestOversizedDocumentsAreRefusedBeforeParsing: a document past its
// quota is refused by its size alone, so that a body of JSON the quota
// rules out never costs a parse. Each document here is too large and not
// JSON at all: LimitExceeded, not MalformedPolicyDocument, shows that the
// size was judged first.
func TestOversizedDocumentsAreRefusedBeforeParsing(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	_, err := s.CreateUser(ctx, "bob", "")
	must(t, err)
	_, err = s.CreateRole(ctx, CreateRoleInput{Name: "R", AssumeRolePolicyDocument: trust})
	must(t, err)
	junk := func(n int) string { return strings.Repeat("[", n) }
	bob := meta.Owner{Kind: principal.OwnerUser, Name: "bob"}
	role := meta.Owner{Kind: principal.OwnerRole, Name: "R"}
	wantErr(t, s.PutInlinePolicy(ctx, bob, "big", junk(UserInlineQuota+1)), KindLimitExceeded, &Error{Reason: ReasonInlinePolicySize, Limit: 2048, Entity: "user", Name: "bob"})
	wantErr(t, s.PutInlinePolicy(ctx, role, "big", junk(RoleInlineQuota+1)), KindLimitExceeded, &Error{Reason: ReasonInlinePolicySize, Limit: 10240, Entity: "role", Name: "R"})
	_, err = s.CreatePolicy(ctx, CreatePolicyInput{Name: "Big", Document: junk(ManagedQuota + 1)})
	wantErr(t, err, KindLimitExceeded, &Error{Reason: ReasonQuota, Quota: "PolicySize", Limit: 6144})
	_, err = s.CreateRole(ctx, CreateRoleInput{Name: "Big", AssumeRolePolicyDocument: junk(TrustPolicyQuota + 1)})
	wantErr(t, err, KindLimitExceeded, &Error{Reason: ReasonQuota, Quota: "ACLSizePerRole", Limit: 2048})
	wantErr(t, s.UpdateAssumeRolePolicy(ctx, "R", junk(TrustPolicyQuota+1)), KindLimitExceeded, &Error{Reason: ReasonQuota, Quota: "ACLSizePerRole", Limit: 2048})
	// Within its quota, the same junk is judged as a document.
	wantErr(t, s.PutInlinePolicy(ctx, bob, "small", junk(10)), KindMalformedPolicyDocument, nil)
}

// TestEveryReasonHasAKind: each reason makes one kind, every kind is made
// by some reason and has a name, and every rule has a name.
func TestEveryReasonHasAKind(t *testing.T) {
	made := map[Kind]bool{}
	for _, r := range Reasons() {
		if r.Kind() == 0 || strings.HasPrefix(r.String(), "Reason(") {
			t.Errorf("reason %d has no kind or words", r)
		}
		made[r.Kind()] = true
	}
	for _, k := range Kinds() {
		if !made[k] || strings.HasPrefix(k.String(), "Kind(") {
			t.Errorf("kind %v: made by no reason, or has no name", k)
		}
	}
	if len(reasons) != len(Reasons()) || len(kindNames) != len(Kinds()) {
		t.Errorf("%d reasons described for %d declared; %d kinds named for %d", len(reasons), len(Reasons()), len(kindNames), len(Kinds()))
	}
	for _, r := range Rules() {
		if strings.HasPrefix(r.String(), "Rule(") {
			t.Errorf("rule %d has no name", r)
		}
	}
}
