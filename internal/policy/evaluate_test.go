package policy

import (
	"testing"
)

const acct = "123456789012"

func mustParse(t testing.TB, kind Kind, doc string) *Document {
	t.Helper()
	d, err := Parse(kind, []byte(doc))
	if err != nil {
		t.Fatalf("Parse(%v): %v\n%s", kind, err, doc)
	}
	return d
}

func alice() Caller {
	return Caller{Account: acct, ARNs: []string{"arn:aws:iam::" + acct + ":user/alice"}}
}

// AWS's documented examples, each evaluated on its own.
var exampleDocs = map[string]struct {
	kind Kind
	doc  string
}{
	// S3 User Guide: refuse presigned URLs older than 10 minutes.
	"signatureAge": {Resource, `{"Version":"2012-10-17","Statement":[{"Sid":"Deny a presigned URL request if the signature is more than 10 min old","Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"NumericGreaterThan":{"s3:signatureAge":600000}}}]}`},
	// The inline role policy the console's "Revoke active sessions" adds.
	"revoke": {Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2024-05-01T12:00:00Z"}}}]}`},
	// Refuse uploads whose payload is not signed.
	"unsignedPayload": {Resource, `{"Version":"2012-10-17","Statement":[{"Sid":"DenyUnsignedPayload","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:x-amz-content-sha256":"UNSIGNED-PAYLOAD"}}}]}`},
	// Only from the office network.
	"sourceIp": {Resource, `{"Version":"2012-10-17","Id":"S3PolicyId1","Statement":[{"Sid":"IPAllow","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:DB8:1234:5678::/64"]}}}]}`},
	// Refuse plain HTTP.
	"secureTransport": {Resource, `{"Version":"2012-10-17","Statement":[{"Sid":"AllowSSLRequestsOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`},
	// IAM User Guide: each user's home folder.
	"homeFolder": {Identity, `{"Version":"2012-10-17","Statement":[{"Action":["s3:ListBucket"],"Effect":"Allow","Resource":["arn:aws:s3:::mybucket"],"Condition":{"StringLike":{"s3:prefix":["${aws:username}/*"]}}},{"Action":["s3:GetObject","s3:PutObject"],"Effect":"Allow","Resource":["arn:aws:s3:::mybucket/${aws:username}/*"]}]}`},
	// Everything but IAM, and nothing outside one bucket.
	"notActionNotResource": {Identity, `{"Version":"2012-10-17","Statement":[{"Sid":"AllButIAM","Effect":"Allow","NotAction":"iam:*","Resource":"*"},{"Sid":"OnlyBucketB","Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]}`},
}

func TestAWSExamples(t *testing.T) {
	docs := map[string]*Document{}
	for name, ex := range exampleDocs {
		docs[name] = mustParse(t, ex.kind, ex.doc)
	}
	cases := []struct {
		name string
		doc  string
		req  Request
		want Effect
		sid  string
	}{
		{"signatureAge old URL denied", "signatureAge", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket/k", Caller: alice(), Context: ctxMap{"s3:signatureAge": {"600001"}}}, Deny, "Deny a presigned URL request if the signature is more than 10 min old"},
		{"signatureAge at limit", "signatureAge", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket/k", Caller: alice(), Context: ctxMap{"s3:signatureAge": {"600000"}}}, NotApplicable, ""},
		{"signatureAge anonymous old", "signatureAge", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket/k", Caller: Caller{Anonymous: true}, Context: ctxMap{"s3:signatureAge": {"900000"}}}, Deny, "Deny a presigned URL request if the signature is more than 10 min old"},
		{"signatureAge other bucket", "signatureAge", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::other/k", Caller: alice(), Context: ctxMap{"s3:signatureAge": {"900000"}}}, NotApplicable, ""},

		{"revoke older session denied", "revoke", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctxMap{"aws:TokenIssueTime": {"2024-05-01T11:59:59Z"}}}, Deny, ""},
		{"revoke newer session unaffected", "revoke", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctxMap{"aws:TokenIssueTime": {"2024-05-01T12:00:01Z"}}}, NotApplicable, ""},
		{"revoke long-term key unaffected", "revoke", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctxMap{"aws:SecureTransport": {"true"}}}, NotApplicable, ""},
		{"revoke applies to every action", "revoke", Request{Action: "iam:CreateUser", Resource: "arn:aws:iam::" + acct + ":user/x", Context: ctxMap{"aws:TokenIssueTime": {"2020-01-01T00:00:00Z"}}}, Deny, ""},

		{"unsigned payload denied", "unsignedPayload", Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", Caller: alice(), Context: ctxMap{"s3:x-amz-content-sha256": {"UNSIGNED-PAYLOAD"}}}, Deny, "DenyUnsignedPayload"},
		{"signed payload allowed through", "unsignedPayload", Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", Caller: alice(), Context: ctxMap{"s3:x-amz-content-sha256": {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}}, NotApplicable, ""},
		{"presigned upload has no header key", "unsignedPayload", Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", Caller: alice()}, NotApplicable, ""},

		{"outside office denied", "sourceIp", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Caller: alice(), Context: ctxMap{"aws:SourceIp": {"203.0.113.5"}}}, Deny, "IPAllow"},
		{"office IPv4 not denied", "sourceIp", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Caller: alice(), Context: ctxMap{"aws:SourceIp": {"192.0.2.10"}}}, NotApplicable, ""},
		{"office IPv6 not denied", "sourceIp", Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Caller: alice(), Context: ctxMap{"aws:SourceIp": {"2001:db8:1234:5678::9"}}}, NotApplicable, ""},
		{"no source IP (VPC endpoint) denied", "sourceIp", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Caller: alice()}, Deny, "IPAllow"},

		{"plain HTTP denied", "secureTransport", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Caller: alice(), Context: ctxMap{"aws:SecureTransport": {"false"}}}, Deny, "AllowSSLRequestsOnly"},
		{"HTTPS not denied", "secureTransport", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Caller: alice(), Context: ctxMap{"aws:SecureTransport": {"true"}}}, NotApplicable, ""},

		{"home list own prefix", "homeFolder", Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::mybucket", Context: ctxMap{"aws:username": {"alice"}, "s3:prefix": {"alice/photos/"}}}, Allow, ""},
		{"home list other prefix", "homeFolder", Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::mybucket", Context: ctxMap{"aws:username": {"alice"}, "s3:prefix": {"bob/"}}}, NotApplicable, ""},
		{"home list without prefix", "homeFolder", Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::mybucket", Context: ctxMap{"aws:username": {"alice"}}}, NotApplicable, ""},
		{"home get own object", "homeFolder", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::mybucket/alice/a.txt", Context: ctxMap{"aws:username": {"alice"}}}, Allow, ""},
		{"home get action case-insensitive", "homeFolder", Request{Action: "S3:getobject", Resource: "arn:aws:s3:::mybucket/alice/a.txt", Context: ctxMap{"aws:username": {"alice"}}}, Allow, ""},
		{"home get other's object", "homeFolder", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::mybucket/bob/a.txt", Context: ctxMap{"aws:username": {"alice"}}}, NotApplicable, ""},
		{"home role session has no username", "homeFolder", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::mybucket//a.txt"}, NotApplicable, ""},
		{"home resource is case-sensitive", "homeFolder", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::mybucket/Alice/a.txt", Context: ctxMap{"aws:username": {"alice"}}}, NotApplicable, ""},

		{"NotAction allows S3 in bucket", "notActionNotResource", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}, Allow, "AllButIAM"},
		{"NotAction excludes IAM", "notActionNotResource", Request{Action: "iam:CreateUser", Resource: "arn:aws:iam::" + acct + ":user/x"}, NotApplicable, ""},
		{"NotResource denies other bucket", "notActionNotResource", Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::c/k"}, Deny, "OnlyBucketB"},
		{"NotAction allows non-S3 elsewhere", "notActionNotResource", Request{Action: "sts:GetCallerIdentity", Resource: "*"}, Allow, "AllButIAM"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := docs[tc.doc]
			e, m := d.Evaluate(&tc.req)
			if e != tc.want {
				t.Fatalf("Evaluate = %v, want %v", e, tc.want)
			}
			if tc.want == NotApplicable {
				if m != nil {
					t.Errorf("Match = %+v, want nil", m)
				}
				return
			}
			if m == nil {
				t.Fatal("Match = nil")
			}
			if m.Sid != tc.sid || m.Kind != exampleDocs[tc.doc].kind || m.Policy != "" {
				t.Errorf("Match = %+v, want Sid %q Kind %v", m, tc.sid, exampleDocs[tc.doc].kind)
			}
		})
	}
}

func TestEvaluateOrder(t *testing.T) {
	d := mustParse(t, Identity, stmt(`[
		{"Sid":"A1","Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Sid":"A2","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
		{"Sid":"D1","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"},
		{"Sid":"D2","Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]`))
	cases := []struct {
		action string
		want   Effect
		sid    string
		index  int
	}{
		{"s3:GetObject", Allow, "A1", 0},       // the first allow decides
		{"s3:DeleteObject", Deny, "D1", 2},     // a later deny beats an earlier allow; the first deny is named
		{"s3:DeleteBucket", Deny, "D2", 3},     // only D2 matches
		{"iam:GetUser", NotApplicable, "", -1}, // nothing matches
		{"s3:deleteobject", Deny, "D1", 2},     // actions are case-insensitive
	}
	for _, tc := range cases {
		e, m := d.Evaluate(&Request{Action: tc.action, Resource: "arn:aws:s3:::b/k"})
		if e != tc.want {
			t.Errorf("%s: %v, want %v", tc.action, e, tc.want)
			continue
		}
		if tc.want == NotApplicable {
			if m != nil {
				t.Errorf("%s: Match %+v, want nil", tc.action, m)
			}
			continue
		}
		if m == nil || m.Sid != tc.sid || m.Index != tc.index || m.Kind != Identity {
			t.Errorf("%s: Match %+v, want Sid %s Index %d", tc.action, m, tc.sid, tc.index)
		}
	}
	// A nil request and a nil document do not panic.
	if e, _ := d.Evaluate(nil); e != NotApplicable {
		t.Errorf("nil request: %v", e)
	}
	var zero Document
	if e, m := zero.Evaluate(&Request{}); e != NotApplicable || m != nil {
		t.Errorf("zero Document: %v %v", e, m)
	}
}

func TestPrincipalMatching(t *testing.T) {
	bucket := func(principal string) *Document {
		return mustParse(t, Resource, stmt(`{"Effect":"Allow","Principal":`+principal+`,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`))
	}
	notBucket := func(principal string) *Document {
		return mustParse(t, Resource, stmt(`{"Effect":"Allow","NotPrincipal":`+principal+`,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`))
	}
	anon := Caller{Anonymous: true}
	bob := Caller{Account: acct, ARNs: []string{"arn:aws:iam::" + acct + ":user/bob"}}
	session := Caller{Account: acct, ARNs: []string{"arn:aws:sts::" + acct + ":assumed-role/reader/s1"}, Parents: []string{"arn:aws:iam::" + acct + ":role/reader"}}
	stranger := Caller{Account: "999999999999", ARNs: []string{"arn:aws:iam::999999999999:user/alice"}}
	cases := []struct {
		name   string
		doc    *Document
		caller Caller
		want   bool
	}{
		{"star matches anonymous", bucket(`"*"`), anon, true},
		{"star matches a user", bucket(`"*"`), alice(), true},
		{"AWS star matches anonymous", bucket(`{"AWS":"*"}`), anon, true},
		{"AWS star in a list", bucket(`{"AWS":["arn:aws:iam::111111111111:user/x","*"]}`), stranger, true},
		{"account matches its user", bucket(`{"AWS":"` + acct + `"}`), alice(), true},
		{"account matches its role session", bucket(`{"AWS":"` + acct + `"}`), session, true},
		{"account root ARN matches its user", bucket(`{"AWS":"arn:aws:iam::` + acct + `:root"}`), bob, true},
		{"account does not match another account", bucket(`{"AWS":"` + acct + `"}`), stranger, false},
		{"account does not match anonymous", bucket(`{"AWS":"` + acct + `"}`), anon, false},
		{"user ARN matches that user", bucket(`{"AWS":"arn:aws:iam::` + acct + `:user/alice"}`), alice(), true},
		{"user ARN does not match another user", bucket(`{"AWS":"arn:aws:iam::` + acct + `:user/alice"}`), bob, false},
		{"user ARN does not match same name elsewhere", bucket(`{"AWS":"arn:aws:iam::` + acct + `:user/alice"}`), stranger, false},
		{"user ARN does not match anonymous", bucket(`{"AWS":"arn:aws:iam::` + acct + `:user/alice"}`), anon, false},
		{"role ARN matches its session", bucket(`{"AWS":"arn:aws:iam::` + acct + `:role/reader"}`), session, true},
		{"session ARN matches", bucket(`{"AWS":"arn:aws:sts::` + acct + `:assumed-role/reader/s1"}`), session, true},
		{"ARN compare is exact", bucket(`{"AWS":"arn:aws:iam::` + acct + `:user/Alice"}`), alice(), false},
		{"service never matches", bucket(`{"Service":"cloudfront.amazonaws.com"}`), alice(), false},
		{"service never matches anonymous", bucket(`{"Service":"cloudfront.amazonaws.com"}`), anon, false},
		{"federated never matches", bucket(`{"Federated":"cognito-identity.amazonaws.com"}`), alice(), false},
		{"canonical user never matches", bucket(`{"CanonicalUser":"79a59df900b949e55d96a1e698fbaced"}`), alice(), false},
		{"NotPrincipal excludes the named user", notBucket(`{"AWS":"arn:aws:iam::` + acct + `:user/alice"}`), alice(), false},
		{"NotPrincipal includes others", notBucket(`{"AWS":"arn:aws:iam::` + acct + `:user/alice"}`), bob, true},
		{"NotPrincipal includes anonymous", notBucket(`{"AWS":"arn:aws:iam::` + acct + `:user/alice"}`), anon, true},
		{"NotPrincipal star excludes everyone", notBucket(`"*"`), anon, false},
	}
	for _, tc := range cases {
		c := tc.caller
		e, _ := tc.doc.Evaluate(&Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Caller: c})
		if got := e == Allow; got != tc.want {
			t.Errorf("%s: applies = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestTrustPolicy(t *testing.T) {
	trust := mustParse(t, Trust, stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:user/alice"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}`))
	roleARN := "arn:aws:iam::" + acct + ":role/admin"
	set := func(c Caller, mfa string) (*Request, Set) {
		ctx := ctxMap{}
		if mfa != "" {
			ctx["aws:MultiFactorAuthPresent"] = []string{mfa}
		}
		return &Request{Action: "sts:AssumeRole", Resource: roleARN, Caller: c, Context: ctx}, Set{Resource: []Named{{Name: "trust policy", Doc: trust}}}
	}
	req, s := set(alice(), "true")
	if d := Decide(req, s); !d.Allowed() || d.Match == nil || d.Match.Policy != "trust policy" || d.Match.Kind != Trust {
		t.Errorf("alice with MFA: %+v", d)
	}
	req, s = set(alice(), "")
	if d := Decide(req, s); d.Allowed() {
		t.Errorf("alice without MFA: %+v", d)
	}
	req, s = set(Caller{Account: acct, ARNs: []string{"arn:aws:iam::" + acct + ":user/bob"}}, "true")
	if d := Decide(req, s); d.Allowed() {
		t.Errorf("bob: %+v", d)
	}
}

// TestNeedsContext: a document needs the request's condition keys when a
// statement has a Condition or a Resource with a policy variable, and
// only then (callers skip building them otherwise).
func TestNeedsContext(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want bool
	}{
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, false},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, true},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}`, true},
		// Version 2008-10-17 takes "${" literally: no variable.
		{`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}`, false},
	} {
		d, err := Parse(Identity, []byte(tc.doc))
		if err != nil {
			t.Fatalf("Parse(%s): %v", tc.doc, err)
		}
		if got := d.NeedsContext(); got != tc.want {
			t.Errorf("NeedsContext(%s) = %v, want %v", tc.doc, got, tc.want)
		}
		set := Set{Identity: []Named{{Name: "a", Doc: mustParseNoCond(t)}}, Resource: []Named{{Name: "b", Doc: d}}}
		if got := set.NeedsContext(); got != tc.want {
			t.Errorf("Set{…, %s}.NeedsContext() = %v, want %v", tc.doc, got, tc.want)
		}
	}
	if (Set{Root: true}).NeedsContext() || (*Document)(nil).NeedsContext() {
		t.Error("an empty set or a nil document needs no context")
	}
}

func mustParseNoCond(t *testing.T) *Document {
	t.Helper()
	d, err := Parse(Identity, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
