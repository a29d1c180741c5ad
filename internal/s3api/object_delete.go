package s3api

import (
	"net/http"

	"signet/internal/meta"
)

// deleteObject answers 204 whether or not the key (or version) existed,
// as S3 does. Without versionId it deletes the key, or in a versioned
// bucket adds a delete marker; with one, it removes that version for good.
func (a *API) deleteObject(rq *request) error {
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	ctx, h := rq.r.Context(), rq.w.Header()
	if v, ok := rq.query["versionId"]; ok {
		if err := checkVersionID(b, v[0]); err != nil {
			return err
		}
		wasMarker, blobs, err := a.deleteVersion(ctx, rq.bucket, rq.key, v[0])
		if err != nil {
			return noSuchBucket(err, rq.bucket)
		}
		a.deleteBlobs(rq, blobs)
		if b.Versioning != meta.Unversioned {
			setVersionHeader(h, v[0])
		}
		if wasMarker {
			h.Set("x-amz-delete-marker", "true")
		}
		rq.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	markerID, blobs, err := a.deleteCurrent(ctx, rq.bucket, rq.key)
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	a.deleteBlobs(rq, blobs)
	if markerID != "" {
		setVersionHeader(h, markerID)
		h.Set("x-amz-delete-marker", "true")
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}
