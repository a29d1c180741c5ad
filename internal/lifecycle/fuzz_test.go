package lifecycle

import (
	"encoding/xml"
	"errors"
	"testing"
	"time"
)

// FuzzLifecycleDocument: any body either is refused with one of the
// package's errors or yields a configuration whose canonical form reads
// back to itself, with 1 to MaxRules rules, distinct IDs, positive day
// counts and Dates at midnight UTC.
func FuzzLifecycleDocument(f *testing.F) {
	for _, s := range []string{
		doc(expire1),
		doc(`<Rule><Prefix>a</Prefix><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`),
		doc(`<Rule><Filter><And><Prefix>b/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeLessThan>9</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>`),
		doc(`<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays></NoncurrentVersionExpiration><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`),
		doc(`<Rule><Filter/><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>`),
		doc(expire1, expire1),
		"<LifecycleConfiguration/>",
		"not xml",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Document
		if xml.Unmarshal(data, &d) != nil {
			return
		}
		cfg, err := Validate(&d)
		if err != nil {
			var ae *ArgumentError
			var re *RequestError
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrStorageClass) && !errors.As(err, &ae) && !errors.As(err, &re) {
				t.Fatalf("Validate = %v: not one of the package's refusals", err)
			}
			return
		}
		if len(cfg.Rules) < 1 || len(cfg.Rules) > MaxRules {
			t.Fatalf("%d rules accepted", len(cfg.Rules))
		}
		ids := map[string]bool{}
		for _, r := range cfg.Rules {
			if r.ID != "" && ids[r.ID] {
				t.Fatalf("duplicate ID %q accepted", r.ID)
			}
			ids[r.ID] = true
			if r.ExpirationDays < 0 || r.AbortDays < 0 || r.NoncurrentDays < 0 {
				t.Fatalf("negative day count accepted: %+v", r)
			}
			if !r.ExpirationDate.IsZero() && !r.ExpirationDate.Equal(r.ExpirationDate.Truncate(24*time.Hour)) {
				t.Fatalf("Date %s accepted", r.ExpirationDate)
			}
		}
		s, err := cfg.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(s)
		if err != nil {
			t.Fatalf("canonical form %s refused: %v", s, err)
		}
		if s2, _ := again.Marshal(); s2 != s {
			t.Fatalf("canonical form changed:\n%s\n%s", s, s2)
		}
	})
}
