// Package memory is signet's in-memory reference metadata engine: the
// whole meta.Store, meta.Identities, meta.DevClockStore and
// meta.URLRevocationStore behind one mutex, in maps. It is written to be
// obviously correct rather than fast (listings sort the keys they walk
// on every call) and keeps nothing across a restart, so it serves tests,
// and the conformance suite (metatest) as a second engine that the
// others are checked against.
//
// Every method takes the mutex for its whole run, so every method is
// atomic and writes are serialised. A write validates everything that can
// fail, callbacks included, before it changes anything, so an error
// leaves the store as it was. Records are deep-copied in and out: what a
// caller holds never aliases what the store holds.
//
// Blob references are counted as the bolt engine counts them: every
// object version and every upload part holds one, and a blob is reported
// free only when its last reference goes.
//
// It does not have the storage.InlineStore capability: a server on it
// keeps every blob, small ones too, in the blob engine.
package memory

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"signet/internal/meta"
	"signet/internal/storage"
)

// maxKeyLen is S3's limit on an object key, in bytes.
const maxKeyLen = 1024

var (
	_ meta.Store         = (*Store)(nil)
	_ meta.Identities    = (*Store)(nil)
	_ meta.DevClockStore = (*Store)(nil)
)

// Store is the in-memory engine. The zero value is not usable; call New.
type Store struct {
	mu     sync.Mutex
	closed bool

	buckets   map[string]*bucket
	uploads   map[string]*upload // by upload ID
	completed map[string]meta.CompletedUpload
	refs      map[storage.BlobID]int

	accountPAB *meta.PublicAccessBlock
	// passwordPolicy is the account's password policy, nil when none.
	passwordPolicy *meta.PasswordPolicy
	devClock       time.Duration
	// revocations is the presigned-URL denylist, by entry ID.
	revocations map[string]meta.URLRevocation
	// consoleLinks are the console's remembered links, by ID.
	consoleLinks map[string]meta.ConsoleLink

	ids identities
}

// bucket is a bucket's record with everything that goes with it.
type bucket struct {
	rec meta.Bucket
	// keys holds every version of every key, newest first. In a bucket
	// never versioned a key has exactly one, with VersionID "". A key
	// with no version is removed from the map.
	keys map[string][]meta.Object
	// policy, cors and lifecycle are the bucket's documents, "" when it
	// has none (an empty document is refused on the way in).
	policy, cors, lifecycle string
}

// upload is an in-progress multipart upload and its parts.
type upload struct {
	rec   meta.Upload
	parts map[int]meta.Part
}

// New returns an empty store.
func New() *Store {
	return &Store{
		buckets:   map[string]*bucket{},
		uploads:   map[string]*upload{},
		completed: map[string]meta.CompletedUpload{},
		refs:      map[storage.BlobID]int{},
		ids:       newIdentities(),

		revocations:  map[string]meta.URLRevocation{},
		consoleLinks: map[string]meta.ConsoleLink{},
	}
}

// Close drops nothing (the data dies with the process) but makes every
// later call fail with meta.ErrClosed. Closing twice is harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// lock takes the mutex for one call and reports a closed store or a done
// context; on error the mutex is not held.
func (s *Store) lock(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return meta.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		s.mu.Unlock()
		return err
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{meta.ErrInvalidArgument}, args...)...)
}

func checkKey(key string) error {
	if key == "" || len(key) > maxKeyLen {
		return invalid("key length %d not in 1..%d", len(key), maxKeyLen)
	}
	return nil
}

func checkBlobs(ids []storage.BlobID) error {
	for _, id := range ids {
		if id == "" {
			return invalid("empty blob id")
		}
	}
	return nil
}

// ref adds one reference to each blob.
func (s *Store) ref(ids []storage.BlobID) {
	for _, id := range ids {
		s.refs[id]++
	}
}

// unref drops one reference from each blob and returns freed with those
// left with none appended.
func (s *Store) unref(ids []storage.BlobID, freed []storage.BlobID) []storage.BlobID {
	for _, id := range ids {
		if s.refs[id] <= 1 {
			delete(s.refs, id)
			freed = append(freed, id)
			continue
		}
		s.refs[id]--
	}
	return freed
}

// bucket returns the named bucket, ErrNoSuchBucket when there is none.
func (s *Store) bucket(name string) (*bucket, error) {
	b, ok := s.buckets[name]
	if !ok || name == "" {
		return nil, meta.ErrNoSuchBucket
	}
	return b, nil
}

// Buckets.

