package s3api

import (
	"encoding/hex"
	"net/http"

	"signet/internal/checksum"
	"signet/internal/meta"
)

// putObject streams the body into a blob and only then commits the
// metadata that makes it visible; the replaced object's blobs are deleted
// after the commit.
func (a *API) putObject(rq *request) error {
	attrs, err := attrsFromHeaders(rq.r.Header)
	if err != nil {
		return err
	}
	tags, _, err := requestTagging(rq)
	if err != nil {
		return err
	}
	pre, err := writePrecondition(rq.r.Header)
	if err != nil {
		return err
	}
	// Refuse early so a missing bucket does not cost a full upload.
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	acl, err := a.objectACL(rq, &b, rq.r.Header, rq.query, rq.key)
	if err != nil {
		return err
	}
	if err := a.authorizeTagging(rq, tags); err != nil {
		return err
	}
	if rq.sseC, err = parseSSECustomer(rq); err != nil {
		return err
	}
	in, err := a.ingest(rq, maxPutSize, "")
	if err != nil {
		return err
	}
	obj := meta.Object{
		Bucket: rq.bucket, Key: rq.key, Size: in.size,
		ETag:         hex.EncodeToString(in.md5),
		LastModified: a.cfg.Clock.Now(),
		Attrs:        attrs,
		Segments:     []meta.Segment{{Blob: in.blob, Size: in.size}},
		Tags:         tags,
		ACL:          acl,
	}
	// Every blob is sealed (encryption.go), under the customer's key for
	// SSE-C.
	if err := a.sealWith(&obj, rq.sseC, "PutObject"); err != nil {
		return err
	}
	if in.alg != "" {
		sums := map[string]string{string(in.alg): checksum.Encode(in.sum)}
		obj.Checksums, obj.ChecksumType = sums, "FULL_OBJECT"
		obj.Segments[0].Checksums = sums
	}
	if err := a.commit(rq, obj, pre); err != nil {
		return err
	}
	h := rq.w.Header()
	h.Set("ETag", quoteETag(obj.ETag))
	setChecksumHeaders(h, obj.Checksums, obj.ChecksumType)
	setSSEHeader(h, obj.ServerSideEncryption)
	setSSECHeaders(h, &obj)
	a.setExpirationHeader(rq, &obj)
	setStatusNoBody(rq.w, http.StatusOK)
	return nil
}

// commit makes obj visible. On failure the new blobs are deleted (nothing
// changed); on success the replaced object's blobs are.
func (a *API) commit(rq *request, obj meta.Object, pre meta.Precondition) error {
	old, err := a.putVersioned(rq.r.Context(), &obj, pre)
	if err != nil {
		a.deleteBlobs(rq, obj.Blobs())
		return noSuchBucket(err, obj.Bucket)
	}
	a.deleteBlobs(rq, old)
	setVersionHeader(rq.w.Header(), obj.VersionID)
	return nil
}
