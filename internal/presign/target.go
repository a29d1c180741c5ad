package presign

import (
	"fmt"
	"net/url"
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
