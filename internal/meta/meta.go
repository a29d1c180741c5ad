// Package meta defines signet's metadata store, in two halves. Store
// (this file) holds buckets, the object index and multipart uploads.
// Object bytes live in storage engines as blobs; a metadata commit is what
// makes a blob visible as an object, so it is the commit point of every
// write. Identities (identity.go) holds IAM users, access keys, roles,
// inline and managed policies, STS sessions and bucket policies, so that
// every node sees the same truth about who may sign.
//
// Engines: the embedded bbolt engine (default), the in-memory reference
// engine (meta/memory, for tests) and PostgreSQL (meta/postgres), which
// several signet nodes share. Every engine passes metatest.Run.
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
	// ErrNoSuchLifecycleConfiguration: the bucket has no lifecycle
	// configuration.
	ErrNoSuchLifecycleConfiguration = errors.New("meta: no such lifecycle configuration")
	// ErrNoSuchVersion: the key has no version of that ID.
	ErrNoSuchVersion = errors.New("meta: no such version")
	// ErrVersioningChanged: a write's VersionID does not suit the bucket's
	// versioning state (see Object.VersionID), which changed after the
	// caller read it; read the bucket again and retry.
	ErrVersioningChanged = errors.New("meta: bucket versioning changed")
	// ErrDeleteMarker: the version named is a delete marker, which has
	// no tags or ACL to change.
	ErrDeleteMarker = errors.New("meta: version is a delete marker")
	// ErrUnavailable: the engine cannot reach the database that holds
	// the truth (a networked engine cut off from its server), so it can
	// neither read nor write. The API packages answer 503
	// ServiceUnavailable: never a guess from state that may be stale.
	ErrUnavailable = errors.New("meta: metadata database unavailable")
)

// Versioning is a bucket's versioning state. A bucket starts Unversioned
// and, once versioning is enabled, can only be Enabled or Suspended.
type Versioning string

const (
	Unversioned         Versioning = ""
	VersioningEnabled   Versioning = "Enabled"
	VersioningSuspended Versioning = "Suspended"
)

// NullVersion is the ID of an object written while its bucket was
// Unversioned or Suspended: each key has at most one null version.
const NullVersion = "null"

// CheckVersionID is the rule every engine applies to a write (see
// Object.VersionID): ErrVersioningChanged when the write's version ID
// does not suit the bucket's state, because the writer read an older
// state.
func CheckVersionID(state Versioning, id string) error {
	ok := false
	switch state {
	case Unversioned:
		ok = id == ""
	case VersioningSuspended:
		ok = id == NullVersion
	case VersioningEnabled:
		ok = id != "" && id != NullVersion
	}
	if !ok {
		return ErrVersioningChanged
	}
	return nil
}

// Bucket is a bucket's record.
type Bucket struct {
	Name    string
	Region  string
	Created time.Time
	// Versioning is the bucket's versioning state.
	Versioning Versioning
	// Tags is the bucket's tag set (PutBucketTagging), nil when it has
	// none.
	Tags []Tag
	// Ownership is the bucket's Object Ownership setting (OwnershipEnforced,
	// OwnershipPreferred or OwnershipWriter), or "" once its ownership
	// controls are deleted, when the bucket behaves as ObjectWriter.
	// Records written before the field existed read as OwnershipEnforced,
	// the only behaviour signet had.
	Ownership string
	// PublicAccessBlock is the bucket's Block Public Access
	// configuration; nil when it has none.
	PublicAccessBlock *PublicAccessBlock
	// ACL is the bucket's access control list; nil is the default, the
	// owner's full control.
	ACL *ACL
}

// Tag is one key/value pair of an object's or a bucket's tag set. Tag
// sets are ordered lists, kept as the client gave them, so that a
// GetObjectTagging answers in the order of the PutObjectTagging.
type Tag struct {
	Key   string
	Value string
}

