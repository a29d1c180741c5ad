package s3api

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"

	"signet/internal/checksum"
	"signet/internal/meta"
)

// A CompleteMultipartUpload of an upload that already completed answers
// 200 with the result of that completion, as S3 does: an SDK whose first
// attempt timed out after S3 had completed the upload retries it, and
// must not be told NoSuchUpload for an upload that succeeded. The store
// keeps what each completion answered for meta.CompletedUploadRetention
// (judged here by the lifetime clock); after that, or for an ID that
// never completed, the answer is NoSuchUpload as before.
//
// The repeat must name the same parts: its part list must make the ETag
// the completion made (the MD5 of the parts' MD5s, and their count), so a
// list naming other bytes is InvalidPart, as it would be for a part that
// is not there. Preconditions (If-Match, If-None-Match) are not evaluated
// again: the object they were checked against is the one the first
// attempt replaced, and a retried If-None-Match: * must not fail on the
// object its own first attempt wrote. Whole-object checksums and
// x-amz-mp-object-size are checked against the completion's, as on a
// first attempt. In a versioned bucket the repeat names the version the
// completion made (x-amz-version-id), even if newer versions exist since.

// repeatCompletion answers a CompleteMultipartUpload whose upload is no
// longer in progress; notFound is the error that says so. If the upload
// completed within the retention window the request is answered as the
// completion was; otherwise notFound is returned unchanged. req is the
// request's part list when already read, else nil.
func (a *API) repeatCompletion(rq *request, notFound error, req *completeRequest) error {
	var ae *apiError
	if !errors.As(notFound, &ae) || ae.Code != codeNoSuchUpload {
		return notFound
	}
	done, err := a.cfg.Meta.GetCompletedUpload(rq.r.Context(), rq.bucket, rq.key, rq.query.Get("uploadId"))
	if errors.Is(err, meta.ErrNoSuchUpload) {
		return notFound
	}
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	if a.cfg.Clock.Now().Sub(done.Completed) > meta.CompletedUploadRetention {
		return notFound
	}
	if req == nil {
		r, err := readCompleteRequest(rq)
		if err != nil {
			return err
		}
		req = &r
	}
	if err := checkRepeat(rq, done, req); err != nil {
		return err
	}
	setVersionHeader(rq.w.Header(), done.VersionID)
	// As the first answer said: AES256, or nothing for an SSE-C upload.
	setSSEHeader(rq.w.Header(), done.ServerSideEncryption)
	return writeXML(rq.w, http.StatusOK, completeResult{
		NS: s3NS, Location: location(rq), Bucket: rq.bucket, Key: rq.key, ETag: quoteETag(done.ETag),
		checksumXML: checksumsToXML(done.Checksums), ChecksumType: done.ChecksumType,
	})
}

// checkRepeat checks a repeated completion against the completion it
// repeats: the same parts, and the size and whole-object checksums the
// client states, if any, of the object it made.
func checkRepeat(rq *request, done meta.CompletedUpload, req *completeRequest) error {
	if etag, ok := partListETag(req.Parts); !ok || etag != done.ETag {
		return s3Err(codeInvalidPart).with("UploadId", done.ID)
	}
	wantSize, err := expectedObjectSize(rq)
	if err != nil {
		return err
	}
	if wantSize >= 0 && wantSize != done.Size {
		return s3Err(codeInvalidRequest).msg("The provided 'x-amz-mp-object-size' header value " + itoa(wantSize) +
			" does not match the size of the object the parts make, " + itoa(done.Size) + ".")
	}
	var alg checksum.Algorithm
	for name := range done.Checksums {
		alg = checksum.Algorithm(name)
	}
	return checkWholeChecksums(claimedWholeChecksums(rq.r.Header), alg, done.Checksums[string(alg)])
}

// partListETag is the multipart ETag a part list makes: the MD5 of the
// parts' MD5s, then "-" and their count. ok is false when a part's ETag
// names no MD5, as no completion could have used it.
func partListETag(parts []completePart) (string, bool) {
	h := md5.New()
	for i := range parts {
		if parts[i].odd != nil {
			return "", false
		}
		h.Write(parts[i].md5[:])
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(parts)), true
}
