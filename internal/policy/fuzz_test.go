package policy

import (
	"errors"
	"testing"

	"signet/bench"
)

// FuzzParse feeds arbitrary bytes to Parse for every kind: it must never
// panic, every error must wrap ErrMalformed, and a document that parses
// must evaluate without panicking.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add([]byte(tc.doc))
	}
	for _, ex := range exampleDocs {
		f.Add([]byte(ex.doc))
	}
	for _, tc := range condCases {
		f.Add([]byte(condDoc(tc.cond)))
	}
	f.Add([]byte(bench.BucketPolicy))
	reqs := []*Request{
		{},
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Caller: Caller{Anonymous: true}},
		{Action: "s3:PutObject", Resource: "arn:aws:s3:::b/home/alice/x", Caller: alice(), Context: ctxMap{
			"aws:username": {"alice"}, "aws:SourceIp": {"192.0.2.1"}, "aws:TokenIssueTime": {"2024-05-01T00:00:00Z"},
			"s3:signatureAge": {"1000"}, "aws:SecureTransport": {"true"}, "aws:TagKeys": {"a", "b"}, "s3:prefix": {"home/"},
			"aws:EpochTime": {"1714521600"}, "aws:PrincipalArn": {"arn:aws:iam::123456789012:user/alice"},
		}},
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		for kind := Identity; kind <= Session; kind++ {
			d, err := Parse(kind, doc)
			if err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("error %v does not wrap ErrMalformed", err)
				}
				if err.Error() == "" {
					t.Fatal("empty error text")
				}
				continue
			}
			for _, r := range reqs {
				e, m := d.Evaluate(r)
				if (e == NotApplicable) != (m == nil) {
					t.Fatalf("Evaluate = %v with Match %+v", e, m)
				}
				if m != nil && (m.Index < 0 || m.Index >= d.Statements()) {
					t.Fatalf("Match index %d out of range", m.Index)
				}
				dec := Decide(r, Set{Identity: []Named{{Name: "x", Doc: d}}, HasSession: true, Session: []Named{{Name: "s", Doc: d}}, Resource: []Named{{Name: "r", Doc: d}}})
				if dec.Effect == Deny && e != Deny {
					t.Fatalf("Decide denies but the only document does not")
				}
			}
		}
	})
}
