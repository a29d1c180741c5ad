package metatest

import (
	"bytes"
	"testing"

	"signet/internal/meta"
	"signet/internal/storage"
)

// testUploadSSECustomer: an upload begun with an SSE-C key keeps the
// algorithm, the key's MD5 and the key check, byte for byte, so that
// every part can be checked against it.
func testUploadSSECustomer(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	check := []byte{0, 1, 2, 0xfe, 0xff}
	u := meta.Upload{Bucket: "b", Key: "k", ID: "up1", Initiated: t0,
		SSECustomerAlgorithm: "AES256", SSECustomerKeyMD5: "bWQ1", SSECustomerKeyCheck: check}
	if err := s.CreateUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetUpload(ctx, "b", "k", "up1")
	if err != nil {
		t.Fatal(err)
	}
	if got.SSECustomerAlgorithm != "AES256" || got.SSECustomerKeyMD5 != "bWQ1" || !bytes.Equal(got.SSECustomerKeyCheck, check) {
		t.Errorf("GetUpload SSE-C = %q %q %x, want AES256 bWQ1 %x", got.SSECustomerAlgorithm, got.SSECustomerKeyMD5, got.SSECustomerKeyCheck, check)
	}
	if err := s.CreateUpload(ctx, meta.Upload{Bucket: "b", Key: "k", ID: "up2", Initiated: t0}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetUpload(ctx, "b", "k", "up2"); err != nil || got.SSECustomerAlgorithm != "" || got.SSECustomerKeyCheck != nil {
		t.Errorf("an upload without SSE-C reads back as %+v, %v", got, err)
	}
	// The completion record keeps the object's ServerSideEncryption, which
	// a repeated completion answers.
	for id, sse := range map[string]string{"up1": "", "up2": "AES256"} {
		mustPart(t, s, "b", "k", id, 1, storage.BlobID("blob-"+id))
		_, _, err := s.CompleteUpload(ctx, "b", "k", id, func(u meta.Upload, parts map[int]meta.Part) (meta.Object, error) {
			o, err := buildAll(u, parts)
			o.ServerSideEncryption = sse
			return o, err
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		done, err := s.GetCompletedUpload(ctx, "b", "k", id)
		if err != nil || done.ServerSideEncryption != sse {
			t.Errorf("GetCompletedUpload(%s).ServerSideEncryption = %q, %v; want %q", id, done.ServerSideEncryption, err, sse)
		}
	}
}
