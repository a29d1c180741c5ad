package access

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"signet/internal/authn"
	"signet/internal/meta"
	"signet/internal/policy"
	"signet/internal/principal"
)

// stimulus makes the request for action carry the key: the header, query
// parameter or Query-API parameter the table says it comes from.
func stimulus(t *testing.T, r *http.Request, key string, params url.Values) *http.Request {
	t.Helper()
	src, ok := keySources[strings.ToLower(key)]
	if !ok {
		t.Fatalf("%s has a supplier but no recorded source", key)
	}
	switch src.kind {
	case srcHeader:
		v := "x-test"
		switch src.name {
		case "x-amz-object-lock-retain-until-date":
			v = t0.Add(72 * time.Hour).Format(time.RFC3339)
		case "x-amz-tagging":
			v = "k=v"
		case "x-amz-copy-source":
			v = "/src/key"
		}
		r.Header.Set(src.name, v)
	case srcQuery:
		q := r.URL.Query()
		q.Set(src.name, "x-test")
		r.URL.RawQuery = q.Encode()
	case srcParam:
		params.Set(src.name, "k")
		if strings.HasPrefix(src.name, "Tags.member.1") {
			params.Set("Tags.member.1.Value", "v")
		}
	case srcBuiltin:
		if strings.EqualFold(key, "s3:locationconstraint") {
			r = r.WithContext(WithConditions(r.Context(), map[string][]string{"s3:locationconstraint": {region}}))
		}
	}
	return r
}

const region = "eu-west-3"

// policyKey is the name a policy uses for key: a family member for a
// family ("aws:RequestTag/k").
func policyKey(key string) string {
	if strings.HasSuffix(key, "/") {
		return key + "k"
	}
	return key
}

