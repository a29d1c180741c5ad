package s3api

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"

	"signet/internal/meta"
	"signet/internal/storage"
)

// SSE-C: server-side encryption with a key the client sends with every
// request (x-amz-server-side-encryption-customer-algorithm, -key and
// -key-MD5). The storage engine seals the blob under a key derived from
// the customer's; the metadata keeps only a salted HMAC of it (to tell a
// later request's key from another, as S3 does) and the key's MD5 (which
// S3 sends back). Writes (PutObject, PostObject's form fields, CopyObject's
// target, a multipart upload and each of its parts) seal under the key;
// reads (GetObject, HeadObject, GetObjectAttributes, and a copy's source
// through x-amz-copy-source-server-side-encryption-customer-*) need it.

// sseCustomerOps are the operations that take the SSE-C headers.
var sseCustomerOps = []string{"PutObject", "GetObject", "HeadObject", "GetObjectAttributes",
	"CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload", "PostObject"}

// sseCopySourceOps are the operations that take the source's key
// (x-amz-copy-source-server-side-encryption-customer-*).
var sseCopySourceOps = []string{"CopyObject", "UploadPartCopy"}

// sseCNewObjectOps write a new object whose encryption the request names,
// so SSE-C with x-amz-server-side-encryption is a contradiction there.
var sseCNewObjectOps = []string{"PutObject", "CopyObject", "CreateMultipartUpload", "PostObject"}

// sseReadOps are the reads among them: the refusal table refuses their
// other x-amz-server-side-encryption* headers row by row.
var sseReadOps = []string{"GetObject", "HeadObject", "GetObjectAttributes"}

// sseKeyOnlyOps take SSE-C's headers but name no encryption of their own
// (the reads, and the writes whose encryption the upload or the form
// decides): the refusal table refuses their other
// x-amz-server-side-encryption* headers row by row.
var sseKeyOnlyOps = append(append([]string(nil), sseReadOps...), "UploadPart", "UploadPartCopy", "CompleteMultipartUpload", "PostObject")

const (
	hdrSSECAlgorithm = "x-amz-server-side-encryption-customer-algorithm"
	hdrSSECKey       = "x-amz-server-side-encryption-customer-key"
	hdrSSECKeyMD5    = "x-amz-server-side-encryption-customer-key-md5"
	sseCKeySize      = 32
)

// sseCNames names one set of the three SSE-C headers: the object's own,
// or a copy's source's.
type sseCNames struct{ prefix, alg, key, md5 string }

var (
	sseCTarget = sseCNames{"x-amz-server-side-encryption-customer-*", hdrSSECAlgorithm, hdrSSECKey, hdrSSECKeyMD5}
	sseCSource = sseCNames{"x-amz-copy-source-server-side-encryption-customer-*",
		"x-amz-copy-source-server-side-encryption-customer-algorithm",
		"x-amz-copy-source-server-side-encryption-customer-key",
		"x-amz-copy-source-server-side-encryption-customer-key-md5"}
)

// customerSealer is the part of the storage engine SSE-C needs
// (storage/sealed.Engine): blobs sealed under a customer's key, and the
// salted HMAC of a key that the metadata keeps, compared in constant
// time. Without it, SSE-C is refused as unimplemented.
type customerSealer interface {
	PutCustomer(ctx context.Context, r io.Reader, customerKey []byte) (storage.BlobID, int64, error)
	OpenCustomer(ctx context.Context, id storage.BlobID, customerKey []byte) (storage.Blob, error)
	NewKeyCheck(customerKey []byte) []byte
	KeyMatches(check, customerKey []byte) bool
}

// sseCustomer is a request's validated SSE-C key.
type sseCustomer struct {
	key    []byte
	keyMD5 string // base64, as sent and as sent back
}

// sseCInvalid is AWS's InvalidArgument for a malformed SSE-C header set.
func sseCInvalid(m string) error {
	return s3Err(codeInvalidArgument).msg(m).
		with("ArgumentName", "x-amz-server-side-encryption").with("ArgumentValue", "null")
}

// parseSSECustomer validates the SSE-C headers (or their presigned query
// form). It returns nil, nil when none is present.
func parseSSECustomer(rq *request) (*sseCustomer, error) {
	return parseSSECHeaders(rq, sseCTarget)
}

// parseCopySourceSSEC validates a copy's source key
// (x-amz-copy-source-server-side-encryption-customer-*), which AWS checks
// as it checks the object's own.
func parseCopySourceSSEC(rq *request) (*sseCustomer, error) {
	return parseSSECHeaders(rq, sseCSource)
}

