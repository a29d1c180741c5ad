package s3api

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"

	"signet/internal/meta"
)

// Tag limits, as S3 documents them (user guide, "Categorizing your
// storage using tags"): up to 10 tags on an object and 50 on a bucket,
// keys of 1 to 128 and values of 0 to 256 Unicode characters, counted as
// S3 counts them, in UTF-16 code units.
const (
	maxObjectTags = 10
	maxBucketTags = 50
	maxTagKeyLen  = 128
	maxTagValLen  = 256
	// maxTaggingBody bounds a Tagging document: 50 tags of the longest
	// key and value, escaped, fit well within it.
	maxTaggingBody = 64 << 10
	// A Tagging document has Tagging, TagSet and three elements per tag.
	maxTaggingElems = 2 + 3*(maxBucketTags+1)
)

// AWS's words for a tag it refuses (observed on S3; the InvalidTag code
// is the documented one, BadRequest for the count is what S3 answers).
const (
	msgTooManyObjectTags = "Object tags cannot be greater than 10"
	// ASSUMED: by analogy with the object message; S3's exact words for a
	// 51st bucket tag are not on record.
	msgTooManyBucketTags = "Bucket tags cannot be greater than 50"
	msgTagKeyTooLong     = "The TagKey you have provided is too long, max 128"
	msgTagValueTooLong   = "The TagValue you have provided is too long, max 256"
	msgTagKeyInvalid     = "The TagKey you have provided is invalid"
	msgTagValueInvalid   = "The TagValue you have provided is invalid"
	msgTagKeyDuplicate   = "Cannot provide multiple Tags with the same key"
	msgTagKeyReserved    = "Your TagKey cannot be prefixed with aws:"
	msgTaggingHeader     = "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates."
)

// taggingXML is the Tagging document of PutObjectTagging and
// PutBucketTagging requests and of their Get responses. Pointers tell a
// missing element (outside the schema: MalformedXML) from an empty one.
type taggingXML struct {
	XMLName xml.Name      `xml:"Tagging"`
	TagSet  *tagSetXML    `xml:"TagSet"`
	Other   []unknownElem `xml:",any"`
}

type tagSetXML struct {
	Tags  []tagXML      `xml:"Tag"`
	Other []unknownElem `xml:",any"`
}

type tagXML struct {
	Key   *string       `xml:"Key"`
	Value *string       `xml:"Value"`
	Other []unknownElem `xml:",any"`
}

// unknownElem catches an element the schema does not name, so that it is
// refused (MalformedXML) rather than dropped.
type unknownElem struct {
	XMLName xml.Name
}

// taggingOut is the response document, in S3's namespace.
type taggingOut struct {
	XMLName xml.Name `xml:"Tagging"`
	NS      string   `xml:"xmlns,attr"`
	TagSet  struct {
		Tags []tagOut `xml:"Tag"`
	} `xml:"TagSet"`
}

type tagOut struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// parseTaggingDoc reads a Tagging body into its tags, in document order,
// checked against limit (10 for an object, 50 for a bucket).
func parseTaggingDoc(body []byte, limit int) ([]meta.Tag, error) {
	var doc taggingXML
	if err := readXML(bytes.NewReader(body), maxTaggingBody, maxTaggingElems, maxBucketTags+1, &doc); err != nil {
		if isCode(err, codeMalformedXML) && len(body) > 0 {
			// More tags than any tag set may hold is still a count the
			// client should hear about, not a schema error.
			if n := bytes.Count(body, []byte("<Tag>")); n > limit {
				return nil, tooManyTags(limit)
			}
		}
		return nil, err
	}
	if doc.TagSet == nil || len(doc.Other) > 0 || len(doc.TagSet.Other) > 0 {
		return nil, s3Err(codeMalformedXML)
	}
	tags := make([]meta.Tag, 0, len(doc.TagSet.Tags))
	for _, t := range doc.TagSet.Tags {
		if t.Key == nil || t.Value == nil || len(t.Other) > 0 {
			return nil, s3Err(codeMalformedXML)
		}
		tags = append(tags, meta.Tag{Key: *t.Key, Value: *t.Value})
	}
	if err := checkTags(tags, limit); err != nil {
		return nil, err
	}
	return tags, nil
}