// Object Ownership settings, as S3 spells them.
const (
	OwnershipEnforced  = "BucketOwnerEnforced"
	OwnershipPreferred = "BucketOwnerPreferred"
	OwnershipWriter    = "ObjectWriter"
)

// PublicAccessBlock is a Block Public Access configuration.
type PublicAccessBlock struct {
	BlockPublicAcls       bool
	IgnorePublicAcls      bool
	BlockPublicPolicy     bool
	RestrictPublicBuckets bool
}

// Or is the configuration in force where two apply, as the account's and
// a bucket's do: each setting is on when either has it on, so the more
// restrictive wins. Either may be nil (none); the result is nil only when
// both are.
func (p *PublicAccessBlock) Or(q *PublicAccessBlock) *PublicAccessBlock {
	switch {
	case p == nil:
		return q
	case q == nil:
		return p
	}
	return &PublicAccessBlock{
		BlockPublicAcls:       p.BlockPublicAcls || q.BlockPublicAcls,
		IgnorePublicAcls:      p.IgnorePublicAcls || q.IgnorePublicAcls,
		BlockPublicPolicy:     p.BlockPublicPolicy || q.BlockPublicPolicy,
		RestrictPublicBuckets: p.RestrictPublicBuckets || q.RestrictPublicBuckets,
	}
}

// ACL is an access control list: its grants, in order. The owner is
// always the account, so it is not stored.
type ACL struct {
	Grants []Grant
}

// Grant gives one grantee one permission (FULL_CONTROL, READ, WRITE,
// READ_ACP, WRITE_ACP).
type Grant struct {
	// Type is the grantee's kind: GranteeCanonicalUser (ID),
	// GranteeGroup (URI) or GranteeEmail (Email).
	Type       string
	ID         string
	URI        string
	Email      string
	Permission string
}

// Grantee kinds, as S3's xsi:type spells them.
const (
	GranteeCanonicalUser = "CanonicalUser"
	GranteeGroup         = "Group"
	GranteeEmail         = "AmazonCustomerByEmail"
)

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
	// VersionID names the version a write makes, and so the versioning
	// state the writer expects: "" in an Unversioned bucket, NullVersion
	// in a Suspended one, a new opaque ID in an Enabled one. A write whose
	// VersionID does not suit the bucket fails with ErrVersioningChanged.
	// Objects read from an Unversioned bucket have "".
	VersionID string
	// DeleteMarker: this version is a delete marker (no bytes, no
	// attributes), written by PutDeleteMarker.
	DeleteMarker bool
	// IsLatest is set by version reads (GetObjectVersion,
	// ListObjectVersions): this is the key's newest version. Not stored.
	IsLatest bool
	// Tags is the object's tag set, nil when it has none.
	Tags []Tag
	// ACL is the object's access control list; nil is the default, the
	// owner's full control.
	ACL *ACL
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
	// Tags are given at creation (x-amz-tagging) and become the object's
	// at completion.
	Tags []Tag
	// ACL is the ACL the completed object gets; nil is the default.
	ACL *ACL
	// SSECustomerAlgorithm, SSECustomerKeyMD5 and SSECustomerKeyCheck
	// are the SSE-C key given at creation, as Object keeps them: every
	// part must bring the same key, and the object gets them.
	SSECustomerAlgorithm string
	SSECustomerKeyMD5    string
	SSECustomerKeyCheck  []byte
}

// CompletedUpload is what a completed multipart upload answered, kept
// so that a repeated CompleteMultipartUpload (an SDK retrying after its
// first attempt timed out) gets the same 200 and result. CompleteUpload
// writes it in the transaction that completes the upload, so a
// completion is never committed without it.
type CompletedUpload struct {
	Bucket string
	Key    string
	ID     string
	// BucketCreated is the bucket's creation time when the upload
	// completed: a bucket deleted and created again is another bucket.
	BucketCreated time.Time
	// Completed is the completed object's LastModified.
	Completed    time.Time
	ETag         string // unquoted, hex-N
	Size         int64
	Checksums    map[string]string
	ChecksumType string
	// VersionID is the completed object's version ID ("" in an
	// Unversioned bucket), which a repeated completion sends again.
	VersionID string
	// ServerSideEncryption is the object's (AES256, or empty for an
	// SSE-C upload), which the answer names.
	ServerSideEncryption string
}