func parseSSECHeaders(rq *request, hs sseCNames) (*sseCustomer, error) {
	alg, key, sum := sseParam(rq, hs.alg), sseParam(rq, hs.key), sseParam(rq, hs.md5)
	if _, _, ok := (&refusal{header: hs.prefix}).find(rq.r.Header, rq.query); !ok {
		return nil, nil
	}
	// The key travels in the request: S3 refuses it in clear.
	if rq.r.TLS == nil {
		return nil, s3Err(codeInvalidRequest).msg("Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.")
	}
	if alg == "" {
		return nil, sseCInvalid("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.")
	}
	if alg != sseAES256 {
		return nil, s3Err(codeInvalidEncryptionAlgorithmError).
			with("ArgumentName", "x-amz-server-side-encryption").with("ArgumentValue", "null")
	}
	if key == "" {
		return nil, sseCInvalid("Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.")
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(raw) != sseCKeySize {
		return nil, sseCInvalid("The secret key was invalid for the specified algorithm.")
	}
	if sum == "" {
		return nil, sseCInvalid("Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.")
	}
	got := md5.Sum(raw)
	want, err := base64.StdEncoding.DecodeString(sum)
	if err != nil || subtle.ConstantTimeCompare(got[:], want) != 1 {
		return nil, sseCInvalid("The calculated MD5 hash of the key did not match the hash that was provided.")
	}
	return &sseCustomer{key: raw, keyMD5: sum}, nil
}

// errSSECKeyRequired is AWS's answer to a read of an SSE-C object that
// does not bring the key.
func errSSECKeyRequired() error {
	return s3Err(codeInvalidRequest).msg("The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
}

// checkSSECustomer validates SSE-C on the operations that implement
// it, before the body is read; SSE-C and SSE-S3 or SSE-KMS together are
// refused, as on AWS.
func checkSSECustomer(rq *request, op string) error {
	if contains(sseCopySourceOps, op) {
		if _, err := parseCopySourceSSEC(rq); err != nil {
			return err
		}
	}
	if !contains(sseCustomerOps, op) {
		return nil
	}
	c, err := parseSSECustomer(rq)
	if err != nil || c == nil {
		return err
	}
	if v := sseParam(rq, "x-amz-server-side-encryption"); v != "" && contains(sseCNewObjectOps, op) {
		return s3Err(codeInvalidArgument).msg("Server Side Encryption with Customer provided key is incompatible with the encryption method specified").
			with("ArgumentName", "x-amz-server-side-encryption").with("ArgumentValue", v)
	}
	return nil
}

// sealer returns the engine's SSE-C side, or NotImplemented.
func (a *API) sealer(op string) (customerSealer, error) {
	cs, ok := a.cfg.Blobs.(customerSealer)
	if !ok {
		return nil, notImplemented("server-side encryption with customer-provided keys (SSE-C)", "x-amz-server-side-encryption-customer-*", op)
	}
	return cs, nil
}

// checkSSECRead checks a GET, HEAD or GetObjectAttributes's SSE-C headers
// against the object (the current one or the version asked for):
// an SSE-C object needs its key, any other none. It returns the key to
// open the blob with (nil for an object without SSE-C).
func (a *API) checkSSECRead(rq *request, obj *meta.Object) (*sseCustomer, error) {
	c, err := parseSSECustomer(rq)
	if err != nil {
		return nil, err
	}
	return a.matchSSEC(c, obj)
}

// checkSSECSource checks a copy's source key
// (x-amz-copy-source-server-side-encryption-customer-*) against the
// source object, as a GET's key is checked against the object it reads.
func (a *API) checkSSECSource(rq *request, src *meta.Object) (*sseCustomer, error) {
	c, err := parseCopySourceSSEC(rq)
	if err != nil {
		return nil, err
	}
	return a.matchSSEC(c, src)
}

// matchSSEC answers as AWS does when a request's key c (nil: none) reads
// obj: an SSE-C object needs its key (400 without, 403 with another), any
// other object none.
func (a *API) matchSSEC(c *sseCustomer, obj *meta.Object) (*sseCustomer, error) {
	switch {
	case obj.SSECustomerAlgorithm == "" && c == nil:
		return nil, nil
	case obj.SSECustomerAlgorithm == "":
		return nil, s3Err(codeInvalidRequest).msg("The encryption parameters are not applicable to this object.")
	case c == nil:
		return nil, errSSECKeyRequired()
	}
	cs, err := a.sealer("GetObject")
	if err != nil {
		return nil, err
	}
	if !cs.KeyMatches(obj.SSECustomerKeyCheck, c.key) {
		return nil, s3Err(codeAccessDenied)
	}
	return c, nil
}

// checkSSECPart checks a part's SSE-C headers against its upload's: an
// upload begun with a key needs that key on every part, and one begun
// without takes none (AWS's answers, both 400 InvalidRequest).
// CompleteMultipartUpload takes the headers optionally (required only
// with them); given, they must match as a part's do.
func (a *API) checkSSECPart(rq *request, u *meta.Upload, optional bool) (*sseCustomer, error) {
	c, err := parseSSECustomer(rq)
	if err != nil {
		return nil, err
	}
	switch {
	case c == nil && (optional || u.SSECustomerAlgorithm == ""):
		return nil, nil
	case c == nil || u.SSECustomerAlgorithm == "":
		return nil, s3Err(codeInvalidRequest).msg("The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.")
	}
	cs, err := a.sealer("UploadPart")
	if err != nil {
		return nil, err
	}
	if !cs.KeyMatches(u.SSECustomerKeyCheck, c.key) {
		return nil, s3Err(codeInvalidRequest).msg("The provided encryption parameters did not match the ones used originally.")
	}
	return c, nil
}

// sealWith records on a new object how its blob is sealed: under the
// customer's key c (the algorithm, the key's MD5, a key check, and a
// random ETag, as for every SSE-C object), or with nil under the server's
// (SSE-S3).
func (a *API) sealWith(obj *meta.Object, c *sseCustomer, op string) error {
	if c == nil {
		obj.ServerSideEncryption = sseAES256
		return nil
	}
	cs, err := a.sealer(op)
	if err != nil {
		return err
	}
	// An SSE-C object is encrypted with the customer's key, not S3's:
	// AWS sends the customer headers for it instead of AES256.
	obj.ServerSideEncryption = ""
	obj.SSECustomerAlgorithm, obj.SSECustomerKeyMD5 = sseAES256, c.keyMD5
	obj.SSECustomerKeyCheck = cs.NewKeyCheck(c.key)
	obj.ETag = sseCETag()
	return nil
}

// putBlob stores a request body: under the customer's key for an SSE-C
// write (rq.sseC), else sealed by the server's.
func (a *API) putBlob(rq *request, r io.Reader) (storage.BlobID, int64, error) {
	return a.putSealed(rq, rq.sseC, r)
}

// putSealed stores r under the customer's key c, or with nil under the
// server's.
func (a *API) putSealed(rq *request, c *sseCustomer, r io.Reader) (storage.BlobID, int64, error) {
	if c == nil {
		return a.cfg.Blobs.Put(rq.r.Context(), r)
	}
	cs, err := a.sealer("PutObject")
	if err != nil {
		return "", 0, err
	}
	return cs.PutCustomer(rq.r.Context(), r, c.key)
}

// openBlob opens an object's blob, with the request's SSE-C key if the
// object was written with one.
func (a *API) openBlob(rq *request, c *sseCustomer, id storage.BlobID) (storage.Blob, error) {
	return a.opener(rq, c)(id)
}

// opener opens blobs with the customer's key c, or with nil as sealed by
// the server.
func (a *API) opener(rq *request, c *sseCustomer) func(storage.BlobID) (storage.Blob, error) {
	ctx := rq.r.Context()
	return func(id storage.BlobID) (storage.Blob, error) {
		if c == nil {
			return a.cfg.Blobs.Open(ctx, id)
		}
		cs, err := a.sealer("GetObject")
		if err != nil {
			return nil, err
		}
		return cs.OpenCustomer(ctx, id, c.key)
	}
}

// setSSECHeaders reports an SSE-C object's algorithm and key MD5, as AWS
// does on PUT, GET and HEAD.
func setSSECHeaders(h http.Header, obj *meta.Object) {
	setSSECPair(h, obj.SSECustomerAlgorithm, obj.SSECustomerKeyMD5)
}

// setSSECPair sends an SSE-C algorithm and key MD5 (nothing without one):
// an object's, or an upload's on CreateMultipartUpload and UploadPart.
func setSSECPair(h http.Header, alg, keyMD5 string) {
	if alg != "" {
		h.Set(hdrSSECAlgorithm, alg)
		h.Set("x-amz-server-side-encryption-customer-key-MD5", keyMD5)
	}
}

// sseCETag is an SSE-C object's ETag. As on AWS it is not the MD5 of the
// data, which anyone allowed to list the bucket could read and which would
// confirm a guess of the plaintext without the key: it is random.
func sseCETag() string {
	b := make([]byte, md5.Size)
	// crypto/rand.Read never fails (it crashes the program instead).
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