// parseTaggingHeader reads x-amz-tagging: URL query parameters
// ("k1=v1&k2=v2", + for a space), a key without "=" holding the empty
// value. A pair that is not one key and one value, bad percent-encoding
// or a repeated key is AWS's InvalidArgument naming the header. The tags
// come back in key order, as S3 lists tags set this way.
func parseTaggingHeader(v string) ([]meta.Tag, error) {
	var tags []meta.Tag
	seen := map[string]bool{}
	for pair := range strings.SplitSeq(v, "&") {
		if pair == "" {
			continue
		}
		rawK, rawV, _ := strings.Cut(pair, "=")
		if strings.Contains(rawV, "=") {
			return nil, taggingHeaderErr(v)
		}
		k, err1 := url.QueryUnescape(rawK)
		val, err2 := url.QueryUnescape(rawV)
		if err1 != nil || err2 != nil || seen[k] {
			return nil, taggingHeaderErr(v)
		}
		seen[k] = true
		tags = append(tags, meta.Tag{Key: k, Value: val})
	}
	slices.SortFunc(tags, func(a, b meta.Tag) int { return strings.Compare(a.Key, b.Key) })
	if err := checkTags(tags, maxObjectTags); err != nil {
		return nil, err
	}
	return tags, nil
}

func taggingHeaderErr(v string) *apiError {
	return s3Err(codeInvalidArgument).msg(msgTaggingHeader).with("ArgumentName", "x-amz-tagging").with("ArgumentValue", v)
}

// checkTags applies S3's rules to a tag set: the count first, then each
// tag in order (length, characters, the reserved prefix), then duplicates.
func checkTags(tags []meta.Tag, limit int) error {
	if len(tags) > limit {
		return tooManyTags(limit)
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		switch {
		case t.Key == "" || !validTagText(t.Key):
			return s3Err(codeInvalidTag).msg(msgTagKeyInvalid)
		case utf16Len(t.Key) > maxTagKeyLen:
			return s3Err(codeInvalidTag).msg(msgTagKeyTooLong)
		case utf16Len(t.Value) > maxTagValLen:
			return s3Err(codeInvalidTag).msg(msgTagValueTooLong)
		case !validTagText(t.Value):
			return s3Err(codeInvalidTag).msg(msgTagValueInvalid)
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			// AWS assigns aws: tags itself; no requester may.
			return s3Err(codeInvalidTag).msg(msgTagKeyReserved)
		case seen[t.Key]:
			return s3Err(codeInvalidTag).msg(msgTagKeyDuplicate)
		}
		seen[t.Key] = true
	}
	return nil
}

func tooManyTags(limit int) *apiError {
	if limit == maxBucketTags {
		return s3Err(codeBadRequest).msg(msgTooManyBucketTags)
	}
	return s3Err(codeBadRequest).msg(msgTooManyObjectTags)
}

// validTagText reports whether s holds only what AWS allows in a tag:
// Unicode letters, numbers and white space, and _ . : / = + - @
// (the pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]*).
func validTagText(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.In(r, unicode.Z) || strings.ContainsRune("_.:/=+-@", r) {
			continue
		}
		return false
	}
	return true
}

// utf16Len is the length S3 counts a tag in: UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// requestTagging returns the tags an object write asks for in
// x-amz-tagging, or (nil, false) when it asks for none. A presigner may
// have hoisted the header into the query string, where it is signed like
// any parameter; S3 applies it from there too, and the header wins.
func requestTagging(rq *request) (tags []meta.Tag, set bool, err error) {
	v, ok := rq.r.Header["X-Amz-Tagging"]
	if !ok {
		for k, qv := range rq.query {
			if strings.EqualFold(k, "x-amz-tagging") {
				v, ok = qv, true
				break
			}
		}
	}
	if !ok || len(v) == 0 {
		return nil, false, nil
	}
	tags, err = parseTaggingHeader(v[0])
	return tags, true, err
}

// authorizeTagging: on AWS, setting tags while writing an object also
// takes s3:PutObjectTagging on it, besides the write's own action.
func (a *API) authorizeTagging(rq *request, tags []meta.Tag) error {
	if len(tags) == 0 || a.allowed(rq, "s3:PutObjectTagging", rq.bucket, rq.key, true) {
		return nil
	}
	return s3Err(codeAccessDenied)
}

// setTaggingCount is x-amz-tagging-count on GET and HEAD: present only
// when the object has tags.
func setTaggingCount(h http.Header, tags []meta.Tag) {
	if len(tags) > 0 {
		h["X-Amz-Tagging-Count"] = []string{strconv.Itoa(len(tags))}
	}
}

