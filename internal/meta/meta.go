// Package meta defines signet's metadata store, in two halves. Store
// (this file) holds buckets, the object index and multipart uploads.
// Object bytes live in storage engines as blobs; a metadata commit is what
// makes a blob visible as an object, so it is the commit point of every
// write. Identities (identity.go) holds IAM users, access keys, roles,
// inline and managed policies, STS sessions and bucket policies, so that
// every node sees the same truth about who may sign.
//
// Engines: the embedded bbolt engine (default) and, later, PostgreSQL. Every
// engine passes metatest.Run.
package meta

import (
	"context"
	"errors"
	"time"

	"signet/internal/storage"
)

// Errors in the metadata store's own words; API packages map them to wire
// codes.
var (
	ErrNoSuchBucket    = errors.New("meta: no such bucket")
	ErrBucketExists    = errors.New("meta: bucket already exists")
	ErrBucketNotEmpty  = errors.New("meta: bucket not empty")
	ErrNoSuchKey       = errors.New("meta: no such key")
	ErrNoSuchUpload    = errors.New("meta: no such upload")
	ErrClosed          = errors.New("meta: store closed")
	ErrInvalidArgument = errors.New("meta: invalid argument")
	// ErrNoSuchCORSConfiguration: the bucket has no CORS configuration.
	ErrNoSuchCORSConfiguration = errors.New("meta: no such CORS configuration")
)

// Bucket is a bucket's record.
type Bucket struct {
	Name    string
	Region  string
	Created time.Time
}

// Attrs are the stored HTTP attributes of an object, set at PUT (or at
// CreateMultipartUpload) and returned on GET and HEAD.
type Attrs struct {
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	StorageClass       string
	// UserMeta holds x-amz-meta-* headers: lower-case names without the
	// prefix, values as sent.
	UserMeta map[string]string
}

// Segment is one blob of an object's bytes. A simple PUT makes one segment;
// a completed multipart upload keeps one segment per part, so completion
// never copies bytes.
type Segment struct {
	Blob storage.BlobID
	Size int64
	// ETag is the part's ETag (hex MD5, unquoted); empty for a simple PUT.
	ETag string
	// Checksums of this segment: algorithm name (CRC32, CRC32C, CRC64NVME,
	// SHA1, SHA256) to base64 value.
	Checksums map[string]string
}

// Object is an object's record.
type Object struct {
	Bucket       string
	Key          string
	Size         int64
	ETag         string // unquoted: hex MD5, or hex-N for multipart
	LastModified time.Time
	Attrs        Attrs
	// Checksums of the whole object (algorithm -> base64), as the client
	// sent or asked for them. ChecksumType is FULL_OBJECT or COMPOSITE.
	Checksums    map[string]string
	ChecksumType string
	// Segments hold the bytes in order; their sizes add up to Size.
	Segments []Segment
	// PartsCount is the number of parts for a multipart object, else 0.
	PartsCount int
	// ServerSideEncryption is how the object's bytes are encrypted at
	// rest, as S3 names it: "AES256" (SSE-S3) for every object written
	// since signet seals blobs, "" for one written before.
	ServerSideEncryption string
	// SSECustomerAlgorithm ("AES256") marks an object written with a
	// customer-provided key (SSE-C); SSECustomerKeyMD5 is the key's MD5 as
	// the client sent it (base64), sent back on reads; SSECustomerKeyCheck
	// is a salted HMAC of the key, to tell a later request's key from
	// another. The key itself is never stored.
	SSECustomerAlgorithm string
	SSECustomerKeyMD5    string
	SSECustomerKeyCheck  []byte
}

// Blobs lists the blobs the object references.
func (o *Object) Blobs() []storage.BlobID {
	ids := make([]storage.BlobID, 0, len(o.Segments))
	for _, s := range o.Segments {
		ids = append(ids, s.Blob)
	}
	return ids
}

// Upload is an in-progress multipart upload.
type Upload struct {
	Bucket    string
	Key       string
	ID        string
	Initiated time.Time
	Attrs     Attrs
	// ChecksumAlgorithm is the algorithm asked for at creation, if any.
	ChecksumAlgorithm string
	ChecksumType      string
}

// Part is an uploaded part of a multipart upload.
type Part struct {
	Number       int
	Blob         storage.BlobID
	Size         int64
	ETag         string // unquoted hex MD5
	LastModified time.Time
	Checksums    map[string]string
}

