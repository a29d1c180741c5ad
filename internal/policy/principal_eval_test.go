package policy

import "testing"

// TestDecideSameAccountPrincipals pins AWS's evaluation for a caller of
// the bucket's own account: a resource-policy Allow that names the caller
// itself (user, role session, federated user, or everyone) grants on its
// own; one that names the role or user a session came from is narrowed by
// the session policy; one that names the account only delegates to the
// identity policies. An explicit deny naming any of them wins.
func TestDecideSameAccountPrincipals(t *testing.T) {
	const (
		bobARN   = "arn:aws:iam::" + acct + ":user/bob"
		aliceARN = "arn:aws:iam::" + acct + ":user/alice"
		roleARN  = "arn:aws:iam::" + acct + ":role/reader"
		sessARN  = "arn:aws:sts::" + acct + ":assumed-role/reader/s1"
		fedARN   = "arn:aws:sts::" + acct + ":federated-user/f1"
		rootARN  = "arn:aws:iam::" + acct + ":root"
	)
	bob := Caller{Account: acct, ARNs: []string{bobARN}}
	sess := Caller{Account: acct, ARNs: []string{sessARN}, Parents: []string{roleARN}}
	fed := Caller{Account: acct, ARNs: []string{fedARN}, Parents: []string{aliceARN}}
	anon := Caller{Anonymous: true}

	p := func(kind Kind, s string) []Named { return []Named{{Name: "p", Doc: mustParse(t, kind, stmt(s))}} }
	bucket := func(effect, elem, principals string) []Named {
		return []Named{{Name: "bucket policy", Doc: mustParse(t, Resource, stmt(`{"Effect":"`+effect+`","`+elem+`":{"AWS":`+principals+`},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`))}}
	}
	allow := func(principals string) []Named { return bucket("Allow", "Principal", principals) }
	deny := func(principals string) []Named { return bucket("Deny", "Principal", principals) }
	q := func(arns ...string) string {
		s := "["
		for i, a := range arns {
			if i > 0 {
				s += ","
			}
			s += `"` + a + `"`
		}
		return s + "]"
	}
	idGet := p(Identity, `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`)
	idAll := p(Identity, `{"Effect":"Allow","Action":"*","Resource":"*"}`)
	sessGet := p(Session, `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`)
	sessPut := p(Session, `{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}`)
	public := []Named{{Name: "bucket policy", Doc: mustParse(t, Resource, stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`))}}

	type want struct {
		effect Effect
		by     Kind // the kind of the deciding document, for Allow and Deny
	}
	cases := []struct {
		name   string
		caller Caller
		set    Set
		want   want
	}{
		// A user.
		{"account ID delegates: user without identity allow", bob, Set{Resource: allow(q(acct))}, want{effect: NotApplicable}},
		{"account root ARN delegates: user without identity allow", bob, Set{Resource: allow(q(rootARN))}, want{effect: NotApplicable}},
		{"account principal and identity allow", bob, Set{Identity: idGet, Resource: allow(q(rootARN))}, want{Allow, Identity}},
		{"user ARN grants on its own", bob, Set{Resource: allow(q(bobARN))}, want{Allow, Resource}},
		{"user ARN beside the account grants", bob, Set{Resource: allow(q(rootARN, bobARN))}, want{Allow, Resource}},
		{"account deny applies to the user", bob, Set{Identity: idGet, Resource: deny(q(acct))}, want{Deny, Resource}},
		{"public grants a user on its own", bob, Set{Resource: public}, want{Allow, Resource}},

		// A role session with a session policy that does not allow the action.
		{"session narrowed: account", sess, Set{Identity: idAll, HasSession: true, Session: sessPut, Resource: allow(q(acct))}, want{effect: NotApplicable}},
		{"session narrowed: role ARN", sess, Set{Identity: idAll, HasSession: true, Session: sessPut, Resource: allow(q(roleARN))}, want{effect: NotApplicable}},
		{"session narrowed: session ARN grants on its own", sess, Set{Identity: idAll, HasSession: true, Session: sessPut, Resource: allow(q(sessARN))}, want{Allow, Resource}},
		{"session narrowed: public grants on its own", sess, Set{Identity: idAll, HasSession: true, Session: sessPut, Resource: public}, want{Allow, Resource}},
		// The session policy allows, the role's identity policy does not.
		{"role ARN within the session policy", sess, Set{HasSession: true, Session: sessGet, Resource: allow(q(roleARN))}, want{Allow, Resource}},
		{"account within the session policy still needs identity", sess, Set{HasSession: true, Session: sessGet, Resource: allow(q(rootARN))}, want{effect: NotApplicable}},
		// No session policy.
		{"role ARN grants a session without session policy", sess, Set{Resource: allow(q(roleARN))}, want{Allow, Resource}},
		{"account does not grant a role session", sess, Set{Resource: allow(q(acct))}, want{effect: NotApplicable}},
		{"role deny applies to its session", sess, Set{Identity: idAll, Resource: deny(q(roleARN))}, want{Deny, Resource}},

		// A federated user of alice's.
		{"federated narrowed: account", fed, Set{Identity: idAll, HasSession: true, Session: sessPut, Resource: allow(q(acct))}, want{effect: NotApplicable}},
		{"federated narrowed: its user", fed, Set{Identity: idAll, HasSession: true, Session: sessPut, Resource: allow(q(aliceARN))}, want{effect: NotApplicable}},
		{"federated narrowed: federated ARN grants on its own", fed, Set{Identity: idAll, HasSession: true, Session: sessPut, Resource: allow(q(fedARN))}, want{Allow, Resource}},
		{"federated: its user within the session policy", fed, Set{HasSession: true, Session: sessGet, Resource: allow(q(aliceARN))}, want{Allow, Resource}},
		{"federated without session policy: its user", fed, Set{Identity: idAll, HasSession: true, Resource: allow(q(aliceARN))}, want{effect: NotApplicable}},
		{"federated: deny of its user applies", fed, Set{Identity: idAll, HasSession: true, Session: sessGet, Resource: deny(q(aliceARN))}, want{Deny, Resource}},

		// NotPrincipal with Deny exempts a caller only when its account,
		// its role or user, and the session itself are all listed.
		{"deny NotPrincipal session only: denied", sess, Set{Identity: idAll, Resource: bucket("Deny", "NotPrincipal", q(sessARN))}, want{Deny, Resource}},
		{"deny NotPrincipal role and account: session denied", sess, Set{Identity: idAll, Resource: bucket("Deny", "NotPrincipal", q(roleARN, rootARN))}, want{Deny, Resource}},
		{"deny NotPrincipal session, role and account: exempt", sess, Set{Identity: idAll, Resource: bucket("Deny", "NotPrincipal", q(sessARN, roleARN, rootARN))}, want{Allow, Identity}},
		{"deny NotPrincipal other session: denied", sess, Set{Identity: idAll, Resource: bucket("Deny", "NotPrincipal", q("arn:aws:sts::"+acct+":assumed-role/reader/s2", roleARN, rootARN))}, want{Deny, Resource}},
		{"deny NotPrincipal user only: denied", bob, Set{Identity: idAll, Resource: bucket("Deny", "NotPrincipal", q(bobARN))}, want{Deny, Resource}},
		{"deny NotPrincipal user and account: exempt", bob, Set{Identity: idAll, Resource: bucket("Deny", "NotPrincipal", q(bobARN, rootARN))}, want{Allow, Identity}},
		{"deny NotPrincipal another user and account: denied", bob, Set{Identity: idAll, Resource: bucket("Deny", "NotPrincipal", q(aliceARN, rootARN))}, want{Deny, Resource}},
		{"deny NotPrincipal user and account: its federated user denied", fed, Set{Identity: idAll, HasSession: true, Session: sessGet, Resource: bucket("Deny", "NotPrincipal", q(aliceARN, rootARN))}, want{Deny, Resource}},
		{"deny NotPrincipal: anonymous denied", anon, Set{Resource: append(public, bucket("Deny", "NotPrincipal", q(bobARN, rootARN))...)}, want{Deny, Resource}},

		// NotPrincipal with Allow grants only a caller none of whose
		// names is listed.
		{"allow NotPrincipal another user: granted", bob, Set{Resource: bucket("Allow", "NotPrincipal", q(aliceARN))}, want{Allow, Resource}},
		{"allow NotPrincipal the user: not granted", bob, Set{Resource: bucket("Allow", "NotPrincipal", q(bobARN))}, want{effect: NotApplicable}},
		{"allow NotPrincipal the account: not granted", bob, Set{Resource: bucket("Allow", "NotPrincipal", q(rootARN))}, want{effect: NotApplicable}},
		{"allow NotPrincipal the role: its session not granted", sess, Set{Resource: bucket("Allow", "NotPrincipal", q(roleARN))}, want{effect: NotApplicable}},
		{"allow NotPrincipal the session: not granted", sess, Set{Resource: bucket("Allow", "NotPrincipal", q(sessARN))}, want{effect: NotApplicable}},

		// Explicit deny first, whatever grants.
		{"identity deny beats a grant naming the session", sess, Set{Identity: p(Identity, `{"Effect":"Deny","Action":"s3:*","Resource":"*"}`), Resource: allow(q(sessARN))}, want{Deny, Identity}},
		{"session deny beats a grant naming the session", sess, Set{HasSession: true, Session: p(Session, `{"Effect":"Deny","Action":"s3:*","Resource":"*"}`), Resource: allow(q(sessARN))}, want{Deny, Session}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(&Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Caller: tc.caller}, tc.set)
			if d.Effect != tc.want.effect {
				t.Fatalf("Effect = %v, want %v (Match %+v)", d.Effect, tc.want.effect, d.Match)
			}
			if tc.want.effect == NotApplicable {
				return
			}
			if d.Match == nil || d.Match.Kind != tc.want.by {
				t.Errorf("decided by %+v, want a %v document", d.Match, tc.want.by)
			}
		})
	}
}

// A grant naming the caller is found even after an earlier statement that
// names only its account: the document's best grant decides.
func TestDecideBestGrantInADocument(t *testing.T) {
	bob := Caller{Account: acct, ARNs: []string{"arn:aws:iam::" + acct + ":user/bob"}}
	d := mustParse(t, Resource, `{"Version":"2012-10-17","Statement":[
		{"Sid":"Acct","Effect":"Allow","Principal":{"AWS":"`+acct+`"},"Action":"s3:GetObject","Resource":"*"},
		{"Sid":"Bob","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:user/bob"},"Action":"s3:GetObject","Resource":"*"}]}`)
	got := Decide(&Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Caller: bob}, Set{Resource: []Named{{Name: "bucket policy", Doc: d}}})
	if !got.Allowed() || got.Match == nil || got.Match.Sid != "Bob" {
		t.Errorf("Decide = %+v (Match %+v), want an allow by statement Bob", got, got.Match)
	}
}