// readTaggingBody reads a Put*Tagging body. S3 requires an integrity
// header on both operations (the SDKs send Content-MD5 or a checksum) and
// checks it before the document.
func readTaggingBody(rq *request) ([]byte, error) {
	digests, err := newBodyDigests(rq.r.Header)
	if err != nil {
		return nil, err
	}
	if digests.md5 == nil && digests.sum == nil {
		return nil, s3Err(codeInvalidRequest).msg("Missing required header for this request: Content-MD5")
	}
	body, err := io.ReadAll(io.LimitReader(io.TeeReader(rq.res.Body, digests), maxTaggingBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxTaggingBody {
		return nil, s3Err(codeMaxMessageLengthExceeded)
	}
	if err := digests.check(rq.res); err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, s3Err(codeMissingRequestBodyError)
	}
	return body, nil
}

func writeTagging(rq *request, tags []meta.Tag) error {
	out := taggingOut{NS: s3NS}
	out.TagSet.Tags = make([]tagOut, 0, len(tags))
	for _, t := range tags {
		out.TagSet.Tags = append(out.TagSet.Tags, tagOut(t))
	}
	return writeXML(rq.w, http.StatusOK, out)
}

// getObjectTagging is GET ?tagging on an object, or with versionId on
// that version: its tag set, empty when it has none, and the version's ID
// in a bucket ever versioned.
func (a *API) getObjectTagging(rq *request) error {
	obj, err := a.headObjectRecord(rq)
	if err != nil {
		return err
	}
	setVersionHeader(rq.w.Header(), obj.VersionID)
	return writeTagging(rq, obj.Tags)
}

// putObjectTagging is PUT ?tagging on an object (or one version): the
// tag set replaces the object's whole (an empty one removes it), without
// touching its bytes, ETag or Last-Modified. S3 answers 200 with an empty
// body and the version's ID.
func (a *API) putObjectTagging(rq *request) error {
	obj, err := a.headObjectRecord(rq)
	if err != nil {
		return err
	}
	body, err := readTaggingBody(rq)
	if err != nil {
		return err
	}
	tags, err := parseTaggingDoc(body, maxObjectTags)
	if err != nil {
		return err
	}
	if err := a.storeObjectTags(rq, tags); err != nil {
		return err
	}
	setVersionHeader(rq.w.Header(), obj.VersionID)
	setStatusNoBody(rq.w, http.StatusOK)
	return nil
}

// deleteObjectTagging is DELETE ?tagging on an object (or one version):
// 204, tags gone.
func (a *API) deleteObjectTagging(rq *request) error {
	obj, err := a.headObjectRecord(rq)
	if err != nil {
		return err
	}
	if err := a.storeObjectTags(rq, nil); err != nil {
		return err
	}
	setVersionHeader(rq.w.Header(), obj.VersionID)
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) storeObjectTags(rq *request, tags []meta.Tag) error {
	ctx := rq.r.Context()
	if v, ok := rq.query["versionId"]; ok {
		err := a.cfg.Meta.PutObjectVersionTags(ctx, rq.bucket, rq.key, v[0], tags)
		return versionWriteErr(rq, v[0], err)
	}
	err := a.cfg.Meta.PutObjectTags(ctx, rq.bucket, rq.key, tags)
	if errors.Is(err, meta.ErrNoSuchKey) {
		// Deleted between the check and the write.
		return s3Err(codeNoSuchKey).with("Key", rq.key)
	}
	return noSuchBucket(err, rq.bucket)
}

// getBucketTagging is GET ?tagging on a bucket: NoSuchTagSet (404) when
// it has none, as S3 answers.
func (a *API) getBucketTagging(rq *request) error {
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	if len(b.Tags) == 0 {
		return s3Err(codeNoSuchTagSet).with("BucketName", rq.bucket)
	}
	return writeTagging(rq, b.Tags)
}

// putBucketTagging is PUT ?tagging on a bucket: the tag set replaces the
// bucket's. S3 answers 204.
func (a *API) putBucketTagging(rq *request) error {
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	body, err := readTaggingBody(rq)
	if err != nil {
		return err
	}
	tags, err := parseTaggingDoc(body, maxBucketTags)
	if err != nil {
		return err
	}
	if err := a.cfg.Meta.PutBucketTags(rq.r.Context(), rq.bucket, tags); err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteBucketTagging is DELETE ?tagging on a bucket: 204, with or
// without a tag set before.
func (a *API) deleteBucketTagging(rq *request) error {
	if err := a.cfg.Meta.PutBucketTags(rq.r.Context(), rq.bucket, nil); err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

// postTags reads a POST form's tagging field, which S3 takes as a Tagging
// XML document (not the URL-encoded form of x-amz-tagging), and puts the
// tags back into the form's headers in the header's form, so that the
// s3:RequestObjectTag/ condition keys see what a PutObject would show.
func postTags(h http.Header) ([]meta.Tag, error) {
	v := h.Get("X-Amz-Tagging")
	if v == "" {
		return nil, nil
	}
	tags, err := parseTaggingDoc([]byte(v), maxObjectTags)
	if err != nil {
		return nil, err
	}
	h.Set("X-Amz-Tagging", encodeTagging(tags))
	return tags, nil
}

// encodeTagging writes tags as x-amz-tagging's URL query parameters.
func encodeTagging(tags []meta.Tag) string {
	var b strings.Builder
	for i, t := range tags {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(t.Key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(t.Value))
	}
	return b.String()
}
