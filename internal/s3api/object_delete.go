package s3api

import "net/http"

// deleteObject answers 204 whether or not the key existed, as S3 does.
func (a *API) deleteObject(rq *request) error {
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	blobs, err := a.cfg.Meta.DeleteObject(rq.r.Context(), rq.bucket, rq.key)
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	a.deleteBlobs(rq, blobs)
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}