// TestEveryDocumentedKeyIsSuppliedAndADenyBites walks the whole table:
// for every action signet authorises and every key AWS documents for it
// (and every global key), a Deny conditioned on the key's presence must
// refuse a request that carries it, or the table must say why signet
// never has it.
func TestEveryDocumentedKeyIsSuppliedAndADenyBites(t *testing.T) {
	f := newFixture(t)
	f.authz.SetRegion(region)
	res := &authn.Result{
		Principal: principal.Principal{
			AccessKeyID: "ASIAEXAMPLEEXAMPLE00", ARN: "arn:aws:iam::" + acct + ":user/u", UserID: "AIDAEXAMPLE",
			UserName: "u", Account: acct, SessionKind: principal.SessionToken, TokenIssued: t0,
		},
		AuthType: authn.AuthHeader, SignatureVersion: authn.SigV4, SignatureAge: 5 * time.Second,
		ContentSHA256: "UNSIGNED-PAYLOAD",
	}
	base := func() *http.Request {
		r := httptest.NewRequest(http.MethodPut, "https://s3.example/b/k", nil) // https: r.TLS is set
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE00/20261127/"+region+"/s3/aws4_request, SignedHeaders=host, Signature=00")
		return r
	}
	// s3:ExistingObjectTag/ is read from the object the request acts on.
	const resource = "arn:aws:s3:::b/k"
	if err := f.engine.CreateBucket(t.Context(), meta.Bucket{Name: "b", Region: "us-east-1", Created: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.PutObject(t.Context(), meta.Object{Bucket: "b", Key: "k", LastModified: t0, Tags: []meta.Tag{{Key: "k", Value: "v"}}}, nil); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, action := range Actions() {
		for _, key := range join(globalKeys, actionKeys[action]) {
			d, ok := keyDefs[strings.ToLower(key)]
			if !ok {
				t.Errorf("%s: %s is in the table but has no definition", action, key)
				continue
			}
			if d.supply == nil {
				if d.never == "" {
					t.Errorf("%s: %s has neither a supplier nor a reason it is never present", action, key)
				}
				if ok, _ := Supplied(action, key); ok {
					t.Errorf("%s: Supplied(%s) = true for a key never present", action, key)
				}
				continue
			}
			params := url.Values{}
			r := stimulus(t, base(), key, params)
			r = r.WithContext(WithParams(r.Context(), params))
			deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
				{"Effect":"Deny","Action":"` + action + `","Resource":"*","Condition":{"Null":{"` + policyKey(key) + `":"false"}}}]}`
			doc, err := policy.Parse(policy.Identity, []byte(deny))
			if err != nil {
				t.Fatal(err)
			}
			set := policy.Set{Identity: []policy.Named{{Name: "deny", Doc: doc}}}
			req := &policy.Request{Action: action, Resource: "*", Context: f.authz.conditionKeys(r, res, action, resource)}
			if got := policy.Decide(req, set); got.Effect != policy.Deny {
				t.Errorf("%s: a Deny on %s does not bite (context %v)", action, policyKey(key), req.Context)
			}
			// Keys read from the request are absent without it, so the
			// Deny bit because of the stimulus.
			if src := keySources[strings.ToLower(key)]; src.kind != srcBuiltin {
				bare := base()
				req.Context = f.authz.conditionKeys(bare.WithContext(WithParams(bare.Context(), url.Values{})), res, action, resource)
				if got := policy.Decide(req, set); got.Effect == policy.Deny {
					t.Errorf("%s: %s is present without its %s", action, key, src.name)
				}
			}
			checked++
		}
	}
	if checked < 100 {
		t.Fatalf("only %d (action, key) pairs checked", checked)
	}
}

// The delegated-admin guard, through the Authorizer as IAM asks it.
func TestPolicyARNGuardBites(t *testing.T) {
	f := newFixture(t)
	cred := f.user(t, "delegate", "/")
	f.putUserPolicy(t, "delegate", "p", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},
		{"Effect":"Deny","Action":"iam:AttachUserPolicy","Resource":"*","Condition":{"ArnLike":{"iam:PolicyARN":"arn:aws:iam::aws:policy/Administrator*"}}}]}`)
	res := &authn.Result{Principal: cred.Principal, AuthType: authn.AuthHeader, SignatureVersion: authn.SigV4}
	attach := func(arn string) error {
		r := httptest.NewRequest(http.MethodPost, "https://iam.example/", nil)
		r = r.WithContext(WithParams(r.Context(), url.Values{"Action": {"AttachUserPolicy"}, "UserName": {"delegate"}, "PolicyArn": {arn}}))
		return f.authz.Authorize(r, res, "iam:AttachUserPolicy", "arn:aws:iam::"+acct+":user/delegate")
	}
	if err := attach("arn:aws:iam::aws:policy/AdministratorAccess"); !ExplicitDeny(err) {
		t.Fatalf("attaching AdministratorAccess: %v, want an explicit deny", err)
	}
	if err := attach("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"); err != nil {
		t.Fatalf("attaching another policy: %v", err)
	}
}

func TestUnsuppliedKeysAreNamed(t *testing.T) {
	doc, err := policy.Parse(policy.Identity, []byte(`{"Version":"2012-10-17","Statement":[
		{"Sid":"Fine","Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:signatureversion":"AWS","aws:sourceip":"10.0.0.1"}}},
		{"Sid":"Vpc","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}},
		{"Sid":"WrongAction","Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/X"}}},
		{"Sid":"Typo","Effect":"Deny","Action":"iam:AttachUserPolicy","Resource":"*","Condition":{"ArnEquals":{"iam:PolicyArm":"arn:aws:iam::aws:policy/X"}}},
		{"Sid":"Tag","Effect":"Deny","Action":"iam:CreateUser","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"x"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range UnsuppliedKeys(doc) {
		got = append(got, n.Sid+":"+n.Key)
		if n.Why == "" {
			t.Errorf("%s: no reason", n)
		}
	}
	want := "Vpc:aws:SourceVpce WrongAction:iam:PolicyARN Typo:iam:PolicyArm"
	if strings.Join(got, " ") != want {
		t.Fatalf("unsupplied keys %v, want %s", got, want)
	}
}

func TestRequestedRegionFromTheScope(t *testing.T) {
	a := &Authorizer{region: "eu-west-3"}
	for target, want := range map[string]string{
		"https://s3.example/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261127%2Fus-west-2%2Fs3%2Faws4_request&X-Amz-Date=20261127T000000Z": "us-west-2",
		"https://s3.example/b/k?AWSAccessKeyId=AKIDEXAMPLE&Expires=1&Signature=x":                                                                                     "eu-west-3",
		"https://s3.example/b/k": "eu-west-3",
	} {
		if got := a.requestedRegion(httptest.NewRequest(http.MethodGet, target, nil)); got != want {
			t.Errorf("%s: aws:RequestedRegion %q, want %q", target, got, want)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "https://iam.example/", nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00")
	if got := a.requestedRegion(r); got != "us-east-1" {
		t.Errorf("header-signed: aws:RequestedRegion %q, want us-east-1", got)
	}
}