func (s *Store) CreateBucket(ctx context.Context, b meta.Bucket) error {
	if b.Name == "" {
		return invalid("empty bucket name")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.buckets[b.Name]; ok {
		return meta.ErrBucketExists
	}
	s.buckets[b.Name] = &bucket{rec: cloneBucket(b), keys: map[string][]meta.Object{}}
	return nil
}

func (s *Store) GetBucket(ctx context.Context, name string) (meta.Bucket, error) {
	if err := s.lock(ctx); err != nil {
		return meta.Bucket{}, err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(name)
	if err != nil {
		return meta.Bucket{}, err
	}
	return cloneBucket(b.rec), nil
}

func (s *Store) ListBuckets(ctx context.Context) ([]meta.Bucket, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []meta.Bucket
	for _, name := range sortedKeys(s.buckets) {
		out = append(out, cloneBucket(s.buckets[name].rec))
	}
	return out, nil
}

func (s *Store) UpdateBucket(ctx context.Context, name string, fn func(*meta.Bucket) error) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(name)
	if err != nil {
		return err
	}
	next := cloneBucket(b.rec)
	if err := fn(&next); err != nil {
		return err
	}
	// The bucket's identity is not fn's to change.
	next.Name, next.Region, next.Created = b.rec.Name, b.rec.Region, b.rec.Created
	b.rec = cloneBucket(next)
	return nil
}

// DeleteBucket drops the bucket's uploads (returning their parts' blobs)
// and its documents with it: a bucket created again under the name starts
// without them.
func (s *Store) DeleteBucket(ctx context.Context, name string) ([]storage.BlobID, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(name)
	if err != nil {
		return nil, err
	}
	if len(b.keys) > 0 {
		return nil, meta.ErrBucketNotEmpty
	}
	var freed []storage.BlobID
	for _, id := range sortedKeys(s.uploads) {
		if s.uploads[id].rec.Bucket == name {
			freed = s.dropUpload(id, freed)
		}
	}
	delete(s.buckets, name)
	return freed, nil
}

func (s *Store) PutBucketTags(ctx context.Context, name string, tags []meta.Tag) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(name)
	if err != nil {
		return err
	}
	b.rec.Tags = cloneTags(tags)
	return nil
}

// SetBucketVersioning sets Enabled or Suspended. The first time, every
// object the bucket holds becomes its key's null version.
func (s *Store) SetBucketVersioning(ctx context.Context, name string, v meta.Versioning) error {
	if v != meta.VersioningEnabled && v != meta.VersioningSuspended {
		return invalid("versioning state %q", v)
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(name)
	if err != nil {
		return err
	}
	if b.rec.Versioning == meta.Unversioned {
		for _, vs := range b.keys {
			vs[0].VersionID = meta.NullVersion
		}
	}
	b.rec.Versioning = v
	return nil
}

// Bucket documents: policy, CORS and lifecycle configurations.

// doc returns the field of b that holds one kind of document.
type docField func(b *bucket) *string

func policyDoc(b *bucket) *string    { return &b.policy }
func corsDoc(b *bucket) *string      { return &b.cors }
func lifecycleDoc(b *bucket) *string { return &b.lifecycle }

func (s *Store) putDoc(ctx context.Context, field docField, name, doc, why string) error {
	if doc == "" {
		return invalid(why)
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(name)
	if err != nil {
		return err
	}
	*field(b) = doc
	return nil
}

func (s *Store) getDoc(ctx context.Context, field docField, name string, errNone error) (string, error) {
	if err := s.lock(ctx); err != nil {
		return "", err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(name)
	if err != nil {
		return "", err
	}
	if *field(b) == "" {
		return "", errNone
	}
	return *field(b), nil
}

func (s *Store) deleteDoc(ctx context.Context, field docField, name string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(name)
	if err != nil {
		return err
	}
	*field(b) = ""
	return nil
}

func (s *Store) PutBucketCORS(ctx context.Context, bucket, doc string) error {
	return s.putDoc(ctx, corsDoc, bucket, doc, "empty CORS configuration")
}

func (s *Store) GetBucketCORS(ctx context.Context, bucket string) (string, error) {
	return s.getDoc(ctx, corsDoc, bucket, meta.ErrNoSuchCORSConfiguration)
}

func (s *Store) DeleteBucketCORS(ctx context.Context, bucket string) error {
	return s.deleteDoc(ctx, corsDoc, bucket)
}

func (s *Store) PutBucketLifecycle(ctx context.Context, bucket, doc string) error {
	return s.putDoc(ctx, lifecycleDoc, bucket, doc, "empty lifecycle configuration")
}

func (s *Store) GetBucketLifecycle(ctx context.Context, bucket string) (string, error) {
	return s.getDoc(ctx, lifecycleDoc, bucket, meta.ErrNoSuchLifecycleConfiguration)
}

func (s *Store) DeleteBucketLifecycle(ctx context.Context, bucket string) error {
	return s.deleteDoc(ctx, lifecycleDoc, bucket)
}

func (s *Store) PutBucketPolicy(ctx context.Context, bucket, doc string) error {
	return s.putDoc(ctx, policyDoc, bucket, doc, "empty bucket policy")
}

func (s *Store) GetBucketPolicy(ctx context.Context, bucket string) (string, error) {
	return s.getDoc(ctx, policyDoc, bucket, meta.ErrNoSuchBucketPolicy)
}

func (s *Store) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	return s.deleteDoc(ctx, policyDoc, bucket)
}

// Account-wide settings.

func (s *Store) AccountPublicAccessBlock(ctx context.Context) (*meta.PublicAccessBlock, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return clonePAB(s.accountPAB), nil
}

func (s *Store) PutAccountPublicAccessBlock(ctx context.Context, p meta.PublicAccessBlock) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.accountPAB = &p
	return nil
}

func (s *Store) DeleteAccountPublicAccessBlock(ctx context.Context) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.accountPAB = nil
	return nil
}

func (s *Store) DevClockOffset(ctx context.Context) (time.Duration, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	return s.devClock, nil
}

func (s *Store) SetDevClockOffset(ctx context.Context, d time.Duration) error {
	if d < 0 {
		return invalid("dev clock offset %v is negative", d)
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.devClock = d
	return nil
}

// WalkBlobs calls fn outside the mutex, with a snapshot of the referenced
// set, so a slow fn never holds up writers.
func (s *Store) WalkBlobs(ctx context.Context, fn func(storage.BlobID) error) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	ids := sortedKeys(s.refs)
	s.mu.Unlock()
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// sortedKeys returns m's keys in byte order.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
