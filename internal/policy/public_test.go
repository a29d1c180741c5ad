package policy

import "testing"

// TestPublic: S3's meaning of a public bucket policy, for Block Public
// Access and GetBucketPolicyStatus.
func TestPublic(t *testing.T) {
	stmt := func(s string) string {
		return `{"Version":"2012-10-17","Statement":[` + s + `]}`
	}
	const res = `"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"`
	cases := []struct {
		name string
		doc  string
		want bool
	}{
		{"Allow to *", stmt(`{"Effect":"Allow","Principal":"*",` + res + `}`), true},
		{"Allow to AWS *", stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},` + res + `}`), true},
		{"Allow to AWS [*]", stmt(`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root","*"]},` + res + `}`), true},
		{"Allow through NotPrincipal", stmt(`{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"},` + res + `}`), true},
		{"Deny to *", stmt(`{"Effect":"Deny","Principal":"*",` + res + `}`), false},
		{"Allow to an account", stmt(`{"Effect":"Allow","Principal":{"AWS":"123456789012"},` + res + `}`), false},
		{"Allow to a user", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},` + res + `}`), false},
		{"Allow to * from CIDRs", stmt(`{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}`), false},
		{"Allow to * outside CIDRs", stmt(`{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}`), true},
		{"Allow to * from a fixed account", stmt(`{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}`), false},
		{"Allow to * from a wildcard account", stmt(`{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringLike":{"aws:SourceAccount":"12345*"}}}`), true},
		{"Allow to * if the account exists", stmt(`{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"123456789012"}}}`), true},
		{"Allow to * from a fixed org", stmt(`{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}`), false},
		{"Allow to * for a role's sessions", stmt(`{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringLike":{"aws:userid":"AROAEXAMPLE:*"}}}`), false},
		{"Allow to * for any userid", stmt(`{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringLike":{"aws:userid":"*"}}}`), true},
		{"Allow to * with a fixed source ARN", stmt(`{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:t"}}}`), false},
		{"Allow to * with an unrelated condition", stmt(`{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"Bool":{"aws:SecureTransport":"true"}}}`), true},
		{"one public statement of two", stmt(`{"Effect":"Allow","Principal":{"AWS":"123456789012"},` + res + `},{"Effect":"Allow","Principal":"*",` + res + `}`), true},
	}
	for _, tc := range cases {
		d, err := Parse(Resource, []byte(tc.doc))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := d.Public(); got != tc.want {
			t.Errorf("%s: Public() = %v, want %v", tc.name, got, tc.want)
		}
	}
	var none *Document
	if none.Public() {
		t.Error("a nil document is public")
	}
}
