package policy

import "testing"

const benchBucketPolicy = `{
  "Version": "2012-10-17",
  "Id": "PhotosPolicy",
  "Statement": [
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/public/*"},
    {"Sid": "TeamReadWrite", "Effect": "Allow",
     "Principal": {"AWS": ["arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:role/uploader"]},
     "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
     "Resource": "arn:aws:s3:::photos/*"},
    {"Sid": "DenyStaleURLsOffsite", "Effect": "Deny", "Principal": "*",
     "Action": "s3:*", "Resource": ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"],
     "Condition": {
       "NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]},
       "NumericGreaterThan": {"s3:signatureAge": "600000"}}},
    {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
     "Action": "s3:*", "Resource": "arn:aws:s3:::photos/*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
  ]
}`

func BenchmarkDecideBucketPolicy(b *testing.B) {
	bucket := mustParse(b, Resource, benchBucketPolicy)
	user := mustParse(b, Identity, stmt(`[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"]}]`))
	set := Set{
		Identity: []Named{{Name: "PhotoReader", Doc: user}},
		Resource: []Named{{Name: "bucket policy", Doc: bucket}},
	}
	req := &Request{
		Action:   "s3:GetObject",
		Resource: "arn:aws:s3:::photos/2024/05/beach.jpg",
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
	doc := []byte(benchBucketPolicy)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(Resource, doc); err != nil {
			b.Fatal(err)
		}
	}
}
