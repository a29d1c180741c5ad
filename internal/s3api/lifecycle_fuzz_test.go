package s3api

import (
	"errors"
	"testing"

	"signet/internal/lifecycle"
)

// FuzzLifecycleConfigurationXML: any PutBucketLifecycleConfiguration
// body is read within its limits (fuzzReadXML's properties), and what
// package lifecycle then refuses is one of S3's 400s, never an internal
// error.
func FuzzLifecycleConfigurationXML(f *testing.F) {
	for _, s := range append([]string{
		lcDoc(lcLogs, lcUpload),
		lcDoc(`<Rule><Prefix>a</Prefix><Status>Disabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>`),
		lcDoc(`<Rule><Filter><And><Prefix>b/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule>`),
		lcDoc(`<Rule><Filter/><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>`),
		lcDoc(lcLogs, lcLogs),
	}, fuzzXMLSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := fuzzReadXML[lifecycle.Document](t, data, lifecycle.MaxDocument, maxLifecycleElems, "LifecycleConfiguration")
		if d == nil {
			return
		}
		if _, err := lifecycle.Validate(d); err != nil {
			var ae *apiError
			if !errors.As(lifecycleConfigError(err), &ae) || ae.Code.String() == "InternalError" {
				t.Fatalf("refusal %v is not an S3 error", err)
			}
			if s := codes[ae.Code].status; s != 400 {
				t.Fatalf("refusal %v answers %d", err, s)
			}
		}
	})
}
