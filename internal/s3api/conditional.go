package s3api

import (
	"net/http"
	"strings"
	"time"

	"signet/internal/meta"
)

// writePrecondition turns If-None-Match: * and If-Match on PUT (and
// CompleteMultipartUpload) into a check that runs inside the metadata
// transaction, so it is atomic with the write (reference §8.2).
func writePrecondition(h http.Header) (meta.Precondition, error) {
	inm, hasINM := h["If-None-Match"]
	im, hasIM := h["If-Match"]
	if !hasINM && !hasIM {
		return nil, nil
	}
	if hasINM && strings.TrimSpace(inm[0]) != "*" {
		// S3 supports only "*" on writes.
		return nil, s3Err(codeNotImplemented).with("Header", "If-None-Match")
	}
	return func(existing *meta.Object) error {
		if hasINM && existing != nil {
			return s3Err(codePreconditionFailed).with("Condition", "If-None-Match")
		}
		if hasIM && (existing == nil || !etagMatches(im[0], existing.ETag)) {
			return s3Err(codePreconditionFailed).with("Condition", "If-Match")
		}
		return nil
	}, nil
}

// etagMatches evaluates an If-Match / If-None-Match list against an ETag:
// "*" matches anything, entries may be quoted or weak.
func etagMatches(list, etag string) bool {
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimSpace(e)
		if e == "*" {
			return true
		}
		e = strings.TrimPrefix(e, "W/")
		if strings.Trim(e, `"`) == etag {
			return true
		}
	}
	return false
}

// conditionHeaders names the four read conditionals; CopyObject reads the
// x-amz-copy-source-if-* spelling of the same rules.
type conditionHeaders struct {
	ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince string
}

var getConditions = conditionHeaders{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"}

var copyConditions = conditionHeaders{
	"x-amz-copy-source-if-match", "x-amz-copy-source-if-none-match",
	"x-amz-copy-source-if-modified-since", "x-amz-copy-source-if-unmodified-since",
}

// checkConditions applies RFC 7232 precedence as S3 documents it:
// If-Match true makes If-Unmodified-Since irrelevant; If-None-Match false
// (a match) gives 304 whatever If-Modified-Since says. notModified is the
// error for a failed If-None-Match / If-Modified-Since (304 for GET, 412
// for copy sources).
func checkConditions(h http.Header, c conditionHeaders, obj *meta.Object, notModified *apiError) error {
	lm := obj.LastModified.Truncate(time.Second)
	if v := h.Get(c.ifMatch); v != "" {
		if !etagMatches(v, obj.ETag) {
			return s3Err(codePreconditionFailed).with("Condition", c.ifMatch)
		}
	} else if t, ok := parseHTTPTime(h.Get(c.ifUnmodifiedSince)); ok && lm.After(t) {
		return s3Err(codePreconditionFailed).with("Condition", c.ifUnmodifiedSince)
	}
	if v := h.Get(c.ifNoneMatch); v != "" {
		if etagMatches(v, obj.ETag) {
			return notModified
		}
	} else if t, ok := parseHTTPTime(h.Get(c.ifModifiedSince)); ok && !lm.After(t) {
		return notModified
	}
	return nil
}

// parseHTTPTime accepts the three HTTP date formats; an unparsable date
// makes the condition absent, as RFC 7232 says.
func parseHTTPTime(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(v)
	return t, err == nil
}
