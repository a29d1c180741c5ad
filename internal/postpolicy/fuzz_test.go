package postpolicy

import (
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary documents to the policy parser and checks
// that it never panics, that it fails only with a DocumentError, and that
// a policy it accepts can be checked and printed.
func FuzzParse(f *testing.F) {
	f.Add([]byte(awsExamplePolicy))
	f.Add([]byte(`{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", "1", 2], {"a": "b"}, ["StArTs-WiTh", "$k", ""]]}`))
	f.Add([]byte(`{"expiration": "2030-01-01T00:00:00.000Z", "conditions": [[], {}, 5, null]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := Parse(doc)
		if err != nil {
			if !errors.Is(err, ErrInvalidDocument) {
				t.Fatalf("error %v is not a DocumentError", err)
			}
			return
		}
		for _, c := range p.Conditions {
			if c.String() == "" {
				t.Fatalf("condition %+v prints as nothing", c)
			}
		}
		_ = p.Check(Form{Bucket: "b", Fields: []Field{{"key", "k"}, {"Content-Type", "a,b"}}})
		_ = p.CheckSize(3)
		if _, err := Decode(Encode(doc)); err != nil {
			t.Fatalf("Decode(Encode(doc)) = %v after Parse accepted it", err)
		}
	})
}
