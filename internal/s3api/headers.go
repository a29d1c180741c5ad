package s3api

import (
	"net/http"
	"strconv"
	"strings"

	"signet/internal/meta"
)

// maxUserMeta is S3's limit on the total size of x-amz-meta-* names and
// values.
const maxUserMeta = 2 << 10

var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
	"OUTPOSTS": true, "SNOW": true, "EXPRESS_ONEZONE": true,
}

// attrsFromHeaders collects the attributes stored with an object at PUT,
// CopyObject (REPLACE) and CreateMultipartUpload.
func attrsFromHeaders(h http.Header) (meta.Attrs, error) {
	at := meta.Attrs{
		ContentType:        h.Get("Content-Type"),
		ContentEncoding:    stripAWSChunked(h.Values("Content-Encoding")),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentLanguage:    h.Get("Content-Language"),
		CacheControl:       h.Get("Cache-Control"),
		Expires:            h.Get("Expires"),
		StorageClass:       h.Get("x-amz-storage-class"),
	}
	if at.ContentType == "" {
		// AWS's default when the client names none.
		at.ContentType = "binary/octet-stream"
	}
	if at.StorageClass != "" && !storageClasses[at.StorageClass] {
		return at, s3Err(codeInvalidStorageClass).with("StorageClassRequested", at.StorageClass)
	}
	size := 0
	for name, vals := range h {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, "x-amz-meta-") {
			continue
		}
		if at.UserMeta == nil {
			at.UserMeta = map[string]string{}
		}
		k, v := lower[len("x-amz-meta-"):], strings.Join(vals, ",")
		at.UserMeta[k] = v
		size += len(k) + len(v)
	}
	if size > maxUserMeta {
		return at, s3Err(codeMetadataTooLarge).with("Size", strconv.Itoa(size)).with("MaxSizeAllowed", strconv.Itoa(maxUserMeta))
	}
	return at, nil
}

// stripAWSChunked drops the aws-chunked coding, which describes the
// transfer, not the object (reference §2.5: SDKs append it to any existing
// encoding). The client's other codings are kept as it spelled them,
// spaces and case included ("gzip, br, aws-chunked" is stored as
// "gzip, br"), so a GET returns the header it sent.
func stripAWSChunked(vals []string) string {
	var kept []string
	for _, v := range vals {
		var tokens []string
		dropped := false
		for _, c := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(c), "aws-chunked") {
				dropped = true
				continue
			}
			tokens = append(tokens, c)
		}
		v = strings.Join(tokens, ",")
		if dropped {
			// Only the separator next to the removed coding goes.
			v = strings.TrimSpace(v)
		}
		if v != "" {
			kept = append(kept, v)
		}
	}
	return strings.Join(kept, ",")
}

// setAttrHeaders writes an object's stored attributes on GET and HEAD.
func setAttrHeaders(h http.Header, at meta.Attrs) {
	set := func(name, v string) {
		if v != "" {
			h.Set(name, v)
		}
	}
	set("Content-Type", at.ContentType)
	set("Content-Encoding", at.ContentEncoding)
	set("Content-Disposition", at.ContentDisposition)
	set("Content-Language", at.ContentLanguage)
	set("Cache-Control", at.CacheControl)
	set("Expires", at.Expires)
	// AWS omits the header for STANDARD.
	if at.StorageClass != "" && at.StorageClass != "STANDARD" {
		h.Set("x-amz-storage-class", at.StorageClass)
	}
	// Set the map directly: Header.Set would canonicalise the name to
	// X-Amz-Meta-Colour, and SDKs (botocore) keep the case of what follows
	// the prefix, so the user's key would come back changed. AWS sends
	// these names in lower case.
	for k, v := range at.UserMeta {
		h["x-amz-meta-"+k] = []string{v}
	}
}

func storageClassOf(at meta.Attrs) string {
	if at.StorageClass == "" {
		return "STANDARD"
	}
	return at.StorageClass
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
