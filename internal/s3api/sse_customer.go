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
// S3 sends back). PutObject, GetObject and HeadObject implement it, and
// GetObjectAttributes, which like HeadObject needs an SSE-C object's key
// (its checksums and size are the plaintext's); every other operation
// still refuses the headers (refuse.go), and a copy of an SSE-C object (or
// of one of its versions) is refused as S3 refuses a copy without the
// source's key.

// sseCustomerOps are the operations that implement SSE-C.
var sseCustomerOps = []string{"PutObject", "GetObject", "HeadObject", "GetObjectAttributes"}

// sseReadOps are the reads among them: the refusal table refuses their
// other x-amz-server-side-encryption* headers row by row.
var sseReadOps = []string{"GetObject", "HeadObject", "GetObjectAttributes"}

const (
	hdrSSECAlgorithm = "x-amz-server-side-encryption-customer-algorithm"
	hdrSSECKey       = "x-amz-server-side-encryption-customer-key"
	hdrSSECKeyMD5    = "x-amz-server-side-encryption-customer-key-md5"
	sseCKeySize      = 32
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
	alg, key, sum := sseParam(rq, hdrSSECAlgorithm), sseParam(rq, hdrSSECKey), sseParam(rq, hdrSSECKeyMD5)
	if !sseCPresent(rq) {
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

// sseCPresent reports whether the request names any SSE-C header.
func sseCPresent(rq *request) bool {
	_, _, ok := (&refusal{header: "x-amz-server-side-encryption-customer-*"}).find(rq.r.Header, rq.query)
	return ok
}

// checkSSECustomer validates SSE-C on the operations that implement
// it, before the body is read; SSE-C and SSE-S3 or SSE-KMS together are
// refused, as on AWS.
func checkSSECustomer(rq *request, op string) error {
	if !contains(sseCustomerOps, op) {
		return nil
	}
	c, err := parseSSECustomer(rq)
	if err != nil || c == nil {
		return err
	}
	if v := sseParam(rq, "x-amz-server-side-encryption"); v != "" && op == "PutObject" {
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

// putBlob stores a request body: under the customer's key for an SSE-C
// PutObject (rq.sseC), else sealed by the server's.
func (a *API) putBlob(rq *request, r io.Reader) (storage.BlobID, int64, error) {
	if rq.sseC == nil {
		return a.cfg.Blobs.Put(rq.r.Context(), r)
	}
	cs, err := a.sealer("PutObject")
	if err != nil {
		return "", 0, err
	}
	return cs.PutCustomer(rq.r.Context(), r, rq.sseC.key)
}

// openBlob opens an object's blob, with the request's SSE-C key if the
// object was written with one.
func (a *API) openBlob(rq *request, c *sseCustomer, id storage.BlobID) (storage.Blob, error) {
	if c == nil {
		return a.cfg.Blobs.Open(rq.r.Context(), id)
	}
	cs, err := a.sealer("GetObject")
	if err != nil {
		return nil, err
	}
	return cs.OpenCustomer(rq.r.Context(), id, c.key)
}

// setSSECHeaders reports an SSE-C object's algorithm and key MD5, as AWS
// does on PUT, GET and HEAD.
func setSSECHeaders(h http.Header, obj *meta.Object) {
	if obj.SSECustomerAlgorithm != "" {
		h.Set(hdrSSECAlgorithm, obj.SSECustomerAlgorithm)
		h.Set("x-amz-server-side-encryption-customer-key-MD5", obj.SSECustomerKeyMD5)
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