// CompletedUploadRetention is how long a completed upload is remembered.
// A retry comes seconds or minutes after the attempt it repeats; the
// longest a retry can come is the life of a presigned
// CompleteMultipartUpload URL (7 days, as for any SigV4 presigned URL),
// and a client replaying such a URL within its validity should get the
// answer its first use got. Records older than this are pruned as later
// uploads complete, a few per completion.
const CompletedUploadRetention = 7 * 24 * time.Hour

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

// VersionQuery selects versions by key, then newest first within a key,
// as S3's ListObjectVersions does. KeyMarker alone starts after every
// version of that key; with VersionIDMarker, after that version of it.
type VersionQuery struct {
	Prefix          string
	Delimiter       string
	KeyMarker       string
	VersionIDMarker string
	MaxKeys         int // 0 returns an empty, untruncated page
}

// VersionPage is one page of versions. Versions (delete markers included)
// and CommonPrefixes together hold at most MaxKeys entries. When truncated,
// NextKeyMarker and NextVersionIDMarker name the last entry (for a common
// prefix, NextVersionIDMarker is ""); pass them as the markers of the next
// page.
type VersionPage struct {
	Versions            []Object
	CommonPrefixes      []string
	IsTruncated         bool
	NextKeyMarker       string
	NextVersionIDMarker string
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
	// UpdateBucket changes a bucket's record atomically: fn gets the
	// stored record and edits it in place (its Name, Region and Created
	// are kept whatever fn does); an error from fn aborts the update and
	// is returned unchanged. ErrNoSuchBucket when the bucket is missing.
	UpdateBucket(ctx context.Context, name string, fn func(*Bucket) error) error
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

	// PutBucketLifecycle, GetBucketLifecycle and DeleteBucketLifecycle
	// keep a bucket's lifecycle configuration with the rules of the CORS
	// methods above (ErrNoSuchLifecycleConfiguration when it has none).
	PutBucketLifecycle(ctx context.Context, bucket, doc string) error
	GetBucketLifecycle(ctx context.Context, bucket string) (string, error)
	DeleteBucketLifecycle(ctx context.Context, bucket string) error

	// AccountPublicAccessBlock returns the account's Block Public Access
	// configuration (S3 Control), nil when it has none. There is one
	// account, so there is one configuration, which outlives every bucket.
	AccountPublicAccessBlock(ctx context.Context) (*PublicAccessBlock, error)
	// PutAccountPublicAccessBlock replaces it (four settings all off is a
	// configuration like any other, not none).
	PutAccountPublicAccessBlock(ctx context.Context, p PublicAccessBlock) error
	// DeleteAccountPublicAccessBlock removes it; none is not an error.
	DeleteAccountPublicAccessBlock(ctx context.Context) error

	// PutBucketTags replaces a bucket's tag set; nil or empty removes
	// it. ErrNoSuchBucket on a missing bucket.
	PutBucketTags(ctx context.Context, bucket string, tags []Tag) error

	// PutObjectTags replaces the tag set of the object a key holds (nil
	// or empty removes it) and changes nothing else of its record: not
	// its LastModified, its ETag or its blobs. ErrNoSuchBucket,
	// ErrNoSuchKey.
	PutObjectTags(ctx context.Context, bucket, key string, tags []Tag) error
	// PutObjectVersionTags is PutObjectTags on one version of the key
	// (NullVersion names the null one; in a bucket never versioned it is
	// the only one). When that version is the current one, GetObject
	// sees the change. ErrNoSuchBucket, ErrNoSuchKey (the key has no
	// version at all), ErrNoSuchVersion, ErrDeleteMarker.
	PutObjectVersionTags(ctx context.Context, bucket, key, versionID string, tags []Tag) error

	// SetBucketVersioning sets Enabled or Suspended (anything else is
	// ErrInvalidArgument). Objects written before versioning was first
	// enabled become their keys' null versions.
	SetBucketVersioning(ctx context.Context, bucket string, v Versioning) error

	// PutObject stores obj (bucket and key inside it). In an Unversioned
	// bucket it replaces any object the key held; in an Enabled one it
	// adds a version, keeping the others; in a Suspended one it replaces
	// the key's null version. Its VersionID must suit the bucket (see
	// Object.VersionID). pre sees the key's current object, nil when the
	// key has none or its newest version is a delete marker.
	PutObject(ctx context.Context, obj Object, pre Precondition) ([]storage.BlobID, error)
	// GetObject returns the key's current object: ErrNoSuchKey when it
	// has none or its newest version is a delete marker.
	GetObject(ctx context.Context, bucket, key string) (Object, error)
	// SetObjectACL replaces the ACL of the object a key holds, leaving
	// the rest of its record as it is (ErrNoSuchBucket, ErrNoSuchKey).
	SetObjectACL(ctx context.Context, bucket, key string, acl *ACL) error
	// SetObjectVersionACL is SetObjectACL on one version of the key, with
	// PutObjectVersionTags' rules and errors.
	SetObjectVersionACL(ctx context.Context, bucket, key, versionID string, acl *ACL) error
	// DeleteObject removes a key of an Unversioned bucket; a missing key
	// is not an error. In a versioned bucket it fails with
	// ErrVersioningChanged: deleting there is PutDeleteMarker.
	DeleteObject(ctx context.Context, bucket, key string) ([]storage.BlobID, error)
	ListObjects(ctx context.Context, bucket string, q ListQuery) (ListPage, error)

	// PutDeleteMarker makes a delete marker the key's newest version, with
	// markerID as its VersionID (NullVersion in a Suspended bucket, where
	// it replaces the null version; a new ID in an Enabled one; an
	// Unversioned bucket is ErrVersioningChanged).
	PutDeleteMarker(ctx context.Context, bucket, key, markerID string, at time.Time) ([]storage.BlobID, error)
	// GetObjectVersion returns one version, which may be a delete marker;
	// versionID "" means the newest. ErrNoSuchKey when the key has no
	// version at all, ErrNoSuchVersion when it has none of that ID.
	GetObjectVersion(ctx context.Context, bucket, key, versionID string) (Object, error)
	// DeleteObjectVersion removes one version for good and returns it;
	// when it was the newest, the next newest becomes current.
	// ErrNoSuchVersion when there is no such version.
	DeleteObjectVersion(ctx context.Context, bucket, key, versionID string) (Object, []storage.BlobID, error)
	// ListObjectVersions lists versions and delete markers; in an
	// Unversioned bucket every object is its key's latest null version.
	// A VersionIDMarker without KeyMarker, or naming no version of it,
	// is ErrInvalidArgument.
	ListObjectVersions(ctx context.Context, bucket string, q VersionQuery) (VersionPage, error)

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
	// GetCompletedUpload returns the record CompleteUpload kept of a
	// completed upload of bucket and key: ErrNoSuchBucket on a missing
	// bucket, ErrNoSuchUpload when there is none (never completed, another
	// bucket or key, a bucket deleted and created again since, or pruned).
	// Records are kept at least CompletedUploadRetention after completion
	// (by the completed object's LastModified); judging that window is the
	// caller's, by its clock.
	GetCompletedUpload(ctx context.Context, bucket, key, uploadID string) (CompletedUpload, error)

	// WalkBlobs calls fn for every blob referenced by an object or a part.
	WalkBlobs(ctx context.Context, fn func(storage.BlobID) error) error
	Close() error
}
