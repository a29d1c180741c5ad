package s3api

import (
	"errors"
	"testing"

	"signet/internal/meta"
)

// FuzzCreateBucketConfigurationXML: any CreateBucket body is refused only
// as MalformedXML, MaxMessageLengthExceeded, or, for its Tags, InvalidTag
// or BadRequest (too many), as PutBucketTagging refuses them; an accepted
// body holds at most 50 tags.
func FuzzCreateBucketConfigurationXML(f *testing.F) {
	for _, s := range append([]string{
		`<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint><Tags><Tag><Key>team</Key><Value>blue</Value></Tag></Tags></CreateBucketConfiguration>`,
		`<CreateBucketConfiguration><Tags><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></Tags></CreateBucketConfiguration>`,
		`<CreateBucketConfiguration><Tags><Tag><Key>aws:x</Key><Value></Value></Tag></Tags></CreateBucketConfiguration>`,
		`<CreateBucketConfiguration><Tags><Tag><Key>k</Key></Tag><Other/></Tags></CreateBucketConfiguration>`,
		`<CreateBucketConfiguration><Tags/><Bucket><Type>Directory</Type></Bucket></CreateBucketConfiguration>`,
	}, fuzzXMLSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parseCreateBucketConfiguration(data)
		if err == nil {
			var tags []meta.Tag
			if tags, err = createBucketTags(cfg.Tags); err == nil && len(tags) > maxBucketTags {
				t.Fatalf("accepted %d tags", len(tags))
			}
		}
		if err == nil {
			return
		}
		var ae *apiError
		if !errors.As(err, &ae) {
			t.Fatalf("refused with %v, not an S3 error", err)
		}
		switch ae.Code {
		case codeMalformedXML, codeMaxMessageLengthExceeded, codeInvalidTag, codeBadRequest:
		default:
			t.Fatalf("refused with %s, want MalformedXML, MaxMessageLengthExceeded, InvalidTag or BadRequest", ae.Code)
		}
	})
}