// Precondition is evaluated inside the write transaction with the object
// the key currently holds (nil when absent). A non-nil error aborts the
// write and is returned unchanged, so If-Match and If-None-Match are atomic
// with the write they guard.
type Precondition func(existing *Object) error

// ListQuery selects objects in key order.
type ListQuery struct {
	Prefix    string
	Delimiter string
	// After: only keys (and common prefixes) strictly greater than After.
	After   string
	MaxKeys int // 0 returns an empty, untruncated page
}

// ListPage is one page of a listing. Objects and CommonPrefixes together
// hold at most MaxKeys entries.
type ListPage struct {
	Objects        []Object
	CommonPrefixes []string
	IsTruncated    bool
	// NextAfter is the last key or common prefix in the page; pass it as
	// After to get the next page.
	NextAfter string
}

// UploadQuery selects in-progress uploads, ordered by key then initiation.
type UploadQuery struct {
	Prefix         string
	Delimiter      string
	KeyMarker      string
	UploadIDMarker string
	MaxUploads     int
}

// UploadPage is one page of uploads.
type UploadPage struct {
	Uploads            []Upload
	CommonPrefixes     []string
	IsTruncated        bool
	NextKeyMarker      string
	NextUploadIDMarker string
}

// CompleteFunc builds the final object from the upload and its stored
// parts, inside the completing transaction. It validates the client's part
// list; its error aborts completion and is returned unchanged.
type CompleteFunc func(u Upload, parts map[int]Part) (Object, error)

// Store is the metadata store. Every method is atomic. Methods that remove
// references return the blobs no longer referenced, for the caller to delete
// after the commit.
type Store interface {
	CreateBucket(ctx context.Context, b Bucket) error
	GetBucket(ctx context.Context, name string) (Bucket, error)
	ListBuckets(ctx context.Context) ([]Bucket, error) // sorted by name
	// DeleteBucket fails with ErrBucketNotEmpty while objects remain;
	// in-progress uploads are dropped and their blobs returned.
	DeleteBucket(ctx context.Context, name string) ([]storage.BlobID, error)

	// PutBucketCORS sets a bucket's CORS configuration, a document the
	// store keeps as given (an empty one is ErrInvalidArgument); it
	// replaces any before it. DeleteBucket removes it with the bucket.
	// All three fail with ErrNoSuchBucket on a missing bucket.
	PutBucketCORS(ctx context.Context, bucket, doc string) error
	GetBucketCORS(ctx context.Context, bucket string) (string, error) // ErrNoSuchCORSConfiguration
	DeleteBucketCORS(ctx context.Context, bucket string) error        // a missing configuration is not an error

	// PutObject stores obj (bucket and key inside it), replacing any
	// object the key held.
	PutObject(ctx context.Context, obj Object, pre Precondition) ([]storage.BlobID, error)
	GetObject(ctx context.Context, bucket, key string) (Object, error)
	// DeleteObject removes a key; a missing key is not an error.
	DeleteObject(ctx context.Context, bucket, key string) ([]storage.BlobID, error)
	ListObjects(ctx context.Context, bucket string, q ListQuery) (ListPage, error)

	CreateUpload(ctx context.Context, u Upload) error
	GetUpload(ctx context.Context, bucket, key, uploadID string) (Upload, error)
	// PutPart stores a part, replacing a part of the same number.
	PutPart(ctx context.Context, bucket, key, uploadID string, p Part) ([]storage.BlobID, error)
	// ListParts returns parts with numbers greater than after, in order,
	// at most max, and whether more remain.
	ListParts(ctx context.Context, bucket, key, uploadID string, after, max int) ([]Part, bool, error)
	ListUploads(ctx context.Context, bucket string, q UploadQuery) (UploadPage, error)
	// CompleteUpload atomically turns an upload into an object. The
	// returned blobs are those of parts left out and of the replaced object.
	CompleteUpload(ctx context.Context, bucket, key, uploadID string, build CompleteFunc, pre Precondition) (Object, []storage.BlobID, error)
	AbortUpload(ctx context.Context, bucket, key, uploadID string) ([]storage.BlobID, error)

	// WalkBlobs calls fn for every blob referenced by an object or a part.
	WalkBlobs(ctx context.Context, fn func(storage.BlobID) error) error
	Close() error
}
