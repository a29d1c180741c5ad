package policy

import "testing"

func TestDecide(t *testing.T) {
	p := func(kind Kind, s string) *Document { return mustParse(t, kind, stmt(s)) }
	const obj = "arn:aws:s3:::b/k"

	allowGet := Named{Name: "AllowGet", Doc: p(Identity, `{"Sid":"Get","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`)}
	allowAll := Named{Name: "AllowAll", Doc: p(Identity, `{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}`)}
	denyGet := Named{Name: "DenyGet", Doc: p(Identity, `[{"Sid":"Other","Effect":"Deny","Action":"s3:PutObject","Resource":"*"},{"Sid":"NoGet","Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]`)}
	sessGet := Named{Name: "session policy", Doc: p(Session, `{"Sid":"SessGet","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`)}
	sessPut := Named{Name: "session policy", Doc: p(Session, `{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}`)}
	sessDeny := Named{Name: "session policy", Doc: p(Session, `{"Sid":"SessDeny","Effect":"Deny","Action":"s3:*","Resource":"*"}`)}
	bucketAllowAlice := Named{Name: "bucket policy", Doc: p(Resource, `{"Sid":"Alice","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`)}
	bucketPublic := Named{Name: "bucket policy", Doc: p(Resource, `{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`)}
	bucketAccount := Named{Name: "bucket policy", Doc: p(Resource, `{"Sid":"Acct","Effect":"Allow","Principal":{"AWS":"`+acct+`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`)}
	bucketDeny := Named{Name: "bucket policy", Doc: p(Resource, `{"Sid":"NoHTTP","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)}

	httpCtx := ctxMap{"aws:SecureTransport": {"false"}}
	httpsCtx := ctxMap{"aws:SecureTransport": {"true"}}
	anon := Caller{Anonymous: true}

	type want struct {
		effect Effect
		policy string // "" with effect != NotApplicable means Match must be nil
		kind   Kind
		sid    string
		index  int
	}
	cases := []struct {
		name   string
		caller Caller
		ctx    ctxMap
		set    Set
		want   want
	}{
		{"nothing applies", alice(), nil, Set{}, want{effect: NotApplicable}},
		{"identity allow", alice(), nil, Set{Identity: []Named{allowGet}}, want{Allow, "AllowGet", Identity, "Get", 0}},
		{"first identity allow is named", alice(), nil, Set{Identity: []Named{allowAll, allowGet}}, want{Allow, "AllowAll", Identity, "All", 0}},
		{"identity deny beats identity allow", alice(), nil, Set{Identity: []Named{allowAll, denyGet}}, want{Deny, "DenyGet", Identity, "NoGet", 1}},
		{"identity deny beats bucket allow", alice(), nil, Set{Identity: []Named{denyGet}, Resource: []Named{bucketAllowAlice}}, want{Deny, "DenyGet", Identity, "NoGet", 1}},
		{"bucket deny beats identity allow", alice(), httpCtx, Set{Identity: []Named{allowAll}, Resource: []Named{bucketDeny}}, want{Deny, "bucket policy", Resource, "NoHTTP", 0}},
		{"bucket deny condition false", alice(), httpsCtx, Set{Identity: []Named{allowAll}, Resource: []Named{bucketDeny}}, want{Allow, "AllowAll", Identity, "All", 0}},
		{"identity deny reported before bucket deny", alice(), httpCtx, Set{Identity: []Named{denyGet}, Resource: []Named{bucketDeny}}, want{Deny, "DenyGet", Identity, "NoGet", 1}},
		{"bucket allow alone is enough", alice(), nil, Set{Resource: []Named{bucketAllowAlice}}, want{Allow, "bucket policy", Resource, "Alice", 0}},
		{"bucket allow for someone else", Caller{Account: acct, ARNs: []string{"arn:aws:iam::" + acct + ":user/bob"}}, nil, Set{Resource: []Named{bucketAllowAlice}}, want{effect: NotApplicable}},
		{"identity allow preferred to bucket allow", alice(), nil, Set{Identity: []Named{allowGet}, Resource: []Named{bucketAllowAlice}}, want{Allow, "AllowGet", Identity, "Get", 0}},

		{"session intersection allows", alice(), nil, Set{Identity: []Named{allowAll}, HasSession: true, Session: []Named{sessGet}}, want{Allow, "AllowAll", Identity, "All", 0}},
		{"session policy narrows", alice(), nil, Set{Identity: []Named{allowAll}, HasSession: true, Session: []Named{sessPut}}, want{effect: NotApplicable}},
		{"session allow without identity allow", alice(), nil, Set{HasSession: true, Session: []Named{sessGet}}, want{effect: NotApplicable}},
		{"session without session policies allows nothing", alice(), nil, Set{Identity: []Named{allowAll}, HasSession: true}, want{effect: NotApplicable}},
		{"session documents ignored without HasSession", alice(), nil, Set{Identity: []Named{allowAll}, Session: []Named{sessPut}}, want{Allow, "AllowAll", Identity, "All", 0}},
		{"session deny wins", alice(), nil, Set{Identity: []Named{allowAll}, HasSession: true, Session: []Named{sessDeny}}, want{Deny, "session policy", Session, "SessDeny", 0}},
		{"bucket allow despite session policy", alice(), nil, Set{Identity: []Named{allowAll}, HasSession: true, Session: []Named{sessPut}, Resource: []Named{bucketAllowAlice}}, want{Allow, "bucket policy", Resource, "Alice", 0}},
		{"bucket allow for session without session policies", alice(), nil, Set{HasSession: true, Resource: []Named{bucketAllowAlice}}, want{Allow, "bucket policy", Resource, "Alice", 0}},

		{"root allowed with no policies", Caller{Account: acct, ARNs: []string{"arn:aws:iam::" + acct + ":root"}}, nil, Set{Root: true}, want{effect: Allow}},
		{"root denied explicitly", Caller{Account: acct}, httpCtx, Set{Root: true, Resource: []Named{bucketDeny}}, want{Deny, "bucket policy", Resource, "NoHTTP", 0}},
		{"root allowed when deny does not apply", Caller{Account: acct}, httpsCtx, Set{Root: true, Resource: []Named{bucketDeny}}, want{effect: Allow}},

		{"anonymous allowed by public bucket", anon, nil, Set{Resource: []Named{bucketPublic}}, want{Allow, "bucket policy", Resource, "Public", 0}},
		{"anonymous not matched by account principal", anon, nil, Set{Resource: []Named{bucketAccount}}, want{effect: NotApplicable}},
		{"anonymous not matched by user principal", anon, nil, Set{Resource: []Named{bucketAllowAlice}}, want{effect: NotApplicable}},
		{"anonymous denied by star deny", anon, httpCtx, Set{Resource: []Named{bucketPublic, bucketDeny}}, want{Deny, "bucket policy", Resource, "NoHTTP", 0}},
		{"account principal delegates to identity policies", alice(), nil, Set{Resource: []Named{bucketAccount}}, want{effect: NotApplicable}},
		{"account principal with identity allow", alice(), nil, Set{Identity: []Named{allowGet}, Resource: []Named{bucketAccount}}, want{Allow, "AllowGet", Identity, "Get", 0}},

		{"nil documents are skipped", alice(), nil, Set{Identity: []Named{{Name: "nil"}, allowGet}, Resource: []Named{{Name: "empty", Doc: &Document{}}}}, want{Allow, "AllowGet", Identity, "Get", 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := &Request{Action: "s3:GetObject", Resource: obj, Caller: tc.caller, Context: tc.ctx}
			d := Decide(req, tc.set)
			if d.Effect != tc.want.effect {
				t.Fatalf("Effect = %v, want %v (Match %+v)", d.Effect, tc.want.effect, d.Match)
			}
			if d.Allowed() != (tc.want.effect == Allow) {
				t.Errorf("Allowed() = %v", d.Allowed())
			}
			if tc.want.policy == "" {
				if d.Match != nil {
					t.Errorf("Match = %+v, want nil", d.Match)
				}
				return
			}
			w := Match{Policy: tc.want.policy, Kind: tc.want.kind, Sid: tc.want.sid, Index: tc.want.index}
			if d.Match == nil || *d.Match != w {
				t.Errorf("Match = %+v, want %+v", d.Match, w)
			}
		})
	}
}

// The console's session revocation is an inline deny on the role: it
// must beat every allow, in identity and bucket policies alike, but leave
// later sessions and long-term keys alone.
func TestDecideRevokeOlderSessions(t *testing.T) {
	revoke := Named{Name: "AWSRevokeOlderSessions", Doc: mustParse(t, Identity, exampleDocs["revoke"].doc)}
	allow := Named{Name: "ReadAll", Doc: mustParse(t, Identity, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`))}
	public := Named{Name: "bucket policy", Doc: mustParse(t, Resource, stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}`))}
	set := Set{Identity: []Named{allow, revoke}, Resource: []Named{public}}
	for _, tc := range []struct {
		issued string
		want   Effect
	}{
		{"2024-05-01T11:00:00Z", Deny},
		{"2024-05-01T12:00:00Z", Allow}, // issued at the revocation instant: not before it
		{"2024-05-01T13:00:00Z", Allow},
		{"", Allow}, // long-term key: no aws:TokenIssueTime
	} {
		ctx := ctxMap{}
		if tc.issued != "" {
			ctx["aws:TokenIssueTime"] = []string{tc.issued}
		}
		d := Decide(&Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Caller: alice(), Context: ctx}, set)
		if d.Effect != tc.want {
			t.Errorf("issued %q: %v, want %v", tc.issued, d.Effect, tc.want)
		}
		if tc.want == Deny && (d.Match == nil || d.Match.Policy != "AWSRevokeOlderSessions") {
			t.Errorf("issued %q: Match %+v", tc.issued, d.Match)
		}
	}
	if d := Decide(nil, Set{Root: true}); d.Effect != Allow {
		t.Errorf("nil request, root: %v", d.Effect)
	}
}
