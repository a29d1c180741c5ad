package s3api

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
)

// Encryption at rest. Every blob is sealed by the storage layer (SSE-S3,
// package storage/sealed), so every object signet writes is encrypted
// with AES-256 as on AWS, where SSE-S3 has been the default for every
// bucket since January 2023. What the API adds is S3's view of that:
// x-amz-server-side-encryption: AES256 on the responses AWS sends it on,
// the request header's validation, and a bucket encryption configuration
// that is always SSE-S3.

// sseAES256 is SSE-S3's name on the wire.
const sseAES256 = "AES256"

// sseWriteOps are the operations whose request may name the encryption of
// the object they write; the header on any other operation is refused by
// the refusal table.
var sseWriteOps = []string{"PutObject", "CopyObject", "CreateMultipartUpload"}

// checkServerSideEncryption validates x-amz-server-side-encryption and its
// KMS companions on a write. AES256 (or nothing) is what every object gets
// anyway; SSE-KMS names a KMS key, and signet has no KMS, so it is refused
// as AWS refuses a key that does not exist.
func checkServerSideEncryption(rq *request, op string) error {
	if !contains(sseWriteOps, op) {
		return nil
	}
	v := sseParam(rq, "x-amz-server-side-encryption")
	keyID := sseParam(rq, "x-amz-server-side-encryption-aws-kms-key-id")
	switch v {
	case "", sseAES256:
		if keyID != "" || sseParam(rq, "x-amz-server-side-encryption-context") != "" {
			return s3Err(codeInvalidArgument).msg("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms").
				with("ArgumentName", "x-amz-server-side-encryption").with("ArgumentValue", "null")
		}
		return nil
	case "aws:kms", "aws:kms:dsse":
		return kmsKeyNotFound(keyID)
	default:
		return s3Err(codeInvalidArgument).msg("The encryption method specified is not supported").
			with("ArgumentName", "x-amz-server-side-encryption").with("ArgumentValue", v)
	}
}

// sseParam is a header's value, or its value hoisted into the query
// string by a presigner (signed like any parameter, honoured like the
// header).
func sseParam(rq *request, name string) string {
	_, v, _ := (&refusal{header: name}).find(rq.r.Header, rq.query)
	return v
}

// kmsKeyNotFound is S3's answer when the KMS key an SSE-KMS request names
// (or, without one, the account's aws/s3 key) does not exist: signet has
// no KMS, so no key exists.
func kmsKeyNotFound(keyID string) error {
	if keyID == "" {
		keyID = "aws/s3"
	}
	return s3Err(codeKMSNotFoundException).msg("Invalid keyId " + keyID)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// setSSEHeader reports how an object is encrypted at rest, as AWS does on
// PUT, GET, HEAD, copies and multipart responses. Objects written before
// signet sealed blobs are not encrypted and get no header.
func setSSEHeader(h http.Header, sse string) {
	if sse != "" {
		h.Set("x-amz-server-side-encryption", sse)
	}
}

// sseConfiguration is the ServerSideEncryptionConfiguration document of
// Put/GetBucketEncryption.
type sseConfiguration struct {
	XMLName xml.Name  `xml:"ServerSideEncryptionConfiguration"`
	NS      string    `xml:"xmlns,attr,omitempty"`
	Rules   []sseRule `xml:"Rule"`
}

type sseRule struct {
	Default *sseByDefault `xml:"ApplyServerSideEncryptionByDefault"`
	// BucketKeyEnabled is a string so that an absent element, "false"
	// and anything else can be told apart.
	BucketKeyEnabled *string `xml:"BucketKeyEnabled"`
}

type sseByDefault struct {
	SSEAlgorithm   string `xml:"SSEAlgorithm"`
	KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
}

// maxSSEDocument bounds a PutBucketEncryption body: the document has one
// rule of a few short elements.
const maxSSEDocument = 16 << 10

// parseSSEConfiguration reads a PutBucketEncryption body. It is apart from
// the handler so the fuzz target can drive it.
func parseSSEConfiguration(body io.Reader) (*sseConfiguration, error) {
	var c sseConfiguration
	if err := readXML(body, maxSSEDocument, 64, 8, &c); err != nil {
		return nil, err
	}
	if len(c.Rules) != 1 || c.Rules[0].Default == nil {
		return nil, s3Err(codeMalformedXML)
	}
	r := c.Rules[0]
	if bk := r.BucketKeyEnabled; bk != nil && *bk != "true" && *bk != "false" {
		return nil, s3Err(codeMalformedXML)
	}
	switch r.Default.SSEAlgorithm {
	case sseAES256:
		if r.Default.KMSMasterKeyID != "" {
			return nil, s3Err(codeInvalidArgument).msg("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse").
				with("ArgumentName", "ApplyServerSideEncryptionByDefault")
		}
	case "aws:kms", "aws:kms:dsse":
		return nil, kmsKeyNotFound(r.Default.KMSMasterKeyID)
	default:
		return nil, s3Err(codeMalformedXML)
	}
	if bk := r.BucketKeyEnabled; bk != nil && *bk == "true" {
		// S3 Bucket Keys only matter for SSE-KMS; AWS stores the flag
		// and reports it back, which signet, storing no configuration,
		// cannot: refused rather than dropped.
		return nil, notImplemented("S3 Bucket Keys", "BucketKeyEnabled true", "PutBucketEncryption")
	}
	return &c, nil
}

// putBucketEncryption is PUT ?encryption. The only configuration signet
// can honour is SSE-S3 without a bucket key, which is every bucket's
// default and what it already does, so there is nothing to store.
func (a *API) putBucketEncryption(rq *request) error {
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	digests, err := newBodyDigests(rq.r.Header)
	if err != nil {
		return err
	}
	// S3 requires an integrity header on this operation, as on PutBucketCors.
	if digests.md5 == nil && digests.sum == nil {
		return s3Err(codeInvalidRequest).msg("Missing required header for this request: Content-MD5")
	}
	body, err := io.ReadAll(io.LimitReader(io.TeeReader(rq.res.Body, digests), maxSSEDocument+1))
	if err != nil {
		return err
	}
	if len(body) > maxSSEDocument {
		return s3Err(codeMaxMessageLengthExceeded)
	}
	if err := digests.check(rq.res); err != nil {
		return err
	}
	if len(body) == 0 {
		return s3Err(codeMissingRequestBodyError)
	}
	if _, err := parseSSEConfiguration(bytes.NewReader(body)); err != nil {
		return err
	}
	setStatusNoBody(rq.w, http.StatusOK)
	return nil
}

// getBucketEncryption is GET ?encryption: SSE-S3, the default AWS reports
// for every bucket, never ServerSideEncryptionConfigurationNotFoundError.
func (a *API) getBucketEncryption(rq *request) error {
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	off := "false"
	return writeXML(rq.w, http.StatusOK, sseConfiguration{NS: s3NS, Rules: []sseRule{{
		Default:          &sseByDefault{SSEAlgorithm: sseAES256},
		BucketKeyEnabled: &off,
	}}})
}

// deleteBucketEncryption is DELETE ?encryption: AWS resets the bucket to
// its default, SSE-S3, and answers 204.
func (a *API) deleteBucketEncryption(rq *request) error {
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	setStatusNoBody(rq.w, http.StatusNoContent)
	return nil
}
