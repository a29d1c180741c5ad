package s3api

import (
	"errors"
	"net/http"
	"strconv"

	"signet/internal/meta"
	"signet/internal/storage"
)

// responseOverrides maps the response-* query parameters to the headers
// they replace (reference §8.1).
var responseOverrides = []struct{ param, header string }{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

// getAttempts bounds retries when a concurrent overwrite deletes the blob
// between reading the metadata and opening it.
const getAttempts = 4

// getObject serves GET and HEAD: conditionals, then Range or partNumber,
// then the bytes streamed segment by segment.
func (a *API) getObject(rq *request) error {
	head := rq.r.Method == http.MethodHead
	q := rq.query
	for _, o := range responseOverrides {
		if q.Has(o.param) && rq.res.Anonymous {
			return s3Err(codeInvalidRequest).msg("Request specific response headers cannot be used for anonymous GET requests.")
		}
	}
	partNumber := 0
	if q.Has("partNumber") {
		n, err := strconv.Atoi(q.Get("partNumber"))
		if err != nil || n < 1 || n > maxParts {
			return s3Err(codeInvalidArgument).msg("Part number must be an integer between 1 and 10000, inclusive").
				with("ArgumentName", "partNumber").with("ArgumentValue", q.Get("partNumber"))
		}
		if rq.r.Header.Get("Range") != "" {
			return s3Err(codeInvalidRequest).msg("Cannot specify both Range header and partNumber query parameter")
		}
		partNumber = n
	}
	for attempt := 1; ; attempt++ {
		obj, err := a.headObjectRecord(rq)
		if err != nil {
			return err
		}
		if err := checkConditions(rq.r.Header, getConditions, &obj, s3Err(codeNotModified)); err != nil {
			if isCode(err, codeNotModified) {
				rq.w.Header().Set("ETag", quoteETag(obj.ETag))
				rq.w.Header().Set("Last-Modified", obj.LastModified.UTC().Format(http.TimeFormat))
			}
			return err
		}
		sseC, err := a.checkSSECRead(rq, &obj)
		if err != nil {
			return err
		}
		rng, partial, err := selectRange(rq, &obj, partNumber)
		if err != nil {
			return err
		}
		reads := planReads(obj.Segments, rng)
		// Open the first blob before any header goes out: if a concurrent
		// overwrite deleted it, the metadata is re-read and the GET serves
		// the newer version whole. Blobs are immutable and never shared,
		// so whatever opens belongs to this version.
		var first storage.Blob
		if !head && len(reads) > 0 {
			first, err = a.openBlob(rq, sseC, obj.Segments[reads[0].idx].Blob)
			if errors.Is(err, storage.ErrNotFound) && attempt < getAttempts {
				continue
			}
			if err != nil {
				return err
			}
		}
		a.writeObjectHeaders(rq, &obj, rng, partial, partNumber)
		if head {
			rq.w.WriteHeader(statusFor(partial))
			return nil
		}
		rq.w.WriteHeader(statusFor(partial))
		a.stream(rq, obj.Segments, reads, first, sseC)
		return nil
	}
}

func statusFor(partial bool) int {
	if partial {
		return http.StatusPartialContent
	}
	return http.StatusOK
}

// headObjectRecord reads an object's metadata. A missing key is NoSuchKey
// only for callers allowed to list the bucket; others must not learn
// whether the key exists (reference §0 rule 21).
func (a *API) headObjectRecord(rq *request) (meta.Object, error) {
	if v, ok := rq.query["versionId"]; ok {
		if obj, done, err := a.versionRecord(rq, v[0]); done {
			return obj, err
		}
	}
	obj, err := a.cfg.Meta.GetObject(rq.r.Context(), rq.bucket, rq.key)
	switch {
	case err == nil:
		return obj, nil
	case errors.Is(err, meta.ErrNoSuchKey):
		if !a.allowed(rq, "s3:ListBucket", rq.bucket, "", false) {
			return obj, s3Err(codeAccessDenied)
		}
		a.markDeleted(rq)
		return obj, s3Err(codeNoSuchKey).with("Key", rq.key)
	default:
		return obj, noSuchBucket(err, rq.bucket)
	}
}

// selectRange resolves partNumber or Range to the bytes to send. partial
// means 206.
func selectRange(rq *request, obj *meta.Object, partNumber int) (byteRange, bool, error) {
	whole := byteRange{0, obj.Size - 1}
	if partNumber > 0 {
		if obj.PartsCount == 0 {
			// A simple object is one part, which S3 serves as a range
			// of the whole object: 206 with Content-Range. An empty
			// object has no byte range to name, so it is sent whole.
			if partNumber != 1 {
				return whole, false, s3Err(codeInvalidPartNumber).with("PartNumberRequested", strconv.Itoa(partNumber)).with("ActualPartCount", "1")
			}
			return whole, obj.Size > 0, nil
		}
		if partNumber > len(obj.Segments) {
			return whole, false, s3Err(codeInvalidPartNumber).with("PartNumberRequested", strconv.Itoa(partNumber)).with("ActualPartCount", strconv.Itoa(obj.PartsCount))
		}
		var off int64
		for _, s := range obj.Segments[:partNumber-1] {
			off += s.Size
		}
		return byteRange{off, off + obj.Segments[partNumber-1].Size - 1}, true, nil
	}
	rng, ok, err := parseRange(rq.r.Header.Get("Range"), obj.Size)
	if err != nil {
		rq.w.Header().Set("Content-Range", "bytes */"+itoa(obj.Size))
		return whole, false, err
	}
	if !ok {
		return whole, false, nil
	}
	return rng, true, nil
}

func (a *API) writeObjectHeaders(rq *request, obj *meta.Object, rng byteRange, partial bool, partNumber int) {
	h := rq.w.Header()
	setAttrHeaders(h, obj.Attrs)
	h.Set("Last-Modified", obj.LastModified.UTC().Format(http.TimeFormat))
	h.Set("ETag", quoteETag(obj.ETag))
	setVersionHeader(h, obj.VersionID)
	h["Accept-Ranges"] = acceptRangesBytes
	setSSEHeader(h, obj.ServerSideEncryption)
	setSSECHeaders(h, obj)
	length := obj.Size
	if partial {
		length = rng.length()
		h.Set("Content-Range", "bytes "+itoa(rng.start)+"-"+itoa(rng.end)+"/"+itoa(obj.Size))
	}
	h.Set("Content-Length", itoa(length))
	if partNumber > 0 && obj.PartsCount > 0 {
		h.Set("x-amz-mp-parts-count", strconv.Itoa(obj.PartsCount))
	}
	// S3 tells the tag count only to a caller who may read the tags.
	if len(obj.Tags) > 0 && a.allowed(rq, "s3:GetObjectTagging", rq.bucket, rq.key, true) {
		setTaggingCount(h, obj.Tags)
	}
	if !partial && partNumber == 0 && rq.r.Header.Get("x-amz-checksum-mode") == "ENABLED" {
		setChecksumHeaders(h, obj.Checksums, obj.ChecksumType)
	}
	a.setExpirationHeader(rq, obj)
	q := rq.query
	for _, o := range responseOverrides {
		if v := q.Get(o.param); v != "" {
			h.Set(o.header, v)
		}
	}
}
