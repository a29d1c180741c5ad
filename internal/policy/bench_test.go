package policy

import (
	"testing"

	"signet/bench"
)

// BenchmarkDecideBucketPolicy decides alice's GET of bench's object under
// its typical bucket policy and a one-statement identity policy, with the
// condition keys the server sets for a presigned GET already built (their
// per-request cost shows in internal/access's BenchmarkAuthorizePresignedGET).
func BenchmarkDecideBucketPolicy(b *testing.B) {
	bucket := mustParse(b, Resource, bench.BucketPolicy)
	user := mustParse(b, Identity, stmt(`[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::examplebucket","arn:aws:s3:::examplebucket/*"]}]`))
	set := Set{
		Identity: []Named{{Name: "PhotoReader", Doc: user}},
		Resource: []Named{{Name: "bucket policy", Doc: bucket}},
	}
	req := &Request{
		Action:   "s3:GetObject",
		Resource: bench.ObjectARN,
		Caller:   Caller{Account: acct, ARNs: []string{"arn:aws:iam::" + acct + ":user/alice"}},
		Context: map[string][]string{
			"aws:SourceIp":            {"203.0.113.9"},
			"aws:SecureTransport":     {"true"},
			"aws:CurrentTime":         {"2024-05-01T12:00:00Z"},
			"aws:EpochTime":           {"1714564800"},
			"aws:username":            {"alice"},
			"aws:userid":              {"AIDAEXAMPLEALICE"},
			"aws:PrincipalArn":        {"arn:aws:iam::" + acct + ":user/alice"},
			"aws:PrincipalAccount":    {acct},
			"s3:authType":             {"REST-QUERY-STRING"},
			"s3:signatureversion":     {"AWS4-HMAC-SHA256"},
			"s3:signatureAge":         {"1200"},
			"s3:x-amz-content-sha256": {"UNSIGNED-PAYLOAD"},
		},
	}
	if d := Decide(req, set); !d.Allowed() || d.Match.Policy != "PhotoReader" {
		b.Fatalf("unexpected decision %+v", d)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Decide(req, set)
	}
}

func BenchmarkParseBucketPolicy(b *testing.B) {
	doc := []byte(bench.BucketPolicy)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(Resource, doc); err != nil {
			b.Fatal(err)
		}
	}
}
