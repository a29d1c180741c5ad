package presign

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"signet/internal/sigv4"
)

// ParseS3URI splits "s3://bucket/key" as the AWS CLI writes object paths.
// The key is everything after the first slash, kept byte for byte.
func ParseS3URI(s string) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q is not an object path: write it s3://BUCKET/KEY", s)
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q names no bucket: write it s3://BUCKET/KEY", s)
	}
	if key == "" {
		return "", "", fmt.Errorf("%q names a bucket, not an object: presign needs a key (s3://%s/KEY)", s, bucket)
	}
	return bucket, key, nil
}

// MaxPartNumber is the highest part number S3 accepts in UploadPart.
const MaxPartNumber = 10000

// ParsePartNumber reads --part-number: a whole number from 1 to
// MaxPartNumber, as S3 numbers parts.
func ParsePartNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxPartNumber {
		return 0, fmt.Errorf("--part-number %q: S3 numbers the parts of an upload 1 to %d", s, MaxPartNumber)
	}
	return n, nil
}

// ErrPOSTForm refuses --method POST that names no multipart operation:
// the browser's POST form is a signed policy, not a presigned URL, and
// --post makes it.
var ErrPOSTForm = errors.New("--method POST presigns CreateMultipartUpload with --uploads, or CompleteMultipartUpload with --upload-id ID; " +
	"for the browser's POST form (a presigned POST policy) use --post instead of --method")

// checkTarget refuses a method and sub-resource that together name no S3
// operation signet presigns (the operations boto3's generate_presigned_url
// offers for objects). Messages name the command's flags.
func checkTarget(req Request) error {
	if !slices.Contains(Methods, req.Method) {
		return fmt.Errorf("--method %q: want GET, PUT, HEAD, DELETE or POST", req.Method)
	}
	switch {
	case req.Uploads && (req.UploadID != "" || req.PartNumber != 0):
		return errors.New("--uploads starts a multipart upload: it takes no --upload-id or --part-number")
	case req.Uploads && req.Method != http.MethodPost:
		return errors.New("--uploads presigns CreateMultipartUpload, a POST: add --method POST")
	case req.Uploads:
		return nil
	case req.PartNumber != 0 && req.UploadID == "":
		return errors.New("--part-number goes with --upload-id: a part belongs to a multipart upload")
	case req.PartNumber != 0 && req.Method != http.MethodPut:
		return errors.New("--upload-id and --part-number presign UploadPart, a PUT: drop them, or use --method PUT")
	case req.PartNumber < 0 || req.PartNumber > MaxPartNumber:
		return fmt.Errorf("--part-number %d: S3 numbers the parts of an upload 1 to %d", req.PartNumber, MaxPartNumber)
	case req.PartNumber != 0:
		return nil
	case req.UploadID != "" && req.Method == http.MethodPut:
		return fmt.Errorf("--upload-id needs --part-number N (1 to %d): the URL uploads one part", MaxPartNumber)
	case req.UploadID != "" && req.Method == http.MethodHead:
		return errors.New("--upload-id with --method HEAD names no S3 operation: PUT with --part-number uploads a part, " +
			"POST completes the upload, DELETE aborts it, GET lists its parts")
	case req.UploadID != "" && len(req.Overrides) > 0:
		return errors.New("--response-* overrides apply to an object's GET and HEAD, not to ListParts (--upload-id)")
	case req.UploadID == "" && req.Method == http.MethodPost:
		return ErrPOSTForm
	}
	return nil
}

// targetQuery is the query that says what the URL does, before the
// signature's parameters: the multipart upload and part, or the
// response-* overrides. Parameters are in canonical (sorted) order and
// encoded as SigV4 canonicalises them, so the URL is its own canonical
// form.
func targetQuery(req Request) string {
	var q string
	if req.PartNumber != 0 {
		q = appendParam(q, "partNumber", strconv.Itoa(req.PartNumber))
	}
	if o := overrideQuery(req.Overrides); o != "" {
		q = joinQuery(q, o)
	}
	if req.UploadID != "" {
		q = appendParam(q, "uploadId", req.UploadID)
	}
	if req.Uploads {
		q = appendParam(q, "uploads", "")
	}
	return q
}

func joinQuery(a, b string) string {
	if a == "" {
		return b
	}
	return a + "&" + b
}

// ParseEndpoint checks that raw is an http:// or https:// URL with a host;
// from names where it came from, for the error.
func ParseEndpoint(raw, from string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("endpoint %q (from %s) is not an http:// or https:// URL with a host, e.g. http://127.0.0.1:9000", raw, from)
	}
	return u, nil
}

// objectURL is the URL of bucket/key, without a query, and the bucket the
// host names (virtual-hosted style) or "" (path style): SigV2 signs the
// bucket in either case, so it must know which.
//
// With a custom endpoint the URL is path style, ENDPOINT/bucket/key, as the
// AWS CLI builds it for --endpoint-url. Against AWS itself it is virtual
// hosted (https://bucket.s3.amazonaws.com/key in us-east-1, else
// https://bucket.s3.REGION.amazonaws.com/key), falling back to path style
// for bucket names that cannot be a host label, as botocore does.
//
// The key is encoded as S3 signs it: every byte but A-Z a-z 0-9 - . _ ~ as
// %XX, slashes kept.
func objectURL(endpoint *url.URL, region, bucket, key string) (raw, virtualBucket string) {
	path := "/" + sigv4.URIEncode(key, false)
	if endpoint != nil {
		base := *endpoint
		base.RawPath, base.Path = "", ""
		prefix := strings.TrimRight(endpoint.EscapedPath(), "/")
		return base.String() + prefix + "/" + sigv4.URIEncode(bucket, true) + path, ""
	}
	host := "s3.amazonaws.com"
	if region != "" && region != "us-east-1" {
		host = "s3." + region + ".amazonaws.com"
	}
	if virtualHostable(bucket) {
		return "https://" + bucket + "." + host + path, bucket
	}
	return "https://" + host + "/" + sigv4.URIEncode(bucket, true) + path, ""
}

// virtualHostable is botocore's check_dns_name: 3 to 63 characters of
// a-z, 0-9 and '-', starting and ending with a letter or digit, and no
// dots (a dotted name would not match the *.s3.amazonaws.com certificate).
func virtualHostable(bucket string) bool {
	n := len(bucket)
	if n < 3 || n > 63 {
		return false
	}
	for i := 0; i < n; i++ {
		c := bucket[i]
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		if !alnum && (c != '-' || i == 0 || i == n-1) {
			return false
		}
	}
	return true
}
