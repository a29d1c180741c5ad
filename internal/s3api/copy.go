package s3api

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"hash"
	"net/http"
	"net/url"
	"strings"

	"signet/internal/checksum"
	"signet/internal/meta"
	"signet/internal/storage"
)

type copyObjectResult struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	NS           string   `xml:"xmlns,attr"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"CopyPartResult"`
	NS           string   `xml:"xmlns,attr"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
}

// parseCopySource splits x-amz-copy-source ("[/]bucket/key[?versionId=…]",
// URL-encoded). The version is ignored: signet keeps one version.
func parseCopySource(v string) (bucket, key string, err error) {
	if i := strings.Index(v, "?"); i >= 0 {
		v = v[:i]
	}
	dec, uerr := url.PathUnescape(v)
	if uerr != nil {
		return "", "", s3Err(codeInvalidArgument).msg("Invalid copy source encoding").with("ArgumentName", "x-amz-copy-source").with("ArgumentValue", v)
	}
	dec = strings.TrimPrefix(dec, "/")
	bucket, key, ok := strings.Cut(dec, "/")
	if !ok || bucket == "" || key == "" {
		return "", "", s3Err(codeInvalidArgument).msg("Copy Source must mention the source bucket and key: sourcebucket/sourcekey").
			with("ArgumentName", "x-amz-copy-source").with("ArgumentValue", v)
	}
	if len(key) > maxKeyLen {
		return "", "", s3Err(codeKeyTooLongError)
	}
	return bucket, key, nil
}

// copySource reads and checks the source object: authorisation as
// s3:GetObject (s3:GetObjectVersion for a named version), existence, the
// x-amz-copy-source-if-* conditions, and for an SSE-C source its key
// (x-amz-copy-source-server-side-encryption-customer-*), which it returns
// to open the source with.
func (a *API) copySource(rq *request) (meta.Object, *sseCustomer, error) {
	raw := rq.r.Header.Get("x-amz-copy-source")
	sb, sk, err := parseCopySource(raw)
	if err != nil {
		return meta.Object{}, nil, err
	}
	var src meta.Object
	if vid, ok := copySourceVersion(raw); ok {
		if src, err = a.copySourceVersion(rq, sb, sk, vid); err != nil {
			return src, nil, err
		}
	} else if src, err = a.copySourceCurrent(rq, sb, sk); err != nil {
		return src, nil, err
	}
	key, err := a.checkSSECSource(rq, &src)
	return src, key, err
}

// copySourceCurrent reads the current object named as a copy's source.
func (a *API) copySourceCurrent(rq *request, sb, sk string) (meta.Object, error) {
	if !a.allowed(rq, "s3:GetObject", sb, sk, true) {
		return meta.Object{}, s3Err(codeAccessDenied)
	}
	src, err := a.cfg.Meta.GetObject(rq.r.Context(), sb, sk)
	if errors.Is(err, meta.ErrNoSuchKey) {
		return src, s3Err(codeNoSuchKey).with("Key", sk)
	}
	if err != nil {
		return src, noSuchBucket(err, sb)
	}
	if err := checkConditions(rq.r.Header, copyConditions, &src, s3Err(codePreconditionFailed)); err != nil {
		return src, err
	}
	return src, nil
}

// copyBlob streams a range of src, opened with its key srcKey (nil for a
// source without SSE-C), into a new blob sealed under dstKey (nil: the
// server's key), hashing it. Blobs are never shared between objects, so
// deleting one object cannot hurt another.
func (a *API) copyBlob(rq *request, src *meta.Object, srcKey, dstKey *sseCustomer, rng byteRange, alg checksum.Algorithm) (storage.BlobID, int64, []byte, []byte, error) {
	or := newObjectReader(a.opener(rq, srcKey), src, rng)
	defer or.Close()
	m := md5.New()
	var sum hash.Hash
	w := []hashWriter{m}
	if alg != "" {
		sum = alg.New()
		w = append(w, sum)
	}
	id, n, err := a.putSealed(rq, dstKey, &teeHashes{r: or, hs: w})
	if err != nil {
		return "", 0, nil, nil, err
	}
	var raw []byte
	if sum != nil {
		raw = sum.Sum(nil)
	}
	return id, n, m.Sum(nil), raw, nil
}

type hashWriter interface{ Write([]byte) (int, error) }

type teeHashes struct {
	r  interface{ Read([]byte) (int, error) }
	hs []hashWriter
}

func (t *teeHashes) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for _, h := range t.hs {
		h.Write(p[:n])
	}
	return n, err
}

func (a *API) copyObject(rq *request) error {
	h := rq.r.Header
	directive := h.Get("x-amz-metadata-directive")
	if directive != "" && directive != "COPY" && directive != "REPLACE" {
		return s3Err(codeInvalidArgument).msg("Unknown metadata directive.").with("ArgumentName", "x-amz-metadata-directive").with("ArgumentValue", directive)
	}
	replaceTags, err := taggingDirective(h)
	if err != nil {
		return err
	}
	var newTags []meta.Tag
	if replaceTags {
		if newTags, _, err = requestTagging(rq); err != nil {
			return err
		}
	}
	pre, err := writePrecondition(h)
	if err != nil {
		return err
	}
	if rq.sseC, err = parseSSECustomer(rq); err != nil {
		return err
	}
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	// A copy gets the ACL the request sets, never the source's.
	acl, err := a.objectACL(rq, &b, h, rq.query, rq.key)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		src, srcKey, err := a.copySource(rq)
		if err != nil {
			return err
		}
		tags, err := a.copyTags(rq, &src, replaceTags, newTags)
		if err != nil {
			return err
		}
		// A copy to or from SSE-C changes the encryption, which makes a
		// copy onto itself legal: it is how AWS rotates a customer key.
		sseChange := rq.sseC != nil || src.SSECustomerAlgorithm != ""
		if src.Bucket == rq.bucket && src.Key == rq.key && directive != "REPLACE" && h.Get("x-amz-storage-class") == "" && !sseChange {
			return s3Err(codeInvalidRequest).msg("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		}
		if src.Size > maxPutSize {
			return s3Err(codeInvalidRequest).msg("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
		}
		attrs := src.Attrs
		if directive == "REPLACE" {
			if attrs, err = attrsFromHeaders(h); err != nil {
				return err
			}
		} else if sc := h.Get("x-amz-storage-class"); sc != "" {
			if !storageClasses[sc] {
				return s3Err(codeInvalidStorageClass)
			}
			attrs.StorageClass = sc
		}
		alg := copyChecksumAlg(h, &src)
		if alg == "invalid" {
			return s3Err(codeInvalidRequest).msg("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		id, n, md, sum, err := a.copyBlob(rq, &src, srcKey, rq.sseC, byteRange{0, src.Size - 1}, alg)
		if errors.Is(err, storage.ErrNotFound) && attempt < getAttempts {
			continue // the source was replaced mid-copy; copy the new one
		}
		if err != nil {
			return err
		}
		obj := meta.Object{
			Bucket: rq.bucket, Key: rq.key, Size: n, ETag: hex.EncodeToString(md),
			LastModified: a.cfg.Clock.Now(), Attrs: attrs,
			Segments: []meta.Segment{{Blob: id, Size: n}}, Tags: tags, ACL: acl,
		}
		if err := a.sealWith(&obj, rq.sseC, "CopyObject"); err != nil {
			a.deleteBlobs(rq, []storage.BlobID{id})
			return err
		}
		if alg != "" {
			sums := map[string]string{string(alg): checksum.Encode(sum)}
			obj.Checksums, obj.ChecksumType, obj.Segments[0].Checksums = sums, "FULL_OBJECT", sums
		}
		if err := a.commit(rq, obj, pre); err != nil {
			return err
		}
		setChecksumHeaders(rq.w.Header(), obj.Checksums, obj.ChecksumType)
		setSSEHeader(rq.w.Header(), obj.ServerSideEncryption)
		setSSECHeaders(rq.w.Header(), &obj)
		setCopySourceVersionHeader(rq.w.Header(), &src)
		return writeXML(rq.w, http.StatusOK, copyObjectResult{NS: s3NS, LastModified: isoTime(obj.LastModified), ETag: quoteETag(obj.ETag)})
	}
}

// taggingDirective reads x-amz-tagging-directive: whether the copy takes
// the tags of x-amz-tagging (REPLACE) rather than the source's (COPY, the
// default).
func taggingDirective(h http.Header) (replace bool, err error) {
	switch d := h.Get("x-amz-tagging-directive"); d {
	case "", "COPY":
		return false, nil
	case "REPLACE":
		return true, nil
	default:
		return false, s3Err(codeInvalidArgument).msg("Unknown tagging directive.").with("ArgumentName", "x-amz-tagging-directive").with("ArgumentValue", d)
	}
}

// copyTags decides the copy's tag set and the permissions it takes on
// AWS: reading a tagged source's tags is s3:GetObjectTagging on the
// source, and tagging the copy s3:PutObjectTagging on the target.
func (a *API) copyTags(rq *request, src *meta.Object, replace bool, replacement []meta.Tag) ([]meta.Tag, error) {
	tags := replacement
	if !replace {
		tags = src.Tags
		if len(tags) > 0 && !a.allowed(rq, "s3:GetObjectTagging", src.Bucket, src.Key, true) {
			return nil, s3Err(codeAccessDenied)
		}
	}
	return tags, a.authorizeTagging(rq, tags)
}

// copyChecksumAlg keeps the source's checksum algorithm unless the request
// names another (x-amz-checksum-algorithm), as S3 does for copies.
func copyChecksumAlg(h http.Header, src *meta.Object) checksum.Algorithm {
	if v := h.Get("x-amz-checksum-algorithm"); v != "" {
		alg, ok := checksum.Parse(v)
		if !ok {
			return "invalid"
		}
		return alg
	}
	for _, alg := range checksum.Algorithms {
		if _, ok := src.Checksums[string(alg)]; ok {
			return alg
		}
	}
	return ""
}

// parseCopyRange reads x-amz-copy-source-range, which unlike Range must be
// the exact form bytes=first-last inside the source.
func parseCopyRange(v string, size int64) (byteRange, error) {
	bad := s3Err(codeInvalidArgument).msg("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy").
		with("ArgumentName", "x-amz-copy-source-range").with("ArgumentValue", v)
	spec, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return byteRange{}, bad
	}
	first, last, ok := strings.Cut(spec, "-")
	if !ok {
		return byteRange{}, bad
	}
	s, err1 := parseNonNeg(first)
	e, err2 := parseNonNeg(last)
	if err1 != nil || err2 != nil || e < s {
		return byteRange{}, bad
	}
	if e >= size {
		return byteRange{}, s3Err(codeInvalidRange).msg("The requested range is not satisfiable").
			with("RangeRequested", v).with("ActualObjectSize", itoa(size))
	}
	return byteRange{s, e}, nil
}
