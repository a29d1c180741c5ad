package bolt

import (
	"testing"

	"signet/internal/meta"
)

// An object record written before encryption at rest ends at PartsCount;
// it must still decode, as an object with no server-side encryption.
func TestObjectRecordBeforeEncryptionDecodes(t *testing.T) {
	o := meta.Object{Bucket: "b", Key: "k", Size: 3, ETag: "e", PartsCount: 0, ServerSideEncryption: "AES256"}
	v := encodeObject(&o)
	got, err := decodeObject("b", "k", v)
	if err != nil || got.ServerSideEncryption != "AES256" {
		t.Fatalf("round trip: %q, %v", got.ServerSideEncryption, err)
	}
	old := v[:len(v)-len("AES256")-1] // the field: a length byte and the string
	got, err = decodeObject("b", "k", old)
	if err != nil || got.ServerSideEncryption != "" || got.Size != 3 {
		t.Fatalf("record without the field: %+v, %v", got, err)
	}
}
