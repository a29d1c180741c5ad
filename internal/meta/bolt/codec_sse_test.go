package bolt

import (
	"testing"

	"signet/internal/meta"
)

// An object record written before encryption at rest ends after the ACL
// (the fields main appended after PartsCount: version, delete marker,
// tags, ACL); it must still decode, as an object with no server-side
// encryption.
func TestObjectRecordBeforeEncryptionDecodes(t *testing.T) {
	o := meta.Object{Bucket: "b", Key: "k", Size: 3, ETag: "e", PartsCount: 0, ServerSideEncryption: "AES256"}
	v := encodeObject(&o)
	got, err := decodeObject("b", "k", v)
	if err != nil || got.ServerSideEncryption != "AES256" {
		t.Fatalf("round trip: %q, %v", got.ServerSideEncryption, err)
	}
	// The field (a length byte and the string), then SSE-C's three empty
	// fields (a length byte each).
	old := v[:len(v)-3-len("AES256")-1]
	got, err = decodeObject("b", "k", old)
	if err != nil || got.ServerSideEncryption != "" || got.Size != 3 {
		t.Fatalf("record without the field: %+v, %v", got, err)
	}
}

// An object record written before SSE-C ends at ServerSideEncryption; it
// must still decode, as an object without a customer key. One with the
// fields keeps them.
func TestObjectRecordSSECustomer(t *testing.T) {
	o := meta.Object{Bucket: "b", Key: "k", Size: 3, ETag: "e",
		SSECustomerAlgorithm: "AES256", SSECustomerKeyMD5: "bWQ1", SSECustomerKeyCheck: []byte{0, 1, 2, 0xff}}
	v := encodeObject(&o)
	got, err := decodeObject("b", "k", v)
	if err != nil || got.SSECustomerAlgorithm != "AES256" || got.SSECustomerKeyMD5 != "bWQ1" || string(got.SSECustomerKeyCheck) != "\x00\x01\x02\xff" {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	plain := meta.Object{Bucket: "b", Key: "k", Size: 3, ETag: "e", ServerSideEncryption: "AES256"}
	v = encodeObject(&plain)
	got, err = decodeObject("b", "k", v[:len(v)-3])
	if err != nil || got.ServerSideEncryption != "AES256" || got.SSECustomerAlgorithm != "" || got.SSECustomerKeyCheck != nil {
		t.Fatalf("record without the SSE-C fields: %+v, %v", got, err)
	}
	if got, err := decodeObject("b", "k", v); err != nil || got.SSECustomerKeyCheck != nil {
		t.Fatalf("empty key check decodes as %v, %v; want nil", got.SSECustomerKeyCheck, err)
	}
}

// An upload record written before SSE-C ends at the ACL; it must still
// decode, as an upload without a customer key.
func TestUploadRecordSSECustomer(t *testing.T) {
	u := meta.Upload{Bucket: "b", Key: "k", ID: "u", SSECustomerAlgorithm: "AES256", SSECustomerKeyMD5: "bWQ1", SSECustomerKeyCheck: []byte{9, 0}}
	got, err := decodeUpload(encodeUpload(&u))
	if err != nil || got.SSECustomerAlgorithm != "AES256" || got.SSECustomerKeyMD5 != "bWQ1" || string(got.SSECustomerKeyCheck) != "\x09\x00" {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	plain := meta.Upload{Bucket: "b", Key: "k", ID: "u"}
	v := encodeUpload(&plain)
	got, err = decodeUpload(v[:len(v)-3])
	if err != nil || got.ID != "u" || got.SSECustomerAlgorithm != "" || got.SSECustomerKeyCheck != nil {
		t.Fatalf("record without the SSE-C fields: %+v, %v", got, err)
	}
}
